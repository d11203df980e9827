#include "sim/network.hpp"

#include <algorithm>
#include <cstdio>
#include <stdexcept>

namespace tunkit::sim {

namespace {

// A virtual clock that starts well away from zero (as a steady clock does).
const Instant kStart = Instant{} + std::chrono::hours(1);

// More steps than this without the clock moving means a timer that poll() never clears.
constexpr std::uint64_t kLivelockSteps = 100'000;

Host make_host(const char* prefix, const TcpConfig& tcp_config, std::uint16_t mtu) {
  stack::InterfaceConfig config;
  config.medium = stack::Medium::ip;
  config.addresses = {*IpPrefix::parse(prefix)};
  config.mtu = mtu;
  // The driver drains the queue after every call, but one call may emit a whole window;
  // the link, not the interface, is where these tests lose packets.
  config.tx_queue_limit = 1 << 16;
  auto iface = Interface::create(config);
  if (!iface) throw std::runtime_error("Interface::create: " + iface.error().message);
  Host host;
  host.address = config.addresses[0].address;
  host.iface = std::make_unique<Interface>(std::move(*iface));
  auto tcp = Tcp::create(*host.iface, tcp_config);
  if (!tcp) throw std::runtime_error("Tcp::create: " + tcp.error().message);
  host.tcp = std::move(*tcp);
  return host;
}

void earliest(std::optional<Instant>& next, std::optional<Instant> t) {
  if (t && (!next || *t < *next)) next = t;
}

}  // namespace

Network::Network(const NetworkConfig& config)
    : link_(config.link), start_(kStart), now_(kStart) {
  hosts_[0] = make_host("10.0.0.1/24", config.tcp_a, config.mtu);
  hosts_[1] = make_host("10.0.0.2/24", config.tcp_b, config.mtu);
}

void Network::flush(Side s) {
  Interface& iface = *host(s).iface;
  const std::size_t n = iface.transmit_count();
  for (std::size_t i = 0; i < n; ++i) {
    const ByteSpan packet = iface.transmit_packet(i);
    // IPv4 flags/fragment offset: MF set or a nonzero offset.
    if (packet.size() >= 20 && packet[0] >> 4 == 4 && (load_be16(packet, 6) & 0x3FFF) != 0) ++fragments_sent_;
    link_.send(s, packet, now_);
  }
  iface.transmit_done(n);
}

std::optional<Instant> Network::next_event() const {
  std::optional<Instant> next = link_.next_delivery();
  for (const Host& h : hosts_) {
    earliest(next, h.iface->poll_at());
    earliest(next, h.tcp->poll_at());
  }
  return next;
}

bool Network::step() {
  flush(Side::a);
  flush(Side::b);
  const std::optional<Instant> next = next_event();
  if (!next) return false;
  if (*next > now_) {
    now_ = *next;
    steps_at_same_instant_ = 0;
  } else if (++steps_at_same_instant_ > kLivelockSteps) {
    return false;
  }
  ++steps_;
  // Arrivals first, in order, each answer leaving before the next packet is looked at.
  while (auto d = link_.pop_due(now_)) {
    host(d->to).iface->receive(d->packet, now_);
    flush(d->to);
  }
  for (const Side s : {Side::a, Side::b}) {
    Host& h = host(s);
    if (auto t = h.iface->poll_at(); t && *t <= now_) h.iface->poll(now_);
    if (auto t = h.tcp->poll_at(); t && *t <= now_) h.tcp->poll(now_);
    flush(s);
  }
  return true;
}

bool Network::run_until(const std::function<bool()>& done, Duration limit,
                        const std::function<void()>& after_step, std::string* reason) {
  const Instant deadline = now_ + limit;
  while (!done()) {
    if (now_ > deadline) {
      if (reason) *reason = "virtual time limit reached";
      return false;
    }
    if (!step()) {
      if (reason)
        *reason = steps_at_same_instant_ > kLivelockSteps
                      ? "livelock: a timer stays due but poll() does not clear it"
                      : "the network went silent (no packet in flight, no timer armed)";
      return false;
    }
    if (after_step) after_step();
  }
  return true;
}

std::string Network::describe() const {
  std::string out;
  char line[512];
  const auto ms = std::chrono::duration_cast<std::chrono::microseconds>(now_ - start_).count();
  std::snprintf(line, sizeof line, "t=%lld.%03lld ms, %llu steps, %llu IP fragments\n",
                static_cast<long long>(ms / 1000), static_cast<long long>(ms % 1000),
                static_cast<unsigned long long>(steps_), static_cast<unsigned long long>(fragments_sent_));
  out += line;
  for (const Side s : {Side::a, Side::b}) {
    const Host& h = hosts_[static_cast<std::size_t>(s)];
    const auto& c = h.tcp->counters();
    std::snprintf(line, sizeof line,
                  "host %s: tcp seg in %llu out %llu retx %llu, bad_csum %llu malformed %llu "
                  "no_socket %llu out_of_window %llu paws %llu challenge_acks %llu ooo_dropped %llu "
                  "resets %llu opened %llu, connections %zu\n",
                  h.address.to_string().c_str(), static_cast<unsigned long long>(c.segments_received),
                  static_cast<unsigned long long>(c.segments_sent),
                  static_cast<unsigned long long>(c.retransmissions),
                  static_cast<unsigned long long>(c.bad_checksum),
                  static_cast<unsigned long long>(c.malformed),
                  static_cast<unsigned long long>(c.no_socket),
                  static_cast<unsigned long long>(c.out_of_window),
                  static_cast<unsigned long long>(c.paws_rejected),
                  static_cast<unsigned long long>(c.challenge_acks),
                  static_cast<unsigned long long>(c.out_of_order_dropped),
                  static_cast<unsigned long long>(c.connections_reset),
                  static_cast<unsigned long long>(c.connections_opened), h.tcp->connection_count());
    out += line;
    std::string drops;
    h.iface->counters().for_each_nonzero([&](std::string_view name, std::uint64_t v, bool is_drop) {
      if (!is_drop) return;
      drops += " " + std::string(name) + "=" + std::to_string(v);
    });
    if (!drops.empty()) out += "  interface drops:" + drops + "\n";
    const PathStats& p = link_.stats(s);
    std::snprintf(line, sizeof line,
                  "  link from %s: offered %llu, queue drops %llu, losses %llu, dups %llu, "
                  "reordered %llu, delivered %llu, max queue %zu\n",
                  h.address.to_string().c_str(), static_cast<unsigned long long>(p.offered),
                  static_cast<unsigned long long>(p.queue_drops),
                  static_cast<unsigned long long>(p.random_losses),
                  static_cast<unsigned long long>(p.duplicated),
                  static_cast<unsigned long long>(p.reordered),
                  static_cast<unsigned long long>(p.delivered), p.max_queue);
    out += line;
  }
  return out;
}

}  // namespace tunkit::sim
