// TUN/TAP devices through /dev/net/tun (Documentation/networking/tuntap.rst).
//
// A Device owns the queue fds of one attachment. Opening a name that does not exist
// creates the device, which disappears when the last fd closes unless it was made
// persistent; opening an existing name attaches to it. The device lives in the network
// namespace of the thread that opened it.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "tunkit/base/error.hpp"
#include "tunkit/base/fd.hpp"
#include "tunkit/dev/queue.hpp"
#include "tunkit/wire/address.hpp"

namespace tunkit::dev {

enum class Mode : std::uint8_t { tun, tap };  // layer 3 (IP packets) or layer 2 (Ethernet)

std::string_view to_string(Mode mode) noexcept;
std::optional<Mode> parse_mode(std::string_view text) noexcept;

// TUNSETOFFLOAD bits (TUN_F_*): what the kernel may hand us unsegmented / unchecksummed.
struct Offloads {
  // Linux 6.2 added UDP segmentation offload to tun; Debian 12's headers predate it.
  static constexpr unsigned kUso4 = 0x20, kUso6 = 0x40;  // TUN_F_USO4, TUN_F_USO6
  unsigned bits = 0;
  static Offloads all() noexcept;  // CSUM, TSO4, TSO6, TSO_ECN, USO4+USO6
  bool has(unsigned bit) const noexcept { return (bits & bit) == bit; }
  std::string to_string() const;   // "csum tso4 tso6 ..." or "none"
};

struct OpenOptions {
  std::string name;            // exact name, or a pattern such as "tun%d" (kernel picks)
  Mode mode = Mode::tun;
  bool packet_info = false;    // keep the 4-byte struct tun_pi before each packet
  bool vnet_hdr = false;       // a struct virtio_net_hdr before each packet (IFF_VNET_HDR)
  bool multi_queue = false;    // IFF_MULTI_QUEUE; implied by queues > 1
  unsigned queues = 1;         // queue fds to open
  bool non_blocking = true;
  bool exclusive = false;      // IFF_TUN_EXCL: fail if the name exists instead of attaching
};

class Device {
 public:
  // Creates or attaches. Errors name the device and the fix: ENOENT (no /dev/net/tun),
  // EPERM, EBUSY, EEXIST (exclusive), EINVAL (bad name), Errc::mode_mismatch,
  // Errc::not_tuntap.
  static Result<Device> open(const OpenOptions& options);

  const std::string& name() const noexcept { return name_; }
  Mode mode() const noexcept { return mode_; }
  bool packet_info() const noexcept { return packet_info_; }
  bool vnet_hdr() const noexcept { return vnet_hdr_; }
  bool multi_queue() const noexcept { return multi_queue_; }
  std::size_t queue_count() const noexcept { return fds_.size(); }
  Queue queue(std::size_t index = 0) const noexcept {
    return Queue(fds_[index].get(), packet_info_, vnet_hdr_, non_blocking_);
  }

  // TUNGETIFF: the IFF_* flags of this attachment as the kernel reports them. The kernel
  // sets IFF_NOFILTER there, which has IFF_NO_PI's value: ask rtnetlink for pi instead.
  Result<unsigned> kernel_flags() const;
  Result<void> set_persist(bool on) const;
  Result<void> set_owner(uid_t uid) const;
  Result<void> set_group(gid_t gid) const;
  // Asks for `wanted`, keeps each group of bits the kernel accepts, and returns what it
  // accepted (TUNSETOFFLOAD returns EINVAL for any bit it does not know).
  Result<Offloads> set_offloads(Offloads wanted) const;
  Result<void> set_mac(const MacAddress& mac) const;       // TAP only: SIOCSIFHWADDR
  Result<void> set_txqueuelen(unsigned length) const;      // SIOCSIFTXQLEN
  // TUNSETQUEUE: take one queue of a multi-queue device out of service or back in.
  Result<void> set_queue_enabled(std::size_t index, bool enabled) const;

 private:
  Device() = default;
  std::string name_;
  Mode mode_ = Mode::tun;
  bool packet_info_ = false;
  bool vnet_hdr_ = false;
  bool multi_queue_ = false;
  bool non_blocking_ = true;
  std::vector<Fd> fds_;
};

// Removes a persistent device the way `ip tuntap del` does: attach, persist off, close.
Result<void> remove_persistent(std::string_view name, Mode mode);

}  // namespace tunkit::dev
