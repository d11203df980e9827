// One connection against a crafted peer, rule by rule: real IPv4+TCP packets through the
// Interface, a virtual clock, and the segments the host sends parsed back.
#include "tunkit/stack/tcp/connection.hpp"

#include <gtest/gtest.h>

#include "tunkit/stack/tcp/tcp_test_support_test.hpp"

namespace tunkit::stack::tcp {
namespace {

using namespace testing;

constexpr std::uint8_t kAck = tcp_flags::ack;
constexpr std::uint8_t kSyn = tcp_flags::syn;
constexpr std::uint8_t kFin = tcp_flags::fin;
constexpr std::uint8_t kRst = tcp_flags::rst;
constexpr std::uint8_t kPsh = tcp_flags::psh;

// --- §3.10.7.2 LISTEN and the handshake -------------------------------------------------------

TEST(Rfc9293SegmentArrives, ListenAnswersSynWithSynAckCarryingTheOptions) {
  Harness h;
  ASSERT_TRUE(h.tcp().listen(kServerPort));
  TcpRepr syn = h.from_peer(kSyn, 1000, 0, 65535);
  syn.mss = 1400;
  syn.window_scale = 7;
  syn.sack_permitted = true;
  syn.timestamps = TcpTimestamps{5000, 0};
  h.deliver(syn);
  const auto out = h.sent();
  ASSERT_EQ(out.size(), 1u);
  const Segment& s = out[0];
  EXPECT_TRUE(s.checksum_ok);
  EXPECT_EQ(s.tcp.flags, kSyn | kAck);
  EXPECT_EQ(s.tcp.ack_number, 1001u);
  EXPECT_EQ(s.tcp.mss, 1460);  // MTU 1500 - 40 (RFC 9293 §3.7.1)
  EXPECT_EQ(s.tcp.window_scale, window_scale_for(TcpConfig{}.max_receive_buffer));
  EXPECT_TRUE(s.tcp.sack_permitted);
  ASSERT_TRUE(s.tcp.timestamps);
  EXPECT_EQ(s.tcp.timestamps->echo_reply, 5000u);
  EXPECT_EQ(s.tcp.window, 65535);  // a SYN's window is never scaled (RFC 7323 §2.2)
  EXPECT_EQ(h.tcp().connection_count(), 1u);
}

TEST(Rfc9293SegmentArrives, SynAckOffersOnlyWhatTheSynOffered) {
  Harness h;
  ASSERT_TRUE(h.tcp().listen(kServerPort));
  h.deliver(h.from_peer(kSyn, 1000));
  const auto out = h.sent();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_FALSE(out[0].tcp.window_scale);
  EXPECT_FALSE(out[0].tcp.sack_permitted);
  EXPECT_FALSE(out[0].tcp.timestamps);
  EXPECT_EQ(out[0].tcp.mss, 1460);
}

TEST(Rfc9293SegmentArrives, ThirdAckEstablishesAndRaisesAListenerEvent) {
  Harness h;
  const Peer p = establish(h);
  EXPECT_EQ(h.tcp().status(p.socket).state, State::established);
  EXPECT_TRUE(h.tcp().status(p.socket).writable);
  bool listener_event = false;
  for (const auto& e : h.tcp().take_events())
    if (e.kind == TcpEvent::Kind::listener && e.listener == p.listener) listener_event = true;
  EXPECT_TRUE(listener_event);
  const auto info = h.tcp().info(p.socket);
  ASSERT_TRUE(info);
  EXPECT_TRUE(info->sack);
  EXPECT_TRUE(info->timestamps);
  EXPECT_EQ(info->snd_mss, 1448u);  // 1460 - 12 bytes of timestamp option
  ASSERT_TRUE(info->srtt);
  EXPECT_EQ(*info->srtt, 100ms);  // the SYN-ACK was timed (RFC 6298 §2.2)
}

TEST(Rfc9293SegmentArrives, RstInSynReceivedReturnsToListen) {
  Harness h;
  ASSERT_TRUE(h.tcp().listen(kServerPort));
  h.deliver(h.from_peer(kSyn, 1000));
  ASSERT_EQ(h.sent().size(), 1u);
  h.deliver(h.from_peer(kRst, 1001));
  EXPECT_EQ(h.tcp().connection_count(), 0u);
  h.deliver(h.from_peer(kSyn, 5000));  // the listener still answers
  const auto out = h.sent();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].tcp.ack_number, 5001u);
}

TEST(Rfc9293SegmentArrives, AckToListenerIsAnsweredWithReset) {
  TcpConfig c;
  c.syn_cookies = false;
  Harness h(c);
  ASSERT_TRUE(h.tcp().listen(kServerPort));
  h.deliver(h.from_peer(kAck, 1000, 777));
  const auto out = h.sent();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].tcp.flags, kRst);
  EXPECT_EQ(out[0].tcp.seq_number, 777u);  // <SEQ=SEG.ACK><CTL=RST>
  h.deliver(h.from_peer(kRst, 1000));      // "An incoming RST should be ignored"
  EXPECT_TRUE(h.sent().empty());
}

