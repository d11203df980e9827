#include "tunkit/wire/ipv6.hpp"

#include <gtest/gtest.h>

#include <vector>

#include "tunkit/wire/test_support_test.hpp"

namespace tunkit {
namespace {

using namespace tunkit::captures;
using testing::copy_of;
using testing::ip;
using testing::l3_of;

TEST(Rfc8200Ipv6, DeconstructsRealEchoRequest) {
  // tcpdump -vvv: (flowlabel 0xd84f1, hlim 64, next-header ICMPv6 (58) payload length: 64)
  const auto v = Ipv6View::parse(l3_of(kIcmpv6EchoRequest));
  ASSERT_TRUE(v);
  EXPECT_EQ(v->version(), 6);
  EXPECT_EQ(v->traffic_class(), 0);
  EXPECT_EQ(v->flow_label(), 0xd84f1u);
  EXPECT_EQ(v->payload_length(), 64);
  EXPECT_EQ(v->next_header(), IpProtocol::icmpv6);
  EXPECT_EQ(v->hop_limit(), 64);
  EXPECT_EQ(v->source(), ip("fd99:1::1"));
  EXPECT_EQ(v->destination(), ip("fd99:1::2"));
  EXPECT_EQ(v->payload().size(), 64u);
  const auto chain = Ipv6ExtensionChain::parse(*v);
  ASSERT_TRUE(chain);
  EXPECT_EQ(chain->count(), 0u);
  EXPECT_EQ(chain->upper_protocol(), IpProtocol::icmpv6);
  EXPECT_EQ(chain->upper_offset(), 40u);
  EXPECT_FALSE(chain->final_destination());
}

TEST(Rfc8200HopByHop, WalksRealMldReportWithRouterAlert) {
  // MLDv2 report: HBH (rtalert: 0x0000) (padn), hlim 1.
  const auto v = Ipv6View::parse(l3_of(kMldv2ReportHbh));
  ASSERT_TRUE(v);
  EXPECT_EQ(v->hop_limit(), 1);
  EXPECT_EQ(v->next_header(), IpProtocol::hop_by_hop);
  const auto chain = Ipv6ExtensionChain::parse(*v);
  ASSERT_TRUE(chain);
  ASSERT_EQ(chain->count(), 1u);
  EXPECT_EQ(chain->header(0).type, IpProtocol::hop_by_hop);
  EXPECT_EQ(chain->header(0).offset, 40);
  EXPECT_EQ(chain->header(0).size, 8);
  EXPECT_EQ(v->bytes()[42], 5);  // RFC 2711 router alert option type
  EXPECT_EQ(chain->upper_protocol(), IpProtocol::icmpv6);
  EXPECT_EQ(chain->upper_offset(), 48u);
  EXPECT_FALSE(chain->fragment());
}

TEST(Rfc8754SegmentRouting, WalksRealRoutingHeader) {
  // RT6 (len=4, type=4, segleft=1, last-entry=1, [0]fd99:9::1, [1]fd99:1::2)
  const auto v = Ipv6View::parse(l3_of(kIpv6SrhEcho));
  ASSERT_TRUE(v);
  EXPECT_EQ(v->flow_label(), 0xd5fedu);
  const auto chain = Ipv6ExtensionChain::parse(*v);
  ASSERT_TRUE(chain);
  ASSERT_EQ(chain->count(), 1u);
  EXPECT_EQ(chain->header(0).type, IpProtocol::ipv6_routing);
  EXPECT_EQ(chain->header(0).size, 40);  // (4 + 1) * 8
  const ByteSpan rh = v->bytes().subspan(chain->header(0).offset, chain->header(0).size);
  EXPECT_EQ(rh[2], 4);  // routing type: segment routing
  EXPECT_EQ(rh[3], 1);  // segments left
  EXPECT_EQ(IpAddress::v6(rh.subspan<8, 16>()), ip("fd99:9::1"));
  EXPECT_EQ(IpAddress::v6(rh.subspan<24, 16>()), ip("fd99:1::2"));
  EXPECT_EQ(chain->upper_protocol(), IpProtocol::icmpv6);
  EXPECT_EQ(chain->upper_offset(), 80u);
  // RFC 8200 §8.1: the pseudo-header uses the final destination, segment list[0].
  EXPECT_EQ(chain->final_destination(), ip("fd99:9::1"));
}

TEST(Rfc8200DestinationOptions, WalksRealPadNHeaderToUdp) {
  const auto v = Ipv6View::parse(l3_of(kIpv6DstoptsUdp));
  ASSERT_TRUE(v);
  EXPECT_EQ(v->next_header(), IpProtocol::ipv6_dest_opts);
  const auto chain = Ipv6ExtensionChain::parse(*v);
  ASSERT_TRUE(chain);
  ASSERT_EQ(chain->count(), 1u);
  EXPECT_EQ(chain->header(0).type, IpProtocol::ipv6_dest_opts);
  EXPECT_EQ(chain->upper_protocol(), IpProtocol::udp);
  EXPECT_EQ(chain->upper_offset(), 48u);
}

TEST(Rfc8200Fragment, FirstFragmentCarriesTheUpperHeader) {
  // frag (0x969d17ee:0|1448) ICMP6, echo request
  const auto v = Ipv6View::parse(l3_of(kIpv6FragFirst));
  ASSERT_TRUE(v);
  EXPECT_EQ(v->payload_length(), 1456);
  const auto chain = Ipv6ExtensionChain::parse(*v);
  ASSERT_TRUE(chain);
  ASSERT_TRUE(chain->fragment());
  EXPECT_EQ(*chain->fragment(), (Ipv6FragmentInfo{0, true, 0x969d17ee}));
  EXPECT_TRUE(chain->has_upper_header());
  EXPECT_EQ(chain->upper_protocol(), IpProtocol::icmpv6);
  EXPECT_EQ(chain->upper_offset(), 48u);
}

TEST(Rfc8200Fragment, LaterFragmentHasNoUpperHeader) {
  // frag (0x969d17ee:1448|560)
  const auto v = Ipv6View::parse(l3_of(kIpv6FragLast));
  ASSERT_TRUE(v);
  const auto chain = Ipv6ExtensionChain::parse(*v);
  ASSERT_TRUE(chain);
  EXPECT_EQ(*chain->fragment(), (Ipv6FragmentInfo{1448, false, 0x969d17ee}));
  EXPECT_FALSE(chain->has_upper_header());
  EXPECT_EQ(chain->upper_protocol(), IpProtocol::icmpv6);
  EXPECT_EQ(v->bytes().size() - chain->upper_offset(), 560u);
}

TEST(Rfc8200Fragment, FragmentHeaderReEmitsByteForByte) {
  const auto v = Ipv6View::parse(l3_of(kIpv6FragLast));
  const auto chain = Ipv6ExtensionChain::parse(*v);
  const Ipv6FragmentRepr repr{chain->upper_protocol(), *chain->fragment()};
  std::uint8_t out[8];
  ASSERT_EQ(repr.emit(out), 8u);
  EXPECT_TRUE(std::equal(std::begin(out), std::end(out), v->bytes().begin() + 40));
}

TEST(Rfc8200Ipv6, RealHeadersReEmitByteForByte) {
  for (ByteSpan frame : {ByteSpan(kIcmpv6EchoRequest), ByteSpan(kMldv2ReportHbh),
                         ByteSpan(kIpv6FragFirst), ByteSpan(kNdpRa)}) {
    const auto v = Ipv6View::parse(l3_of(frame));
    ASSERT_TRUE(v);
    std::uint8_t out[40];
    ASSERT_EQ(Ipv6Repr::parse(*v).emit(out), 40u);
    EXPECT_TRUE(std::equal(std::begin(out), std::end(out), v->bytes().begin()));
  }
}

TEST(Rfc8200Ipv6, EveryTruncationOfRealPacketsIsRejected) {
  for (ByteSpan frame : {ByteSpan(kIcmpv6EchoRequest), ByteSpan(kIpv6SrhEcho), ByteSpan(kIpv6DstoptsUdp)}) {
    const ByteSpan packet = l3_of(frame);
    for (std::size_t n = 0; n < packet.size(); ++n)
      EXPECT_EQ(Ipv6View::check(packet.first(n)), ParseError::truncated) << n;
  }
}

TEST(Rfc8200Ipv6, RejectsVersionOtherThanSix) {
  std::vector<std::uint8_t> p = copy_of(l3_of(kIcmpv6EchoRequest));
  p[0] = 0x45;
  EXPECT_EQ(Ipv6View::check(p), ParseError::bad_version);
}

TEST(Rfc8200ExtensionHeaders, RejectsHeaderRunningPastThePayload) {
  std::vector<std::uint8_t> p = copy_of(l3_of(kIpv6SrhEcho));
  p[41] = 12;  // Hdr Ext Len: (12 + 1) * 8 = 104 bytes, the payload is 104 with ICMP
  EXPECT_EQ(Ipv6ExtensionChain::check(*Ipv6View::parse(p)), ParseError::none);
  p[41] = 13;
  EXPECT_EQ(Ipv6ExtensionChain::check(*Ipv6View::parse(p)), ParseError::bad_option);
  // A payload too short for even an 8-byte extension header.
  std::vector<std::uint8_t> q = copy_of(l3_of(kIpv6DstoptsUdp));
  store_be16(q, 4, 7);
  EXPECT_EQ(Ipv6ExtensionChain::check(*Ipv6View::parse(q)), ParseError::bad_option);
}

TEST(Rfc8200ExtensionHeaders, RejectsHopByHopAfterTheFirstHeader) {
  // RFC 8200 §4.1: hop-by-hop "is restricted to appear immediately after an IPv6 header".
  std::vector<std::uint8_t> p = copy_of(l3_of(kIpv6DstoptsUdp));
  p[40] = 0;  // destination options -> next header hop-by-hop
  EXPECT_EQ(Ipv6ExtensionChain::check(*Ipv6View::parse(p)), ParseError::bad_option);
}

TEST(Rfc8200ExtensionHeaders, LongChainsAreCountedBeyondTheRecordedEight) {
  // 12 destination options headers of 8 bytes, then no next header.
  std::vector<std::uint8_t> p(40 + 12 * 8, 0);
  Ipv6Repr repr{ip("fd99::1"), ip("fd99::2"), IpProtocol::ipv6_dest_opts, 64, 0, 0, 96};
  ASSERT_EQ(repr.emit(p), 40u);
  for (std::size_t i = 0; i < 12; ++i)
    p[40 + i * 8] = static_cast<std::uint8_t>(i == 11 ? 59 : 60);
  const auto chain = Ipv6ExtensionChain::parse(*Ipv6View::parse(p));
  ASSERT_TRUE(chain);
  EXPECT_EQ(chain->count(), 12u);
  EXPECT_EQ(chain->upper_protocol(), IpProtocol::ipv6_no_next);
  EXPECT_EQ(chain->upper_offset(), p.size());
}

TEST(Rfc4443QuotedPacket, ParsesQuoteShorterThanItsPayloadLength) {
  const ByteSpan quote = l3_of(kIcmpv6TimeExceeded).subspan(48, 48);
  EXPECT_EQ(Ipv6View::check(quote), ParseError::truncated);
  const auto v = Ipv6View::parse_quoted(quote);
  ASSERT_TRUE(v);
  EXPECT_EQ(v->destination(), ip("fd99:2::2"));
  EXPECT_EQ(v->hop_limit(), 1);
  EXPECT_EQ(v->payload().size(), 8u);
}

}  // namespace
}  // namespace tunkit
