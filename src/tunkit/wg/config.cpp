#include "tunkit/wg/config.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <map>

namespace tunkit::wg {
namespace {

enum class Section { none, interface, peer };

// Every key, spelled as wg and wg-quick document it; matching ignores case.
constexpr std::array interface_keys = {
    std::string_view("PrivateKey"), std::string_view("ListenPort"), std::string_view("FwMark"),
    std::string_view("Address"),    std::string_view("DNS"),        std::string_view("MTU"),
    std::string_view("Table"),      std::string_view("PreUp"),      std::string_view("PostUp"),
    std::string_view("PreDown"),    std::string_view("PostDown"),   std::string_view("SaveConfig"),
};
constexpr std::array peer_keys = {
    std::string_view("PublicKey"),           std::string_view("PresharedKey"),
    std::string_view("AllowedIPs"),          std::string_view("Endpoint"),
    std::string_view("PersistentKeepalive"),
};
// Keys that may repeat within a section (lists and hooks); the others may appear once.
constexpr std::array repeatable_keys = {
    std::string_view("Address"),    std::string_view("DNS"),     std::string_view("PreUp"),
    std::string_view("PostUp"),     std::string_view("PreDown"), std::string_view("PostDown"),
    std::string_view("AllowedIPs"),
};

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f'; }

std::string_view trim(std::string_view text) {
  while (!text.empty() && is_space(text.front())) text.remove_prefix(1);
  while (!text.empty() && is_space(text.back())) text.remove_suffix(1);
  return text;
}

bool equals_ignoring_case(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           const auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? char(c - 'A' + 'a') : c; };
           return lower(x) == lower(y);
         });
}

// The documented spelling of `key` among `keys`, or empty.
template <std::size_t N>
std::string_view canonical(std::string_view key, const std::array<std::string_view, N>& keys) {
  for (std::string_view k : keys)
    if (equals_ignoring_case(k, key)) return k;
  return {};
}

// Comma-separated entries, each trimmed; "" yields no entries, "a,,b" an empty one.
std::vector<std::string_view> split_list(std::string_view value) {
  std::vector<std::string_view> entries;
  if (value.empty()) return entries;
  while (true) {
    const auto comma = value.find(',');
    entries.push_back(trim(value.substr(0, comma)));
    if (comma == std::string_view::npos) break;
    value.remove_prefix(comma + 1);
  }
  return entries;
}

// A DNS name as wg-quick and `ip route` take it: letters, digits, '-', '_', '.'.
bool is_host_name(std::string_view text) {
  return !text.empty() && std::all_of(text.begin(), text.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_' || c == '.';
  });
}

bool is_dotted_digits(std::string_view text) {
  return std::all_of(text.begin(), text.end(),
                     [](char c) { return (c >= '0' && c <= '9') || c == '.'; });
}

std::string key_text(const crypto::PublicKey& key) { return crypto::to_base64(key.bytes); }

// Source lines of one [Peer], for the checks that run after the whole file is read.
struct PeerLines {
  std::size_t header = 0;
  std::size_t keepalive = 0;
  std::size_t endpoint = 0;
  bool has_public_key = false;
  std::vector<std::size_t> allowed_ips;  // parallel to PeerConfig::allowed_ips
};

class Parser {
 public:
  Result<Config> run(std::string_view text);

 private:
  std::unexpected<Error> error(std::string message) const {
    return fail(std::make_error_code(std::errc::invalid_argument),
                fmt::format("line {}: {}", line_, without_secrets(message)));
  }
  std::unexpected<Error> empty_entry(std::string_view key) const {
    return error(fmt::format("{} entry '' is empty; remove the extra comma", key));
  }
  Result<void> section_header(std::string_view line);
  Result<void> interface_key(std::string_view key, std::string_view value);
  Result<void> peer_key(std::string_view key, std::string_view value);
  Result<void> check_peers() const;

  Config config_;
  std::vector<PeerLines> peer_lines_;
  Section section_ = Section::none;
  std::size_t interface_line_ = 0;
  std::size_t line_ = 0;
  std::map<std::string_view, std::size_t> seen_;  // single-valued key -> its line, per section
};

