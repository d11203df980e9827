// BLAKE2s (RFC 7693) from OpenSSL 3 (libsodium has only BLAKE2b): the hash, the keyed
// 16-byte MAC WireGuard uses for mac1/mac2/cookies, and HMAC-BLAKE2s for its HKDF.
#pragma once

#include <array>
#include <cstdint>
#include <initializer_list>
#include <span>

namespace tunkit::crypto {

inline constexpr std::size_t blake2s_size = 32;
inline constexpr std::size_t mac_size = 16;

using Digest = std::array<std::uint8_t, blake2s_size>;
using Mac = std::array<std::uint8_t, mac_size>;
using Bytes = std::span<const std::uint8_t>;

// BLAKE2s-256 of the concatenation of `parts`.
Digest blake2s(std::initializer_list<Bytes> parts) noexcept;
// Keyed BLAKE2s with a 16-byte output (key ≤ 32 bytes) over `data`.
Mac blake2s_mac(Bytes key, Bytes data) noexcept;
// HMAC (RFC 2104) with BLAKE2s-256 over the concatenation of `parts`.
Digest hmac_blake2s(Bytes key, std::initializer_list<Bytes> parts) noexcept;

}  // namespace tunkit::crypto
