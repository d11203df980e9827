// A WireGuard peer as the device core keeps it: configuration, handshake, up to three
// keypairs (the WireGuard paper §6.1 and wireguard-go's previous/current/next), staged
// packets waiting for a session, the timer deadlines of §6 and the transfer counters.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <vector>

#include "tunkit/crypto/aead.hpp"
#include "tunkit/crypto/key.hpp"
#include "tunkit/wg/allowed_ips.hpp"
#include "tunkit/wg/cookie.hpp"
#include "tunkit/wg/endpoint.hpp"
#include "tunkit/wg/noise.hpp"
#include "tunkit/wg/replay_window.hpp"
#include "tunkit/wg/tai64n.hpp"

namespace tunkit::wg {

using namespace std::chrono_literals;

// The protocol's constants (the WireGuard paper §6.1, Table "Symbol / Value").
inline constexpr std::uint64_t rekey_after_messages = std::uint64_t{1} << 60;
inline constexpr std::uint64_t reject_after_messages = ReplayWindow::reject_after_messages;
inline constexpr Duration rekey_after_time = 120s;
inline constexpr Duration reject_after_time = 180s;
inline constexpr Duration rekey_attempt_time = 90s;
inline constexpr Duration rekey_timeout = 5s;
inline constexpr Duration keepalive_timeout = 10s;
inline constexpr int max_timer_handshakes = 18;  // rekey_attempt_time / rekey_timeout
inline constexpr Duration rekey_timeout_jitter_max = 334ms;
// A responder ignores initiations from one peer that come faster than this (wireguard-go).
inline constexpr Duration handshake_initiation_rate = 50ms;

using SystemTime = std::chrono::system_clock::time_point;

struct Keypair {
  Keypair(const crypto::AeadKey& send_key, const crypto::AeadKey& receive_key)
      : send(crypto::ChaChaPoly::sealer(send_key)), receive(crypto::ChaChaPoly::opener(receive_key)) {}
  crypto::ChaChaPoly send;     // keyed contexts: the keys themselves are not kept
  crypto::ChaChaPoly receive;
  std::uint64_t send_counter = 0;  // the next nonce
  ReplayWindow replay;
  std::uint32_t local_index = 0;
  std::uint32_t remote_index = 0;
  Instant created{};
  bool initiator = false;
};

struct Peer {
  PeerId id = 0;
  crypto::PublicKey public_key;
  crypto::PresharedKey preshared_key;
  SharedSecret static_static;  // DH(our static, their static); zero without a private key
  std::optional<Endpoint> endpoint;
  std::uint16_t persistent_keepalive = 0;  // seconds; 0 = off

  Handshake handshake;
  CookieGenerator cookies;
  std::optional<Tai64n> last_timestamp;                 // newest accepted initiation
  std::optional<Instant> last_initiation_consumed;
  std::optional<Instant> last_initiation_sent;

  std::unique_ptr<Keypair> previous, current, next;
  std::deque<std::vector<std::uint8_t>> staged;  // packets at data::header_size offset

  // Timers (wireguard-go timers.go names): absent = not pending.
  std::optional<Instant> retransmit_handshake_at, send_keepalive_at, new_handshake_at,
      zero_key_material_at, persistent_keepalive_at;
  int handshake_attempts = 0;
  bool need_another_keepalive = false;
  bool sent_last_minute_handshake = false;

  std::optional<SystemTime> last_handshake;
  std::uint64_t rx_bytes = 0, tx_bytes = 0;
};

}  // namespace tunkit::wg
