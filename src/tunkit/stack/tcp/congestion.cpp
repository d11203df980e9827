#include "tunkit/stack/tcp/congestion.hpp"

#include <algorithm>

namespace tunkit::stack::tcp {

std::string_view to_string(CongestionAlgorithm a) noexcept {
  switch (a) {
    case CongestionAlgorithm::newreno: return "newreno";
    case CongestionAlgorithm::cubic: return "cubic";
  }
  return "unknown";
}

std::uint32_t initial_window(std::uint32_t smss) noexcept {
  const std::uint32_t s = detail::clamp_smss(smss);  // 10 * 65535 fits easily
  return std::min(10 * s, std::max(2 * s, std::uint32_t{14600}));
}

std::unique_ptr<CongestionControl> make_congestion_control(CongestionAlgorithm algorithm,
                                                           std::uint32_t smss) {
  switch (algorithm) {
    case CongestionAlgorithm::newreno: return std::make_unique<NewReno>(smss);
    case CongestionAlgorithm::cubic: return std::make_unique<Cubic>(smss);
  }
  return std::make_unique<NewReno>(smss);
}

namespace detail {

std::uint32_t clamp_smss(std::uint32_t smss) noexcept {
  if (smss == 0) return 536;  // RFC 9293 §3.7.1 default send MSS
  return std::min(smss, std::uint32_t{65535});
}

std::uint32_t slow_start(std::uint32_t& cwnd, std::uint32_t ssthresh, std::uint32_t smss,
                         std::uint32_t acked) noexcept {
  if (cwnd >= ssthresh) return acked;
  const std::uint32_t room = ssthresh - cwnd;
  const std::uint32_t increase = std::min(acked, 2 * smss);  // RFC 3465 §2.2, L = 2
  if (increase < room) {
    cwnd = std::min(kMaxCongestionWindow, cwnd + increase);
    return 0;
  }
  cwnd = std::min(kMaxCongestionWindow, ssthresh);
  return acked - room;  // acked >= increase >= room
}

std::uint32_t recovery_window(std::uint32_t ssthresh, std::uint32_t smss) noexcept {
  const std::uint64_t w = std::uint64_t{ssthresh} + 3 * std::uint64_t{smss};
  return static_cast<std::uint32_t>(std::min<std::uint64_t>(w, kMaxCongestionWindow));
}

std::uint32_t deflate(std::uint32_t cwnd, std::uint32_t smss, std::uint32_t acked) noexcept {
  // "deflate the congestion window by the amount of new data acknowledged ... If the
  // partial ACK acknowledges at least one SMSS of new data, then add back SMSS bytes."
  std::uint32_t w = cwnd > acked ? cwnd - acked : 0;
  if (acked >= smss) w += smss;  // w + smss <= cwnd here
  return std::max(w, smss);
}

std::uint32_t exit_recovery_window(std::uint32_t ssthresh, std::uint32_t flight,
                                   std::uint32_t smss) noexcept {
  const std::uint64_t w = std::uint64_t{std::max(flight, smss)} + smss;
  return static_cast<std::uint32_t>(
      std::min<std::uint64_t>({w, ssthresh, kMaxCongestionWindow}));
}

}  // namespace detail
}  // namespace tunkit::stack::tcp
