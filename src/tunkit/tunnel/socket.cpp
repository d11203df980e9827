#include "tunkit/tunnel/socket.hpp"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <netinet/udp.h>

#include <fmt/format.h>

#include <cstring>

namespace tunkit::tunnel {
namespace {

constexpr int kSocketBuffer = 4 << 20;

void set_int(int fd, int level, int option, int value) {
  ::setsockopt(fd, level, option, &value, sizeof value);
}

Result<Fd> new_socket(int family, int type) {
  Fd fd(::socket(family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!fd) return fail_errno_context(errno, "socket");
  set_int(fd.get(), SOL_SOCKET, SO_SNDBUF, kSocketBuffer);
  set_int(fd.get(), SOL_SOCKET, SO_RCVBUF, kSocketBuffer);
  return fd;
}

}  // namespace

std::string Endpoint::to_string() const {
  char host[INET6_ADDRSTRLEN] = "?";
  if (family() == AF_INET) {
    const auto* in = reinterpret_cast<const sockaddr_in*>(&address);
    inet_ntop(AF_INET, &in->sin_addr, host, sizeof host);
    return fmt::format("{}:{}", host, ntohs(in->sin_port));
  }
  const auto* in6 = reinterpret_cast<const sockaddr_in6*>(&address);
  inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof host);
  return fmt::format("[{}]:{}", host, ntohs(in6->sin6_port));
}

bool Endpoint::operator==(const Endpoint& other) const noexcept {
  return length == other.length && std::memcmp(&address, &other.address, length) == 0;
}

Result<Endpoint> resolve(std::string_view host, std::uint16_t port, Transport transport) {
  Endpoint ep;
  if (host.empty()) {
    // "Any": dual-stack [::] if this kernel does IPv6 sockets, else 0.0.0.0.
    Fd probe(::socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    if (probe) {
      auto* in6 = reinterpret_cast<sockaddr_in6*>(&ep.address);
      in6->sin6_family = AF_INET6;
      in6->sin6_port = htons(port);
      in6->sin6_addr = in6addr_any;
      ep.length = sizeof(sockaddr_in6);
    } else {
      auto* in = reinterpret_cast<sockaddr_in*>(&ep.address);
      in->sin_family = AF_INET;
      in->sin_port = htons(port);
      ep.length = sizeof(sockaddr_in);
    }
    return ep;
  }
  // Literal addresses may come in brackets, as in URLs: [fd00::1].
  std::string name(host);
  if (name.size() > 2 && name.front() == '[' && name.back() == ']') name = name.substr(1, name.size() - 2);
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = transport == Transport::tcp ? SOCK_STREAM : SOCK_DGRAM;
  addrinfo* found = nullptr;
  const auto service = std::to_string(port);
  if (const int rc = ::getaddrinfo(name.c_str(), service.c_str(), &hints, &found); rc != 0)
    return fail_errno(EINVAL, fmt::format("cannot resolve '{}': {}", name, gai_strerror(rc)));
  std::memcpy(&ep.address, found->ai_addr, found->ai_addrlen);
  ep.length = found->ai_addrlen;
  ::freeaddrinfo(found);
  return ep;
}

Result<Fd> listen_tcp(const Endpoint& local) {
  auto fd = new_socket(local.family(), SOCK_STREAM);
  if (!fd) return fd;
  set_int(fd->get(), SOL_SOCKET, SO_REUSEADDR, 1);
  if (local.family() == AF_INET6) set_int(fd->get(), IPPROTO_IPV6, IPV6_V6ONLY, 0);
  if (::bind(fd->get(), local.get(), local.length) < 0)
    return fail_errno_context(errno, fmt::format("bind TCP {}", local.to_string()));
  if (::listen(fd->get(), 16) < 0) return fail_errno_context(errno, "listen");
  return fd;
}

Result<Fd> start_connect_tcp(const Endpoint& remote) {
  auto fd = new_socket(remote.family(), SOCK_STREAM);
  if (!fd) return fd;
  if (::connect(fd->get(), remote.get(), remote.length) < 0 && errno != EINPROGRESS)
    return fail_errno_context(errno, fmt::format("connect to {}", remote.to_string()));
  return fd;
}

Result<void> connect_result(int fd) {
  int err = 0;
  socklen_t len = sizeof err;
  if (::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0) err = errno;
  if (err != 0) return fail_errno(err, std::strerror(err));
  return {};
}

Result<void> tune_stream(int fd) {
  set_int(fd, IPPROTO_TCP, TCP_NODELAY, 1);
  set_int(fd, SOL_SOCKET, SO_KEEPALIVE, 1);
  set_int(fd, IPPROTO_TCP, TCP_KEEPIDLE, 10);
  set_int(fd, IPPROTO_TCP, TCP_KEEPINTVL, 5);
  set_int(fd, IPPROTO_TCP, TCP_KEEPCNT, 4);
  return {};
}

namespace {
// Receive runs of datagrams coalesced by the kernel (UDP_GRO, Linux 5.0); harmless if absent.
void enable_gro(int fd) { set_int(fd, SOL_UDP, UDP_GRO, 1); }
}  // namespace

Result<Fd> open_udp(const Endpoint& local) {
  auto fd = new_socket(local.family(), SOCK_DGRAM);
  if (!fd) return fd;
  enable_gro(fd->get());
  if (local.family() == AF_INET6) set_int(fd->get(), IPPROTO_IPV6, IPV6_V6ONLY, 0);
  if (::bind(fd->get(), local.get(), local.length) < 0)
    return fail_errno_context(errno, fmt::format("bind UDP {}", local.to_string()));
  return fd;
}

Result<Fd> open_udp_for(const Endpoint& remote) {
  auto fd = new_socket(remote.family(), SOCK_DGRAM);
  if (fd) enable_gro(fd->get());
  return fd;
}

}  // namespace tunkit::tunnel
