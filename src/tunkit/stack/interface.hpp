// A user-space host behind one TUN (IP packets) or TAP (Ethernet frames) device: its
// addresses, routes and MTU; ARP and neighbour discovery; IPv4/IPv6 input checks,
// reassembly and output fragmentation; ICMP and ICMPv6; UDP sockets; a hook for TCP.
//
// No I/O (DESIGN.md): receive() takes what the device read and `now`; what to write goes
// to an output queue the driver drains (transmit_count / transmit_packet /
// transmit_done); poll_at() says when poll() must run next for timers. Malformed input
// is a counted drop (counters()), never an error.
//
// Offloads (IFF_VNET_HDR, Medium::ip; TAP works the same way with offsets past the
// Ethernet header): receive() takes the virtio header's facts as an RxOffload, so a TCP
// super-packet of up to 64 KiB (GSO) is accepted as one segment and a CHECKSUM_PARTIAL
// transport checksum is not verified; on output, InterfaceConfig::tso and
// tx_checksum_offload let TCP hand over super-segments and partial checksums, each queued
// packet carrying the virtio header to write with it (transmit_vnet).
//
// Backpressure: tx_space() is the room left in the output queue. TCP stops sending when it
// is zero instead of having its segments dropped (tcp.hpp, on_transmit_space).
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <optional>
#include <vector>

#include "tunkit/base/error.hpp"
#include "tunkit/stack/counters.hpp"
#include "tunkit/stack/icmp_error.hpp"
#include "tunkit/stack/neighbor_cache.hpp"
#include "tunkit/stack/packet_buffer.hpp"
#include "tunkit/stack/rate_limiter.hpp"
#include "tunkit/stack/reassembly.hpp"
#include "tunkit/stack/route_table.hpp"
#include "tunkit/stack/time.hpp"
#include "tunkit/wire/address.hpp"
#include "tunkit/wire/ip_protocol.hpp"
#include "tunkit/wire/vnet_hdr.hpp"

namespace tunkit::stack {

enum class Medium : std::uint8_t { ip, ethernet };  // TUN or TAP

struct InterfaceConfig {
  Medium medium = Medium::ip;
  MacAddress mac{{0x02, 0x00, 0x00, 0x00, 0x00, 0x01}};  // TAP only; locally administered
  std::vector<IpPrefix> addresses;                          // IPv4 and IPv6, at least one
  std::vector<IpAddress> gateways;                          // at most one per family
  std::uint16_t mtu = 1500;                                 // IP packet size, not the frame
  NeighborLimits neighbors;
  ReassemblyLimits reassembly;
  std::uint32_t icmp_errors_per_second = 100;  // RFC 4443 §2.4(f) token bucket
  std::uint32_t icmp_error_burst = 20;
  std::size_t tx_queue_limit = 1024;           // packets waiting for the driver
  std::size_t udp_queue_limit = 64;            // datagrams per socket
  // Output offloads, for a device opened with IFF_VNET_HDR whose driver writes each
  // packet's transmit_vnet() before it. Never set them without: the peer would see
  // checksums left partial.
  // The device completes TCP checksums (VIRTIO_NET_HDR_F_NEEDS_CSUM): TCP writes only the
  // pseudo-header sum and never sums its payload in user space.
  bool tx_checksum_offload = false;
  // TCP segmentation offload: TCP may send one segment of up to max_tso_size bytes (IP
  // packet) carrying several MSS-sized segments' data, with GSO_TCPV4/TCPV6 and gso_size =
  // MSS; the kernel cuts it up. Implies tx_checksum_offload. Such packets are never
  // fragmented.
  bool tso = false;
  std::size_t max_tso_size = 65535;  // at most 65535 (the IPv4 total length field)
};

// What the device's virtio_net_hdr says about a received packet (IFF_VNET_HDR).
struct RxOffload {
  // NEEDS_CSUM (the transport checksum field holds only the pseudo-header sum, the
  // kernel's CHECKSUM_PARTIAL) or DATA_VALID: the packet comes from the local kernel, whose
  // checksum is not verified again (Linux trusts CHECKSUM_PARTIAL the same way). Every
  // other check still applies, the IPv4 header checksum included.
  bool checksum_trusted = false;
  // A GSO super-packet (gso_type TCPV4/TCPV6): segments of gso_size payload bytes merged
  // into one packet that may exceed the MTU. Accepted whole; TCP learns the sender's MSS
  // from gso_size. 0 for an ordinary packet.
  std::uint16_t gso_size = 0;

