// What `tunkit dump` reports on exit: packets and bytes shown, per protocol, malformed,
// bad checksums, and how many the filter turned away.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "tunkit/wire/packet.hpp"

namespace tunkit::capture {

struct CaptureCounters {
  std::uint64_t packets = 0;       // passed the filter
  std::uint64_t bytes = 0;         // their wire lengths
  std::uint64_t malformed = 0;     // a layer did not parse (counted in `packets` too)
  std::uint64_t bad_checksums = 0; // parsed, but a checksum was wrong
  std::uint64_t filtered_out = 0;  // did not pass the filter
  std::map<std::string, std::uint64_t, std::less<>> per_protocol;  // protocol_label()

  // Counts one packet that passed the filter.
  void count(const DecodedPacket& packet, std::size_t wire_length);
  // "12 packets, 1460 bytes (icmp 4, tcp 8); 0 malformed, 0 bad checksums, 3 filtered out"
  std::string summary() const;
};

}  // namespace tunkit::capture
