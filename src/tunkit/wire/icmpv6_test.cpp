#include "tunkit/wire/icmpv6.hpp"

#include <gtest/gtest.h>

#include <vector>

#include "tunkit/wire/ipv6.hpp"
#include "tunkit/wire/test_support_test.hpp"

namespace tunkit {
namespace {

using namespace tunkit::captures;
using testing::copy_of;
using testing::ip;
using testing::l3_of;
using testing::mac;

struct Message {
  Ipv6View ip;
  Icmpv6View icmp;
};

Message message_of(ByteSpan frame) {
  const auto v = Ipv6View::parse(l3_of(frame));
  const auto chain = Ipv6ExtensionChain::parse(*v);
  return {*v, *Icmpv6View::parse(v->bytes().subspan(chain->upper_offset()))};
}

bool verifies(const Message& m) { return m.icmp.verify_checksum(m.ip.source(), m.ip.destination()); }

TEST(Rfc4443Echo, DeconstructsRealRequestAndReply) {
  const Message req = message_of(kIcmpv6EchoRequest);
  EXPECT_EQ(req.icmp.type(), Icmpv6Type::echo_request);
  EXPECT_EQ(req.icmp.code(), 0);
  EXPECT_EQ(req.icmp.identifier(), 5039);
  EXPECT_EQ(req.icmp.sequence(), 1);
  EXPECT_EQ(req.icmp.data().size(), 56u);
  EXPECT_FALSE(req.icmp.is_error());
  EXPECT_FALSE(req.icmp.is_ndp());
  EXPECT_TRUE(verifies(req));
  const Message rep = message_of(kIcmpv6EchoReply);
  EXPECT_EQ(rep.icmp.type(), Icmpv6Type::echo_reply);
  EXPECT_EQ(rep.icmp.identifier(), 5039);
  EXPECT_TRUE(verifies(rep));
}

TEST(Rfc4443Echo, BuildsTheRealReplyFromTheRequest) {
  const Message req = message_of(kIcmpv6EchoRequest);
  const Message rep = message_of(kIcmpv6EchoReply);
  std::vector<std::uint8_t> out(8 + req.icmp.data().size());
  std::copy(req.icmp.data().begin(), req.icmp.data().end(), out.begin() + 8);
  const auto repr = Icmpv6Repr::echo(Icmpv6Type::echo_reply, 5039, 1,
                                     static_cast<std::uint16_t>(req.icmp.data().size()));
  ASSERT_EQ(repr.emit(out, rep.ip.source(), rep.ip.destination()), 8u);
  EXPECT_EQ(out, copy_of(rep.icmp.bytes()));
}

TEST(Rfc4443Errors, DeconstructsRealTimeExceededAndPortUnreachable) {
  const Message te = message_of(kIcmpv6TimeExceeded);
  EXPECT_EQ(te.icmp.type(), Icmpv6Type::time_exceeded);
  EXPECT_EQ(te.icmp.code(), 0);  // hop limit exceeded in transit
  EXPECT_TRUE(te.icmp.is_error());
  EXPECT_TRUE(verifies(te));
  const auto quoted = Ipv6View::parse_quoted(te.icmp.data());
  ASSERT_TRUE(quoted);
  EXPECT_EQ(quoted->destination(), ip("fd99:2::2"));

  const Message pu = message_of(kIcmpv6PortUnreachable);
  EXPECT_EQ(pu.icmp.type(), Icmpv6Type::destination_unreachable);
  EXPECT_EQ(pu.icmp.code(), 4);  // port unreachable
  EXPECT_TRUE(verifies(pu));
  const auto inner = Ipv6View::parse_quoted(pu.icmp.data());
  ASSERT_TRUE(inner);
  const auto chain = Ipv6ExtensionChain::parse(*inner);
  ASSERT_TRUE(chain);
  EXPECT_EQ(chain->upper_protocol(), IpProtocol::udp);  // through the quoted dest options
  EXPECT_EQ(load_be16(inner->bytes(), chain->upper_offset() + 2), 9999);
}

TEST(Rfc4861NeighborSolicitation, DeconstructsRealSolicitation) {
  const Message ns = message_of(kNdpNs);
  EXPECT_EQ(ns.ip.hop_limit(), 255);  // RFC 4861 §7.1.1
  EXPECT_EQ(ns.icmp.type(), Icmpv6Type::neighbor_solicitation);
  EXPECT_TRUE(ns.icmp.is_ndp());
  EXPECT_TRUE(verifies(ns));
  EXPECT_EQ(ns.icmp.target_address(), ip("fd99:1::2"));
  std::vector<NdpOption> options(ns.icmp.ndp_options().begin(), ns.icmp.ndp_options().end());
  ASSERT_EQ(options.size(), 1u);
  const auto slla = NdpLinkLayerOption::parse(options[0]);
  ASSERT_TRUE(slla);
  EXPECT_EQ(slla->type, NdpOptionType::source_link_layer_address);
  EXPECT_EQ(slla->address, mac("02:00:00:00:01:01"));
}

TEST(Rfc4861NeighborAdvertisement, DeconstructsRealAdvertisementFlags) {
  // Flags [router, solicited, override], destination link-address 02:00:00:00:01:02
  const Message na = message_of(kNdpNa);
  EXPECT_EQ(na.icmp.type(), Icmpv6Type::neighbor_advertisement);
  EXPECT_TRUE(na.icmp.router_flag());
  EXPECT_TRUE(na.icmp.solicited_flag());
  EXPECT_TRUE(na.icmp.override_flag());
  EXPECT_EQ(na.icmp.target_address(), ip("fd99:1::2"));
  EXPECT_TRUE(verifies(na));
  const auto tlla = NdpLinkLayerOption::parse(*na.icmp.ndp_options().begin());
  ASSERT_TRUE(tlla);
  EXPECT_EQ(tlla->type, NdpOptionType::target_link_layer_address);
  EXPECT_EQ(tlla->address, mac("02:00:00:00:01:02"));
}

TEST(Rfc4862DuplicateAddressDetection, KeepsUnknownNonceOptionAsTypeAndBytes) {
  // DAD from :: with a nonce option (type 14, RFC 7527) tcpdump calls "unknown".
  const Message dad = message_of(kNdpNsDad);
  EXPECT_EQ(dad.ip.source(), ip("::"));
  EXPECT_EQ(dad.icmp.target_address(), ip("fe80::ff:fe00:101"));
  EXPECT_TRUE(verifies(dad));
  const NdpOption nonce = *dad.icmp.ndp_options().begin();
  EXPECT_EQ(static_cast<int>(nonce.type), 14);
  EXPECT_EQ(nonce.bytes.size(), 8u);
  EXPECT_FALSE(NdpLinkLayerOption::parse(nonce));
}

TEST(Rfc4861RouterSolicitation, DeconstructsRealSolicitation) {
  const Message rs = message_of(kNdpRs);
  EXPECT_EQ(rs.icmp.type(), Icmpv6Type::router_solicitation);
  EXPECT_EQ(rs.ip.destination(), ip("ff02::2"));
  EXPECT_TRUE(verifies(rs));
  const auto slla = NdpLinkLayerOption::parse(*rs.icmp.ndp_options().begin());
  ASSERT_TRUE(slla);
  EXPECT_EQ(slla->address, mac("02:00:00:00:01:01"));
}

TEST(Rfc4861RouterAdvertisement, DeconstructsRealAdvertisementAndOptions) {
  // hop limit 64, Flags [none], router lifetime 1800s, reachable 0, retrans 0; options
  // SLLA 02:00:00:00:01:02, mtu 1500, prefix fd99:1::/64 [onlink, auto] 86400s/14400s.
  const Message ra = message_of(kNdpRa);
  EXPECT_EQ(ra.icmp.type(), Icmpv6Type::router_advertisement);
  EXPECT_EQ(ra.icmp.cur_hop_limit(), 64);
  EXPECT_FALSE(ra.icmp.managed_flag());
  EXPECT_FALSE(ra.icmp.other_flag());
  EXPECT_EQ(ra.icmp.router_lifetime(), 1800);
  EXPECT_EQ(ra.icmp.reachable_time(), 0u);
  EXPECT_EQ(ra.icmp.retrans_timer(), 0u);
  EXPECT_TRUE(verifies(ra));
  std::vector<NdpOption> options(ra.icmp.ndp_options().begin(), ra.icmp.ndp_options().end());
  ASSERT_EQ(options.size(), 3u);
  EXPECT_EQ(NdpLinkLayerOption::parse(options[0])->address, mac("02:00:00:00:01:02"));
  EXPECT_EQ(NdpMtuOption::parse(options[1])->mtu, 1500u);
  const auto prefix = NdpPrefixInformation::parse(options[2]);
  ASSERT_TRUE(prefix);
  EXPECT_EQ(*prefix, (NdpPrefixInformation{64, true, true, 86400, 14400, ip("fd99:1::")}));
}

TEST(Rfc4861RouterAdvertisement, BuildsTheRealAdvertisementByteForByte) {
  const Message ra = message_of(kNdpRa);
  std::vector<std::uint8_t> out(64, 0);
  const MutableByteSpan body(out);
  // Reachable time and retrans timer (bytes 8-15) stay 0.
  std::size_t at = 16;
  at += NdpLinkLayerOption{NdpOptionType::source_link_layer_address, mac("02:00:00:00:01:02")}.emit(body.subspan(at));
  at += NdpMtuOption{1500}.emit(body.subspan(at));
  at += NdpPrefixInformation{64, true, true, 86400, 14400, ip("fd99:1::")}.emit(body.subspan(at));
  ASSERT_EQ(at, 64u);
  const Icmpv6Repr repr{Icmpv6Type::router_advertisement, 0, 64u << 24 | 1800, 56};
  ASSERT_EQ(repr.emit(out, ra.ip.source(), ra.ip.destination()), 8u);
  EXPECT_EQ(out, copy_of(ra.icmp.bytes()));
}

TEST(Rfc3810Mldv2, ParsesRealReportBehindHopByHop) {
  const Message mld = message_of(kMldv2ReportHbh);
  EXPECT_EQ(mld.icmp.type(), Icmpv6Type::mld2_report);
  EXPECT_EQ(load_be16(mld.icmp.bytes(), 6), 2);  // number of multicast address records
  EXPECT_TRUE(verifies(mld));
}

TEST(Rfc4861Options, RejectsZeroLengthOption) {
  // §4.6: "Nodes MUST silently discard an ND packet that contains an option with length zero."
  std::vector<std::uint8_t> m = copy_of(message_of(kNdpNs).icmp.bytes());
  m[25] = 0;
  EXPECT_EQ(Icmpv6View::check(m), ParseError::bad_option);
  m[25] = 2;  // 16 bytes: past the end
  EXPECT_EQ(Icmpv6View::check(m), ParseError::bad_option);
  // The iterator over an unchecked area stops instead of looping or overrunning.
  m[25] = 0;
  std::size_t n = 0;
  for (auto o : NdpOptions(ByteSpan(m).subspan(24))) n += o.bytes.size();
  EXPECT_EQ(n, 0u);
}

TEST(Rfc4443Icmpv6, EveryTruncationBelowTheFixedBodyIsRejected) {
  struct Case {
    ByteSpan frame;
    std::size_t fixed;
  };
  for (const Case c : {Case{kNdpNs, 24}, Case{kNdpNa, 24}, Case{kNdpRa, 16}, Case{kNdpRs, 8},
                       Case{kIcmpv6EchoRequest, 8}, Case{kIcmpv6TimeExceeded, 8}}) {
    const ByteSpan m = message_of(c.frame).icmp.bytes();
    for (std::size_t n = 0; n < c.fixed; ++n)
      EXPECT_EQ(Icmpv6View::check(m.first(n)), ParseError::truncated) << n;
    // Cutting into an option leaves it running past the end.
    for (std::size_t n = c.fixed + 1; n < m.size() && Icmpv6View::parse(m)->is_ndp(); ++n)
      if ((n - c.fixed) % 8 != 0) {
        EXPECT_EQ(Icmpv6View::check(m.first(n)), ParseError::bad_option) << n;
      }
  }
}

TEST(Rfc4443Icmpv6, TypeSpecificReadsOnShortMessagesReturnZeros) {
  const ByteSpan echo = message_of(kIcmpv6EchoRequest).icmp.bytes().first(8);
  const auto v = Icmpv6View::parse(echo);
  ASSERT_TRUE(v);
  EXPECT_EQ(v->target_address(), ip("::"));
  EXPECT_EQ(v->redirect_destination(), ip("::"));
  EXPECT_EQ(v->reachable_time(), 0u);
  EXPECT_TRUE(v->data().empty());
}

TEST(Rfc4443Icmpv6, EverySingleByteCorruptionFailsTheChecksum) {
  const Message ra = message_of(kNdpRa);
  std::vector<std::uint8_t> m = copy_of(ra.icmp.bytes());
  for (std::size_t i = 0; i < m.size(); ++i) {
    m[i] ^= 0x81;
    if (const auto v = Icmpv6View::parse(m)) {
      EXPECT_FALSE(v->verify_checksum(ra.ip.source(), ra.ip.destination())) << i;
    }
    m[i] ^= 0x81;
  }
  // The pseudo-header counts too: the right bytes from the wrong source fail.
  EXPECT_FALSE(Icmpv6View::parse(m)->verify_checksum(ip("fe80::1"), ra.ip.destination()));
}

}  // namespace
}  // namespace tunkit
