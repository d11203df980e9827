#include "tunkit/wg/endpoint.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>

#include <cstring>

namespace tunkit::wg {
namespace {

IpAddress ip(std::string_view text) {
  auto address = IpAddress::parse(text);
  EXPECT_TRUE(address) << text;
  return address.value_or(IpAddress{});
}

TEST(EndpointText, ParsesIpv4AndBracketedIpv6AsNetipParseAddrPortDoes) {
  auto v4 = Endpoint::parse("192.0.2.1:51820");
  ASSERT_TRUE(v4);
  EXPECT_EQ(v4->address, IpAddress::v4(192, 0, 2, 1));
  EXPECT_EQ(v4->port, 51820);
  auto v6 = Endpoint::parse("[fd00::9]:51821");
  ASSERT_TRUE(v6);
  EXPECT_EQ(v6->address, ip("fd00::9"));
  EXPECT_EQ(v6->port, 51821);
  // Leading zeros in the port are plain decimal to strconv.ParseUint.
  EXPECT_EQ(Endpoint::parse("10.0.0.1:00080")->port, 80);
  EXPECT_EQ(Endpoint::parse("10.0.0.1:0")->port, 0);
  EXPECT_EQ(Endpoint::parse("[::ffff:10.0.0.1]:1")->address.family, IpFamily::v6);
}

// Each of these is refused by wireguard-go (checked against v0.0.20220316) or by netip.
TEST(EndpointText, RefusesWhatWireguardGoRefuses) {
  for (std::string_view bad : {
           "",                      // empty
           "10.0.0.1",              // no port
           "10.0.0.1:",             // empty port
           "10.0.0.1:65536",        // port out of range
           "10.0.0.1:+80",          // signed port
           "10.0.0.1: 80",          // space
           "10.0.0.1:0x50",         // not decimal
           "fd00::1:5",             // IPv6 without brackets
           "[1.2.3.4]:5",           // IPv4 in brackets
           "010.1.2.3:5",           // octet with leading zero
           "[fe80::1%eth0]:51820",  // zone
           "[fd00::1]",             // brackets, no port
           "[fd00::1:5",            // unmatched bracket
           "fd00::1]:5",            // unmatched bracket
           "host.example:51820",    // a name is not an address
       })
    EXPECT_FALSE(Endpoint::parse(bad)) << bad;
}

TEST(EndpointText, ToStringIsTheInverseOfParse) {
  for (std::string_view text : {"192.0.2.1:51820", "[fd00::9]:51821", "[::1]:1", "0.0.0.0:0",
                                "[2607:5300:60:6b0::c05f:543]:2468", "[::ffff:10.0.0.1]:7"}) {
    auto endpoint = Endpoint::parse(text);
    ASSERT_TRUE(endpoint) << text;
    EXPECT_EQ(endpoint->to_string(), text);
  }
}

// wireguard-go printed "endpoint=[::1:2]:5" for this address; glibc's inet_ntop would
// print "::0.1.0.2". format_address follows Go.
TEST(FormatAddress, MatchesGoNetipNotInetNtopForEmbeddedIpv4) {
  EXPECT_EQ(format_address(ip("::1:2")), "::1:2");
  EXPECT_EQ(format_address(ip("::1.2.3.4")), "::102:304");
  EXPECT_EQ(format_address(ip("::ffff:10.0.0.1")), "::ffff:10.0.0.1");
}

TEST(FormatAddress, FollowsRfc5952ZeroCompression) {
  EXPECT_EQ(format_address(ip("::")), "::");
  EXPECT_EQ(format_address(ip("::1")), "::1");
  EXPECT_EQ(format_address(ip("1::")), "1::");
  EXPECT_EQ(format_address(ip("FD00:0009:0:0:0:0:0:0")), "fd00:9::");
  // A single zero group is not compressed (§4.2.2).
  EXPECT_EQ(format_address(ip("1:0:2:3:4:5:6:7")), "1:0:2:3:4:5:6:7");
  // The longest run wins; on a tie the first (§4.2.3).
  EXPECT_EQ(format_address(ip("1:0:0:2:0:0:0:3")), "1:0:0:2::3");
  EXPECT_EQ(format_address(ip("1:0:0:2:3:0:0:4")), "1::2:3:0:0:4");
  EXPECT_EQ(format_address(ip("10.9.0.1")), "10.9.0.1");
}

TEST(PrefixText, StrictParseRequiresTheSlashAsNetipParsePrefixDoes) {
  auto prefix = parse_prefix_strict("10.9.5.77/24");
  ASSERT_TRUE(prefix);
  EXPECT_EQ(prefix->address, IpAddress::v4(10, 9, 5, 77));  // host bits kept
  EXPECT_EQ(prefix->length, 24);
  EXPECT_EQ(parse_prefix_strict("fd00:9::/64")->length, 64);
  EXPECT_EQ(parse_prefix_strict("0.0.0.0/0")->length, 0);
  for (std::string_view bad : {"10.9.5.1", "10.9.5.1/", "10.9.5.1/33", "fd00::/129", "10.0.0.0/024",
                               "10.0.0.0/+8", "/8", "10.0.0.0/8 ", "fd00::%eth0/64"})
    EXPECT_FALSE(parse_prefix_strict(bad)) << bad;
}

TEST(PrefixText, MaskedClearsExactlyTheHostBits) {
  EXPECT_EQ(format_prefix(masked(*parse_prefix_strict("10.9.5.77/24"))), "10.9.5.0/24");
  EXPECT_EQ(format_prefix(masked(*parse_prefix_strict("10.255.255.255/9"))), "10.128.0.0/9");
  EXPECT_EQ(format_prefix(masked(*parse_prefix_strict("10.1.2.3/32"))), "10.1.2.3/32");
  EXPECT_EQ(format_prefix(masked(*parse_prefix_strict("10.1.2.3/0"))), "0.0.0.0/0");
  EXPECT_EQ(format_prefix(masked(*parse_prefix_strict("fd00:9:ffff::1/35"))), "fd00:9:e000::/35");
}

TEST(DecimalText, AcceptsOnlyPlainDigitsUpToTheLimit) {
  EXPECT_EQ(parse_decimal("65535", 0xffff), 65535u);
  EXPECT_EQ(parse_decimal("007", 0xffff), 7u);
  EXPECT_EQ(parse_decimal("18446744073709551615", UINT64_MAX), UINT64_MAX);
  for (std::string_view bad : {"", "65536", "-1", "+1", " 1", "1 ", "0x10", "18446744073709551616"})
    EXPECT_FALSE(parse_decimal(bad, 0xffff)) << bad;
}

TEST(EndpointSockaddr, Ipv4RoundTripsThroughSockaddrIn) {
  const Endpoint endpoint = *Endpoint::parse("192.0.2.1:51820");
  sockaddr_storage storage;
  std::memset(&storage, 0xaa, sizeof storage);
  ASSERT_EQ(endpoint.to_sockaddr(storage), sizeof(sockaddr_in));
  sockaddr_in sin;
  std::memcpy(&sin, &storage, sizeof sin);
  EXPECT_EQ(sin.sin_family, AF_INET);
  EXPECT_EQ(ntohs(sin.sin_port), 51820);
  EXPECT_EQ(ntohl(sin.sin_addr.s_addr), 0xc0000201u);
  EXPECT_EQ(Endpoint::from_sockaddr(storage), endpoint);
}

TEST(EndpointSockaddr, Ipv6RoundTripsThroughSockaddrIn6) {
  const Endpoint endpoint = *Endpoint::parse("[fd00::9]:51821");
  sockaddr_storage storage;
  ASSERT_EQ(endpoint.to_sockaddr(storage), sizeof(sockaddr_in6));
  sockaddr_in6 sin6;
  std::memcpy(&sin6, &storage, sizeof sin6);
  EXPECT_EQ(sin6.sin6_family, AF_INET6);
  EXPECT_EQ(ntohs(sin6.sin6_port), 51821);
  EXPECT_EQ(sin6.sin6_scope_id, 0u);
  EXPECT_EQ(sin6.sin6_flowinfo, 0u);
  EXPECT_EQ(sin6.sin6_addr.s6_addr[0], 0xfd);
  EXPECT_EQ(sin6.sin6_addr.s6_addr[15], 0x09);
  EXPECT_EQ(Endpoint::from_sockaddr(storage), endpoint);
}

TEST(EndpointSockaddr, RefusesOtherFamiliesAndScopedAddresses) {
  sockaddr_storage storage{};
  storage.ss_family = AF_UNIX;
  EXPECT_FALSE(Endpoint::from_sockaddr(storage));
  sockaddr_in6 sin6{};
  sin6.sin6_family = AF_INET6;
  sin6.sin6_addr.s6_addr[0] = 0xfe;
  sin6.sin6_addr.s6_addr[1] = 0x80;
  sin6.sin6_scope_id = 2;
  std::memcpy(&storage, &sin6, sizeof sin6);
  EXPECT_FALSE(Endpoint::from_sockaddr(storage));
}

}  // namespace
}  // namespace tunkit::wg
