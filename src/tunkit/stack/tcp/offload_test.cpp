// TCP with the device's offloads (IFF_VNET_HDR) and the output queue's backpressure:
// partial checksums and 64 KiB super-packets received whole, TSO super-segments sent with
// their virtio header, and connections that wait for room in the queue instead of losing
// segments to it.
#include <gtest/gtest.h>

#include "tunkit/stack/tcp/connection.hpp"
#include "tunkit/stack/tcp/tcp_test_support_test.hpp"
#include "tunkit/wire/checksum.hpp"

namespace tunkit::stack::tcp {
namespace {

using namespace testing;

constexpr std::uint8_t kAck = tcp_flags::ack;
constexpr std::uint8_t kSyn = tcp_flags::syn;
constexpr std::uint8_t kPsh = tcp_flags::psh;
constexpr std::uint32_t kMss = 1448;  // 1500 - 40 - 12 (timestamps)

// A TCP segment whose checksum field holds only the pseudo-header sum, as the kernel hands
// a CHECKSUM_PARTIAL packet to a device with TUN_F_CSUM.
Bytes partial_checksum_packet(const IpAddress& src, const IpAddress& dst, TcpRepr r, const Bytes& payload = {}) {
  r.payload_length = static_cast<std::uint16_t>(payload.size());
  Bytes segment(r.size() + payload.size());
  std::copy(payload.begin(), payload.end(), segment.begin() + static_cast<std::ptrdiff_t>(r.size()));
  EXPECT_GT(r.emit_partial_checksum(segment, src, dst), 0u);
  return src.family == IpFamily::v4 ? ipv4(src, dst, IpProtocol::tcp, segment)
                                    : ipv6(src, dst, IpProtocol::tcp, segment);
}

constexpr RxOffload kNeedsCsum{.checksum_trusted = true, .gso_size = 0};

auto tso_on = [](InterfaceConfig& c) { c.tso = true; };

TcpRepr data_from(Harness& h, const Peer& p, std::uint32_t seq) {
  TcpRepr r = h.from_peer(kAck, seq, p.rcv);
  r.timestamps = TcpTimestamps{p.tsval, 0};
  return r;
}

// --- receive offloads ---------------------------------------------------------------------

TEST(VirtioNetHdrRx, PartialChecksumSegmentIsAcceptedWithNeedsCsum) {
  Harness h;
  ASSERT_TRUE(h.tcp().listen(kServerPort));
  const Bytes syn = partial_checksum_packet(kRemote, kLocal, h.from_peer(kSyn, 1000, 0));
  h.deliver_raw(syn, kNeedsCsum);
  const auto out = h.sent();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_TRUE(out[0].has(kSyn) && out[0].has(kAck));
  EXPECT_EQ(out[0].tcp.ack_number, 1001u);
  EXPECT_EQ(h.tcp().counters().bad_checksum, 0u);
  EXPECT_EQ(h.host().counters()[Event::rx_checksum_trusted], 1u);
}

TEST(VirtioNetHdrRx, PartialChecksumWithoutTheFlagIsABadChecksum) {
  Harness h;
  ASSERT_TRUE(h.tcp().listen(kServerPort));
  h.deliver_raw(partial_checksum_packet(kRemote, kLocal, h.from_peer(kSyn, 1000, 0)));
  EXPECT_TRUE(h.sent().empty());
  EXPECT_EQ(h.tcp().counters().bad_checksum, 1u);
}

TEST(VirtioNetHdrRx, CorruptSegmentWithoutTheFlagIsStillDropped) {
  Harness h;
  Peer p = establish(h);
  Bytes packet = tcp_packet(kRemote, kLocal, data_from(h, p, p.snd), Bytes(100, 7));
  packet.back() ^= 0x01;  // one payload bit: the checksum no longer matches
  h.deliver_raw(packet);
  EXPECT_EQ(h.tcp().counters().bad_checksum, 1u);
  Bytes buffer(200);
  EXPECT_EQ(*h.tcp().receive(p.socket, buffer, h.now), 0u);
}

// RFC 9293 §3.10.7.4 seventh: a segment longer than the MSS we advertised (a GSO
// super-packet from the local kernel) is text like any other; only the window bounds it.
TEST(Rfc9293SegmentArrives, SixtyFourKilobyteSuperSegmentIsDeliveredWholeAndAckedAtOnce) {
  TcpConfig c;
  c.receive_buffer = 256 * 1024;
  Harness h(c);
  Peer p = establish(h);
  const std::size_t length = 65535 - 20 - 32;  // the largest IPv4 packet
  const Bytes data = pattern(length);
  h.deliver_raw(partial_checksum_packet(kRemote, kLocal, data_from(h, p, p.snd), data),
                RxOffload{.checksum_trusted = true, .gso_size = kMss});
  // RFC 5681 §4.2: 45 full-sized segments' worth is owed an ACK now, not after 40 ms.
  const auto out = h.sent();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].tcp.ack_number, p.snd + length);
  EXPECT_TRUE(out[0].payload.empty());
  Bytes buffer(128 * 1024);
  ASSERT_EQ(*h.tcp().receive(p.socket, buffer, h.now), length);
  EXPECT_TRUE(std::equal(data.begin(), data.end(), buffer.begin()));
  EXPECT_EQ(h.tcp().info(p.socket)->bytes_received, length);
  EXPECT_EQ(h.host().counters()[Event::rx_gso_packets], 1u);
}

