#include "tunkit/stack/tcp/receive_buffer.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <random>
#include <vector>

namespace tunkit::stack::tcp {
namespace {

// The byte at stream position p. A multiplicative hash, so a byte copied to the wrong
// position (even by a multiple of 256) shows.
std::uint8_t byte_at(std::size_t p) {
  return static_cast<std::uint8_t>((static_cast<std::uint32_t>(p) * 2654435761u) >> 24);
}

std::vector<std::uint8_t> stream(std::size_t from, std::size_t n) {
  std::vector<std::uint8_t> v(n);
  for (std::size_t i = 0; i < n; ++i) v[i] = byte_at(from + i);
  return v;
}

std::vector<std::uint8_t> read_all(ReceiveBuffer& b) {
  std::vector<std::uint8_t> out(b.readable());
  EXPECT_EQ(b.read(out), out.size());
  return out;
}

std::vector<ReceiveRange> ranges_of(const ReceiveBuffer& b) {
  std::vector<ReceiveRange> out(16);
  out.resize(b.out_of_order(out));
  return out;
}

TEST(Rfc9293SegmentText, InOrderSegmentsAdvanceRcvNxtAndBecomeReadable) {
  ReceiveBuffer b(65535, 4);
  EXPECT_EQ(b.allocated(), 0u);
  const InsertResult r1 = b.insert(0, stream(0, 1000));
  EXPECT_EQ(r1.advanced, 1000u);
  EXPECT_EQ(r1.stored, 1000u);
  EXPECT_FALSE(r1.dropped_no_range);
  const InsertResult r2 = b.insert(0, stream(1000, 460));
  EXPECT_EQ(r2.advanced, 460u);
  EXPECT_EQ(b.readable(), 1460u);
  EXPECT_EQ(b.window(), 65535u - 1460u);
  EXPECT_EQ(read_all(b), stream(0, 1460));
  EXPECT_GT(b.allocated(), 0u);  // read empty: storage kept for the next segment
  b.release_if_empty();
  EXPECT_EQ(b.allocated(), 0u);  // ... until the connection gives it back
  EXPECT_EQ(b.window(), 65535u);
}

TEST(Rfc9293SegmentText, SmallExchangeUnderLargeWindowAllocatesLittle) {
  ReceiveBuffer b(4 * 1024 * 1024, 4);
  ASSERT_EQ(b.insert(0, stream(0, 300)).advanced, 300u);
  EXPECT_LE(b.allocated(), 4096u);
}

TEST(Rfc9293SegmentText, EmptySegmentChangesNothing) {
  ReceiveBuffer b(1000, 4);
  const InsertResult r = b.insert(0, {});
  EXPECT_EQ(r, (InsertResult{}));
  EXPECT_EQ(b.allocated(), 0u);
}

TEST(Rfc9293SegmentText, TextBeyondTheWindowIsTrimmed) {
  ReceiveBuffer b(1000, 4);
  ASSERT_EQ(b.insert(0, stream(0, 600)).advanced, 600u);  // window now 400
  const InsertResult r = b.insert(0, stream(600, 500));
  EXPECT_EQ(r.advanced, 400u);
  EXPECT_EQ(r.stored, 400u);
  EXPECT_EQ(b.window(), 0u);
  EXPECT_EQ(b.insert(0, stream(1000, 10)), (InsertResult{}));  // zero window: nothing kept
  EXPECT_EQ(read_all(b), stream(0, 1000));
  EXPECT_LE(b.allocated(), 1000u);
}

TEST(Rfc9293SegmentText, OutOfOrderTextStartingBeyondTheWindowIsDropped) {
  ReceiveBuffer b(1000, 4);
  EXPECT_EQ(b.insert(1000, stream(1000, 10)), (InsertResult{}));
  EXPECT_EQ(b.insert(5000, stream(5000, 10)), (InsertResult{}));
  const InsertResult r = b.insert(900, stream(900, 300));
  EXPECT_EQ(r.stored, 100u);
  EXPECT_EQ(ranges_of(b), (std::vector<ReceiveRange>{{900, 1000}}));
  EXPECT_EQ(b.allocated(), 1000u);  // bounded by the window even while out of order
}

TEST(Rfc9293SegmentText, FillingTheHoleAdvancesOverHeldOutOfOrderBytes) {
  ReceiveBuffer b(65535, 4);
  // Segments 2 and 3 of 1000 bytes arrive before segment 1.
  InsertResult r = b.insert(1000, stream(1000, 1000));
  EXPECT_EQ(r.advanced, 0u);
  EXPECT_EQ(r.stored, 1000u);
  r = b.insert(2000, stream(2000, 1000));
  EXPECT_EQ(r.advanced, 0u);
  EXPECT_EQ(b.readable(), 0u);
  EXPECT_EQ(b.out_of_order_bytes(), 2000u);
  EXPECT_EQ(ranges_of(b), (std::vector<ReceiveRange>{{1000, 3000}}));
  r = b.insert(0, stream(0, 1000));
  EXPECT_EQ(r.advanced, 3000u);  // its own 1000 plus the 2000 held
  EXPECT_EQ(r.stored, 1000u);
  EXPECT_EQ(b.out_of_order_bytes(), 0u);
  EXPECT_TRUE(ranges_of(b).empty());
  EXPECT_EQ(read_all(b), stream(0, 3000));
  b.release_if_empty();
  EXPECT_EQ(b.allocated(), 0u);
}

TEST(Rfc9293SegmentText, FillingOneHoleStopsAtTheNextHole) {
  ReceiveBuffer b(65535, 4);
  b.insert(1000, stream(1000, 1000));
  b.insert(3000, stream(3000, 1000));
  const InsertResult r = b.insert(0, stream(0, 1000));
  EXPECT_EQ(r.advanced, 2000u);
  EXPECT_EQ(ranges_of(b), (std::vector<ReceiveRange>{{1000, 2000}}));  // relative to the new RCV.NXT
  EXPECT_EQ(b.insert(0, stream(2000, 1000)).advanced, 2000u);
  EXPECT_EQ(read_all(b), stream(0, 4000));
}

TEST(Rfc9293SegmentText, DuplicateBytesAreNotStoredAgain) {
  ReceiveBuffer b(65535, 4);
  b.insert(500, stream(500, 500));
  // A different payload for the same positions: if it were copied, the read would show it.
  const std::vector<std::uint8_t> impostor(500, 0xee);
  const InsertResult r = b.insert(500, impostor);
  EXPECT_EQ(r.stored, 0u);
  EXPECT_EQ(r.advanced, 0u);
  EXPECT_FALSE(r.dropped_no_range);
  EXPECT_EQ(b.out_of_order_bytes(), 500u);
  EXPECT_EQ(b.insert(0, stream(0, 500)).advanced, 1000u);
  EXPECT_EQ(read_all(b), stream(0, 1000));
}

TEST(Rfc9293SegmentText, OverlapOnBothSidesStoresOnlyTheGaps) {
  ReceiveBuffer b(65535, 4);
  b.insert(100, stream(100, 100));  // [100,200)
  b.insert(300, stream(300, 100));  // [300,400)
  // [50,450) overlaps both ranges and both edges: new bytes are [50,100) [200,300) [400,450).
  std::vector<std::uint8_t> segment = stream(50, 400);
  std::fill(segment.begin() + 50, segment.begin() + 150, std::uint8_t{0xee});   // bytes 100..199
  std::fill(segment.begin() + 250, segment.begin() + 350, std::uint8_t{0xee});  // bytes 300..399
  const InsertResult r = b.insert(50, segment);
  EXPECT_EQ(r.stored, 50u + 100u + 50u);
  EXPECT_EQ(ranges_of(b), (std::vector<ReceiveRange>{{50, 450}}));
  EXPECT_EQ(b.insert(0, stream(0, 60)).advanced, 450u);  // also overlaps the range's start
  EXPECT_EQ(read_all(b), stream(0, 450));
}

TEST(Rfc9293SegmentText, AdjacentRangesMerge) {
  ReceiveBuffer b(65535, 4);
  b.insert(100, stream(100, 100));
  b.insert(300, stream(300, 100));
  EXPECT_EQ(ranges_of(b).size(), 2u);
  b.insert(200, stream(200, 100));  // touches both, overlaps neither
  EXPECT_EQ(ranges_of(b), (std::vector<ReceiveRange>{{100, 400}}));
  b.insert(400, stream(400, 10));
  b.insert(90, stream(90, 10));
  EXPECT_EQ(ranges_of(b), (std::vector<ReceiveRange>{{90, 410}}));
  EXPECT_EQ(b.out_of_order_bytes(), 320u);
}

TEST(Rfc9293SegmentText, InOrderSegmentOverlappingARangeStoresOnlyItsOwnBytes) {
  ReceiveBuffer b(65535, 4);
  b.insert(100, stream(100, 100));
  const InsertResult r = b.insert(0, stream(0, 150));
  EXPECT_EQ(r.stored, 100u);
  EXPECT_EQ(r.advanced, 200u);
  EXPECT_EQ(read_all(b), stream(0, 200));
}

TEST(Rfc2018Ranges, SegmentNeedingOneRangeTooManyIsDropped) {
  ReceiveBuffer b(65535, 2);
  EXPECT_FALSE(b.insert(100, stream(100, 10)).dropped_no_range);
  EXPECT_FALSE(b.insert(200, stream(200, 10)).dropped_no_range);
  const InsertResult r = b.insert(300, stream(300, 10));
  EXPECT_TRUE(r.dropped_no_range);
  EXPECT_EQ(r.stored, 0u);
  EXPECT_EQ(b.out_of_order_bytes(), 20u);
  // Extending or joining existing ranges, or in-order text, needs no new slot.
  EXPECT_FALSE(b.insert(210, stream(210, 10)).dropped_no_range);
  EXPECT_FALSE(b.insert(110, stream(110, 90)).dropped_no_range);
  EXPECT_EQ(ranges_of(b), (std::vector<ReceiveRange>{{100, 220}}));
  EXPECT_FALSE(b.insert(300, stream(300, 10)).dropped_no_range);
  EXPECT_FALSE(b.insert(0, stream(0, 50)).dropped_no_range);
  EXPECT_EQ(b.readable(), 50u);
}

TEST(Rfc2018Ranges, ZeroRangeSlotsDropEveryOutOfOrderSegment) {
  ReceiveBuffer b(65535, 0);
  EXPECT_TRUE(b.insert(1, stream(1, 10)).dropped_no_range);
  EXPECT_EQ(b.allocated(), 0u);
  EXPECT_EQ(b.insert(0, stream(0, 10)).advanced, 10u);
}

TEST(Rfc2018Section4, RangesAreReportedMostRecentlyChangedFirst) {
  ReceiveBuffer b(65535, 8);
  b.insert(1000, stream(1000, 100));  // A
  b.insert(3000, stream(3000, 100));  // B
  b.insert(2000, stream(2000, 100));  // C
  EXPECT_EQ(ranges_of(b),
            (std::vector<ReceiveRange>{{2000, 2100}, {3000, 3100}, {1000, 1100}}));
  b.insert(1100, stream(1100, 50));  // A grows: it holds the latest segment, so it is first
  EXPECT_EQ(ranges_of(b),
            (std::vector<ReceiveRange>{{1000, 1150}, {2000, 2100}, {3000, 3100}}));
  b.insert(3000, stream(3000, 100));  // a duplicate inside B still triggers this ACK
  EXPECT_EQ(ranges_of(b),
            (std::vector<ReceiveRange>{{3000, 3100}, {1000, 1150}, {2000, 2100}}));
  std::vector<ReceiveRange> two(2);
  EXPECT_EQ(b.out_of_order(two), 2u);  // the option has room for few blocks: newest ones
  EXPECT_EQ(two, (std::vector<ReceiveRange>{{3000, 3100}, {1000, 1150}}));
  // In-order text moves RCV.NXT: offsets follow it.
  b.insert(0, stream(0, 500));
  EXPECT_EQ(ranges_of(b), (std::vector<ReceiveRange>{{2500, 2600}, {500, 650}, {1500, 1600}}));
}

TEST(Rfc2018Section8, DroppingOutOfOrderDataReneges) {
  ReceiveBuffer b(65535, 4);
  b.insert(0, stream(0, 100));
  b.insert(200, stream(200, 100));
  b.drop_out_of_order();
  EXPECT_TRUE(ranges_of(b).empty());
  EXPECT_EQ(b.out_of_order_bytes(), 0u);
  EXPECT_EQ(b.insert(0, stream(100, 100)).advanced, 100u);  // the bytes at 200 are gone
  EXPECT_EQ(read_all(b), stream(0, 200));
  b.insert(500, stream(500, 100));
  b.release_if_empty();
  EXPECT_GT(b.allocated(), 0u) << "out-of-order bytes are held";
  b.drop_out_of_order();
  b.release_if_empty();
  EXPECT_EQ(b.allocated(), 0u);  // nothing left: storage returned
}

TEST(Rfc9293SegmentText, PartialReadsFollowTheStream) {
  ReceiveBuffer b(65535, 4);
  b.insert(0, stream(0, 1000));
  std::vector<std::uint8_t> out(300);
  EXPECT_EQ(b.read(out), 300u);
  EXPECT_EQ(out, stream(0, 300));
  EXPECT_EQ(b.readable(), 700u);
  EXPECT_EQ(b.window(), 65535u - 700u);
  EXPECT_EQ(b.read(MutableByteSpan{}), 0u);
  b.insert(0, stream(1000, 100));
  std::vector<std::uint8_t> rest(5000);
  EXPECT_EQ(b.read(rest), 800u);
  rest.resize(800);
  EXPECT_EQ(rest, stream(300, 800));
  EXPECT_EQ(b.read(out), 0u);
}

TEST(Rfc9293SegmentText, RingWrapsForInOrderAndOutOfOrderText) {
  ReceiveBuffer b(4096, 4);
  ASSERT_EQ(b.insert(0, stream(0, 4000)).advanced, 4000u);
  ASSERT_EQ(b.allocated(), 4096u);
  std::vector<std::uint8_t> out(3900);
  ASSERT_EQ(b.read(out), 3900u);  // first readable byte at ring index 3900
  // Out of order across the end of the ring, then the hole before it, also across.
  EXPECT_EQ(b.insert(1000, stream(5000, 2000)).stored, 2000u);
  EXPECT_EQ(b.insert(0, stream(4000, 1000)).advanced, 3000u);
  EXPECT_EQ(b.allocated(), 4096u);  // no regrowth: it all fits the window
  EXPECT_EQ(read_all(b), stream(3900, 3100));
}

TEST(Rfc9293SegmentText, GrowingTheCapacityWhileDataIsHeldKeepsEveryByte) {
  ReceiveBuffer b(4096, 4);
  ASSERT_EQ(b.insert(0, stream(0, 4096)).advanced, 4096u);
  std::vector<std::uint8_t> out(1000);
  ASSERT_EQ(b.read(out), 1000u);
  ASSERT_EQ(b.insert(0, stream(4096, 500)).advanced, 500u);  // wrapped in the ring
  ASSERT_EQ(b.insert(200, stream(4796, 300)).stored, 300u);  // out of order, also wrapped
  EXPECT_EQ(b.window(), 4096u - 3596u);
  b.set_capacity(64 * 1024);
  EXPECT_EQ(b.window(), 64u * 1024 - 3596u);
  // These need storage past the old ring: it grows, and the wrapped data moves in order.
  EXPECT_EQ(b.insert(1000, stream(5596, 8000)).stored, 8000u);
  EXPECT_GT(b.allocated(), 4096u);
  EXPECT_LE(b.allocated(), 64u * 1024);
  EXPECT_EQ(b.insert(0, stream(4596, 200)).advanced, 500u);
  EXPECT_EQ(b.insert(0, stream(5096, 500)).advanced, 8500u);
  EXPECT_EQ(read_all(b), stream(1000, 12'596));
}

TEST(Rfc9293SegmentText, ShrinkingTheCapacityNeverLosesHeldBytes) {
  ReceiveBuffer b(10'000, 4);
  b.insert(0, stream(0, 3000));
  b.insert(5000, stream(8000, 1000));  // stream bytes 8000..8999
  b.set_capacity(2000);
  EXPECT_EQ(b.window(), 0u);
  EXPECT_EQ(b.readable(), 3000u);
  EXPECT_EQ(b.out_of_order_bytes(), 1000u);
  std::vector<std::uint8_t> out(2900);
  ASSERT_EQ(b.read(out), 2900u);
  EXPECT_EQ(b.window(), 1900u);
  b.set_capacity(20'000);
  EXPECT_EQ(b.insert(0, stream(3000, 5000)).advanced, 6000u);
  EXPECT_EQ(read_all(b), stream(2900, 6100));
}

// Reference: the bytes held beyond RCV.NXT by position, RCV.NXT and the read position.
// `runs` lists the maximal runs of held bytes relative to RCV.NXT; refresh() recomputes it
// after every change.
struct Model {
  std::map<std::size_t, std::uint8_t> held;
  std::size_t read_at = 0, rcv_nxt = 0;
  std::vector<ReceiveRange> runs;

  void refresh() {
    runs.clear();
    for (const auto& [p, v] : held) {
      if (!runs.empty() && runs.back().end == p - rcv_nxt) {
        ++runs.back().end;
      } else {
        runs.push_back({p - rcv_nxt, p - rcv_nxt + 1});
      }
    }
  }
};

TEST(Rfc9293SegmentText, MatchesAByteMapOverThousandsOfRandomSegments) {
  std::mt19937 rng(2018);
  for (std::size_t max_ranges : {1u, 3u, 6u}) {
    std::size_t capacity = 8000;
    ReceiveBuffer b(capacity, max_ranges);
    Model m;
    for (int step = 0; step < 2500; ++step) {
      const auto op = rng() % 20;
      if (op < 14) {
        // Mostly near RCV.NXT, sometimes far, sometimes beyond the window.
        const std::size_t span = (rng() % 4 == 0) ? capacity + 2000 : 4000;
        const std::size_t offset = (rng() % 3 == 0) ? 0 : rng() % span;
        const std::size_t length = rng() % 1200;
        const std::size_t begin = m.rcv_nxt + offset;
        const InsertResult r = b.insert(offset, stream(begin, length));

        const std::size_t readable = m.rcv_nxt - m.read_at;
        const std::size_t window = capacity > readable ? capacity - readable : 0;
        InsertResult expect;
        if (length > 0 && offset < window) {
          const std::size_t end = begin + std::min(length, window - offset);
          const auto& runs = m.runs;
          const bool touches = std::any_of(runs.begin(), runs.end(), [&](const ReceiveRange& run) {
            return run.begin + m.rcv_nxt <= end && run.end + m.rcv_nxt >= begin;
          });
          if (offset > 0 && !touches && runs.size() >= max_ranges) {
            expect.dropped_no_range = true;
          } else {
            for (std::size_t p = begin; p < end; ++p) {
              if (m.held.emplace(p, byte_at(p)).second) ++expect.stored;
            }
            while (!m.held.empty() && m.held.begin()->first == m.rcv_nxt) {
              m.held.erase(m.held.begin());
              ++m.rcv_nxt;
              ++expect.advanced;
            }
            m.refresh();
          }
        }
        ASSERT_EQ(r, expect) << "step " << step << " offset " << offset << " length " << length;
        if (!r.dropped_no_range && r.stored > 0 && offset > 0 && r.advanced == 0) {
          // RFC 2018 §4: the first range reported holds the segment just received.
          std::vector<ReceiveRange> first(1);
          ASSERT_EQ(b.out_of_order(first), 1u);
          ASSERT_LE(first[0].begin, offset);
          ASSERT_GT(first[0].end, offset);
        }
      } else if (op < 18) {
        std::vector<std::uint8_t> out(rng() % 8000);
        const std::size_t n = b.read(out);
        ASSERT_EQ(n, std::min(out.size(), m.rcv_nxt - m.read_at));
        out.resize(n);
        ASSERT_EQ(out, stream(m.read_at, n)) << "step " << step;
        m.read_at += n;
      } else if (op < 19) {
        capacity = 1000 + rng() % 16'000;
        b.set_capacity(capacity);
      } else if (rng() % 8 == 0) {
        b.drop_out_of_order();
        m.held.clear();
        m.refresh();
      }
      auto reported = ranges_of(b);
      std::sort(reported.begin(), reported.end(),
                [](const ReceiveRange& x, const ReceiveRange& y) { return x.begin < y.begin; });
      ASSERT_EQ(reported, m.runs) << "step " << step;
      ASSERT_EQ(b.readable(), m.rcv_nxt - m.read_at);
      ASSERT_EQ(b.out_of_order_bytes(), m.held.size());
      if (b.readable() == 0 && m.held.empty() && step % 2) {
        b.release_if_empty();
        ASSERT_EQ(b.allocated(), 0u) << "step " << step;
      }
      if (b.readable() != 0 || !m.held.empty()) {
        ASSERT_GT(b.allocated(), 0u) << "step " << step;
      }
    }
  }
}

}  // namespace
}  // namespace tunkit::stack::tcp
