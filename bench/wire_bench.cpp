// Wire-layer throughput: parse rate per protocol on real captured packets (items/s =
// packets/s) and Internet checksum throughput (bytes/s) over 64 B to 64 KiB.
//   ./build/release/bench/tunkit_bench_wire --benchmark_repetitions=5
//       --benchmark_report_aggregates_only=true
#include <benchmark/benchmark.h>

#include <cstdint>
#include <random>
#include <vector>

#include "tunkit/wire/arp.hpp"
#include "tunkit/wire/captures_test.hpp"
#include "tunkit/wire/checksum.hpp"
#include "tunkit/wire/ethernet.hpp"
#include "tunkit/wire/icmpv4.hpp"
#include "tunkit/wire/icmpv6.hpp"
#include "tunkit/wire/ipv4.hpp"
#include "tunkit/wire/ipv6.hpp"
#include "tunkit/wire/packet.hpp"
#include "tunkit/wire/tcp.hpp"
#include "tunkit/wire/udp.hpp"

namespace tunkit {
namespace {

using namespace tunkit::captures;

ByteSpan l3(ByteSpan frame) { return frame.subspan(14); }

// Runs `parse` on `bytes` once per iteration and counts packets.
template <class F>
void parse_loop(benchmark::State& state, ByteSpan bytes, F parse) {
  for (auto _ : state) {
    benchmark::DoNotOptimize(bytes.data());
    auto result = parse(bytes);
    benchmark::DoNotOptimize(result);
  }
  state.SetItemsProcessed(state.iterations());
}

void BM_EthernetParse(benchmark::State& s) {
  parse_loop(s, kQinqArp, [](ByteSpan b) { return EthernetView::parse(b)->ether_type(); });
}
void BM_ArpParse(benchmark::State& s) {
  parse_loop(s, l3(kArpRequest), [](ByteSpan b) { return ArpRepr::parse(*ArpView::parse(b)); });
}
void BM_Ipv4ParseAndVerify(benchmark::State& s) {
  parse_loop(s, l3(kIpv4RecordRoute), [](ByteSpan b) {
    const auto v = Ipv4View::parse(b);
    return v && v->verify_checksum();
  });
}
void BM_Ipv6ParseAndWalkChain(benchmark::State& s) {
  parse_loop(s, l3(kIpv6SrhEcho), [](ByteSpan b) {
    const auto v = Ipv6View::parse(b);
    return Ipv6ExtensionChain::parse(*v)->upper_offset();
  });
}
void BM_Icmpv4ParseAndVerify(benchmark::State& s) {
  parse_loop(s, l3(kIcmpv4EchoRequest).subspan(20), [](ByteSpan b) {
    return Icmpv4View::parse(b)->verify_checksum();
  });
}
void BM_Icmpv6NdpParse(benchmark::State& s) {
  parse_loop(s, l3(kNdpRa).subspan(40), [](ByteSpan b) {
    std::uint32_t mtu = 0;
    for (const NdpOption o : Icmpv6View::parse(b)->ndp_options())
      if (const auto m = NdpMtuOption::parse(o)) mtu = m->mtu;
    return mtu;
  });
}
void BM_UdpParse(benchmark::State& s) {
  parse_loop(s, l3(kUdpIpv4).subspan(20), [](ByteSpan b) { return UdpView::parse(b)->length(); });
}
void BM_TcpParseWithOptions(benchmark::State& s) {
  parse_loop(s, l3(kTcpSyn).subspan(20), [](ByteSpan b) { return TcpRepr::parse(*TcpView::parse(b)).mss; });
}
void BM_DecodeTcpFrame(benchmark::State& s) {
  parse_loop(s, kTcpData, [](ByteSpan b) { return decode(b, LinkType::ethernet).ok(); });
}
void BM_DecodeIpv6FragmentFrame(benchmark::State& s) {
  parse_loop(s, kIpv6FragFirst, [](ByteSpan b) { return decode(b, LinkType::ethernet).ok(); });
}
void BM_TcpEmitSyn(benchmark::State& s) {
  const TcpRepr r = TcpRepr::parse(*TcpView::parse(l3(kTcpSyn).subspan(20)));
  const IpAddress a = IpAddress::v4(10, 99, 1, 1), b = IpAddress::v4(10, 99, 1, 2);
  std::uint8_t out[60];
  for (auto _ : s) benchmark::DoNotOptimize(r.emit(out, a, b));
  s.SetItemsProcessed(s.iterations());
}

std::vector<std::uint8_t> random_bytes(std::size_t n) {
  std::mt19937 rng(42);
  std::vector<std::uint8_t> v(n + 1);
  for (auto& b : v) b = static_cast<std::uint8_t>(rng());
  return v;
}

void BM_Checksum(benchmark::State& s) {
  const auto n = static_cast<std::size_t>(s.range(0));
  const auto data = random_bytes(n);
  const ByteSpan span(data.data(), n);
  for (auto _ : s) benchmark::DoNotOptimize(checksum_sum(span));
  s.SetBytesProcessed(static_cast<std::int64_t>(s.iterations() * n));
}

// The same at an odd address, as when the checksummed bytes follow a 14-byte Ethernet header.
void BM_ChecksumOddAddress(benchmark::State& s) {
  const auto n = static_cast<std::size_t>(s.range(0));
  const auto data = random_bytes(n);
  const ByteSpan span(data.data() + 1, n);
  for (auto _ : s) benchmark::DoNotOptimize(checksum_sum(span));
  s.SetBytesProcessed(static_cast<std::int64_t>(s.iterations() * n));
}

BENCHMARK(BM_EthernetParse);
BENCHMARK(BM_ArpParse);
BENCHMARK(BM_Ipv4ParseAndVerify);
BENCHMARK(BM_Ipv6ParseAndWalkChain);
BENCHMARK(BM_Icmpv4ParseAndVerify);
BENCHMARK(BM_Icmpv6NdpParse);
BENCHMARK(BM_UdpParse);
BENCHMARK(BM_TcpParseWithOptions);
BENCHMARK(BM_DecodeTcpFrame);
BENCHMARK(BM_DecodeIpv6FragmentFrame);
BENCHMARK(BM_TcpEmitSyn);
BENCHMARK(BM_Checksum)->Arg(64)->Arg(576)->Arg(1500)->Arg(9000)->Arg(65535);
BENCHMARK(BM_ChecksumOddAddress)->Arg(64)->Arg(576)->Arg(1500)->Arg(9000)->Arg(65535);

}  // namespace
}  // namespace tunkit

BENCHMARK_MAIN();
