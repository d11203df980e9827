#include "tunkit/crypto/key.hpp"

#include <sodium.h>

#include "tunkit/crypto/sodium_init.hpp"

namespace tunkit::crypto {

namespace {
constexpr std::size_t base64_key_length = 44;  // 4 * ceil(32 / 3)
}

std::string to_base64(std::span<const std::uint8_t, key_size> key) {
  ensure_sodium();
  char out[base64_key_length + 1];
  sodium_bin2base64(out, sizeof out, key.data(), key.size(), sodium_base64_VARIANT_ORIGINAL);
  return std::string(out, base64_key_length);
}

std::optional<std::array<std::uint8_t, key_size>> key_from_base64(std::string_view text) {
  ensure_sodium();
  if (text.size() != base64_key_length || text.back() != '=') return std::nullopt;
  std::array<std::uint8_t, key_size> key{};
  std::size_t length = 0;
  const char* end = nullptr;
  if (sodium_base642bin(key.data(), key.size(), text.data(), text.size(), nullptr, &length, &end,
                        sodium_base64_VARIANT_ORIGINAL) != 0 ||
      length != key_size || end != text.data() + text.size())
    return std::nullopt;
  return key;
}

std::string to_hex(std::span<const std::uint8_t, key_size> key) {
  ensure_sodium();
  char out[2 * key_size + 1];
  sodium_bin2hex(out, sizeof out, key.data(), key.size());
  return std::string(out, 2 * key_size);
}

std::optional<std::array<std::uint8_t, key_size>> key_from_hex(std::string_view text) {
  ensure_sodium();
  if (text.size() != 2 * key_size) return std::nullopt;
  std::array<std::uint8_t, key_size> key{};
  std::size_t length = 0;
  const char* end = nullptr;
  if (sodium_hex2bin(key.data(), key.size(), text.data(), text.size(), nullptr, &length, &end) != 0 ||
      length != key_size || end != text.data() + text.size())
    return std::nullopt;
  return key;
}

}  // namespace tunkit::crypto
