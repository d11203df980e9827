// The link layer of the host: Ethernet demultiplexing, ARP (RFC 826) and the output path
// that resolves next hops through the neighbour caches. IP lives in interface_ipv4.cpp and
// interface_ipv6.cpp, UDP in interface_udp.cpp.
#include "tunkit/stack/interface.hpp"

#include <fmt/format.h>

#include "tunkit/wire/arp.hpp"
#include "tunkit/wire/ethernet.hpp"

namespace tunkit::stack {

namespace {
constexpr std::size_t kEthernetHeader = 14;
constexpr std::size_t kMaxIpHeader = 48;  // IPv6 + fragment header; IPv4 uses 20 (no options)

// RFC 2464 §7: 33:33 and the low 32 bits of an IPv6 multicast address.
MacAddress ipv6_multicast_mac(const IpAddress& group) {
  return MacAddress{{0x33, 0x33, group.bytes[12], group.bytes[13], group.bytes[14], group.bytes[15]}};
}
// RFC 1112 §6.4: 01:00:5e and the low 23 bits.
MacAddress ipv4_multicast_mac(const IpAddress& group) {
  return MacAddress{{0x01, 0x00, 0x5e, static_cast<std::uint8_t>(group.bytes[1] & 0x7f), group.bytes[2],
                     group.bytes[3]}};
}
}  // namespace

Result<Interface> Interface::create(InterfaceConfig config) {
  if (config.addresses.empty())
    return fail(std::make_error_code(std::errc::invalid_argument), "the host needs at least one address");
  bool v6 = false;
  for (const auto& a : config.addresses) {
    if (a.address.family == IpFamily::v6) v6 = true;
    if (a.address.family == IpFamily::v4 && (a.address.bytes[0] >= 224 || a.address.bytes[0] == 0))
      return fail(std::make_error_code(std::errc::invalid_argument),
                  fmt::format("{} is not a unicast IPv4 address", a.address.to_string()));
    if (a.address.family == IpFamily::v6 && a.address.bytes[0] == 0xff)
      return fail(std::make_error_code(std::errc::invalid_argument),
                  fmt::format("{} is a multicast address", a.address.to_string()));
  }
  if (config.mtu < 68)
    return fail(std::make_error_code(std::errc::invalid_argument), "MTU below 68 (RFC 791 minimum)");
  if (v6 && config.mtu < 1280)
    return fail(std::make_error_code(std::errc::invalid_argument),
                "MTU below 1280, the IPv6 minimum (RFC 8200 §5)");
  if (config.tso && (config.max_tso_size < config.mtu || config.max_tso_size > 65535))
    return fail(std::make_error_code(std::errc::invalid_argument),
                "max_tso_size must lie between the MTU and 65535 (the IPv4 total length)");
  if (config.tso) config.tx_checksum_offload = true;  // a super-segment's checksum is always partial
  if (config.medium == Medium::ethernet && config.mac.is_multicast())
    return fail(std::make_error_code(std::errc::invalid_argument), "the MAC address must be unicast");
  RouteTable check;
  for (const auto& a : config.addresses) check.add_connected(a);
  bool seen[2] = {false, false};
  for (const auto& g : config.gateways) {
    auto& s = seen[g.family == IpFamily::v4 ? 0 : 1];
    if (s) return fail(std::make_error_code(std::errc::invalid_argument), "one gateway per address family");
    s = true;
    if (check.next_hop(g) != g)
      return fail(std::make_error_code(std::errc::invalid_argument),
                  fmt::format("gateway {} is not on a prefix of the host's addresses", g.to_string()));
  }
  return Interface(std::move(config));
}

Interface::Interface(InterfaceConfig config)
    : config_(std::move(config)),
      arp_(config_.neighbors),
      ndp_(config_.neighbors),
      reassembler_(config_.reassembly),
      icmp_errors_(config_.icmp_errors_per_second, config_.icmp_error_burst) {
  for (const auto& a : config_.addresses) routes_.add_connected(a);
  for (const auto& g : config_.gateways) routes_.set_gateway(g);
}

std::size_t Interface::link_headroom() const noexcept {
  return config_.medium == Medium::ethernet ? kEthernetHeader : 0;
}

PacketBuffer Interface::payload_buffer(std::size_t length) {
  return pool_.take(link_headroom() + kMaxIpHeader, length);
}

// --- addresses ---------------------------------------------------------------------

bool Interface::is_our_address(const IpAddress& ip) const {
  for (const auto& a : config_.addresses)
    if (a.address == ip) return true;
  return false;
}

bool Interface::is_ipv4_broadcast(const IpAddress& ip) const {
  if (ip.family != IpFamily::v4) return false;
  if (ip == IpAddress::v4(255, 255, 255, 255)) return true;
  for (const auto& a : config_.addresses) {
    if (a.address.family != IpFamily::v4 || a.length >= 31) continue;
    // RFC 919 / RFC 922: the directed broadcast of a connected prefix.
    bool match = prefix_contains(a, ip);
    for (std::size_t bit = a.length; match && bit < 32; ++bit)
      if (!(ip.bytes[bit / 8] & (0x80 >> (bit % 8)))) match = false;
    if (match) return true;
  }
  return false;
}

bool Interface::is_joined_ipv6_group(const IpAddress& ip) const {
  if (ip.family != IpFamily::v6 || ip.bytes[0] != 0xff) return false;
  // ff02::1, all nodes (RFC 4291 §2.7.1).
  static constexpr std::uint8_t all_nodes[16] = {0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
  if (std::equal(ip.bytes.begin(), ip.bytes.end(), all_nodes)) return true;
  // ff02::1:ffXX:XXXX, the solicited-node group of each of our addresses (RFC 4291 §2.7.1).
  static constexpr std::uint8_t solicited[13] = {0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0xff};
  if (!std::equal(solicited, solicited + 13, ip.bytes.begin())) return false;
  for (const auto& a : config_.addresses)
    if (a.address.family == IpFamily::v6 && std::equal(a.address.bytes.begin() + 13, a.address.bytes.end(),
                                                        ip.bytes.begin() + 13))
      return true;
  return false;
}

std::optional<IpAddress> Interface::source_for(const IpAddress& destination) const {
  // The address on the destination's prefix, else the first of the family (RFC 6724 in
  // miniature: a host with a handful of addresses).
  std::optional<IpAddress> first;
  for (const auto& a : config_.addresses) {
    if (a.address.family != destination.family) continue;
    if (prefix_contains(a, destination)) return a.address;
    if (!first) first = a.address;
  }
  return first;
}

// --- input -------------------------------------------------------------------------

void Interface::receive(ByteSpan packet, Instant now, const RxOffload& offload) {
  now_ = now;
  counters_.add(Event::received);
  counters_.add(Event::received_bytes, packet.size());
  if (offload.checksum_trusted) counters_.add(Event::rx_checksum_trusted);
  if (offload.gso_size != 0) counters_.add(Event::rx_gso_packets);
  // The offload facts hold for this packet only (never for a datagram it completes by
  // reassembly: the IP layers clear them there).
  rx_offload_ = offload;
  switch (config_.medium) {
    case Medium::ethernet: ethernet_input(packet); break;
    case Medium::ip:
      if (!packet.empty() && packet[0] >> 4 == 4) ipv4_input(packet);
      else if (!packet.empty() && packet[0] >> 4 == 6) ipv6_input(packet);
      else counters_.add(Drop::ip_bad_version);
      break;
  }
  rx_offload_ = {};
}

void Interface::ethernet_input(ByteSpan frame) {
  const auto eth = EthernetView::parse(frame);
  if (!eth) return counters_.add(Drop::link_truncated);
  const MacAddress dst = eth->destination();
  bool for_us = dst == config_.mac || dst == MacAddress::broadcast();
  if (!for_us && dst.bytes[0] == 0x33 && dst.bytes[1] == 0x33) {
    IpAddress group = *IpAddress::parse("ff02::1");
    if (dst.bytes[2] == 0xff) group = *IpAddress::parse("ff02::1:ff00:0");
    for (std::size_t i = 2; i < 6; ++i) group.bytes[10 + i] = dst.bytes[i];
    for_us = is_joined_ipv6_group(group);
  }
  if (!for_us && dst == ipv4_multicast_mac(IpAddress::v4(224, 0, 0, 1))) for_us = true;
  if (!for_us) return counters_.add(Drop::link_not_for_us);
  if (eth->tag_count() != 0) return counters_.add(Drop::link_unknown_type);  // no VLANs on a host
  switch (eth->ether_type()) {
    case EtherType::arp: return arp_input(eth->payload());
    case EtherType::ipv4: return ipv4_input(eth->payload());
    case EtherType::ipv6: return ipv6_input(eth->payload());
    default: return counters_.add(Drop::link_unknown_type);
  }
}

// RFC 826 "Packet Reception", with RFC 5227 probes (sender 0.0.0.0) never learned from.
void Interface::arp_input(ByteSpan packet) {
  const ParseError error = ArpView::check(packet);
  if (error == ParseError::unsupported) return counters_.add(Drop::arp_unsupported);
  if (error != ParseError::none) return counters_.add(Drop::arp_malformed);
  const auto arp = *ArpView::parse(packet);
  const IpAddress sender = arp.sender_protocol_address();
  const IpAddress target = arp.target_protocol_address();
  const MacAddress sender_mac = arp.sender_hardware_address();
  const bool we_are_target = is_our_address(target);
  const bool probe = sender == IpAddress::v4(0, 0, 0, 0);
  // "If the pair <protocol type, sender protocol address> is already in my translation
  // table, update the sender hardware address field" (merge); "If I am the target protocol
  // address ... add the triplet". A sender MAC that is multicast is never learned.
  if (!probe && !sender_mac.is_multicast()) {
    arp_.learn(sender, sender_mac, now_, we_are_target, scratch_buffers_);
    flush(scratch_buffers_, sender_mac, static_cast<std::uint16_t>(EtherType::ipv4));
  }
  switch (arp.operation()) {
    case ArpOperation::reply: return;  // learning above was all there is to do
    case ArpOperation::request: break;
    default: return counters_.add(Drop::arp_unsupported);
  }
  if (!we_are_target) return counters_.add(Drop::arp_not_for_us);
  // "Swap hardware and protocol fields, putting the local hardware and protocol addresses
  // in the sender fields. Set the opcode to reply."
  PacketBuffer b = pool_.take(kEthernetHeader, ArpRepr::size());
  const ArpRepr reply{ArpOperation::reply, config_.mac, target, sender_mac, sender};
  reply.emit(b.packet());
  counters_.add(Event::arp_requests_answered);
  ethernet_output(std::move(b), sender_mac, static_cast<std::uint16_t>(EtherType::arp));
}

void Interface::send_arp_request(const IpAddress& target, bool gratuitous) {
  std::optional<IpAddress> source = gratuitous ? target : source_for(target);
  if (!source) return;
  PacketBuffer b = pool_.take(kEthernetHeader, ArpRepr::size());
  // RFC 5227 §3: an announcement is a request with sender and target both our address.
  const ArpRepr request{ArpOperation::request, config_.mac, *source, MacAddress{}, target};
  request.emit(b.packet());
  counters_.add(gratuitous ? Event::gratuitous_arp_sent : Event::arp_requests_sent);
  ethernet_output(std::move(b), MacAddress::broadcast(), static_cast<std::uint16_t>(EtherType::arp));
}

// --- output ------------------------------------------------------------------------

void Interface::enqueue_tx(PacketBuffer&& packet) {
  if (tx_.size() >= config_.tx_queue_limit) {
    counters_.add(Drop::tx_queue_full);
    pool_.give(std::move(packet));
    return;
  }
  counters_.add(Event::transmitted);
  counters_.add(Event::transmitted_bytes, packet.length);
  if (packet.vnet.gso_type != 0) counters_.add(Event::tx_gso_packets);
  else if (packet.vnet.flags != 0) counters_.add(Event::tx_checksum_offloaded);
  tx_.push_back(std::move(packet));
}

void Interface::transmit_done(std::size_t n) {
  for (std::size_t i = 0; i < n && !tx_.empty(); ++i) {
    pool_.give(std::move(tx_.front()));
    tx_.pop_front();
  }
}

void Interface::ethernet_output(PacketBuffer&& packet, const MacAddress& destination,
                                std::uint16_t ether_type) {
  EthernetRepr header{destination, config_.mac, {}, 0, EtherType{ether_type}};
  header.emit(packet.prepend(kEthernetHeader));
  // virtio offsets count from the frame's first byte.
  if (packet.vnet.flags & VirtioNetHdrView::kFlagNeedsCsum) {
    packet.vnet.csum_start = static_cast<std::uint16_t>(packet.vnet.csum_start + kEthernetHeader);
    packet.vnet.hdr_len = static_cast<std::uint16_t>(packet.vnet.hdr_len + kEthernetHeader);
  }
  enqueue_tx(std::move(packet));
}

void Interface::flush(std::vector<PacketBuffer>& released, const MacAddress& mac, std::uint16_t ether_type) {
  for (auto& p : released) ethernet_output(std::move(p), mac, ether_type);
  released.clear();
}

void Interface::drop_all(std::vector<PacketBuffer>& dropped, Drop reason) {
  counters_.add(reason, dropped.size());
  for (auto& p : dropped) pool_.give(std::move(p));
  dropped.clear();
}

// An IP packet to `next_hop`: straight out on TUN; on TAP through the neighbour cache
// (RFC 826 / RFC 4861 §7.2.2: hold the packet and solicit when the address is unknown).
void Interface::link_output(PacketBuffer&& packet, const IpAddress& next_hop) {
  if (config_.medium == Medium::ip) return enqueue_tx(std::move(packet));
  const bool v4 = next_hop.family == IpFamily::v4;
  const auto ether_type = static_cast<std::uint16_t>(v4 ? EtherType::ipv4 : EtherType::ipv6);
  if (v4 && is_ipv4_broadcast(next_hop))
    return ethernet_output(std::move(packet), MacAddress::broadcast(), ether_type);
  if (v4 && next_hop.bytes[0] >= 224 && next_hop.bytes[0] < 240)
    return ethernet_output(std::move(packet), ipv4_multicast_mac(next_hop), ether_type);
  if (!v4 && next_hop.bytes[0] == 0xff)
    return ethernet_output(std::move(packet), ipv6_multicast_mac(next_hop), ether_type);
  NeighborCache& cache = v4 ? arp_ : ndp_;
  if (auto mac = cache.lookup(next_hop, now_)) return ethernet_output(std::move(packet), *mac, ether_type);
  switch (cache.enqueue(next_hop, std::move(packet), now_, scratch_buffers_)) {
    case NeighborCache::Queued::solicit:
      drop_all(scratch_buffers_, Drop::neighbor_queue_full);
      if (v4) send_arp_request(next_hop, false);
      else send_neighbor_solicitation(next_hop);
      return;
    case NeighborCache::Queued::waiting: return;
    case NeighborCache::Queued::dropped_oldest: return drop_all(scratch_buffers_, Drop::neighbor_queue_full);
    case NeighborCache::Queued::cache_full: return drop_all(scratch_buffers_, Drop::neighbor_cache_full);
  }
}

void Interface::send_ip(const IpAddress& source, const IpAddress& destination, IpProtocol protocol,
                        std::size_t payload_length, const std::function<void(MutableByteSpan)>& fill) {
  send_ip(source, destination, protocol, payload_length, fill, TxOptions{});
}

void Interface::send_ip(const IpAddress& source, const IpAddress& destination, IpProtocol protocol,
                        std::size_t payload_length, const std::function<void(MutableByteSpan)>& fill,
                        const TxOptions& options) {
  PacketBuffer b = payload_buffer(payload_length);
  fill(b.packet());
  if (destination.family == IpFamily::v4) ipv4_output(std::move(b), source, destination, protocol, options);
  else ipv6_output(std::move(b), source, destination, protocol, 64, options);
}

// The virtio header for a packet whose IP header (ip_header bytes) is in place: NEEDS_CSUM
// from the transport header on, and for a super-segment GSO_TCPV4/TCPV6 with hdr_len the
// headers every segment repeats (virtio 1.x §5.1.6.2).
void Interface::set_tx_offload(PacketBuffer& packet, std::size_t ip_header, IpFamily family,
                               const TxOptions& options) {
  if (!options.partial_checksum_at) return;
  VirtioNetHdrRepr& v = packet.vnet;
  v.flags = VirtioNetHdrView::kFlagNeedsCsum;
  v.csum_start = static_cast<std::uint16_t>(ip_header);
  v.csum_offset = *options.partial_checksum_at;
  v.hdr_len = static_cast<std::uint16_t>(ip_header + options.transport_header);
  if (options.gso_size != 0 && packet.length > ip_header + options.transport_header + options.gso_size) {
    v.gso_type = static_cast<std::uint8_t>(family == IpFamily::v4 ? VirtioGsoType::tcpv4 : VirtioGsoType::tcpv6);
    v.gso_size = options.gso_size;
  }
}

// --- timers ------------------------------------------------------------------------

void Interface::poll(Instant now) {
  now_ = now;
  if (!announced_) {
    announced_ = true;
    // RFC 5227 §2.3 / RFC 5944 §4.6: announce our IPv4 addresses with gratuitous ARP.
    if (config_.medium == Medium::ethernet)
      for (const auto& a : config_.addresses)
        if (a.address.family == IpFamily::v4) send_arp_request(a.address, true);
  }
  for (NeighborCache* cache : {&arp_, &ndp_}) {
    scratch_addresses_.clear();
    cache->poll(now, scratch_addresses_, scratch_buffers_);
    drop_all(scratch_buffers_, Drop::neighbor_unresolved);
    for (const auto& ip : scratch_addresses_) {
      if (cache == &arp_) send_arp_request(ip, false);
      else send_neighbor_solicitation(ip);
    }
  }
  if (const std::size_t expired = reassembler_.expire(now)) counters_.add(Drop::fragment_timeout, expired);
}

std::optional<Instant> Interface::poll_at() const {
  std::optional<Instant> next;
  auto consider = [&](std::optional<Instant> t) {
    if (t && (!next || *t < *next)) next = t;
  };
  if (!announced_) consider(now_);
  consider(arp_.deadline());
  consider(ndp_.deadline());
  consider(reassembler_.deadline());
  return next;
}

}  // namespace tunkit::stack
