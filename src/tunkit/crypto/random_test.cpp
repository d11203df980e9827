#include "tunkit/crypto/random.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <span>

namespace tunkit::crypto {
namespace {

// An empty span's data() is nullptr and randombytes_buf declares its pointer nonnull:
// -fsanitize=undefined fails this test if the call is not skipped.
TEST(CryptoRandomBytes, EmptySpanIsANoOp) {
  random_bytes(std::span<std::uint8_t>{});
  std::array<std::uint8_t, 4> guard = {7, 7, 7, 7};
  random_bytes(std::span(guard).first(0));
  EXPECT_EQ(guard, (std::array<std::uint8_t, 4>{7, 7, 7, 7}));
}

// Fills every byte of the span and nothing around it. 984 random bytes hold about 4
// zeros (P[more than 40] is far below 2^-64); a fill that stopped early leaves hundreds.
TEST(CryptoRandomBytes, FillsExactlyTheSpan) {
  std::array<std::uint8_t, 1000> buffer{};
  random_bytes(std::span(buffer).subspan(8, 984));
  EXPECT_TRUE(std::all_of(buffer.begin(), buffer.begin() + 8, [](std::uint8_t b) { return b == 0; }));
  EXPECT_TRUE(std::all_of(buffer.end() - 8, buffer.end(), [](std::uint8_t b) { return b == 0; }));
  EXPECT_LT(std::count(buffer.begin() + 8, buffer.end() - 8, std::uint8_t{0}), 40);
}

TEST(CryptoRandomBytes, TwoDrawsDiffer) {
  std::array<std::uint8_t, 32> a{};
  std::array<std::uint8_t, 32> b{};
  random_bytes(a);
  random_bytes(b);
  EXPECT_NE(a, b);  // equal with probability 2^-256
}

// random.hpp: random_below(bound) is uniform in [0, bound). 10,000 draws below 10 hit
// every value (a given value is missed with probability 0.9^10000 ≈ 2^-1520).
TEST(CryptoRandomBelow, StaysBelowTheBoundAndReachesEveryValue) {
  std::array<int, 10> hits{};
  for (int i = 0; i < 10000; ++i) {
    const std::uint32_t v = random_below(10);
    ASSERT_LT(v, 10u);
    ++hits[v];
  }
  for (std::size_t v = 0; v < hits.size(); ++v) EXPECT_GT(hits[v], 0) << v;
  for (int i = 0; i < 100; ++i) EXPECT_EQ(random_below(1), 0u);
}

TEST(CryptoRandomU32, IsNotConstant) {
  const std::uint32_t first = random_u32();
  bool differs = false;
  for (int i = 0; i < 4 && !differs; ++i) differs = random_u32() != first;
  EXPECT_TRUE(differs);  // four equal draws: probability 2^-128
}

}  // namespace
}  // namespace tunkit::crypto
