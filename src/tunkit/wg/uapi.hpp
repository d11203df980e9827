// WireGuard's cross-platform userspace API (https://www.wireguard.com/xplatform/): the text
// protocol `wg` speaks over /var/run/wireguard/<iface>.sock. Pure: parsing, formatting and
// request framing; the socket server and the device that applies a SetRequest live elsewhere.
//
// Wire shape (reference: wireguard-go device/uapi.go, wireguard-tools ipc-uapi.h):
//   request  "get=1\n\n"                  or "set=1\n" + "key=value\n"... + "\n"
//   response [key=value\n... (get only)] + "errno=N\n\n"
// N is 0 or a NEGATED errno ("errno=-22" for EINVAL); wg(8) negates it back. wireguard-go
// answers EINVAL for a bad value AND for an unknown or misplaced key, EPROTO for a line
// without '='; it closes the connection without a reply on an unknown operation.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "tunkit/base/error.hpp"
#include "tunkit/crypto/key.hpp"
#include "tunkit/wg/endpoint.hpp"
#include "tunkit/wire/address.hpp"

namespace tunkit::wg {

// ---- set=1 ---------------------------------------------------------------------------

// One peer's part of a set request: everything from its public_key line to the next one.
// The order of lines within a peer is not kept: apply replace_allowed_ips before
// allowed_ips (the order wg(8) always writes), and repeated values keep the last one.
struct PeerChange {
  crypto::PublicKey public_key;
  bool remove = false;       // remove=true: delete the peer; other keys of it are ignored
  bool update_only = false;  // update_only=true: change the peer only if it already exists
  std::optional<crypto::PresharedKey> preshared_key;  // all zero = no preshared key
  std::optional<Endpoint> endpoint;
  std::optional<std::uint16_t> persistent_keepalive_interval;  // seconds; 0 = off
  bool replace_allowed_ips = false;   // drop the peer's allowed IPs before adding these
  std::vector<IpPrefix> allowed_ips;  // as sent: host bits are kept (the device masks them)

  bool operator==(const PeerChange&) const = default;
};

struct SetRequest {
  // All-zero key = remove the device's private key. Non-zero keys are clamped (RFC 7748 §5)
  // as wireguard-go does on parse, so a later get returns the clamped form.
  std::optional<crypto::PrivateKey> private_key;
  std::optional<std::uint16_t> listen_port;  // 0 = pick a random port
  std::optional<std::uint32_t> fwmark;       // 0 = clear the mark
  bool replace_peers = false;                // remove every peer before applying `peers`
  std::vector<PeerChange> peers;             // in request order; the same key may appear twice

  bool operator==(const SetRequest&) const = default;
};

// Parses the body of a set request: the lines after "set=1\n" up to, not including, the
// blank line (each line ends in '\n'; a missing final '\n' is tolerated). Unlike
// wireguard-go, which applies each line as it reads it, this is all-or-nothing: on error
// nothing has been applied. Errors: code std::errc::invalid_argument (EINVAL) for a bad
// value, an unknown key or a device key after the first public_key;
// std::errc::protocol_error (EPROTO) for a line without '=' or an empty line. Messages
// count lines from 1 at the first body line: "line 3: invalid preshared_key: expected 64
// hex digits".
// `text` with every run that could be key material (40 or more characters of the base64
// alphabet, which includes hex) replaced by "(key not shown)": error messages quote what
// they refuse, and a mistyped line may hold a private key.
std::string without_secrets(std::string_view text);

Result<SetRequest> parse_set(std::string_view body);
// The inverse of parse_set: the body in the order `wg set` writes it (private_key,
// listen_port, fwmark, replace_peers; per peer public_key, remove | update_only,
// preshared_key, endpoint, persistent_keepalive_interval, replace_allowed_ips, allowed_ip).
// Frame it as "set=1\n" + body + "\n".
std::string format_set(const SetRequest& request);

// ---- get=1 ---------------------------------------------------------------------------

struct PeerStatus {
  crypto::PublicKey public_key;
  crypto::PresharedKey preshared_key;  // all zero = none
  std::optional<Endpoint> endpoint;
  std::int64_t last_handshake_sec = 0, last_handshake_nsec = 0;  // 0/0 = never
  std::uint64_t rx_bytes = 0, tx_bytes = 0;
  std::uint16_t persistent_keepalive_interval = 0;
  std::vector<IpPrefix> allowed_ips;  // masked, in insertion order