TEST(Rfc9293SegmentArrives, ClosedPortAnswersPerSection3_10_7_1) {
  Harness h;
  h.deliver(h.from_peer(kSyn, 1000, 0, 65535, 9999), Bytes(10, 1));
  auto out = h.sent();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].tcp.flags, kRst | kAck);  // <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK>
  EXPECT_EQ(out[0].tcp.seq_number, 0u);
  EXPECT_EQ(out[0].tcp.ack_number, 1000u + 10 + 1);
  h.deliver(h.from_peer(kAck, 1000, 4242, 65535, 9999));
  out = h.sent();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].tcp.flags, kRst);
  EXPECT_EQ(out[0].tcp.seq_number, 4242u);
  h.deliver(h.from_peer(kRst, 1000, 0, 65535, 9999));  // never a RST for a RST
  EXPECT_TRUE(h.sent().empty());
  EXPECT_EQ(h.tcp().counters().no_socket, 3u);
}

// --- §3.10.7.3 SYN-SENT -----------------------------------------------------------------------

struct Active {
  Socket socket;
  std::uint32_t iss = 0;
  std::uint16_t port = 0;
};

Active connect_out(Harness& h) {
  auto s = h.tcp().connect({kRemote, kServerPort}, h.now);
  EXPECT_TRUE(s);
  const auto out = h.sent();
  EXPECT_EQ(out.size(), 1u);
  EXPECT_EQ(out.at(0).tcp.flags, kSyn);
  return {*s, out[0].tcp.seq_number, out[0].tcp.source_port};
}

TcpRepr to_active(const Active& a, std::uint8_t flags, std::uint32_t seq, std::uint32_t ack) {
  TcpRepr r;
  r.source_port = kServerPort;
  r.destination_port = a.port;
  r.flags = flags;
  r.seq_number = seq;
  r.ack_number = ack;
  r.window = 65535;
  return r;
}

TEST(Rfc9293SegmentArrives, SynSentCompletesOnSynAckAndSendsQueuedData) {
  Harness h;
  const Active a = connect_out(h);
  EXPECT_EQ(h.tcp().status(a.socket).state, State::syn_sent);
  EXPECT_EQ(*h.tcp().send(a.socket, Bytes(100, 7), h.now), 100u);  // queued until ESTABLISHED
  EXPECT_TRUE(h.sent().empty());
  TcpRepr syn_ack = to_active(a, kSyn | kAck, 9000, a.iss + 1);
  syn_ack.mss = 1000;
  h.deliver(syn_ack);
  EXPECT_EQ(h.tcp().status(a.socket).state, State::established);
  const auto out = h.sent();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].tcp.ack_number, 9001u);
  EXPECT_EQ(out[0].tcp.seq_number, a.iss + 1);
  EXPECT_EQ(out[0].payload.size(), 100u);
  EXPECT_EQ(h.tcp().info(a.socket)->snd_mss, 1000u);
}

TEST(Rfc9293SegmentArrives, SynSentUnacceptableAckIsReset) {
  Harness h;
  const Active a = connect_out(h);
  h.deliver(to_active(a, kSyn | kAck, 9000, a.iss + 7));
  const auto out = h.sent();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].tcp.flags, kRst);
  EXPECT_EQ(out[0].tcp.seq_number, a.iss + 7);
  EXPECT_EQ(h.tcp().status(a.socket).state, State::syn_sent);
}

TEST(Rfc9293SegmentArrives, SynSentRstWithAcceptableAckRefuses) {
  Harness h;
  const Active a = connect_out(h);
  h.deliver(to_active(a, kRst, 0, 0));  // no ACK: dropped (RFC 5961 §3.2 for SYN-SENT)
  EXPECT_EQ(h.tcp().status(a.socket).state, State::syn_sent);
  h.deliver(to_active(a, kRst | kAck, 0, a.iss + 1));
  const auto st = h.tcp().status(a.socket);
  EXPECT_EQ(st.state, State::closed);
  ASSERT_TRUE(st.error);
  EXPECT_EQ(*st.error, std::make_error_code(std::errc::connection_refused));
  EXPECT_FALSE(h.tcp().send(a.socket, Bytes(1), h.now));
}

TEST(Rfc9293SegmentArrives, SimultaneousOpenGoesThroughSynReceived) {
  Harness h;
  const Active a = connect_out(h);
  h.deliver(to_active(a, kSyn, 7000, 0));  // the peer's own SYN crosses ours
  auto out = h.sent();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].tcp.flags, kSyn | kAck);
  EXPECT_EQ(out[0].tcp.seq_number, a.iss);
  EXPECT_EQ(out[0].tcp.ack_number, 7001u);
  EXPECT_EQ(h.tcp().status(a.socket).state, State::syn_received);
  h.deliver(to_active(a, kSyn | kAck, 7000, a.iss + 1));  // its SYN-ACK: our SYN acked
  EXPECT_EQ(h.tcp().status(a.socket).state, State::syn_received);  // a SYN in SYN-RECEIVED (active): challenge ACK
  h.deliver(to_active(a, kAck, 7001, a.iss + 1));
  EXPECT_EQ(h.tcp().status(a.socket).state, State::established);
}

