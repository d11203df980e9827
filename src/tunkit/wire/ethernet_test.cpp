#include "tunkit/wire/ethernet.hpp"

#include <gtest/gtest.h>

#include <vector>

#include "tunkit/wire/test_support_test.hpp"

namespace tunkit {
namespace {

using namespace tunkit::captures;
using testing::mac;

TEST(EthernetII, DeconstructsRealUntaggedFrame) {
  const auto eth = EthernetView::parse(kArpReply);
  ASSERT_TRUE(eth);
  EXPECT_EQ(eth->destination(), mac("02:00:00:00:01:01"));
  EXPECT_EQ(eth->source(), mac("02:00:00:00:01:02"));
  EXPECT_EQ(eth->ether_type(), EtherType::arp);
  EXPECT_EQ(eth->tag_count(), 0u);
  EXPECT_EQ(eth->header_size(), 14u);
  EXPECT_EQ(eth->payload().size(), 28u);
}

TEST(Ieee8021Q, DeconstructsRealCustomerTag) {
  const auto eth = EthernetView::parse(kVlanArp);
  ASSERT_TRUE(eth);
  EXPECT_EQ(eth->destination(), MacAddress::broadcast());
  EXPECT_TRUE(eth->destination().is_multicast());
  ASSERT_EQ(eth->tag_count(), 1u);
  EXPECT_EQ(eth->tag(0), (VlanTag{EtherType::vlan, 0, false, 100}));
  EXPECT_EQ(eth->ether_type(), EtherType::arp);
  EXPECT_EQ(eth->header_size(), 18u);
  EXPECT_EQ(eth->payload().size(), 28u);
}

TEST(Ieee8021ad, DeconstructsRealServiceAndCustomerTags) {
  const auto eth = EthernetView::parse(kQinqArp);
  ASSERT_TRUE(eth);
  ASSERT_EQ(eth->tag_count(), 2u);
  EXPECT_EQ(eth->tag(0), (VlanTag{EtherType::qinq, 0, false, 200}));
  EXPECT_EQ(eth->tag(1), (VlanTag{EtherType::vlan, 0, false, 300}));
  EXPECT_EQ(eth->ether_type(), EtherType::arp);
  EXPECT_EQ(eth->header_size(), 22u);
}

TEST(Ieee8021Q, PriorityAndDropEligibleBitsRoundTrip) {
  EthernetRepr repr{mac("02:00:00:00:00:01"), mac("02:00:00:00:00:02"), {}, 1, EtherType::ipv6};
  repr.tags[0] = {EtherType::vlan, 5, true, 0xabc};
  std::uint8_t out[18];
  ASSERT_EQ(repr.emit(out), 18u);
  EXPECT_EQ(out[14], 0xb0 | 0x0a);  // PCP 5 (101), DEI 1, VID 0xabc
  EXPECT_EQ(out[15], 0xbc);
  const auto eth = EthernetView::parse(out);
  ASSERT_TRUE(eth);
  EXPECT_EQ(EthernetRepr::parse(*eth), repr);
}

TEST(EthernetII, RealFramesReEmitByteForByte) {
  for (ByteSpan frame : {ByteSpan(kArpRequest), ByteSpan(kVlanArp), ByteSpan(kQinqArp),
                         ByteSpan(kTcpSyn), ByteSpan(kNdpRa)}) {
    const auto eth = EthernetView::parse(frame);
    ASSERT_TRUE(eth);
    const EthernetRepr repr = EthernetRepr::parse(*eth);
    std::vector<std::uint8_t> out(repr.size());
    ASSERT_EQ(repr.emit(out), eth->header_size());
    EXPECT_TRUE(std::equal(out.begin(), out.end(), frame.begin()));
  }
}

TEST(EthernetII, EveryTruncationInsideTheHeaderOrTagsIsRejected) {
  for (ByteSpan frame : {ByteSpan(kArpRequest), ByteSpan(kVlanArp), ByteSpan(kQinqArp)}) {
    const std::size_t header = EthernetView::parse(frame)->header_size();
    for (std::size_t n = 0; n < header; ++n) {
      EXPECT_EQ(EthernetView::check(frame.first(n)), ParseError::truncated) << n;
      EXPECT_FALSE(EthernetView::parse(frame.first(n)));
    }
    EXPECT_EQ(EthernetView::check(frame.first(header)), ParseError::none);
  }
}

TEST(Ieee8021ad, AThirdTagIsLeftAsThePayloadEtherType) {
  std::vector<std::uint8_t> frame(kQinqArp.begin(), kQinqArp.begin() + 20);
  const std::uint8_t extra[] = {0x81, 0x00, 0x00, 0x05, 0x08, 0x06};
  frame.insert(frame.end(), std::begin(extra), std::end(extra));
  const auto eth = EthernetView::parse(frame);
  ASSERT_TRUE(eth);
  EXPECT_EQ(eth->tag_count(), 2u);
  EXPECT_EQ(eth->ether_type(), EtherType::vlan);
}

TEST(EthernetII, EmitRefusesShortBufferAndWritesNothing) {
  EthernetRepr repr{mac("02:00:00:00:00:01"), mac("02:00:00:00:00:02"), {}, 0, EtherType::ipv4};
  std::uint8_t out[13] = {};
  EXPECT_EQ(repr.emit(out), 0u);
  for (std::uint8_t b : out) EXPECT_EQ(b, 0);
  repr.tag_count = 3;
  std::uint8_t big[64];
  EXPECT_EQ(repr.emit(big), 0u);
}

}  // namespace
}  // namespace tunkit
