#include "packet_line.hpp"

#include "tunkit/capture/printer.hpp"
#include "tunkit/wire/packet.hpp"

namespace tunkit::app {

std::string packet_line(std::span<const std::byte> packet, bool link_ethernet) {
  const ByteSpan bytes(reinterpret_cast<const std::uint8_t*>(packet.data()), packet.size());
  const DecodedPacket decoded = decode(bytes, link_ethernet ? LinkType::ethernet : LinkType::raw_ip);
  return capture::summary_line(decoded, bytes.size());
}

}  // namespace tunkit::app
