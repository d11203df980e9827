// `tunkit demo`: the tour. Two throwaway network namespaces joined by a veth pair; every
// packet stays inside them, and they vanish with this process (they are held by fds only).
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fmt/format.h>

#include <filesystem>

#include <chrono>
#include <cstdio>
#include <cstring>

#include "command_line.hpp"
#include "tunkit/crypto/key.hpp"
#include "tunkit/crypto/x25519.hpp"
#include "packet_line.hpp"
#include "tunkit/dev/tun.hpp"
#include "tunkit/netlink/netns.hpp"
#include "tunkit/netlink/rtnetlink.hpp"

namespace tunkit::app {
namespace {

using netlink::Netns;
using netlink::RtNetlink;
using Clock = std::chrono::steady_clock;

void step(std::string_view title) { fmt::print("\n==> {}\n", title); }
void say(std::string_view text) { fmt::print("    {}\n", text); }

// A program started inside a namespace, its output kept in memory; killed by PID if still
// running when dropped.
class Child {
 public:
  Child(const Netns& ns, std::vector<std::string> argv) {
    output_ = Fd(::memfd_create("tunkit-demo-child", MFD_CLOEXEC));
    pid_ = ::fork();
    if (pid_ == 0) {
      if (!ns.enter()) ::_exit(126);
      ::dup2(output_.get(), STDOUT_FILENO);
      ::dup2(output_.get(), STDERR_FILENO);
      std::vector<char*> args;
      for (auto& a : argv) args.push_back(a.data());
      args.push_back(nullptr);
      ::execvp(args[0], args.data());
      ::_exit(127);
    }
  }
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;
  ~Child() { stop(); }

  bool finished() {
    if (pid_ <= 0 || status_) return true;
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) status_ = status;
    return status_.has_value();
  }
  // Waits at most `limit` for the program to end by itself.
  bool wait(std::chrono::milliseconds limit) {
    const auto deadline = Clock::now() + limit;
    while (!finished() && Clock::now() < deadline) ::usleep(20'000);
    return finished();
  }
  // SIGTERM, a moment's grace, then SIGKILL.
  void stop() {
    if (pid_ <= 0 || finished()) return;
    ::kill(pid_, SIGTERM);
    if (!wait(std::chrono::milliseconds(2000))) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
      status_ = 0;
    }
  }
  bool started() const { return pid_ > 0; }
  int exit_status() const { return status_ && WIFEXITED(*status_) ? WEXITSTATUS(*status_) : -1; }
  std::string output() const {
    std::string text;
    char buf[4096];
    ssize_t n;
    for (off_t at = 0; (n = ::pread(output_.get(), buf, sizeof buf, at)) > 0; at += n) text.append(buf, n);
    return text;
  }
  // The output lines that contain `needle`, each printed indented.
  void say_lines(std::string_view needle) const {
    const std::string text = output();
    std::size_t at = 0;
    while (at < text.size()) {
      const auto end = std::min(text.find('\n', at), text.size());
      const std::string_view line(text.data() + at, end - at);
      if (line.find(needle) != std::string_view::npos) fmt::print("      | {}\n", line);
      at = end + 1;
    }
  }

