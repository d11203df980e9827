#include "tunkit/capture/counters.hpp"

#include <fmt/format.h>

#include "tunkit/capture/printer.hpp"

namespace tunkit::capture {

void CaptureCounters::count(const DecodedPacket& packet, std::size_t wire_length) {
  ++packets;
  bytes += wire_length;
  if (packet.error != ParseError::none) ++malformed;
  if (bad_checksum(packet)) ++bad_checksums;
  const std::string_view label = protocol_label(packet);
  if (auto it = per_protocol.find(label); it != per_protocol.end()) ++it->second;
  else per_protocol.emplace(std::string(label), 1);
}

std::string CaptureCounters::summary() const {
  std::string protocols;
  for (const auto& [name, n] : per_protocol)
    protocols += fmt::format("{}{} {}", protocols.empty() ? "" : ", ", name, n);
  return fmt::format("{} packet{}, {} bytes{}; {} malformed, {} bad checksum{}, {} filtered out",
                     packets, packets == 1 ? "" : "s", bytes,
                     protocols.empty() ? "" : " (" + protocols + ")", malformed, bad_checksums,
                     bad_checksums == 1 ? "" : "s", filtered_out);
}

}  // namespace tunkit::capture
