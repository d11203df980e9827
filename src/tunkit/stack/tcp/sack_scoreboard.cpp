#include "tunkit/stack/tcp/sack_scoreboard.hpp"

#include <algorithm>
#include <new>

namespace tunkit::stack::tcp {
namespace {

// Bytes from a to b; callers guarantee a <= b in sequence space.
std::uint32_t distance(Seq a, Seq b) noexcept { return static_cast<std::uint32_t>(b - a); }

}  // namespace

SackScoreboard::SackScoreboard(std::size_t max_ranges) noexcept : max_ranges_(max_ranges) {}

void SackScoreboard::clear() noexcept {
  ranges_.reset();
  count_ = 0;
}

SackUpdate SackScoreboard::update(Seq snd_una, Seq snd_nxt,
                                  std::span<const SeqRange> blocks) noexcept {
  SackUpdate result;
  advance(snd_una);
  std::size_t i = 0;
  if (!blocks.empty() && blocks[0].begin < blocks[0].end) {
    // RFC 2883 §4: the first block reports a duplicate if it lies (at least partly) below
    // the cumulative ACK, or if it is contained in the second block.
    const SeqRange& first = blocks[0];
    const bool inside_second = blocks.size() > 1 && blocks[1].begin <= first.begin &&
                               first.end <= blocks[1].end && blocks[1].begin < blocks[1].end;
    if (first.begin < snd_una || inside_second) {
      result.dsack = true;
      i = 1;  // a duplicate is no new information about what the receiver holds
    }
  }
  for (; i < blocks.size(); ++i) {
    SeqRange block = blocks[i];
    // RFC 2018 §3: a block names bytes the receiver holds beyond the cumulative ACK, which
    // we must have sent. Anything else is malformed (or stale) and ignored.
    if (!(block.begin < block.end) || snd_nxt < block.end || block.end <= snd_una) continue;
    block.begin = seq_max(block.begin, snd_una);
    result.newly_sacked += insert(block);
  }
  return result;
}

void SackScoreboard::advance(Seq snd_una) noexcept {
  if (count_ == 0) return;
  std::size_t below = 0;
  while (below < count_ && ranges_[below].end <= snd_una) ++below;
  std::copy(ranges_.get() + below, ranges_.get() + count_, ranges_.get());
  count_ -= below;
  if (count_ == 0) {
    clear();  // nothing SACKed: the slots go too
    return;
  }
  // A cumulative ACK into the middle of a range (the receiver reneged and refilled, or the
  // caller advanced by bytes it counts itself) leaves the part above it.
  ranges_[0].begin = seq_max(ranges_[0].begin, snd_una);
}

bool SackScoreboard::is_sacked(Seq seq) const noexcept {
  for (std::size_t i = 0; i < count_; ++i) {
    if (seq_in(seq, ranges_[i].begin, ranges_[i].end)) return true;
  }
  return false;
}

bool SackScoreboard::is_lost(Seq seq, std::uint32_t smss) const noexcept {
  // RFC 6675 §4 IsLost(): DupThresh discontiguous SACKed sequences above SeqNum, or more
  // than (DupThresh - 1) * SMSS SACKed bytes above it.
  std::uint64_t bytes_above = 0;
  std::size_t ranges_above = 0;
  const Seq above = seq + 1;
  for (std::size_t i = 0; i < count_; ++i) {
    if (seq < ranges_[i].begin) ++ranges_above;
    if (above < ranges_[i].end) bytes_above += distance(seq_max(ranges_[i].begin, above), ranges_[i].end);
  }
  return ranges_above >= kDupThresh ||
         bytes_above > std::uint64_t{kDupThresh - 1} * smss;
}

std::uint32_t SackScoreboard::pipe(Seq snd_una, Seq snd_nxt, Seq high_rxt,
                                   std::uint32_t smss) const noexcept {
  // RFC 6675 §4 SetPipe(), a hole at a time: for each unSACKed octet between HighACK and
  // HighData, (a) add one if IsLost() is false, and (b) add one if it is below HighRxt
  // (it was retransmitted, and the retransmission is in flight).
  const std::size_t lost = lost_holes(smss);
  std::uint64_t pipe = 0;
  const auto add_hole = [&](Seq begin, Seq end, bool is_lost) {
    if (!(begin < end)) return;
    if (!is_lost) pipe += distance(begin, end);                     // (a)
    const Seq retransmitted_end = seq_min(end, high_rxt);
    if (begin < retransmitted_end) pipe += distance(begin, retransmitted_end);  // (b)
  };
  Seq hole_begin = snd_una;
  for (std::size_t i = 0; i < count_; ++i) {
    add_hole(hole_begin, seq_min(ranges_[i].begin, snd_nxt), i < lost);
    hole_begin = seq_max(hole_begin, ranges_[i].end);
  }
  add_hole(hole_begin, snd_nxt, false);  // above the highest SACK nothing is lost
  return static_cast<std::uint32_t>(std::min<std::uint64_t>(pipe, UINT32_MAX));
}

std::optional<SeqRange> SackScoreboard::next_seg(Seq snd_una, Seq high_rxt, std::uint32_t smss,
                                                 bool allow_rule3) const noexcept {
  if (smss == 0) return std::nullopt;
  // (1.a)/(3.a): above HighRxt (high_rxt is one past the highest retransmitted octet).
  const Seq start = seq_max(snd_una, high_rxt);
  const std::size_t lost = lost_holes(smss);
  Seq hole_begin = snd_una;
  // (1.b)/(3.b): only holes below a SACKed range, i.e. below the highest SACKed octet.
  for (std::size_t i = 0; i < count_; ++i) {
    const Seq begin = seq_max(hole_begin, start);
    const Seq end = ranges_[i].begin;
    if (begin < end) {
      // The first unSACKed octet above HighRxt. Rule 1 (1.c) takes it if IsLost(); if not,
      // no higher hole is lost either, and only rule 3 may send it.
      if (i < lost || allow_rule3) return SeqRange{begin, seq_min(end, begin + smss)};
      return std::nullopt;
    }
    hole_begin = seq_max(hole_begin, ranges_[i].end);
  }
  return std::nullopt;
}

std::uint32_t SackScoreboard::sacked_bytes() const noexcept {
  std::uint32_t bytes = 0;
  for (std::size_t i = 0; i < count_; ++i) bytes += distance(ranges_[i].begin, ranges_[i].end);
  return bytes;
}

std::optional<Seq> SackScoreboard::highest_sacked() const noexcept {
  if (count_ == 0) return std::nullopt;
  return ranges_[count_ - 1].end;
}

std::size_t SackScoreboard::range_count() const noexcept { return count_; }

std::uint32_t SackScoreboard::insert(SeqRange block) noexcept {
  if (!ranges_) {
    // Slots are made on the first SACK. If memory is short the SACK is not recorded, and
    // the sender falls back to what it would do without SACK (RFC 2018 §8 allows it).
    if (max_ranges_ == 0) return 0;
    ranges_.reset(new (std::nothrow) SeqRange[max_ranges_]);
    if (!ranges_) return 0;
  }
  // [first, last) overlap or touch the block and merge with it.
  std::size_t first = 0;
  while (first < count_ && ranges_[first].end < block.begin) ++first;
  std::size_t last = first;
  std::uint32_t held = 0;  // bytes of the block already SACKed
  while (last < count_ && ranges_[last].begin <= block.end) {
    const Seq b = seq_max(block.begin, ranges_[last].begin);
    const Seq e = seq_min(block.end, ranges_[last].end);
    if (b < e) held += distance(b, e);
    ++last;
  }
  const std::uint32_t added = distance(block.begin, block.end) - held;

  if (first == last) {
    if (count_ == max_ranges_) {
      // Full: forget the range farthest from SND.UNA, which may be this block itself.
      if (first == count_) return 0;
      --count_;
    }
    std::copy_backward(ranges_.get() + first, ranges_.get() + count_, ranges_.get() + count_ + 1);
    ranges_[first] = block;
    ++count_;
    return added;
  }
  ranges_[first] = SeqRange{seq_min(block.begin, ranges_[first].begin),
                            seq_max(block.end, ranges_[last - 1].end)};
  std::copy(ranges_.get() + last, ranges_.get() + count_, ranges_.get() + first + 1);
  count_ -= last - first - 1;
  return added;
}

std::size_t SackScoreboard::lost_holes(std::uint32_t smss) const noexcept {
  // Walk down from the highest range, counting ranges and bytes above each hole.
  const std::uint64_t byte_threshold = std::uint64_t{kDupThresh - 1} * smss;
  std::uint64_t bytes_above = 0;
  for (std::size_t i = count_; i-- > 0;) {
    bytes_above += distance(ranges_[i].begin, ranges_[i].end);
    if (count_ - i >= kDupThresh || bytes_above > byte_threshold) return i + 1;
  }
  return 0;
}

}  // namespace tunkit::stack::tcp