  // From the header the device read before the packet.
  static RxOffload from_virtio(const VirtioNetHdrRepr& vnet) noexcept {
    RxOffload o;
    o.checksum_trusted =
        (vnet.flags & (VirtioNetHdrView::kFlagNeedsCsum | VirtioNetHdrView::kFlagDataValid)) != 0;
    const auto gso = static_cast<VirtioGsoType>(vnet.gso_type & ~VirtioNetHdrView::kGsoEcn);
    if (gso == VirtioGsoType::tcpv4 || gso == VirtioGsoType::tcpv6) o.gso_size = vnet.gso_size;
    return o;
  }
};

// How a transport wants send_ip to treat its packet.
struct TxOptions {
  bool dont_fragment = false;  // IPv4 DF: TCP discovers the path MTU (RFC 1191 §3)
  // Checksum offload: the transport wrote the pseudo-header sum at this offset of its
  // payload (16 for TCP) and the device completes it; nullopt for a whole checksum.
  std::optional<std::uint16_t> partial_checksum_at;
  // Segmentation offload: the payload is a TCP header of transport_header bytes followed by
  // data the device cuts into segments of gso_size bytes (only when it is longer).
  std::uint16_t transport_header = 0;
  std::uint16_t gso_size = 0;
};

// The IP facts a transport needs about a packet handed to it.
struct IpInfo {
  IpAddress source;
  IpAddress destination;
  std::uint8_t ttl = 0;  // or hop limit
  bool checksum_trusted = false;  // RxOffload: do not verify the transport checksum
  std::uint16_t gso_size = 0;     // RxOffload: a super-packet of segments this long
};

struct UdpEndpoint {
  IpAddress address;
  std::uint16_t port = 0;
  auto operator<=>(const UdpEndpoint&) const = default;
};

struct UdpDatagram {
  UdpEndpoint remote;
  IpAddress local;  // the address it was sent to: reply from it
  std::vector<std::uint8_t> payload;
};

using UdpSocket = std::size_t;  // a handle from udp_bind

class Interface {
 public:
  // Checks the configuration: at least one address, unicast MAC, MTU >= 68 (RFC 791) and
  // >= 1280 if any address is IPv6 (RFC 8200 §5), gateways on a connected prefix.
  static Result<Interface> create(InterfaceConfig config);

  // A packet (TUN) or frame (TAP) the device handed us, with what its virtio header said
  // (IFF_VNET_HDR; default: no offload, every checksum verified).
  void receive(ByteSpan packet, Instant now, const RxOffload& offload = {});
  // Timers: neighbour retries and expiry, reassembly timeouts, the start-up announcement.
  void poll(Instant now);
  // When poll() must run next; nullopt if no timer is pending.
  std::optional<Instant> poll_at() const;

  // The output queue: packets (TUN) or frames (TAP) ready for the device, oldest first.
  std::size_t transmit_count() const noexcept { return tx_.size(); }
  MutableByteSpan transmit_packet(std::size_t i) noexcept { return tx_[i].packet(); }
  // The virtio_net_hdr to write before packet i on an IFF_VNET_HDR device: all zero
  // (no offload) unless tx_checksum_offload or tso made it a partial checksum or a
  // super-segment.
  const VirtioNetHdrRepr& transmit_vnet(std::size_t i) const noexcept { return tx_[i].vnet; }
  void transmit_done(std::size_t n);  // the first n were written (or given up on)
  // Packets the queue can still take before tx_queue_limit (then they are dropped, counted
  // as tx_queue_full). TCP sends only while this is nonzero.
  std::size_t tx_space() const noexcept {
    return tx_.size() < config_.tx_queue_limit ? config_.tx_queue_limit - tx_.size() : 0;
  }

  // UDP sockets (RFC 768): bound to a port on every address of the interface.
  Result<UdpSocket> udp_bind(std::uint16_t port);
  void udp_close(UdpSocket socket);
  std::optional<UdpDatagram> udp_receive(UdpSocket socket);
  // Sends from `local` (must be ours; nullopt: the first address of the family).
  Result<void> udp_send(UdpSocket socket, const UdpEndpoint& remote, ByteSpan payload,
                        std::optional<IpAddress> local = std::nullopt);
  bool udp_readable(UdpSocket socket) const;

  // The hook the TCP layer plugs into: segments addressed to us, checksum not yet checked.
  // Without one, TCP segments are counted as protocol_unsupported (and answered with
  // protocol unreachable, RFC 1122 §3.2.2.1).
  // With IpInfo::checksum_trusted the segment's checksum need not (and, if partial,
  // cannot) be verified.
  using TransportHook = std::function<void(const IpInfo&, ByteSpan segment, Instant now)>;
  void set_tcp_hook(TransportHook hook) { tcp_hook_ = std::move(hook); }
  // The hook through which ICMP / ICMPv6 errors quoting a TCP segment we sent reach TCP
  // (RFC 1122 §3.2.2, §4.2.3.9; RFC 4443 §2.4(b)). Errors quoting anything else are
  // counted as icmp_ignored.
  using IcmpErrorHook = std::function<void(const IcmpError&, Instant now)>;
  void set_tcp_error_hook(IcmpErrorHook hook) { tcp_error_hook_ = std::move(hook); }
  // For a transport: an IP packet from `source` to `destination` whose payload is written
  // by `fill` (given the payload span, after the header). Routed, fragmented, resolved.
  void send_ip(const IpAddress& source, const IpAddress& destination, IpProtocol protocol,
               std::size_t payload_length, const std::function<void(MutableByteSpan)>& fill);
  // The same with offload and DF requests. A super-segment (gso_size set, payload longer
  // than it) needs config().tso, may exceed the MTU up to max_tso_size and is never
  // fragmented; a partial checksum needs tx_checksum_offload or tso.
  void send_ip(const IpAddress& source, const IpAddress& destination, IpProtocol protocol,
               std::size_t payload_length, const std::function<void(MutableByteSpan)>& fill,
               const TxOptions& options);

