#include "tunkit/stack/udp_services.hpp"

namespace tunkit::stack {

Result<UdpService> UdpService::bind(Interface& interface, UdpServiceKind kind, std::uint16_t port) {
  auto socket = interface.udp_bind(port);
  if (!socket) return std::unexpected(socket.error());
  return UdpService(kind, port, *socket);
}

std::size_t UdpService::run(Interface& interface) {
  std::size_t served = 0;
  while (auto d = interface.udp_receive(socket_)) {
    ++served;
    switch (kind_) {
      case UdpServiceKind::echo:
        // RFC 862: back to where it came from, from the address it was sent to. A failure
        // (no route) is already counted by the interface.
        (void)interface.udp_send(socket_, d->remote, d->payload, d->local);
        break;
      case UdpServiceKind::discard: break;
    }
  }
  return served;
}

}  // namespace tunkit::stack
