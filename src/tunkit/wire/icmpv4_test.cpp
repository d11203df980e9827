#include "tunkit/wire/icmpv4.hpp"

#include <gtest/gtest.h>

#include <vector>

#include "tunkit/wire/ipv4.hpp"
#include "tunkit/wire/test_support_test.hpp"
#include "tunkit/wire/udp.hpp"

namespace tunkit {
namespace {

using namespace tunkit::captures;
using testing::copy_of;
using testing::ip;
using testing::l3_of;

ByteSpan icmp_of(ByteSpan frame) { return Ipv4View::parse(l3_of(frame))->payload(); }

TEST(Rfc792Echo, DeconstructsRealRequestAndReply) {
  const auto req = Icmpv4View::parse(icmp_of(kIcmpv4EchoRequest));
  ASSERT_TRUE(req);
  EXPECT_EQ(req->type(), Icmpv4Type::echo_request);
  EXPECT_EQ(req->code(), 0);
  EXPECT_EQ(req->identifier(), 4992);
  EXPECT_EQ(req->sequence(), 1);
  EXPECT_EQ(req->data().size(), 56u);
  EXPECT_FALSE(req->is_error());
  EXPECT_TRUE(req->verify_checksum());
  const auto rep = Icmpv4View::parse(icmp_of(kIcmpv4EchoReply));
  ASSERT_TRUE(rep);
  EXPECT_EQ(rep->type(), Icmpv4Type::echo_reply);
  EXPECT_EQ(rep->identifier(), 4992);
  EXPECT_TRUE(rep->verify_checksum());
  // RFC 792: "The data received in the echo message must be returned in the echo reply".
  EXPECT_EQ(copy_of(req->data()), copy_of(rep->data()));
}

TEST(Rfc792Echo, BuildsTheRealReplyFromTheRequest) {
  const auto req = Icmpv4View::parse(icmp_of(kIcmpv4EchoRequest));
  std::vector<std::uint8_t> out(8 + req->data().size());
  std::copy(req->data().begin(), req->data().end(), out.begin() + 8);
  const auto repr = Icmpv4Repr::echo(Icmpv4Type::echo_reply, req->identifier(), req->sequence(),
                                     static_cast<std::uint16_t>(req->data().size()));
  ASSERT_EQ(repr.emit(out), 8u);
  EXPECT_EQ(out, copy_of(icmp_of(kIcmpv4EchoReply)));
}

TEST(Rfc792TimeExceeded, DeconstructsRealErrorAndItsQuote) {
  const auto msg = Icmpv4View::parse(icmp_of(kIcmpv4TimeExceeded));
  ASSERT_TRUE(msg);
  EXPECT_EQ(msg->type(), Icmpv4Type::time_exceeded);
  EXPECT_EQ(msg->code(), 0);  // TTL exceeded in transit
  EXPECT_TRUE(msg->is_error());
  EXPECT_TRUE(msg->verify_checksum());
  const auto quoted = Ipv4View::parse_quoted(msg->data());
  ASSERT_TRUE(quoted);
  // (tos 0x0, ttl 1, id 39944, flags [DF], proto ICMP (1), length 84) 10.99.1.1 > 10.99.2.2
  EXPECT_EQ(quoted->ttl(), 1);
  EXPECT_EQ(quoted->identification(), 39944);
  EXPECT_EQ(quoted->protocol(), IpProtocol::icmp);
  EXPECT_EQ(quoted->source(), ip("10.99.1.1"));
  EXPECT_EQ(quoted->destination(), ip("10.99.2.2"));
  const auto inner = Icmpv4View::parse(quoted->payload());
  ASSERT_TRUE(inner);
  EXPECT_EQ(inner->identifier(), 4994);
}

TEST(Rfc792DestinationUnreachable, DeconstructsRealPortUnreachableQuotingUdp) {
  const auto msg = Icmpv4View::parse(icmp_of(kIcmpv4PortUnreachable));
  ASSERT_TRUE(msg);
  EXPECT_EQ(msg->type(), Icmpv4Type::destination_unreachable);
  EXPECT_EQ(msg->code(), static_cast<std::uint8_t>(Icmpv4Unreachable::port));
  EXPECT_TRUE(msg->verify_checksum());
  const auto quoted = Ipv4View::parse_quoted(msg->data());
  ASSERT_TRUE(quoted);
  EXPECT_EQ(quoted->protocol(), IpProtocol::udp);
  // RFC 1122 §3.2.2: at least the first 8 data bytes, so the ports are there.
  ASSERT_GE(quoted->payload().size(), 8u);
  EXPECT_EQ(load_be16(quoted->payload(), 0), 39508);
  EXPECT_EQ(load_be16(quoted->payload(), 2), 9999);
}

TEST(Rfc1191FragmentationNeeded, CarriesNextHopMtu) {
  std::vector<std::uint8_t> out(8 + 28, 0);
  const ByteSpan quote = l3_of(kUdpIpv4).first(28);
  std::copy(quote.begin(), quote.end(), out.begin() + 8);
  const Icmpv4Repr repr{Icmpv4Type::destination_unreachable,
                        static_cast<std::uint8_t>(Icmpv4Unreachable::fragmentation_needed), 1400, 28};
  ASSERT_EQ(repr.emit(out), 8u);
  const auto msg = Icmpv4View::parse(out);
  ASSERT_TRUE(msg);
  EXPECT_EQ(msg->next_hop_mtu(), 1400);
  EXPECT_TRUE(msg->verify_checksum());
  EXPECT_EQ(Icmpv4Repr::parse(*msg), repr);
}

TEST(Rfc792Icmpv4, RealMessagesReEmitByteForByte) {
  for (ByteSpan frame : {ByteSpan(kIcmpv4EchoRequest), ByteSpan(kIcmpv4TimeExceeded),
                         ByteSpan(kIcmpv4PortUnreachable)}) {
    std::vector<std::uint8_t> out = copy_of(icmp_of(frame));
    std::fill(out.begin(), out.begin() + 8, std::uint8_t{0xaa});
    ASSERT_EQ(Icmpv4Repr::parse(*Icmpv4View::parse(icmp_of(frame))).emit(out), 8u);
    EXPECT_EQ(out, copy_of(icmp_of(frame)));
  }
}

TEST(Rfc792Icmpv4, RejectsMessagesShorterThanEightBytes) {
  const ByteSpan m = icmp_of(kIcmpv4EchoRequest);
  for (std::size_t n = 0; n < 8; ++n) EXPECT_EQ(Icmpv4View::check(m.first(n)), ParseError::truncated);
  EXPECT_EQ(Icmpv4View::check(m.first(8)), ParseError::none);
}

TEST(Rfc792Icmpv4, EverySingleByteCorruptionFailsTheChecksum) {
  std::vector<std::uint8_t> m = copy_of(icmp_of(kIcmpv4TimeExceeded));
  for (std::size_t i = 0; i < m.size(); ++i) {
    m[i] ^= 0x5a;
    EXPECT_FALSE(Icmpv4View::parse(m)->verify_checksum()) << i;
    m[i] ^= 0x5a;
  }
  EXPECT_TRUE(Icmpv4View::parse(m)->verify_checksum());
}

}  // namespace
}  // namespace tunkit
