#include "tunkit/stack/tcp/isn.hpp"

#include <gtest/gtest.h>
#include <sodium.h>

#include <array>
#include <chrono>
#include <cstdint>
#include <set>

namespace tunkit::stack::tcp {
namespace {

using std::chrono::microseconds;
using std::chrono::seconds;

constexpr std::array<std::uint8_t, 16> kKey = {0, 1, 2, 3, 4, 5, 6, 7,
                                               8, 9, 10, 11, 12, 13, 14, 15};

FourTuple client_tuple() {
  return FourTuple{IpAddress::v4(10, 0, 0, 1), 80, IpAddress::v4(10, 0, 0, 2), 40000};
}

// A time that is a whole number of 4-microsecond ticks, so M is exact.
const Instant kT0 = Instant{} + seconds(1000);

std::uint64_t siphash(std::span<const std::uint8_t> message) {
  std::array<std::uint8_t, 8> out{};
  crypto_shorthash(out.data(), message.data(), message.size(), kKey.data());
  std::uint64_t h = 0;
  for (std::size_t i = out.size(); i-- > 0;) h = h << 8 | out[i];
  return h;
}

// F is SipHash-2-4 (RFC 6528 §3 asks for a keyed PRF): the reference vector from the
// SipHash paper (Aumasson, Bernstein, appendix A): key 00..0f, message 00..0e.
TEST(Rfc6528IsnHash, LibsodiumShorthashIsSipHash24) {
  std::array<std::uint8_t, 15> message{};
  for (std::size_t i = 0; i < message.size(); ++i) message[i] = static_cast<std::uint8_t>(i);
  EXPECT_EQ(siphash(message), 0xa129ca6149be45e5u);
}

// The canonical encoding, written out by hand: family 4, 10.0.0.1, port 80, 10.0.0.2,
// port 40000 (0x9c40), then `extra` 7, all in network order.
TEST(Rfc6528IsnHash, KnownKeyHashesTheCanonicalEncoding) {
  const std::array<std::uint8_t, 17> bytes = {4,    10, 0, 0, 1, 0x00, 0x50, 10, 0,
                                              0,    2,  0x9c, 0x40, 0, 0, 0, 7};
  const IsnGenerator isn(kKey);
  EXPECT_EQ(isn.hash(client_tuple(), 7), siphash(bytes));

  std::array<std::uint8_t, kFourTupleMaxBytes> out{};
  EXPECT_EQ(encode_four_tuple(client_tuple(), out), 13u);
  FourTuple v6{*IpAddress::parse("fd00::1"), 443, *IpAddress::parse("fd00::2"), 50000};
  EXPECT_EQ(encode_four_tuple(v6, out), 37u);  // 1 + 16 + 2 + 16 + 2
  EXPECT_EQ(out[0], 6);
  EXPECT_EQ(out[17], 0x01);  // port 443 = 0x01bb after the 16-byte address
  EXPECT_EQ(out[18], 0xbb);
}

// RFC 6528 §3: ISN = M + F(...); at a known key and time the ISN is exactly that.
TEST(Rfc6528Isn, IsTheTimerPlusTheHash) {
  const IsnGenerator isn(kKey);
  const auto f = static_cast<std::uint32_t>(isn.hash(client_tuple()));
  const std::uint32_t m = 1000u * 250'000u;  // 1000 s in 4-microsecond ticks
  EXPECT_EQ(isn.generate(client_tuple(), kT0), Seq(m + f));
}

TEST(Rfc6528Isn, SameTupleAndTimeGiveTheSameIsn) {
  const IsnGenerator a(kKey);
  const IsnGenerator b(kKey);
  EXPECT_EQ(a.generate(client_tuple(), kT0), a.generate(client_tuple(), kT0));
  EXPECT_EQ(a.generate(client_tuple(), kT0), b.generate(client_tuple(), kT0));
}

// F separates connections (RFC 6528 §3: "different values of ISN for different
// connection-id quadruples"), so a new incarnation of one tuple cannot be predicted from
// another. Each field, and the order of the endpoints, changes the ISN.
TEST(Rfc6528Isn, DifferentPortsOrAddressesGiveDifferentIsns) {
  const IsnGenerator isn(kKey);
  const FourTuple base = client_tuple();
  FourTuple local_port = base;
  local_port.local_port = 81;
  FourTuple remote_port = base;
  remote_port.remote_port = 40001;
  FourTuple local_addr = base;
  local_addr.local = IpAddress::v4(10, 0, 0, 3);
  FourTuple remote_addr = base;
  remote_addr.remote = IpAddress::v4(10, 0, 1, 2);
  const FourTuple swapped{base.remote, base.remote_port, base.local, base.local_port};
  FourTuple v6 = base;  // the same bytes in IPv6 addresses
  v6.local.family = IpFamily::v6;
  v6.remote.family = IpFamily::v6;

  std::set<std::uint32_t> isns;
  for (const FourTuple& t : {base, local_port, remote_port, local_addr, remote_addr, swapped, v6})
    isns.insert(isn.generate(t, kT0).value());
  EXPECT_EQ(isns.size(), 7u);
  EXPECT_NE(isn.hash(base, 1), isn.hash(base, 2));  // `extra` is hashed too
}

// M is a 4-microsecond timer: 250 000 ticks per second, modulo 2^32.
TEST(Rfc6528Isn, AdvancesAt250000PerSecond) {
  const IsnGenerator isn(kKey);
  const FourTuple t = client_tuple();
  const Seq at0 = isn.generate(t, kT0);
  EXPECT_EQ(isn.generate(t, kT0 + seconds(1)) - at0, 250'000);
  EXPECT_EQ(isn.generate(t, kT0 + microseconds(4)) - at0, 1);
  EXPECT_EQ(isn.generate(t, kT0 + microseconds(3)) - at0, 0);
  // 2^32 ticks (about 4.77 hours) later the timer has wrapped to the same value.
  EXPECT_EQ(isn.generate(t, kT0 + microseconds(4ll << 32)), at0);
}

TEST(Rfc6528Isn, RandomKeysDiffer) {
  const IsnGenerator a;
  const IsnGenerator b;
  EXPECT_NE(a.hash(client_tuple()), b.hash(client_tuple()));  // equal with p = 2^-64
  EXPECT_NE(a.hash(client_tuple()), IsnGenerator(kKey).hash(client_tuple()));
}

}  // namespace
}  // namespace tunkit::stack::tcp
