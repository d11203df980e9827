// Address value types shared by every module: MAC, IPv4/IPv6 address, prefix.
// Bytes are kept in network order; parse() accepts the forms `ip` accepts.
#pragma once

#include <array>
#include <compare>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace tunkit {

struct MacAddress {
  std::array<std::uint8_t, 6> bytes{};

  // "02:00:5e:10:00:01" (also '-' separated); nullopt if malformed.
  static std::optional<MacAddress> parse(std::string_view text);
  // From six bytes in network order (an Ethernet or ARP field).
  static MacAddress from_bytes(std::span<const std::uint8_t, 6> b) noexcept {
    MacAddress mac;
    for (std::size_t i = 0; i < 6; ++i) mac.bytes[i] = b[i];
    return mac;
  }
  static constexpr MacAddress broadcast() noexcept {
    return MacAddress{{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}};
  }
  std::string to_string() const;
  bool is_multicast() const noexcept { return (bytes[0] & 1) != 0; }
  auto operator<=>(const MacAddress&) const = default;
};

enum class IpFamily : std::uint8_t { v4 = 4, v6 = 6 };

struct IpAddress {
  IpFamily family = IpFamily::v4;
  std::array<std::uint8_t, 16> bytes{};  // v4 uses the first 4

  static std::optional<IpAddress> parse(std::string_view text);
  static IpAddress v4(std::uint8_t a, std::uint8_t b, std::uint8_t c, std::uint8_t d) {
    IpAddress ip;
    ip.bytes[0] = a, ip.bytes[1] = b, ip.bytes[2] = c, ip.bytes[3] = d;
    return ip;
  }
  // From 4 or 16 bytes in network order (an IP header field).
  static IpAddress v4(std::span<const std::uint8_t, 4> b) noexcept {
    return v4(b[0], b[1], b[2], b[3]);
  }
  static IpAddress v6(std::span<const std::uint8_t, 16> b) noexcept {
    IpAddress ip;
    ip.family = IpFamily::v6;
    for (std::size_t i = 0; i < 16; ++i) ip.bytes[i] = b[i];
    return ip;
  }
  std::size_t size() const noexcept { return family == IpFamily::v4 ? 4 : 16; }
  int af() const noexcept;  // AF_INET or AF_INET6
  std::string to_string() const;
  auto operator<=>(const IpAddress&) const = default;
};

struct IpPrefix {
  IpAddress address;
  std::uint8_t length = 0;

  // "10.0.0.1/24", "fd00::1/64"; a bare address is a host prefix (/32, /128).
  static std::optional<IpPrefix> parse(std::string_view text);
  std::uint8_t max_length() const noexcept { return address.family == IpFamily::v4 ? 32 : 128; }
  std::string to_string() const;
  auto operator<=>(const IpPrefix&) const = default;
};

}  // namespace tunkit
