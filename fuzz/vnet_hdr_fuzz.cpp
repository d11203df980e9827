// virtio_net_hdr: parse, re-emit byte for byte.
#include <algorithm>

#include "fuzz_check.hpp"
#include "tunkit/wire/vnet_hdr.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace tunkit;
  const auto h = VirtioNetHdrView::parse(ByteSpan(data, size));
  if (!h) return 0;
  std::uint8_t out[VirtioNetHdrView::kSize];
  TUNKIT_FUZZ_CHECK(VirtioNetHdrRepr::parse(*h).emit(out) == VirtioNetHdrView::kSize);
  TUNKIT_FUZZ_CHECK(std::equal(out, out + VirtioNetHdrView::kSize, data));
  return 0;
}