// The receiver's full-sized segment stays 1448 bytes (timestamps) after a super-packet, so
// two ordinary full-sized segments are still acknowledged at once.
TEST(Rfc5681DelayedAck, AfterASuperSegmentTwoFullSizedSegmentsAreStillAckedAtOnce) {
  TcpConfig c;
  c.receive_buffer = 256 * 1024;
  Harness h(c);
  Peer p = establish(h);
  const std::size_t length = 30 * kMss;
  h.deliver_raw(partial_checksum_packet(kRemote, kLocal, data_from(h, p, p.snd), Bytes(length, 1)),
                RxOffload{.checksum_trusted = true, .gso_size = 0});  // gso_size unknown: the worst case
  ASSERT_EQ(h.sent().size(), 1u);
  p.snd += static_cast<std::uint32_t>(length);
  h.deliver(data_from(h, p, p.snd), Bytes(kMss, 2));
  EXPECT_TRUE(h.sent().empty());  // one segment waits for the delayed-ACK timer
  h.deliver(data_from(h, p, p.snd + kMss), Bytes(kMss, 3));
  const auto out = h.sent();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].tcp.ack_number, p.snd + 2 * kMss);
  EXPECT_EQ(h.tcp().info(p.socket)->rcv_mss, kMss);
}

// A super-packet counts in the sender's MSS units (its gso_size): two small segments
// merged are two segments.
TEST(Rfc5681DelayedAck, SuperPacketCountsInItsOwnGsoSizeUnits) {
  Harness h;
  Peer p = establish(h);
  h.deliver_raw(partial_checksum_packet(kRemote, kLocal, data_from(h, p, p.snd), Bytes(1000, 1)),
                RxOffload{.checksum_trusted = true, .gso_size = 500});
  const auto out = h.sent();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].tcp.ack_number, p.snd + 1000);
}

// --- TSO ------------------------------------------------------------------------------------

