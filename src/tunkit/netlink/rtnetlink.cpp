#include "tunkit/netlink/rtnetlink.hpp"

#include <libmnl/libmnl.h>
#include <linux/if.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/if_tun.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <sys/socket.h>

#include <fmt/format.h>

#include <cstring>
#include <vector>

namespace tunkit::netlink {
namespace {

constexpr std::size_t kBufferSize = 32 * 1024;  // a dump's recv() may hold many messages

// Adds the hint a user needs for the common errnos of rtnetlink requests.
std::unexpected<Error> request_error(const Error& e, std::string_view what) {
  const int err = e.code.value();
  std::string hint;
  if (err == EPERM || err == EACCES) hint = " (needs root or CAP_NET_ADMIN)";
  return fail(e.code, fmt::format("{}: {}{}", what, std::strerror(err), hint));
}

struct Message {
  std::vector<char> storage = std::vector<char>(kBufferSize);
  nlmsghdr* header;

  Message(std::uint16_t type, int flags) {
    header = mnl_nlmsg_put_header(storage.data());
    header->nlmsg_type = type;
    // Every non-dump request asks for an ack, so a reply always ends in one.
    if ((flags & NLM_F_DUMP) != NLM_F_DUMP) flags |= NLM_F_ACK;
    header->nlmsg_flags = static_cast<std::uint16_t>(NLM_F_REQUEST | flags);
  }
  template <class T>
  T* put_extra() {
    return static_cast<T*>(mnl_nlmsg_put_extra_header(header, sizeof(T)));
  }
};

void put_address(nlmsghdr* nlh, std::uint16_t type, const IpAddress& ip) {
  mnl_attr_put(nlh, type, ip.size(), ip.bytes.data());
}

IpAddress address_from(const nlattr* attr, std::uint8_t family) {
  IpAddress ip;
  ip.family = family == AF_INET6 ? IpFamily::v6 : IpFamily::v4;
  const auto len = std::min<std::size_t>(mnl_attr_get_payload_len(attr), ip.size());
  std::memcpy(ip.bytes.data(), mnl_attr_get_payload(attr), len);
  return ip;
}

// Collects the attributes of one nesting level, indexed by type.
template <std::size_t N>
struct Attributes {
  const nlattr* at[N + 1] = {};
  static int collect(const nlattr* attr, void* data) {
    auto* self = static_cast<Attributes*>(data);
    const auto type = mnl_attr_get_type(attr);
    if (type <= N) self->at[type] = attr;
    return MNL_CB_OK;
  }
  void parse(const nlmsghdr* nlh, std::size_t offset) { mnl_attr_parse(nlh, static_cast<unsigned>(offset), collect, this); }
  void parse_nested(const nlattr* nest) { mnl_attr_parse_nested(nest, collect, this); }
  const nlattr* operator[](std::size_t type) const { return type <= N ? at[type] : nullptr; }
};

std::uint8_t u8_of(const nlattr* a) { return a ? mnl_attr_get_u8(a) : 0; }

LinkInfo link_from(const nlmsghdr* nlh) {
  const auto* ifi = static_cast<const ifinfomsg*>(mnl_nlmsg_get_payload(nlh));
  LinkInfo link;
  link.index = ifi->ifi_index;
  link.flags = ifi->ifi_flags;
  Attributes<IFLA_MAX> tb;
  tb.parse(nlh, sizeof(ifinfomsg));
  if (tb[IFLA_IFNAME]) link.name = mnl_attr_get_str(tb[IFLA_IFNAME]);
  if (tb[IFLA_MTU]) link.mtu = mnl_attr_get_u32(tb[IFLA_MTU]);
  if (tb[IFLA_TXQLEN]) link.txqueuelen = mnl_attr_get_u32(tb[IFLA_TXQLEN]);
  if (tb[IFLA_ADDRESS] && mnl_attr_get_payload_len(tb[IFLA_ADDRESS]) == 6) {
    MacAddress mac;
    std::memcpy(mac.bytes.data(), mnl_attr_get_payload(tb[IFLA_ADDRESS]), 6);
    link.mac = mac;
  }
  if (!tb[IFLA_LINKINFO]) return link;
  Attributes<IFLA_INFO_MAX> info;
  info.parse_nested(tb[IFLA_LINKINFO]);
  if (info[IFLA_INFO_KIND]) link.kind = mnl_attr_get_str(info[IFLA_INFO_KIND]);
  if (link.kind != "tun" || !info[IFLA_INFO_DATA]) return link;
  Attributes<IFLA_TUN_MAX> data;
  data.parse_nested(info[IFLA_INFO_DATA]);
  TunInfo tun;
  tun.tap = u8_of(data[IFLA_TUN_TYPE]) == IFF_TAP;
  tun.packet_info = u8_of(data[IFLA_TUN_PI]) != 0;
  tun.vnet_hdr = u8_of(data[IFLA_TUN_VNET_HDR]) != 0;
  tun.multi_queue = u8_of(data[IFLA_TUN_MULTI_QUEUE]) != 0;
  tun.persist = u8_of(data[IFLA_TUN_PERSIST]) != 0;
  if (data[IFLA_TUN_OWNER]) tun.owner = mnl_attr_get_u32(data[IFLA_TUN_OWNER]);
  if (data[IFLA_TUN_GROUP]) tun.group = mnl_attr_get_u32(data[IFLA_TUN_GROUP]);
  if (data[IFLA_TUN_NUM_QUEUES]) tun.queues = mnl_attr_get_u32(data[IFLA_TUN_NUM_QUEUES]);
  if (data[IFLA_TUN_NUM_DISABLED_QUEUES])
    tun.disabled_queues = mnl_attr_get_u32(data[IFLA_TUN_NUM_DISABLED_QUEUES]);
  link.tun = tun;
  return link;
}

}  // namespace

bool LinkInfo::up() const noexcept { return (flags & IFF_UP) != 0; }

std::string RtNetlink::name_of(int index) {
  Message m(RTM_GETLINK, 0);
  auto* ifi = m.put_extra<ifinfomsg>();
  ifi->ifi_family = AF_UNSPEC;
  ifi->ifi_index = index;
  std::string name = fmt::format("ifindex {}", index);
  (void)transact(m.header, [&](const nlmsghdr* nlh) {
    if (nlh->nlmsg_type == RTM_NEWLINK) name = link_from(nlh).name;
  });
  return name;
}

void RtNetlink::Closer::operator()(mnl_socket* s) const noexcept { mnl_socket_close(s); }

Result<RtNetlink> RtNetlink::open() {
  mnl_socket* raw = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
  if (!raw) return fail_errno_context(errno, "open rtnetlink socket");
  RtNetlink rtnl(raw);
  if (mnl_socket_bind(raw, 0, MNL_SOCKET_AUTOPID) < 0)
    return fail_errno_context(errno, "bind rtnetlink socket");
  // Short error acks: the kernel need not echo our request back, we only want errno.
  int one = 1;
  mnl_socket_setsockopt(raw, NETLINK_CAP_ACK, &one, sizeof one);
  // The kernel answers at once; a bound on the wait keeps a lost reply from hanging us.
  timeval timeout{5, 0};
  ::setsockopt(mnl_socket_get_fd(raw), SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  rtnl.port_id_ = mnl_socket_get_portid(raw);
  return rtnl;
}

Result<void> RtNetlink::transact(nlmsghdr* msg,
                                 const std::function<void(const nlmsghdr*)>& on_message) {
  msg->nlmsg_seq = ++sequence_;
  if (mnl_socket_sendto(socket_.get(), msg, msg->nlmsg_len) < 0)
    return fail_errno_context(errno, "rtnetlink send");
  std::vector<char> buffer(kBufferSize);
  struct Context {
    const std::function<void(const nlmsghdr*)>* on_message;
  } context{&on_message};
  auto callback = [](const nlmsghdr* nlh, void* data) -> int {
    auto* ctx = static_cast<Context*>(data);
    if (*ctx->on_message) (*ctx->on_message)(nlh);
    return MNL_CB_OK;
  };
  for (;;) {
    const ssize_t got = mnl_socket_recvfrom(socket_.get(), buffer.data(), buffer.size());
    if (got < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN) return fail_errno(ETIMEDOUT, "no rtnetlink reply from the kernel in 5 s");
      return fail_errno_context(errno, "rtnetlink receive");
    }
    const int run = mnl_cb_run(buffer.data(), static_cast<std::size_t>(got), sequence_,
                               port_id_, callback, &context);
    if (run == MNL_CB_STOP) return {};
    if (run < 0) return fail_errno(errno, std::strerror(errno));
  }
}

Result<std::vector<LinkInfo>> RtNetlink::links() {
  Message m(RTM_GETLINK, NLM_F_DUMP);
  m.put_extra<ifinfomsg>()->ifi_family = AF_UNSPEC;
  std::vector<LinkInfo> out;
  auto ok = transact(m.header, [&](const nlmsghdr* nlh) {
    if (nlh->nlmsg_type == RTM_NEWLINK) out.push_back(link_from(nlh));
  });
  if (!ok) return request_error(ok.error(), "list links");
  return out;
}

Result<LinkInfo> RtNetlink::link(std::string_view name) {
  Message m(RTM_GETLINK, 0);
  m.put_extra<ifinfomsg>()->ifi_family = AF_UNSPEC;
  mnl_attr_put_strz(m.header, IFLA_IFNAME, std::string(name).c_str());
  std::optional<LinkInfo> found;
  auto ok = transact(m.header, [&](const nlmsghdr* nlh) {
    if (nlh->nlmsg_type == RTM_NEWLINK) found = link_from(nlh);
  });
  if (!ok && ok.error().is(std::errc::no_such_device))
    return fail_errno(ENODEV, fmt::format("no device named '{}' in this network namespace", name));
  if (!ok) return request_error(ok.error(), fmt::format("look up link {}", name));
  if (!found) return fail(Errc::netlink_protocol, "RTM_GETLINK returned no link");
  return *found;
}

namespace {
Message link_change(int index) {
  Message m(RTM_NEWLINK, 0);
  auto* ifi = m.put_extra<ifinfomsg>();
  ifi->ifi_family = AF_UNSPEC;
  ifi->ifi_index = index;
  return m;
}
}  // namespace

Result<void> RtNetlink::set_up(int index, bool up) {
  Message m = link_change(index);
  auto* ifi = static_cast<ifinfomsg*>(mnl_nlmsg_get_payload(m.header));
  ifi->ifi_change = IFF_UP;
  ifi->ifi_flags = up ? IFF_UP : 0;
  if (auto ok = transact(m.header, {}); !ok)
    return request_error(ok.error(), fmt::format("set {} {}", name_of(index), up ? "up" : "down"));
  return {};
}

Result<void> RtNetlink::set_mtu(int index, unsigned mtu) {
  Message m = link_change(index);
  mnl_attr_put_u32(m.header, IFLA_MTU, mtu);
  if (auto ok = transact(m.header, {}); !ok) {
    if (ok.error().is(std::errc::invalid_argument))
      return fail(ok.error().code, fmt::format("set mtu {} on {}: out of the device's range "
                                               "(TUN/TAP take 68..65535)", mtu, name_of(index)));
    return request_error(ok.error(), fmt::format("set mtu {} on {}", mtu, name_of(index)));
  }
  return {};
}

Result<void> RtNetlink::set_mac(int index, const MacAddress& mac) {
  Message m = link_change(index);
  mnl_attr_put(m.header, IFLA_ADDRESS, mac.bytes.size(), mac.bytes.data());
  if (auto ok = transact(m.header, {}); !ok)
    return request_error(ok.error(), fmt::format("set MAC {} on {}", mac.to_string(), name_of(index)));
  return {};
}

Result<void> RtNetlink::set_txqueuelen(int index, unsigned length) {
  Message m = link_change(index);
  mnl_attr_put_u32(m.header, IFLA_TXQLEN, length);
  if (auto ok = transact(m.header, {}); !ok)
    return request_error(ok.error(), fmt::format("set txqueuelen {} on {}", length, name_of(index)));
  return {};
}

Result<std::vector<AddressInfo>> RtNetlink::addresses(std::optional<int> index) {
  Message m(RTM_GETADDR, NLM_F_DUMP);
  m.put_extra<ifaddrmsg>()->ifa_family = AF_UNSPEC;
  std::vector<AddressInfo> out;
  auto ok = transact(m.header, [&](const nlmsghdr* nlh) {
    if (nlh->nlmsg_type != RTM_NEWADDR) return;
    const auto* ifa = static_cast<const ifaddrmsg*>(mnl_nlmsg_get_payload(nlh));
    if (index && static_cast<int>(ifa->ifa_index) != *index) return;
    Attributes<IFA_MAX> tb;
    tb.parse(nlh, sizeof(ifaddrmsg));
    const nlattr* a = tb[IFA_LOCAL] ? tb[IFA_LOCAL] : tb[IFA_ADDRESS];
    if (!a) return;
    out.push_back({static_cast<int>(ifa->ifa_index),
                   IpPrefix{address_from(a, ifa->ifa_family), ifa->ifa_prefixlen}});
  });
  if (!ok) return request_error(ok.error(), "list addresses");
  return out;
}

namespace {
Message address_message(std::uint16_t type, int flags, int index, const IpPrefix& p) {
  Message m(type, flags);
  auto* ifa = m.put_extra<ifaddrmsg>();
  ifa->ifa_family = static_cast<std::uint8_t>(p.address.af());
  ifa->ifa_prefixlen = p.length;
  ifa->ifa_scope = RT_SCOPE_UNIVERSE;
  ifa->ifa_index = static_cast<std::uint32_t>(index);
  put_address(m.header, IFA_LOCAL, p.address);
  put_address(m.header, IFA_ADDRESS, p.address);
  return m;
}
}  // namespace

Result<void> RtNetlink::add_address(int index, const IpPrefix& prefix) {
  Message m = address_message(RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL, index, prefix);
  if (auto ok = transact(m.header, {}); !ok) {
    if (ok.error().is(std::errc::file_exists))
      return fail(ok.error().code, fmt::format("address {} is already on {}", prefix.to_string(),
                                               name_of(index)));
    return request_error(ok.error(), fmt::format("add address {} to {}", prefix.to_string(),
                                                 name_of(index)));
  }
  return {};
}

Result<void> RtNetlink::remove_address(int index, const IpPrefix& prefix) {
  Message m = address_message(RTM_DELADDR, 0, index, prefix);
  if (auto ok = transact(m.header, {}); !ok)
    return request_error(ok.error(), fmt::format("remove address {} from {}", prefix.to_string(),
                                                 name_of(index)));
  return {};
}

Result<std::vector<RouteInfo>> RtNetlink::routes(std::optional<int> index) {
  Message m(RTM_GETROUTE, NLM_F_DUMP);
  m.put_extra<rtmsg>()->rtm_family = AF_UNSPEC;
  std::vector<RouteInfo> out;
  auto ok = transact(m.header, [&](const nlmsghdr* nlh) {
    if (nlh->nlmsg_type != RTM_NEWROUTE) return;
    const auto* rt = static_cast<const rtmsg*>(mnl_nlmsg_get_payload(nlh));
    if (rt->rtm_type != RTN_UNICAST) return;
    Attributes<RTA_MAX> tb;
    tb.parse(nlh, sizeof(rtmsg));
    const std::uint32_t table = tb[RTA_TABLE] ? mnl_attr_get_u32(tb[RTA_TABLE]) : rt->rtm_table;
    if (table != RT_TABLE_MAIN) return;
    RouteInfo route;
    route.index = tb[RTA_OIF] ? static_cast<int>(mnl_attr_get_u32(tb[RTA_OIF])) : 0;
    if (index && route.index != *index) return;
    route.destination.address.family = rt->rtm_family == AF_INET6 ? IpFamily::v6 : IpFamily::v4;
    if (tb[RTA_DST]) route.destination.address = address_from(tb[RTA_DST], rt->rtm_family);
    route.destination.length = rt->rtm_dst_len;
    if (tb[RTA_GATEWAY]) route.gateway = address_from(tb[RTA_GATEWAY], rt->rtm_family);
    out.push_back(route);
  });
  if (!ok) return request_error(ok.error(), "list routes");
  return out;
}

namespace {
Message route_message(std::uint16_t type, int flags, int index, const IpPrefix& dst,
                      const std::optional<IpAddress>& gateway) {
  Message m(type, flags);
  auto* rt = m.put_extra<rtmsg>();
  rt->rtm_family = static_cast<std::uint8_t>(dst.address.af());
  rt->rtm_dst_len = dst.length;
  rt->rtm_table = RT_TABLE_MAIN;
  rt->rtm_protocol = RTPROT_BOOT;
  rt->rtm_type = RTN_UNICAST;
  rt->rtm_scope = type == RTM_DELROUTE ? RT_SCOPE_NOWHERE
                  : gateway             ? RT_SCOPE_UNIVERSE
                                        : RT_SCOPE_LINK;
  if (dst.length > 0) put_address(m.header, RTA_DST, dst.address);
  if (gateway) put_address(m.header, RTA_GATEWAY, *gateway);
  mnl_attr_put_u32(m.header, RTA_OIF, static_cast<std::uint32_t>(index));
  return m;
}

std::string route_text(const IpPrefix& dst, const std::optional<IpAddress>& gateway,
                       const std::string& device) {
  return fmt::format("{}{} dev {}", dst.to_string(),
                     gateway ? " via " + gateway->to_string() : std::string(), device);
}
}  // namespace

Result<void> RtNetlink::add_route(int index, const IpPrefix& destination,
                                  std::optional<IpAddress> gateway) {
  if (gateway && gateway->family != destination.address.family)
    return fail_errno(EINVAL, fmt::format("route {}: gateway and destination are of different "
                                          "address families", route_text(destination, gateway, name_of(index))));
  Message m = route_message(RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL, index, destination, gateway);
  if (auto ok = transact(m.header, {}); !ok) {
    const auto text = route_text(destination, gateway, name_of(index));
    if (ok.error().is(std::errc::file_exists))
      return fail(ok.error().code, fmt::format("route {} exists already", text));
    if (ok.error().is(std::errc::network_unreachable))
      return fail(ok.error().code, fmt::format("route {}: the gateway is not on a prefix of the "
                                               "device (add an address first) or the device is down",
                                               text));
    return request_error(ok.error(), fmt::format("add route {}", text));
  }
  return {};
}

Result<void> RtNetlink::remove_route(int index, const IpPrefix& destination,
                                     std::optional<IpAddress> gateway) {
  Message m = route_message(RTM_DELROUTE, 0, index, destination, gateway);
  if (auto ok = transact(m.header, {}); !ok)
    return request_error(ok.error(), fmt::format("remove route {}",
                                                 route_text(destination, gateway, name_of(index))));
  return {};
}

Result<void> RtNetlink::add_veth(std::string_view name, std::string_view peer_name,
                                 int peer_netns_fd) {
  Message m(RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL);
  m.put_extra<ifinfomsg>()->ifi_family = AF_UNSPEC;
  mnl_attr_put_strz(m.header, IFLA_IFNAME, std::string(name).c_str());
  nlattr* linkinfo = mnl_attr_nest_start(m.header, IFLA_LINKINFO);
  mnl_attr_put_strz(m.header, IFLA_INFO_KIND, "veth");
  nlattr* data = mnl_attr_nest_start(m.header, IFLA_INFO_DATA);
  nlattr* peer = mnl_attr_nest_start(m.header, VETH_INFO_PEER);
  m.put_extra<ifinfomsg>()->ifi_family = AF_UNSPEC;  // VETH_INFO_PEER opens with an ifinfomsg
  mnl_attr_put_strz(m.header, IFLA_IFNAME, std::string(peer_name).c_str());
  mnl_attr_put_u32(m.header, IFLA_NET_NS_FD, static_cast<std::uint32_t>(peer_netns_fd));
  mnl_attr_nest_end(m.header, peer);
  mnl_attr_nest_end(m.header, data);
  mnl_attr_nest_end(m.header, linkinfo);
  if (auto ok = transact(m.header, {}); !ok)
    return request_error(ok.error(), fmt::format("add veth {} peer {}", name, peer_name));
  return {};
}

Result<void> RtNetlink::remove_link(int index) {
  Message m(RTM_DELLINK, 0);
  auto* ifi = m.put_extra<ifinfomsg>();
  ifi->ifi_family = AF_UNSPEC;
  ifi->ifi_index = index;
  const auto name = name_of(index);
  if (auto ok = transact(m.header, {}); !ok)
    return request_error(ok.error(), fmt::format("delete link {}", name));
  return {};
}

}  // namespace tunkit::netlink
