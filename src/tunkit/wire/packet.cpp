#include "tunkit/wire/packet.hpp"

namespace tunkit {
namespace {

constexpr ChecksumState checked(bool good) noexcept {
  return good ? ChecksumState::good : ChecksumState::bad;
}

void fail(DecodedPacket& p, Layer layer, ParseError e, ByteSpan rest) noexcept {
  p.error_layer = layer;
  p.error = e;
  p.payload = rest;
}

// Decodes the upper-layer packet `l4` (at `offset` in the buffer) carried by `protocol`.
// `whole` is false for the first fragment of a datagram: headers parse, but the checksum
// covers bytes we do not have.
void decode_transport(DecodedPacket& p, ByteSpan l4, std::size_t offset, IpProtocol protocol,
                      const IpAddress& src, const IpAddress& dst, bool whole,
                      const DecodeOptions& options) noexcept {
  p.ip_protocol = static_cast<std::uint8_t>(protocol);
  p.transport_offset = offset;
  const bool verify = options.verify_checksums && whole;
  switch (protocol) {
    case IpProtocol::tcp:
      p.transport = TransportKind::tcp;
      if (const ParseError e = TcpView::check(l4); e != ParseError::none)
        return fail(p, Layer::transport, e, l4);
      p.tcp = TcpView::parse(l4);
      p.payload = p.tcp->payload();
      if (verify) p.transport_checksum = checked(p.tcp->verify_checksum(src, dst));
      return;
    case IpProtocol::udp:
      p.transport = TransportKind::udp;
      if (const ParseError e = UdpView::check(l4); e != ParseError::none)
        return fail(p, Layer::transport, e, l4);
      p.udp = UdpView::parse(l4);
      p.payload = p.udp->payload();
      if (verify) p.transport_checksum = checked(p.udp->verify_checksum(src, dst));
      return;
    case IpProtocol::icmp:
      p.transport = TransportKind::icmpv4;
      if (const ParseError e = Icmpv4View::check(l4); e != ParseError::none)
        return fail(p, Layer::transport, e, l4);
      p.icmpv4 = Icmpv4View::parse(l4);
      p.payload = p.icmpv4->data();
      if (verify) p.transport_checksum = checked(p.icmpv4->verify_checksum());
      return;
    case IpProtocol::icmpv6:
      p.transport = TransportKind::icmpv6;
      if (const ParseError e = Icmpv6View::check(l4); e != ParseError::none)
        return fail(p, Layer::transport, e, l4);
      p.icmpv6 = Icmpv6View::parse(l4);
      p.payload = p.icmpv6->data();
      if (verify) p.transport_checksum = checked(p.icmpv6->verify_checksum(src, dst));
      return;
    default:
      p.transport = TransportKind::other;
      p.payload = l4;
      return;
  }
}

void decode_ipv4(DecodedPacket& p, ByteSpan l3, const DecodeOptions& options) noexcept {
  p.network = NetworkKind::ipv4;
  if (const ParseError e = Ipv4View::check(l3); e != ParseError::none)
    return fail(p, Layer::network, e, l3);
  p.ipv4 = Ipv4View::parse(l3);
  const Ipv4View& ip = *p.ipv4;
  if (options.verify_checksums) p.ip_checksum = checked(ip.verify_checksum());
  p.ip_protocol = static_cast<std::uint8_t>(ip.protocol());
  // RFC 791 §3.2: only the fragment with offset 0 starts with the transport header.
  if (ip.fragment_offset() != 0) {
    p.later_fragment = true;
    p.payload = ip.payload();
    return;
  }
  decode_transport(p, ip.payload(), p.network_offset + ip.header_size(), ip.protocol(),
                   ip.source(), ip.destination(), !ip.more_fragments(), options);
}

void decode_ipv6(DecodedPacket& p, ByteSpan l3, const DecodeOptions& options) noexcept {
  p.network = NetworkKind::ipv6;
  if (const ParseError e = Ipv6View::check(l3); e != ParseError::none)
    return fail(p, Layer::network, e, l3);
  p.ipv6 = Ipv6View::parse(l3);
  const Ipv6View& ip = *p.ipv6;
  if (const ParseError e = Ipv6ExtensionChain::check(ip); e != ParseError::none)
    return fail(p, Layer::network, e, ip.payload());
  p.ipv6_extensions = Ipv6ExtensionChain::parse(ip);
  const Ipv6ExtensionChain& chain = *p.ipv6_extensions;
  p.ip_protocol = static_cast<std::uint8_t>(chain.upper_protocol());
  const ByteSpan upper = ip.bytes().subspan(chain.upper_offset());
  if (!chain.has_upper_header()) {
    p.later_fragment = true;
    p.payload = upper;
    return;
  }
  if (chain.upper_protocol() == IpProtocol::ipv6_no_next) {
    p.payload = upper;
    return;
  }
  const bool whole = !chain.fragment() || !chain.fragment()->more_fragments;
  decode_transport(p, upper, p.network_offset + chain.upper_offset(), chain.upper_protocol(),
                   ip.source(), chain.final_destination().value_or(ip.destination()), whole,
                   options);
}

void decode_network(DecodedPacket& p, ByteSpan l3, const DecodeOptions& options) noexcept {
  switch (EtherType{p.ether_type}) {
    case EtherType::ipv4:
      return decode_ipv4(p, l3, options);
    case EtherType::ipv6:
      return decode_ipv6(p, l3, options);
    case EtherType::arp:
      p.network = NetworkKind::arp;
      if (const ParseError e = ArpView::check(l3); e != ParseError::none)
        return fail(p, Layer::network, e, l3);
      p.arp = ArpView::parse(l3);
      p.payload = l3.subspan(ArpView::kSize);
      return;
    default:
      p.network = NetworkKind::other;
      p.payload = l3;
      return;
  }
}

}  // namespace

std::string_view to_string(Layer layer) noexcept {
  switch (layer) {
    case Layer::none: return "none";
    case Layer::link: return "link";
    case Layer::network: return "network";
    case Layer::transport: return "transport";
  }
  return "?";
}

DecodedPacket decode(ByteSpan bytes, LinkType link, DecodeOptions options) noexcept {
  DecodedPacket p;
  p.link_type = link;
  ByteSpan l3 = bytes;
  if (link == LinkType::ethernet) {
    if (const ParseError e = EthernetView::check(bytes); e != ParseError::none) {
      fail(p, Layer::link, e, bytes);
      return p;
    }
    p.ethernet = EthernetView::parse(bytes);
    p.ether_type = static_cast<std::uint16_t>(p.ethernet->ether_type());
    p.network_offset = p.ethernet->header_size();
    l3 = p.ethernet->payload();
  } else {
    // A TUN without packet info: the version nibble says which IP this is.
    if (bytes.empty()) {
      fail(p, Layer::network, ParseError::truncated, bytes);
      return p;
    }
    const unsigned version = bytes[0] >> 4;
    if (version != 4 && version != 6) {
      p.network = NetworkKind::other;
      fail(p, Layer::network, ParseError::bad_version, bytes);
      return p;
    }
    p.ether_type = static_cast<std::uint16_t>(version == 4 ? EtherType::ipv4 : EtherType::ipv6);
  }
  decode_network(p, l3, options);
  return p;
}

}  // namespace tunkit
