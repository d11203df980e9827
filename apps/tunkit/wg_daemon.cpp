#include "wg_daemon.hpp"

#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/udp.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <fmt/format.h>

#include <array>
#include <chrono>
#include <csignal>
#include <cstring>
#include <deque>
#include <map>
#include <vector>

#include "tunkit/base/fd.hpp"
#include "tunkit/dev/tun.hpp"
#include "tunkit/event/epoll.hpp"
#include "tunkit/event/signals.hpp"
#include "tunkit/netlink/rtnetlink.hpp"
#include "tunkit/wg/configure.hpp"
#include "tunkit/wg/device.hpp"
#include "tunkit/wire/gso.hpp"

namespace tunkit::app {

namespace {

using namespace std::chrono_literals;

constexpr const char* kSocketDir = "/var/run/wireguard";
constexpr unsigned kDefaultMtu = 1420;      // wireguard-go's DefaultMTU
constexpr std::size_t kBatch = 64;           // datagrams per recvmmsg, messages per sendmmsg
constexpr std::size_t kTunBatch = 16;        // TUN reads per round (each up to a 64 KiB super-packet)
constexpr std::size_t kBufferSize = 65536 + 128;  // a 64 KiB packet or GRO run + headroom/tailroom
constexpr std::size_t kCellSize = 2048;      // one segment of a split super-packet, sealed in place
constexpr std::size_t kCells = 1024;
constexpr std::size_t kMaxSegments = 192;    // of one super-packet (64 KiB at MSS 344)
constexpr std::size_t kMaxGsoSegments = 64;  // UDP_MAX_SEGMENTS in Linux
constexpr std::size_t kMaxGsoBytes = 65000;  // under the 64 KiB UDP datagram limit
constexpr int kSocketBuffer = 7 << 20;      // wireguard-go's socket buffer size

enum Tag : std::uint64_t { kTun = 1, kUdp, kUapiListen, kSignal, kClientBase = 1000 };

wg::Now now() { return {std::chrono::steady_clock::now(), std::chrono::system_clock::now()}; }

// One dual-stack UDP socket: IPv4 peers appear as v4-mapped IPv6 addresses, which we
// translate both ways so endpoints read "10.0.0.1:51820" as wireguard-go prints them.
struct UdpSocket {
  Fd fd;
  std::uint16_t port = 0;
  bool dual_stack = false;
  bool gro = false;

