// The OpenSSL data-path AEAD agrees with libsodium's (itself checked against RFC 8439 in
// aead_test.cpp) on every length a packet can have, and refuses what libsodium refuses.
#include <gtest/gtest.h>

#include <vector>

#include "tunkit/crypto/aead.hpp"
#include "tunkit/crypto/random.hpp"

namespace tunkit::crypto {
namespace {

AeadKey random_key() {
  AeadKey key;
  random_bytes(key.bytes());
  return key;
}

TEST(ChaChaPolyOpenSsl, SealsExactlyAsLibsodiumForEveryLength) {
  const AeadKey key = random_key();
  ChaChaPoly sealer = ChaChaPoly::sealer(key);
  ChaChaPoly opener = ChaChaPoly::opener(key);
  for (std::size_t size = 0; size <= 1500; size += (size < 64 ? 1 : 37)) {
    std::vector<std::uint8_t> plain(size);
    random_bytes(plain);
    const std::uint64_t counter = 0x0102030405060708ULL + size;
    auto ours = plain, theirs = plain;
    std::array<std::uint8_t, aead_tag_size> our_tag{}, their_tag{};
    sealer.seal(counter, ours, {}, our_tag);
    seal(key, counter, theirs, {}, their_tag);
    ASSERT_EQ(ours, theirs) << size;
    ASSERT_EQ(our_tag, their_tag) << size;
    ASSERT_TRUE(opener.open(counter, ours, {}, our_tag)) << size;
    ASSERT_EQ(ours, plain) << size;
  }
}

TEST(ChaChaPolyOpenSsl, AadIsAuthenticated) {
  const AeadKey key = random_key();
  std::vector<std::uint8_t> text(100, 7), aad(28, 9);
  std::array<std::uint8_t, aead_tag_size> tag{}, reference{};
  auto copy = text;
  ChaChaPoly::sealer(key).seal(5, text, aad, tag);
  seal(key, 5, copy, aad, reference);
  EXPECT_EQ(tag, reference);
  aad[3] ^= 1;
  EXPECT_FALSE(ChaChaPoly::opener(key).open(5, text, aad, tag));
}

TEST(ChaChaPolyOpenSsl, RefusesAnyFlippedBitWrongCounterOrKeyAndRecovers) {
  const AeadKey key = random_key();
  ChaChaPoly sealer = ChaChaPoly::sealer(key);
  ChaChaPoly opener = ChaChaPoly::opener(key);
  std::vector<std::uint8_t> sealed(64, 0x5a);
  std::array<std::uint8_t, aead_tag_size> tag{};
  sealer.seal(42, sealed, {}, tag);
  for (std::size_t bit = 0; bit < sealed.size() * 8; bit += 7) {
    auto forged = sealed;
    forged[bit / 8] ^= static_cast<std::uint8_t>(1u << (bit % 8));
    EXPECT_FALSE(opener.open(42, forged, {}, tag)) << bit;
  }
  for (std::size_t i = 0; i < tag.size(); ++i) {
    auto bad = tag;
    bad[i] ^= 0x80;
    auto copy = sealed;
    EXPECT_FALSE(opener.open(42, copy, {}, bad)) << i;
  }
  auto copy = sealed;
  EXPECT_FALSE(opener.open(43, copy, {}, tag));
  copy = sealed;
  EXPECT_FALSE(ChaChaPoly::opener(random_key()).open(42, copy, {}, tag));
  copy = sealed;  // failures leave the context usable
  EXPECT_TRUE(opener.open(42, copy, {}, tag));
  EXPECT_EQ(copy, std::vector<std::uint8_t>(64, 0x5a));
}

}  // namespace
}  // namespace tunkit::crypto