  bool operator==(const PeerStatus&) const = default;
};

struct DeviceStatus {
  std::optional<crypto::PrivateKey> private_key;  // nullopt (or all zero) = none
  std::uint16_t listen_port = 0;                  // 0 = not bound
  std::uint32_t fwmark = 0;
  std::vector<PeerStatus> peers;

  bool operator==(const DeviceStatus&) const = default;
};

// The get response body exactly as wireguard-go writes it, without the "errno=0\n\n" the
// socket server appends: private_key (if non-zero), listen_port (if non-zero), fwmark (if
// non-zero), then per peer public_key, preshared_key, protocol_version=1, endpoint (if
// known), last_handshake_time_sec, last_handshake_time_nsec, tx_bytes, rx_bytes,
// persistent_keepalive_interval, one allowed_ip per prefix. Keys in lowercase hex.
std::string format_get(const DeviceStatus& status);
// Reads a get response (format_get's output or wireguard-go's), with or without the
// trailing "errno=N\n\n". Like wg(8) it ignores keys it does not know (forks add their own)
// and accepts hex keys in either case. Errors: a non-zero errno line yields that errno with
// message "device answered errno=-N"; anything malformed is std::errc::protocol_error.
Result<DeviceStatus> parse_get(std::string_view response);

// ---- status line ---------------------------------------------------------------------

// The trailer that ends every response: "errno=0\n\n".
std::string format_errno_line();
// "errno=-N\n\n" where N is `error`'s errno; an error outside the generic (errno) category
// maps to 55 (ENOANO), as wireguard-go reports errors it has no errno for.
std::string format_errno_line(const Error& error);
// Client side: a set response, "errno=N\n\n" (or without the blank line). Success for
// errno=0, an Error carrying errno |N| otherwise; std::errc::protocol_error if malformed.
Result<void> parse_set_response(std::string_view response);
// Client side framing: the size of the first complete response in `received` (through its
// blank line), or nullopt while incomplete. Responses contain no other blank line.
std::optional<std::size_t> response_size(std::string_view received) noexcept;

// ---- request framing (server side) ---------------------------------------------------

struct UapiRequest {
  enum class Op { get, set };
  Op op = Op::get;
  std::string body;  // set: the body for parse_set (lines, each ending in '\n'); get: empty

  bool operator==(const UapiRequest&) const = default;
};

// Splits a byte stream from one connection into requests. Several requests may arrive in
// one read and one request over many reads. The first error is final: every later call
// returns it, and the server should write format_errno_line(error) (when the code is
// EINVAL) and close, as wireguard-go does. Errors: std::errc::protocol_error for an
// operation other than get=1/set=1 (detected as soon as the bytes cannot become one);
// std::errc::invalid_argument for "get=1\n" not followed by a blank line;
// std::errc::message_size when more than max_buffered bytes are held without a complete
// request.
class UapiRequestReader {
 public:
  static constexpr std::size_t default_max_buffered = std::size_t{1} << 20;  // 1 MiB

  explicit UapiRequestReader(std::size_t max_buffered = default_max_buffered) noexcept
      : max_buffered_(max_buffered) {}

  // Appends received bytes. Fails (and stays failed) if the unconsumed bytes would exceed
  // max_buffered; call next() until it yields nullopt before feeding more.
  Result<void> feed(std::string_view bytes);
  Result<void> feed(std::span<const std::uint8_t> bytes);
  // The next complete request, nullopt if more bytes are needed.
  Result<std::optional<UapiRequest>> next();
  // Bytes received but not yet returned as a request.
  std::size_t buffered() const noexcept { return buffer_.size(); }

 private:
  Result<void> fail_with(Error error);

  std::string buffer_;
  std::size_t max_buffered_;
  std::optional<Error> error_;
};

}  // namespace tunkit::wg
