// Buffers for packets the stack sends. Each keeps headroom before the IP packet so the
// link header is prepended in place (no copy once the neighbour is known), and the pool
// recycles their storage so a steady flow allocates nothing (DESIGN.md principle 4).
#pragma once

#include <cstdint>
#include <deque>
#include <vector>

#include "tunkit/wire/bytes.hpp"

namespace tunkit::stack {

struct PacketBuffer {
  std::vector<std::uint8_t> storage;  // capacity is what the pool recycles
  std::size_t offset = 0;             // headroom before the packet
  std::size_t length = 0;

  MutableByteSpan packet() noexcept { return MutableByteSpan(storage).subspan(offset, length); }
  ByteSpan packet() const noexcept { return ByteSpan(storage).subspan(offset, length); }
  // Grows the packet to the front by `bytes` of headroom. Precondition: offset >= bytes.
  MutableByteSpan prepend(std::size_t bytes) noexcept {
    offset -= bytes;
    length += bytes;
    return packet().first(bytes);
  }
};

class BufferPool {
 public:
  explicit BufferPool(std::size_t max_kept = 256) : max_kept_(max_kept) {}

  // A buffer whose packet is `length` bytes after `headroom` bytes; contents unspecified.
  PacketBuffer take(std::size_t headroom, std::size_t length) {
    PacketBuffer b;
    if (!free_.empty()) {
      b.storage = std::move(free_.back());
      free_.pop_back();
    }
    b.storage.resize(headroom + length);
    b.offset = headroom;
    b.length = length;
    return b;
  }
  void give(PacketBuffer&& b) {
    if (free_.size() < max_kept_ && b.storage.capacity() <= kMaxKeptCapacity)
      free_.push_back(std::move(b.storage));
  }

 private:
  static constexpr std::size_t kMaxKeptCapacity = 16 * 1024;  // big reassembled echoes are not kept
  std::size_t max_kept_;
  std::vector<std::vector<std::uint8_t>> free_;
};

}  // namespace tunkit::stack
