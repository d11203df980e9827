// The sender's record of what the receiver has SACKed (RFC 2018) and the RFC 6675
// functions built on it: Update(), IsLost(), SetPipe() and NextSeg() rules 1 and 3 (rule 2,
// new data, and rule 4, rescue retransmission, need the connection's send state and are
// decided by it). Bounded: at most `max_ranges` SACKed ranges; when full the range
// farthest from SND.UNA is forgotten (RFC 2018 lets a receiver renege, and the sender
// then simply retransmits).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>

#include "tunkit/stack/tcp/seq.hpp"

namespace tunkit::stack::tcp {

struct SeqRange {
  Seq begin;
  Seq end;  // one past the last sequence number
  bool operator==(const SeqRange&) const = default;
};

struct SackUpdate {
  std::uint32_t newly_sacked = 0;  // bytes not SACKed before this ACK
  bool dsack = false;              // the first block reported a duplicate (RFC 2883 §4)
};

class SackScoreboard {
 public:
  static constexpr unsigned kDupThresh = 3;  // RFC 6675 §2

  explicit SackScoreboard(std::size_t max_ranges = 32) noexcept;

  void clear() noexcept;
  // Records an ACK's SACK blocks. Blocks outside (snd_una, snd_nxt] are ignored except as a
  // D-SACK; `snd_una` is the cumulative ACK after this segment.
  // Also does advance(snd_una). The first block is a D-SACK when it starts below snd_una or
  // lies inside the second block; it is then not recorded. A later block straddling
  // snd_una keeps its part above it. When full, a block above every range is not recorded.
  SackUpdate update(Seq snd_una, Seq snd_nxt, std::span<const SeqRange> blocks) noexcept;
  // SND.UNA advanced: forget everything below it (a range straddling it keeps the rest).
  void advance(Seq snd_una) noexcept;

  bool is_sacked(Seq seq) const noexcept;
  // RFC 6675 §4 IsLost(SeqNum): DupThresh discontiguous SACKed ranges above seq, or more
  // than (DupThresh - 1) * smss SACKed bytes above it.
  bool is_lost(Seq seq, std::uint32_t smss) const noexcept;
  // RFC 6675 §4 SetPipe(), with HighRxt the highest retransmitted sequence number + 1.
  // pipe() and next_seg() expect advance(snd_una) to have been applied, and high_rxt within
  // 2^31 of snd_una (below snd_una means nothing retransmitted).
  std::uint32_t pipe(Seq snd_una, Seq snd_nxt, Seq high_rxt, std::uint32_t smss) const noexcept;
  // RFC 6675 §4 NextSeg() rule 1 (the first unSACKed, lost hole above high_rxt) and rule 3
  // (an unSACKed hole above high_rxt below the highest SACKed, when rule 1 finds nothing
  // and `allow_rule3`); at most smss bytes.
  std::optional<SeqRange> next_seg(Seq snd_una, Seq high_rxt, std::uint32_t smss,
                                   bool allow_rule3) const noexcept;

  std::uint32_t sacked_bytes() const noexcept;
  std::optional<Seq> highest_sacked() const noexcept;  // end of the highest range
  std::size_t range_count() const noexcept;

 private:
  // Records one valid block (begin < end, inside the window); returns the bytes it added.
  std::uint32_t insert(SeqRange block) noexcept;
  // How many of the lowest holes are lost: IsLost() is true in the holes below
  // ranges_[0, k) and false in every hole above. Every sequence number in one hole has the
  // same SACKed ranges and bytes above it, so IsLost() is constant per hole, and it can
  // only turn from true to false going up.
  std::size_t lost_holes(std::uint32_t smss) const noexcept;

  std::unique_ptr<SeqRange[]> ranges_;  // max_ranges_ slots, allocated on first use
  std::size_t count_ = 0;               // sorted, disjoint, never adjacent
  std::size_t max_ranges_;
};

}  // namespace tunkit::stack::tcp
