// WireGuard receive path: wg::Device::receive() on any datagram from anyone.
//
// A static world replays the recorded wireguard-go handshake (recorded_handshake_test.hpp)
// between an initiator and a responder Device: libsodium's randomness is replaced by a
// script that hands out the recorded ephemeral keys and sender indices, so the devices
// emit the recorded initiation, response and first data message byte for byte (checked at
// start-up) and the recorded packets in the seed corpus are valid input, not just shapes.
// A third Device with the responder's key is always "under load" (cookie replies).
//
// Each input is used four ways (the per-peer state an input may change is restored first,
// so inputs stay independent):
//   raw:      the input as a datagram to the responder, the initiator and the loaded device;
//   forged:   a freshly sealed data packet with up to 8 (offset, xor) edits from the input;
//   tampered: the recorded initiation with the same edits;
//   sealed:   the input as the plaintext of an authentic data packet, then replayed.
// Invariants: the returned packet lies in the datagram after the header; counters only
// grow, at most one drop per datagram and none for a delivery; nothing unauthenticated is
// delivered, roams the endpoint or creates handshake state; a delivered packet's source is
// in the sender's AllowedIPs; authentic input gets exactly the delivery the IP header asks.
#include <sodium.h>

#include <algorithm>
#include <array>
#include <bit>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <vector>

#include "fuzz_check.hpp"
#include "tunkit/crypto/aead.hpp"
#include "tunkit/crypto/x25519.hpp"
#include "tunkit/wg/device.hpp"
#include "tunkit/wg/messages.hpp"
#include "tunkit/wg/recorded_handshake_test.hpp"

