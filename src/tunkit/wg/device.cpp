#include "tunkit/wg/device.hpp"

#include <algorithm>
#include <cstring>

#include "tunkit/crypto/random.hpp"
#include "tunkit/crypto/x25519.hpp"
#include "tunkit/wg/messages.hpp"
#include "tunkit/wg/tai64n.hpp"

namespace tunkit::wg {

namespace {

// The IP address and port of `endpoint` as cookie input A_m.
struct SourceBytes {
  std::array<std::uint8_t, 18> bytes{};
  std::size_t size = 0;
  std::span<const std::uint8_t> span() const noexcept { return {bytes.data(), size}; }
};
SourceBytes source_of(const Endpoint& endpoint) noexcept {
  SourceBytes s;
  const std::size_t n = endpoint.address.size();
  std::memcpy(s.bytes.data(), endpoint.address.bytes.data(), n);
  s.bytes[n] = static_cast<std::uint8_t>(endpoint.port >> 8);
  s.bytes[n + 1] = static_cast<std::uint8_t>(endpoint.port);
  s.size = n + 2;
  return s;
}

bool keypair_usable(const Keypair& k, std::uint64_t counter, const Now& now) noexcept {
  return now.mono - k.created < reject_after_time && counter < reject_after_messages;
}

// Padding to a multiple of 16 that never makes the plaintext larger than the MTU
// (the WireGuard paper §5.4.6; wireguard-go's calculatePaddingSize).
std::size_t padded_size(std::size_t length, std::size_t mtu) noexcept {
  std::size_t last_unit = length;
  if (mtu != 0 && length > mtu) last_unit %= mtu;
  std::size_t padded = (last_unit + 15) & ~std::size_t{15};
  if (mtu != 0 && padded > mtu) padded = mtu;
  return length + (padded > last_unit ? padded - last_unit : 0);
}

// The length an IPv4/IPv6 packet claims and its source address; nullopt if `p` is not one.
struct InnerPacket {
  std::size_t length;
  IpFamily family;
  std::span<const std::uint8_t> source;
};
std::optional<InnerPacket> inner_packet(std::span<const std::uint8_t> p) noexcept {
  if (p.empty()) return std::nullopt;
  switch (p[0] >> 4) {
    case 4: {
      if (p.size() < 20) return std::nullopt;
      const std::size_t total = std::size_t{p[2]} << 8 | p[3];
      if (total < 20 || total > p.size()) return std::nullopt;
      return InnerPacket{total, IpFamily::v4, p.subspan(12, 4)};
    }
    case 6: {
      if (p.size() < 40) return std::nullopt;
      const std::size_t total = 40 + (std::size_t{p[4]} << 8 | p[5]);
      if (total > p.size()) return std::nullopt;
      return InnerPacket{total, IpFamily::v6, p.subspan(8, 16)};
    }
    default:
      return std::nullopt;
  }
}

std::optional<std::span<const std::uint8_t>> destination_of(std::span<const std::uint8_t> p,
                                                            IpFamily& family) noexcept {
  if (p.empty()) return std::nullopt;
  if ((p[0] >> 4) == 4 && p.size() >= 20) {
    family = IpFamily::v4;
    return p.subspan(16, 4);
  }
  if ((p[0] >> 4) == 6 && p.size() >= 40) {
    family = IpFamily::v6;
    return p.subspan(24, 16);
  }
  return std::nullopt;
}

template <class T>
void earliest(std::optional<Instant>& best, const std::optional<T>& t) noexcept {
  if (t && (!best || *t < *best)) best = *t;
}

}  // namespace

Device::Device(DeviceOptions options) : options_(options) {}

// --- configuration ----------------------------------------------------------------------

void Device::set_private_key(std::optional<crypto::PrivateKey> key) {
  if (key) crypto::clamp(*key);
  if (identity_ && key && identity_->private_key == *key) return;
  if (key) {
    LocalIdentity local;
    local.public_key = crypto::public_key(*key);
    local.private_key = std::move(*key);
    remove_peer(local.public_key);  // we are not our own peer
    cookie_checker_ = CookieChecker(local.public_key);
    identity_ = std::move(local);
  } else {
    identity_.reset();
  }
  for (auto& p : peers_) {
    zero_key_material(*p);
    auto ss = identity_ ? crypto::x25519(identity_->private_key, p->public_key) : std::nullopt;
    p->static_static = ss ? std::move(*ss) : SharedSecret{};
  }
}

Peer* Device::find_peer(const crypto::PublicKey& key) noexcept {
  auto it = peer_by_key_.find(key);
  return it == peer_by_key_.end() ? nullptr : peer_by_id_.at(it->second);
}

Peer* Device::peer(PeerId id) noexcept {
  auto it = peer_by_id_.find(id);
  return it == peer_by_id_.end() ? nullptr : it->second;
}

Peer* Device::add_peer(const crypto::PublicKey& key) {
  if (Peer* existing = find_peer(key)) return existing;
  if (identity_ && identity_->public_key == key) return nullptr;
  auto p = std::make_unique<Peer>();
  p->id = next_peer_id_++;
  p->public_key = key;
  p->cookies = CookieGenerator(key);
  if (identity_)
    if (auto ss = crypto::x25519(identity_->private_key, key)) p->static_static = std::move(*ss);
  Peer* raw = p.get();
  peer_by_key_[key] = raw->id;
  peer_by_id_[raw->id] = raw;
  peers_.push_back(std::move(p));
  return raw;
}

void Device::remove_peer(const crypto::PublicKey& key) {
  Peer* p = find_peer(key);
  if (p == nullptr) return;
  zero_key_material(*p);
  allowed_ips_.remove_peer(p->id);
  peer_by_key_.erase(key);
  peer_by_id_.erase(p->id);
  std::erase_if(peers_, [p](const auto& owned) { return owned.get() == p; });
}

void Device::remove_all_peers() {
  while (!peers_.empty()) remove_peer(peers_.back()->public_key);
}

void Device::set_preshared_key(Peer& peer, crypto::PresharedKey key) {
  peer.preshared_key = std::move(key);
}

void Device::set_persistent_keepalive(Peer& peer, std::uint16_t seconds, const Now& now, Sink& sink) {
  const bool starting = peer.persistent_keepalive == 0 && seconds != 0;
  peer.persistent_keepalive = seconds;
  if (seconds == 0) peer.persistent_keepalive_at.reset();
  if (starting && identity_) send_keepalive(peer, now, sink);
}

// --- indices and key material ------------------------------------------------------------

std::uint32_t Device::new_index(PeerId peer) {
  for (;;) {
    const std::uint32_t index = crypto::random_u32();
    if (indices_.try_emplace(index, IndexEntry{peer, nullptr}).second) return index;
  }
}

void Device::drop_keypair(std::unique_ptr<Keypair>& keypair) noexcept {
  if (!keypair) return;
  indices_.erase(keypair->local_index);
  keypair.reset();  // Secret members wipe the keys
}

void Device::clear_handshake(Peer& peer) noexcept {
  if (peer.handshake.stage() != Handshake::Stage::zeroed) {
    auto it = indices_.find(peer.handshake.local_index());
    if (it != indices_.end() && it->second.keypair == nullptr) indices_.erase(it);
  }
  peer.handshake.clear();
}

void Device::zero_key_material(Peer& peer) noexcept {
  drop_keypair(peer.previous);
  drop_keypair(peer.current);
  drop_keypair(peer.next);
  clear_handshake(peer);
  peer.zero_key_material_at.reset();
}

// --- receive -----------------------------------------------------------------------------

std::span<std::uint8_t> Device::receive(std::span<std::uint8_t> datagram, const Endpoint& from,
                                        const Now& now, Sink& sink) {
  const auto type = classify(datagram);
  if (!type) {
    ++counters_.malformed;
    return {};
  }
  switch (*type) {
    case MessageType::initiation:
    case MessageType::response: {
      if (!identity_ || !cookie_checker_.check_mac1(datagram)) {
        ++counters_.bad_mac1;
        return {};
      }
      // §5.4.7: under load, a handshake without a valid mac2 costs us only a cookie reply.
      if (under_load(now) && !cookie_checker_.check_mac2(datagram, source_of(from).span(), now.mono)) {
        std::array<std::uint8_t, cookie_reply::size> reply{};
        cookie_checker_.create_reply(datagram, source_of(from).span(), now.mono, reply);
        sink.send(from, reply);
        ++counters_.cookie_replies_sent;
        return {};
      }
      if (*type == MessageType::initiation)
        handle_initiation(datagram, from, now, sink);
      else
        handle_response(datagram, from, now, sink);
      return {};
    }
    case MessageType::cookie_reply:
      handle_cookie_reply(datagram, now);
      return {};
    case MessageType::data:
      return handle_data(datagram, from, now, sink);
  }
  return {};
}

bool Device::under_load(const Now& now) noexcept {
  if (options_.handshakes_per_second_before_load == 0) return true;
  if (now.mono - load_window_start_ >= 1s) {
    load_window_start_ = now.mono;
    load_window_count_ = 0;
  }
  if (++load_window_count_ > options_.handshakes_per_second_before_load) under_load_until_ = now.mono + 1s;
  return under_load_until_ && now.mono < *under_load_until_;
}

void Device::handle_initiation(std::span<std::uint8_t> message, const Endpoint& from, const Now& now,
                               Sink& sink) {
  auto initiation = Handshake::consume_initiation(
      *identity_, message.first<initiation::size>(),
      [this](const crypto::PublicKey& key) -> const SharedSecret* {
        Peer* p = find_peer(key);
        return p == nullptr ? nullptr : &p->static_static;
      });
  if (!initiation) {
    ++counters_.handshake_failed;
    return;
  }
  Peer& peer = *find_peer(initiation->peer_static);
  // A replayed initiation (timestamp not newer) or a flood from one peer is ignored.
  if ((peer.last_timestamp && !is_after(initiation->timestamp, *peer.last_timestamp)) ||
      (peer.last_initiation_consumed && now.mono - *peer.last_initiation_consumed < handshake_initiation_rate)) {
    ++counters_.handshake_replayed;
    return;
  }
  peer.last_timestamp = initiation->timestamp;
  peer.last_initiation_consumed = now.mono;
  // The responder's state lives only for this message: an initiation of ours still in
  // flight stays valid, so when both ends initiate at once each can still complete its
  // own handshake with the other's response (wireguard-go overwrites its one state here;
  // two such ends then both become responders and wait for a retry, which can repeat in
  // step every REKEY_TIMEOUT). The keypair we answer with becomes "next", which a later
  // initiator session keeps as "previous", so the peer's data under it still opens.
  Handshake responder;
  responder.accept(std::move(*initiation), peer.public_key);
  peer.endpoint = from;  // roaming: the source of an authenticated message
  peer.rx_bytes += message.size();
  on_authenticated_traversal(peer, now);
  on_authenticated_received(peer);

  // Message 2 at once; the session is "next" until the initiator's first data confirms it.
  std::array<std::uint8_t, response::size> reply{};
  const std::uint32_t index = new_index(peer.id);
  if (!responder.create_response(peer.preshared_key, index, reply)) {
    indices_.erase(index);
    ++counters_.handshake_failed;
    return;
  }
  peer.cookies.add_macs(reply, now.mono);
  auto keys = responder.derive_session();
  begin_session(peer, std::move(*keys), now);
  on_authenticated_traversal(peer, now);
  on_authenticated_sent(peer);
  send_to(peer, reply, sink);
}

void Device::handle_response(std::span<std::uint8_t> message, const Endpoint& from, const Now& now,
                             Sink& sink) {
  auto it = indices_.find(load_le32(message.data() + response::receiver));
  if (it == indices_.end() || it->second.keypair != nullptr) {
    ++counters_.unknown_index;
    return;
  }
  Peer& peer = *peer_by_id_.at(it->second.peer);
  if (peer.handshake.stage() != Handshake::Stage::initiation_created ||
      !peer.handshake.consume_response(*identity_, peer.preshared_key, message.first<response::size>())) {
    ++counters_.handshake_failed;
    return;
  }
  peer.endpoint = from;
  peer.rx_bytes += message.size();
  on_authenticated_traversal(peer, now);
  on_authenticated_received(peer);
  auto keys = peer.handshake.derive_session();
  begin_session(peer, std::move(*keys), now);
  on_handshake_complete(peer, now);
  // Confirm the session to the responder: staged packets, or a keepalive.
  send_keepalive(peer, now, sink);
}

void Device::handle_cookie_reply(std::span<std::uint8_t> message, const Now& now) {
  auto it = indices_.find(load_le32(message.data() + cookie_reply::receiver));
  if (it == indices_.end()) {
    ++counters_.unknown_index;
    return;
  }
  Peer& peer = *peer_by_id_.at(it->second.peer);
  if (peer.cookies.consume_reply(message.first<cookie_reply::size>(), now.mono))
    ++counters_.cookie_replies_accepted;
  else
    ++counters_.handshake_failed;
}

std::span<std::uint8_t> Device::handle_data(std::span<std::uint8_t> message, const Endpoint& from,
                                            const Now& now, Sink& sink) {
  auto it = indices_.find(load_le32(message.data() + data::receiver));
  if (it == indices_.end() || it->second.keypair == nullptr) {
    ++counters_.unknown_index;
    return {};
  }
  Peer& peer = *peer_by_id_.at(it->second.peer);
  Keypair& keypair = *it->second.keypair;
  const std::uint64_t counter = load_le64(message.data() + data::counter);
  if (!keypair_usable(keypair, counter, now)) {
    ++counters_.expired_keypair;
    return {};
  }
  if (!keypair.replay.could_accept(counter)) {
    ++counters_.replayed;
    return {};
  }
  auto text = message.subspan(data::header_size, message.size() - data::min_size);
  if (!keypair.receive.open(counter, text, {},
                    std::span<const std::uint8_t, 16>(message.data() + message.size() - 16, 16))) {
    ++counters_.decrypt_failed;
    return {};
  }
  // Only now, authenticated, may the counter move the window.
  if (!keypair.replay.check_and_update(counter)) {
    ++counters_.replayed;
    return {};
  }
  if (received_with_keypair(peer, &keypair)) {
    on_handshake_complete(peer, now);
    send_staged(peer, now, sink);
  }
  peer.endpoint = from;  // roaming
  peer.rx_bytes += message.size();
  // Keep the key fresh: an initiator whose session nears REJECT_AFTER_TIME rekeys now.
  if (!peer.sent_last_minute_handshake && peer.current && peer.current->initiator &&
      now.mono - peer.current->created > reject_after_time - keepalive_timeout - rekey_timeout) {
    peer.sent_last_minute_handshake = true;
    send_initiation(peer, false, now, sink);
  }
  on_authenticated_traversal(peer, now);
  on_authenticated_received(peer);
  if (text.empty()) return {};  // a keepalive

  auto inner = inner_packet(text);
  if (!inner) {
    ++counters_.bad_inner_packet;
    return {};
  }
  // Cryptokey routing, inbound: the source must be one of this peer's AllowedIPs.
  if (allowed_ips_.lookup(inner->family, inner->source) != peer.id) {
    ++counters_.disallowed_source;
    return {};
  }
  on_data_received(peer, now);
  return text.first(inner->length);
}

// --- sessions ------------------------------------------------------------------------------

void Device::begin_session(Peer& peer, SessionKeys keys, const Now& now) {
  auto keypair = std::make_unique<Keypair>(keys.send, keys.receive);
  keypair->local_index = keys.local_index;
  keypair->remote_index = keys.remote_index;
  keypair->created = now.mono;
  keypair->initiator = keys.initiator;
  indices_[keypair->local_index] = IndexEntry{peer.id, keypair.get()};
  if (keys.initiator) {
    // The initiator uses the new session at once; the old current becomes previous.
    if (peer.next) {
      drop_keypair(peer.previous);
      peer.previous = std::move(peer.next);
      drop_keypair(peer.current);
    } else {
      drop_keypair(peer.previous);
      peer.previous = std::move(peer.current);
    }
    peer.current = std::move(keypair);
  } else {
    // The responder waits for the initiator's first data packet (received_with_keypair).
    drop_keypair(peer.next);
    peer.next = std::move(keypair);
    drop_keypair(peer.previous);
  }
  peer.zero_key_material_at = now.mono + 3 * reject_after_time;  // timersSessionDerived
}

bool Device::received_with_keypair(Peer& peer, Keypair* keypair) noexcept {
  if (!peer.next || peer.next.get() != keypair) return false;
  drop_keypair(peer.previous);
  peer.previous = std::move(peer.current);
  peer.current = std::move(peer.next);
  return true;
}

// --- send --------------------------------------------------------------------------------

bool Device::can_send(const Peer& peer, const Now& now) const noexcept {
  return peer.current && peer.endpoint &&
         keypair_usable(*peer.current, peer.current->send_counter, now);
}

std::optional<Device::Datagram> Device::encrypt(std::span<std::uint8_t> buffer, std::size_t offset,
                                                std::size_t length, const Now& now, Sink& sink) {
  auto packet = buffer.subspan(offset, length);
  IpFamily family{};
  auto destination = destination_of(packet, family);
  const auto id = destination ? allowed_ips_.lookup(family, *destination) : std::nullopt;
  Peer* p = id ? peer(*id) : nullptr;
  if (p == nullptr || !identity_) {
    ++counters_.no_route;
    return std::nullopt;
  }
  Peer& target = *p;
  if (!target.endpoint) {
    ++counters_.no_endpoint;
    return std::nullopt;
  }
  if (!can_send(target, now) || !target.staged.empty()) {
    // No session yet (or packets already waiting: keep order): stage and shake hands.
    stage(target, packet);
    send_staged(target, now, sink);
    return std::nullopt;
  }
  auto bytes = seal_for(target, buffer, offset, length, now);
  target.tx_bytes += bytes.size();
  keep_key_fresh_sending(target, now, sink);
  return Datagram{*target.endpoint, bytes};
}

std::span<std::uint8_t> Device::seal_for(Peer& peer, std::span<std::uint8_t> buffer, std::size_t offset,
                                         std::size_t length, const Now& now) {
  Keypair& keypair = *peer.current;
  const std::size_t padded = padded_size(length, options_.mtu);
  std::memset(buffer.data() + offset + length, 0, padded - length);
  const std::uint64_t counter = keypair.send_counter++;
  std::uint8_t* header = buffer.data() + offset - data::header_size;
  store_type(header, MessageType::data);
  store_le32(header + data::receiver, keypair.remote_index);
  store_le64(header + data::counter, counter);
  keypair.send.seal(counter, buffer.subspan(offset, padded), {},
               std::span<std::uint8_t, 16>(buffer.data() + offset + padded, 16));
  on_authenticated_traversal(peer, now);
  on_authenticated_sent(peer);
  if (length != 0) on_data_sent(peer, now);
  return buffer.subspan(offset - data::header_size, data::header_size + padded + 16);
}

void Device::stage(Peer& peer, std::span<const std::uint8_t> packet) {
  if (peer.staged.size() >= options_.staged_packets_per_peer) {
    peer.staged.pop_front();
    ++counters_.staged_dropped;
  }
  std::vector<std::uint8_t> copy(headroom + packet.size() + tailroom);
  std::copy(packet.begin(), packet.end(), copy.begin() + headroom);  // a keepalive is empty
  copy.resize(headroom + packet.size());  // capacity keeps the tailroom
  peer.staged.push_back(std::move(copy));
}

void Device::send_staged(Peer& peer, const Now& now, Sink& sink) {
  if (peer.staged.empty()) return;
  if (!can_send(peer, now)) {
    send_initiation(peer, false, now, sink);
    return;
  }
  while (!peer.staged.empty()) {
    auto& packet = peer.staged.front();
    const std::size_t length = packet.size() - headroom;
    packet.resize(packet.size() + tailroom);
    auto bytes = seal_for(peer, packet, headroom, length, now);
    send_to(peer, bytes, sink);
    peer.staged.pop_front();
  }
  keep_key_fresh_sending(peer, now, sink);
}

void Device::keep_key_fresh_sending(Peer& peer, const Now& now, Sink& sink) {
  // An old or heavily used session is replaced before it must be rejected (§6.2); only its
  // initiator rekeys on time, so both ends do not start handshakes at once.
  if (peer.current && (peer.current->send_counter > rekey_after_messages ||
                       (peer.current->initiator && now.mono - peer.current->created > rekey_after_time)))
    send_initiation(peer, false, now, sink);
}

void Device::send_keepalive(Peer& peer, const Now& now, Sink& sink) {
  if (peer.staged.empty()) stage(peer, {});
  send_staged(peer, now, sink);
}

void Device::send_to(Peer& peer, std::span<const std::uint8_t> bytes, Sink& sink) {
  if (!peer.endpoint) {
    ++counters_.no_endpoint;
    return;
  }
  peer.tx_bytes += bytes.size();
  sink.send(*peer.endpoint, bytes);
}

void Device::send_initiation(Peer& peer, bool is_retry, const Now& now, Sink& sink) {
  if (!is_retry) peer.handshake_attempts = 0;
  if (peer.last_initiation_sent && now.mono - *peer.last_initiation_sent < rekey_timeout) return;
  if (!identity_ || !peer.endpoint) {
    ++counters_.no_endpoint;
    return;
  }
  std::array<std::uint8_t, initiation::size> message{};
  clear_handshake(peer);
  const std::uint32_t index = new_index(peer.id);
  if (!peer.handshake.create_initiation(*identity_, peer.public_key, peer.static_static, index,
                                        tai64n(now.wall), message)) {
    indices_.erase(index);
    ++counters_.handshake_failed;
    return;
  }
  peer.last_initiation_sent = now.mono;
  peer.cookies.add_macs(message, now.mono);
  on_authenticated_traversal(peer, now);
  on_authenticated_sent(peer);
  send_to(peer, message, sink);
  peer.retransmit_handshake_at = now.mono + rekey_timeout + jitter();  // timersHandshakeInitiated
}

// --- timers ------------------------------------------------------------------------------

Duration Device::jitter() const {
  return std::chrono::milliseconds(crypto::random_below(
      static_cast<std::uint32_t>(std::chrono::duration_cast<std::chrono::milliseconds>(rekey_timeout_jitter_max).count())));
}

void Device::on_data_sent(Peer& peer, const Now& now) {
  if (!peer.new_handshake_at) peer.new_handshake_at = now.mono + keepalive_timeout + rekey_timeout + jitter();
}

void Device::on_data_received(Peer& peer, const Now& now) {
  if (!peer.send_keepalive_at)
    peer.send_keepalive_at = now.mono + keepalive_timeout;
  else
    peer.need_another_keepalive = true;
}

void Device::on_authenticated_traversal(Peer& peer, const Now& now) noexcept {
  if (peer.persistent_keepalive != 0)
    peer.persistent_keepalive_at = now.mono + std::chrono::seconds(peer.persistent_keepalive);
}

void Device::on_handshake_complete(Peer& peer, const Now& now) {
  peer.retransmit_handshake_at.reset();
  peer.handshake_attempts = 0;
  peer.sent_last_minute_handshake = false;
  peer.last_handshake = now.wall;
  ++counters_.handshakes_completed;
}

void Device::tick(const Now& now, Sink& sink) {
  auto due = [&](std::optional<Instant>& at) {
    if (!at || *at > now.mono) return false;
    at.reset();
    return true;
  };
  for (std::size_t i = 0; i < peers_.size(); ++i) {
    Peer& peer = *peers_[i];
    if (due(peer.retransmit_handshake_at)) {
      if (peer.handshake_attempts > max_timer_handshakes) {
        // Give up after REKEY_ATTEMPT_TIME: drop what waited, forget keys later.
        peer.send_keepalive_at.reset();
        counters_.staged_dropped += peer.staged.size();
        peer.staged.clear();
        if (!peer.zero_key_material_at) peer.zero_key_material_at = now.mono + 3 * reject_after_time;
      } else {
        ++peer.handshake_attempts;
        send_initiation(peer, true, now, sink);
      }
    }
    if (due(peer.send_keepalive_at)) {
      send_keepalive(peer, now, sink);
      if (peer.need_another_keepalive) {
        peer.need_another_keepalive = false;
        peer.send_keepalive_at = now.mono + keepalive_timeout;
      }
    }
    // We sent data and heard nothing back for KEEPALIVE + REKEY_TIMEOUT: shake hands again.
    if (due(peer.new_handshake_at)) send_initiation(peer, false, now, sink);
    if (due(peer.zero_key_material_at)) zero_key_material(peer);
    if (due(peer.persistent_keepalive_at) && peer.persistent_keepalive != 0) send_keepalive(peer, now, sink);
  }
}

std::optional<Instant> Device::next_deadline() const noexcept {
  std::optional<Instant> best;
  for (const auto& p : peers_) {
    earliest(best, p->retransmit_handshake_at);
    earliest(best, p->send_keepalive_at);
    earliest(best, p->new_handshake_at);
    earliest(best, p->zero_key_material_at);
    earliest(best, p->persistent_keepalive_at);
  }
  return best;
}

}  // namespace tunkit::wg
