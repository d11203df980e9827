// The two classic UDP services on a stack socket: echo (RFC 862: "any received datagram
// is sent back") and discard (RFC 863: "simply throw away any received datagram").
#pragma once

#include <cstdint>

#include "tunkit/stack/interface.hpp"

namespace tunkit::stack {

enum class UdpServiceKind : std::uint8_t { echo, discard };

class UdpService {
 public:
  static Result<UdpService> bind(Interface& interface, UdpServiceKind kind, std::uint16_t port);

  // Serves every datagram waiting on the socket; returns how many.
  std::size_t run(Interface& interface);

  UdpServiceKind kind() const noexcept { return kind_; }
  std::uint16_t port() const noexcept { return port_; }

 private:
  UdpService(UdpServiceKind kind, std::uint16_t port, UdpSocket socket)
      : kind_(kind), port_(port), socket_(socket) {}
  UdpServiceKind kind_;
  std::uint16_t port_;
  UdpSocket socket_;
};

}  // namespace tunkit::stack