// The first flight (IW10) leaves as one super-segment: ten MSS-sized segments' data behind
// one header, with the virtio header the kernel needs to cut it up.
TEST(TcpSegmentationOffload, SuperSegmentCarriesWholeMssSegmentsAndItsVirtioHeader) {
  Harness h({}, 1500, tso_on);
  Peer p = establish(h);
  const Bytes data = pattern(200'000);
  ASSERT_EQ(*h.tcp().send(p.socket, data, h.now), data.size());
  auto out = h.sent_with_vnet();
  ASSERT_EQ(out.size(), 1u);
  TxPacket& t = out[0];
  const std::size_t headers = 20 + 32;
  EXPECT_EQ(t.bytes.size(), headers + 10 * kMss);  // larger than the MTU, not fragmented
  EXPECT_EQ(t.vnet.flags, VirtioNetHdrView::kFlagNeedsCsum);
  EXPECT_EQ(t.vnet.gso_type, static_cast<std::uint8_t>(VirtioGsoType::tcpv4));
  EXPECT_EQ(t.vnet.gso_size, kMss);
  EXPECT_EQ(t.vnet.hdr_len, headers);
  EXPECT_EQ(t.vnet.csum_start, 20u);
  EXPECT_EQ(t.vnet.csum_offset, 16u);
  EXPECT_EQ(h.host().counters()[Event::fragments_sent], 0u);
  EXPECT_TRUE(Ipv4View::parse(t.bytes)->dont_fragment());
  // The checksum field holds the pseudo-header sum; completed as the kernel would, it verifies.
  EXPECT_EQ(load_be16(t.bytes, 20 + 16),
            pseudo_header_sum(kLocal, kRemote, 6, static_cast<std::uint32_t>(t.bytes.size() - 20)));
  Bytes completed = t.bytes;
  ASSERT_TRUE(complete_checksum(completed, t.vnet.csum_start, t.vnet.csum_offset));
  const auto whole = parse_packet(completed);
  ASSERT_TRUE(whole);
  EXPECT_TRUE(whole->checksum_ok);
  EXPECT_EQ(whole->tcp.seq_number, p.rcv);
  // Cut as the kernel's GSO does: valid MSS-sized segments with contiguous sequence numbers.
  std::vector<GsoSegment> segments(64);
  const std::size_t n = split_tcp(t.bytes, t.vnet.gso_size, segments, 1500);
  ASSERT_EQ(n, 10u);
  std::uint32_t seq = p.rcv;
  Bytes joined;
  for (std::size_t k = 0; k < n; ++k) {
    Bytes packet(segments[k].header.begin(), segments[k].header.begin() + segments[k].header_size);
    packet.insert(packet.end(), segments[k].payload.begin(), segments[k].payload.end());
    EXPECT_LE(packet.size(), 1500u);
    const auto s = parse_packet(packet);
    ASSERT_TRUE(s);
    EXPECT_TRUE(s->checksum_ok);
    EXPECT_EQ(s->tcp.seq_number, seq);
    EXPECT_EQ(s->payload.size(), kMss);
    ASSERT_TRUE(s->tcp.timestamps);
    seq += kMss;
    joined.insert(joined.end(), s->payload.begin(), s->payload.end());
  }
  EXPECT_TRUE(std::equal(joined.begin(), joined.end(), data.begin()));
  EXPECT_EQ(h.tcp().info(p.socket)->bytes_in_flight, 10 * kMss);
}

// Within the peer's window a super-segment still ends on an MSS boundary; only where the
// data ends is its last segment short.
TEST(TcpSegmentationOffload, SuperSegmentStopsAtAnMssBoundaryExceptAtTheEndOfTheData) {
  Harness h({}, 1500, tso_on);
  Peer p = establish(h);
  h.deliver(ack_from(h, p, p.rcv, 40));  // 40 << 7 = 5120 bytes: 3 segments and a bit
  ASSERT_EQ(*h.tcp().send(p.socket, pattern(100'000), h.now), 100'000u);
  auto out = h.sent_with_vnet();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].bytes.size(), 52 + 3 * kMss);
  EXPECT_EQ(out[0].vnet.gso_size, kMss);

  Harness h2({}, 1500, tso_on);
  Peer p2 = establish(h2);
  ASSERT_EQ(*h2.tcp().send(p2.socket, pattern(5000), h2.now), 5000u);
  out = h2.sent_with_vnet();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].bytes.size(), 52 + 5000u);  // 3 x 1448 + 656
  EXPECT_EQ(out[0].vnet.gso_size, kMss);
  EXPECT_TRUE(parse_packet(out[0].bytes)->has(kPsh));
}

