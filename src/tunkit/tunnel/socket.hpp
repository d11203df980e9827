// The underlay: TCP and UDP sockets for the tunnel, IPv4 or IPv6, non-blocking.
#pragma once

#include <sys/socket.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "tunkit/base/error.hpp"
#include "tunkit/base/fd.hpp"

namespace tunkit::tunnel {

struct Endpoint {
  sockaddr_storage address{};
  socklen_t length = 0;

  const sockaddr* get() const noexcept { return reinterpret_cast<const sockaddr*>(&address); }
  int family() const noexcept { return address.ss_family; }
  std::string to_string() const;  // "10.0.0.1:55555", "[fd00::1]:55555"
  bool operator==(const Endpoint& other) const noexcept;
};

enum class Transport : std::uint8_t { tcp, udp };

// Resolves HOST (a name or an address) and PORT. An empty host means "any": [::] when the
// machine has IPv6, else 0.0.0.0.
Result<Endpoint> resolve(std::string_view host, std::uint16_t port, Transport transport);

// A listening TCP socket (dual-stack when bound to [::]).
Result<Fd> listen_tcp(const Endpoint& local);
// Starts a non-blocking connect; the socket becomes writable when it completes, and
// connect_result() then says whether it succeeded.
Result<Fd> start_connect_tcp(const Endpoint& remote);
Result<void> connect_result(int fd);
// TCP_NODELAY (a frame goes out as soon as it is written), keepalive that notices a dead
// peer within about 30 s, and large buffers.
Result<void> tune_stream(int fd);
// A UDP socket bound to `local` (server) or unbound (client), with large buffers and
// UDP_GRO on, so a receive may return a run of equal-sized datagrams (see the control message).
Result<Fd> open_udp(const Endpoint& local);
Result<Fd> open_udp_for(const Endpoint& remote);

}  // namespace tunkit::tunnel
