#include "tunkit/wg/replay_window.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <optional>
#include <random>
#include <set>

namespace tunkit::wg {
namespace {

constexpr std::uint64_t kWindow = ReplayWindow::window_size();
constexpr std::uint64_t kReject = ReplayWindow::reject_after_messages;

TEST(WireguardReplayWindow, ConstantsMatchTheLinuxDriverAndTheIssue) {
  // COUNTER_WINDOW_SIZE = 8192 − BITS_PER_LONG; the issue asks for at least 8,000.
  EXPECT_EQ(kWindow, 8128u);
  EXPECT_GE(kWindow, 8000u);
  // Whitepaper §6.1: REJECT_AFTER_MESSAGES = 2^64 − 2^13 − 1.
  EXPECT_EQ(kReject, 0xffff'ffff'ffff'dfffULL);
}

TEST(WireguardReplayWindow, FirstCounterZeroIsAccepted) {
  ReplayWindow w;
  EXPECT_TRUE(w.could_accept(0));
  EXPECT_TRUE(w.check_and_update(0));
}

TEST(WireguardReplayWindow, DuplicateIsRefused) {
  ReplayWindow w;
  ASSERT_TRUE(w.check_and_update(0));
  EXPECT_FALSE(w.check_and_update(0));
  ASSERT_TRUE(w.check_and_update(41));
  EXPECT_FALSE(w.could_accept(41));
  EXPECT_FALSE(w.check_and_update(41));
  EXPECT_FALSE(w.check_and_update(0));
}

TEST(WireguardReplayWindow, OutOfOrderInsideWindowIsAcceptedOnce) {
  ReplayWindow w;
  ASSERT_TRUE(w.check_and_update(1000));
  for (std::uint64_t c : {999u, 3u, 500u, 64u, 63u, 1001u, 998u}) {
    EXPECT_TRUE(w.check_and_update(c)) << c;
    EXPECT_FALSE(w.check_and_update(c)) << c;
  }
  // Still-unseen neighbours were not marked by their neighbours' bits.
  for (std::uint64_t c : {0u, 2u, 4u, 62u, 65u, 499u, 501u, 997u}) EXPECT_TRUE(w.check_and_update(c)) << c;
}

TEST(WireguardReplayWindow, ExactlyWindowSizeBehindIsAcceptedOneMoreIsRefused) {
  for (std::uint64_t highest : {kWindow + 1, std::uint64_t{20000}, std::uint64_t{1} << 40, kReject - 1}) {
    ReplayWindow w;
    ASSERT_TRUE(w.check_and_update(highest));
    EXPECT_FALSE(w.could_accept(highest - kWindow - 1)) << highest;
    EXPECT_FALSE(w.check_and_update(highest - kWindow - 1)) << highest;
    EXPECT_TRUE(w.could_accept(highest - kWindow)) << highest;
    EXPECT_TRUE(w.check_and_update(highest - kWindow)) << highest;
    EXPECT_FALSE(w.check_and_update(highest - kWindow)) << highest;
  }
}

TEST(WireguardReplayWindow, EveryCounterOfAFullWindowIsAcceptedOnceInAnyOrder) {
  // Descending from highest: each new counter is one further back, down to the edge.
  ReplayWindow w;
  for (std::uint64_t c = kWindow + 1; c-- > 0;) ASSERT_TRUE(w.check_and_update(c)) << c;
  for (std::uint64_t c = 0; c <= kWindow; ++c) ASSERT_FALSE(w.check_and_update(c)) << c;
}

TEST(WireguardReplayWindow, JumpShorterThanRingKeepsSeenBitsAndClearsEnteredBlocks) {
  ReplayWindow w;
  for (std::uint64_t c = 0; c < 8192; ++c) ASSERT_TRUE(w.check_and_update(c));
  // Every ring bit is now set. Jump 1000 ahead: 16 blocks enter the window and must be
  // cleared; those still in the window keep their bits.
  const std::uint64_t highest = 8191 + 1000;
  ASSERT_TRUE(w.check_and_update(highest));
  EXPECT_FALSE(w.check_and_update(highest - kWindow - 1));  // behind the edge now
  for (std::uint64_t c = highest - kWindow; c <= 8191; ++c) ASSERT_FALSE(w.check_and_update(c)) << c;
  for (std::uint64_t c = 8192; c < highest; ++c) ASSERT_TRUE(w.check_and_update(c)) << c;
}

TEST(WireguardReplayWindow, JumpOfManyRingsRefusesOldCountersAndAcceptsFreshOnesThatAliasThem) {
  ReplayWindow w;
  // Every ring bit set, the highest's own block full (it ends with counter 8192 + 62).
  const std::uint64_t before = 8192 + 62;
  for (std::uint64_t c = 0; c <= before; ++c) ASSERT_TRUE(w.check_and_update(c));
  // 8192·3 ahead: every in-window counter shares a ring bit with a counter seen above,
  // including the block the highest used to be in.
  const std::uint64_t highest = before + 8192 * 3;
  ASSERT_TRUE(w.check_and_update(highest));
  for (std::uint64_t c : {std::uint64_t{0}, std::uint64_t{100}, before}) EXPECT_FALSE(w.check_and_update(c)) << c;  // too old
  EXPECT_FALSE(w.check_and_update(highest - kWindow - 1));
  for (std::uint64_t c = highest - kWindow; c < highest; ++c) ASSERT_TRUE(w.check_and_update(c)) << c;
  EXPECT_FALSE(w.check_and_update(highest));
}

TEST(WireguardReplayWindow, CountersAtOrAboveRejectAfterMessagesAreRefused) {
  ReplayWindow fresh;
  EXPECT_FALSE(fresh.could_accept(kReject));
  EXPECT_FALSE(fresh.check_and_update(kReject));
  EXPECT_FALSE(fresh.check_and_update(kReject + 1));
  EXPECT_FALSE(fresh.check_and_update(~0ULL));
  EXPECT_TRUE(fresh.check_and_update(kReject - 1));
  EXPECT_FALSE(fresh.check_and_update(kReject - 1));
  EXPECT_FALSE(fresh.check_and_update(~0ULL));
  EXPECT_TRUE(fresh.check_and_update(kReject - 2));
}

TEST(WireguardReplayWindow, CouldAcceptRecordsNothing) {
  ReplayWindow w;
  ASSERT_TRUE(w.check_and_update(10));
  EXPECT_TRUE(w.could_accept(5));
  EXPECT_TRUE(w.could_accept(5));
  EXPECT_TRUE(w.could_accept(20000));
  EXPECT_TRUE(w.check_and_update(5));  // the pre-checks did not take it
  EXPECT_TRUE(w.check_and_update(11));  // nor did they slide the window to 20000
}

TEST(WireguardReplayWindow, CouldAcceptIgnoresStaleBitsOfBlocksAheadOfTheWindow) {
  // Fill the whole ring and stop at the last bit of a block: the next block still holds
  // bits of counters 8192 back, which only check_and_update's slide clears.
  ReplayWindow w;
  const std::uint64_t highest = 8192 + 62;
  for (std::uint64_t c = 0; c <= highest; ++c) ASSERT_TRUE(w.check_and_update(c));
  for (std::uint64_t c = highest + 1; c <= highest + 65; ++c) {
    EXPECT_TRUE(w.could_accept(c)) << c;
    EXPECT_TRUE(w.check_and_update(c)) << c;
  }
}

TEST(WireguardReplayWindow, ResetForgetsSeenCountersAndTheHighest) {
  ReplayWindow w;
  ASSERT_TRUE(w.check_and_update(0));
  ASSERT_TRUE(w.check_and_update(100000));
  w.reset();
  EXPECT_TRUE(w.check_and_update(0));  // neither seen nor too old any more
  EXPECT_TRUE(w.check_and_update(100000));
}

// The driver's self-test sequence (wireguard-linux selftest/counter.c), as a table; lim is
// its T_LIM = COUNTER_WINDOW_SIZE + 1.
TEST(WireguardReplayWindow, LinuxDriverSelftestSequence) {
  constexpr std::uint64_t lim = kWindow + 1;
  struct Step {
    std::uint64_t counter;
    bool accepted;
  };
  const Step steps[] = {
      {0, true},  {1, true},  {1, false}, {9, true},  {8, true},  {7, true},
      {7, false}, {lim, true}, {lim - 1, true}, {lim - 1, false}, {lim - 2, true},
      {2, true},  {2, false}, {lim + 16, true}, {3, false}, {lim + 16, false},
      {lim * 4, true}, {lim * 4 - (lim - 1), true}, {10, false}, {lim * 4 - lim, false},
      {lim * 4 - (lim + 1), false}, {lim * 4 - (lim - 2), true}, {lim * 4 + 1 - lim, false},
      {0, false}, {kReject, false}, {kReject - 1, true}, {kReject, false},
      {kReject - 1, false}, {kReject - 2, true}, {kReject + 1, false}, {kReject + 2, false},
      {kReject - 2, false}, {kReject - 3, true}, {0, false},
  };
  ReplayWindow w;
  int number = 0;
  for (const Step& s : steps) {
    ++number;
    EXPECT_EQ(w.check_and_update(s.counter), s.accepted) << "step " << number << " counter " << s.counter;
  }
}

TEST(WireguardReplayWindow, LinuxDriverSelftestFullWindowRuns) {
  {  // 1..W then 0: 0 is exactly W behind.
    ReplayWindow w;
    for (std::uint64_t i = 1; i <= kWindow; ++i) ASSERT_TRUE(w.check_and_update(i)) << i;
    EXPECT_TRUE(w.check_and_update(0));
    EXPECT_FALSE(w.check_and_update(0));
  }
  {  // 2..W+1 then 1 (edge) and 0 (one beyond).
    ReplayWindow w;
    for (std::uint64_t i = 2; i <= kWindow + 1; ++i) ASSERT_TRUE(w.check_and_update(i)) << i;
    EXPECT_TRUE(w.check_and_update(1));
    EXPECT_FALSE(w.check_and_update(0));
  }
  {  // W+1 down to 1, then 0 is one beyond the edge.
    ReplayWindow w;
    for (std::uint64_t i = kWindow + 2; i-- > 1;) ASSERT_TRUE(w.check_and_update(i)) << i;
    EXPECT_FALSE(w.check_and_update(0));
  }
  {  // W down to 1, then W+1 slides by one, leaving 0 one beyond.
    ReplayWindow w;
    for (std::uint64_t i = kWindow + 1; i-- > 1;) ASSERT_TRUE(w.check_and_update(i)) << i;
    EXPECT_TRUE(w.check_and_update(kWindow + 1));
    EXPECT_FALSE(w.check_and_update(0));
  }
  {  // W down to 0, then W+1 is still new.
    ReplayWindow w;
    for (std::uint64_t i = kWindow + 1; i-- > 0;) ASSERT_TRUE(w.check_and_update(i)) << i;
    EXPECT_TRUE(w.check_and_update(kWindow + 1));
  }
}

// The rule written naively: a set of everything accepted and the highest.
class ReferenceWindow {
 public:
  bool check_and_update(std::uint64_t c) {
    if (c >= kReject || seen_.contains(c)) return false;
    if (highest_ && c + kWindow < *highest_) return false;
    seen_.insert(c);
    if (!highest_ || c > *highest_) highest_ = c;
    // Entries this far back can never matter again.
    while (*highest_ - *seen_.begin() > 2 * kWindow) seen_.erase(seen_.begin());
    return true;
  }
  std::uint64_t highest() const { return highest_.value_or(0); }

 private:
  std::set<std::uint64_t> seen_;
  std::optional<std::uint64_t> highest_;
};

std::uint64_t saturating_add(std::uint64_t a, std::uint64_t b) { return a + b < a ? ~0ULL : a + b; }
std::uint64_t saturating_sub(std::uint64_t a, std::uint64_t b) { return a < b ? 0 : a - b; }

TEST(WireguardReplayWindow, MatchesNaiveReferenceOnRandomTraffic) {
  std::mt19937_64 rng(6479);
  std::uint64_t accepted = 0, refused = 0;
  // Episodes start at 0, mid-range, and just below reject_after_messages.
  for (const std::uint64_t start : {std::uint64_t{0}, std::uint64_t{1} << 40, kReject - 200000, std::uint64_t{0}}) {
    ReplayWindow w;
    ReferenceWindow reference;
    for (int i = 0; i < 50000; ++i) {
      const std::uint64_t h = i == 0 ? start : reference.highest();
      std::uint64_t c = 0;
      switch (rng() % 7) {
        case 0: c = saturating_add(h, 1 + rng() % 70); break;          // slightly ahead
        case 1: c = saturating_add(h, rng() % 20000); break;           // jump, sometimes past a ring
        case 2: c = saturating_sub(h, rng() % 100); break;             // just behind
        case 3: c = saturating_sub(h, kWindow - 70 + rng() % 140); break;  // around the edge
        case 4: c = saturating_sub(h, rng() % 9000); break;
        case 5: c = h - rng() % (h >= start ? h - start + 1 : 1); break;  // anywhere this episode
        default: c = saturating_add(h, 1); break;
      }
      const bool expected = reference.check_and_update(c);
      ASSERT_EQ(w.could_accept(c), expected) << "step " << i << " counter " << c << " highest " << h;
      ASSERT_EQ(w.check_and_update(c), expected) << "step " << i << " counter " << c << " highest " << h;
      (expected ? accepted : refused) += 1;
    }
  }
  // Both outcomes were exercised heavily, so agreement means something.
  EXPECT_GT(accepted, 50000u);
  EXPECT_GT(refused, 50000u);
}

}  // namespace
}  // namespace tunkit::wg
