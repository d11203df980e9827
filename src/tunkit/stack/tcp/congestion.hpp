// Congestion control as a pluggable policy. The connection owns loss detection and
// recovery (RFC 6675 / RFC 6582 bookkeeping: which bytes to resend, when recovery ends);
// the policy owns cwnd and ssthresh and how they move. Sizes are bytes.
//
// NewReno: RFC 5681 §3.1 (slow start, congestion avoidance with appropriate byte counting,
// RFC 3465 L = 2*SMSS), §3.2 steps 2-6 for fast retransmit/recovery arithmetic, RFC 6582
// partial-ACK deflation. CUBIC: RFC 9438 (W_cubic, the Reno-friendly region §4.3, fast
// convergence §4.7, beta 0.7, C 0.4, on RTO §4.8).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>

#include "tunkit/stack/time.hpp"

namespace tunkit::stack::tcp {

enum class CongestionAlgorithm : std::uint8_t { newreno, cubic };

std::string_view to_string(CongestionAlgorithm a) noexcept;

class CongestionControl {
 public:
  virtual ~CongestionControl() = default;

  // Bytes newly acknowledged outside recovery (cumulatively or, for SACK, newly sacked is
  // NOT included: only snd.una advances). `rtt` is the latest smoothed RTT if known.
  virtual void on_ack(std::uint32_t acked_bytes, std::uint32_t bytes_in_flight, Instant now,
                      Duration srtt) = 0;
  // Loss detected by duplicate ACKs / SACK (entering fast recovery, RFC 5681 §3.2 step 2,
  // RFC 6675 §5 step 4.2). Sets ssthresh and cwnd for recovery.
  virtual void on_enter_recovery(std::uint32_t bytes_in_flight, Instant now) = 0;
  // A partial ACK during recovery (RFC 6582 §3.2 step 5): deflate by `acked_bytes`.
  virtual void on_partial_ack(std::uint32_t acked_bytes) = 0;
  // Recovery ended: the ACK covered the recovery point (RFC 6582 §3.2 step 5 "full
  // acknowledgment" / RFC 6675 §5).
  virtual void on_exit_recovery(std::uint32_t bytes_in_flight, Instant now) = 0;
  // The retransmission timer expired (RFC 5681 §3.1 equation 4, cwnd = 1 SMSS (LW)).
  virtual void on_retransmit_timeout(std::uint32_t bytes_in_flight, Instant now) = 0;
  // The connection has been idle longer than an RTO (RFC 5681 §4.1 restart window).
  virtual void on_idle_restart() = 0;

  virtual std::uint32_t cwnd() const noexcept = 0;
  virtual std::uint32_t ssthresh() const noexcept = 0;
  virtual CongestionAlgorithm algorithm() const noexcept = 0;
};

// Initial window per RFC 5681 §3.1 with RFC 6928's IW10 (min(10*MSS, max(2*MSS, 14600))).
// `smss` 0 means the RFC 9293 §3.7.1 default of 536; above 65535 it is taken as 65535.
std::unique_ptr<CongestionControl> make_congestion_control(CongestionAlgorithm algorithm,
                                                           std::uint32_t smss);

// RFC 6928 §2: IW = min(10*SMSS, max(2*SMSS, 14600)) bytes.
std::uint32_t initial_window(std::uint32_t smss) noexcept;

// cwnd never exceeds this (1 GiB, the largest window RFC 7323 §2.3 can advertise), so
// byte arithmetic on it cannot overflow 32 bits. ssthresh starts "arbitrarily high"
// (RFC 5681 §3.1) at the uint32 maximum.
inline constexpr std::uint32_t kMaxCongestionWindow = std::uint32_t{1} << 30;

// The two policies. make_congestion_control() is the usual way in; the concrete types are
// public so tests and diagnostics can read the algorithm's own variables.
class NewReno final : public CongestionControl {
 public:
  explicit NewReno(std::uint32_t smss) noexcept;

  void on_ack(std::uint32_t acked_bytes, std::uint32_t bytes_in_flight, Instant now,
              Duration srtt) override;
  void on_enter_recovery(std::uint32_t bytes_in_flight, Instant now) override;
  void on_partial_ack(std::uint32_t acked_bytes) override;
  void on_exit_recovery(std::uint32_t bytes_in_flight, Instant now) override;
  void on_retransmit_timeout(std::uint32_t bytes_in_flight, Instant now) override;
  void on_idle_restart() override;

