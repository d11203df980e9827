// A token bucket for ICMP errors: RFC 4443 §2.4(f) ("an IPv6 node MUST limit the rate of
// ICMPv6 error messages it originates ... a token bucket") and RFC 1812 §4.3.2.8 for
// ICMPv4. `burst` tokens at most; one token back every 1/rate seconds.
#pragma once

#include <algorithm>
#include <cstdint>

#include "tunkit/stack/time.hpp"

namespace tunkit::stack {

class RateLimiter {
 public:
  RateLimiter(std::uint32_t per_second, std::uint32_t burst) noexcept
      : interval_(per_second ? Duration(std::chrono::seconds(1)) / per_second : Duration::max()),
        burst_(burst),
        tokens_(burst) {}

  // Takes a token if there is one.
  bool allow(Instant now) noexcept {
    refill(now);
    if (tokens_ == 0) return false;
    --tokens_;
    return true;
  }

 private:
  void refill(Instant now) noexcept {
    if (!started_) {
      started_ = true;
      last_ = now;
      return;
    }
    if (interval_ == Duration::max() || now <= last_) return;
    const auto earned = static_cast<std::uint64_t>((now - last_) / interval_);
    if (earned == 0) return;
    tokens_ = static_cast<std::uint32_t>(std::min<std::uint64_t>(burst_, tokens_ + earned));
    last_ += interval_ * static_cast<Duration::rep>(earned);
    if (tokens_ == burst_) last_ = now;
  }

  Duration interval_;
  std::uint32_t burst_;
  std::uint32_t tokens_;
  Instant last_{};
  bool started_ = false;
};

}  // namespace tunkit::stack
