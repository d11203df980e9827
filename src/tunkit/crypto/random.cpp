#include "tunkit/crypto/random.hpp"

#include <sodium.h>

#include <cstdlib>

#include "tunkit/crypto/sodium_init.hpp"

namespace tunkit::crypto {

void ensure_sodium() noexcept {
  // sodium_init() fails only when the kernel cannot provide randomness; nothing
  // cryptographic can proceed then, so stop instead of running with bad keys.
  static const bool ready = sodium_init() >= 0;
  if (!ready) std::abort();
}

void random_bytes(std::span<std::uint8_t> out) noexcept {
  // randombytes_buf's pointer is declared nonnull, and an empty span's data() may be null.
  if (out.empty()) return;
  ensure_sodium();
  randombytes_buf(out.data(), out.size());
}

std::uint32_t random_u32() noexcept {
  ensure_sodium();
  return randombytes_random();
}

std::uint32_t random_below(std::uint32_t bound) noexcept {
  ensure_sodium();
  return randombytes_uniform(bound);
}

}  // namespace tunkit::crypto
