// Device tests against the real tun driver. Each test runs inside a network namespace of
// its own (netlink::Netns), so nothing it creates is visible outside, and nothing is sent
// anywhere: packets go from the test into its TUN and from the namespace's kernel back.
#include "tunkit/dev/tun.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <linux/if_ether.h>
#include <poll.h>
#include <unistd.h>

#include "tunkit/netlink/netns.hpp"
#include "tunkit/netlink/rtnetlink.hpp"
#include "tunkit/wire/icmpv4.hpp"
#include "tunkit/wire/ipv4.hpp"

namespace tunkit::dev {
namespace {

class TunDevice : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root: creates a network namespace and devices";
    auto ns = netlink::Netns::create();
    ASSERT_TRUE(ns) << ns.error().message;
    ns_.emplace(std::move(*ns));
    auto rtnl = ns_->run(netlink::RtNetlink::open);
    ASSERT_TRUE(rtnl) << rtnl.error().message;
    rtnl_.emplace(std::move(*rtnl));
  }
  Result<Device> open(OpenOptions options) const {
    return ns_->run([&] { return Device::open(options); });
  }
  std::optional<netlink::Netns> ns_;
  std::optional<netlink::RtNetlink> rtnl_;
};

TEST_F(TunDevice, KernelPicksTheNumberForAPattern) {
  auto first = open({.name = "tk%d"});
  auto second = open({.name = "tk%d"});
  ASSERT_TRUE(first && second);
  EXPECT_EQ(first->name(), "tk0");
  EXPECT_EQ(second->name(), "tk1");
}

TEST_F(TunDevice, TransientVanishesWithItsFdPersistentStays) {
  { auto dev = open({.name = "tkt"}); ASSERT_TRUE(dev); EXPECT_TRUE(rtnl_->link("tkt")); }
  EXPECT_TRUE(rtnl_->link("tkt").error().is(std::errc::no_such_device));
  {
    auto dev = open({.name = "tkp", .mode = Mode::tap});
    ASSERT_TRUE(dev);
    ASSERT_TRUE(dev->set_persist(true));
  }
  auto link = rtnl_->link("tkp");
  ASSERT_TRUE(link);
  ASSERT_TRUE(link->tun);
  EXPECT_TRUE(link->tun->persist);
  EXPECT_TRUE(link->tun->tap);
  ASSERT_TRUE(ns_->run([] { return remove_persistent("tkp", Mode::tap); }));
  EXPECT_FALSE(rtnl_->link("tkp"));
}

TEST_F(TunDevice, MultiQueueOpensNQueuesAndCanDisableOne) {
  auto dev = open({.name = "tkmq", .queues = 4});
  ASSERT_TRUE(dev) << dev.error().message;
  EXPECT_EQ(dev->queue_count(), 4u);
  EXPECT_TRUE(dev->multi_queue());
  auto link = rtnl_->link("tkmq");
  ASSERT_TRUE(link && link->tun);
  EXPECT_TRUE(link->tun->multi_queue);
  EXPECT_EQ(link->tun->queues, 4u);
  ASSERT_TRUE(dev->set_queue_enabled(3, false));
  link = rtnl_->link("tkmq");
  EXPECT_EQ(link->tun->queues, 3u);
  EXPECT_EQ(link->tun->disabled_queues, 1u);
  for (std::size_t q = 0; q < 4; ++q) EXPECT_GE(dev->queue(q).fd(), 0);
}

TEST_F(TunDevice, FlagsReadBackWithTungetiff) {
  auto dev = open({.name = "tkf", .packet_info = true, .vnet_hdr = true});
  ASSERT_TRUE(dev);
  auto flags = dev->kernel_flags();
  ASSERT_TRUE(flags);
  EXPECT_TRUE(*flags & IFF_TUN);
  EXPECT_TRUE(*flags & IFF_VNET_HDR);
  EXPECT_FALSE(*flags & IFF_MULTI_QUEUE);
  // TUNGETIFF reports IFF_NOFILTER in the bit IFF_NO_PI shares; netlink tells pi apart.
  auto link = rtnl_->link("tkf");
  ASSERT_TRUE(link && link->tun);
  EXPECT_TRUE(link->tun->packet_info);
  EXPECT_TRUE(link->tun->vnet_hdr);
}

