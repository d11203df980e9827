#include "tunkit/wire/packet.hpp"

#include <gtest/gtest.h>

#include <random>
#include <vector>

#include "tunkit/wire/checksum.hpp"
#include "tunkit/wire/pi.hpp"
#include "tunkit/wire/test_support_test.hpp"
#include "tunkit/wire/vnet_hdr.hpp"

namespace tunkit {
namespace {

using namespace tunkit::captures;
using testing::copy_of;
using testing::text_of;

const std::vector<ByteSpan>& all_frames() {
  static const std::vector<ByteSpan> frames = {
      kArpReply,           kArpRequest,         kIcmpv4EchoReply,        kIcmpv4EchoRequest,
      kIcmpv4PortUnreachable, kIcmpv4TimeExceeded, kIcmpv6EchoReply,     kIcmpv6EchoRequest,
      kIcmpv6PortUnreachable, kIcmpv6TimeExceeded, kIpv4RecordRoute,     kIpv6DstoptsUdp,
      kIpv6FragFirst,      kIpv6FragLast,       kIpv6SrhEcho,            kMldv2ReportHbh,
      kNdpNa,              kNdpNs,              kNdpNsDad,               kNdpRa,
      kNdpRs,              kQinqArp,            kTcpData,                kTcpSyn,
      kTcpSynAck,          kUdpIpv4,            kVlanArp};
  return frames;
}

TEST(PacketDecode, EveryRealFrameDecodesCleanlyWithGoodChecksums) {
  for (ByteSpan frame : all_frames()) {
    const DecodedPacket p = decode(frame, LinkType::ethernet);
    EXPECT_TRUE(p.ok()) << "frame of " << frame.size() << " bytes: " << to_string(p.error)
                        << " at " << to_string(p.error_layer);
    EXPECT_TRUE(p.ethernet);
    EXPECT_NE(p.ip_checksum, ChecksumState::bad);
  }
}

TEST(PacketDecode, TcpSynHasEveryLayerAndOffset) {
  const DecodedPacket p = decode(kTcpSyn, LinkType::ethernet);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p.network, NetworkKind::ipv4);
  EXPECT_EQ(p.network_offset, 14u);
  EXPECT_EQ(p.ether_type, 0x0800);
  EXPECT_EQ(p.ip_checksum, ChecksumState::good);
  EXPECT_EQ(p.transport, TransportKind::tcp);
  EXPECT_EQ(p.transport_offset, 34u);
  EXPECT_EQ(p.ip_protocol, 6);
  EXPECT_EQ(p.transport_checksum, ChecksumState::good);
  ASSERT_TRUE(p.tcp);
  EXPECT_EQ(p.tcp->destination_port(), 5555);
  EXPECT_TRUE(p.payload.empty());
}

TEST(PacketDecode, TcpDataPayloadIsTheApplicationBytes) {
  const DecodedPacket p = decode(kTcpData, LinkType::ethernet);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(text_of(p.payload), "hello tunkit\n");
}

TEST(PacketDecode, QinqArpFindsTheArpBehindTwoTags) {
  const DecodedPacket p = decode(kQinqArp, LinkType::ethernet);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p.ethernet->tag_count(), 2u);
  EXPECT_EQ(p.network, NetworkKind::arp);
  EXPECT_EQ(p.network_offset, 22u);
  ASSERT_TRUE(p.arp);
  EXPECT_EQ(p.arp->operation(), ArpOperation::request);
  EXPECT_EQ(p.transport, TransportKind::none);
}

