#include "tunkit/stack/interface.hpp"

#include <gtest/gtest.h>

#include "tunkit/stack/stack_test_support_test.hpp"
#include "tunkit/stack/udp_services.hpp"
#include "tunkit/wire/checksum.hpp"

namespace tunkit::stack {
namespace {

using namespace testing;
using namespace std::chrono_literals;

const IpAddress kHost = ip("10.0.0.9"), kPeer = ip("10.0.0.1");

TEST(Rfc792Echo, ReplyCarriesIdentifierSequenceAndData) {
  Interface host = make_host(Medium::ip);
  host.receive(ipv4(kPeer, kHost, IpProtocol::icmp, icmpv4_echo(7, 56)), kStart);
  const auto out = drain(host);
  ASSERT_EQ(out.size(), 1u);
  const auto v = Ipv4View::parse(out[0]);
  ASSERT_TRUE(v);
  EXPECT_TRUE(v->verify_checksum());
  EXPECT_EQ(v->source(), kHost);
  EXPECT_EQ(v->destination(), kPeer);
  const auto icmp = Icmpv4View::parse(v->payload());
  ASSERT_TRUE(icmp);
  EXPECT_TRUE(icmp->verify_checksum());
  EXPECT_EQ(icmp->type(), Icmpv4Type::echo_reply);
  EXPECT_EQ(icmp->identifier(), 0x4242);
  EXPECT_EQ(icmp->sequence(), 7);
  const Bytes request = icmpv4_echo(7, 56);
  EXPECT_TRUE(std::equal(icmp->data().begin(), icmp->data().end(), request.begin() + 8, request.end()));
  EXPECT_EQ(host.counters()[Event::echo_replies_v4], 1u);
}

// Table of malformed IPv4 input: each is dropped under its own reason and nothing is sent.
TEST(Rfc1122InputChecks, MalformedIpv4IsCountedByReason) {
  const Bytes good = ipv4(kPeer, kHost, IpProtocol::icmp, icmpv4_echo(1, 8));
  struct Case {
    const char* name;
    Bytes bytes;
    Drop reason;
  };
  std::vector<Case> cases;
  Bytes b = good;
  b[10] ^= 0xff;
  cases.push_back({"header checksum", b, Drop::ipv4_bad_checksum});
  cases.push_back({"truncated header", Bytes(good.begin(), good.begin() + 12), Drop::ipv4_truncated});
  b = good;
  b[0] = 0x44;
  cases.push_back({"IHL 4", b, Drop::ipv4_bad_ihl});
  b = good;
  store_be16(b, 2, 200);
  cases.push_back({"total length beyond bytes", b, Drop::ipv4_bad_total_length});
  b = good;
  b[0] = 0x55;
  cases.push_back({"version 5", b, Drop::ip_bad_version});
  cases.push_back({"TTL 0", ipv4(kPeer, kHost, IpProtocol::icmp, icmpv4_echo(1, 8), 1, 0, false, 0),
                   Drop::ipv4_ttl_zero});
  cases.push_back({"not ours", ipv4(kPeer, ip("10.0.0.77"), IpProtocol::icmp, icmpv4_echo(1, 8)),
                   Drop::ipv4_not_for_us});
  cases.push_back({"broadcast source", ipv4(ip("10.0.0.255"), kHost, IpProtocol::icmp, icmpv4_echo(1, 8)),
                   Drop::ipv4_bad_source});
  b = good;
  b[20 + 2] ^= 0xff;
  cases.push_back({"ICMP checksum", b, Drop::icmp_bad_checksum});
  Bytes u = udp(kPeer, kHost, 1000, 7, Bytes{1, 2, 3, 4});
  u[6] ^= 0xff;
  cases.push_back({"UDP checksum", ipv4(kPeer, kHost, IpProtocol::udp, u), Drop::udp_bad_checksum});
  u = udp(kPeer, kHost, 1000, 7, Bytes{1, 2, 3, 4});
  store_be16(u, 4, 40);
  cases.push_back({"UDP length", ipv4(kPeer, kHost, IpProtocol::udp, u), Drop::udp_truncated});
  for (const auto& c : cases) {
    Interface host = make_host(Medium::ip);
    host.receive(c.bytes, kStart);
    EXPECT_EQ(host.counters()[c.reason], 1u) << c.name;
    EXPECT_EQ(host.counters().total_drops(), 1u) << c.name;
    EXPECT_EQ(host.transmit_count(), 0u) << c.name;
    host.receive(good, kStart);  // and it keeps answering
    EXPECT_EQ(host.transmit_count(), 1u) << c.name;
  }
}

TEST(Rfc1122PortUnreachable, ClosedUdpPortQuotesTheDatagram) {
  Interface host = make_host(Medium::ip);
  const Bytes datagram = ipv4(kPeer, kHost, IpProtocol::udp, udp(kPeer, kHost, 40000, 9999, Bytes(10, 0xab)));
  host.receive(datagram, kStart);
  const auto out = drain(host);
  ASSERT_EQ(out.size(), 1u);
  const auto v = Ipv4View::parse(out[0]);
  const auto icmp = Icmpv4View::parse(v->payload());
  ASSERT_TRUE(icmp);
  EXPECT_EQ(icmp->type(), Icmpv4Type::destination_unreachable);
  EXPECT_EQ(icmp->code(), static_cast<std::uint8_t>(Icmpv4Unreachable::port));
  EXPECT_TRUE(icmp->verify_checksum());
  EXPECT_EQ(Bytes(icmp->data().begin(), icmp->data().end()), datagram);
  EXPECT_EQ(host.counters()[Drop::udp_closed_port], 1u);
}

TEST(Rfc1122PortUnreachable, NeverForBroadcast) {
  Interface host = make_host(Medium::ip);
  const IpAddress bcast = ip("10.0.0.255");
  host.receive(ipv4(kPeer, bcast, IpProtocol::udp, udp(kPeer, bcast, 40000, 9999, Bytes(4, 1))), kStart);
  EXPECT_EQ(host.transmit_count(), 0u);
  EXPECT_EQ(host.counters()[Drop::udp_closed_port], 1u);
}

TEST(Rfc4443RateLimit, IcmpErrorsFollowATokenBucket) {
  Interface host = make_host(Medium::ip);  // 100 per second, burst 20
  const Bytes datagram = ipv4(kPeer, kHost, IpProtocol::udp, udp(kPeer, kHost, 40000, 9999, Bytes(4, 1)));
  for (int i = 0; i < 30; ++i) host.receive(datagram, kStart);
  EXPECT_EQ(drain(host).size(), 20u);
  EXPECT_EQ(host.counters()[Drop::icmp_rate_limited], 10u);
  // 50 ms later five tokens (one per 10 ms) have come back.
  for (int i = 0; i < 30; ++i) host.receive(datagram, kStart + 50ms);
  EXPECT_EQ(drain(host).size(), 5u);
  // After a long pause the bucket is full again, never fuller.
  for (int i = 0; i < 30; ++i) host.receive(datagram, kStart + 10s);
  EXPECT_EQ(drain(host).size(), 20u);
}

TEST(Rfc862Echo, UdpEchoServiceAnswersFromTheAddressAsked) {
  Interface host = make_host(Medium::ip);
  auto echo = UdpService::bind(host, UdpServiceKind::echo, 7);
  ASSERT_TRUE(echo);
  auto discard = UdpService::bind(host, UdpServiceKind::discard, 9);
  ASSERT_TRUE(discard);
  EXPECT_FALSE(host.udp_bind(7));  // in use
  host.receive(ipv4(kPeer, kHost, IpProtocol::udp, udp(kPeer, kHost, 40000, 7, Bytes{'h', 'i'})), kStart);
  host.receive(ipv4(kPeer, kHost, IpProtocol::udp, udp(kPeer, kHost, 40000, 9, Bytes{'x'})), kStart);
  EXPECT_EQ(echo->run(host), 1u);
  EXPECT_EQ(discard->run(host), 1u);
  const auto out = drain(host);
  ASSERT_EQ(out.size(), 1u);
  const auto v = Ipv4View::parse(out[0]);
  const auto u = UdpView::parse(v->payload());
  ASSERT_TRUE(u);
  EXPECT_TRUE(u->verify_checksum(v->source(), v->destination()));
  EXPECT_EQ(v->source(), kHost);
  EXPECT_EQ(u->source_port(), 7);
  EXPECT_EQ(u->destination_port(), 40000);
  EXPECT_EQ(Bytes(u->payload().begin(), u->payload().end()), (Bytes{'h', 'i'}));
}

TEST(Rfc791Fragmentation, LargeOutputLeavesAsFragmentsOfMultiplesOfEight) {
  Interface host = make_host(Medium::ip, 1280);
  auto socket = host.udp_bind(5000);
  ASSERT_TRUE(socket);
  Bytes payload(3000);
  for (std::size_t i = 0; i < payload.size(); ++i) payload[i] = static_cast<std::uint8_t>(i * 7);
  host.receive(Bytes{}, kStart);  // sets the clock (and is counted as a bad version)
  ASSERT_TRUE(host.udp_send(*socket, {kPeer, 6000}, payload));
  const auto out = drain(host);
  ASSERT_EQ(out.size(), 3u);  // 3008 bytes of UDP in (1280 - 20) & ~7 = 1256-byte pieces
  Bytes whole;
  for (std::size_t i = 0; i < out.size(); ++i) {
    const auto v = Ipv4View::parse(out[i]);
    ASSERT_TRUE(v);
    EXPECT_LE(out[i].size(), 1280u);
    EXPECT_TRUE(v->verify_checksum());
    EXPECT_EQ(v->fragment_offset(), i * 1256);
    EXPECT_EQ(v->more_fragments(), i + 1 < out.size());
    EXPECT_EQ(v->identification(), Ipv4View::parse(out[0])->identification());
    whole.insert(whole.end(), v->payload().begin(), v->payload().end());
  }
  const auto u = UdpView::parse(whole);
  ASSERT_TRUE(u);
  EXPECT_TRUE(u->verify_checksum(kHost, kPeer));
  EXPECT_EQ(Bytes(u->payload().begin(), u->payload().end()), payload);
}

TEST(Rfc791Reassembly, FragmentedEchoIsReassembledAndTheReplyFragmented) {
  Interface host = make_host(Medium::ip);
  const Bytes message = icmpv4_echo(3, 3992);  // 4000 bytes of ICMP, like ping -s 3992
  // Sent out of order: last, first, middle.
  const std::size_t pieces[][2] = {{2960, 4000}, {0, 1480}, {1480, 2960}};
  for (const auto& p : pieces)
    host.receive(ipv4(kPeer, kHost, IpProtocol::icmp,
                      Bytes(message.begin() + static_cast<std::ptrdiff_t>(p[0]),
                            message.begin() + static_cast<std::ptrdiff_t>(p[1])),
                      77, static_cast<std::uint16_t>(p[0]), p[1] != 4000),
                 kStart);
  EXPECT_EQ(host.counters()[Event::datagrams_reassembled], 1u);
  const auto out = drain(host);
  ASSERT_EQ(out.size(), 3u);
  Bytes reply;
  for (const auto& f : out) {
    const auto v = Ipv4View::parse(f);
    ASSERT_TRUE(v);
    reply.insert(reply.end(), v->payload().begin(), v->payload().end());
  }
  const auto icmp = Icmpv4View::parse(reply);
  ASSERT_TRUE(icmp);
  EXPECT_TRUE(icmp->verify_checksum());
  EXPECT_EQ(icmp->type(), Icmpv4Type::echo_reply);
  EXPECT_EQ(icmp->sequence(), 3);
  EXPECT_EQ(icmp->data().size(), 3992u);
  EXPECT_EQ(host.reassembly_datagrams(), 0u);
}

TEST(Rfc791Reassembly, IncompleteDatagramTimesOutOnTheVirtualClock) {
  Interface host = make_host(Medium::ip);
  host.receive(ipv4(kPeer, kHost, IpProtocol::udp, Bytes(16, 1), 5, 0, true), kStart);
  host.receive(ipv4(kPeer, kHost, IpProtocol::udp, Bytes(16, 1), 6, 0, true), kStart + 10s);
  EXPECT_EQ(host.reassembly_datagrams(), 2u);
  EXPECT_EQ(host.poll_at(), kStart + 10s);  // the start-up poll is due at once
  host.poll(kStart + 10s);
  EXPECT_EQ(host.poll_at(), kStart + 30s);
  host.poll(kStart + 30s - 1ns);
  EXPECT_EQ(host.reassembly_datagrams(), 2u);
  host.poll(kStart + 30s);
  EXPECT_EQ(host.reassembly_datagrams(), 1u);
  EXPECT_EQ(host.counters()[Drop::fragment_timeout], 1u);
  EXPECT_EQ(host.poll_at(), kStart + 40s);
}

TEST(Rfc5722Overlap, OverlappingFragmentsDiscardTheDatagram) {
  Interface host = make_host(Medium::ip);
  host.receive(ipv4(kPeer, kHost, IpProtocol::udp, Bytes(16, 1), 9, 0, true), kStart);
  host.receive(ipv4(kPeer, kHost, IpProtocol::udp, Bytes(16, 2), 9, 8, false), kStart);
  EXPECT_EQ(host.counters()[Drop::fragment_overlap], 2u);
  EXPECT_EQ(host.reassembly_datagrams(), 0u);
  EXPECT_EQ(host.transmit_count(), 0u);
}

// --- TAP: ARP ----------------------------------------------------------------------

TEST(Rfc826Arp, AnswersWhoHasForOurAddressAndLearnsTheAsker) {
  Interface host = make_host(Medium::ethernet);
  host.receive(ethernet(MacAddress::broadcast(), kPeerMac, EtherType::arp,
                        arp(ArpOperation::request, kPeerMac, kPeer, MacAddress{}, kHost)),
               kStart);
  const auto out = drain(host);
  ASSERT_EQ(out.size(), 1u);
  const auto eth = EthernetView::parse(out[0]);
  EXPECT_EQ(eth->destination(), kPeerMac);
  EXPECT_EQ(eth->source(), kHostMac);
  EXPECT_EQ(eth->ether_type(), EtherType::arp);
  const auto reply = ArpView::parse(eth->payload());
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->operation(), ArpOperation::reply);
  EXPECT_EQ(reply->sender_hardware_address(), kHostMac);
  EXPECT_EQ(reply->sender_protocol_address(), kHost);
  EXPECT_EQ(reply->target_hardware_address(), kPeerMac);
  EXPECT_EQ(reply->target_protocol_address(), kPeer);
  EXPECT_EQ(host.arp_cache().lookup(kPeer, kStart), kPeerMac);
}

TEST(Rfc826Arp, RequestForAnotherAddressIsNotAnsweredNorLearned) {
  Interface host = make_host(Medium::ethernet);
  host.receive(ethernet(MacAddress::broadcast(), kPeerMac, EtherType::arp,
                        arp(ArpOperation::request, kPeerMac, kPeer, MacAddress{}, ip("10.0.0.50"))),
               kStart);
  EXPECT_EQ(host.transmit_count(), 0u);
  EXPECT_EQ(host.counters()[Drop::arp_not_for_us], 1u);
  EXPECT_FALSE(host.arp_cache().state(kPeer));
}

TEST(Rfc5227Announce, FirstPollSendsGratuitousArp) {
  Interface host = make_host(Medium::ethernet);
  host.poll(kStart);
  const auto out = drain(host);
  ASSERT_EQ(out.size(), 1u);
  const auto a = ArpView::parse(EthernetView::parse(out[0])->payload());
  EXPECT_EQ(a->sender_protocol_address(), kHost);
  EXPECT_EQ(a->target_protocol_address(), kHost);
  host.poll(kStart + 1s);
  EXPECT_EQ(host.transmit_count(), 0u);  // once
}

TEST(Rfc826Resolution, RetriesThenDropsWhatWaited) {
  Interface host = make_host(Medium::ethernet);
  host.poll(kStart);
  drain(host);
  auto socket = host.udp_bind(5000);
  const IpAddress other = ip("10.0.0.5");
  ASSERT_TRUE(host.udp_send(*socket, {other, 53}, Bytes{1}));
  auto out = drain(host);
  ASSERT_EQ(out.size(), 1u);  // the first request, the datagram held
  EXPECT_EQ(ArpView::parse(EthernetView::parse(out[0])->payload())->target_protocol_address(), other);
  EXPECT_EQ(host.poll_at(), kStart + 1s);
  host.poll(kStart + 1s);
  EXPECT_EQ(drain(host).size(), 1u);  // retry 2
  host.poll(kStart + 2s);
  EXPECT_EQ(drain(host).size(), 1u);  // retry 3
  EXPECT_EQ(host.counters()[Event::arp_requests_sent], 3u);
  host.poll(kStart + 3s);
  EXPECT_EQ(drain(host).size(), 0u);
  EXPECT_EQ(host.counters()[Drop::neighbor_unresolved], 1u);
  EXPECT_FALSE(host.arp_cache().state(other));
}

TEST(Rfc826Resolution, BoundedQueueFlushesOnReplyAndEntryExpires) {
  Interface host = make_host(Medium::ethernet);
  host.poll(kStart);
  drain(host);
  auto socket = host.udp_bind(5000);
  const IpAddress other = ip("10.0.0.5");
  const MacAddress other_mac = mac("02:00:00:00:00:05");
  for (std::uint8_t i = 0; i < 20; ++i) ASSERT_TRUE(host.udp_send(*socket, {other, 53}, Bytes{i}));
  EXPECT_EQ(drain(host).size(), 1u);  // one ARP request, not twenty
  EXPECT_EQ(host.counters()[Drop::neighbor_queue_full], 4u);  // 16 kept, the newest (RFC 1122 §2.3.2.2)
  host.receive(ethernet(kHostMac, other_mac, EtherType::arp,
                        arp(ArpOperation::reply, other_mac, other, kHostMac, kHost)),
               kStart + 100ms);
  const auto out = drain(host);
  ASSERT_EQ(out.size(), 16u);
  for (std::size_t i = 0; i < out.size(); ++i) {
    const auto eth = EthernetView::parse(out[i]);
    EXPECT_EQ(eth->destination(), other_mac);
    const auto u = UdpView::parse(Ipv4View::parse(eth->payload())->payload());
    EXPECT_EQ(u->payload()[0], i + 4);  // in order, the oldest four gone
  }
  // Lifetime 60 s: after that the entry is gone and sending resolves again.
  EXPECT_EQ(host.arp_cache().lookup(other, kStart + 60s), other_mac);
  host.poll(kStart + 100ms + 60s);
  EXPECT_FALSE(host.arp_cache().state(other));
  ASSERT_TRUE(host.udp_send(*socket, {other, 53}, Bytes{1}));
  EXPECT_EQ(ArpView::parse(EthernetView::parse(drain(host).at(0))->payload())->operation(), ArpOperation::request);
}

TEST(Rfc826Resolution, OffLinkGoesToTheGateway) {
  Interface host = make_host(Medium::ethernet);
  host.poll(kStart);
  drain(host);
  auto socket = host.udp_bind(5000);
  ASSERT_TRUE(host.udp_send(*socket, {ip("192.0.2.1"), 53}, Bytes{1}));
  EXPECT_EQ(ArpView::parse(EthernetView::parse(drain(host).at(0))->payload())->target_protocol_address(), kPeer);
  // No IPv6 gateway: no route.
  ASSERT_TRUE(host.udp_send(*socket, {ip("2001:db8::1"), 53}, Bytes{1}));
  EXPECT_EQ(host.counters()[Drop::no_route], 1u);
}

// --- TAP: NDP ----------------------------------------------------------------------

Bytes neighbor_solicitation(const IpAddress& src, const IpAddress& dst, const IpAddress& target,
                            std::optional<MacAddress> source_lla, std::uint8_t hop_limit = 255) {
  Bytes body(8 + 16 + (source_lla ? 8 : 0));
  std::copy(target.bytes.begin(), target.bytes.end(), body.begin() + 8);
  if (source_lla) NdpLinkLayerOption{NdpOptionType::source_link_layer_address, *source_lla}.emit(MutableByteSpan(body).subspan(24));
  Icmpv6Repr{Icmpv6Type::neighbor_solicitation, 0, 0, static_cast<std::uint16_t>(body.size() - 8)}.emit(body, src, dst);
  return ipv6(src, dst, IpProtocol::icmpv6, body, hop_limit);
}

const IpAddress kHost6 = ip("fd00::9"), kPeer6 = ip("fe80::1");
const MacAddress kSolicitedNodeMac = mac("33:33:ff:00:00:09");

TEST(Rfc4861Ndp, AnswersSolicitationSentToTheSolicitedNodeGroup) {
  Interface host = make_host(Medium::ethernet);
  host.receive(ethernet(kSolicitedNodeMac, kPeerMac, EtherType::ipv6,
                        neighbor_solicitation(kPeer6, ip("ff02::1:ff00:9"), kHost6, kPeerMac)),
               kStart);
  const auto out = drain(host);
  ASSERT_EQ(out.size(), 1u);
  const auto eth = EthernetView::parse(out[0]);
  EXPECT_EQ(eth->destination(), kPeerMac);  // learned from the source link-layer option
  const auto v6 = Ipv6View::parse(eth->payload());
  ASSERT_TRUE(v6);
  EXPECT_EQ(v6->hop_limit(), 255);
  EXPECT_EQ(v6->source(), kHost6);
  EXPECT_EQ(v6->destination(), kPeer6);
  const auto na = Icmpv6View::parse(v6->payload());
  ASSERT_TRUE(na);
  EXPECT_TRUE(na->verify_checksum(v6->source(), v6->destination()));
  EXPECT_EQ(na->type(), Icmpv6Type::neighbor_advertisement);
  EXPECT_TRUE(na->solicited_flag());
  EXPECT_TRUE(na->override_flag());
  EXPECT_FALSE(na->router_flag());
  EXPECT_EQ(na->target_address(), kHost6);
  std::optional<MacAddress> tlla;
  for (const auto& o : na->ndp_options())
    if (auto l = NdpLinkLayerOption::parse(o)) tlla = l->address;
  EXPECT_EQ(tlla, kHostMac);
  EXPECT_EQ(host.ndp_cache().lookup(kPeer6, kStart), kPeerMac);
}

TEST(Rfc4861Ndp, OtherSolicitedNodeGroupsAreNotOurs) {
  Interface host = make_host(Medium::ethernet);
  host.receive(ethernet(mac("33:33:ff:00:00:08"), kPeerMac, EtherType::ipv6,
                        neighbor_solicitation(kPeer6, ip("ff02::1:ff00:8"), ip("fd00::8"), kPeerMac)),
               kStart);
  EXPECT_EQ(host.counters()[Drop::link_not_for_us], 1u);
  EXPECT_EQ(host.transmit_count(), 0u);
}

TEST(Rfc4861Ndp, ValidationRejectsHopLimitBelow255AndForeignTargets) {
  Interface host = make_host(Medium::ethernet);
  host.receive(ethernet(kSolicitedNodeMac, kPeerMac, EtherType::ipv6,
                        neighbor_solicitation(kPeer6, ip("ff02::1:ff00:9"), kHost6, kPeerMac, 64)),
               kStart);
  EXPECT_EQ(host.counters()[Drop::ndp_invalid], 1u);
  // Same solicited-node group (the low 24 bits match) but a target that is not ours.
  host.receive(ethernet(kSolicitedNodeMac, kPeerMac, EtherType::ipv6,
                        neighbor_solicitation(kPeer6, ip("ff02::1:ff00:9"), ip("fd00:1::9"), kPeerMac)),
               kStart);
  EXPECT_EQ(host.counters()[Drop::ndp_not_for_us], 1u);
  EXPECT_EQ(host.transmit_count(), 0u);
}

TEST(Rfc4861Ndp, DuplicateAddressDetectionIsAnsweredToAllNodes) {
  Interface host = make_host(Medium::ethernet);
  host.receive(ethernet(kSolicitedNodeMac, kPeerMac, EtherType::ipv6,
                        neighbor_solicitation(ip("::"), ip("ff02::1:ff00:9"), kHost6, std::nullopt)),
               kStart);
  const auto out = drain(host);
  ASSERT_EQ(out.size(), 1u);
  const auto eth = EthernetView::parse(out[0]);
  EXPECT_EQ(eth->destination(), mac("33:33:00:00:00:01"));
  const auto na = Icmpv6View::parse(Ipv6View::parse(eth->payload())->payload());
  EXPECT_FALSE(na->solicited_flag());
}

TEST(Rfc4443Echo, Ipv6EchoOverTun) {
  Interface host = make_host(Medium::ip);
  Bytes body(8 + 4, 0x5a);
  Icmpv6Repr::echo(Icmpv6Type::echo_request, 1, 2, 4).emit(body, kPeer6, kHost6);
  host.receive(ipv6(kPeer6, kHost6, IpProtocol::icmpv6, body), kStart);
  const auto out = drain(host);
  ASSERT_EQ(out.size(), 1u);
  const auto v6 = Ipv6View::parse(out[0]);
  const auto reply = Icmpv6View::parse(v6->payload());
  EXPECT_EQ(reply->type(), Icmpv6Type::echo_reply);
  EXPECT_TRUE(reply->verify_checksum(kHost6, kPeer6));
  EXPECT_EQ(reply->sequence(), 2);
}

TEST(InterfaceConfig, RejectsWhatCannotWork) {
  InterfaceConfig c;
  EXPECT_FALSE(Interface::create(c));  // no address
  c.addresses = {*IpPrefix::parse("fd00::9/64")};
  c.mtu = 1000;
  EXPECT_FALSE(Interface::create(c));  // IPv6 below 1280
  c.mtu = 1500;
  c.gateways = {ip("fd01::1")};
  EXPECT_FALSE(Interface::create(c));  // gateway off-link
  c.gateways = {ip("fd00::1")};
  EXPECT_TRUE(Interface::create(c));
}

}  // namespace
}  // namespace tunkit::stack