TEST_F(TunDevice, OwnerAndGroupAreReportedByNetlink) {
  auto dev = open({.name = "tko"});
  ASSERT_TRUE(dev);
  ASSERT_TRUE(dev->set_owner(65534));
  ASSERT_TRUE(dev->set_group(65533));
  auto link = rtnl_->link("tko");
  ASSERT_TRUE(link && link->tun);
  EXPECT_EQ(link->tun->owner, 65534u);
  EXPECT_EQ(link->tun->group, 65533u);
}

TEST_F(TunDevice, OffloadProbeKeepsWhatTheKernelAccepts) {
  auto dev = open({.name = "tkv", .vnet_hdr = true});
  ASSERT_TRUE(dev);
  auto accepted = dev->set_offloads(Offloads::all());
  ASSERT_TRUE(accepted) << accepted.error().message;
  // Every kernel with IFF_VNET_HDR has had checksum and TSO offload (since 2.6.27).
  EXPECT_TRUE(accepted->has(TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6)) << accepted->to_string();
  // An unknown bit alone is refused by the kernel and so dropped, not an error.
  auto none = dev->set_offloads(Offloads{1u << 30});
  ASSERT_TRUE(none);
  EXPECT_EQ(none->bits, 0u);
}

TEST_F(TunDevice, ModeMismatchSaysWhichModeToUse) {
  auto tap = open({.name = "tkmm", .mode = Mode::tap});
  ASSERT_TRUE(tap);
  auto as_tun = open({.name = "tkmm", .mode = Mode::tun});
  ASSERT_FALSE(as_tun);
  EXPECT_TRUE(as_tun.error().is(Errc::mode_mismatch));
  EXPECT_EQ(as_tun.error().message, "tkmm is a TAP device; attach with mode tap");
}

TEST_F(TunDevice, SecondAttachIsBusyUnlessMultiQueue) {
  auto first = open({.name = "tkb"});
  ASSERT_TRUE(first);
  auto second = open({.name = "tkb"});
  ASSERT_FALSE(second);
  EXPECT_TRUE(second.error().is(std::errc::device_or_resource_busy));
  EXPECT_NE(second.error().message.find("busy"), std::string::npos);
  EXPECT_NE(second.error().message.find("multi-queue"), std::string::npos);
}

TEST_F(TunDevice, ExclusiveOpenOfAnExistingNameSaysItExists) {
  auto first = open({.name = "tkx"});
  ASSERT_TRUE(first);
  auto again = open({.name = "tkx", .exclusive = true});
  ASSERT_FALSE(again);
  EXPECT_TRUE(again.error().is(std::errc::file_exists));
}

TEST_F(TunDevice, NameOfAnotherKindOfLinkIsNotTuntap) {
  auto lo = open({.name = "lo"});
  ASSERT_FALSE(lo);
  EXPECT_TRUE(lo.error().is(Errc::not_tuntap)) << lo.error().message;
}

TEST_F(TunDevice, TapTakesTheMacThatWasSet) {
  auto tap = open({.name = "tkmac", .mode = Mode::tap});
  ASSERT_TRUE(tap);
  const auto mac = *MacAddress::parse("02:74:6b:aa:bb:cc");
  ASSERT_TRUE(tap->set_mac(mac)) ;
  EXPECT_EQ(rtnl_->link("tkmac")->mac, mac);
  auto tun = open({.name = "tknomac"});
  EXPECT_FALSE(tun->set_mac(mac));
}

TEST_F(TunDevice, TxqueuelenIsSet) {
  auto dev = open({.name = "tkq"});
  ASSERT_TRUE(dev);
  ASSERT_TRUE(ns_->run([&] { return dev->set_txqueuelen(1234); }));
  EXPECT_EQ(rtnl_->link("tkq")->txqueuelen, 1234u);
}

