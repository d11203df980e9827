#include "tunkit/crypto/x25519.hpp"

#include <sodium.h>

#include "tunkit/crypto/random.hpp"
#include "tunkit/crypto/sodium_init.hpp"

namespace tunkit::crypto {

PrivateKey generate_private_key() {
  PrivateKey key;
  random_bytes(key.bytes());
  clamp(key);
  return key;
}

void clamp(PrivateKey& key) noexcept {
  key.data()[0] &= 248;
  key.data()[31] = static_cast<std::uint8_t>((key.data()[31] & 127) | 64);
}

PublicKey public_key(const PrivateKey& key) noexcept {
  ensure_sodium();
  PublicKey pub;
  crypto_scalarmult_curve25519_base(pub.bytes.data(), key.data());
  return pub;
}

std::optional<Secret<key_size>> x25519(const PrivateKey& key, const PublicKey& peer) noexcept {
  ensure_sodium();
  Secret<key_size> shared;
  // libsodium returns -1 when the output is all zero (RFC 7748 §6.1's check).
  if (crypto_scalarmult_curve25519(shared.data(), key.data(), peer.bytes.data()) != 0)
    return std::nullopt;
  return shared;
}

}  // namespace tunkit::crypto
