// NewReno: RFC 5681 §3.1-3.2 window arithmetic, RFC 3465 byte counting, RFC 6582 recovery.

#include "tunkit/stack/tcp/congestion.hpp"

#include <algorithm>
#include <limits>

namespace tunkit::stack::tcp {
namespace {

// RFC 5681 §3.1 equation (4): ssthresh = max(FlightSize / 2, 2*SMSS).
std::uint32_t halve(std::uint32_t flight, std::uint32_t smss) noexcept {
  return std::max(flight / 2, 2 * smss);
}

}  // namespace

NewReno::NewReno(std::uint32_t smss) noexcept
    : smss_(detail::clamp_smss(smss)),
      cwnd_(initial_window(smss_)),
      ssthresh_(std::numeric_limits<std::uint32_t>::max()) {}

void NewReno::on_ack(std::uint32_t acked_bytes, std::uint32_t, Instant, Duration) {
  if (acked_bytes == 0) return;
  timed_out_ = false;
  const std::uint32_t rest = detail::slow_start(cwnd_, ssthresh_, smss_, acked_bytes);
  if (rest == 0 || cwnd_ < ssthresh_) return;
  // Congestion avoidance, RFC 3465 §2.1 (RFC 5681 §3.1's byte-counting variant): once a
  // window's worth of bytes is acknowledged, cwnd grows by one SMSS, at most once per ACK
  // (cwnd "MUST NOT be increased by more than SMSS bytes" per RTT, RFC 5681 §3.1).
  bytes_acked_ = static_cast<std::uint32_t>(
      std::min<std::uint64_t>(std::uint64_t{bytes_acked_} + rest, kMaxCongestionWindow));
  if (bytes_acked_ >= cwnd_) {
    bytes_acked_ -= cwnd_;
    cwnd_ = std::min(kMaxCongestionWindow, cwnd_ + smss_);
    bytes_acked_ = std::min(bytes_acked_, cwnd_ - 1);  // no credit beyond one increase
  }
}

void NewReno::on_enter_recovery(std::uint32_t bytes_in_flight, Instant) {
  ssthresh_ = halve(bytes_in_flight, smss_);                // §3.2 step 2
  cwnd_ = detail::recovery_window(ssthresh_, smss_);        // §3.2 step 3
  bytes_acked_ = 0;
}

void NewReno::on_partial_ack(std::uint32_t acked_bytes) {
  cwnd_ = detail::deflate(cwnd_, smss_, acked_bytes);
}

void NewReno::on_exit_recovery(std::uint32_t bytes_in_flight, Instant) {
  cwnd_ = detail::exit_recovery_window(ssthresh_, bytes_in_flight, smss_);
  bytes_acked_ = 0;
}

void NewReno::on_retransmit_timeout(std::uint32_t bytes_in_flight, Instant) {
  // §3.1: "when a TCP sender detects segment loss using the retransmission timer and the
  // given segment has already been retransmitted by way of the retransmission timer at
  // least once, the value of ssthresh is held constant."
  if (!timed_out_) ssthresh_ = halve(bytes_in_flight, smss_);
  cwnd_ = smss_;  // the loss window, LW = 1 SMSS
  bytes_acked_ = 0;
  timed_out_ = true;
}

void NewReno::on_idle_restart() {
  // §4.1: cwnd = RW = min(IW, cwnd). ssthresh keeps 3/4 of the window given up, so slow
  // start brings it back quickly (RFC 2861's rule, as Linux does).
  const std::uint32_t restart = std::min(initial_window(smss_), cwnd_);
  if (restart < cwnd_) ssthresh_ = std::max(ssthresh_, cwnd_ / 4 * 3);
  cwnd_ = restart;
  bytes_acked_ = 0;
}

}  // namespace tunkit::stack::tcp
