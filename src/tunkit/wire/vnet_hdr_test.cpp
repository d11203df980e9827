#include "tunkit/wire/vnet_hdr.hpp"

#include <gtest/gtest.h>

#include <vector>

#include "tunkit/wire/checksum.hpp"
#include "tunkit/wire/ipv4.hpp"
#include "tunkit/wire/tcp.hpp"
#include "tunkit/wire/test_support_test.hpp"

namespace tunkit {
namespace {

using namespace tunkit::captures;
using testing::copy_of;
using testing::ip;

TEST(VirtioNetHdr, DeconstructsRealChecksumOffloadedSyn) {
  // TUN with IFF_VNET_HDR and TUN_F_CSUM: the kernel leaves the TCP checksum to us.
  const auto h = VirtioNetHdrView::parse(kVnetTcpSyn);
  ASSERT_TRUE(h);
  EXPECT_EQ(h->flags(), VirtioNetHdrView::kFlagNeedsCsum);
  EXPECT_TRUE(h->needs_csum());
  EXPECT_FALSE(h->data_valid());
  EXPECT_EQ(h->gso_type(), VirtioGsoType::none);
  EXPECT_FALSE(h->gso_ecn());
  EXPECT_EQ(h->hdr_len(), 0);
  EXPECT_EQ(h->gso_size(), 0);
  EXPECT_EQ(h->csum_start(), 20);   // the TCP header, after a 20-byte IPv4 header
  EXPECT_EQ(h->csum_offset(), 16);  // TCP checksum field
  const auto v = Ipv4View::parse(h->payload());
  ASSERT_TRUE(v);
  EXPECT_EQ(v->protocol(), IpProtocol::tcp);
  EXPECT_TRUE(TcpView::parse(v->payload())->syn());
}

TEST(VirtioNetHdr, CompletingThePartialChecksumYieldsAValidSegment) {
  // virtio 1.x §5.1.6.2: the field holds the pseudo-header sum; the device sums from
  // csum_start to the end and stores the result at csum_start + csum_offset.
  const auto h = VirtioNetHdrView::parse(kVnetTcpSyn);
  std::vector<std::uint8_t> packet = copy_of(h->payload());
  const auto v = Ipv4View::parse(packet);
  EXPECT_FALSE(TcpView::parse(v->payload())->verify_checksum(v->source(), v->destination()));
  const std::size_t at = h->csum_start() + std::size_t{h->csum_offset()};
  store_be16(packet, at, internet_checksum(ByteSpan(packet).subspan(h->csum_start())));
  const auto fixed = Ipv4View::parse(packet);
  EXPECT_TRUE(TcpView::parse(fixed->payload())->verify_checksum(fixed->source(), fixed->destination()));
}

TEST(VirtioNetHdr, FieldsAreLittleEndianAndRoundTrip) {
  const VirtioNetHdrRepr gso{VirtioNetHdrView::kFlagNeedsCsum,
                             static_cast<std::uint8_t>(VirtioGsoType::tcpv6) | VirtioNetHdrView::kGsoEcn,
                             74, 1440, 54, 16};
  std::uint8_t out[10];
  ASSERT_EQ(gso.emit(out), 10u);
  const std::uint8_t expected[] = {0x01, 0x84, 74, 0, 0xa0, 0x05, 54, 0, 16, 0};
  EXPECT_TRUE(std::equal(std::begin(out), std::end(out), std::begin(expected)));
  const auto h = VirtioNetHdrView::parse(out);
  EXPECT_EQ(h->gso_type(), VirtioGsoType::tcpv6);
  EXPECT_TRUE(h->gso_ecn());
  EXPECT_EQ(h->gso_size(), 1440);
  EXPECT_EQ(VirtioNetHdrRepr::parse(*h), gso);
  std::uint8_t real[10];
  ASSERT_EQ(VirtioNetHdrRepr::parse(*VirtioNetHdrView::parse(kVnetTcpSyn)).emit(real), 10u);
  EXPECT_TRUE(std::equal(std::begin(real), std::end(real), kVnetTcpSyn.begin()));
}

TEST(VirtioNetHdr, RejectsFewerThanTenBytes) {
  for (std::size_t n = 0; n < 10; ++n)
    EXPECT_EQ(VirtioNetHdrView::check(ByteSpan(kVnetTcpSyn).first(n)), ParseError::truncated);
}

}  // namespace
}  // namespace tunkit
