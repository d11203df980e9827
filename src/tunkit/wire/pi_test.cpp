#include "tunkit/wire/pi.hpp"

#include <gtest/gtest.h>

#include <cstring>

#include "tunkit/wire/icmpv4.hpp"
#include "tunkit/wire/ipv4.hpp"
#include "tunkit/wire/test_support_test.hpp"

namespace tunkit {
namespace {

using namespace tunkit::captures;
using testing::ip;

TEST(LinuxTunPi, DeconstructsRealTunRead) {
  // A TUN queue without IFF_NO_PI: 00 00 08 00, then the IPv4 echo request.
  const auto pi = TunPiView::parse(kTunPiIcmp);
  ASSERT_TRUE(pi);
  EXPECT_EQ(pi->flags(), 0);
  EXPECT_EQ(pi->protocol(), EtherType::ipv4);
  const auto v = Ipv4View::parse(pi->payload());
  ASSERT_TRUE(v);
  EXPECT_EQ(v->source(), ip("10.99.5.1"));
  EXPECT_EQ(v->destination(), ip("10.99.5.2"));
  EXPECT_TRUE(v->verify_checksum());
  EXPECT_EQ(Icmpv4View::parse(v->payload())->type(), Icmpv4Type::echo_request);
}

TEST(LinuxTunPi, RoundTripsAndKeepsFlagsInHostOrder) {
  std::uint8_t out[4];
  ASSERT_EQ(TunPiRepr::parse(*TunPiView::parse(kTunPiIcmp)).emit(out), 4u);
  EXPECT_TRUE(std::equal(std::begin(out), std::end(out), kTunPiIcmp.begin()));
  const TunPiRepr stripped{TunPiView::kFlagStripped, EtherType::ipv6};
  ASSERT_EQ(stripped.emit(out), 4u);
  std::uint16_t host;
  std::memcpy(&host, out, 2);
  EXPECT_EQ(host, TunPiView::kFlagStripped);
  EXPECT_EQ(out[2], 0x86);
  EXPECT_EQ(out[3], 0xdd);
  EXPECT_EQ(TunPiRepr::parse(*TunPiView::parse(out)), stripped);
}

TEST(LinuxTunPi, RejectsFewerThanFourBytes) {
  for (std::size_t n = 0; n < 4; ++n)
    EXPECT_EQ(TunPiView::check(ByteSpan(kTunPiIcmp).first(n)), ParseError::truncated);
}

}  // namespace
}  // namespace tunkit
