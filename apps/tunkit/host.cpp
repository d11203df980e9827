// `tunkit host`: a user-space host behind a TUN/TAP device. This file is the driver the
// stack needs (DESIGN.md: the stack does no I/O): it reads the device in batches, hands
// each packet and the time to stack::Interface (whose TCP hook is a stack::tcp::Tcp),
// hands the TCP layer's readiness events to the services and the client, writes what the
// stack queued, and sleeps in ppoll until the device is readable, a signal arrives or the
// earliest deadline of the interface, TCP and the services.
#include <poll.h>
#include <signal.h>

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <memory>
#include <random>

#include "command_line.hpp"
#include "tunkit/event/signals.hpp"
#include "tunkit/dev/name.hpp"
#include "tunkit/dev/tun.hpp"
#include "tunkit/netlink/rtnetlink.hpp"
#include "tunkit/stack/interface.hpp"
#include "tunkit/stack/tcp/tcp.hpp"
#include "tunkit/stack/tcp_services.hpp"
#include "tunkit/stack/udp_services.hpp"

namespace tunkit::app {
namespace {

using stack::Instant;
using stack::Interface;
using stack::TcpServiceKind;
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
  // TCP.
  std::string connect;
  std::string get;
  std::string host_header;
  std::string output;
  std::uint64_t send_bytes = 0;
  std::string congestion;
  bool no_sack = false, no_timestamps = false, no_window_scaling = false;
  bool no_offload = false;  // plain packets: no IFF_VNET_HDR, TSO or checksum offload
  // Testing knobs (hidden): impair packets on the way to the device (tx) and from it (rx),
  // for kernels without sch_netem. Percentages; one seeded generator.
  unsigned drop_tx_every = 0;
  double tx_loss = 0;
  double rx_loss = 0, rx_reorder = 0, rx_duplicate = 0;
  unsigned impair_seed = 1;
};

struct Wanted {
  std::vector<std::pair<UdpServiceKind, std::uint16_t>> udp;
  std::vector<std::pair<TcpServiceKind, std::uint16_t>> tcp;
};

void parse_service(const std::string& text, Wanted& wanted) {
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
  const auto p = static_cast<std::uint16_t>(port);
  if (ok && kind == "udp-echo") wanted.udp.emplace_back(UdpServiceKind::echo, p);
  else if (ok && kind == "udp-discard") wanted.udp.emplace_back(UdpServiceKind::discard, p);
  else if (ok && kind == "echo") wanted.tcp.emplace_back(TcpServiceKind::echo, p);
  else if (ok && kind == "discard") wanted.tcp.emplace_back(TcpServiceKind::discard, p);
  else if (ok && kind == "chargen") wanted.tcp.emplace_back(TcpServiceKind::chargen, p);
  else if (ok && kind == "http") wanted.tcp.emplace_back(TcpServiceKind::http, p);
  else
    usage_error(fmt::format("--serve '{}': expected KIND:PORT with KIND one of echo, discard, chargen, http "
                            "(TCP) or udp-echo, udp-discard, e.g. --serve http:80",
                            text));
}

// "10.0.0.1:80" or "[fd00::1]:80".
stack::tcp::Endpoint parse_endpoint(const std::string& text) {
  const auto colon = text.rfind(':');
  std::optional<IpAddress> address;
  unsigned port = 0;
  bool ok = colon != std::string::npos && colon > 0;
  if (ok) {
    std::string host = text.substr(0, colon);
    if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
    else if (host.find(':') != std::string::npos) ok = false;  // IPv6 needs brackets
    address = IpAddress::parse(host);
    const char* begin = text.data() + colon + 1;
    const char* end = text.data() + text.size();
    auto [stop, ec] = std::from_chars(begin, end, port);
    ok = ok && address && ec == std::errc{} && stop == end && port >= 1 && port <= 65535;
  }
  if (!ok)
    usage_error(fmt::format("--connect '{}': expected ADDRESS:PORT, e.g. 10.78.0.1:8000 or [fd00:78::1]:8000",
                            text));
  return {*address, static_cast<std::uint16_t>(port)};
}

void print_counters(const Interface& host, const stack::tcp::Tcp& tcp, const stack::TcpServices& services,
                    std::uint64_t test_drops, std::FILE* out) {
  fmt::print(out, "counters:\n");
  host.counters().for_each_nonzero([&](std::string_view name, std::uint64_t value, bool drop) {
    fmt::print(out, "  {}{} {}\n", drop ? "drop." : "", name, value);
  });
  fmt::print(out, "  drops {}\n", host.counters().total_drops());
  const auto& t = tcp.counters();
  const std::pair<std::string_view, std::uint64_t> tcp_values[] = {
      {"segments_received", t.segments_received},
      {"segments_sent", t.segments_sent},
      {"retransmissions", t.retransmissions},
      {"connections_opened", t.connections_opened},
      {"connections_reset", t.connections_reset},
      {"connections_refused_limit", t.connections_refused_limit},
      {"no_socket", t.no_socket},
      {"bad_checksum", t.bad_checksum},
      {"malformed", t.malformed},
      {"out_of_window", t.out_of_window},
      {"paws_rejected", t.paws_rejected},
      {"challenge_acks", t.challenge_acks},
      {"challenge_acks_rate_limited", t.challenge_acks_rate_limited},
      {"syn_backlog_full", t.syn_backlog_full},
      {"syn_cookies_sent", t.syn_cookies_sent},
      {"syn_cookies_accepted", t.syn_cookies_accepted},
      {"syn_cookies_rejected", t.syn_cookies_rejected},
      {"out_of_order_dropped", t.out_of_order_dropped},
  };
  fmt::print(out, "  tcp.connections {}\n  tcp.memory {}\n", tcp.connection_count(), tcp.memory());
  for (const auto& [name, value] : tcp_values)
    if (value) fmt::print(out, "  tcp.{} {}\n", name, value);
  const auto& s = services.counters();
  const std::pair<std::string_view, std::uint64_t> service_values[] = {
      {"accepted", s.accepted},         {"closed", s.closed},
      {"failed", s.failed},             {"bytes_received", s.bytes_received},
      {"bytes_sent", s.bytes_sent},     {"http_requests", s.http_requests},
      {"http_2xx", s.http_2xx},         {"http_4xx", s.http_4xx},
      {"http_5xx", s.http_5xx},         {"http_uploads", s.http_uploads},
      {"idle_timeouts", s.idle_timeouts},
  };
  fmt::print(out, "  service.connections {}\n", services.connection_count());
  for (const auto& [name, value] : service_values)
    if (value) fmt::print(out, "  service.{} {}\n", name, value);
  if (test_drops) fmt::print(out, "  dropped_by_test {}\n", test_drops);
  std::fflush(out);
}

std::string endpoint_text(const stack::tcp::Endpoint& e) {
  return e.address.family == IpFamily::v6 ? fmt::format("[{}]:{}", e.address.to_string(), e.port)
                                          : fmt::format("{}:{}", e.address.to_string(), e.port);
}

double seconds(stack::Duration d) { return std::chrono::duration<double>(d).count(); }

// Prints what the client did; returns the exit status it earns.
int report_client(const stack::TcpClient& client, const stack::tcp::Endpoint& remote) {
  if (!client.result()) {
    fmt::print(stderr, "tunkit: {}\n", client.result().error().message);
    return kFailure;
  }
  const auto& r = *client.result();
  const double s = seconds(r.elapsed);
  fmt::print("client: connected to {} in {:.1f} ms\n", endpoint_text(remote), seconds(r.connect_time) * 1e3);
  if (r.http_status) fmt::print("client: HTTP {}\n", *r.http_status);
  fmt::print("client: received {} bytes in {:.3f} s ({:.1f} Mbit/s) sha256 {}\n", r.bytes_received, s,
             s > 0 ? static_cast<double>(r.bytes_received) * 8 / s / 1e6 : 0.0, r.received_sha256);
  fmt::print("client: sent {} bytes sha256 {}\n", r.bytes_sent, r.sent_sha256);
  std::fflush(stdout);
  if (r.http_status && *r.http_status >= 400) {
    fmt::print(stderr, "tunkit: {} answered HTTP {}\n", endpoint_text(remote), *r.http_status);
    return kFailure;
  }
  return kOk;
}

struct FileCloser {
  void operator()(std::FILE* f) const noexcept { std::fclose(f); }
};

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
  Wanted wanted;
  for (const auto& text : args.services) parse_service(text, wanted);
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

