// Two TCP stacks over the simulated link (DESIGN.md testing layers, label sim): every byte
// arrives intact and in order, both directions close cleanly, under loss, reordering,
// duplication and a congested bottleneck, for NewReno and CUBIC with SACK on and off.
// Virtual time only: no assertion here is about how fast the host machine is.
//
// The rules under test (RFC 9293 unless stated): §3.10.7 reliable in-order delivery of the
// byte stream whatever the network does to segments; §3.6 the FIN handshake and half-close
// (a side that has sent FIN keeps receiving, FIN-WAIT-2); §3.5 simultaneous open;
// RFC 5681 / RFC 6582 / RFC 6675 / RFC 9438 recovery from loss without corruption or stall;
// §3.7.1 segments fit the MSS with their options; §3.10.7.4 ACKs stay acceptable after a
// timeout; RFC 7323 window scaling; and that the whole run is a function of the seed.
//
// Sizes: 0 B and 1 B (small transfers), 1 MiB each way (the matrix), 10 MiB each way
// (large transfers; throughput_test.cpp adds 10 MiB uploads). A failure prints the
// peers' and both hosts' state; trace.hpp turns the link into a packet trace when
// more is needed (Network::set_link_observer(trace_to(lines, net.now()))).
#include <gtest/gtest.h>

#include <map>
#include <ostream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "sim/apps.hpp"
#include "sim/trace.hpp"
#include "tunkit/wire/ipv4.hpp"
#include "tunkit/wire/tcp.hpp"

