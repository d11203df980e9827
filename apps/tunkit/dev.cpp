// `tunkit dev`: what tunctl, `ip tuntap` and `openvpn --mktun` do, in `ip`'s words.
#include <arpa/inet.h>
#include <grp.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <charconv>
#include <cstdio>

#include "command_line.hpp"
#include "tunkit/event/signals.hpp"
#include "packet_line.hpp"
#include "tunkit/dev/attached.hpp"
#include "tunkit/dev/name.hpp"
#include "tunkit/dev/tun.hpp"
#include "tunkit/netlink/rtnetlink.hpp"

namespace tunkit::app {
namespace {

using nlohmann::json;
using netlink::LinkInfo;
using netlink::RtNetlink;

std::optional<unsigned> parse_id(const std::string& text) {
  unsigned id = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
  if (ec != std::errc{} || end != text.data() + text.size()) return std::nullopt;
  return id;
}

uid_t resolve_user(const std::string& text) {
  if (auto id = parse_id(text)) return *id;
  if (const passwd* pw = ::getpwnam(text.c_str())) return pw->pw_uid;
  usage_error(fmt::format("no user named '{}' (give a user name or a numeric uid)", text));
}

gid_t resolve_group(const std::string& text) {
  if (auto id = parse_id(text)) return *id;
  if (const group* gr = ::getgrnam(text.c_str())) return gr->gr_gid;
  usage_error(fmt::format("no group named '{}' (give a group name or a numeric gid)", text));
}

std::string user_text(uid_t uid) {
  const passwd* pw = ::getpwuid(uid);
  return pw ? fmt::format("{}({})", pw->pw_name, uid) : std::to_string(uid);
}
std::string group_text(gid_t gid) {
  const group* gr = ::getgrgid(gid);
  return gr ? fmt::format("{}({})", gr->gr_name, gid) : std::to_string(gid);
}

dev::Mode parse_mode_word(Words& words) {
  const std::string& text = words.value_of("mode");
  auto mode = dev::parse_mode(text);
  if (!mode) usage_error(fmt::format("mode '{}': expected 'tun' or 'tap'", text));
  return *mode;
}

std::string checked_name(const std::string& name, bool allow_pattern = false) {
  must(dev::check_name(name, allow_pattern));
  return name;
}

// The link called `name`, which must be a TUN/TAP device.
LinkInfo tuntap_link(RtNetlink& rtnl, const std::string& name) {
  LinkInfo link = must(rtnl.link(name));
  if (!link.tun)
    throw CommandError{fmt::format("{} is not a TUN/TAP device (it is {}); tunkit dev manages "
                                   "TUN/TAP devices only",
                                   name, link.kind.empty() ? "a plain link" : "a " + link.kind + " link"),
                       kMismatch};
  return link;
}

// --- dev add / del -----------------------------------------------------------------

int run_add(const std::string& name, const std::vector<std::string>& rest) {
  Words words(rest, "tunkit dev add");
  dev::OpenOptions options;
  options.name = checked_name(name, /*allow_pattern=*/true);
  options.exclusive = true;
  options.non_blocking = false;
  std::optional<dev::Mode> mode;
  std::optional<uid_t> owner;
  std::optional<gid_t> group;
  while (!words.done()) {
    const std::string& w = words.next();
    if (w == "mode") mode = parse_mode_word(words);
    else if (w == "user") owner = resolve_user(words.value_of("user"));
    else if (w == "group") group = resolve_group(words.value_of("group"));
    else if (w == "multi-queue" || w == "multi_queue") options.multi_queue = true;
    else if (w == "pi") options.packet_info = true;
    else if (w == "vnet-hdr" || w == "vnet_hdr") options.vnet_hdr = true;
    else words.unknown(w, "mode, user, group, multi-queue, pi or vnet-hdr");
  }
  if (!mode) usage_error("tunkit dev add needs 'mode tun' or 'mode tap'");
  options.mode = *mode;
  const dev::Device device = must(dev::Device::open(options));
  if (owner) must(device.set_owner(*owner));
  if (group) must(device.set_group(*group));
  must(device.set_persist(true));
  if (device.name() != name) fmt::print("{}\n", device.name());  // the kernel's pick
  return kOk;
}

int run_del(const std::string& name, const std::vector<std::string>& rest) {
  Words words(rest, "tunkit dev del");
  std::optional<dev::Mode> mode;
  while (!words.done()) {
    const std::string& w = words.next();
    if (w == "mode") mode = parse_mode_word(words);
    else words.unknown(w, "mode");
  }
  checked_name(name);
  if (!mode) {
    auto rtnl = must(RtNetlink::open());
    mode = tuntap_link(rtnl, name).tun->tap ? dev::Mode::tap : dev::Mode::tun;
  }
  must(dev::remove_persistent(name, *mode));
  return kOk;
}

// --- dev list / show ---------------------------------------------------------------

json link_json(const LinkInfo& link, const std::vector<dev::AttachedProcess>& attached) {
  const auto& t = *link.tun;
  json j = {{"name", link.name},        {"index", link.index},
            {"mode", t.tap ? "tap" : "tun"}, {"pi", t.packet_info},
            {"vnet_hdr", t.vnet_hdr},   {"multi_queue", t.multi_queue},
            {"persist", t.persist},     {"queues", t.queues},
            {"disabled_queues", t.disabled_queues},
            {"up", link.up()},          {"mtu", link.mtu},
            {"txqueuelen", link.txqueuelen}};
  j["owner"] = t.owner ? json(*t.owner) : json(nullptr);
  j["group"] = t.group ? json(*t.group) : json(nullptr);
  j["mac"] = link.mac ? json(link.mac->to_string()) : json(nullptr);
  json procs = json::array();
  for (const auto& p : attached) procs.push_back({{"pid", p.pid}, {"command", p.command}});
  j["attached"] = procs;
  return j;
}

std::string link_line(const LinkInfo& link, const std::vector<dev::AttachedProcess>& attached) {
  const auto& t = *link.tun;
  std::string line = fmt::format("{}: {}", link.name, t.tap ? "tap" : "tun");
  line += t.multi_queue ? " multi_queue" : " one_queue";
  if (t.packet_info) line += " pi";
  if (t.vnet_hdr) line += " vnet_hdr";
  line += t.persist ? " persist" : " transient";
  if (t.owner) line += " user " + user_text(*t.owner);
  if (t.group) line += " group " + group_text(*t.group);
  line += fmt::format(" state {} mtu {}", link.up() ? "UP" : "DOWN", link.mtu);
  if (!attached.empty()) {
    line += "\n\tAttached to processes:";
    for (const auto& p : attached) line += fmt::format(" {}({})", p.command, p.pid);
  }
  return line;
}

int run_list(bool as_json) {
  auto rtnl = must(RtNetlink::open());
  const auto links = must(rtnl.links());
  const auto attached = dev::attached_processes();
  json out = json::array();
  for (const auto& link : links) {
    if (!link.tun) continue;
    const auto it = attached.find(link.name);
    const auto& procs = it == attached.end() ? std::vector<dev::AttachedProcess>{} : it->second;
    if (as_json) out.push_back(link_json(link, procs));
    else fmt::print("{}\n", link_line(link, procs));
  }
  if (as_json) fmt::print("{}\n", out.dump(2));
  return kOk;
}

int run_show(const std::string& name, bool as_json) {
  checked_name(name);
  auto rtnl = must(RtNetlink::open());
  const LinkInfo link = tuntap_link(rtnl, name);
  const auto attached_all = dev::attached_processes();
  const auto it = attached_all.find(name);
  const auto attached = it == attached_all.end() ? std::vector<dev::AttachedProcess>{} : it->second;
  const auto addresses = must(rtnl.addresses(link.index));
  const auto routes = must(rtnl.routes(link.index));
  if (as_json) {
    json j = link_json(link, attached);
    j["addresses"] = json::array();
    for (const auto& a : addresses) j["addresses"].push_back(a.prefix.to_string());
    j["routes"] = json::array();
    for (const auto& r : routes)
      j["routes"].push_back({{"destination", r.destination.to_string()},
                             {"gateway", r.gateway ? json(r.gateway->to_string()) : json(nullptr)}});
    fmt::print("{}\n", j.dump(2));
    return kOk;
  }
  fmt::print("{}\n", link_line(link, attached));
  if (link.mac) fmt::print("\tlink/ether {}\n", link.mac->to_string());
  fmt::print("\tqueues {} (disabled {}) txqueuelen {}\n", link.tun->queues,
             link.tun->disabled_queues, link.txqueuelen);
  for (const auto& a : addresses)
    fmt::print("\t{} {}\n", a.prefix.address.family == IpFamily::v4 ? "inet" : "inet6",
               a.prefix.to_string());
  for (const auto& r : routes)
    fmt::print("\troute {}{}\n", r.destination.length == 0 ? "default" : r.destination.to_string(),
               r.gateway ? " via " + r.gateway->to_string() : "");
  return kOk;
}

// --- dev set -----------------------------------------------------------------------

int run_set(const std::string& name, const std::vector<std::string>& rest) {
  Words words(rest, "tunkit dev set");
  std::optional<bool> up;
  std::optional<unsigned> mtu, txqueuelen;
  std::optional<MacAddress> mac;
  std::vector<IpPrefix> addresses;
  std::vector<std::pair<IpPrefix, std::optional<IpAddress>>> routes;
  while (!words.done()) {
    const std::string& w = words.next();
    if (w == "up") up = true;
    else if (w == "down") up = false;
    else if (w == "mtu") mtu = words.number_of("mtu", 68, 65535);
    else if (w == "txqueuelen") txqueuelen = words.number_of("txqueuelen", 0, 1u << 30);
    else if (w == "mac") {
      const std::string& text = words.value_of("mac");
      mac = MacAddress::parse(text);
      if (!mac) usage_error(fmt::format("mac '{}': expected six hex bytes like 02:00:00:00:00:01", text));
      if (mac->is_multicast())
        usage_error(fmt::format("mac {} is a multicast address; a device needs a unicast one "
                                "(first byte even, e.g. 02:...)", text));
    } else if (w == "address") {
      const std::string& text = words.value_of("address");
      auto prefix = IpPrefix::parse(text);
      if (!prefix) usage_error(fmt::format("address '{}': expected ADDRESS/PREFIX, e.g. 10.0.0.1/24 or fd00::1/64", text));
      addresses.push_back(*prefix);
    } else if (w == "route") {
      const std::string& text = words.value_of("route");
      auto prefix = text == "default" ? IpPrefix::parse("0.0.0.0/0") : IpPrefix::parse(text);
      if (!prefix) usage_error(fmt::format("route '{}': expected PREFIX, e.g. 10.1.0.0/16 or default", text));
      std::optional<IpAddress> via;
      // `via GW` belongs to the route just named.
      if (words.skip_if("via")) {
        const std::string& gw = words.value_of("via");
        via = IpAddress::parse(gw);
        if (!via) usage_error(fmt::format("via '{}': expected an IP address", gw));
        if (text == "default" && via->family == IpFamily::v6) prefix = IpPrefix::parse("::/0");
      }
      routes.emplace_back(*prefix, via);
    } else {
      words.unknown(w, "up, down, mtu, mac, address, route [via], or txqueuelen");
    }
  }
  checked_name(name);
  auto rtnl = must(RtNetlink::open());
  const LinkInfo link = tuntap_link(rtnl, name);
  if (mac && !link.tun->tap)
    throw CommandError{fmt::format("{} is a TUN device and has no MAC address; only TAP devices do", name),
                       kMismatch};
  // Order as a person would type it: link properties, then up, then layer 3 on top.
  if (up == false) must(rtnl.set_up(link.index, false));
  if (mac) must(rtnl.set_mac(link.index, *mac));
  if (mtu) must(rtnl.set_mtu(link.index, *mtu));
  if (txqueuelen) must(rtnl.set_txqueuelen(link.index, *txqueuelen));
  if (up == true) must(rtnl.set_up(link.index, true));
  for (const auto& a : addresses) must(rtnl.add_address(link.index, a));
  for (const auto& [destination, via] : routes) must(rtnl.add_route(link.index, destination, via));
  return kOk;
}

// --- dev attach --------------------------------------------------------------------

int run_attach(const std::string& name, const std::vector<std::string>& rest) {
  Words words(rest, "tunkit dev attach");
  dev::OpenOptions options;
  options.name = checked_name(name, /*allow_pattern=*/true);
  std::optional<dev::Mode> mode;
  std::optional<unsigned> count;
  while (!words.done()) {
    const std::string& w = words.next();
    if (w == "mode") mode = parse_mode_word(words);
    else if (w == "pi") options.packet_info = true;
    else if (w == "vnet-hdr" || w == "vnet_hdr") options.vnet_hdr = true;
    else if (w == "count") count = words.number_of("count", 1, ~0u);
    else words.unknown(w, "mode, pi, vnet-hdr or count");
  }
  // An existing device tells us its mode and queue setting; a new one is transient.
  auto rtnl = must(RtNetlink::open());
  bool existed = false;
  if (auto link = rtnl.link(name); link && link->tun) {
    existed = true;
    options.multi_queue = link->tun->multi_queue;
    if (!mode) mode = link->tun->tap ? dev::Mode::tap : dev::Mode::tun;
  }
  options.mode = mode.value_or(dev::Mode::tun);
  const auto signals = must(event::SignalFd::create({SIGINT, SIGTERM}));
  const dev::Device device = must(dev::Device::open(options));
  fmt::print(stderr, "attached to {} ({}, {}, {}); Ctrl-C stops\n", device.name(),
             dev::to_string(device.mode()), existed ? "existing device" : "transient: gone when we exit",
             device.packet_info() ? "with packet info" : "no packet info");
  if (device.vnet_hdr()) {
    // With a virtio_net_hdr per packet the kernel may hand us unsegmented, unchecksummed
    // super-packets: ask for every offload and report what it accepted.
    const auto accepted = must(device.set_offloads(dev::Offloads::all()));
    fmt::print(stderr, "vnet_hdr on; offloads accepted by the kernel: {}\n", accepted.to_string());
  }

  constexpr std::size_t kBatch = 32, kBufferSize = 65536;
  std::vector<std::uint8_t> storage(kBatch * kBufferSize);
  std::vector<dev::PacketSlot> slots(kBatch);
  for (std::size_t i = 0; i < kBatch; ++i)
    slots[i].buffer = std::span(storage).subspan(i * kBufferSize, kBufferSize);
  const dev::Queue queue = device.queue();
  const std::size_t side = (device.packet_info() ? sizeof(tun_pi) : 0) +
                           (device.vnet_hdr() ? sizeof(dev::VnetHeader) : 0);
  std::uint64_t packets = 0, bytes = 0;
  pollfd fds[2] = {{queue.fd(), POLLIN, 0}, {signals.fd(), POLLIN, 0}};
  int status = kOk;
  while (!count || packets < *count) {
    if (::poll(fds, 2, -1) < 0 && errno != EINTR) break;
    if (fds[1].revents) break;
    auto got = queue.read(slots);
    if (!got) {
      fmt::print(stderr, "tunkit: {}\n", got.error().message);
      status = kFailure;
      break;
    }
    for (std::size_t i = 0; i < *got && (!count || packets < *count); ++i) {
      const auto& s = slots[i];
      ++packets;
      bytes += s.length + side;
      std::string info = device.packet_info()
                             ? fmt::format("pi proto 0x{:04x}{} ", ntohs(s.pi.proto),
                                           s.truncated() ? " truncated" : "")
                             : "";
      if (device.vnet_hdr() && s.vnet.gso_type != dev::VnetHeader::kGsoNone)
        info += fmt::format("gso type {} size {} ", s.vnet.gso_type & ~dev::VnetHeader::kGsoEcn,
                            s.vnet.gso_size);
      fmt::print("{} {} bytes {}{}\n", packets, s.length + side, info,
                 packet_line(std::as_bytes(s.packet()), device.mode() == dev::Mode::tap));
    }
    std::fflush(stdout);
  }
  fmt::print("{} packets, {} bytes received\n", packets, bytes);
  return status;
}

// --- registration ------------------------------------------------------------------

struct NameAndWords {
  std::string name;
  std::vector<std::string> words;
};

CLI::App* leaf(CLI::App* dev, const char* name, const char* summary, const char* footer,
               NameAndWords& args, bool takes_name = true) {
  CLI::App* sub = dev->add_subcommand(name, summary);
  if (takes_name) sub->add_option("NAME", args.name, "device name")->required();
  sub->add_option("WORDS", args.words, "ip-style words, see below");
  sub->footer(footer);
  return sub;
}

}  // namespace

std::vector<Subcommand> add_dev_commands(CLI::App& parent) {
  CLI::App* dev = parent.add_subcommand("dev", "create, configure, list and attach TUN/TAP devices");
  dev->require_subcommand(1);
  dev->footer("Examples:\n"
              "  tunkit dev add tun0 mode tun user nobody\n"
              "  tunkit dev set tun0 up address 10.0.0.1/24\n"
              "  tunkit dev attach tun0\n"
              "  tunkit dev list\n"
              "  tunkit dev del tun0");
  auto args = std::make_shared<NameAndWords>();
  auto as_json = std::make_shared<bool>(false);
  std::vector<Subcommand> out;

  CLI::App* add = leaf(dev, "add", "create a persistent device",
                       "Words: mode tun|tap (required), user U, group G, multi-queue, pi, vnet-hdr\n"
                       "NAME may be a pattern such as tun%d; the kernel's choice is printed.\n"
                       "Examples:\n"
                       "  tunkit dev add tun0 mode tun user nobody\n"
                       "  tunkit dev add tap%d mode tap multi-queue vnet-hdr",
                       *args);
  out.push_back({add, [args] { return run_add(args->name, args->words); }});

  CLI::App* del = leaf(dev, "del", "remove a persistent device",
                       "Words: mode tun|tap (optional: taken from the device)\n"
                       "Example:\n  tunkit dev del tun0 mode tun",
                       *args);
  out.push_back({del, [args] { return run_del(args->name, args->words); }});

  CLI::App* list = dev->add_subcommand("list", "list TUN/TAP devices (like ip tuntap list)");
  list->add_flag("--json", *as_json, "print JSON");
  list->footer("Example:\n  tunkit dev list --json");
  out.push_back({list, [as_json] { return run_list(*as_json); }});

  CLI::App* show = dev->add_subcommand("show", "show one device: flags, owner, addresses, routes");
  show->add_option("NAME", args->name, "device name")->required();
  show->add_flag("--json", *as_json, "print JSON");
  show->footer("Example:\n  tunkit dev show tun0 --json");
  out.push_back({show, [args, as_json] { return run_show(args->name, *as_json); }});

  CLI::App* set = leaf(dev, "set", "configure a device",
                       "Words: up | down, mtu N, mac M (TAP), address A/P (repeatable),\n"
                       "       route PREFIX|default [via GW] (repeatable), txqueuelen N\n"
                       "Example:\n"
                       "  tunkit dev set tun0 up mtu 1400 address 10.0.0.1/24 route 10.1.0.0/16 via 10.0.0.2",
                       *args);
  out.push_back({set, [args] { return run_set(args->name, args->words); }});

  CLI::App* attach = leaf(dev, "attach", "attach to a device (creating it if needed) and print its packets",
                          "Words: mode tun|tap (default: the device's own, or tun), pi, vnet-hdr, count N\n"
                          "One line per packet the kernel sends into the device, until Ctrl-C,\n"
                          "SIGTERM or N packets; then the totals. vnet-hdr asks the kernel for\n"
                          "every offload and reports those it accepted.\n"
                          "Example:\n  tunkit dev attach tun0 pi count 10",
                          *args);
  out.push_back({attach, [args] { return run_attach(args->name, args->words); }});
  return out;
}

}  // namespace tunkit::app
