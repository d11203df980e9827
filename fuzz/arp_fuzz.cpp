// ARP: parse, re-emit byte for byte.
#include <algorithm>

#include "fuzz_check.hpp"
#include "tunkit/wire/arp.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace tunkit;
  const ByteSpan in(data, size);
  const auto arp = ArpView::parse(in);
  TUNKIT_FUZZ_CHECK(arp.has_value() == (ArpView::check(in) == ParseError::none));
  if (!arp) return 0;
  std::uint8_t out[ArpView::kSize];
  TUNKIT_FUZZ_CHECK(ArpRepr::parse(*arp).emit(out) == ArpView::kSize);
  TUNKIT_FUZZ_CHECK(std::equal(out, out + ArpView::kSize, data));
  return 0;
}
