// ICMPv4: parse, read the type-specific fields, parse a quoted datagram, re-emit.
#include <algorithm>
#include <vector>

#include "fuzz_check.hpp"
#include "tunkit/wire/icmpv4.hpp"
#include "tunkit/wire/ipv4.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace tunkit;
  const ByteSpan in(data, size);
  const auto m = Icmpv4View::parse(in);
  TUNKIT_FUZZ_CHECK(m.has_value() == (Icmpv4View::check(in) == ParseError::none));
  if (!m || size > 0xffff) return 0;
  tunkit::fuzz::sink(m->identifier() + m->sequence() + m->next_hop_mtu() + m->pointer());
  tunkit::fuzz::sink(m->gateway());
  if (m->is_error())
    if (const auto q = Ipv4View::parse_quoted(m->data())) tunkit::fuzz::sink(q->payload().size());
  std::vector<std::uint8_t> out(data, data + size);
  TUNKIT_FUZZ_CHECK(Icmpv4Repr::parse(*m).emit(out) == Icmpv4View::kHeaderSize);
  TUNKIT_FUZZ_CHECK(Icmpv4View::parse(out)->verify_checksum());
  TUNKIT_FUZZ_CHECK(std::equal(out.begin(), out.begin() + 2, data) && std::equal(out.begin() + 4, out.end(), data + 4));
  return 0;
}
