#include "tunkit/wire/tcp.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <vector>

#include "tunkit/wire/checksum.hpp"
#include "tunkit/wire/gso.hpp"
#include "tunkit/wire/ipv4.hpp"
#include "tunkit/wire/test_support_test.hpp"

namespace tunkit {
namespace {

using namespace tunkit::captures;
using testing::copy_of;
using testing::ip;
using testing::l3_of;
using testing::text_of;

ByteSpan tcp_of(ByteSpan frame) { return Ipv4View::parse(l3_of(frame))->payload(); }
const IpAddress kA = *IpAddress::parse("10.99.1.1");
const IpAddress kR = *IpAddress::parse("10.99.1.2");

TEST(Rfc9293Tcp, DeconstructsRealSyn) {
  // 10.99.1.1.34574 > 10.99.1.2.5555: Flags [S], cksum 0x4383 (correct), seq 4036541326,
  // win 64240, options [mss 1460,sackOK,TS val 3264014154 ecr 0,nop,wscale 10], length 0
  const auto t = TcpView::parse(tcp_of(kTcpSyn));
  ASSERT_TRUE(t);
  EXPECT_EQ(t->source_port(), 34574);
  EXPECT_EQ(t->destination_port(), 5555);
  EXPECT_EQ(t->seq_number(), 4036541326u);
  EXPECT_EQ(t->ack_number(), 0u);
  EXPECT_EQ(t->header_size(), 40u);
  EXPECT_EQ(t->flags(), tcp_flags::syn);
  EXPECT_TRUE(t->syn());
  EXPECT_FALSE(t->ack() || t->fin() || t->rst() || t->psh() || t->urg());
  EXPECT_EQ(t->window(), 64240);
  EXPECT_EQ(t->checksum(), 0x4383);
  EXPECT_EQ(t->urgent_pointer(), 0);
  EXPECT_TRUE(t->payload().empty());
  EXPECT_TRUE(t->verify_checksum(kA, kR));

  std::vector<KindLengthOption> o(t->options().begin(), t->options().end());
  ASSERT_EQ(o.size(), 5u);
  EXPECT_EQ(o[0].kind, 2);  // mss
  EXPECT_EQ(o[1].kind, 4);  // sackOK
  EXPECT_EQ(o[2].kind, 8);  // TS
  EXPECT_EQ(o[3].kind, 1);  // nop
  EXPECT_EQ(o[4].kind, 3);  // wscale
  const TcpRepr r = TcpRepr::parse(*t);
  EXPECT_EQ(r.mss, 1460);
  EXPECT_TRUE(r.sack_permitted);
  EXPECT_EQ(r.timestamps, (TcpTimestamps{3264014154u, 0}));
  EXPECT_EQ(r.window_scale, 10);
  EXPECT_EQ(r.sack_count, 0u);
  EXPECT_EQ(r.unknown_count, 0u);
}

TEST(Rfc9293Tcp, DeconstructsRealSynAckAndDataSegment) {
  const auto sa = TcpView::parse(tcp_of(kTcpSynAck));
  ASSERT_TRUE(sa);
  EXPECT_EQ(sa->flags(), tcp_flags::syn | tcp_flags::ack);
  EXPECT_EQ(sa->seq_number(), 3234712925u);
  EXPECT_EQ(sa->ack_number(), 4036541327u);  // ISS of the SYN + 1
  EXPECT_EQ(sa->window(), 65160);
  EXPECT_TRUE(sa->verify_checksum(kR, kA));
  // Flags [P.], seq 1:14, ack 1, win 63, options [nop,nop,TS val 3264014154 ecr 43154622], length 13
  const auto d = TcpView::parse(tcp_of(kTcpData));
  ASSERT_TRUE(d);
  EXPECT_EQ(d->flags(), tcp_flags::psh | tcp_flags::ack);
  EXPECT_EQ(d->seq_number(), 4036541327u);
  EXPECT_EQ(d->ack_number(), 3234712926u);
  EXPECT_EQ(d->window(), 63);
  EXPECT_EQ(d->header_size(), 32u);
  EXPECT_EQ(text_of(d->payload()), "hello tunkit\n");
  EXPECT_TRUE(d->verify_checksum(kA, kR));
  const TcpRepr r = TcpRepr::parse(*d);
  EXPECT_EQ(r.timestamps, (TcpTimestamps{3264014154u, 43154622u}));
  EXPECT_FALSE(r.mss);
  EXPECT_FALSE(r.sack_permitted);
  EXPECT_EQ(r.payload_length, 13);
}

TEST(Rfc9293Tcp, RealSegmentsReEmitByteForByte) {
  struct Case {
    ByteSpan frame;
    IpAddress src, dst;
  };
  for (const Case& c : {Case{kTcpSyn, kA, kR}, Case{kTcpSynAck, kR, kA}, Case{kTcpData, kA, kR}}) {
    const ByteSpan seg = tcp_of(c.frame);
    std::vector<std::uint8_t> out = copy_of(seg);
    const auto t = TcpView::parse(seg);
    std::fill(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(t->header_size()), std::uint8_t{0});
    ASSERT_EQ(TcpRepr::parse(*t).emit(out, c.src, c.dst), t->header_size());
    EXPECT_EQ(out, copy_of(seg));
  }
}

TEST(Rfc2018Sack, BlocksRoundTripInLinuxLayout) {
  TcpRepr r;
  r.source_port = 5555;
  r.destination_port = 34574;
  r.flags = tcp_flags::ack;
  r.timestamps = TcpTimestamps{1, 2};
  r.sack_blocks[0] = {1000, 2000};
  r.sack_blocks[1] = {3000, 4000};
  r.sack_count = 2;
  // 12 (nop nop TS) + 4 (nop nop kind len) + 16 = 32 bytes of options.
  ASSERT_EQ(r.size(), 52u);
  std::vector<std::uint8_t> out(r.size());
  ASSERT_EQ(r.emit(out, kR, kA), 52u);
  EXPECT_EQ(out[32], 1);
  EXPECT_EQ(out[33], 1);
  EXPECT_EQ(out[34], 5);
  EXPECT_EQ(out[35], 18);  // 2 + 8 * 2
  const auto t = TcpView::parse(out);
  ASSERT_TRUE(t);
  EXPECT_TRUE(t->verify_checksum(kR, kA));
  const TcpRepr back = TcpRepr::parse(*t);
  EXPECT_EQ(back.sack_count, 2u);
  EXPECT_EQ(back.sack_blocks[0], (SackBlock{1000, 2000}));
  EXPECT_EQ(back.sack_blocks[1], (SackBlock{3000, 4000}));
  EXPECT_EQ(back.timestamps, r.timestamps);
}

TEST(Rfc9293Options, UnknownKindsAreKeptAsKindAndBytes) {
  const std::uint8_t fast_open[] = {0xde, 0xad, 0xbe, 0xef};  // kind 34, RFC 7413
  TcpRepr r;
  r.flags = tcp_flags::syn;
  r.mss = 1400;
  r.unknown_options[0] = {34, fast_open};
  r.unknown_count = 1;
  std::vector<std::uint8_t> out(r.size());
  ASSERT_EQ(r.emit(out, kA, kR), 32u);  // 4 + 6, padded to 12
  const TcpRepr back = TcpRepr::parse(*TcpView::parse(out));
  ASSERT_EQ(back.unknown_count, 1u);
  EXPECT_EQ(back.unknown_options[0].kind, 34);
  EXPECT_EQ(copy_of(back.unknown_options[0].data), copy_of(fast_open));
  EXPECT_EQ(back.mss, 1400);
}

TEST(Rfc9293Options, KnownOptionWithWrongLengthIsIgnored) {
  std::array<std::uint8_t, 40> seg{};
  std::copy_n(tcp_of(kTcpSyn).begin(), 40, seg.begin());
  seg[21] = 3;  // MSS length 3: the mss byte becomes one data byte, then 0xb4 kind...
  seg[22] = 0x01;
  seg[23] = 0x01;  // ...made NOPs so the area stays well-formed
  const auto t = TcpView::parse(seg);
  ASSERT_TRUE(t);
  EXPECT_FALSE(TcpRepr::parse(*t).mss);
  EXPECT_TRUE(TcpRepr::parse(*t).sack_permitted);
}

TEST(Rfc9293Tcp, RejectsDataOffsetBelowFive) {
  std::vector<std::uint8_t> seg = copy_of(tcp_of(kTcpSyn));
  for (std::uint8_t off = 0; off < 5; ++off) {
    seg[12] = static_cast<std::uint8_t>(off << 4);
    EXPECT_EQ(TcpView::check(seg), ParseError::bad_length) << int{off};
  }
}

TEST(Rfc9293Tcp, RejectsOptionsRunningPastTheHeader) {
  std::array<std::uint8_t, 40> seg{};
  std::copy_n(tcp_of(kTcpSyn).begin(), 40, seg.begin());
  seg[38] = 4;  // wscale (kind at 37) of length 4 would end at byte 41 of a 40-byte header
  EXPECT_EQ(TcpView::check(seg), ParseError::bad_option);
}

TEST(Rfc9293Tcp, EveryTruncationInsideTheHeaderIsRejected) {
  const ByteSpan seg = tcp_of(kTcpSyn);
  for (std::size_t n = 0; n < 40; ++n) EXPECT_EQ(TcpView::check(seg.first(n)), ParseError::truncated) << n;
  // Past the header a shorter segment is a valid shorter segment (TCP has no length field);
  // the checksum catches the loss.
  const ByteSpan data = tcp_of(kTcpData);
  const auto cut = TcpView::parse(data.first(data.size() - 1));
  ASSERT_TRUE(cut);
  EXPECT_FALSE(cut->verify_checksum(kA, kR));
}

TEST(Rfc9293Tcp, EverySingleByteCorruptionFailsTheChecksum) {
  std::vector<std::uint8_t> seg = copy_of(tcp_of(kTcpData));
  for (std::size_t i = 0; i < seg.size(); ++i) {
    seg[i] ^= 0x01;
    if (const auto t = TcpView::parse(seg)) {
      EXPECT_FALSE(t->verify_checksum(kA, kR)) << i;
    }
    seg[i] ^= 0x01;
  }
}

TEST(Rfc9293Tcp, EmitRefusesMoreThanFortyBytesOfOptions) {
  TcpRepr r;
  r.mss = 1460;
  r.timestamps = TcpTimestamps{};
  r.window_scale = 7;
  r.sack_count = 4;  // 4 + 12 + 4 + 36 = 56
  std::vector<std::uint8_t> out(r.size());
  EXPECT_EQ(r.emit(out, kA, kR), 0u);
}

// A device with checksum offload (virtio NEEDS_CSUM) expects the field to hold the
// pseudo-header sum; summing from the TCP header on and complementing then gives exactly
// the checksum emit() computes.
TEST(Rfc9293Checksum, PartialChecksumCompletedAsTheKernelDoesEqualsTheFullOne) {
  TcpRepr r = TcpRepr::parse(*TcpView::parse(tcp_of(kTcpData)));
  const ByteSpan payload = TcpView::parse(tcp_of(kTcpData))->payload();
  std::vector<std::uint8_t> full(r.size() + payload.size()), partial(full.size());
  std::copy(payload.begin(), payload.end(), full.begin() + static_cast<std::ptrdiff_t>(r.size()));
  std::copy(payload.begin(), payload.end(), partial.begin() + static_cast<std::ptrdiff_t>(r.size()));
  ASSERT_EQ(r.emit(full, kA, kR), r.size());
  ASSERT_EQ(r.emit_partial_checksum(partial, kA, kR), r.size());
  EXPECT_EQ(load_be16(partial, 16), pseudo_header_sum(kA, kR, 6, static_cast<std::uint32_t>(partial.size())));
  EXPECT_FALSE(TcpView::parse(partial)->verify_checksum(kA, kR));
  ASSERT_TRUE(complete_checksum(partial, 0, 16));
  EXPECT_EQ(partial, full);
  EXPECT_TRUE(TcpView::parse(partial)->verify_checksum(kA, kR));
}

}  // namespace
}  // namespace tunkit