namespace {

using namespace tunkit;
using namespace tunkit::wg;
using Bytes = std::span<const std::uint8_t>;

// --- reproducible randomness -------------------------------------------------------------
// The recorded sender indices (randombytes_random) and ephemeral keys (32-byte
// randombytes_buf) in the order the devices draw them, then splitmix64. Not random at all:
// for this fuzz process only.
struct ScriptedRandom {
  std::deque<std::uint32_t> indices;
  std::deque<std::array<std::uint8_t, 32>> keys;
  std::uint64_t state = 0x243f6a8885a308d3;
  std::uint64_t next() noexcept {
    std::uint64_t z = (state += 0x9e3779b97f4a7c15);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9;
    z = (z ^ (z >> 27)) * 0x94d049bb133111eb;
    return z ^ (z >> 31);
  }
};
ScriptedRandom scripted;

const char* scripted_name() { return "tunkit-fuzz-scripted"; }
std::uint32_t scripted_u32() {
  if (scripted.indices.empty()) return static_cast<std::uint32_t>(scripted.next());
  const std::uint32_t v = scripted.indices.front();
  scripted.indices.pop_front();
  return v;
}
void scripted_stir() {}
// Jitter draws: never from the script, so they cannot shift the recorded values.
std::uint32_t scripted_uniform(const std::uint32_t bound) {
  return bound < 2 ? 0 : static_cast<std::uint32_t>(scripted.next() % bound);
}
void scripted_buf(void* out, const std::size_t size) {
  auto* p = static_cast<std::uint8_t*>(out);
  if (size == 32 && !scripted.keys.empty()) {
    std::memcpy(p, scripted.keys.front().data(), 32);
    scripted.keys.pop_front();
    return;
  }
  for (std::size_t i = 0; i < size; ++i) p[i] = static_cast<std::uint8_t>(scripted.next());
}
int scripted_close() { return 0; }
randombytes_implementation scripted_implementation = {
    scripted_name, scripted_u32, scripted_stir, scripted_uniform, scripted_buf, scripted_close};

void require(bool ok, const char* what) {
  if (ok) return;
  std::fprintf(stderr, "wg_receive_fuzz setup: %s\n", what);
  std::abort();
}

// --- the world ---------------------------------------------------------------------------

struct Sent {
  Endpoint to;
  std::vector<std::uint8_t> bytes;
};
struct Collect : Sink {
  std::vector<Sent> out;
  void send(const Endpoint& to, std::span<const std::uint8_t> bytes) override {
    out.push_back({to, {bytes.begin(), bytes.end()}});
  }
};

Endpoint endpoint(const char* text) { return *Endpoint::parse(text); }
IpPrefix prefix(const char* text) { return *IpPrefix::parse(text); }
template <std::size_t N>
crypto::Secret<N> secret(const std::array<std::uint8_t, N>& bytes) {
  return crypto::Secret<N>(std::span<const std::uint8_t, N>(bytes));
}
bool equal(Bytes a, Bytes b) { return std::ranges::equal(a, b); }

std::uint64_t drops(const DeviceCounters& c) {
  return c.malformed + c.bad_mac1 + c.handshake_failed + c.handshake_replayed +
         c.cookie_replies_sent + c.unknown_index + c.expired_keypair + c.decrypt_failed +
         c.replayed + c.bad_inner_packet + c.disallowed_source;
}
bool counters_grow(const DeviceCounters& before, const DeviceCounters& after) {
  static_assert(sizeof(DeviceCounters) % sizeof(std::uint64_t) == 0);
  using Array = std::array<std::uint64_t, sizeof(DeviceCounters) / sizeof(std::uint64_t)>;
  const auto b = std::bit_cast<Array>(before), a = std::bit_cast<Array>(after);
  for (std::size_t i = 0; i < a.size(); ++i)
    if (a[i] < b[i]) return false;
  return true;
}

// Cryptokey routing as configured below, written out independently of AllowedIps: the
// responder takes from the initiator only 10.84.0.1 and fd84::/64 (another peer owns the
// covering 10.84.0.0/24 and fd84::/16); the initiator takes from the responder 10.84.0.2.
bool responder_allows(Bytes packet) {
  if ((packet[0] >> 4) == 4) return equal(packet.subspan(12, 4), std::array<std::uint8_t, 4>{10, 84, 0, 1});
  return equal(packet.subspan(8, 8), std::array<std::uint8_t, 8>{0xfd, 0x84, 0, 0, 0, 0, 0, 0});
}
bool initiator_allows(Bytes packet) {
  return (packet[0] >> 4) == 4 && equal(packet.subspan(12, 4), std::array<std::uint8_t, 4>{10, 84, 0, 2});
}

struct World {
  Now now{stack::Instant{} + std::chrono::seconds(1000),
          // tai64n() of this is the recorded initiation's timestamp (4000000006b022bae 01000000).
          SystemTime{} + std::chrono::seconds(0x6b022bae) + std::chrono::nanoseconds(1 << 24)};
  Device initiator, responder{DeviceOptions{.handshakes_per_second_before_load = ~std::uint32_t{0}}},
      loaded{DeviceOptions{.handshakes_per_second_before_load = 0}};
  Collect initiator_out, responder_out, loaded_out;
  const Endpoint initiator_ep = endpoint("10.85.0.1:40000"), responder_ep = endpoint("10.85.0.2:51820"),
                 stranger_ep = endpoint("203.0.113.7:6666"), stranger6_ep = endpoint("[2001:db8::7]:7777");
  Peer* initiator_peer = nullptr;  // the responder, as the initiator sees it
  Peer* responder_peer = nullptr;  // the initiator, as the responder sees it
  std::uint64_t next_counter = 1;  // for packets we seal as the initiator