Result<Config> Parser::run(std::string_view text) {
  while (!text.empty()) {
    const auto newline = text.find('\n');
    std::string_view line = text.substr(0, newline);
    text.remove_prefix(newline == std::string_view::npos ? text.size() : newline + 1);
    ++line_;
    line = trim(line.substr(0, line.find('#')));
    if (line.empty()) continue;
    if (line.front() == '[') {
      if (auto ok = section_header(line); !ok) return std::unexpected(ok.error());
      continue;
    }
    const auto equals = line.find('=');
    const std::string_view key = trim(line.substr(0, equals));  // the whole line without '='
    const std::string_view value =
        equals == std::string_view::npos ? std::string_view() : trim(line.substr(equals + 1));
    if (equals == std::string_view::npos || key.find_first_of(" \t") != std::string_view::npos) {
      // Echo the line to help, unless it may carry key material (base64 ends in '=').
      const auto first_word = key.substr(0, key.find_first_of(" \t"));
      const auto named = canonical(first_word, interface_keys).empty()
                             ? canonical(first_word, peer_keys)
                             : canonical(first_word, interface_keys);
      if (named == "PrivateKey" || named == "PresharedKey")
        return error(fmt::format("{} has no '='; write {} = <key>", named, named));
      if (equals == std::string_view::npos)
        return error(fmt::format("expected Key = Value or a [Section] header, got '{}'", line));
      return error(fmt::format("'{}' is not a key: keys have no spaces", key));
    }
    if (key.empty()) return error("the line starts with '='; write Key = Value");

    const bool for_interface = !canonical(key, interface_keys).empty();
    const bool for_peer = !canonical(key, peer_keys).empty();
    const std::string_view name = for_interface ? canonical(key, interface_keys)
                                  : for_peer    ? canonical(key, peer_keys)
                                                : key;
    if (section_ == Section::none) {
      if (for_interface)
        return error(fmt::format("{} is outside any section; put it under [Interface]", name));
      if (for_peer)
        return error(fmt::format("{} is outside any section; put it under a [Peer]", name));
      return error(fmt::format("unknown key '{}' outside any section", key));
    }
    const bool here = section_ == Section::interface ? for_interface : for_peer;
    const char* section_name = section_ == Section::interface ? "[Interface]" : "[Peer]";
    if (!here) {
      if (for_interface || for_peer)
        return error(fmt::format("unknown key '{}' in {}; it belongs in {}", key, section_name,
                                 for_interface ? "[Interface]" : "[Peer]"));
      return error(fmt::format("unknown key '{}' in {}", key, section_name));
    }
    if (canonical(name, repeatable_keys).empty()) {
      auto [it, inserted] = seen_.emplace(name, line_);
      if (!inserted)
        return error(fmt::format("{} is set twice in this {} (first on line {}); keep one", name,
                                 section_name, it->second));
    }
    auto ok = section_ == Section::interface ? interface_key(name, value) : peer_key(name, value);
    if (!ok) return std::unexpected(ok.error());
  }
  if (auto ok = check_peers(); !ok) return std::unexpected(ok.error());
  return std::move(config_);
}

Result<void> Parser::section_header(std::string_view line) {
  if (line.back() != ']')
    return error(fmt::format("section header '{}' must be [Interface] or [Peer]", line));
  const std::string_view name = trim(line.substr(1, line.size() - 2));
  seen_.clear();
  if (equals_ignoring_case(name, "Interface")) {
    if (interface_line_ != 0)
      return error(
          fmt::format("second [Interface] section (the first is on line {}); merge them into one",
                      interface_line_));
    interface_line_ = line_;
    section_ = Section::interface;
    return {};
  }
  if (equals_ignoring_case(name, "Peer")) {
    config_.peers.emplace_back();
    peer_lines_.emplace_back().header = line_;
    section_ = Section::peer;
    return {};
  }
  return error(fmt::format("unknown section '{}'; expected [Interface] or [Peer]", line));
}

