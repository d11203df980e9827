// `set` semantics against the device core, as wg(8) and wireguard-go define them.
#include "tunkit/wg/configure.hpp"

#include <gtest/gtest.h>

#include "tunkit/crypto/x25519.hpp"

namespace tunkit::wg {
namespace {

struct NoSend : Sink {
  int sent = 0;
  void send(const Endpoint&, std::span<const std::uint8_t>) override { ++sent; }
};

crypto::PublicKey new_public() { return crypto::public_key(crypto::generate_private_key()); }
IpPrefix prefix(std::string_view text) { return *IpPrefix::parse(text); }

struct Configure : ::testing::Test {
  Device device;
  NoSend sink;
  Now now{};
  crypto::PublicKey p1 = new_public(), p2 = new_public();

  void set(SetRequest request) { apply(device, request, now, sink); }
  PeerChange change(const crypto::PublicKey& key, std::vector<std::string_view> ips = {}) {
    PeerChange c;
    c.public_key = key;
    for (auto ip : ips) c.allowed_ips.push_back(prefix(ip));
    return c;
  }
};

TEST_F(Configure, PeersAllowedIpsAndStatusRoundTrip) {
  SetRequest r;
  r.private_key = crypto::generate_private_key();
  r.peers.push_back(change(p1, {"10.0.0.0/24", "fd00::/64"}));
  r.peers.back().endpoint = Endpoint::parse("192.0.2.1:51820");
  r.peers.back().persistent_keepalive_interval = 25;
  r.peers.push_back(change(p2, {"10.0.1.7/24"}));
  set(std::move(r));
  const DeviceStatus s = status(device);
  ASSERT_EQ(s.peers.size(), 2u);
  EXPECT_EQ(s.peers[0].public_key, p1);
  EXPECT_EQ(s.peers[0].allowed_ips, (std::vector{prefix("10.0.0.0/24"), prefix("fd00::/64")}));
  EXPECT_EQ(s.peers[0].endpoint, Endpoint::parse("192.0.2.1:51820"));
  EXPECT_EQ(s.peers[0].persistent_keepalive_interval, 25);
  EXPECT_EQ(s.peers[1].allowed_ips, std::vector{prefix("10.0.1.0/24")});  // masked, as wg shows it
  EXPECT_EQ(sink.sent, 1);  // turning persistent keepalive on sends one (here: an initiation)
}

TEST_F(Configure, ReplaceAllowedIpsDropsOnlyThatPeersPrefixes) {
  SetRequest r;
  r.peers = {change(p1, {"10.0.0.0/24"}), change(p2, {"10.0.1.0/24"})};
  set(r);
  SetRequest again;
  again.peers = {change(p1, {"10.9.0.0/16"})};
  again.peers[0].replace_allowed_ips = true;
  set(again);
  EXPECT_EQ(device.allowed_ips().prefixes_of(device.find_peer(p1)->id), std::vector{prefix("10.9.0.0/16")});
  EXPECT_EQ(device.allowed_ips().prefixes_of(device.find_peer(p2)->id), std::vector{prefix("10.0.1.0/24")});
}

TEST_F(Configure, APrefixClaimedAgainMovesToTheNewPeer) {
  SetRequest r;
  r.peers = {change(p1, {"10.0.0.0/24"}), change(p2, {"10.0.0.0/24"})};
  set(r);
  EXPECT_EQ(device.allowed_ips().lookup(*IpAddress::parse("10.0.0.5")), device.find_peer(p2)->id);
  EXPECT_TRUE(device.allowed_ips().prefixes_of(device.find_peer(p1)->id).empty());
}

TEST_F(Configure, UpdateOnlyRemoveAndReplacePeers) {
  SetRequest r;
  r.peers = {change(p1)};
  r.peers[0].update_only = true;  // unknown peer: nothing happens
  set(r);
  EXPECT_EQ(device.find_peer(p1), nullptr);
  r.peers[0].update_only = false;
  set(r);
  ASSERT_NE(device.find_peer(p1), nullptr);
  SetRequest remove;
  remove.peers = {change(p1)};
  remove.peers[0].remove = true;
  set(remove);
  EXPECT_EQ(device.find_peer(p1), nullptr);
  SetRequest two;
  two.peers = {change(p1, {"10.0.0.0/24"}), change(p2)};
  set(two);
  SetRequest replace;
  replace.replace_peers = true;
  replace.peers = {change(p2)};
  set(replace);
  EXPECT_EQ(device.find_peer(p1), nullptr);
  EXPECT_NE(device.find_peer(p2), nullptr);
  EXPECT_FALSE(device.allowed_ips().lookup(*IpAddress::parse("10.0.0.1")));  // p1's routes went with it
}

TEST_F(Configure, ZeroPrivateKeyRemovesItAndOwnKeyIsNotAPeer) {
  auto key = crypto::generate_private_key();
  const auto own = crypto::public_key(key);
  SetRequest r;
  r.private_key = key;
  r.peers = {change(own, {"10.0.0.0/24"})};
  set(r);
  EXPECT_TRUE(status(device).peers.empty());
  EXPECT_TRUE(device.identity());
  SetRequest zero;
  zero.private_key = crypto::PrivateKey{};
  set(zero);
  EXPECT_FALSE(device.identity());
  EXPECT_FALSE(status(device).private_key);
}

TEST_F(Configure, PresharedKeyIsStoredAndReported) {
  crypto::PresharedKey psk;
  psk.data()[0] = 7;
  SetRequest r;
  r.peers = {change(p1)};
  r.peers[0].preshared_key = psk;
  set(r);
  EXPECT_EQ(status(device).peers[0].preshared_key, psk);
}

}  // namespace
}  // namespace tunkit::wg
