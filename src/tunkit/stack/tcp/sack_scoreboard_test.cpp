#include "tunkit/stack/tcp/sack_scoreboard.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <optional>
#include <random>
#include <utility>
#include <vector>

namespace tunkit::stack::tcp {
namespace {

// The worked examples follow RFC 6675's style: SMSS = 1000 and segment n covers sequence
// numbers [base + (n-1)*1000, base + n*1000). Every example runs twice: near zero, and with
// base placed so that the 2^32 wrap falls inside segment 3.
constexpr std::uint32_t kSmss = 1000;
constexpr std::uint32_t kBases[] = {1, 0xFFFFFFFFu - 2500};

struct Segments {
  std::uint32_t base;
  Seq start(int n) const { return Seq(base) + static_cast<std::uint32_t>(n - 1) * kSmss; }
  Seq end(int n) const { return start(n + 1); }
  // Segments first..last, inclusive.
  SeqRange range(int first, int last) const { return {start(first), end(last)}; }
};

SackUpdate sack(SackScoreboard& sb, Seq snd_una, Seq snd_nxt, std::vector<SeqRange> blocks) {
  return sb.update(snd_una, snd_nxt, blocks);
}

TEST(Rfc2018Update, BlocksMergeIntoSortedDisjointRanges) {
  for (std::uint32_t base : kBases) {
    SCOPED_TRACE(base);
    const Segments s{base};
    SackScoreboard sb;
    EXPECT_EQ(sack(sb, s.start(1), s.end(10), {s.range(6, 6)}).newly_sacked, 1000u);
    EXPECT_EQ(sack(sb, s.start(1), s.end(10), {s.range(4, 4), s.range(6, 6)}).newly_sacked, 1000u);
    EXPECT_EQ(sb.range_count(), 2u);
    EXPECT_EQ(sb.sacked_bytes(), 2000u);
    // Segment 5 joins them; segment 8 starts a third range.
    const SackUpdate u = sack(sb, s.start(1), s.end(10), {s.range(8, 8), s.range(4, 6)});
    EXPECT_EQ(u.newly_sacked, 2000u);
    EXPECT_FALSE(u.dsack);
    EXPECT_EQ(sb.range_count(), 2u);
    EXPECT_EQ(sb.highest_sacked(), s.end(8));
    for (int n = 1; n <= 10; ++n) {
      const bool sacked = (n >= 4 && n <= 6) || n == 8;
      EXPECT_EQ(sb.is_sacked(s.start(n)), sacked) << n;
      EXPECT_EQ(sb.is_sacked(s.end(n) - 1), sacked) << n;
    }
    // The same blocks again carry no new information.
    EXPECT_EQ(sack(sb, s.start(1), s.end(10), {s.range(8, 8), s.range(4, 6)}).newly_sacked, 0u);
  }
}

TEST(Rfc2018Update, NewlySackedCountsOnlyBytesNotSackedBefore) {
  for (std::uint32_t base : kBases) {
    SCOPED_TRACE(base);
    const Segments s{base};
    SackScoreboard sb;
    sack(sb, s.start(1), s.end(10), {s.range(4, 4), s.range(7, 7)});
    // [3.5, 8.5) overlaps both ranges: new are 3.5-4, 5-7 and 8-8.5.
    const SackUpdate u =
        sack(sb, s.start(1), s.end(10), {{s.start(3) + 500, s.start(8) + 500}});
    EXPECT_EQ(u.newly_sacked, 500u + 2000u + 500u);
    EXPECT_EQ(sb.range_count(), 1u);
    EXPECT_EQ(sb.sacked_bytes(), 5000u);
  }
}

TEST(Rfc2018Update, BlocksOutsideTheSentWindowAreIgnored) {
  for (std::uint32_t base : kBases) {
    SCOPED_TRACE(base);
    const Segments s{base};
    SackScoreboard sb;
    const SackUpdate u = sack(sb, s.start(3), s.end(10),
                              {s.range(5, 5),                  // valid
                               {s.start(9), s.end(11)},        // beyond SND.NXT
                               {s.end(6), s.start(6)},         // reversed
                               {s.start(7), s.start(7)},       // empty
                               s.range(1, 2)});                // below SND.UNA, not first
    EXPECT_EQ(u.newly_sacked, 1000u);
    EXPECT_FALSE(u.dsack);
    EXPECT_EQ(sb.range_count(), 1u);
    EXPECT_EQ(sb.highest_sacked(), s.end(5));
  }
}

TEST(Rfc2018Update, LaterBlockStraddlingSndUnaKeepsOnlyItsPartAbove) {
  for (std::uint32_t base : kBases) {
    SCOPED_TRACE(base);
    const Segments s{base};
    SackScoreboard sb;
    const SackUpdate u = sack(sb, s.start(3), s.end(10), {s.range(6, 6), s.range(2, 4)});
    EXPECT_EQ(u.newly_sacked, 3000u);
    EXPECT_FALSE(u.dsack);
    EXPECT_FALSE(sb.is_sacked(s.end(2) - 1));
    EXPECT_TRUE(sb.is_sacked(s.start(3)));
  }
}

TEST(Rfc2883DSack, FirstBlockBelowTheCumulativeAckIsADuplicate) {
  for (std::uint32_t base : kBases) {
    SCOPED_TRACE(base);
    const Segments s{base};
    SackScoreboard sb;
    // RFC 2883 §4.1.1: segment 2 was received twice; the ACK already covers it.
    const SackUpdate u = sack(sb, s.start(5), s.end(10), {s.range(2, 2)});
    EXPECT_TRUE(u.dsack);
    EXPECT_EQ(u.newly_sacked, 0u);
    EXPECT_EQ(sb.range_count(), 0u);
    // Followed by an ordinary block: that one is still recorded.
    const SackUpdate v = sack(sb, s.start(5), s.end(10), {s.range(3, 3), s.range(7, 7)});
    EXPECT_TRUE(v.dsack);
    EXPECT_EQ(v.newly_sacked, 1000u);
    EXPECT_TRUE(sb.is_sacked(s.start(7)));
  }
}

TEST(Rfc2883DSack, FirstBlockContainedInTheSecondIsADuplicate) {
  for (std::uint32_t base : kBases) {
    SCOPED_TRACE(base);
    const Segments s{base};
    SackScoreboard sb;
    // RFC 2883 §4.1.3: out-of-order segment 6 arrived twice; it sits inside the 5-7 range.
    const SackUpdate u = sack(sb, s.start(3), s.end(10), {s.range(6, 6), s.range(5, 7)});
    EXPECT_TRUE(u.dsack);
    EXPECT_EQ(u.newly_sacked, 3000u);
    EXPECT_EQ(sb.range_count(), 1u);
    // The first block reporting the range its segment joined is not a duplicate.
    const SackUpdate v = sack(sb, s.start(3), s.end(10), {s.range(5, 8), s.range(5, 7)});
    EXPECT_FALSE(v.dsack);
    EXPECT_EQ(v.newly_sacked, 1000u);
  }
}

TEST(Rfc2883DSack, FirstBlockAboveSndUnaAndApartFromTheSecondIsNotADuplicate) {
  for (std::uint32_t base : kBases) {
    SCOPED_TRACE(base);
    const Segments s{base};
    SackScoreboard sb;
    const SackUpdate u = sack(sb, s.start(3), s.end(10), {s.range(8, 8), s.range(5, 6)});
    EXPECT_FALSE(u.dsack);
    EXPECT_EQ(u.newly_sacked, 3000u);
    EXPECT_FALSE(sack(sb, s.start(3), s.end(10), {s.range(4, 4)}).dsack);
  }
}

TEST(Rfc6675IsLost, IsLostOnceMoreThanTwoSegmentsAreSackedAbove) {
  for (std::uint32_t base : kBases) {
    SCOPED_TRACE(base);
    const Segments s{base};
    SackScoreboard sb;
    // Segments 1..10 sent, 1 and 2 acknowledged, 3 lost; 4, 5, 6 arrive one at a time.
    sack(sb, s.start(3), s.end(10), {s.range(4, 4)});
    EXPECT_FALSE(sb.is_lost(s.start(3), kSmss));
    sack(sb, s.start(3), s.end(10), {s.range(4, 5)});
    EXPECT_FALSE(sb.is_lost(s.start(3), kSmss));  // 2000 bytes is not more than 2 * SMSS
    sack(sb, s.start(3), s.end(10), {s.range(4, 6)});
    EXPECT_TRUE(sb.is_lost(s.start(3), kSmss));
    EXPECT_TRUE(sb.is_lost(s.end(3) - 1, kSmss));
    EXPECT_FALSE(sb.is_lost(s.start(7), kSmss));  // nothing SACKed above segment 7
  }
}

TEST(Rfc6675IsLost, IsLostAfterThreeDiscontiguousSackedRanges) {
  for (std::uint32_t base : kBases) {
    SCOPED_TRACE(base);
    const Segments s{base};
    SackScoreboard sb;
    // Three 100-byte ranges: only 300 bytes, but DupThresh discontiguous sequences.
    const SeqRange a{s.start(5), s.start(5) + 100}, b{s.start(7), s.start(7) + 100},
        c{s.start(9), s.start(9) + 100};
    sack(sb, s.start(3), s.end(10), {a, b});
    EXPECT_FALSE(sb.is_lost(s.start(3), kSmss));
    sack(sb, s.start(3), s.end(10), {c, b, a});
    EXPECT_TRUE(sb.is_lost(s.start(3), kSmss));
    EXPECT_TRUE(sb.is_lost(s.start(5) - 1, kSmss));
    EXPECT_FALSE(sb.is_lost(s.start(5) + 100, kSmss));  // only two ranges above it
  }
}

TEST(Rfc6675IsLost, SackedBytesBelowDoNotCount) {
  for (std::uint32_t base : kBases) {
    SCOPED_TRACE(base);
    const Segments s{base};
    SackScoreboard sb;
    sack(sb, s.start(1), s.end(10), {s.range(2, 5), s.range(8, 8)});
    EXPECT_TRUE(sb.is_lost(s.start(1), kSmss));
    EXPECT_FALSE(sb.is_lost(s.start(6), kSmss));  // 1000 above, 4000 below
    EXPECT_FALSE(sb.is_lost(s.start(9), kSmss));
  }
}

TEST(Rfc6675SetPipe, WithoutSacksEveryOutstandingByteIsInFlight) {
  for (std::uint32_t base : kBases) {
    SCOPED_TRACE(base);
    const Segments s{base};
    const SackScoreboard sb;
    EXPECT_EQ(sb.pipe(s.start(1), s.end(10), s.start(1), kSmss), 10'000u);
    EXPECT_EQ(sb.pipe(s.start(1), s.start(1), s.start(1), kSmss), 0u);
  }
}

TEST(Rfc6675SetPipe, LostAndSackedBytesLeaveThePipeAndRetransmissionsEnterIt) {
  for (std::uint32_t base : kBases) {
    SCOPED_TRACE(base);
    const Segments s{base};
    SackScoreboard sb;
    // Segments 3..10 outstanding, 3 lost, 4-6 SACKed: 7..10 are in flight.
    sack(sb, s.start(3), s.end(10), {s.range(4, 6)});
    EXPECT_EQ(sb.pipe(s.start(3), s.end(10), s.start(3), kSmss), 4000u);
    // Segment 3 retransmitted (HighRxt = its last octet): the copy is in flight.
    EXPECT_EQ(sb.pipe(s.start(3), s.end(10), s.end(3), kSmss), 5000u);
    // Half of it retransmitted.
    EXPECT_EQ(sb.pipe(s.start(3), s.end(10), s.start(3) + 500, kSmss), 4500u);
  }
}

TEST(Rfc6675SetPipe, RetransmittedBytesNotYetLostCountTwice) {
  for (std::uint32_t base : kBases) {
    SCOPED_TRACE(base);
    const Segments s{base};
    SackScoreboard sb;
    // Only segment 5 SACKed: 3 and 4 are not lost yet. Rule 3 resent them: original and
    // retransmission are both counted (SetPipe (a) and (b)).
    sack(sb, s.start(3), s.end(10), {s.range(5, 5)});
    EXPECT_EQ(sb.pipe(s.start(3), s.end(10), s.start(3), kSmss), 7000u);
    EXPECT_EQ(sb.pipe(s.start(3), s.end(10), s.end(4), kSmss), 9000u);
  }
}

TEST(Rfc6675SetPipe, HighRxtBeyondSndNxtCountsOnlyOutstandingHoles) {
  for (std::uint32_t base : kBases) {
    SCOPED_TRACE(base);
    const Segments s{base};
    SackScoreboard sb;
    sack(sb, s.start(3), s.end(10), {s.range(4, 6), s.range(8, 8)});
    // Holes: 3 (lost: 4000 bytes above), 7 (not lost: one range, 1000 bytes above) and 9-10
    // (above the highest SACK). HighRxt past SND.NXT: every unSACKed byte was resent.
    EXPECT_FALSE(sb.is_lost(s.start(7), kSmss));
    EXPECT_TRUE(sb.is_lost(s.start(3), kSmss));
    const std::uint32_t not_lost = 1000 + 2000;   // 7, 9, 10
    const std::uint32_t resent = 1000 + 1000 + 2000;  // 3, 7, 9, 10
    EXPECT_EQ(sb.pipe(s.start(3), s.end(10), s.end(12), kSmss), not_lost + resent);
  }
}

TEST(Rfc6675NextSeg, Rule1ResendsEachLostHoleAboveHighRxtInOrder) {
  for (std::uint32_t base : kBases) {
    SCOPED_TRACE(base);
    const Segments s{base};
    SackScoreboard sb;
    // 3 and 5 lost; 4 and 6-8 SACKed.
    sack(sb, s.start(3), s.end(10), {s.range(6, 8), s.range(4, 4)});
    EXPECT_EQ(sb.next_seg(s.start(3), s.start(3), kSmss, false), s.range(3, 3));
    EXPECT_EQ(sb.next_seg(s.start(3), s.end(3), kSmss, false), s.range(5, 5));
    // Nothing unSACKed below the highest SACK above HighRxt: neither rule 1 nor rule 3.
    EXPECT_EQ(sb.next_seg(s.start(3), s.end(5), kSmss, false), std::nullopt);
    EXPECT_EQ(sb.next_seg(s.start(3), s.end(5), kSmss, true), std::nullopt);
  }
}

TEST(Rfc6675NextSeg, Rule1SendsAtMostSmssAndStopsAtTheSackedRange) {
  for (std::uint32_t base : kBases) {
    SCOPED_TRACE(base);
    const Segments s{base};
    SackScoreboard sb;
    // A 2500-byte hole [3, 5.5) under 4500 SACKed bytes.
    sack(sb, s.start(3), s.end(10), {{s.start(5) + 500, s.end(9)}});
    Seq high_rxt = s.start(3);
    EXPECT_EQ(sb.next_seg(s.start(3), high_rxt, kSmss, false), s.range(3, 3));
    high_rxt = s.end(3);
    EXPECT_EQ(sb.next_seg(s.start(3), high_rxt, kSmss, false), s.range(4, 4));
    high_rxt = s.end(4);
    EXPECT_EQ(sb.next_seg(s.start(3), high_rxt, kSmss, false),
              (SeqRange{s.start(5), s.start(5) + 500}));
    // HighRxt inside the hole: resume from it.
    EXPECT_EQ(sb.next_seg(s.start(3), s.start(4) + 200, kSmss, false),
              (SeqRange{s.start(4) + 200, s.start(5) + 200}));
  }
}

TEST(Rfc6675NextSeg, Rule3SendsAHoleNotYetLostOnlyWhenAllowed) {
  for (std::uint32_t base : kBases) {
    SCOPED_TRACE(base);
    const Segments s{base};
    SackScoreboard sb;
    sack(sb, s.start(3), s.end(10), {s.range(5, 5)});  // 3 and 4 are not lost yet
    EXPECT_EQ(sb.next_seg(s.start(3), s.start(3), kSmss, false), std::nullopt);
    EXPECT_EQ(sb.next_seg(s.start(3), s.start(3), kSmss, true), s.range(3, 3));
    EXPECT_EQ(sb.next_seg(s.start(3), s.end(3), kSmss, true), s.range(4, 4));
    EXPECT_EQ(sb.next_seg(s.start(3), s.end(4), kSmss, true), std::nullopt);  // 6.. lie above the SACK
  }
}

TEST(Rfc6675NextSeg, Rule1PrefersALostHoleOverTheHigherHolesRule3WouldSend) {
  for (std::uint32_t base : kBases) {
    SCOPED_TRACE(base);
    const Segments s{base};
    SackScoreboard sb;
    // 3 lost (3000 bytes above), 7 not lost (1000 above).
    sack(sb, s.start(3), s.end(10), {s.range(4, 6), s.range(8, 8)});
    EXPECT_EQ(sb.next_seg(s.start(3), s.start(3), kSmss, true), s.range(3, 3));
    EXPECT_EQ(sb.next_seg(s.start(3), s.end(3), kSmss, false), std::nullopt);
    EXPECT_EQ(sb.next_seg(s.start(3), s.end(3), kSmss, true), s.range(7, 7));
  }
}

TEST(Rfc6675NextSeg, NoSackInformationMeansNothingToResend) {
  const SackScoreboard sb;
  EXPECT_EQ(sb.next_seg(Seq(100), Seq(100), kSmss, true), std::nullopt);
  EXPECT_EQ(sb.highest_sacked(), std::nullopt);
}

TEST(Rfc6675Update, AdvanceForgetsRangesBelowSndUnaAndTrimsTheOneItSplits) {
  for (std::uint32_t base : kBases) {
    SCOPED_TRACE(base);
    const Segments s{base};
    SackScoreboard sb;
    sack(sb, s.start(1), s.end(10), {s.range(2, 2), s.range(4, 6), s.range(9, 9)});
    ASSERT_EQ(sb.range_count(), 3u);
    sb.advance(s.start(5) + 300);
    EXPECT_EQ(sb.range_count(), 2u);
    EXPECT_EQ(sb.sacked_bytes(), 1700u + 1000u);
    EXPECT_FALSE(sb.is_sacked(s.start(5) + 299));
    EXPECT_TRUE(sb.is_sacked(s.start(5) + 300));
    sb.advance(s.end(9));
    EXPECT_EQ(sb.range_count(), 0u);
    EXPECT_EQ(sb.sacked_bytes(), 0u);
    EXPECT_EQ(sb.highest_sacked(), std::nullopt);
  }
}

TEST(Rfc6675Update, UpdateForgetsWhatTheNewCumulativeAckCovers) {
  for (std::uint32_t base : kBases) {
    SCOPED_TRACE(base);
    const Segments s{base};
    SackScoreboard sb;
    sack(sb, s.start(1), s.end(10), {s.range(3, 4)});
    const SackUpdate u = sack(sb, s.start(4), s.end(10), {s.range(7, 7)});
    EXPECT_EQ(u.newly_sacked, 1000u);
    EXPECT_EQ(sb.sacked_bytes(), 2000u);  // 4 and 7; 3 is now cumulatively acknowledged
    sb.clear();
    EXPECT_EQ(sb.range_count(), 0u);
  }
}

TEST(Rfc2018Bounded, FullScoreboardForgetsTheRangeFarthestFromSndUna) {
  for (std::uint32_t base : kBases) {
    SCOPED_TRACE(base);
    const Segments s{base};
    SackScoreboard sb(3);
    sack(sb, s.start(1), s.end(20), {s.range(4, 4), s.range(8, 8), s.range(12, 12)});
    ASSERT_EQ(sb.range_count(), 3u);
    // A fourth range below the highest: the highest (12) goes.
    EXPECT_EQ(sack(sb, s.start(1), s.end(20), {s.range(6, 6)}).newly_sacked, 1000u);
    EXPECT_EQ(sb.range_count(), 3u);
    EXPECT_EQ(sb.highest_sacked(), s.end(8));
    EXPECT_FALSE(sb.is_sacked(s.start(12)));
    // A fourth range above them all is itself the farthest: not recorded.
    EXPECT_EQ(sack(sb, s.start(1), s.end(20), {s.range(15, 15)}).newly_sacked, 0u);
    EXPECT_EQ(sb.highest_sacked(), s.end(8));
    // Merging needs no slot.
    EXPECT_EQ(sack(sb, s.start(1), s.end(20), {s.range(5, 5), s.range(9, 9)}).newly_sacked,
              2000u);
    EXPECT_EQ(sb.range_count(), 2u);
    EXPECT_EQ(sb.sacked_bytes(), 5000u);
  }
}

TEST(Rfc2018Bounded, ZeroSlotsRecordNothing) {
  SackScoreboard sb(0);
  const SackUpdate u = sb.update(Seq(0), Seq(10'000), std::vector<SeqRange>{{Seq(2000), Seq(3000)}});
  EXPECT_EQ(u.newly_sacked, 0u);
  EXPECT_EQ(sb.range_count(), 0u);
}

// RFC 6675 §4 written out octet by octet, as the reference for the scoreboard's hole-wise
// arithmetic. `sacked[i]` is octet snd_una + i; compute_lost() must run after sacked changes.
struct OctetModel {
  std::vector<bool> sacked;
  std::vector<bool> is_lost;  // IsLost() of each unSACKed octet

  void compute_lost(std::uint32_t smss) {
    // Walking down: SACKed octets above i, and SACKed runs starting above i (for an
    // unSACKed i, a run starts at j > i where j is SACKed and j - 1 is not).
    is_lost.assign(sacked.size(), false);
    std::size_t bytes = 0, runs = 0;
    for (std::size_t i = sacked.size(); i-- > 0;) {
      is_lost[i] = runs >= SackScoreboard::kDupThresh ||
                   bytes > (SackScoreboard::kDupThresh - 1) * smss;
      if (sacked[i]) {
        ++bytes;
        if (i == 0 || !sacked[i - 1]) ++runs;
      }
    }
  }
  std::size_t highest() const {
    for (std::size_t i = sacked.size(); i-- > 0;) {
      if (sacked[i]) return i + 1;
    }
    return 0;
  }
  std::uint32_t pipe(std::size_t high_rxt) const {
    std::uint32_t pipe = 0;
    for (std::size_t i = 0; i < sacked.size(); ++i) {
      if (sacked[i]) continue;
      if (!is_lost[i]) ++pipe;   // (a)
      if (i < high_rxt) ++pipe;  // (b)
    }
    return pipe;
  }
  std::optional<std::pair<std::size_t, std::size_t>> next_seg(std::size_t high_rxt,
                                                             std::uint32_t smss, bool rule3) const {
    // The smallest unSACKed octet above HighRxt and below the highest SACKed octet: taken
    // by rule 1 if lost, else by rule 3 if allowed (a higher one is never lost then).
    const std::size_t top = highest();
    for (std::size_t i = high_rxt; i < top; ++i) {
      if (sacked[i]) continue;
      if (!is_lost[i] && !rule3) return std::nullopt;
      std::size_t end = i;
      while (end < sacked.size() && !sacked[end] && end - i < smss) ++end;
      return std::pair{i, end};
    }
    return std::nullopt;
  }
};

TEST(Rfc6675SetPipe, MatchesTheOctetByOctetDefinitionAcrossTheWrap) {
  std::mt19937 rng(6675);
  const auto below = [&rng](std::uint32_t n) { return static_cast<std::uint32_t>(rng() % n); };
  constexpr std::uint32_t kWindow = 400, kSmallSmss = 20;
  for (int round = 0; round < 200; ++round) {
    // SND.UNA sits a little below 2^32 in half the rounds, so the window crosses it.
    const Seq snd_una(round % 2 ? 0xFFFFFFFFu - below(kWindow) : below(0xFFFFFFFFu));
    const Seq snd_nxt = snd_una + kWindow;
    SackScoreboard sb(64);
    OctetModel m{std::vector<bool>(kWindow), {}};
    for (int ack = 0; ack < 8; ++ack) {
      std::vector<SeqRange> blocks;
      for (std::size_t k = 1 + rng() % 3; k > 0; --k) {
        const std::uint32_t begin = below(kWindow);
        const std::uint32_t end = std::min(kWindow, begin + 1 + below(60));
        blocks.push_back({snd_una + begin, snd_una + end});
      }
      const std::size_t held_before = std::count(m.sacked.begin(), m.sacked.end(), true);
      const SackUpdate u = sb.update(snd_una, snd_nxt, blocks);
      for (std::size_t k = u.dsack ? 1 : 0; k < blocks.size(); ++k) {
        for (std::uint32_t i = static_cast<std::uint32_t>(blocks[k].begin - snd_una);
             i < static_cast<std::uint32_t>(blocks[k].end - snd_una); ++i) {
          m.sacked[i] = true;
        }
      }
      m.compute_lost(kSmallSmss);
      const std::size_t held_after = std::count(m.sacked.begin(), m.sacked.end(), true);
      ASSERT_EQ(u.newly_sacked, held_after - held_before);
      ASSERT_EQ(sb.sacked_bytes(), held_after);
      for (std::uint32_t i = 0; i < kWindow; ++i) {
        ASSERT_EQ(sb.is_sacked(snd_una + i), m.sacked[i]) << i;
        if (!m.sacked[i]) {
          ASSERT_EQ(sb.is_lost(snd_una + i, kSmallSmss), m.is_lost[i]) << i;
        }
      }
      for (std::uint32_t high_rxt = 0; high_rxt <= kWindow; high_rxt += 1 + below(30)) {
        ASSERT_EQ(sb.pipe(snd_una, snd_nxt, snd_una + high_rxt, kSmallSmss), m.pipe(high_rxt))
            << "high_rxt " << high_rxt;
        for (bool rule3 : {false, true}) {
          const auto got = sb.next_seg(snd_una, snd_una + high_rxt, kSmallSmss, rule3);
          const auto want = m.next_seg(high_rxt, kSmallSmss, rule3);
          ASSERT_EQ(got.has_value(), want.has_value()) << "high_rxt " << high_rxt << " rule3 " << rule3;
          if (got) {
            ASSERT_EQ(got->begin, snd_una + static_cast<std::uint32_t>(want->first));
            ASSERT_EQ(got->end, snd_una + static_cast<std::uint32_t>(want->second));
          }
        }
      }
    }
  }
}

}  // namespace
}  // namespace tunkit::stack::tcp
