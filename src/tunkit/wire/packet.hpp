// One-stop decoding of a whole packet into its layers, for printers (`tunkit dump`) and
// for code that wants "the TCP header of this frame" without walking layers by hand.
//
// decode() never allocates and never reads out of range. It parses as deep as the bytes
// allow and records where and why it stopped: `error` names the first layer that did not
// parse; the layers before it are valid views. Unknown EtherTypes and IP protocols are not
// errors: decoding stops with the kind `other` and the bytes in `payload`.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "tunkit/wire/arp.hpp"
#include "tunkit/wire/bytes.hpp"
#include "tunkit/wire/ethernet.hpp"
#include "tunkit/wire/icmpv4.hpp"
#include "tunkit/wire/icmpv6.hpp"
#include "tunkit/wire/ipv4.hpp"
#include "tunkit/wire/ipv6.hpp"
#include "tunkit/wire/parse_error.hpp"
#include "tunkit/wire/tcp.hpp"
#include "tunkit/wire/udp.hpp"

namespace tunkit {

// What the first byte of the buffer is: an IP header (TUN, IFF_NO_PI) or an Ethernet
// header (TAP).
enum class LinkType : std::uint8_t { raw_ip, ethernet };

enum class Layer : std::uint8_t { none, link, network, transport };
enum class NetworkKind : std::uint8_t { none, arp, ipv4, ipv6, other };
enum class TransportKind : std::uint8_t { none, tcp, udp, icmpv4, icmpv6, other };
// A checksum decode() could check (not_checked: verification off, or a fragment).
enum class ChecksumState : std::uint8_t { not_checked, good, bad };

std::string_view to_string(Layer layer) noexcept;

struct DecodeOptions {
  bool verify_checksums = true;  // off for packets from a TUN with checksum offload
};

struct DecodedPacket {
  LinkType link_type = LinkType::raw_ip;
  std::optional<EthernetView> ethernet;

  NetworkKind network = NetworkKind::none;
  std::size_t network_offset = 0;    // from the start of the buffer
  std::uint16_t ether_type = 0;      // the EtherType seen (Ethernet) or implied (raw IP)
  std::optional<ArpView> arp;
  std::optional<Ipv4View> ipv4;
  std::optional<Ipv6View> ipv6;
  std::optional<Ipv6ExtensionChain> ipv6_extensions;
  ChecksumState ip_checksum = ChecksumState::not_checked;  // the IPv4 header checksum
  // An IPv4 fragment with nonzero offset or an IPv6 fragment after the first: no
  // transport header follows, `payload` is fragment data.
  bool later_fragment = false;

  TransportKind transport = TransportKind::none;
  std::size_t transport_offset = 0;  // from the start of the buffer
  std::uint8_t ip_protocol = 0;      // IPv4 protocol or IPv6 upper-layer next header
  std::optional<TcpView> tcp;
  std::optional<UdpView> udp;
  std::optional<Icmpv4View> icmpv4;
  std::optional<Icmpv6View> icmpv6;
  ChecksumState transport_checksum = ChecksumState::not_checked;

  // The innermost bytes: TCP/UDP payload, ICMP data, or what follows the last layer parsed.
  ByteSpan payload;

  Layer error_layer = Layer::none;  // the layer that did not parse
  ParseError error = ParseError::none;

  // Every layer present parsed and no checksum decode() checked was bad.
  bool ok() const noexcept {
    return error == ParseError::none && ip_checksum != ChecksumState::bad &&
           transport_checksum != ChecksumState::bad;
  }
};

DecodedPacket decode(ByteSpan bytes, LinkType link, DecodeOptions options = {}) noexcept;

}  // namespace tunkit