  World() {
    require(randombytes_set_implementation(&scripted_implementation) == 0 && sodium_init() >= 0,
            "libsodium");
    scripted.indices = {test::initiator_sender_index, test::responder_sender_index};
    scripted.keys = {test::initiator_ephemeral_private_key, test::responder_ephemeral_private_key};

    const crypto::PublicKey ipub{test::initiator_public_key}, rpub{test::responder_public_key};
    const crypto::PublicKey other{{0x42, 0x42}};  // a third peer; never talks
    initiator.set_private_key(secret(test::initiator_private_key));
    initiator_peer = initiator.add_peer(rpub);
    initiator.set_preshared_key(*initiator_peer, secret(test::preshared_key));
    initiator.set_endpoint(*initiator_peer, responder_ep);
    initiator.allowed_ips().insert(prefix("10.84.0.2/32"), initiator_peer->id);

    responder.set_private_key(secret(test::responder_private_key));
    responder_peer = responder.add_peer(ipub);
    responder.set_preshared_key(*responder_peer, secret(test::preshared_key));
    responder.allowed_ips().insert(prefix("10.84.0.1/32"), responder_peer->id);
    responder.allowed_ips().insert(prefix("fd84::/64"), responder_peer->id);
    const PeerId other_id = responder.add_peer(other)->id;
    responder.allowed_ips().insert(prefix("10.84.0.0/24"), other_id);
    responder.allowed_ips().insert(prefix("fd84::/16"), other_id);

    loaded.set_private_key(secret(test::responder_private_key));
    loaded.set_preshared_key(*loaded.add_peer(ipub), secret(test::preshared_key));

    // The recording: ping 10.84.0.2 stages the echo request and starts the handshake.
    const std::size_t echo = 84;
    std::vector<std::uint8_t> packet(Device::headroom + echo + Device::tailroom);
    std::copy_n(test::first_data_initiator_to_responder_plaintext.begin(), echo,
                packet.begin() + Device::headroom);
    require(!initiator.encrypt(packet, Device::headroom, echo, now, initiator_out), "staged");
    require(initiator_out.out.size() == 1 && equal(initiator_out.out[0].bytes, test::initiation),
            "initiation differs from the recording (did the draw order of randomness change?)");
    auto message = initiator_out.out[0].bytes;
    initiator_out.out.clear();
    require(responder.receive(message, initiator_ep, now, responder_out).empty() &&
                responder_out.out.size() == 1 && equal(responder_out.out[0].bytes, test::response),
            "response differs from the recording");
    message = responder_out.out[0].bytes;
    responder_out.out.clear();
    require(initiator.receive(message, responder_ep, now, initiator_out).empty() &&
                initiator_out.out.size() == 1 &&
                equal(initiator_out.out[0].bytes, test::first_data_initiator_to_responder),
            "first data message differs from the recording");
    message = initiator_out.out[0].bytes;
    initiator_out.out.clear();
    auto delivered = responder.receive(message, initiator_ep, now, responder_out);
    require(equal(delivered, std::span(test::first_data_initiator_to_responder_plaintext).first<84>()) &&
                responder.counters().handshakes_completed == 1,
            "responder did not deliver the echo request");
    require(scripted.indices.empty() && scripted.keys.empty(), "script not used up");
  }

  // Undo what the previous step may have changed in per-peer state, so that every step of
  // every input starts from the established session: windows fresh (the recorded counter-0
  // packets are acceptable again), endpoints home, the responder ready for the recorded
  // initiation (as if its last one came from a restart). Sessions never change: checked.
  void restore() {
    TUNKIT_FUZZ_CHECK(initiator_peer->current && initiator_peer->current->local_index == test::initiator_sender_index);
    TUNKIT_FUZZ_CHECK(responder_peer->current && responder_peer->current->local_index == test::responder_sender_index);
    initiator_peer->current->replay.reset();
    responder_peer->current->replay.reset();
    initiator_peer->endpoint = responder_ep;
    responder_peer->endpoint = initiator_ep;
    responder_peer->last_timestamp.reset();
    responder_peer->last_initiation_consumed.reset();
    initiator_out.out.clear(), responder_out.out.clear(), loaded_out.out.clear();
  }

