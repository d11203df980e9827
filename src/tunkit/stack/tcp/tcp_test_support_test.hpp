// Helpers for the TCP tests: a host (Interface + Tcp) driven by crafted segments on a
// virtual clock, parsing of what it sends, and a two-host in-memory link for transfers.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

#include "tunkit/stack/stack_test_support_test.hpp"
#include "tunkit/stack/tcp/seq.hpp"
#include "tunkit/stack/tcp/tcp.hpp"
#include "tunkit/wire/tcp.hpp"

namespace tunkit::stack::tcp::testing {

using namespace tunkit::stack::testing;
using namespace std::chrono_literals;

inline const IpAddress kLocal = ip("10.0.0.9");
inline const IpAddress kRemote = ip("10.0.0.1");
inline constexpr std::uint16_t kServerPort = 80;
inline constexpr std::uint16_t kPeerPort = 40000;

// A TCP segment in an IP packet from src to dst (checksums correct).
inline Bytes tcp_packet(const IpAddress& src, const IpAddress& dst, TcpRepr r, const Bytes& payload = {}) {
  r.payload_length = static_cast<std::uint16_t>(payload.size());
  Bytes segment(r.size() + payload.size());
  if (!payload.empty()) std::memcpy(segment.data() + r.size(), payload.data(), payload.size());
  r.emit(segment, src, dst);
  return src.family == IpFamily::v4 ? ipv4(src, dst, IpProtocol::tcp, segment) : ipv6(src, dst, IpProtocol::tcp, segment);
}

// A segment the host sent, parsed.
struct Segment {
  IpAddress source, destination;
  TcpRepr tcp;
  Bytes payload;
  bool checksum_ok = false;

  bool has(std::uint8_t flag) const { return (tcp.flags & flag) != 0; }
  Seq seq() const { return Seq(tcp.seq_number); }
  Seq ack() const { return Seq(tcp.ack_number); }
  std::uint32_t end() const { return tcp.seq_number + static_cast<std::uint32_t>(payload.size()) + (has(tcp_flags::syn) ? 1 : 0) + (has(tcp_flags::fin) ? 1 : 0); }
};

inline std::optional<Segment> parse_packet(ByteSpan packet) {
  Segment s;
  ByteSpan body;
  if (auto v4 = Ipv4View::parse(packet)) {
    if (v4->protocol() != IpProtocol::tcp) return std::nullopt;
    s.source = v4->source(), s.destination = v4->destination(), body = v4->payload();
  } else if (auto v6 = Ipv6View::parse(packet)) {
    if (v6->next_header() != IpProtocol::tcp) return std::nullopt;
    s.source = v6->source(), s.destination = v6->destination(), body = v6->payload();
  } else {
    return std::nullopt;
  }
  const auto view = TcpView::parse(body);
  if (!view) return std::nullopt;
  s.checksum_ok = view->verify_checksum(s.source, s.destination);
  s.tcp = TcpRepr::parse(*view);
  s.payload.assign(view->payload().begin(), view->payload().end());
  return s;
}

inline std::vector<Segment> take_segments(Interface& host) {
  std::vector<Segment> out;
  for (const Bytes& p : drain(host))
    if (auto s = parse_packet(p)) out.push_back(std::move(*s));
  return out;
}

inline Bytes pattern(std::size_t n, std::size_t start = 0) {
  Bytes b(n);
  for (std::size_t i = 0; i < n; ++i) b[i] = static_cast<std::uint8_t>((start + i) * 7 + (start + i) / 251);
  return b;
}

// One host with a TCP layer and a crafted peer at kRemote:kPeerPort.
class Harness {
 public:
  explicit Harness(TcpConfig config = {}, std::uint16_t mtu = 1500) : host_(make_host(Medium::ip, mtu)) {
    auto t = Tcp::create(host_, std::move(config));
    if (!t) throw std::runtime_error(t.error().message);
    tcp_ = std::move(*t);
  }
  Harness(const Harness&) = delete;
  Harness& operator=(const Harness&) = delete;

  Tcp& tcp() { return *tcp_; }
  Interface& host() { return host_; }
  Instant now = kStart;

  // A segment from the peer to the host.
  TcpRepr from_peer(std::uint8_t flags, std::uint32_t seq, std::uint32_t ack = 0, std::uint16_t window = 65535,
                    std::uint16_t to_port = kServerPort) const {
    TcpRepr r;
    r.source_port = kPeerPort;
    r.destination_port = to_port;
    r.seq_number = seq;
    r.ack_number = ack;
    r.flags = flags;
    r.window = window;
    return r;
  }
  void deliver(const TcpRepr& r, const Bytes& payload = {}) {
    host_.receive(tcp_packet(kRemote, kLocal, r, payload), now);
  }
  void deliver_raw(const Bytes& packet) { host_.receive(packet, now); }
  std::vector<Segment> sent() { return take_segments(host_); }

  // Runs every timer due up to now + d, in order.
  void advance(Duration d) {
    const Instant until = now + d;
    while (auto at = tcp_->poll_at()) {
      if (*at > until) break;
      now = std::max(now, *at);
      tcp_->poll(now);
    }
    now = until;
    tcp_->poll(now);
  }

