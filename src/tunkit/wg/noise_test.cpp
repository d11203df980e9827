// Noise_IKpsk2 as WireGuard builds it, checked against a handshake recorded between two
// wireguard-go instances (recorded_handshake_test.hpp): with the same keys, ephemerals,
// indices and timestamp we must produce the same bytes, and read theirs.
#include "tunkit/wg/noise.hpp"

#include <gtest/gtest.h>

#include <algorithm>

#include "tunkit/crypto/x25519.hpp"
#include "tunkit/wg/cookie.hpp"
#include "tunkit/wg/messages.hpp"
#include "tunkit/wg/recorded_handshake_test.hpp"

namespace tunkit::wg {
namespace {

namespace rec = test;

LocalIdentity identity(const std::array<std::uint8_t, 32>& private_key) {
  LocalIdentity id;
  id.private_key = crypto::PrivateKey(private_key);
  id.public_key = crypto::public_key(id.private_key);
  return id;
}
crypto::PublicKey public_of(const std::array<std::uint8_t, 32>& bytes) {
  crypto::PublicKey key;
  key.bytes = bytes;
  return key;
}
const Instant kNow = Instant{} + std::chrono::seconds(1000);

TEST(WireguardRecordedHandshake, KeysAreTheRecordedPairs) {
  EXPECT_EQ(identity(rec::initiator_private_key).public_key.bytes, rec::initiator_public_key);
  EXPECT_EQ(identity(rec::responder_private_key).public_key.bytes, rec::responder_public_key);
}

TEST(WireguardRecordedHandshake, InitiationIsByteIdenticalToWireguardGos) {
  const auto initiator = identity(rec::initiator_private_key);
  const auto responder = public_of(rec::responder_public_key);
  const auto ss = *crypto::x25519(initiator.private_key, responder);
  const crypto::PrivateKey ephemeral(rec::initiator_ephemeral_private_key);
  Handshake hs;
  std::array<std::uint8_t, initiation::size> message{};
  ASSERT_TRUE(hs.create_initiation(initiator, responder, ss, rec::initiator_sender_index,
                                   rec::initiation_timestamp, message, &ephemeral));
  CookieGenerator macs(responder);
  macs.add_macs(message, kNow);
  EXPECT_EQ(message, rec::initiation);
}

TEST(WireguardRecordedHandshake, ResponderReadsTheInitiationAndAnswersIdentically) {
  const auto responder = identity(rec::responder_private_key);
  const auto initiator = public_of(rec::initiator_public_key);
  CookieChecker checker(responder.public_key);
  ASSERT_TRUE(checker.check_mac1(rec::initiation));
  const auto ss = *crypto::x25519(responder.private_key, initiator);
  auto consumed = Handshake::consume_initiation(responder, rec::initiation,
                                                [&](const crypto::PublicKey& key) -> const SharedSecret* {
                                                  return key == initiator ? &ss : nullptr;
                                                });
  ASSERT_TRUE(consumed);
  EXPECT_EQ(consumed->peer_static, initiator);
  EXPECT_EQ(consumed->timestamp, rec::initiation_timestamp);
  EXPECT_EQ(consumed->remote_index, rec::initiator_sender_index);

  Handshake hs;
  hs.accept(std::move(*consumed), initiator);
  const crypto::PrivateKey ephemeral(rec::responder_ephemeral_private_key);
  const crypto::PresharedKey psk(rec::preshared_key);
  std::array<std::uint8_t, response::size> message{};
  ASSERT_TRUE(hs.create_response(psk, rec::responder_sender_index, message, &ephemeral));
  CookieGenerator macs(initiator);
  macs.add_macs(message, kNow);
  EXPECT_EQ(message, rec::response);

  // The responder's keys mirror the initiator's, and open the recorded data packet.
  auto keys = hs.derive_session();
  ASSERT_TRUE(keys);
  EXPECT_FALSE(keys->initiator);
  EXPECT_TRUE(std::ranges::equal(keys->receive.bytes(), rec::initiator_send_key));
  EXPECT_TRUE(std::ranges::equal(keys->send.bytes(), rec::initiator_receive_key));
  auto packet = rec::first_data_initiator_to_responder;
  std::span<std::uint8_t> text(packet.data() + 16, packet.size() - 32);
  ASSERT_TRUE(crypto::open(keys->receive, load_le64(packet.data() + 8), text, {},
                           std::span<const std::uint8_t, 16>(packet.data() + packet.size() - 16, 16)));
  EXPECT_TRUE(std::ranges::equal(text, rec::first_data_initiator_to_responder_plaintext));
}

TEST(WireguardRecordedHandshake, InitiatorReadsTheResponseAndDerivesTheRecordedKeys) {
  const auto initiator = identity(rec::initiator_private_key);
  const auto responder = public_of(rec::responder_public_key);
  const auto ss = *crypto::x25519(initiator.private_key, responder);
  const crypto::PrivateKey ephemeral(rec::initiator_ephemeral_private_key);
  Handshake hs;
  std::array<std::uint8_t, initiation::size> message{};
  ASSERT_TRUE(hs.create_initiation(initiator, responder, ss, rec::initiator_sender_index,
                                   rec::initiation_timestamp, message, &ephemeral));
  ASSERT_TRUE(CookieChecker(initiator.public_key).check_mac1(rec::response));
  ASSERT_TRUE(hs.consume_response(initiator, crypto::PresharedKey(rec::preshared_key), rec::response));
  EXPECT_EQ(hs.remote_index(), rec::responder_sender_index);
  auto keys = hs.derive_session();
  ASSERT_TRUE(keys);
  EXPECT_TRUE(keys->initiator);
  EXPECT_TRUE(std::ranges::equal(keys->send.bytes(), rec::initiator_send_key));
  EXPECT_TRUE(std::ranges::equal(keys->receive.bytes(), rec::initiator_receive_key));
  EXPECT_EQ(hs.stage(), Handshake::Stage::zeroed);  // the handshake forgets its secrets
}

TEST(WireguardRecordedHandshake, WrongPresharedKeyFailsTheResponse) {
  const auto initiator = identity(rec::initiator_private_key);
  const auto responder = public_of(rec::responder_public_key);
  const auto ss = *crypto::x25519(initiator.private_key, responder);
  const crypto::PrivateKey ephemeral(rec::initiator_ephemeral_private_key);
  Handshake hs;
  std::array<std::uint8_t, initiation::size> message{};
  ASSERT_TRUE(hs.create_initiation(initiator, responder, ss, rec::initiator_sender_index,
                                   rec::initiation_timestamp, message, &ephemeral));
  EXPECT_FALSE(hs.consume_response(initiator, crypto::PresharedKey{}, rec::response));
  EXPECT_EQ(hs.stage(), Handshake::Stage::initiation_created);  // unchanged, may still succeed
  EXPECT_TRUE(hs.consume_response(initiator, crypto::PresharedKey(rec::preshared_key), rec::response));
}

TEST(WireguardRecordedHandshake, EveryAlteredInitiationByteIsRefused) {
  const auto responder = identity(rec::responder_private_key);
  const auto initiator = public_of(rec::initiator_public_key);
  const auto ss = *crypto::x25519(responder.private_key, initiator);
  auto lookup = [&](const crypto::PublicKey& key) -> const SharedSecret* { return key == initiator ? &ss : nullptr; };
  // Bytes 8..116 are the ephemeral and the two AEAD fields: each is authenticated.
  for (std::size_t i = initiation::ephemeral; i < initiation::mac1; ++i) {
    auto forged = rec::initiation;
    forged[i] ^= 0x40;
    EXPECT_FALSE(Handshake::consume_initiation(responder, forged, lookup)) << "byte " << i;
  }
  // The sender index is not authenticated by Noise but by mac1.
  CookieChecker checker(responder.public_key);
  for (std::size_t i = 0; i < initiation::mac1; ++i) {
    auto forged = rec::initiation;
    forged[i] ^= 0x01;
    EXPECT_FALSE(checker.check_mac1(forged)) << "byte " << i;
  }
}

TEST(WireguardRecordedHandshake, StrangerIsRefusedBeforeTheSecondDh) {
  const auto responder = identity(rec::responder_private_key);
  bool asked = false;
  auto consumed = Handshake::consume_initiation(responder, rec::initiation,
                                                [&](const crypto::PublicKey&) -> const SharedSecret* {
                                                  asked = true;
                                                  return nullptr;
                                                });
  EXPECT_TRUE(asked);
  EXPECT_FALSE(consumed);
}

TEST(WireguardTai64n, LabelIsTwoToTheSixtyTwoPlusSecondsAndNanosAreCoarse) {
  using namespace std::chrono;
  const auto t = tai64n(system_clock::time_point(seconds(1'700'000'000) + nanoseconds(123'456'789)));
  const std::uint64_t label = (std::uint64_t{1} << 62) + 1'700'000'000;
  for (int i = 0; i < 8; ++i) EXPECT_EQ(t[static_cast<std::size_t>(i)], static_cast<std::uint8_t>(label >> (56 - 8 * i)));
  const std::uint32_t nanos = std::uint32_t{t[8]} << 24 | std::uint32_t{t[9]} << 16 | std::uint32_t{t[10]} << 8 | t[11];
  EXPECT_EQ(nanos % (1u << 24), 0u);
  EXPECT_LE(nanos, 123'456'789u);
  EXPECT_GT(nanos + (1u << 24), 123'456'789u);
  EXPECT_TRUE(is_after(tai64n(system_clock::time_point(seconds(1'700'000'001))), t));
}

}  // namespace
}  // namespace tunkit::wg
