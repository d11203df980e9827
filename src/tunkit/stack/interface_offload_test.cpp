// The IP layer with a TUN device's offloads (IFF_VNET_HDR), its output queue's room, and
// ICMP errors handed to TCP.
#include <gtest/gtest.h>

#include "tunkit/stack/interface.hpp"
#include "tunkit/stack/stack_test_support_test.hpp"
#include "tunkit/wire/checksum.hpp"
#include "tunkit/wire/gso.hpp"
#include "tunkit/wire/tcp.hpp"

namespace tunkit::stack {
namespace {

using namespace testing;

const IpAddress kHost = ip("10.0.0.9"), kPeer = ip("10.0.0.1");
const IpAddress kHost6 = ip("fd00::9"), kPeer6 = ip("fd00::1");
constexpr RxOffload kTrusted{.checksum_trusted = true, .gso_size = 0};

// A UDP datagram whose checksum field holds only the pseudo-header sum (CHECKSUM_PARTIAL).
Bytes partial_udp(const IpAddress& src, const IpAddress& dst, std::uint16_t dport, const Bytes& payload) {
  Bytes d = udp(src, dst, 40000, dport, payload);
  store_be16(d, 6, pseudo_header_sum(src, dst, 17, static_cast<std::uint32_t>(d.size())));
  return d;
}

// A TCP segment of `payload_length` bytes with a partial checksum, as the kernel's GSO
// hands a super-packet over.
Bytes partial_tcp(const IpAddress& src, const IpAddress& dst, std::size_t payload_length) {
  TcpRepr r;
  r.source_port = 40000;
  r.destination_port = 80;
  r.seq_number = 1;
  r.flags = tcp_flags::ack;
  r.window = 1000;
  r.payload_length = static_cast<std::uint16_t>(payload_length);
  Bytes segment(20 + payload_length, 0x5a);
  r.emit_partial_checksum(segment, src, dst);
  return src.family == IpFamily::v4 ? ipv4(src, dst, IpProtocol::tcp, segment) : ipv6(src, dst, IpProtocol::tcp, segment);
}

struct Seen {
  IpInfo info;
  std::size_t size = 0;
};

TEST(RxOffloadFromVirtio, ChecksumFlagsAreTrustedAndOnlyTcpGsoSizesKept) {
  VirtioNetHdrRepr v;
  EXPECT_FALSE(RxOffload::from_virtio(v).checksum_trusted);
  v.flags = VirtioNetHdrView::kFlagNeedsCsum;
  EXPECT_TRUE(RxOffload::from_virtio(v).checksum_trusted);
  v.flags = VirtioNetHdrView::kFlagDataValid;
  EXPECT_TRUE(RxOffload::from_virtio(v).checksum_trusted);
  v.gso_type = static_cast<std::uint8_t>(VirtioGsoType::tcpv6) | VirtioNetHdrView::kGsoEcn;
  v.gso_size = 1428;
  EXPECT_EQ(RxOffload::from_virtio(v).gso_size, 1428u);
  v.gso_type = static_cast<std::uint8_t>(VirtioGsoType::udp_l4);
  EXPECT_EQ(RxOffload::from_virtio(v).gso_size, 0u);
}

TEST(VirtioNetHdrRx, PartialUdpChecksumIsAcceptedOnlyWithTheFlag) {
  Interface host = make_host(Medium::ip);
  auto socket = host.udp_bind(5000);
  ASSERT_TRUE(socket);
  const Bytes packet = ipv4(kPeer, kHost, IpProtocol::udp, partial_udp(kPeer, kHost, 5000, Bytes{1, 2, 3}));
  host.receive(packet, kStart);
  EXPECT_EQ(host.counters()[Drop::udp_bad_checksum], 1u);
  EXPECT_FALSE(host.udp_receive(*socket));
  host.receive(packet, kStart, kTrusted);
  const auto d = host.udp_receive(*socket);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->payload, (Bytes{1, 2, 3}));
}

// Not verifying the transport checksum skips nothing else.
TEST(VirtioNetHdrRx, TrustedPacketStillPassesEveryOtherCheck) {
  Interface host = make_host(Medium::ip);
  ASSERT_TRUE(host.udp_bind(5000));
  Bytes bad_header = ipv4(kPeer, kHost, IpProtocol::udp, partial_udp(kPeer, kHost, 5000, Bytes{1}));
  bad_header[10] ^= 0xff;
  host.receive(bad_header, kStart, kTrusted);
  EXPECT_EQ(host.counters()[Drop::ipv4_bad_checksum], 1u);
  host.receive(ipv4(kPeer, ip("10.0.0.77"), IpProtocol::udp, partial_udp(kPeer, ip("10.0.0.77"), 5000, Bytes{1})),
               kStart, kTrusted);
  EXPECT_EQ(host.counters()[Drop::ipv4_not_for_us], 1u);
  host.receive(ipv4(kPeer, kHost, IpProtocol::udp, Bytes{0, 1, 2}), kStart, kTrusted);
  EXPECT_EQ(host.counters()[Drop::udp_truncated], 1u);
  host.receive(ipv4(kPeer, kHost, IpProtocol::udp, partial_udp(kPeer, kHost, 5001, Bytes{1})), kStart, kTrusted);
  EXPECT_EQ(host.counters()[Drop::udp_closed_port], 1u);
  EXPECT_EQ(host.counters()[Event::udp_received], 0u);
}

// No MTU check on input: a GSO super-packet reaches TCP whole, with its offload facts.
TEST(VirtioNetHdrRx, GsoSuperPacketLargerThanTheMtuReachesTcpWhole) {
  Interface host = make_host(Medium::ip);
  std::vector<Seen> seen;
  host.set_tcp_hook([&](const IpInfo& info, ByteSpan segment, Instant) { seen.push_back({info, segment.size()}); });
  const RxOffload gso{.checksum_trusted = true, .gso_size = 1448};
  host.receive(partial_tcp(kPeer, kHost, 65535 - 40), kStart, gso);
  host.receive(partial_tcp(kPeer6, kHost6, 65535 - 20), kStart, gso);
  host.receive(partial_tcp(kPeer, kHost, 100), kStart);  // the facts do not outlive their packet
  ASSERT_EQ(seen.size(), 3u);
  EXPECT_EQ(seen[0].size, 65535u - 20);
  EXPECT_TRUE(seen[0].info.checksum_trusted);
  EXPECT_EQ(seen[0].info.gso_size, 1448u);
  EXPECT_EQ(seen[1].size, 65535u);
  EXPECT_TRUE(seen[1].info.checksum_trusted);
  EXPECT_FALSE(seen[2].info.checksum_trusted);
  EXPECT_EQ(seen[2].info.gso_size, 0u);
  EXPECT_EQ(host.counters()[Event::rx_gso_packets], 2u);
  EXPECT_EQ(host.counters().total_drops(), 0u);
}

// The flags describe the packet they came with, not a datagram its arrival completes.
TEST(VirtioNetHdrRx, FlagsOfTheLastFragmentDoNotCoverTheReassembledDatagram) {
  Interface host = make_host(Medium::ip);
  auto socket = host.udp_bind(5000);
  ASSERT_TRUE(socket);
  const Bytes datagram = partial_udp(kPeer, kHost, 5000, Bytes(100, 9));  // checksum not valid
  const Bytes first(datagram.begin(), datagram.begin() + 64), rest(datagram.begin() + 64, datagram.end());
  host.receive(ipv4(kPeer, kHost, IpProtocol::udp, first, 77, 0, true), kStart);
  host.receive(ipv4(kPeer, kHost, IpProtocol::udp, rest, 77, 64, false), kStart, kTrusted);
  EXPECT_EQ(host.counters()[Event::datagrams_reassembled], 1u);
  EXPECT_EQ(host.counters()[Drop::udp_bad_checksum], 1u);
  EXPECT_FALSE(host.udp_receive(*socket));
}

Bytes tcp_payload(const IpAddress& src, const IpAddress& dst, std::size_t payload_length, TxOptions& options) {
  TcpRepr r;
  r.source_port = 80;
  r.destination_port = 40000;
  r.flags = tcp_flags::ack;
  r.payload_length = static_cast<std::uint16_t>(payload_length);
  Bytes segment(20 + payload_length);
  for (std::size_t i = 0; i < payload_length; ++i) segment[20 + i] = static_cast<std::uint8_t>(i);
  r.emit_partial_checksum(segment, src, dst);
  options.partial_checksum_at = 16;
  options.transport_header = 20;
  options.gso_size = static_cast<std::uint16_t>(1500 - (src.family == IpFamily::v4 ? 20 : 40) - 20);
  return segment;
}

TEST(VirtioNetHdrTx, SuperSegmentLeavesWholeWithItsVirtioHeader) {
  Interface host = make_host(Medium::ip, 1500, [](InterfaceConfig& c) { c.tso = true; });
  for (const auto& [src, dst] : {std::pair{kHost, kPeer}, std::pair{kHost6, kPeer6}}) {
    TxOptions options;
    const Bytes segment = tcp_payload(src, dst, 20 * std::size_t{1480 - (src.family == IpFamily::v4 ? 20u : 40u)}, options);
    host.send_ip(src, dst, IpProtocol::tcp, segment.size(),
                 [&](MutableByteSpan out) { std::copy(segment.begin(), segment.end(), out.begin()); }, options);
  }
  const auto out = drain_with_vnet(host);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(host.counters()[Event::fragments_sent], 0u);
  EXPECT_EQ(host.counters()[Event::tx_gso_packets], 2u);
  for (std::size_t i = 0; i < 2; ++i) {
    const std::size_t ip_header = i == 0 ? 20 : 40;
    const std::size_t mss = 1500 - ip_header - 20;
    const VirtioNetHdrRepr& v = out[i].vnet;
    EXPECT_EQ(out[i].bytes.size(), ip_header + 20 + 20 * mss);
    EXPECT_EQ(v.flags, VirtioNetHdrView::kFlagNeedsCsum);
    EXPECT_EQ(v.gso_type, static_cast<std::uint8_t>(i == 0 ? VirtioGsoType::tcpv4 : VirtioGsoType::tcpv6));
    EXPECT_EQ(v.gso_size, mss);
    EXPECT_EQ(v.hdr_len, ip_header + 20);
    EXPECT_EQ(v.csum_start, ip_header);
    EXPECT_EQ(v.csum_offset, 16u);
    std::vector<GsoSegment> segments(32);
    EXPECT_EQ(split_tcp(out[i].bytes, v.gso_size, segments, 1500), 20u);
  }
}

// Without TSO configured a super-segment is an oversized packet like any other: it is
// fragmented, and its partial checksum completed first since fragments cannot carry one.
TEST(VirtioNetHdrTx, WithoutTsoAnOversizedSegmentIsFragmentedWithItsChecksumCompleted) {
  Interface host = make_host(Medium::ip, 1500, [](InterfaceConfig& c) { c.tx_checksum_offload = true; });
  TxOptions options;
  const Bytes segment = tcp_payload(kHost, kPeer, 3000, options);
  host.send_ip(kHost, kPeer, IpProtocol::tcp, segment.size(),
               [&](MutableByteSpan out) { std::copy(segment.begin(), segment.end(), out.begin()); }, options);
  const auto out = drain_with_vnet(host);
  ASSERT_EQ(out.size(), 3u);
  Bytes whole;
  for (const auto& t : out) {
    EXPECT_EQ(t.vnet, VirtioNetHdrRepr{});
    const auto v = Ipv4View::parse(t.bytes);
    ASSERT_TRUE(v);
    EXPECT_FALSE(v->dont_fragment());
    whole.insert(whole.end(), v->payload().begin(), v->payload().end());
  }
  const auto tcp = TcpView::parse(whole);
  ASSERT_TRUE(tcp);
  EXPECT_TRUE(tcp->verify_checksum(kHost, kPeer));
}

// On TAP the virtio offsets count the Ethernet header too.
TEST(VirtioNetHdrTx, TapOffsetsCountTheEthernetHeader) {
  Interface host = make_host(Medium::ethernet, 1500, [](InterfaceConfig& c) { c.tso = true; });
  TxOptions options;
  const Bytes segment = tcp_payload(kHost, kPeer, 4 * 1460, options);
  host.send_ip(kHost, kPeer, IpProtocol::tcp, segment.size(),
               [&](MutableByteSpan out) { std::copy(segment.begin(), segment.end(), out.begin()); }, options);
  host.receive(ethernet(kHostMac, kPeerMac, EtherType::arp, arp(ArpOperation::reply, kPeerMac, kPeer, kHostMac, kHost)),
               kStart);
  const auto out = drain_with_vnet(host);
  ASSERT_EQ(out.size(), 2u);  // the ARP request, then the segment it held
  EXPECT_EQ(out[0].vnet, VirtioNetHdrRepr{});
  EXPECT_EQ(out[1].bytes.size(), 14 + 20 + 20 + 4 * 1460u);
  EXPECT_EQ(out[1].vnet.csum_start, 14 + 20u);
  EXPECT_EQ(out[1].vnet.hdr_len, 14 + 20 + 20u);
  EXPECT_EQ(out[1].vnet.gso_type, static_cast<std::uint8_t>(VirtioGsoType::tcpv4));
  Bytes frame = out[1].bytes;
  ASSERT_TRUE(complete_checksum(frame, out[1].vnet.csum_start, out[1].vnet.csum_offset));
  const auto v = Ipv4View::parse(ByteSpan(frame).subspan(14));
  ASSERT_TRUE(v);
  EXPECT_TRUE(TcpView::parse(v->payload())->verify_checksum(kHost, kPeer));
}

TEST(VirtioNetHdrTx, OtherPacketsCarryNoVirtioHeaderEvenWithOffloadsOn) {
  Interface host = make_host(Medium::ip, 1500, [](InterfaceConfig& c) { c.tso = true; });
  host.receive(ipv4(kPeer, kHost, IpProtocol::icmp, icmpv4_echo(1, 32)), kStart);
  const auto out = drain_with_vnet(host);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].vnet, VirtioNetHdrRepr{});
}

