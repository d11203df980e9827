#include "tunkit/wire/checksum.hpp"

#include <gtest/gtest.h>

#include <random>
#include <vector>

#include "tunkit/wire/test_support_test.hpp"

namespace tunkit {
namespace {

using testing::ip;

// RFC 1071 §4.1, literally: 16-bit big-endian words, 32-bit accumulator, fold at the end.
std::uint16_t reference_sum(ByteSpan data) {
  std::uint32_t sum = 0;
  std::size_t i = 0;
  for (; i + 1 < data.size(); i += 2) sum += static_cast<std::uint32_t>(data[i] << 8 | data[i + 1]);
  if (i < data.size()) sum += static_cast<std::uint32_t>(data[i] << 8);
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<std::uint16_t>(sum);
}

TEST(Rfc1071Checksum, Section3ExampleSumsToDdf2) {
  // RFC 1071 §3: 00 01 f2 03 f4 f5 f6 f7 sums to ddf2.
  const std::uint8_t data[] = {0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7};
  EXPECT_EQ(checksum_sum(data), 0xddf2);
  EXPECT_EQ(internet_checksum(data), 0x220d);
}

TEST(Rfc1071Checksum, MatchesReferenceForEveryLengthTo2000AtEveryAlignment) {
  std::mt19937 rng(1071);
  std::vector<std::uint8_t> buffer(2000 + 8);
  for (auto& b : buffer) b = static_cast<std::uint8_t>(rng());
  for (std::size_t offset = 0; offset < 8; ++offset) {
    for (std::size_t length = 0; length <= 2000; ++length) {
      const ByteSpan data(buffer.data() + offset, length);
      ASSERT_EQ(checksum_sum(data), reference_sum(data)) << "offset " << offset << " length " << length;
    }
  }
}

TEST(Rfc1071Checksum, AllOnesBuffersFoldWithoutLosingCarries) {
  // 0xffff words stress the end-around carry of every accumulator.
  const std::vector<std::uint8_t> ones(65535, 0xff);
  for (std::size_t n : {0u, 1u, 2u, 7u, 8u, 31u, 32u, 33u, 4096u, 65535u})
    EXPECT_EQ(checksum_sum(ByteSpan(ones).first(n)), reference_sum(ByteSpan(ones).first(n))) << n;
}

TEST(Rfc1071Checksum, SumOfEvenPiecesEqualsSumOfWhole) {
  std::mt19937 rng(7);
  std::vector<std::uint8_t> data(1501);
  for (auto& b : data) b = static_cast<std::uint8_t>(rng());
  const ByteSpan all(data);
  for (std::size_t cut = 0; cut <= data.size(); cut += 2)
    ASSERT_EQ(checksum_sum(all.subspan(cut), checksum_sum(all.first(cut))), checksum_sum(all)) << cut;
}

TEST(Rfc1071Checksum, RealIpv4HeaderSumsToAllOnes) {
  // The receiver's check (RFC 1071 §1): summing a header with its checksum gives 0xffff.
  const ByteSpan header = testing::l3_of(captures::kIcmpv4EchoRequest).first(20);
  EXPECT_EQ(checksum_sum(header), 0xffff);
  EXPECT_EQ(internet_checksum(header), 0);
}

TEST(Rfc768PseudoHeader, Ipv4SumEqualsSumOfTheTwelveBytes) {
  const std::uint8_t pseudo[] = {10, 99, 1, 1, 10, 99, 1, 2, 0, 17, 0x01, 0x23};
  EXPECT_EQ(pseudo_header_sum(ip("10.99.1.1"), ip("10.99.1.2"), 17, 0x123), reference_sum(pseudo));
}

TEST(Rfc8200PseudoHeader, Ipv6SumEqualsSumOfTheFortyBytes) {
  // RFC 8200 §8.1: source, destination, 32-bit length, 3 zero bytes, next header.
  std::vector<std::uint8_t> pseudo;
  const IpAddress s = ip("fd99:1::1"), d = ip("ff02::1:ff00:2");
  pseudo.insert(pseudo.end(), s.bytes.begin(), s.bytes.end());
  pseudo.insert(pseudo.end(), d.bytes.begin(), d.bytes.end());
  const std::uint8_t tail[] = {0x00, 0x01, 0x00, 0x20, 0x00, 0x00, 0x00, 58};
  pseudo.insert(pseudo.end(), std::begin(tail), std::end(tail));
  EXPECT_EQ(pseudo_header_sum(s, d, 58, 0x10020), reference_sum(pseudo));
}

TEST(Rfc1624Incremental, Update16MatchesRecomputationOnRandomHeaders) {
  std::mt19937 rng(1624);
  for (int round = 0; round < 20000; ++round) {
    std::uint8_t h[20];
    for (auto& b : h) b = static_cast<std::uint8_t>(rng());
    store_be16(h, 10, 0);
    store_be16(h, 10, internet_checksum(h));
    std::size_t word = rng() % 10;
    if (word == 5) word = 4;  // not the checksum field itself
    const std::uint16_t old_word = load_be16(h, word * 2);
    const auto new_word = static_cast<std::uint16_t>(rng());
    store_be16(h, word * 2, new_word);
    const std::uint16_t updated = checksum_update16(load_be16(h, 10), old_word, new_word);
    store_be16(h, 10, updated);
    // RFC 1624 §3: the updated checksum verifies (it may differ from a fresh computation
    // only in the 0x0000/0xffff representation of zero).
    ASSERT_EQ(checksum_sum(h), 0xffff) << "round " << round;
  }
}

TEST(Rfc1624Incremental, Update32MatchesRecomputationForAddressRewrite) {
  std::uint8_t h[20];
  const ByteSpan real = testing::l3_of(captures::kIcmpv4EchoRequest).first(20);
  std::copy(real.begin(), real.end(), h);
  const std::uint32_t old_src = load_be32(h, 12), new_src = 0xc0a80001;  // NAT to 192.168.0.1
  store_be32(h, 12, new_src);
  const std::uint16_t updated = checksum_update32(load_be16(h, 10), old_src, new_src);
  store_be16(h, 10, 0);
  EXPECT_EQ(updated, internet_checksum(h));
}

}  // namespace
}  // namespace tunkit