  // TCP options and the client's request.
  stack::tcp::TcpConfig tcp_config;
  if (!args.congestion.empty()) {
    if (args.congestion == "newreno") tcp_config.congestion = stack::tcp::CongestionAlgorithm::newreno;
    else if (args.congestion == "cubic") tcp_config.congestion = stack::tcp::CongestionAlgorithm::cubic;
    else usage_error(fmt::format("--tcp-congestion '{}': expected newreno or cubic", args.congestion));
  }
  tcp_config.sack = !args.no_sack;
  tcp_config.timestamps = !args.no_timestamps;
  tcp_config.window_scaling = !args.no_window_scaling;
  std::optional<stack::TcpClientRequest> request;
  if (!args.connect.empty()) {
    request.emplace();
    request->remote = parse_endpoint(args.connect);
    if (!args.get.empty()) request->http_get = args.get;
    request->http_host = args.host_header;
    request->send_bytes = args.send_bytes;
    if (!args.get.empty() && args.send_bytes)
      usage_error("--get and --send-bytes do not go together: --get sends an HTTP request, --send-bytes raw bytes");
    if (request->remote.address.family == IpFamily::v4 &&
        std::none_of(config.addresses.begin(), config.addresses.end(),
                     [](const IpPrefix& p) { return p.address.family == IpFamily::v4; }))
      usage_error(fmt::format("--connect {}: the host has no IPv4 --address to connect from", args.connect));
    if (request->remote.address.family == IpFamily::v6 &&
        std::none_of(config.addresses.begin(), config.addresses.end(),
                     [](const IpPrefix& p) { return p.address.family == IpFamily::v6; }))
      usage_error(fmt::format("--connect {}: the host has no IPv6 --address to connect from", args.connect));
  } else if (!args.get.empty() || args.send_bytes || !args.output.empty() || !args.host_header.empty()) {
    usage_error("--get, --send-bytes, --host-header and --output need --connect ADDRESS:PORT");
  }
  for (const auto& [name, value] : {std::pair{"--tx-loss", args.tx_loss}, std::pair{"--rx-loss", args.rx_loss},
                                    std::pair{"--rx-reorder", args.rx_reorder},
                                    std::pair{"--rx-duplicate", args.rx_duplicate}})
    if (value < 0 || value > 100) usage_error(fmt::format("{} {}: expected a percentage from 0 to 100", name, value));

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
  // Offloads (IFF_VNET_HDR): the kernel hands over 64 KiB TCP super-packets with partial
  // checksums and takes ours the same way, so a 64 KiB TCP flight costs one read or write.
  options.vnet_hdr = !args.no_offload;
  if (!args.mac.empty() && options.mode == dev::Mode::tun)
    usage_error("--mac is for TAP devices; a TUN device has no link layer");
  std::unique_ptr<std::FILE, FileCloser> output;
  if (!args.output.empty()) {
    output.reset(std::fopen(args.output.c_str(), "wb"));
    if (!output) throw CommandError{fmt::format("--output {}: {}", args.output, std::strerror(errno)), kFailure};
  }
  const auto signals = must(event::SignalFd::create({SIGINT, SIGTERM, SIGUSR1}));
  const dev::Device device = must(dev::Device::open(options));
  // What the kernel may send us; our own super-segments and partial checksums need only
  // IFF_VNET_HDR. No USO: the stack takes no UDP super-packets. A kernel that refuses
  // sends plain packets, which the stack takes as well.
  std::string offloads = "off";
  if (device.vnet_hdr()) {
    const auto accepted = device.set_offloads(dev::Offloads{TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6});
    offloads = accepted ? accepted->to_string() : "none accepted";
    config.tso = true;
  }
  const auto link = must(rtnl.link(device.name()));
  config.mtu = static_cast<std::uint16_t>(args.mtu ? args.mtu : std::min(link.mtu ? link.mtu : 1500u, 65535u));
  config.medium = options.mode == dev::Mode::tap ? stack::Medium::ethernet : stack::Medium::ip;
  // The queue holds packets between two flushes; TCP waits for room (tcp.hpp) rather than
  // losing segments, so this bounds memory (with TSO, packets of up to 64 KiB), not speed.
  config.tx_queue_limit = 1024;
  Interface host = must(Interface::create(config));
  std::vector<UdpService> services;
  for (const auto& [kind, port] : wanted.udp) services.push_back(must(UdpService::bind(host, kind, port)));
  // Declared after `host` and before its users: destroyed in the right order.
  const std::unique_ptr<stack::tcp::Tcp> tcp = must(stack::tcp::Tcp::create(host, tcp_config));
  stack::TcpServices tcp_services(*tcp);
  for (const auto& [kind, port] : wanted.tcp) {
    if (auto added = tcp_services.add(kind, port); !added)
      throw CommandError{fmt::format("--serve {}:{}: {}", stack::to_string(kind), port, added.error().message),
                         exit_code_for(added.error())};
  }

