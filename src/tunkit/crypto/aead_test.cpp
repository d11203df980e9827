#include "tunkit/crypto/aead.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

namespace tunkit::crypto {
namespace {

// Test-only hex decoding (independent of the code under test); whitespace is skipped so
// vectors can be laid out as the RFC prints them.
std::vector<std::uint8_t> unhex(std::string_view text) {
  std::vector<std::uint8_t> out;
  int high = -1;
  for (char c : text) {
    int v = 0;
    if (c >= '0' && c <= '9') v = c - '0';
    else if (c >= 'a' && c <= 'f') v = c - 'a' + 10;
    else if (c >= 'A' && c <= 'F') v = c - 'A' + 10;
    else if (c == ' ' || c == '\n') continue;
    else {
      ADD_FAILURE() << "bad hex digit '" << c << "'";
      return {};
    }
    if (high < 0) {
      high = v;
    } else {
      out.push_back(static_cast<std::uint8_t>(high * 16 + v));
      high = -1;
    }
  }
  if (high >= 0) ADD_FAILURE() << "odd number of hex digits";
  return out;
}

template <std::size_t N>
std::array<std::uint8_t, N> unhex_array(std::string_view text) {
  const auto bytes = unhex(text);
  std::array<std::uint8_t, N> out{};
  if (bytes.size() != N) {
    ADD_FAILURE() << "expected " << N << " bytes, got " << bytes.size();
    return out;
  }
  std::copy(bytes.begin(), bytes.end(), out.begin());
  return out;
}

using Tag = std::array<std::uint8_t, aead_tag_size>;

// ---------------------------------------------------------------------------------------
// RFC 8439 Appendix A.5 "ChaCha20-Poly1305 AEAD Decryption" (text copied from
// https://www.rfc-editor.org/rfc/rfc8439.txt, Appendix A.5, pages 42-45). Its nonce is
// 00 00 00 00 01 02 03 04 05 06 07 08: four zero bytes, then the 64-bit little-endian
// counter 0x0807060504030201 -- exactly WireGuard's nonce layout, so the vector fits our
// API directly. (The §2.8.2 vector's nonce starts 07 00 00 00 and cannot be expressed.)
// ---------------------------------------------------------------------------------------
constexpr std::string_view kA5Key =
    "1c 92 40 a5 eb 55 d3 8a f3 33 88 86 04 f6 b5 f0"
    "47 39 17 c1 40 2b 80 09 9d ca 5c bc 20 70 75 c0";
constexpr std::uint64_t kA5Counter = 0x0807060504030201;
constexpr std::string_view kA5Aad = "f3 33 88 86 00 00 00 00 00 00 4e 91";
constexpr std::string_view kA5Tag = "ee ad 9d 67 89 0c bb 22 39 23 36 fe a1 85 1f 38";
constexpr std::string_view kA5Ciphertext =
    "64 a0 86 15 75 86 1a f4 60 f0 62 c7 9b e6 43 bd"
    "5e 80 5c fd 34 5c f3 89 f1 08 67 0a c7 6c 8c b2"
    "4c 6c fc 18 75 5d 43 ee a0 9e e9 4e 38 2d 26 b0"
    "bd b7 b7 3c 32 1b 01 00 d4 f0 3b 7f 35 58 94 cf"
    "33 2f 83 0e 71 0b 97 ce 98 c8 a8 4a bd 0b 94 81"
    "14 ad 17 6e 00 8d 33 bd 60 f9 82 b1 ff 37 c8 55"
    "97 97 a0 6e f4 f0 ef 61 c1 86 32 4e 2b 35 06 38"
    "36 06 90 7b 6a 7c 02 b0 f9 f6 15 7b 53 c8 67 e4"
    "b9 16 6c 76 7b 80 4d 46 a5 9b 52 16 cd e7 a4 e9"
    "90 40 c5 a4 04 33 22 5e e2 82 a1 b0 a0 6c 52 3e"
    "af 45 34 d7 f8 3f a1 15 5b 00 47 71 8c bc 54 6a"
    "0d 07 2b 04 b3 56 4e ea 1b 42 22 73 f5 48 27 1a"
    "0b b2 31 60 53 fa 76 99 19 55 eb d6 31 59 43 4e"
    "ce bb 4e 46 6d ae 5a 10 73 a6 72 76 27 09 7a 10"
    "49 e6 17 d9 1d 36 10 94 fa 68 f0 ff 77 98 71 30"
    "30 5b ea ba 2e da 04 df 99 7b 71 4d 6c 6f 2c 29"
    "a6 ad 5c b4 02 2b 02 70 9b";
// "Internet-Drafts are draft documents valid for ... as /“work in progress./”" (UTF-8 quotes).
constexpr std::string_view kA5Plaintext =
    "49 6e 74 65 72 6e 65 74 2d 44 72 61 66 74 73 20"
    "61 72 65 20 64 72 61 66 74 20 64 6f 63 75 6d 65"
    "6e 74 73 20 76 61 6c 69 64 20 66 6f 72 20 61 20"
    "6d 61 78 69 6d 75 6d 20 6f 66 20 73 69 78 20 6d"
    "6f 6e 74 68 73 20 61 6e 64 20 6d 61 79 20 62 65"
    "20 75 70 64 61 74 65 64 2c 20 72 65 70 6c 61 63"
    "65 64 2c 20 6f 72 20 6f 62 73 6f 6c 65 74 65 64"
    "20 62 79 20 6f 74 68 65 72 20 64 6f 63 75 6d 65"
    "6e 74 73 20 61 74 20 61 6e 79 20 74 69 6d 65 2e"
    "20 49 74 20 69 73 20 69 6e 61 70 70 72 6f 70 72"
    "69 61 74 65 20 74 6f 20 75 73 65 20 49 6e 74 65"
    "72 6e 65 74 2d 44 72 61 66 74 73 20 61 73 20 72"
    "65 66 65 72 65 6e 63 65 20 6d 61 74 65 72 69 61"
    "6c 20 6f 72 20 74 6f 20 63 69 74 65 20 74 68 65"
    "6d 20 6f 74 68 65 72 20 74 68 61 6e 20 61 73 20"
    "2f e2 80 9c 77 6f 72 6b 20 69 6e 20 70 72 6f 67"
    "72 65 73 73 2e 2f e2 80 9d";

AeadKey a5_key() { return AeadKey(unhex_array<32>(kA5Key)); }

TEST(Rfc8439AeadAppendixA5, OpenAuthenticatesAndDecryptsWithCounter0x0807060504030201) {
  auto text = unhex(kA5Ciphertext);
  ASSERT_EQ(text.size(), 265u);
  const auto aad = unhex(kA5Aad);
  const auto tag = unhex_array<aead_tag_size>(kA5Tag);
  ASSERT_TRUE(open(a5_key(), kA5Counter, text, aad, tag));
  EXPECT_EQ(text, unhex(kA5Plaintext));
}

TEST(Rfc8439AeadAppendixA5, SealProducesTheRfcCiphertextAndTag) {
  auto text = unhex(kA5Plaintext);
  const auto aad = unhex(kA5Aad);
  Tag tag{};
  seal(a5_key(), kA5Counter, text, aad, tag);
  EXPECT_EQ(text, unhex(kA5Ciphertext));
  EXPECT_EQ(tag, unhex_array<aead_tag_size>(kA5Tag));
}

// WireGuard whitepaper §5.4 (definition of AEAD): nonce = 32 zero bits || 64-bit
// little-endian counter. A big-endian counter, a counter placed in the first eight nonce
// bytes, or an off-by-one counter must all fail to authenticate the A.5 message.
TEST(WireguardAeadNonce, CounterIsLittleEndianAfterFourZeroBytes) {
  const auto aad = unhex(kA5Aad);
  const auto tag = unhex_array<aead_tag_size>(kA5Tag);
  for (std::uint64_t wrong : {std::uint64_t{0x0102030405060708},  // big-endian reading
                              std::uint64_t{0x0403020100000000},  // counter shifted by 4 bytes
                              kA5Counter - 1, kA5Counter + 1, std::uint64_t{0}}) {
    auto text = unhex(kA5Ciphertext);
    EXPECT_FALSE(open(a5_key(), wrong, text, aad, tag)) << std::hex << wrong;
  }
}

TEST(Rfc8439AeadAppendixA5, EverySingleBitFlipInCiphertextTagOrAadIsRejected) {
  const auto ciphertext = unhex(kA5Ciphertext);
  const auto aad = unhex(kA5Aad);
  const auto tag = unhex_array<aead_tag_size>(kA5Tag);
  const AeadKey key = a5_key();
  int accepted = 0;
  for (std::size_t bit = 0; bit < ciphertext.size() * 8; ++bit) {
    auto text = ciphertext;
    text[bit / 8] ^= static_cast<std::uint8_t>(1u << (bit % 8));
    if (open(key, kA5Counter, text, aad, tag)) ++accepted;
  }
  for (std::size_t bit = 0; bit < tag.size() * 8; ++bit) {
    auto text = ciphertext;
    auto bad_tag = tag;
    bad_tag[bit / 8] ^= static_cast<std::uint8_t>(1u << (bit % 8));
    if (open(key, kA5Counter, text, aad, bad_tag)) ++accepted;
  }
  for (std::size_t bit = 0; bit < aad.size() * 8; ++bit) {
    auto text = ciphertext;
    auto bad_aad = aad;
    bad_aad[bit / 8] ^= static_cast<std::uint8_t>(1u << (bit % 8));
    if (open(key, kA5Counter, text, bad_aad, tag)) ++accepted;
  }
  EXPECT_EQ(accepted, 0);
  // The unmodified message still opens, so the rejections above are due to the flips.
  auto text = ciphertext;
  EXPECT_TRUE(open(key, kA5Counter, text, aad, tag));
}

TEST(Rfc8439AeadAppendixA5, TruncatedOrExtendedAadIsRejected) {
  const auto aad = unhex(kA5Aad);
  const auto tag = unhex_array<aead_tag_size>(kA5Tag);
  auto text = unhex(kA5Ciphertext);
  EXPECT_FALSE(open(a5_key(), kA5Counter, text, std::span(aad).first(aad.size() - 1), tag));
  auto longer = aad;
  longer.push_back(0);
  text = unhex(kA5Ciphertext);
  EXPECT_FALSE(open(a5_key(), kA5Counter, text, longer, tag));
}

TEST(Rfc8439AeadAppendixA5, WrongKeyIsRejected) {
  auto key_bytes = unhex_array<32>(kA5Key);
  key_bytes[31] ^= 0x80;
  auto text = unhex(kA5Ciphertext);
  EXPECT_FALSE(open(AeadKey(key_bytes), kA5Counter, text, unhex(kA5Aad),
                    unhex_array<aead_tag_size>(kA5Tag)));
}

// Reference values from Python `cryptography` 48.0.0 (OpenSSL backend):
//   ChaCha20Poly1305(A.5 key).encrypt(b"\0"*4 + counter.to_bytes(8, "little"), pt, b"")
// An empty plaintext is WireGuard's keepalive; 2^64-1 is the largest counter.
TEST(WireguardAeadNonce, KeepaliveAndLargestCounterMatchPythonCryptography) {
  struct Case {
    std::uint64_t counter;
    std::string_view plaintext;
    std::string_view ciphertext_and_tag;
  };
  const Case cases[] = {
      {0, "", "26edab23e9e2b84722a2d89156ef8b24"},
      {0, "616263", "be179e318e6a5c6bade466ea89196ebc925e8e"},
      {0xffff'ffff'ffff'ffff, "", "1b3b0e0991cef6e098e34911fca8cb75"},
      {0xffff'ffff'ffff'ffff, "616263", "c0cbd6632e52a57680f0182da26cb2bbc974d8"},
  };
  for (const Case& c : cases) {
    auto text = unhex(c.plaintext);
    Tag tag{};
    seal(a5_key(), c.counter, text, {}, tag);
    auto sealed = text;
    sealed.insert(sealed.end(), tag.begin(), tag.end());
    EXPECT_EQ(sealed, unhex(c.ciphertext_and_tag)) << c.counter;
    EXPECT_TRUE(open(a5_key(), c.counter, text, {}, tag)) << c.counter;
    EXPECT_EQ(text, unhex(c.plaintext)) << c.counter;
  }
}

TEST(WireguardAead, SealThenOpenRoundTripsInPlaceForEverySize) {
  const AeadKey key = a5_key();
  const std::vector<std::uint8_t> aad = {1, 2, 3};
  for (std::size_t size : {0u, 1u, 15u, 16u, 17u, 63u, 64u, 65u, 1420u}) {
    std::vector<std::uint8_t> plain(size);
    for (std::size_t i = 0; i < size; ++i) plain[i] = static_cast<std::uint8_t>(i * 7 + 3);
    auto text = plain;
    Tag tag{};
    seal(key, 42, text, aad, tag);
    if (size > 0) {
      EXPECT_NE(text, plain) << size;
    }
    EXPECT_TRUE(open(key, 42, text, aad, tag)) << size;
    EXPECT_EQ(text, plain) << size;
  }
}

// An empty text is common (keepalives; the handshake response's AEAD(k, 0, ε, h), which
// wg/noise.cpp passes as `{}`), and an empty span's data() is nullptr, which libsodium's
// nonnull declaration forbids: under -fsanitize=undefined these tests catch that.
TEST(WireguardAead, EmptyTextWithNullDataSealsAndOpens) {
  const AeadKey key = a5_key();
  const std::vector<std::uint8_t> h = {0xde, 0xad};
  Tag tag{};
  seal(key, 0, {}, h, tag);
  EXPECT_NE(tag, Tag{});
  EXPECT_TRUE(open(key, 0, {}, h, tag));
  EXPECT_FALSE(open(key, 0, {}, {}, tag));

  const auto xkey = unhex_array<32>(kA5Key);
  std::array<std::uint8_t, xaead_nonce_size> nonce{};
  Tag xtag{};
  xseal(xkey, nonce, {}, h, xtag);
  EXPECT_NE(xtag, Tag{});
  EXPECT_TRUE(xopen(xkey, nonce, {}, h, xtag));
  nonce[23] ^= 1;
  EXPECT_FALSE(xopen(xkey, nonce, {}, h, xtag));
}

TEST(WireguardAead, EmptyKeepaliveTagDependsOnCounter) {
  const AeadKey key = a5_key();
  Tag tag{};
  std::vector<std::uint8_t> empty;
  seal(key, 7, empty, {}, tag);
  EXPECT_TRUE(open(key, 7, empty, {}, tag));
  EXPECT_FALSE(open(key, 8, empty, {}, tag));
  tag[0] ^= 1;
  EXPECT_FALSE(open(key, 7, empty, {}, tag));
}

// ---------------------------------------------------------------------------------------
// draft-irtf-cfrg-xchacha-03 (January 2020), Appendix A.3.1 "AEAD_XCHACHA20_POLY1305"
// (the same bytes as A.1); text copied from the draft as stored in
// github.com/bikeshedders/xchacha-rfc, draft-irtf-cfrg-xchacha-rfc-03.txt.
// ---------------------------------------------------------------------------------------
constexpr std::string_view kXPlaintext =
    "4c616469657320616e642047656e746c656d656e206f662074686520636c6173"
    "73206f66202739393a204966204920636f756c64206f6666657220796f75206f"
    "6e6c79206f6e652074697020666f7220746865206675747572652c2073756e73"
    "637265656e20776f756c642062652069742e";
constexpr std::string_view kXAad = "50515253c0c1c2c3c4c5c6c7";
constexpr std::string_view kXKey = "808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f";
constexpr std::string_view kXNonce = "404142434445464748494a4b4c4d4e4f5051525354555657";
constexpr std::string_view kXCiphertext =
    "bd6d179d3e83d43b9576579493c0e939572a1700252bfaccbed2902c21396cbb"
    "731c7f1b0b4aa6440bf3a82f4eda7e39ae64c6708c54c216cb96b72e1213b452"
    "2f8c9ba40db5d945b11b69b982c1bb9e3f3fac2bc369488f76b2383565d3fff9"
    "21f9664c97637da9768812f615c68b13b52e";
constexpr std::string_view kXTag = "c0875924c1c7987947deafd8780acf49";

TEST(XChaCha20Poly1305DraftA31, SealProducesTheDraftCiphertextAndTag) {
  const auto key = unhex_array<32>(kXKey);
  const auto nonce = unhex_array<xaead_nonce_size>(kXNonce);
  auto text = unhex(kXPlaintext);
  ASSERT_EQ(text.size(), 114u);
  Tag tag{};
  xseal(key, nonce, text, unhex(kXAad), tag);
  EXPECT_EQ(text, unhex(kXCiphertext));
  EXPECT_EQ(tag, unhex_array<aead_tag_size>(kXTag));
}

TEST(XChaCha20Poly1305DraftA31, OpenAuthenticatesAndDecrypts) {
  const auto key = unhex_array<32>(kXKey);
  const auto nonce = unhex_array<xaead_nonce_size>(kXNonce);
  auto text = unhex(kXCiphertext);
  ASSERT_TRUE(xopen(key, nonce, text, unhex(kXAad), unhex_array<aead_tag_size>(kXTag)));
  EXPECT_EQ(text, unhex(kXPlaintext));
}

TEST(XChaCha20Poly1305DraftA31, EverySingleBitFlipInCiphertextTagAadOrNonceIsRejected) {
  const auto key = unhex_array<32>(kXKey);
  const auto nonce = unhex_array<xaead_nonce_size>(kXNonce);
  const auto ciphertext = unhex(kXCiphertext);
  const auto aad = unhex(kXAad);
  const auto tag = unhex_array<aead_tag_size>(kXTag);
  int accepted = 0;
  for (std::size_t bit = 0; bit < ciphertext.size() * 8; ++bit) {
    auto text = ciphertext;
    text[bit / 8] ^= static_cast<std::uint8_t>(1u << (bit % 8));
    if (xopen(key, nonce, text, aad, tag)) ++accepted;
  }
  for (std::size_t bit = 0; bit < tag.size() * 8; ++bit) {
    auto text = ciphertext;
    auto bad = tag;
    bad[bit / 8] ^= static_cast<std::uint8_t>(1u << (bit % 8));
    if (xopen(key, nonce, text, aad, bad)) ++accepted;
  }
  for (std::size_t bit = 0; bit < aad.size() * 8; ++bit) {
    auto text = ciphertext;
    auto bad = aad;
    bad[bit / 8] ^= static_cast<std::uint8_t>(1u << (bit % 8));
    if (xopen(key, nonce, text, bad, tag)) ++accepted;
  }
  // All 24 nonce bytes matter: the first 16 feed HChaCha20, the last 8 the ChaCha20 nonce.
  for (std::size_t bit = 0; bit < nonce.size() * 8; ++bit) {
    auto text = ciphertext;
    auto bad = nonce;
    bad[bit / 8] ^= static_cast<std::uint8_t>(1u << (bit % 8));
    if (xopen(key, bad, text, aad, tag)) ++accepted;
  }
  EXPECT_EQ(accepted, 0);
  auto text = ciphertext;
  EXPECT_TRUE(xopen(key, nonce, text, aad, tag));
}

}  // namespace
}  // namespace tunkit::crypto
