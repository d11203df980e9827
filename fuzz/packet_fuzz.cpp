// The one-stop decoder on arbitrary bytes, as Ethernet and as raw IP: every view it
// returns must lie inside the input, and the payload must too.
#include "fuzz_check.hpp"
#include "tunkit/wire/packet.hpp"

namespace {

bool inside(tunkit::ByteSpan inner, tunkit::ByteSpan outer) {
  return inner.empty() || (inner.data() >= outer.data() &&
                           inner.data() + inner.size() <= outer.data() + outer.size());
}

void check(tunkit::ByteSpan in, tunkit::LinkType link, bool verify) {
  using namespace tunkit;
  const DecodedPacket p = decode(in, link, {.verify_checksums = verify});
  TUNKIT_FUZZ_CHECK(inside(p.payload, in));
  TUNKIT_FUZZ_CHECK(p.network_offset <= in.size() && p.transport_offset <= in.size());
  if (p.ipv4) TUNKIT_FUZZ_CHECK(inside(p.ipv4->bytes(), in));
  if (p.ipv6) TUNKIT_FUZZ_CHECK(inside(p.ipv6->bytes(), in));
  if (p.tcp) TUNKIT_FUZZ_CHECK(inside(p.tcp->bytes(), in));
  if (p.udp) TUNKIT_FUZZ_CHECK(inside(p.udp->bytes(), in));
  if (p.icmpv4) TUNKIT_FUZZ_CHECK(inside(p.icmpv4->bytes(), in));
  if (p.icmpv6) TUNKIT_FUZZ_CHECK(inside(p.icmpv6->bytes(), in));
  if (p.arp) TUNKIT_FUZZ_CHECK(inside(p.arp->bytes(), in));
  TUNKIT_FUZZ_CHECK((p.error == ParseError::none) == (p.error_layer == Layer::none));
  tunkit::fuzz::sink(to_string(p.error));
  tunkit::fuzz::sink(p.ok());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const tunkit::ByteSpan in(data, size);
  check(in, tunkit::LinkType::ethernet, true);
  check(in, tunkit::LinkType::raw_ip, true);
  check(in, tunkit::LinkType::raw_ip, false);
  return 0;
}