  std::string addresses;
  for (const auto& a : config.addresses) addresses += " " + a.to_string();
  std::string served;
  for (const auto& [kind, port] : wanted.tcp) served += fmt::format(" {}:{}", stack::to_string(kind), port);
  for (const auto& [kind, port] : wanted.udp)
    served += fmt::format(" udp-{}:{}", kind == UdpServiceKind::echo ? "echo" : "discard", port);
  fmt::print(stderr, "tunkit host: on {} ({}, {}), mtu {}, offloads {}{}, addresses{}{}{}; SIGUSR1 prints counters, "
             "Ctrl-C stops\n",
             device.name(), dev::to_string(device.mode()), existed ? "existing device" : "transient", config.mtu, offloads, config.medium == stack::Medium::ethernet ? ", mac " + config.mac.to_string() : "",
             addresses, served.empty() ? "" : ", serving", served);
  std::fflush(stderr);

  std::optional<stack::TcpClient> client;
  if (request) {
    stack::ByteSink sink = [&output, &args](ByteSpan data) -> Result<void> {
      if (output && std::fwrite(data.data(), 1, data.size(), output.get()) != data.size())
        return fail_errno_context(errno, fmt::format("writing {}", args.output));
      return {};
    };
    client.emplace(must(stack::TcpClient::start(*tcp, *request, std::move(sink), stack::Clock::now())));
  }

