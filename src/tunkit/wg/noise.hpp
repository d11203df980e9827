// The Noise_IKpsk2 handshake with WireGuard's construction (the WireGuard paper §5.4.2–5.4.4):
// one state machine per peer, its stages in `Handshake::Stage`. Pure computation: the
// caller supplies keys, indices and the timestamp, and gets message bytes or session keys.
// mac1/mac2 are added and checked by cookie.hpp, not here.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <span>

#include "tunkit/crypto/aead.hpp"
#include "tunkit/crypto/blake2s.hpp"
#include "tunkit/crypto/key.hpp"
#include "tunkit/wg/tai64n.hpp"

namespace tunkit::wg {

using ChainingKey = crypto::Secret<crypto::blake2s_size>;
using SharedSecret = crypto::Secret<crypto::key_size>;

struct LocalIdentity {
  crypto::PrivateKey private_key;
  crypto::PublicKey public_key;
};

// The transport keys a completed handshake yields.
struct SessionKeys {
  crypto::AeadKey send;
  crypto::AeadKey receive;
  bool initiator = false;
  std::uint32_t local_index = 0;   // the receiver index our peer puts on data for us
  std::uint32_t remote_index = 0;  // the receiver index we put on data for the peer
};

class Handshake {
 public:
  enum class Stage : std::uint8_t {
    zeroed,               // nothing in flight
    initiation_created,   // we sent an initiation, waiting for the response
    initiation_consumed,  // we accepted an initiation, about to respond
    response_created,     // we responded; keys derivable
    response_consumed,    // we got the response to our initiation; keys derivable
  };

  Stage stage() const noexcept { return stage_; }
  std::uint32_t local_index() const noexcept { return local_index_; }
  std::uint32_t remote_index() const noexcept { return remote_index_; }
  void clear() noexcept;

  // Initiator, message 1: writes everything but mac1/mac2 into `message`. `static_static` is
  // DH(our static, their static), computed once per peer. False if a DH result is zero.
  // `ephemeral` is fresh unless given (a fixed one reproduces a recorded handshake).
  bool create_initiation(const LocalIdentity& local, const crypto::PublicKey& peer,
                         const SharedSecret& static_static, std::uint32_t local_index,
                         const Tai64n& timestamp, std::span<std::uint8_t, 148> message,
                         const crypto::PrivateKey* ephemeral = nullptr);
  // Initiator: consumes message 2 of the initiation this handshake created. False (state
  // unchanged) if it does not decrypt. The caller matched the receiver index already.
  bool consume_response(const LocalIdentity& local, const crypto::PresharedKey& psk,
                        std::span<const std::uint8_t, 92> message);

  // Responder, message 2: needs an accepted initiation (accept()); writes all but the MACs.
  bool create_response(const crypto::PresharedKey& psk, std::uint32_t local_index,
                       std::span<std::uint8_t, 92> message, const crypto::PrivateKey* ephemeral = nullptr);

  // After response_created or response_consumed: the transport keys; the handshake is zeroed.
  std::optional<SessionKeys> derive_session();

  // What a responder learns from a valid initiation, before it picks the peer's state.
  struct Initiation {
    crypto::PublicKey peer_static;
    Tai64n timestamp{};
    std::uint32_t remote_index = 0;
    crypto::PublicKey remote_ephemeral;
    ChainingKey chaining_key;
    crypto::Digest hash{};
  };
  // Responder, message 1. `static_static_for` returns the precomputed DH with a known peer's
  // static key, or nullptr for a stranger (then the message is refused before more work).
  static std::optional<Initiation> consume_initiation(
      const LocalIdentity& local, std::span<const std::uint8_t, 148> message,
      const std::function<const SharedSecret*(const crypto::PublicKey&)>& static_static_for);
  // Responder: takes over a consumed initiation (the caller checked its timestamp).
  void accept(Initiation initiation, const crypto::PublicKey& peer_static);

 private:
  Stage stage_ = Stage::zeroed;
  ChainingKey chaining_key_;
  crypto::Digest hash_{};
  crypto::PrivateKey local_ephemeral_;
  crypto::PublicKey remote_ephemeral_;
  crypto::PublicKey remote_static_;
  std::uint32_t local_index_ = 0;
  std::uint32_t remote_index_ = 0;
};

}  // namespace tunkit::wg
