// X25519 (RFC 7748) from libsodium: key generation, public keys, Diffie-Hellman.
#pragma once

#include <optional>

#include "tunkit/crypto/key.hpp"

namespace tunkit::crypto {

// 32 random bytes clamped as RFC 7748 §5 says (what `wg genkey` prints).
PrivateKey generate_private_key();
// Clamps `key` in place (a key from a file may be unclamped; X25519 clamps anyway).
void clamp(PrivateKey& key) noexcept;
PublicKey public_key(const PrivateKey& key) noexcept;
// DH(private, public); nullopt if the result is all zero (a low-order public key).
std::optional<Secret<key_size>> x25519(const PrivateKey& key, const PublicKey& peer) noexcept;

}  // namespace tunkit::crypto
