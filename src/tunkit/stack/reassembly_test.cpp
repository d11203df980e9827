#include "tunkit/stack/reassembly.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace tunkit::stack {
namespace {

using namespace std::chrono_literals;
using Outcome = Reassembler::Outcome;
const Instant kT0 = Instant{} + 1h;
const std::vector<std::uint8_t> kHeader(20, 0x45);

FragmentKey key(std::uint32_t id) {
  return {*IpAddress::parse("10.0.0.1"), *IpAddress::parse("10.0.0.9"), id, 17};
}
std::vector<std::uint8_t> data(std::size_t n, std::uint8_t fill) { return std::vector<std::uint8_t>(n, fill); }

struct Fixture {
  Reassembler r;
  std::size_t discarded = 0, evicted = 0;
  Outcome add(std::uint32_t id, std::size_t offset, bool more, const std::vector<std::uint8_t>& d,
              Instant now = kT0) {
    return r.add(key(id), offset, more, kHeader, d, now, discarded, evicted);
  }
};

TEST(Rfc815Reassembly, HolesFilledInAnyOrderComplete) {
  Fixture f;
  EXPECT_EQ(f.add(1, 16, false, data(5, 3)), Outcome::incomplete);
  EXPECT_EQ(f.add(1, 0, true, data(8, 1)), Outcome::incomplete);
  EXPECT_EQ(f.add(1, 8, true, data(8, 2)), Outcome::complete);
  const auto d = f.r.datagram();
  ASSERT_EQ(d.size(), 20u + 21u);
  EXPECT_EQ(f.r.header_size(), 20u);
  EXPECT_EQ(d[20], 1);
  EXPECT_EQ(d[28], 2);
  EXPECT_EQ(d[40], 3);
  EXPECT_EQ(f.r.datagrams(), 0u);
  EXPECT_EQ(f.r.bytes_held(), 0u);
}

TEST(Rfc815Reassembly, ExactDuplicateIsDroppedAloneAndOverlapDiscardsAll) {
  Fixture f;
  EXPECT_EQ(f.add(1, 0, true, data(16, 1)), Outcome::incomplete);
  EXPECT_EQ(f.add(1, 0, true, data(16, 1)), Outcome::duplicate);
  EXPECT_EQ(f.r.datagrams(), 1u);
  EXPECT_EQ(f.add(1, 8, false, data(16, 9)), Outcome::overlap);  // 8..24 overlaps 0..16
  EXPECT_EQ(f.discarded, 1u);
  EXPECT_EQ(f.r.datagrams(), 0u);
}

TEST(Rfc815Reassembly, ContradictoryLastFragmentDiscards) {
  Fixture f;
  EXPECT_EQ(f.add(2, 16, false, data(8, 1)), Outcome::incomplete);
  EXPECT_EQ(f.add(2, 32, false, data(8, 1)), Outcome::overlap);  // a second, different end
  EXPECT_EQ(f.r.datagrams(), 0u);
}

TEST(Rfc791Reassembly, NonLastFragmentMustBeMultipleOfEight) {
  Fixture f;
  EXPECT_EQ(f.add(3, 0, true, data(12, 1)), Outcome::bad_length);
  EXPECT_EQ(f.add(3, 65528, false, data(16, 1)), Outcome::bad_length);  // beyond 65535
  EXPECT_EQ(f.r.datagrams(), 0u);
}

TEST(Rfc791Reassembly, TimeoutForgetsOnTheVirtualClock) {
  Fixture f;
  f.add(4, 0, true, data(8, 1), kT0);
  f.add(5, 0, true, data(8, 1), kT0 + 5s);
  EXPECT_EQ(f.r.deadline(), kT0 + 30s);
  EXPECT_EQ(f.r.expire(kT0 + 29s), 0u);
  EXPECT_EQ(f.r.expire(kT0 + 30s), 1u);
  EXPECT_EQ(f.r.deadline(), kT0 + 35s);
  // A late fragment of the expired datagram starts over; it cannot complete the old one.
  EXPECT_EQ(f.add(4, 8, false, data(8, 2), kT0 + 31s), Outcome::incomplete);
}

TEST(ReassemblyMemory, FloodOfIncompleteDatagramsStaysBounded) {
  Fixture f;
  for (std::uint32_t id = 0; id < 1000; ++id) f.add(id, 0, true, data(1024, 1), kT0 + id * 1ms);
  EXPECT_EQ(f.r.datagrams(), 16u);  // max_datagrams
  EXPECT_LE(f.r.bytes_held(), 256u * 1024);
  EXPECT_EQ(f.evicted, 1000u - 16u);  // oldest first
  // The newest survive: completing the last one works.
  EXPECT_EQ(f.add(999, 1024, false, data(10, 2), kT0 + 2s), Outcome::complete);
}

TEST(ReassemblyMemory, ByteBoundEvictsOldestForANewDatagram) {
  ReassemblyLimits limits;
  limits.max_bytes = 4096;
  Reassembler r(limits);
  std::size_t discarded = 0, evicted = 0;
  const auto big = data(2048, 1);
  r.add(key(1), 0, true, kHeader, big, kT0, discarded, evicted);
  r.add(key(2), 0, true, kHeader, big, kT0 + 1ms, discarded, evicted);
  EXPECT_EQ(r.bytes_held(), 4096u);
  r.add(key(3), 0, true, kHeader, big, kT0 + 2ms, discarded, evicted);
  EXPECT_EQ(evicted, 1u);
  EXPECT_EQ(r.datagrams(), 2u);
  EXPECT_LE(r.bytes_held(), 4096u);
}

TEST(ReassemblyMemory, TinyFragmentsPerDatagramAreCapped) {
  Fixture f;
  for (std::size_t i = 0; i < 64; ++i) EXPECT_EQ(f.add(6, i * 16, true, data(8, 1)), Outcome::incomplete);
  EXPECT_EQ(f.add(6, 64 * 16, true, data(8, 1)), Outcome::overlap);  // the 65th: discarded
  EXPECT_EQ(f.r.datagrams(), 0u);
}

}  // namespace
}  // namespace tunkit::stack
