// One short line about a packet read from a device: what `tunkit dev attach` and the demo
// print. (`tunkit dump` decodes everything; this only names the protocol and endpoints.)
#pragma once

#include <cstddef>
#include <span>
#include <string>

namespace tunkit::app {

// `link_ethernet`: the packet starts with an Ethernet header (TAP).
std::string packet_line(std::span<const std::byte> packet, bool link_ethernet);

}  // namespace tunkit::app