TEST(Rfc6298SynRetries, SynIsRetransmittedWithBackoffThenConnectTimesOut) {
  TcpConfig c;
  c.syn_retries = 2;
  Harness h(c);
  const Active a = connect_out(h);
  const Instant start = h.now;
  std::vector<Duration> at;
  for (int i = 0; i < 20 && h.tcp().status(a.socket).state == State::syn_sent; ++i) {
    h.advance(500ms);
    for (const auto& s : h.sent()) {
      EXPECT_EQ(s.tcp.flags, kSyn);
      EXPECT_EQ(s.tcp.seq_number, a.iss);
      at.push_back(h.now - start);
    }
  }
  EXPECT_EQ(at, (std::vector<Duration>{1s, 3s}));  // 1 s, then doubled (RFC 6298 §5.5)
  const auto st = h.tcp().status(a.socket);
  EXPECT_EQ(st.state, State::closed);
  ASSERT_TRUE(st.error);
  EXPECT_EQ(*st.error, std::make_error_code(std::errc::timed_out));
  EXPECT_FALSE(h.tcp().poll_at().has_value() && *h.tcp().poll_at() < h.now);
}

// --- data, ACKs ----------------------------------------------------------------------------

TEST(Rfc5681DelayedAck, OneSegmentWaitsForTheTimerTwoFullSegmentsAreAckedAtOnce) {
  Harness h;
  Peer p = establish(h);
  h.deliver(h.from_peer(kAck | kPsh, p.snd, p.rcv), Bytes(100, 1));
  EXPECT_TRUE(h.sent().empty());
  h.advance(39ms);
  EXPECT_TRUE(h.sent().empty());
  h.advance(1ms);  // RFC 9293 §3.8.6.3: the delay is bounded (40 ms here)
  auto out = h.sent();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].tcp.ack_number, p.snd + 100);
  p.snd += 100;
  Bytes buffer(200);
  EXPECT_EQ(*h.tcp().receive(p.socket, buffer, h.now), 100u);
  h.deliver(h.from_peer(kAck, p.snd, p.rcv), Bytes(1448, 2));
  EXPECT_TRUE(h.sent().empty());
  h.deliver(h.from_peer(kAck, p.snd + 1448, p.rcv), Bytes(1448, 3));
  out = h.sent();
  ASSERT_EQ(out.size(), 1u);  // every second full-sized segment (RFC 5681 §4.2)
  EXPECT_EQ(out[0].tcp.ack_number, p.snd + 2896);
}

TEST(Rfc5681DelayedAck, OutOfOrderSegmentIsAckedAtOnceWithASackBlock) {
  Harness h;
  Peer p = establish(h);
  h.deliver(h.from_peer(kAck, p.snd + 1000, p.rcv), Bytes(500, 1));
  auto out = h.sent();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].tcp.ack_number, p.snd);
  ASSERT_EQ(out[0].tcp.sack_count, 1u);  // RFC 2018 §4
  EXPECT_EQ(out[0].tcp.sack_blocks[0], (SackBlock{p.snd + 1000, p.snd + 1500}));
  // The hole is filled: ACK at once, everything readable, no SACK left.
  h.deliver(h.from_peer(kAck, p.snd, p.rcv), Bytes(1000, 2));
  out = h.sent();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].tcp.ack_number, p.snd + 1500);
  EXPECT_EQ(out[0].tcp.sack_count, 0u);
  Bytes buffer(4000);
  EXPECT_EQ(*h.tcp().receive(p.socket, buffer, h.now), 1500u);
  EXPECT_EQ(buffer[999], 2);
  EXPECT_EQ(buffer[1000], 1);
}

TEST(Rfc9293SegmentArrives, OutOfWindowSegmentIsAckedAndDropped) {
  Harness h;
  Peer p = establish(h);
  h.deliver(h.from_peer(kAck, p.snd + 10'000'000, p.rcv), Bytes(100, 1));
  auto out = h.sent();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].tcp.flags, kAck);
  EXPECT_EQ(out[0].tcp.ack_number, p.snd);
  EXPECT_EQ(h.tcp().counters().out_of_window, 1u);
  // An old duplicate is acknowledged too, and not delivered twice.
  h.deliver(h.from_peer(kAck, p.snd, p.rcv), Bytes(10, 1));
  h.sent();
  h.deliver(h.from_peer(kAck, p.snd, p.rcv), Bytes(10, 1));
  out = h.sent();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].tcp.ack_number, p.snd + 10);
  Bytes buffer(100);
  EXPECT_EQ(*h.tcp().receive(p.socket, buffer, h.now), 10u);
}

TEST(Rfc9293SendWindow, SenderStaysWithinTheScaledWindow) {
  Harness h;
  Peer p = establish(h);  // the peer's window scale is 7
  h.deliver(ack_from(h, p, p.rcv, 100));  // 100 << 7 = 12800 bytes
  EXPECT_EQ(*h.tcp().send(p.socket, Bytes(20000, 5), h.now), 20000u);
  const auto out = h.sent();
  const std::size_t sent = payload_bytes(out);
  EXPECT_LE(sent, 12800u);
  EXPECT_GE(sent, 12800u - 1448u);
  for (const auto& s : out) EXPECT_LE(s.payload.size(), 1448u);
}

TEST(Rfc9293Mss, WithoutTheOptionSegmentsAre536Bytes) {
  Harness h;
  PeerSyn syn = plain();
  syn.mss.reset();
  Peer p = establish(h, syn);
  EXPECT_EQ(*h.tcp().send(p.socket, Bytes(3000, 5), h.now), 3000u);
  const auto out = h.sent();
  ASSERT_FALSE(out.empty());
  for (const auto& s : out) EXPECT_LE(s.payload.size(), 536u);
  EXPECT_EQ(out[0].payload.size(), 536u);
}

