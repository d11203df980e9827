#include "tunkit/capture/printer.hpp"

#include <gtest/gtest.h>

#include "tunkit/capture/counters.hpp"
#include "tunkit/capture/fixtures_test.hpp"

namespace tunkit::capture {
namespace {

using testing::data_dir;
using testing::expect_golden;
using testing::read_all;

// `tunkit dump -r FILE --time utc [-v -x]` as a string, through the library alone.
std::string render(const std::filesystem::path& pcap, bool verbose) {
  LinkType link{};
  std::string out;
  for (const auto& r : read_all(pcap, &link)) {
    const DecodedPacket p = decode(r.span(), link);
    out += format_time(r.time, TimeStyle::utc) + " " + summary_line(p, r.wire_length) + "\n";
    if (verbose) out += layer_fields(p) + hex_dump(r.span());
  }
  return out;
}

// The golden one-line files were checked against `TZ=UTC tcpdump -nn -e -S -r` (TAP) and
// `TZ=UTC tcpdump -nn -S -r` (TUN): identical, line for line (tests/netns/dump_read_test.sh
// re-checks that whenever tcpdump is installed).
TEST(DumpGolden, EthernetFixturePrintsAsTcpdumpDoes) {
  expect_golden(data_dir() / "dump" / "ether.txt", render(data_dir() / "wire" / "ether.pcap", false));
}
TEST(DumpGolden, EthernetFixtureFieldByFieldWithHex) {
  expect_golden(data_dir() / "dump" / "ether_verbose.txt", render(data_dir() / "wire" / "ether.pcap", true));
}
TEST(DumpGolden, TunFixturePrintsAsTcpdumpDoes) {
  expect_golden(data_dir() / "dump" / "tun.txt", render(data_dir() / "dump" / "tun.pcap", false));
}
TEST(DumpGolden, TunFixtureFieldByFieldWithHex) {
  expect_golden(data_dir() / "dump" / "tun_verbose.txt", render(data_dir() / "dump" / "tun.pcap", true));
}
TEST(DumpGolden, MalformedPacketsNameTheLayerAndReason) {
  expect_golden(data_dir() / "dump" / "malformed.txt", render(data_dir() / "dump" / "malformed.pcap", true));
}

// Literal tcpdump 4.99 output for the fixtures' key packets (tcpdump -nn -e -S), so the
// contract survives a careless golden refresh.
TEST(TcpdumpStyle, KeyLinesMatchTcpdump) {
  const auto frames = read_all(data_dir() / "wire" / "ether.pcap");
  ASSERT_EQ(frames.size(), 50u);
  auto line = [&](std::size_t i) {
    return summary_line(decode(frames[i].span(), LinkType::ethernet), frames[i].wire_length);
  };
  EXPECT_EQ(line(11), "02:00:00:00:01:01 > ff:ff:ff:ff:ff:ff, ethertype ARP (0x0806), length 42: "
                      "Request who-has 10.99.1.2 tell 10.99.1.1, length 28");
  EXPECT_EQ(line(20), "02:00:00:00:01:01 > ff:ff:ff:ff:ff:ff, ethertype 802.1Q-QinQ (0x88a8), length 50: "
                      "vlan 200, p 0, ethertype 802.1Q (0x8100), vlan 300, p 0, ethertype ARP (0x0806), "
                      "Request who-has 10.99.3.2 tell 10.99.3.1, length 28");
  EXPECT_EQ(line(33), "02:00:00:00:01:02 > 02:00:00:00:01:01, ethertype IPv4 (0x0800), length 74: "
                      "10.99.1.2.5555 > 10.99.1.1.34574: Flags [S.], seq 3234712925, ack 4036541327, "
                      "win 65160, options [mss 1460,sackOK,TS val 43154622 ecr 3264014154,nop,wscale 10], "
                      "length 0");
  EXPECT_EQ(line(43), "02:00:00:00:01:02 > 02:00:00:00:01:01, ethertype IPv4 (0x0800), length 81: "
                      "10.99.1.2 > 10.99.1.1: ICMP 10.99.1.2 udp port 9999 unreachable, length 47");
  EXPECT_EQ(line(27), "02:00:00:00:01:01 > 02:00:00:00:01:02, ethertype IPv6 (0x86dd), length 622: "
                      "fd99:1::1 > fd99:1::2: frag (1448|560)");
}

TEST(TcpdumpStyle, TunLinesHaveTheIpPrefixAndNoLinkLayer) {
  const auto packets = read_all(data_dir() / "dump" / "tun.pcap");
  ASSERT_GE(packets.size(), 16u);
  const auto line0 = summary_line(decode(packets[0].span(), LinkType::raw_ip), packets[0].wire_length);
  EXPECT_TRUE(line0.starts_with("IP 10.98.0.1 > 10.98.0.2: ICMP echo request, id ")) << line0;
  const auto line2 = summary_line(decode(packets[2].span(), LinkType::raw_ip), packets[2].wire_length);
  EXPECT_TRUE(line2.starts_with("IP6 fd98::1 > fd98::2: ICMP6, echo request, id ")) << line2;
}

// The RFC 9293 §3.1 flag bits in tcpdump's letters and order.
TEST(TcpdumpStyle, RecordCarriesFlagsSeqAckAndIcmpType) {
  const auto packets = read_all(data_dir() / "dump" / "tun.pcap");
  const auto syn = decode(packets[4].span(), LinkType::raw_ip);
  const PacketRecord r = packet_record(syn, packets[4].time, packets[4].bytes.size(), packets[4].wire_length);
  EXPECT_EQ(r.tcp_flags_text, "S");
  EXPECT_EQ(r.tcp_flags, tcp_flags::syn);
  EXPECT_EQ(r.destination_port, 7777);
  EXPECT_EQ(r.ack, 0u);
  EXPECT_EQ(r.source, "10.98.0.1");
  EXPECT_EQ(r.length, 60u);
  EXPECT_FALSE(r.malformed_layer);
  const auto echo = decode(packets[0].span(), LinkType::raw_ip);
  const PacketRecord e = packet_record(echo, packets[0].time, packets[0].bytes.size(), packets[0].wire_length);
  EXPECT_EQ(e.icmp_type, 8);
  EXPECT_EQ(e.icmp_code, 0);
  EXPECT_EQ(e.transport, "icmp");
}

// Issue 3: every truncation of every fixture packet prints without a crash, and every cut
// into the IP datagram (or the ARP body) is reported as malformed.
TEST(Malformed, EveryTruncationOfEveryFixturePacketIsReported) {
  for (const auto& [file, link] : {std::pair{data_dir() / "wire" / "ether.pcap", LinkType::ethernet},
                                   std::pair{data_dir() / "dump" / "tun.pcap", LinkType::raw_ip}}) {
    for (const auto& r : read_all(file)) {
      const DecodedPacket whole = decode(r.span(), link);
      std::size_t needed = r.bytes.size();
      if (whole.ipv4) needed = whole.network_offset + whole.ipv4->total_length();
      if (whole.ipv6) needed = whole.network_offset + 40 + whole.ipv6->payload_length();
      if (whole.arp) needed = whole.network_offset + ArpView::kSize;
      for (std::size_t n = 0; n < r.bytes.size(); ++n) {
        const ByteSpan cut = r.span().first(n);
        const DecodedPacket p = decode(cut, link);
        const std::string line = summary_line(p, r.wire_length);
        const std::string fields = layer_fields(p);
        const PacketRecord rec = packet_record(p, r.time, n, r.wire_length);
        (void)hex_dump(cut);
        if (n < needed) {
          EXPECT_NE(p.error, ParseError::none) << file << " cut to " << n;
          EXPECT_NE(line.find("[malformed "), std::string::npos) << line;
          EXPECT_NE(fields.find("Malformed"), std::string::npos) << fields;
          EXPECT_TRUE(rec.malformed_layer);
        }
      }
    }
  }
}

TEST(Malformed, CountersCountMalformedAndBadChecksumsSeparately) {
  CaptureCounters counters;
  for (const auto& r : read_all(data_dir() / "dump" / "malformed.pcap"))
    counters.count(decode(r.span(), LinkType::raw_ip), r.wire_length);
  EXPECT_EQ(counters.packets, 13u);
  EXPECT_EQ(counters.malformed, 11u);
  EXPECT_EQ(counters.bad_checksums, 2u);
  EXPECT_EQ(counters.per_protocol.at("tcp"), 3u);
  EXPECT_EQ(counters.summary(),
            "13 packets, 669 bytes (icmp 3, ipv4-other 3, ipv6-other 1, other 2, tcp 3, udp 1); "
            "11 malformed, 2 bad checksums, 0 filtered out");
}

TEST(HexDump, MatchesTcpdumpDashX) {
  const std::uint8_t bytes[] = {0x45, 0x00, 0x00, 0x54, 'a', 'b', 0x7f, 0x20, 0x41};
  EXPECT_EQ(hex_dump(bytes), "\t0x0000:  4500 0054 6162 7f20 41                   E..Tab. A\n");
}

TEST(Time, StylesMatchTcpdump) {
  const Timestamp t(1'700'000'000'123'456'789);
  EXPECT_EQ(format_time(t, TimeStyle::utc), "22:13:20.123456");
  EXPECT_EQ(format_time(t, TimeStyle::epoch), "1700000000.123456");
  EXPECT_EQ(format_time(t, TimeStyle::none), "");
}

}  // namespace
}  // namespace tunkit::capture