// Fast retransmit (RFC 5681 §3.2) resends one MSS from SND.UNA, not the super-segment.
TEST(TcpSegmentationOffload, FastRetransmitOfPartOfASuperSegmentIsOneMss) {
  Harness h({}, 1500, tso_on);
  Peer p = establish(h, plain());  // no timestamps: MSS 1460
  ASSERT_EQ(*h.tcp().send(p.socket, pattern(100'000), h.now), 100'000u);
  auto out = h.sent_with_vnet();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].vnet.gso_size, 1460u);
  // The kernel's segments 2..4 arrived, segment 1 did not: three duplicate ACKs.
  for (int i = 0; i < 3; ++i) h.deliver(ack_from(h, p, p.rcv));
  out = h.sent_with_vnet();
  // RFC 3042 limited transmit sent new data on the first two; then the retransmission.
  const auto it = std::find_if(out.begin(), out.end(),
                               [&](const TxPacket& t) { return parse_packet(t.bytes)->tcp.seq_number == p.rcv; });
  ASSERT_NE(it, out.end());
  EXPECT_EQ(parse_packet(it->bytes)->payload.size(), 1460u);
  EXPECT_EQ(it->vnet.gso_type, 0u);
  EXPECT_EQ(h.tcp().info(p.socket)->fast_retransmits, 1u);
}

// Checksum offload without TSO: every segment, control segments too, leaves its checksum
// to the device, and segments stay MSS-sized.
TEST(TcpChecksumOffload, EverySegmentCarriesAPartialChecksumThatCompletes) {
  Harness h({}, 1500, [](InterfaceConfig& c) { c.tx_checksum_offload = true; });
  ASSERT_TRUE(h.tcp().listen(kServerPort));
  TcpRepr syn = h.from_peer(kSyn, 1000, 0);
  syn.mss = 1460;
  h.deliver(syn);
  auto out = h.sent_with_vnet();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].vnet.flags, VirtioNetHdrView::kFlagNeedsCsum);
  EXPECT_EQ(out[0].vnet.gso_type, 0u);
  EXPECT_EQ(out[0].vnet.csum_start, 20u);
  EXPECT_EQ(out[0].vnet.csum_offset, 16u);
  EXPECT_FALSE(parse_packet(out[0].bytes)->checksum_ok);
  ASSERT_TRUE(complete_checksum(out[0].bytes, out[0].vnet.csum_start, out[0].vnet.csum_offset));
  EXPECT_TRUE(parse_packet(out[0].bytes)->checksum_ok);
  EXPECT_EQ(h.host().counters()[Event::tx_checksum_offloaded], 1u);
}