// --- Nagle ---------------------------------------------------------------------------------

TEST(Rfc1122Nagle, SmallSegmentWaitsWhileDataIsUnacknowledged) {
  Harness h;
  Peer p = establish(h, plain());
  EXPECT_EQ(*h.tcp().send(p.socket, Bytes(10, 1), h.now), 10u);
  EXPECT_EQ(h.sent().size(), 1u);  // nothing outstanding: goes at once
  EXPECT_EQ(*h.tcp().send(p.socket, Bytes(10, 2), h.now), 10u);
  EXPECT_EQ(*h.tcp().send(p.socket, Bytes(10, 3), h.now), 10u);
  EXPECT_TRUE(h.sent().empty());  // RFC 1122 §4.2.3.4: coalesced until the ACK
  h.deliver(ack_from(h, p, p.rcv + 10));
  const auto out = h.sent();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].payload.size(), 20u);
}

TEST(Rfc1122Nagle, NoDelaySendsEverySmallWrite) {
  Harness h;
  Peer p = establish(h, plain());
  h.tcp().set_nodelay(p.socket, true);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(*h.tcp().send(p.socket, Bytes(10, 1), h.now), 10u);
  EXPECT_EQ(h.sent().size(), 3u);
}

// --- closing -------------------------------------------------------------------------------

TEST(Rfc9293Close, ActiveCloseWaitsTwoMslInTimeWait) {
  TcpConfig c;
  c.time_wait = 5s;
  Harness h(c);
  Peer p = establish(h, plain());
  ASSERT_TRUE(h.tcp().shutdown(p.socket, h.now));
  auto out = h.sent();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].tcp.flags, kFin | kAck);
  EXPECT_EQ(h.tcp().status(p.socket).state, State::fin_wait_1);
  EXPECT_FALSE(h.tcp().send(p.socket, Bytes(1), h.now));  // SEND after CLOSE: "connection closing"
  h.deliver(ack_from(h, p, p.rcv + 1));
  EXPECT_EQ(h.tcp().status(p.socket).state, State::fin_wait_2);
  h.deliver(h.from_peer(kFin | kAck, p.snd, p.rcv + 1));
  out = h.sent();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].tcp.ack_number, p.snd + 1);
  EXPECT_EQ(h.tcp().status(p.socket).state, State::time_wait);
  EXPECT_TRUE(h.tcp().status(p.socket).eof);
  h.advance(4s);
  // A retransmitted FIN is acknowledged and restarts the 2MSL timer.
  h.deliver(h.from_peer(kFin | kAck, p.snd, p.rcv + 1));
  EXPECT_EQ(h.sent().size(), 1u);
  h.advance(4900ms);
  EXPECT_EQ(h.tcp().status(p.socket).state, State::time_wait);
  h.advance(100ms);
  EXPECT_EQ(h.tcp().status(p.socket).state, State::closed);
  EXPECT_EQ(h.tcp().connection_count(), 0u);
  h.tcp().close(p.socket, h.now);
}

TEST(Rfc9293Close, PassiveCloseGoesThroughCloseWaitAndLastAck) {
  Harness h;
  Peer p = establish(h, plain());
  h.deliver(h.from_peer(kFin | kAck, p.snd, p.rcv), Bytes(5, 9));
  auto out = h.sent();
  ASSERT_EQ(out.size(), 1u);  // a FIN is acknowledged at once
  EXPECT_EQ(out[0].tcp.ack_number, p.snd + 6);
  EXPECT_EQ(h.tcp().status(p.socket).state, State::close_wait);
  Bytes buffer(10);
  EXPECT_EQ(*h.tcp().receive(p.socket, buffer, h.now), 5u);
  EXPECT_EQ(*h.tcp().receive(p.socket, buffer, h.now), 0u);
  EXPECT_TRUE(h.tcp().status(p.socket).eof);
  // Half-closed: we can still send.
  EXPECT_EQ(*h.tcp().send(p.socket, Bytes(20, 1), h.now), 20u);
  EXPECT_EQ(h.sent().size(), 1u);
  ASSERT_TRUE(h.tcp().shutdown(p.socket, h.now));
  EXPECT_EQ(h.tcp().status(p.socket).state, State::last_ack);
  out = h.sent();
  ASSERT_EQ(out.size(), 1u);  // the FIN follows the queued data at once
  EXPECT_TRUE(out[0].has(kFin));
  EXPECT_EQ(out[0].tcp.seq_number, p.rcv + 20);
  h.deliver(ack_from(h, p, p.rcv + 20));
  EXPECT_EQ(h.tcp().status(p.socket).state, State::last_ack);
  h.deliver(h.from_peer(kAck, p.snd + 6, p.rcv + 21));
  EXPECT_EQ(h.tcp().status(p.socket).state, State::closed);
  EXPECT_FALSE(h.tcp().status(p.socket).error);
}

TEST(Rfc9293Close, SimultaneousCloseGoesThroughClosing) {
  Harness h;
  Peer p = establish(h, plain());
  ASSERT_TRUE(h.tcp().shutdown(p.socket, h.now));
  ASSERT_EQ(h.sent().size(), 1u);
  h.deliver(h.from_peer(kFin | kAck, p.snd, p.rcv));  // the peer's FIN, not acking ours
  EXPECT_EQ(h.tcp().status(p.socket).state, State::closing);
  EXPECT_EQ(h.sent().size(), 1u);
  h.deliver(h.from_peer(kAck, p.snd + 1, p.rcv + 1));
  EXPECT_EQ(h.tcp().status(p.socket).state, State::time_wait);
}