TEST(TxQueue, TxSpaceIsTheRoomLeftBelowTheLimit) {
  Interface host = make_host(Medium::ip, 1500, [](InterfaceConfig& c) { c.tx_queue_limit = 3; });
  EXPECT_EQ(host.tx_space(), 3u);
  for (int i = 0; i < 4; ++i) host.receive(ipv4(kPeer, kHost, IpProtocol::icmp, icmpv4_echo(1, 8)), kStart);
  EXPECT_EQ(host.tx_space(), 0u);
  EXPECT_EQ(host.counters()[Drop::tx_queue_full], 1u);
  host.transmit_done(2);
  EXPECT_EQ(host.tx_space(), 2u);
}

TEST(InterfaceConfig, TsoNeedsAMaximumBetweenTheMtuAndTheIpv4Limit) {
  InterfaceConfig c;
  c.addresses = {*IpPrefix::parse("10.0.0.9/24")};
  c.tso = true;
  c.max_tso_size = 70000;
  EXPECT_FALSE(Interface::create(c));
  c.max_tso_size = 1000;
  EXPECT_FALSE(Interface::create(c));
  c.max_tso_size = 65535;
  auto host = Interface::create(c);
  ASSERT_TRUE(host);
  EXPECT_TRUE(host->config().tx_checksum_offload);  // TSO implies it
}

