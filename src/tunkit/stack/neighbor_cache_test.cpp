#include "tunkit/stack/neighbor_cache.hpp"

#include <gtest/gtest.h>

namespace tunkit::stack {
namespace {

using namespace std::chrono_literals;
const Instant kT0 = Instant{} + 1h;

IpAddress host(std::uint8_t n) { return IpAddress::v4(10, 0, 0, n); }
MacAddress mac(std::uint8_t n) { return MacAddress{{2, 0, 0, 0, 0, n}}; }

TEST(Rfc4861NeighborCache, IncompleteBecomesReachableOnLearnAndReleasesInOrder) {
  NeighborCache cache;
  std::vector<PacketBuffer> dropped, released;
  PacketBuffer a, b;
  a.length = 1, b.length = 2;
  EXPECT_EQ(cache.enqueue(host(5), std::move(a), kT0, dropped), NeighborCache::Queued::solicit);
  EXPECT_EQ(cache.enqueue(host(5), std::move(b), kT0, dropped), NeighborCache::Queued::waiting);
  EXPECT_EQ(cache.state(host(5)), NeighborState::incomplete);
  EXPECT_FALSE(cache.lookup(host(5), kT0));
  cache.learn(host(5), mac(5), kT0 + 10ms, false, released);
  ASSERT_EQ(released.size(), 2u);
  EXPECT_EQ(released[0].length, 1u);
  EXPECT_EQ(released[1].length, 2u);
  EXPECT_EQ(cache.lookup(host(5), kT0 + 10ms), mac(5));
}

TEST(Rfc826NeighborCache, MergeOnlyUpdatesUnlessCreateIsAllowed) {
  NeighborCache cache;
  std::vector<PacketBuffer> released;
  cache.learn(host(7), mac(7), kT0, false, released);
  EXPECT_FALSE(cache.state(host(7)));
  cache.learn(host(7), mac(7), kT0, true, released);
  EXPECT_EQ(cache.lookup(host(7), kT0), mac(7));
  cache.learn(host(7), mac(8), kT0 + 1s, false, released);  // merge: the new MAC wins
  EXPECT_EQ(cache.lookup(host(7), kT0 + 1s), mac(8));
}

TEST(Rfc1122NeighborCache, FullCacheEvictsReachableNeverResolving) {
  NeighborLimits limits;
  limits.max_entries = 2;
  NeighborCache cache(limits);
  std::vector<PacketBuffer> dropped, released;
  EXPECT_EQ(cache.enqueue(host(1), PacketBuffer{}, kT0, dropped), NeighborCache::Queued::solicit);
  EXPECT_EQ(cache.enqueue(host(2), PacketBuffer{}, kT0, dropped), NeighborCache::Queued::solicit);
  EXPECT_EQ(cache.enqueue(host(3), PacketBuffer{}, kT0, dropped), NeighborCache::Queued::cache_full);
  EXPECT_EQ(dropped.size(), 1u);
  cache.learn(host(1), mac(1), kT0, false, released);
  // host(1) is reachable now and may go to make room.
  EXPECT_EQ(cache.enqueue(host(3), PacketBuffer{}, kT0, dropped), NeighborCache::Queued::solicit);
  EXPECT_FALSE(cache.state(host(1)));
  EXPECT_EQ(cache.state(host(2)), NeighborState::incomplete);
}

TEST(Rfc4861NeighborCache, DeadlineIsTheNextRetransmissionOrExpiry) {
  NeighborCache cache;
  std::vector<PacketBuffer> dropped, released;
  std::vector<IpAddress> solicit;
  EXPECT_FALSE(cache.deadline());
  cache.enqueue(host(1), PacketBuffer{}, kT0, dropped);
  EXPECT_EQ(cache.deadline(), kT0 + 1s);
  cache.learn(host(1), mac(1), kT0 + 500ms, false, released);
  EXPECT_EQ(cache.deadline(), kT0 + 500ms + 60s);
  cache.poll(kT0 + 60s, solicit, dropped);
  EXPECT_TRUE(cache.state(host(1)));
  cache.poll(kT0 + 500ms + 60s, solicit, dropped);
  EXPECT_FALSE(cache.state(host(1)));
  EXPECT_TRUE(solicit.empty());
}

}  // namespace
}  // namespace tunkit::stack
