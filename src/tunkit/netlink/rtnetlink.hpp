// rtnetlink (NETLINK_ROUTE) over libmnl: links, addresses, routes. What `ip link`,
// `ip address` and `ip route` do, as library calls. A socket belongs to the network
// namespace it was opened in, and so do all its requests.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tunkit/base/error.hpp"
#include "tunkit/wire/address.hpp"

struct mnl_socket;
struct nlmsghdr;

namespace tunkit::netlink {

// The tun driver's IFLA_INFO_DATA (IFLA_TUN_*), as `ip -d link show` prints it.
struct TunInfo {
  bool tap = false;
  bool packet_info = false;
  bool vnet_hdr = false;
  bool multi_queue = false;
  bool persist = false;
  std::optional<uid_t> owner;
  std::optional<gid_t> group;
  unsigned queues = 0;           // attached and enabled
  unsigned disabled_queues = 0;
};

struct LinkInfo {
  int index = 0;
  std::string name;
  unsigned flags = 0;            // IFF_UP, IFF_RUNNING, ...
  unsigned mtu = 0;
  unsigned txqueuelen = 0;
  std::optional<MacAddress> mac;
  std::string kind;              // IFLA_INFO_KIND: "tun", "veth", "" ...
  std::optional<TunInfo> tun;    // set when kind == "tun"

  bool up() const noexcept;
};

struct AddressInfo {
  int index = 0;
  IpPrefix prefix;
};

struct RouteInfo {
  IpPrefix destination;
  std::optional<IpAddress> gateway;
  int index = 0;                 // output interface
};

class RtNetlink {
 public:
  // Opens a NETLINK_ROUTE socket in the calling thread's network namespace.
  static Result<RtNetlink> open();

  Result<std::vector<LinkInfo>> links();
  Result<LinkInfo> link(std::string_view name);  // ENODEV with a message if absent

  Result<void> set_up(int index, bool up);
  Result<void> set_mtu(int index, unsigned mtu);
  Result<void> set_mac(int index, const MacAddress& mac);
  Result<void> set_txqueuelen(int index, unsigned length);

  Result<std::vector<AddressInfo>> addresses(std::optional<int> index = std::nullopt);
  Result<void> add_address(int index, const IpPrefix& prefix);
  Result<void> remove_address(int index, const IpPrefix& prefix);

  // Main table, unicast, boot protocol, as `ip route add` without options.
  Result<std::vector<RouteInfo>> routes(std::optional<int> index = std::nullopt);
  Result<void> add_route(int index, const IpPrefix& destination,
                         std::optional<IpAddress> gateway = std::nullopt);
  Result<void> remove_route(int index, const IpPrefix& destination,
                            std::optional<IpAddress> gateway = std::nullopt);

  // A veth pair: `name` here, `peer_name` moved into the namespace of `peer_netns_fd`.
  Result<void> add_veth(std::string_view name, std::string_view peer_name, int peer_netns_fd);
  Result<void> remove_link(int index);

 private:
  struct Closer {
    void operator()(mnl_socket* s) const noexcept;
  };
  explicit RtNetlink(mnl_socket* s) : socket_(s) {}

  // Sends `msg` and reads replies until the ack (NLM_F_ACK) or the end of a dump; each
  // data message goes to `on_message`. A netlink error comes back as its errno.
  // The name of interface `index` in this socket's namespace, for messages.
  std::string name_of(int index);
  Result<void> transact(nlmsghdr* msg, const std::function<void(const nlmsghdr*)>& on_message);

  std::unique_ptr<mnl_socket, Closer> socket_;
  std::uint32_t port_id_ = 0;
  std::uint32_t sequence_ = 0;
};

}  // namespace tunkit::netlink
