// The WireGuard data path per packet, without I/O: wg::Device::encrypt (cryptokey routing,
// nonce, padding, seal in place) and Device::receive (index, replay window, open in place,
// allowed-ips source check), for 1420-byte packets and keepalive-sized ones; and the AEAD
// alone, OpenSSL's keyed context beside libsodium's one-shot, to show what the protocol adds.
// Per batch, what the daemon does per TUN read and per GRO run: a 64 KiB TCP super-packet
// split into MTU-sized segments, each copied into a cell and sealed; and the same segments'
// datagrams opened and coalesced back into one super-packet.
//   ./build/release/bench/tunkit_bench_wg --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
#include <benchmark/benchmark.h>

#include <cstring>
#include <deque>
#include <vector>

#include "tunkit/crypto/aead.hpp"
#include "tunkit/crypto/random.hpp"
#include "tunkit/crypto/x25519.hpp"
#include "tunkit/wg/device.hpp"
#include "tunkit/wire/gso.hpp"
#include "tunkit/wire/ipv4.hpp"
#include "tunkit/wire/tcp.hpp"

namespace tunkit::wg {
namespace {

using namespace std::chrono_literals;

struct Queue : Sink {
  std::deque<std::vector<std::uint8_t>> out;
  void send(const Endpoint&, std::span<const std::uint8_t> bytes) override { out.emplace_back(bytes.begin(), bytes.end()); }
};

// An IPv4 header (10.0.0.1 -> 10.0.0.2, TCP) and `total - 20` bytes of payload.
std::vector<std::uint8_t> ipv4_packet(std::size_t total) {
  std::vector<std::uint8_t> p = {0x45, 0, static_cast<std::uint8_t>(total >> 8), static_cast<std::uint8_t>(total),
                                 0, 0, 0, 0, 64, 6, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2};
  p.resize(total, 0x42);
  return p;
}

// Two devices with a completed handshake: A (10.0.0.1) sends to B (10.0.0.2).
struct Pair {
  Device a, b;
  Queue a_out, b_out;
  Now now{Instant{} + 1000s, SystemTime{}};
  Endpoint a_ep = *Endpoint::parse("192.0.2.1:1000"), b_ep = *Endpoint::parse("192.0.2.2:2000");
  Pair() {
    auto a_key = crypto::generate_private_key(), b_key = crypto::generate_private_key();
    const auto a_pub = crypto::public_key(a_key), b_pub = crypto::public_key(b_key);
    a.set_private_key(std::move(a_key));
    b.set_private_key(std::move(b_key));
    Peer* pb = a.add_peer(b_pub);
    a.set_endpoint(*pb, b_ep);
    a.allowed_ips().insert(*IpPrefix::parse("10.0.0.2/32"), pb->id);
    Peer* pa = b.add_peer(a_pub);
    b.allowed_ips().insert(*IpPrefix::parse("10.0.0.1/32"), pa->id);
    auto first = ipv4_packet(100);
    std::vector<std::uint8_t> buffer(Device::headroom + first.size() + Device::tailroom);
    std::copy(first.begin(), first.end(), buffer.begin() + Device::headroom);
    (void)a.encrypt(buffer, Device::headroom, first.size(), now, a_out);
    for (int round = 0; round < 4; ++round) {  // initiation, response, staged data
      for (auto& m : std::exchange(a_out.out, {})) (void)b.receive(m, a_ep, now, b_out);
      for (auto& m : std::exchange(b_out.out, {})) (void)a.receive(m, b_ep, now, a_out);
    }
  }
};

void BM_WgEncrypt(benchmark::State& state) {
  Pair pair;
  const auto packet = ipv4_packet(static_cast<std::size_t>(state.range(0)));
  std::vector<std::uint8_t> buffer(Device::headroom + packet.size() + Device::tailroom);
  for (auto _ : state) {
    std::copy(packet.begin(), packet.end(), buffer.begin() + Device::headroom);
    auto datagram = pair.a.encrypt(buffer, Device::headroom, packet.size(), pair.now, pair.a_out);
    benchmark::DoNotOptimize(datagram);
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_WgEncrypt)->Arg(60)->Arg(1420);

void BM_WgDecrypt(benchmark::State& state) {
  Pair pair;
  const auto packet = ipv4_packet(static_cast<std::size_t>(state.range(0)));
  // Enough sealed datagrams that the replay window sees each counter once.
  constexpr std::size_t kPrepared = 1 << 14;
  std::vector<std::vector<std::uint8_t>> sealed;
  for (std::size_t i = 0; i < kPrepared; ++i) {
    std::vector<std::uint8_t> buffer(Device::headroom + packet.size() + Device::tailroom);
    std::copy(packet.begin(), packet.end(), buffer.begin() + Device::headroom);
    auto d = pair.a.encrypt(buffer, Device::headroom, packet.size(), pair.now, pair.a_out);
    sealed.emplace_back(d->bytes.begin(), d->bytes.end());
  }
  std::vector<std::uint8_t> work(sealed[0].size());
  std::size_t next = 0;
  for (auto _ : state) {
    if (next == kPrepared) {  // every counter used: reseal a fresh run (not timed)
      state.PauseTiming();
      for (auto& s : sealed) {
        std::vector<std::uint8_t> buffer(Device::headroom + packet.size() + Device::tailroom);
        std::copy(packet.begin(), packet.end(), buffer.begin() + Device::headroom);
        auto d = pair.a.encrypt(buffer, Device::headroom, packet.size(), pair.now, pair.a_out);
        s.assign(d->bytes.begin(), d->bytes.end());
      }
      next = 0;
      state.ResumeTiming();
    }
    std::copy(sealed[next].begin(), sealed[next].end(), work.begin());
    ++next;
    auto inner = pair.b.receive(work, pair.a_ep, pair.now, pair.b_out);
    if (inner.empty()) state.SkipWithError("a datagram did not decrypt");
    benchmark::DoNotOptimize(inner);
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_WgDecrypt)->Arg(60)->Arg(1420);

// A TCP super-packet as TSO hands it over: IPv4, timestamps, `payload` bytes.
std::vector<std::uint8_t> tcp_super_packet(std::size_t payload) {
  const IpAddress src = *IpAddress::parse("10.0.0.1"), dst = *IpAddress::parse("10.0.0.2");
  TcpRepr tcp;
  tcp.source_port = 40000;
  tcp.destination_port = 5201;
  tcp.seq_number = 1;
  tcp.ack_number = 1;
  tcp.flags = 0x18;
  tcp.window = 1000;
  tcp.timestamps = TcpTimestamps{1, 2};
  tcp.payload_length = static_cast<std::uint16_t>(payload);
  std::vector<std::uint8_t> p(20 + tcp.size() + payload, 0x42);
  tcp.emit(MutableByteSpan(p).subspan(20), src, dst);
  Ipv4Repr ip;
  ip.source = src;
  ip.destination = dst;
  ip.protocol = IpProtocol::tcp;
  ip.payload_length = static_cast<std::uint16_t>(tcp.size() + payload);
  ip.emit(p);
  return p;
}

constexpr std::size_t kSuperPayload = 65000;
constexpr std::size_t kMtu = 1420;
constexpr std::size_t kCell = 2048;

// The daemon's TUN -> UDP work for one super-packet: split, copy into cells, seal.
void BM_WgEncryptSuperPacket(benchmark::State& state) {
  Pair pair;
  const auto super = tcp_super_packet(kSuperPayload);
  std::array<GsoSegment, 64> segments;
  std::vector<std::uint8_t> cells(64 * kCell);
  std::size_t count = 0;
  for (auto _ : state) {
    count = split_tcp(super, 1368, segments, kMtu);
    for (std::size_t k = 0; k < count; ++k) {
      auto cell = std::span(cells).subspan(k * kCell, kCell);
      const auto& s = segments[k];
      std::memcpy(cell.data() + Device::headroom, s.header.data(), s.header_size);
      std::memcpy(cell.data() + Device::headroom + s.header_size, s.payload.data(), s.payload.size());
      auto d = pair.a.encrypt(cell, Device::headroom, s.header_size + s.payload.size(), pair.now, pair.a_out);
      benchmark::DoNotOptimize(d);
    }
  }
  state.counters["segments"] = static_cast<double>(count);
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(count));
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(kSuperPayload));
}
BENCHMARK(BM_WgEncryptSuperPacket);

// The daemon's UDP -> TUN work for one GRO run: open each datagram in place, coalesce.
void BM_WgDecryptCoalesce(benchmark::State& state) {
  Pair pair;
  const auto super = tcp_super_packet(kSuperPayload);
  std::array<GsoSegment, 64> segments;
  const std::size_t count = split_tcp(super, 1368, segments, kMtu);
  constexpr std::size_t kRuns = 256;  // prepared runs; resealed (untimed) when used up
  std::vector<std::vector<std::uint8_t>> sealed(kRuns * count);
  const auto seal_all = [&] {
    std::vector<std::uint8_t> cell(kCell);
    for (std::size_t i = 0; i < sealed.size(); ++i) {
      const auto& s = segments[i % count];
      std::memcpy(cell.data() + Device::headroom, s.header.data(), s.header_size);
      std::memcpy(cell.data() + Device::headroom + s.header_size, s.payload.data(), s.payload.size());
      auto d = pair.a.encrypt(cell, Device::headroom, s.header_size + s.payload.size(), pair.now, pair.a_out);
      sealed[i].assign(d->bytes.begin(), d->bytes.end());
    }
  };
  seal_all();
  std::vector<std::uint8_t> run;  // a GRO run as recvmmsg leaves it: datagrams back to back
  GroCoalescer coalescer;
  std::size_t next = 0;
  for (auto _ : state) {
    if (next == kRuns) {
      state.PauseTiming();
      seal_all();
      next = 0;
      state.ResumeTiming();
    }
    run.clear();
    for (std::size_t k = 0; k < count; ++k) run.insert(run.end(), sealed[next * count + k].begin(), sealed[next * count + k].end());
    ++next;
    const std::size_t size = sealed[0].size();
    for (std::size_t at = 0; at < run.size(); at += size) {
      auto inner = pair.b.receive(std::span(run).subspan(at, std::min(size, run.size() - at)), pair.a_ep, pair.now, pair.b_out);
      if (inner.empty() || !coalescer.append(inner)) state.SkipWithError("a segment did not open or merge");
    }
    auto merged = coalescer.take();
    if (merged.segments != count) state.SkipWithError("the run did not coalesce whole");
    benchmark::DoNotOptimize(merged);
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(count));
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(kSuperPayload));
}
BENCHMARK(BM_WgDecryptCoalesce);

void BM_AeadOpenSslContext(benchmark::State& state) {
  crypto::AeadKey key;
  crypto::random_bytes(key.bytes());
  auto sealer = crypto::ChaChaPoly::sealer(key);
  std::vector<std::uint8_t> text(static_cast<std::size_t>(state.range(0)), 1);
  std::array<std::uint8_t, 16> tag{};
  std::uint64_t counter = 0;
  for (auto _ : state) sealer.seal(counter++, text, {}, tag);
  state.SetBytesProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_AeadOpenSslContext)->Arg(64)->Arg(1424);

void BM_AeadLibsodium(benchmark::State& state) {
  crypto::AeadKey key;
  crypto::random_bytes(key.bytes());
  std::vector<std::uint8_t> text(static_cast<std::size_t>(state.range(0)), 1);
  std::array<std::uint8_t, 16> tag{};
  std::uint64_t counter = 0;
  for (auto _ : state) crypto::seal(key, counter++, text, {}, tag);
  state.SetBytesProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_AeadLibsodium)->Arg(64)->Arg(1424);

}  // namespace
}  // namespace tunkit::wg

BENCHMARK_MAIN();
