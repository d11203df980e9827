// UDP: parse, verify under both families, re-emit with a checksum that then verifies.
#include <algorithm>
#include <vector>

#include "fuzz_check.hpp"
#include "tunkit/wire/udp.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace tunkit;
  const ByteSpan in(data, size);
  const auto u = UdpView::parse(in);
  TUNKIT_FUZZ_CHECK(u.has_value() == (UdpView::check(in) == ParseError::none));
  if (!u) return 0;
  TUNKIT_FUZZ_CHECK(u->bytes().size() == u->length() && u->length() <= size);
  const IpAddress a4 = IpAddress::v4(10, 0, 0, 1), b4 = IpAddress::v4(10, 0, 0, 2);
  const IpAddress a6{IpFamily::v6, {0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}};
  tunkit::fuzz::sink(u->verify_checksum(a4, b4) + u->verify_checksum(a6, a6));
  std::vector<std::uint8_t> out(u->bytes().begin(), u->bytes().end());
  TUNKIT_FUZZ_CHECK(UdpRepr::parse(*u).emit(out, a6, a6) == UdpView::kHeaderSize);
  const auto back = UdpView::parse(out);
  TUNKIT_FUZZ_CHECK(back && back->verify_checksum(a6, a6) && UdpRepr::parse(*back) == UdpRepr::parse(*u));
  TUNKIT_FUZZ_CHECK(std::equal(out.begin(), out.begin() + 6, data));
  return 0;
}