  constexpr std::size_t kBatch = 64, kBufferSize = 65536 + 256;  // a super-packet and its headers
  std::vector<std::uint8_t> storage(kBatch * kBufferSize);
  std::vector<dev::PacketSlot> slots(kBatch);
  for (std::size_t i = 0; i < kBatch; ++i) slots[i].buffer = std::span(storage).subspan(i * kBufferSize, kBufferSize);
  std::vector<dev::PacketSlot> out(kBatch);
  std::vector<std::size_t> out_index(kBatch);
  const dev::Queue queue = device.queue();
  std::uint64_t write_errors = 0, test_drops = 0, tx_count = 0;
  // Testing impairments (hidden flags).
  std::mt19937_64 impair_rng(args.impair_seed);
  std::uniform_real_distribution<double> percent(0.0, 100.0);
  auto chance = [&](double pct) { return pct > 0 && percent(impair_rng) < pct; };
  auto lose = [&] {
    ++tx_count;
    if (args.drop_tx_every && tx_count % args.drop_tx_every == 0) return true;
    return chance(args.tx_loss);
  };
  const bool impair_rx = args.rx_loss > 0 || args.rx_reorder > 0 || args.rx_duplicate > 0;
  std::vector<std::uint8_t> held;  // rx reorder: delivered after the next packet
  bool holding = false;
  // Hands one packet read from the device to the stack, impaired as asked.
  auto receive = [&](const dev::PacketSlot& slot, Instant now) {
    const ByteSpan packet = slot.packet();
    const auto& v = slot.vnet;
    const auto offload =
        stack::RxOffload::from_virtio({v.flags, v.gso_type, v.hdr_len, v.gso_size, v.csum_start, v.csum_offset});
    if (!impair_rx) {
      host.receive(packet, now, offload);
      return;
    }
    if (chance(args.rx_loss)) {
      ++test_drops;
      return;
    }
    if (!holding && chance(args.rx_reorder)) {
      held.assign(packet.begin(), packet.end());
      holding = true;
      return;
    }
    host.receive(packet, now, offload);
    if (chance(args.rx_duplicate)) host.receive(packet, now, offload);
    if (holding) {  // reordering impairs plain packets only: a held one's offload facts are not kept
      holding = false;
      host.receive(held, now);
    }
  };

