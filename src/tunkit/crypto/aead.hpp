// AEADs from libsodium, in place: ChaCha20-Poly1305 (RFC 8439) with WireGuard's nonce
// (32 zero bits, then a 64-bit little-endian counter) and XChaCha20-Poly1305 (24-byte
// nonce) for cookie replies. `text` is encrypted/decrypted where it lies; the 16-byte tag
// is separate so a caller can put it right after the text in the same buffer.
#pragma once

#include <cstdint>
#include <memory>
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

// ChaCha20-Poly1305 with WireGuard's nonce and one key fixed for its lifetime, from OpenSSL,
// whose assembly is the fastest here: the transport data path's AEAD (a keypair holds one
// sealer and one opener). Same results as seal()/open() above. Not thread-safe.
class ChaChaPoly {
 public:
  static ChaChaPoly sealer(const AeadKey& key) { return ChaChaPoly(key, true); }
  static ChaChaPoly opener(const AeadKey& key) { return ChaChaPoly(key, false); }

  // Sealer only.
  void seal(std::uint64_t counter, std::span<std::uint8_t> text, std::span<const std::uint8_t> aad,
            std::span<std::uint8_t, aead_tag_size> tag) noexcept;
  // Opener only. False if the tag does not authenticate (`text` is then unspecified).
  [[nodiscard]] bool open(std::uint64_t counter, std::span<std::uint8_t> text,
                          std::span<const std::uint8_t> aad,
                          std::span<const std::uint8_t, aead_tag_size> tag) noexcept;

 private:
  ChaChaPoly(const AeadKey& key, bool encrypt);
  struct Free {
    void operator()(void* ctx) const noexcept;
  };
  std::unique_ptr<void, Free> ctx_;  // an EVP_CIPHER_CTX, keyed; the header stays OpenSSL-free
};

}  // namespace tunkit::crypto
