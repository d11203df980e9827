// The Internet checksum (RFC 1071), its pseudo-headers (RFC 768, RFC 9293 §3.1,
// RFC 8200 §8.1) and incremental update (RFC 1624).
//
// A "sum" below is the one's-complement sum of big-endian 16-bit words, folded to 16 bits
// and not complemented; the checksum field carries its complement (checksum_finish). A
// message that verifies sums to 0xffff with its checksum field included.
#pragma once

#include <cstdint>

#include "tunkit/wire/address.hpp"
#include "tunkit/wire/bytes.hpp"

namespace tunkit {

// Adds `data` to `initial`. 8 bytes per step (two 64-bit accumulators with end-around
// carry), any alignment. An odd final byte is padded with a zero on the right, so only the
// last piece of a message split across calls may have odd length.
std::uint16_t checksum_sum(ByteSpan data, std::uint16_t initial = 0) noexcept;

// Folds a wide sum to 16 bits without complementing.
constexpr std::uint16_t checksum_fold(std::uint64_t sum) noexcept {
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<std::uint16_t>(sum);
}

// The value for a checksum field: the complement of the folded sum.
constexpr std::uint16_t checksum_finish(std::uint64_t sum) noexcept {
  return static_cast<std::uint16_t>(~checksum_fold(sum));
}

// RFC 1071 over a whole message: checksum_finish(checksum_sum(data)).
std::uint16_t internet_checksum(ByteSpan data) noexcept;

// Sum of the pseudo-header for an upper-layer packet of `length` bytes carried by
// `protocol` between `source` and `destination` (both of one family): RFC 768 / RFC 9293
// §3.1 (12 bytes) for IPv4, RFC 8200 §8.1 (40 bytes) for IPv6.
std::uint16_t pseudo_header_sum(const IpAddress& source, const IpAddress& destination,
                                std::uint8_t protocol, std::uint32_t length) noexcept;

// RFC 1624 eqn. 3, HC' = ~(~HC + ~m + m'): the checksum after one 16-bit word of the
// covered data changed from `old_word` to `new_word`.
constexpr std::uint16_t checksum_update16(std::uint16_t checksum, std::uint16_t old_word,
                                          std::uint16_t new_word) noexcept {
  const std::uint32_t sum = std::uint32_t{static_cast<std::uint16_t>(~checksum)} +
                            std::uint32_t{static_cast<std::uint16_t>(~old_word)} + new_word;
  return checksum_finish(sum);
}

// The same for a 32-bit word (an IPv4 address rewritten by NAT).
constexpr std::uint16_t checksum_update32(std::uint16_t checksum, std::uint32_t old_word,
                                          std::uint32_t new_word) noexcept {
  checksum = checksum_update16(checksum, static_cast<std::uint16_t>(old_word >> 16),
                               static_cast<std::uint16_t>(new_word >> 16));
  return checksum_update16(checksum, static_cast<std::uint16_t>(old_word),
                           static_cast<std::uint16_t>(new_word));
}

}  // namespace tunkit
