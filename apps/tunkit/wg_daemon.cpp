#include "wg_daemon.hpp"

#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
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

namespace tunkit::app {

namespace {

using namespace std::chrono_literals;

constexpr const char* kSocketDir = "/var/run/wireguard";
constexpr unsigned kDefaultMtu = 1420;      // wireguard-go's DefaultMTU
constexpr std::size_t kBatch = 64;
constexpr std::size_t kBufferSize = 65536;  // any datagram or TUN packet fits
constexpr int kSocketBuffer = 7 << 20;      // wireguard-go's socket buffer size

enum Tag : std::uint64_t { kTun = 1, kUdp, kUapiListen, kSignal, kClientBase = 1000 };

wg::Now now() { return {std::chrono::steady_clock::now(), std::chrono::system_clock::now()}; }

// One dual-stack UDP socket: IPv4 peers appear as v4-mapped IPv6 addresses, which we
// translate both ways so endpoints read "10.0.0.1:51820" as wireguard-go prints them.
struct UdpSocket {
  Fd fd;
  std::uint16_t port = 0;
  bool dual_stack = false;

  static Result<UdpSocket> bind(std::uint16_t port, std::uint32_t fwmark) {
    UdpSocket s;
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

// Outgoing datagrams of one loop turn, sent together with sendmmsg. Handshake messages
// and staged packets (Sink::send) are copied; data datagrams point into the TUN buffers.
class SendBatch final : public wg::Sink {
 public:
  explicit SendBatch(const UdpSocket& socket) : socket_(socket) {}
  void send(const wg::Endpoint& to, std::span<const std::uint8_t> bytes) override {
    copies_.emplace_back(bytes.begin(), bytes.end());
    add(to, copies_.back());
  }
  void add(const wg::Endpoint& to, std::span<const std::uint8_t> bytes) {
    if (messages_.size() == kBatch) flush();
    Item& item = items_.emplace_back();
    item.length = socket_.to_sockaddr(to, item.address);
    item.iov = {const_cast<std::uint8_t*>(bytes.data()), bytes.size()};
    messages_.emplace_back();
  }
  void flush() {
    for (std::size_t i = 0; i < items_.size(); ++i) {
      msghdr& h = messages_[i].msg_hdr;
      h = {};
      h.msg_name = &items_[i].address;
      h.msg_namelen = items_[i].length;
      h.msg_iov = &items_[i].iov;
      h.msg_iovlen = 1;
    }
    std::size_t done = 0;
    while (done < messages_.size()) {
      const int n = ::sendmmsg(socket_.fd.get(), messages_.data() + done,
                               static_cast<unsigned>(messages_.size() - done), 0);
      if (n <= 0) {
        if (n < 0 && errno == EINTR) continue;
        dropped_ += messages_.size() - done;  // full socket buffer or unreachable: UDP may drop
        break;
      }
      done += static_cast<std::size_t>(n);
    }
    messages_.clear();
    items_.clear();
    copies_.clear();
  }
  std::uint64_t dropped() const noexcept { return dropped_; }

 private:
  struct Item {
    sockaddr_storage address{};
    socklen_t length = 0;
    iovec iov{};
  };
  const UdpSocket& socket_;
  std::deque<Item> items_;  // stable addresses while messages_ points at them
  std::vector<mmsghdr> messages_;
  std::deque<std::vector<std::uint8_t>> copies_;
  std::uint64_t dropped_ = 0;
};

struct Buffers {
  std::vector<std::uint8_t> storage = std::vector<std::uint8_t>(kBatch * kBufferSize);
  std::span<std::uint8_t> at(std::size_t i) noexcept { return {storage.data() + i * kBufferSize, kBufferSize}; }
};

class Daemon final : public WgDaemon {
 public:
  Daemon(dev::Device tun, int index, UdpSocket udp, Fd uapi, std::string path, event::Epoll epoll)
      : tun_(std::move(tun)), index_(index), udp_(std::move(udp)), uapi_(std::move(uapi)),
        path_(std::move(path)), epoll_(std::move(epoll)) {
    wg::DeviceOptions options;
    options.mtu = kDefaultMtu;
    device_ = std::make_unique<wg::Device>(options);
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
    SendBatch batch(udp_);
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

  dev::Device tun_;
  int index_;
  UdpSocket udp_;
  Fd uapi_;
  std::string path_;
  event::Epoll epoll_;
  std::unique_ptr<wg::Device> device_;
  ino_t socket_inode_ = 0;
  std::uint32_t fwmark_ = 0;
  bool running_ = false;  // the fds are registered with epoll_
  Buffers tun_buffers_, udp_buffers_;
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
    auto fresh = UdpSocket::bind(*request.listen_port, fwmark_);
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

// TUN -> peers. False when the device is gone.
Result<bool> Daemon::on_tun() {
  auto queue = tun_.queue();
  std::array<dev::PacketSlot, kBatch> slots;
  for (int round = 0; round < 4; ++round) {
    for (std::size_t i = 0; i < kBatch; ++i) {
      slots[i].buffer = tun_buffers_.at(i).first(kBufferSize - wg::Device::tailroom);
      slots[i].offset = wg::Device::headroom;
    }
    auto n = queue.read(slots);
    if (!n) {
      if (n.error().is(Errc::device_gone)) return false;
      return std::unexpected(n.error());
    }
    if (*n == 0) break;
    SendBatch batch(udp_);
    const auto t = now();
    for (std::size_t i = 0; i < *n; ++i) {
      auto datagram = device_->encrypt(tun_buffers_.at(i), slots[i].offset, slots[i].length, t, batch);
      if (datagram) batch.add(datagram->to, datagram->bytes);
    }
    batch.flush();
    if (*n < kBatch) break;
  }
  return true;
}

// Peers -> TUN.
void Daemon::on_udp() {
  std::array<mmsghdr, kBatch> messages{};
  std::array<iovec, kBatch> iovs{};
  std::array<sockaddr_storage, kBatch> sources{};
  std::array<dev::PacketSlot, kBatch> slots;
  auto queue = tun_.queue();
  for (int round = 0; round < 4; ++round) {
    for (std::size_t i = 0; i < kBatch; ++i) {
      iovs[i] = {udp_buffers_.at(i).data(), kBufferSize};
      messages[i].msg_hdr = {};
      messages[i].msg_hdr.msg_name = &sources[i];
      messages[i].msg_hdr.msg_namelen = sizeof sources[i];
      messages[i].msg_hdr.msg_iov = &iovs[i];
      messages[i].msg_hdr.msg_iovlen = 1;
    }
    const int n = ::recvmmsg(udp_.fd.get(), messages.data(), kBatch, MSG_DONTWAIT, nullptr);
    if (n <= 0) break;
    SendBatch batch(udp_);
    const auto t = now();
    std::size_t deliver = 0;
    for (std::size_t i = 0; i < static_cast<std::size_t>(n); ++i) {
      auto from = UdpSocket::from_sockaddr(sources[i]);
      if (!from) continue;
      auto buffer = udp_buffers_.at(i);
      auto packet = device_->receive(buffer.first(messages[i].msg_len), *from, t, batch);
      if (packet.empty()) continue;
      slots[deliver].buffer = buffer;
      slots[deliver].offset = static_cast<std::size_t>(packet.data() - buffer.data());
      slots[deliver].length = packet.size();
      ++deliver;
    }
    batch.flush();
    for (std::size_t done = 0; done < deliver;) {
      auto written = queue.write(std::span<const dev::PacketSlot>(slots.data() + done, deliver - done));
      if (!written || *written == 0) break;  // the kernel refused (queue full): UDP semantics
      done += *written;
    }
    if (static_cast<std::size_t>(n) < kBatch) break;
  }
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
      SendBatch batch(udp_);
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
          if (signals->take()) return {};
          break;
        default:
          on_client(e.data.u64);
          break;
      }
    }
    SendBatch batch(udp_);
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
  auto tun = dev::Device::open(options);
  if (!tun) return std::unexpected(tun.error());
  auto netlink = netlink::RtNetlink::open();
  if (!netlink) return std::unexpected(netlink.error());
  auto link = netlink->link(tun->name());
  if (!link) return std::unexpected(link.error());
  if (auto mtu = netlink->set_mtu(link->index, kDefaultMtu); !mtu) return std::unexpected(mtu.error());
  auto udp = UdpSocket::bind(0, 0);
  if (!udp) return std::unexpected(udp.error());
  const std::string path = uapi_socket_path(tun->name());
  auto uapi = listen_uapi(path);
  if (!uapi) return std::unexpected(uapi.error());
  auto epoll = event::Epoll::create();
  if (!epoll) return std::unexpected(epoll.error());
  return std::make_unique<Daemon>(std::move(*tun), link->index, std::move(*udp), std::move(*uapi), path,
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
