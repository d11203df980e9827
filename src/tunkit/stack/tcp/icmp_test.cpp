// TCP's reaction to ICMP and ICMPv6 errors quoting its segments: path MTU discovery
// (RFC 1191, RFC 8201), validation against the connection's state (RFC 5927 §4.1), hard and
// soft errors (RFC 1122 §4.2.3.9, RFC 5461). Real ICMP messages quoting the bytes the host
// sent, through the Interface.
#include <gtest/gtest.h>

#include "tunkit/stack/tcp/connection.hpp"
#include "tunkit/stack/tcp/tcp_test_support_test.hpp"

namespace tunkit::stack::tcp {
namespace {

using namespace testing;

constexpr std::uint32_t kMss = 1448;  // 1500 - 40 - 12 (timestamps)
const IpAddress kRouter = ip("10.0.0.254");
const IpAddress kRouter6 = ip("fd00::fe");

// An ICMP error from `from` quoting the first `quote` bytes of `offending` (RFC 792: the
// IP header and at least 8 bytes; RFC 1812 §4.3.2.3 routers send more).
Bytes icmpv4_error(const IpAddress& from, std::uint8_t type, std::uint8_t code, std::uint16_t mtu,
                   const Bytes& offending, std::size_t quote = 28) {
  const std::size_t n = std::min(quote, offending.size());
  Bytes message(8 + n);
  std::copy_n(offending.begin(), n, message.begin() + 8);
  Icmpv4Repr{Icmpv4Type{type}, code, mtu, static_cast<std::uint16_t>(n)}.emit(message);
  return ipv4(from, kLocal, IpProtocol::icmp, message);
}

Bytes icmpv6_error(const IpAddress& from, const IpAddress& to, Icmpv6Type type, std::uint8_t code,
                   std::uint32_t rest, const Bytes& offending, std::size_t quote = 48) {
  const std::size_t n = std::min(quote, offending.size());
  Bytes message(8 + n);
  std::copy_n(offending.begin(), n, message.begin() + 8);
  Icmpv6Repr{type, code, rest, static_cast<std::uint16_t>(n)}.emit(message, from, to);
  return ipv6(from, to, IpProtocol::icmpv6, message);
}

Bytes raw_packet(Harness& h, std::size_t i = 0) {
  auto out = h.sent_with_vnet();
  EXPECT_GT(out.size(), i);
  return out.size() > i ? out[i].bytes : Bytes{};
}

constexpr std::uint8_t kUnreachable = 3, kFragmentationNeeded = 4;

// A connection with ten full segments in flight; `first` is the first one's bytes.
struct InFlight {
  Peer peer;
  Bytes first;
};
InFlight ten_segments_in_flight(Harness& h, PeerSyn syn = {}) {
  InFlight f;
  f.peer = establish(h, syn);
  EXPECT_EQ(*h.tcp().send(f.peer.socket, pattern(100'000), h.now), 100'000u);
  auto out = h.sent_with_vnet();
  EXPECT_FALSE(out.empty());
  if (!out.empty()) f.first = out[0].bytes;
  return f;
}

// --- path MTU ---------------------------------------------------------------------------------

TEST(Rfc1191PathMtu, TcpSegmentsLeaveWithDontFragment) {
  Harness h;
  InFlight f = ten_segments_in_flight(h);
  const auto ip = Ipv4View::parse(f.first);
  ASSERT_TRUE(ip);
  EXPECT_TRUE(ip->dont_fragment());  // §3: datagrams go out with DF set
}

TEST(Rfc1191PathMtu, FragmentationNeededLowersTheMssAndResendsWhatNoLongerFits) {
  Harness h;
  InFlight f = ten_segments_in_flight(h);
  const std::uint32_t cwnd = h.tcp().info(f.peer.socket)->cwnd;
  h.deliver_raw(icmpv4_error(kRouter, kUnreachable, kFragmentationNeeded, 1000, f.first));
  const auto info = *h.tcp().info(f.peer.socket);
  EXPECT_EQ(info.snd_mss, 1000u - 40 - 12);
  EXPECT_EQ(info.cwnd, cwnd);  // not a congestion signal
  EXPECT_EQ(h.tcp().counters().path_mtu_decreases, 1u);
  // §6.4: retransmitted at once (no RTO wait), from SND.UNA, in segments that fit.
  const auto out = h.sent_with_vnet();
  ASSERT_GE(out.size(), 10u);
  std::uint32_t seq = f.peer.rcv;
  for (const auto& t : out) {
    EXPECT_LE(t.bytes.size(), 1000u);
    const auto s = parse_packet(t.bytes);
    ASSERT_TRUE(s);
    EXPECT_EQ(s->tcp.seq_number, seq);
    EXPECT_LE(s->payload.size(), 948u);
    seq += static_cast<std::uint32_t>(s->payload.size());
  }
  EXPECT_GE(seq - f.peer.rcv, 10 * kMss);  // everything that was in flight went again
  EXPECT_EQ(info.timeouts, 0u);
}

// §5: a router that predates RFC 1191 reports 0; the host takes the plateau below the
// quoted datagram's length (§7 table: 1492 below 1500).
TEST(Rfc1191PathMtu, ZeroNextHopMtuUsesThePlateauBelowTheQuotedLength) {
  Harness h;
  InFlight f = ten_segments_in_flight(h);
  h.deliver_raw(icmpv4_error(kRouter, kUnreachable, kFragmentationNeeded, 0, f.first));
  EXPECT_EQ(h.tcp().info(f.peer.socket)->snd_mss, 1492u - 40 - 12);
}

TEST(Rfc1191PathMtu, IcmpNeverRaisesTheMss) {
  Harness h;
  InFlight f = ten_segments_in_flight(h);
  h.deliver_raw(icmpv4_error(kRouter, kUnreachable, kFragmentationNeeded, 1000, f.first));
  h.deliver_raw(icmpv4_error(kRouter, kUnreachable, kFragmentationNeeded, 1400, f.first));
  h.deliver_raw(icmpv4_error(kRouter, kUnreachable, kFragmentationNeeded, 9000, f.first));
  EXPECT_EQ(h.tcp().info(f.peer.socket)->snd_mss, 948u);
  EXPECT_EQ(h.tcp().counters().path_mtu_decreases, 1u);
  EXPECT_EQ(h.tcp().counters().icmp_errors, 3u);
}

// RFC 791: every host takes 68-byte datagrams, so no MTU below it is believed.
TEST(Rfc1191PathMtu, MssNeverFallsBelowWhatTheIpv4MinimumMtuCarries) {
  Harness h;
  InFlight f = ten_segments_in_flight(h);
  h.deliver_raw(icmpv4_error(kRouter, kUnreachable, kFragmentationNeeded, 20, f.first));
  EXPECT_EQ(h.tcp().info(f.peer.socket)->snd_mss, 68u - 40 - 12);
  for (const auto& t : h.sent_with_vnet()) EXPECT_LE(t.bytes.size(), 68u);
}

TEST(Rfc1191PathMtu, TsoSuperSegmentsAreCutToTheLowerMss) {
  Harness h({}, 1500, [](InterfaceConfig& c) { c.tso = true; });
  InFlight f = ten_segments_in_flight(h);
  h.deliver_raw(icmpv4_error(kRouter, kUnreachable, kFragmentationNeeded, 1000, f.first));
  const auto out = h.sent_with_vnet();
  ASSERT_FALSE(out.empty());
  EXPECT_EQ(out[0].vnet.gso_size, 948u);
  EXPECT_EQ(parse_packet(out[0].bytes)->tcp.seq_number, f.peer.rcv);
}

// RFC 8201 §4: packet too big lowers the path MTU, but "MUST NOT reduce its estimate of
// the Path MTU below the IPv6 minimum link MTU" (1280).
TEST(Rfc8201PacketTooBig, LowersTheIpv6MssButNeverBelowTheMinimumLinkMtu) {
  Harness h;
  h.remote = ip("fd00::1");
  h.local = ip("fd00::9");
  InFlight f = ten_segments_in_flight(h);
  ASSERT_TRUE(Ipv6View::parse(f.first));
  h.deliver_raw(icmpv6_error(kRouter6, h.local, Icmpv6Type::packet_too_big, 0, 1400, f.first));
  EXPECT_EQ(h.tcp().info(f.peer.socket)->snd_mss, 1400u - 60 - 12);
  const auto out = h.sent_with_vnet();
  ASSERT_FALSE(out.empty());
  for (const auto& t : out) EXPECT_LE(t.bytes.size(), 1400u);
  h.deliver_raw(icmpv6_error(kRouter6, h.local, Icmpv6Type::packet_too_big, 0, 600, f.first));
  EXPECT_EQ(h.tcp().info(f.peer.socket)->snd_mss, 1280u - 60 - 12);
  EXPECT_EQ(h.tcp().counters().path_mtu_decreases, 2u);
}

// --- validation ------------------------------------------------------------------------------

// RFC 5927 §4.1: only an error quoting a sequence number in SND.UNA..SND.NXT - 1 acts.
TEST(Rfc5927IcmpValidation, SequenceNumberOutsideWhatIsInFlightIsIgnored) {
  Harness h;
  InFlight f = ten_segments_in_flight(h);
  Bytes quote = f.first;
  store_be32(quote, 20 + 4, f.peer.rcv + 10 * kMss);  // SND.NXT: nothing sent there yet
  h.deliver_raw(icmpv4_error(kRouter, kUnreachable, kFragmentationNeeded, 1000, quote));
  store_be32(quote, 20 + 4, f.peer.rcv - 1);  // below SND.UNA: already acknowledged
  h.deliver_raw(icmpv4_error(kRouter, kUnreachable, kFragmentationNeeded, 1000, quote));
  EXPECT_EQ(h.tcp().counters().icmp_out_of_window, 2u);
  EXPECT_EQ(h.tcp().info(f.peer.socket)->snd_mss, kMss);
  EXPECT_TRUE(h.sent().empty());
  // The last byte in flight is inside.
  store_be32(quote, 20 + 4, f.peer.rcv + 10 * kMss - 1);
  h.deliver_raw(icmpv4_error(kRouter, kUnreachable, kFragmentationNeeded, 1000, quote));
  EXPECT_EQ(h.tcp().info(f.peer.socket)->snd_mss, 948u);
}

TEST(Rfc5927IcmpValidation, ErrorQuotingNoConnectionIsIgnored) {
  Harness h;
  InFlight f = ten_segments_in_flight(h);
  Bytes quote = f.first;
  store_be16(quote, 20 + 2, kPeerPort + 1);  // another remote port
  h.deliver_raw(icmpv4_error(kRouter, kUnreachable, kFragmentationNeeded, 1000, quote));
  EXPECT_EQ(h.tcp().counters().icmp_no_connection, 1u);
  EXPECT_EQ(h.tcp().info(f.peer.socket)->snd_mss, kMss);
}

// --- hard and soft errors ---------------------------------------------------------------------

// RFC 1122 §4.2.3.9: protocol and port unreachable are hard errors; a connection still
// opening gives up at once with the matching error.
TEST(Rfc1122HardErrors, PortUnreachableAbortsSynSent) {
  Harness h;
  auto s = h.tcp().connect({kRemote, 80}, h.now);
  ASSERT_TRUE(s);
  const Bytes syn = raw_packet(h);
  h.deliver_raw(icmpv4_error(kRemote, kUnreachable, 3, 0, syn));
  const auto st = h.tcp().status(*s);
  EXPECT_EQ(st.state, State::closed);
  EXPECT_EQ(st.error, std::make_error_code(std::errc::connection_refused));
  EXPECT_EQ(h.tcp().connection_count(), 0u);
  EXPECT_FALSE(h.tcp().take_events().empty());
}

TEST(Rfc1122HardErrors, ProtocolUnreachableAbortsSynSent) {
  Harness h;
  auto s = h.tcp().connect({kRemote, 80}, h.now);
  ASSERT_TRUE(s);
  h.deliver_raw(icmpv4_error(kRemote, kUnreachable, 2, 0, raw_packet(h)));
  EXPECT_EQ(h.tcp().status(*s).error, std::make_error_code(std::errc::no_protocol_option));
}

TEST(Rfc4443HardErrors, Icmpv6PortUnreachableAbortsSynSent) {
  Harness h;
  const IpAddress remote = ip("fd00::1");
  auto s = h.tcp().connect({remote, 80}, h.now);
  ASSERT_TRUE(s);
  const Bytes syn = raw_packet(h);
  ASSERT_TRUE(Ipv6View::parse(syn));
  h.deliver_raw(icmpv6_error(remote, ip("fd00::9"), Icmpv6Type::destination_unreachable, 4, 0, syn));
  EXPECT_EQ(h.tcp().status(*s).error, std::make_error_code(std::errc::connection_refused));
}

// RFC 5927 §5.2: in a synchronized state a hard error is treated as a soft one (a forged
// error must not kill a connection); it is what the connection reports if it times out.
TEST(Rfc5927HardErrors, PortUnreachableInEstablishedIsOnlyRememberedForATimeout) {
  TcpConfig c;
  c.max_retransmissions = 3;
  Harness h(c);
  InFlight f = ten_segments_in_flight(h);
  h.deliver_raw(icmpv4_error(kRemote, kUnreachable, 3, 0, f.first));
  EXPECT_EQ(h.tcp().status(f.peer.socket).state, State::established);
  EXPECT_FALSE(h.tcp().status(f.peer.socket).error);
  h.advance(std::chrono::minutes(10));
  EXPECT_EQ(h.tcp().status(f.peer.socket).error, std::make_error_code(std::errc::connection_refused));
}

// RFC 1122 §4.2.3.9: "Destination Unreachable -- codes 0, 1, 5 ... soft error conditions"
// ("TCP MUST NOT abort"); RFC 5461: the failed connect() reports it, not a bare timeout.
TEST(Rfc1122SoftErrors, HostUnreachableIsReportedWhenConnectTimesOut) {
  TcpConfig c;
  c.syn_retries = 2;
  Harness h(c);
  auto s = h.tcp().connect({kRemote, 80}, h.now);
  ASSERT_TRUE(s);
  h.deliver_raw(icmpv4_error(kRouter, kUnreachable, 1, 0, raw_packet(h)));
  EXPECT_EQ(h.tcp().status(*s).state, State::syn_sent);
  EXPECT_FALSE(h.tcp().status(*s).error);
  h.advance(std::chrono::minutes(1));
  EXPECT_EQ(h.tcp().status(*s).state, State::closed);
  EXPECT_EQ(h.tcp().status(*s).error, std::make_error_code(std::errc::host_unreachable));
}

TEST(Rfc1122SoftErrors, TimeExceededKeepsTheConnection) {
  Harness h;
  InFlight f = ten_segments_in_flight(h);
  h.deliver_raw(icmpv4_error(kRouter, 11, 0, 0, f.first));
  EXPECT_EQ(h.tcp().status(f.peer.socket).state, State::established);
  h.deliver(ack_from(h, f.peer, f.peer.rcv + 10 * kMss));
  EXPECT_FALSE(h.tcp().status(f.peer.socket).error);
  EXPECT_GT(h.tcp().info(f.peer.socket)->bytes_sent, 10 * kMss);  // the next flight left
}

}  // namespace
}  // namespace tunkit::stack::tcp
