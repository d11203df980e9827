// `tunkit wg`: the WireGuard VPN. Keys (genkey/pubkey/genpsk, as `wg`), the userspace
// daemon (`tunkit wg run IFACE`, also installed as `tunkit-wg` with wireguard-go's
// command line so wg-quick can use it), `up`/`down` (wg-quick's job for its config format)
// and `show` (like `wg show`, plus --json), which reads any UAPI socket, wireguard-go's too.
#include <netdb.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <fcntl.h>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <thread>

#include "command_line.hpp"
#include "tunkit/base/fd.hpp"
#include "tunkit/crypto/random.hpp"
#include "tunkit/crypto/x25519.hpp"
#include "tunkit/dev/name.hpp"
#include "tunkit/netlink/rtnetlink.hpp"
#include "tunkit/wg/config.hpp"
#include "tunkit/wg/uapi.hpp"
#include "wg_daemon.hpp"

namespace tunkit::app {
namespace {

using namespace std::chrono_literals;

// --- keys ------------------------------------------------------------------------------

int genkey() {
  fmt::print("{}\n", crypto::to_base64(crypto::generate_private_key().bytes()));
  return kOk;
}

int genpsk() {
  crypto::PresharedKey key;
  crypto::random_bytes(key.bytes());
  fmt::print("{}\n", crypto::to_base64(key.bytes()));
  return kOk;
}

// All of `fd` (a config file or standard input; both are small).
Result<std::string> read_all(int fd) {
  std::string text;
  std::array<char, 4096> chunk;
  for (;;) {
    const ssize_t n = ::read(fd, chunk.data(), chunk.size());
    if (n == 0) return text;
    if (n < 0 && errno != EINTR) return fail_errno_context(errno, "read");
    if (n > 0) text.append(chunk.data(), static_cast<std::size_t>(n));
    if (text.size() > (1u << 20)) return fail_errno(EFBIG, "input is larger than 1 MiB");
  }
}

int pubkey() {
  std::string text = must(read_all(STDIN_FILENO));
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.pop_back();
  auto bytes = crypto::key_from_base64(text);
  if (!bytes)
    throw CommandError{"pubkey: standard input is not a private key: expected 44 base64 characters as "
                       "printed by `tunkit wg genkey` or `wg genkey`",
                       kUsage};
  crypto::PrivateKey key(*bytes);
  crypto::wipe(*bytes);
  fmt::print("{}\n", crypto::to_base64(crypto::public_key(key).bytes));
  return kOk;
}

// --- the daemon --------------------------------------------------------------------------

int run_daemon(const std::string& name, bool foreground) {
  must(dev::check_name(name));
  auto daemon = must(WgDaemon::create(name));
  if (!foreground) daemonize();
  must(daemon->run(foreground));
  return kOk;
}

// --- UAPI client (show, down) ------------------------------------------------------------

Result<std::string> uapi_get(const std::string& name) {
  const std::string path = uapi_socket_path(name);
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::snprintf(address.sun_path, sizeof address.sun_path, "%s", path.c_str());
  Fd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&address), sizeof address) < 0)
    return fail_errno(errno == ENOENT || errno == ECONNREFUSED ? ENODEV : errno, fmt::format("no WireGuard interface {}: cannot connect to {} ({}); start one with "
                                         "`tunkit wg up CONF` or `tunkit-wg {}`",
                                         name, path, std::strerror(errno), name));
  timeval timeout{5, 0};
  ::setsockopt(fd.get(), SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  const std::string request = "get=1\n\n";
  if (::send(fd.get(), request.data(), request.size(), MSG_NOSIGNAL) < 0)
    return fail_errno_context(errno, fmt::format("writing to {}", path));
  std::string response;
  std::array<char, 16384> chunk;
  while (!wg::response_size(response)) {
    const ssize_t n = ::recv(fd.get(), chunk.data(), chunk.size(), 0);
    if (n <= 0) return fail_errno(n < 0 ? errno : EPROTO, fmt::format("{} closed before a complete answer", path));
    response.append(chunk.data(), static_cast<std::size_t>(n));
  }
  return response;
}

std::vector<std::string> interface_names() {
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator("/var/run/wireguard", ec)) {
    const auto file = entry.path().filename().string();
    if (file.size() > 5 && file.ends_with(".sock")) names.push_back(file.substr(0, file.size() - 5));
  }
  std::sort(names.begin(), names.end());
  return names;
}