  auto flush = [&] {
    while (host.transmit_count() > 0) {
      const std::size_t n = std::min(kBatch, host.transmit_count());
      std::size_t k = 0;
      for (std::size_t i = 0; i < n; ++i) {
        if ((args.drop_tx_every || args.tx_loss > 0) && lose()) {
          ++test_drops;
          continue;
        }
        out[k].buffer = host.transmit_packet(i);
        out[k].offset = 0;
        out[k].length = out[k].buffer.size();
        const auto& v = host.transmit_vnet(i);
        out[k].vnet = dev::VnetHeader{v.flags, v.gso_type, v.hdr_len, v.gso_size, v.csum_start, v.csum_offset};
        out_index[k++] = i;
      }
      if (k == 0) {
        host.transmit_done(n);
        continue;
      }
      auto written = queue.write(std::span(out).first(k));
      if (!written || *written == 0) {
        ++write_errors;  // the device refused it (gone, or no buffer): drop and go on
        host.transmit_done(out_index[0] + 1);
      } else {
        host.transmit_done(*written == k ? n : out_index[*written]);
      }
      // Room again: connections that waited for it send now, in this same flush.
      tcp->on_transmit_space(stack::Clock::now());
    }
  };
  // Readiness events of the TCP layer go to the services, or else to the client.
  auto dispatch = [&](Instant now) {
    for (const auto& event : tcp->take_events())
      if (!tcp_services.handle(event, now) && client) client->handle(event, now);
  };
  auto next_deadline = [&] {
    std::optional<Instant> next;
    for (const auto& t : {host.poll_at(), tcp->poll_at(), tcp_services.poll_at()})
      if (t && (!next || *t < *next)) next = t;
    return next;
  };

  int status = kOk;
  pollfd fds[2] = {{queue.fd(), POLLIN, 0}, {signals.fd(), POLLIN, 0}};
  host.poll(stack::Clock::now());
  dispatch(stack::Clock::now());
  flush();
  for (;;) {
    if (client && client->done()) {
      flush();
      status = report_client(*client, request->remote);
      break;
    }
    timespec timeout{};
    timespec* wait = nullptr;
    if (const auto at = next_deadline()) {
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
        if (*signo == SIGUSR1) print_counters(host, *tcp, tcp_services, test_drops, stdout);
        else stop = true;
      }
      if (stop) {
        if (client && !client->done()) {
          client->abort(stack::Clock::now());
          flush();
          status = report_client(*client, request->remote);
        }
        break;
      }
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
      for (std::size_t i = 0; i < *got; ++i) receive(slots[i], now);
      if (holding && *got < kBatch) {  // nothing follows now: deliver it late, not never
        holding = false;
        host.receive(held, now);
      }
      for (auto& service : services) service.run(host);
      dispatch(now);
      flush();
      if (*got < kBatch) break;
    }
    if (status != kOk) break;
    if (const auto at = next_deadline(); at && *at <= stack::Clock::now()) {
      const auto now = stack::Clock::now();
      host.poll(now);
      tcp->poll(now);
      tcp_services.poll(now);
      dispatch(now);
      flush();
    }
  }
  if (output && std::fflush(output.get()) != 0) {
    fmt::print(stderr, "tunkit: --output {}: {}\n", args.output, std::strerror(errno));
    status = kFailure;
  }
  print_counters(host, *tcp, tcp_services, test_drops, stdout);
  if (write_errors) fmt::print("  device_write_errors {}\n", write_errors);
  return status;
}

}  // namespace

