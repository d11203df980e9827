#include "tunkit/crypto/x25519.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <set>
#include <string_view>

namespace tunkit::crypto {
namespace {

using Bytes32 = std::array<std::uint8_t, 32>;

// Test-only hex decoding (independent of the code under test).
Bytes32 hex32(std::string_view text) {
  Bytes32 out{};
  if (text.size() != 64) {
    ADD_FAILURE() << "need 64 hex digits, got " << text.size();
    return out;
  }
  auto digit = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    ADD_FAILURE() << "bad hex digit '" << c << "'";
    return 0;
  };
  for (std::size_t i = 0; i < 32; ++i)
    out[i] = static_cast<std::uint8_t>(digit(text[2 * i]) * 16 + digit(text[2 * i + 1]));
  return out;
}

PrivateKey private_key(std::string_view hex) { return PrivateKey(hex32(hex)); }
PublicKey public_key_of_hex(std::string_view hex) { return PublicKey{hex32(hex)}; }
Bytes32 bytes_of(const Secret<key_size>& s) {
  Bytes32 out{};
  std::copy(s.bytes().begin(), s.bytes().end(), out.begin());
  return out;
}

// RFC 7748 §5.2, first X25519 vector (scalar and u as printed, neither pre-clamped).
TEST(Rfc7748X25519, Section5_2FirstVector) {
  const auto shared = x25519(private_key("a546e36bf0527c9d3b16154b82465edd62144c0ac1fc5a18506a2244ba449ac4"),
                             public_key_of_hex("e6db6867583030db3594c1a424b15f7c726624ec26b3353b10a903a6d0ab1c4c"));
  ASSERT_TRUE(shared.has_value());
  EXPECT_EQ(bytes_of(*shared), hex32("c3da55379de9c6908e94ea4df28d084f32eccf03491c71f754b4075577a28552"));
}

// RFC 7748 §5.2, second vector. Its u ends in 0x93: the top bit is set, and §5 says it
// MUST be masked before decoding, so this also checks the masking.
TEST(Rfc7748X25519, Section5_2SecondVectorMasksTheTopBitOfU) {
  const auto shared = x25519(private_key("4b66e9d4d1b4673c5ad22691957d6af5c11b6421e0ea01d42ca4169e7918ba0d"),
                             public_key_of_hex("e5210f12786811d3f4b7959d0538ae2c31dbe7106fc03c3efc4cd549c715a493"));
  ASSERT_TRUE(shared.has_value());
  EXPECT_EQ(bytes_of(*shared), hex32("95cbde9476e8907d7aade45cb4b873f88b595a68799fa152e6f8f7647aac7957"));
}

// RFC 7748 §5.2, iterated: k = u = 9; each round k <- X25519(k, u), u <- old k.
// (The 1,000,000-iteration value is left out: minutes of CPU for no extra coverage.)
TEST(Rfc7748X25519, Section5_2IteratedOnceAndOneThousandTimes) {
  Bytes32 k{};
  k[0] = 9;
  Bytes32 u = k;
  for (int i = 1; i <= 1000; ++i) {
    const auto r = x25519(PrivateKey(k), PublicKey{u});
    ASSERT_TRUE(r.has_value()) << i;
    u = k;
    k = bytes_of(*r);
    if (i == 1) {
      EXPECT_EQ(k, hex32("422c8e7a6227d7bca1350b3e2bb7279f7897b87bb6854b783c60e80311ae3079"));
    }
  }
  EXPECT_EQ(k, hex32("684cf59ba83309552800ef566f2f4d3c1c3887c49360e3875f2eb94d99532c51"));
}

// RFC 7748 §6.1 (Curve25519 Diffie-Hellman test vector).
constexpr std::string_view kAlicePrivate = "77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a";
constexpr std::string_view kAlicePublic = "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a";
constexpr std::string_view kBobPrivate = "5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb";
constexpr std::string_view kBobPublic = "de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f";
constexpr std::string_view kShared = "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742";

TEST(Rfc7748X25519, Section6_1PublicKeysAreX25519OfTheBasePoint) {
  EXPECT_EQ(public_key(private_key(kAlicePrivate)).bytes, hex32(kAlicePublic));
  EXPECT_EQ(public_key(private_key(kBobPrivate)).bytes, hex32(kBobPublic));
}

TEST(Rfc7748X25519, Section6_1BothSidesDeriveTheSameSharedSecret) {
  const auto alice = x25519(private_key(kAlicePrivate), public_key_of_hex(kBobPublic));
  const auto bob = x25519(private_key(kBobPrivate), public_key_of_hex(kAlicePublic));
  ASSERT_TRUE(alice.has_value());
  ASSERT_TRUE(bob.has_value());
  EXPECT_EQ(bytes_of(*alice), hex32(kShared));
  EXPECT_EQ(bytes_of(*bob), hex32(kShared));
}

// RFC 7748 §6.1: "check whether the shared secret is the all-zero value and abort if so";
// WireGuard does the same. Low-order points give an all-zero result for every scalar.
// u = 0 and u = 1 are the obvious ones; the other three come from libsodium's small-order
// list (crypto_scalarmult/curve25519/ref10/x25519_ref10.c): two points of order 8 and
// p - 1. Python `cryptography` 48.0.0 confirms X25519(Alice, each) is all zero (it raises
// ValueError), so a wrapper that skipped the check would fail here.
TEST(Rfc7748X25519, Section6_1LowOrderPublicKeyIsRejected) {
  const PrivateKey alice = private_key(kAlicePrivate);
  for (std::string_view low : {"0000000000000000000000000000000000000000000000000000000000000000",
                               "0100000000000000000000000000000000000000000000000000000000000000",
                               "e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800",
                               "5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157",
                               "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"}) {
    EXPECT_FALSE(x25519(alice, public_key_of_hex(low)).has_value()) << low;
  }
}

// RFC 7748 §5 decodeScalar25519: clear bits 0-2, clear bit 255, set bit 254.
TEST(X25519Clamp, ClearsLowThreeBitsAndTopBitAndSetsBit254) {
  PrivateKey ones(hex32("ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"));
  clamp(ones);
  EXPECT_EQ(bytes_of(ones), hex32("f8ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"));
  PrivateKey zeros;
  clamp(zeros);
  EXPECT_EQ(bytes_of(zeros), hex32("0000000000000000000000000000000000000000000000000000000000000040"));
  PrivateKey alice = private_key(kAlicePrivate);  // 77 ... 2a: unclamped in the RFC
  clamp(alice);
  EXPECT_EQ(bytes_of(alice), hex32("70076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c6a"));
  // X25519 clamps anyway, so clamping does not change the public key.
  EXPECT_EQ(public_key(alice).bytes, hex32(kAlicePublic));
}

// `wg pubkey` (wireguard-tools v1.0.20210914, /usr/bin/wg on the build machine), run once:
//   echo //////////////////////////////////////////8= | wg pubkey
//     -> hHwNLDdSNPNl5mCVUYejc1oPdhPRYJ06ak2MU66qWiI=   (private key 32 x 0xff, unclamped)
//   echo AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8= | wg pubkey
//     -> j0DFrbaPJWJK5bIU6nZ6bslNgp09e14a0bpvPiE4KF8=   (private key 00 01 .. 1f)
// Below in hex (base64-decoded with Python's base64 module).
TEST(WgPubkeyInterop, PublicKeyOfUnclampedKeysMatchesWgPubkey) {
  EXPECT_EQ(public_key(private_key("ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff")).bytes,
            hex32("847c0d2c375234f365e660955187a3735a0f7613d1609d3a6a4d8c53aeaa5a22"));
  EXPECT_EQ(public_key(private_key("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f")).bytes,
            hex32("8f40c5adb68f25624ae5b214ea767a6ec94d829d3d7b5e1ad1ba6f3e2138285f"));
}

// x25519.hpp: generate_private_key() returns 32 random bytes clamped as RFC 7748 §5 says.
// 64 keys: an unclamped generator passes all three bit checks with probability 2^-320,
// and a constant one fails the distinctness check.
TEST(X25519GeneratePrivateKey, EveryKeyIsClampedAndKeysDiffer) {
  std::set<Bytes32> seen;
  for (int i = 0; i < 64; ++i) {
    const PrivateKey key = generate_private_key();
    const Bytes32 b = bytes_of(key);
    EXPECT_EQ(b[0] & 0x07, 0) << i;
    EXPECT_EQ(b[31] & 0x80, 0) << i;
    EXPECT_EQ(b[31] & 0x40, 0x40) << i;
    seen.insert(b);
  }
  EXPECT_EQ(seen.size(), 64u);
}

TEST(X25519GeneratePrivateKey, TwoGeneratedKeysAgreeOnASharedSecret) {
  const PrivateKey a = generate_private_key();
  const PrivateKey b = generate_private_key();
  const auto ab = x25519(a, public_key(b));
  const auto ba = x25519(b, public_key(a));
  ASSERT_TRUE(ab.has_value());
  ASSERT_TRUE(ba.has_value());
  EXPECT_TRUE(*ab == *ba);
  EXPECT_FALSE(ab->is_zero());
}

}  // namespace
}  // namespace tunkit::crypto
