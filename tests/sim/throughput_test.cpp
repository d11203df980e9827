// The throughput table: for a fixed seed and fixed scenarios, the virtual time to deliver
// 10 MiB, the goodput and the retransmissions, compared line by line with the checked-in
// snapshot tests/sim/throughput_snapshot.txt. The simulation is deterministic (seeded link,
// virtual clock), so any difference is a change in the TCP stack's behaviour: the test
// fails and prints both lines. If the change is intended, regenerate the snapshot and
// review the diff like code:
//
//   TUNKIT_SIM_UPDATE=1 ./tunkit_sim_tests --gtest_filter='*Throughput*'
//
// (run the binary directly, not through a parallel ctest: each row rewrites its own line.)
//
// Scenario: host a uploads 10 MiB (10,485,760 bytes) to host b and half-closes; b reads to
// EOF, then closes. Link: 100 Mbit/s bottleneck each way, 5 ms one-way delay (10 ms RTT
// plus queueing), 100-packet drop-tail queue (~1.2 BDP), random loss 0/1/2/5 % each way,
// seed 1. Rows: NewReno and CUBIC, SACK on and off. Time runs from connect() to the last
// byte read by the receiver; goodput = payload bits / that time. retx, fast_retx and rto
// are the sender's ConnectionInfo (segments retransmitted, fast retransmits, timeouts).
// This includes the issue's benchmark "time to deliver a 10 MB transfer under 2 % loss
// with NewReno and with CUBIC, SACK on and off" (the loss=2% rows).
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "sim/apps.hpp"

#ifndef TUNKIT_SIM_SNAPSHOT
#error "TUNKIT_SIM_SNAPSHOT must name tests/sim/throughput_snapshot.txt"
#endif