TEST(Rfc9293Close, HalfClosedSideKeepsReceiving) {
  Harness h;
  Peer p = establish(h, plain());
  ASSERT_TRUE(h.tcp().shutdown(p.socket, h.now));
  h.sent();
  h.deliver(ack_from(h, p, p.rcv + 1));
  EXPECT_EQ(h.tcp().status(p.socket).state, State::fin_wait_2);
  h.deliver(h.from_peer(kAck, p.snd, p.rcv + 1), Bytes(300, 4));
  Bytes buffer(1000);
  EXPECT_EQ(*h.tcp().receive(p.socket, buffer, h.now), 300u);
}

TEST(Rfc1122CloseWithUnreadData, SendsResetInsteadOfFin) {
  Harness h;
  Peer p = establish(h, plain());
  h.deliver(h.from_peer(kAck, p.snd, p.rcv), Bytes(50, 4));
  h.sent();
  h.tcp().close(p.socket, h.now);  // RFC 1122 §4.2.2.13
  const auto out = h.sent();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].tcp.flags, kRst);
  EXPECT_EQ(out[0].tcp.seq_number, p.rcv);
  EXPECT_EQ(h.tcp().connection_count(), 0u);
}

TEST(Rfc9293Abort, SendsResetWithSndNxtAndReleasesTheHandle) {
  Harness h;
  Peer p = establish(h, plain());
  h.tcp().abort(p.socket, h.now);
  const auto out = h.sent();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].tcp.flags, kRst);
  EXPECT_EQ(out[0].tcp.seq_number, p.rcv);
  EXPECT_EQ(h.tcp().connection_count(), 0u);
  EXPECT_EQ(h.tcp().status(p.socket).error, std::make_error_code(std::errc::bad_file_descriptor));
}

TEST(Rfc9293Close, OrphanedConnectionFinishesOnItsOwn) {
  TcpConfig c;
  c.time_wait = 1s;
  Harness h(c);
  Peer p = establish(h, plain());
  EXPECT_EQ(*h.tcp().send(p.socket, Bytes(100, 1), h.now), 100u);
  h.tcp().close(p.socket, h.now);
  auto out = h.sent();
  ASSERT_EQ(out.size(), 2u);  // the data, then the FIN
  h.deliver(ack_from(h, p, p.rcv + 101));
  h.deliver(h.from_peer(kFin | kAck, p.snd, p.rcv + 101));
  EXPECT_EQ(h.tcp().connection_count(), 1u);  // TIME-WAIT
  h.advance(1s);
  EXPECT_EQ(h.tcp().connection_count(), 0u);
}

// --- RFC 6298 retransmission timer -----------------------------------------------------------

TEST(Rfc6298, RetransmitsTheFirstSegmentAfterRtoAndBacksOff) {
  TcpConfig c;
  c.timestamps = false;
  Harness h(c);
  Peer p = establish(h, plain(), 100ms);  // SRTT 100 ms, RTTVAR 50 ms: RTO 300 ms (§2.2)
  EXPECT_EQ(h.tcp().info(p.socket)->rto, 300ms);
  EXPECT_EQ(*h.tcp().send(p.socket, Bytes(3000, 1), h.now), 3000u);
  EXPECT_EQ(h.sent().size(), 2u);  // two full segments; Nagle holds the last 80 bytes
  const Instant sent_at = h.now;
  std::vector<Duration> at;
  for (int i = 0; i < 40; ++i) {
    h.advance(50ms);
    for (const auto& s : h.sent()) {
      EXPECT_EQ(s.tcp.seq_number, p.rcv);  // §5.4: the earliest unacknowledged segment
      at.push_back(h.now - sent_at);
    }
  }
  EXPECT_EQ(at, (std::vector<Duration>{300ms, 900ms}));  // §5.5: doubled
  EXPECT_EQ(h.tcp().info(p.socket)->timeouts, 2u);
  // Karn (§3): the ACK for retransmitted data gives no RTT sample.
  h.deliver(ack_from(h, p, p.rcv + 1460));
  EXPECT_EQ(*h.tcp().info(p.socket)->srtt, 100ms);
}

TEST(Rfc6298, TimestampsGiveSamplesEvenForRetransmissions) {
  Harness h;
  Peer p = establish(h, PeerSyn{}, 100ms);
  EXPECT_EQ(*h.tcp().send(p.socket, Bytes(100, 1), h.now), 100u);
  auto out = h.sent();
  ASSERT_EQ(out.size(), 1u);
  h.advance(50ms);
  TcpRepr ack = ack_from(h, p, p.rcv + 100);
  ack.timestamps = TcpTimestamps{p.tsval, out[0].tcp.timestamps->value};  // RFC 7323 §4.1
  h.deliver(ack);
  const auto srtt = h.tcp().info(p.socket)->srtt;
  ASSERT_TRUE(srtt);
  EXPECT_LT(*srtt, 100ms);  // 7/8 * 100 + 1/8 * 50
}

