#include "tunkit/wire/checksum.hpp"

#include <bit>
#include <cstring>

namespace tunkit {
namespace {

// One's-complement 64-bit add: a carry out of bit 63 wraps around to bit 0.
inline std::uint64_t add_wrap(std::uint64_t acc, std::uint64_t word) noexcept {
  acc += word;
  return acc + (acc < word ? 1 : 0);
}

inline std::uint64_t load_native64(const std::uint8_t* p) noexcept {
  std::uint64_t w;
  std::memcpy(&w, p, sizeof w);
  return w;
}

}  // namespace

std::uint16_t checksum_sum(ByteSpan data, std::uint16_t initial) noexcept {
  // The sum is computed on native-order words and swapped once at the end: RFC 1071 §2(B),
  // the one's-complement sum is independent of byte order.
  const std::uint8_t* p = data.data();
  std::size_t n = data.size();
  std::uint64_t a = 0, b = 0;  // two chains so the adds can run in parallel
  for (; n >= 32; p += 32, n -= 32) {
    a = add_wrap(a, load_native64(p));
    b = add_wrap(b, load_native64(p + 8));
    a = add_wrap(a, load_native64(p + 16));
    b = add_wrap(b, load_native64(p + 24));
  }
  for (; n >= 8; p += 8, n -= 8) a = add_wrap(a, load_native64(p));
  if (n > 0) {
    std::uint8_t tail[8] = {};
    std::memcpy(tail, p, n);
    b = add_wrap(b, load_native64(tail));
  }
  const std::uint64_t sum = add_wrap(a, b);
  std::uint16_t folded = checksum_fold((sum & 0xffffffff) + (sum >> 32));
  if constexpr (std::endian::native == std::endian::little) folded = std::byteswap(folded);
  return checksum_fold(std::uint32_t{folded} + initial);
}

std::uint16_t internet_checksum(ByteSpan data) noexcept {
  return static_cast<std::uint16_t>(~checksum_sum(data));
}

std::uint16_t pseudo_header_sum(const IpAddress& source, const IpAddress& destination,
                                std::uint8_t protocol, std::uint32_t length) noexcept {
  const std::size_t n = source.size();
  std::uint16_t sum = checksum_sum(ByteSpan(source.bytes.data(), n));
  sum = checksum_sum(ByteSpan(destination.bytes.data(), n), sum);
  // IPv4: zero, protocol, 16-bit length. IPv6: 32-bit length, 3 zero bytes, next header.
  // Both come to protocol + length in one's-complement arithmetic.
  return checksum_fold(std::uint64_t{sum} + protocol + (length >> 16) + (length & 0xffff));
}

}  // namespace tunkit
