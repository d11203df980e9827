// The TCP layer as a whole: demultiplexing, listeners, SYN cookies, RST for no socket,
// handles and events, hostile input, memory, and two stacks moving data through an
// in-memory link (clean, lossy, across the 2^32 wrap).
#include "tunkit/stack/tcp/tcp.hpp"

#include <gtest/gtest.h>

#include <set>

#include "tunkit/wire/checksum.hpp"

#include "tunkit/stack/tcp/connection.hpp"
#include "tunkit/stack/tcp/tcp_test_support_test.hpp"

namespace tunkit::stack::tcp {
namespace {

using namespace testing;

// --- two stacks ------------------------------------------------------------------------------

// SEND and a half-close issued before the handshake completes: the data SEND accepted is
// delivered, then the FIN (the half-close waits for ESTABLISHED instead of deleting the
// TCB, which would lose what SEND took).
TEST(Rfc9293Close, HalfCloseInSynSentWaitsForTheHandshakeAndLosesNothing) {
  Link link(fast_config(), fast_config());
  auto listener = link.b().listen(5001);
  ASSERT_TRUE(listener);
  auto a = link.a().connect({link.b_address(), 5001}, link.now);
  ASSERT_TRUE(a);
  const Bytes data = pattern(100'000);
  auto sent = link.a().send(*a, data, link.now);
  ASSERT_TRUE(sent);
  ASSERT_EQ(*sent, data.size());
  ASSERT_TRUE(link.a().shutdown(*a, link.now));
  EXPECT_EQ(link.a().status(*a).state, State::syn_sent);
  std::optional<Socket> b;
  Bytes got, buffer(65536);
  for (int i = 0; i < 10000 && !(b && link.b().status(*b).eof); ++i) {
    if (!b) b = link.b().accept(*listener);
    if (b) {
      for (;;) {
        auto n = link.b().receive(*b, buffer, link.now);
        ASSERT_TRUE(n) << n.error().message;
        if (*n == 0) break;
        got.insert(got.end(), buffer.begin(), buffer.begin() + static_cast<std::ptrdiff_t>(*n));
      }
    }
    if (!link.step()) break;
  }
  ASSERT_TRUE(b);
  EXPECT_TRUE(link.b().status(*b).eof);
  EXPECT_EQ(got, data);
  EXPECT_EQ(link.a().status(*a).state, State::fin_wait_2);
}

TEST(TcpTransfer, TenMegabytesBothWaysAndFourWayClose) {
  Link link(fast_config(), fast_config());
  const auto st = bulk_both_ways(link, 10 << 20);
  EXPECT_EQ(st.a_received, 10u << 20);
  EXPECT_EQ(st.b_received, 10u << 20);
  EXPECT_TRUE(st.a_eof && st.b_eof);
  EXPECT_TRUE(st.closed);
  EXPECT_EQ(st.a_info.segments_retransmitted, 0u);
  EXPECT_TRUE(st.a_info.sack && st.a_info.timestamps);
  EXPECT_EQ(st.a_info.snd_wscale, window_scale_for(TcpConfig{}.max_receive_buffer));
  // Receive-buffer auto-tuning grew the window beyond its initial 64 KiB.
  EXPECT_GT(st.b_info.receive_buffer, TcpConfig{}.receive_buffer);
}

TEST(TcpTransfer, DropEveryFiftiethPacketStillDeliversEveryByte) {
  Link link(fast_config(), fast_config());
  link.drop = [](std::uint64_t n, const Bytes&) { return n % 50 == 0; };
  const auto st = bulk_both_ways(link, 10 << 20);
  EXPECT_EQ(st.a_received, 10u << 20);
  EXPECT_EQ(st.b_received, 10u << 20);
  EXPECT_TRUE(st.closed);
  EXPECT_GT(link.dropped, 100u);
  EXPECT_GT(st.a_info.fast_retransmits + st.b_info.fast_retransmits, 0u);
  std::printf("lossy 1/50: %lld ms virtual, a: rexmit %llu fast %llu rto %llu; b: rexmit %llu fast %llu rto %llu\n",
              static_cast<long long>(std::chrono::duration_cast<std::chrono::milliseconds>(st.elapsed).count()),
              static_cast<unsigned long long>(st.a_info.segments_retransmitted),
              static_cast<unsigned long long>(st.a_info.fast_retransmits),
              static_cast<unsigned long long>(st.a_info.timeouts),
              static_cast<unsigned long long>(st.b_info.segments_retransmitted),
              static_cast<unsigned long long>(st.b_info.fast_retransmits),
              static_cast<unsigned long long>(st.b_info.timeouts));
}

TEST(TcpTransfer, DropEveryNinthPacketWithoutSackUsesNewReno) {
  TcpConfig c = fast_config();
  c.sack = false;
  c.congestion = CongestionAlgorithm::newreno;
  Link link(c, c);
  link.drop = [](std::uint64_t n, const Bytes&) { return n % 9 == 0; };
  const auto st = bulk_both_ways(link, 2 << 20);
  EXPECT_EQ(st.a_received, 2u << 20);
  EXPECT_EQ(st.b_received, 2u << 20);
  EXPECT_TRUE(st.closed);
  EXPECT_FALSE(st.a_info.sack);
}

TEST(TcpTransfer, DropEverySeventhPacketWithSack) {
  Link link(fast_config(), fast_config());
  link.drop = [](std::uint64_t n, const Bytes&) { return n % 7 == 0; };
  const auto st = bulk_both_ways(link, 2 << 20);
  EXPECT_EQ(st.a_received, 2u << 20);
  EXPECT_EQ(st.b_received, 2u << 20);
  EXPECT_TRUE(st.closed);
}

// RFC 9293 §3.4: sequence arithmetic modulo 2^32. Both ISNs sit just below 2^32, so the
// handshake, the data and both FINs cross the wrap.
TEST(Rfc9293SequenceNumbers, TransferAcrossTheWrapBothWays) {
  for (const std::uint32_t isn : {0xffff'ffffu, 0xffff'f000u, 0xfff0'0000u, 0x7fff'ff00u}) {
    TcpConfig c = fast_config();
    c.fixed_isn_for_tests = isn;
    Link link(c, c);
    link.drop = [](std::uint64_t n, const Bytes&) { return n % 31 == 0; };
    const auto st = bulk_both_ways(link, 3 << 20);
    EXPECT_EQ(st.a_received, 3u << 20) << isn;
    EXPECT_EQ(st.b_received, 3u << 20) << isn;
    EXPECT_TRUE(st.closed) << isn;
  }
}

// The same lossy transfer must behave identically whatever the ISNs are: any comparison
// that is not modulo 2^32 (or a field left at 0 in another sequence space) shows up as a
// different run once the ISN is 2^31 away.
TEST(Rfc9293SequenceNumbers, LossyTransferIsTheSameForEveryIsn) {
  std::vector<std::uint64_t> fingerprints;
  for (const std::uint32_t isn : {1'000'000u, 0x7fff'fe00u, 0xf000'0000u, 0xffff'ffffu}) {
    TcpConfig c = fast_config();
    c.fixed_isn_for_tests = isn;
    Link link(c, c);
    link.drop = [](std::uint64_t n, const Bytes&) { return n % 50 == 0; };
    const auto st = bulk_both_ways(link, 2 << 20);
    EXPECT_EQ(st.a_received, 2u << 20) << isn;
    EXPECT_EQ(st.b_received, 2u << 20) << isn;
    fingerprints.push_back(static_cast<std::uint64_t>(st.elapsed.count()) ^ (st.a_info.segments_retransmitted << 20) ^
                           (st.b_info.segments_retransmitted << 40) ^ link.packets);
  }
  for (const auto f : fingerprints) EXPECT_EQ(f, fingerprints[0]);
}

TEST(TcpTransfer, Ipv6WithoutOptions) {
  TcpConfig c = fast_config();
  c.window_scaling = false;
  c.timestamps = false;
  c.sack = false;
  Link link(c, c, 1ms, true);
  link.drop = [](std::uint64_t n, const Bytes&) { return n % 40 == 0; };
  const auto st = bulk_both_ways(link, 1 << 20);
  EXPECT_EQ(st.a_received, 1u << 20);
  EXPECT_EQ(st.b_received, 1u << 20);
  EXPECT_TRUE(st.closed);
  EXPECT_EQ(st.a_info.snd_mss, 1440u);  // 1500 - 40 - 20
  EXPECT_FALSE(st.a_info.timestamps);
  EXPECT_EQ(st.a_info.rcv_wscale, 0u);
}

// --- listeners, SYN cookies, hostile input -------------------------------------------------------

TcpRepr syn_from(std::uint16_t port, std::uint32_t isn, bool timestamps = true) {
  TcpRepr r;
  r.source_port = port;
  r.destination_port = kServerPort;
  r.seq_number = isn;
  r.flags = tcp_flags::syn;
  r.window = 65535;
  r.mss = 1460;
  if (timestamps) {
    r.window_scale = 9;
    r.sack_permitted = true;
    r.timestamps = TcpTimestamps{777, 0};
  }
  return r;
}

TEST(Rfc4987SynCookies, FloodBeyondTheBacklogIsAnsweredStatelesslyAndCookiesComplete) {
  Harness h;
  auto l = h.tcp().listen(kServerPort, 4);
  ASSERT_TRUE(l);
  for (std::uint16_t i = 0; i < 1000; ++i) h.deliver(syn_from(static_cast<std::uint16_t>(20000 + i), 1000u * i));
  const auto out = h.sent();
  EXPECT_EQ(out.size(), 1000u);  // every SYN answered...
  EXPECT_EQ(h.tcp().connection_count(), 4u);  // ...but only the backlog holds state
  EXPECT_EQ(h.tcp().counters().syn_cookies_sent, 996u);
  // The last one completes from its cookie alone, options intact (they rode in TSval).
  const Segment& cookie = out.back();
  TcpRepr ack;
  ack.source_port = cookie.tcp.destination_port;
  ack.destination_port = kServerPort;
  ack.seq_number = cookie.tcp.ack_number;
  ack.ack_number = cookie.tcp.seq_number + 1;
  ack.flags = tcp_flags::ack;
  ack.window = 1000;
  ack.timestamps = TcpTimestamps{778, cookie.tcp.timestamps->value};
  h.deliver(ack, Bytes(20, 6));
  EXPECT_EQ(h.tcp().counters().syn_cookies_accepted, 1u);
  auto s = h.tcp().accept(*l);
  ASSERT_TRUE(s);
  const auto info = h.tcp().info(*s);
  EXPECT_EQ(info->state, State::established);
  EXPECT_EQ(info->snd_wscale, 9u);
  EXPECT_TRUE(info->sack);
  Bytes buffer(100);
  EXPECT_EQ(*h.tcp().receive(*s, buffer, h.now), 20u);
  // A forged ACK (wrong cookie) is answered with a RST and makes no state.
  ack.source_port = 20500;  // a cookie was sent to it, but not this one
  ack.ack_number = 12345;
  h.sent();
  h.deliver(ack);
  const auto rst = h.sent();
  ASSERT_EQ(rst.size(), 1u);
  EXPECT_EQ(rst[0].tcp.flags, tcp_flags::rst);
  EXPECT_EQ(h.tcp().counters().syn_cookies_rejected, 1u);
}

TEST(Rfc4987SynCookies, WithoutCookiesAFullBacklogDropsSyns) {
  TcpConfig c;
  c.syn_cookies = false;
  Harness h(c);
  ASSERT_TRUE(h.tcp().listen(kServerPort, 2));
  for (std::uint16_t i = 0; i < 10; ++i) h.deliver(syn_from(static_cast<std::uint16_t>(20000 + i), i));
  EXPECT_EQ(h.sent().size(), 2u);
  EXPECT_EQ(h.tcp().counters().syn_backlog_full, 8u);
}

TEST(Rfc9293HostileInput, MalformedSegmentsAreCountedAndServiceGoesOn) {
  Harness h;
  auto l = h.tcp().listen(kServerPort);
  ASSERT_TRUE(l);
  const Bytes good = tcp_packet(kRemote, kLocal, syn_from(30000, 1));
  struct Case {
    const char* name;
    Bytes packet;
  };
  std::vector<Case> cases;
  Bytes b = good;
  b[20 + 16] ^= 0x55;  // TCP checksum
  cases.push_back({"bad checksum", b});
  b = good;
  b[20 + 12] = 0x40;  // data offset 4 words
  cases.push_back({"data offset < 5", b});
  // An option whose length runs past the header (checksum fixed up so only the option is bad).
  {
    TcpRepr r = syn_from(30000, 1, false);
    Bytes seg(24);
    r.unknown_count = 0;
    r.emit(seg, kRemote, kLocal);
    seg[12] = 0x60;
    seg[20] = 2, seg[21] = 9, seg[22] = 0, seg[23] = 0;  // MSS with length 9
    store_be16(seg, 16, 0);
    const std::uint16_t sum = checksum_finish(checksum_sum(seg, pseudo_header_sum(kRemote, kLocal, 6, 24)));
    store_be16(seg, 16, sum);
    cases.push_back({"option length past the header", ipv4(kRemote, kLocal, IpProtocol::tcp, seg)});
  }
  cases.push_back({"truncated header", Bytes(good.begin(), good.begin() + 20 + 12)});
  {
    TcpRepr r = syn_from(30000, 1);
    r.flags = tcp_flags::syn | tcp_flags::rst;
    cases.push_back({"SYN+RST", tcp_packet(kRemote, kLocal, r)});
  }
  {
    TcpRepr r = syn_from(0, 1);
    cases.push_back({"source port 0", tcp_packet(kRemote, kLocal, r)});
  }
  for (const auto& c : cases) {
    h.deliver_raw(c.packet);
    EXPECT_TRUE(h.sent().empty()) << c.name;
  }
  EXPECT_EQ(h.tcp().counters().bad_checksum, 1u);
  EXPECT_EQ(h.tcp().counters().malformed + h.host().counters().total_drops(), cases.size() - 1);
  EXPECT_EQ(h.tcp().connection_count(), 0u);
  h.deliver_raw(good);
  EXPECT_EQ(h.sent().size(), 1u);
}

TEST(Rfc9293HostileInput, RstFloodWithGuessedSequenceNumbersCannotKillAConnection) {
  Harness h;
  auto l = h.tcp().listen(kServerPort);
  PeerSyn syn;
  const Socket s = open_passive(h, *l, syn);
  for (std::uint32_t guess = 0; guess < 4000; ++guess) {
    TcpRepr rst = h.from_peer(tcp_flags::rst, guess * 1'000'003u);
    if (guess * 1'000'003u == syn.isn + 1) continue;
    h.deliver(rst);
  }
  EXPECT_EQ(h.tcp().status(s).state, State::established);
  EXPECT_LE(h.tcp().counters().challenge_acks, 1000u);
}

// --- handles, events, ports -----------------------------------------------------------------------

TEST(TcpHandles, StaleHandleIsDetectedAfterClose) {
  Harness h;
  auto l = h.tcp().listen(kServerPort);
  const Socket s = open_passive(h, *l, PeerSyn{});
  h.tcp().abort(s, h.now);
  EXPECT_FALSE(h.tcp().send(s, Bytes(1), h.now));
  EXPECT_EQ(h.tcp().status(s).error, std::make_error_code(std::errc::bad_file_descriptor));
  // The slot is reused with a new generation: the old handle stays stale.
  PeerSyn again;
  again.isn = 99999;
  h.sent();
  const Socket s2 = open_passive(h, *l, again);
  EXPECT_EQ(s2.index, s.index);
  EXPECT_NE(s2.generation, s.generation);
  EXPECT_FALSE(h.tcp().info(s).has_value());
  EXPECT_TRUE(h.tcp().info(s2).has_value());
  EXPECT_FALSE(h.tcp().listen(kServerPort).has_value());  // address in use
}

TEST(TcpEvents, DataRaisesOneEdgeTriggeredEventPerBatch) {
  Harness h;
  auto l = h.tcp().listen(kServerPort);
  PeerSyn p;
  Segment syn_ack;
  const Socket s = open_passive(h, *l, p, &syn_ack);
  h.tcp().take_events();
  for (std::uint32_t i = 0; i < 3; ++i)
    h.deliver(h.from_peer(tcp_flags::ack, p.isn + 1 + 10 * i, syn_ack.tcp.seq_number + 1), Bytes(10, 1));
  std::size_t events = 0;
  for (const auto& e : h.tcp().take_events())
    if (e.kind == TcpEvent::Kind::socket && e.socket == s) ++events;
  EXPECT_EQ(events, 1u);
  EXPECT_TRUE(h.tcp().status(s).readable);
  Bytes buffer(100);
  EXPECT_EQ(*h.tcp().receive(s, buffer, h.now), 30u);
  EXPECT_FALSE(h.tcp().status(s).readable);
  EXPECT_TRUE(h.tcp().take_events().empty());
}

TEST(TcpPorts, EphemeralPortsAreDistinctPerDestination) {
  Harness h;
  std::set<std::uint16_t> ports;
  for (int i = 0; i < 200; ++i) {
    auto s = h.tcp().connect({kRemote, 80}, h.now);
    ASSERT_TRUE(s);
    ports.insert(h.tcp().info(*s)->local.port);
    EXPECT_GE(h.tcp().info(*s)->local.port, 49152);
  }
  EXPECT_EQ(ports.size(), 200u);
  EXPECT_EQ(h.tcp().connection_count(), 200u);
}

TEST(TcpLimits, ConnectionLimitRefusesMore) {
  TcpConfig c;
  c.max_connections = 3;
  Harness h(c);
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(h.tcp().connect({kRemote, 80}, h.now));
  EXPECT_FALSE(h.tcp().connect({kRemote, 80}, h.now));
  EXPECT_EQ(h.tcp().counters().connections_refused_limit, 1u);
}

// The memory figure: idle established connections hold no buffers.
TEST(TcpMemory, IdleEstablishedConnectionsAreSmall) {
  Link link(fast_config(), fast_config());
  auto l = link.b().listen(5001, 20000);
  ASSERT_TRUE(l);
  constexpr int kConnections = 5000;
  std::vector<Socket> clients;
  for (int i = 0; i < kConnections; ++i) clients.push_back(*link.a().connect({link.b_address(), 5001}, link.now));
  for (int i = 0; i < 20; ++i) link.step();
  std::vector<Socket> servers;
  while (auto s = link.b().accept(*l)) servers.push_back(*s);
  ASSERT_EQ(servers.size(), static_cast<std::size_t>(kConnections));
  const std::size_t per_connection = link.b().memory() / kConnections;
  std::printf("idle established: %zu bytes per connection (sizeof Connection %zu)\n", per_connection,
              sizeof(Connection));
  EXPECT_LT(per_connection, 2048u);
  EXPECT_EQ(link.b().info(servers[0])->memory, sizeof(Connection) + 128);  // no buffers, + congestion state
}

// Buffer storage is kept while a connection is busy (reallocating it for every burst showed
// up as page faults in a profile) and given back once it has been quiet for kBufferHold.
TEST(TcpMemory, BuffersAreKeptWhileBusyAndReturnedOnceQuiet) {
  Link link(fast_config(), fast_config());
  auto l = link.b().listen(5001);
  ASSERT_TRUE(l);
  auto a = link.a().connect({link.b_address(), 5001}, link.now);
  ASSERT_TRUE(a);
  std::optional<Socket> b;
  const Bytes data = pattern(300'000);
  std::size_t sent = 0, received = 0;
  Bytes buffer(65536);
  for (int i = 0; i < 100000 && received < data.size(); ++i) {
    if (!b) b = link.b().accept(*l);
    if (sent < data.size()) sent += *link.a().send(*a, ByteSpan(data).subspan(sent), link.now);
    if (b) {
      while (auto n = link.b().receive(*b, buffer, link.now)) {
        if (*n == 0) break;
        received += *n;
      }
    }
    ASSERT_TRUE(link.step());
  }
  ASSERT_EQ(received, data.size());
  for (int i = 0; i < 20; ++i) link.step(1ms);  // the last ACKs: both buffers empty now
  const std::size_t bare = sizeof(Connection) + 128;
  EXPECT_GT(link.a().info(*a)->memory, bare) << "the emptied send buffer is kept while busy";
  EXPECT_GT(link.b().info(*b)->memory, bare) << "the emptied receive buffer is kept while busy";
  const Instant quiet = link.now + kBufferHold + 100ms;
  while (link.now < quiet && link.step(50ms)) {
  }
  EXPECT_EQ(link.a().info(*a)->memory, bare);
  EXPECT_EQ(link.b().info(*b)->memory, bare);
  EXPECT_FALSE(link.a().poll_at() && link.b().poll_at()) << "no timer left once both are idle";
}

}  // namespace
}  // namespace tunkit::stack::tcp
