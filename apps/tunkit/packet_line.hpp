// One line about a packet read from a device, in tcpdump's style: what `tunkit dev attach`
// and the demo print, the same line `tunkit dump` prints (capture/printer.hpp).
#pragma once

#include <cstddef>
#include <span>
#include <string>

namespace tunkit::app {

// `link_ethernet`: the packet starts with an Ethernet header (TAP).
std::string packet_line(std::span<const std::byte> packet, bool link_ethernet);

}  // namespace tunkit::app
