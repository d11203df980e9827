// Opens a TUN device with a kernel-chosen name, brings it up with an address, and prints
// what rtnetlink says about it. Run it as root, ideally in a namespace of its own:
//   ip netns add demo && ip netns exec demo ./open_tun
#include <tunkit/dev/tun.hpp>
#include <tunkit/netlink/rtnetlink.hpp>

#include <cstdio>

int main() {
  auto device = tunkit::dev::Device::open({.name = "tun%d", .mode = tunkit::dev::Mode::tun});
  if (!device) {
    std::fprintf(stderr, "open_tun: %s\n", device.error().message.c_str());
    return 1;
  }
  auto rtnl = tunkit::netlink::RtNetlink::open();
  if (!rtnl) return std::fprintf(stderr, "open_tun: %s\n", rtnl.error().message.c_str()), 1;
  auto link = rtnl->link(device->name());
  if (!link) return std::fprintf(stderr, "open_tun: %s\n", link.error().message.c_str()), 1;
  if (auto up = rtnl->set_up(link->index, true); !up)
    return std::fprintf(stderr, "open_tun: %s\n", up.error().message.c_str()), 1;
  auto prefix = tunkit::IpPrefix::parse("10.200.0.1/24");
  if (auto added = rtnl->add_address(link->index, *prefix); !added)
    return std::fprintf(stderr, "open_tun: %s\n", added.error().message.c_str()), 1;
  link = rtnl->link(device->name());
  std::printf("%s index %d mtu %u %s %s\n", link->name.c_str(), link->index, link->mtu,
              link->tun && !link->tun->tap ? "tun" : "?", link->up() ? "up" : "down");
  return 0;
}
