#include "tunkit/capture/filter.hpp"

#include <gtest/gtest.h>

#include "tunkit/capture/fixtures_test.hpp"

namespace tunkit::capture {
namespace {

using testing::data_dir;
using testing::read_all;

std::size_t count_matching(const std::string& expression, const std::filesystem::path& file,
                           LinkType link) {
  auto filter = PacketFilter::compile(expression, link);
  EXPECT_TRUE(filter) << expression << ": " << (filter ? "" : filter.error().message);
  if (!filter) return 0;
  std::size_t n = 0;
  for (const auto& r : read_all(file)) n += filter->matches(r.span(), r.wire_length) ? 1 : 0;
  return n;
}

// tun.pcap: 2 ICMP (echo, reply) + 1 ICMP port unreachable, 2 ICMPv6, 10 TCP on port
// 7777, 1 UDP to 9999 (tests/data/dump/tun.txt).
TEST(PacketFilter, TcpdumpExpressionsOnRawIp) {
  const auto tun = data_dir() / "dump" / "tun.pcap";
  EXPECT_EQ(count_matching("", tun, LinkType::raw_ip), 16u);
  EXPECT_EQ(count_matching("icmp", tun, LinkType::raw_ip), 3u);
  EXPECT_EQ(count_matching("icmp6", tun, LinkType::raw_ip), 2u);
  EXPECT_EQ(count_matching("tcp port 7777", tun, LinkType::raw_ip), 10u);
  EXPECT_EQ(count_matching("tcp[tcpflags] & tcp-syn != 0", tun, LinkType::raw_ip), 2u);
  EXPECT_EQ(count_matching("udp and dst port 9999", tun, LinkType::raw_ip), 1u);
  EXPECT_EQ(count_matching("src host 10.98.0.2", tun, LinkType::raw_ip), 6u);
}

// Counts as `tcpdump -r FILE EXPR | wc -l` gives them.
TEST(PacketFilter, TcpdumpExpressionsOnEthernet) {
  const auto ether = data_dir() / "wire" / "ether.pcap";
  EXPECT_EQ(count_matching("arp", ether, LinkType::ethernet), 2u);  // untagged only, as tcpdump
  EXPECT_EQ(count_matching("vlan", ether, LinkType::ethernet), 2u);
  EXPECT_EQ(count_matching("ether src 02:00:00:00:01:02 and icmp", ether, LinkType::ethernet), 5u);
}

TEST(PacketFilter, SyntaxErrorIsEinvalWithLibpcapsMessage) {
  auto f = PacketFilter::compile("tcp port eighty", LinkType::raw_ip);
  ASSERT_FALSE(f);
  EXPECT_TRUE(f.error().is(std::errc::invalid_argument));
  EXPECT_NE(f.error().message.find("tcp port eighty"), std::string::npos) << f.error().message;
}

TEST(PacketFilter, LinkLayerFiltersNeedALinkLayer) {
  EXPECT_FALSE(PacketFilter::compile("ether host 02:00:00:00:00:01", LinkType::raw_ip));
  EXPECT_TRUE(PacketFilter::compile("ether host 02:00:00:00:00:01", LinkType::ethernet));
}

TEST(PacketFilter, EmptyPacketDoesNotMatchAnIpFilter) {
  auto f = PacketFilter::compile("ip", LinkType::raw_ip);
  ASSERT_TRUE(f);
  EXPECT_FALSE(f->matches(ByteSpan{}));
}

}  // namespace
}  // namespace tunkit::capture
