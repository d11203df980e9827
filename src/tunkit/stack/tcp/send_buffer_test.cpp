#include "tunkit/stack/tcp/send_buffer.hpp"

#include <gtest/gtest.h>

#include <deque>
#include <random>
#include <vector>

namespace tunkit::stack::tcp {
namespace {

// Bytes whose value encodes their stream position, so a misplaced byte shows.
std::vector<std::uint8_t> pattern(std::size_t from, std::size_t n) {
  std::vector<std::uint8_t> v(n);
  for (std::size_t i = 0; i < n; ++i) v[i] = static_cast<std::uint8_t>((from + i) * 7 + 3);
  return v;
}

std::vector<std::uint8_t> all_of(const SendBuffer& b, std::size_t offset = 0) {
  std::vector<std::uint8_t> out(b.size() - offset);
  EXPECT_EQ(b.copy_out(offset, out), out.size());
  return out;
}

TEST(SendBuffer, EmptiedStorageIsKeptUntilReleased) {
  SendBuffer b(64 * 1024);
  EXPECT_EQ(b.allocated(), 0u);
  EXPECT_EQ(b.write(pattern(0, 100)), 100u);
  const std::size_t storage = b.allocated();
  EXPECT_GT(storage, 0u);
  b.consume(40);
  b.release_if_empty();
  EXPECT_EQ(b.allocated(), storage) << "bytes are held: nothing is released";
  b.consume(60);
  EXPECT_EQ(b.size(), 0u);
  EXPECT_EQ(b.allocated(), storage) << "kept for the next write of a busy connection";
  EXPECT_EQ(b.write(pattern(100, 50)), 50u);
  EXPECT_EQ(b.allocated(), storage) << "reused, not reallocated";
  std::vector<std::uint8_t> out(50);
  EXPECT_EQ(b.copy_out(0, out), 50u);
  EXPECT_EQ(out, pattern(100, 50));
  b.consume(50);
  b.release_if_empty();
  EXPECT_EQ(b.allocated(), 0u) << "an idle connection holds no storage";
}

TEST(SendBuffer, SmallWriteUnderLargeLimitAllocatesLittle) {
  SendBuffer b(4 * 1024 * 1024);
  ASSERT_EQ(b.write(pattern(0, 200)), 200u);
  EXPECT_LE(b.allocated(), 4096u);
}

TEST(SendBuffer, StorageGrowsGeometricallyAndNeverPastTheLimit) {
  const std::size_t limit = 100'000;
  SendBuffer b(limit);
  std::size_t previous = 0;
  int reallocations = 0;
  for (std::size_t written = 0; written < limit; written += 1000) {
    ASSERT_EQ(b.write(pattern(written, 1000)), 1000u);
    if (b.allocated() != previous) {
      ++reallocations;
      // Each step at least doubles (or reaches the limit), so growth costs O(log n) copies.
      if (previous != 0) {
        EXPECT_TRUE(b.allocated() >= 2 * previous || b.allocated() == limit);
      }
      previous = b.allocated();
    }
    EXPECT_LE(b.allocated(), limit);
    EXPECT_LE(b.allocated(), std::max<std::size_t>(2 * b.size(), 4096));
  }
  EXPECT_LE(reallocations, 6);
  EXPECT_EQ(all_of(b), pattern(0, limit));
}

TEST(SendBuffer, WriteTakesOnlyWhatFits) {
  SendBuffer b(1000);
  EXPECT_EQ(b.write(pattern(0, 700)), 700u);
  EXPECT_EQ(b.free_space(), 300u);
  EXPECT_EQ(b.write(pattern(700, 700)), 300u);
  EXPECT_EQ(b.free_space(), 0u);
  EXPECT_EQ(b.write(pattern(1000, 1)), 0u);
  EXPECT_EQ(b.allocated(), 1000u);  // never beyond the limit, even for the first allocation
  EXPECT_EQ(all_of(b), pattern(0, 1000));
}

TEST(SendBuffer, ZeroCapacityTakesNothingAndAllocatesNothing) {
  SendBuffer b(0);
  EXPECT_EQ(b.write(pattern(0, 10)), 0u);
  EXPECT_EQ(b.write({}), 0u);
  EXPECT_EQ(b.allocated(), 0u);
  std::vector<std::uint8_t> out(4);
  EXPECT_EQ(b.copy_out(0, out), 0u);
}

TEST(SendBuffer, CopyOutReadsAcrossTheWrap) {
  SendBuffer b(4096);
  ASSERT_EQ(b.write(pattern(0, 3000)), 3000u);
  ASSERT_EQ(b.allocated(), 4096u);
  b.consume(2000);
  // Bytes 3000..5500 occupy ring indices 3000..4095 then 0..1403.
  ASSERT_EQ(b.write(pattern(3000, 2500)), 2500u);
  ASSERT_EQ(b.allocated(), 4096u);
  EXPECT_EQ(all_of(b), pattern(2000, 3500));
  for (std::size_t offset : {0u, 1000u, 1095u, 1096u, 1097u, 3000u, 3499u}) {
    std::vector<std::uint8_t> out(300);
    const std::size_t n = b.copy_out(offset, out);
    ASSERT_EQ(n, std::min<std::size_t>(300, 3500 - offset)) << offset;
    out.resize(n);
    EXPECT_EQ(out, pattern(2000 + offset, n)) << offset;
  }
}

TEST(SendBuffer, CopyOutPastTheEndReturnsFewerOrNone) {
  SendBuffer b(4096);
  ASSERT_EQ(b.write(pattern(0, 10)), 10u);
  std::vector<std::uint8_t> out(8);
  EXPECT_EQ(b.copy_out(6, out), 4u);
  EXPECT_EQ(b.copy_out(10, out), 0u);
  EXPECT_EQ(b.copy_out(11, out), 0u);
  EXPECT_EQ(b.copy_out(0, MutableByteSpan{}), 0u);
}

TEST(SendBuffer, GrowingWhileWrappedKeepsByteOrder) {
  SendBuffer b(64 * 1024);
  ASSERT_EQ(b.write(pattern(0, 4096)), 4096u);
  ASSERT_EQ(b.allocated(), 4096u);
  b.consume(1000);
  ASSERT_EQ(b.write(pattern(4096, 1000)), 1000u);  // wraps; the ring is now full
  ASSERT_EQ(b.allocated(), 4096u);
  ASSERT_EQ(b.write(pattern(5096, 3000)), 3000u);  // forces growth of a wrapped ring
  EXPECT_GT(b.allocated(), 4096u);
  EXPECT_EQ(all_of(b), pattern(1000, 7096));
}

TEST(SendBuffer, ShrinkingBelowSizeTakesEffectAsBytesAreConsumed) {
  SendBuffer b(8192);
  ASSERT_EQ(b.write(pattern(0, 6000)), 6000u);
  b.set_capacity(2000);
  EXPECT_EQ(b.capacity(), 2000u);
  EXPECT_EQ(b.size(), 6000u);
  EXPECT_EQ(b.free_space(), 0u);
  EXPECT_EQ(b.write(pattern(6000, 1)), 0u);
  EXPECT_LE(b.allocated(), 6000u);  // storage above max(limit, size) is returned
  EXPECT_EQ(all_of(b), pattern(0, 6000));
  b.consume(4500);
  EXPECT_EQ(b.free_space(), 500u);
  EXPECT_EQ(b.write(pattern(6000, 900)), 500u);
  EXPECT_EQ(all_of(b), pattern(4500, 2000));
}

TEST(SendBuffer, ShrinkingAboveSizeReleasesStorageBeyondTheLimit) {
  SendBuffer b(1 << 20);
  ASSERT_EQ(b.write(pattern(0, 100'000)), 100'000u);
  b.consume(99'000);
  const std::size_t before = b.allocated();
  b.set_capacity(10'000);
  EXPECT_LT(b.allocated(), before);
  EXPECT_LE(b.allocated(), 10'000u);
  EXPECT_EQ(all_of(b), pattern(99'000, 1000));
  EXPECT_EQ(b.write(pattern(100'000, 20'000)), 9000u);
  EXPECT_EQ(all_of(b), pattern(99'000, 10'000));
}

TEST(SendBuffer, GrowingTheLimitAdmitsMoreWithoutLosingBytes) {
  SendBuffer b(4096);
  ASSERT_EQ(b.write(pattern(0, 4096)), 4096u);
  b.consume(96);
  ASSERT_EQ(b.write(pattern(4096, 96)), 96u);  // full and wrapped
  b.set_capacity(32768);
  EXPECT_EQ(b.free_space(), 32768u - 4096u);
  ASSERT_EQ(b.write(pattern(4192, 10'000)), 10'000u);
  EXPECT_EQ(all_of(b), pattern(96, 14'096));
}

TEST(SendBuffer, MatchesADequeUnderRandomWritesConsumesAndResizes) {
  std::mt19937 rng(9293);
  SendBuffer b(10'000);
  std::deque<std::uint8_t> model;
  std::size_t capacity = 10'000, written = 0;
  for (int step = 0; step < 20'000; ++step) {
    const auto op = rng() % 16;
    if (op < 8) {
      const std::size_t n = rng() % 3000;
      const auto bytes = pattern(written, n);
      const std::size_t fits = capacity > model.size() ? capacity - model.size() : 0;
      const std::size_t took = b.write(bytes);
      ASSERT_EQ(took, std::min(n, fits));
      model.insert(model.end(), bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(took));
      written += took;
    } else if (op < 14) {
      const std::size_t n = model.empty() ? 0 : rng() % (model.size() + 1);
      b.consume(n);
      model.erase(model.begin(), model.begin() + static_cast<std::ptrdiff_t>(n));
    } else if (op < 15) {
      capacity = 1 + rng() % 20'000;
      b.set_capacity(capacity);
    } else {
      const std::size_t offset = rng() % (model.size() + 2);
      std::vector<std::uint8_t> out(rng() % 4000);
      const std::size_t n = b.copy_out(offset, out);
      const std::size_t expect = offset < model.size() ? std::min(out.size(), model.size() - offset) : 0;
      ASSERT_EQ(n, expect);
      for (std::size_t i = 0; i < n; ++i) ASSERT_EQ(out[i], model[offset + i]);
    }
    ASSERT_EQ(b.size(), model.size());
    if (model.empty() && rng() % 2) b.release_if_empty();
    if (!model.empty()) {
      ASSERT_GT(b.allocated(), 0u);
    }
    ASSERT_LE(b.allocated(), std::max<std::size_t>({capacity, model.size(), 20'000}));
  }
}

}  // namespace
}  // namespace tunkit::stack::tcp
