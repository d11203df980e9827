// Received bytes not yet read by the application, and out-of-order bytes waiting for a
// hole to fill (RFC 9293 §3.10.7.4 "seventh, process the segment text"; RFC 2018 §4 for
// which ranges to report). Offsets are counted from RCV.NXT, the first byte not yet
// received in order; readable bytes sit before it.
//
// Bounded: bytes are held only within capacity - readable() (the window we advertised),
// and at most `max_ranges` disjoint out-of-order ranges (a segment that would need one
// more is dropped, counted by the caller). Storage is allocated lazily and kept while the
// connection is busy; release_if_empty() gives it back (see send_buffer.hpp for why).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "tunkit/wire/bytes.hpp"

namespace tunkit::stack::tcp {

struct ReceiveRange {
  std::size_t begin = 0;  // offset from RCV.NXT at the time of the call
  std::size_t end = 0;    // one past the last byte
  bool operator==(const ReceiveRange&) const = default;
};

struct InsertResult {
  std::size_t advanced = 0;  // RCV.NXT moves forward by this many bytes
  std::size_t stored = 0;    // bytes of the segment newly stored (in order or not)
  bool dropped_no_range = false;  // out of order and no range slot left
  bool operator==(const InsertResult&) const = default;
};

class ReceiveBuffer {
 public:
  ReceiveBuffer(std::size_t capacity, std::size_t max_ranges) noexcept;

  // Stores `data`, which starts `offset` bytes after RCV.NXT. Bytes beyond the window are
  // trimmed; bytes already held are not copied again.
  // The caller trims text below RCV.NXT first. The range a segment lands in (even as a
  // pure duplicate) becomes the most recently changed one.
  InsertResult insert(std::size_t offset, ByteSpan data);

  // Reads up to out.size() readable bytes; returns how many.
  std::size_t read(MutableByteSpan out) noexcept;
  std::size_t readable() const noexcept;
  // Room for new in-order data: capacity - readable() (what RCV.WND is computed from).
  std::size_t window() const noexcept;
  std::size_t capacity() const noexcept;
  void set_capacity(std::size_t capacity);  // grows; shrinking never loses data
  std::size_t allocated() const noexcept;
  // Frees the storage (and the range slots) if nothing is readable or held out of order.
  void release_if_empty() noexcept;

  // Out-of-order ranges, most recently changed first (RFC 2018 §4: the first SACK block
  // MUST be the one containing the most recent segment). Returns the count written.
  std::size_t out_of_order(std::span<ReceiveRange> out) const noexcept;
  std::size_t out_of_order_bytes() const noexcept;
  // Forgets out-of-order data (e.g. under memory pressure; RFC 2018 §8 allows reneging).
  void drop_out_of_order() noexcept;

 private:
  // An out-of-order range in absolute stream positions (bytes since the buffer was made),
  // so ranges need no adjusting when RCV.NXT moves.
  struct Range {
    std::uint64_t begin = 0;
    std::uint64_t end = 0;
    std::uint64_t changed = 0;  // insert() count when the range last took a segment
  };

  // Makes storage hold at least `needed` bytes from the first readable one.
  void reserve(std::size_t needed);
  // Copies `data` to stream position `position` (>= RCV.NXT, inside the storage).
  void store(std::uint64_t position, ByteSpan data) noexcept;

  std::unique_ptr<std::uint8_t[]> storage_;  // null exactly when allocated_ == 0
  std::size_t allocated_ = 0;
  std::size_t head_ = 0;      // ring index of the first readable byte
  std::size_t readable_ = 0;  // bytes before RCV.NXT
  std::size_t capacity_;
  std::size_t max_ranges_;
  std::uint64_t rcv_nxt_ = 0;  // stream position of RCV.NXT
  std::uint64_t inserts_ = 0;
  std::vector<Range> ranges_;  // sorted, disjoint, never adjacent, all beyond RCV.NXT
};

}  // namespace tunkit::stack::tcp
