// Randomness from the kernel CSPRNG via libsodium.
#pragma once

#include <cstdint>
#include <span>

namespace tunkit::crypto {

void random_bytes(std::span<std::uint8_t> out) noexcept;
std::uint32_t random_u32() noexcept;
std::uint32_t random_below(std::uint32_t bound) noexcept;  // uniform in [0, bound)

}  // namespace tunkit::crypto