  const Counters& counters() const noexcept { return counters_; }
  const InterfaceConfig& config() const noexcept { return config_; }
  const NeighborCache& arp_cache() const noexcept { return arp_; }
  const NeighborCache& ndp_cache() const noexcept { return ndp_; }
  std::size_t reassembly_datagrams() const noexcept { return reassembler_.datagrams(); }

 private:
  explicit Interface(InterfaceConfig config);

  // Link layer (interface.cpp).
  void ethernet_input(ByteSpan frame);
  void arp_input(ByteSpan packet);
  void link_output(PacketBuffer&& packet, const IpAddress& next_hop);
  void ethernet_output(PacketBuffer&& packet, const MacAddress& destination, std::uint16_t ether_type);
  void enqueue_tx(PacketBuffer&& packet);
  void send_arp_request(const IpAddress& target, bool gratuitous);
  void flush(std::vector<PacketBuffer>& released, const MacAddress& mac, std::uint16_t ether_type);
  void drop_all(std::vector<PacketBuffer>& dropped, Drop reason);

  // IPv4 (interface_ipv4.cpp).
  void ipv4_input(ByteSpan packet);
  void ipv4_deliver(ByteSpan packet);
  void icmpv4_input(ByteSpan packet, ByteSpan message, bool to_broadcast);
  void icmpv4_error(ByteSpan offending, std::uint8_t type, std::uint8_t code);
  void icmpv4_error_input(const IpInfo& ip, ByteSpan message);
  void ipv4_output(PacketBuffer&& payload, const IpAddress& source, const IpAddress& destination,
                   IpProtocol protocol, const TxOptions& options = {});

  // IPv6 (interface_ipv6.cpp).
  void ipv6_input(ByteSpan packet, bool reassembled = false);
  void icmpv6_input(ByteSpan packet, const IpInfo& ip, ByteSpan message, bool to_multicast);
  void ndp_solicitation_input(const IpInfo& ip, ByteSpan message);
  void ndp_advertisement_input(ByteSpan message);
  void send_neighbor_solicitation(const IpAddress& target);
  void icmpv6_error(ByteSpan offending, std::uint8_t type, std::uint8_t code, std::uint32_t rest);
  void icmpv6_error_input(const IpInfo& ip, ByteSpan message);
  void ipv6_output(PacketBuffer&& payload, const IpAddress& source, const IpAddress& destination,
                   IpProtocol protocol, std::uint8_t hop_limit, const TxOptions& options = {});
  // Offload metadata for a packet of ip_header bytes of IP header (TxOptions applied).
  void set_tx_offload(PacketBuffer& packet, std::size_t ip_header, IpFamily family, const TxOptions& options);

  // UDP (interface_udp.cpp).
  void udp_input(ByteSpan ip_packet, const IpInfo& ip, ByteSpan datagram, bool to_group);

  // Addresses.
  bool is_our_address(const IpAddress& ip) const;
  bool is_ipv4_broadcast(const IpAddress& ip) const;
  bool is_joined_ipv6_group(const IpAddress& ip) const;
  std::optional<IpAddress> source_for(const IpAddress& destination) const;

  // A buffer for an IP payload of `length` bytes with room for the IP and link headers.
  PacketBuffer payload_buffer(std::size_t length);
  std::size_t link_headroom() const noexcept;

  InterfaceConfig config_;
  RouteTable routes_;
  NeighborCache arp_, ndp_;
  Reassembler reassembler_;
  RateLimiter icmp_errors_;
  BufferPool pool_;
  std::deque<PacketBuffer> tx_;
  Counters counters_;
  Instant now_{};
  bool announced_ = false;
  std::uint16_t next_ipv4_id_ = 1;
  std::uint32_t next_ipv6_id_ = 1;
  TransportHook tcp_hook_;
  IcmpErrorHook tcp_error_hook_;
  RxOffload rx_offload_{};  // of the packet receive() is processing
  std::vector<PacketBuffer> scratch_buffers_;
  std::vector<IpAddress> scratch_addresses_;

  struct UdpSocketState {
    bool open = false;
    std::uint16_t port = 0;
    std::deque<UdpDatagram> queue;
  };
  std::vector<UdpSocketState> udp_;
};

}  // namespace tunkit::stack