// The kernel answers an echo request written into the TUN (addressed to the TUN's own
// address) by routing the reply back into it: a full write/read round trip, in a batch,
// at an offset, with the packet-info header beside the packet.
TEST_F(TunDevice, BatchWriteAndReadRoundTripThroughTheKernel) {
  auto dev = open({.name = "tkio", .packet_info = true});
  ASSERT_TRUE(dev);
  const auto link = rtnl_->link("tkio");
  ASSERT_TRUE(rtnl_->add_address(link->index, *IpPrefix::parse("10.66.0.1/24")));
  ASSERT_TRUE(rtnl_->set_up(link->index, true));

  constexpr std::size_t kCount = 4, kHeadroom = 64;
  std::vector<std::uint8_t> storage(kCount * 2048);
  std::vector<PacketSlot> out(kCount);
  for (std::size_t i = 0; i < kCount; ++i) {
    auto& slot = out[i];
    slot.buffer = std::span(storage).subspan(i * 2048, 2048);
    slot.offset = kHeadroom;
    auto packet = slot.buffer.subspan(kHeadroom);
    Ipv4Repr ip;
    ip.source = *IpAddress::parse("10.66.0.2");
    ip.destination = *IpAddress::parse("10.66.0.1");
    ip.protocol = IpProtocol::icmp;
    ip.payload_length = 8 + 32;
    const auto icmp = Icmpv4Repr::echo(Icmpv4Type::echo_request, 0x1234,
                                       static_cast<std::uint16_t>(i), 32);
    ASSERT_EQ(icmp.emit(packet.subspan(ip.size())), 8u);
    ASSERT_EQ(ip.emit(packet), 20u);
    slot.length = 20 + 8 + 32;
    slot.pi.proto = htons(ETH_P_IP);
  }
  auto written = dev->queue().write(out);
  ASSERT_TRUE(written) << written.error().message;
  EXPECT_EQ(*written, kCount);

  std::vector<std::uint8_t> in_storage(kCount * 2048);
  std::vector<PacketSlot> in(kCount);
  for (std::size_t i = 0; i < kCount; ++i)
    in[i] = {.buffer = std::span(in_storage).subspan(i * 2048, 2048), .offset = kHeadroom};
  std::vector<std::uint16_t> sequences;
  for (int round = 0; round < 50 && sequences.size() < kCount; ++round) {
    pollfd pfd{dev->queue().fd(), POLLIN, 0};
    ::poll(&pfd, 1, 100);
    auto got = dev->queue().read(in);
    ASSERT_TRUE(got) << got.error().message;
    for (std::size_t i = 0; i < *got; ++i) {
      if (ntohs(in[i].pi.proto) != ETH_P_IP) continue;  // e.g. an IPv6 router solicitation
      auto ip = Ipv4View::parse(in[i].packet());
      ASSERT_TRUE(ip);
      if (ip->protocol() != IpProtocol::icmp) continue;
      auto icmp = Icmpv4View::parse(ip->payload());
      ASSERT_TRUE(icmp);
      EXPECT_EQ(icmp->type(), Icmpv4Type::echo_reply);
      EXPECT_EQ(icmp->identifier(), 0x1234);
      EXPECT_EQ(ip->destination(), *IpAddress::parse("10.66.0.2"));
      // The headroom before the packet was left alone.
      EXPECT_EQ(in[i].buffer[kHeadroom - 1], 0);
      sequences.push_back(icmp->sequence());
    }
  }
  EXPECT_EQ(sequences, (std::vector<std::uint16_t>{0, 1, 2, 3}));
}

TEST_F(TunDevice, ReadAfterTheDeviceIsDeletedSaysItIsGone) {
  auto dev = open({.name = "tkgone"});
  ASSERT_TRUE(dev);
  ASSERT_TRUE(dev->set_persist(true));
  ASSERT_TRUE(rtnl_->remove_link(rtnl_->link("tkgone")->index));
  std::vector<std::uint8_t> buffer(2048);
  PacketSlot slot{.buffer = buffer};
  auto got = dev->queue().read(std::span(&slot, 1));
  ASSERT_FALSE(got);
  EXPECT_TRUE(got.error().is(Errc::device_gone)) << got.error().message;
}

}  // namespace
}  // namespace tunkit::dev
