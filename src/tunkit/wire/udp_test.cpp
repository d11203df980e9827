#include "tunkit/wire/udp.hpp"

#include <gtest/gtest.h>

#include <vector>

#include "tunkit/wire/ipv4.hpp"
#include "tunkit/wire/ipv6.hpp"
#include "tunkit/wire/test_support_test.hpp"

namespace tunkit {
namespace {

using namespace tunkit::captures;
using testing::copy_of;
using testing::ip;
using testing::l3_of;
using testing::text_of;

ByteSpan udp4_of(ByteSpan frame) { return Ipv4View::parse(l3_of(frame))->payload(); }
ByteSpan udp6_of(ByteSpan frame) { return l3_of(frame).subspan(48); }  // after dest options

TEST(Rfc768Udp, DeconstructsRealIpv4Datagram) {
  // 10.99.1.1.39508 > 10.99.1.2.9999: [udp sum ok] UDP, length 11
  const auto u = UdpView::parse(udp4_of(kUdpIpv4));
  ASSERT_TRUE(u);
  EXPECT_EQ(u->source_port(), 39508);
  EXPECT_EQ(u->destination_port(), 9999);
  EXPECT_EQ(u->length(), 19);
  EXPECT_EQ(text_of(u->payload()), "udp payload");
  EXPECT_TRUE(u->verify_checksum(ip("10.99.1.1"), ip("10.99.1.2")));
  EXPECT_FALSE(u->verify_checksum(ip("10.99.1.1"), ip("10.99.1.3")));
}

TEST(Rfc768Udp, DeconstructsRealIpv6DatagramBehindDestinationOptions) {
  // DSTOPT (padn) 59681 > 9999: [udp sum ok] UDP, length 7
  const auto u = UdpView::parse(udp6_of(kIpv6DstoptsUdp));
  ASSERT_TRUE(u);
  EXPECT_EQ(u->source_port(), 59681);
  EXPECT_EQ(u->destination_port(), 9999);
  EXPECT_EQ(text_of(u->payload()), "dstopts");
  EXPECT_TRUE(u->verify_checksum(ip("fd99:1::1"), ip("fd99:1::2")));
}

TEST(Rfc768Udp, RealDatagramsReEmitByteForByte) {
  struct Case {
    ByteSpan udp;
    IpAddress src, dst;
  };
  for (const Case& c : {Case{udp4_of(kUdpIpv4), ip("10.99.1.1"), ip("10.99.1.2")},
                        Case{udp6_of(kIpv6DstoptsUdp), ip("fd99:1::1"), ip("fd99:1::2")}}) {
    std::vector<std::uint8_t> out = copy_of(c.udp);
    std::fill(out.begin(), out.begin() + 8, std::uint8_t{0});
    ASSERT_EQ(UdpRepr::parse(*UdpView::parse(c.udp)).emit(out, c.src, c.dst), 8u);
    EXPECT_EQ(out, copy_of(c.udp));
  }
}

TEST(Rfc768Udp, ZeroChecksumMeansNoneOverIpv4ButIsInvalidOverIpv6) {
  std::vector<std::uint8_t> u = copy_of(udp4_of(kUdpIpv4));
  store_be16(u, 6, 0);
  EXPECT_TRUE(UdpView::parse(u)->verify_checksum(ip("10.99.1.1"), ip("10.99.1.2")));
  // RFC 8200 §8.1: "a UDP checksum of zero ... must be discarded".
  std::vector<std::uint8_t> u6 = copy_of(udp6_of(kIpv6DstoptsUdp));
  store_be16(u6, 6, 0);
  EXPECT_FALSE(UdpView::parse(u6)->verify_checksum(ip("fd99:1::1"), ip("fd99:1::2")));
}

TEST(Rfc768Udp, ComputedZeroChecksumIsSentAsAllOnes) {
  // Find a payload whose checksum computes to 0: with a zero checksum field, a datagram
  // that sums to 0xffff.
  std::vector<std::uint8_t> out(8 + 2, 0);
  const IpAddress a = ip("10.0.0.1"), b = ip("10.0.0.2");
  for (std::uint32_t w = 0; w <= 0xffff; ++w) {
    store_be16(out, 8, static_cast<std::uint16_t>(w));
    ASSERT_EQ((UdpRepr{1, 2, 2}.emit(out, a, b)), 8u);
    if (load_be16(out, 6) == 0xffff) {
      EXPECT_TRUE(UdpView::parse(out)->verify_checksum(a, b));
      return;
    }
  }
  FAIL() << "no payload produced a zero checksum";
}

TEST(Rfc768Udp, RejectsLengthBelowEight) {
  std::vector<std::uint8_t> u = copy_of(udp4_of(kUdpIpv4));
  for (std::uint16_t len = 0; len < 8; ++len) {
    store_be16(u, 4, len);
    EXPECT_EQ(UdpView::check(u), ParseError::bad_length) << len;
  }
}

TEST(Rfc768Udp, EveryTruncationIsRejectedAndExtraBytesAreExcluded) {
  const ByteSpan u = udp4_of(kUdpIpv4);
  for (std::size_t n = 0; n < u.size(); ++n)
    EXPECT_EQ(UdpView::check(u.first(n)), ParseError::truncated) << n;
  std::vector<std::uint8_t> longer = copy_of(u);
  longer.push_back(0xee);
  EXPECT_EQ(UdpView::parse(longer)->payload().size(), 11u);
}

TEST(Rfc768Udp, EverySingleByteCorruptionFailsTheChecksum) {
  std::vector<std::uint8_t> u = copy_of(udp4_of(kUdpIpv4));
  for (std::size_t i = 0; i < u.size(); ++i) {
    if (i == 6 || i == 7) continue;  // corrupting the checksum to 0 would mean "none"
    u[i] ^= 0x10;
    if (const auto v = UdpView::parse(u)) {
      EXPECT_FALSE(v->verify_checksum(ip("10.99.1.1"), ip("10.99.1.2"))) << i;
    }
    u[i] ^= 0x10;
  }
}

}  // namespace
}  // namespace tunkit
