// IPv4 input (RFC 791 §3.2, RFC 1122 §3.2.1), reassembly, ICMP (RFC 792, RFC 1122
// §3.2.2) and output with fragmentation (RFC 791 §2.3 "Fragmentation").
#include <cstring>

#include "tunkit/stack/interface.hpp"
#include "tunkit/wire/checksum.hpp"
#include "tunkit/wire/gso.hpp"
#include "tunkit/wire/icmpv4.hpp"
#include "tunkit/wire/ipv4.hpp"

namespace tunkit::stack {

namespace {
constexpr std::size_t kIpv4Header = 20;
// RFC 1812 §4.3.2.3: an ICMP error quotes as much of the datagram as fits in 576 bytes.
constexpr std::size_t kMaxIcmpv4Quote = 576 - kIpv4Header - 8;
}  // namespace

void Interface::ipv4_input(ByteSpan packet) {
  // RFC 1122 §3.2.1.1-3.2.1.8: version, header length, total length, checksum.
  switch (Ipv4View::check(packet)) {
    case ParseError::none: break;
    case ParseError::bad_version: return counters_.add(Drop::ip_bad_version);
    case ParseError::bad_length:
      return counters_.add((packet[0] & 0x0f) < 5 ? Drop::ipv4_bad_ihl : Drop::ipv4_bad_total_length);
    case ParseError::truncated:
      // A whole header whose total length claims more than we got is a length error.
      if (packet.size() >= kIpv4Header && std::size_t{packet[0] & 0x0fu} * 4 <= packet.size())
        return counters_.add(Drop::ipv4_bad_total_length);
      return counters_.add(Drop::ipv4_truncated);
    case ParseError::bad_option:
    case ParseError::unsupported: return counters_.add(Drop::ipv4_bad_option);
  }
  const auto ip = *Ipv4View::parse(packet);
  if (!ip.verify_checksum()) return counters_.add(Drop::ipv4_bad_checksum);
  if (ip.ttl() == 0) return counters_.add(Drop::ipv4_ttl_zero);
  const IpAddress source = ip.source(), destination = ip.destination();
  // RFC 1122 §3.2.1.3: a source that is broadcast or multicast is discarded.
  if (source.bytes[0] >= 224 || is_ipv4_broadcast(source)) return counters_.add(Drop::ipv4_bad_source);
  if (!is_our_address(destination) && !is_ipv4_broadcast(destination) &&
      destination != IpAddress::v4(224, 0, 0, 1))
    return counters_.add(Drop::ipv4_not_for_us);
  if (!ip.is_fragment()) return ipv4_deliver(ip.bytes());

  // RFC 791 §3.2 reassembly.
  const FragmentKey key{source, destination, ip.identification(), static_cast<std::uint8_t>(ip.protocol())};
  std::size_t discarded = 0, evicted = 0;
  const auto outcome = reassembler_.add(key, ip.fragment_offset(), ip.more_fragments(), ip.header(),
                                        ip.payload(), now_, discarded, evicted);
  if (evicted) counters_.add(Drop::fragment_evicted, evicted);
  switch (outcome) {
    case Reassembler::Outcome::incomplete: return;
    case Reassembler::Outcome::duplicate: return counters_.add(Drop::fragment_duplicate);
    case Reassembler::Outcome::overlap: return counters_.add(Drop::fragment_overlap, discarded + 1);
    case Reassembler::Outcome::bad_length: return counters_.add(Drop::fragment_bad_length);
    case Reassembler::Outcome::complete: break;
  }
  MutableByteSpan datagram = reassembler_.datagram();
  if (datagram.size() > 65535) return counters_.add(Drop::fragment_bad_length);
  // The first fragment's header, made whole: total length, no fragment fields, checksum.
  store_be16(datagram, 2, static_cast<std::uint16_t>(datagram.size()));
  store_be16(datagram, 6, 0);
  store_be16(datagram, 10, 0);
  store_be16(datagram, 10, internet_checksum(datagram.first(reassembler_.header_size())));
  counters_.add(Event::datagrams_reassembled);
  rx_offload_ = {};  // the last fragment's offload facts say nothing about the datagram
  ipv4_deliver(datagram);
}

void Interface::ipv4_deliver(ByteSpan packet) {
  const auto ip = *Ipv4View::parse(packet);
  const bool to_group = is_ipv4_broadcast(ip.destination()) || ip.destination().bytes[0] >= 224;
  const IpInfo info{ip.source(), ip.destination(), ip.ttl(), rx_offload_.checksum_trusted, rx_offload_.gso_size};
  switch (ip.protocol()) {
    case IpProtocol::icmp: return icmpv4_input(packet, ip.payload(), to_group);
    case IpProtocol::udp: return udp_input(packet, info, ip.payload(), to_group);
    case IpProtocol::tcp:
      if (tcp_hook_ && !to_group) {
        counters_.add(Event::tcp_delivered);
        return tcp_hook_(info, ip.payload(), now_);
      }
      break;
    default: break;
  }
  // RFC 1122 §3.2.2.1: a host SHOULD send protocol unreachable.
  counters_.add(Drop::protocol_unsupported);
  icmpv4_error(packet, static_cast<std::uint8_t>(Icmpv4Type::destination_unreachable),
               static_cast<std::uint8_t>(Icmpv4Unreachable::protocol));
}

void Interface::icmpv4_input(ByteSpan packet, ByteSpan message, bool to_group) {
  const auto icmp = Icmpv4View::parse(message);
  if (!icmp) return counters_.add(Drop::icmp_truncated);
  if (!icmp->verify_checksum()) return counters_.add(Drop::icmp_bad_checksum);
  if (!to_group && (icmp->type() == Icmpv4Type::destination_unreachable ||
                    icmp->type() == Icmpv4Type::time_exceeded || icmp->type() == Icmpv4Type::parameter_problem)) {
    const auto ip = *Ipv4View::parse(packet);
    return icmpv4_error_input(IpInfo{ip.source(), ip.destination(), ip.ttl()}, message);
  }
  // RFC 1122 §3.2.2.6: answer every echo request with an echo reply carrying the same
  // identifier, sequence and data. Echo to a broadcast address MAY be ignored (Linux's
  // icmp_echo_ignore_broadcasts default): we do.
  if (icmp->type() != Icmpv4Type::echo_request || icmp->code() != 0 || to_group)
    return counters_.add(Drop::icmp_ignored);
  const auto ip = *Ipv4View::parse(packet);
  const ByteSpan data = icmp->data();
  PacketBuffer b = payload_buffer(Icmpv4View::kHeaderSize + data.size());
  std::memcpy(b.packet().data() + Icmpv4View::kHeaderSize, data.data(), data.size());
  Icmpv4Repr::echo(Icmpv4Type::echo_reply, icmp->identifier(), icmp->sequence(),
                   static_cast<std::uint16_t>(data.size()))
      .emit(b.packet());
  counters_.add(Event::echo_replies_v4);
  ipv4_output(std::move(b), ip.destination(), ip.source(), IpProtocol::icmp);
}

// RFC 1122 §3.2.2: "the ICMP message MUST be passed to the transport layer" that sent the
// quoted datagram, which must be ours; RFC 1191 §4 for fragmentation needed. Source
// quench is ignored (RFC 6633 §1), redirects are for routers' hosts with routing tables.
void Interface::icmpv4_error_input(const IpInfo& ip, ByteSpan message) {
  const auto icmp = *Icmpv4View::parse(message);
  const auto quoted = Ipv4View::parse_quoted(icmp.data());
  if (!quoted || quoted->fragment_offset() != 0 || quoted->payload().size() < 8 ||
      !is_our_address(quoted->source()) || quoted->protocol() != IpProtocol::tcp || !tcp_error_hook_)
    return counters_.add(Drop::icmp_ignored);
  IcmpError error;
  error.family = IpFamily::v4;
  error.type = static_cast<std::uint8_t>(icmp.type());
  error.code = icmp.code();
  error.reporter = ip.source;
  error.source = quoted->source();
  error.destination = quoted->destination();
  error.protocol = static_cast<std::uint8_t>(quoted->protocol());
  error.transport = quoted->payload();
  if (error.kind() == IcmpErrorKind::packet_too_big)
    error.mtu = icmp.next_hop_mtu() != 0 ? icmp.next_hop_mtu() : ipv4_mtu_plateau_below(quoted->total_length());
  counters_.add(Event::icmp_errors_to_transport);
  tcp_error_hook_(error, now_);
}

// RFC 1122 §3.2.2: the datagrams an ICMP error must never answer, then the rate limit.
void Interface::icmpv4_error(ByteSpan offending, std::uint8_t type, std::uint8_t code) {
  const auto ip = Ipv4View::parse(offending);
  if (!ip) return;
  const IpAddress source = ip->source();
  if (is_ipv4_broadcast(ip->destination()) || ip->destination().bytes[0] >= 224) return;
  if (source == IpAddress::v4(0, 0, 0, 0) || source.bytes[0] >= 224 || source.bytes[0] == 127) return;
  if (ip->fragment_offset() != 0) return;  // "a non-initial fragment"
  if (ip->protocol() == IpProtocol::icmp) {
    const auto quoted = Icmpv4View::parse(ip->payload());
    if (!quoted || quoted->is_error() ||
        (quoted->type() != Icmpv4Type::echo_request && quoted->type() != Icmpv4Type::echo_reply &&
         quoted->type() != Icmpv4Type::timestamp && quoted->type() != Icmpv4Type::timestamp_reply))
      return;  // "an ICMP error message" (or one we cannot tell is not)
  }
  if (!icmp_errors_.allow(now_)) return counters_.add(Drop::icmp_rate_limited);
  const ByteSpan quote = offending.first(std::min(offending.size(), kMaxIcmpv4Quote));
  PacketBuffer b = payload_buffer(Icmpv4View::kHeaderSize + quote.size());
  std::memcpy(b.packet().data() + Icmpv4View::kHeaderSize, quote.data(), quote.size());
  Icmpv4Repr{Icmpv4Type{type}, code, 0, static_cast<std::uint16_t>(quote.size())}.emit(b.packet());
  const IpAddress from = is_our_address(ip->destination()) ? ip->destination()
                                                           : source_for(source).value_or(ip->destination());
  counters_.add(Event::icmp_errors_sent);
  ipv4_output(std::move(b), from, source, IpProtocol::icmp);
}

// RFC 791 §2.3, §3.2 "Fragmentation": a datagram larger than the MTU leaves as fragments
// of (MTU - header) rounded down to 8 bytes, the last one without MF.
void Interface::ipv4_output(PacketBuffer&& payload, const IpAddress& source, const IpAddress& destination,
                            IpProtocol protocol, const TxOptions& options) {
  const auto next_hop = routes_.next_hop(destination);
  if (!next_hop) {
    counters_.add(Drop::no_route);
    return pool_.give(std::move(payload));
  }
  Ipv4Repr header;
  header.source = source;
  header.destination = destination;
  header.protocol = protocol;
  header.ttl = 64;
  header.identification = next_ipv4_id_++;
  header.dont_fragment = options.dont_fragment;
  // A TSO super-segment leaves whole: the device cuts it into MTU-sized segments.
  const bool super_segment = options.gso_size != 0 && config_.tso &&
                             kIpv4Header + payload.length <= std::min<std::size_t>(config_.max_tso_size, 65535);
  if (kIpv4Header + payload.length <= config_.mtu || super_segment) {
    header.payload_length = static_cast<std::uint16_t>(payload.length);
    header.emit(payload.prepend(kIpv4Header));
    set_tx_offload(payload, kIpv4Header, IpFamily::v4, options);
    return link_output(std::move(payload), *next_hop);
  }
  if (kIpv4Header + payload.length > 65535) {
    counters_.add(Drop::fragment_bad_length);
    return pool_.give(std::move(payload));
  }
  // A partial checksum cannot survive fragmentation: complete it here (never for TCP,
  // whose segments fit the MTU or are super-segments).
  if (options.partial_checksum_at) complete_checksum(payload.packet(), 0, *options.partial_checksum_at);
  header.dont_fragment = false;
  const std::size_t chunk = (config_.mtu - kIpv4Header) & ~std::size_t{7};
  const ByteSpan data = payload.packet();
  for (std::size_t offset = 0; offset < data.size(); offset += chunk) {
    const std::size_t length = std::min(chunk, data.size() - offset);
    PacketBuffer fragment = pool_.take(link_headroom(), kIpv4Header + length);
    std::memcpy(fragment.packet().data() + kIpv4Header, data.data() + offset, length);
    header.fragment_offset = static_cast<std::uint16_t>(offset);
    header.more_fragments = offset + length < data.size();
    header.payload_length = static_cast<std::uint16_t>(length);
    header.emit(fragment.packet());
    counters_.add(Event::fragments_sent);
    link_output(std::move(fragment), *next_hop);
  }
  pool_.give(std::move(payload));
}

}  // namespace tunkit::stack
