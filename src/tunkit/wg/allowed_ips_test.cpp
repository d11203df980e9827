#include "tunkit/wg/allowed_ips.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <map>
#include <optional>
#include <random>
#include <string_view>
#include <vector>

namespace tunkit::wg {
namespace {

IpPrefix prefix(std::string_view text) { return *IpPrefix::parse(text); }
IpAddress ip(std::string_view text) { return *IpAddress::parse(text); }

TEST(WireguardAllowedIps, LongestMatchingPrefixWinsWhateverTheInsertionOrder) {
  std::array<std::pair<IpPrefix, PeerId>, 3> routes{{
      {prefix("0.0.0.0/0"), 1}, {prefix("10.0.0.0/8"), 2}, {prefix("10.1.2.3/32"), 3}}};
  std::sort(routes.begin(), routes.end());
  do {
    AllowedIps table;
    for (const auto& [p, peer] : routes) ASSERT_TRUE(table.insert(p, peer));
    EXPECT_EQ(table.lookup(ip("10.1.2.3")), 3u);
    EXPECT_EQ(table.lookup(ip("10.1.2.2")), 2u);
    EXPECT_EQ(table.lookup(ip("10.255.255.255")), 2u);
    EXPECT_EQ(table.lookup(ip("11.0.0.0")), 1u);
    EXPECT_EQ(table.lookup(ip("9.255.255.255")), 1u);
    EXPECT_EQ(table.size(), 3u);
  } while (std::next_permutation(routes.begin(), routes.end()));
}

TEST(WireguardAllowedIps, HotPathReadsRawAddressBytesOutOfAnIpHeader) {
  AllowedIps table;
  table.insert(prefix("192.168.4.0/24"), 7);
  table.insert(prefix("fd00:1::/32"), 8);
  // An IPv4 header (src 192.168.4.1, dst 192.168.4.9) and an IPv6 one (dst fd00:1::2).
  const std::uint8_t v4[20] = {0x45, 0, 0, 20, 0, 0, 0x40, 0, 64, 17, 0, 0,
                               192, 168, 4, 1, 192, 168, 4, 9};
  std::uint8_t v6[40] = {0x60};
  v6[24] = 0xfd, v6[27] = 0x01, v6[39] = 0x02;
  EXPECT_EQ(table.lookup(IpFamily::v4, std::span(v4).subspan(16, 4)), 7u);
  EXPECT_EQ(table.lookup(IpFamily::v4, std::span(v4).subspan(12, 4)), 7u);
  EXPECT_EQ(table.lookup(IpFamily::v6, std::span(v6).subspan(24, 16)), 8u);
  EXPECT_EQ(table.lookup(IpFamily::v6, std::span(v6).subspan(8, 16)), std::nullopt);  // src ::
}

TEST(WireguardAllowedIps, AddressOfTheWrongSizeMatchesNothing) {
  AllowedIps table;
  table.insert(prefix("0.0.0.0/0"), 1);
  table.insert(prefix("::/0"), 2);
  const std::uint8_t bytes[16] = {};
  EXPECT_EQ(table.lookup(IpFamily::v4, std::span(bytes).first(4)), 1u);
  EXPECT_EQ(table.lookup(IpFamily::v6, bytes), 2u);
  EXPECT_EQ(table.lookup(IpFamily::v4, bytes), std::nullopt);
  EXPECT_EQ(table.lookup(IpFamily::v4, std::span(bytes).first(3)), std::nullopt);
  EXPECT_EQ(table.lookup(IpFamily::v6, std::span(bytes).first(4)), std::nullopt);
  EXPECT_EQ(table.lookup(IpFamily::v6, std::span(bytes).first(0)), std::nullopt);
}

TEST(WireguardAllowedIps, FamiliesAreSeparateTables) {
  AllowedIps table;
  table.insert(prefix("10.0.0.0/8"), 1);
  table.insert(prefix("a00::/8"), 2);  // the same leading bits as 10.0.0.0/8
  EXPECT_EQ(table.lookup(ip("10.9.9.9")), 1u);
  EXPECT_EQ(table.lookup(ip("a01::1")), 2u);
  EXPECT_EQ(table.lookup(ip("::ffff:10.9.9.9")), std::nullopt);  // v4-mapped is still v6
  EXPECT_EQ(table.owner(prefix("10.0.0.0/8")), 1u);
  EXPECT_EQ(table.owner(prefix("a00::/8")), 2u);
  ASSERT_TRUE(table.remove(prefix("a00::/8"), 2));
  EXPECT_EQ(table.lookup(ip("10.9.9.9")), 1u);
  EXPECT_EQ(table.lookup(ip("a01::1")), std::nullopt);
}

TEST(WireguardAllowedIps, ZeroLengthPrefixIsTheDefaultRouteOfItsFamilyOnly) {
  AllowedIps table;
  table.insert(prefix("0.0.0.0/0"), 4);
  for (auto a : {"0.0.0.0", "255.255.255.255", "127.0.0.1", "128.0.0.0"}) EXPECT_EQ(table.lookup(ip(a)), 4u) << a;
  EXPECT_EQ(table.lookup(ip("::1")), std::nullopt);
  table.insert(prefix("::/0"), 6);
  for (auto a : {"::", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "8000::", "fe80::1"})
    EXPECT_EQ(table.lookup(ip(a)), 6u) << a;
  EXPECT_EQ(table.lookup(ip("1.2.3.4")), 4u);
}

TEST(WireguardAllowedIps, LookupMissReturnsNothing) {
  AllowedIps table;
  EXPECT_EQ(table.lookup(ip("10.0.0.1")), std::nullopt);
  EXPECT_EQ(table.lookup(ip("fd00::1")), std::nullopt);
  table.insert(prefix("10.0.0.0/8"), 1);
  table.insert(prefix("10.1.0.0/16"), 2);
  table.insert(prefix("fd00::/8"), 3);
  EXPECT_EQ(table.lookup(ip("11.0.0.1")), std::nullopt);
  EXPECT_EQ(table.lookup(ip("9.255.255.255")), std::nullopt);
  EXPECT_EQ(table.lookup(ip("fe00::")), std::nullopt);
}

TEST(WireguardAllowedIps, Ipv6MatchesAcrossThe64BitWordBoundary) {
  AllowedIps table;
  table.insert(prefix("2001:db8::/63"), 63);
  table.insert(prefix("2001:db8::/64"), 64);
  table.insert(prefix("2001:db8:0:0:8000::/65"), 65);
  table.insert(prefix("2001:db8::fffe/127"), 127);
  table.insert(prefix("2001:db8::ffff/128"), 128);
  EXPECT_EQ(table.lookup(ip("2001:db8:0:1::1")), 63u);
  EXPECT_EQ(table.lookup(ip("2001:db8::1")), 64u);
  EXPECT_EQ(table.lookup(ip("2001:db8::8000:0:0:1")), 65u);
  EXPECT_EQ(table.lookup(ip("2001:db8::fffe")), 127u);
  EXPECT_EQ(table.lookup(ip("2001:db8::ffff")), 128u);
  EXPECT_EQ(table.lookup(ip("2001:db8::fffd")), 64u);
  EXPECT_EQ(table.lookup(ip("2001:db8:0:2::")), std::nullopt);
}

TEST(WireguardAllowedIps, InsertingAnOwnedPrefixMovesItToTheNewPeer) {
  AllowedIps table;
  table.insert(prefix("10.0.0.0/8"), 1);
  table.insert(prefix("10.0.0.0/8"), 2);
  EXPECT_EQ(table.lookup(ip("10.1.1.1")), 2u);
  EXPECT_EQ(table.owner(prefix("10.0.0.0/8")), 2u);
  EXPECT_TRUE(table.prefixes_of(1).empty());
  EXPECT_EQ(table.prefixes_of(2), std::vector{prefix("10.0.0.0/8")});
  EXPECT_EQ(table.size(), 1u);
  EXPECT_FALSE(table.remove(prefix("10.0.0.0/8"), 1));  // no longer 1's to remove
  EXPECT_EQ(table.lookup(ip("10.1.1.1")), 2u);
}

TEST(WireguardAllowedIps, HostBitsAreClearedOnInsertAndInQueries) {
  AllowedIps table;
  table.insert(prefix("10.0.0.1/24"), 1);
  table.insert(prefix("10.0.0.2/24"), 1);  // the same prefix again
  table.insert(prefix("fd00::1/64"), 1);
  table.insert(prefix("10.0.0.77/32"), 1);
  EXPECT_EQ(table.size(), 3u);
  EXPECT_EQ(table.prefixes_of(1),
            (std::vector{prefix("10.0.0.0/24"), prefix("10.0.0.77/32"), prefix("fd00::/64")}));
  EXPECT_EQ(table.lookup(ip("10.0.0.200")), 1u);
  EXPECT_EQ(table.owner(prefix("10.0.0.99/24")), 1u);
  EXPECT_TRUE(table.remove(prefix("fd00::abcd/64"), 1));
  EXPECT_EQ(table.lookup(ip("fd00::1")), std::nullopt);
}

TEST(WireguardAllowedIps, BytesPastTheFourOfAnIpv4PrefixAreIgnored) {
  AllowedIps table;
  IpPrefix p = prefix("10.0.0.0/8");
  p.address.bytes[4] = 0xaa;  // IpAddress has 16 bytes; a v4 one uses the first 4
  p.address.bytes[15] = 0x55;
  table.insert(p, 1);
  EXPECT_EQ(table.prefixes_of(1), std::vector{prefix("10.0.0.0/8")});
  EXPECT_EQ(table.owner(prefix("10.0.0.0/8")), 1u);
  IpAddress a = ip("10.1.2.3");
  a.bytes[9] = 0xff;
  EXPECT_EQ(table.lookup(a), 1u);
}

TEST(WireguardAllowedIps, LengthBeyondTheFamilyMaximumIsRefused) {
  AllowedIps table;
  IpPrefix v4 = prefix("10.0.0.1/32");
  v4.length = 33;
  IpPrefix v6 = prefix("fd00::1/128");
  v6.length = 129;
  EXPECT_FALSE(table.insert(v4, 1));
  EXPECT_FALSE(table.insert(v6, 1));
  EXPECT_EQ(table.size(), 0u);
  EXPECT_EQ(table.lookup(ip("10.0.0.1")), std::nullopt);
  EXPECT_EQ(table.owner(v4), std::nullopt);
  EXPECT_FALSE(table.remove(v4, 1));
}

TEST(WireguardAllowedIps, OwnerIsTheExactPrefixNotACoveringOne) {
  AllowedIps table;
  table.insert(prefix("10.0.0.0/8"), 1);
  table.insert(prefix("10.1.0.0/16"), 2);
  table.insert(prefix("10.2.0.0/16"), 3);  // creates a branch node at 10.0.0.0/14
  EXPECT_EQ(table.owner(prefix("10.0.0.0/8")), 1u);
  EXPECT_EQ(table.owner(prefix("10.1.0.0/16")), 2u);
  EXPECT_EQ(table.owner(prefix("10.1.0.0/24")), std::nullopt);
  EXPECT_EQ(table.owner(prefix("10.0.0.0/14")), std::nullopt);
  EXPECT_EQ(table.owner(prefix("10.0.0.0/7")), std::nullopt);
  EXPECT_EQ(table.owner(prefix("::/0")), std::nullopt);
}

TEST(WireguardAllowedIps, RemoveTakesOnlyTheOwnersExactPrefix) {
  AllowedIps table;
  table.insert(prefix("10.0.0.0/8"), 1);
  table.insert(prefix("10.1.0.0/16"), 2);
  EXPECT_FALSE(table.remove(prefix("10.1.0.0/16"), 1));  // not 1's
  EXPECT_FALSE(table.remove(prefix("10.1.0.0/24"), 2));  // not a stored prefix
  EXPECT_FALSE(table.remove(prefix("10.0.0.0/14"), 2));
  EXPECT_EQ(table.lookup(ip("10.1.0.1")), 2u);
  EXPECT_TRUE(table.remove(prefix("10.1.0.0/16"), 2));
  EXPECT_FALSE(table.remove(prefix("10.1.0.0/16"), 2));  // already gone
  EXPECT_EQ(table.lookup(ip("10.1.0.1")), 1u);  // falls back to the covering prefix
  EXPECT_EQ(table.size(), 1u);
  EXPECT_TRUE(table.remove(prefix("10.0.0.0/8"), 1));
  EXPECT_EQ(table.lookup(ip("10.1.0.1")), std::nullopt);
  EXPECT_EQ(table.size(), 0u);
}

TEST(WireguardAllowedIps, RemovingAPrefixKeepsItsNestedPrefixes) {
  AllowedIps table;
  table.insert(prefix("10.0.0.0/8"), 1);
  table.insert(prefix("10.1.0.0/16"), 2);
  table.insert(prefix("10.2.0.0/16"), 3);
  table.insert(prefix("10.1.1.0/24"), 4);
  ASSERT_TRUE(table.remove(prefix("10.0.0.0/8"), 1));
  EXPECT_EQ(table.lookup(ip("10.1.1.1")), 4u);
  EXPECT_EQ(table.lookup(ip("10.1.2.1")), 2u);
  EXPECT_EQ(table.lookup(ip("10.2.2.1")), 3u);
  EXPECT_EQ(table.lookup(ip("10.3.0.1")), std::nullopt);
  ASSERT_TRUE(table.remove(prefix("10.1.0.0/16"), 2));
  EXPECT_EQ(table.lookup(ip("10.1.1.1")), 4u);
  EXPECT_EQ(table.lookup(ip("10.1.2.1")), std::nullopt);
  EXPECT_EQ(table.lookup(ip("10.2.2.1")), 3u);
}

TEST(WireguardAllowedIps, RemovePeerLeavesOtherPeersRoutes) {
  AllowedIps table;
  table.insert(prefix("0.0.0.0/0"), 1);
  table.insert(prefix("10.0.0.0/8"), 1);
  table.insert(prefix("10.1.0.0/16"), 2);
  table.insert(prefix("10.1.1.0/24"), 1);
  table.insert(prefix("10.1.1.128/25"), 2);
  table.insert(prefix("fd00::/8"), 1);
  table.insert(prefix("fd00:2::/32"), 2);
  table.remove_peer(1);
  EXPECT_EQ(table.size(), 3u);
  EXPECT_TRUE(table.prefixes_of(1).empty());
  EXPECT_EQ(table.prefixes_of(2),
            (std::vector{prefix("10.1.0.0/16"), prefix("10.1.1.128/25"), prefix("fd00:2::/32")}));
  EXPECT_EQ(table.lookup(ip("10.1.1.1")), 2u);    // 10.1.1.0/24 gone, /16 remains
  EXPECT_EQ(table.lookup(ip("10.1.1.200")), 2u);
  EXPECT_EQ(table.lookup(ip("10.2.0.1")), std::nullopt);
  EXPECT_EQ(table.lookup(ip("8.8.8.8")), std::nullopt);
  EXPECT_EQ(table.lookup(ip("fd00:2::1")), 2u);
  EXPECT_EQ(table.lookup(ip("fd00:3::1")), std::nullopt);
  table.remove_peer(3);  // owns nothing: no change
  EXPECT_EQ(table.size(), 3u);
}

TEST(WireguardAllowedIps, PrefixesOfIsSortedWhateverTheInsertionOrder) {
  std::vector<IpPrefix> prefixes{prefix("fd00::/8"), prefix("10.0.0.0/8"), prefix("192.168.0.0/16"),
                                 prefix("10.0.0.0/16"), prefix("::/0"), prefix("1.2.3.4/32")};
  std::mt19937 rng(5);
  for (int round = 0; round < 10; ++round) {
    std::shuffle(prefixes.begin(), prefixes.end(), rng);
    AllowedIps table;
    for (const auto& p : prefixes) table.insert(p, 9);
    auto sorted = prefixes;
    std::sort(sorted.begin(), sorted.end());
    ASSERT_EQ(table.prefixes_of(9), sorted);
    EXPECT_EQ(table.prefixes_of(9).front(), prefix("1.2.3.4/32"));  // v4 before v6
  }
}

TEST(WireguardAllowedIps, ClearEmptiesBothFamiliesAndTheTableIsReusable) {
  AllowedIps table;
  table.insert(prefix("10.0.0.0/8"), 1);
  table.insert(prefix("fd00::/8"), 1);
  table.clear();
  EXPECT_EQ(table.size(), 0u);
  EXPECT_EQ(table.lookup(ip("10.0.0.1")), std::nullopt);
  EXPECT_EQ(table.lookup(ip("fd00::1")), std::nullopt);
  EXPECT_TRUE(table.prefixes_of(1).empty());
  table.insert(prefix("10.0.0.0/8"), 2);
  EXPECT_EQ(table.lookup(ip("10.0.0.1")), 2u);
}

// ---- Randomised comparison with a linear scan -------------------------------------------

IpPrefix masked_reference(IpPrefix p) {
  const std::size_t n = p.address.size();
  for (std::size_t i = 0; i < 16; ++i) {
    const int keep = i < n ? std::clamp(int{p.length} - int(8 * i), 0, 8) : 0;
    p.address.bytes[i] &= static_cast<std::uint8_t>(0xff00 >> keep);
  }
  return p;
}

bool contains_reference(const IpPrefix& p, const IpAddress& a) {
  if (p.address.family != a.family) return false;
  IpPrefix host{a, p.length};
  return masked_reference(host).address == p.address;
}

std::optional<PeerId> lookup_reference(const std::map<IpPrefix, PeerId>& routes, const IpAddress& a) {
  std::optional<PeerId> best;
  int best_length = -1;
  for (const auto& [p, peer] : routes)
    if (p.length > best_length && contains_reference(p, a)) best = peer, best_length = p.length;
  return best;
}

TEST(WireguardAllowedIps, MatchesLinearScanLongestPrefixMatchOnRandomTables) {
  std::mt19937 rng(2024);
  // Addresses near a few bases, so prefixes nest, share branches and diverge at every depth.
  auto random_address = [&](IpFamily family) {
    IpAddress a;
    a.family = family;
    const std::size_t n = family == IpFamily::v4 ? 4 : 16;
    const std::uint8_t base = static_cast<std::uint8_t>(rng() % 3 * 0x55);
    for (std::size_t i = 0; i < n; ++i) a.bytes[i] = static_cast<std::uint8_t>(rng() % 4 == 0 ? rng() : base);
    return a;
  };
  auto random_prefix = [&] {
    const IpFamily family = rng() % 2 ? IpFamily::v4 : IpFamily::v6;
    IpPrefix p{random_address(family), 0};
    p.length = static_cast<std::uint8_t>(rng() % (p.max_length() + 1));
    return p;
  };

  for (int round = 0; round < 6; ++round) {
    AllowedIps table;
    std::map<IpPrefix, PeerId> reference;  // masked prefix -> owner
    std::vector<IpPrefix> inserted;         // as given, host bits and all

    auto check_lookups = [&](int probes) {
      for (int probe = 0; probe < probes; ++probe) {
        IpAddress a = random_address(rng() % 2 ? IpFamily::v4 : IpFamily::v6);
        if (probe % 2 && !inserted.empty()) {  // an address inside or just outside a known prefix
          const IpPrefix& p = inserted[rng() % inserted.size()];
          a = p.address;
          for (std::size_t i = p.length / 8; i < a.size(); ++i) a.bytes[i] ^= static_cast<std::uint8_t>(rng() >> 3);
        }
        ASSERT_EQ(table.lookup(a), lookup_reference(reference, a)) << a.to_string();
      }
    };

    for (int step = 1; step <= 800; ++step) {
      const auto op = rng() % 50;
      if (op < 35 || inserted.empty()) {
        const IpPrefix p = random_prefix();  // host bits usually set
        const PeerId peer = rng() % 8;
        ASSERT_TRUE(table.insert(p, peer));
        reference[masked_reference(p)] = peer;
        inserted.push_back(p);
      } else if (op < 49) {
        const IpPrefix p = inserted[rng() % inserted.size()];
        const PeerId peer = rng() % 8;
        const auto it = reference.find(masked_reference(p));
        const bool expected = it != reference.end() && it->second == peer;
        ASSERT_EQ(table.remove(p, peer), expected) << p.to_string() << " peer " << peer;
        if (expected) reference.erase(it);
      } else {
        const PeerId peer = rng() % 8;
        table.remove_peer(peer);
        std::erase_if(reference, [&](const auto& route) { return route.second == peer; });
      }
      ASSERT_EQ(table.size(), reference.size());
      ASSERT_LE(table.node_count(), 2 * table.size());  // branch nodes die with their subtrees
      if (step % 100 == 0) {
        ASSERT_NO_FATAL_FAILURE(check_lookups(300));
      }
    }
    ASSERT_NO_FATAL_FAILURE(check_lookups(3000));
    for (const IpPrefix& p : inserted) {
      const auto it = reference.find(masked_reference(p));
      ASSERT_EQ(table.owner(p), it == reference.end() ? std::nullopt : std::optional(it->second));
    }
    for (PeerId peer = 0; peer < 8; ++peer) {
      std::vector<IpPrefix> expected;
      for (const auto& [p, owner] : reference)
        if (owner == peer) expected.push_back(p);
      ASSERT_EQ(table.prefixes_of(peer), expected) << "peer " << peer;
    }
  }
}

TEST(WireguardAllowedIps, RemovingEverythingLeavesAWorkingEmptyTable) {
  std::mt19937 rng(99);
  AllowedIps table;
  std::vector<std::pair<IpPrefix, PeerId>> routes;
  for (int i = 0; i < 300; ++i) {
    IpPrefix p{IpAddress::v4(10, static_cast<std::uint8_t>(rng() % 4), static_cast<std::uint8_t>(rng()), 0),
               static_cast<std::uint8_t>(8 + rng() % 25)};
    p = masked_reference(p);
    table.insert(p, i);
    routes.emplace_back(p, i);
  }
  std::shuffle(routes.begin(), routes.end(), rng);
  for (const auto& [p, peer] : routes) {
    // A later duplicate may have taken the prefix over; only its current owner removes it.
    const auto owner = table.owner(p);
    if (owner == peer) {
      ASSERT_TRUE(table.remove(p, peer));
    }
  }
  EXPECT_LE(table.node_count(), 2 * table.size());
  for (const auto& [p, peer] : routes) table.remove_peer(peer);
  EXPECT_EQ(table.size(), 0u);
  EXPECT_EQ(table.node_count(), 0u);
  EXPECT_EQ(table.lookup(ip("10.0.0.1")), std::nullopt);
  table.insert(prefix("10.1.0.0/16"), 5);
  EXPECT_EQ(table.lookup(ip("10.1.2.3")), 5u);
  EXPECT_EQ(table.lookup(ip("10.2.2.3")), std::nullopt);
}

}  // namespace
}  // namespace tunkit::wg
