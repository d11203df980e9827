#include "tunkit/crypto/blake2s.hpp"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/params.h>

#include <cstdlib>
#include <memory>

namespace tunkit::crypto {

namespace {

// OpenSSL failing on a fixed algorithm with valid sizes means a broken installation;
// continuing would produce wrong keys, so stop.
void check(int ok) noexcept {
  if (ok != 1) std::abort();
}

struct MdCtxFree {
  void operator()(EVP_MD_CTX* c) const noexcept { EVP_MD_CTX_free(c); }
};
struct MacCtxFree {
  void operator()(EVP_MAC_CTX* c) const noexcept { EVP_MAC_CTX_free(c); }
};

EVP_MAC* blake2s_mac_algorithm() noexcept {
  // Fetched once; an EVP_MAC is immutable and safe to share between threads.
  static EVP_MAC* mac = EVP_MAC_fetch(nullptr, "BLAKE2SMAC", nullptr);
  if (mac == nullptr) std::abort();
  return mac;
}

}  // namespace

Digest blake2s(std::initializer_list<Bytes> parts) noexcept {
  std::unique_ptr<EVP_MD_CTX, MdCtxFree> ctx(EVP_MD_CTX_new());
  if (!ctx) std::abort();
  check(EVP_DigestInit_ex(ctx.get(), EVP_blake2s256(), nullptr));
  for (Bytes part : parts) check(EVP_DigestUpdate(ctx.get(), part.data(), part.size()));
  Digest out{};
  unsigned int length = 0;
  check(EVP_DigestFinal_ex(ctx.get(), out.data(), &length));
  return out;
}

Mac blake2s_mac(Bytes key, Bytes data) noexcept {
  std::unique_ptr<EVP_MAC_CTX, MacCtxFree> ctx(EVP_MAC_CTX_new(blake2s_mac_algorithm()));
  if (!ctx) std::abort();
  std::size_t size = mac_size;
  const OSSL_PARAM params[] = {OSSL_PARAM_construct_size_t(OSSL_MAC_PARAM_SIZE, &size),
                               OSSL_PARAM_construct_end()};
  check(EVP_MAC_init(ctx.get(), key.data(), key.size(), params));
  check(EVP_MAC_update(ctx.get(), data.data(), data.size()));
  Mac out{};
  std::size_t length = 0;
  check(EVP_MAC_final(ctx.get(), out.data(), &length, out.size()));
  return out;
}

Digest hmac_blake2s(Bytes key, std::initializer_list<Bytes> parts) noexcept {
  // HKDF inputs are short (≤ 33 bytes per part); join them for the one-shot HMAC().
  std::array<std::uint8_t, 256> joined{};
  std::size_t used = 0;
  for (Bytes part : parts) {
    if (used + part.size() > joined.size()) std::abort();
    std::copy(part.begin(), part.end(), joined.begin() + static_cast<std::ptrdiff_t>(used));
    used += part.size();
  }
  Digest out{};
  unsigned int length = 0;
  if (HMAC(EVP_blake2s256(), key.data(), static_cast<int>(key.size()), joined.data(), used,
           out.data(), &length) == nullptr)
    std::abort();
  OPENSSL_cleanse(joined.data(), used);
  return out;
}

}  // namespace tunkit::crypto