std::string ago(std::int64_t seconds_since_epoch) {
  const auto now = std::chrono::duration_cast<std::chrono::seconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
  const auto s = std::max<std::int64_t>(0, now - seconds_since_epoch);
  if (s == 0) return "Now";
  std::string out;
  auto part = [&](std::int64_t n, const char* unit) {
    if (n == 0) return;
    if (!out.empty()) out += ", ";
    out += fmt::format("{} {}{}", n, unit, n == 1 ? "" : "s");
  };
  part(s / 86400, "day"), part(s / 3600 % 24, "hour"), part(s / 60 % 60, "minute"), part(s % 60, "second");
  return out + " ago";
}

std::string bytes_text(std::uint64_t n) {
  if (n < 1024) return fmt::format("{} B", n);
  const char* units[] = {"KiB", "MiB", "GiB", "TiB"};
  double v = static_cast<double>(n) / 1024;
  int u = 0;
  while (v >= 1024 && u < 3) v /= 1024, ++u;
  return fmt::format("{:.2f} {}", v, units[u]);
}

void print_human(const std::string& name, const wg::DeviceStatus& status) {
  fmt::print("interface: {}\n", name);
  if (status.private_key && !status.private_key->is_zero()) {
    fmt::print("  public key: {}\n", crypto::to_base64(crypto::public_key(*status.private_key).bytes));
    fmt::print("  private key: (hidden)\n");
  }
  if (status.listen_port) fmt::print("  listening port: {}\n", status.listen_port);
  if (status.fwmark) fmt::print("  fwmark: {:#x}\n", status.fwmark);
  for (const auto& peer : status.peers) {
    fmt::print("\npeer: {}\n", crypto::to_base64(peer.public_key.bytes));
    if (!peer.preshared_key.is_zero()) fmt::print("  preshared key: (hidden)\n");
    if (peer.endpoint) fmt::print("  endpoint: {}\n", peer.endpoint->to_string());
    std::string ips;
    for (const auto& p : peer.allowed_ips) ips += (ips.empty() ? "" : ", ") + wg::format_prefix(p);
    fmt::print("  allowed ips: {}\n", ips.empty() ? "(none)" : ips);
    if (peer.last_handshake_sec) fmt::print("  latest handshake: {}\n", ago(peer.last_handshake_sec));
    if (peer.rx_bytes || peer.tx_bytes)
      fmt::print("  transfer: {} received, {} sent\n", bytes_text(peer.rx_bytes), bytes_text(peer.tx_bytes));
    if (peer.persistent_keepalive_interval)
      fmt::print("  persistent keepalive: every {} seconds\n", peer.persistent_keepalive_interval);
  }
}

nlohmann::json to_json(const std::string& name, const wg::DeviceStatus& status) {
  nlohmann::json j;
  j["interface"] = name;
  if (status.private_key && !status.private_key->is_zero())
    j["public_key"] = crypto::to_base64(crypto::public_key(*status.private_key).bytes);
  j["listen_port"] = status.listen_port;
  j["fwmark"] = status.fwmark;
  j["peers"] = nlohmann::json::array();
  for (const auto& peer : status.peers) {
    nlohmann::json p;
    p["public_key"] = crypto::to_base64(peer.public_key.bytes);
    p["preshared_key"] = !peer.preshared_key.is_zero();
    p["endpoint"] = peer.endpoint ? nlohmann::json(peer.endpoint->to_string()) : nlohmann::json(nullptr);
    p["allowed_ips"] = nlohmann::json::array();
    for (const auto& ip : peer.allowed_ips) p["allowed_ips"].push_back(wg::format_prefix(ip));
    p["latest_handshake"] = peer.last_handshake_sec;
    p["rx_bytes"] = peer.rx_bytes;
    p["tx_bytes"] = peer.tx_bytes;
    p["persistent_keepalive"] = peer.persistent_keepalive_interval;
    j["peers"].push_back(std::move(p));
  }
  return j;
}

int show(const std::string& which, bool json) {
  if (which == "interfaces") {
    for (const auto& n : interface_names()) fmt::print("{}\n", n);
    return kOk;
  }
  std::vector<std::string> names = which.empty() || which == "all" ? interface_names() : std::vector{which};
  nlohmann::json all = nlohmann::json::array();
  bool first = true;
  for (const auto& name : names) {
    auto status = must(wg::parse_get(must(uapi_get(name))));
    if (json) {
      all.push_back(to_json(name, status));
    } else {
      if (!first) fmt::print("\n");
      print_human(name, status);
    }
    first = false;
  }
  if (json) fmt::print("{}\n", (which.empty() || which == "all") ? all.dump(2) : all.at(0).dump(2));
  return kOk;
}

// --- up / down ---------------------------------------------------------------------------

