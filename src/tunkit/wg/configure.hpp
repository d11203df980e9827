// The UAPI's `set` and `get` against a Device: what `wg set`, `wg setconf` and `wg show`
// mean for the protocol core. The socket (listen_port, fwmark) is the driver's; apply()
// leaves those fields to it and status() leaves them zero.
#pragma once

#include "tunkit/base/error.hpp"
#include "tunkit/wg/device.hpp"
#include "tunkit/wg/uapi.hpp"

namespace tunkit::wg {

// Applies `request` in order, with wireguard-go's semantics: replace_peers first, an
// all-zero private key removes it, update_only skips unknown peers, replace_allowed_ips
// drops the peer's prefixes before adding the new ones, a prefix owned by another peer
// moves to this one, our own public key is ignored as a peer.
void apply(Device& device, const SetRequest& request, const Now& now, Sink& sink);

DeviceStatus status(const Device& device);

}  // namespace tunkit::wg
