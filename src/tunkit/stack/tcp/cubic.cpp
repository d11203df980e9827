// CUBIC, RFC 9438. Slow start and the recovery arithmetic are shared with NewReno (see
// congestion.hpp); what is CUBIC's own is ssthresh (β_cubic = 0.7), W_max with fast
// convergence, and growth in congestion avoidance: the cubic curve W_cubic(t) or the
// Reno-friendly estimate W_est, whichever is larger.

#include "tunkit/stack/tcp/congestion.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace tunkit::stack::tcp {
namespace {

constexpr double kC = 0.4;           // §4.1, segments / s^3
constexpr double kBeta = 0.7;        // §4.6 β_cubic
constexpr double kAlphaReno = 3.0 * (1.0 - kBeta) / (1.0 + kBeta);  // §4.3 α_cubic

double seconds(Duration d) noexcept { return std::chrono::duration<double>(d).count(); }

// §4.6: ssthresh = flight_size * β_cubic, at least 2 SMSS. Integer 7/10 so that whole
// segments stay whole (146000 * 0.7 is 102199.99... in binary floating point).
std::uint32_t reduced(std::uint32_t flight, std::uint32_t smss) noexcept {
  static_assert(kBeta == 0.7);
  const auto s = static_cast<std::uint32_t>(std::uint64_t{flight} * 7 / 10);
  return std::max(s, 2 * smss);
}

}  // namespace

Cubic::Cubic(std::uint32_t smss) noexcept
    : smss_(detail::clamp_smss(smss)),
      cwnd_(initial_window(smss_)),
      ssthresh_(std::numeric_limits<std::uint32_t>::max()) {}

Duration Cubic::k() const noexcept {
  return std::chrono::duration_cast<Duration>(std::chrono::duration<double>(k_seconds_));
}

double Cubic::w_cubic(double t) const noexcept {
  // Figure 1: W_cubic(t) = C * (t - K)^3 + W_max, in segments; converted to bytes.
  const double d = t - k_seconds_;
  return kC * d * d * d * smss_ + w_max_;
}

void Cubic::start_epoch(Instant now) noexcept {
  // §4.2: a congestion-avoidance stage starts; cwnd_epoch is cwnd now, and §4.3 starts
  // W_est there too.
  epoch_start_ = now;
  const double cwnd_epoch = cwnd_;
  w_est_ = cwnd_epoch;
  cwnd_fraction_ = 0;
  if (after_timeout_ || w_max_ <= 0) {
    // §4.8 (first stage after an RTO) and §4.10 (no congestion event yet): K = 0 and
    // W_max = cwnd_epoch.
    w_max_ = cwnd_epoch;
    k_seconds_ = 0;
    after_timeout_ = false;
  } else if (cwnd_epoch >= w_max_) {
    k_seconds_ = 0;  // §4.2: at or above W_max already, K is 0
  } else {
    // Figure 2: K = cubic_root((W_max - cwnd_epoch) / C), in segments.
    k_seconds_ = std::cbrt((w_max_ - cwnd_epoch) / smss_ / kC);
  }
}

void Cubic::add_to_cwnd(double bytes) noexcept {
  const double total = bytes + cwnd_fraction_;
  const double whole = std::floor(total);
  cwnd_fraction_ = total - whole;
  const double next = std::min<double>(cwnd_ + whole, kMaxCongestionWindow);
  cwnd_ = static_cast<std::uint32_t>(next);
}

void Cubic::on_ack(std::uint32_t acked_bytes, std::uint32_t, Instant now, Duration srtt) {
  if (acked_bytes == 0) return;
  timed_out_ = false;
  // §4.10: slow start while cwnd < ssthresh.
  const std::uint32_t rest = detail::slow_start(cwnd_, ssthresh_, smss_, acked_bytes);
  if (rest == 0 || cwnd_ < ssthresh_) return;

  if (!epoch_start_) start_epoch(now);
  const double t = std::max(0.0, seconds(now - *epoch_start_));
  const double rtt = std::max(0.0, seconds(srtt));
  const double cwnd = cwnd_;

  // §4.3: W_est += α_cubic * segments_acked / cwnd (scaled to bytes); α_cubic becomes 1
  // once W_est reaches cwnd_prior.
  const double alpha = w_est_ >= cwnd_prior_ ? 1.0 : kAlphaReno;
  w_est_ = std::min<double>(w_est_ + alpha * rest * smss_ / cwnd, kMaxCongestionWindow);

  if (w_cubic(t) < w_est_) {
    // Reno-friendly region: "cwnd SHOULD be set to W_est" (never lowered here).
    if (w_est_ > cwnd) add_to_cwnd(w_est_ - cwnd);
    return;
  }
  // §4.2 target, bounded to [cwnd, 1.5*cwnd]; §4.4/4.5: cwnd += (target - cwnd) / cwnd
  // per segment acknowledged, i.e. (target - cwnd) * acked / cwnd bytes.
  const double target = std::clamp(w_cubic(t + rtt), cwnd, 1.5 * cwnd);
  add_to_cwnd((target - cwnd) * rest / cwnd);
}

void Cubic::on_enter_recovery(std::uint32_t bytes_in_flight, Instant) {
  // §4.7 fast convergence: a window that peaked below the last W_max means the share
  // shrank, so release more: W_max = cwnd * (1 + β_cubic) / 2; else W_max = cwnd.
  const double cwnd = cwnd_;
  w_max_ = cwnd < w_max_ ? cwnd * (1.0 + kBeta) / 2.0 : cwnd;
  cwnd_prior_ = cwnd;                        // §4.6
  ssthresh_ = reduced(bytes_in_flight, smss_);
  // §4.6 lets the sender "employ a fast recovery algorithm to gradually adjust" cwnd to
  // ssthresh: the shared RFC 5681 §3.2 / RFC 6582 arithmetic does that.
  cwnd_ = detail::recovery_window(ssthresh_, smss_);
  epoch_start_.reset();
  after_timeout_ = false;
  cwnd_fraction_ = 0;
}

void Cubic::on_partial_ack(std::uint32_t acked_bytes) {
  cwnd_ = detail::deflate(cwnd_, smss_, acked_bytes);
}

void Cubic::on_exit_recovery(std::uint32_t bytes_in_flight, Instant) {
  cwnd_ = detail::exit_recovery_window(ssthresh_, bytes_in_flight, smss_);
  epoch_start_.reset();  // the stage starts with the next ACK
  cwnd_fraction_ = 0;
}

void Cubic::on_retransmit_timeout(std::uint32_t bytes_in_flight, Instant) {
  // §4.8: cwnd as Reno (RFC 5681: the loss window, 1 SMSS), ssthresh with β_cubic; held
  // constant when the same segment times out again (RFC 5681 §3.1).
  if (!timed_out_) {
    cwnd_prior_ = cwnd_;
    ssthresh_ = reduced(bytes_in_flight, smss_);
  }
  cwnd_ = smss_;
  timed_out_ = true;
  after_timeout_ = true;
  epoch_start_.reset();
  cwnd_fraction_ = 0;
}

void Cubic::on_idle_restart() {
  // RFC 5681 §4.1 as in NewReno; the idle time must not count as CUBIC growth time
  // (§5.8), so the next ACK starts a new stage.
  const std::uint32_t restart = std::min(initial_window(smss_), cwnd_);
  if (restart < cwnd_) ssthresh_ = std::max(ssthresh_, cwnd_ / 4 * 3);
  cwnd_ = restart;
  epoch_start_.reset();
  cwnd_fraction_ = 0;
}

}  // namespace tunkit::stack::tcp
