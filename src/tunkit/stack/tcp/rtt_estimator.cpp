#include "tunkit/stack/tcp/rtt_estimator.hpp"

#include <algorithm>

namespace tunkit::stack::tcp {
namespace {

// A sample longer than this is clamped: it keeps K*RTTVAR and the backoff doubling far
// from Duration's range whatever the caller measured.
constexpr Duration kLongestSample = std::chrono::hours(1);

Duration abs(Duration d) noexcept { return d < Duration::zero() ? -d : d; }

}  // namespace

RttEstimator::RttEstimator(RtoLimits limits) noexcept : limits_(limits) {}

void RttEstimator::sample(Duration rtt) noexcept {
  const Duration r = std::clamp(rtt, Duration::zero(), kLongestSample);
  if (!srtt_) {
    // §2.2: SRTT <- R, RTTVAR <- R/2.
    srtt_ = r;
    rttvar_ = r / 2;
  } else {
    // §2.3, alpha = 1/8, beta = 1/4; RTTVAR is updated first, from the old SRTT.
    rttvar_ = (3 * rttvar_ + abs(*srtt_ - r)) / 4;
    srtt_ = (7 * *srtt_ + r) / 8;
  }
  backoffs_ = 0;  // §5.7: a new sample replaces the backed-off value
}

void RttEstimator::backoff() noexcept { ++backoffs_; }

Duration RttEstimator::rto() const noexcept {
  // §2.1 before any sample; §2.2/2.3 RTO <- SRTT + max(G, K*RTTVAR) with K = 4 after.
  Duration base = srtt_ ? *srtt_ + std::max(limits_.granularity, 4 * rttvar_) : limits_.initial;
  // §2.4 lower bound, §2.5 upper bound.
  base = std::max(base, limits_.minimum);
  base = std::min(base, limits_.maximum);
  // §5.5: RTO <- RTO * 2 per expiry, bounded by the maximum. Stops once the bound is
  // reached, so any number of backoffs is safe.
  for (unsigned i = 0; i < backoffs_ && base < limits_.maximum; ++i)
    base = base > limits_.maximum / 2 ? limits_.maximum : base * 2;
  return base;
}

std::optional<Duration> RttEstimator::srtt() const noexcept { return srtt_; }
Duration RttEstimator::rttvar() const noexcept { return rttvar_; }
unsigned RttEstimator::backoffs() const noexcept { return backoffs_; }

}  // namespace tunkit::stack::tcp
