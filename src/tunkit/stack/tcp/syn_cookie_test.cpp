#include "tunkit/stack/tcp/syn_cookie.hpp"

#include <gtest/gtest.h>

#include <array>
#include <chrono>
#include <cstdint>
#include <random>

namespace tunkit::stack::tcp {
namespace {

using std::chrono::seconds;

constexpr std::array<std::uint8_t, 16> kKey = {0x5a, 1, 2, 3, 4, 5, 6, 7,
                                               8, 9, 10, 11, 12, 13, 14, 0xa5};

// Our side first: we listen on 192.0.2.1:443, the client is 198.51.100.7:51515.
FourTuple tuple() {
  return FourTuple{IpAddress::v4(192, 0, 2, 1), 443, IpAddress::v4(198, 51, 100, 7), 51515};
}

// The start of a 64-second period.
const Instant kT0 = Instant{} + seconds(64 * 1000);
const Seq kPeerIsn{0x01020304};

TEST(Rfc4987SynCookie, RoundTripsTheMss) {
  const SynCookies cookies(kKey);
  const Seq isn = cookies.encode(tuple(), kPeerIsn, 1460, kT0);
  // The final ACK: seq = peer ISN + 1, ack = our ISN + 1.
  const auto options = cookies.decode(tuple(), isn + 1, kPeerIsn + 1, std::nullopt, kT0);
  ASSERT_TRUE(options.has_value());
  EXPECT_EQ(options->mss, 1460);
  EXPECT_FALSE(options->window_scale.has_value());  // no timestamps: lost, as in Linux
  EXPECT_FALSE(options->sack_permitted);
}

// The ISN and ACK arithmetic wraps like every sequence number.
TEST(Rfc4987SynCookie, RoundTripsAcrossTheSequenceWrap) {
  const SynCookies cookies(kKey);
  const Seq peer{0xffffffff};
  const Seq isn = cookies.encode(tuple(), peer, 536, kT0);
  const auto options = cookies.decode(tuple(), isn + 1, peer + 1, std::nullopt, kT0 + seconds(5));
  ASSERT_TRUE(options.has_value());
  EXPECT_EQ(options->mss, 536);
}

// Layout: the low 3 bits index the MSS table, the next 5 are t mod 32 with t = s / 64.
TEST(Rfc4987SynCookie, LowBitsCarryTheCounterAndMssIndex) {
  const SynCookies cookies(kKey);
  const std::uint32_t cookie = cookies.encode(tuple(), kPeerIsn, 1440, kT0).value();
  EXPECT_EQ(cookie & 7, 5u);                  // kSynCookieMssTable[5] = 1440
  EXPECT_EQ((cookie >> 3) & 31, 1000u % 32);  // t = 1000
  const std::uint32_t later = cookies.encode(tuple(), kPeerIsn, 1440, kT0 + seconds(64)).value();
  EXPECT_EQ((later >> 3) & 31, 1001u % 32);
}

TEST(Rfc4987SynCookie, RoundsTheMssDownToATableEntry) {
  const SynCookies cookies(kKey);
  const std::pair<std::uint16_t, std::uint16_t> cases[] = {
      {1460, 1460}, {1459, 1440}, {1452, 1440}, {1400, 1380}, {1380, 1380}, {1220, 1220},
      {1279, 1220}, {9000, 8960}, {65535, 8960}, {8959, 1460}, {536, 536}, {100, 536}};
  for (const auto& [offered, expected] : cases) {
    const Seq isn = cookies.encode(tuple(), kPeerIsn, offered, kT0);
    const auto options = cookies.decode(tuple(), isn + 1, kPeerIsn + 1, std::nullopt, kT0);
    ASSERT_TRUE(options.has_value()) << offered;
    EXPECT_EQ(options->mss, expected) << offered;
  }
}

// Every bit of the cookie is checked: flipping any one of the 32 is rejected, including
// the counter and MSS bits (the hash covers t and the MSS index).
TEST(Rfc4987SynCookie, TamperedAckIsRejected) {
  const SynCookies cookies(kKey);
  const Seq isn = cookies.encode(tuple(), kPeerIsn, 1460, kT0);
  for (unsigned bit = 0; bit < 32; ++bit) {
    const Seq ack(((isn + 1).value()) ^ (1u << bit));
    EXPECT_FALSE(cookies.decode(tuple(), ack, kPeerIsn + 1, std::nullopt, kT0)) << bit;
  }
}

TEST(Rfc4987SynCookie, OtherTupleOrPeerSequenceIsRejected) {
  const SynCookies cookies(kKey);
  const Seq ack = cookies.encode(tuple(), kPeerIsn, 1460, kT0) + 1;
  FourTuple port = tuple();
  port.remote_port = 51516;
  FourTuple address = tuple();
  address.remote = IpAddress::v4(198, 51, 100, 8);
  FourTuple local = tuple();
  local.local_port = 444;
  EXPECT_FALSE(cookies.decode(port, ack, kPeerIsn + 1, std::nullopt, kT0));
  EXPECT_FALSE(cookies.decode(address, ack, kPeerIsn + 1, std::nullopt, kT0));
  EXPECT_FALSE(cookies.decode(local, ack, kPeerIsn + 1, std::nullopt, kT0));
  EXPECT_FALSE(cookies.decode(tuple(), ack, kPeerIsn + 2, std::nullopt, kT0));
  EXPECT_FALSE(cookies.decode(tuple(), ack, kPeerIsn, std::nullopt, kT0));
  EXPECT_FALSE(SynCookies().decode(tuple(), ack, kPeerIsn + 1, std::nullopt, kT0));  // other key
  EXPECT_TRUE(cookies.decode(tuple(), ack, kPeerIsn + 1, std::nullopt, kT0));
}

// Accepted in the period it was made and the next (64 to 128 s), then never again; a
// cookie from a future period is not accepted either.
TEST(Rfc4987SynCookie, ExpiresAfterTwoPeriods) {
  const SynCookies cookies(kKey);
  const Seq ack = cookies.encode(tuple(), kPeerIsn, 1460, kT0) + 1;
  const Seq peer = kPeerIsn + 1;
  EXPECT_TRUE(cookies.decode(tuple(), ack, peer, std::nullopt, kT0 + seconds(63)));
  EXPECT_TRUE(cookies.decode(tuple(), ack, peer, std::nullopt, kT0 + seconds(64)));
  EXPECT_TRUE(cookies.decode(tuple(), ack, peer, std::nullopt, kT0 + seconds(127)));
  EXPECT_FALSE(cookies.decode(tuple(), ack, peer, std::nullopt, kT0 + seconds(128)));
  // 32 periods later t mod 32 matches again, but the hash covers all of t.
  EXPECT_FALSE(cookies.decode(tuple(), ack, peer, std::nullopt, kT0 + seconds(64 * 32)));
  EXPECT_FALSE(cookies.decode(tuple(), ack, peer, std::nullopt, kT0 - seconds(1)));
}

// Window scale and SACK-permitted ride in the low 6 bits of the TSval and come back in
// the ACK's TSecr.
TEST(Rfc4987SynCookie, TimestampCarriesWindowScaleAndSack) {
  const SynCookies cookies(kKey);
  const Seq ack = cookies.encode(tuple(), kPeerIsn, 1460, kT0) + 1;
  struct Case {
    std::optional<std::uint8_t> scale;
    bool sack;
    std::optional<std::uint8_t> decoded_scale;
  };
  const Case cases[] = {{7, true, 7},  {0, false, 0},   {14, true, 14},
                        {20, false, 14},  // RFC 7323 §2.3: a shift above 14 is used as 14
                        {std::nullopt, true, std::nullopt}, {std::nullopt, false, std::nullopt}};
  for (const Case& c : cases) {
    const std::uint32_t tsval = cookies.encode_timestamp(0x12345678, {1460, c.scale, c.sack});
    EXPECT_EQ(tsval >> 6, 0x12345678u >> 6);
    const auto options = cookies.decode(tuple(), ack, kPeerIsn + 1, tsval, kT0);
    ASSERT_TRUE(options.has_value());
    EXPECT_EQ(options->window_scale, c.decoded_scale);
    EXPECT_EQ(options->sack_permitted, c.sack);
    EXPECT_EQ(options->mss, 1460);
  }
  // Window scale 7 + SACK: low bits 0b010111.
  EXPECT_EQ(cookies.encode_timestamp(0x12345678, {1460, 7, true}), 0x12345657u);
}

// The TSval is never later than the clock, stepping back one 64-tick block if the low
// bits would push it forward, so later real timestamps never look older (RFC 7323 §5).
TEST(Rfc4987SynCookie, TimestampNeverRunsAheadOfTheClock) {
  const SynCookies cookies(kKey);
  EXPECT_EQ(cookies.encode_timestamp(0x12345640, {1460, 7, false}), 0x12345607u);
  EXPECT_EQ(cookies.encode_timestamp(5, {1460, 7, true}), 0xffffffd7u);  // across the wrap
  for (std::uint32_t now : {0u, 1u, 63u, 64u, 1000u, 0xffffffffu}) {
    const std::uint32_t ts = cookies.encode_timestamp(now, {1460, std::nullopt, true});
    EXPECT_LE(static_cast<std::int32_t>(ts - now), 0) << now;
    EXPECT_GT(static_cast<std::int32_t>(ts - now), -64) << now;
  }
}

// A blind attacker must guess 24 hash bits (and a current counter): 100 000 random ACKs
// are each accepted with probability about 2^-28, so a fixed seed expects none.
TEST(Rfc4987SynCookie, RandomAcksAreRejected) {
  const SynCookies cookies(kKey);
  std::mt19937 random(20240101);
  int accepted = 0;
  for (int i = 0; i < 100'000; ++i) {
    if (cookies.decode(tuple(), Seq(static_cast<std::uint32_t>(random())), kPeerIsn + 1, std::nullopt, kT0)) ++accepted;
  }
  EXPECT_EQ(accepted, 0);
}

}  // namespace
}  // namespace tunkit::stack::tcp
