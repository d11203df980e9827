// TUN packet information header: parse, re-emit byte for byte.
#include <algorithm>

#include "fuzz_check.hpp"
#include "tunkit/wire/pi.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace tunkit;
  const auto pi = TunPiView::parse(ByteSpan(data, size));
  if (!pi) return 0;
  std::uint8_t out[TunPiView::kSize];
  TUNKIT_FUZZ_CHECK(TunPiRepr::parse(*pi).emit(out) == TunPiView::kSize);
  TUNKIT_FUZZ_CHECK(std::equal(out, out + TunPiView::kSize, data));
  TUNKIT_FUZZ_CHECK(pi->payload().size() == size - TunPiView::kSize);
  return 0;
}
