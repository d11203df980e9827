// Curve25519 keys as WireGuard writes them: 32 bytes, shown as 44 base64 characters
// (`wg genkey`, config files) or 64 lowercase hex digits (the UAPI text protocol).
#pragma once

#include <array>
#include <compare>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "tunkit/crypto/secret.hpp"

namespace tunkit::crypto {

inline constexpr std::size_t key_size = 32;

using PrivateKey = Secret<key_size>;    // a clamped X25519 scalar
using PresharedKey = Secret<key_size>;  // 32 random bytes; all zero means "none"

struct PublicKey {
  std::array<std::uint8_t, key_size> bytes{};
  auto operator<=>(const PublicKey&) const = default;
  bool is_zero() const noexcept {
    std::uint8_t acc = 0;
    for (auto b : bytes) acc |= b;
    return acc == 0;
  }
};

// Base64 with padding, exactly 44 characters for 32 bytes (what `wg` prints and reads).
std::string to_base64(std::span<const std::uint8_t, key_size> key);
// nullopt unless `text` is 44 characters of valid base64 ending in '=' that decode to 32 bytes.
std::optional<std::array<std::uint8_t, key_size>> key_from_base64(std::string_view text);
// 64 lowercase hex digits (UAPI).
std::string to_hex(std::span<const std::uint8_t, key_size> key);
// nullopt unless `text` is exactly 64 hex digits (either case).
std::optional<std::array<std::uint8_t, key_size>> key_from_hex(std::string_view text);

}  // namespace tunkit::crypto