TEST(TcpChecksumOffload, WithoutOffloadPacketsCarryAZeroVirtioHeader) {
  Harness h;
  Peer p = establish(h);
  ASSERT_EQ(*h.tcp().send(p.socket, pattern(20'000), h.now), 20'000u);
  const auto out = h.sent_with_vnet();
  ASSERT_GE(out.size(), 10u);
  for (const auto& t : out) {
    EXPECT_EQ(t.vnet, VirtioNetHdrRepr{});
    EXPECT_LE(t.bytes.size(), 1500u);
    EXPECT_TRUE(parse_packet(t.bytes)->checksum_ok);
  }
}

// --- two stacks with offloads -------------------------------------------------------------

LinkDevice tso_device(bool whole) {
  LinkDevice d;
  d.tweak = tso_on;
  d.deliver_super_packets = whole;
  return d;
}

TEST(TcpSegmentationOffload, LossyTransferCutByTheKernelDeliversEveryByte) {
  Link link(fast_config(), fast_config(), 1ms, false, tso_device(false), tso_device(false));
  link.drop = [](std::uint64_t n, const Bytes&) { return n % 13 == 0; };
  const auto st = bulk_both_ways(link, 4 << 20);
  EXPECT_EQ(st.a_received, 4u << 20);
  EXPECT_EQ(st.b_received, 4u << 20);
  EXPECT_TRUE(st.closed);
  EXPECT_GT(link.super_packets, 100u);
  EXPECT_GT(link.dropped, 100u);
  EXPECT_GT(st.a_info.segments_retransmitted, 0u);
}

TEST(TcpSegmentationOffload, SuperPacketsReceivedWholeWithLossDeliverEveryByte) {
  Link link(fast_config(), fast_config(), 1ms, false, tso_device(true), tso_device(true));
  link.drop = [](std::uint64_t n, const Bytes&) { return n % 11 == 0; };
  const auto st = bulk_both_ways(link, 4 << 20);
  EXPECT_EQ(st.a_received, 4u << 20);
  EXPECT_EQ(st.b_received, 4u << 20);
  EXPECT_TRUE(st.closed);
  EXPECT_GT(link.super_packets, 100u);
  EXPECT_GT(link.b_interface().counters()[Event::rx_gso_packets], 50u);
}

TEST(TcpSegmentationOffload, Ipv6TransferCutByTheKernelDeliversEveryByte) {
  Link link(fast_config(), fast_config(), 1ms, true, tso_device(false), tso_device(false));
  link.drop = [](std::uint64_t n, const Bytes&) { return n % 17 == 0; };
  const auto st = bulk_both_ways(link, 2 << 20);
  EXPECT_EQ(st.a_received, 2u << 20);
  EXPECT_EQ(st.b_received, 2u << 20);
  EXPECT_TRUE(st.closed);
  EXPECT_GT(link.super_packets, 50u);
}

// --- backpressure (TCP small queues) ------------------------------------------------------

auto tiny_queue(std::size_t limit) {
  return [limit](InterfaceConfig& c) { c.tx_queue_limit = limit; };
}

TEST(TcpSmallQueues, ConnectionStopsAtTheQueueLimitAndResumesOnSpace) {
  Harness h({}, 1500, tiny_queue(4));
  Peer p = establish(h);
  ASSERT_EQ(*h.tcp().send(p.socket, pattern(100'000), h.now), 100'000u);
  // IW10 allows ten segments; the queue takes four and the rest wait.
  EXPECT_EQ(h.host().transmit_count(), 4u);
  std::vector<Segment> sent = h.sent();
  h.tcp().on_transmit_space(h.now);
  EXPECT_EQ(h.host().transmit_count(), 4u);
  for (auto& s : h.sent()) sent.push_back(s);
  h.tcp().on_transmit_space(h.now);
  for (auto& s : h.sent()) sent.push_back(s);
  h.tcp().on_transmit_space(h.now);
  EXPECT_TRUE(h.sent().empty());  // cwnd used up: nothing waits any more
  ASSERT_EQ(sent.size(), 10u);
  for (std::size_t i = 0; i < sent.size(); ++i) EXPECT_EQ(sent[i].tcp.seq_number, p.rcv + i * kMss);
  EXPECT_EQ(h.host().counters()[Drop::tx_queue_full], 0u);
  EXPECT_EQ(h.tcp().counters().transmit_blocked, 2u);
}

// A driver that never calls on_transmit_space still gets the waiting data out: poll_at()
// is due while a connection waits and the queue has room.
TEST(TcpSmallQueues, PollAtIsDueWhileAConnectionWaitsForRoom) {
  Harness h({}, 1500, tiny_queue(4));
  Peer p = establish(h);
  ASSERT_EQ(*h.tcp().send(p.socket, pattern(100'000), h.now), 100'000u);
  EXPECT_EQ(h.sent().size(), 4u);
  ASSERT_TRUE(h.tcp().poll_at());
  EXPECT_LE(*h.tcp().poll_at(), h.now);
  h.tcp().poll(h.now);
  EXPECT_EQ(h.sent().size(), 4u);
}

// An ACK owed while the queue is full is kept, not dropped: it leaves with the next segment.
TEST(TcpSmallQueues, OwedAckWaitsForRoomInsteadOfBeingDropped) {
  Harness h({}, 1500, tiny_queue(2));
  Peer p = establish(h);
  ASSERT_EQ(*h.tcp().send(p.socket, pattern(100'000), h.now), 100'000u);
  EXPECT_EQ(h.host().transmit_count(), 2u);
  h.deliver(data_from(h, p, p.snd), Bytes(kMss, 1));
  h.deliver(data_from(h, p, p.snd + kMss), Bytes(kMss, 2));  // an ACK is owed now
  EXPECT_EQ(h.host().counters()[Drop::tx_queue_full], 0u);
  EXPECT_EQ(h.sent().size(), 2u);
  h.tcp().on_transmit_space(h.now);
  const auto out = h.sent();
  ASSERT_FALSE(out.empty());
  EXPECT_EQ(out[0].tcp.ack_number, p.snd + 2 * kMss);
}

// The handshake's segments wait too: a SYN that finds the queue full leaves once there is room.
TEST(TcpSmallQueues, SynWaitsForRoomInsteadOfBeingDropped) {
  Harness h({}, 1500, tiny_queue(1));
  ASSERT_TRUE(h.tcp().connect({kRemote, 80}, h.now));
  auto second = h.tcp().connect({kRemote, 81}, h.now);
  ASSERT_TRUE(second);
  EXPECT_EQ(h.host().transmit_count(), 1u);
  EXPECT_EQ(h.sent().size(), 1u);
  h.tcp().on_transmit_space(h.now);
  const auto out = h.sent();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_TRUE(out[0].has(kSyn));
  EXPECT_EQ(out[0].tcp.destination_port, 81u);
  EXPECT_EQ(h.host().counters()[Drop::tx_queue_full], 0u);
  EXPECT_EQ(h.tcp().info(*second)->timeouts, 0u);
}

LinkDevice queue_device(std::size_t limit, bool calls_on_transmit_space) {
  LinkDevice d;
  d.tweak = tiny_queue(limit);
  d.calls_on_transmit_space = calls_on_transmit_space;
  return d;
}

// A window of hundreds of segments through a three-packet queue: nothing is lost locally,
// so nothing is retransmitted.
TEST(TcpSmallQueues, LargeWindowThroughATinyQueueDeliversEverythingWithoutLocalDrops) {
  Link link(fast_config(), fast_config(), 1ms, false, queue_device(3, true), queue_device(3, true));
  const auto st = bulk_both_ways(link, 4 << 20);
  EXPECT_EQ(st.a_received, 4u << 20);
  EXPECT_EQ(st.b_received, 4u << 20);
  EXPECT_TRUE(st.closed);
  EXPECT_EQ(link.a_interface().counters()[Drop::tx_queue_full], 0u);
  EXPECT_EQ(link.b_interface().counters()[Drop::tx_queue_full], 0u);
  EXPECT_EQ(st.a_info.segments_retransmitted, 0u);
  EXPECT_EQ(st.b_info.segments_retransmitted, 0u);
  EXPECT_GT(link.a().counters().transmit_blocked, 0u);
}

TEST(TcpSmallQueues, DriverThatOnlyPollsAlsoDeliversEverythingWithoutLocalDrops) {
  Link link(fast_config(), fast_config(), 1ms, false, queue_device(3, false), queue_device(3, false));
  const auto st = bulk_both_ways(link, 1 << 20);
  EXPECT_EQ(st.a_received, 1u << 20);
  EXPECT_EQ(st.b_received, 1u << 20);
  EXPECT_EQ(link.a_interface().counters()[Drop::tx_queue_full], 0u);
  EXPECT_EQ(link.b_interface().counters()[Drop::tx_queue_full], 0u);
  EXPECT_EQ(st.a_info.segments_retransmitted, 0u);
}

TEST(TcpSmallQueues, TsoThroughATinyQueueDeliversEverythingWithoutLocalDrops) {
  LinkDevice d = tso_device(false);
  d.tweak = [](InterfaceConfig& c) {
    c.tso = true;
    c.tx_queue_limit = 2;
  };
  Link link(fast_config(), fast_config(), 1ms, false, d, d);
  const auto st = bulk_both_ways(link, 4 << 20);
  EXPECT_EQ(st.a_received, 4u << 20);
  EXPECT_EQ(st.b_received, 4u << 20);
  EXPECT_EQ(link.a_interface().counters()[Drop::tx_queue_full], 0u);
  EXPECT_EQ(st.a_info.segments_retransmitted, 0u);
}

}  // namespace
}  // namespace tunkit::stack::tcp
