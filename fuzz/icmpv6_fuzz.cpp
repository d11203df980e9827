// ICMPv6 + NDP: parse, read every field, walk and re-emit the typed options, re-emit.
#include <algorithm>
#include <vector>

#include "fuzz_check.hpp"
#include "tunkit/wire/icmpv6.hpp"
#include "tunkit/wire/ipv6.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace tunkit;
  const ByteSpan in(data, size);
  const auto m = Icmpv6View::parse(in);
  TUNKIT_FUZZ_CHECK(m.has_value() == (Icmpv6View::check(in) == ParseError::none));
  if (!m || size > 0xffff) return 0;
  tunkit::fuzz::sink(m->identifier() + m->sequence() + m->mtu() + m->router_lifetime() +
                     m->reachable_time() + m->retrans_timer() + m->cur_hop_limit());
  tunkit::fuzz::sink(m->target_address());
  tunkit::fuzz::sink(m->redirect_destination());
  if (m->is_error())
    if (const auto q = Ipv6View::parse_quoted(m->data())) tunkit::fuzz::sink(Ipv6ExtensionChain::check(*q));
  std::size_t total = 0;
  for (const NdpOption o : m->ndp_options()) {
    TUNKIT_FUZZ_CHECK(!o.bytes.empty() && o.bytes.size() % 8 == 0);
    total += o.bytes.size();
    std::uint8_t out[32];
    if (const auto l = NdpLinkLayerOption::parse(o)) {
      TUNKIT_FUZZ_CHECK(l->emit(out) == 8 && NdpLinkLayerOption::parse({o.type, ByteSpan(out, 8)}) == l);
    }
    if (const auto p = NdpPrefixInformation::parse(o)) {
      TUNKIT_FUZZ_CHECK(p->emit(out) == 32 && NdpPrefixInformation::parse({o.type, ByteSpan(out, 32)}) == p);
    }
    if (const auto u = NdpMtuOption::parse(o)) {
      TUNKIT_FUZZ_CHECK(u->emit(out) == 8 && NdpMtuOption::parse({o.type, ByteSpan(out, 8)}) == u);
    }
  }
  if (m->is_ndp()) TUNKIT_FUZZ_CHECK(total == size - ndp_options_offset(m->type()));
  // Re-emit with arbitrary addresses: the bytes other than the checksum stay, and verify.
  const IpAddress src{IpFamily::v6, {0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}};
  const IpAddress dst = IpAddress{IpFamily::v6, {0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}};
  std::vector<std::uint8_t> out(data, data + size);
  const Icmpv6Repr repr{m->type(), m->code(), load_be32(in, 4), static_cast<std::uint16_t>(size - 8)};
  TUNKIT_FUZZ_CHECK(repr.emit(out, src, dst) == 8);
  TUNKIT_FUZZ_CHECK(Icmpv6View::parse(out)->verify_checksum(src, dst));
  TUNKIT_FUZZ_CHECK(std::equal(out.begin() + 4, out.end(), data + 4));
  return 0;
}
