#include "tunkit/crypto/secret.hpp"

#include <sodium.h>

namespace tunkit::crypto {

void wipe(std::span<std::uint8_t> bytes) noexcept { sodium_memzero(bytes.data(), bytes.size()); }

bool equal_constant_time(std::span<const std::uint8_t> a, std::span<const std::uint8_t> b) noexcept {
  return a.size() == b.size() && sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace tunkit::crypto
