#include "tunkit/wg/noise.hpp"

#include <algorithm>
#include <cstring>
#include <string_view>

#include "tunkit/crypto/x25519.hpp"
#include "tunkit/wg/messages.hpp"

namespace tunkit::wg {

namespace {

using crypto::Bytes;
using crypto::Digest;

Bytes text(std::string_view s) noexcept {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

// C0 = HASH(CONSTRUCTION), H0 = HASH(C0 || IDENTIFIER): the same for every handshake.
struct Initial {
  Digest chaining_key;
  Digest hash;
};
const Initial& initial() noexcept {
  static const Initial value = [] {
    Initial i{};
    i.chaining_key = crypto::blake2s({text("Noise_IKpsk2_25519_ChaChaPoly_BLAKE2s")});
    i.hash = crypto::blake2s({i.chaining_key, text("WireGuard v1 zx2c4 Jason@zx2c4.com")});
    return i;
  }();
  return value;
}

// HKDF over HMAC-BLAKE2s (the paper's KDF_n): τ0 = HMAC(key, input), τ1 = HMAC(τ0, 0x1),
// τi = HMAC(τ0, τi-1 || i). Writes n outputs.
void kdf(Bytes key, Bytes input, std::span<Digest> out) noexcept {
  Digest t0 = crypto::hmac_blake2s(key, {input});
  const std::uint8_t one = 1;
  out[0] = crypto::hmac_blake2s(t0, {Bytes(&one, 1)});
  for (std::size_t i = 1; i < out.size(); ++i) {
    const auto counter = static_cast<std::uint8_t>(i + 1);
    out[i] = crypto::hmac_blake2s(t0, {out[i - 1], Bytes(&counter, 1)});
  }
  crypto::wipe(t0);
}

// ck = KDF1(ck, input)
void mix_key(ChainingKey& ck, Bytes input) noexcept {
  Digest out[1];
  kdf(ck.bytes(), input, out);
  ck = ChainingKey(out[0]);
  crypto::wipe(out[0]);
}
// (ck, k) = KDF2(ck, input)
crypto::AeadKey mix_key_and_derive(ChainingKey& ck, Bytes input) noexcept {
  Digest out[2];
  kdf(ck.bytes(), input, out);
  ck = ChainingKey(out[0]);
  crypto::AeadKey key(out[1]);
  crypto::wipe(out[0]), crypto::wipe(out[1]);
  return key;
}
// h = HASH(h || data)
void mix_hash(Digest& h, Bytes data) noexcept { h = crypto::blake2s({h, data}); }

// (ck, τ, k) = KDF3(ck, psk); h = HASH(h || τ): the psk2 modifier.
crypto::AeadKey mix_psk(ChainingKey& ck, Digest& h, const crypto::PresharedKey& psk) noexcept {
  Digest out[3];
  kdf(ck.bytes(), psk.bytes(), out);
  ck = ChainingKey(out[0]);
  mix_hash(h, out[1]);
  crypto::AeadKey key(out[2]);
  for (auto& o : out) crypto::wipe(o);
  return key;
}

std::span<std::uint8_t, crypto::aead_tag_size> tag_at(std::uint8_t* p) noexcept {
  return std::span<std::uint8_t, crypto::aead_tag_size>(p, crypto::aead_tag_size);
}
std::span<const std::uint8_t, crypto::aead_tag_size> tag_at(const std::uint8_t* p) noexcept {
  return std::span<const std::uint8_t, crypto::aead_tag_size>(p, crypto::aead_tag_size);
}
crypto::PublicKey public_at(const std::uint8_t* p) noexcept {
  crypto::PublicKey key;
  std::memcpy(key.bytes.data(), p, key.bytes.size());
  return key;
}

}  // namespace

void Handshake::clear() noexcept {
  stage_ = Stage::zeroed;
  chaining_key_.clear();
  crypto::wipe(hash_);
  local_ephemeral_.clear();
  remote_ephemeral_ = {};
  local_index_ = remote_index_ = 0;
}

bool Handshake::create_initiation(const LocalIdentity& local, const crypto::PublicKey& peer,
                                  const SharedSecret& static_static, std::uint32_t local_index,
                                  const Tai64n& timestamp, std::span<std::uint8_t, 148> message,
                                  const crypto::PrivateKey* fixed_ephemeral) {
  ChainingKey ck(initial().chaining_key);
  Digest h = initial().hash;
  mix_hash(h, peer.bytes);  // premessage: the responder's static key is known

  // e: a fresh ephemeral, sent in the clear.
  crypto::PrivateKey ephemeral = fixed_ephemeral ? *fixed_ephemeral : crypto::generate_private_key();
  const crypto::PublicKey ephemeral_public = crypto::public_key(ephemeral);
  store_type(message.data(), MessageType::initiation);
  store_le32(message.data() + initiation::sender, local_index);
  std::memcpy(message.data() + initiation::ephemeral, ephemeral_public.bytes.data(), 32);
  mix_key(ck, ephemeral_public.bytes);
  mix_hash(h, ephemeral_public.bytes);

  // es: DH(e, S_r); encrypt our static key.
  auto es = crypto::x25519(ephemeral, peer);
  if (!es) return false;
  auto key = mix_key_and_derive(ck, es->bytes());
  std::uint8_t* encrypted_static = message.data() + initiation::encrypted_static;
  std::memcpy(encrypted_static, local.public_key.bytes.data(), 32);
  crypto::seal(key, 0, {encrypted_static, 32}, h, tag_at(encrypted_static + 32));
  mix_hash(h, {encrypted_static, 48});

  // ss: DH(S_i, S_r), precomputed; encrypt the timestamp.
  if (static_static.is_zero()) return false;
  key = mix_key_and_derive(ck, static_static.bytes());
  std::uint8_t* encrypted_timestamp = message.data() + initiation::encrypted_timestamp;
  std::memcpy(encrypted_timestamp, timestamp.data(), timestamp.size());
  crypto::seal(key, 0, {encrypted_timestamp, 12}, h, tag_at(encrypted_timestamp + 12));
  mix_hash(h, {encrypted_timestamp, 28});

  std::fill(message.begin() + initiation::mac1, message.end(), 0);
  stage_ = Stage::initiation_created;
  chaining_key_ = std::move(ck);
  hash_ = h;
  local_ephemeral_ = std::move(ephemeral);
  remote_static_ = peer;
  local_index_ = local_index;
  remote_index_ = 0;
  return true;
}

std::optional<Handshake::Initiation> Handshake::consume_initiation(
    const LocalIdentity& local, std::span<const std::uint8_t, 148> message,
    const std::function<const SharedSecret*(const crypto::PublicKey&)>& static_static_for) {
  Initiation out;
  ChainingKey ck(initial().chaining_key);
  Digest h = initial().hash;
  mix_hash(h, local.public_key.bytes);

  // e
  out.remote_ephemeral = public_at(message.data() + initiation::ephemeral);
  mix_key(ck, out.remote_ephemeral.bytes);
  mix_hash(h, out.remote_ephemeral.bytes);

  // es: DH(S_r, e); decrypt the initiator's static key.
  auto es = crypto::x25519(local.private_key, out.remote_ephemeral);
  if (!es) return std::nullopt;
  auto key = mix_key_and_derive(ck, es->bytes());
  std::array<std::uint8_t, 32> peer_static{};
  std::memcpy(peer_static.data(), message.data() + initiation::encrypted_static, 32);
  if (!crypto::open(key, 0, peer_static, h, tag_at(message.data() + initiation::encrypted_static + 32)))
    return std::nullopt;
  mix_hash(h, {message.data() + initiation::encrypted_static, 48});
  out.peer_static.bytes = peer_static;

  // ss: only for a peer we know.
  const SharedSecret* ss = static_static_for(out.peer_static);
  if (ss == nullptr || ss->is_zero()) return std::nullopt;
  key = mix_key_and_derive(ck, ss->bytes());
  std::memcpy(out.timestamp.data(), message.data() + initiation::encrypted_timestamp, 12);
  if (!crypto::open(key, 0, out.timestamp, h, tag_at(message.data() + initiation::encrypted_timestamp + 12)))
    return std::nullopt;
  mix_hash(h, {message.data() + initiation::encrypted_timestamp, 28});

  out.remote_index = load_le32(message.data() + initiation::sender);
  out.chaining_key = std::move(ck);
  out.hash = h;
  return out;
}

void Handshake::accept(Initiation initiation, const crypto::PublicKey& peer_static) {
  clear();
  stage_ = Stage::initiation_consumed;
  chaining_key_ = std::move(initiation.chaining_key);
  hash_ = initiation.hash;
  remote_ephemeral_ = initiation.remote_ephemeral;
  remote_static_ = peer_static;
  remote_index_ = initiation.remote_index;
}

bool Handshake::create_response(const crypto::PresharedKey& psk, std::uint32_t local_index,
                                std::span<std::uint8_t, 92> message,
                                const crypto::PrivateKey* fixed_ephemeral) {
  if (stage_ != Stage::initiation_consumed) return false;
  ChainingKey ck = chaining_key_;
  Digest h = hash_;

  // e
  crypto::PrivateKey ephemeral = fixed_ephemeral ? *fixed_ephemeral : crypto::generate_private_key();
  const crypto::PublicKey ephemeral_public = crypto::public_key(ephemeral);
  store_type(message.data(), MessageType::response);
  store_le32(message.data() + response::sender, local_index);
  store_le32(message.data() + response::receiver, remote_index_);
  std::memcpy(message.data() + response::ephemeral, ephemeral_public.bytes.data(), 32);
  mix_key(ck, ephemeral_public.bytes);
  mix_hash(h, ephemeral_public.bytes);

  // ee, se
  auto ee = crypto::x25519(ephemeral, remote_ephemeral_);
  auto se = crypto::x25519(ephemeral, remote_static_);
  if (!ee || !se) return false;
  mix_key(ck, ee->bytes());
  mix_key(ck, se->bytes());

  // psk, then an empty payload that authenticates the transcript.
  auto key = mix_psk(ck, h, psk);
  std::uint8_t* empty = message.data() + response::encrypted_nothing;
  crypto::seal(key, 0, {}, h, tag_at(empty));
  mix_hash(h, {empty, 16});

  std::fill(message.begin() + response::mac1, message.end(), 0);
  stage_ = Stage::response_created;
  chaining_key_ = std::move(ck);
  hash_ = h;
  local_index_ = local_index;
  return true;
}

bool Handshake::consume_response(const LocalIdentity& local, const crypto::PresharedKey& psk,
                                 std::span<const std::uint8_t, 92> message) {
  if (stage_ != Stage::initiation_created) return false;
  ChainingKey ck = chaining_key_;
  Digest h = hash_;

  // e
  const crypto::PublicKey remote_ephemeral = public_at(message.data() + response::ephemeral);
  mix_key(ck, remote_ephemeral.bytes);
  mix_hash(h, remote_ephemeral.bytes);

  // ee, se
  auto ee = crypto::x25519(local_ephemeral_, remote_ephemeral);
  auto se = crypto::x25519(local.private_key, remote_ephemeral);
  if (!ee || !se) return false;
  mix_key(ck, ee->bytes());
  mix_key(ck, se->bytes());

  // psk; the empty payload must authenticate.
  auto key = mix_psk(ck, h, psk);
  if (!crypto::open(key, 0, {}, h, tag_at(message.data() + response::encrypted_nothing))) return false;
  mix_hash(h, {message.data() + response::encrypted_nothing, 16});

  stage_ = Stage::response_consumed;
  chaining_key_ = std::move(ck);
  hash_ = h;
  remote_ephemeral_ = remote_ephemeral;
  remote_index_ = load_le32(message.data() + response::sender);
  return true;
}

std::optional<SessionKeys> Handshake::derive_session() {
  const bool initiator = stage_ == Stage::response_consumed;
  if (!initiator && stage_ != Stage::response_created) return std::nullopt;
  // (T_i→r, T_r→i) = KDF2(ck, ε)
  Digest out[2];
  kdf(chaining_key_.bytes(), {}, out);
  SessionKeys keys;
  keys.initiator = initiator;
  keys.send = crypto::AeadKey(initiator ? out[0] : out[1]);
  keys.receive = crypto::AeadKey(initiator ? out[1] : out[0]);
  crypto::wipe(out[0]), crypto::wipe(out[1]);
  keys.local_index = local_index_;
  keys.remote_index = remote_index_;
  clear();
  return keys;
}

}  // namespace tunkit::wg
