// Readable one-line summaries of the IP packets on the simulated link, for failure reports
// and bug reproductions ("10.0.0.1:40000 > 10.0.0.2:5001 [.A] seq 1449 ack 1 win 502 len 1448").
#pragma once

#include <string>

#include "sim/link.hpp"

namespace tunkit::sim {

// IPv4 + TCP header fields (sequence numbers absolute); "?" parts for anything else.
std::string describe_packet(ByteSpan ip_packet);

// An observer for Link::set_observer that appends "time event summary" lines to `out`
// (times in microseconds since `origin`); keeps the last `keep` lines only (0: all).
Link::Observer trace_to(std::vector<std::string>& out, Instant origin, std::size_t keep = 0);

}  // namespace tunkit::sim
