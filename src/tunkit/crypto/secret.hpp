// Secret<N>: N bytes of key material that are wiped when dropped (DESIGN.md principle 3).
// Move copies then wipes the source, so no stale copy outlives its owner.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

namespace tunkit::crypto {

// Overwrites `bytes` in a way the compiler may not elide (sodium_memzero).
void wipe(std::span<std::uint8_t> bytes) noexcept;

// Compares in time independent of where the inputs differ (sodium_memcmp).
bool equal_constant_time(std::span<const std::uint8_t> a, std::span<const std::uint8_t> b) noexcept;

template <std::size_t N>
class Secret {
 public:
  Secret() noexcept = default;
  explicit Secret(std::span<const std::uint8_t, N> bytes) noexcept {
    for (std::size_t i = 0; i < N; ++i) bytes_[i] = bytes[i];
  }
  Secret(const Secret& other) noexcept = default;
  Secret& operator=(const Secret& other) noexcept = default;
  Secret(Secret&& other) noexcept : bytes_(other.bytes_) { other.clear(); }
  Secret& operator=(Secret&& other) noexcept {
    if (this != &other) {
      bytes_ = other.bytes_;
      other.clear();
    }
    return *this;
  }
  ~Secret() { clear(); }

  std::span<std::uint8_t, N> bytes() noexcept { return bytes_; }
  std::span<const std::uint8_t, N> bytes() const noexcept { return bytes_; }
  std::uint8_t* data() noexcept { return bytes_.data(); }
  const std::uint8_t* data() const noexcept { return bytes_.data(); }
  static constexpr std::size_t size() noexcept { return N; }

  void clear() noexcept { wipe(bytes_); }
  bool is_zero() const noexcept {
    std::uint8_t acc = 0;
    for (auto b : bytes_) acc |= b;
    return acc == 0;
  }
  friend bool operator==(const Secret& a, const Secret& b) noexcept {
    return equal_constant_time(a.bytes_, b.bytes_);
  }

 private:
  std::array<std::uint8_t, N> bytes_{};
};

}  // namespace tunkit::crypto