Result<void> Parser::interface_key(std::string_view key, std::string_view value) {
  InterfaceConfig& interface = config_.interface;
  if (key == "PrivateKey") {
    auto bytes = crypto::key_from_base64(value);
    if (!bytes)
      return error(
          "PrivateKey is not a valid key: expected 44 base64 characters as printed by `wg genkey`");
    crypto::PrivateKey private_key{std::span<const std::uint8_t, crypto::key_size>(*bytes)};
    crypto::wipe(*bytes);
    interface.private_key = std::move(private_key);
  } else if (key == "ListenPort") {
    auto port = parse_decimal(value, 0xffff);
    if (!port)
      return error(fmt::format(
          "ListenPort '{}' is not a port number; use 1-65535, or omit it for a random port",
          value));
    interface.listen_port = static_cast<std::uint16_t>(*port);
  } else if (key == "FwMark") {
    std::optional<std::uint64_t> mark;
    if (equals_ignoring_case(value, "off")) {
      mark = 0;
    } else if (value.size() > 2 && value[0] == '0' && value[1] == 'x') {  // wg: lowercase only
      const std::string_view digits = value.substr(2);
      std::uint64_t n = 0;
      auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), n, 16);
      if (ec == std::errc{} && end == digits.data() + digits.size() && n <= 0xffffffff &&
          digits.front() != '-' && digits.front() != '+')
        mark = n;
    } else {
      mark = parse_decimal(value, 0xffffffff);
    }
    if (!mark)
      return error(fmt::format("FwMark '{}' is neither off nor a number 0-0xffffffff", value));
    interface.fwmark = static_cast<std::uint32_t>(*mark);
  } else if (key == "Address") {
    for (std::string_view entry : split_list(value)) {
      if (entry.empty()) return empty_entry(key);
      auto prefix = IpPrefix::parse(entry);
      if (!prefix)
        return error(fmt::format(
            "Address entry '{}' is not an address or address/length like 10.0.0.1/24", entry));
      interface.addresses.push_back(*prefix);
    }
  } else if (key == "DNS") {
    for (std::string_view entry : split_list(value)) {
      if (entry.empty()) return empty_entry(key);
      if (auto address = IpAddress::parse(entry)) {
        interface.dns_servers.push_back(*address);
      } else if (is_host_name(entry) && !is_dotted_digits(entry)) {
        interface.dns_search.emplace_back(entry);
      } else {
        return error(
            fmt::format("DNS entry '{}' is neither a server address nor a search domain", entry));
      }
    }
  } else if (key == "MTU") {
    auto mtu = parse_decimal(value, 65535);
    if (!mtu || *mtu < 68) return error(fmt::format("MTU '{}' must be a number 68-65535", value));
    interface.mtu = static_cast<std::uint32_t>(*mtu);
  } else if (key == "Table") {
    if (!is_host_name(value))
      return error(fmt::format(
          "Table '{}' must be off, auto, a routing table number or a table name", value));
    interface.table = std::string(value);
  } else if (key == "PreUp" || key == "PostUp" || key == "PreDown" || key == "PostDown") {
    if (value.empty()) return error(fmt::format("{} needs a command after '='", key));
    auto& hooks = key == "PreUp"     ? interface.pre_up
                  : key == "PostUp"  ? interface.post_up
                  : key == "PreDown" ? interface.pre_down
                                     : interface.post_down;
    hooks.emplace_back(value);
  } else if (key == "SaveConfig") {
    if (equals_ignoring_case(value, "true"))
      interface.save_config = true;
    else if (equals_ignoring_case(value, "false"))
      interface.save_config = false;
    else
      return error(fmt::format("SaveConfig '{}' must be true or false", value));
  }
  return {};
}

