#include "tunkit/stack/tcp/isn.hpp"

#include <sodium.h>

#include <chrono>

#include "tunkit/crypto/random.hpp"
#include "tunkit/crypto/sodium_init.hpp"
#include "tunkit/wire/bytes.hpp"

namespace tunkit::stack::tcp {

static_assert(crypto_shorthash_BYTES == 8 && crypto_shorthash_KEYBYTES == 16,
              "crypto_shorthash is SipHash-2-4: 64-bit output, 128-bit key");

std::size_t encode_four_tuple(const FourTuple& tuple,
                              std::span<std::uint8_t, kFourTupleMaxBytes> out) noexcept {
  std::size_t at = 0;
  out[at++] = static_cast<std::uint8_t>(tuple.local.family);
  // Both addresses take the local one's family size: a mixed tuple cannot occur on the
  // wire, and a fixed layout keeps the encoding unambiguous.
  const std::size_t width = tuple.local.size();
  for (std::size_t i = 0; i < width; ++i) out[at++] = tuple.local.bytes[i];
  store_be16(out, at, tuple.local_port);
  at += 2;
  for (std::size_t i = 0; i < width; ++i) out[at++] = tuple.remote.bytes[i];
  store_be16(out, at, tuple.remote_port);
  return at + 2;
}

IsnGenerator::IsnGenerator() { crypto::random_bytes(key_.bytes()); }

IsnGenerator::IsnGenerator(const std::array<std::uint8_t, 16>& key) noexcept
    : key_(std::span<const std::uint8_t, 16>(key)) {
  crypto::ensure_sodium();
}

std::uint64_t IsnGenerator::hash(const FourTuple& tuple, std::uint32_t extra) const noexcept {
  std::array<std::uint8_t, kFourTupleMaxBytes + 4> input{};
  const std::size_t n = encode_four_tuple(tuple, std::span(input).first<kFourTupleMaxBytes>());
  store_be32(input, n, extra);
  std::array<std::uint8_t, crypto_shorthash_BYTES> out{};
  crypto_shorthash(out.data(), input.data(), n + 4, key_.data());
  std::uint64_t h = 0;
  for (std::size_t i = out.size(); i-- > 0;) h = h << 8 | out[i];  // little-endian, as SipHash
  return h;
}

Seq IsnGenerator::generate(const FourTuple& tuple, Instant now) const noexcept {
  // RFC 6528 §3: ISN = M + F(localip, localport, remoteip, remoteport, secretkey), M "a
  // 4 microsecond timer". The unsigned shift floors, so M steps evenly across zero too.
  const auto us = std::chrono::duration_cast<std::chrono::microseconds>(now.time_since_epoch());
  const auto m = static_cast<std::uint32_t>(static_cast<std::uint64_t>(us.count()) >> 2);
  return Seq(m + static_cast<std::uint32_t>(hash(tuple)));
}

}  // namespace tunkit::stack::tcp
