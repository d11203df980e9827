// TAI64N timestamps (cr.yp.to/libtai/tai64.html): 8 bytes big-endian seconds + 2^62, then
// 4 bytes big-endian nanoseconds. A responder accepts an initiation only if its timestamp
// is greater than the last one from that peer, which refuses replayed initiations.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>

namespace tunkit::wg {

using Tai64n = std::array<std::uint8_t, 12>;

// `wall` as TAI64N. The nanoseconds are rounded down to a multiple of 2^24 ns (~16.8 ms),
// as wireguard-go does, so the timestamp does not leak a precise clock reading.
Tai64n tai64n(std::chrono::system_clock::time_point wall) noexcept;

// Byte order is numeric order, so comparison is lexicographic.
inline bool is_after(const Tai64n& a, const Tai64n& b) noexcept { return a > b; }

}  // namespace tunkit::wg