// wg-quick's rule: the interface is named after the config file, without ".conf".
std::string interface_for(const std::string& path) {
  std::string base = std::filesystem::path(path).filename().string();
  if (base.ends_with(".conf")) base.resize(base.size() - 5);
  return base;
}

// Resolves "host:port" endpoints that are names, not literals.
Result<void> resolve_endpoints(wg::Config& config) {
  for (auto& peer : config.peers) {
    if (peer.endpoint || peer.endpoint_text.empty()) continue;
    const auto colon = peer.endpoint_text.rfind(':');
    if (colon == std::string::npos)
      return fail_errno(EINVAL, fmt::format("Endpoint '{}' has no port; write host:port", peer.endpoint_text));
    std::string host = peer.endpoint_text.substr(0, colon);
    if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
    addrinfo hints{};
    hints.ai_socktype = SOCK_DGRAM;
    addrinfo* found = nullptr;
    if (const int rc = ::getaddrinfo(host.c_str(), peer.endpoint_text.c_str() + colon + 1, &hints, &found); rc != 0)
      return fail_errno(EHOSTUNREACH, fmt::format("cannot resolve Endpoint '{}': {}", peer.endpoint_text, ::gai_strerror(rc)));
    sockaddr_storage storage{};
    std::memcpy(&storage, found->ai_addr, found->ai_addrlen);
    ::freeaddrinfo(found);
    peer.endpoint = wg::Endpoint::from_sockaddr(storage);
  }
  return {};
}

int up(const std::string& path) {
  Fd file(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!file) throw CommandError{fmt::format("cannot read {}: {}", path, std::strerror(errno)), kFailure};
  const std::string text = must(read_all(file.get()));
  auto parsed = wg::parse_config(text);
  if (!parsed) throw CommandError{fmt::format("{}: {}", path, parsed.error().message), kUsage};
  wg::Config config = std::move(*parsed);
  must(resolve_endpoints(config));
  const std::string name = interface_for(path);
  if (auto valid = dev::check_name(name); !valid)
    throw CommandError{fmt::format("{}: the file name gives the interface name '{}': {}", path, name,
                                   valid.error().message),
                       kUsage};
  auto netlink = must(netlink::RtNetlink::open());
  if (netlink.link(name)) throw CommandError{fmt::format("{} already exists; `tunkit wg down {}` first", name, name), kBusy};
  // wg-quick's system integration is wg-quick's: say so rather than ignore it silently.
  const auto& i = config.interface;
  std::vector<std::string> skipped;
  if (!i.dns_servers.empty() || !i.dns_search.empty()) skipped.push_back("DNS");
  if (!i.pre_up.empty() || !i.post_up.empty() || !i.pre_down.empty() || !i.post_down.empty())
    skipped.push_back("PreUp/PostUp/PreDown/PostDown");
  if (i.table && *i.table != "auto" && *i.table != "off") skipped.push_back("Table = " + *i.table);
  if (i.save_config) skipped.push_back("SaveConfig");
  if (!skipped.empty())
    fmt::print(stderr,
               "tunkit wg: {}: not applied by tunkit wg up ({}); for those use "
               "WG_QUICK_USERSPACE_IMPLEMENTATION=tunkit-wg wg-quick up {}\n",
               path, fmt::join(skipped, ", "), path);

  auto daemon = must(WgDaemon::create(name));
  must(daemon->configure(wg::to_set_request(config)));
  const int index = daemon->tun_index();
  must(netlink.set_mtu(index, config.interface.mtu.value_or(1420)));
  for (const auto& address : config.interface.addresses) must(netlink.add_address(index, address));
  must(netlink.set_up(index, true));
  // A route per AllowedIPs prefix, as wg-quick adds them (none with Table = off); one
  // already there is fine.
  const bool routes = config.interface.table.value_or("auto") != "off";
  for (const auto& peer : routes ? config.peers : std::vector<wg::PeerConfig>{})
    for (const auto& prefix : peer.allowed_ips)
      if (auto added = netlink.add_route(index, wg::masked(prefix)); !added && !added.error().is(std::errc::file_exists))
        throw CommandError{fmt::format("route {} dev {}: {}", wg::format_prefix(prefix), name, added.error().message),
                           exit_code_for(added.error())};
  fmt::print(stderr, "tunkit wg: {} is up ({} peer{}), configure or inspect it with `wg` or `tunkit wg show {}`\n",
             name, config.peers.size(), config.peers.size() == 1 ? "" : "s", name);
  daemonize();
  must(daemon->run(false));
  return kOk;
}

