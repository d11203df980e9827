// The retransmission timer's value, RFC 6298: SRTT/RTTVAR from samples (§2), Karn's rule
// (§3: the caller never feeds a sample from a retransmitted segment, except through
// timestamps, RFC 7323 §4), exponential backoff on expiry (§5.5) and the bounds.
#pragma once

#include <optional>

#include "tunkit/stack/time.hpp"

namespace tunkit::stack::tcp {

struct RtoLimits {
  Duration initial = std::chrono::seconds(1);        // RFC 6298 §2.1
  Duration minimum = std::chrono::milliseconds(200);  // Linux's; RFC 6298 §2.4 says 1 s (SHOULD)
  Duration maximum = std::chrono::seconds(120);      // §2.5 allows a maximum of at least 60 s
  Duration granularity = std::chrono::milliseconds(1);  // G in §2
};

class RttEstimator {
 public:
  explicit RttEstimator(RtoLimits limits = {}) noexcept;

  // A round-trip measurement (§2.2 first, §2.3 after). Clears the backoff (§5.7's caveat:
  // the backed-off RTO stays until a new sample arrives).
  void sample(Duration rtt) noexcept;
  // §5.5: the timer expired; RTO doubles, capped at maximum.
  void backoff() noexcept;
  // The RTO to arm now (bounded, backoff applied).
  Duration rto() const noexcept;
  std::optional<Duration> srtt() const noexcept;
  Duration rttvar() const noexcept;
  unsigned backoffs() const noexcept;  // consecutive expiries since the last sample

 private:
  RtoLimits limits_;
  std::optional<Duration> srtt_;  // nullopt until the first sample (§2.1)
  Duration rttvar_{};
  unsigned backoffs_ = 0;
};

}  // namespace tunkit::stack::tcp
