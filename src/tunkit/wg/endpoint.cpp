#include "tunkit/wg/endpoint.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <charconv>
#include <cstring>

namespace tunkit::wg {
namespace {

bool is_v4_mapped(const IpAddress& address) noexcept {
  if (address.family != IpFamily::v6) return false;
  for (std::size_t i = 0; i < 10; ++i)
    if (address.bytes[i] != 0) return false;
  return address.bytes[10] == 0xff && address.bytes[11] == 0xff;
}

void append_hex_group(std::string& out, unsigned group) {
  char digits[4];
  auto [end, ec] = std::to_chars(digits, digits + sizeof digits, group, 16);
  (void)ec;  // a 16-bit group always fits in four hex digits
  out.append(digits, end);
}

}  // namespace

std::optional<Endpoint> Endpoint::parse(std::string_view text) {
  const auto colon = text.rfind(':');
  if (colon == std::string_view::npos) return std::nullopt;
  std::string_view host = text.substr(0, colon);
  const bool bracketed = host.size() >= 2 && host.front() == '[' && host.back() == ']';
  if (bracketed) host = host.substr(1, host.size() - 2);
  // A bracket that is not a matched pair around the whole host is malformed.
  if (host.find_first_of("[]") != std::string_view::npos) return std::nullopt;
  auto address = IpAddress::parse(host);
  if (!address) return std::nullopt;
  if (bracketed != (address->family == IpFamily::v6)) return std::nullopt;
  auto port = parse_decimal(text.substr(colon + 1), 0xffff);
  if (!port) return std::nullopt;
  return Endpoint{*address, static_cast<std::uint16_t>(*port)};
}

std::string Endpoint::to_string() const {
  const std::string host = format_address(address);
  std::string out;
  if (address.family == IpFamily::v6)
    out = "[" + host + "]";
  else
    out = host;
  out += ':';
  out += std::to_string(port);
  return out;
}

socklen_t Endpoint::to_sockaddr(sockaddr_storage& out) const noexcept {
  std::memset(&out, 0, sizeof out);
  if (address.family == IpFamily::v4) {
    sockaddr_in sin{};
    sin.sin_family = AF_INET;
    sin.sin_port = htons(port);
    std::memcpy(&sin.sin_addr, address.bytes.data(), 4);
    std::memcpy(&out, &sin, sizeof sin);
    return sizeof sin;
  }
  sockaddr_in6 sin6{};
  sin6.sin6_family = AF_INET6;
  sin6.sin6_port = htons(port);
  std::memcpy(&sin6.sin6_addr, address.bytes.data(), 16);
  std::memcpy(&out, &sin6, sizeof sin6);
  return sizeof sin6;
}

std::optional<Endpoint> Endpoint::from_sockaddr(const sockaddr_storage& in) noexcept {
  if (in.ss_family == AF_INET) {
    sockaddr_in sin{};
    std::memcpy(&sin, &in, sizeof sin);
    Endpoint endpoint;
    std::memcpy(endpoint.address.bytes.data(), &sin.sin_addr, 4);
    endpoint.port = ntohs(sin.sin_port);
    return endpoint;
  }
  if (in.ss_family == AF_INET6) {
    sockaddr_in6 sin6{};
    std::memcpy(&sin6, &in, sizeof sin6);
    if (sin6.sin6_scope_id != 0) return std::nullopt;
    Endpoint endpoint;
    endpoint.address.family = IpFamily::v6;
    std::memcpy(endpoint.address.bytes.data(), &sin6.sin6_addr, 16);
    endpoint.port = ntohs(sin6.sin6_port);
    return endpoint;
  }
  return std::nullopt;
}

std::string format_address(const IpAddress& address) {
  if (address.family == IpFamily::v4) return address.to_string();
  if (is_v4_mapped(address))
    return "::ffff:" +
           IpAddress::v4(address.bytes[12], address.bytes[13], address.bytes[14], address.bytes[15])
               .to_string();
  unsigned groups[8];
  for (std::size_t i = 0; i < 8; ++i)
    groups[i] = static_cast<unsigned>(address.bytes[2 * i] << 8 | address.bytes[2 * i + 1]);
  // RFC 5952 §4.2: compress the first longest run of at least two zero groups.
  std::size_t run_start = 8, run_length = 0;
  for (std::size_t i = 0; i < 8;) {
    std::size_t j = i;
    while (j < 8 && groups[j] == 0) ++j;
    if (j - i >= 2 && j - i > run_length) run_start = i, run_length = j - i;
    i = j == i ? i + 1 : j;
  }
  std::string out;
  for (std::size_t i = 0; i < 8; ++i) {
    if (i == run_start) {
      out += "::";
      i += run_length - 1;
      continue;
    }
    if (i > 0 && i != run_start + run_length) out += ':';
    append_hex_group(out, groups[i]);
  }
  return out;
}

std::string format_prefix(const IpPrefix& prefix) {
  return format_address(prefix.address) + "/" + std::to_string(prefix.length);
}

std::optional<IpPrefix> parse_prefix_strict(std::string_view text) {
  const auto slash = text.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  const auto digits = text.substr(slash + 1);
  if (digits.size() > 1 && digits.front() == '0') return std::nullopt;
  auto length = parse_decimal(digits, 128);
  auto address = IpAddress::parse(text.substr(0, slash));
  if (!length || !address) return std::nullopt;
  IpPrefix prefix{*address, 0};
  if (*length > prefix.max_length()) return std::nullopt;
  prefix.length = static_cast<std::uint8_t>(*length);
  return prefix;
}

IpPrefix masked(const IpPrefix& prefix) noexcept {
  IpPrefix out = prefix;
  const std::size_t size = prefix.address.size();
  for (std::size_t i = 0; i < size; ++i) {
    const std::size_t first_bit = i * 8;
    if (first_bit >= prefix.length) {
      out.address.bytes[i] = 0;
    } else if (first_bit + 8 > prefix.length) {
      const auto keep = static_cast<unsigned>(prefix.length - first_bit);  // 1..7 bits survive
      out.address.bytes[i] &= static_cast<std::uint8_t>(0xff00u >> keep);
    }
  }
  return out;
}

std::optional<std::uint64_t> parse_decimal(std::string_view text, std::uint64_t max) noexcept {
  if (text.empty()) return std::nullopt;
  for (char c : text)
    if (c < '0' || c > '9') return std::nullopt;
  std::uint64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end != text.data() + text.size() || value > max) return std::nullopt;
  return value;
}

}  // namespace tunkit::wg
