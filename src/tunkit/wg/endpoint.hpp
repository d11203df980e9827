// Endpoint: the UDP address of a WireGuard peer, and the address text WireGuard speaks.
//
// Text follows Go's net/netip, because that is what wireguard-go reads and prints on its
// UAPI socket: "192.0.2.1:51820", "[2001:db8::1]:51820", prefixes "10.0.0.0/24". Printing
// the same bytes as wireguard-go lets `wg` and tests compare tunkit's output verbatim.
// Pure data conversion: nothing here opens a socket or resolves a name.
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>

#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "tunkit/wire/address.hpp"

namespace tunkit::wg {

struct Endpoint {
  IpAddress address;
  std::uint16_t port = 0;

  // "a.b.c.d:port" or "[v6]:port", as netip.ParseAddrPort accepts them. Refuses (nullopt) an
  // IPv6 address without brackets, an IPv4 address in brackets, a zone ("%eth0"), IPv4
  // octets with leading zeros, and a port that is not plain decimal 0..65535.
  static std::optional<Endpoint> parse(std::string_view text);
  // The inverse of parse(); IPv6 in brackets, written as format_address() writes it.
  std::string to_string() const;

  // Fills `out` (zeroing the rest) and returns the length to pass to sendto()/connect().
  socklen_t to_sockaddr(sockaddr_storage& out) const noexcept;
  // AF_INET or AF_INET6 only; nullopt for other families and for an IPv6 address with a
  // scope id (a link-local zone, which Endpoint cannot carry). A v4-mapped IPv6 address
  // stays IPv6: a dual-stack socket's peers keep the form the kernel reported.
  static std::optional<Endpoint> from_sockaddr(const sockaddr_storage& in) noexcept;

  auto operator<=>(const Endpoint&) const = default;
};

// An address as netip.Addr.String() prints it: dotted IPv4; RFC 5952 IPv6 (lowercase, the
// first longest run of two or more zero groups as "::"), and "::ffff:a.b.c.d" for a
// v4-mapped address. Differs from inet_ntop only for ::/96-embedded IPv4 ("::1:2" here,
// "::0.1.0.2" from glibc), where wireguard-go prints the former.
std::string format_address(const IpAddress& address);
// "address/length" with format_address(); the host bits are printed as stored.
std::string format_prefix(const IpPrefix& prefix);
// "address/length" with the slash required (netip.ParsePrefix: the UAPI's allowed_ip);
// length is plain decimal without leading zeros. Host bits are kept, not masked.
std::optional<IpPrefix> parse_prefix_strict(std::string_view text);
// `prefix` with every bit after `length` cleared: the network the kernel would store.
IpPrefix masked(const IpPrefix& prefix) noexcept;

// Plain decimal digits (no sign, no spaces, leading zeros allowed) not above `max`: how
// wireguard-go reads every UAPI number (strconv.ParseUint(text, 10, bits)).
std::optional<std::uint64_t> parse_decimal(std::string_view text, std::uint64_t max) noexcept;

}  // namespace tunkit::wg
