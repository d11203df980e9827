#include "tunkit/wire/gso.hpp"

#include <gtest/gtest.h>

#include <numeric>

#include "tunkit/wire/checksum.hpp"
#include "tunkit/wire/ipv4.hpp"
#include "tunkit/wire/ipv6.hpp"
#include "tunkit/wire/tcp.hpp"

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

std::vector<std::uint8_t> joined(const TcpSegment& s) {
  std::vector<std::uint8_t> out(s.header.begin(), s.header.begin() + s.header_size);
  out.insert(out.end(), s.payload.begin(), s.payload.end());
  return out;
}

class Gso : public ::testing::TestWithParam<bool> {};

TEST_P(Gso, SplitSegmentsAreValidPacketsWithContiguousSequenceNumbers) {
  const bool v6 = GetParam();
  const auto super = tcp_packet(v6, 5000);
  std::array<TcpSegment, 8> segs;
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
  std::array<TcpSegment, 8> segs;
  ASSERT_EQ(split_tcp(super, 1448, segs), 4u);
  TcpCoalescer coalescer;
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

INSTANTIATE_TEST_SUITE_P(Ipv4AndIpv6, Gso, ::testing::Bool());

TEST(GsoCoalescer, StopsAtAGapAnotherFlowASynOrAfterAShortSegment) {
  TcpCoalescer c;
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
  TcpCoalescer c;
  const auto p = tcp_packet(false, 100);
  ASSERT_TRUE(c.append(p));
  auto m = c.take();
  EXPECT_EQ(m.segments, 1);
  EXPECT_EQ(m.vnet.gso_type, 0);
  EXPECT_EQ(m.vnet.flags, 0);
  EXPECT_TRUE(std::equal(p.begin(), p.end(), m.packet.begin(), m.packet.end()));
}

TEST(GsoSplit, MaxPacketCapsTheSegmentSize) {
  std::array<TcpSegment, 8> segs;
  const auto super = tcp_packet(false, 4000);  // 20 + 32 bytes of headers
  ASSERT_EQ(split_tcp(super, 1448, segs, 1052), 4u);
  for (std::size_t k = 0; k < 4; ++k) EXPECT_EQ(segs[k].payload.size(), 1000u);
}

TEST(GsoSplit, RefusesWhatIsNotAPlainTcpPacketOrNeedsTooManySegments) {
  std::array<TcpSegment, 2> segs;
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
