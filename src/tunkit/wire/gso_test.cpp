#include "tunkit/wire/gso.hpp"

#include <gtest/gtest.h>

#include <numeric>

#include "tunkit/wire/checksum.hpp"
#include "tunkit/wire/ipv4.hpp"
#include "tunkit/wire/ipv6.hpp"
#include "tunkit/wire/tcp.hpp"
#include "tunkit/wire/udp.hpp"

namespace tunkit {
namespace {

constexpr std::uint8_t kAck = 0x10, kPsh = 0x08, kSyn = 0x02;

// A TCP packet as Linux's TSO would hand it over: ACK|PSH, timestamps, `payload` bytes.
std::vector<std::uint8_t> tcp_packet(bool v6, std::size_t payload, std::uint32_t seq = 1000,
                                     std::uint8_t flags = kAck | kPsh, std::uint16_t id = 7) {
  const IpAddress src = *IpAddress::parse(v6 ? "fd00::1" : "10.0.0.1");
  const IpAddress dst = *IpAddress::parse(v6 ? "fd00::2" : "10.0.0.2");
  TcpRepr tcp;
  tcp.source_port = 40000;
  tcp.destination_port = 5201;
  tcp.seq_number = seq;
  tcp.ack_number = 77;
  tcp.flags = flags;
  tcp.window = 502;
  tcp.timestamps = TcpTimestamps{123456, 654321};
  tcp.payload_length = static_cast<std::uint16_t>(payload);
  const std::size_t ip_size = v6 ? 40 : 20;
  std::vector<std::uint8_t> p(ip_size + tcp.size() + payload);
  for (std::size_t i = 0; i < payload; ++i) p[ip_size + tcp.size() + i] = static_cast<std::uint8_t>(i * 7 + seq);
  EXPECT_EQ(tcp.emit(MutableByteSpan(p).subspan(ip_size), src, dst), tcp.size());
  if (v6) {
    Ipv6Repr ip{src, dst, IpProtocol::tcp, 64, 0, 0, static_cast<std::uint16_t>(tcp.size() + payload)};
    EXPECT_EQ(ip.emit(p), 40u);
  } else {
    Ipv4Repr ip;
    ip.source = src;
    ip.destination = dst;
    ip.protocol = IpProtocol::tcp;
    ip.identification = id;
    ip.payload_length = static_cast<std::uint16_t>(tcp.size() + payload);
    EXPECT_EQ(ip.emit(p), 20u);
  }
  return p;
}

// A UDP packet (ports 40000 -> 5201) with `payload` patterned bytes; a GSO_UDP_L4 super-packet
// is exactly this with a payload of many datagrams.
std::vector<std::uint8_t> udp_packet(bool v6, std::size_t payload, std::uint16_t source_port = 40000,
                                     std::uint16_t id = 7) {
  const IpAddress src = *IpAddress::parse(v6 ? "fd00::1" : "10.0.0.1");
  const IpAddress dst = *IpAddress::parse(v6 ? "fd00::2" : "10.0.0.2");
  const std::size_t ip_size = v6 ? 40 : 20;
  std::vector<std::uint8_t> p(ip_size + 8 + payload);
  for (std::size_t i = 0; i < payload; ++i) p[ip_size + 8 + i] = static_cast<std::uint8_t>(i * 13 + 5);
  UdpRepr udp{source_port, 5201, static_cast<std::uint16_t>(payload)};
  EXPECT_EQ(udp.emit(MutableByteSpan(p).subspan(ip_size), src, dst), 8u);
  if (v6) {
    Ipv6Repr ip{src, dst, IpProtocol::udp, 64, 0, 0, static_cast<std::uint16_t>(8 + payload)};
    EXPECT_EQ(ip.emit(p), 40u);
  } else {
    Ipv4Repr ip;
    ip.source = src;
    ip.destination = dst;
    ip.protocol = IpProtocol::udp;
    ip.identification = id;
    ip.payload_length = static_cast<std::uint16_t>(8 + payload);
    EXPECT_EQ(ip.emit(p), 20u);
  }
  return p;
}

std::vector<std::uint8_t> joined(const GsoSegment& s) {
  std::vector<std::uint8_t> out(s.header.begin(), s.header.begin() + s.header_size);
  out.insert(out.end(), s.payload.begin(), s.payload.end());
  return out;
}

class Gso : public ::testing::TestWithParam<bool> {};

TEST_P(Gso, SplitSegmentsAreValidPacketsWithContiguousSequenceNumbers) {
  const bool v6 = GetParam();
  const auto super = tcp_packet(v6, 5000);
  std::array<GsoSegment, 8> segs;
  ASSERT_EQ(split_tcp(super, 1448, segs), 4u);  // 1448 * 3 + 656
  std::uint32_t seq = 1000;
  for (std::size_t k = 0; k < 4; ++k) {
    const auto bytes = joined(segs[k]);
    const IpAddress src = *IpAddress::parse(v6 ? "fd00::1" : "10.0.0.1");
    const IpAddress dst = *IpAddress::parse(v6 ? "fd00::2" : "10.0.0.2");
    ByteSpan l4;
    if (v6) {
      auto ip = Ipv6View::parse(bytes);
      ASSERT_TRUE(ip);
      l4 = ip->payload();
    } else {
      auto ip = Ipv4View::parse(bytes);
      ASSERT_TRUE(ip);
      EXPECT_TRUE(ip->verify_checksum());
      EXPECT_EQ(ip->identification(), 7 + k);
      l4 = ip->payload();
    }
    auto tcp = TcpView::parse(l4);
    ASSERT_TRUE(tcp);
    EXPECT_TRUE(tcp->verify_checksum(src, dst)) << "segment " << k;
    EXPECT_EQ(tcp->seq_number(), seq);
    EXPECT_EQ(tcp->payload().size(), k < 3 ? 1448u : 656u);
    EXPECT_EQ((tcp->flags() & kPsh) != 0, k == 3) << "PSH only on the last segment";
    seq += static_cast<std::uint32_t>(tcp->payload().size());
  }
}

TEST_P(Gso, CoalescingTheSegmentsGivesBackTheSuperPacket) {
  const bool v6 = GetParam();
  auto super = tcp_packet(v6, 5000);
  std::array<GsoSegment, 8> segs;
  ASSERT_EQ(split_tcp(super, 1448, segs), 4u);
  GroCoalescer coalescer;
  for (std::size_t k = 0; k < 4; ++k) ASSERT_TRUE(coalescer.append(joined(segs[k]))) << k;
  auto merged = coalescer.take();
  EXPECT_TRUE(coalescer.empty());
  EXPECT_EQ(merged.segments, 4);
  EXPECT_EQ(merged.vnet.gso_size, 1448);
  EXPECT_EQ(merged.vnet.gso_type, v6 ? 4 : 1);
  EXPECT_EQ(merged.vnet.flags, 1);  // NEEDS_CSUM
  EXPECT_EQ(merged.vnet.csum_start, v6 ? 40 : 20);
  EXPECT_EQ(merged.vnet.csum_offset, 16);
  ASSERT_EQ(merged.packet.size(), super.size());
  // What the kernel does with NEEDS_CSUM gives the original packet, checksum included.
  std::vector<std::uint8_t> completed(merged.packet.begin(), merged.packet.end());
  ASSERT_TRUE(complete_checksum(completed, merged.vnet.csum_start, merged.vnet.csum_offset));
  EXPECT_EQ(completed, super);  // IPv4: the identification is the first segment's, as before
}

TEST_P(Gso, UdpSplitGivesValidDatagramsOfGsoSizeEachWithItsOwnLengthAndChecksum) {
  const bool v6 = GetParam();
  const auto super = udp_packet(v6, 5000);
  const IpAddress src = *IpAddress::parse(v6 ? "fd00::1" : "10.0.0.1");
  const IpAddress dst = *IpAddress::parse(v6 ? "fd00::2" : "10.0.0.2");
  std::array<GsoSegment, 8> segs;
  ASSERT_EQ(split_udp(super, 1400, segs), 4u);
  const std::size_t ip_size = v6 ? 40 : 20;
  std::size_t offset = 0;
  for (std::size_t k = 0; k < 4; ++k) {
    const auto d = joined(segs[k]);
    const std::size_t expected = k < 3 ? 1400 : 800;
    ASSERT_EQ(d.size(), ip_size + 8 + expected) << k;
    if (v6) {
      EXPECT_EQ(load_be16(d, 4), 8 + expected);
    } else {
      auto ip = Ipv4View::parse(d);
      ASSERT_TRUE(ip) << k;
      EXPECT_EQ(ip->total_length(), d.size());
      EXPECT_EQ(ip->identification(), 7 + k);
      EXPECT_TRUE(ip->verify_checksum());
    }
    auto udp = UdpView::parse(ByteSpan(d).subspan(ip_size));
    ASSERT_TRUE(udp) << k;
    EXPECT_EQ(udp->length(), 8 + expected);
    EXPECT_EQ(udp->source_port(), 40000);
    EXPECT_NE(udp->checksum(), 0);
    EXPECT_TRUE(udp->verify_checksum(src, dst)) << k;
    EXPECT_TRUE(std::equal(udp->payload().begin(), udp->payload().end(),
                           super.begin() + static_cast<std::ptrdiff_t>(ip_size + 8 + offset)));
    offset += expected;
  }
}

TEST_P(Gso, UdpCoalescingTheDatagramsGivesBackTheSuperPacket) {
  const bool v6 = GetParam();
  const auto super = udp_packet(v6, 5000);
  std::array<GsoSegment, 8> segs;
  ASSERT_EQ(split_udp(super, 1400, segs), 4u);
  GroCoalescer coalescer;
  for (std::size_t k = 0; k < 4; ++k) ASSERT_TRUE(coalescer.append(joined(segs[k]))) << k;
  const auto merged = coalescer.take();
  EXPECT_EQ(merged.segments, 4);
  EXPECT_EQ(merged.vnet.gso_type, 5);  // VIRTIO_NET_HDR_GSO_UDP_L4
  EXPECT_EQ(merged.vnet.gso_size, 1400);
  EXPECT_EQ(merged.vnet.flags, 1);
  EXPECT_EQ(merged.vnet.hdr_len, (v6 ? 40 : 20) + 8);
  EXPECT_EQ(merged.vnet.csum_start, v6 ? 40 : 20);
  EXPECT_EQ(merged.vnet.csum_offset, 6);
  std::vector<std::uint8_t> completed(merged.packet.begin(), merged.packet.end());
  ASSERT_TRUE(complete_checksum(completed, merged.vnet.csum_start, merged.vnet.csum_offset));
  EXPECT_EQ(completed, super);
}

TEST(GsoCoalescer, UdpRunsStopAtAnotherFlowALongerDatagramAShortOneOrTheSegmentLimit) {
  GroCoalescer c;
  ASSERT_TRUE(c.append(udp_packet(false, 1000)));
  EXPECT_FALSE(c.append(udp_packet(false, 1000, 40001))) << "other source port";
  EXPECT_FALSE(c.append(udp_packet(true, 1000))) << "other family";
  EXPECT_FALSE(c.append(tcp_packet(false, 1000))) << "TCP never joins a UDP run";
  EXPECT_FALSE(c.append(udp_packet(false, 1001))) << "longer than the first";
  EXPECT_TRUE(c.append(udp_packet(false, 300)));
  EXPECT_FALSE(c.append(udp_packet(false, 300))) << "a short datagram closed the run";
  EXPECT_EQ(c.take().segments, 2);
  EXPECT_FALSE(c.append(udp_packet(false, 0))) << "empty datagrams are not merged";

  for (std::size_t k = 0; k < GroCoalescer::kMaxUdpSegments; ++k) ASSERT_TRUE(c.append(udp_packet(false, 100))) << k;
  EXPECT_FALSE(c.append(udp_packet(false, 100))) << "the kernel segments at most this many";
  EXPECT_EQ(c.take().segments, GroCoalescer::kMaxUdpSegments);
}

TEST(GsoSplit, UdpAndTcpSplittersRefuseEachOthersPackets) {
  std::array<GsoSegment, 8> segs;
  EXPECT_EQ(split_udp(tcp_packet(false, 3000), 1000, segs), 0u);
  EXPECT_EQ(split_tcp(udp_packet(false, 3000), 1000, segs), 0u);
  auto bad_length = udp_packet(false, 3000);
  store_be16(bad_length, 24, 100);  // the UDP length disagrees with the IP length
  EXPECT_EQ(split_udp(bad_length, 1000, segs), 0u);
}

TEST(GsoSplit, UdpChecksumThatComputesToZeroIsSentAsAllOnes) {
  // RFC 768: a computed checksum of zero is transmitted as all ones. Make the payload's last
  // 16-bit word cancel everything else out.
  auto p = udp_packet(false, 100);
  std::array<GsoSegment, 1> segs;
  store_be16(p, p.size() - 2, 0);
  ASSERT_EQ(split_udp(p, 100, segs), 1u);
  const std::uint16_t with_zero = load_be16(segs[0].header, 26);
  store_be16(p, p.size() - 2, with_zero == 0xffff ? 0 : with_zero);
  ASSERT_EQ(split_udp(p, 100, segs), 1u);
  EXPECT_EQ(load_be16(segs[0].header, 26), 0xffff);
  auto d = joined(segs[0]);
  EXPECT_TRUE(UdpView::parse(ByteSpan(d).subspan(20))->verify_checksum(*IpAddress::parse("10.0.0.1"),
                                                                        *IpAddress::parse("10.0.0.2")));
}

INSTANTIATE_TEST_SUITE_P(Ipv4AndIpv6, Gso, ::testing::Bool());

TEST(GsoCoalescer, StopsAtAGapAnotherFlowASynOrAfterAShortSegment) {
  GroCoalescer c;
  ASSERT_TRUE(c.append(tcp_packet(false, 1000, 1000, kAck)));
  EXPECT_FALSE(c.append(tcp_packet(false, 1000, 2500, kAck))) << "sequence gap";
  EXPECT_FALSE(c.append(tcp_packet(true, 1000, 2000, kAck))) << "other family";
  EXPECT_FALSE(c.append(tcp_packet(false, 1000, 2000, kAck | kSyn))) << "SYN";
  EXPECT_FALSE(c.append(tcp_packet(false, 1200, 2000, kAck))) << "longer than the first";
  EXPECT_TRUE(c.append(tcp_packet(false, 400, 2000, kAck)));
  EXPECT_FALSE(c.append(tcp_packet(false, 400, 2400, kAck))) << "a short segment closed the run";
  auto m = c.take();
  EXPECT_EQ(m.segments, 2);
  EXPECT_EQ(m.packet.size(), 20u + 32u + 1400u);
}

TEST(GsoCoalescer, ASingleSegmentComesBackUnchangedWithoutOffload) {
  GroCoalescer c;
  const auto p = tcp_packet(false, 100);
  ASSERT_TRUE(c.append(p));
  auto m = c.take();
  EXPECT_EQ(m.segments, 1);
  EXPECT_EQ(m.vnet.gso_type, 0);
  EXPECT_EQ(m.vnet.flags, 0);
  EXPECT_TRUE(std::equal(p.begin(), p.end(), m.packet.begin(), m.packet.end()));
}

TEST(GsoSplit, MaxPacketCapsTheSegmentSize) {
  std::array<GsoSegment, 8> segs;
  const auto super = tcp_packet(false, 4000);  // 20 + 32 bytes of headers
  ASSERT_EQ(split_tcp(super, 1448, segs, 1052), 4u);
  for (std::size_t k = 0; k < 4; ++k) EXPECT_EQ(segs[k].payload.size(), 1000u);
}

TEST(GsoSplit, RefusesWhatIsNotAPlainTcpPacketOrNeedsTooManySegments) {
  std::array<GsoSegment, 2> segs;
  EXPECT_EQ(split_tcp(tcp_packet(false, 5000), 1448, segs), 0u) << "4 segments, room for 2";
  auto udp = tcp_packet(false, 100);
  udp[9] = 17;
  EXPECT_EQ(split_tcp(udp, 50, segs), 0u);
  auto truncated = tcp_packet(false, 100);
  truncated.resize(60);
  EXPECT_EQ(split_tcp(truncated, 50, segs), 0u) << "IP length disagrees with the bytes";
}

TEST(GsoChecksum, CompletingAPartialChecksumVerifies) {
  auto p = tcp_packet(false, 300);
  const auto original = p;
  // What the kernel hands over with NEEDS_CSUM: the pseudo-header sum in the field.
  const IpAddress src = *IpAddress::parse("10.0.0.1"), dst = *IpAddress::parse("10.0.0.2");
  store_be16(p, 36, pseudo_header_sum(src, dst, 6, static_cast<std::uint32_t>(p.size() - 20)));
  ASSERT_TRUE(complete_checksum(p, 20, 16));
  EXPECT_EQ(p, original);
  EXPECT_FALSE(complete_checksum(p, 20, p.size()));
}

}  // namespace
}  // namespace tunkit
