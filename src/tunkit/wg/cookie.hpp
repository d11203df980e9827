// mac1, mac2 and cookie replies (the WireGuard paper §5.4.4, §5.4.7): the DoS defence.
// Every handshake message carries mac1 = MAC(HASH("mac1----" || S_receiver), msg[:mac1]),
// proving the sender knows our public key. Under load a responder also demands mac2, keyed
// by a cookie bound to the sender's IP and port; without it the sender gets a cookie reply
// (encrypted to the mac1 it sent) and no state is created.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>

#include "tunkit/crypto/aead.hpp"
#include "tunkit/crypto/blake2s.hpp"
#include "tunkit/crypto/key.hpp"
#include "tunkit/stack/time.hpp"

namespace tunkit::wg {

using stack::Duration;
using stack::Instant;

inline constexpr Duration cookie_refresh_time = std::chrono::seconds(120);

// The responder's side, for our own public key.
class CookieChecker {
 public:
  CookieChecker() = default;
  explicit CookieChecker(const crypto::PublicKey& local);

  // `message` is a whole initiation or response (mac1 and mac2 are its last 32 bytes).
  bool check_mac1(std::span<const std::uint8_t> message) const noexcept;
  // `source` identifies the sender: its IP address bytes then port (any fixed encoding).
  bool check_mac2(std::span<const std::uint8_t> message, std::span<const std::uint8_t> source,
                  Instant now) const noexcept;
  // Writes a 64-byte cookie reply to `message`'s sender into `out`.
  void create_reply(std::span<const std::uint8_t> message, std::span<const std::uint8_t> source,
                    Instant now, std::span<std::uint8_t, 64> out);

 private:
  crypto::Mac cookie_for(std::span<const std::uint8_t> source) const noexcept;

  crypto::Digest mac1_key_{};
  crypto::Digest cookie_key_{};
  crypto::Secret<32> secret_;  // R_m, random, replaced every two minutes
  std::optional<Instant> secret_born_;
};

// The initiator's side, one per peer, keyed by the peer's public key.
class CookieGenerator {
 public:
  CookieGenerator() = default;
  explicit CookieGenerator(const crypto::PublicKey& peer);

  // Fills mac1 and (with a fresh cookie) mac2 of an outgoing handshake message.
  void add_macs(std::span<std::uint8_t> message, Instant now) noexcept;
  // Decrypts a cookie reply to the last message we MACed; false if it does not authenticate.
  bool consume_reply(std::span<const std::uint8_t, 64> reply, Instant now) noexcept;

 private:
  crypto::Digest mac1_key_{};
  crypto::Digest cookie_key_{};
  std::optional<crypto::Mac> last_mac1_;
  crypto::Mac cookie_{};
  std::optional<Instant> cookie_born_;
};

}  // namespace tunkit::wg
