// The user-space TCP stack without a device: two stacks (stack::Interface + tcp::Tcp) in one
// process, packets handed from one to the other's receive() as soon as they are queued, a
// virtual clock. What it measures is the stacks' own work:
//   - connections per second: connect, accept, both sides close, TIME-WAIT expires;
//   - one connection's bulk transfer: user-space cost per byte of sending and receiving
//     (both stacks on one core, checksums included, 64 KiB writes and reads);
//   - memory with 100,000 idle established connections: Tcp::memory() of the serving stack
//     and the growth of the process's resident set (both stacks) per connection.
//   ./build/release/bench/tunkit_bench_tcp --benchmark_repetitions=3 --benchmark_report_aggregates_only=true
//   ./build/release/bench/tunkit_bench_tcp --benchmark_filter=Idle   # alone: the RSS growth is
//                                                                    # only meaningful in a fresh process
#include <benchmark/benchmark.h>

#include <unistd.h>

#include <cstdio>
#include <memory>
#include <stdexcept>
#include <vector>

#include "tunkit/stack/interface.hpp"
#include "tunkit/stack/tcp/tcp.hpp"

namespace tunkit::stack::tcp {
namespace {

using namespace std::chrono_literals;

struct Side {
  std::unique_ptr<Interface> iface;
  std::unique_ptr<Tcp> tcp;
};

Side make_side(const char* prefix, TcpConfig config) {
  InterfaceConfig c;
  c.medium = Medium::ip;
  c.addresses = {*IpPrefix::parse(prefix)};
  c.tx_queue_limit = 1 << 16;
  auto iface = Interface::create(c);
  if (!iface) throw std::runtime_error(iface.error().message);
  Side s;
  s.iface = std::make_unique<Interface>(std::move(*iface));
  auto tcp = Tcp::create(*s.iface, std::move(config));
  if (!tcp) throw std::runtime_error(tcp.error().message);
  s.tcp = std::move(*tcp);
  return s;
}

// Two stacks joined back to back (10.0.0.1 and 10.0.0.2), zero delay.
struct Pair {
  Side a, b;
  Instant now = Instant{} + 1h;
  explicit Pair(TcpConfig config = {}) : a(make_side("10.0.0.1/24", config)), b(make_side("10.0.0.2/24", config)) {}

  IpAddress b_address() const { return b.iface->config().addresses[0].address; }

  // Delivers queued packets both ways until both queues are empty.
  void pump() {
    for (bool moved = true; moved;) {
      moved = move(a, b) | move(b, a);
    }
  }
  // Advances the clock by `d` and runs the timers that came due.
  void advance(Duration d) {
    now += d;
    a.iface->poll(now);
    b.iface->poll(now);
    a.tcp->poll(now);
    b.tcp->poll(now);
    pump();
  }

 private:
  bool move(Side& from, Side& to) {
    const std::size_t n = from.iface->transmit_count();
    for (std::size_t i = 0; i < n; ++i) to.iface->receive(from.iface->transmit_packet(i), now);
    from.iface->transmit_done(n);
    return n > 0;
  }
};

TcpConfig bench_config() {
  TcpConfig c;
  c.time_wait = 1s;
  return c;
}

void BM_TcpConnectAcceptClose(benchmark::State& state) {
  Pair p(bench_config());
  auto listener = p.b.tcp->listen(80, 1024);
  if (!listener) return state.SkipWithError("listen failed");
  for (auto _ : state) {
    auto client = p.a.tcp->connect({p.b_address(), 80}, p.now);
    if (!client) return state.SkipWithError(client.error().message.c_str());
    p.pump();
    auto server = p.b.tcp->accept(*listener);
    if (!server) return state.SkipWithError("no connection to accept");
    p.a.tcp->close(*client, p.now);
    p.b.tcp->close(*server, p.now);
    p.pump();
    p.advance(2s);  // TIME-WAIT expires
    if (p.a.tcp->connection_count() + p.b.tcp->connection_count() != 0)
      return state.SkipWithError("connections left after close");
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_TcpConnectAcceptClose);

void BM_TcpBulkTransfer(benchmark::State& state) {
  Pair p;
  auto listener = p.b.tcp->listen(9);
  auto client = p.a.tcp->connect({p.b_address(), 9}, p.now);
  p.pump();
  auto server = listener ? p.b.tcp->accept(*listener) : std::nullopt;
  if (!client || !server) return state.SkipWithError("no connection");
  std::vector<std::uint8_t> chunk(64 * 1024, 0x5a), sink(256 * 1024);
  std::uint64_t moved = 0;
  for (auto _ : state) {
    auto sent = p.a.tcp->send(*client, chunk, p.now);
    if (!sent) return state.SkipWithError(sent.error().message.c_str());
    p.pump();
    for (;;) {
      auto got = p.b.tcp->receive(*server, sink, p.now);
      if (!got || *got == 0) break;
      moved += *got;
    }
    p.pump();
    if (*sent == 0) p.advance(1ms);  // a full send buffer: let delayed ACKs and timers run
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(moved));
}
BENCHMARK(BM_TcpBulkTransfer);

std::size_t resident_bytes() {
  long pages = 0, resident = 0;
  if (std::FILE* f = std::fopen("/proc/self/statm", "r")) {
    if (std::fscanf(f, "%ld %ld", &pages, &resident) != 2) resident = 0;
    std::fclose(f);
  }
  return static_cast<std::size_t>(resident) * static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
}

// 100,000 connections: client ports 1024-50999 to two listening ports, then idle.
void BM_TcpIdleConnectionsMemory(benchmark::State& state) {
  constexpr std::size_t kConnections = 100'000;
  for (auto _ : state) {
    const std::size_t before = resident_bytes();
    Pair p;
    auto l1 = p.b.tcp->listen(80, 4096), l2 = p.b.tcp->listen(81, 4096);
    if (!l1 || !l2) return state.SkipWithError("listen failed");
    std::vector<Socket> clients, servers;
    clients.reserve(kConnections);
    servers.reserve(kConnections);
    for (std::size_t i = 0; i < kConnections; ++i) {
      const std::uint16_t server_port = i % 2 ? 81 : 80;
      ConnectOptions o;
      o.local_port = static_cast<std::uint16_t>(1024 + i / 2);
      auto c = p.a.tcp->connect({p.b_address(), server_port}, p.now, o);
      if (!c) return state.SkipWithError(c.error().message.c_str());
      clients.push_back(*c);
      if (i % 256 == 255 || i + 1 == kConnections) {
        p.pump();
        while (auto s = p.b.tcp->accept(*l1)) servers.push_back(*s);
        while (auto s = p.b.tcp->accept(*l2)) servers.push_back(*s);
      }
    }
    if (servers.size() != kConnections || p.b.tcp->connection_count() != kConnections)
      return state.SkipWithError("not every connection was established");
    const std::size_t after = resident_bytes();
    state.counters["connections"] = static_cast<double>(kConnections);
    state.counters["server_tcp_memory_per_conn"] = static_cast<double>(p.b.tcp->memory()) / kConnections;
    state.counters["rss_per_conn_both_stacks"] = static_cast<double>(after - before) / kConnections;
  }
}
BENCHMARK(BM_TcpIdleConnectionsMemory)->Iterations(1)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace tunkit::stack::tcp

BENCHMARK_MAIN();
