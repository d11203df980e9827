// IPv6 input (RFC 8200), fragment reassembly (§4.5), ICMPv6 (RFC 4443), neighbour
// discovery (RFC 4861 §7) and output with fragmentation (RFC 8200 §4.5).
#include <cstring>

#include "tunkit/stack/interface.hpp"
#include "tunkit/wire/gso.hpp"
#include "tunkit/wire/icmpv6.hpp"
#include "tunkit/wire/ipv6.hpp"

namespace tunkit::stack {

namespace {
constexpr std::size_t kIpv6Header = 40;
constexpr std::size_t kFragmentHeader = 8;
// RFC 4443 §2.4(c): an error carries as much of the packet as fits in the minimum MTU.
constexpr std::size_t kMaxIcmpv6Quote = 1280 - kIpv6Header - 8;
constexpr std::uint8_t kNdpHopLimit = 255;  // RFC 4861 §7.1: proves the sender is on-link
constexpr std::uint32_t kFlagSolicited = 0x40000000, kFlagOverride = 0x20000000;

bool is_unspecified(const IpAddress& ip) {
  for (auto b : ip.bytes)
    if (b) return false;
  return true;
}
bool is_multicast(const IpAddress& ip) { return ip.bytes[0] == 0xff; }

IpAddress solicited_node(const IpAddress& target) {
  IpAddress group = *IpAddress::parse("ff02::1:ff00:0");
  for (std::size_t i = 13; i < 16; ++i) group.bytes[i] = target.bytes[i];
  return group;
}
}  // namespace

void Interface::ipv6_input(ByteSpan packet, bool reassembled) {
  switch (Ipv6View::check(packet)) {
    case ParseError::none: break;
    case ParseError::bad_version: return counters_.add(Drop::ip_bad_version);
    default: return counters_.add(Drop::ipv6_truncated);
  }
  const auto ip = *Ipv6View::parse(packet);
  const IpAddress source = ip.source(), destination = ip.destination();
  if (is_multicast(source)) return counters_.add(Drop::ipv6_bad_source);  // RFC 4291 §2.7
  if (!is_our_address(destination) && !is_joined_ipv6_group(destination))
    return counters_.add(Drop::ipv6_not_for_us);
  const auto chain = Ipv6ExtensionChain::parse(ip);
  if (!chain) return counters_.add(Drop::ipv6_bad_extension);

  if (chain->fragment()) {
    if (reassembled) return counters_.add(Drop::ipv6_bad_extension);  // a fragment inside a fragment
    // The fragment header is the last recorded header up to and including it.
    std::size_t at = 0;
    for (std::size_t i = 0; i < std::min(chain->count(), Ipv6ExtensionChain::kMaxRecorded); ++i)
      if (chain->header(i).type == IpProtocol::ipv6_fragment) at = chain->header(i).offset;
    if (at == 0) return counters_.add(Drop::ipv6_bad_extension);
    const auto& info = *chain->fragment();
    // RFC 8200 §4.5: the unfragmentable part comes from the first fragment; we keep the
    // fixed header with its next header set to what followed the fragment header (any
    // hop-by-hop or routing header before it was for this hop only).
    std::array<std::uint8_t, kIpv6Header> header{};
    std::copy_n(packet.begin(), kIpv6Header, header.begin());
    header[6] = packet[at];
    const FragmentKey key{source, destination, info.identification, 0};
    std::size_t discarded = 0, evicted = 0;
    const auto outcome = reassembler_.add(key, info.offset, info.more_fragments, header,
                                          ip.bytes().subspan(at + kFragmentHeader), now_, discarded, evicted);
    if (evicted) counters_.add(Drop::fragment_evicted, evicted);
    switch (outcome) {
      case Reassembler::Outcome::incomplete: return;
      case Reassembler::Outcome::duplicate: return counters_.add(Drop::fragment_duplicate);
      case Reassembler::Outcome::overlap: return counters_.add(Drop::fragment_overlap, discarded + 1);
      case Reassembler::Outcome::bad_length: return counters_.add(Drop::fragment_bad_length);
      case Reassembler::Outcome::complete: break;
    }
    MutableByteSpan datagram = reassembler_.datagram();
    if (datagram.size() - kIpv6Header > 65535) return counters_.add(Drop::fragment_bad_length);
    store_be16(datagram, 4, static_cast<std::uint16_t>(datagram.size() - kIpv6Header));
    counters_.add(Event::datagrams_reassembled);
    rx_offload_ = {};  // the last fragment's offload facts say nothing about the datagram
    return ipv6_input(datagram, true);
  }

  const bool to_group = is_multicast(destination);
  const IpInfo info{source, destination, ip.hop_limit(), rx_offload_.checksum_trusted, rx_offload_.gso_size};
  const ByteSpan upper = ip.bytes().subspan(chain->upper_offset());
  switch (chain->upper_protocol()) {
    case IpProtocol::icmpv6: return icmpv6_input(packet, info, upper, to_group);
    case IpProtocol::udp: return udp_input(packet, info, upper, to_group);
    case IpProtocol::ipv6_no_next: return;  // RFC 8200 §4.7: nothing to deliver
    case IpProtocol::tcp:
      if (tcp_hook_ && !to_group) {
        counters_.add(Event::tcp_delivered);
        return tcp_hook_(info, upper, now_);
      }
      break;
    default: break;
  }
  // RFC 8200 §4: an unrecognised next header is a parameter problem, code 1, pointing at
  // the field that named it.
  counters_.add(Drop::protocol_unsupported);
  std::uint32_t pointer = 6;
  if (chain->count() > 0 && chain->count() <= Ipv6ExtensionChain::kMaxRecorded)
    pointer = chain->header(chain->count() - 1).offset;
  icmpv6_error(packet, static_cast<std::uint8_t>(Icmpv6Type::parameter_problem), 1, pointer);
}

void Interface::icmpv6_input(ByteSpan packet, const IpInfo& ip, ByteSpan message, bool to_group) {
  const auto icmp = Icmpv6View::parse(message);
  if (!icmp) {
    const bool nd = message.size() >= 1 && (message[0] == 135 || message[0] == 136);
    return counters_.add(nd && Icmpv6View::check(message) == ParseError::bad_option ? Drop::ndp_invalid
                                                                                   : Drop::icmp_truncated);
  }
  if (!icmp->verify_checksum(ip.source, ip.destination)) return counters_.add(Drop::icmp_bad_checksum);
  switch (icmp->type()) {
    case Icmpv6Type::echo_request: {
      if (icmp->code() != 0) return counters_.add(Drop::icmp_ignored);
      // RFC 4443 §4.2: the reply's source is the request's destination if unicast, else a
      // unicast address of ours.
      const std::optional<IpAddress> from = to_group ? source_for(ip.source) : std::optional(ip.destination);
      if (!from) return counters_.add(Drop::no_route);
      const ByteSpan data = icmp->data();
      PacketBuffer b = payload_buffer(8 + data.size());
      std::memcpy(b.packet().data() + 8, data.data(), data.size());
      Icmpv6Repr::echo(Icmpv6Type::echo_reply, icmp->identifier(), icmp->sequence(),
                       static_cast<std::uint16_t>(data.size()))
          .emit(b.packet(), *from, ip.source);
      counters_.add(Event::echo_replies_v6);
      return ipv6_output(std::move(b), *from, ip.source, IpProtocol::icmpv6, 64);
    }
    case Icmpv6Type::neighbor_solicitation:
    case Icmpv6Type::neighbor_advertisement:
      // RFC 4861 §7.1.1 / §7.1.2: hop limit 255, code 0, target not multicast.
      if (ip.ttl != kNdpHopLimit || icmp->code() != 0 || is_multicast(icmp->target_address()))
        return counters_.add(Drop::ndp_invalid);
      if (icmp->type() == Icmpv6Type::neighbor_solicitation) return ndp_solicitation_input(ip, message);
      return ndp_advertisement_input(message);
    case Icmpv6Type::destination_unreachable:
    case Icmpv6Type::packet_too_big:
    case Icmpv6Type::time_exceeded:
    case Icmpv6Type::parameter_problem:
      if (to_group) return counters_.add(Drop::icmp_ignored);
      return icmpv6_error_input(ip, message);
    default:
      (void)packet;
      return counters_.add(Drop::icmp_ignored);
  }
}

// RFC 4443 §2.4(b): an error is passed to the upper-layer process that sent the quoted
// packet, which must be ours; RFC 8201 §4 for packet too big. Our TCP segments carry no
// extension headers, so the quoted next header is TCP itself.
void Interface::icmpv6_error_input(const IpInfo& ip, ByteSpan message) {
  const auto icmp = *Icmpv6View::parse(message);
  const auto quoted = Ipv6View::parse_quoted(icmp.data());
  if (!quoted || quoted->bytes().size() < kIpv6Header + 8 || !is_our_address(quoted->source()) ||
      quoted->next_header() != IpProtocol::tcp || !tcp_error_hook_)
    return counters_.add(Drop::icmp_ignored);
  IcmpError error;
  error.family = IpFamily::v6;
  error.type = static_cast<std::uint8_t>(icmp.type());
  error.code = icmp.code();
  error.reporter = ip.source;
  error.source = quoted->source();
  error.destination = quoted->destination();
  error.protocol = static_cast<std::uint8_t>(IpProtocol::tcp);
  error.transport = quoted->bytes().subspan(kIpv6Header);
  if (error.kind() == IcmpErrorKind::packet_too_big) error.mtu = icmp.mtu();
  counters_.add(Event::icmp_errors_to_transport);
  tcp_error_hook_(error, now_);
}

// RFC 4861 §7.2.3 "Receipt of Neighbor Solicitations".
void Interface::ndp_solicitation_input(const IpInfo& ip, ByteSpan message) {
  const auto ns = *Icmpv6View::parse(message);
  const IpAddress target = ns.target_address();
  std::optional<MacAddress> source_mac;
  for (const NdpOption& option : ns.ndp_options())
    if (auto lla = NdpLinkLayerOption::parse(option);
        lla && lla->type == NdpOptionType::source_link_layer_address)
      source_mac = lla->address;
  const bool dad = is_unspecified(ip.source);
  // §7.1.1: from the unspecified address, only to a solicited-node group and without a
  // source link-layer option.
  if (dad && (!is_multicast(ip.destination) || source_mac)) return counters_.add(Drop::ndp_invalid);
  if (!is_our_address(target)) return counters_.add(Drop::ndp_not_for_us);
  // "the recipient SHOULD create or update the Neighbor Cache entry for the IP Source
  // Address of the solicitation".
  if (source_mac && !dad && config_.medium == Medium::ethernet) {
    ndp_.learn(ip.source, *source_mac, now_, true, scratch_buffers_);
    flush(scratch_buffers_, *source_mac, 0x86dd);
  }
  // §7.2.4: answer with a solicited advertisement (to all-nodes, unsolicited, for DAD).
  const IpAddress to = dad ? *IpAddress::parse("ff02::1") : ip.source;
  const bool with_lla = config_.medium == Medium::ethernet;
  const std::size_t body = 16 + (with_lla ? NdpLinkLayerOption::size() : 0);
  PacketBuffer b = payload_buffer(8 + body);
  MutableByteSpan out = b.packet();
  std::copy(target.bytes.begin(), target.bytes.end(), out.begin() + 8);
  if (with_lla)
    NdpLinkLayerOption{NdpOptionType::target_link_layer_address, config_.mac}.emit(out.subspan(24));
  Icmpv6Repr{Icmpv6Type::neighbor_advertisement, 0, (dad ? 0 : kFlagSolicited) | kFlagOverride,
             static_cast<std::uint16_t>(body)}
      .emit(out, target, to);
  counters_.add(Event::neighbor_solicitations_answered);
  ipv6_output(std::move(b), target, to, IpProtocol::icmpv6, kNdpHopLimit);
}

// RFC 4861 §7.2.5 "Receipt of Neighbor Advertisements": update an entry we have; an
// advertisement for an address we never asked about is silently discarded.
void Interface::ndp_advertisement_input(ByteSpan message) {
  const auto na = *Icmpv6View::parse(message);
  if (config_.medium != Medium::ethernet) return;
  for (const NdpOption& option : na.ndp_options())
    if (auto lla = NdpLinkLayerOption::parse(option);
        lla && lla->type == NdpOptionType::target_link_layer_address) {
      ndp_.learn(na.target_address(), lla->address, now_, false, scratch_buffers_);
      flush(scratch_buffers_, lla->address, 0x86dd);
    }
}

// RFC 4861 §7.2.2: a solicitation to the target's solicited-node group, with our
// link-layer address.
void Interface::send_neighbor_solicitation(const IpAddress& target) {
  const auto from = source_for(target);
  if (!from) return;
  const IpAddress group = solicited_node(target);
  const std::size_t body = 16 + NdpLinkLayerOption::size();
  PacketBuffer b = payload_buffer(8 + body);
  MutableByteSpan out = b.packet();
  std::copy(target.bytes.begin(), target.bytes.end(), out.begin() + 8);
  NdpLinkLayerOption{NdpOptionType::source_link_layer_address, config_.mac}.emit(out.subspan(24));
  Icmpv6Repr{Icmpv6Type::neighbor_solicitation, 0, 0, static_cast<std::uint16_t>(body)}.emit(out, *from, group);
  counters_.add(Event::neighbor_solicitations_sent);
  ipv6_output(std::move(b), *from, group, IpProtocol::icmpv6, kNdpHopLimit);
}

// RFC 4443 §2.4(e): never in answer to an error, to a multicast destination or from an
// address that does not name a single node; then the §2.4(f) rate limit.
void Interface::icmpv6_error(ByteSpan offending, std::uint8_t type, std::uint8_t code, std::uint32_t rest) {
  const auto ip = Ipv6View::parse(offending);
  if (!ip) return;
  if (is_multicast(ip->destination()) || is_multicast(ip->source()) || is_unspecified(ip->source())) return;
  if (const auto chain = Ipv6ExtensionChain::parse(*ip);
      chain && chain->upper_protocol() == IpProtocol::icmpv6) {
    const auto quoted = Icmpv6View::parse(offending.subspan(chain->upper_offset()));
    if (!quoted || quoted->is_error()) return;
  }
  if (!icmp_errors_.allow(now_)) return counters_.add(Drop::icmp_rate_limited);
  const ByteSpan quote = offending.first(std::min(offending.size(), kMaxIcmpv6Quote));
  PacketBuffer b = payload_buffer(8 + quote.size());
  std::memcpy(b.packet().data() + 8, quote.data(), quote.size());
  const IpAddress from = ip->destination();
  Icmpv6Repr{Icmpv6Type{type}, code, rest, static_cast<std::uint16_t>(quote.size())}.emit(b.packet(), from,
                                                                                        ip->source());
  counters_.add(Event::icmp_errors_sent);
  ipv6_output(std::move(b), from, ip->source(), IpProtocol::icmpv6, 64);
}

// RFC 8200 §4.5: a packet larger than the MTU leaves as fragments, each with the fixed
// header and a fragment header and a multiple of 8 bytes of data (the last excepted).
void Interface::ipv6_output(PacketBuffer&& payload, const IpAddress& source, const IpAddress& destination,
                            IpProtocol protocol, std::uint8_t hop_limit, const TxOptions& options) {
  const auto next_hop = routes_.next_hop(destination);
  if (!next_hop) {
    counters_.add(Drop::no_route);
    return pool_.give(std::move(payload));
  }
  Ipv6Repr header{source, destination, protocol, hop_limit, 0, 0, 0};
  // A TSO super-segment leaves whole: the device cuts it into MTU-sized segments.
  const bool super_segment = options.gso_size != 0 && config_.tso && payload.length <= 65535 &&
                             kIpv6Header + payload.length <= config_.max_tso_size;
  if (kIpv6Header + payload.length <= config_.mtu || super_segment) {
    header.payload_length = static_cast<std::uint16_t>(payload.length);
    header.emit(payload.prepend(kIpv6Header));
    set_tx_offload(payload, kIpv6Header, IpFamily::v6, options);
    return link_output(std::move(payload), *next_hop);
  }
  if (payload.length > 65535) {
    counters_.add(Drop::fragment_bad_length);
    return pool_.give(std::move(payload));
  }
  // A partial checksum cannot survive fragmentation: complete it here.
  if (options.partial_checksum_at) complete_checksum(payload.packet(), 0, *options.partial_checksum_at);
  const std::size_t chunk = (config_.mtu - kIpv6Header - kFragmentHeader) & ~std::size_t{7};
  const std::uint32_t id = next_ipv6_id_++;
  const ByteSpan data = payload.packet();
  header.next_header = IpProtocol::ipv6_fragment;
  for (std::size_t offset = 0; offset < data.size(); offset += chunk) {
    const std::size_t length = std::min(chunk, data.size() - offset);
    PacketBuffer fragment = pool_.take(link_headroom(), kIpv6Header + kFragmentHeader + length);
    MutableByteSpan out = fragment.packet();
    std::memcpy(out.data() + kIpv6Header + kFragmentHeader, data.data() + offset, length);
    header.payload_length = static_cast<std::uint16_t>(kFragmentHeader + length);
    header.emit(out);
    Ipv6FragmentRepr{protocol, {static_cast<std::uint16_t>(offset), offset + length < data.size(), id}}.emit(
        out.subspan(kIpv6Header));
    counters_.add(Event::fragments_sent);
    link_output(std::move(fragment), *next_hop);
  }
  pool_.give(std::move(payload));
}

}  // namespace tunkit::stack