TEST(Rfc9293R2, TooManyRetransmissionsResetTheConnection) {
  TcpConfig c;
  c.max_retransmissions = 3;
  Harness h(c);
  Peer p = establish(h, plain());
  EXPECT_EQ(*h.tcp().send(p.socket, Bytes(10, 1), h.now), 10u);
  h.advance(120s);
  const auto st = h.tcp().status(p.socket);
  EXPECT_EQ(st.state, State::closed);
  EXPECT_EQ(st.error, std::make_error_code(std::errc::timed_out));
  const auto out = h.sent();
  ASSERT_FALSE(out.empty());
  EXPECT_EQ(out.back().tcp.flags, kRst);
  EXPECT_EQ(out.size(), 1u + 3u + 1u);  // data, 3 retransmissions, RST
}

// --- RFC 5681 / 6582 / 6675 loss recovery -------------------------------------------------------

// Sends `n` full segments (536 bytes each: the peer gave no MSS) and returns them.
std::vector<Segment> send_segments(Harness& h, Peer& p, int n) {
  EXPECT_EQ(*h.tcp().send(p.socket, Bytes(536 * static_cast<std::size_t>(n), 1), h.now), 536u * n);
  auto out = h.sent();
  EXPECT_EQ(out.size(), static_cast<std::size_t>(n));
  return out;
}

TEST(Rfc5681FastRetransmit, ThirdDuplicateAckRetransmitsWithoutWaitingForTheTimer) {
  Harness h;
  PeerSyn syn = plain();
  syn.mss.reset();
  Peer p = establish(h, syn);
  send_segments(h, p, 8);
  h.deliver(ack_from(h, p, p.rcv + 536));  // the second segment is lost
  for (int i = 0; i < 2; ++i) {
    h.deliver(ack_from(h, p, p.rcv + 536));
    // RFC 3042: each of the first two duplicates may release a new segment (none queued here).
    for (const auto& s : h.sent()) EXPECT_NE(s.tcp.seq_number, p.rcv + 536);
  }
  h.deliver(ack_from(h, p, p.rcv + 536));
  const auto out = h.sent();
  ASSERT_GE(out.size(), 1u);
  EXPECT_EQ(out[0].tcp.seq_number, p.rcv + 536);
  EXPECT_EQ(out[0].payload.size(), 536u);
  const auto info = h.tcp().info(p.socket);
  EXPECT_EQ(info->fast_retransmits, 1u);
  EXPECT_EQ(info->timeouts, 0u);
  EXPECT_LT(info->ssthresh, 8u * 536u);  // RFC 5681 §3.2 step 2
}

TEST(Rfc6582NewReno, PartialAckRetransmitsTheNextHole) {
  Harness h;
  PeerSyn syn = plain();
  syn.mss.reset();
  Peer p = establish(h, syn);
  send_segments(h, p, 8);
  const std::uint32_t s1 = p.rcv + 536, s3 = p.rcv + 3 * 536;
  h.deliver(ack_from(h, p, s1));
  for (int i = 0; i < 3; ++i) h.deliver(ack_from(h, p, s1));
  auto out = h.sent();
  ASSERT_GE(out.size(), 1u);
  EXPECT_EQ(out[0].tcp.seq_number, s1);
  h.deliver(ack_from(h, p, s3));  // partial: segment 3 was lost too
  out = h.sent();
  ASSERT_GE(out.size(), 1u);
  EXPECT_EQ(out[0].tcp.seq_number, s3);  // RFC 6582 §3.2 step 5
  h.deliver(ack_from(h, p, p.rcv + 8 * 536));
  EXPECT_EQ(h.tcp().info(p.socket)->fast_retransmits, 1u);
  EXPECT_EQ(h.tcp().info(p.socket)->bytes_in_flight, 0u);
}

TEST(Rfc6675SackRecovery, EverySackedHoleIsRetransmittedBeforeTheTimer) {
  Harness h;
  PeerSyn syn = plain();
  syn.mss.reset();
  syn.sack = true;
  Peer p = establish(h, syn);
  EXPECT_TRUE(h.tcp().info(p.socket)->sack);
  send_segments(h, p, 10);
  const std::uint32_t base = p.rcv;
  auto seg = [&](int i) { return base + static_cast<std::uint32_t>(i) * 536; };
  // Segments 1 and 4 are lost; the peer SACKs what arrives after them.
  h.deliver(ack_from(h, p, seg(1)));
  const std::vector<std::vector<SackBlock>> acks = {
      {{seg(2), seg(3)}},
      {{seg(2), seg(4)}},
      {{seg(5), seg(6)}, {seg(2), seg(4)}},
      {{seg(5), seg(7)}, {seg(2), seg(4)}},
      {{seg(5), seg(8)}, {seg(2), seg(4)}},
  };
  std::vector<std::uint32_t> retransmitted;
  for (const auto& b : acks) {
    TcpRepr d = ack_from(h, p, seg(1));
    d.sack_count = b.size();
    for (std::size_t i = 0; i < b.size(); ++i) d.sack_blocks[i] = b[i];
    h.deliver(d);
    for (const auto& s : h.sent()) retransmitted.push_back(s.tcp.seq_number);
  }
  ASSERT_GE(retransmitted.size(), 2u);
  EXPECT_EQ(retransmitted[0], seg(1));
  EXPECT_NE(std::find(retransmitted.begin(), retransmitted.end(), seg(4)), retransmitted.end());
  EXPECT_EQ(h.tcp().info(p.socket)->timeouts, 0u);
  EXPECT_EQ(h.tcp().info(p.socket)->fast_retransmits, 1u);
}

