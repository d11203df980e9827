#include "tunkit/crypto/blake2s.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

namespace tunkit::crypto {
namespace {

// Test-only hex decoding (independent of the code under test); spaces are skipped.
std::vector<std::uint8_t> unhex(std::string_view text) {
  std::vector<std::uint8_t> out;
  int high = -1;
  for (char c : text) {
    int v = 0;
    if (c >= '0' && c <= '9') v = c - '0';
    else if (c >= 'a' && c <= 'f') v = c - 'a' + 10;
    else if (c >= 'A' && c <= 'F') v = c - 'A' + 10;
    else if (c == ' ') continue;
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

// 00 01 02 ... (n-1): the inputs and keys of the official BLAKE2 KAT files.
std::vector<std::uint8_t> sequence(std::size_t n) {
  std::vector<std::uint8_t> out(n);
  for (std::size_t i = 0; i < n; ++i) out[i] = static_cast<std::uint8_t>(i);
  return out;
}

Bytes bytes(std::string_view s) { return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()}; }

// ------------------------------------------------------------------------ BLAKE2s-256

// RFC 7693 Appendix B: BLAKE2s-256("abc").
TEST(Rfc7693Blake2s, AppendixBAbc) {
  EXPECT_EQ(blake2s({bytes("abc")}),
            unhex_array<32>("50 8C 5E 8C 32 7C 14 E2 E1 A7 2B A3 4E EB 45 2F"
                            "37 45 8B 20 9E D6 3A 29 4D 99 9B 4C 86 67 59 82"));
}

// Official BLAKE2 test vectors, github.com/BLAKE2/BLAKE2 testvectors/blake2-kat.json,
// entries "hash": "blake2s", "key": "" (unkeyed, 32-byte output), input 00 01 .. (n-1).
// Lengths chosen around the 64-byte block: empty, one byte, half, exactly one block
// (the last block is not compressed early), and one past it.
struct KatCase {
  std::size_t length;
  std::string_view digest;
};
constexpr KatCase kUnkeyedKat[] = {
    {0, "69217a3079908094e11121d042354a7c1f55b6482ca1a51e1b250dfd1ed0eef9"},
    {1, "e34d74dbaf4ff4c6abd871cc220451d2ea2648846c7757fbaac82fe51ad64bea"},
    {32, "05825607d7fdf2d82ef4c3c8c2aea961ad98d60edff7d018983e21204c0d93d1"},
    {64, "56f34e8b96557e90c1f24b52d0c89d51086acf1b00f634cf1dde9233b8eaaa3e"},
    {65, "1b53ee94aaf34e4b159d48de352c7f0661d0a40edff95a0b1639b4090e974472"},
};

TEST(Blake2sKat, UnkeyedVectors) {
  for (const KatCase& c : kUnkeyedKat) {
    const auto input = sequence(c.length);
    EXPECT_EQ(blake2s({input}), unhex_array<32>(c.digest)) << "length " << c.length;
  }
}

// blake2s.hpp: the digest is of the concatenation of the parts, wherever they are split.
TEST(Blake2sKat, PartsHashAsTheirConcatenationAtEverySplit) {
  const auto input = sequence(65);
  const auto expected = unhex_array<32>(kUnkeyedKat[4].digest);
  const std::span<const std::uint8_t> all(input);
  for (std::size_t i = 0; i <= all.size(); ++i) {
    EXPECT_EQ(blake2s({all.first(i), all.subspan(i)}), expected) << "split at " << i;
    for (std::size_t j = i; j <= all.size(); j += 7)
      EXPECT_EQ(blake2s({all.first(i), all.subspan(i, j - i), all.subspan(j)}), expected)
          << "splits at " << i << ", " << j;
  }
  EXPECT_EQ(blake2s({}), unhex_array<32>(kUnkeyedKat[0].digest));
}

// WireGuard's two protocol constants (whitepaper §5.4.2, "Ci := HASH(CONSTRUCTION)",
// "Hi := HASH(Ci || IDENTIFIER)"), as hard-coded in boringtun src/noise/handshake.rs
// (INITIAL_CHAIN_KEY, INITIAL_CHAIN_HASH, there in decimal); the second uses two parts.
TEST(WireguardBlake2s, InitialChainingKeyAndHash) {
  const auto ck = blake2s({bytes("Noise_IKpsk2_25519_ChaChaPoly_BLAKE2s")});
  EXPECT_EQ(ck, unhex_array<32>("60e26daef327efc02ec335e2a025d2d016eb4206f87277f52d38d1988b78cd36"));
  EXPECT_EQ(blake2s({ck, bytes("WireGuard v1 zx2c4 Jason@zx2c4.com")}),
            unhex_array<32>("2211b361081ac566691243db458ad5322d9c6c662293e8b70ee19c65ba079ef3"));
}

// ------------------------------------------------- keyed BLAKE2s, 16-byte output (MAC)

// The official keyed KAT (testvectors/blake2s-kat.txt, key 00..1f) is for 32-byte
// output only; the output length is part of BLAKE2's parameter block, so a 16-byte MAC
// is NOT a truncation of it. References below are from Python 3.11 hashlib:
//   hashlib.blake2s(data, key=key, digest_size=16).hexdigest()
// (the same hashlib reproduces the official KAT: key 00..1f, input "" gives
// 48a8997da407876b3d79c0d92325ad3b89cbb754d86ab71aee047ad345fd2c49, input 00 gives
// 40d15fee7c328830166ac3f918650f807e7e01e177258cdc0a39b11f598066f1).
TEST(Blake2sMac, KeyedSixteenByteOutputMatchesPythonHashlib) {
  const auto key32 = sequence(32);
  const auto key16 = sequence(16);  // mac2 uses a 16-byte cookie as its key
  const auto in0 = sequence(0);
  const auto in1 = sequence(1);
  const auto in64 = sequence(64);
  const auto in65 = sequence(65);
  EXPECT_EQ(blake2s_mac(key32, in0), unhex_array<16>("9536f9b267655743dee97b8a670f9f53"));
  EXPECT_EQ(blake2s_mac(key32, in1), unhex_array<16>("13bacfb85b48a1223c595f8c1e7e82cb"));
  EXPECT_EQ(blake2s_mac(key32, in64), unhex_array<16>("f1efa90d2547036841ecd3627fafbc36"));
  EXPECT_EQ(blake2s_mac(key32, in65), unhex_array<16>("811ff8686d23a435ecbd0bdafcd27b1b"));
  EXPECT_EQ(blake2s_mac(key16, in65), unhex_array<16>("9018c671bb7e94a6d540a91765bbecad"));
}

TEST(Blake2sMac, IsNotATruncatedThirtyTwoByteKeyedHash) {
  const auto key = sequence(32);
  const auto kat32 = unhex("48a8997da407876b3d79c0d92325ad3b89cbb754d86ab71aee047ad345fd2c49");
  const Mac mac = blake2s_mac(key, {});
  EXPECT_FALSE(std::equal(mac.begin(), mac.end(), kat32.begin()));
}

TEST(Blake2sMac, EveryKeyByteMatters) {
  const auto input = sequence(65);
  const auto key = sequence(32);
  const Mac reference = blake2s_mac(key, input);
  for (std::size_t i = 0; i < key.size(); ++i) {
    auto changed = key;
    changed[i] ^= 0x01;
    EXPECT_NE(blake2s_mac(changed, input), reference) << "key byte " << i;
  }
}

// ------------------------------------------------------------ HMAC-BLAKE2s (RFC 2104)

// References from Python 3.11: hmac.new(key, msg, hashlib.blake2s).hexdigest()
// (block size 64, digest 32). WireGuard's HKDF only uses 32-byte keys; the empty key
// and keys around the 64-byte block size (a longer key is hashed first) check the
// general contract.
struct HmacCase {
  std::vector<std::uint8_t> key;
  std::vector<std::uint8_t> message;
  std::string_view mac;
};

TEST(HmacBlake2s, MatchesPythonHmac) {
  const HmacCase cases[] = {
      {sequence(32), sequence(0), "e2641d24dfa8dd89e8cb77f1cdc77d8c006e5bebdfc4d6a3a3a6f8d5b7586fb0"},
      {sequence(32), sequence(64), "3b35e945d05ac982850451ac8b6cdfffb98e56f50b95272fab665de081691056"},
      {sequence(32), sequence(65), "e0bf9ad5f46ae7cb59268a338f24391ad8cc125148746599da55803c3d80c2e2"},
      {sequence(64), unhex("616263"), "3a0ef09eac123871fb79852ec512086d013abff437bd68ca03630932bd6ba81f"},
      {sequence(65), unhex("616263"), "44d87b3939dec16bc76cbd83e3982ac0a4eafab8a5b87c8c2adbd0da7d5c9695"},
      {sequence(100), unhex("616263"), "c1b751501db12b753069a918627b623179be55c8cc7ca5c4e14bdf32274ac656"},
  };
  for (const HmacCase& c : cases) {
    EXPECT_EQ(hmac_blake2s(c.key, {c.message}), unhex_array<32>(c.mac))
        << "key length " << c.key.size() << ", message length " << c.message.size();
  }
}

TEST(HmacBlake2s, EmptyKeyMatchesPythonHmac) {
  // An empty span (data() == nullptr) and an empty slice of real memory are the same key.
  const std::uint8_t some_memory[1] = {0xaa};
  const Bytes null_key{};
  const Bytes empty_slice(some_memory, 0);
  for (Bytes key : {null_key, empty_slice}) {
    EXPECT_EQ(hmac_blake2s(key, {bytes("abc")}),
              unhex_array<32>("4a79a31b10a8c34b7c89735b8088e6b810b4bad4f36d671b65ca2ea0914952bf"));
    EXPECT_EQ(hmac_blake2s(key, {}),
              unhex_array<32>("eaf4bb25938f4d20e72656bbbc7a9bf63c0c18537333c35bdb67db1402661acd"));
  }
}

// blake2s.hpp: HMAC over the concatenation of `parts`. WireGuard's HKDF calls it with
// (ck, input) and then (t0, 0x1) and (t1, 0x2): several short parts.
TEST(HmacBlake2s, PartsAreTheirConcatenation) {
  const auto key = sequence(32);
  const auto message = sequence(65);
  const auto expected = unhex_array<32>("e0bf9ad5f46ae7cb59268a338f24391ad8cc125148746599da55803c3d80c2e2");
  const std::span<const std::uint8_t> all(message);
  for (std::size_t i = 0; i <= all.size(); ++i) {
    EXPECT_EQ(hmac_blake2s(key, {all.first(i), all.subspan(i)}), expected) << "split at " << i;
    EXPECT_EQ(hmac_blake2s(key, {all.first(i), {}, all.subspan(i)}), expected) << "split at " << i;
  }
}

}  // namespace
}  // namespace tunkit::crypto
