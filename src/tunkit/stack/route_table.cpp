#include "tunkit/stack/route_table.hpp"

namespace tunkit::stack {

bool prefix_contains(const IpPrefix& prefix, const IpAddress& address) noexcept {
  if (prefix.address.family != address.family) return false;
  const std::size_t full = prefix.length / 8, bits = prefix.length % 8;
  for (std::size_t i = 0; i < full; ++i)
    if (prefix.address.bytes[i] != address.bytes[i]) return false;
  if (bits == 0) return true;
  const auto mask = static_cast<std::uint8_t>(0xff << (8 - bits));
  return (prefix.address.bytes[full] & mask) == (address.bytes[full] & mask);
}

void RouteTable::add_connected(const IpPrefix& prefix) { connected_.push_back(prefix); }

void RouteTable::set_gateway(const IpAddress& gateway) {
  (gateway.family == IpFamily::v4 ? gateway4_ : gateway6_) = gateway;
}

std::optional<IpAddress> RouteTable::next_hop(const IpAddress& destination) const {
  if (destination.family == IpFamily::v6 &&
      (destination.bytes[0] == 0xff || (destination.bytes[0] == 0xfe && (destination.bytes[1] & 0xc0) == 0x80)))
    return destination;  // RFC 4291 §2.5.6 link-local, §2.7 multicast
  if (destination.family == IpFamily::v4 && destination.bytes[0] >= 224)
    return destination;  // multicast and limited broadcast stay on the link
  int best = -1;
  for (const auto& p : connected_)
    if (p.length > best && prefix_contains(p, destination)) best = p.length;
  if (best >= 0) return destination;
  const auto& gateway = destination.family == IpFamily::v4 ? gateway4_ : gateway6_;
  return gateway;
}

}  // namespace tunkit::stack
