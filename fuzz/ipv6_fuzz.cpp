// IPv6: parse (full and quoted), walk the extension chain, re-emit the fixed header.
#include <algorithm>

#include "fuzz_check.hpp"
#include "tunkit/wire/ipv6.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace tunkit;
  const ByteSpan in(data, size);
  if (const auto q = Ipv6View::parse_quoted(in)) tunkit::fuzz::sink(Ipv6ExtensionChain::check(*q));
  const auto v = Ipv6View::parse(in);
  TUNKIT_FUZZ_CHECK(v.has_value() == (Ipv6View::check(in) == ParseError::none));
  if (!v) return 0;
  std::uint8_t out[Ipv6View::kHeaderSize];
  TUNKIT_FUZZ_CHECK(Ipv6Repr::parse(*v).emit(out) == Ipv6View::kHeaderSize);
  TUNKIT_FUZZ_CHECK(std::equal(out, out + Ipv6View::kHeaderSize, data));
  const auto chain = Ipv6ExtensionChain::parse(*v);
  TUNKIT_FUZZ_CHECK(chain.has_value() == (Ipv6ExtensionChain::check(*v) == ParseError::none));
  if (!chain) return 0;
  TUNKIT_FUZZ_CHECK(chain->upper_offset() <= v->bytes().size());
  for (std::size_t i = 0; i < std::min(chain->count(), Ipv6ExtensionChain::kMaxRecorded); ++i) {
    const Ipv6ExtensionHeader& h = chain->header(i);
    TUNKIT_FUZZ_CHECK(std::size_t{h.offset} + h.size <= v->bytes().size());
  }
  if (const auto& f = chain->fragment()) {
    std::uint8_t frag[8];
    TUNKIT_FUZZ_CHECK(Ipv6FragmentRepr{IpProtocol::udp, *f}.emit(frag) == 8);
  }
  tunkit::fuzz::sink(chain->final_destination());
  return 0;
}