namespace tunkit::sim {
namespace {

using namespace std::chrono_literals;
using stack::tcp::CongestionAlgorithm;

constexpr std::uint64_t kMiB = 1024 * 1024;

struct Condition {
  const char* name;
  PathConfig path;
};

// 10 ms RTT at 1 Gbit/s with room to queue: the impairments alone decide what happens.
PathConfig base_path() {
  PathConfig p;
  p.delay = 5ms;
  p.rate_bps = 1'000'000'000;
  p.queue_packets = 1000;
  return p;
}

std::vector<Condition> conditions() {
  std::vector<Condition> out;
  out.push_back({"clean", base_path()});
  for (const auto& [name, loss] : {std::pair{"loss1", 0.01}, {"loss2", 0.02}, {"loss5", 0.05}}) {
    PathConfig p = base_path();
    p.loss = loss;
    out.push_back({name, p});
  }
  PathConfig reorder = base_path();
  reorder.reorder = 0.05;
  reorder.reorder_delay = 3ms;  // behind ~250 full segments at 1 Gbit/s
  out.push_back({"reorder", reorder});
  PathConfig duplicate = base_path();
  duplicate.duplicate = 0.05;
  out.push_back({"duplicate", duplicate});
  PathConfig mixed = base_path();
  mixed.loss = 0.02;
  mixed.reorder = 0.05;
  mixed.reorder_delay = 3ms;
  mixed.duplicate = 0.02;
  out.push_back({"mixed", mixed});
  // 10 Mbit/s, 20 ms RTT, 8 packets of queue: losses come from drop-tail, in bursts.
  PathConfig bottleneck;
  bottleneck.delay = 10ms;
  bottleneck.rate_bps = 10'000'000;
  bottleneck.queue_packets = 8;
  out.push_back({"bottleneck", bottleneck});
  return out;
}

PathConfig condition(std::string_view name) {
  for (const auto& c : conditions())
    if (name == c.name) return c.path;
  throw std::invalid_argument("no condition " + std::string(name));
}

NetworkConfig network(const PathConfig& path, std::uint64_t seed, CongestionAlgorithm cc, bool sack) {
  NetworkConfig config;
  config.link = LinkConfig::symmetric(path, seed);
  for (TcpConfig* t : {&config.tcp_a, &config.tcp_b}) {
    t->congestion = cc;
    t->sack = sack;
  }
  return config;
}

std::string describe(const NetworkConfig& c) {
  return "seed " + std::to_string(c.link.seed) + ", " + std::string(to_string(c.tcp_a.congestion)) +
         ", sack " + (c.tcp_a.sack ? "on" : "off") + ", path " + sim::describe(c.link.a_to_b);
}

// --- the matrix: conditions x congestion control x SACK x seeds -------------------------

struct MatrixParam {
  Condition condition;
  CongestionAlgorithm cc;
  bool sack;
  std::uint64_t seed;
};

void PrintTo(const MatrixParam& p, std::ostream* os) {
  *os << p.condition.name << ", " << to_string(p.cc) << ", sack " << (p.sack ? "on" : "off") << ", seed " << p.seed;
}

std::string matrix_name(const ::testing::TestParamInfo<MatrixParam>& param_info) {
  const auto& p = param_info.param;
  return std::string(p.condition.name) + "_" + std::string(to_string(p.cc)) + (p.sack ? "_sack" : "_nosack") +
         "_seed" + std::to_string(p.seed);
}

std::vector<MatrixParam> matrix(std::vector<std::uint64_t> seeds) {
  std::vector<MatrixParam> out;
  for (const auto& c : conditions())
    for (const auto cc : {CongestionAlgorithm::newreno, CongestionAlgorithm::cubic})
      for (const bool sack : {true, false})
        for (const auto seed : seeds) out.push_back({c, cc, sack, seed});
  return out;
}

class Rfc9293HalfClose : public ::testing::TestWithParam<MatrixParam> {};

// Upload 1 MiB, FIN; the server reads to EOF and only then sends 1 MiB back and its FIN.
// Proves delivery both ways and that the side which closed first (FIN-WAIT-1/2) keeps
// receiving a whole stream (RFC 9293 §3.6, "half-closed").
TEST_P(Rfc9293HalfClose, UploadThenDownloadAfterPeerFinIsIntactAndClosesCleanly) {
  const auto& p = GetParam();
  const NetworkConfig config = network(p.condition.path, p.seed, p.cc, p.sack);
  const StreamSpec client = stream(kMiB, kMiB);
  const StreamSpec server = stream(kMiB, kMiB, true);
  const TransferOutcome out = run_transfer(config, client, server);
  ASSERT_TRUE(out.delivered) << describe(config) << "\n" << out.failure;
  EXPECT_TRUE(out.closed) << describe(config) << "\n" << out.failure;
  EXPECT_EQ(out.client_received_after_fin, kMiB) << "the half-closed side received the whole reply";
}

INSTANTIATE_TEST_SUITE_P(Matrix, Rfc9293HalfClose, ::testing::ValuesIn(matrix({1, 2, 3})), matrix_name);

class Rfc9293Bidirectional : public ::testing::TestWithParam<MatrixParam> {};

// Both ends send 1 MiB at the same time (data and ACKs share segments), then FIN.
TEST_P(Rfc9293Bidirectional, SimultaneousStreamsBothWaysAreIntact) {
  const auto& p = GetParam();
  const NetworkConfig config = network(p.condition.path, p.seed, p.cc, p.sack);
  const StreamSpec client = stream(kMiB, kMiB);
  const StreamSpec server = stream(kMiB, kMiB);
  const TransferOutcome out = run_transfer(config, client, server);
  ASSERT_TRUE(out.delivered) << describe(config) << "\n" << out.failure;
  EXPECT_TRUE(out.closed) << describe(config) << "\n" << out.failure;
}

INSTANTIATE_TEST_SUITE_P(Matrix, Rfc9293Bidirectional, ::testing::ValuesIn(matrix({4, 5})), matrix_name);

// --- small transfers: the handshake and the FINs themselves under impairment -------------

struct SmallParam {
  Condition condition;
  std::uint64_t seed;
  std::uint64_t bytes;
};

void PrintTo(const SmallParam& p, std::ostream* os) {
  *os << p.condition.name << ", seed " << p.seed << ", " << p.bytes << " B";
}

class Rfc9293SmallTransfer : public ::testing::TestWithParam<SmallParam> {};

// One byte (or none) each way: every segment of the exchange is a SYN, a FIN or carries
// the only data, so a lost one must be recovered by the timers (RFC 6298), not by dupacks.
TEST_P(Rfc9293SmallTransfer, OneByteEachWayArrivesAndBothFinsAreAcknowledged) {
  const auto& p = GetParam();
  const NetworkConfig config = network(p.condition.path, p.seed, CongestionAlgorithm::cubic, true);
  const StreamSpec client = stream(p.bytes, p.bytes);
  const StreamSpec server = stream(p.bytes, p.bytes, true);
  const TransferOutcome out = run_transfer(config, client, server);
  ASSERT_TRUE(out.delivered) << describe(config) << "\n" << out.failure;
  EXPECT_TRUE(out.closed) << describe(config) << "\n" << out.failure;
  EXPECT_EQ(out.client_received_after_fin, p.bytes) << "the reply came after the client's FIN";
}

std::vector<SmallParam> small_params() {
  std::vector<SmallParam> out;
  for (const auto& c : conditions())
    for (const std::uint64_t seed : {1, 2, 3, 4})
      for (const std::uint64_t bytes : {0, 1}) out.push_back({c, seed, bytes});
  // Heavy loss: 20 % each way makes lost SYNs, SYN-ACKs and FINs common.
  PathConfig heavy = base_path();
  heavy.loss = 0.2;
  for (std::uint64_t seed = 1; seed <= 8; ++seed) out.push_back({{"loss20", heavy}, seed, 1});
  return out;
}

std::string small_name(const ::testing::TestParamInfo<SmallParam>& param_info) {
  const SmallParam& p = param_info.param;
  return std::string(p.condition.name) + "_seed" + std::to_string(p.seed) + "_" + std::to_string(p.bytes) + "B";
}

INSTANTIATE_TEST_SUITE_P(Conditions, Rfc9293SmallTransfer, ::testing::ValuesIn(small_params()), small_name);

// --- large transfers ---------------------------------------------------------------------

// 10 MiB each way, one after the other (upload, FIN, then the download): long enough for
// many recovery episodes, window growth to the auto-tuned limits and sequence numbers to
// cover 20 MiB of the space. The throughput table adds 10 MiB uploads under plain loss.
class Rfc9293LargeTransfer : public ::testing::TestWithParam<MatrixParam> {};

TEST_P(Rfc9293LargeTransfer, TenMebibytesEachWayAreIntactAndCloseCleanly) {
  const auto& p = GetParam();
  const NetworkConfig config = network(p.condition.path, p.seed, p.cc, p.sack);
  const TransferOutcome out = run_transfer(config, stream(10 * kMiB, 10 * kMiB), stream(10 * kMiB, 10 * kMiB, true));
  ASSERT_TRUE(out.delivered) << describe(config) << "\n" << out.failure;
  EXPECT_TRUE(out.closed) << describe(config) << "\n" << out.failure;
  EXPECT_EQ(out.client_received_after_fin, 10 * kMiB);
}

std::vector<MatrixParam> large_params() {
  std::vector<MatrixParam> out;
  for (const auto& c : conditions()) {
    if (std::string(c.name) != "mixed" && std::string(c.name) != "bottleneck") continue;
    for (const auto cc : {CongestionAlgorithm::newreno, CongestionAlgorithm::cubic})
      for (const bool sack : {true, false}) out.push_back({c, cc, sack, 11});
  }
  return out;
}

INSTANTIATE_TEST_SUITE_P(Conditions, Rfc9293LargeTransfer, ::testing::ValuesIn(large_params()), matrix_name);

// A window far beyond 64 KiB needs window scaling (RFC 7323 §2) and receive-buffer
// auto-tuning; over 100 ms RTT at 100 Mbit/s a 64 KiB window would take > 16 s for 10 MiB.
TEST(Rfc7323WindowScale, TenMebibytesOverALongFatPipeUseAScaledWindow) {
  PathConfig path;
  path.delay = 50ms;
  path.rate_bps = 100'000'000;
  path.queue_packets = 1000;
  const NetworkConfig config = network(path, 5, CongestionAlgorithm::cubic, true);
  const StreamSpec client = stream(10 * kMiB, 0);
  const StreamSpec server = stream(0, 10 * kMiB);
  const TransferOutcome out = run_transfer(config, client, server);
  ASSERT_TRUE(out.delivered) << describe(config) << "\n" << out.failure;
  EXPECT_TRUE(out.closed) << out.failure;
  ASSERT_TRUE(out.client_info);
  EXPECT_GT(out.client_info->snd_wscale, 0) << "the receiver offered a window scale";
  // 64 KiB per 100 ms RTT would be 16.4 s; a scaled window does it in a few seconds.
  EXPECT_LT(out.elapsed, 8s) << "took " << std::chrono::duration_cast<std::chrono::milliseconds>(out.elapsed).count()
                             << " ms of virtual time";
}

// --- many connections --------------------------------------------------------------------

// 200 clients connect at the same instant to one listener and each uploads its own 16 KiB
// stream, the server answering each with 16 KiB after EOF; 1 % loss and a shared 100
// Mbit/s bottleneck. Every stream is keyed by its port pair, so a byte delivered to the
// wrong connection is a pattern mismatch (demultiplexing, RFC 9293 §3.10.7.1).
TEST(Rfc9293ManyConnections, TwoHundredConcurrentConnectionsOverOneLinkAllDeliverAndClose) {
  constexpr std::size_t kConnections = 200;
  constexpr std::uint64_t kBytes = 16 * 1024;
  PathConfig path;
  path.delay = 5ms;
  path.rate_bps = 100'000'000;
  path.queue_packets = 200;
  path.loss = 0.01;
  const NetworkConfig config = network(path, 21, CongestionAlgorithm::cubic, true);
  Network net(config);
  Apps apps(net);
  apps.listen(Side::b, 80, stream(kBytes, kBytes, true),
              kConnections);
  for (std::size_t i = 0; i < kConnections; ++i)
    apps.connect(Side::a, 80, stream(kBytes, kBytes));
  std::string reason;
  const bool ran = apps.run(2 * kConnections, 10min, &reason);
  ASSERT_TRUE(ran) << reason << "\n" << apps.describe() << net.describe();
  std::size_t complete = 0;
  for (const auto& p : apps.peers()) complete += p->complete() ? 1 : 0;
  ASSERT_EQ(complete, 2 * kConnections) << apps.describe() << net.describe();
  EXPECT_TRUE(apps.run_until_closed(10min, &reason)) << reason << "\n" << net.describe();
  EXPECT_EQ(net.tcp(Side::a).counters().connections_reset, 0U) << net.describe();
  EXPECT_EQ(net.tcp(Side::b).counters().connections_reset, 0U) << net.describe();
  // Every connection is gone, and with it every buffer it held: what remains is the
  // table itself (slots, timer heap, demux buckets), far less than one buffer each.
  EXPECT_LT(net.tcp(Side::a).memory(), kConnections * 1024) << "bytes still held";
  EXPECT_LT(net.tcp(Side::b).memory(), kConnections * 1024) << "bytes still held";
}

// --- simultaneous open -------------------------------------------------------------------

// RFC 9293 §3.5 figure 7: both ends send a SYN to each other's port at the same instant;
// the SYNs cross, both go SYN-SENT -> SYN-RECEIVED -> ESTABLISHED, one connection results,
// and it carries data both ways.
TEST(Rfc9293SimultaneousOpen, CrossingSynsMakeOneConnection) {
  for (const std::uint64_t seed : {1, 2}) {
    PathConfig path = base_path();
    const NetworkConfig config = network(path, seed, CongestionAlgorithm::cubic, true);
    Network net(config);
    Apps apps(net);
    constexpr std::uint64_t kBytes = 100'000;
    StreamPeer& a = apps.connect(Side::a, 7000, stream(kBytes, kBytes),
                                 {.local_address = std::nullopt, .local_port = 7001});
    StreamPeer& b = apps.connect(Side::b, 7001, stream(kBytes, kBytes),
                                 {.local_address = std::nullopt, .local_port = 7000});
    std::string reason;
    const bool ran = apps.run(2, 1min, &reason);
    ASSERT_TRUE(ran) << reason << "\n" << apps.describe() << net.describe();
    EXPECT_TRUE(a.complete()) << a.describe() << "\n" << net.describe();
    EXPECT_TRUE(b.complete()) << b.describe() << "\n" << net.describe();
    const auto received_state = 1U << static_cast<unsigned>(State::syn_received);
    const auto sent_state = 1U << static_cast<unsigned>(State::syn_sent);
    // The application may not see the short SYN-RECEIVED, but it never sees LISTEN.
    EXPECT_EQ(a.states_seen() & (1U << static_cast<unsigned>(State::listen)), 0U);
    EXPECT_NE(a.states_seen() & (sent_state | received_state), 0U);
    EXPECT_TRUE(apps.run_until_closed(10min, &reason)) << reason << "\n" << net.describe();
    EXPECT_EQ(net.tcp(Side::a).counters().connections_reset + net.tcp(Side::b).counters().connections_reset, 0U)
        << net.describe();
  }
}

// --- rules checked packet by packet -------------------------------------------------------

// RFC 9293 §3.7.1 (and RFC 6691): "the sender MUST reduce the TCP data length to account
// for any IP or TCP options that it is including in the packets that it sends". Both
// hosts have the same MTU, so a segment that fits the MSS is never fragmented; SACK
// blocks (RFC 2018) ride on data segments whenever the sender also holds out-of-order
// data, which a bidirectional transfer under loss makes common.
TEST(Rfc9293SegmentSize, SegmentsCarryingSackBlocksStillFitTheMss) {
  PathConfig path = base_path();
  path.loss = 0.02;
  const NetworkConfig config = network(path, 3, CongestionAlgorithm::cubic, true);
  Network net(config);
  Apps apps(net);
  // The first oversized segment: its first fragment's header and the IP payload bytes
  // of all its fragments (= the TCP segment's size).
  std::optional<std::uint16_t> first_id;
  std::string first_header;
  std::size_t first_segment_size = 0;
  net.set_link_observer([&](LinkEvent e, Side, ByteSpan packet, Instant) {
    if (e != LinkEvent::scheduled || packet.size() < 20 || (load_be16(packet, 6) & 0x3FFF) == 0) return;
    const std::uint16_t id = load_be16(packet, 4);
    if (!first_id) {
      first_id = id;
      first_header = describe_packet(packet);
    }
    if (id == *first_id) first_segment_size += packet.size() - 20;
  });
  apps.listen(Side::b, 5001, stream(kMiB, kMiB));
  apps.connect(Side::a, 5001, stream(kMiB, kMiB));
  std::string reason;
  ASSERT_TRUE(apps.run(2, 10min, &reason)) << reason << "\n" << apps.describe() << net.describe();
  EXPECT_EQ(net.fragments_sent(), 0U)
      << "segments larger than MSS + 20 (1480 bytes here) were sent and fragmented by IP; the first: "
      << first_segment_size << "-byte segment, first fragment " << first_header << "\n"
      << net.describe();
}

// RFC 9293 §3.8.6 / RFC 7323 §2.3: the window a receiver advertises is what it can
// buffer. The first ACK of an active open (SYN-SENT -> ESTABLISHED) must offer the
// receive buffer (64 KiB here), not more. Each connection draws new random ISNs, so 32
// connections cover both halves of the sequence space.
TEST(Rfc7323WindowScale, FirstAckOfAnActiveOpenAdvertisesNoMoreThanTheReceiveBuffer) {
  const NetworkConfig config = network(base_path(), 1, CongestionAlgorithm::cubic, true);
  Network net(config);
  Apps apps(net);
  std::map<std::uint16_t, std::uint8_t> wscale_by_port;  // a's SYN options
  std::map<std::uint16_t, bool> first_ack_seen;
  std::vector<std::string> violations;
  net.set_link_observer([&](LinkEvent e, Side from, ByteSpan packet, Instant) {
    if (e != LinkEvent::scheduled || from != Side::a) return;
    const auto ip = Ipv4View::parse(packet);
    const auto tcp = ip ? TcpView::parse(ip->payload()) : std::nullopt;
    if (!tcp) return;
    const TcpRepr r = TcpRepr::parse(*tcp);
    if (tcp->syn()) {
      wscale_by_port[r.source_port] = r.window_scale.value_or(0);
      return;
    }
    if (!tcp->ack() || first_ack_seen[r.source_port]) return;
    first_ack_seen[r.source_port] = true;
    const std::uint64_t shift = wscale_by_port[r.source_port];
    const std::uint64_t advertised = std::uint64_t{r.window} << shift;
    const std::uint64_t limit = config.tcp_a.receive_buffer + (std::uint64_t{1} << shift) - 1;
    if (advertised > limit) violations.push_back(describe_packet(packet));
  });
  apps.listen(Side::b, 80, stream(0, 0), 64);
  for (int i = 0; i < 32; ++i) apps.connect(Side::a, 80, stream(0, 0));
  std::string reason;
  ASSERT_TRUE(apps.run(64, 1min, &reason)) << reason << "\n" << apps.describe();
  EXPECT_EQ(first_ack_seen.size(), 32U);
  EXPECT_TRUE(violations.empty()) << violations.size() << " of 32 first ACKs advertise more than the "
                                  << config.tcp_a.receive_buffer << "-byte receive buffer, e.g.\n  "
                                  << violations.front();
}

// RFC 9293 §3.10.7.4 (first check): a segment with no data is acceptable only if
// RCV.NXT =< SEG.SEQ; an unacceptable one is dropped after an ACK is sent back. So an ACK
// whose SEG.SEQ is below what the peer already received carries its acknowledgment to
// nowhere. After a retransmission timeout pulls SND.NXT back to SND.UNA (go-back-N), a
// pure ACK must therefore still carry the highest sequence number sent (SND.MAX, as BSD's
// tcp_output does), or two ends that both time out acknowledge into the void, answer each
// other's unacceptable ACKs with more of them, and the connection dies (R2, RFC 9293
// §3.8.3). Scenario: both ends send 1 MiB at once through 5 % loss, NewReno, no SACK.
TEST(Rfc9293SegmentArrives, PureAcksAfterATimeoutCarryTheHighestSequenceSent) {
  PathConfig path = base_path();
  path.loss = 0.05;
  const NetworkConfig config = network(path, 5, CongestionAlgorithm::newreno, false);
  Network net(config);
  Apps apps(net);
  std::optional<std::uint32_t> snd_max[2];  // per sending side, from the wire
  std::uint64_t stale_acks = 0;
  std::string first_stale;
  net.set_link_observer([&](LinkEvent e, Side from, ByteSpan packet, Instant) {
    if (e != LinkEvent::scheduled) return;
    const auto ip = Ipv4View::parse(packet);
    const auto tcp = ip ? TcpView::parse(ip->payload()) : std::nullopt;
    if (!tcp || tcp->rst()) return;
    const auto len = static_cast<std::uint32_t>(ip->payload().size() - tcp->header_size()) +
                     (tcp->syn() ? 1U : 0U) + (tcp->fin() ? 1U : 0U);
    auto& high = snd_max[static_cast<std::size_t>(from)];
    const std::uint32_t seq = tcp->seq_number();
    if (len == 0 && high && static_cast<std::int32_t>(seq - *high) < 0) {
      if (stale_acks++ == 0) first_stale = describe_packet(packet) + " (highest sent " + std::to_string(*high) + ")";
    }
    if (!high || static_cast<std::int32_t>(seq + len - *high) > 0) high = seq + len;
  });
  apps.listen(Side::b, 5001, stream(kMiB, kMiB));
  apps.connect(Side::a, 5001, stream(kMiB, kMiB));
  std::string reason;
  const bool ran = apps.run(2, 30min, &reason);
  EXPECT_EQ(stale_acks, 0U) << "pure ACKs below the highest sequence number sent, the first: " << first_stale;
  ASSERT_TRUE(ran) << reason;
  EXPECT_TRUE(apps.peers()[0]->complete() && apps.peers()[1]->complete()) << apps.describe() << net.describe();
}

// --- determinism -------------------------------------------------------------------------

// A fingerprint of everything the link saw: per event its kind, direction, virtual time,
// length and TCP flags. Sequence numbers, ports and timestamps are left out: the stack
// draws its ISNs, timestamp offsets and ephemeral ports at random (RFC 6528, RFC 7323 §5.4,
// RFC 6056), and TCP's behaviour must not depend on them.
std::uint64_t run_fingerprint(const NetworkConfig& config, const StreamSpec& client, const StreamSpec& server,
                              std::string* failure) {
  Network net(config);
  Apps apps(net);
  std::uint64_t hash = 0;
  net.set_link_observer([&](LinkEvent e, Side from, ByteSpan packet, Instant at) {
    // TCP flags (IPv4 20 + TCP byte 13) only in a first fragment or whole packet: a later
    // fragment's bytes are payload, whose pattern depends on the (random) port numbers.
    const bool first = packet.size() > 33 && (load_be16(packet, 6) & 0x1FFF) == 0;
    const std::uint64_t flags = first ? packet[33] : 0;
    const auto t = static_cast<std::uint64_t>((at - net.start()).count());
    hash = mix64(hash ^ mix64(static_cast<std::uint64_t>(e) << 56 ^ static_cast<std::uint64_t>(from) << 48 ^
                              flags << 32 ^ packet.size()) ^ t);
  });
  apps.listen(Side::b, 5001, server);
  apps.connect(Side::a, 5001, client);
  std::string reason;
  if (!apps.run(2, 30min, &reason) || !apps.peers()[0]->complete() || !apps.peers()[1]->complete())
    *failure = reason + "\n" + apps.describe() + net.describe();
  return hash;
}

// The whole simulation is a function of the seed: the same seed gives the same packets at
// the same virtual times, whatever ISNs and ports the stacks drew. This is what makes the
// throughput table a snapshot; a failure here means TCP's behaviour depends on a random
// or uninitialised value (or on sequence-number wrap-around).
TEST(SimDeterminism, SameSeedSamePacketsAtTheSameTimes) {
  for (const auto cc : {CongestionAlgorithm::newreno, CongestionAlgorithm::cubic}) {
    for (const bool sack : {true, false}) {
      const NetworkConfig config = network(condition("mixed"), 9, cc, sack);
      std::string failure;
      const std::uint64_t first = run_fingerprint(config, stream(kMiB, kMiB), stream(kMiB, kMiB), &failure);
      ASSERT_TRUE(failure.empty()) << describe(config) << "\n" << failure;
      for (int run = 1; run < 4; ++run) {
        EXPECT_EQ(run_fingerprint(config, stream(kMiB, kMiB), stream(kMiB, kMiB), &failure), first)
            << describe(config) << ", run " << run;
        ASSERT_TRUE(failure.empty()) << failure;
      }
    }
  }
}

}  // namespace
}  // namespace tunkit::sim
