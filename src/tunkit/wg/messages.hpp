// WireGuard's four message formats (the WireGuard paper §5.4): fixed offsets, little-endian
// integers. These are the only places that know the byte layout.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

namespace tunkit::wg {

enum class MessageType : std::uint8_t { initiation = 1, response = 2, cookie_reply = 3, data = 4 };

// Handshake initiation: type, 3 reserved, sender, ephemeral, static (AEAD), timestamp (AEAD), mac1, mac2.
namespace initiation {
inline constexpr std::size_t size = 148;
inline constexpr std::size_t sender = 4, ephemeral = 8, encrypted_static = 40, encrypted_timestamp = 88,
                             mac1 = 116, mac2 = 132;
}  // namespace initiation
// Handshake response: type, 3 reserved, sender, receiver, ephemeral, empty (AEAD tag only), mac1, mac2.
namespace response {
inline constexpr std::size_t size = 92;
inline constexpr std::size_t sender = 4, receiver = 8, ephemeral = 12, encrypted_nothing = 44,
                             mac1 = 60, mac2 = 76;
}  // namespace response
// Cookie reply: type, 3 reserved, receiver, nonce (24), encrypted cookie (16 + tag).
namespace cookie_reply {
inline constexpr std::size_t size = 64;
inline constexpr std::size_t receiver = 4, nonce = 8, encrypted_cookie = 32;
}  // namespace cookie_reply
// Transport data: type, 3 reserved, receiver, counter (u64), encrypted packet + tag.
namespace data {
inline constexpr std::size_t header_size = 16;
inline constexpr std::size_t receiver = 4, counter = 8;
inline constexpr std::size_t min_size = header_size + 16;  // a keepalive: no payload, only the tag
}  // namespace data

// The type of a datagram whose length matches it exactly (data: at least min_size) and
// whose reserved bytes are zero; nullopt for anything else (a counted drop).
std::optional<MessageType> classify(std::span<const std::uint8_t> datagram) noexcept;

inline std::uint32_t load_le32(const std::uint8_t* p) noexcept {
  return std::uint32_t{p[0]} | std::uint32_t{p[1]} << 8 | std::uint32_t{p[2]} << 16 |
         std::uint32_t{p[3]} << 24;
}
inline std::uint64_t load_le64(const std::uint8_t* p) noexcept {
  return std::uint64_t{load_le32(p)} | std::uint64_t{load_le32(p + 4)} << 32;
}
inline void store_le32(std::uint8_t* p, std::uint32_t v) noexcept {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<std::uint8_t>(v >> (8 * i));
}
inline void store_le64(std::uint8_t* p, std::uint64_t v) noexcept {
  for (int i = 0; i < 8; ++i) p[i] = static_cast<std::uint8_t>(v >> (8 * i));
}
// Type byte and three reserved zero bytes.
inline void store_type(std::uint8_t* p, MessageType type) noexcept {
  p[0] = static_cast<std::uint8_t>(type);
  p[1] = p[2] = p[3] = 0;
}

}  // namespace tunkit::wg
