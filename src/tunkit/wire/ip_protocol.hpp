// IANA protocol numbers, shared by the IPv4 protocol field and the IPv6 next-header chain.
// Values outside the enumerators are valid on the wire and pass through unchanged.
#pragma once

#include <cstdint>

namespace tunkit {

enum class IpProtocol : std::uint8_t {
  hop_by_hop = 0,    // RFC 8200 §4.3
  icmp = 1,
  tcp = 6,
  udp = 17,
  ipv6_routing = 43,   // RFC 8200 §4.4
  ipv6_fragment = 44,  // RFC 8200 §4.5
  esp = 50,
  ah = 51,
  icmpv6 = 58,
  ipv6_no_next = 59,   // RFC 8200 §4.7
  ipv6_dest_opts = 60, // RFC 8200 §4.6
};

}  // namespace tunkit
