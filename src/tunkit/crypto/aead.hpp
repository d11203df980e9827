// AEADs from libsodium, in place: ChaCha20-Poly1305 (RFC 8439) with WireGuard's nonce
// (32 zero bits, then a 64-bit little-endian counter) and XChaCha20-Poly1305 (24-byte
// nonce) for cookie replies. `text` is encrypted/decrypted where it lies; the 16-byte tag
// is separate so a caller can put it right after the text in the same buffer.
#pragma once

#include <cstdint>
#include <span>

#include "tunkit/crypto/key.hpp"

namespace tunkit::crypto {

inline constexpr std::size_t aead_tag_size = 16;
inline constexpr std::size_t xaead_nonce_size = 24;

using AeadKey = Secret<key_size>;

void seal(const AeadKey& key, std::uint64_t counter, std::span<std::uint8_t> text,
          std::span<const std::uint8_t> aad, std::span<std::uint8_t, aead_tag_size> tag) noexcept;
// False (and `text` unspecified) if the tag does not authenticate.
[[nodiscard]] bool open(const AeadKey& key, std::uint64_t counter, std::span<std::uint8_t> text,
                        std::span<const std::uint8_t> aad,
                        std::span<const std::uint8_t, aead_tag_size> tag) noexcept;

void xseal(std::span<const std::uint8_t, key_size> key,
           std::span<const std::uint8_t, xaead_nonce_size> nonce, std::span<std::uint8_t> text,
           std::span<const std::uint8_t> aad, std::span<std::uint8_t, aead_tag_size> tag) noexcept;
[[nodiscard]] bool xopen(std::span<const std::uint8_t, key_size> key,
                         std::span<const std::uint8_t, xaead_nonce_size> nonce,
                         std::span<std::uint8_t> text, std::span<const std::uint8_t> aad,
                         std::span<const std::uint8_t, aead_tag_size> tag) noexcept;

}  // namespace tunkit::crypto
