// TCP sequence numbers: 32-bit values compared modulo 2^32 (RFC 9293 §3.4: "all arithmetic
// dealing with sequence numbers must be performed modulo 2**32"). Comparisons use the
// signed distance, so they are meaningful for values less than 2^31 apart, which every
// window in TCP is (RFC 7323 §2.3 caps the window at 2^30).
#pragma once

#include <cstdint>

namespace tunkit::stack::tcp {

class Seq {
 public:
  constexpr Seq() noexcept = default;
  constexpr explicit Seq(std::uint32_t value) noexcept : v_(value) {}

  constexpr std::uint32_t value() const noexcept { return v_; }

  constexpr Seq operator+(std::uint32_t n) const noexcept { return Seq(v_ + n); }
  constexpr Seq operator-(std::uint32_t n) const noexcept { return Seq(v_ - n); }
  constexpr Seq& operator+=(std::uint32_t n) noexcept { v_ += n; return *this; }
  constexpr Seq& operator-=(std::uint32_t n) noexcept { v_ -= n; return *this; }
  // The signed distance from b to a (a - b), modulo 2^32.
  friend constexpr std::int32_t operator-(Seq a, Seq b) noexcept {
    return static_cast<std::int32_t>(a.v_ - b.v_);
  }

  friend constexpr bool operator==(Seq a, Seq b) noexcept = default;
  friend constexpr bool operator<(Seq a, Seq b) noexcept { return (a - b) < 0; }
  friend constexpr bool operator>(Seq a, Seq b) noexcept { return (a - b) > 0; }
  friend constexpr bool operator<=(Seq a, Seq b) noexcept { return (a - b) <= 0; }
  friend constexpr bool operator>=(Seq a, Seq b) noexcept { return (a - b) >= 0; }

 private:
  std::uint32_t v_ = 0;
};

constexpr Seq seq_max(Seq a, Seq b) noexcept { return a < b ? b : a; }
constexpr Seq seq_min(Seq a, Seq b) noexcept { return a < b ? a : b; }
// a <= x < b, the test RFC 9293 §3.4 writes as "a =< x < b".
constexpr bool seq_in(Seq x, Seq a, Seq b) noexcept { return a <= x && x < b; }

}  // namespace tunkit::stack::tcp