 private:
  Fd output_;
  pid_t pid_ = -1;
  std::optional<int> status_;
};

// Waits (bounded) until `name` exists in the namespace of `rtnl`.
netlink::LinkInfo wait_for_link(RtNetlink& rtnl, const std::string& name, Child& owner) {
  const auto deadline = Clock::now() + std::chrono::seconds(5);
  for (;;) {
    if (auto link = rtnl.link(name)) return *link;
    if (owner.finished() || Clock::now() > deadline)
      throw CommandError{fmt::format("{} did not appear; the program that makes it said:\n{}", name,
                                     owner.output()),
                         kFailure};
    ::usleep(20'000);
  }
}

std::string self_exe() {
  char path[4096];
  const ssize_t n = ::readlink("/proc/self/exe", path, sizeof path - 1);
  return n > 0 ? std::string(path, static_cast<std::size_t>(n)) : "tunkit";
}

// Prints what the kernel sends into `device` while `child` runs (at most `limit`).
std::size_t show_packets(const dev::Device& device, Child& child, std::chrono::seconds limit) {
  std::vector<std::uint8_t> storage(65536);
  dev::PacketSlot slot{storage};
  const auto queue = device.queue();
  const auto deadline = Clock::now() + limit;
  std::size_t packets = 0;
  // Keep reading a moment after the child ends, for packets still in flight.
  std::optional<Clock::time_point> grace;
  while (Clock::now() < deadline && (!grace || Clock::now() < *grace)) {
    if (!grace && child.finished()) grace = Clock::now() + std::chrono::milliseconds(300);
    pollfd pfd{queue.fd(), POLLIN, 0};
    if (::poll(&pfd, 1, 100) <= 0) continue;
    auto got = queue.read(std::span(&slot, 1));
    if (!got || *got == 0) continue;
    ++packets;
    say(fmt::format("tunkit read {} bytes from {}: {}", slot.length, device.name(),
                    packet_line(std::as_bytes(slot.packet()), device.mode() == dev::Mode::tap)));
  }
  return packets;
}

void write_sysctl(const Netns& ns, const char* path, const char* value) {
  must(ns.run([&]() -> Result<void> {
    Fd fd(::open(path, O_WRONLY | O_CLOEXEC));
    if (!fd || ::write(fd.get(), value, std::strlen(value)) < 0)
      return fail_errno_context(errno, fmt::format("write {}", path));
    return {};
  }));
}

// A temporary 0700 folder for the demo's keys, removed with everything in it.
class TempDir {
 public:
  TempDir() {
    char pattern[] = "/tmp/tunkit-demo-XXXXXX";
    if (::mkdtemp(pattern) == nullptr) throw CommandError{"cannot create a temporary folder", kFailure};
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }
  void write(const std::string& name, const std::string& text) const {
    Fd fd(::open((path_ + "/" + name).c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
    if (!fd || ::write(fd.get(), text.data(), text.size()) != static_cast<ssize_t>(text.size()))
      throw CommandError{fmt::format("cannot write {}/{}", path_, name), kFailure};
  }

 private:
  std::string path_;
};

// The encrypted VPN: a tunkit WireGuard daemon in each namespace, configured by the real
// `wg` tool through the UAPI socket, then ping and iperf3 across it.
void show_wireguard(const std::string& tunkit, const Netns& client, const Netns& host,
                    RtNetlink& client_rtnl, RtNetlink& host_rtnl) {
  step("An encrypted VPN: tunkit wg speaks WireGuard, configured with the real `wg` tool");
  // Names carry the PID: the UAPI sockets in /var/run/wireguard are shared by all namespaces.
  const std::string if_host = fmt::format("tkwg{}h", ::getpid() % 100000);
  const std::string if_client = fmt::format("tkwg{}c", ::getpid() % 100000);
  Child host_wg(host, {tunkit, "wg", "run", "-f", if_host});
  Child client_wg(client, {tunkit, "wg", "run", "-f", if_client});
  const auto host_link = wait_for_link(host_rtnl, if_host, host_wg);
  const auto client_link = wait_for_link(client_rtnl, if_client, client_wg);
  const auto host_key = crypto::generate_private_key(), client_key = crypto::generate_private_key();
  const auto host_pub = crypto::to_base64(crypto::public_key(host_key).bytes);
  const auto client_pub = crypto::to_base64(crypto::public_key(client_key).bytes);
  TempDir keys;
  keys.write("host.key", crypto::to_base64(host_key.bytes()) + "\n");
  keys.write("client.key", crypto::to_base64(client_key.bytes()) + "\n");
  say(fmt::format("tunkit wg run -f {} (host) and {} (client): TUN + /var/run/wireguard/IFACE.sock", if_host, if_client));
  Child set_host(host, {"wg", "set", if_host, "private-key", keys.path() + "/host.key", "listen-port", "51820",
                        "peer", client_pub, "allowed-ips", "10.91.0.2/32"});
  Child set_client(client, {"wg", "set", if_client, "private-key", keys.path() + "/client.key", "peer", host_pub,
                            "allowed-ips", "10.91.0.1/32", "endpoint", "10.77.0.2:51820"});
  if (!set_host.wait(std::chrono::seconds(5)) || set_host.exit_status() != 0 ||
      !set_client.wait(std::chrono::seconds(5)) || set_client.exit_status() != 0) {
    say(fmt::format("(`wg set` failed; is wireguard-tools installed? {}{})", set_host.output(), set_client.output()));
    return;
  }
  say(fmt::format("wg set {} private-key host.key listen-port 51820 peer {}... allowed-ips 10.91.0.2/32", if_host,
                  client_pub.substr(0, 8)));
  say(fmt::format("wg set {} private-key client.key peer {}... allowed-ips 10.91.0.1/32 endpoint 10.77.0.2:51820",
                  if_client, host_pub.substr(0, 8)));
  must(host_rtnl.add_address(host_link.index, *IpPrefix::parse("10.91.0.1/24")));
  must(client_rtnl.add_address(client_link.index, *IpPrefix::parse("10.91.0.2/24")));
  must(host_rtnl.set_up(host_link.index, true));
  must(client_rtnl.set_up(client_link.index, true));
  Child ping(client, {"ping", "-n", "-c", "3", "-i", "0.2", "-W", "2", "10.91.0.1"});
  ping.wait(std::chrono::seconds(10));
  say("client: ping 10.91.0.1 (the first packet waits for the Noise_IKpsk2 handshake):");
  ping.say_lines("bytes from");
  ping.say_lines("packets transmitted");
  Child iperf_server(host, {"iperf3", "-s", "-1", "-B", "10.91.0.1"});
  ::usleep(300'000);
  Child iperf(client, {"iperf3", "-c", "10.91.0.1", "-t", "2", "-f", "g"});
  if (iperf.wait(std::chrono::seconds(15)) && iperf.exit_status() == 0) {
    say("iperf3 through the encrypted tunnel (ChaCha20-Poly1305), 2 seconds:");
    iperf.say_lines("receiver");
  }
  Child show(client, {tunkit, "wg", "show", if_client});
  show.wait(std::chrono::seconds(5));
  say("tunkit wg show (`wg show` prints the same; both read the UAPI socket):");
  show.say_lines("");
}

int run_demo() {
  if (::geteuid() != 0)
    throw CommandError{"the demo needs root: it creates network namespaces (sudo tunkit demo)",
                       kPermission};
  fmt::print("tunkit demo: TUN/TAP devices at work between two throwaway network namespaces.\n"
             "Nothing leaves them, and they vanish when the demo ends.\n");

  step("Two network namespaces, 'client' and 'host', joined by a veth pair");
  const Netns client = must(Netns::create());
  const Netns host = must(Netns::create());
  RtNetlink client_rtnl = must(client.run(RtNetlink::open));
  RtNetlink host_rtnl = must(host.run(RtNetlink::open));
  must(client_rtnl.add_veth("veth-client", "veth-host", host.fd()));
  const auto veth_c = must(client_rtnl.link("veth-client"));
  const auto veth_h = must(host_rtnl.link("veth-host"));
  must(client_rtnl.add_address(veth_c.index, *IpPrefix::parse("10.77.0.1/24")));
  must(host_rtnl.add_address(veth_h.index, *IpPrefix::parse("10.77.0.2/24")));
  must(client_rtnl.set_up(veth_c.index, true));
  must(host_rtnl.set_up(veth_h.index, true));
  say("client veth-client 10.77.0.1/24  <---->  host veth-host 10.77.0.2/24   (rtnetlink)");

  step("A TUN device in 'host': layer 3, the kernel hands tunkit IP packets");
  {
  const dev::Device tun = must(host.run([] {
    return dev::Device::open({.name = "tun%d", .mode = dev::Mode::tun});
  }));
  const auto tun_link = must(host_rtnl.link(tun.name()));
  must(host_rtnl.add_address(tun_link.index, *IpPrefix::parse("10.78.0.1/24")));
  must(host_rtnl.set_up(tun_link.index, true));
  say(fmt::format("opened /dev/net/tun, TUNSETIFF \"tun%d\": the kernel named it {} (transient:", tun.name()));
  say("it disappears when tunkit closes it); address 10.78.0.1/24, up");
  must(client_rtnl.add_route(veth_c.index, *IpPrefix::parse("10.78.0.0/24"),
                             IpAddress::parse("10.77.0.2")));
  write_sysctl(host, "/proc/sys/net/ipv4/ip_forward", "1");
  say("client routes 10.78.0.0/24 via the host, which forwards: client -> veth -> host -> " + tun.name());

  step(fmt::format("client pings 10.78.0.9; the host's kernel routes the packets into {}", tun.name()));
  {
    Child ping(client, {"ping", "-n", "-c", "3", "-i", "0.2", "-W", "1", "10.78.0.9"});
    if (!ping.started()) throw CommandError{"cannot fork to run ping", kFailure};
    const auto n = show_packets(tun, ping, std::chrono::seconds(5));
    if (ping.exit_status() == 127)
      say("(ping is not installed: apt-get install iputils-ping)");
    say(fmt::format("{} packets arrived in tunkit. Nobody answers yet, so ping sees no replies.", n));
  }
  }  // the TUN closes here and, being transient, disappears

  step("A TAP device in 'host': layer 2, the kernel hands tunkit Ethernet frames");
  const dev::Device tap = must(host.run([] {
    return dev::Device::open({.name = "tktap0", .mode = dev::Mode::tap});
  }));
  const auto mac = *MacAddress::parse("02:74:6b:00:00:01");
  must(tap.set_mac(mac));
  const auto tap_link = must(host_rtnl.link(tap.name()));
  must(host_rtnl.add_address(tap_link.index, *IpPrefix::parse("10.79.0.1/24")));
  must(host_rtnl.set_up(tap_link.index, true));
  say(fmt::format("{} with MAC {} (SIOCSIFHWADDR), address 10.79.0.1/24, up", tap.name(), mac.to_string()));
  step("host pings its neighbour 10.79.0.2 on the TAP: first the kernel must ask who has it (ARP)");
  {
    Child ping(host, {"ping", "-n", "-c", "2", "-i", "0.5", "-W", "1", "10.79.0.2"});
    show_packets(tap, ping, std::chrono::seconds(5));
    say("On TUN there is no link layer, so no ARP: that is the difference between the two.");
  }

  step("A persistent TUN owned by 'nobody', as tunctl -u / ip tuntap add user makes");
  {
    const dev::Device persistent = must(host.run([] {
      return dev::Device::open({.name = "tkpersist0", .mode = dev::Mode::tun, .exclusive = true});
    }));
    must(persistent.set_owner(65534));
    must(persistent.set_persist(true));
  }
  for (const auto& link : must(host_rtnl.links())) {
    if (!link.tun) continue;
    say(fmt::format("{}: {} {} owner {} mtu {} {}", link.name, link.tun->tap ? "tap" : "tun",
                    link.tun->persist ? "persist" : "transient",
                    link.tun->owner ? std::to_string(*link.tun->owner) : "-", link.mtu,
                    link.up() ? "UP" : "DOWN"));
  }
  say("tkpersist0 outlived the fd that made it; user nobody may now attach without privileges.");
  must(host.run([] { return dev::remove_persistent("tkpersist0", dev::Mode::tun); }));
  say("removed again (persist off, like tunkit dev del tkpersist0 mode tun)");

  const std::string tunkit = self_exe();
  must(client_rtnl.add_route(veth_c.index, *IpPrefix::parse("10.76.0.0/24"), IpAddress::parse("10.77.0.2")));
  for (const bool on_tap : {false, true}) {
    const std::string name = on_tap ? "tkhost1" : "tkhost0";
    const std::string net = on_tap ? "10.76.0" : "10.78.0";
    step(on_tap ? "The same host behind a TAP: now it must answer ARP for its own MAC first"
             : "A user-space host behind a TUN answers: tunkit host, ICMP/UDP with no kernel stack");
    std::vector<std::string> argv{tunkit, "host", name, "mode", on_tap ? "tap" : "tun", "--address",
                                  net + ".9/24", "--gateway", net + ".1", "--serve", "udp-echo:7",
                                  "--serve", "http:80"};
    if (on_tap) argv.insert(argv.end(), {"--mac", "02:74:6b:00:00:09"});
    Child host_process(host, argv);
    const auto link = wait_for_link(host_rtnl, name, host_process);
    must(host_rtnl.add_address(link.index, *IpPrefix::parse(net + ".1/24")));
    must(host_rtnl.set_up(link.index, true));
    say(fmt::format("tunkit host {} mode {} --address {}.9/24 --gateway {}.1 --serve udp-echo:7 --serve http:80{}", name,
                    on_tap ? "tap" : "tun", net, net, on_tap ? " --mac 02:74:6b:00:00:09" : ""));
    say(fmt::format("(the kernel side of {} is {}.1; the client reaches it through the host's routing)", name, net));
    Child ping(client, {"ping", "-n", "-c", "3", "-i", "0.2", "-W", "1", net + ".9"});
    ping.wait(std::chrono::seconds(5));
    say(fmt::format("client: ping {}.9, answered by tunkit in user space:", net));
    ping.say_lines("bytes from");
    ping.say_lines("packets transmitted");
    // TCP (RFC 9293 in user space): the Linux client's curl against tunkit's HTTP server.
    const std::string url = fmt::format("http://{}.9/bytes/10000000", net);
    Child curl(client, {"curl", "-sS", "-o", "/dev/null", "-w",
                        "curl: %{http_code}, %{size_download} bytes in %{time_total} s\n", url});
    curl.wait(std::chrono::seconds(20));
    say(fmt::format("client: curl {} (tunkit's user-space TCP and HTTP server):", url));
    curl.say_lines("curl:");
    host_process.stop();
    say("tunkit host's counters on exit:");
    host_process.say_lines("echo_replies");
    if (on_tap) host_process.say_lines("arp_");
  }

  step("A tunnel between the namespaces: tunkit tunnel, simpletun's protocol done right");
  {
    Child server(host, {tunkit, "tunnel", "--dev", "tktun0", "--listen", "--address", "10.90.0.1/24", "--offload"});
    Child client_end(client, {tunkit, "tunnel", "--dev", "tktun0", "--connect", "10.77.0.2", "--address",
                              "10.90.0.2/24", "--offload"});
    wait_for_link(host_rtnl, "tktun0", server);
    say("host: tunnel --listen, 10.90.0.1/24; client: tunnel --connect 10.77.0.2, 10.90.0.2/24;");
    say("--offload on both ends: the kernel's 64 KiB TCP super-packets cross as single frames");
    // Until the client end has connected and configured its device, the overlay does not
    // route yet: probe (bounded) before showing a ping.
    for (int attempt = 0; attempt < 40; ++attempt) {
      Child probe(client, {"ping", "-n", "-c", "1", "-W", "1", "10.90.0.1"});
      if (probe.wait(std::chrono::seconds(3)) && probe.exit_status() == 0) break;
      ::usleep(250'000);
    }
    Child ping(client, {"ping", "-n", "-c", "3", "-i", "0.2", "-W", "1", "10.90.0.1"});
    ping.wait(std::chrono::seconds(5));
    ping.say_lines("bytes from");
    ping.say_lines("packets transmitted");
    Child iperf_server(host, {"iperf3", "-s", "-1", "-B", "10.90.0.1"});
    ::usleep(300'000);
    Child iperf(client, {"iperf3", "-c", "10.90.0.1", "-t", "2", "-f", "g"});
    if (iperf.wait(std::chrono::seconds(15)) && iperf.exit_status() == 0) {
      say("iperf3 through the tunnel, 2 seconds:");
      iperf.say_lines("receiver");
    } else {
      say("(iperf3 did not run: apt-get install iperf3)");
    }
    say("It carries TCP, UDP, anything IP, in the clear: this tunnel does not encrypt.");
  }

  show_wireguard(tunkit, client, host, client_rtnl, host_rtnl);

  step("Done: closing the devices and namespaces");
  say("Next: decoding every packet (tunkit dump) and TCP in user space.");
  return kOk;
}

}  // namespace

std::vector<Subcommand> add_demo_command(CLI::App& parent) {
  CLI::App* demo = parent.add_subcommand("demo", "a narrated tour of tunkit in throwaway namespaces (root)");
  demo->footer("Creates two network namespaces joined by a veth pair, shows each capability at\n"
               "work between them, and removes everything again. Needs root.\n"
               "Example:\n  sudo tunkit demo");
  return {{demo, [] { return run_demo(); }}};
}

}  // namespace tunkit::app