namespace tunkit::sim {
namespace {

using namespace std::chrono_literals;
using stack::tcp::CongestionAlgorithm;

constexpr std::uint64_t kBytes = 10 * 1024 * 1024;
constexpr std::uint64_t kSeed = 1;

struct Row {
  CongestionAlgorithm cc;
  bool sack;
  unsigned loss_percent;
};

std::vector<Row> rows() {
  std::vector<Row> out;
  for (const unsigned loss : {0U, 1U, 2U, 5U})
    for (const auto cc : {CongestionAlgorithm::newreno, CongestionAlgorithm::cubic})
      for (const bool sack : {true, false}) out.push_back({cc, sack, loss});
  return out;
}

// The first columns name the row; the snapshot is matched on them.
std::string key(const Row& r) {
  char text[64];
  std::snprintf(text, sizeof text, "%-7s sack=%-3s loss=%u%%", std::string(to_string(r.cc)).c_str(),
                r.sack ? "on" : "off", r.loss_percent);
  return text;
}

const char* const kHeader =
    "# tunkit simulated throughput (tests/sim/throughput_test.cpp; regenerate with\n"
    "# TUNKIT_SIM_UPDATE=1 ./tunkit_sim_tests --gtest_filter='*Throughput*').\n"
    "# 10 MiB upload, 100 Mbit/s bottleneck each way, 5 ms one-way delay, 100-packet\n"
    "# drop-tail queue, random loss each way, seed 1. Virtual time; exact, not a measurement.\n"
    "# time: connect() to the last byte read; retx/fast_retx/rto: the sender's retransmitted\n"
    "# segments, fast retransmits, timeouts; lost/queue_drops: the link's, both ways.\n";

std::string measure(const Row& r, std::string* failure) {
  PathConfig path;
  path.delay = 5ms;
  path.rate_bps = 100'000'000;
  path.queue_packets = 100;
  path.loss = r.loss_percent / 100.0;
  NetworkConfig config;
  config.link = LinkConfig::symmetric(path, kSeed);
  for (TcpConfig* t : {&config.tcp_a, &config.tcp_b}) {
    t->congestion = r.cc;
    t->sack = r.sack;
  }
  const StreamSpec client = stream(kBytes, 0);
  const StreamSpec server = stream(0, kBytes);
  const TransferOutcome out = run_transfer(config, client, server, 30min);
  if (!out.delivered || !out.closed) {
    *failure = key(r) + ": " + out.failure;
    return {};
  }
  const auto us = static_cast<unsigned long long>(
      std::chrono::duration_cast<std::chrono::microseconds>(out.elapsed).count());
  const unsigned long long kbps = us ? kBytes * 8 * 1000 / us : 0;  // kbit/s
  const auto& info = *out.client_info;
  char line[256];
  std::snprintf(line, sizeof line,
                "%s  time %6llu.%03llu ms  goodput %3llu.%03llu Mbit/s  retx %5llu  fast_retx %4llu  rto %3llu"
                "  lost %5llu  queue_drops %5llu",
                key(r).c_str(), us / 1000, us % 1000, kbps / 1000, kbps % 1000,
                static_cast<unsigned long long>(info.segments_retransmitted),
                static_cast<unsigned long long>(info.fast_retransmits),
                static_cast<unsigned long long>(info.timeouts),
                static_cast<unsigned long long>(out.link_a_to_b.random_losses + out.link_b_to_a.random_losses),
                static_cast<unsigned long long>(out.link_a_to_b.queue_drops + out.link_b_to_a.queue_drops));
  return line;
}

std::map<std::string, std::string> read_snapshot(bool* exists) {
  std::map<std::string, std::string> lines;
  std::ifstream in(TUNKIT_SIM_SNAPSHOT);
  *exists = static_cast<bool>(in);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    for (const Row& r : rows())
      if (line.rfind(key(r), 0) == 0) lines[key(r)] = line;
  }
  return lines;
}

void write_snapshot(const std::map<std::string, std::string>& lines) {
  std::ofstream out(TUNKIT_SIM_SNAPSHOT, std::ios::trunc);
  out << kHeader;
  for (const Row& r : rows())
    if (auto it = lines.find(key(r)); it != lines.end()) out << it->second << "\n";
}

class Throughput : public ::testing::TestWithParam<Row> {};

// The snapshot rule: the row computed now equals the checked-in row, byte for byte.
TEST_P(Throughput, TenMebibyteUploadMatchesSnapshot) {
  const Row& r = GetParam();
  std::string failure;
  const std::string line = measure(r, &failure);
  ASSERT_TRUE(failure.empty()) << failure;
  bool exists = false;
  auto snapshot = read_snapshot(&exists);
  const char* update = std::getenv("TUNKIT_SIM_UPDATE");
  if (update && std::string(update) == "1") {
    snapshot[key(r)] = line;
    write_snapshot(snapshot);
    std::printf("updated: %s\n", line.c_str());
    return;
  }
  const auto it = snapshot.find(key(r));
  ASSERT_NE(it, snapshot.end()) << "no row for '" << key(r) << "' in " << TUNKIT_SIM_SNAPSHOT
                                << (exists ? "" : " (file missing)") << "\n  now:      " << line
                                << "\nregenerate with TUNKIT_SIM_UPDATE=1";
  EXPECT_EQ(it->second, line) << "the simulated transfer changed (" << TUNKIT_SIM_SNAPSHOT << ")\n"
                              << "  snapshot: " << it->second << "\n  now:      " << line
                              << "\nif intended, regenerate with TUNKIT_SIM_UPDATE=1 and review the diff";
}

std::string row_name(const ::testing::TestParamInfo<Row>& param_info) {
  const Row& r = param_info.param;
  return std::string(to_string(r.cc)) + (r.sack ? "_sack" : "_nosack") + "_loss" + std::to_string(r.loss_percent);
}

INSTANTIATE_TEST_SUITE_P(Table, Throughput, ::testing::ValuesIn(rows()), row_name);

}  // namespace
}  // namespace tunkit::sim