// --- RFC 5961 -------------------------------------------------------------------------------

TEST(Rfc5961Rst, ExactSequenceResets) {
  Harness h;
  Peer p = establish(h, plain());
  h.deliver(h.from_peer(kRst, p.snd));
  const auto st = h.tcp().status(p.socket);
  EXPECT_EQ(st.state, State::closed);
  EXPECT_EQ(st.error, std::make_error_code(std::errc::connection_reset));
  EXPECT_TRUE(st.readable);
  Bytes buffer(10);
  EXPECT_FALSE(h.tcp().receive(p.socket, buffer, h.now));
}

TEST(Rfc5961Rst, InWindowButNotExactGetsAChallengeAck) {
  Harness h;
  Peer p = establish(h, plain());
  h.deliver(h.from_peer(kRst, p.snd + 100));
  const auto out = h.sent();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].tcp.flags, kAck);
  EXPECT_EQ(out[0].tcp.seq_number, p.rcv);
  EXPECT_EQ(out[0].tcp.ack_number, p.snd);
  EXPECT_EQ(h.tcp().status(p.socket).state, State::established);
  EXPECT_EQ(h.tcp().counters().challenge_acks, 1u);
}

TEST(Rfc5961Rst, OutOfWindowIsDroppedSilently) {
  Harness h;
  Peer p = establish(h, plain());
  h.deliver(h.from_peer(kRst, p.snd + 1'000'000));
  h.deliver(h.from_peer(kRst, p.snd - 1));
  EXPECT_TRUE(h.sent().empty());
  EXPECT_EQ(h.tcp().status(p.socket).state, State::established);
}

TEST(Rfc5961Syn, SynInASynchronizedStateGetsAChallengeAck) {
  Harness h;
  Peer p = establish(h, plain());
  for (const std::uint32_t seq : {p.snd, p.snd + 5, p.snd - 100000}) {
    h.deliver(h.from_peer(kSyn, seq));
    const auto out = h.sent();
    ASSERT_EQ(out.size(), 1u) << seq;
    EXPECT_EQ(out[0].tcp.flags, kAck);
    EXPECT_EQ(out[0].tcp.ack_number, p.snd);
  }
  EXPECT_EQ(h.tcp().status(p.socket).state, State::established);
}

TEST(Rfc5961Ack, DataWithAnAckOfUnsentDataIsNotAccepted) {
  Harness h;
  Peer p = establish(h, plain());
  h.deliver(h.from_peer(kAck, p.snd, p.rcv + 5000), Bytes(100, 1));
  auto out = h.sent();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].tcp.ack_number, p.snd);  // nothing was taken
  Bytes buffer(200);
  EXPECT_EQ(*h.tcp().receive(p.socket, buffer, h.now), 0u);
  // An ACK far below SND.UNA - MAX.SND.WND is rejected the same way (§5.2).
  h.deliver(h.from_peer(kAck, p.snd, p.rcv - 0x4000'0000), Bytes(100, 1));
  out = h.sent();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(*h.tcp().receive(p.socket, buffer, h.now), 0u);
}

TEST(Rfc5961RateLimit, ChallengeAcksFollowTheBudget) {
  TcpConfig c;
  c.challenge_acks_per_second = 2;
  Harness h(c);
  Peer p = establish(h, plain());
  for (int i = 0; i < 5; ++i) h.deliver(h.from_peer(kRst, p.snd + 10 + static_cast<std::uint32_t>(i)));
  EXPECT_EQ(h.sent().size(), 2u);
  EXPECT_EQ(h.tcp().counters().challenge_acks, 2u);
  EXPECT_EQ(h.tcp().counters().challenge_acks_rate_limited, 3u);
  h.now += 1s;
  h.deliver(h.from_peer(kRst, p.snd + 10));
  EXPECT_EQ(h.sent().size(), 1u);
}

// --- RFC 7323 --------------------------------------------------------------------------------

TEST(Rfc7323WindowScale, ShiftAboveFourteenIsClampedToFourteen) {
  Harness h;
  PeerSyn syn;
  syn.window_scale = 20;
  Peer p = establish(h, syn);
  EXPECT_EQ(h.tcp().info(p.socket)->snd_wscale, 14u);
  EXPECT_EQ(h.tcp().status(p.socket).state, State::established);
}

TEST(Rfc7323Timestamps, AcksEchoTsRecent) {
  Harness h;
  Peer p = establish(h);
  TcpRepr d = h.from_peer(kAck, p.snd, p.rcv);
  d.timestamps = TcpTimestamps{6000, 0};
  h.deliver(d, Bytes(10, 1));
  h.advance(40ms);
  const auto out = h.sent();
  ASSERT_EQ(out.size(), 1u);
  ASSERT_TRUE(out[0].tcp.timestamps);
  EXPECT_EQ(out[0].tcp.timestamps->echo_reply, 6000u);
}

TEST(Rfc7323Paws, SegmentWithAnOlderTimestampIsAckedAndDropped) {
  Harness h;
  Peer p = establish(h);
  TcpRepr d = h.from_peer(kAck, p.snd, p.rcv);
  d.timestamps = TcpTimestamps{6000, 0};
  h.deliver(d, Bytes(10, 1));
  h.advance(40ms);
  h.sent();
  TcpRepr old = h.from_peer(kAck, p.snd + 10, p.rcv);
  old.timestamps = TcpTimestamps{5999, 0};  // §5.3 R1: older than TS.Recent
  h.deliver(old, Bytes(10, 2));
  const auto out = h.sent();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].tcp.ack_number, p.snd + 10);
  EXPECT_EQ(h.tcp().counters().paws_rejected, 1u);
  // A RST is never PAWS-checked (§5.3 R1) -- this one resets.
  TcpRepr rst = h.from_peer(kRst, p.snd + 10);
  rst.timestamps = TcpTimestamps{1, 0};
  h.deliver(rst);
  EXPECT_EQ(h.tcp().status(p.socket).state, State::closed);
}