 private:
  Interface host_;
  std::unique_ptr<Tcp> tcp_;
};

// Options the crafted peer offers on its SYN.
struct PeerSyn {
  std::uint32_t isn = 1000;
  std::optional<std::uint16_t> mss = 1460;
  std::optional<std::uint8_t> window_scale = 7;
  bool sack = true;
  std::optional<std::uint32_t> tsval = 5000;
  std::uint16_t window = 65535;
};

// A passive open completed by the crafted peer; returns the accepted socket, with the
// host's SYN-ACK in `syn_ack`.
inline Socket open_passive(Harness& h, Listener l, const PeerSyn& p, Segment* syn_ack_out = nullptr) {
  TcpRepr syn = h.from_peer(tcp_flags::syn, p.isn, 0, p.window);
  syn.mss = p.mss;
  syn.window_scale = p.window_scale;
  syn.sack_permitted = p.sack;
  if (p.tsval) syn.timestamps = TcpTimestamps{*p.tsval, 0};
  h.deliver(syn);
  auto out = h.sent();
  EXPECT_EQ(out.size(), 1u);
  if (out.empty()) return {};
  const Segment syn_ack = out[0];
  EXPECT_TRUE(syn_ack.has(tcp_flags::syn) && syn_ack.has(tcp_flags::ack));
  if (syn_ack_out) *syn_ack_out = syn_ack;
  TcpRepr ack = h.from_peer(tcp_flags::ack, p.isn + 1, syn_ack.tcp.seq_number + 1, p.window);
  if (p.tsval && syn_ack.tcp.timestamps) ack.timestamps = TcpTimestamps{*p.tsval + 1, syn_ack.tcp.timestamps->value};
  h.deliver(ack);
  auto s = h.tcp().accept(l);
  EXPECT_TRUE(s.has_value());
  return s.value_or(Socket{});
}

// Two hosts joined by an in-memory link with a one-way delay; `drop` decides per packet
// (counted from 1 over both directions) whether the link loses it.
class Link {
 public:
  struct Side {
    std::unique_ptr<Interface> iface;
    std::unique_ptr<Tcp> tcp;
  };

  Link(TcpConfig a_config, TcpConfig b_config, Duration delay = 1ms, bool v6 = false) : delay_(delay) {
    a_ = make_side(v6 ? "fd00::9/64" : "10.0.0.9/24", std::move(a_config));
    b_ = make_side(v6 ? "fd00::1/64" : "10.0.0.1/24", std::move(b_config));
  }

  Tcp& a() { return *a_.tcp; }
  Tcp& b() { return *b_.tcp; }
  IpAddress a_address() const { return a_.iface->config().addresses[0].address; }
  IpAddress b_address() const { return b_.iface->config().addresses[0].address; }
  Instant now = kStart;
  std::function<bool(std::uint64_t n, const Bytes& packet)> drop;
  std::uint64_t packets = 0, dropped = 0;

  // Moves queued packets onto the wire, delivers what is due, runs timers; advances the
  // clock to the next event (at most `max_step`). Returns false when nothing is pending.
  bool step(Duration max_step = 10ms) {
    collect(a_, false);
    collect(b_, true);
    std::optional<Instant> next;
    auto consider = [&](std::optional<Instant> t) {
      if (t && (!next || *t < *next)) next = t;
    };
    if (!wire_.empty()) consider(wire_.front().at);
    consider(a_.tcp->poll_at());
    consider(b_.tcp->poll_at());
    if (!next) return false;
    now = std::max(now, std::min(*next, now + max_step));
    while (!wire_.empty() && wire_.front().at <= now) {
      InFlight f = std::move(wire_.front());
      wire_.pop_front();
      (f.to_a ? a_ : b_).iface->receive(f.bytes, now);
    }
    a_.tcp->poll(now);
    b_.tcp->poll(now);
    collect(a_, false);
    collect(b_, true);
    return true;
  }

 private:
  struct InFlight {
    Instant at;
    bool to_a;
    Bytes bytes;
  };

  static Side make_side(const char* prefix, TcpConfig config) {
    InterfaceConfig c;
    c.medium = Medium::ip;
    c.addresses = {*IpPrefix::parse(prefix)};
    c.tx_queue_limit = 1 << 20;
    auto iface = Interface::create(c);
    if (!iface) throw std::runtime_error(iface.error().message);
    Side s;
    s.iface = std::make_unique<Interface>(std::move(*iface));
    auto tcp = Tcp::create(*s.iface, std::move(config));
    if (!tcp) throw std::runtime_error(tcp.error().message);
    s.tcp = std::move(*tcp);
    return s;
  }

  void collect(Side& from, bool to_a) {
    for (Bytes& p : drain(*from.iface)) {
      ++packets;
      if (drop && drop(packets, p)) {
        ++dropped;
        continue;
      }
      wire_.push_back(InFlight{now + delay_, to_a, std::move(p)});
    }
  }

  Duration delay_;
  Side a_, b_;
  std::deque<InFlight> wire_;  // constant delay: ordered by delivery time
};

}  // namespace tunkit::stack::tcp::testing
