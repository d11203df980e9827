#include "tunkit/wire/arp.hpp"

#include <gtest/gtest.h>

#include <vector>

#include "tunkit/wire/test_support_test.hpp"

namespace tunkit {
namespace {

using namespace tunkit::captures;
using testing::ip;
using testing::l3_of;
using testing::mac;

TEST(Rfc826Arp, DeconstructsRealRequest) {
  const auto arp = ArpView::parse(l3_of(kArpRequest));
  ASSERT_TRUE(arp);
  EXPECT_EQ(arp->operation(), ArpOperation::request);
  EXPECT_EQ(arp->sender_hardware_address(), mac("02:00:00:00:01:01"));
  EXPECT_EQ(arp->sender_protocol_address(), ip("10.99.1.1"));
  EXPECT_EQ(arp->target_hardware_address(), mac("00:00:00:00:00:00"));
  EXPECT_EQ(arp->target_protocol_address(), ip("10.99.1.2"));
}

TEST(Rfc826Arp, DeconstructsRealReply) {
  const auto arp = ArpView::parse(l3_of(kArpReply));
  ASSERT_TRUE(arp);
  EXPECT_EQ(arp->operation(), ArpOperation::reply);
  EXPECT_EQ(arp->sender_hardware_address(), mac("02:00:00:00:01:02"));
  EXPECT_EQ(arp->sender_protocol_address(), ip("10.99.1.2"));
  EXPECT_EQ(arp->target_hardware_address(), mac("02:00:00:00:01:01"));
  EXPECT_EQ(arp->target_protocol_address(), ip("10.99.1.1"));
}

TEST(Rfc826Arp, RealPacketsReEmitByteForByte) {
  for (ByteSpan frame : {ByteSpan(kArpRequest), ByteSpan(kArpReply)}) {
    const auto arp = ArpView::parse(l3_of(frame));
    ASSERT_TRUE(arp);
    std::uint8_t out[ArpView::kSize];
    ASSERT_EQ(ArpRepr::parse(*arp).emit(out), ArpView::kSize);
    EXPECT_TRUE(std::equal(std::begin(out), std::end(out), l3_of(frame).begin()));
  }
}

TEST(Rfc826Arp, BuildsReplyToRealRequest) {
  const ArpRepr request = ArpRepr::parse(*ArpView::parse(l3_of(kArpRequest)));
  const ArpRepr reply{ArpOperation::reply, mac("02:00:00:00:01:02"), request.target_protocol_address,
                      request.sender_hardware_address, request.sender_protocol_address};
  std::uint8_t out[ArpView::kSize];
  ASSERT_EQ(reply.emit(out), ArpView::kSize);
  EXPECT_TRUE(std::equal(std::begin(out), std::end(out), l3_of(kArpReply).begin()));
}

TEST(Rfc826Arp, EveryTruncationIsRejected) {
  const ByteSpan packet = l3_of(kArpRequest);
  for (std::size_t n = 0; n < ArpView::kSize; ++n) {
    EXPECT_NE(ArpView::check(packet.first(n)), ParseError::none) << n;
    EXPECT_FALSE(ArpView::parse(packet.first(n)));
  }
}

TEST(Rfc826Arp, EthernetPaddingIsNotPartOfThePacket) {
  std::vector<std::uint8_t> padded = testing::copy_of(l3_of(kArpRequest));
  padded.resize(46, 0);  // a minimum-size frame's payload
  const auto arp = ArpView::parse(padded);
  ASSERT_TRUE(arp);
  EXPECT_EQ(arp->bytes().size(), ArpView::kSize);
}

TEST(Rfc826Arp, NonEthernetHardwareIsUnsupported) {
  std::vector<std::uint8_t> packet = testing::copy_of(l3_of(kArpRequest));
  packet[1] = 6;  // IEEE 802 networks
  EXPECT_EQ(ArpView::check(packet), ParseError::unsupported);
  packet[1] = 1;
  packet[5] = 16;  // protocol length of IPv6
  EXPECT_EQ(ArpView::check(packet), ParseError::unsupported);
}

TEST(Rfc826Arp, EmitRefusesIpv6Addresses) {
  ArpRepr repr{ArpOperation::request, {}, ip("fd99::1"), {}, ip("10.0.0.1")};
  std::uint8_t out[ArpView::kSize];
  EXPECT_EQ(repr.emit(out), 0u);
}

}  // namespace
}  // namespace tunkit
