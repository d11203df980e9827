#include "tunkit/crypto/aead.hpp"

#include <sodium.h>

#include "tunkit/crypto/sodium_init.hpp"

namespace tunkit::crypto {

namespace {
// WireGuard's nonce: 4 zero bytes, then the counter little-endian (the protocol's
// "32 bits of zeros followed by the 64-bit little-endian value of counter").
std::array<std::uint8_t, crypto_aead_chacha20poly1305_ietf_NPUBBYTES> nonce_for(
    std::uint64_t counter) noexcept {
  std::array<std::uint8_t, crypto_aead_chacha20poly1305_ietf_NPUBBYTES> nonce{};
  for (int i = 0; i < 8; ++i) nonce[4 + i] = static_cast<std::uint8_t>(counter >> (8 * i));
  return nonce;
}

// libsodium declares the ciphertext pointer nonnull even when the length is 0, and an
// empty span (a keepalive, the handshake's AEAD(k, 0, ε, h)) may hold nullptr; passing
// that is undefined behaviour, so point empty texts at a byte that is never touched.
std::uint8_t* nonnull_data(std::span<std::uint8_t> text, std::uint8_t& none) noexcept {
  return text.empty() ? &none : text.data();
}
}  // namespace

void seal(const AeadKey& key, std::uint64_t counter, std::span<std::uint8_t> text,
          std::span<const std::uint8_t> aad, std::span<std::uint8_t, aead_tag_size> tag) noexcept {
  ensure_sodium();
  const auto nonce = nonce_for(counter);
  std::uint8_t none = 0;
  std::uint8_t* data = nonnull_data(text, none);
  crypto_aead_chacha20poly1305_ietf_encrypt_detached(data, tag.data(), nullptr, data,
                                                     text.size(), aad.data(), aad.size(), nullptr,
                                                     nonce.data(), key.data());
}

bool open(const AeadKey& key, std::uint64_t counter, std::span<std::uint8_t> text,
          std::span<const std::uint8_t> aad, std::span<const std::uint8_t, aead_tag_size> tag) noexcept {
  ensure_sodium();
  const auto nonce = nonce_for(counter);
  std::uint8_t none = 0;
  std::uint8_t* data = nonnull_data(text, none);
  return crypto_aead_chacha20poly1305_ietf_decrypt_detached(data, nullptr, data,
                                                            text.size(), tag.data(), aad.data(),
                                                            aad.size(), nonce.data(), key.data()) == 0;
}

void xseal(std::span<const std::uint8_t, key_size> key,
           std::span<const std::uint8_t, xaead_nonce_size> nonce, std::span<std::uint8_t> text,
           std::span<const std::uint8_t> aad, std::span<std::uint8_t, aead_tag_size> tag) noexcept {
  ensure_sodium();
  std::uint8_t none = 0;
  std::uint8_t* data = nonnull_data(text, none);
  crypto_aead_xchacha20poly1305_ietf_encrypt_detached(data, tag.data(), nullptr, data,
                                                      text.size(), aad.data(), aad.size(), nullptr,
                                                      nonce.data(), key.data());
}

bool xopen(std::span<const std::uint8_t, key_size> key,
           std::span<const std::uint8_t, xaead_nonce_size> nonce, std::span<std::uint8_t> text,
           std::span<const std::uint8_t> aad, std::span<const std::uint8_t, aead_tag_size> tag) noexcept {
  ensure_sodium();
  std::uint8_t none = 0;
  std::uint8_t* data = nonnull_data(text, none);
  return crypto_aead_xchacha20poly1305_ietf_decrypt_detached(data, nullptr, data,
                                                             text.size(), tag.data(), aad.data(),
                                                             aad.size(), nonce.data(), key.data()) == 0;
}

}  // namespace tunkit::crypto
