#include "tunkit/stack/tcp/rtt_estimator.hpp"

#include <gtest/gtest.h>

#include <chrono>

namespace tunkit::stack::tcp {
namespace {

using std::chrono::milliseconds;
using std::chrono::microseconds;
using std::chrono::seconds;

// Limits that never clamp, so the §2 arithmetic shows through unchanged.
RtoLimits unclamped() {
  RtoLimits l;
  l.minimum = microseconds(1);
  l.maximum = seconds(1000);
  return l;
}

TEST(Rfc6298, InitialRtoIsOneSecondAndSrttUnknown) {
  const RttEstimator rtt;
  EXPECT_EQ(rtt.rto(), seconds(1));  // §2.1
  EXPECT_FALSE(rtt.srtt().has_value());
  EXPECT_EQ(rtt.backoffs(), 0u);
}

TEST(Rfc6298, FirstSampleSetsSrttAndHalfRttvar) {
  RttEstimator rtt(unclamped());
  rtt.sample(milliseconds(100));
  ASSERT_TRUE(rtt.srtt().has_value());
  EXPECT_EQ(*rtt.srtt(), milliseconds(100));   // §2.2 SRTT <- R
  EXPECT_EQ(rtt.rttvar(), milliseconds(50));   // RTTVAR <- R/2
  EXPECT_EQ(rtt.rto(), milliseconds(300));     // SRTT + 4*RTTVAR
}

// §2.3 with alpha = 1/8, beta = 1/4, RTTVAR computed from the SRTT before this sample:
// RTTVAR = 3/4*50 + 1/4*|100 - 200| = 62.5 ms; SRTT = 7/8*100 + 1/8*200 = 112.5 ms;
// RTO = 112.5 + 4*62.5 = 362.5 ms. Updating SRTT first would give RTTVAR = 59.375 ms.
TEST(Rfc6298, LaterSampleUsesAlphaEighthAndBetaQuarter) {
  RttEstimator rtt(unclamped());
  rtt.sample(milliseconds(100));
  rtt.sample(milliseconds(200));
  EXPECT_EQ(*rtt.srtt(), microseconds(112'500));
  EXPECT_EQ(rtt.rttvar(), microseconds(62'500));
  EXPECT_EQ(rtt.rto(), microseconds(362'500));
}

TEST(Rfc6298, SmallerSampleUsesTheAbsoluteDifference) {
  RttEstimator rtt(unclamped());
  rtt.sample(milliseconds(200));  // SRTT 200, RTTVAR 100
  rtt.sample(milliseconds(40));   // RTTVAR = 75 + 40 = 115, SRTT = 175 + 5 = 180
  EXPECT_EQ(rtt.rttvar(), milliseconds(115));
  EXPECT_EQ(*rtt.srtt(), milliseconds(180));
}

// §2: RTO = SRTT + max(G, K*RTTVAR). Steady samples decay RTTVAR by 3/4 each time
// (50 ms * 0.75^40 ≈ 0.5 us), so the clock granularity G takes over the variance term.
TEST(Rfc6298, GranularityFloorsTheVarianceTerm) {
  RtoLimits limits = unclamped();
  limits.granularity = milliseconds(10);
  RttEstimator rtt(limits);
  for (int i = 0; i < 40; ++i) rtt.sample(milliseconds(100));
  EXPECT_EQ(*rtt.srtt(), milliseconds(100));
  EXPECT_LT(rtt.rttvar(), microseconds(1));
  EXPECT_EQ(rtt.rto(), milliseconds(110));
}

TEST(Rfc6298, RtoIsRaisedToTheMinimum) {
  RttEstimator rtt;  // minimum 200 ms
  rtt.sample(milliseconds(10));  // 10 + 4*5 = 30 ms
  EXPECT_EQ(rtt.rto(), milliseconds(200));  // §2.4
}

TEST(Rfc6298, RtoIsCappedAtTheMaximum) {
  RttEstimator rtt;  // maximum 120 s
  rtt.sample(seconds(100));  // 100 + 4*50 = 300 s
  EXPECT_EQ(rtt.rto(), seconds(120));  // §2.5
}

// §5.5: each expiry doubles the RTO, and the maximum bounds the doubling:
// 1, 2, 4, ..., 64 s, then 120 s (not 128 s) from the seventh expiry on.
TEST(Rfc6298, BackoffDoublesUpToTheMaximum) {
  RttEstimator rtt;
  Duration expected = seconds(1);
  for (unsigned i = 1; i <= 6; ++i) {
    rtt.backoff();
    expected *= 2;
    EXPECT_EQ(rtt.rto(), expected) << i;
    EXPECT_EQ(rtt.backoffs(), i);
  }
  rtt.backoff();
  EXPECT_EQ(rtt.rto(), seconds(120));
  for (int i = 0; i < 10'000; ++i) rtt.backoff();  // no overflow however many
  EXPECT_EQ(rtt.rto(), seconds(120));
  EXPECT_EQ(rtt.backoffs(), 10'007u);
}

// The doubling applies to the bounded RTO: 30 ms raised to 200 ms, then 400, 800 ms.
TEST(Rfc6298, BackoffDoublesTheBoundedValue) {
  RttEstimator rtt;
  rtt.sample(milliseconds(10));
  rtt.backoff();
  EXPECT_EQ(rtt.rto(), milliseconds(400));
  rtt.backoff();
  EXPECT_EQ(rtt.rto(), milliseconds(800));
}

// §5.7: the backed-off RTO is kept until a new sample; the sample then recomputes it.
TEST(Rfc6298, NewSampleClearsTheBackoff) {
  RttEstimator rtt(unclamped());
  rtt.sample(milliseconds(100));
  rtt.backoff();
  rtt.backoff();
  EXPECT_EQ(rtt.rto(), milliseconds(1200));
  EXPECT_EQ(*rtt.srtt(), milliseconds(100));  // expiries do not touch the estimator
  rtt.sample(milliseconds(100));
  EXPECT_EQ(rtt.backoffs(), 0u);
  // RTTVAR = 3/4*50 + 0 = 37.5 ms, RTO = 100 + 150 = 250 ms.
  EXPECT_EQ(rtt.rto(), milliseconds(250));
}

TEST(Rfc6298, NegativeSampleCountsAsZero) {
  RttEstimator rtt(unclamped());
  rtt.sample(milliseconds(-5));
  EXPECT_EQ(*rtt.srtt(), Duration::zero());
  EXPECT_EQ(rtt.rttvar(), Duration::zero());
  EXPECT_EQ(rtt.rto(), milliseconds(1));  // G alone
}

}  // namespace
}  // namespace tunkit::stack::tcp