TEST(Rfc7323Timestamps, TimestampWrapIsNotOld) {
  Harness h;
  PeerSyn syn;
  syn.tsval = 0xffff'fff0u;
  Peer p = establish(h, syn);
  TcpRepr d = h.from_peer(kAck, p.snd, p.rcv);
  d.timestamps = TcpTimestamps{5, 0};  // 2^32 + 5: newer
  h.deliver(d, Bytes(10, 1));
  Bytes buffer(20);
  EXPECT_EQ(*h.tcp().receive(p.socket, buffer, h.now), 10u);
  EXPECT_EQ(h.tcp().counters().paws_rejected, 0u);
}

// --- zero window, keepalive ---------------------------------------------------------------------

TEST(Rfc9293ZeroWindow, PersistTimerProbesUntilTheWindowOpens) {
  Harness h;
  Peer p = establish(h, plain(), 100ms);
  h.deliver(ack_from(h, p, p.rcv, 0));
  EXPECT_EQ(*h.tcp().send(p.socket, Bytes(1000, 1), h.now), 1000u);
  EXPECT_TRUE(h.sent().empty());
  std::vector<Segment> probes;
  for (int i = 0; i < 6; ++i) {
    h.advance(500ms);
    for (auto& s : h.sent()) {
      EXPECT_TRUE(s.payload.empty());
      EXPECT_EQ(s.tcp.seq_number, p.rcv - 1);  // outside the window: the peer must answer
      probes.push_back(s);
      h.deliver(ack_from(h, p, p.rcv, 0));  // still closed
    }
  }
  EXPECT_GE(probes.size(), 3u);
  EXPECT_LE(probes.size(), 5u);  // backed off
  EXPECT_EQ(h.tcp().status(p.socket).state, State::established);
  h.deliver(ack_from(h, p, p.rcv, 65535));
  EXPECT_EQ(payload_bytes(h.sent()), 1000u);
}

TEST(Rfc1122Keepalive, ProbesAfterIdleThenResetsWhenUnanswered) {
  Harness h;
  Peer p = establish(h, plain());
  h.tcp().set_keepalive(p.socket, KeepaliveOptions{true, 10s, 1s, 3});
  h.advance(9900ms);
  EXPECT_TRUE(h.sent().empty());
  h.advance(100ms);
  auto out = h.sent();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].tcp.seq_number, p.rcv - 1);  // RFC 1122 §4.2.3.6: SEG.SEQ = SND.NXT-1
  EXPECT_TRUE(out[0].payload.empty());
  // An answer restarts the idle period.
  h.deliver(ack_from(h, p, p.rcv));
  h.advance(9s);
  EXPECT_TRUE(h.sent().empty());
  h.advance(1s + 2s);
  out = h.sent();
  ASSERT_EQ(out.size(), 3u);  // three unanswered probes, one per interval
  h.advance(1s);
  out = h.sent();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].tcp.flags, kRst);
  EXPECT_EQ(h.tcp().status(p.socket).error, std::make_error_code(std::errc::timed_out));
}

// --- sequence wrap ---------------------------------------------------------------------------

TEST(Rfc9293SequenceNumbers, DataAndFinAcrossTheWrapWithCraftedSegments) {
  TcpConfig c;
  c.fixed_isn_for_tests = 0xffff'fff0u;
  Harness h(c);
  PeerSyn syn = plain();
  syn.isn = 0xffff'fffeu;  // the peer's data starts at 2^32 - 1
  Peer p = establish(h, syn);
  EXPECT_EQ(p.rcv, 0xffff'fff1u);
  h.deliver(h.from_peer(kAck, p.snd, p.rcv), Bytes(100, 1));
  h.deliver(h.from_peer(kAck | kFin, p.snd + 100, p.rcv), Bytes(50, 2));
  auto out = h.sent();
  ASSERT_FALSE(out.empty());
  EXPECT_EQ(out.back().tcp.ack_number, p.snd + 151);
  EXPECT_EQ(out.back().tcp.ack_number, 150u);  // 2^32 - 1 + 151, wrapped
  EXPECT_EQ(*h.tcp().send(p.socket, Bytes(100, 3), h.now), 100u);
  out = h.sent();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].tcp.seq_number, 0xffff'fff1u);
  h.deliver(h.from_peer(kAck, p.snd + 151, p.rcv + 100));  // 0x55, past the wrap
  EXPECT_EQ(h.tcp().info(p.socket)->bytes_in_flight, 0u);
  Bytes buffer(200);
  EXPECT_EQ(*h.tcp().receive(p.socket, buffer, h.now), 150u);
  EXPECT_TRUE(h.tcp().status(p.socket).eof);
}

}  // namespace
}  // namespace tunkit::stack::tcp
