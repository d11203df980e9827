// Batch I/O on one TUN/TAP queue fd, shaped for the data path: the caller lends buffers,
// each packet is read at an offset (headroom for encapsulation) and the kernel's side
// headers (struct tun_pi, struct virtio_net_hdr) travel beside it, never in the buffer.
#pragma once

#include <linux/if_tun.h>

#include <cstddef>
#include <cstdint>
#include <span>

#include "tunkit/base/error.hpp"

namespace tunkit::dev {

// struct virtio_net_hdr (legacy layout, host byte order: the tun default on little-endian
// hosts). Spelled out because <linux/virtio_net.h> does not compile as C++ (a member
// named `class`).
struct VnetHeader {
  static constexpr std::uint8_t kNeedsCsum = 1;   // VIRTIO_NET_HDR_F_NEEDS_CSUM
  static constexpr std::uint8_t kDataValid = 2;   // VIRTIO_NET_HDR_F_DATA_VALID
  static constexpr std::uint8_t kGsoNone = 0, kGsoTcpV4 = 1, kGsoUdp = 3, kGsoTcpV6 = 4,
                                kGsoUdpL4 = 5, kGsoEcn = 0x80;
  std::uint8_t flags = 0;
  std::uint8_t gso_type = 0;
  std::uint16_t hdr_len = 0;
  std::uint16_t gso_size = 0;
  std::uint16_t csum_start = 0;
  std::uint16_t csum_offset = 0;
};
static_assert(sizeof(VnetHeader) == 10, "virtio_net_hdr is 10 bytes");

// One packet's place in a batch. The packet is buffer[offset, offset + length).
struct PacketSlot {
  std::span<std::uint8_t> buffer;  // the wire layer's byte type (wire/bytes.hpp)
  std::size_t offset = 0;         // headroom kept free before the packet
  std::size_t length = 0;         // read: filled in; write: bytes to send
  VnetHeader vnet{};              // with IFF_VNET_HDR
  tun_pi pi{};                    // with packet info; pi.proto is big-endian (ETH_P_*)

  std::span<std::uint8_t> packet() const noexcept { return buffer.subspan(offset, length); }
  std::size_t capacity() const noexcept { return buffer.size() - offset; }
  // With packet info, the kernel sets TUN_PKT_STRIP when the packet was cut to fit.
  bool truncated() const noexcept { return (pi.flags & TUN_PKT_STRIP) != 0; }
};

class Queue {
 public:
  Queue(int fd, bool packet_info, bool vnet_hdr, bool non_blocking) noexcept
      : fd_(fd), packet_info_(packet_info), vnet_hdr_(vnet_hdr), non_blocking_(non_blocking) {}

  // Reads up to slots.size() packets, one readv each, and stops early when nothing
  // more is ready (EAGAIN) — or after one packet on a blocking fd. Returns how many
  // slots were filled; 0 means nothing was ready. Errc::device_gone if the device was
  // deleted under us.
  Result<std::size_t> read(std::span<PacketSlot> slots) const;

  // Writes the slots in order, one writev each. Returns how many were written; stops at
  // the first failure, which is returned only if nothing was written.
  Result<std::size_t> write(std::span<const PacketSlot> slots) const;

  // Writes one packet held elsewhere (e.g. a frame inside a receive buffer) without a
  // slot: the packet-info protocol is taken from the IP version nibble (TUN); the virtio
  // header is `vnet`, or "no offload" when null.
  Result<void> write_packet(std::span<const std::uint8_t> packet,
                            const VnetHeader* vnet = nullptr) const;

  int fd() const noexcept { return fd_; }

 private:
  int fd_;
  bool packet_info_;
  bool vnet_hdr_;
  bool non_blocking_;
};

}  // namespace tunkit::dev
