#include "tunkit/wg/configure.hpp"

#include <chrono>

namespace tunkit::wg {

void apply(Device& device, const SetRequest& request, const Now& now, Sink& sink) {
  if (request.private_key) {
    if (request.private_key->is_zero())
      device.set_private_key(std::nullopt);
    else
      device.set_private_key(*request.private_key);
  }
  if (request.replace_peers) device.remove_all_peers();
  for (const PeerChange& change : request.peers) {
    if (change.remove) {
      device.remove_peer(change.public_key);
      continue;
    }
    Peer* peer = device.find_peer(change.public_key);
    if (peer == nullptr) {
      if (change.update_only) continue;
      peer = device.add_peer(change.public_key);
      if (peer == nullptr) continue;  // our own key
    }
    if (change.preshared_key) device.set_preshared_key(*peer, *change.preshared_key);
    if (change.endpoint) device.set_endpoint(*peer, *change.endpoint);
    if (change.replace_allowed_ips) device.allowed_ips().remove_peer(peer->id);
    for (const IpPrefix& prefix : change.allowed_ips) device.allowed_ips().insert(prefix, peer->id);
    // Last, so that a keepalive sent on turning it on already knows the endpoint.
    if (change.persistent_keepalive_interval)
      device.set_persistent_keepalive(*peer, *change.persistent_keepalive_interval, now, sink);
  }
}

DeviceStatus status(const Device& device) {
  DeviceStatus out;
  if (device.identity()) out.private_key = device.identity()->private_key;
  for (const auto& peer : device.peers()) {
    PeerStatus p;
    p.public_key = peer->public_key;
    p.preshared_key = peer->preshared_key;
    p.endpoint = peer->endpoint;
    if (peer->last_handshake) {
      const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                          peer->last_handshake->time_since_epoch())
                          .count();
      p.last_handshake_sec = ns / 1'000'000'000;
      p.last_handshake_nsec = ns % 1'000'000'000;
    }
    p.rx_bytes = peer->rx_bytes;
    p.tx_bytes = peer->tx_bytes;
    p.persistent_keepalive_interval = peer->persistent_keepalive;
    p.allowed_ips = device.allowed_ips().prefixes_of(peer->id);
    out.peers.push_back(std::move(p));
  }
  return out;
}

}  // namespace tunkit::wg
