// `tunkit host`: a user-space host behind a TUN/TAP device. This file is the driver the
// stack needs (DESIGN.md: the stack does no I/O): it reads the device in batches, hands
// each packet and the time to stack::Interface, writes what the stack queued, and sleeps
// in ppoll until the device is readable, a signal arrives or the stack's next deadline.
#include <poll.h>
#include <signal.h>

#include <fmt/format.h>

#include <charconv>
#include <cstdio>
#include <cstring>

#include "command_line.hpp"
#include "tunkit/event/signals.hpp"
#include "tunkit/dev/name.hpp"
#include "tunkit/dev/tun.hpp"
#include "tunkit/netlink/rtnetlink.hpp"
#include "tunkit/stack/interface.hpp"
#include "tunkit/stack/udp_services.hpp"

namespace tunkit::app {
namespace {

using stack::Interface;
using stack::UdpService;
using stack::UdpServiceKind;

struct HostArgs {
  std::string name;
  std::vector<std::string> words;
  std::vector<std::string> addresses;
  std::vector<std::string> gateways;
  std::vector<std::string> services;
  std::string mac;
  unsigned mtu = 0;
};

std::pair<UdpServiceKind, std::uint16_t> parse_service(const std::string& text) {
  const auto colon = text.find(':');
  const std::string kind = text.substr(0, colon);
  unsigned port = 0;
  bool ok = colon != std::string::npos;
  if (ok) {
    const char* begin = text.data() + colon + 1;
    const char* end = text.data() + text.size();
    auto [stop, ec] = std::from_chars(begin, end, port);
    ok = ec == std::errc{} && stop == end && port >= 1 && port <= 65535;
  }
  if (!ok || (kind != "udp-echo" && kind != "udp-discard"))
    usage_error(fmt::format("--serve '{}': expected udp-echo:PORT or udp-discard:PORT", text));
  return {kind == "udp-echo" ? UdpServiceKind::echo : UdpServiceKind::discard, static_cast<std::uint16_t>(port)};
}

void print_counters(const Interface& host, std::FILE* out) {
  fmt::print(out, "counters:\n");
  host.counters().for_each_nonzero([&](std::string_view name, std::uint64_t value, bool drop) {
    fmt::print(out, "  {}{} {}\n", drop ? "drop." : "", name, value);
  });
  fmt::print(out, "  drops {}\n", host.counters().total_drops());
  std::fflush(out);
}

int run_host(const HostArgs& args) {
  Words words(args.words, "tunkit host");
  std::optional<dev::Mode> mode;
  while (!words.done()) {
    const std::string& w = words.next();
    if (w == "mode") {
      const std::string& text = words.value_of("mode");
      mode = dev::parse_mode(text);
      if (!mode) usage_error(fmt::format("mode '{}': expected 'tun' or 'tap'", text));
    } else {
      words.unknown(w, "mode");
    }
  }
  stack::InterfaceConfig config;
  for (const auto& text : args.addresses) {
    auto prefix = IpPrefix::parse(text);
    if (!prefix || text.find('/') == std::string::npos)
      usage_error(fmt::format("--address '{}': expected ADDRESS/PREFIX, e.g. 10.0.0.2/24 or fd00::2/64", text));
    config.addresses.push_back(*prefix);
  }
  if (config.addresses.empty()) usage_error("tunkit host needs at least one --address A/P");
  for (const auto& text : args.gateways) {
    auto gateway = IpAddress::parse(text);
    if (!gateway) usage_error(fmt::format("--gateway '{}': expected an IP address", text));
    config.gateways.push_back(*gateway);
  }
  std::vector<std::pair<UdpServiceKind, std::uint16_t>> wanted;
  for (const auto& text : args.services) wanted.push_back(parse_service(text));
  if (!args.mac.empty()) {
    auto mac = MacAddress::parse(args.mac);
    if (!mac || mac->is_multicast())
      usage_error(fmt::format("--mac '{}': expected a unicast MAC such as 02:00:00:00:00:02", args.mac));
    config.mac = *mac;
  } else {
    // Locally administered, from the first address, so two hosts on one link differ.
    const auto& a = config.addresses.front().address;
    const std::size_t n = a.size();
    config.mac = MacAddress{{0x02, 0x74, 0x6b, a.bytes[n - 3], a.bytes[n - 2], a.bytes[n - 1]}};
  }

  // An existing device tells us its mode; otherwise we create a transient one.
  dev::OpenOptions options;
  must(dev::check_name(args.name, false));
  options.name = args.name;
  auto rtnl = must(netlink::RtNetlink::open());
  bool existed = false;
  if (auto link = rtnl.link(args.name); link && link->tun) {
    existed = true;
    options.multi_queue = link->tun->multi_queue;
    if (!mode) mode = link->tun->tap ? dev::Mode::tap : dev::Mode::tun;
  }
  options.mode = mode.value_or(dev::Mode::tun);
  if (!args.mac.empty() && options.mode == dev::Mode::tun)
    usage_error("--mac is for TAP devices; a TUN device has no link layer");
  const auto signals = must(event::SignalFd::create({SIGINT, SIGTERM, SIGUSR1}));
  const dev::Device device = must(dev::Device::open(options));
  const auto link = must(rtnl.link(device.name()));
  config.mtu = static_cast<std::uint16_t>(args.mtu ? args.mtu : std::min(link.mtu ? link.mtu : 1500u, 65535u));
  config.medium = options.mode == dev::Mode::tap ? stack::Medium::ethernet : stack::Medium::ip;
  Interface host = must(Interface::create(config));
  std::vector<UdpService> services;
  for (const auto& [kind, port] : wanted) services.push_back(must(UdpService::bind(host, kind, port)));

  std::string addresses;
  for (const auto& a : config.addresses) addresses += " " + a.to_string();
  fmt::print(stderr, "tunkit host: on {} ({}, {}), mtu {}{}, addresses{}; SIGUSR1 prints counters, Ctrl-C stops\n",
             device.name(), dev::to_string(device.mode()), existed ? "existing device" : "transient",
             config.mtu, config.medium == stack::Medium::ethernet ? ", mac " + config.mac.to_string() : "",
             addresses);
  std::fflush(stderr);

  constexpr std::size_t kBatch = 64, kBufferSize = 65536;
  std::vector<std::uint8_t> storage(kBatch * kBufferSize);
  std::vector<dev::PacketSlot> slots(kBatch);
  for (std::size_t i = 0; i < kBatch; ++i) slots[i].buffer = std::span(storage).subspan(i * kBufferSize, kBufferSize);
  std::vector<dev::PacketSlot> out(kBatch);
  const dev::Queue queue = device.queue();
  std::uint64_t write_errors = 0;

  auto flush = [&] {
    while (host.transmit_count() > 0) {
      const std::size_t n = std::min(kBatch, host.transmit_count());
      for (std::size_t i = 0; i < n; ++i) {
        out[i].buffer = host.transmit_packet(i);
        out[i].offset = 0;
        out[i].length = out[i].buffer.size();
      }
      auto written = queue.write(std::span(out).first(n));
      if (!written || *written == 0) {
        ++write_errors;  // the device refused it (gone, or no buffer): drop and go on
        host.transmit_done(1);
      } else {
        host.transmit_done(*written);
      }
    }
  };

  int status = kOk;
  pollfd fds[2] = {{queue.fd(), POLLIN, 0}, {signals.fd(), POLLIN, 0}};
  host.poll(stack::Clock::now());
  flush();
  for (;;) {
    timespec timeout{};
    timespec* wait = nullptr;
    if (const auto at = host.poll_at()) {
      const auto left = std::max(stack::Duration::zero(), *at - stack::Clock::now());
      const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(left).count();
      timeout.tv_sec = static_cast<time_t>(ns / 1'000'000'000);
      timeout.tv_nsec = static_cast<long>(ns % 1'000'000'000);
      wait = &timeout;
    }
    if (::ppoll(fds, 2, wait, nullptr) < 0 && errno != EINTR) {
      fmt::print(stderr, "tunkit: poll: {}\n", std::strerror(errno));
      status = kFailure;
      break;
    }
    if (fds[1].revents) {
      bool stop = false;
      while (const auto signo = signals.take()) {
        if (*signo == SIGUSR1) print_counters(host, stdout);
        else stop = true;
      }
      if (stop) break;
    }
    if (fds[0].revents & (POLLERR | POLLHUP)) {
      fmt::print(stderr, "tunkit: {} went away\n", device.name());
      status = kFailure;
      break;
    }
    // Drain what is ready, in batches, answering as we go.
    for (;;) {
      auto got = queue.read(slots);
      if (!got) {
        fmt::print(stderr, "tunkit: {}\n", got.error().message);
        status = kFailure;
        break;
      }
      const auto now = stack::Clock::now();
      for (std::size_t i = 0; i < *got; ++i) host.receive(slots[i].packet(), now);
      for (auto& service : services) service.run(host);
      flush();
      if (*got < kBatch) break;
    }
    if (status != kOk) break;
    if (const auto at = host.poll_at(); at && *at <= stack::Clock::now()) {
      host.poll(stack::Clock::now());
      flush();
    }
  }
  print_counters(host, stdout);
  if (write_errors) fmt::print("  device_write_errors {}\n", write_errors);
  return status;
}

}  // namespace

std::vector<Subcommand> add_host_command(CLI::App& parent) {
  auto args = std::make_shared<HostArgs>();
  CLI::App* host = parent.add_subcommand("host", "run a user-space host (ARP, NDP, ICMP, UDP) behind a device");
  host->add_option("NAME", args->name, "device name (attached if it exists, else created transient)")->required();
  host->add_option("WORDS", args->words, "mode tun|tap (default: the device's own, or tun)");
  host->add_option("--address,-a", args->addresses, "ADDRESS/PREFIX of the host (repeatable; IPv4 or IPv6)")
      ->required();
  host->add_option("--gateway,-g", args->gateways, "default gateway (one per address family)");
  host->add_option("--serve,-s", args->services, "udp-echo:PORT or udp-discard:PORT (repeatable)");
  host->add_option("--mac", args->mac, "the host's MAC on a TAP device (default 02:74:6b + its address)");
  host->add_option("--mtu", args->mtu, "IP MTU (default: the device's)")->check(CLI::Range(68u, 65535u));
  host->footer(
      "The host answers ARP and neighbour solicitations, pings (reassembling and fragmenting as\n"
      "needed), and the UDP services asked for; closed UDP ports get ICMP port unreachable.\n"
      "It runs until SIGINT/SIGTERM and prints its counters then and on SIGUSR1.\n"
      "Examples:\n"
      "  tunkit host tun0 mode tun --address 10.78.0.9/24 --serve udp-echo:7\n"
      "  tunkit host tap0 mode tap --address 10.78.1.9/24 --address fd00:78::9/64 --gateway 10.78.1.1");
  return {{host, [args] { return run_host(*args); }}};
}

}  // namespace tunkit::app
