#include "tunkit/wg/uapi.hpp"

#include <fmt/format.h>

#include <cstdlib>
#include <cstring>

#include "tunkit/crypto/x25519.hpp"

namespace tunkit::wg {
namespace {

constexpr std::size_t max_echoed_value = 64;  // longer values are cut in messages

std::error_code errc(std::errc e) { return std::make_error_code(e); }

bool in_key_alphabet(char c) noexcept {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '/' ||
         c == '=';
}

// A value as quoted in a message: never the whole of a huge or hostile line, never a key.
std::string quoted(std::string_view value) {
  std::string out = "'";
  if (value.size() > max_echoed_value) {
    out.append(value.substr(0, max_echoed_value));
    out += "...";
  } else {
    out.append(value);
  }
  out += '\'';
  return without_secrets(out);
}

// A line without '=' as quoted in a message; one that may hold a key is not echoed.
std::string quoted_line(std::string_view line) {
  if (line.starts_with("private_key") || line.starts_with("preshared_key"))
    return "a key line (not shown)";
  return quoted(line);
}

// Splits `text` into lines at '\n'; a final line without '\n' counts, an empty tail not.
std::vector<std::string_view> split_lines(std::string_view text) {
  std::vector<std::string_view> lines;
  while (!text.empty()) {
    const auto newline = text.find('\n');
    if (newline == std::string_view::npos) {
      lines.push_back(text);
      break;
    }
    lines.push_back(text.substr(0, newline));
    text.remove_prefix(newline + 1);
  }
  return lines;
}

// 64 hex digits into a 32-byte secret; the temporary copy is wiped.
std::optional<crypto::Secret<crypto::key_size>> secret_from_hex(std::string_view text) {
  auto bytes = crypto::key_from_hex(text);
  if (!bytes) return std::nullopt;
  crypto::Secret<crypto::key_size> secret{std::span<const std::uint8_t, crypto::key_size>(*bytes)};
  crypto::wipe(*bytes);
  return secret;
}

std::optional<crypto::PublicKey> public_key_from_hex(std::string_view text) {
  auto bytes = crypto::key_from_hex(text);
  if (!bytes) return std::nullopt;
  return crypto::PublicKey{*bytes};
}

bool is_device_key(std::string_view key) {
  return key == "private_key" || key == "listen_port" || key == "fwmark" || key == "replace_peers";
}

bool is_peer_key(std::string_view key) {
  return key == "remove" || key == "update_only" || key == "preshared_key" || key == "endpoint" ||
         key == "persistent_keepalive_interval" || key == "replace_allowed_ips" ||
         key == "allowed_ip" || key == "protocol_version";
}

void append_line(std::string& out, std::string_view key, std::string_view value) {
  out.append(key);
  out += '=';
  out.append(value);
  out += '\n';
}

void append_hex_key(std::string& out, std::string_view key,
                    std::span<const std::uint8_t, crypto::key_size> bytes) {
  append_line(out, key, crypto::to_hex(bytes));
}

// The errno a status line carries for `error`: its value if it is an errno, else ENOANO.
int errno_of(const Error& error) {
  const auto& category = error.code.category();
  if (category == std::generic_category() || category == std::system_category())
    return error.code.value();
  return 55;  // ENOANO, wireguard-go's IpcErrorUnknown
}

// "errno=N" with N a decimal integer, optionally negative.
std::optional<long long> parse_errno_value(std::string_view value) {
  const bool negative = !value.empty() && value.front() == '-';
  if (negative) value.remove_prefix(1);
  auto magnitude = parse_decimal(value, 0x7fffffff);
  if (!magnitude) return std::nullopt;
  const auto n = static_cast<long long>(*magnitude);
  return negative ? -n : n;
}

Error device_errno_error(long long value) {
  const int err = static_cast<int>(value < 0 ? -value : value);
  return Error{std::error_code(err, std::generic_category()),
               fmt::format("device answered errno={} ({})", value, std::strerror(err))};
}

}  // namespace

// ---- set=1 ---------------------------------------------------------------------------

std::string without_secrets(std::string_view text) {
  constexpr std::size_t longest_shown = 39;  // a key is 44 base64 or 64 hex characters
  std::string out;
  std::size_t i = 0;
  while (i < text.size()) {
    std::size_t run = i;
    while (run < text.size() && in_key_alphabet(text[run])) ++run;
    if (run - i > longest_shown) {
      out += "(key not shown)";
    } else {
      out.append(text.substr(i, run - i));
    }
    if (run < text.size()) out += text[run];
    i = run + 1;
  }
  return out;
}

Result<SetRequest> parse_set(std::string_view body) {
  SetRequest request;
  PeerChange* peer = nullptr;  // the peer the current lines configure
  std::size_t number = 0;
  for (std::string_view line : split_lines(body)) {
    ++number;
    const auto invalid = [&](std::string message) {
      return fail(errc(std::errc::invalid_argument), fmt::format("line {}: {}", number, message));
    };
    if (line.empty())
      return fail(
          errc(std::errc::protocol_error),
          fmt::format("line {}: empty line inside a set request (a blank line ends it)", number));
    const auto equals = line.find('=');
    if (equals == std::string_view::npos)
      return fail(errc(std::errc::protocol_error),
                  fmt::format("line {}: expected key=value, got {}", number, quoted_line(line)));
    const std::string_view key = line.substr(0, equals);
    const std::string_view value = line.substr(equals + 1);
    const auto require_true = [&](bool& flag) -> Result<void> {
      if (value != "true")
        return invalid(fmt::format("invalid {} {}: the only value is true", key, quoted(value)));
      flag = true;
      return {};
    };

    if (key == "public_key") {
      auto public_key = public_key_from_hex(value);
      if (!public_key) return invalid("invalid public_key: expected 64 hex digits");
      peer = &request.peers.emplace_back();
      peer->public_key = *public_key;
      continue;
    }

    if (peer == nullptr) {
      if (key == "private_key") {
        auto key_bytes = secret_from_hex(value);
        if (!key_bytes) return invalid("invalid private_key: expected 64 hex digits");
        if (!key_bytes->is_zero()) crypto::clamp(*key_bytes);
        request.private_key = std::move(*key_bytes);
      } else if (key == "listen_port") {
        auto port = parse_decimal(value, 0xffff);
        if (!port)
          return invalid(fmt::format("invalid listen_port {}: expected 0-65535", quoted(value)));
        request.listen_port = static_cast<std::uint16_t>(*port);
      } else if (key == "fwmark") {
        auto mark = parse_decimal(value, 0xffffffff);
        if (!mark)
          return invalid(fmt::format("invalid fwmark {}: expected 0-4294967295", quoted(value)));
        request.fwmark = static_cast<std::uint32_t>(*mark);
      } else if (key == "replace_peers") {
        if (auto ok = require_true(request.replace_peers); !ok) return std::unexpected(ok.error());
      } else if (is_peer_key(key)) {
        return invalid(fmt::format("{} is a peer key; it must follow a public_key line", key));
      } else {
        return invalid(fmt::format("unknown device key {}", quoted(key)));
      }
      continue;
    }

    if (key == "remove") {
      if (auto ok = require_true(peer->remove); !ok) return std::unexpected(ok.error());
    } else if (key == "update_only") {
      if (auto ok = require_true(peer->update_only); !ok) return std::unexpected(ok.error());
    } else if (key == "preshared_key") {
      auto psk = secret_from_hex(value);
      if (!psk) return invalid("invalid preshared_key: expected 64 hex digits");
      peer->preshared_key = std::move(*psk);
    } else if (key == "endpoint") {
      auto endpoint = Endpoint::parse(value);
      if (!endpoint)
        return invalid(fmt::format("invalid endpoint {}: expected a.b.c.d:port or [ipv6]:port",
                                   quoted(value)));
      peer->endpoint = *endpoint;
    } else if (key == "persistent_keepalive_interval") {
      auto seconds = parse_decimal(value, 0xffff);
      if (!seconds)
        return invalid(fmt::format("invalid persistent_keepalive_interval {}: expected 0-65535",
                                   quoted(value)));
      peer->persistent_keepalive_interval = static_cast<std::uint16_t>(*seconds);
    } else if (key == "replace_allowed_ips") {
      if (auto ok = require_true(peer->replace_allowed_ips); !ok)
        return std::unexpected(ok.error());
    } else if (key == "allowed_ip") {
      auto prefix = parse_prefix_strict(value);
      if (!prefix)
        return invalid(
            fmt::format("invalid allowed_ip {}: expected address/length", quoted(value)));
      peer->allowed_ips.push_back(*prefix);
    } else if (key == "protocol_version") {
      if (value != "1")
        return invalid(
            fmt::format("unsupported protocol_version {}: only 1 exists", quoted(value)));
    } else if (is_device_key(key)) {
      return invalid(
          fmt::format("{} is a device key; it must come before the first public_key", key));
    } else {
      return invalid(fmt::format("unknown peer key {}", quoted(key)));
    }
  }
  return request;
}

std::string format_set(const SetRequest& request) {
  std::string out;
  if (request.private_key) append_hex_key(out, "private_key", request.private_key->bytes());
  if (request.listen_port) append_line(out, "listen_port", std::to_string(*request.listen_port));
  if (request.fwmark) append_line(out, "fwmark", std::to_string(*request.fwmark));
  if (request.replace_peers) append_line(out, "replace_peers", "true");
  for (const PeerChange& peer : request.peers) {
    append_hex_key(out, "public_key", peer.public_key.bytes);
    if (peer.remove) append_line(out, "remove", "true");
    if (peer.update_only) append_line(out, "update_only", "true");
    if (peer.preshared_key) append_hex_key(out, "preshared_key", peer.preshared_key->bytes());
    if (peer.endpoint) append_line(out, "endpoint", peer.endpoint->to_string());
    if (peer.persistent_keepalive_interval)
      append_line(out, "persistent_keepalive_interval",
                  std::to_string(*peer.persistent_keepalive_interval));
    if (peer.replace_allowed_ips) append_line(out, "replace_allowed_ips", "true");
    for (const IpPrefix& prefix : peer.allowed_ips)
      append_line(out, "allowed_ip", format_prefix(prefix));
  }
  return out;
}

// ---- get=1 ---------------------------------------------------------------------------

std::string format_get(const DeviceStatus& status) {
  std::string out;
  if (status.private_key && !status.private_key->is_zero())
    append_hex_key(out, "private_key", status.private_key->bytes());
  if (status.listen_port != 0) append_line(out, "listen_port", std::to_string(status.listen_port));
  if (status.fwmark != 0) append_line(out, "fwmark", std::to_string(status.fwmark));
  for (const PeerStatus& peer : status.peers) {
    append_hex_key(out, "public_key", peer.public_key.bytes);
    append_hex_key(out, "preshared_key", peer.preshared_key.bytes());
    append_line(out, "protocol_version", "1");
    if (peer.endpoint) append_line(out, "endpoint", peer.endpoint->to_string());
    append_line(out, "last_handshake_time_sec", std::to_string(peer.last_handshake_sec));
    append_line(out, "last_handshake_time_nsec", std::to_string(peer.last_handshake_nsec));
    append_line(out, "tx_bytes", std::to_string(peer.tx_bytes));
    append_line(out, "rx_bytes", std::to_string(peer.rx_bytes));
    append_line(out, "persistent_keepalive_interval",
                std::to_string(peer.persistent_keepalive_interval));
    for (const IpPrefix& prefix : peer.allowed_ips)
      append_line(out, "allowed_ip", format_prefix(prefix));
  }
  return out;
}

Result<DeviceStatus> parse_get(std::string_view response) {
  DeviceStatus status;
  PeerStatus* peer = nullptr;
  std::optional<std::size_t>
      errno_line;  // set once "errno=" was read: only a blank line may follow
  bool saw_blank = false;
  std::size_t number = 0;
  for (std::string_view line : split_lines(response)) {
    ++number;
    const auto malformed = [&](std::string message) {
      return fail(errc(std::errc::protocol_error), fmt::format("line {}: {}", number, message));
    };
    if (saw_blank) return malformed("data after the blank line that ends the response");
    if (line.empty()) {
      if (!errno_line) return malformed("blank line before the errno line");
      saw_blank = true;
      continue;
    }
    if (errno_line) return malformed("data after the errno line");
    const auto equals = line.find('=');
    if (equals == std::string_view::npos)
      return malformed(fmt::format("expected key=value, got {}", quoted_line(line)));
    const std::string_view key = line.substr(0, equals);
    const std::string_view value = line.substr(equals + 1);
    const auto number_in = [&](std::uint64_t max) { return parse_decimal(value, max); };
    const auto bad_value = [&] {
      return malformed(fmt::format("invalid {} {}", key, quoted(value)));
    };

    if (key == "errno") {
      auto err = parse_errno_value(value);
      if (!err) return bad_value();
      if (*err != 0) return std::unexpected(device_errno_error(*err));
      errno_line = number;
    } else if (key == "public_key") {
      auto public_key = public_key_from_hex(value);
      if (!public_key) return bad_value();
      peer = &status.peers.emplace_back();
      peer->public_key = *public_key;
    } else if (peer == nullptr && is_peer_key(key)) {
      return malformed(fmt::format("{} before any public_key", key));
    } else if (peer == nullptr) {
      if (key == "private_key") {
        auto private_key = secret_from_hex(value);
        if (!private_key) return bad_value();
        status.private_key = std::move(*private_key);
      } else if (key == "listen_port") {
        auto port = number_in(0xffff);
        if (!port) return bad_value();
        status.listen_port = static_cast<std::uint16_t>(*port);
      } else if (key == "fwmark") {
        auto mark = number_in(0xffffffff);
        if (!mark) return bad_value();
        status.fwmark = static_cast<std::uint32_t>(*mark);
      }  // else: a key from a newer or forked implementation; wg(8) ignores it too
    } else if (is_device_key(key)) {
      return malformed(fmt::format("{} after a public_key", key));
    } else if (key == "preshared_key") {
      auto psk = secret_from_hex(value);
      if (!psk) return bad_value();
      peer->preshared_key = std::move(*psk);
    } else if (key == "protocol_version") {
      if (value != "1")
        return malformed(fmt::format("unsupported protocol_version {}", quoted(value)));
    } else if (key == "endpoint") {
      auto endpoint = Endpoint::parse(value);
      if (!endpoint) return bad_value();
      peer->endpoint = *endpoint;
    } else if (key == "last_handshake_time_sec" || key == "last_handshake_time_nsec") {
      auto n = number_in(0x7fffffffffffffff);
      if (!n) return bad_value();
      (key == "last_handshake_time_sec" ? peer->last_handshake_sec : peer->last_handshake_nsec) =
          static_cast<std::int64_t>(*n);
    } else if (key == "tx_bytes" || key == "rx_bytes") {
      auto n = number_in(0xffffffffffffffff);
      if (!n) return bad_value();
      (key == "tx_bytes" ? peer->tx_bytes : peer->rx_bytes) = *n;
    } else if (key == "persistent_keepalive_interval") {
      auto n = number_in(0xffff);
      if (!n) return bad_value();
      peer->persistent_keepalive_interval = static_cast<std::uint16_t>(*n);
    } else if (key == "allowed_ip") {
      auto prefix = parse_prefix_strict(value);
      if (!prefix) return bad_value();
      peer->allowed_ips.push_back(*prefix);
    }  // else: unknown peer key, ignored as wg(8) does
  }
  return status;  // with or without "errno=0\n" and its blank line
}

// ---- status line ---------------------------------------------------------------------

std::string format_errno_line() { return "errno=0\n\n"; }

std::string format_errno_line(const Error& error) {
  return fmt::format("errno={}\n\n", -errno_of(error));
}

Result<void> parse_set_response(std::string_view response) {
  std::string_view line = response;
  if (line.ends_with("\n\n"))
    line.remove_suffix(2);
  else if (line.ends_with('\n'))
    line.remove_suffix(1);
  const auto malformed = [&] {
    return fail(errc(std::errc::protocol_error),
                fmt::format("expected errno=N as the answer to set, got {}", quoted(response)));
  };
  if (!line.starts_with("errno=")) return malformed();
  auto err = parse_errno_value(line.substr(6));
  if (!err) return malformed();
  if (*err != 0) return std::unexpected(device_errno_error(*err));
  return {};
}

std::optional<std::size_t> response_size(std::string_view received) noexcept {
  const auto end = received.find("\n\n");
  if (end == std::string_view::npos) return std::nullopt;
  return end + 2;
}

// ---- request framing -----------------------------------------------------------------

Result<void> UapiRequestReader::fail_with(Error error) {
  error_ = error;
  buffer_.clear();
  return std::unexpected(std::move(error));
}

Result<void> UapiRequestReader::feed(std::string_view bytes) {
  if (error_) return std::unexpected(*error_);
  if (bytes.size() > max_buffered_ - buffer_.size())
    return fail_with({errc(std::errc::message_size),
                      fmt::format("UAPI request larger than {} bytes", max_buffered_)});
  buffer_.append(bytes);
  return {};
}

Result<void> UapiRequestReader::feed(std::span<const std::uint8_t> bytes) {
  return feed(std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
}

Result<std::optional<UapiRequest>> UapiRequestReader::next() {
  using Next = Result<std::optional<UapiRequest>>;
  if (error_) return std::unexpected(*error_);
  const std::string_view buffered = buffer_;
  const auto newline = buffered.find('\n');
  const auto unknown_operation = [&](std::string_view op) -> Next {
    return std::unexpected(
        fail_with({errc(std::errc::protocol_error),
                   fmt::format("unknown UAPI operation {}; expected get=1 or set=1", quoted(op))})
            .error());
  };
  if (newline == std::string_view::npos) {
    // Fail as soon as the bytes cannot grow into an operation line (an HTTP probe, say).
    if (!std::string_view("get=1").starts_with(buffered) &&
        !std::string_view("set=1").starts_with(buffered))
      return unknown_operation(buffered);
    return std::nullopt;
  }
  const std::string_view op = buffered.substr(0, newline);
  if (op == "get=1") {
    if (buffered.size() < newline + 2) return std::nullopt;
    if (buffered[newline + 1] != '\n')
      return std::unexpected(
          fail_with({errc(std::errc::invalid_argument), "get=1 must be followed by a blank line"})
              .error());
    buffer_.erase(0, newline + 2);
    return UapiRequest{UapiRequest::Op::get, {}};
  }
  if (op != "set=1") return unknown_operation(op);
  const std::size_t body_start = newline + 1;
  if (buffered.size() <= body_start) return std::nullopt;
  std::size_t body_end = body_start;  // one past the body's final '\n'
  std::size_t consumed = body_start + 1;
  if (buffered[body_start] != '\n') {  // a non-empty body ends where a line is blank
    const auto blank = buffered.find("\n\n", body_start);
    if (blank == std::string_view::npos) return std::nullopt;
    body_end = blank + 1;
    consumed = blank + 2;
  }
  UapiRequest request{UapiRequest::Op::set,
                      std::string(buffered.substr(body_start, body_end - body_start))};
  buffer_.erase(0, consumed);
  return request;
}

}  // namespace tunkit::wg
