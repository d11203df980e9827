#include "tunkit/crypto/key.hpp"

#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "tunkit/crypto/x25519.hpp"

namespace tunkit::crypto {
namespace {

using Bytes32 = std::array<std::uint8_t, 32>;

Bytes32 sequence32() {
  Bytes32 out{};
  for (std::size_t i = 0; i < out.size(); ++i) out[i] = static_cast<std::uint8_t>(i);
  return out;
}

// RFC 7748 §6.1 Alice's keys, written out byte by byte (independent of key_from_hex).
constexpr Bytes32 kAlicePrivate = {0x77, 0x07, 0x6d, 0x0a, 0x73, 0x18, 0xa5, 0x7d, 0x3c, 0x16, 0xc1,
                                   0x72, 0x51, 0xb2, 0x66, 0x45, 0xdf, 0x4c, 0x2f, 0x87, 0xeb, 0xc0,
                                   0x99, 0x2a, 0xb1, 0x77, 0xfb, 0xa5, 0x1d, 0xb9, 0x2c, 0x2a};
constexpr Bytes32 kAlicePublic = {0x85, 0x20, 0xf0, 0x09, 0x89, 0x30, 0xa7, 0x54, 0x74, 0x8b, 0x7d,
                                  0xdc, 0xb4, 0x3e, 0xf7, 0x5a, 0x0d, 0xbf, 0x3a, 0x0d, 0x26, 0x38,
                                  0x1a, 0xf4, 0xeb, 0xa4, 0xa9, 0x8e, 0xaa, 0x9b, 0x4e, 0x6a};

// Base64 of the same keys, from Python's base64.b64encode. `wg pubkey` (wireguard-tools
// v1.0.20210914, /usr/bin/wg on the build machine) was run once on the private one:
//   echo dwdtCnMYpX08FsFyUbJmRd9ML4frwJkqsXf7pR25LCo= | wg pubkey
//   hSDwCYkwp1R0i33ctD73Wg2/Og0mOBr066SpjqqbTmo=
// i.e. wg agrees with RFC 7748 §6.1 on Alice's public key.
constexpr std::string_view kAlicePrivateBase64 = "dwdtCnMYpX08FsFyUbJmRd9ML4frwJkqsXf7pR25LCo=";
constexpr std::string_view kAlicePublicBase64 = "hSDwCYkwp1R0i33ctD73Wg2/Og0mOBr066SpjqqbTmo=";

// ------------------------------------------------------------------------------ base64

TEST(WgKeyBase64, EncodesAsPythonAndWgDo) {
  EXPECT_EQ(to_base64(kAlicePrivate), kAlicePrivateBase64);
  EXPECT_EQ(to_base64(kAlicePublic), kAlicePublicBase64);
  EXPECT_EQ(to_base64(Bytes32{}), "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=");
  EXPECT_EQ(to_base64(sequence32()), "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=");
  Bytes32 ones;
  ones.fill(0xff);
  EXPECT_EQ(to_base64(ones), "//////////////////////////////////////////8=");
}

TEST(WgKeyBase64, DecodesWhatWgPrints) {
  EXPECT_EQ(key_from_base64(kAlicePrivateBase64), kAlicePrivate);
  EXPECT_EQ(key_from_base64(kAlicePublicBase64), kAlicePublic);
  EXPECT_EQ(key_from_base64("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="), sequence32());
}

TEST(WgKeyBase64, RoundTripsEveryByteValueInEveryPosition) {
  // Key v has byte (v + i) mod 256 at position i: across the 256 keys, every position
  // holds every value once.
  for (std::size_t v = 0; v < 256; ++v) {
    Bytes32 key{};
    for (std::size_t i = 0; i < key.size(); ++i) key[i] = static_cast<std::uint8_t>((v + i) & 0xff);
    const std::string text = to_base64(key);
    EXPECT_EQ(text.size(), 44u);
    EXPECT_EQ(key_from_base64(text), key) << text;
  }
}

// The whole chain a user sees: `wg genkey | wg pubkey` equals our key_from_base64 ->
// public_key -> to_base64.
TEST(WgPubkeyInterop, PrivateKeyFromBase64GivesWgsPublicKey) {
  const auto private_bytes = key_from_base64(kAlicePrivateBase64);
  ASSERT_TRUE(private_bytes.has_value());
  EXPECT_EQ(to_base64(public_key(PrivateKey(*private_bytes)).bytes), kAlicePublicBase64);
}

TEST(WgKeyBase64, RejectsWrongLength) {
  EXPECT_FALSE(key_from_base64(""));
  EXPECT_FALSE(key_from_base64(kAlicePrivateBase64.substr(0, 43)));  // '=' dropped
  EXPECT_FALSE(key_from_base64(std::string(kAlicePrivateBase64) + "="));  // 45
  EXPECT_FALSE(key_from_base64(std::string(kAlicePrivateBase64) + "\n"));  // 45, trailing newline
  EXPECT_FALSE(key_from_base64("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"));  // 48 = 36 bytes
}

TEST(WgKeyBase64, RejectsFortyFourCharactersThatAreNotThirtyTwoBytes) {
  // 44 characters without padding would be 33 bytes.
  EXPECT_FALSE(key_from_base64("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"));
  // "xx==" padding: 42 data characters are 31 bytes.
  EXPECT_FALSE(key_from_base64("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=="));
}

TEST(WgKeyBase64, RejectsCharactersOutsideTheStandardAlphabet) {
  const std::string good(kAlicePrivateBase64);
  // URL-safe '-' and '_', whitespace, NUL, and padding in the middle.
  for (char bad : {'-', '_', '!', ' ', '\t', '\n', '\0', '=', '.'}) {
    for (std::size_t position : {std::size_t{0}, std::size_t{20}, std::size_t{42}}) {
      std::string text = good;
      text[position] = bad;
      EXPECT_FALSE(key_from_base64(text)) << "char " << int{bad} << " at " << position;
    }
  }
}

// 43 data characters carry 258 bits; the last 2 must be zero. `wg` rejects a key whose
// last character before '=' has them set (wireguard-tools encoding.c: key_from_base64
// folds `val & 0xff` of the final group into its error flag), and so does libsodium's
// sodium_base642bin (it fails when leftover bits are non-zero). Checked with wg itself:
//   echo dwdtCnMYpX08FsFyUbJmRd9ML4frwJkqsXf7pR25LCp= | wg pubkey
//   -> "Key is not the correct length or format", exit 1
// ('o' = 40 = 0b101000 is canonical; 'p' = 41, 'q' = 42, 'r' = 43 decode to the same 32
// bytes but with non-zero trailing bits.) We reject them too: one key, one spelling.
TEST(WgKeyBase64, RejectsNonZeroTrailingBitsLikeWg) {
  ASSERT_TRUE(key_from_base64("dwdtCnMYpX08FsFyUbJmRd9ML4frwJkqsXf7pR25LCo="));
  EXPECT_FALSE(key_from_base64("dwdtCnMYpX08FsFyUbJmRd9ML4frwJkqsXf7pR25LCp="));
  EXPECT_FALSE(key_from_base64("dwdtCnMYpX08FsFyUbJmRd9ML4frwJkqsXf7pR25LCq="));
  EXPECT_FALSE(key_from_base64("dwdtCnMYpX08FsFyUbJmRd9ML4frwJkqsXf7pR25LCr="));
  EXPECT_TRUE(key_from_base64("//////////////////////////////////////////8="));
  EXPECT_FALSE(key_from_base64("///////////////////////////////////////////="));
}

// --------------------------------------------------------------------------------- hex

TEST(UapiKeyHex, EncodesSixtyFourLowercaseDigits) {
  EXPECT_EQ(to_hex(kAlicePublic), "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a");
  EXPECT_EQ(to_hex(sequence32()), "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f");
}

TEST(UapiKeyHex, DecodesEitherCaseAndRoundTrips) {
  EXPECT_EQ(key_from_hex("8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a"), kAlicePublic);
  EXPECT_EQ(key_from_hex("8520F0098930A754748B7DDCB43EF75A0DBF3A0D26381AF4EBA4A98EAA9B4E6A"), kAlicePublic);
  EXPECT_EQ(key_from_hex(to_hex(kAlicePrivate)), kAlicePrivate);
  Bytes32 ones;
  ones.fill(0xff);
  EXPECT_EQ(key_from_hex(to_hex(ones)), ones);
}

TEST(UapiKeyHex, RejectsWrongLengthAndNonHexDigits) {
  const std::string good = "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a";
  EXPECT_FALSE(key_from_hex(""));
  EXPECT_FALSE(key_from_hex(good.substr(0, 63)));
  EXPECT_FALSE(key_from_hex(good.substr(0, 62)));
  EXPECT_FALSE(key_from_hex(good + "0"));
  EXPECT_FALSE(key_from_hex(good + "00"));
  EXPECT_FALSE(key_from_hex("0x" + good.substr(0, 62)));
  for (char bad : {'g', 'G', 'x', ' ', ':', '\n', '\0', '-'}) {
    for (std::size_t position : {std::size_t{0}, std::size_t{1}, std::size_t{33}, std::size_t{63}}) {
      std::string text = good;
      text[position] = bad;
      EXPECT_FALSE(key_from_hex(text)) << "char " << int{bad} << " at " << position;
    }
  }
}

// ---------------------------------------------------------------------------- PublicKey

TEST(PublicKey, IsZeroSeesEveryByte) {
  PublicKey key;
  EXPECT_TRUE(key.is_zero());
  for (std::size_t i = 0; i < key_size; ++i) {
    PublicKey one;
    one.bytes[i] = 0x10;
    EXPECT_FALSE(one.is_zero()) << i;
  }
}

}  // namespace
}  // namespace tunkit::crypto
