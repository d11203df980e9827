// wg::Device: the WireGuard protocol for one interface, without I/O (DESIGN.md). The driver
// reads IP packets from the TUN and datagrams from the UDP socket into its own buffers and
// hands them in with `now`; the core encrypts/decrypts in place and says where bytes go.
// Handshake messages, keepalives and staged packets come out through a Sink during the call.
//
//   encrypt(): IP packet -> transport datagram for the peer whose AllowedIPs hold its
//              destination (cryptokey routing), or staged until a handshake completes
//   receive(): datagram -> the decrypted IP packet to write to the TUN, if any
//   tick():    every timer of the WireGuard paper §6; next_deadline() says when
//
// Malformed or unauthenticated input is a counted drop (counters()), never an error.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <unordered_map>
#include <vector>

#include "tunkit/wg/allowed_ips.hpp"
#include "tunkit/wg/cookie.hpp"
#include "tunkit/wg/endpoint.hpp"
#include "tunkit/wg/messages.hpp"
#include "tunkit/wg/noise.hpp"
#include "tunkit/wg/peer.hpp"

namespace tunkit::wg {

struct Now {
  Instant mono{};   // timers
  SystemTime wall;  // TAI64N timestamps and "latest handshake"
};

class Sink {
 public:
  virtual ~Sink() = default;
  // Send `bytes` to `to`; the bytes are valid only during the call.
  virtual void send(const Endpoint& to, std::span<const std::uint8_t> bytes) = 0;
};

struct DeviceOptions {
  std::uint16_t mtu = 1420;  // plaintext padding never goes past it
  // Valid handshake messages per second above which we are "under load" and demand mac2.
  // 0 = always under load (every handshake must carry a cookie).
  std::uint32_t handshakes_per_second_before_load = 128;
  std::size_t staged_packets_per_peer = 128;  // oldest dropped beyond this
};

struct DeviceCounters {
  std::uint64_t malformed = 0;              // not a WireGuard message
  std::uint64_t bad_mac1 = 0;               // handshake not addressed to our key
  std::uint64_t handshake_failed = 0;       // does not decrypt, unknown peer, no private key
  std::uint64_t handshake_replayed = 0;     // timestamp not newer, or too soon after the last
  std::uint64_t cookie_replies_sent = 0;    // under load, without a valid mac2
  std::uint64_t cookie_replies_accepted = 0;
  std::uint64_t unknown_index = 0;          // response/data/cookie for no index of ours
  std::uint64_t expired_keypair = 0;        // data on a keypair past REJECT_AFTER_*
  std::uint64_t decrypt_failed = 0;
  std::uint64_t replayed = 0;               // counter already seen or too old
  std::uint64_t bad_inner_packet = 0;       // decrypted bytes that are not IPv4/IPv6
  std::uint64_t disallowed_source = 0;      // inner source not in the peer's AllowedIPs
  std::uint64_t no_route = 0;               // outgoing destination in nobody's AllowedIPs
  std::uint64_t no_endpoint = 0;            // a peer we cannot reach: no endpoint known
  std::uint64_t staged_dropped = 0;
  std::uint64_t handshakes_completed = 0;
};

class Device {
 public:
  explicit Device(DeviceOptions options = {});
  Device(const Device&) = delete;
  Device& operator=(const Device&) = delete;

  // --- configuration (the UAPI `set` operations) --------------------------------------
  // Replaces the key: sessions end, a peer with our own public key is removed.
  void set_private_key(std::optional<crypto::PrivateKey> key);
  const std::optional<LocalIdentity>& identity() const noexcept { return identity_; }

  Peer* find_peer(const crypto::PublicKey& key) noexcept;
  Peer* peer(PeerId id) noexcept;
  // Creates the peer (no-op if it exists). nullptr if `key` is our own public key.
  Peer* add_peer(const crypto::PublicKey& key);
  void remove_peer(const crypto::PublicKey& key);
  void remove_all_peers();
  void set_preshared_key(Peer& peer, crypto::PresharedKey key);
  void set_endpoint(Peer& peer, const Endpoint& endpoint) { peer.endpoint = endpoint; }
  // Turning it on sends a keepalive at once (wg set ... persistent-keepalive N starts it).
  void set_persistent_keepalive(Peer& peer, std::uint16_t seconds, const Now& now, Sink& sink);
  AllowedIps& allowed_ips() noexcept { return allowed_ips_; }
  const AllowedIps& allowed_ips() const noexcept { return allowed_ips_; }
  // Peers in the order they were added.
  const std::vector<std::unique_ptr<Peer>>& peers() const noexcept { return peers_; }
  void set_mtu(std::uint16_t mtu) noexcept { options_.mtu = mtu; }
  const DeviceOptions& options() const noexcept { return options_; }