// --- ICMP errors to TCP ---------------------------------------------------------------------

Bytes icmpv4_quoting(std::uint8_t type, std::uint8_t code, std::uint16_t mtu, const Bytes& offending) {
  Bytes message(8 + 28);
  std::copy_n(offending.begin(), 28, message.begin() + 8);
  Icmpv4Repr{Icmpv4Type{type}, code, mtu, 28}.emit(message);
  return ipv4(ip("10.0.0.254"), kHost, IpProtocol::icmp, message);
}

// What the hook saw; the quoted bytes are copied (the error views the packet only during
// the call).
struct SeenError {
  IcmpError error;
  Bytes transport;
};
Interface::IcmpErrorHook record(std::vector<SeenError>& seen) {
  return [&seen](const IcmpError& e, Instant) {
    seen.push_back({e, Bytes(e.transport.begin(), e.transport.end())});
    seen.back().error.transport = {};
  };
}

// RFC 1122 §3.2.2 / RFC 1191 §4: an error quoting a TCP segment of ours reaches TCP with the
// quoted addresses, at least 8 bytes of the TCP header and, for fragmentation needed, the MTU.
TEST(Rfc1122IcmpToTransport, ErrorsQuotingOurTcpReachTheTcpLayer) {
  Interface host = make_host(Medium::ip);
  std::vector<SeenError> seen_errors;
  host.set_tcp_error_hook(record(seen_errors));
  Bytes ours = ipv4(kHost, kPeer, IpProtocol::tcp, Bytes(20, 0xab));
  store_be16(ours, 2, 1500);  // the datagram was 1500 bytes long
  host.receive(icmpv4_quoting(3, 4, 1280, ours), kStart);
  host.receive(icmpv4_quoting(3, 4, 0, ours), kStart);
  host.receive(icmpv4_quoting(3, 3, 0, ours), kStart);
  ASSERT_EQ(seen_errors.size(), 3u);
  const IcmpError& e = seen_errors[0].error;
  EXPECT_EQ(e.kind(), IcmpErrorKind::packet_too_big);
  EXPECT_EQ(e.mtu, 1280u);
  EXPECT_EQ(e.source, kHost);
  EXPECT_EQ(e.destination, kPeer);
  EXPECT_EQ(e.reporter, ip("10.0.0.254"));
  EXPECT_EQ(seen_errors[0].transport, Bytes(8, 0xab));
  EXPECT_EQ(seen_errors[1].error.mtu, 1492u);  // RFC 1191 §5 / §7: the plateau below 1500
  EXPECT_EQ(seen_errors[2].error.kind(), IcmpErrorKind::hard);
  EXPECT_EQ(host.counters()[Event::icmp_errors_to_transport], 3u);
}

