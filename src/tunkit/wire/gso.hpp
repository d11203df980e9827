// TCP and UDP segmentation and coalescing in user space, for devices with IFF_VNET_HDR
// offloads (TSO4/6, USO4/6): what the kernel's GSO and GRO do, so a tunnel can read and
// write the device per 64 KiB super-packet while the wire between the two ends carries
// ordinary MTU-sized packets. Pure functions on bytes; no I/O.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "tunkit/wire/bytes.hpp"
#include "tunkit/wire/vnet_hdr.hpp"

namespace tunkit {

// Completes a checksum the kernel left partial (VIRTIO_NET_HDR_F_NEEDS_CSUM): the one's-
// complement sum from `start` to the end (the field at start + offset holds the pseudo-
// header sum) is complemented into that field. False if the offsets are out of range.
bool complete_checksum(MutableByteSpan packet, std::size_t start, std::size_t offset) noexcept;

inline constexpr std::size_t kMaxSegmentHeader = 60 + 60;  // IPv4 with options + TCP with options

// One segment (or datagram) of a split super-packet: its own headers, and a view of its payload inside
// the super-packet (valid as long as that is).
struct GsoSegment {
  std::array<std::uint8_t, kMaxSegmentHeader> header;
  std::uint16_t header_size = 0;
  ByteSpan payload;
};

// Splits a TCP super-packet (an IPv4 or IPv6 packet without extension headers) into
// segments of `segment_payload` bytes, or fewer if a segment would otherwise exceed
// `max_packet` bytes, the last possibly shorter. Each gets its own IP length, IPv4 identification (+1 per segment)
// and header checksum, sequence number and full TCP checksum; FIN and PSH stay on the last
// segment only, CWR on the first (RFC 3168 §6.1.2). Returns the number of segments in
// `out`, or 0 if the packet is not one we can split or needs more than out.size().
std::size_t split_tcp(ByteSpan packet, std::size_t segment_payload, std::span<GsoSegment> out,
                      std::size_t max_packet = 65535) noexcept;

// Splits a UDP super-packet (VIRTIO_NET_HDR_GSO_UDP_L4: one UDP header over many datagrams'
// payloads, as a socket with UDP_SEGMENT sends them) into datagrams of `segment_payload`
// bytes, the last possibly shorter, capped by `max_packet` like split_tcp. Each gets its own
// IP length, IPv4 identification (+1 per datagram) and header checksum, UDP length and full
// UDP checksum (0xffff for a zero sum, RFC 768). Returns the count, or 0 as split_tcp does.
std::size_t split_udp(ByteSpan packet, std::size_t segment_payload, std::span<GsoSegment> out,
                      std::size_t max_packet = 65535) noexcept;

// Merges consecutive packets of one flow back into a super-packet (Linux GRO's rules,
// simplified). TCP: same addresses, TTL/hop limit, TOS, ports, ACK number, window and
// options; only ACK (and PSH on the last) set; contiguous sequence numbers. UDP (as the
// kernel's UDP GRO for a GSO_UDP_L4 device): same addresses, TTL/hop limit, TOS and ports,
// at most kMaxUdpSegments datagrams. Both: every packet's payload as long as the first's
// except a shorter last one, which closes the run (as PSH does for TCP).
class GroCoalescer {
 public:
  static constexpr std::uint16_t kMaxUdpSegments = 64;  // the kernel's UDP_MAX_SEGMENTS is 64 or 128

  explicit GroCoalescer(std::size_t capacity = 65535);

  // Appends `packet` if it continues the pending run (or starts one when none is pending).
  // False leaves the pending run untouched: take() it, then offer the packet again; a
  // packet refused by an empty coalescer cannot be merged at all.
  bool append(ByteSpan packet) noexcept;
  bool empty() const noexcept { return size_ == 0; }
  // Whether UDP runs are formed (on by default); off, UDP packets are refused like any
  // packet that cannot be merged. For a device that does not take GSO_UDP_L4 writes.
  void merge_udp(bool on) noexcept { merge_udp_ = on; }

  // The pending run, ready for a device with IFF_VNET_HDR, and clears it. A run of one
  // packet comes back unchanged with no offload (gso_type 0); a longer one with its
  // lengths fixed, the TCP/UDP checksum field holding the pseudo-header sum, and the virtio
  // values saying so (NEEDS_CSUM, TCPV4/TCPV6/UDP_L4, gso_size = the first one's payload).
  struct Merged {
    ByteSpan packet;
    std::uint16_t segments = 0;
    VirtioNetHdrRepr vnet;
  };
  Merged take() noexcept;

 private:
  std::vector<std::uint8_t> buffer_;
  std::size_t size_ = 0;
  std::size_t ip_header_ = 0;
  std::size_t headers_ = 0;
  std::size_t segment_payload_ = 0;
  std::uint32_t next_sequence_ = 0;
  std::uint16_t segments_ = 0;
  bool udp_ = false;
  bool merge_udp_ = true;
  bool closed_ = false;
};

}  // namespace tunkit
