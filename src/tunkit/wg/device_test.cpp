// The protocol core between two Devices over an in-memory "network", on a virtual clock:
// handshakes both ways, data, replay, cookies under load, every timer of the WireGuard
// paper §6, roaming, cryptokey routing in both directions.
#include "tunkit/wg/device.hpp"

#include <gtest/gtest.h>

#include <deque>
#include <vector>

#include "tunkit/crypto/x25519.hpp"
#include "tunkit/wg/messages.hpp"

namespace tunkit::wg {
namespace {

using namespace std::chrono_literals;

struct Sent {
  Endpoint to;
  std::vector<std::uint8_t> bytes;
};

struct Collect : Sink {
  std::deque<Sent> out;
  void send(const Endpoint& to, std::span<const std::uint8_t> bytes) override {
    out.push_back({to, {bytes.begin(), bytes.end()}});
  }
};

Endpoint ep(std::string_view text) { return *Endpoint::parse(text); }
IpPrefix prefix(std::string_view text) { return *IpPrefix::parse(text); }

// An IPv4/UDP packet from `src` to `dst` with `payload_size` payload bytes (checksums
// are not the core's business).
std::vector<std::uint8_t> ipv4_packet(std::string_view src, std::string_view dst, std::size_t payload_size) {
  const std::size_t total = 20 + 8 + payload_size;
  std::vector<std::uint8_t> p(total, 0xab);
  p[0] = 0x45, p[1] = 0;
  p[2] = static_cast<std::uint8_t>(total >> 8), p[3] = static_cast<std::uint8_t>(total);
  p[8] = 64, p[9] = 17;
  auto s = *IpAddress::parse(src), d = *IpAddress::parse(dst);
  std::copy_n(s.bytes.begin(), 4, p.begin() + 12);
  std::copy_n(d.bytes.begin(), 4, p.begin() + 16);
  return p;
}

// Two devices, A (10.0.0.1, at 192.0.2.1:1000) and B (10.0.0.2, at 192.0.2.2:2000).
struct Pair : ::testing::Test {
  Device a, b;
  Collect a_out, b_out;
  Now now{Instant{} + 1000s, SystemTime{} + std::chrono::hours(24 * 365 * 50)};
  crypto::PrivateKey a_key = crypto::generate_private_key(), b_key = crypto::generate_private_key();
  crypto::PublicKey a_pub = crypto::public_key(a_key), b_pub = crypto::public_key(b_key);
  Endpoint a_ep = ep("192.0.2.1:1000"), b_ep = ep("192.0.2.2:2000");
  std::vector<std::vector<std::uint8_t>> a_delivered, b_delivered;

  void SetUp() override { configure(); }
  void configure(DeviceOptions b_options = {}) {
    b.~Device();
    new (&b) Device(b_options);
    a.set_private_key(a_key);
    b.set_private_key(b_key);
    Peer* pb = a.add_peer(b_pub);
    a.set_endpoint(*pb, b_ep);
    a.allowed_ips().insert(prefix("10.0.0.2/32"), pb->id);
    Peer* pa = b.add_peer(a_pub);
    b.set_endpoint(*pa, a_ep);
    b.allowed_ips().insert(prefix("10.0.0.1/32"), pa->id);
  }
  void advance(Duration d) {
    now.mono += d;
    now.wall += std::chrono::duration_cast<SystemTime::duration>(d);
  }

