#include "tunkit/dev/name.hpp"

#include <gtest/gtest.h>

namespace tunkit::dev {
namespace {

TEST(InterfaceName, AcceptsKernelValidNames) {
  EXPECT_TRUE(check_name("tun0"));
  EXPECT_TRUE(check_name("a"));
  EXPECT_TRUE(check_name("exactly15bytes_"));
}

TEST(InterfaceName, RejectsSixteenBytesNamingTheLimit) {
  auto r = check_name("sixteen_bytes_xx");
  ASSERT_FALSE(r);
  EXPECT_TRUE(r.error().is(std::errc::invalid_argument));
  EXPECT_NE(r.error().message.find("16 bytes"), std::string::npos) << r.error().message;
  EXPECT_NE(r.error().message.find("at most 15"), std::string::npos);
}

TEST(InterfaceName, RejectsEmptyDotsSlashColonAndSpace) {
  for (const char* bad : {"", ".", "..", "a/b", "eth0:1", "my tun", "tab\tx"})
    EXPECT_FALSE(check_name(bad)) << '"' << bad << '"';
}

TEST(InterfaceName, PatternOnlyWhenAllowedAndOnlyOnce) {
  EXPECT_FALSE(check_name("tun%d"));
  EXPECT_TRUE(check_name("tun%d", true));
  EXPECT_FALSE(check_name("tun%d%d", true));
  EXPECT_FALSE(check_name("tun%s", true));
}

}  // namespace
}  // namespace tunkit::dev
