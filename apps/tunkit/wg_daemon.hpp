// The WireGuard driver: wires a wg::Device (no I/O) to a TUN device, a UDP socket and the
// UAPI socket /var/run/wireguard/IFACE.sock that `wg` talks to. One thread, one epoll loop,
// batches both ways (DESIGN.md principle 4): packets are read into buffers with the
// WireGuard header's headroom, encrypted in place and sent with sendmmsg; datagrams are
// received with recvmmsg, decrypted in place and written to the TUN from the same buffer.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "tunkit/base/error.hpp"
#include "tunkit/wg/uapi.hpp"

namespace tunkit::app {

class WgDaemon {
 public:
  // Creates (or attaches to) the TUN `name` with MTU 1420, binds a UDP socket on a random
  // port and listens on the UAPI socket. Refuses if another process serves that socket.
  static Result<std::unique_ptr<WgDaemon>> create(std::string_view name);
  virtual ~WgDaemon() = default;

  // A `set` as if it came through the UAPI socket (wg-quick's config, for `tunkit wg up`).
  virtual Result<void> configure(const wg::SetRequest& request) = 0;
  virtual const std::string& name() const noexcept = 0;
  virtual const std::string& socket_path() const noexcept = 0;
  virtual int tun_index() const noexcept = 0;
  // Serves until SIGINT/SIGTERM or until the TUN device is deleted (`ip link del`,
  // `wg-quick down`); removes the UAPI socket on the way out.
  virtual Result<void> run(bool verbose) = 0;
};

// The UAPI socket of interface `name` (wireguard-go's path, which `wg` looks in).
std::string uapi_socket_path(std::string_view name);

// Detaches from the terminal: the parent exits 0 once the child runs (wireguard-go's
// contract: the interface and its socket exist when the command returns).
void daemonize();

}  // namespace tunkit::app
