#include "tunkit/stack/tcp/congestion.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <limits>
#include <vector>

namespace tunkit::stack::tcp {
namespace {

using std::chrono::hours;
using std::chrono::milliseconds;
using std::chrono::seconds;

const Instant kT0 = Instant{} + hours(1);
constexpr std::uint32_t kSmss = 1000;  // IW = 10 * 1000: round numbers for NewReno
constexpr std::uint32_t kInfinity = std::numeric_limits<std::uint32_t>::max();

constexpr CongestionAlgorithm kBoth[] = {CongestionAlgorithm::newreno, CongestionAlgorithm::cubic};

// One round trip of a sender that keeps the window full: the cwnd at the start of the
// round is acknowledged in SMSS-sized ACKs, all at `now`.
void ack_round(CongestionControl& cc, std::uint32_t smss, Instant now, Duration srtt) {
  std::uint32_t left = cc.cwnd();
  while (left > 0) {
    const std::uint32_t a = std::min(left, smss);
    cc.on_ack(a, cc.cwnd(), now, srtt);
    left -= a;
  }
}

// Slow start from IW in one-SMSS ACKs until cwnd is `target` (a multiple of SMSS).
void grow_to(CongestionControl& cc, std::uint32_t smss, std::uint32_t target) {
  while (cc.cwnd() < target) cc.on_ack(smss, cc.cwnd(), kT0, milliseconds(100));
  ASSERT_EQ(cc.cwnd(), target);
}

// ---- shared: initial window, slow start, recovery arithmetic --------------------------

TEST(Rfc6928InitialWindow, IsMinOfTenSegmentsAndMaxOfTwoSegmentsAnd14600) {
  EXPECT_EQ(initial_window(1460), 14600u);  // 10 * 1460 = 14600
  EXPECT_EQ(initial_window(536), 5360u);    // 10 segments
  EXPECT_EQ(initial_window(1000), 10000u);
  EXPECT_EQ(initial_window(4000), 14600u);  // capped by 14600
  EXPECT_EQ(initial_window(9000), 18000u);  // at least 2 segments
  EXPECT_EQ(initial_window(0), 5360u);      // the 536-byte default MSS
  for (auto alg : kBoth) {
    const auto cc = make_congestion_control(alg, 1460);
    EXPECT_EQ(cc->algorithm(), alg);
    EXPECT_EQ(cc->cwnd(), 14600u) << to_string(alg);
    EXPECT_EQ(cc->ssthresh(), kInfinity) << to_string(alg);  // RFC 5681 §3.1 "arbitrarily high"
  }
}

TEST(CongestionAlgorithmNames, AreStable) {
  EXPECT_EQ(to_string(CongestionAlgorithm::newreno), "newreno");
  EXPECT_EQ(to_string(CongestionAlgorithm::cubic), "cubic");
}

TEST(Rfc5681SlowStart, DoublesCwndPerRoundTrip) {
  for (auto alg : kBoth) {
    SCOPED_TRACE(to_string(alg));
    const auto cc = make_congestion_control(alg, kSmss);
    ack_round(*cc, kSmss, kT0, milliseconds(100));
    EXPECT_EQ(cc->cwnd(), 20'000u);
    ack_round(*cc, kSmss, kT0 + milliseconds(100), milliseconds(100));
    EXPECT_EQ(cc->cwnd(), 40'000u);
  }
}

// RFC 3465 §2.2 with L = 2*SMSS: a delayed ACK (2 segments) counts both, so slow start
// still doubles per RTT (per-ACK counting would give 15 000, not 20 000).
TEST(Rfc3465ByteCounting, DelayedAcksStillDoubleTheWindow) {
  for (auto alg : kBoth) {
    SCOPED_TRACE(to_string(alg));
    const auto cc = make_congestion_control(alg, kSmss);
    for (int i = 0; i < 5; ++i) cc->on_ack(2 * kSmss, 10'000, kT0, milliseconds(100));
    EXPECT_EQ(cc->cwnd(), 20'000u);
  }
}

TEST(Rfc3465ByteCounting, StretchAckGrowsAtMostTwoSmss) {
  for (auto alg : kBoth) {
    SCOPED_TRACE(to_string(alg));
    const auto cc = make_congestion_control(alg, kSmss);
    cc->on_ack(8 * kSmss, 10'000, kT0, milliseconds(100));
    EXPECT_EQ(cc->cwnd(), 12'000u);
  }
}

TEST(Rfc5681SlowStart, AckWithNothingNewChangesNothing) {
  for (auto alg : kBoth) {
    SCOPED_TRACE(to_string(alg));
    const auto cc = make_congestion_control(alg, kSmss);
    cc->on_ack(0, 10'000, kT0, milliseconds(100));
    EXPECT_EQ(cc->cwnd(), 10'000u);
  }
}

// RFC 5681 §3.2 step 3: cwnd = ssthresh + 3*SMSS on entering fast recovery.
TEST(Rfc5681FastRecovery, CwndIsSsthreshPlusThreeSegments) {
  for (auto alg : kBoth) {
    SCOPED_TRACE(to_string(alg));
    const auto cc = make_congestion_control(alg, kSmss);
    grow_to(*cc, kSmss, 40'000);
    cc->on_enter_recovery(40'000, kT0);
    EXPECT_EQ(cc->cwnd(), cc->ssthresh() + 3 * kSmss);
  }
}

// RFC 6582 §3.2 step 5, partial ACK: deflate by the bytes acknowledged, add back one SMSS
// if at least one SMSS was acknowledged; never below one SMSS.
TEST(Rfc6582PartialAck, DeflatesByAckedBytesAndAddsBackOneSmss) {
  for (auto alg : kBoth) {
    SCOPED_TRACE(to_string(alg));
    const auto cc = make_congestion_control(alg, kSmss);
    grow_to(*cc, kSmss, 20'000);
    cc->on_enter_recovery(20'000, kT0);
    const std::uint32_t w = cc->cwnd();
    cc->on_partial_ack(3 * kSmss);
    EXPECT_EQ(cc->cwnd(), w - 3 * kSmss + kSmss);
    cc->on_partial_ack(500);  // less than one SMSS: no add-back
    EXPECT_EQ(cc->cwnd(), w - 2 * kSmss - 500);
    cc->on_partial_ack(1'000'000);
    EXPECT_EQ(cc->cwnd(), kSmss);
  }
}

// RFC 6582 §3.2 step 5, full acknowledgment, option (1):
// cwnd = min(ssthresh, max(FlightSize, SMSS) + SMSS).
TEST(Rfc6582FullAck, ExitSetsCwndToMinOfSsthreshAndFlightPlusOneSmss) {
  for (auto alg : kBoth) {
    SCOPED_TRACE(to_string(alg));
    const auto cc = make_congestion_control(alg, kSmss);
    grow_to(*cc, kSmss, 40'000);
    cc->on_enter_recovery(40'000, kT0);
    const std::uint32_t ssthresh = cc->ssthresh();
    cc->on_exit_recovery(2 * kSmss, kT0);
    EXPECT_EQ(cc->cwnd(), 3 * kSmss);  // little in flight: no burst
    cc->on_enter_recovery(40'000, kT0);
    cc->on_exit_recovery(0, kT0);
    EXPECT_EQ(cc->cwnd(), 2 * kSmss);  // max(0, SMSS) + SMSS
    cc->on_enter_recovery(40'000, kT0);
    cc->on_exit_recovery(40'000, kT0);
    EXPECT_EQ(cc->cwnd(), ssthresh);
  }
}

// RFC 5681 §3.1: after an RTO cwnd is the loss window, one SMSS, and slow start resumes.
TEST(Rfc5681RetransmissionTimeout, CwndBecomesTheOneSegmentLossWindow) {
  for (auto alg : kBoth) {
    SCOPED_TRACE(to_string(alg));
    const auto cc = make_congestion_control(alg, kSmss);
    grow_to(*cc, kSmss, 40'000);
    cc->on_retransmit_timeout(40'000, kT0);
    EXPECT_EQ(cc->cwnd(), kSmss);
    cc->on_ack(kSmss, kSmss, kT0, milliseconds(100));
    EXPECT_EQ(cc->cwnd(), 2 * kSmss);
  }
}

// RFC 5681 §3.1: when the same segment times out again, "the value of ssthresh is held
// constant" (recomputing it from a one-segment flight would collapse it to 2*SMSS).
TEST(Rfc5681RetransmissionTimeout, RepeatedTimeoutHoldsSsthresh) {
  for (auto alg : kBoth) {
    SCOPED_TRACE(to_string(alg));
    const auto cc = make_congestion_control(alg, kSmss);
    grow_to(*cc, kSmss, 40'000);
    cc->on_retransmit_timeout(40'000, kT0);
    const std::uint32_t held = cc->ssthresh();
    cc->on_retransmit_timeout(kSmss, kT0 + seconds(1));
    EXPECT_EQ(cc->ssthresh(), held);
    EXPECT_EQ(cc->cwnd(), kSmss);
    // Progress, then a new loss: ssthresh follows the new flight size again.
    cc->on_ack(kSmss, kSmss, kT0 + seconds(2), milliseconds(100));
    cc->on_retransmit_timeout(2 * kSmss, kT0 + seconds(3));
    EXPECT_EQ(cc->ssthresh(), 2 * kSmss);
  }
}

// RFC 5681 §4.1: after an idle period longer than the RTO, cwnd = min(IW, cwnd).
TEST(Rfc5681IdleRestart, CwndFallsToTheInitialWindowButNotBelowItsValue) {
  for (auto alg : kBoth) {
    SCOPED_TRACE(to_string(alg));
    const auto cc = make_congestion_control(alg, kSmss);
    grow_to(*cc, kSmss, 40'000);
    cc->on_idle_restart();
    EXPECT_EQ(cc->cwnd(), 10'000u);
    cc->on_retransmit_timeout(10'000, kT0);
    EXPECT_EQ(cc->cwnd(), kSmss);
    cc->on_idle_restart();
    EXPECT_EQ(cc->cwnd(), kSmss);  // min(IW, cwnd) never raises it
  }
}

// ssthresh keeps 3/4 of the window given up at restart, so slow start regains it.
TEST(Rfc5681IdleRestart, SsthreshRemembersThreeQuartersOfTheOldWindow) {
  NewReno cc(kSmss);
  grow_to(cc, kSmss, 20'000);
  cc.on_enter_recovery(20'000, kT0);  // ssthresh 10 000
  cc.on_exit_recovery(10'000, kT0);   // cwnd 10 000, congestion avoidance
  for (int i = 0; i < 6; ++i) ack_round(cc, kSmss, kT0, milliseconds(100));
  ASSERT_EQ(cc.cwnd(), 16'000u);
  cc.on_idle_restart();
  EXPECT_EQ(cc.cwnd(), 10'000u);
  EXPECT_EQ(cc.ssthresh(), 12'000u);
}

TEST(CongestionWindowBound, NeverExceedsOneGibibyte) {
  for (auto alg : kBoth) {
    SCOPED_TRACE(to_string(alg));
    const auto cc = make_congestion_control(alg, kSmss);
    cc->on_enter_recovery(kInfinity, kT0);
    EXPECT_LE(cc->cwnd(), kMaxCongestionWindow);
    cc->on_exit_recovery(kInfinity, kT0);
    EXPECT_EQ(cc->cwnd(), kMaxCongestionWindow);
    for (int i = 0; i < 10; ++i) cc->on_ack(kInfinity, kInfinity, kT0 + seconds(i * 100), seconds(1));
    EXPECT_EQ(cc->cwnd(), kMaxCongestionWindow);
  }
}

// ---- NewReno ---------------------------------------------------------------------------

// RFC 5681 §3.2 step 2, equation (4): ssthresh = max(FlightSize / 2, 2*SMSS), from the
// data in flight, not from cwnd.
TEST(Rfc5681FastRetransmit, SsthreshIsHalfTheFlightSizeAtLeastTwoSegments) {
  NewReno cc(kSmss);
  grow_to(cc, kSmss, 40'000);
  cc.on_enter_recovery(30'000, kT0);
  EXPECT_EQ(cc.ssthresh(), 15'000u);
  EXPECT_EQ(cc.cwnd(), 18'000u);
  cc.on_enter_recovery(3'000, kT0);
  EXPECT_EQ(cc.ssthresh(), 2'000u);
  EXPECT_EQ(cc.cwnd(), 5'000u);
}

TEST(Rfc5681RetransmissionTimeout, NewRenoSsthreshIsHalfTheFlightSize) {
  NewReno cc(kSmss);
  grow_to(cc, kSmss, 40'000);
  cc.on_retransmit_timeout(36'000, kT0);
  EXPECT_EQ(cc.ssthresh(), 18'000u);
}

// RFC 5681 §3.1 congestion avoidance: one SMSS per round trip (RFC 3465 §2.1 counting).
TEST(Rfc5681CongestionAvoidance, AddsOneSmssPerRoundTrip) {
  NewReno cc(kSmss);
  grow_to(cc, kSmss, 20'000);
  cc.on_enter_recovery(20'000, kT0);
  cc.on_exit_recovery(10'000, kT0);
  ASSERT_EQ(cc.cwnd(), 10'000u);
  ASSERT_EQ(cc.ssthresh(), 10'000u);
  for (int i = 0; i < 9; ++i) cc.on_ack(kSmss, 10'000, kT0, milliseconds(100));
  EXPECT_EQ(cc.cwnd(), 10'000u);  // nine tenths of a window: no growth yet
  cc.on_ack(kSmss, 10'000, kT0, milliseconds(100));
  EXPECT_EQ(cc.cwnd(), 11'000u);
  ack_round(cc, kSmss, kT0, milliseconds(100));
  EXPECT_EQ(cc.cwnd(), 12'000u);
  ack_round(cc, kSmss, kT0, milliseconds(100));
  EXPECT_EQ(cc.cwnd(), 13'000u);
}

// A single huge ACK (ten windows) in congestion avoidance grows cwnd by one SMSS, not
// ten; the credit it leaves is under one window, so it buys at most one more SMSS.
TEST(Rfc5681CongestionAvoidance, AtMostOneSmssPerAck) {
  NewReno cc(kSmss);
  grow_to(cc, kSmss, 20'000);
  cc.on_enter_recovery(20'000, kT0);
  cc.on_exit_recovery(10'000, kT0);
  cc.on_ack(100'000, 10'000, kT0, milliseconds(100));
  EXPECT_EQ(cc.cwnd(), 11'000u);
  cc.on_ack(kSmss, 10'000, kT0, milliseconds(100));
  EXPECT_EQ(cc.cwnd(), 12'000u);
  cc.on_ack(kSmss, 10'000, kT0, milliseconds(100));
  EXPECT_EQ(cc.cwnd(), 12'000u);  // the excess is spent
}

// Slow start stops at ssthresh and the rest of the ACK counts toward avoidance.
TEST(Rfc5681SlowStart, StopsAtSsthresh) {
  NewReno cc(kSmss);
  grow_to(cc, kSmss, 40'000);
  cc.on_retransmit_timeout(20'000, kT0);  // ssthresh 10 000, cwnd 1 000
  for (int i = 0; i < 9; ++i) cc.on_ack(kSmss, kSmss, kT0, milliseconds(100));
  EXPECT_EQ(cc.cwnd(), 10'000u);
  cc.on_ack(2 * kSmss, kSmss, kT0, milliseconds(100));
  EXPECT_EQ(cc.cwnd(), 10'000u);  // in avoidance now: 2 000 of 10 000 counted
}

// ---- CUBIC -----------------------------------------------------------------------------

constexpr std::uint32_t kCubicSmss = 1460;  // not 1000, so a bytes/segments mix-up shows

double segments(double bytes) { return bytes / kCubicSmss; }
double secs(Duration d) { return std::chrono::duration<double>(d).count(); }

// RFC 9438 Figure 1 with C = 0.4, W_max = 100 and K = cbrt((100 - 70) / 0.4) = cbrt(75).
constexpr double kK = 4.2171633265;
double w_cubic_100(double t) { return 0.4 * std::pow(t - kK, 3) + 100; }

// A loss at W_max = 100 segments with a full window in flight, then recovery ends.
Cubic after_loss_at_100_segments() {
  Cubic cc(kCubicSmss);
  grow_to(cc, kCubicSmss, 100 * kCubicSmss);
  cc.on_enter_recovery(100 * kCubicSmss, kT0);
  cc.on_exit_recovery(70 * kCubicSmss, kT0);
  return cc;
}

// §4.6: ssthresh = flight_size * β_cubic (0.7), and cwnd falls to it; §4.7: cwnd at or
// above the old W_max becomes the new W_max.
TEST(Rfc9438MultiplicativeDecrease, LossAt100SegmentsLeaves70AndWmax100) {
  Cubic cc(kCubicSmss);
  grow_to(cc, kCubicSmss, 100 * kCubicSmss);
  cc.on_enter_recovery(100 * kCubicSmss, kT0);
  EXPECT_EQ(cc.ssthresh(), 70 * kCubicSmss);
  EXPECT_DOUBLE_EQ(segments(cc.w_max()), 100.0);
  EXPECT_EQ(cc.cwnd(), 73 * kCubicSmss);  // + 3 segments while recovering
  cc.on_exit_recovery(70 * kCubicSmss, kT0);
  EXPECT_EQ(cc.cwnd(), 70 * kCubicSmss);
}

TEST(Rfc9438MultiplicativeDecrease, SsthreshIsAtLeastTwoSegments) {
  Cubic cc(kCubicSmss);
  cc.on_enter_recovery(2 * kCubicSmss, kT0);  // 0.7 * 2 = 1.4 segments
  EXPECT_EQ(cc.ssthresh(), 2 * kCubicSmss);
}

// §4.2: K = cbrt((W_max - cwnd_epoch) / C) in segments and seconds, fixed at the stage's
// first ACK; W_cubic(K) = W_max. With RTT 200 ms W_est stays far below (about 81
// segments at K), so this is the cubic region: concave up to K, convex after.
TEST(Rfc9438WindowIncrease, CubicReturnsToWmaxAtK) {
  Cubic cc = after_loss_at_100_segments();
  const Duration rtt = milliseconds(200);
  std::vector<double> cwnd;  // segments after each round
  for (int i = 0; i <= 30; ++i) {
    ack_round(cc, kCubicSmss, kT0 + i * rtt, rtt);
    cwnd.push_back(segments(cc.cwnd()));
    if (i == 0) {
      EXPECT_NEAR(secs(cc.k()), kK, 1e-6);
    }
    // cwnd chases target = W_cubic(t + RTT) from above W_cubic(t) and never passes it.
    const double t = secs(i * rtt);
    EXPECT_GE(cwnd.back(), w_cubic_100(t) - 0.01) << "round " << i;
    EXPECT_LE(cwnd.back(), w_cubic_100(t + secs(rtt)) + 0.01) << "round " << i;
    if (i >= 3) {
      EXPECT_LT(segments(cc.w_est()), cwnd.back() - 5) << "round " << i;
    }
  }
  EXPECT_NEAR(cwnd[21], 100.0, 0.1);  // t = 4.2 s ≈ K
  EXPECT_GT(cwnd[5] - cwnd[4], cwnd[15] - cwnd[14]);   // concave: growth slows toward K
  EXPECT_LT(cwnd[25] - cwnd[24], cwnd[30] - cwnd[29]); // convex: and speeds up after
}

// §4.3: with a 1 ms RTT the cubic curve barely moves (W_cubic(10 ms) ≈ 70.2 segments),
// while W_est grows by α_cubic = 3 * 0.3 / 1.7 ≈ 0.529 segments per RTT, and by 1 per
// RTT once it reaches cwnd_prior (100 segments): cwnd follows W_est.
TEST(Rfc9438RenoFriendlyRegion, TakesOverAtSmallRtt) {
  Cubic cc = after_loss_at_100_segments();
  const Duration rtt = milliseconds(1);
  for (int i = 0; i < 10; ++i) ack_round(cc, kCubicSmss, kT0 + i * rtt, rtt);
  EXPECT_NEAR(segments(cc.cwnd()), 70 + 10 * 0.5294, 0.1);
  EXPECT_NEAR(segments(cc.w_est()), segments(cc.cwnd()), 0.01);
  for (int i = 10; i < 80; ++i) ack_round(cc, kCubicSmss, kT0 + i * rtt, rtt);
  const double at80 = segments(cc.cwnd());
  EXPECT_GT(at80, 100.0);
  for (int i = 80; i < 90; ++i) ack_round(cc, kCubicSmss, kT0 + i * rtt, rtt);
  EXPECT_NEAR(segments(cc.cwnd()) - at80, 10.0, 0.2);  // α_cubic = 1 now
  EXPECT_GT(segments(cc.cwnd()), w_cubic_100(0.09) + 50);
}

// §4.7: a loss below the previous W_max lowers W_max to cwnd * (1 + β_cubic) / 2.
TEST(Rfc9438FastConvergence, LossBelowWmaxReleasesMore) {
  Cubic cc = after_loss_at_100_segments();
  ASSERT_EQ(cc.cwnd(), 70 * kCubicSmss);
  cc.on_enter_recovery(70 * kCubicSmss, kT0 + seconds(1));
  EXPECT_NEAR(segments(cc.w_max()), 59.5, 1e-9);  // 70 * (1 + 0.7) / 2
  EXPECT_EQ(cc.ssthresh(), 49 * kCubicSmss);
}

// §4.8: on RTO cwnd is one segment and ssthresh = 0.7 * flight; the first avoidance
// stage afterwards uses K = 0 and W_max = cwnd at its start.
TEST(Rfc9438Timeout, FirstStageAfterTimeoutStartsAtKZero) {
  Cubic cc(kCubicSmss);
  grow_to(cc, kCubicSmss, 100 * kCubicSmss);
  cc.on_retransmit_timeout(100 * kCubicSmss, kT0);
  EXPECT_EQ(cc.cwnd(), kCubicSmss);
  EXPECT_EQ(cc.ssthresh(), 70 * kCubicSmss);
  while (cc.cwnd() < cc.ssthresh()) cc.on_ack(kCubicSmss, cc.cwnd(), kT0, milliseconds(200));
  ASSERT_EQ(cc.cwnd(), 70 * kCubicSmss);
  const Duration rtt = milliseconds(200);
  ack_round(cc, kCubicSmss, kT0 + seconds(1), rtt);
  EXPECT_EQ(cc.k(), Duration::zero());
  EXPECT_DOUBLE_EQ(segments(cc.w_max()), 70.0);
  // Convex from the start: W_cubic(0.2) = 70 + 0.4 * 0.008 segments; W_est adds 0.53.
  EXPECT_NEAR(segments(cc.cwnd()), 70.53, 0.05);
}

// §5.8: time the flow spent idle is not growth time. After a restart the next stage
// starts afresh (K from the current window), so 100 s of idling adds nothing; counting
// it would put W_cubic far above and jump cwnd by up to half in one round.
TEST(Rfc9438IdleRestart, IdleTimeDoesNotCountTowardGrowth) {
  Cubic cc = after_loss_at_100_segments();
  const Duration rtt = milliseconds(200);
  ack_round(cc, kCubicSmss, kT0, rtt);
  cc.on_idle_restart();
  EXPECT_EQ(cc.cwnd(), 14'600u);
  EXPECT_EQ(cc.ssthresh(), 70 * kCubicSmss);  // max(70, 3/4 * 70.5) segments
  const Instant later = kT0 + seconds(100);
  while (cc.cwnd() < cc.ssthresh()) cc.on_ack(kCubicSmss, cc.cwnd(), later, rtt);
  ack_round(cc, kCubicSmss, later, rtt);
  EXPECT_LT(segments(cc.cwnd()), 72.0);
}

}  // namespace
}  // namespace tunkit::stack::tcp