TEST(Rfc1122IcmpToTransport, ErrorsQuotingOtherProtocolsOrOtherHostsAreIgnored) {
  Interface host = make_host(Medium::ip);
  int calls = 0;
  host.set_tcp_error_hook([&](const IcmpError&, Instant) { ++calls; });
  host.receive(icmpv4_quoting(3, 3, 0, ipv4(kHost, kPeer, IpProtocol::udp, Bytes(20, 1))), kStart);
  host.receive(icmpv4_quoting(3, 3, 0, ipv4(ip("10.0.0.5"), kPeer, IpProtocol::tcp, Bytes(20, 1))), kStart);
  EXPECT_EQ(calls, 0);
  EXPECT_EQ(host.counters()[Drop::icmp_ignored], 2u);
}

TEST(Rfc8201PacketTooBig, Icmpv6ErrorQuotingOurTcpCarriesTheMtu) {
  Interface host = make_host(Medium::ip);
  std::vector<SeenError> seen;
  host.set_tcp_error_hook(record(seen));
  const Bytes ours = ipv6(kHost6, kPeer6, IpProtocol::tcp, Bytes(20, 0xcd));
  Bytes message(8 + 48);
  std::copy_n(ours.begin(), 48, message.begin() + 8);
  const IpAddress router = ip("fd00::fe");
  Icmpv6Repr{Icmpv6Type::packet_too_big, 0, 1400, 48}.emit(message, router, kHost6);
  host.receive(ipv6(router, kHost6, IpProtocol::icmpv6, message), kStart);
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].error.kind(), IcmpErrorKind::packet_too_big);
  EXPECT_EQ(seen[0].error.mtu, 1400u);
  EXPECT_EQ(seen[0].error.family, IpFamily::v6);
  EXPECT_EQ(seen[0].transport, Bytes(8, 0xcd));
  EXPECT_EQ(seen[0].error.destination, kPeer6);
}

}  // namespace
}  // namespace tunkit::stack
