// Helpers for the TCP tests: a host (Interface + Tcp) driven by crafted segments on a
// virtual clock, parsing of what it sends, and a two-host in-memory link for transfers.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

#include "tunkit/stack/stack_test_support_test.hpp"
#include "tunkit/stack/tcp/seq.hpp"
#include "tunkit/stack/tcp/tcp.hpp"
#include "tunkit/wire/gso.hpp"
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
  explicit Harness(TcpConfig config = {}, std::uint16_t mtu = 1500,
                   const std::function<void(InterfaceConfig&)>& tweak = {})
      : host_(make_host(Medium::ip, mtu, tweak)) {
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
    host_.receive(tcp_packet(remote, local, r, payload), now);
  }
  // The crafted peer's address and the host's it talks to (fd00::1 / fd00::9 for IPv6).
  IpAddress remote = kRemote, local = kLocal;
  void deliver_raw(const Bytes& packet, const RxOffload& offload = {}) { host_.receive(packet, now, offload); }
  std::vector<Segment> sent() { return take_segments(host_); }
  std::vector<TxPacket> sent_with_vnet() { return drain_with_vnet(host_); }

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

// An established connection accepted from the crafted peer; seq numbers as the peer sees them.
struct Peer {
  Socket socket;
  Listener listener;
  std::uint32_t snd = 0;  // the peer's next sequence number
  std::uint32_t rcv = 0;  // what the peer expects from us next (our SND.NXT)
  std::uint32_t tsval = 0;
  std::uint32_t our_tsval = 0;
};

inline Peer establish(Harness& h, PeerSyn p = {}, Duration handshake_rtt = 100ms) {
  Peer peer;
  peer.listener = *h.tcp().listen(kServerPort);
  TcpRepr syn = h.from_peer(tcp_flags::syn, p.isn, 0, p.window);
  syn.mss = p.mss;
  syn.window_scale = p.window_scale;
  syn.sack_permitted = p.sack;
  if (p.tsval) syn.timestamps = TcpTimestamps{*p.tsval, 0};
  h.deliver(syn);
  const auto out = h.sent();
  EXPECT_EQ(out.size(), 1u);
  h.advance(handshake_rtt);
  TcpRepr ack = h.from_peer(tcp_flags::ack, p.isn + 1, out.at(0).tcp.seq_number + 1, p.window);
  if (p.tsval && out[0].tcp.timestamps) ack.timestamps = TcpTimestamps{*p.tsval + 1, out[0].tcp.timestamps->value};
  h.deliver(ack);
  peer.socket = h.tcp().accept(peer.listener).value_or(Socket{});
  peer.snd = p.isn + 1;
  peer.rcv = out[0].tcp.seq_number + 1;
  peer.tsval = p.tsval.value_or(0) + 1;
  return peer;
}

inline PeerSyn plain() {  // no options but MSS: exact segment arithmetic in loss tests
  PeerSyn p;
  p.window_scale.reset();
  p.sack = false;
  p.tsval.reset();
  return p;
}

inline TcpRepr ack_from(Harness& h, const Peer& p, std::uint32_t ack, std::uint16_t window = 65535) {
  return h.from_peer(tcp_flags::ack, p.snd, ack, window);
}

inline std::size_t payload_bytes(const std::vector<Segment>& segments) {
  std::size_t n = 0;
  for (const auto& s : segments) n += s.payload.size();
  return n;
}

// The device and driver on each side of a Link.
struct LinkDevice {
  std::function<void(InterfaceConfig&)> tweak;  // offloads, queue limit
  // TSO output: true hands a super-segment to the other stack whole, with the RxOffload
  // the kernel's virtio header would carry (as GRO would); false cuts it with split_tcp
  // into MTU-sized segments (as the kernel's GSO would), and completes partial checksums.
  bool deliver_super_packets = false;
  // The driver calls Tcp::on_transmit_space after each drain (the contract); false
  // leaves resuming to poll_at()/poll().
  bool calls_on_transmit_space = true;
};

