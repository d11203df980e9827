// IPv4: parse (full and quoted), walk options, verify, re-emit the header; the re-emitted
// header must equal the input except the reserved flag bit and the checksum, and verify.
#include <vector>

#include "fuzz_check.hpp"
#include "tunkit/wire/ipv4.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace tunkit;
  const ByteSpan in(data, size);
  if (const auto q = Ipv4View::parse_quoted(in)) tunkit::fuzz::sink(q->payload().size());
  const auto v = Ipv4View::parse(in);
  TUNKIT_FUZZ_CHECK(v.has_value() == (Ipv4View::check(in) == ParseError::none));
  if (!v) return 0;
  TUNKIT_FUZZ_CHECK(v->bytes().size() == v->total_length());
  std::size_t seen = 0;
  for (const KindLengthOption o : v->options()) seen += 1 + o.data.size();
  TUNKIT_FUZZ_CHECK(seen <= v->header_size() - Ipv4View::kMinHeaderSize + 1);
  tunkit::fuzz::sink(v->verify_checksum());
  const Ipv4Repr repr = Ipv4Repr::parse(*v);
  std::vector<std::uint8_t> out(repr.size());
  TUNKIT_FUZZ_CHECK(repr.emit(out) == v->header_size());
  for (std::size_t i = 0; i < out.size(); ++i) {
    if (i == 10 || i == 11) continue;
    const std::uint8_t mask = i == 6 ? 0x7f : 0xff;
    TUNKIT_FUZZ_CHECK((out[i] & mask) == (data[i] & mask));
  }
  TUNKIT_FUZZ_CHECK(Ipv4View::parse_quoted(out) && Ipv4View::parse_quoted(out)->verify_checksum());
  std::vector<std::uint8_t> header(v->header().begin(), v->header().end());
  decrement_ttl(header);
  TUNKIT_FUZZ_CHECK(v->ttl() == 0 || Ipv4View::parse_quoted(header)->verify_checksum() == v->verify_checksum());
  return 0;
}
