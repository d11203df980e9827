// Ethernet + VLAN tags: parse, read every field, re-emit the header byte for byte.
#include <algorithm>

#include "fuzz_check.hpp"
#include "tunkit/wire/ethernet.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace tunkit;
  const ByteSpan in(data, size);
  const auto eth = EthernetView::parse(in);
  TUNKIT_FUZZ_CHECK(eth.has_value() == (EthernetView::check(in) == ParseError::none));
  if (!eth) return 0;
  TUNKIT_FUZZ_CHECK(eth->header_size() <= size && eth->tag_count() <= EthernetView::kMaxTags);
  const EthernetRepr repr = EthernetRepr::parse(*eth);
  std::uint8_t out[EthernetView::kHeaderSize + EthernetView::kMaxTags * EthernetView::kTagSize];
  TUNKIT_FUZZ_CHECK(repr.emit(out) == eth->header_size());
  TUNKIT_FUZZ_CHECK(std::equal(out, out + eth->header_size(), data));
  tunkit::fuzz::sink(eth->payload().size());
  return 0;
}