std::vector<Subcommand> add_host_command(CLI::App& parent) {
  auto args = std::make_shared<HostArgs>();
  CLI::App* host = parent.add_subcommand("host", "run a user-space host (ARP, NDP, ICMP, UDP, TCP) behind a device");
  host->add_option("NAME", args->name, "device name (attached if it exists, else created transient)")->required();
  host->add_option("WORDS", args->words, "mode tun|tap (default: the device's own, or tun)");
  host->add_option("--address,-a", args->addresses, "ADDRESS/PREFIX of the host (repeatable; IPv4 or IPv6)")
      ->required();
  host->add_option("--gateway,-g", args->gateways, "default gateway (one per address family)");
  host->add_option("--serve,-s", args->services,
                   "KIND:PORT, repeatable; TCP: echo, discard, chargen, http; UDP: udp-echo, udp-discard");
  host->add_option("--mac", args->mac, "the host's MAC on a TAP device (default 02:74:6b + its address)");
  host->add_option("--mtu", args->mtu, "IP MTU (default: the device's)")->check(CLI::Range(68u, 65535u));
  host->add_option("--connect", args->connect,
                   "ADDRESS:PORT: be a TCP client; report bytes and SHA-256 of what came back, then exit");
  host->add_option("--get", args->get, "with --connect: send GET PATH (HTTP/1.1), receive the response body");
  host->add_option("--host-header", args->host_header, "with --get: the Host header (default: ADDRESS:PORT)");
  host->add_option("--send-bytes", args->send_bytes,
                   "with --connect: send N generated bytes (byte i = i % 251), then FIN");
  host->add_option("--output,-o", args->output, "with --connect: write what is received to FILE");
  host->add_option("--tcp-congestion", args->congestion, "newreno or cubic (default cubic)");
  host->add_flag("--no-sack", args->no_sack, "do not offer SACK (RFC 2018)");
  host->add_flag("--no-timestamps", args->no_timestamps, "do not offer TCP timestamps (RFC 7323)");
  host->add_flag("--no-window-scaling", args->no_window_scaling, "do not offer window scaling (RFC 7323)");
  host->add_flag("--no-offload", args->no_offload,
                 "plain packets: no virtio header, TCP segmentation or checksum offload (default: on)");
  // Testing knobs (not in --help): impairments decided in this driver, not the stack.
  host->add_option("--drop-tx-every", args->drop_tx_every)->group("");
  host->add_option("--tx-loss", args->tx_loss)->group("");
  host->add_option("--rx-loss", args->rx_loss)->group("");
  host->add_option("--rx-reorder", args->rx_reorder)->group("");
  host->add_option("--rx-duplicate", args->rx_duplicate)->group("");
  host->add_option("--impair-seed", args->impair_seed)->group("");
  host->footer(
      "The host answers ARP and neighbour solicitations, pings (reassembling and fragmenting as\n"
      "needed), TCP (RFC 9293; closed ports get RST) and the services asked for; closed UDP ports\n"
      "get ICMP port unreachable. HTTP: GET / (a page), GET /bytes/N (N generated bytes, byte i =\n"
      "i % 251), POST or PUT to any path (replies with the body's length and SHA-256).\n"
      "It runs until SIGINT/SIGTERM (with --connect: until the transfer ends) and prints its\n"
      "counters then and on SIGUSR1.\n"
      "Examples:\n"
      "  tunkit host tun0 mode tun --address 10.78.0.9/24 --serve udp-echo:7\n"
      "  tunkit host tun0 --address 10.78.0.9/24 --serve http:80 --serve echo:7 --serve chargen:19\n"
      "      curl -o /dev/null http://10.78.0.9/bytes/100000000\n"
      "      curl -T file http://10.78.0.9/upload              (prints bytes and sha256)\n"
      "  tunkit host tun0 --address 10.78.0.9/24 --connect 10.78.0.1:8000 --get /file -o file\n"
      "  tunkit host tun0 --address 10.78.0.9/24 --connect 10.78.0.1:9000 --send-bytes 1000000\n"
      "  tunkit host tap0 mode tap --address 10.78.1.9/24 --address fd00:78::9/64 --gateway 10.78.1.1");
  return {{host, [args] { return run_host(*args); }}};
}

}  // namespace tunkit::app
