#include "packet_line.hpp"

#include <fmt/format.h>

#include <cstdint>

#include "tunkit/wire/address.hpp"

namespace tunkit::app {
namespace {

std::uint8_t u8(std::span<const std::byte> p, std::size_t at) {
  return static_cast<std::uint8_t>(p[at]);
}
std::uint16_t u16(std::span<const std::byte> p, std::size_t at) {
  return static_cast<std::uint16_t>(u8(p, at) << 8 | u8(p, at + 1));
}
std::string ip_text(std::span<const std::byte> p, std::size_t at, IpFamily family) {
  IpAddress ip;
  ip.family = family;
  for (std::size_t i = 0; i < ip.size(); ++i) ip.bytes[i] = u8(p, at + i);
  return ip.to_string();
}

std::string protocol_name(std::uint8_t protocol) {
  switch (protocol) {
    case 1: return "ICMP";
    case 6: return "TCP";
    case 17: return "UDP";
    case 58: return "ICMPv6";
    default: return fmt::format("proto {}", protocol);
  }
}

std::string ip_line(std::span<const std::byte> p) {
  if (p.empty()) return "empty";
  const unsigned version = u8(p, 0) >> 4;
  if (version == 4 && p.size() >= 20) {
    std::string line = fmt::format("IPv4 {} > {} {}", ip_text(p, 12, IpFamily::v4),
                                   ip_text(p, 16, IpFamily::v4), protocol_name(u8(p, 9)));
    const std::size_t ihl = (u8(p, 0) & 0x0f) * 4u;
    if (u8(p, 9) == 1 && p.size() >= ihl + 2) {
      const auto type = u8(p, ihl);
      line += type == 8 ? " echo request" : type == 0 ? " echo reply" : fmt::format(" type {}", type);
    }
    return line;
  }
  if (version == 6 && p.size() >= 40) {
    std::string line = fmt::format("IPv6 {} > {} {}", ip_text(p, 8, IpFamily::v6),
                                   ip_text(p, 24, IpFamily::v6), protocol_name(u8(p, 6)));
    if (u8(p, 6) == 58 && p.size() >= 41) line += fmt::format(" type {}", u8(p, 40));
    return line;
  }
  return fmt::format("not IP (first byte 0x{:02x}) or truncated", u8(p, 0));
}

}  // namespace

std::string packet_line(std::span<const std::byte> packet, bool link_ethernet) {
  if (!link_ethernet) return ip_line(packet);
  if (packet.size() < 14) return "truncated Ethernet frame";
  MacAddress dst, src;
  for (std::size_t i = 0; i < 6; ++i) dst.bytes[i] = u8(packet, i), src.bytes[i] = u8(packet, 6 + i);
  const auto ethertype = u16(packet, 12);
  const auto payload = packet.subspan(14);
  std::string line = fmt::format("{} > {} ", src.to_string(), dst.to_string());
  if (ethertype == 0x0806 && payload.size() >= 28) {
    const auto op = u16(payload, 6);
    if (op == 1)
      return line + fmt::format("ARP who-has {} tell {}", ip_text(payload, 24, IpFamily::v4),
                                ip_text(payload, 14, IpFamily::v4));
    return line + fmt::format("ARP op {}", op);
  }
  if (ethertype == 0x0800 || ethertype == 0x86dd) return line + ip_line(payload);
  return line + fmt::format("ethertype 0x{:04x}", ethertype);
}

}  // namespace tunkit::app