  // A sends an IP packet; returns true if it left at once (a session existed).
  bool a_sends(std::vector<std::uint8_t> packet) { return sends(a, a_out, std::move(packet)); }
  bool b_sends(std::vector<std::uint8_t> packet) { return sends(b, b_out, std::move(packet)); }
  bool sends(Device& d, Collect& out, std::vector<std::uint8_t> packet) {
    std::vector<std::uint8_t> buffer(Device::headroom + packet.size() + Device::tailroom);
    std::copy(packet.begin(), packet.end(), buffer.begin() + Device::headroom);
    auto datagram = d.encrypt(buffer, Device::headroom, packet.size(), now, out);
    if (!datagram) return false;
    out.out.push_back({datagram->to, {datagram->bytes.begin(), datagram->bytes.end()}});
    return true;
  }
  // Delivers everything in flight both ways until quiet; returns datagrams moved.
  int pump(int max_rounds = 10) {
    int moved = 0;
    for (int round = 0; round < max_rounds && (!a_out.out.empty() || !b_out.out.empty()); ++round) {
      moved += deliver(a_out, b, b_out, a_ep, b_delivered);
      moved += deliver(b_out, a, a_out, b_ep, a_delivered);
    }
    return moved;
  }
  int deliver(Collect& from_out, Device& to, Collect& to_out, const Endpoint& source,
              std::vector<std::vector<std::uint8_t>>& delivered) {
    int moved = 0;
    auto batch = std::move(from_out.out);
    from_out.out.clear();
    for (auto& sent : batch) {
      ++moved;
      auto packet = to.receive(sent.bytes, source, now, to_out);
      if (!packet.empty()) delivered.emplace_back(packet.begin(), packet.end());
    }
    return moved;
  }
  Peer& a_peer() { return *a.find_peer(b_pub); }
  Peer& b_peer() { return *b.find_peer(a_pub); }
};

TEST_F(Pair, FirstPacketIsStagedAndDeliveredAfterTheHandshake) {
  EXPECT_FALSE(a_sends(ipv4_packet("10.0.0.1", "10.0.0.2", 100)));
  ASSERT_EQ(a_out.out.size(), 1u);
  EXPECT_EQ(a_out.out[0].bytes.size(), initiation::size);
  EXPECT_EQ(a_out.out[0].to, b_ep);
  pump();
  ASSERT_EQ(b_delivered.size(), 1u);
  EXPECT_EQ(b_delivered[0], ipv4_packet("10.0.0.1", "10.0.0.2", 100));
  EXPECT_EQ(a.counters().handshakes_completed, 1u);
  EXPECT_EQ(b.counters().handshakes_completed, 1u);  // confirmed by A's data
  ASSERT_TRUE(a_peer().last_handshake);
  EXPECT_EQ(*a_peer().last_handshake, now.wall);
  // Now both sides send at once, and tx of one equals rx of the other.
  EXPECT_TRUE(b_sends(ipv4_packet("10.0.0.2", "10.0.0.1", 1000)));
  EXPECT_TRUE(a_sends(ipv4_packet("10.0.0.1", "10.0.0.2", 10)));
  pump();
  EXPECT_EQ(a_delivered.size(), 1u);
  EXPECT_EQ(b_delivered.size(), 2u);
  EXPECT_EQ(a_peer().tx_bytes, b_peer().rx_bytes);
  EXPECT_EQ(b_peer().tx_bytes, a_peer().rx_bytes);
}

TEST_F(Pair, SimultaneousInitiationsBothCompleteAtOnce) {
  // Both ends initiate before either hears the other (a mesh starting up). Each answers the
  // other's initiation and must still accept the response to its own: data flows both ways
  // without waiting REKEY_TIMEOUT for a retry.
  EXPECT_FALSE(a_sends(ipv4_packet("10.0.0.1", "10.0.0.2", 100)));
  EXPECT_FALSE(b_sends(ipv4_packet("10.0.0.2", "10.0.0.1", 200)));
  ASSERT_EQ(a_out.out.size(), 1u);
  ASSERT_EQ(b_out.out.size(), 1u);
  ASSERT_EQ(a_out.out[0].bytes.size(), initiation::size);
  ASSERT_EQ(b_out.out[0].bytes.size(), initiation::size);
  pump();
  ASSERT_EQ(b_delivered.size(), 1u);
  EXPECT_EQ(b_delivered[0], ipv4_packet("10.0.0.1", "10.0.0.2", 100));
  ASSERT_EQ(a_delivered.size(), 1u);
  EXPECT_EQ(a_delivered[0], ipv4_packet("10.0.0.2", "10.0.0.1", 200));
  EXPECT_EQ(a.counters().handshake_failed, 0u);
  EXPECT_EQ(b.counters().handshake_failed, 0u);
  // Each side's own (initiator) session is current; the other's still opens as previous.
  EXPECT_TRUE(a_sends(ipv4_packet("10.0.0.1", "10.0.0.2", 10)));
  EXPECT_TRUE(b_sends(ipv4_packet("10.0.0.2", "10.0.0.1", 20)));
  pump();
  EXPECT_EQ(a_delivered.size(), 2u);
  EXPECT_EQ(b_delivered.size(), 2u);
}

TEST_F(Pair, ResponderCanInitiateToo) {
  EXPECT_FALSE(b_sends(ipv4_packet("10.0.0.2", "10.0.0.1", 60)));
  pump();
  ASSERT_EQ(a_delivered.size(), 1u);
  EXPECT_TRUE(b_peer().current && b_peer().current->initiator);
  EXPECT_TRUE(a_peer().current && !a_peer().current->initiator);
}

TEST_F(Pair, DatagramIsPaddedToSixteenAndCarriesHeaderAndTag) {
  a_sends(ipv4_packet("10.0.0.1", "10.0.0.2", 1));
  pump();
  ASSERT_TRUE(a_sends(ipv4_packet("10.0.0.1", "10.0.0.2", 1)));  // 29-byte packet
  EXPECT_EQ(a_out.out.back().bytes.size(), 16u + 32u + 16u);
  EXPECT_EQ(a_out.out.back().bytes[0], 4);
}

TEST_F(Pair, ReplayedDataIsDropped) {
  a_sends(ipv4_packet("10.0.0.1", "10.0.0.2", 10));
  pump();
  ASSERT_TRUE(a_sends(ipv4_packet("10.0.0.1", "10.0.0.2", 10)));
  auto copy = a_out.out.back().bytes;
  pump();
  const auto rx = b_peer().rx_bytes;
  EXPECT_TRUE(b.receive(copy, a_ep, now, b_out).empty());
  EXPECT_EQ(b.counters().replayed, 1u);
  EXPECT_EQ(b_peer().rx_bytes, rx);
}

TEST_F(Pair, ReplayedFromElsewhereDoesNotMoveTheEndpoint) {
  a_sends(ipv4_packet("10.0.0.1", "10.0.0.2", 10));
  pump();
  ASSERT_TRUE(a_sends(ipv4_packet("10.0.0.1", "10.0.0.2", 10)));
  auto copy = a_out.out.back().bytes;
  pump();
  EXPECT_TRUE(b.receive(copy, ep("203.0.113.9:9999"), now, b_out).empty());
  EXPECT_EQ(*b_peer().endpoint, a_ep);
}

TEST_F(Pair, AuthenticatedDataFromANewAddressRoams) {
  a_sends(ipv4_packet("10.0.0.1", "10.0.0.2", 10));
  pump();
  ASSERT_TRUE(a_sends(ipv4_packet("10.0.0.1", "10.0.0.2", 10)));
  auto sent = a_out.out.back().bytes;
  a_out.out.clear();
  EXPECT_FALSE(b.receive(sent, ep("198.51.100.7:4444"), now, b_out).empty());
  EXPECT_EQ(*b_peer().endpoint, ep("198.51.100.7:4444"));
  EXPECT_TRUE(b_sends(ipv4_packet("10.0.0.2", "10.0.0.1", 10)));
  EXPECT_EQ(b_out.out.back().to, ep("198.51.100.7:4444"));
}

TEST_F(Pair, ForgedOrTruncatedDataIsACountedDrop) {
  a_sends(ipv4_packet("10.0.0.1", "10.0.0.2", 10));
  pump();
  ASSERT_TRUE(a_sends(ipv4_packet("10.0.0.1", "10.0.0.2", 10)));
  auto good = a_out.out.back().bytes;
  a_out.out.clear();
  for (std::size_t i = 16; i < good.size(); ++i) {  // every byte of ciphertext and tag
    auto forged = good;
    forged[i] ^= 0x01;
    EXPECT_TRUE(b.receive(forged, a_ep, now, b_out).empty()) << i;
  }
  EXPECT_EQ(b.counters().decrypt_failed, good.size() - 16);
  auto truncated = std::vector<std::uint8_t>(good.begin(), good.begin() + 31);
  EXPECT_TRUE(b.receive(truncated, a_ep, now, b_out).empty());
  EXPECT_EQ(b.counters().malformed, 1u);
  auto bad_index = good;
  bad_index[4] ^= 0xff;
  EXPECT_TRUE(b.receive(bad_index, a_ep, now, b_out).empty());
  EXPECT_EQ(b.counters().unknown_index, 1u);
  // The untouched original still decrypts: nothing above consumed its counter.
  EXPECT_FALSE(b.receive(good, a_ep, now, b_out).empty());
}

TEST_F(Pair, InnerSourceOutsideAllowedIpsIsDropped) {
  a.allowed_ips().insert(prefix("10.0.0.0/24"), a_peer().id);
  a_sends(ipv4_packet("10.0.0.1", "10.0.0.2", 10));
  pump();
  ASSERT_EQ(b_delivered.size(), 1u);
  a_sends(ipv4_packet("10.0.0.77", "10.0.0.2", 10));  // B allows only 10.0.0.1 from A
  pump();
  EXPECT_EQ(b_delivered.size(), 1u);
  EXPECT_EQ(b.counters().disallowed_source, 1u);
}

TEST_F(Pair, DestinationInNobodysAllowedIpsIsDropped) {
  EXPECT_FALSE(a_sends(ipv4_packet("10.0.0.1", "10.9.9.9", 10)));
  EXPECT_TRUE(a_out.out.empty());
  EXPECT_EQ(a.counters().no_route, 1u);
}

TEST_F(Pair, WrongPublicKeyNeverCompletesAHandshake) {
  // B believes A has another key: A's initiation decrypts to a stranger's static key.
  b.remove_peer(a_pub);
  Peer* stranger = b.add_peer(crypto::public_key(crypto::generate_private_key()));
  b.allowed_ips().insert(prefix("10.0.0.1/32"), stranger->id);
  a_sends(ipv4_packet("10.0.0.1", "10.0.0.2", 10));
  pump();
  EXPECT_EQ(b.counters().handshake_failed, 1u);
  EXPECT_TRUE(b_delivered.empty());
  EXPECT_FALSE(a_peer().current);
}

TEST_F(Pair, InitiationToAnotherKeyFailsMac1) {
  Device c;
  c.set_private_key(crypto::generate_private_key());
  c.add_peer(a_pub);
  a_sends(ipv4_packet("10.0.0.1", "10.0.0.2", 10));
  Collect c_out;
  c.receive(a_out.out.front().bytes, a_ep, now, c_out);
  EXPECT_EQ(c.counters().bad_mac1, 1u);
  EXPECT_TRUE(c_out.out.empty());
}

TEST_F(Pair, ReplayedInitiationIsRefused) {
  a_sends(ipv4_packet("10.0.0.1", "10.0.0.2", 10));
  auto initiation = a_out.out.front().bytes;
  pump();
  advance(1s);
  EXPECT_TRUE(b.receive(initiation, a_ep, now, b_out).empty());
  EXPECT_EQ(b.counters().handshake_replayed, 1u);
  EXPECT_TRUE(b_out.out.empty());  // no response, no new state
}

TEST_F(Pair, UnderLoadAHandshakeWithoutCookieGetsACookieReplyThenSucceeds) {
  DeviceOptions always_loaded;
  always_loaded.handshakes_per_second_before_load = 0;
  configure(always_loaded);
  a_sends(ipv4_packet("10.0.0.1", "10.0.0.2", 10));
  pump();
  EXPECT_EQ(b.counters().cookie_replies_sent, 1u);
  EXPECT_EQ(a.counters().cookie_replies_accepted, 1u);
  EXPECT_TRUE(b_delivered.empty());
  EXPECT_EQ(b_peer().rx_bytes, 0u);  // no per-peer state touched
  // The retransmission after REKEY_TIMEOUT carries mac2 and is answered.
  advance(rekey_timeout + rekey_timeout_jitter_max);
  a.tick(now, a_out);
  pump();
  EXPECT_EQ(b.counters().cookie_replies_sent, 1u);
  ASSERT_EQ(b_delivered.size(), 1u);
}

TEST_F(Pair, ForgedCookieReplyIsRejected) {
  a_sends(ipv4_packet("10.0.0.1", "10.0.0.2", 10));
  std::array<std::uint8_t, 64> reply{};
  reply[0] = 3;
  std::copy_n(a_out.out.front().bytes.begin() + 4, 4, reply.begin() + 4);
  a.receive(reply, b_ep, now, a_out);
  EXPECT_EQ(a.counters().cookie_replies_accepted, 0u);
  EXPECT_EQ(a.counters().handshake_failed, 1u);
}

TEST_F(Pair, HandshakeIsRetransmittedThenGivenUp) {
  a_sends(ipv4_packet("10.0.0.1", "10.0.0.2", 10));
  a_out.out.clear();  // B never hears
  int initiations = 1;
  for (int i = 0; i < 40; ++i) {
    advance(rekey_timeout + rekey_timeout_jitter_max);
    a.tick(now, a_out);
    initiations += static_cast<int>(a_out.out.size());
    a_out.out.clear();
  }
  // The first try plus MAX_TIMER_HANDSHAKES retries, then silence; staged packet dropped.
  EXPECT_EQ(initiations, 1 + max_timer_handshakes + 1);
  EXPECT_TRUE(a_peer().staged.empty());
  EXPECT_EQ(a.counters().staged_dropped, 1u);
}

TEST_F(Pair, KeepaliveFollowsReceivedDataWhenWeHaveNothingToSay) {
  a_sends(ipv4_packet("10.0.0.1", "10.0.0.2", 10));
  pump();
  ASSERT_EQ(b_delivered.size(), 1u);
  advance(keepalive_timeout - 1s);
  b.tick(now, b_out);
  EXPECT_TRUE(b_out.out.empty());
  advance(1s);
  b.tick(now, b_out);
  ASSERT_EQ(b_out.out.size(), 1u);
  EXPECT_EQ(b_out.out[0].bytes.size(), data::min_size);
  pump();
  EXPECT_TRUE(a_delivered.empty());  // a keepalive delivers nothing
}

TEST_F(Pair, SilenceAfterSendingStartsANewHandshake) {
  a_sends(ipv4_packet("10.0.0.1", "10.0.0.2", 10));
  pump();
  advance(20s);
  b.tick(now, b_out);  // B's keepalive is lost
  b_out.out.clear();
  ASSERT_TRUE(a_sends(ipv4_packet("10.0.0.1", "10.0.0.2", 10)));
  a_out.out.clear();  // lost too; A hears nothing back
  advance(keepalive_timeout + rekey_timeout + rekey_timeout_jitter_max);
  a.tick(now, a_out);
  ASSERT_EQ(a_out.out.size(), 1u);
  EXPECT_EQ(a_out.out[0].bytes.size(), initiation::size);
}

TEST_F(Pair, InitiatorRekeysAfterRekeyAfterTime) {
  a_sends(ipv4_packet("10.0.0.1", "10.0.0.2", 10));
  pump();
  const auto first = a_peer().current->local_index;
  for (int i = 0; i < 13; ++i) {  // keep traffic flowing both ways for 130 s
    advance(10s);
    a_sends(ipv4_packet("10.0.0.1", "10.0.0.2", 10));
    b_sends(ipv4_packet("10.0.0.2", "10.0.0.1", 10));
    pump();
    a.tick(now, a_out), b.tick(now, b_out);
    pump();
  }
  EXPECT_NE(a_peer().current->local_index, first);
  EXPECT_GE(a.counters().handshakes_completed, 2u);
  EXPECT_EQ(b_delivered.size(), 14u);  // nothing lost across the rotation
  EXPECT_EQ(a_delivered.size(), 13u);
}

TEST_F(Pair, RekeyAfterMessagesStartsAHandshakeWhileDataStillFlows) {
  a_sends(ipv4_packet("10.0.0.1", "10.0.0.2", 10));
  pump();
  b_sends(ipv4_packet("10.0.0.2", "10.0.0.1", 10));  // B, the responder, may use its key
  pump();
  b_peer().current->send_counter = rekey_after_messages + 1;
  a_out.out.clear(), b_out.out.clear();
  EXPECT_TRUE(b_sends(ipv4_packet("10.0.0.2", "10.0.0.1", 10)));  // still sent on the old key...
  ASSERT_EQ(b_out.out.size(), 2u);  // ...and an initiation went out with it
  EXPECT_EQ(b_out.out[0].bytes.size(), initiation::size);
  pump();
  EXPECT_EQ(a_delivered.size(), 2u);
  EXPECT_EQ(b.counters().handshakes_completed, 2u);
}

TEST_F(Pair, RejectAfterMessagesStopsTheKeyAndStagesUntilANewOne) {
  a_sends(ipv4_packet("10.0.0.1", "10.0.0.2", 10));
  pump();
  a_peer().current->send_counter = reject_after_messages;
  EXPECT_FALSE(a_sends(ipv4_packet("10.0.0.1", "10.0.0.2", 10)));  // staged, not sent
  ASSERT_EQ(a_out.out.size(), 0u);  // the last initiation was under REKEY_TIMEOUT ago
  advance(rekey_timeout);
  a.tick(now, a_out);
  EXPECT_FALSE(a_sends(ipv4_packet("10.0.0.1", "10.0.0.2", 11)));
  pump();
  ASSERT_EQ(b_delivered.size(), 3u);  // both staged packets, after the new handshake
  EXPECT_EQ(b_delivered[2], ipv4_packet("10.0.0.1", "10.0.0.2", 11));
}

TEST_F(Pair, InitiatorRekeysOnReceiveNearRejectAfterTime) {
  a_sends(ipv4_packet("10.0.0.1", "10.0.0.2", 10));
  pump();
  // Only B talks; A (the session's initiator) never sends data, so only the receive-side
  // rule can refresh the key before REJECT_AFTER_TIME.
  advance(keepalive_timeout);
  b.tick(now, b_out);  // B's keepalive tells A it was heard: no "stopped hearing back" rekey
  pump();
  advance(reject_after_time - 2 * keepalive_timeout - rekey_timeout + 1s);
  a.tick(now, a_out), b.tick(now, b_out);
  ASSERT_TRUE(a_out.out.empty());
  ASSERT_TRUE(b_out.out.empty());
  ASSERT_TRUE(b_sends(ipv4_packet("10.0.0.2", "10.0.0.1", 10)));
  deliver(b_out, a, a_out, b_ep, a_delivered);
  ASSERT_FALSE(a_out.out.empty());
  EXPECT_EQ(a_out.out.back().bytes.size(), initiation::size);
  EXPECT_TRUE(a_peer().sent_last_minute_handshake);
}

TEST_F(Pair, OldSessionStopsAtRejectAfterTimeAndKeysAreZeroedLater) {
  a_sends(ipv4_packet("10.0.0.1", "10.0.0.2", 10));
  pump();
  ASSERT_TRUE(a_sends(ipv4_packet("10.0.0.1", "10.0.0.2", 10)));
  auto late = a_out.out.back().bytes;
  a_out.out.clear();
  advance(reject_after_time);
  EXPECT_TRUE(b.receive(late, a_ep, now, b_out).empty());
  EXPECT_EQ(b.counters().expired_keypair, 1u);
  advance(3 * reject_after_time);
  a.tick(now, a_out), b.tick(now, b_out);
  EXPECT_FALSE(a_peer().current);
  EXPECT_FALSE(b_peer().current);
}

TEST_F(Pair, PersistentKeepaliveSendsOnItsInterval) {
  a_sends(ipv4_packet("10.0.0.1", "10.0.0.2", 10));
  pump();
  a.set_persistent_keepalive(a_peer(), 25, now, a_out);
  ASSERT_EQ(a_out.out.size(), 1u);  // turning it on sends one now
  pump();
  advance(keepalive_timeout);
  b.tick(now, b_out);  // B acknowledges A's data with a keepalive
  pump();
  for (int i = 0; i < 3; ++i) {
    advance(25s);
    a.tick(now, a_out);
    EXPECT_EQ(a_out.out.size(), 1u) << i;
    EXPECT_EQ(a_out.out.back().bytes.size(), data::min_size);
    a_out.out.clear();
  }
}

TEST_F(Pair, RemovedPeerLosesItsRoutesAndIndices) {
  a_sends(ipv4_packet("10.0.0.1", "10.0.0.2", 10));
  pump();
  ASSERT_TRUE(a_sends(ipv4_packet("10.0.0.1", "10.0.0.2", 10)));
  auto data_packet = a_out.out.back().bytes;
  b.remove_peer(a_pub);
  EXPECT_TRUE(b.receive(data_packet, a_ep, now, b_out).empty());
  EXPECT_EQ(b.counters().unknown_index, 1u);
  EXPECT_FALSE(b.allowed_ips().lookup(*IpAddress::parse("10.0.0.1")));
}

TEST_F(Pair, ChangingThePrivateKeyEndsSessions) {
  a_sends(ipv4_packet("10.0.0.1", "10.0.0.2", 10));
  pump();
  a.set_private_key(crypto::generate_private_key());
  EXPECT_FALSE(a_peer().current);
  EXPECT_FALSE(a_sends(ipv4_packet("10.0.0.1", "10.0.0.2", 10)));  // staged, new handshake
}

TEST(DevicePeers, OwnPublicKeyIsNotAPeer) {
  Device d;
  auto key = crypto::generate_private_key();
  const auto pub = crypto::public_key(key);
  d.set_private_key(std::move(key));
  EXPECT_EQ(d.add_peer(pub), nullptr);
}

}  // namespace
}  // namespace tunkit::wg
