// Buffers for packets the stack sends. Each keeps headroom before the IP packet so the
// link header is prepended in place (no copy once the neighbour is known), and the pool
// recycles their storage so a steady flow allocates nothing (DESIGN.md principle 4).
#pragma once

#include <cstdint>
#include <deque>
#include <vector>

#include "tunkit/wire/bytes.hpp"
#include "tunkit/wire/vnet_hdr.hpp"

namespace tunkit::stack {

struct PacketBuffer {
  std::vector<std::uint8_t> storage;  // capacity is what the pool recycles
  std::size_t offset = 0;             // headroom before the packet
  std::size_t length = 0;
  // The virtio_net_hdr the driver writes with the packet on an IFF_VNET_HDR device
  // (checksum and segmentation offload); all zero ("no offload") for ordinary packets.
  // Offsets count from the packet's first byte, the link header included.
  VirtioNetHdrRepr vnet{};

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
  explicit BufferPool(std::size_t max_kept = 256, std::size_t max_large_kept = 16)
      : max_kept_(max_kept), max_large_kept_(max_large_kept) {}

  // A buffer whose packet is `length` bytes after `headroom` bytes; contents unspecified
  // (recycled storage is not cleared: a 64 KiB TSO segment costs no memset).
  PacketBuffer take(std::size_t headroom, std::size_t length) {
    PacketBuffer b;
    const std::size_t size = headroom + length;
    auto& list = size > kSmallCapacity ? large_ : small_;
    if (!list.empty()) {
      b.storage = std::move(list.back());
      list.pop_back();
    }
    if (b.storage.size() < size) b.storage.resize(size);
    b.offset = headroom;
    b.length = length;
    return b;
  }
  void give(PacketBuffer&& b) {
    const std::size_t capacity = b.storage.capacity();
    if (capacity <= kSmallCapacity) {
      if (small_.size() < max_kept_) small_.push_back(std::move(b.storage));
    } else if (capacity <= kLargeCapacity && large_.size() < max_large_kept_) {
      large_.push_back(std::move(b.storage));
    }
  }

 private:
  // Ordinary packets (MTU-sized, big reassembled echoes excepted) and TSO super-segments
  // (up to 64 KiB plus headers) are recycled in separate lists, so a small packet never
  // takes a 64 KiB buffer and the memory kept stays bounded: 256 x 16 KiB + 16 x 66 KiB.
  static constexpr std::size_t kSmallCapacity = 16 * 1024;
  static constexpr std::size_t kLargeCapacity = 66 * 1024;
  std::size_t max_kept_;
  std::size_t max_large_kept_;
  std::vector<std::vector<std::uint8_t>> small_;
  std::vector<std::vector<std::uint8_t>> large_;
};

}  // namespace tunkit::stack
