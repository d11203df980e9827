#include "tunkit/stack/tcp/seq.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>

namespace tunkit::stack::tcp {
namespace {

// RFC 9293 §3.4: "all arithmetic dealing with sequence numbers must be performed modulo
// 2**32". The comparisons must hold in constant expressions too.
static_assert(Seq(0xffffff00) < Seq(0x10));
static_assert(Seq(0x10) - Seq(0xffffff00) == 0x110);

TEST(Rfc9293SequenceNumbers, ComparisonsWrapModulo2To32) {
  const Seq before_wrap(0xffffff00);
  const Seq after_wrap(0x10);
  EXPECT_LT(before_wrap, after_wrap);
  EXPECT_LE(before_wrap, after_wrap);
  EXPECT_GT(after_wrap, before_wrap);
  EXPECT_GE(after_wrap, before_wrap);
  EXPECT_FALSE(after_wrap < before_wrap);
  EXPECT_FALSE(before_wrap > after_wrap);
  EXPECT_LE(after_wrap, after_wrap);
  EXPECT_GE(after_wrap, after_wrap);
  EXPECT_FALSE(after_wrap < after_wrap);
}

TEST(Rfc9293SequenceNumbers, DistanceIsSignedAndWraps) {
  EXPECT_EQ(Seq(0x10) - Seq(0xffffff00), 0x110);
  EXPECT_EQ(Seq(0xffffff00) - Seq(0x10), -0x110);
  EXPECT_EQ(Seq(5) - Seq(5), 0);
  // The largest distances either way: 2^31 - 1 ahead, 2^31 behind.
  EXPECT_EQ(Seq(0x7fffffff) - Seq(0), std::numeric_limits<std::int32_t>::max());
  EXPECT_EQ(Seq(0x80000000) - Seq(0), std::numeric_limits<std::int32_t>::min());
  EXPECT_LT(Seq(0), Seq(0x7fffffff));
  EXPECT_GT(Seq(0), Seq(0x80000001));  // more than 2^31 ahead reads as behind
}

TEST(Rfc9293SequenceNumbers, AdditionWraps) {
  EXPECT_EQ(Seq(0xffffffff) + 2, Seq(1));
  EXPECT_EQ(Seq(1) - 2u, Seq(0xffffffff));
  Seq s(0xfffffffe);
  s += 3;
  EXPECT_EQ(s, Seq(1));
  s -= 2;
  EXPECT_EQ(s.value(), 0xffffffffu);
}

// "a =< x < b" (RFC 9293 §3.4) across the wrap: the window [0xfffffff0, 0x20).
TEST(Rfc9293SequenceNumbers, SeqInHandlesAWindowThatWraps) {
  const Seq a(0xfffffff0);
  const Seq b(0x20);
  EXPECT_TRUE(seq_in(a, a, b));              // start inclusive
  EXPECT_TRUE(seq_in(Seq(0xffffffff), a, b));
  EXPECT_TRUE(seq_in(Seq(0), a, b));
  EXPECT_TRUE(seq_in(Seq(0x1f), a, b));
  EXPECT_FALSE(seq_in(b, a, b));             // end exclusive
  EXPECT_FALSE(seq_in(Seq(0xffffffef), a, b));
  EXPECT_FALSE(seq_in(Seq(0x80000000), a, b));
  EXPECT_FALSE(seq_in(a, a, a));             // an empty window holds nothing
}

TEST(Rfc9293SequenceNumbers, MaxAndMinFollowTheModularOrder) {
  EXPECT_EQ(seq_max(Seq(0xffffff00), Seq(0x10)), Seq(0x10));
  EXPECT_EQ(seq_min(Seq(0xffffff00), Seq(0x10)), Seq(0xffffff00));
  EXPECT_EQ(seq_max(Seq(0x10), Seq(0xffffff00)), Seq(0x10));
}

}  // namespace
}  // namespace tunkit::stack::tcp