// Two hosts joined by an in-memory link with a one-way delay; `drop` decides per packet
// (counted from 1 over both directions) whether the link loses it.
class Link {
 public:
  struct Side {
    std::unique_ptr<Interface> iface;
    std::unique_ptr<Tcp> tcp;
    LinkDevice device;
  };


  Link(TcpConfig a_config, TcpConfig b_config, Duration delay = 1ms, bool v6 = false, LinkDevice a_device = {},
       LinkDevice b_device = {})
      : delay_(delay) {
    a_ = make_side(v6 ? "fd00::9/64" : "10.0.0.9/24", std::move(a_config), std::move(a_device));
    b_ = make_side(v6 ? "fd00::1/64" : "10.0.0.1/24", std::move(b_config), std::move(b_device));
  }

  Tcp& a() { return *a_.tcp; }
  Tcp& b() { return *b_.tcp; }
  Interface& a_interface() { return *a_.iface; }
  Interface& b_interface() { return *b_.iface; }
  std::uint64_t super_packets = 0;  // TSO output seen on the link (before any split)
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
      (f.to_a ? a_ : b_).iface->receive(f.bytes, now, f.offload);
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
    RxOffload offload;
  };

  static Side make_side(const char* prefix, TcpConfig config, LinkDevice device) {
    InterfaceConfig c;
    c.medium = Medium::ip;
    c.addresses = {*IpPrefix::parse(prefix)};
    c.tx_queue_limit = 1 << 20;
    if (device.tweak) device.tweak(c);
    auto iface = Interface::create(c);
    if (!iface) throw std::runtime_error(iface.error().message);
    Side s;
    s.iface = std::make_unique<Interface>(std::move(*iface));
    auto tcp = Tcp::create(*s.iface, std::move(config));
    if (!tcp) throw std::runtime_error(tcp.error().message);
    s.tcp = std::move(*tcp);
    s.device = std::move(device);
    return s;
  }

  void put_on_wire(Bytes&& p, bool to_a, const RxOffload& offload) {
    ++packets;
    if (drop && drop(packets, p)) {
      ++dropped;
      return;
    }
    wire_.push_back(InFlight{now + delay_, to_a, std::move(p), offload});
  }

  // What a driver does: write every queued packet (with its virtio header), tell TCP there
  // is room, and again while that queued more.
  void collect(Side& from, bool to_a) {
    const std::size_t mtu = from.iface->config().mtu;
    for (int round = 0; round < 1000 && from.iface->transmit_count() > 0; ++round) {
      for (TxPacket& t : drain_with_vnet(*from.iface)) {
        if (t.vnet.gso_type != 0) ++super_packets;
        if (from.device.deliver_super_packets || t.vnet.flags == 0) {
          put_on_wire(std::move(t.bytes), to_a, RxOffload::from_virtio(t.vnet));
        } else if (t.vnet.gso_type == 0) {
          EXPECT_TRUE(complete_checksum(t.bytes, t.vnet.csum_start, t.vnet.csum_offset));
          put_on_wire(std::move(t.bytes), to_a, {});
        } else {
          std::vector<GsoSegment> segments(64);
          const std::size_t n = split_tcp(t.bytes, t.vnet.gso_size, segments, mtu);
          EXPECT_GT(n, 1u) << "a super-segment the kernel could not split";
          for (std::size_t k = 0; k < n; ++k) {
            Bytes seg(segments[k].header.begin(), segments[k].header.begin() + segments[k].header_size);
            seg.insert(seg.end(), segments[k].payload.begin(), segments[k].payload.end());
            EXPECT_LE(seg.size(), mtu);
            put_on_wire(std::move(seg), to_a, {});
          }
        }
      }
      if (!from.device.calls_on_transmit_space) break;
      from.tcp->on_transmit_space(now);
    }
  }

  Duration delay_;
  Side a_, b_;
  std::deque<InFlight> wire_;  // constant delay: ordered by delivery time
};

// --- two stacks ------------------------------------------------------------------------------

