// Byte-order helpers for the wire layer. Every multi-byte field of a packet is read and
// written through these: byte by byte, so there are no alignment or aliasing assumptions,
// no packed structs and no in-place swapping (DESIGN.md principle 1). The compiler turns
// each into one load plus a bswap.
//
// Callers index only ranges that a view's parse() has already checked; the helpers
// themselves do not check bounds.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace tunkit {

using ByteSpan = std::span<const std::uint8_t>;
using MutableByteSpan = std::span<std::uint8_t>;

constexpr std::uint16_t load_be16(ByteSpan b, std::size_t at) noexcept {
  return static_cast<std::uint16_t>(b[at] << 8 | b[at + 1]);
}
constexpr std::uint32_t load_be32(ByteSpan b, std::size_t at) noexcept {
  return std::uint32_t{b[at]} << 24 | std::uint32_t{b[at + 1]} << 16 |
         std::uint32_t{b[at + 2]} << 8 | std::uint32_t{b[at + 3]};
}
constexpr std::uint16_t load_le16(ByteSpan b, std::size_t at) noexcept {
  return static_cast<std::uint16_t>(b[at] | b[at + 1] << 8);
}

constexpr void store_be16(MutableByteSpan b, std::size_t at, std::uint16_t v) noexcept {
  b[at] = static_cast<std::uint8_t>(v >> 8);
  b[at + 1] = static_cast<std::uint8_t>(v);
}
constexpr void store_be32(MutableByteSpan b, std::size_t at, std::uint32_t v) noexcept {
  b[at] = static_cast<std::uint8_t>(v >> 24);
  b[at + 1] = static_cast<std::uint8_t>(v >> 16);
  b[at + 2] = static_cast<std::uint8_t>(v >> 8);
  b[at + 3] = static_cast<std::uint8_t>(v);
}
constexpr void store_le16(MutableByteSpan b, std::size_t at, std::uint16_t v) noexcept {
  b[at] = static_cast<std::uint8_t>(v);
  b[at + 1] = static_cast<std::uint8_t>(v >> 8);
}

}  // namespace tunkit
