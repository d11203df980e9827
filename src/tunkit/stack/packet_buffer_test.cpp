#include "tunkit/stack/packet_buffer.hpp"

#include <gtest/gtest.h>

namespace tunkit::stack {
namespace {

// TSO super-segments (64 KiB) are recycled like MTU-sized packets, but in their own list:
// a small packet never pins a large buffer and a large one is not reallocated each time.
TEST(BufferPool, LargeBuffersAreRecycledApartFromSmallOnes) {
  BufferPool pool;
  PacketBuffer large = pool.take(48, 65000);
  const std::uint8_t* storage = large.storage.data();
  pool.give(std::move(large));
  PacketBuffer small = pool.take(48, 1400);
  EXPECT_NE(small.storage.data(), storage);
  PacketBuffer again = pool.take(48, 64000);
  EXPECT_EQ(again.storage.data(), storage);
  EXPECT_EQ(again.offset, 48u);
  EXPECT_EQ(again.length, 64000u);
  EXPECT_EQ(again.vnet, VirtioNetHdrRepr{});
}

TEST(BufferPool, BuffersBeyondTheLargeLimitAreNotKept) {
  BufferPool pool;
  PacketBuffer huge = pool.take(0, 200'000);
  const std::uint8_t* storage = huge.storage.data();
  pool.give(std::move(huge));
  PacketBuffer next = pool.take(0, 60'000);
  EXPECT_NE(next.storage.data(), storage);
}

}  // namespace
}  // namespace tunkit::stack
