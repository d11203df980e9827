// ChaChaPoly: OpenSSL's EVP ChaCha20-Poly1305 with the key set once per context.
#include <openssl/evp.h>

#include <climits>
#include <cstdlib>

#include "tunkit/crypto/aead.hpp"

namespace tunkit::crypto {

namespace {

EVP_CIPHER_CTX* context(void* p) noexcept { return static_cast<EVP_CIPHER_CTX*>(p); }

// The nonce as aead.cpp builds it: 4 zero bytes, then the counter little-endian.
std::array<unsigned char, 12> nonce_for(std::uint64_t counter) noexcept {
  std::array<unsigned char, 12> nonce{};
  for (int i = 0; i < 8; ++i) nonce[static_cast<std::size_t>(4 + i)] = static_cast<unsigned char>(counter >> (8 * i));
  return nonce;
}

// Lengths here are at most a 64 KiB datagram; OpenSSL takes int.
int length(std::size_t n) noexcept { return n > INT_MAX ? INT_MAX : static_cast<int>(n); }

}  // namespace

void ChaChaPoly::Free::operator()(void* ctx) const noexcept { EVP_CIPHER_CTX_free(context(ctx)); }

ChaChaPoly::ChaChaPoly(const AeadKey& key, bool encrypt) : ctx_(EVP_CIPHER_CTX_new()) {
  // A fixed algorithm with a valid key cannot fail but for lack of memory: stop then.
  if (!ctx_ || EVP_CipherInit_ex(context(ctx_.get()), EVP_chacha20_poly1305(), nullptr, key.data(), nullptr,
                                 encrypt ? 1 : 0) != 1)
    std::abort();
}

void ChaChaPoly::seal(std::uint64_t counter, std::span<std::uint8_t> text, std::span<const std::uint8_t> aad,
                      std::span<std::uint8_t, aead_tag_size> tag) noexcept {
  EVP_CIPHER_CTX* c = context(ctx_.get());
  const auto nonce = nonce_for(counter);
  int out = 0;
  unsigned char none = 0;
  if (EVP_CipherInit_ex(c, nullptr, nullptr, nullptr, nonce.data(), -1) != 1 ||
      (!aad.empty() && EVP_CipherUpdate(c, nullptr, &out, aad.data(), length(aad.size())) != 1) ||
      (!text.empty() && EVP_CipherUpdate(c, text.data(), &out, text.data(), length(text.size())) != 1) ||
      EVP_CipherFinal_ex(c, &none, &out) != 1 ||
      EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_GET_TAG, static_cast<int>(tag.size()), tag.data()) != 1)
    std::abort();
}

bool ChaChaPoly::open(std::uint64_t counter, std::span<std::uint8_t> text, std::span<const std::uint8_t> aad,
                      std::span<const std::uint8_t, aead_tag_size> tag) noexcept {
  EVP_CIPHER_CTX* c = context(ctx_.get());
  const auto nonce = nonce_for(counter);
  int out = 0;
  unsigned char none = 0;
  if (EVP_CipherInit_ex(c, nullptr, nullptr, nullptr, nonce.data(), -1) != 1 ||
      EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_SET_TAG, static_cast<int>(tag.size()),
                          const_cast<std::uint8_t*>(tag.data())) != 1)
    return false;
  if (!aad.empty() && EVP_CipherUpdate(c, nullptr, &out, aad.data(), length(aad.size())) != 1) return false;
  if (!text.empty() && EVP_CipherUpdate(c, text.data(), &out, text.data(), length(text.size())) != 1) return false;
  return EVP_CipherFinal_ex(c, &none, &out) == 1;
}

}  // namespace tunkit::crypto
