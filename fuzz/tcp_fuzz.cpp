// TCP: parse, walk options, parse to TcpRepr, re-emit, and check that what was understood
// survives the round trip (the option layout may differ: emit uses Linux's order).
#include <algorithm>
#include <vector>

#include "fuzz_check.hpp"
#include "tunkit/wire/tcp.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace tunkit;
  const ByteSpan in(data, size);
  const auto t = TcpView::parse(in);
  TUNKIT_FUZZ_CHECK(t.has_value() == (TcpView::check(in) == ParseError::none));
  if (!t || size > 0xffff) return 0;
  for (const KindLengthOption o : t->options()) tunkit::fuzz::sink(o.data.size());
  const IpAddress a = IpAddress::v4(10, 0, 0, 1), b = IpAddress::v4(10, 0, 0, 2);
  tunkit::fuzz::sink(t->verify_checksum(a, b));
  const TcpRepr r = TcpRepr::parse(*t);
  std::vector<std::uint8_t> out(r.size() + r.payload_length);
  std::copy(t->payload().begin(), t->payload().end(), out.begin() + static_cast<std::ptrdiff_t>(r.size()));
  if (r.emit(out, a, b) == 0) {
    TUNKIT_FUZZ_CHECK(r.size() > TcpView::kMaxHeaderSize);  // only too many options may fail
    return 0;
  }
  const auto back = TcpView::parse(out);
  TUNKIT_FUZZ_CHECK(back && back->verify_checksum(a, b));
  const TcpRepr s = TcpRepr::parse(*back);
  TUNKIT_FUZZ_CHECK(s.source_port == r.source_port && s.destination_port == r.destination_port &&
                    s.seq_number == r.seq_number && s.ack_number == r.ack_number &&
                    s.flags == r.flags && s.window == r.window && s.mss == r.mss &&
                    s.window_scale == r.window_scale && s.sack_permitted == r.sack_permitted &&
                    s.sack_count == r.sack_count && s.timestamps == r.timestamps &&
                    s.unknown_count == r.unknown_count && s.payload_length == r.payload_length);
  for (std::size_t i = 0; i < r.sack_count; ++i) TUNKIT_FUZZ_CHECK(s.sack_blocks[i] == r.sack_blocks[i]);
  return 0;
}