TEST(PacketDecode, Ipv6ExtensionHeadersLeadToTheUpperLayer) {
  const DecodedPacket udp = decode(kIpv6DstoptsUdp, LinkType::ethernet);
  ASSERT_TRUE(udp.ok());
  EXPECT_EQ(udp.transport, TransportKind::udp);
  EXPECT_EQ(udp.transport_offset, 14u + 48u);
  EXPECT_EQ(udp.transport_checksum, ChecksumState::good);
  EXPECT_EQ(text_of(udp.payload), "dstopts");
  const DecodedPacket srh = decode(kIpv6SrhEcho, LinkType::ethernet);
  ASSERT_TRUE(srh.ok());
  EXPECT_EQ(srh.ipv6_extensions->count(), 1u);
  EXPECT_EQ(srh.transport, TransportKind::icmpv6);
  EXPECT_EQ(srh.transport_checksum, ChecksumState::good);
}

TEST(Rfc8200Fragment, FirstFragmentDecodesHeaderButSkipsChecksum) {
  const DecodedPacket p = decode(kIpv6FragFirst, LinkType::ethernet);
  ASSERT_TRUE(p.ok());
  EXPECT_FALSE(p.later_fragment);
  EXPECT_EQ(p.transport, TransportKind::icmpv6);
  EXPECT_EQ(p.icmpv6->type(), Icmpv6Type::echo_request);
  EXPECT_EQ(p.transport_checksum, ChecksumState::not_checked);  // covers the whole datagram
}

TEST(Rfc8200Fragment, LaterFragmentStopsAtTheNetworkLayer) {
  const DecodedPacket p = decode(kIpv6FragLast, LinkType::ethernet);
  ASSERT_TRUE(p.ok());
  EXPECT_TRUE(p.later_fragment);
  EXPECT_EQ(p.transport, TransportKind::none);
  EXPECT_EQ(p.payload.size(), 560u);
}

TEST(Rfc791Fragment, LaterIpv4FragmentStopsAtTheNetworkLayer) {
  std::vector<std::uint8_t> frame = copy_of(kUdpIpv4);
  // Offset 8 bytes (field 1), header checksum recomputed so only the fragment rule applies.
  store_be16(frame, 20, 0x0001);
  store_be16(frame, 24, 0);
  store_be16(frame, 24, internet_checksum(ByteSpan(frame).subspan(14, 20)));
  const DecodedPacket p = decode(frame, LinkType::ethernet);
  ASSERT_TRUE(p.ok());
  EXPECT_TRUE(p.later_fragment);
  EXPECT_EQ(p.transport, TransportKind::none);
  EXPECT_EQ(p.payload.size(), 19u);
}

TEST(PacketDecode, RawIpChoosesTheFamilyFromTheVersionNibble) {
  const DecodedPacket v4 = decode(TunPiView::parse(kTunPiIcmp)->payload(), LinkType::raw_ip);
  ASSERT_TRUE(v4.ok());
  EXPECT_FALSE(v4.ethernet);
  EXPECT_EQ(v4.network, NetworkKind::ipv4);
  EXPECT_EQ(v4.network_offset, 0u);
  EXPECT_EQ(v4.transport, TransportKind::icmpv4);
  EXPECT_EQ(v4.transport_offset, 20u);
  const DecodedPacket v6 = decode(testing::l3_of(kNdpRa), LinkType::raw_ip);
  ASSERT_TRUE(v6.ok());
  EXPECT_EQ(v6.network, NetworkKind::ipv6);
  EXPECT_EQ(v6.icmpv6->type(), Icmpv6Type::router_advertisement);
  const std::uint8_t junk[] = {0x10, 0, 0, 0};
  const DecodedPacket bad = decode(junk, LinkType::raw_ip);
  EXPECT_EQ(bad.error, ParseError::bad_version);
  EXPECT_EQ(bad.error_layer, Layer::network);
}

TEST(PacketDecode, OffloadedChecksumsAreNotCheckedWhenVerificationIsOff) {
  const ByteSpan packet = VirtioNetHdrView::parse(kVnetTcpSyn)->payload();
  EXPECT_EQ(decode(packet, LinkType::raw_ip).transport_checksum, ChecksumState::bad);
  const DecodedPacket p = decode(packet, LinkType::raw_ip, {.verify_checksums = false});
  EXPECT_TRUE(p.ok());
  EXPECT_EQ(p.transport_checksum, ChecksumState::not_checked);
  EXPECT_EQ(p.ip_checksum, ChecksumState::not_checked);
}

