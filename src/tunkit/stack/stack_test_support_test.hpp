// Packet builders for the stack's unit tests: real bytes through the wire builders, and a
// virtual clock (DESIGN.md: deterministic tests of timers).
#pragma once

#include <cstring>
#include <functional>
#include <stdexcept>
#include <vector>

#include "tunkit/stack/interface.hpp"
#include "tunkit/wire/arp.hpp"
#include "tunkit/wire/ethernet.hpp"
#include "tunkit/wire/icmpv4.hpp"
#include "tunkit/wire/icmpv6.hpp"
#include "tunkit/wire/ipv4.hpp"
#include "tunkit/wire/ipv6.hpp"
#include "tunkit/wire/udp.hpp"

namespace tunkit::stack::testing {

using Bytes = std::vector<std::uint8_t>;

inline IpAddress ip(const char* text) { return *IpAddress::parse(text); }
inline MacAddress mac(const char* text) { return *MacAddress::parse(text); }
inline const Instant kStart = Instant{} + std::chrono::hours(1);

inline const MacAddress kHostMac = mac("02:00:00:00:00:09");
inline const MacAddress kPeerMac = mac("02:00:00:00:00:01");

// `tweak` adjusts the configuration before the interface is made (offloads, queue limit).
inline Interface make_host(Medium medium, std::uint16_t mtu = 1500,
                           const std::function<void(InterfaceConfig&)>& tweak = {}) {
  InterfaceConfig config;
  config.medium = medium;
  config.mac = kHostMac;
  config.addresses = {*IpPrefix::parse("10.0.0.9/24"), *IpPrefix::parse("fd00::9/64")};
  config.gateways = {ip("10.0.0.1")};
  config.mtu = mtu;
  if (tweak) tweak(config);
  auto host = Interface::create(config);
  if (!host) throw std::runtime_error(host.error().message);
  return std::move(*host);
}

// An IPv4 packet around `payload` (fragment fields as given).
inline Bytes ipv4(const IpAddress& src, const IpAddress& dst, IpProtocol protocol, const Bytes& payload,
                  std::uint16_t id = 1, std::uint16_t offset = 0, bool more = false, std::uint8_t ttl = 64) {
  Ipv4Repr r;
  r.source = src, r.destination = dst, r.protocol = protocol, r.ttl = ttl, r.identification = id;
  r.dont_fragment = false, r.more_fragments = more, r.fragment_offset = offset;
  r.payload_length = static_cast<std::uint16_t>(payload.size());
  Bytes out(20 + payload.size());
  std::memcpy(out.data() + 20, payload.data(), payload.size());
  r.emit(out);
  return out;
}

inline Bytes ipv6(const IpAddress& src, const IpAddress& dst, IpProtocol next, const Bytes& payload,
                  std::uint8_t hop_limit = 64) {
  Ipv6Repr r{src, dst, next, hop_limit, 0, 0, static_cast<std::uint16_t>(payload.size())};
  Bytes out(40 + payload.size());
  std::memcpy(out.data() + 40, payload.data(), payload.size());
  r.emit(out);
  return out;
}

inline Bytes icmpv4_echo(std::uint16_t seq, std::size_t data_length) {
  Bytes out(8 + data_length);
  for (std::size_t i = 0; i < data_length; ++i) out[8 + i] = static_cast<std::uint8_t>(i);
  Icmpv4Repr::echo(Icmpv4Type::echo_request, 0x4242, seq, static_cast<std::uint16_t>(data_length)).emit(out);
  return out;
}

inline Bytes udp(const IpAddress& src, const IpAddress& dst, std::uint16_t sport, std::uint16_t dport,
                 const Bytes& payload) {
  Bytes out(8 + payload.size());
  std::memcpy(out.data() + 8, payload.data(), payload.size());
  UdpRepr{sport, dport, static_cast<std::uint16_t>(payload.size())}.emit(out, src, dst);
  return out;
}

inline Bytes ethernet(const MacAddress& dst, const MacAddress& src, EtherType type, const Bytes& payload) {
  Bytes out(14 + payload.size());
  EthernetRepr{dst, src, {}, 0, type}.emit(out);
  std::memcpy(out.data() + 14, payload.data(), payload.size());
  return out;
}

inline Bytes arp(ArpOperation op, const MacAddress& sha, const IpAddress& spa, const MacAddress& tha,
                 const IpAddress& tpa) {
  Bytes out(28);
  ArpRepr{op, sha, spa, tha, tpa}.emit(out);
  return out;
}

// Everything the host queued for the device, as copies; the queue is emptied.
inline std::vector<Bytes> drain(Interface& host) {
  std::vector<Bytes> out;
  for (std::size_t i = 0; i < host.transmit_count(); ++i) {
    auto p = host.transmit_packet(i);
    out.emplace_back(p.begin(), p.end());
  }
  host.transmit_done(host.transmit_count());
  return out;
}

// The same with the virtio header the driver would write before each packet.
struct TxPacket {
  Bytes bytes;
  VirtioNetHdrRepr vnet;
};
inline std::vector<TxPacket> drain_with_vnet(Interface& host) {
  std::vector<TxPacket> out;
  for (std::size_t i = 0; i < host.transmit_count(); ++i) {
    auto p = host.transmit_packet(i);
    out.push_back(TxPacket{Bytes(p.begin(), p.end()), host.transmit_vnet(i)});
  }
  host.transmit_done(host.transmit_count());
  return out;
}

}  // namespace tunkit::stack::testing
