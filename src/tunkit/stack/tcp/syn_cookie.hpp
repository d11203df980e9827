// SYN cookies (RFC 4987 §3.6): when the listen backlog is full, the SYN-ACK's ISN encodes
// what the connection needs, and the final ACK (ack - 1) is checked and decoded without
// any state having been kept.
//
// Encoding (32 bits): the top 24 bits are a keyed hash (SipHash-2-4) of the four-tuple,
// the peer's ISN, a 64-second counter t and the MSS index; then 5 bits of t mod 32; then
// 3 bits indexing kSynCookieMssTable. Hashing the index too means no bit of the cookie can
// be changed undetected. Acceptance: t is the current or the previous period (a cookie
// lives 64 to 128 s). Window scale and
// SACK-permitted ride in the low bits of our timestamp value when the peer sent timestamps
// (Linux's scheme); without timestamps they are lost, as in Linux.
#pragma once

#include <array>
#include <cstdint>
#include <optional>

#include "tunkit/crypto/secret.hpp"
#include "tunkit/stack/tcp/isn.hpp"
#include "tunkit/stack/tcp/seq.hpp"
#include "tunkit/stack/time.hpp"

namespace tunkit::stack::tcp {

// The MSS values a cookie can carry, ascending: the IPv4 default (RFC 9293 §3.7.1, which
// every IPv4 host can receive: RFC 1122 §3.3.2's 576-byte datagrams), the IPv6 minimum
// (1280 - 60), common tunnel sizes (1300; 1360/1380 behind a 1420-byte WireGuard MTU),
// 1440 (IPv6 on Ethernet), 1460 (IPv4 on Ethernet) and 8960 (9000-byte jumbo frames).
// An offer is rounded down to an entry; offers below 536 become 536, as in Linux.
inline constexpr std::array<std::uint16_t, 8> kSynCookieMssTable = {
    536, 1220, 1300, 1360, 1380, 1440, 1460, 8960};

struct SynCookieOptions {
  std::uint16_t mss = 536;                 // rounded down to a table entry
  std::optional<std::uint8_t> window_scale;  // peer's shift (0..14), only with timestamps
  bool sack_permitted = false;               // only with timestamps
};

class SynCookies {
 public:
  SynCookies();  // random key
  explicit SynCookies(const std::array<std::uint8_t, 16>& key) noexcept;

  // Our ISN for the SYN-ACK to a SYN with sequence number `peer_isn`.
  Seq encode(const FourTuple& tuple, Seq peer_isn, std::uint16_t mss, Instant now) const noexcept;
  // The TSval to send when the peer offered timestamps: `now_tsval` with its low 6 bits
  // replaced by window scale (4 bits, 15 = none; above 14 sent as 14, RFC 7323 §2.3) and
  // SACK-permitted (1 bit) + 1 spare (0). Never later than `now_tsval` (it steps back 64
  // if needed), so the peer never sees our timestamps go backwards afterwards.
  std::uint32_t encode_timestamp(std::uint32_t now_tsval, const SynCookieOptions& options) const noexcept;

  // Checks the ACK completing a cookie handshake: `ack` is the ACK's acknowledgment number,
  // `peer_seq` its sequence number (peer ISN + 1), `tsecr` the echoed TSval if any.
  // Returns the options the connection is built with, or nullopt if the cookie is invalid
  // or older than two periods.
  std::optional<SynCookieOptions> decode(const FourTuple& tuple, Seq ack, Seq peer_seq,
                                         std::optional<std::uint32_t> tsecr, Instant now) const noexcept;

 private:
  // The cookie's top 24 bits for these inputs.
  std::uint32_t mac(const FourTuple& tuple, Seq peer_isn, std::uint32_t t,
                    std::uint32_t mss_index) const noexcept;

  crypto::Secret<16> key_;  // wiped on destruction
};

}  // namespace tunkit::stack::tcp
