#include "tunkit/wire/ipv4.hpp"

#include <gtest/gtest.h>

#include <vector>

#include "tunkit/wire/checksum.hpp"
#include "tunkit/wire/test_support_test.hpp"

namespace tunkit {
namespace {

using namespace tunkit::captures;
using testing::copy_of;
using testing::ip;
using testing::l3_of;

TEST(Rfc791Ipv4, DeconstructsRealEchoRequest) {
  // tcpdump -vvv: (tos 0x0, ttl 64, id 33423, offset 0, flags [DF], proto ICMP (1), length 84)
  const auto v = Ipv4View::parse(l3_of(kIcmpv4EchoRequest));
  ASSERT_TRUE(v);
  EXPECT_EQ(v->version(), 4);
  EXPECT_EQ(v->header_size(), 20u);
  EXPECT_EQ(v->dscp(), 0);
  EXPECT_EQ(v->ecn(), 0);
  EXPECT_EQ(v->total_length(), 84);
  EXPECT_EQ(v->identification(), 33423);
  EXPECT_TRUE(v->dont_fragment());
  EXPECT_FALSE(v->more_fragments());
  EXPECT_EQ(v->fragment_offset(), 0);
  EXPECT_FALSE(v->is_fragment());
  EXPECT_EQ(v->ttl(), 64);
  EXPECT_EQ(v->protocol(), IpProtocol::icmp);
  EXPECT_EQ(v->source(), ip("10.99.1.1"));
  EXPECT_EQ(v->destination(), ip("10.99.1.2"));
  EXPECT_EQ(v->payload().size(), 64u);
  EXPECT_TRUE(v->verify_checksum());
  EXPECT_EQ(v->options().begin(), v->options().end());
}

TEST(Rfc791Ipv4, DeconstructsRealTosAndNoFragmentFlags) {
  // ICMP errors from Linux: (tos 0xc0, ttl 64, id 45084, offset 0, flags [none], length 112)
  const auto v = Ipv4View::parse(l3_of(kIcmpv4TimeExceeded));
  ASSERT_TRUE(v);
  EXPECT_EQ(v->dscp(), 48);  // CS6
  EXPECT_EQ(v->ecn(), 0);
  EXPECT_EQ(v->identification(), 45084);
  EXPECT_FALSE(v->dont_fragment());
  EXPECT_EQ(v->total_length(), 112);
  EXPECT_TRUE(v->verify_checksum());
}

TEST(Rfc791Ipv4, DeconstructsRealRecordRouteOption) {
  // ping -R: options (NOP,RR 10.99.1.1, 0.0.0.0 x8), §3.1 "Record Route" type 7.
  const auto v = Ipv4View::parse(l3_of(kIpv4RecordRoute));
  ASSERT_TRUE(v);
  EXPECT_EQ(v->header_size(), 60u);
  EXPECT_EQ(v->total_length(), 124);
  EXPECT_TRUE(v->verify_checksum());
  std::vector<KindLengthOption> options(v->options().begin(), v->options().end());
  ASSERT_EQ(options.size(), 2u);
  EXPECT_EQ(options[0].kind, static_cast<std::uint8_t>(Ipv4OptionKind::nop));
  EXPECT_EQ(options[1].kind, static_cast<std::uint8_t>(Ipv4OptionKind::record_route));
  ASSERT_EQ(options[1].data.size(), 37u);  // length 39: pointer + 9 addresses
  EXPECT_EQ(options[1].data[0], 8);         // pointer past the first, filled, slot
  EXPECT_EQ(IpAddress::v4(options[1].data.subspan<1, 4>()), ip("10.99.1.1"));
  EXPECT_EQ(v->payload().size(), 64u);
}

TEST(Rfc791Ipv4, RealHeadersReEmitByteForByte) {
  for (ByteSpan frame : {ByteSpan(kIcmpv4EchoRequest), ByteSpan(kIcmpv4TimeExceeded),
                         ByteSpan(kIpv4RecordRoute), ByteSpan(kTcpSyn), ByteSpan(kUdpIpv4)}) {
    const auto v = Ipv4View::parse(l3_of(frame));
    ASSERT_TRUE(v);
    const Ipv4Repr repr = Ipv4Repr::parse(*v);
    std::vector<std::uint8_t> out(repr.size());
    ASSERT_EQ(repr.emit(out), v->header_size());
    EXPECT_EQ(out, copy_of(v->header()));
  }
}

TEST(Rfc791Ipv4, EmitsFragmentFieldsAndOddOptionsPadded) {
  const std::uint8_t router_alert[] = {148, 4, 0, 0};
  const std::uint8_t nop_only[] = {1};
  Ipv4Repr repr;
  repr.source = ip("10.99.1.1");
  repr.destination = ip("10.99.2.2");
  repr.protocol = IpProtocol::udp;
  repr.identification = 0x1234;
  repr.dont_fragment = false;
  repr.more_fragments = true;
  repr.fragment_offset = 1480;
  repr.options = router_alert;
  repr.payload_length = 1480;
  std::vector<std::uint8_t> out(repr.size() + repr.payload_length);
  ASSERT_EQ(repr.emit(out), 24u);
  const auto v = Ipv4View::parse(out);
  ASSERT_TRUE(v);
  EXPECT_TRUE(v->more_fragments());
  EXPECT_FALSE(v->dont_fragment());
  EXPECT_EQ(v->fragment_offset(), 1480);
  EXPECT_TRUE(v->is_fragment());
  EXPECT_EQ(load_be16(out, 6), 0x2000 | 185);  // MF, offset 1480 / 8
  EXPECT_TRUE(v->verify_checksum());
  repr.options = nop_only;  // one byte of options: padded with EOL to 4
  ASSERT_EQ(repr.emit(out), 24u);
  EXPECT_EQ(out[20], 1);
  EXPECT_EQ(out[21], 0);
  repr.fragment_offset = 1481;  // not a multiple of 8
  EXPECT_EQ(repr.emit(out), 0u);
}

TEST(Rfc791Ipv4, EveryTruncationOfRealPacketsIsRejected) {
  for (ByteSpan frame : {ByteSpan(kIcmpv4EchoRequest), ByteSpan(kIpv4RecordRoute), ByteSpan(kTcpData)}) {
    const ByteSpan packet = l3_of(frame);
    for (std::size_t n = 0; n < packet.size(); ++n) {
      EXPECT_EQ(Ipv4View::check(packet.first(n)), ParseError::truncated) << n;
      EXPECT_FALSE(Ipv4View::parse(packet.first(n)));
    }
    EXPECT_TRUE(Ipv4View::parse(packet));
  }
}

TEST(Rfc791Ipv4, RejectsIhlBelowFive) {
  std::vector<std::uint8_t> p = copy_of(l3_of(kIcmpv4EchoRequest));
  for (std::uint8_t ihl = 0; ihl < 5; ++ihl) {
    p[0] = static_cast<std::uint8_t>(0x40 | ihl);
    EXPECT_EQ(Ipv4View::check(p), ParseError::bad_length) << int{ihl};
  }
}

TEST(Rfc791Ipv4, RejectsVersionOtherThanFour) {
  std::vector<std::uint8_t> p = copy_of(l3_of(kIcmpv4EchoRequest));
  p[0] = 0x65;
  EXPECT_EQ(Ipv4View::check(p), ParseError::bad_version);
}

TEST(Rfc791Ipv4, RejectsTotalLengthBelowHeaderLength) {
  std::vector<std::uint8_t> p = copy_of(l3_of(kIpv4RecordRoute));
  store_be16(p, 2, 59);  // header is 60
  EXPECT_EQ(Ipv4View::check(p), ParseError::bad_length);
}

TEST(Rfc791Ipv4, RejectsOptionsThatOverrunTheHeader) {
  std::vector<std::uint8_t> p = copy_of(l3_of(kIpv4RecordRoute));
  p[22] = 40;  // RR length runs one byte past the 40-byte option area
  EXPECT_EQ(Ipv4View::check(p), ParseError::bad_option);
  p[22] = 1;  // length below 2
  EXPECT_EQ(Ipv4View::check(p), ParseError::bad_option);
  // The iterator still stops safely on the unchecked area.
  std::size_t seen = 0;
  for (auto o : KindLengthOptions(ByteSpan(p).subspan(20, 40))) seen += o.data.size() + 1;
  EXPECT_LE(seen, 40u);
}

TEST(Rfc791Ipv4, EthernetPaddingBeyondTotalLengthIsExcluded) {
  std::vector<std::uint8_t> p = copy_of(l3_of(kTcpSyn));
  p.resize(p.size() + 6, 0);
  const auto v = Ipv4View::parse(p);
  ASSERT_TRUE(v);
  EXPECT_EQ(v->bytes().size(), 60u);
  EXPECT_EQ(v->payload().size(), 40u);
}

TEST(Rfc791Ipv4, EverySingleByteCorruptionOfTheHeaderFailsTheChecksum) {
  std::vector<std::uint8_t> p = copy_of(l3_of(kIpv4RecordRoute));
  for (std::size_t i = 0; i < 60; ++i) {
    p[i] ^= 0xff;
    if (const auto v = Ipv4View::parse(p)) {
      EXPECT_FALSE(v->verify_checksum()) << i;
    }
    p[i] ^= 0xff;
  }
}

TEST(Rfc1812Forwarding, DecrementTtlPatchesChecksumIncrementally) {
  // RFC 1624 §5: the incremental update must agree with recomputing.
  std::vector<std::uint8_t> p = copy_of(l3_of(kIpv4RecordRoute));
  for (int hop = 63; hop >= 0; --hop) {
    ASSERT_EQ(decrement_ttl(MutableByteSpan(p).first(60)), hop);
    const auto v = Ipv4View::parse(p);
    ASSERT_TRUE(v->verify_checksum()) << hop;
  }
  EXPECT_EQ(decrement_ttl(MutableByteSpan(p).first(60)), 0);  // stays 0
  EXPECT_EQ(p[8], 0);
}

TEST(Rfc792QuotedDatagram, ParsesAQuoteShorterThanItsTotalLength) {
  // RFC 792: the quote is the IP header plus the first 64 bits of the datagram.
  const ByteSpan quote = l3_of(kIcmpv4TimeExceeded).subspan(28, 28);
  EXPECT_EQ(Ipv4View::check(quote), ParseError::truncated);
  const auto v = Ipv4View::parse_quoted(quote);
  ASSERT_TRUE(v);
  EXPECT_EQ(v->total_length(), 84);
  EXPECT_EQ(v->ttl(), 1);
  EXPECT_EQ(v->identification(), 39944);
  EXPECT_EQ(v->destination(), ip("10.99.2.2"));
  EXPECT_EQ(v->payload().size(), 8u);
  EXPECT_EQ(Ipv4View::check_quoted(quote.first(19)), ParseError::truncated);
}

}  // namespace
}  // namespace tunkit