  // --- data path ----------------------------------------------------------------------
  // Headroom/tailroom a caller leaves around an outgoing packet for encrypt().
  static constexpr std::size_t headroom = data::header_size;
  static constexpr std::size_t tailroom = 15 + crypto::aead_tag_size;

  struct Datagram {
    Endpoint to;
    std::span<std::uint8_t> bytes;  // within the caller's buffer
  };
  // `buffer[offset, offset + length)` is an IP packet; offset ≥ headroom and
  // buffer.size() ≥ offset + length + tailroom. Returns the datagram (encrypted in place),
  // or nullopt if the packet was staged (copied) or dropped.
  std::optional<Datagram> encrypt(std::span<std::uint8_t> buffer, std::size_t offset,
                                  std::size_t length, const Now& now, Sink& sink);
  // A datagram from `from`. Returns the IP packet to deliver (within `datagram`), or an
  // empty span (handshake, keepalive, drop).
  std::span<std::uint8_t> receive(std::span<std::uint8_t> datagram, const Endpoint& from,
                                  const Now& now, Sink& sink);

  // Runs every timer due at `now`.
  void tick(const Now& now, Sink& sink);
  std::optional<Instant> next_deadline() const noexcept;

  const DeviceCounters& counters() const noexcept { return counters_; }

 private:
  struct IndexEntry {
    PeerId peer = 0;
    Keypair* keypair = nullptr;  // nullptr: the peer's handshake in flight
  };

  std::uint32_t new_index(PeerId peer);
  void drop_keypair(std::unique_ptr<Keypair>& keypair) noexcept;
  void clear_handshake(Peer& peer) noexcept;
  void zero_key_material(Peer& peer) noexcept;

  void handle_initiation(std::span<std::uint8_t> message, const Endpoint& from, const Now& now, Sink& sink);
  void handle_response(std::span<std::uint8_t> message, const Endpoint& from, const Now& now, Sink& sink);
  void handle_cookie_reply(std::span<std::uint8_t> message, const Now& now);
  std::span<std::uint8_t> handle_data(std::span<std::uint8_t> message, const Endpoint& from,
                                      const Now& now, Sink& sink);
  bool under_load(const Now& now) noexcept;

  void begin_session(Peer& peer, SessionKeys keys, const Now& now);
  bool received_with_keypair(Peer& peer, Keypair* keypair) noexcept;
  void send_initiation(Peer& peer, bool is_retry, const Now& now, Sink& sink);
  void send_keepalive(Peer& peer, const Now& now, Sink& sink);
  void send_staged(Peer& peer, const Now& now, Sink& sink);
  void keep_key_fresh_sending(Peer& peer, const Now& now, Sink& sink);
  void stage(Peer& peer, std::span<const std::uint8_t> packet);
  // Seals buffer[offset, offset+length) for `peer` with its current keypair (valid).
  std::span<std::uint8_t> seal_for(Peer& peer, std::span<std::uint8_t> buffer, std::size_t offset,
                                   std::size_t length, const Now& now);
  bool can_send(const Peer& peer, const Now& now) const noexcept;
  void send_to(Peer& peer, std::span<const std::uint8_t> bytes, Sink& sink);

  // Timer events (wireguard-go timers.go).
  void on_data_sent(Peer& peer, const Now& now);
  void on_data_received(Peer& peer, const Now& now);
  void on_authenticated_sent(Peer& peer) noexcept { peer.send_keepalive_at.reset(); }
  void on_authenticated_received(Peer& peer) noexcept { peer.new_handshake_at.reset(); }
  void on_authenticated_traversal(Peer& peer, const Now& now) noexcept;
  void on_handshake_complete(Peer& peer, const Now& now);
  Duration jitter() const;

  DeviceOptions options_;
  std::optional<LocalIdentity> identity_;
  CookieChecker cookie_checker_;
  std::vector<std::unique_ptr<Peer>> peers_;
  std::map<crypto::PublicKey, PeerId> peer_by_key_;
  std::unordered_map<PeerId, Peer*> peer_by_id_;
  std::unordered_map<std::uint32_t, IndexEntry> indices_;
  AllowedIps allowed_ips_;
  PeerId next_peer_id_ = 1;
  DeviceCounters counters_;
  // Load estimate: valid handshake messages in the current one-second window.
  Instant load_window_start_{};
  std::uint32_t load_window_count_ = 0;
  std::optional<Instant> under_load_until_;
};

}  // namespace tunkit::wg