int down(const std::string& which) {
  const std::string name = which.ends_with(".conf") ? interface_for(which) : which;
  auto netlink = must(netlink::RtNetlink::open());
  auto link = must(netlink.link(name));
  must(netlink.remove_link(link.index));
  // The daemon sees its device vanish and exits, removing its socket; wait for that.
  const std::string path = uapi_socket_path(name);
  for (int i = 0; i < 50 && ::access(path.c_str(), F_OK) == 0; ++i) std::this_thread::sleep_for(100ms);
  if (::access(path.c_str(), F_OK) == 0)
    throw CommandError{fmt::format("{} was deleted but {} is still there; is its process stuck?", name, path), kFailure};
  return kOk;
}

struct WgArgs {
  std::string name;
  bool foreground = false;
  bool json = false;
  std::string which;
  std::string config;
};

}  // namespace

std::vector<Subcommand> add_wg_command(CLI::App& parent) {
  auto args = std::make_shared<WgArgs>();
  CLI::App* wg = parent.add_subcommand("wg", "an encrypted VPN speaking the WireGuard protocol");
  wg->require_subcommand(1);
  wg->footer(
      "Interoperates with WireGuard (wireguard-go, the kernel) and is configured with the `wg`\n"
      "tool through the same UAPI socket (/var/run/wireguard/IFACE.sock).\n"
      "Examples:\n"
      "  tunkit wg genkey | tee private.key | tunkit wg pubkey > public.key\n"
      "  tunkit wg up ./wg0.conf           wg-quick's format: [Interface] and [Peer] sections\n"
      "  tunkit wg show wg0 --json\n"
      "  tunkit wg down wg0\n"
      "  tunkit wg run -f wg1               the daemon alone; then `wg set wg1 ...`\n"
      "  WG_QUICK_USERSPACE_IMPLEMENTATION=tunkit-wg wg-quick up wg0");
  std::vector<Subcommand> out;
  out.push_back({wg->add_subcommand("genkey", "print a new private key (base64)"), genkey});
  out.push_back({wg->add_subcommand("pubkey", "read a private key on stdin, print its public key"), pubkey});
  out.push_back({wg->add_subcommand("genpsk", "print a new preshared key"), genpsk});

  CLI::App* run = wg->add_subcommand("run", "run the WireGuard daemon for IFACE (what `tunkit-wg IFACE` does)");
  run->add_option("IFACE", args->name, "interface name (created as a TUN device)")->required();
  run->add_flag("-f,--foreground", args->foreground, "stay in the foreground and log to stderr");
  out.push_back({run, [args] { return run_daemon(args->name, args->foreground); }});

  CLI::App* show_cmd = wg->add_subcommand("show", "show interfaces, peers, handshakes and transfer, like `wg show`");
  show_cmd->add_option("IFACE", args->which, "an interface, `all` (default) or `interfaces`");
  show_cmd->add_flag("--json", args->json, "machine-readable output");
  out.push_back({show_cmd, [args] { return show(args->which, args->json); }});

  CLI::App* up_cmd = wg->add_subcommand("up", "bring up an interface from a wg-quick config file (named IFACE.conf)");
  up_cmd->add_option("CONF", args->config, "path of the config, e.g. ./wg0.conf (the interface is wg0)")->required();
  out.push_back({up_cmd, [args] { return up(args->config); }});

  CLI::App* down_cmd = wg->add_subcommand("down", "delete an interface made by `up` (or tunkit-wg) and stop its daemon");
  down_cmd->add_option("IFACE", args->which, "interface name or its config file")->required();
  out.push_back({down_cmd, [args] { return down(args->which); }});
  return out;
}

// `tunkit-wg [-f|--foreground] IFACE`: wireguard-go's command line.
int wg_daemon_main(int argc, char** argv) {
  CLI::App app{"tunkit-wg: WireGuard userspace daemon (wireguard-go's command line)", "tunkit-wg"};
  app.set_version_flag("--version", std::string("tunkit-wg ") + TUNKIT_VERSION);
  std::string name;
  bool foreground = false;
  app.add_flag("-f,--foreground", foreground, "stay in the foreground");
  app.add_option("IFACE", name, "interface name")->required();
  app.footer("Configure it with `wg`, e.g. `wg setconf IFACE CONF`; or use wg-quick:\n"
             "  WG_QUICK_USERSPACE_IMPLEMENTATION=tunkit-wg wg-quick up wg0");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? kOk : kUsage;
  }
  foreground = foreground || std::getenv("WG_PROCESS_FOREGROUND") != nullptr;
  try {
    return run_daemon(name, foreground);
  } catch (const CommandError& e) {
    fmt::print(stderr, "tunkit-wg: {}\n", e.message);
    return e.status;
  }
}

}  // namespace tunkit::app