struct TransferStats {
  std::size_t a_received = 0, b_received = 0;
  bool a_eof = false, b_eof = false;
  bool closed = false;  // both sides reached CLOSED (TIME-WAIT expired) and released
  Duration elapsed{};
  ConnectionInfo a_info, b_info;
};

// Sends `bytes` from each side to the other at once, checks every byte, closes both ends
// and waits until both stacks hold no connection.
inline TransferStats bulk_both_ways(Link& link, std::size_t bytes, Duration limit = 600s) {
  TransferStats st;
  const Bytes data = pattern(bytes);
  auto listener = link.b().listen(5001);
  EXPECT_TRUE(listener.has_value());
  auto a = link.a().connect({link.b_address(), 5001}, link.now);
  EXPECT_TRUE(a.has_value());
  if (!a || !listener) return st;
  std::optional<Socket> b;
  const Instant start = link.now;
  std::size_t a_sent = 0, b_sent = 0;
  bool a_shut = false, b_shut = false, a_closed = false, b_closed = false;
  Bytes buffer(256 * 1024);
  auto pump = [&](Tcp& tcp, Socket s, std::size_t& sent, bool& shut, std::size_t& received, bool& eof) {
    while (sent < bytes) {
      auto n = tcp.send(s, ByteSpan(data).subspan(sent, std::min<std::size_t>(bytes - sent, 128 * 1024)), link.now);
      EXPECT_TRUE(n.has_value());
      if (!n || *n == 0) break;
      sent += *n;
    }
    if (sent == bytes && !shut) {
      EXPECT_TRUE(tcp.shutdown(s, link.now).has_value());
      shut = true;
    }
    while (!eof) {
      auto n = tcp.receive(s, buffer, link.now);
      EXPECT_TRUE(n.has_value()) << n.error().message;
      if (!n) break;
      if (*n == 0) {
        eof = tcp.status(s).eof;
        break;
      }
      if (received + *n > bytes || !std::equal(buffer.begin(), buffer.begin() + static_cast<std::ptrdiff_t>(*n),
                                               data.begin() + static_cast<std::ptrdiff_t>(received))) {
        ADD_FAILURE() << "corrupt data at offset " << received;
        eof = true;
        break;
      }
      received += *n;
    }
  };
  while (link.now - start < limit) {
    if (!b) {
      b = link.b().accept(*listener);
    }
    if (!a_closed) pump(link.a(), *a, a_sent, a_shut, st.a_received, st.a_eof);
    if (b && !b_closed) pump(link.b(), *b, b_sent, b_shut, st.b_received, st.b_eof);
    if (st.a_eof && a_shut && !a_closed) {
      st.a_info = *link.a().info(*a);
      link.a().close(*a, link.now);
      a_closed = true;
    }
    if (b && st.b_eof && b_shut && !b_closed) {
      st.b_info = *link.b().info(*b);
      link.b().close(*b, link.now);
      b_closed = true;
    }
    if (a_closed && b_closed && link.a().connection_count() == 0 && link.b().connection_count() == 0) {
      st.closed = true;
      break;
    }
    if (!link.step()) {
      auto show = [&](const char* name, Tcp& tcp, std::optional<Socket> s) {
        if (!s) return;
        auto i = tcp.info(*s);
        if (!i) return;
        std::printf("STALL %s state %s flight %u cwnd %u ssthresh %u rto %lld sent %llu recv %llu\n", name,
                    std::string(to_string(i->state)).c_str(), i->bytes_in_flight, i->cwnd, i->ssthresh,
                    static_cast<long long>(i->rto.count()), static_cast<unsigned long long>(i->bytes_sent),
                    static_cast<unsigned long long>(i->bytes_received));
      };
      show("a", link.a(), a_closed ? std::nullopt : std::optional<Socket>(*a));
      show("b", link.b(), b_closed ? std::nullopt : b);
      break;
    }
  }
  st.elapsed = link.now - start;
  return st;
}

inline TcpConfig fast_config() {
  TcpConfig c;
  c.time_wait = 2s;
  return c;
}

}  // namespace tunkit::stack::tcp::testing
