#include "tunkit/stack/icmp_error.hpp"

#include <array>

namespace tunkit::stack {

namespace {
// ICMP (RFC 792) and ICMPv6 (RFC 4443 §3) types that quote a packet.
constexpr std::uint8_t kV4Unreachable = 3, kV4TimeExceeded = 11, kV4ParameterProblem = 12;
constexpr std::uint8_t kV6Unreachable = 1, kV6PacketTooBig = 2, kV6TimeExceeded = 3, kV6ParameterProblem = 4;
}  // namespace

IcmpErrorKind IcmpError::kind() const noexcept {
  if (family == IpFamily::v4) {
    if (type != kV4Unreachable) return IcmpErrorKind::soft;
    // RFC 1122 §4.2.3.9: destination unreachable codes 2-4 are "hard error conditions";
    // code 4 (fragmentation needed) is path MTU discovery's (RFC 1191).
    if (code == 4) return IcmpErrorKind::packet_too_big;
    return code == 2 || code == 3 ? IcmpErrorKind::hard : IcmpErrorKind::soft;
  }
  if (type == kV6PacketTooBig) return IcmpErrorKind::packet_too_big;
  // RFC 4443 §3.1 code 4 port unreachable; §3.4 code 1 "unrecognized Next Header type
  // encountered" is IPv6's protocol unreachable.
  if ((type == kV6Unreachable && code == 4) || (type == kV6ParameterProblem && code == 1))
    return IcmpErrorKind::hard;
  return IcmpErrorKind::soft;
}

std::error_code IcmpError::error() const noexcept {
  auto e = [](std::errc c) { return std::make_error_code(c); };
  if (family == IpFamily::v4) {
    switch (type) {
      case kV4Unreachable:
        switch (code) {
          case 0: return e(std::errc::network_unreachable);
          case 2: return e(std::errc::no_protocol_option);  // Linux: ENOPROTOOPT
          case 3: return e(std::errc::connection_refused);
          case 4: return e(std::errc::message_size);
          default: return e(std::errc::host_unreachable);
        }
      case kV4TimeExceeded: return e(std::errc::host_unreachable);
      case kV4ParameterProblem: return e(std::errc::protocol_error);
      default: return e(std::errc::host_unreachable);
    }
  }
  switch (type) {
    case kV6Unreachable:
      switch (code) {
        case 0: return e(std::errc::network_unreachable);
        case 1: return e(std::errc::permission_denied);  // administratively prohibited
        case 4: return e(std::errc::connection_refused);
        default: return e(std::errc::host_unreachable);
      }
    case kV6PacketTooBig: return e(std::errc::message_size);
    case kV6TimeExceeded: return e(std::errc::host_unreachable);
    case kV6ParameterProblem: return e(std::errc::protocol_error);
    default: return e(std::errc::host_unreachable);
  }
}

std::uint16_t ipv4_mtu_plateau_below(std::uint16_t total_length) noexcept {
  static constexpr std::array<std::uint16_t, 10> kPlateaus = {32000, 17914, 8166, 4352, 2002,
                                                              1492,  1006,  508,  296,  68};
  for (const std::uint16_t p : kPlateaus)
    if (p < total_length) return p;
  return 68;
}

}  // namespace tunkit::stack