TEST(PacketDecode, EveryTruncationOfEveryRealFrameIsReportedMalformed) {
  // Each real frame ends exactly where its innermost length field says, so every shorter
  // prefix is inconsistent somewhere, or at least fails its transport checksum (TCP).
  for (ByteSpan frame : all_frames()) {
    for (std::size_t n = 0; n < frame.size(); ++n) {
      const DecodedPacket p = decode(frame.first(n), LinkType::ethernet);
      ASSERT_FALSE(p.ok()) << frame.size() << "-byte frame cut to " << n;
      if (p.error == ParseError::none) {
        EXPECT_EQ(p.transport_checksum, ChecksumState::bad) << n;
      }
    }
  }
}

TEST(PacketDecode, CorruptedTransportBytesAreReportedAsBadChecksum) {
  for (ByteSpan frame : {ByteSpan(kTcpData), ByteSpan(kUdpIpv4), ByteSpan(kIcmpv6EchoRequest), ByteSpan(kNdpRa)}) {
    std::vector<std::uint8_t> f = copy_of(frame);
    f.back() ^= 0x20;
    const DecodedPacket p = decode(f, LinkType::ethernet);
    EXPECT_EQ(p.error, ParseError::none);
    EXPECT_EQ(p.transport_checksum, ChecksumState::bad);
    EXPECT_FALSE(p.ok());
  }
  std::vector<std::uint8_t> f = copy_of(kIcmpv4EchoRequest);
  f[14 + 8] ^= 1;  // TTL: header checksum
  EXPECT_EQ(decode(f, LinkType::ethernet).ip_checksum, ChecksumState::bad);
}

TEST(PacketDecode, UnknownEtherTypeAndProtocolAreNotErrors) {
  std::vector<std::uint8_t> f = copy_of(kArpRequest);
  store_be16(f, 12, 0x88cc);  // LLDP
  const DecodedPacket lldp = decode(f, LinkType::ethernet);
  EXPECT_TRUE(lldp.ok());
  EXPECT_EQ(lldp.network, NetworkKind::other);
  EXPECT_EQ(lldp.payload.size(), 28u);
  std::vector<std::uint8_t> g = copy_of(kUdpIpv4);
  g[14 + 9] = 132;  // SCTP
  store_be16(g, 24, 0);
  store_be16(g, 24, internet_checksum(ByteSpan(g).subspan(14, 20)));
  const DecodedPacket sctp = decode(g, LinkType::ethernet);
  EXPECT_TRUE(sctp.ok());
  EXPECT_EQ(sctp.transport, TransportKind::other);
  EXPECT_EQ(sctp.ip_protocol, 132);
  EXPECT_EQ(sctp.payload.size(), 19u);
}

TEST(PacketDecode, RandomBytesNeverCrashAndDecodeIsDeterministic) {
  std::mt19937 rng(3);
  std::vector<std::uint8_t> buf(256);
  for (int round = 0; round < 20000; ++round) {
    const std::size_t n = rng() % buf.size();
    for (std::size_t i = 0; i < n; ++i) buf[i] = static_cast<std::uint8_t>(rng());
    if (round % 2 == 0 && n > 0) buf[0] = static_cast<std::uint8_t>(0x45 + (round % 4 == 0 ? 0x20 : 0));
    const LinkType link = round % 3 == 0 ? LinkType::ethernet : LinkType::raw_ip;
    const DecodedPacket a = decode(ByteSpan(buf).first(n), link);
    const DecodedPacket b = decode(ByteSpan(buf).first(n), link);
    ASSERT_EQ(a.error, b.error);
    ASSERT_EQ(a.payload.data(), b.payload.data());
  }
}

}  // namespace
}  // namespace tunkit
