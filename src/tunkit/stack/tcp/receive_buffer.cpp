#include "tunkit/stack/tcp/receive_buffer.hpp"

#include <algorithm>
#include <cstring>
#include <limits>
#include <utility>

namespace tunkit::stack::tcp {
namespace {

// The first allocation: two full-sized Ethernet segments, so a short exchange stays small.
constexpr std::size_t kMinAllocation = 4096;

}  // namespace

ReceiveBuffer::ReceiveBuffer(std::size_t capacity, std::size_t max_ranges) noexcept
    : capacity_(capacity), max_ranges_(max_ranges) {}

InsertResult ReceiveBuffer::insert(std::size_t offset, ByteSpan data) {
  // RFC 9293 §3.10.7.4: only text inside the window is kept; the rest is trimmed.
  const std::size_t room = window();
  if (data.empty() || offset >= room) return {};
  data = data.first(std::min(data.size(), room - offset));
  const std::uint64_t begin = rcv_nxt_ + offset;
  const std::uint64_t end = begin + data.size();
  ++inserts_;

  if (offset == 0 && ranges_.empty()) {
    // The common case: the next in-order segment, one copy into the ring.
    reserve(readable_ + data.size());
    store(begin, data);
    readable_ += data.size();
    rcv_nxt_ = end;
    return {.advanced = data.size(), .stored = data.size()};
  }

  // [first, last) are the ranges the segment overlaps or touches; they merge with it.
  auto first = std::lower_bound(ranges_.begin(), ranges_.end(), begin,
                                [](const Range& r, std::uint64_t at) { return r.end < at; });
  auto last = first;
  while (last != ranges_.end() && last->begin <= end) ++last;
  const bool needs_new_range = first == last && offset > 0;
  if (needs_new_range && ranges_.size() >= max_ranges_) return {.dropped_no_range = true};

  reserve(readable_ + offset + data.size());
  // Copy only the holes between held ranges: bytes already held are not written again.
  InsertResult result;
  std::uint64_t cursor = begin;
  for (auto it = first; it != last; ++it) {
    if (it->begin > cursor) {
      store(cursor, data.subspan(cursor - begin, it->begin - cursor));
      result.stored += it->begin - cursor;
    }
    cursor = std::max(cursor, it->end);
  }
  if (cursor < end) {
    store(cursor, data.subspan(cursor - begin));
    result.stored += end - cursor;
  }

  if (first == last) {
    if (offset == 0) {
      // In order and clear of every range: nothing held becomes contiguous.
      readable_ += data.size();
      rcv_nxt_ = end;
      result.advanced = data.size();
      return result;
    }
    if (ranges_.capacity() < max_ranges_) {
      const auto at = first - ranges_.begin();
      ranges_.reserve(max_ranges_);  // once: later inserts do not allocate
      first = ranges_.begin() + at;
    }
    ranges_.insert(first, Range{begin, end, inserts_});
    return result;
  }
  // RFC 2018 §4: the range holding this segment becomes the most recently changed.
  *first = Range{std::min(begin, first->begin), std::max(end, std::prev(last)->end), inserts_};
  ranges_.erase(std::next(first), last);
  if (ranges_.front().begin == rcv_nxt_) {
    // The hole at RCV.NXT is filled: held bytes up to the range's end are now in order.
    result.advanced = ranges_.front().end - rcv_nxt_;
    readable_ += result.advanced;
    rcv_nxt_ = ranges_.front().end;
    ranges_.erase(ranges_.begin());
  }
  return result;
}

std::size_t ReceiveBuffer::read(MutableByteSpan out) noexcept {
  const std::size_t n = std::min(out.size(), readable_);
  if (n == 0) return 0;
  const std::size_t first = std::min(n, allocated_ - head_);
  std::memcpy(out.data(), storage_.get() + head_, first);
  if (first < n) std::memcpy(out.data() + first, storage_.get(), n - first);
  head_ += n;
  if (head_ >= allocated_) head_ -= allocated_;
  readable_ -= n;
  if (readable_ == 0 && ranges_.empty()) head_ = 0;  // storage stays (release_if_empty frees it)
  return n;
}

std::size_t ReceiveBuffer::readable() const noexcept { return readable_; }
std::size_t ReceiveBuffer::window() const noexcept {
  return capacity_ > readable_ ? capacity_ - readable_ : 0;
}
std::size_t ReceiveBuffer::capacity() const noexcept { return capacity_; }
// Storage is not moved here: growth is taken lazily by insert(), and storage beyond a
// smaller limit is returned when the buffer empties.
void ReceiveBuffer::set_capacity(std::size_t capacity) { capacity_ = capacity; }
std::size_t ReceiveBuffer::allocated() const noexcept { return allocated_; }

std::size_t ReceiveBuffer::out_of_order(std::span<ReceiveRange> out) const noexcept {
  // Change stamps are unique, so repeatedly taking the newest one older than the last
  // taken lists every range once, newest first. Range counts are small (SACK fits 4).
  const std::size_t n = std::min(out.size(), ranges_.size());
  std::uint64_t older_than = std::numeric_limits<std::uint64_t>::max();
  for (std::size_t i = 0; i < n; ++i) {
    std::size_t newest = 0;
    std::uint64_t newest_changed = 0;
    for (std::size_t k = 0; k < ranges_.size(); ++k) {
      if (ranges_[k].changed < older_than && ranges_[k].changed >= newest_changed) {
        newest = k;
        newest_changed = ranges_[k].changed;
      }
    }
    out[i] = ReceiveRange{static_cast<std::size_t>(ranges_[newest].begin - rcv_nxt_),
                          static_cast<std::size_t>(ranges_[newest].end - rcv_nxt_)};
    older_than = newest_changed;
  }
  return n;
}

std::size_t ReceiveBuffer::out_of_order_bytes() const noexcept {
  std::uint64_t bytes = 0;
  for (const Range& r : ranges_) bytes += r.end - r.begin;
  return static_cast<std::size_t>(bytes);
}

void ReceiveBuffer::drop_out_of_order() noexcept { ranges_.clear(); }

void ReceiveBuffer::reserve(std::size_t needed) {
  if (needed <= allocated_) return;
  // Geometric growth up to the limit (or past it only as far as held data requires).
  const std::size_t grown = std::max({needed, 2 * allocated_, kMinAllocation});
  const std::size_t size = std::min(grown, std::max(capacity_, needed));
  auto storage = std::make_unique_for_overwrite<std::uint8_t[]>(size);
  // Everything from the first readable byte to the end of the last range moves, holes too.
  const std::size_t extent =
      readable_ + (ranges_.empty() ? 0 : static_cast<std::size_t>(ranges_.back().end - rcv_nxt_));
  if (extent > 0) {
    const std::size_t first = std::min(extent, allocated_ - head_);
    std::memcpy(storage.get(), storage_.get() + head_, first);
    if (first < extent) std::memcpy(storage.get() + first, storage_.get(), extent - first);
  }
  storage_ = std::move(storage);
  allocated_ = size;
  head_ = 0;
}

void ReceiveBuffer::store(std::uint64_t position, ByteSpan data) noexcept {
  if (data.empty()) return;
  std::size_t at = head_ + readable_ + static_cast<std::size_t>(position - rcv_nxt_);
  if (at >= allocated_) at -= allocated_;
  const std::size_t first = std::min(data.size(), allocated_ - at);
  std::memcpy(storage_.get() + at, data.data(), first);
  if (first < data.size()) std::memcpy(storage_.get(), data.data() + first, data.size() - first);
}

void ReceiveBuffer::release_if_empty() noexcept {
  if (readable_ != 0 || !ranges_.empty()) return;
  storage_.reset();
  allocated_ = 0;
  head_ = 0;
  std::vector<Range>().swap(ranges_);  // the range slots too: an idle connection holds nothing
}

}  // namespace tunkit::stack::tcp
