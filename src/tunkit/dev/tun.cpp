#include "tunkit/dev/tun.hpp"

#include <fcntl.h>
#include <linux/ethtool.h>
#include <linux/if_arp.h>
#include <linux/sockios.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include <fmt/format.h>

#include <cstring>

#include "tunkit/dev/name.hpp"

#ifndef TUN_F_USO4
#define TUN_F_USO4 tunkit::dev::Offloads::kUso4
#define TUN_F_USO6 tunkit::dev::Offloads::kUso6
#endif

namespace tunkit::dev {
namespace {

constexpr const char* kCloneDevice = "/dev/net/tun";

ifreq make_ifreq(std::string_view name) {
  ifreq ifr{};
  name.copy(ifr.ifr_name, IFNAMSIZ - 1);
  return ifr;
}

// A throwaway socket for the SIOC* interface ioctls of the current namespace.
Result<Fd> control_socket() {
  Fd fd(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  if (!fd) return fail_errno_context(errno, "socket(AF_INET)");
  return fd;
}

// What the interface called `name` is, asked of its driver (ETHTOOL_GDRVINFO): the tun
// driver answers driver "tun" and bus "tun" or "tap"; anything else is "other".
// nullopt: no such interface.
std::optional<std::string> tuntap_kind(std::string_view name) {
  auto sock = control_socket();
  if (!sock) return std::nullopt;
  ethtool_drvinfo info{};
  info.cmd = ETHTOOL_GDRVINFO;
  ifreq ifr = make_ifreq(name);
  ifr.ifr_data = reinterpret_cast<char*>(&info);
  if (::ioctl(sock->get(), SIOCETHTOOL, &ifr) < 0) {
    // The tun driver always answers; a link whose driver does not is another kind.
    return errno == ENODEV ? std::nullopt : std::optional<std::string>("other");
  }
  if (std::strcmp(info.driver, "tun") != 0) return std::string("other");
  return std::string(info.bus_info);  // "tun" or "tap"
}

// Turns a TUNSETIFF failure into a message that says what to do about it.
Error explain_attach_error(int err, const OpenOptions& o) {
  const std::string_view mode = to_string(o.mode);
  switch (err) {
    case EPERM:
    case EACCES:
      return {std::error_code(err, std::generic_category()),
              fmt::format("permission denied for {} device '{}': creating a device needs "
                          "CAP_NET_ADMIN (run as root), and attaching to a persistent one "
                          "needs CAP_NET_ADMIN or to be its owner or group (tunkit dev add {} "
                          "mode {} user USER)",
                          mode, o.name, o.name, mode)};
    case EBUSY:
      if (o.exclusive)
        return {std::make_error_code(std::errc::file_exists),
                fmt::format("device '{}' exists already (tunkit dev del {} mode {} removes a "
                            "persistent one)", o.name, o.name, mode)};
      return {std::error_code(err, std::generic_category()),
              fmt::format("device '{}' is busy: another process is attached and the device "
                          "is not multi-queue (create it with multi-queue to share it)",
                          o.name)};
    case EINVAL: {
      const auto kind = tuntap_kind(o.name);
      if (kind == "other")
        return {make_error_code(Errc::not_tuntap),
                fmt::format("'{}' exists and is not a TUN/TAP device; choose another name",
                            o.name)};
      if (kind == "tun" || kind == "tap") {
        if (*kind != mode)
          return {make_error_code(Errc::mode_mismatch),
                  fmt::format("{} is a {} device; attach with mode {}", o.name,
                              *kind == "tun" ? "TUN" : "TAP", *kind)};
        const bool want_mq = o.multi_queue || o.queues > 1;
        return {make_error_code(Errc::mode_mismatch),
                fmt::format("{} was created {} multi-queue; attach {} multi-queue", o.name,
                            want_mq ? "without" : "with", want_mq ? "without" : "with")};
      }
      return {std::error_code(err, std::generic_category()),
              fmt::format("the kernel refused the flags for '{}' (TUNSETIFF: {})", o.name,
                          std::strerror(err))};
    }
    default:
      return {std::error_code(err, std::generic_category()),
              fmt::format("cannot attach to {} device '{}': {}", mode, o.name,
                          std::strerror(err))};
  }
}

Result<Fd> open_clone_device(bool non_blocking) {
  const int flags = O_RDWR | O_CLOEXEC | (non_blocking ? O_NONBLOCK : 0);
  Fd fd(::open(kCloneDevice, flags));
  if (fd) return fd;
  const int err = errno;
  if (err == ENOENT || err == ENODEV || err == ENXIO)
    return fail_errno(err, "no /dev/net/tun: load the tun module (modprobe tun) or create "
                           "the node (mkdir -p /dev/net && mknod /dev/net/tun c 10 200)");
  if (err == EACCES || err == EPERM)
    return fail_errno(err, "cannot open /dev/net/tun: permission denied (it is normally "
                           "mode 0666; check its permissions)");
  return fail_errno_context(err, "open /dev/net/tun");
}

}  // namespace

std::string_view to_string(Mode mode) noexcept { return mode == Mode::tun ? "tun" : "tap"; }

std::optional<Mode> parse_mode(std::string_view text) noexcept {
  if (text == "tun") return Mode::tun;
  if (text == "tap") return Mode::tap;
  return std::nullopt;
}

Offloads Offloads::all() noexcept {
  return {TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6 | TUN_F_TSO_ECN | TUN_F_USO4 | TUN_F_USO6};
}

std::string Offloads::to_string() const {
  static constexpr std::pair<unsigned, const char*> kNames[] = {
      {TUN_F_CSUM, "csum"}, {TUN_F_TSO4, "tso4"}, {TUN_F_TSO6, "tso6"},
      {TUN_F_TSO_ECN, "tso-ecn"}, {TUN_F_UFO, "ufo"}, {TUN_F_USO4, "uso4"},
      {TUN_F_USO6, "uso6"}};
  std::string out;
  for (auto [bit, name] : kNames) {
    if (!(bits & bit)) continue;
    if (!out.empty()) out += ' ';
    out += name;
  }
  return out.empty() ? "none" : out;
}

Result<Device> Device::open(const OpenOptions& options) {
  if (auto ok = check_name(options.name, /*allow_pattern=*/true); !ok)
    return std::unexpected(ok.error());
  if (options.queues == 0) return fail_errno(EINVAL, "a device needs at least one queue");

  Device dev;
  dev.mode_ = options.mode;
  dev.packet_info_ = options.packet_info;
  dev.vnet_hdr_ = options.vnet_hdr;
  dev.multi_queue_ = options.multi_queue || options.queues > 1;
  dev.non_blocking_ = options.non_blocking;

  int flags = options.mode == Mode::tun ? IFF_TUN : IFF_TAP;
  if (!options.packet_info) flags |= IFF_NO_PI;
  if (options.vnet_hdr) flags |= IFF_VNET_HDR;
  if (dev.multi_queue_) flags |= IFF_MULTI_QUEUE;
  if (options.exclusive) flags |= IFF_TUN_EXCL;

  std::string name = options.name;
  for (unsigned q = 0; q < options.queues; ++q) {
    auto fd = open_clone_device(options.non_blocking);
    if (!fd) return std::unexpected(fd.error());
    ifreq ifr = make_ifreq(name);
    // Later queues attach to the device the first one created; never exclusive.
    ifr.ifr_flags = static_cast<short>(q == 0 ? flags : flags & ~IFF_TUN_EXCL);
    if (::ioctl(fd->get(), TUNSETIFF, &ifr) < 0) {
      OpenOptions named = options;
      named.name = name;
      return std::unexpected(explain_attach_error(errno, named));
    }
    name = ifr.ifr_name;  // the kernel's choice when a pattern was given
    if (options.vnet_hdr) {
      int size = sizeof(VnetHeader);
      if (::ioctl(fd->get(), TUNSETVNETHDRSZ, &size) < 0)
        return fail_errno_context(errno, "TUNSETVNETHDRSZ");
    }
    dev.fds_.push_back(std::move(*fd));
  }
  dev.name_ = std::move(name);
  return dev;
}

Result<unsigned> Device::kernel_flags() const {
  ifreq ifr{};
  if (::ioctl(fds_[0].get(), TUNGETIFF, &ifr) < 0)
    return fail_errno_context(errno, fmt::format("TUNGETIFF on {}", name_));
  return static_cast<unsigned short>(ifr.ifr_flags);
}

Result<void> Device::set_persist(bool on) const {
  if (::ioctl(fds_[0].get(), TUNSETPERSIST, on ? 1UL : 0UL) < 0)
    return fail_errno_context(errno, fmt::format("set persist {} on {}", on ? "on" : "off",
                                                 name_));
  return {};
}

Result<void> Device::set_owner(uid_t uid) const {
  if (::ioctl(fds_[0].get(), TUNSETOWNER, static_cast<unsigned long>(uid)) < 0)
    return fail_errno_context(errno, fmt::format("set owner of {} to uid {}", name_, uid));
  return {};
}

Result<void> Device::set_group(gid_t gid) const {
  if (::ioctl(fds_[0].get(), TUNSETGROUP, static_cast<unsigned long>(gid)) < 0)
    return fail_errno_context(errno, fmt::format("set group of {} to gid {}", name_, gid));
  return {};
}

Result<Offloads> Device::set_offloads(Offloads wanted) const {
  // The kernel (drivers/net/tun.c set_offload) only takes TSO/USO together with CSUM and
  // USO4 together with USO6, so probe in groups, each on top of what was accepted.
  static constexpr unsigned kGroups[] = {TUN_F_CSUM, TUN_F_TSO4, TUN_F_TSO6, TUN_F_TSO_ECN,
                                         TUN_F_USO4 | TUN_F_USO6, TUN_F_UFO};
  unsigned accepted = 0;
  for (unsigned group : kGroups) {
    if ((wanted.bits & group) != group) continue;
    if (::ioctl(fds_[0].get(), TUNSETOFFLOAD, static_cast<unsigned long>(accepted | group)) == 0)
      accepted |= group;
    else if (errno != EINVAL)
      return fail_errno_context(errno, fmt::format("TUNSETOFFLOAD on {}", name_));
  }
  if (::ioctl(fds_[0].get(), TUNSETOFFLOAD, static_cast<unsigned long>(accepted)) < 0)
    return fail_errno_context(errno, fmt::format("TUNSETOFFLOAD on {}", name_));
  return Offloads{accepted};
}

Result<void> Device::set_mac(const MacAddress& mac) const {
  if (mode_ != Mode::tap)
    return fail_errno(EINVAL, fmt::format("{} is a TUN device and has no MAC address; only "
                                          "TAP devices do", name_));
  if (mac.is_multicast())
    return fail_errno(EINVAL, fmt::format("{} is a multicast MAC address; a device needs a "
                                          "unicast one (first byte even)", mac.to_string()));
  ifreq ifr = make_ifreq(name_);
  ifr.ifr_hwaddr.sa_family = ARPHRD_ETHER;
  std::memcpy(ifr.ifr_hwaddr.sa_data, mac.bytes.data(), mac.bytes.size());
  if (::ioctl(fds_[0].get(), SIOCSIFHWADDR, &ifr) < 0)
    return fail_errno_context(errno, fmt::format("set MAC of {}", name_));
  return {};
}

Result<void> Device::set_txqueuelen(unsigned length) const {
  auto sock = control_socket();
  if (!sock) return std::unexpected(sock.error());
  ifreq ifr = make_ifreq(name_);
  ifr.ifr_qlen = static_cast<int>(length);
  if (::ioctl(sock->get(), SIOCSIFTXQLEN, &ifr) < 0)
    return fail_errno_context(errno, fmt::format("set txqueuelen of {}", name_));
  return {};
}

Result<void> Device::set_queue_enabled(std::size_t index, bool enabled) const {
  if (index >= fds_.size()) return fail_errno(EINVAL, "no such queue");
  ifreq ifr{};
  ifr.ifr_flags = enabled ? IFF_ATTACH_QUEUE : IFF_DETACH_QUEUE;
  if (::ioctl(fds_[index].get(), TUNSETQUEUE, &ifr) < 0)
    return fail_errno_context(errno, fmt::format("TUNSETQUEUE on {} queue {}", name_, index));
  return {};
}

Result<void> remove_persistent(std::string_view name, Mode mode) {
  if (auto ok = check_name(name); !ok) return std::unexpected(ok.error());
  if (!tuntap_kind(name))
    return fail_errno(ENODEV, fmt::format("no device named '{}' in this network namespace",
                                          name));
  OpenOptions options;
  options.name = std::string(name);
  options.mode = mode;
  auto dev = Device::open(options);
  if (!dev && dev.error().is(Errc::mode_mismatch)) {
    // Multi-queue devices need the flag to attach; the type check already passed.
    options.multi_queue = true;
    dev = Device::open(options);
  }
  if (!dev) return std::unexpected(dev.error());
  return dev->set_persist(false);
}

}  // namespace tunkit::dev
