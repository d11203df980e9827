#include "tunkit/wire/address.hpp"

#include <arpa/inet.h>

#include <charconv>
#include <cstdio>

namespace tunkit {

std::optional<MacAddress> MacAddress::parse(std::string_view text) {
  // Exactly six groups of two hex digits.
  if (text.size() != 17) return std::nullopt;
  MacAddress mac;
  for (std::size_t i = 0; i < 6; ++i) {
    const char* first = text.data() + i * 3;
    if (i < 5 && first[2] != ':' && first[2] != '-') return std::nullopt;
    auto [end, ec] = std::from_chars(first, first + 2, mac.bytes[i], 16);
    if (ec != std::errc{} || end != first + 2) return std::nullopt;
  }
  return mac;
}

std::string MacAddress::to_string() const {
  char out[18];
  std::snprintf(out, sizeof out, "%02x:%02x:%02x:%02x:%02x:%02x", bytes[0], bytes[1],
                bytes[2], bytes[3], bytes[4], bytes[5]);
  return out;
}

int IpAddress::af() const noexcept { return family == IpFamily::v4 ? AF_INET : AF_INET6; }

std::optional<IpAddress> IpAddress::parse(std::string_view text) {
  if (text.empty() || text.size() >= INET6_ADDRSTRLEN) return std::nullopt;
  char buf[INET6_ADDRSTRLEN];
  text.copy(buf, text.size());
  buf[text.size()] = '\0';
  IpAddress ip;
  if (inet_pton(AF_INET, buf, ip.bytes.data()) == 1) return ip;
  ip.family = IpFamily::v6;
  if (inet_pton(AF_INET6, buf, ip.bytes.data()) == 1) return ip;
  return std::nullopt;
}

std::string IpAddress::to_string() const {
  char buf[INET6_ADDRSTRLEN];
  inet_ntop(af(), bytes.data(), buf, sizeof buf);
  return buf;
}

std::optional<IpPrefix> IpPrefix::parse(std::string_view text) {
  const auto slash = text.find('/');
  auto address = IpAddress::parse(text.substr(0, slash));
  if (!address) return std::nullopt;
  IpPrefix prefix{*address, 0};
  prefix.length = prefix.max_length();
  if (slash == std::string_view::npos) return prefix;
  const auto digits = text.substr(slash + 1);
  unsigned length = 0;
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), length);
  if (digits.empty() || ec != std::errc{} || end != digits.data() + digits.size() ||
      length > prefix.max_length())
    return std::nullopt;
  prefix.length = static_cast<std::uint8_t>(length);
  return prefix;
}

std::string IpPrefix::to_string() const {
  return address.to_string() + "/" + std::to_string(length);
}

}  // namespace tunkit