  // Device::receive plus the invariants that hold for every datagram.
  std::span<std::uint8_t> receive(Device& device, std::span<std::uint8_t> datagram, const Endpoint& from,
                                  Collect& out, bool (*allows)(Bytes)) {
    const DeviceCounters before = device.counters();
    auto got = device.receive(datagram, from, now, out);
    const DeviceCounters& after = device.counters();
    TUNKIT_FUZZ_CHECK(counters_grow(before, after));
    TUNKIT_FUZZ_CHECK(drops(after) - drops(before) <= 1);
    if (!got.empty()) {
      // The plaintext sits right after the data header, the tag after it.
      TUNKIT_FUZZ_CHECK(datagram.size() >= data::min_size);
      TUNKIT_FUZZ_CHECK(got.data() == datagram.data() + data::header_size);
      TUNKIT_FUZZ_CHECK(got.size() <= datagram.size() - data::min_size);
      TUNKIT_FUZZ_CHECK(drops(after) == drops(before));
      TUNKIT_FUZZ_CHECK(allows != nullptr && allows(got));
    }
    return got;
  }

  // An authentic data message from the initiator with the next counter.
  std::vector<std::uint8_t> seal(Bytes plaintext) {
    Keypair& k = *initiator_peer->current;
    const std::uint64_t counter = next_counter++;
    std::vector<std::uint8_t> d(data::min_size + plaintext.size());
    store_type(d.data(), MessageType::data);
    store_le32(d.data() + data::receiver, k.remote_index);
    store_le64(d.data() + data::counter, counter);
    std::copy(plaintext.begin(), plaintext.end(), d.begin() + data::header_size);
    k.send.seal(counter, std::span(d).subspan(data::header_size, plaintext.size()), {},
                std::span<std::uint8_t, 16>(d.data() + d.size() - 16, 16));
    return d;
  }
};

// The recorded initiation with any mac2: mac2 is only checked under load, so it is authentic.
bool authentic_initiation(Bytes m) {
  return m.size() == initiation::size && std::equal(m.begin(), m.begin() + initiation::mac2, test::initiation.begin());
}

void raw(World& w, Bytes in) {
  // Responder, from a stranger's address: only the recorded initiation or data may roam it.
  w.restore();
  std::vector<std::uint8_t> buffer(in.begin(), in.end());
  auto got = w.receive(w.responder, buffer, w.stranger_ep, w.responder_out, responder_allows);
  const bool data_ok = equal(in, test::first_data_initiator_to_responder);
  const bool init_ok = authentic_initiation(in);
  if (!got.empty())
    TUNKIT_FUZZ_CHECK(data_ok && equal(got, std::span(test::first_data_initiator_to_responder_plaintext).first<84>()));
  TUNKIT_FUZZ_CHECK(data_ok == !got.empty());
  TUNKIT_FUZZ_CHECK((*w.responder_peer->endpoint == w.stranger_ep) == (data_ok || init_ok));
  TUNKIT_FUZZ_CHECK(w.responder_out.out.size() == (init_ok ? 1u : 0u));

  // Initiator: only the recorded echo reply authenticates; it never answers anything.
  w.restore();
  buffer.assign(in.begin(), in.end());
  got = w.receive(w.initiator, buffer, w.stranger_ep, w.initiator_out, initiator_allows);
  const bool reply_ok = equal(in, test::first_data_responder_to_initiator);
  if (!got.empty())
    TUNKIT_FUZZ_CHECK(reply_ok && equal(got, std::span(test::first_data_responder_to_initiator_plaintext).first<84>()));
  TUNKIT_FUZZ_CHECK(reply_ok == !got.empty());
  TUNKIT_FUZZ_CHECK((*w.initiator_peer->endpoint == w.stranger_ep) == reply_ok);
  TUNKIT_FUZZ_CHECK(w.initiator_out.out.empty());

  // Under load: a cookie reply for a handshake with a valid mac1, nothing else, ever.
  buffer.assign(in.begin(), in.end());
  got = w.receive(w.loaded, buffer, w.stranger_ep, w.loaded_out, nullptr);
  TUNKIT_FUZZ_CHECK(got.empty());
  TUNKIT_FUZZ_CHECK(w.loaded_out.out.size() == (init_ok ? 1u : 0u));
  for (const Sent& s : w.loaded_out.out) {
    TUNKIT_FUZZ_CHECK(s.to == w.stranger_ep && s.bytes.size() == cookie_reply::size);
    TUNKIT_FUZZ_CHECK(classify(s.bytes) == MessageType::cookie_reply);
    TUNKIT_FUZZ_CHECK(std::equal(s.bytes.begin() + 4, s.bytes.begin() + 8, in.begin() + initiation::sender));
  }
}

// Up to 8 (offset, xor) edits from the input's first 16 bytes.
std::vector<std::uint8_t> edited(Bytes base, Bytes in) {
  std::vector<std::uint8_t> out(base.begin(), base.end());
  for (std::size_t i = 0; i + 1 < std::min<std::size_t>(in.size(), 16); i += 2) out[in[i] % out.size()] ^= in[i + 1];
  return out;
}

void forged(World& w, Bytes in) {
  w.restore();
  const auto& echo = test::first_data_initiator_to_responder_plaintext;
  const auto good = w.seal(echo);
  auto forged = edited(good, in);
  const bool changed = forged != good;
  const auto rx = w.responder_peer->rx_bytes;
  const auto before = w.responder.counters();
  auto got = w.receive(w.responder, forged, w.stranger_ep, w.responder_out, responder_allows);
  if (changed) {
    // Anything but the sealed bytes is a counted drop with no effect on the peer.
    TUNKIT_FUZZ_CHECK(got.empty());
    TUNKIT_FUZZ_CHECK(drops(w.responder.counters()) == drops(before) + 1);
    TUNKIT_FUZZ_CHECK(*w.responder_peer->endpoint == w.initiator_ep);
    TUNKIT_FUZZ_CHECK(w.responder_peer->rx_bytes == rx);
  } else {
    TUNKIT_FUZZ_CHECK(equal(got, std::span(echo).first<84>()));
    TUNKIT_FUZZ_CHECK(*w.responder_peer->endpoint == w.stranger_ep);
    TUNKIT_FUZZ_CHECK(w.responder_peer->rx_bytes == rx + good.size());
  }
  TUNKIT_FUZZ_CHECK(w.responder_out.out.empty());
}

void tampered(World& w, Bytes in) {
  w.restore();
  const auto message = edited(test::initiation, in);
  // mac1 covers everything before it; mac2 is not checked when not under load.
  const bool authentic = authentic_initiation(message);
  Keypair* const next_before = w.responder_peer->next.get();
  auto copy = message;
  auto got = w.receive(w.responder, copy, w.stranger_ep, w.responder_out, responder_allows);
  TUNKIT_FUZZ_CHECK(got.empty());
  if (authentic) {
    TUNKIT_FUZZ_CHECK(w.responder_out.out.size() == 1);
    const Sent& r = w.responder_out.out[0];
    TUNKIT_FUZZ_CHECK(r.to == w.stranger_ep && classify(r.bytes) == MessageType::response);
    TUNKIT_FUZZ_CHECK(load_le32(r.bytes.data() + response::receiver) == test::initiator_sender_index);
    TUNKIT_FUZZ_CHECK(*w.responder_peer->endpoint == w.stranger_ep);
    TUNKIT_FUZZ_CHECK(w.responder_peer->next && w.responder_peer->next.get() != next_before);
    // The same initiation again is a replay: refused, nothing sent, nothing changed. Twice:
    // at once (the 50 ms flood limit alone would refuse it), then as if the limit had
    // passed, so the TAI64N rule is checked on its own.
    w.responder_out.out.clear();
    Keypair* const next_after = w.responder_peer->next.get();
    for (int attempt = 0; attempt < 2; ++attempt) {
      if (attempt == 1) w.responder_peer->last_initiation_consumed.reset();
      const auto replayed = w.responder.counters().handshake_replayed;
      copy = message;
      TUNKIT_FUZZ_CHECK(w.receive(w.responder, copy, w.initiator_ep, w.responder_out, responder_allows).empty());
      TUNKIT_FUZZ_CHECK(w.responder.counters().handshake_replayed == replayed + 1);
      TUNKIT_FUZZ_CHECK(w.responder_out.out.empty() && w.responder_peer->next.get() == next_after);
      TUNKIT_FUZZ_CHECK(*w.responder_peer->endpoint == w.stranger_ep);
    }
  } else {
    TUNKIT_FUZZ_CHECK(w.responder_out.out.empty());
    TUNKIT_FUZZ_CHECK(*w.responder_peer->endpoint == w.initiator_ep);
    TUNKIT_FUZZ_CHECK(w.responder_peer->next.get() == next_before);
  }
  // Under load, the same message earns a cookie reply iff its mac1 is valid.
  copy = message;
  TUNKIT_FUZZ_CHECK(w.receive(w.loaded, copy, w.stranger_ep, w.loaded_out, nullptr).empty());
  TUNKIT_FUZZ_CHECK(w.loaded_out.out.size() == (authentic ? 1u : 0u));
}

// What the responder must do with an authentic plaintext from the initiator, from the IP
// headers' length fields (RFC 791 total length, RFC 8200 payload length + 40) and the
// cryptokey routing above.
enum class Expect { keepalive, deliver, bad_inner_packet, disallowed_source };
Expect expect(Bytes p, std::size_t& length) {
  if (p.empty()) return Expect::keepalive;
  switch (p[0] >> 4) {
    case 4:
      if (p.size() < 20) return Expect::bad_inner_packet;
      length = std::size_t{p[2]} << 8 | p[3];
      if (length < 20 || length > p.size()) return Expect::bad_inner_packet;
      break;
    case 6:
      if (p.size() < 40) return Expect::bad_inner_packet;
      length = 40 + (std::size_t{p[4]} << 8 | p[5]);
      if (length > p.size()) return Expect::bad_inner_packet;
      break;
    default:
      return Expect::bad_inner_packet;
  }
  return responder_allows(p) ? Expect::deliver : Expect::disallowed_source;
}

void sealed(World& w, Bytes in) {
  w.restore();
  const auto message = w.seal(in);
  auto buffer = message;
  const auto before = w.responder.counters();
  const auto rx = w.responder_peer->rx_bytes;
  auto got = w.receive(w.responder, buffer, w.stranger6_ep, w.responder_out, responder_allows);
  const auto& after = w.responder.counters();
  std::size_t length = 0;
  switch (expect(in, length)) {
    case Expect::keepalive:
      TUNKIT_FUZZ_CHECK(got.empty() && drops(after) == drops(before));
      break;
    case Expect::deliver:
      TUNKIT_FUZZ_CHECK(got.size() == length && std::equal(got.begin(), got.end(), in.begin()));
      break;
    case Expect::bad_inner_packet:
      TUNKIT_FUZZ_CHECK(got.empty() && after.bad_inner_packet == before.bad_inner_packet + 1);
      break;
    case Expect::disallowed_source:
      TUNKIT_FUZZ_CHECK(got.empty() && after.disallowed_source == before.disallowed_source + 1);
      break;
  }
  // Authenticated, so the peer roams and is credited, whatever the inner packet was.
  TUNKIT_FUZZ_CHECK(*w.responder_peer->endpoint == w.stranger6_ep);
  TUNKIT_FUZZ_CHECK(w.responder_peer->rx_bytes == rx + message.size());
  TUNKIT_FUZZ_CHECK(w.responder_out.out.empty());
  // Once only: the same datagram again is a replay.
  buffer = message;
  const auto replayed = w.responder.counters().replayed;
  TUNKIT_FUZZ_CHECK(w.receive(w.responder, buffer, w.initiator_ep, w.responder_out, responder_allows).empty());
  TUNKIT_FUZZ_CHECK(w.responder.counters().replayed == replayed + 1);
  TUNKIT_FUZZ_CHECK(*w.responder_peer->endpoint == w.stranger6_ep);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static World& world = *new World;  // lives for the process; devices are not copyable
  const Bytes in(data, size);
  raw(world, in);
  if (size >= 2) {
    forged(world, in);
    tampered(world, in);
  }
  sealed(world, in);
  return 0;
}
