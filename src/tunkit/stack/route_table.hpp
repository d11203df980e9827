// The host's route table: connected prefixes (from its addresses) and at most one default
// gateway per family. Longest prefix wins (RFC 1812 §5.2.4.3); a destination on a connected
// prefix is its own next hop, anything else goes to the gateway (RFC 1122 §3.3.1.1).
#pragma once

#include <optional>
#include <vector>

#include "tunkit/wire/address.hpp"

namespace tunkit::stack {

bool prefix_contains(const IpPrefix& prefix, const IpAddress& address) noexcept;

class RouteTable {
 public:
  void add_connected(const IpPrefix& prefix);
  void set_gateway(const IpAddress& gateway);

  // The neighbour to hand a packet for `destination` to, or nullopt (no route).
  // IPv6 link-local (fe80::/10) and multicast destinations are always on-link.
  std::optional<IpAddress> next_hop(const IpAddress& destination) const;

 private:
  std::vector<IpPrefix> connected_;
  std::optional<IpAddress> gateway4_, gateway6_;
};

}  // namespace tunkit::stack
