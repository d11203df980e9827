// WireGuard configuration files: the INI format wg(8) reads (`wg setconf`, `wg showconf`)
// plus the keys wg-quick(8) adds to [Interface]. Pure text <-> value conversion; nothing
// here resolves a host name, reads a file or runs a hook.
//
//   [Interface]                       [Peer]
//   PrivateKey = <base64>             PublicKey = <base64>
//   ListenPort = 51820                PresharedKey = <base64>
//   FwMark = 0x1234 | off             AllowedIPs = 10.0.0.0/24, fd00::/64   (repeatable)
//   Address = 10.0.0.1/24, ...        Endpoint = vpn.example.com:51820 | [fd00::1]:51820
//   DNS = 10.0.0.53, corp.example     PersistentKeepalive = 25 | off
//   MTU = 1420   Table = off | auto | <number> | <name>
//   PreUp / PostUp / PreDown / PostDown = <shell command>   (repeatable)
//   SaveConfig = true | false
//
// Syntax as wg and wg-quick accept it: keys and section names are case-insensitive, '#'
// starts a comment anywhere on a line, whitespace around '=' and ',' is ignored, comma
// lists may also be split over repeated keys. tunkit is stricter than wg where wg would
// silently do something surprising: see parse_config.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tunkit/base/error.hpp"
#include "tunkit/crypto/key.hpp"
#include "tunkit/wg/endpoint.hpp"
#include "tunkit/wg/uapi.hpp"
#include "tunkit/wire/address.hpp"

namespace tunkit::wg {

struct InterfaceConfig {
  // As written, like wg: not clamped here (the wg(8) and wg-quick(8) examples are not);
  // the device clamps it, so `wg showconf` of the device may differ in the last bits.
  std::optional<crypto::PrivateKey> private_key;
  std::uint16_t listen_port = 0;  // 0 = let the device pick a port
  std::uint32_t fwmark = 0;       // 0 = off

  // wg-quick(8) keys: the device ignores them; `tunkit wg up` acts on them.
  std::vector<IpPrefix> addresses;      // as written, host bits kept (10.0.0.1/24)
  std::vector<IpAddress> dns_servers;   // DNS entries that are addresses
  std::vector<std::string> dns_search;  // DNS entries that are not: search domains
  std::optional<std::uint32_t> mtu;
  std::optional<std::string> table;  // "off", "auto", a table number or name
  std::vector<std::string> pre_up, post_up, pre_down, post_down;  // shell commands, in order
  bool save_config = false;

  bool operator==(const InterfaceConfig&) const = default;
};

struct PeerConfig {
  crypto::PublicKey public_key;
  std::optional<crypto::PresharedKey> preshared_key;  // never all zero: zero means none
  std::vector<IpPrefix> allowed_ips;                  // as written, host bits kept
  // "host:port" or "[ipv6]:port" exactly as written; empty = no endpoint. A host name is
  // kept here unresolved; the caller resolves it and fills `endpoint`.
  std::string endpoint_text;
  std::optional<Endpoint> endpoint;        // set by parse_config when endpoint_text is a literal
  std::uint16_t persistent_keepalive = 0;  // seconds; 0 = off

  bool operator==(const PeerConfig&) const = default;
};

struct Config {
  InterfaceConfig interface;
  std::vector<PeerConfig> peers;  // in file order

  bool operator==(const Config&) const = default;
};

// Parses a wg / wg-quick configuration. Errors (code std::errc::invalid_argument) name the
// line and the fix, e.g. "line 2: PrivateKey is not a valid key: expected 44 base64
// characters as printed by `wg genkey`". Refused, where wg would accept or guess:
//  - an unknown key or section, a key outside any section, a second [Interface];
//  - a single-valued key given twice in one section (wg keeps the last silently);
//  - a [Peer] without PublicKey, two [Peer]s with the same PublicKey;
//  - an AllowedIPs prefix (after masking host bits) claimed by two peers — the kernel
//    would silently move it to the later peer; the message names both lines;
//  - PersistentKeepalive (non-zero) on a peer without Endpoint: it could never initiate;
//  - an Endpoint without port, an IPv6 endpoint without brackets, a port of 0.
Result<Config> parse_config(std::string_view text);

// The configuration as text: [Interface] with the wg-quick keys first, then ListenPort,
// FwMark (hex) and PrivateKey as `wg showconf` prints them; each [Peer] after a blank line.
// parse_config(format_config(c)) == c for every c that parse_config can return.
std::string format_config(const Config& config);

// `wg setconf` semantics: replace_peers, and every device setting sent even when absent
// (no PrivateKey = all-zero key = remove it, ListenPort 0, FwMark 0); each peer with
// replace_allowed_ips. A peer whose `endpoint` is unset (a host name not yet resolved) is
// sent without one: resolve endpoint_text first.
SetRequest to_set_request(const Config& config);

// What `wg showconf` prints for a running device: its settings as a Config (no wg-quick keys).
Config to_config(const DeviceStatus& status);

}  // namespace tunkit::wg
