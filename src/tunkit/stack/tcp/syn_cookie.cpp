#include "tunkit/stack/tcp/syn_cookie.hpp"

#include <sodium.h>

#include <chrono>

#include "tunkit/crypto/random.hpp"
#include "tunkit/crypto/sodium_init.hpp"
#include "tunkit/wire/bytes.hpp"

namespace tunkit::stack::tcp {
namespace {

using Period = std::chrono::duration<std::int64_t, std::ratio<64>>;

constexpr std::uint32_t kIndexBits = 3;
constexpr std::uint32_t kCounterBits = 5;
constexpr std::uint32_t kCounterMask = (1u << kCounterBits) - 1;
constexpr std::uint32_t kIndexMask = (1u << kIndexBits) - 1;
constexpr std::uint32_t kMacShift = kIndexBits + kCounterBits;  // the top 24 bits

constexpr std::uint32_t kNoWindowScale = 15;
constexpr std::uint32_t kSackBit = 1u << 4;
constexpr std::uint32_t kTimestampBits = 6;
constexpr std::uint32_t kTimestampMask = (1u << kTimestampBits) - 1;

// t, the 64-second counter (RFC 4987 §3.6); floored, so it steps evenly everywhere.
std::uint32_t counter(Instant now) noexcept {
  return static_cast<std::uint32_t>(std::chrono::floor<Period>(now.time_since_epoch()).count());
}

// The largest table entry not above `mss`; entry 0 for anything smaller.
std::uint32_t mss_index(std::uint16_t mss) noexcept {
  std::uint32_t i = kSynCookieMssTable.size() - 1;
  while (i > 0 && kSynCookieMssTable[i] > mss) --i;
  return i;
}

}  // namespace

SynCookies::SynCookies() { crypto::random_bytes(key_.bytes()); }

SynCookies::SynCookies(const std::array<std::uint8_t, 16>& key) noexcept
    : key_(std::span<const std::uint8_t, 16>(key)) {
  crypto::ensure_sodium();
}

std::uint32_t SynCookies::mac(const FourTuple& tuple, Seq peer_isn, std::uint32_t t,
                              std::uint32_t index) const noexcept {
  std::array<std::uint8_t, kFourTupleMaxBytes + 9> input{};
  std::size_t n = encode_four_tuple(tuple, std::span(input).first<kFourTupleMaxBytes>());
  store_be32(input, n, peer_isn.value());
  store_be32(input, n + 4, t);
  input[n + 8] = static_cast<std::uint8_t>(index);
  n += 9;
  std::array<std::uint8_t, crypto_shorthash_BYTES> out{};
  crypto_shorthash(out.data(), input.data(), n, key_.data());
  // Any 24 bits of a PRF output will do; take the first three bytes.
  return std::uint32_t{out[0]} << 16 | std::uint32_t{out[1]} << 8 | out[2];
}

Seq SynCookies::encode(const FourTuple& tuple, Seq peer_isn, std::uint16_t mss,
                       Instant now) const noexcept {
  const std::uint32_t t = counter(now);
  const std::uint32_t index = mss_index(mss);
  return Seq(mac(tuple, peer_isn, t, index) << kMacShift | (t & kCounterMask) << kIndexBits |
             index);
}

std::uint32_t SynCookies::encode_timestamp(std::uint32_t now_tsval,
                                           const SynCookieOptions& options) const noexcept {
  std::uint32_t bits = options.window_scale ? std::min<std::uint32_t>(*options.window_scale, 14)
                                            : kNoWindowScale;
  if (options.sack_permitted) bits |= kSackBit;
  std::uint32_t ts = (now_tsval & ~kTimestampMask) | bits;
  // Modulo 2^32 as every timestamp comparison is (RFC 7323 §5.2).
  if (static_cast<std::int32_t>(ts - now_tsval) > 0) ts -= kTimestampMask + 1;
  return ts;
}

std::optional<SynCookieOptions> SynCookies::decode(const FourTuple& tuple, Seq ack, Seq peer_seq,
                                                   std::optional<std::uint32_t> tsecr,
                                                   Instant now) const noexcept {
  // Our SYN-ACK carried ISN = cookie and the peer's SYN took one sequence number, so the
  // final ACK acknowledges cookie + 1 from peer ISN + 1 (RFC 4987 §3.6).
  const std::uint32_t cookie = (ack - 1).value();
  const Seq peer_isn = peer_seq - 1;
  const std::uint32_t index = cookie & kIndexMask;
  const std::uint32_t low_t = (cookie >> kIndexBits) & kCounterMask;
  const std::uint32_t now_t = counter(now);
  bool valid = false;
  for (std::uint32_t age = 0; age < 2 && !valid; ++age) {  // this period or the last
    const std::uint32_t t = now_t - age;
    valid = (t & kCounterMask) == low_t && mac(tuple, peer_isn, t, index) == cookie >> kMacShift;
  }
  if (!valid) return std::nullopt;

  SynCookieOptions options;
  options.mss = kSynCookieMssTable[index];
  if (tsecr) {  // the peer echoes the TSval encode_timestamp() chose
    const std::uint32_t scale = *tsecr & 0xf;
    if (scale != kNoWindowScale) options.window_scale = static_cast<std::uint8_t>(scale);
    options.sack_permitted = (*tsecr & kSackBit) != 0;
  }
  return options;
}

}  // namespace tunkit::stack::tcp
