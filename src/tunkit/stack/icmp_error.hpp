// An ICMP or ICMPv6 error that quotes a packet we sent, as the IP layer hands it to the
// transport that sent the packet (RFC 1122 §3.2.2 / §4.2.3.9, RFC 4443 §2.4(b)), and how a
// transport should read it: path MTU (RFC 1191, RFC 8201), hard and soft errors (RFC 1122
// §4.2.3.9, RFC 5461) with the errno value Linux reports for each (icmp_err_convert,
// icmpv6_err_convert).
#pragma once

#include <cstdint>
#include <system_error>

#include "tunkit/wire/address.hpp"
#include "tunkit/wire/bytes.hpp"

namespace tunkit::stack {

enum class IcmpErrorKind : std::uint8_t {
  packet_too_big,  // IPv4 type 3 code 4 (RFC 1191 §4), ICMPv6 type 2 (RFC 8201 §4)
  hard,            // the destination says no: protocol / port unreachable (RFC 1122 §4.2.3.9)
  soft,            // may be transient: net/host unreachable, time exceeded, parameter problem
};

struct IcmpError {
  IpFamily family = IpFamily::v4;
  std::uint8_t type = 0;  // ICMP or ICMPv6 type and code, as received
  std::uint8_t code = 0;
  // packet_too_big only: the MTU the error reports (IPv4: the next-hop MTU of RFC 1191 §4,
  // or, from a router that sends 0, the RFC 1191 §7 plateau below the quoted length).
  std::uint32_t mtu = 0;
  IpAddress reporter;     // the error's sender (a router, or the destination itself)
  // The quoted packet: its addresses (source is ours), its IP protocol, and the quoted
  // transport header and what follows it: at least 8 bytes (RFC 792, RFC 4443 §2.4(c)),
  // enough for ports and the sequence number. A view into the received packet: valid
  // only during the hook call.
  IpAddress source, destination;
  std::uint8_t protocol = 0;
  ByteSpan transport;

  IcmpErrorKind kind() const noexcept;
  // What a socket reports for it: EMSGSIZE, ECONNREFUSED, ENOPROTOOPT, EHOSTUNREACH, ...
  std::error_code error() const noexcept;
};

// RFC 1191 §7 "plateau" table: the largest plateau below `total_length`, for a
// fragmentation-needed error from a router that does not report the next-hop MTU (§5);
// 68 at least.
std::uint16_t ipv4_mtu_plateau_below(std::uint16_t total_length) noexcept;

}  // namespace tunkit::stack