Result<void> Parser::peer_key(std::string_view key, std::string_view value) {
  PeerConfig& peer = config_.peers.back();
  PeerLines& lines = peer_lines_.back();
  if (key == "PublicKey") {
    auto bytes = crypto::key_from_base64(value);
    if (!bytes)
      return error(
          "PublicKey is not a valid key: expected 44 base64 characters as printed by `wg pubkey`");
    peer.public_key.bytes = *bytes;
    lines.has_public_key = true;
  } else if (key == "PresharedKey") {
    auto bytes = crypto::key_from_base64(value);
    if (!bytes)
      return error(
          "PresharedKey is not a valid key: expected 44 base64 characters as printed by `wg "
          "genpsk`");
    crypto::PresharedKey psk{std::span<const std::uint8_t, crypto::key_size>(*bytes)};
    crypto::wipe(*bytes);
    if (!psk.is_zero()) peer.preshared_key = std::move(psk);
  } else if (key == "AllowedIPs") {
    for (std::string_view entry : split_list(value)) {
      if (entry.empty()) return empty_entry(key);
      auto prefix = IpPrefix::parse(entry);
      if (!prefix)
        return error(fmt::format(
            "AllowedIPs entry '{}' is not an address/length like 10.0.0.0/24 or fd00::/64", entry));
      peer.allowed_ips.push_back(*prefix);
      lines.allowed_ips.push_back(line_);
    }
  } else if (key == "Endpoint") {
    const auto bad = [&](std::string_view why) {
      return error(fmt::format("Endpoint '{}' {}", value, why));
    };
    std::string_view host, port_text;
    if (!value.empty() && value.front() == '[') {
      const auto close = value.find(']');
      if (close == std::string_view::npos) return bad("has no closing ']'");
      if (close + 1 >= value.size() || value[close + 1] != ':')
        return bad("has no port; write [address]:port");
      host = value.substr(1, close - 1);
      port_text = value.substr(close + 2);
      const auto address = IpAddress::parse(host);
      if (!address || address->family != IpFamily::v6)
        return bad(
            "has brackets around something that is not an IPv6 address "
            "(scoped addresses like fe80::1%eth0 are not supported)");
    } else {
      const auto colon = value.rfind(':');
      if (colon == std::string_view::npos) return bad("has no port; write host:port");
      host = value.substr(0, colon);
      port_text = value.substr(colon + 1);
      if (host.find(':') != std::string_view::npos)
        return bad("is an IPv6 address without brackets; write [address]:port");
      if (is_dotted_digits(host) && !IpAddress::parse(host))
        return bad("is not a valid IPv4 address and port");
      if (!is_host_name(host)) return bad("is not host:port or [ipv6]:port");
    }
    auto port = parse_decimal(port_text, 0xffff);
    if (!port || *port == 0) return bad("has no valid port; use 1-65535");
    peer.endpoint_text = std::string(value);
    peer.endpoint = Endpoint::parse(value);  // nullopt for a host name
    lines.endpoint = line_;
  } else if (key == "PersistentKeepalive") {
    std::optional<std::uint64_t> seconds;
    if (equals_ignoring_case(value, "off"))
      seconds = 0;
    else
      seconds = parse_decimal(value, 0xffff);
    if (!seconds)
      return error(fmt::format(
          "PersistentKeepalive '{}' is neither off nor a number of seconds 1-65535", value));
    peer.persistent_keepalive = static_cast<std::uint16_t>(*seconds);
    lines.keepalive = line_;
  }
  return {};
}

Result<void> Parser::check_peers() const {
  const auto at = [](std::size_t line, std::string message) {
    return fail(std::make_error_code(std::errc::invalid_argument),
                fmt::format("line {}: {}", line, message));
  };
  std::map<crypto::PublicKey, std::size_t> keys;                    // public key -> peer index
  std::map<IpPrefix, std::pair<std::size_t, std::size_t>> claimed;  // masked -> (peer, line)
  for (std::size_t i = 0; i < config_.peers.size(); ++i) {
    const PeerConfig& peer = config_.peers[i];
    const PeerLines& lines = peer_lines_[i];
    if (!lines.has_public_key)
      return at(lines.header,
                "[Peer] has no PublicKey; add PublicKey = <the peer's key, from `wg pubkey`>");
    auto [key_it, fresh] = keys.emplace(peer.public_key, i);
    if (!fresh)
      return at(
          lines.header,
          fmt::format("peer {} is defined twice (first [Peer] on line {}); merge the sections",
                      key_text(peer.public_key), peer_lines_[key_it->second].header));
    if (peer.persistent_keepalive != 0 && peer.endpoint_text.empty())
      return at(lines.keepalive,
                fmt::format("peer {} has PersistentKeepalive but no Endpoint; it cannot initiate "
                            "— add Endpoint = host:port",
                            key_text(peer.public_key)));
    for (std::size_t j = 0; j < peer.allowed_ips.size(); ++j) {
      const IpPrefix network = masked(peer.allowed_ips[j]);
      auto [it, inserted] = claimed.emplace(network, std::pair{i, lines.allowed_ips[j]});
      if (!inserted && it->second.first != i)
        return at(
            lines.allowed_ips[j],
            fmt::format("AllowedIPs {} is already claimed by peer {} on line {}; the kernel "
                        "would silently move it to this peer — keep it in one [Peer] only",
                        format_prefix(network),
                        key_text(config_.peers[it->second.first].public_key), it->second.second));
    }
  }
  return {};
}

void append_setting(std::string& out, std::string_view key, std::string_view value) {
  out.append(key);
  out += " = ";
  out.append(value);
  out += '\n';
}

