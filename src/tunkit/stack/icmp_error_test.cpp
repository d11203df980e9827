#include "tunkit/stack/icmp_error.hpp"

#include <gtest/gtest.h>

namespace tunkit::stack {
namespace {

IcmpError error_of(IpFamily family, int type, int code) {
  IcmpError e;
  e.family = family;
  e.type = static_cast<std::uint8_t>(type);
  e.code = static_cast<std::uint8_t>(code);
  return e;
}
IcmpError v4(int type, int code) { return error_of(IpFamily::v4, type, code); }
IcmpError v6(int type, int code) { return error_of(IpFamily::v6, type, code); }

// RFC 1122 §4.2.3.9: destination unreachable codes 2-4 are "hard error conditions" (code 4
// being RFC 1191's), codes 0, 1, 5 "soft error conditions"; time exceeded and parameter
// problem are soft.
TEST(Rfc1122IcmpErrorKinds, ProtocolAndPortUnreachableAreHardFragmentationNeededIsPathMtu) {
  EXPECT_EQ(v4(3, 2).kind(), IcmpErrorKind::hard);
  EXPECT_EQ(v4(3, 3).kind(), IcmpErrorKind::hard);
  EXPECT_EQ(v4(3, 4).kind(), IcmpErrorKind::packet_too_big);
  for (int code : {0, 1, 5, 13}) EXPECT_EQ(v4(3, code).kind(), IcmpErrorKind::soft) << code;
  EXPECT_EQ(v4(11, 0).kind(), IcmpErrorKind::soft);
  EXPECT_EQ(v4(12, 0).kind(), IcmpErrorKind::soft);
  EXPECT_EQ(v4(3, 3).error(), std::make_error_code(std::errc::connection_refused));
  EXPECT_EQ(v4(3, 2).error(), std::make_error_code(std::errc::no_protocol_option));
  EXPECT_EQ(v4(3, 1).error(), std::make_error_code(std::errc::host_unreachable));
  EXPECT_EQ(v4(3, 0).error(), std::make_error_code(std::errc::network_unreachable));
}

// RFC 4443 §3.1 code 4 (port unreachable) and §3.4 code 1 (unrecognized next header) are
// IPv6's hard errors; §3.2 packet too big is RFC 8201's.
TEST(Rfc4443IcmpErrorKinds, PortUnreachableAndUnknownNextHeaderAreHardPacketTooBigIsPathMtu) {
  EXPECT_EQ(v6(1, 4).kind(), IcmpErrorKind::hard);
  EXPECT_EQ(v6(4, 1).kind(), IcmpErrorKind::hard);
  EXPECT_EQ(v6(2, 0).kind(), IcmpErrorKind::packet_too_big);
  for (int code : {0, 1, 3}) EXPECT_EQ(v6(1, code).kind(), IcmpErrorKind::soft) << code;
  EXPECT_EQ(v6(3, 0).kind(), IcmpErrorKind::soft);
  EXPECT_EQ(v6(4, 0).kind(), IcmpErrorKind::soft);
  EXPECT_EQ(v6(1, 4).error(), std::make_error_code(std::errc::connection_refused));
  EXPECT_EQ(v6(1, 3).error(), std::make_error_code(std::errc::host_unreachable));
}

// RFC 1191 §7 table 7-1's plateaus.
TEST(Rfc1191Plateaus, TheLargestPlateauBelowTheDatagramLength) {
  EXPECT_EQ(ipv4_mtu_plateau_below(1500), 1492u);
  EXPECT_EQ(ipv4_mtu_plateau_below(1492), 1006u);
  EXPECT_EQ(ipv4_mtu_plateau_below(65535), 32000u);
  EXPECT_EQ(ipv4_mtu_plateau_below(576), 508u);
  EXPECT_EQ(ipv4_mtu_plateau_below(68), 68u);
  EXPECT_EQ(ipv4_mtu_plateau_below(0), 68u);
}

}  // namespace
}  // namespace tunkit::stack
