// TCP and UDP segmentation and coalescing (wire/gso.hpp), which take datagrams from the
// network: split what parses as a super-packet (TCP or UDP, by the first byte's low bit),
// coalesce the pieces back and check that the payload survives; also feed the raw input,
// cut in two, straight to a coalescer.
#include <algorithm>
#include <array>
#include <vector>

#include "fuzz_check.hpp"
#include "tunkit/wire/gso.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace tunkit;
  if (size < 1) return 0;
  const std::size_t mss = 1 + data[0] * 8u;
  const ByteSpan packet(data + 1, size - 1);
  std::array<GsoSegment, 64> segments;
  const std::size_t n = (data[0] & 1) ? split_udp(packet, mss, segments, 1500) : split_tcp(packet, mss, segments, 1500);
  GroCoalescer coalescer;
  std::size_t payload = 0, merged_payload = 0, header = 0;
  for (std::size_t k = 0; k < n; ++k) {
    std::vector<std::uint8_t> bytes(segments[k].header.begin(),
                                    segments[k].header.begin() + segments[k].header_size);
    bytes.insert(bytes.end(), segments[k].payload.begin(), segments[k].payload.end());
    TUNKIT_FUZZ_CHECK(bytes.size() <= 1500);
    payload += segments[k].payload.size();
    header = segments[k].header_size;
    if (!coalescer.append(bytes)) {
      const auto m = coalescer.take();
      if (m.segments) merged_payload += m.packet.size() - header;
      if (!coalescer.append(bytes)) merged_payload += segments[k].payload.size();
    }
  }
  const auto m = coalescer.take();
  if (m.segments) merged_payload += m.packet.size() - header;
  TUNKIT_FUZZ_CHECK(merged_payload == payload);
  // Arbitrary bytes as two datagrams.
  GroCoalescer raw;
  const std::size_t half = packet.size() / 2;
  tunkit::fuzz::sink(raw.append(packet.first(half)));
  tunkit::fuzz::sink(raw.append(packet.subspan(half)));
  tunkit::fuzz::sink(raw.take().packet.size());
  std::vector<std::uint8_t> copy(packet.begin(), packet.end());
  tunkit::fuzz::sink(complete_checksum(copy, data[0], size % 64));
  return 0;
}