  std::uint32_t cwnd() const noexcept override { return cwnd_; }
  std::uint32_t ssthresh() const noexcept override { return ssthresh_; }
  CongestionAlgorithm algorithm() const noexcept override { return CongestionAlgorithm::newreno; }

 private:
  std::uint32_t smss_;
  std::uint32_t cwnd_;
  std::uint32_t ssthresh_;
  std::uint32_t bytes_acked_ = 0;  // RFC 3465 §2.1 congestion-avoidance byte counter
  bool timed_out_ = false;         // an RTO fired and no ACK has advanced since
};

// CUBIC, RFC 9438. Windows are kept in bytes; the cubic function is evaluated in
// segments (C = 0.4 segments/s^3) as the RFC writes it. Time comes only from `now`.
class Cubic final : public CongestionControl {
 public:
  explicit Cubic(std::uint32_t smss) noexcept;

  void on_ack(std::uint32_t acked_bytes, std::uint32_t bytes_in_flight, Instant now,
              Duration srtt) override;
  void on_enter_recovery(std::uint32_t bytes_in_flight, Instant now) override;
  void on_partial_ack(std::uint32_t acked_bytes) override;
  void on_exit_recovery(std::uint32_t bytes_in_flight, Instant now) override;
  void on_retransmit_timeout(std::uint32_t bytes_in_flight, Instant now) override;
  void on_idle_restart() override;

  std::uint32_t cwnd() const noexcept override { return cwnd_; }
  std::uint32_t ssthresh() const noexcept override { return ssthresh_; }
  CongestionAlgorithm algorithm() const noexcept override { return CongestionAlgorithm::cubic; }

  // RFC 9438 §4.1's variables, windows in bytes: W_max (0 before the first congestion
  // event), W_est (§4.3), and K of the current congestion-avoidance stage (§4.2; zero
  // until the stage's first ACK).
  double w_max() const noexcept { return w_max_; }
  double w_est() const noexcept { return w_est_; }
  Duration k() const noexcept;

 private:
  void start_epoch(Instant now) noexcept;
  double w_cubic(double t_seconds) const noexcept;  // §4.2 Figure 1, in bytes
  void add_to_cwnd(double bytes) noexcept;

  std::uint32_t smss_;
  std::uint32_t cwnd_;
  std::uint32_t ssthresh_;
  double cwnd_fraction_ = 0;  // growth below one byte, carried to the next ACK
  double w_max_ = 0;
  double cwnd_prior_ = 0;     // cwnd when ssthresh was last set (§4.3's alpha switch)
  double w_est_ = 0;
  double k_seconds_ = 0;
  std::optional<Instant> epoch_start_;  // nullopt: the next CA ACK starts a stage
  bool after_timeout_ = false;  // §4.8: the next stage uses K = 0, W_max = cwnd_epoch
  bool timed_out_ = false;      // an RTO fired and no ACK has advanced since
};

// Window arithmetic both policies share: the connection runs one recovery procedure
// whatever the policy, so the policies differ only in ssthresh and in growth.
namespace detail {
// RFC 5681 §3.1 slow start, RFC 3465 §2.2 byte counting with L = 2*SMSS. Grows `cwnd` up
// to `ssthresh` and returns the acknowledged bytes left once it got there.
std::uint32_t slow_start(std::uint32_t& cwnd, std::uint32_t ssthresh, std::uint32_t smss,
                         std::uint32_t acked) noexcept;
// RFC 5681 §3.2 step 3: cwnd = ssthresh + 3*SMSS, bounded.
std::uint32_t recovery_window(std::uint32_t ssthresh, std::uint32_t smss) noexcept;
// RFC 6582 §3.2 step 5 partial-ACK deflation; never below one SMSS.
std::uint32_t deflate(std::uint32_t cwnd, std::uint32_t smss, std::uint32_t acked) noexcept;
// RFC 6582 §3.2 step 5, full acknowledgment, option (1): min(ssthresh, max(FlightSize,
// SMSS) + SMSS), which avoids a burst when little data is in flight.
std::uint32_t exit_recovery_window(std::uint32_t ssthresh, std::uint32_t flight,
                                   std::uint32_t smss) noexcept;
std::uint32_t clamp_smss(std::uint32_t smss) noexcept;
}  // namespace detail

}  // namespace tunkit::stack::tcp