template <class T, class Format>
std::string join(const std::vector<T>& items, Format format) {
  std::string out;
  for (const T& item : items) {
    if (!out.empty()) out += ", ";
    out += format(item);
  }
  return out;
}

}  // namespace

Result<Config> parse_config(std::string_view text) { return Parser{}.run(text); }

std::string format_config(const Config& config) {
  const InterfaceConfig& interface = config.interface;
  std::string out = "[Interface]\n";
  if (!interface.addresses.empty())
    append_setting(out, "Address",
                   join(interface.addresses, [](const IpPrefix& p) { return format_prefix(p); }));
  if (!interface.dns_servers.empty() || !interface.dns_search.empty()) {
    std::string dns =
        join(interface.dns_servers, [](const IpAddress& a) { return format_address(a); });
    for (const std::string& domain : interface.dns_search) {
      if (!dns.empty()) dns += ", ";
      dns += domain;
    }
    append_setting(out, "DNS", dns);
  }
  if (interface.mtu) append_setting(out, "MTU", std::to_string(*interface.mtu));
  if (interface.table) append_setting(out, "Table", *interface.table);
  for (const auto& command : interface.pre_up) append_setting(out, "PreUp", command);
  for (const auto& command : interface.post_up) append_setting(out, "PostUp", command);
  for (const auto& command : interface.pre_down) append_setting(out, "PreDown", command);
  for (const auto& command : interface.post_down) append_setting(out, "PostDown", command);
  if (interface.save_config) append_setting(out, "SaveConfig", "true");
  if (interface.listen_port != 0)
    append_setting(out, "ListenPort", std::to_string(interface.listen_port));
  if (interface.fwmark != 0) append_setting(out, "FwMark", fmt::format("0x{:x}", interface.fwmark));
  if (interface.private_key)
    append_setting(out, "PrivateKey", crypto::to_base64(interface.private_key->bytes()));
  for (const PeerConfig& peer : config.peers) {
    out += "\n[Peer]\n";
    append_setting(out, "PublicKey", crypto::to_base64(peer.public_key.bytes));
    if (peer.preshared_key)
      append_setting(out, "PresharedKey", crypto::to_base64(peer.preshared_key->bytes()));
    if (!peer.allowed_ips.empty())
      append_setting(out, "AllowedIPs",
                     join(peer.allowed_ips, [](const IpPrefix& p) { return format_prefix(p); }));
    if (!peer.endpoint_text.empty())
      append_setting(out, "Endpoint", peer.endpoint_text);
    else if (peer.endpoint)
      append_setting(out, "Endpoint", peer.endpoint->to_string());
    if (peer.persistent_keepalive != 0)
      append_setting(out, "PersistentKeepalive", std::to_string(peer.persistent_keepalive));
  }
  return out;
}

SetRequest to_set_request(const Config& config) {
  SetRequest request;
  request.private_key = config.interface.private_key.value_or(crypto::PrivateKey{});
  request.listen_port = config.interface.listen_port;
  request.fwmark = config.interface.fwmark;
  request.replace_peers = true;
  for (const PeerConfig& peer : config.peers) {
    PeerChange change;
    change.public_key = peer.public_key;
    change.preshared_key = peer.preshared_key;
    change.endpoint = peer.endpoint;
    if (peer.persistent_keepalive != 0)
      change.persistent_keepalive_interval = peer.persistent_keepalive;
    change.replace_allowed_ips = true;
    change.allowed_ips = peer.allowed_ips;
    request.peers.push_back(std::move(change));
  }
  return request;
}

Config to_config(const DeviceStatus& status) {
  Config config;
  if (status.private_key && !status.private_key->is_zero())
    config.interface.private_key = status.private_key;
  config.interface.listen_port = status.listen_port;
  config.interface.fwmark = status.fwmark;
  for (const PeerStatus& peer : status.peers) {
    PeerConfig out;
    out.public_key = peer.public_key;
    if (!peer.preshared_key.is_zero()) out.preshared_key = peer.preshared_key;
    out.allowed_ips = peer.allowed_ips;
    if (peer.endpoint) {
      out.endpoint = peer.endpoint;
      out.endpoint_text = peer.endpoint->to_string();
    }
    out.persistent_keepalive = peer.persistent_keepalive_interval;
    config.peers.push_back(std::move(out));
  }
  return config;
}

}  // namespace tunkit::wg