  static Result<UdpSocket> bind(std::uint16_t port, std::uint32_t fwmark, bool gro) {
    UdpSocket s;
    s.gro = gro;
    s.fd = Fd(::socket(AF_INET6, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    if (s.fd) {
      const int off = 0;
      ::setsockopt(s.fd.get(), IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof off);
      sockaddr_in6 a{};
      a.sin6_family = AF_INET6;
      a.sin6_port = htons(port);
      if (::bind(s.fd.get(), reinterpret_cast<sockaddr*>(&a), sizeof a) == 0) {
        s.dual_stack = true;
      } else {
        s.fd.reset();
        if (errno == EADDRINUSE) return fail_errno(errno, fmt::format("UDP port {} is in use; pick another listen-port", port));
      }
    }
    if (!s.dual_stack) {  // a kernel without IPv6
      s.fd = Fd(::socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
      if (!s.fd) return fail_errno_context(errno, "UDP socket");
      sockaddr_in a{};
      a.sin_family = AF_INET;
      a.sin_port = htons(port);
      if (::bind(s.fd.get(), reinterpret_cast<sockaddr*>(&a), sizeof a) < 0)
        return fail_errno(errno, fmt::format("cannot bind UDP port {}: {}; pick another listen-port", port, std::strerror(errno)));
    }
    for (int option : {SO_RCVBUFFORCE, SO_SNDBUFFORCE}) {  // needs CAP_NET_ADMIN; else the plain ones
      if (::setsockopt(s.fd.get(), SOL_SOCKET, option, &kSocketBuffer, sizeof kSocketBuffer) < 0) {
        const int fallback = option == SO_RCVBUFFORCE ? SO_RCVBUF : SO_SNDBUF;
        ::setsockopt(s.fd.get(), SOL_SOCKET, fallback, &kSocketBuffer, sizeof kSocketBuffer);
      }
    }
    const int on = 1;  // coalesced receives (UDP_GRO); without it, one datagram per message
    if (gro) ::setsockopt(s.fd.get(), SOL_UDP, UDP_GRO, &on, sizeof on);
    if (fwmark != 0 && ::setsockopt(s.fd.get(), SOL_SOCKET, SO_MARK, &fwmark, sizeof fwmark) < 0)
      return fail_errno_context(errno, "setting fwmark (SO_MARK)");
    sockaddr_storage bound{};
    socklen_t length = sizeof bound;
    ::getsockname(s.fd.get(), reinterpret_cast<sockaddr*>(&bound), &length);
    s.port = ntohs(bound.ss_family == AF_INET6 ? reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port
                                                : reinterpret_cast<sockaddr_in*>(&bound)->sin_port);
    return s;
  }

  socklen_t to_sockaddr(const wg::Endpoint& e, sockaddr_storage& out) const noexcept {
    if (dual_stack && e.address.family == IpFamily::v4) {
      auto* a = reinterpret_cast<sockaddr_in6*>(&out);
      std::memset(&out, 0, sizeof out);
      a->sin6_family = AF_INET6;
      a->sin6_port = htons(e.port);
      a->sin6_addr.s6_addr[10] = a->sin6_addr.s6_addr[11] = 0xff;
      std::memcpy(&a->sin6_addr.s6_addr[12], e.address.bytes.data(), 4);
      return sizeof *a;
    }
    return e.to_sockaddr(out);
  }
  static std::optional<wg::Endpoint> from_sockaddr(const sockaddr_storage& in) noexcept {
    if (in.ss_family == AF_INET6) {
      const auto* a = reinterpret_cast<const sockaddr_in6*>(&in);
      if (IN6_IS_ADDR_V4MAPPED(&a->sin6_addr)) {
        const std::uint8_t* b = &a->sin6_addr.s6_addr[12];
        return wg::Endpoint{IpAddress::v4(b[0], b[1], b[2], b[3]), ntohs(a->sin6_port)};
      }
    }
    return wg::Endpoint::from_sockaddr(in);
  }
};

// Outgoing datagrams of one loop turn. Handshake messages and staged packets (Sink::send)
// are copied; data datagrams point into the TUN buffers and segment cells. flush() sends
// them with sendmmsg, runs of equal-sized datagrams to one endpoint as one UDP_SEGMENT
// (GSO) message each, and turns GSO off for good if the kernel or route refuses it.
// What the offloads did, printed on exit with -f (and read by the offload tests).
struct OffloadStats {
  std::uint64_t super_packets = 0, segments = 0;     // TUN TSO reads and the segments cut from them
  std::uint64_t gso_sends = 0, gso_datagrams = 0;    // UDP_SEGMENT messages and datagrams in them
  std::uint64_t gro_runs = 0, gro_datagrams = 0;     // UDP_GRO receives of several datagrams
  std::uint64_t merged_writes = 0, merged_segments = 0;  // coalesced TUN writes
  std::uint64_t unsplittable = 0, oversized = 0, tun_refused = 0, send_dropped = 0;
  bool gso_refused = false;
};

class SendBatch final : public wg::Sink {
 public:
  SendBatch(const UdpSocket& socket, bool& gso, OffloadStats& stats)
      : socket_(socket), gso_(gso), stats_(stats) {
    pending_.reserve(kCells);
  }
  ~SendBatch() override { flush(); }
  SendBatch(const SendBatch&) = delete;
  SendBatch& operator=(const SendBatch&) = delete;

  void send(const wg::Endpoint& to, std::span<const std::uint8_t> bytes) override {
    copies_.emplace_back(bytes.begin(), bytes.end());
    add(to, copies_.back());
  }
  void add(const wg::Endpoint& to, std::span<const std::uint8_t> bytes) {
    if (pending_.size() == kCells) flush();
    Pending& p = pending_.emplace_back();
    p.length = socket_.to_sockaddr(to, p.address);
    p.bytes = bytes;
  }
  void flush();

 private:
  struct Pending {
    sockaddr_storage address{};
    socklen_t length = 0;
    std::span<const std::uint8_t> bytes;
  };
  // The socket buffer is full: wait for room, briefly (the loop must not stall).
  bool wait_writable() const noexcept {
    pollfd p{socket_.fd.get(), POLLOUT, 0};
    return ::poll(&p, 1, 20) == 1;
  }
  bool same_destination(const Pending& a, const Pending& b) const noexcept {
    return a.length == b.length && std::memcmp(&a.address, &b.address, a.length) == 0;
  }
  const UdpSocket& socket_;
  bool& gso_;
  OffloadStats& stats_;
  std::vector<Pending> pending_;
  std::deque<std::vector<std::uint8_t>> copies_;
};

void SendBatch::flush() {
  union Control {
    cmsghdr header;
    char bytes[CMSG_SPACE(sizeof(std::uint16_t))];
  };
  std::array<mmsghdr, kBatch> messages;
  std::array<Control, kBatch> control;
  std::array<std::size_t, kBatch> first{};  // the first pending datagram of each message
  std::vector<iovec> iov(pending_.size());
  std::size_t next = 0;
  while (next < pending_.size()) {
    std::size_t count = 0;
    for (std::size_t i = next; i < pending_.size() && count < kBatch; ++count) {
      const std::size_t begin = i, size = pending_[i].bytes.size();
      std::size_t total = size;
      // A GSO run: one destination, equal sizes, at most one shorter datagram to close it.
      for (++i; gso_ && i < pending_.size() && i - begin < kMaxGsoSegments &&
                same_destination(pending_[i], pending_[begin]) && pending_[i].bytes.size() <= size &&
                total + pending_[i].bytes.size() <= kMaxGsoBytes;) {
        total += pending_[i].bytes.size();
        if (pending_[i++].bytes.size() < size) break;
      }
      for (std::size_t k = begin; k < i; ++k)
        iov[k] = {const_cast<std::uint8_t*>(pending_[k].bytes.data()), pending_[k].bytes.size()};
      msghdr& h = messages[count].msg_hdr;
      h = {};
      h.msg_name = &pending_[begin].address;
      h.msg_namelen = pending_[begin].length;
      h.msg_iov = &iov[begin];
      h.msg_iovlen = i - begin;
      first[count] = begin;
      if (i - begin > 1) {
        h.msg_control = control[count].bytes;
        h.msg_controllen = sizeof control[count].bytes;
        cmsghdr* c = CMSG_FIRSTHDR(&h);
        c->cmsg_level = SOL_UDP;
        c->cmsg_type = UDP_SEGMENT;
        c->cmsg_len = CMSG_LEN(sizeof(std::uint16_t));
        const auto segment = static_cast<std::uint16_t>(size);
        std::memcpy(CMSG_DATA(c), &segment, sizeof segment);
      }
      next = i;
    }
    const int sent = ::sendmmsg(socket_.fd.get(), messages.data(), static_cast<unsigned>(count), 0);
    if (sent < 0) {
      if (errno == EINTR || (errno == EAGAIN && wait_writable())) {
        next = first[0];
        continue;
      }
      if (messages[0].msg_hdr.msg_iovlen > 1 &&
          (errno == EIO || errno == EMSGSIZE || errno == EINVAL || errno == ENOPROTOOPT)) {
        gso_ = false;  // this route cannot segment: one datagram per message from now on
        stats_.gso_refused = true;
        next = first[0];
        continue;
      }
      // Full buffer or an unreachable peer: UDP may drop; skip the first message, go on.
      stats_.send_dropped += messages[0].msg_hdr.msg_iovlen;
      next = first[0] + messages[0].msg_hdr.msg_iovlen;
      continue;
    }
    for (int m = 0; m < sent; ++m) {
      if (const auto n = messages[static_cast<std::size_t>(m)].msg_hdr.msg_iovlen; n > 1) {
        ++stats_.gso_sends;
        stats_.gso_datagrams += n;
      }
    }
    if (static_cast<std::size_t>(sent) < count) next = first[static_cast<std::size_t>(sent)];
  }
  pending_.clear();
  copies_.clear();
}

// `count` buffers of `size` bytes in one allocation, made once.
struct Buffers {
  Buffers(std::size_t count, std::size_t size) : storage(count * size), size_(size) {}
  std::vector<std::uint8_t> storage;
  std::size_t size_;
  std::span<std::uint8_t> at(std::size_t i) noexcept { return {storage.data() + i * size_, size_}; }
};

class Daemon final : public WgDaemon {
 public:
  Daemon(dev::Device tun, bool tso, bool uso, int index, UdpSocket udp, Fd uapi, std::string path,
         event::Epoll epoll)
      : tun_(std::move(tun)), tso_(tso), uso_(uso), index_(index), udp_(std::move(udp)), uapi_(std::move(uapi)),
        path_(std::move(path)), epoll_(std::move(epoll)), gso_(udp_.gro) {
    wg::DeviceOptions options;
    options.mtu = kDefaultMtu;
    device_ = std::make_unique<wg::Device>(options);
    coalescer_.merge_udp(uso_);
    struct stat st{};
    if (::stat(path_.c_str(), &st) == 0) socket_inode_ = st.st_ino;
  }
  ~Daemon() override {
    // Remove the socket only if it is still ours (a successor may have replaced it).
    struct stat st{};
    if (::stat(path_.c_str(), &st) == 0 && st.st_ino == socket_inode_) ::unlink(path_.c_str());
  }

  const std::string& name() const noexcept override { return tun_.name(); }
  const std::string& socket_path() const noexcept override { return path_; }
  int tun_index() const noexcept override { return index_; }

  Result<void> configure(const wg::SetRequest& request) override {
    SendBatch batch(udp_, gso_, stats_);
    auto result = set(request, batch);
    batch.flush();
    return result;
  }

  Result<void> run(bool verbose) override;

 private:
  Result<void> set(const wg::SetRequest& request, SendBatch& batch);
  Result<bool> on_tun();
  void on_udp();
  void on_uapi_accept();
  void on_client(std::uint64_t tag);
  void refresh_mtu();

  void deliver(std::span<const std::uint8_t> packet);
  void print_stats() const;
  void flush_coalesced();

  dev::Device tun_;
  bool tso_;  // the TUN hands us TCP super-packets (TUNSETOFFLOAD accepted TSO)
  bool uso_;  // ... and UDP ones (USO); a kernel that has USO takes UDP_L4 writes: we merge UDP
  int index_;
  UdpSocket udp_;
  Fd uapi_;
  std::string path_;
  event::Epoll epoll_;
  std::unique_ptr<wg::Device> device_;
  ino_t socket_inode_ = 0;
  std::uint32_t fwmark_ = 0;
  bool running_ = false;  // the fds are registered with epoll_
  bool gso_ = true;  // UDP_SEGMENT works on this route (cleared on the first refusal)
  Buffers tun_buffers_{kTunBatch, kBufferSize};
  Buffers udp_buffers_{kBatch, kBufferSize};
  Buffers cells_{kCells, kCellSize};
  std::array<GsoSegment, kMaxSegments> segments_;
  GroCoalescer coalescer_;
  OffloadStats stats_;
  struct Client {
    Fd fd;
    wg::UapiRequestReader reader;
  };
  std::map<std::uint64_t, Client> clients_;
  std::uint64_t next_client_ = kClientBase;
};

Result<void> Daemon::set(const wg::SetRequest& request, SendBatch& batch) {
  if (request.fwmark && *request.fwmark != fwmark_) {
    if (::setsockopt(udp_.fd.get(), SOL_SOCKET, SO_MARK, &*request.fwmark, sizeof *request.fwmark) < 0)
      return fail_errno_context(errno, "setting fwmark (SO_MARK)");
    fwmark_ = *request.fwmark;
  }
  if (request.listen_port && *request.listen_port != udp_.port) {
    auto fresh = UdpSocket::bind(*request.listen_port, fwmark_, udp_.gro);
    if (!fresh) return std::unexpected(fresh.error());
    if (running_) epoll_.remove(udp_.fd.get());
    udp_ = std::move(*fresh);
    if (running_)
      if (auto added = epoll_.add(udp_.fd.get(), EPOLLIN, kUdp); !added) return added;
  }
  wg::apply(*device_, request, now(), batch);
  return {};
}

void Daemon::refresh_mtu() {
  ifreq request{};
  std::snprintf(request.ifr_name, IFNAMSIZ, "%s", tun_.name().c_str());
  if (::ioctl(udp_.fd.get(), SIOCGIFMTU, &request) == 0 && request.ifr_mtu > 0)
    device_->set_mtu(static_cast<std::uint16_t>(std::min(request.ifr_mtu, 65535)));
}

// TUN -> peers. False when the device is gone. A TCP super-packet (TSO) is cut into
// MTU-sized segments, each copied once into a cell with room for the WireGuard header and
// tag and sealed there; anything else is sealed in its read buffer. The datagrams leave
// together, in UDP_SEGMENT runs.
Result<bool> Daemon::on_tun() {
  auto queue = tun_.queue();
  std::array<dev::PacketSlot, kTunBatch> slots;
  for (int round = 0; round < 8; ++round) {
    for (std::size_t i = 0; i < kTunBatch; ++i) {
      slots[i].buffer = tun_buffers_.at(i).first(kBufferSize - wg::Device::tailroom);
      slots[i].offset = wg::Device::headroom;
    }
    auto n = queue.read(slots);
    if (!n) {
      if (n.error().is(Errc::device_gone)) return false;
      return std::unexpected(n.error());
    }
    if (*n == 0) break;
    SendBatch batch(udp_, gso_, stats_);
    const auto t = now();
    std::size_t cells_used = 0;
    for (std::size_t i = 0; i < *n; ++i) {
      auto& slot = slots[i];
      const auto gso = slot.vnet.gso_type & ~dev::VnetHeader::kGsoEcn;
      if (gso == dev::VnetHeader::kGsoTcpV4 || gso == dev::VnetHeader::kGsoTcpV6 || gso == dev::VnetHeader::kGsoUdpL4) {
        const std::size_t mtu = device_->options().mtu;
        const std::size_t count = gso == dev::VnetHeader::kGsoUdpL4
                                      ? split_udp(slot.packet(), slot.vnet.gso_size, segments_, mtu)
                                      : split_tcp(slot.packet(), slot.vnet.gso_size, segments_, mtu);
        if (count == 0) {
          ++stats_.unsplittable;
          continue;
        }
        ++stats_.super_packets;
        stats_.segments += count;
        if (cells_used + count > kCells) {  // every cell is referenced by a pending datagram
          batch.flush();
          cells_used = 0;
        }
        for (std::size_t k = 0; k < count; ++k) {
          const auto& segment = segments_[k];
          const std::size_t length = segment.header_size + segment.payload.size();
          if (wg::Device::headroom + length + wg::Device::tailroom > kCellSize) {
            ++stats_.oversized;
            continue;
          }
          auto cell = cells_.at(cells_used++);
          std::memcpy(cell.data() + wg::Device::headroom, segment.header.data(), segment.header_size);
          std::memcpy(cell.data() + wg::Device::headroom + segment.header_size, segment.payload.data(),
                      segment.payload.size());
          if (auto datagram = device_->encrypt(cell, wg::Device::headroom, length, t, batch))
            batch.add(datagram->to, datagram->bytes);
        }
        continue;
      }
      // The kernel left the checksum to us (CSUM offload); the far end's kernel checks it.
      if ((slot.vnet.flags & dev::VnetHeader::kNeedsCsum) &&
          !complete_checksum(slot.packet(), slot.vnet.csum_start, slot.vnet.csum_offset)) {
        ++stats_.unsplittable;
        continue;
      }
      if (auto datagram = device_->encrypt(tun_buffers_.at(i), slot.offset, slot.length, t, batch))
        batch.add(datagram->to, datagram->bytes);
    }
    batch.flush();
    if (*n < kTunBatch) break;
  }
  return true;
}

// Peers -> TUN. With UDP_GRO a receive may hold a run of datagrams cut every gso_size
// bytes. Each is decrypted in place; consecutive TCP segments of one flow are merged into a
// super-packet with a virtio header (GRO in user space), so the TUN is written per 64 KiB.
void Daemon::on_udp() {
  union Control {
    cmsghdr header;
    char bytes[CMSG_SPACE(sizeof(int))];
  };
  std::array<mmsghdr, kBatch> messages{};
  std::array<iovec, kBatch> iovs{};
  std::array<sockaddr_storage, kBatch> sources{};
  std::array<Control, kBatch> control{};
  for (int round = 0; round < 4; ++round) {
    for (std::size_t i = 0; i < kBatch; ++i) {
      iovs[i] = {udp_buffers_.at(i).data(), kBufferSize};
      msghdr& h = messages[i].msg_hdr;
      h = {};
      h.msg_name = &sources[i];
      h.msg_namelen = sizeof sources[i];
      h.msg_iov = &iovs[i];
      h.msg_iovlen = 1;
      h.msg_control = control[i].bytes;
      h.msg_controllen = sizeof control[i].bytes;
    }
    const int n = ::recvmmsg(udp_.fd.get(), messages.data(), kBatch, MSG_DONTWAIT, nullptr);
    if (n <= 0) break;
    SendBatch batch(udp_, gso_, stats_);
    const auto t = now();
    for (std::size_t i = 0; i < static_cast<std::size_t>(n); ++i) {
      msghdr& h = messages[i].msg_hdr;
      const std::size_t length = messages[i].msg_len;
      std::size_t segment = length;
      for (cmsghdr* c = CMSG_FIRSTHDR(&h); c != nullptr; c = CMSG_NXTHDR(&h, c)) {
        if (c->cmsg_level == SOL_UDP && c->cmsg_type == UDP_GRO) {
          int size = 0;
          std::memcpy(&size, CMSG_DATA(c), sizeof size);
          if (size > 0) segment = static_cast<std::size_t>(size);
        }
      }
      auto from = UdpSocket::from_sockaddr(sources[i]);
      if (!from || (h.msg_flags & MSG_TRUNC) || segment == 0) continue;
      auto run = udp_buffers_.at(i).first(length);
      if (segment < length) {
        ++stats_.gro_runs;
        stats_.gro_datagrams += (length + segment - 1) / segment;
      }
      for (std::size_t at = 0; at < length; at += segment) {
        auto packet = device_->receive(run.subspan(at, std::min(segment, length - at)), *from, t, batch);
        if (!packet.empty()) deliver(packet);
      }
    }
    flush_coalesced();
    batch.flush();
    if (static_cast<std::size_t>(n) < kBatch) break;
  }
}

void Daemon::deliver(std::span<const std::uint8_t> packet) {
  if (tso_ || uso_) {
    if (coalescer_.append(packet)) return;
    flush_coalesced();
    if (coalescer_.append(packet)) return;
  }
  if (!tun_.queue().write_packet(packet)) ++stats_.tun_refused;  // a full TUN queue: UDP semantics
}

void Daemon::flush_coalesced() {
  if (coalescer_.empty()) return;
  const auto merged = coalescer_.take();
  const auto& v = merged.vnet;
  const dev::VnetHeader vnet{v.flags, v.gso_type, v.hdr_len, v.gso_size, v.csum_start, v.csum_offset};
  if (merged.segments > 1) {
    ++stats_.merged_writes;
    stats_.merged_segments += merged.segments;
  }
  if (!tun_.queue().write_packet(merged.packet, &vnet)) ++stats_.tun_refused;
}

void Daemon::on_uapi_accept() {
  for (;;) {
    Fd fd(::accept4(uapi_.get(), nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC));
    if (!fd) return;
    const std::uint64_t tag = next_client_++;
    if (!epoll_.add(fd.get(), EPOLLIN, tag)) continue;
    clients_.emplace(tag, Client{std::move(fd), wg::UapiRequestReader{}});
  }
}

// Writes all of `text` to a UAPI client, waiting (bounded) if its socket buffer is full.
bool write_all(int fd, std::string_view text) {
  const auto deadline = std::chrono::steady_clock::now() + 2s;
  while (!text.empty()) {
    const ssize_t n = ::send(fd, text.data(), text.size(), MSG_NOSIGNAL);
    if (n > 0) {
      text.remove_prefix(static_cast<std::size_t>(n));
      continue;
    }
    if (n < 0 && errno != EAGAIN && errno != EINTR) return false;
    if (std::chrono::steady_clock::now() > deadline) return false;
    ::usleep(1000);
  }
  return true;
}

void Daemon::on_client(std::uint64_t tag) {
  auto it = clients_.find(tag);
  if (it == clients_.end()) return;
  Client& client = it->second;
  std::array<char, 16384> chunk;
  bool open = true;
  for (;;) {
    const ssize_t n = ::recv(client.fd.get(), chunk.data(), chunk.size(), 0);
    if (n > 0) {
      (void)client.reader.feed(std::string_view(chunk.data(), static_cast<std::size_t>(n)));
      continue;
    }
    if (n == 0 || (errno != EAGAIN && errno != EINTR)) open = false;
    break;
  }
  for (;;) {
    auto request = client.reader.next();
    if (!request) {  // protocol error: answer it, then hang up
      write_all(client.fd.get(), wg::format_errno_line(request.error()));
      open = false;
      break;
    }
    if (!*request) break;
    std::string response;
    if ((*request)->op == wg::UapiRequest::Op::get) {
      wg::DeviceStatus status = wg::status(*device_);
      status.listen_port = udp_.port;
      status.fwmark = fwmark_;
      response = wg::format_get(status) + wg::format_errno_line();
    } else if (auto parsed = wg::parse_set((*request)->body); !parsed) {
      response = wg::format_errno_line(parsed.error());
    } else {
      SendBatch batch(udp_, gso_, stats_);
      auto applied = set(*parsed, batch);
      batch.flush();
      response = applied ? wg::format_errno_line() : wg::format_errno_line(applied.error());
    }
    if (!write_all(client.fd.get(), response)) {
      open = false;
      break;
    }
  }
  if (!open) {
    epoll_.remove(client.fd.get());
    clients_.erase(it);
  }
}

void Daemon::print_stats() const {
  const auto& c = stats_;
  fmt::print(stderr,
             "tunkit-wg: {}: offloads: TUN TSO {}, USO {}, UDP GSO {}; {} super-packets cut into {} segments; "
             "{} UDP_SEGMENT sends carried {} datagrams; {} UDP_GRO receives carried {} datagrams; "
             "{} coalesced TUN writes carried {} segments; dropped: unsplittable {}, oversized {}, "
             "refused by the TUN {}, send failures {}\n",
             name(), tso_ ? "on" : "off", uso_ ? "on" : "off",
             c.gso_refused ? "refused by the route, off" : (gso_ ? "on" : "off"),
             c.super_packets, c.segments, c.gso_sends, c.gso_datagrams, c.gro_runs, c.gro_datagrams,
             c.merged_writes, c.merged_segments, c.unsplittable, c.oversized, c.tun_refused, c.send_dropped);
}

Result<void> Daemon::run(bool verbose) {
  auto signals = event::SignalFd::create({SIGINT, SIGTERM, SIGHUP});
  if (!signals) return std::unexpected(signals.error());
  for (auto [fd, tag] : {std::pair{tun_.queue().fd(), kTun}, std::pair{udp_.fd.get(), kUdp},
                         std::pair{uapi_.get(), kUapiListen}, std::pair{signals->fd(), kSignal}})
    if (auto added = epoll_.add(fd, EPOLLIN, tag); !added) return added;
  running_ = true;
  if (verbose)
    fmt::print(stderr, "tunkit-wg: {} ready, UDP port {}, configure with `wg` (socket {})\n", name(),
               udp_.port, path_);
  std::array<epoll_event, 32> events;
  auto next_mtu_check = std::chrono::steady_clock::now();
  for (;;) {
    auto t = now();
    if (t.mono >= next_mtu_check) {
      refresh_mtu();
      next_mtu_check = t.mono + 1s;
    }
    auto deadline = device_->next_deadline().value_or(t.mono + 1s);
    deadline = std::min(deadline, next_mtu_check);
    const auto wait = std::chrono::ceil<std::chrono::milliseconds>(std::max(deadline - t.mono, wg::Duration::zero()));
    auto ready = epoll_.wait(events, wait);
    if (!ready) return std::unexpected(ready.error());
    for (const epoll_event& e : *ready) {
      switch (e.data.u64) {
        case kTun: {
          auto alive = on_tun();
          if (!alive) return std::unexpected(alive.error());
          if (!*alive) {
            if (verbose) fmt::print(stderr, "tunkit-wg: {} was deleted; exiting\n", name());
            if (verbose) print_stats();
            return {};
          }
          break;
        }
        case kUdp:
          on_udp();
          break;
        case kUapiListen:
          on_uapi_accept();
          break;
        case kSignal:
          if (signals->take()) {
            if (verbose) print_stats();
            return {};
          }
          break;
        default:
          on_client(e.data.u64);
          break;
      }
    }
    SendBatch batch(udp_, gso_, stats_);
    device_->tick(now(), batch);
    batch.flush();
  }
}

Result<Fd> listen_uapi(const std::string& path) {
  ::mkdir(kSocketDir, 0755);
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  if (path.size() >= sizeof address.sun_path) return fail_errno(ENAMETOOLONG, fmt::format("socket path {} is too long", path));
  std::memcpy(address.sun_path, path.c_str(), path.size() + 1);
  Fd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!fd) return fail_errno_context(errno, "UAPI socket");
  // A socket file someone still answers on belongs to a running instance; a dead one is stale.
  {
    Fd probe(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (::connect(probe.get(), reinterpret_cast<sockaddr*>(&address), sizeof address) == 0)
      return fail_errno(EADDRINUSE, fmt::format("{} is already served by a running process; stop it first", path));
    ::unlink(path.c_str());
  }
  const mode_t old_mask = ::umask(0077);
  const int bound = ::bind(fd.get(), reinterpret_cast<sockaddr*>(&address), sizeof address);
  ::umask(old_mask);
  if (bound < 0) return fail_errno_context(errno, fmt::format("bind {}", path));
  if (::listen(fd.get(), 16) < 0) return fail_errno_context(errno, fmt::format("listen {}", path));
  return fd;
}

}  // namespace

std::string uapi_socket_path(std::string_view name) { return fmt::format("{}/{}.sock", kSocketDir, name); }

Result<std::unique_ptr<WgDaemon>> WgDaemon::create(std::string_view name) {
  dev::OpenOptions options;
  options.name = std::string(name);
  options.mode = dev::Mode::tun;
  // TUNKIT_WG_OFFLOADS=off: one packet per TUN read/write and per datagram (for comparison
  // and troubleshooting, like `ethtool -K ... off`).
  const char* knob = std::getenv("TUNKIT_WG_OFFLOADS");
  const bool offloads_wanted = knob == nullptr || std::string_view(knob) != "off";
  options.vnet_hdr = offloads_wanted;
  auto tun = dev::Device::open(options);
  if (!tun) return std::unexpected(tun.error());
  // TCP and UDP super-packets from the kernel (split here) and checksums left to us.
  // set_offloads drops the groups a kernel refuses (USO before 6.2), giving plain packets.
  auto offloads = offloads_wanted ? tun->set_offloads(dev::Offloads{TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6 |
                                                                    dev::Offloads::kUso4 | dev::Offloads::kUso6})
                                  : Result<dev::Offloads>(dev::Offloads{});
  const bool tso = offloads && offloads->has(TUN_F_TSO4);
  const bool uso = offloads && offloads->has(dev::Offloads::kUso4);
  auto netlink = netlink::RtNetlink::open();
  if (!netlink) return std::unexpected(netlink.error());
  auto link = netlink->link(tun->name());
  if (!link) return std::unexpected(link.error());
  if (auto mtu = netlink->set_mtu(link->index, kDefaultMtu); !mtu) return std::unexpected(mtu.error());
  auto udp = UdpSocket::bind(0, 0, offloads_wanted);
  if (!udp) return std::unexpected(udp.error());
  const std::string path = uapi_socket_path(tun->name());
  auto uapi = listen_uapi(path);
  if (!uapi) return std::unexpected(uapi.error());
  auto epoll = event::Epoll::create();
  if (!epoll) return std::unexpected(epoll.error());
  return std::make_unique<Daemon>(std::move(*tun), tso, uso, link->index, std::move(*udp), std::move(*uapi), path,
                                  std::move(*epoll));
}

void daemonize() {
  const pid_t pid = ::fork();
  if (pid < 0) return;  // stay in the foreground rather than fail
  if (pid > 0) ::_exit(0);  // the parent: no destructors, the child owns everything now
  ::setsid();
  const int null = ::open("/dev/null", O_RDWR | O_CLOEXEC);
  if (null >= 0) {
    ::dup2(null, STDIN_FILENO), ::dup2(null, STDOUT_FILENO), ::dup2(null, STDERR_FILENO);
    if (null > STDERR_FILENO) ::close(null);
  }
}

}  // namespace tunkit::app
