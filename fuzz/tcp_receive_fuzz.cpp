// TCP input path: Tcp's SEGMENT ARRIVES (RFC 9293 §3.10.7) on hostile segments, through
// Interface::receive, with the peer answering and the timers running.
//
// Every input starts from the same fresh world (libsodium's randomness is a fixed-seed
// stream, so ISN and SYN-cookie keys, timestamp offsets and ephemeral ports repeat; both
// Tcps use fixed_isn_for_tests): stacks A (10.0.0.1/24) and B (10.0.0.2/24) joined in
// memory, B listening on port 80, and an established connection A:40000 -> B:80 that has
// carried a little data each way. The input is a list of records, each one TCP segment
// delivered to B in a valid IPv4 packet (header checksum and TCP checksum correct unless
// asked otherwise):
//   byte 0   flags: bit 0 leave the TCP checksum wrong; bit 1 relative numbers (SEQ +=
//            B's RCV.NXT, ACK and SACK edges += B's SND.NXT, TSval/TSecr += the last TSval
//            A/B sent on the connection, all as last seen on the wire); bit 2 the
//            connection's ports; bits 3-4 the source: A (0, 1), 10.0.0.3, a host that
//            never answers (2), B itself (3); bit 5 the link loses what B sends to A until
//            the next record (so B's data stays in flight for the input to acknowledge);
//            bit 6 B's application first sends 4000 bytes, bit 7 A's 1000 bytes
//   byte 1   virtual clock advance after the segment: v < 128: 4v ms; else (v-127)^2 x 100 ms
//   2 bytes  length L (big endian), then L bytes: TCP header, options and payload as on the
//            wire (the checksum field is overwritten)
// Between segments both transmit queues are delivered to their destination, both
// applications read what arrived (B also accepts whatever completes a handshake), and both
// stacks' timers run up to the advanced clock, in order (at most 4000 timer runs an input).
// Invariants: no crash, UB or leak; every counter of both Tcps and Interfaces only grows;
// each segment not from B's own address reaches B's TCP exactly once; a wrong checksum or a segment too short for a
// header is counted (bad_checksum, malformed), changes nothing else and gets no answer; a
// RST is never answered by a RST; every packet either stack sends is a valid IPv4 packet
// from its own address within the MTU with a correct TCP checksum. After the input, the
// applications close the old connection (the input may have reset it: fine) and whatever
// they accepted; a NEW connection A -> B is established and carries 3000 bytes A -> B and
// 1000 bytes B -> A intact, both ways to EOF (service goes on); and once every timer has
// run out (4 virtual hours) neither stack holds a connection.
//
// ACK loops (a known weakness, reported; not checked by default): an ACK that answers an
// unacceptable segment (RFC 9293 §3.10.7.4 "first") is not rate-limited per connection
// (Linux: tcp_invalid_ratelimit), so two ends that disagree about the sequence space answer
// each other's ACKs at one instant: after injected in-window data, until A's stack-wide
// challenge-ACK budget (RFC 5961 §7) runs dry (about 1000 exchanges, again at every
// retransmission); a SYN with B's own address as source and destination (LAND) makes B
// answer itself until the half-open connection expires. Here the budget
// (TcpConfig::challenge_acks_per_second) is 10 and a delivery stops after 32 rounds, which
// keeps inputs fast; TUNKIT_FUZZ_ACK_LOOP=1
// runs with the default budget and traps when a delivery needs more than 32 rounds
// (fuzz/corpus/tcp_receive/ack_loop_* reproduce both).
#include <sodium.h>

#include <algorithm>
#include <array>
#include <bit>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <optional>
#include <vector>

#include "fuzz_check.hpp"
#include "tunkit/stack/interface.hpp"
#include "tunkit/stack/tcp/seq.hpp"
#include "tunkit/stack/tcp/tcp.hpp"
#include "tunkit/wire/checksum.hpp"
#include "tunkit/wire/ipv4.hpp"
#include "tunkit/wire/tcp.hpp"

namespace {

using namespace tunkit;
using namespace tunkit::stack;
using namespace std::chrono_literals;
using tcp::Seq;
using Bytes = std::vector<std::uint8_t>;

// --- reproducible randomness: splitmix64 from a fixed seed, reset for every input --------
std::uint64_t random_state = 0;
std::uint64_t next_random() noexcept {
  std::uint64_t z = (random_state += 0x9e3779b97f4a7c15);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9;
  z = (z ^ (z >> 27)) * 0x94d049bb133111eb;
  return z ^ (z >> 31);
}
const char* fixed_name() { return "tunkit-fuzz-fixed"; }
std::uint32_t fixed_u32() { return static_cast<std::uint32_t>(next_random()); }
void fixed_stir() {}
std::uint32_t fixed_uniform(const std::uint32_t bound) {
  return bound < 2 ? 0 : static_cast<std::uint32_t>(next_random() % bound);
}
void fixed_buf(void* out, const std::size_t size) {
  auto* p = static_cast<std::uint8_t*>(out);
  for (std::size_t i = 0; i < size; ++i) p[i] = static_cast<std::uint8_t>(next_random());
}
int fixed_close() { return 0; }
// The same keys for every input: constructed before anything that draws randomness.
struct Reseed {
  Reseed() noexcept { random_state = 0x243f6a8885a308d3; }
};
randombytes_implementation fixed_implementation = {fixed_name, fixed_u32,   fixed_stir,
                                                   fixed_uniform, fixed_buf, fixed_close};

void require(bool ok, const char* what) {
  if (ok) return;
  std::fprintf(stderr, "tcp_receive_fuzz setup: %s\n", what);
  std::abort();
}

// --- the world ---------------------------------------------------------------------------

const IpAddress kA = IpAddress::v4(10, 0, 0, 1), kB = IpAddress::v4(10, 0, 0, 2),
                kStranger = IpAddress::v4(10, 0, 0, 3);
constexpr std::uint16_t kPort = 80, kAPort = 40000;
constexpr std::uint16_t kMtu = 1500;
const Instant kStart = Instant{} + std::chrono::hours(1);

// See "ACK loops" at the top of the file.
bool ack_loop_check() {
  static const bool on = std::getenv("TUNKIT_FUZZ_ACK_LOOP") != nullptr;
  return on;
}
std::uint32_t challenge_budget() { return ack_loop_check() ? tcp::TcpConfig{}.challenge_acks_per_second : 10; }

bool counters_grow(const tcp::TcpCounters& before, const tcp::TcpCounters& after) {
  static_assert(sizeof(tcp::TcpCounters) % sizeof(std::uint64_t) == 0);
  using Array = std::array<std::uint64_t, sizeof(tcp::TcpCounters) / sizeof(std::uint64_t)>;
  const auto b = std::bit_cast<Array>(before), a = std::bit_cast<Array>(after);
  for (std::size_t i = 0; i < a.size(); ++i)
    if (a[i] < b[i]) return false;
  return true;
}
bool counters_grow(const Counters& before, const Counters& after) {
  for (std::size_t i = 0; i < static_cast<std::size_t>(Drop::count_); ++i)
    if (after[static_cast<Drop>(i)] < before[static_cast<Drop>(i)]) return false;
  for (std::size_t i = 0; i < static_cast<std::size_t>(Event::count_); ++i)
    if (after[static_cast<Event>(i)] < before[static_cast<Event>(i)]) return false;
  return true;
}
// The TCP counters other than segments_received and the one named: equal?
bool only_changed(const tcp::TcpCounters& before, const tcp::TcpCounters& after,
                  std::uint64_t tcp::TcpCounters::*field) {
  tcp::TcpCounters b = before, a = after;
  b.segments_received = a.segments_received = 0;
  b.*field = a.*field = 0;
  using Array = std::array<std::uint64_t, sizeof(tcp::TcpCounters) / sizeof(std::uint64_t)>;
  return std::bit_cast<Array>(b) == std::bit_cast<Array>(a);
}

struct Host {
  std::unique_ptr<Interface> iface;  // the Tcp holds a reference: it must not move
  std::unique_ptr<tcp::Tcp> tcp;
  IpAddress address;
  tcp::TcpCounters tcp_seen;  // counters at the last check
  Counters iface_seen;

  Host(const char* prefix, std::uint32_t isn, std::uint32_t challenge_acks_per_second) {
    InterfaceConfig c;
    c.medium = Medium::ip;
    c.addresses = {*IpPrefix::parse(prefix)};
    c.mtu = kMtu;
    auto i = Interface::create(c);
    require(i.has_value(), "interface");
    iface = std::make_unique<Interface>(std::move(*i));
    tcp::TcpConfig t;
    t.fixed_isn_for_tests = isn;
    t.challenge_acks_per_second = challenge_acks_per_second;
    auto created = tcp::Tcp::create(*iface, t);
    require(created.has_value(), "tcp");
    tcp = std::move(*created);
    address = c.addresses[0].address;
  }
  std::optional<Instant> poll_at() const {
    auto t = tcp->poll_at();
    const auto u = iface->poll_at();
    if (u && (!t || *u < *t)) t = u;
    return t;
  }
  // Counters only grow (checked at every step).
  void check_counters() {
    TUNKIT_FUZZ_CHECK(counters_grow(tcp_seen, tcp->counters()));
    TUNKIT_FUZZ_CHECK(counters_grow(iface_seen, iface->counters()));
    tcp_seen = tcp->counters();
    iface_seen = iface->counters();
  }
};

// A TCP segment's facts, from a packet a stack sent.
struct Sent {
  IpAddress source, destination;
  TcpRepr tcp;
  std::size_t payload = 0;
};

class World {
 public:
  Instant now = kStart;
  Reseed reseed;  // first: the hosts below draw their keys from it
  // B's ISS sits 200 bytes below 2^32: its sequence numbers wrap on the connection.
  Host a{"10.0.0.1/24", 0x0100'0000, challenge_budget()}, b{"10.0.0.2/24", 0xffff'ff38, challenge_budget()};
  tcp::Listener listener;
  std::optional<tcp::Socket> a_sock, b_sock;
  std::vector<tcp::Socket> accepted;  // by B, from the input's handshakes
  // The legitimate connection as last seen on the wire (for relative numbers).
  Seq b_rcv_nxt, b_snd_nxt;
  std::uint32_t a_tsval = 0, b_tsval = 0;
  std::uint16_t ip_id = 1;
  bool running = false;  // the applications act only once the set-up is done
  bool lose_to_a = false;  // the link loses what B sends to A (flag bit 5)
  int timer_steps_left = 4000;  // for the whole input: bounds the time one input takes

  World() {
    auto l = b.tcp->listen(kPort);
    require(l.has_value(), "listen");
    listener = *l;
    auto s = a.tcp->connect({kB, kPort}, now, tcp::ConnectOptions{kA, kAPort});
    require(s.has_value(), "connect");
    a_sock = *s;
    exchange();
    b_sock = b.tcp->accept(listener);
    require(b_sock.has_value(), "accept");
    static const char hello[] = "GET / HTTP/1.0\r\nHost: 10.0.0.2\r\n\r\n";
    static const char reply[] = "HTTP/1.0 200 OK\r\nContent-Length: 5\r\n\r\nhello";
    require(a.tcp->send(*a_sock, text(hello), now).value_or(0) == sizeof hello - 1, "send A");
    exchange();
    require(b.tcp->send(*b_sock, text(reply), now).value_or(0) == sizeof reply - 1, "send B");
    exchange();
    advance(100ms);  // delayed ACKs
    std::array<std::uint8_t, 128> buf{};
    require(b.tcp->receive(*b_sock, buf, now).value_or(0) == sizeof hello - 1, "receive B");
    require(a.tcp->receive(*a_sock, buf, now).value_or(0) == sizeof reply - 1, "receive A");
    advance(100ms);
    require(b.tcp->status(*b_sock).state == tcp::State::established && a_tsval != 0 && b_tsval != 0,
            "established");
    a.check_counters();
    b.check_counters();
    running = true;
  }

  static ByteSpan text(std::string_view s) { return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()}; }

  // --- the link --------------------------------------------------------------------------

  // Parses and checks a packet `from` sent: what every stack must only ever send.
  static std::optional<Sent> check_sent(const Host& from, ByteSpan packet) {
    const auto ip = Ipv4View::parse(packet);
    TUNKIT_FUZZ_CHECK(ip.has_value() && ip->verify_checksum());
    TUNKIT_FUZZ_CHECK(ip->source() == from.address && packet.size() <= kMtu);
    if (ip->protocol() != IpProtocol::tcp) return std::nullopt;
    const auto t = TcpView::parse(ip->payload());
    TUNKIT_FUZZ_CHECK(t.has_value() && t->verify_checksum(ip->source(), ip->destination()));
    return Sent{ip->source(), ip->destination(), TcpRepr::parse(*t), t->payload().size()};
  }

  // Follows the legitimate connection on the wire.
  void observe(const Sent& s) {
    const bool from_b = s.source == kB && s.destination == kA && s.tcp.source_port == kPort &&
                        s.tcp.destination_port == kAPort;
    const bool from_a = s.source == kA && s.destination == kB && s.tcp.source_port == kAPort &&
                        s.tcp.destination_port == kPort;
    if (from_b) {
      const auto len = static_cast<std::uint32_t>(s.payload) + ((s.tcp.flags & tcp_flags::syn) ? 1 : 0) +
                       ((s.tcp.flags & tcp_flags::fin) ? 1 : 0);
      const Seq end = Seq(s.tcp.seq_number) + len;
      if (b_tsval == 0 || end > b_snd_nxt) b_snd_nxt = end;
      if (s.tcp.flags & tcp_flags::ack) b_rcv_nxt = Seq(s.tcp.ack_number);
      if (s.tcp.timestamps) b_tsval = s.tcp.timestamps->value;
    } else if (from_a && s.tcp.timestamps) {
      a_tsval = s.tcp.timestamps->value;
    }
  }

  Host* host_for(const IpAddress& address) {
    if (address == kA) return &a;
    if (address == kB) return &b;
    return nullptr;  // 10.0.0.3: the link loses it
  }

  // Drains one side's queue: every packet checked, then delivered to its destination.
  bool drain(Host& from) {
    const std::size_t n = from.iface->transmit_count();
    if (n == 0) return false;
    std::vector<Bytes> packets;
    packets.reserve(n);
    for (std::size_t i = 0; i < n; ++i) {
      const auto p = from.iface->transmit_packet(i);
      packets.emplace_back(p.begin(), p.end());
    }
    from.iface->transmit_done(n);
    from.tcp->on_transmit_space(now);
    for (const Bytes& p : packets) {
      if (auto s = check_sent(from, p)) observe(*s);
      const IpAddress to = Ipv4View::parse(p)->destination();
      if (lose_to_a && &from == &b && to == kA) continue;
      if (Host* h = host_for(to)) h->iface->receive(p, now);
    }
    return true;
  }

  // What the applications do: read what arrived, accept (B) whatever completed a handshake.
  void applications() {
    if (!running) return;
    std::array<std::uint8_t, 4096> buf;
    auto read_all = [&](Host& h, tcp::Socket s) {
      for (int i = 0; i < 64; ++i)
        if (h.tcp->receive(s, buf, now).value_or(0) == 0) break;
    };
    if (a_sock) read_all(a, *a_sock);
    if (b_sock) read_all(b, *b_sock);
    while (accepted.size() < 256) {
      const auto s = b.tcp->accept(listener);
      if (!s) break;
      accepted.push_back(*s);
    }
    for (const tcp::Socket s : accepted) read_all(b, s);
    (void)a.tcp->take_events();
    (void)b.tcp->take_events();
  }

  // Until both queues are empty: at most 32 rounds (see "ACK loops" at the top).
  void exchange() {
    for (int round = 0; round < 32; ++round) {
      bool moved = drain(a);
      moved = drain(b) || moved;
      applications();
      a.check_counters();
      b.check_counters();
      if (!moved && a.iface->transmit_count() == 0 && b.iface->transmit_count() == 0) return;
    }
    TUNKIT_FUZZ_CHECK(!ack_loop_check());
  }

  void poll() {
    a.iface->poll(now);
    b.iface->poll(now);
    a.tcp->poll(now);
    b.tcp->poll(now);
    exchange();
  }

  std::optional<Instant> next_timer() const {
    auto t = a.poll_at();
    const auto u = b.poll_at();
    if (u && (!t || *u < *t)) t = u;
    return t;
  }

  // Runs every timer due up to now + d in order (at most 256 of them, and within the
  // input's budget), then sets the clock to now + d.
  void advance(Duration d) {
    const Instant until = now + d;
    for (int step = 0; step < 256 && timer_steps_left > 0; ++step, --timer_steps_left) {
      const auto at = next_timer();
      if (!at || *at > until) break;
      now = std::max(now, *at);
      poll();
    }
    now = std::max(now, until);
    poll();
  }

  // --- the input -------------------------------------------------------------------------

  // Builds the IPv4 packet for one record (see the top of the file).
  Bytes packet(std::uint8_t flags, ByteSpan chunk, IpAddress& source) {
    Bytes seg(chunk.begin(), chunk.end());
    if (flags & 0x04 && seg.size() >= 4) {
      store_be16(seg, 0, kAPort);
      store_be16(seg, 2, kPort);
    }
    if (flags & 0x02) relative(seg);
    switch ((flags >> 3) & 3) {
      case 2: source = kStranger; break;
      case 3: source = kB; break;
      default: source = kA; break;
    }
    if (seg.size() >= 18) {
      store_be16(seg, 16, 0);
      const std::uint16_t sum =
          checksum_finish(checksum_sum(seg, pseudo_header_sum(source, kB, 6, static_cast<std::uint32_t>(seg.size()))));
      store_be16(seg, 16, (flags & 0x01) ? sum ^ 1 : sum);
    }
    Ipv4Repr ip;
    ip.source = source;
    ip.destination = kB;
    ip.protocol = IpProtocol::tcp;
    ip.identification = ip_id++;
    ip.payload_length = static_cast<std::uint16_t>(seg.size());
    Bytes out(20 + seg.size());
    std::copy(seg.begin(), seg.end(), out.begin() + 20);
    TUNKIT_FUZZ_CHECK(ip.emit(out) == 20);
    return out;
  }

  // Shifts the numbers of a segment by the connection's (bit 1).
  void relative(Bytes& seg) const {
    auto add32 = [&](std::size_t at, std::uint32_t base) {
      if (at + 4 <= seg.size()) store_be32(seg, at, load_be32(seg, at) + base);
    };
    add32(4, b_rcv_nxt.value());
    add32(8, b_snd_nxt.value());
    if (seg.size() < 20) return;
    const std::size_t end = std::min<std::size_t>(seg.size(), static_cast<std::size_t>(seg[12] >> 4) * 4);
    for (std::size_t i = 20; i < end;) {
      const std::uint8_t kind = seg[i];
      if (kind == 0) break;
      if (kind == 1) {
        ++i;
        continue;
      }
      if (i + 1 >= end) break;
      const std::size_t len = seg[i + 1];
      if (len < 2 || i + len > end) break;
      if (kind == 8 && len == 10) {
        add32(i + 2, a_tsval);
        add32(i + 6, b_tsval);
      } else if (kind == 5) {
        for (std::size_t e = i + 2; e + 4 <= i + len; e += 4) add32(e, b_snd_nxt.value());
      }
      i += len;
    }
  }

  void segment(std::uint8_t flags, std::uint8_t advance_code, ByteSpan chunk) {
    static const Bytes app_data = [] {
      Bytes d(4000);
      for (std::size_t i = 0; i < d.size(); ++i) d[i] = static_cast<std::uint8_t>(i % 251);
      return d;
    }();
    lose_to_a = (flags & 0x20) != 0;
    if ((flags & 0x40) && b_sock) (void)b.tcp->send(*b_sock, app_data, now);
    if ((flags & 0x80) && a_sock) (void)a.tcp->send(*a_sock, ByteSpan(app_data).first(1000), now);
    if (flags & 0xc0) exchange();
    IpAddress source;
    const Bytes p = packet(flags, chunk, source);
    const ByteSpan seg = ByteSpan(p).subspan(20);
    const bool header_ok = TcpView::check(seg) == ParseError::none;
    const bool bad_checksum = (flags & 0x01) && seg.size() >= 18;
    const tcp::TcpCounters before = b.tcp->counters();
    const std::uint64_t delivered = b.iface->counters()[Event::tcp_delivered];
    const std::size_t queued = b.iface->transmit_count();

    b.iface->receive(p, now);

    const tcp::TcpCounters& after = b.tcp->counters();
    TUNKIT_FUZZ_CHECK(counters_grow(before, after));
    if (source != kB) {  // B's own address as the source: whether B takes it is B's business
      TUNKIT_FUZZ_CHECK(b.iface->counters()[Event::tcp_delivered] == delivered + 1);
      TUNKIT_FUZZ_CHECK(after.segments_received == before.segments_received + 1);
    }
    if (after.segments_received == before.segments_received + 1) {
      if (!header_ok) {
        TUNKIT_FUZZ_CHECK(only_changed(before, after, &tcp::TcpCounters::malformed));
        TUNKIT_FUZZ_CHECK(after.malformed == before.malformed + 1);
        TUNKIT_FUZZ_CHECK(b.iface->transmit_count() == queued);
      } else if (bad_checksum) {
        TUNKIT_FUZZ_CHECK(only_changed(before, after, &tcp::TcpCounters::bad_checksum));
        TUNKIT_FUZZ_CHECK(after.bad_checksum == before.bad_checksum + 1);
        TUNKIT_FUZZ_CHECK(b.iface->transmit_count() == queued);
      } else if (seg[13] & tcp_flags::rst) {
        // RFC 9293 §3.10.7: a RST is never answered by a RST (a challenge ACK may be).
        for (std::size_t i = queued; i < b.iface->transmit_count(); ++i) {
          const auto ip = Ipv4View::parse(b.iface->transmit_packet(i));
          TUNKIT_FUZZ_CHECK(ip.has_value());
          if (ip->protocol() != IpProtocol::tcp) continue;
          const auto t = TcpView::parse(ip->payload());
          TUNKIT_FUZZ_CHECK(t.has_value() && !(t->flags() & tcp_flags::rst));
        }
      }
    }
    b.check_counters();
    exchange();
    const Duration d = advance_code < 128 ? Duration(std::chrono::milliseconds(4 * advance_code))
                                          : Duration(std::chrono::milliseconds(100 * (advance_code - 127) * (advance_code - 127)));
    advance(d);
  }

  // --- after the input ---------------------------------------------------------------------

  void close_everything() {
    lose_to_a = false;
    applications();
    if (a_sock) a.tcp->close(*a_sock, now);
    if (b_sock) b.tcp->close(*b_sock, now);
    a_sock.reset();
    b_sock.reset();
    for (const tcp::Socket s : accepted) b.tcp->close(s, now);
    accepted.clear();
    reject_pending();
    exchange();
  }

  // Closes whatever completed a handshake since (the server is done with the input).
  void reject_pending() {
    while (const auto s = b.tcp->accept(listener)) b.tcp->close(*s, now);
  }

  // A new connection A -> B carries `up` bytes to B and `down` bytes back, intact, both
  // ways to EOF, within two virtual minutes; both ends are then closed.
  void new_connection() {
    close_everything();
    const std::size_t up = 3000, down = 1000;
    Bytes data_up(up), data_down(down);
    for (std::size_t i = 0; i < up; ++i) data_up[i] = static_cast<std::uint8_t>(i * 7 + i / 251);
    for (std::size_t i = 0; i < down; ++i) data_down[i] = static_cast<std::uint8_t>(i * 13 + 5);
    auto c = a.tcp->connect({kB, kPort}, now);
    TUNKIT_FUZZ_CHECK(c.has_value());
    const tcp::Socket ca = *c;
    const std::uint16_t a_port = a.tcp->info(ca)->local.port;
    std::optional<tcp::Socket> cb;
    Bytes got_up, got_down;
    std::size_t sent_up = 0, sent_down = 0;
    bool shut_a = false, shut_b = false, eof_a = false, eof_b = false;
    std::array<std::uint8_t, 4096> buf;
    auto pump = [&](Host& h, tcp::Socket s, const Bytes& out, std::size_t& sent, bool& shut, Bytes& in,
                    bool& eof) {
      while (sent < out.size()) {
        const auto n = h.tcp->send(s, ByteSpan(out).subspan(sent), now);
        if (!n || *n == 0) break;
        sent += *n;
      }
      if (sent == out.size() && !shut) shut = h.tcp->shutdown(s, now).has_value();
      while (!eof) {
        const auto n = h.tcp->receive(s, buf, now);
        TUNKIT_FUZZ_CHECK(n.has_value());  // no reset, refusal or timeout
        if (*n == 0) {
          eof = h.tcp->status(s).eof;
          break;
        }
        in.insert(in.end(), buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(*n));
      }
    };
    const Instant deadline = now + 120s;
    for (int step = 0; step < 100'000; ++step) {
      while (!cb) {
        const auto s = b.tcp->accept(listener);
        if (!s) break;
        if (b.tcp->info(*s)->remote.port == a_port) cb = *s;
        else b.tcp->close(*s, now);  // late completions of the input's handshakes
      }
      if (a.tcp->status(ca).state != tcp::State::syn_sent) pump(a, ca, data_up, sent_up, shut_a, got_down, eof_a);
      if (cb) pump(b, *cb, data_down, sent_down, shut_b, got_up, eof_b);
      if (eof_a && eof_b && shut_a && shut_b) break;
      // Deliver; if nothing moved, run the next timer. Stuck with none pending: a bug.
      bool moved = drain(a);
      moved = drain(b) || moved;
      (void)a.tcp->take_events();
      (void)b.tcp->take_events();
      a.check_counters();
      b.check_counters();
      if (moved) continue;
      const auto at = next_timer();
      TUNKIT_FUZZ_CHECK(at.has_value() && *at <= deadline);
      now = std::max(now, *at);
      a.iface->poll(now);
      b.iface->poll(now);
      a.tcp->poll(now);
      b.tcp->poll(now);
    }
    TUNKIT_FUZZ_CHECK(eof_a && eof_b && shut_a && shut_b);
    TUNKIT_FUZZ_CHECK(got_up == data_up && got_down == data_down);
    a.tcp->close(ca, now);
    b.tcp->close(*cb, now);
    exchange();
  }

  // Every connection ends once its timers have run out: retransmissions give up (R2),
  // FIN-WAIT-2 orphans and TIME-WAIT expire. Skipped if it takes too many timer steps.
  void everything_ends() {
    const Instant until = now + std::chrono::hours(4);
    running = false;
    for (int step = 0; step < 20'000; ++step) {
      reject_pending();
      if (a.tcp->connection_count() == 0 && b.tcp->connection_count() == 0) return;
      auto at = a.tcp->poll_at();
      if (const auto u = b.tcp->poll_at(); u && (!at || *u < *at)) at = u;
      TUNKIT_FUZZ_CHECK(at.has_value() && *at <= until);  // a connection with no timer left, or one that never ends
      now = std::max(now, *at);
      poll();
    }
  }
};

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  require(randombytes_set_implementation(&fixed_implementation) == 0 && sodium_init() >= 0, "libsodium");
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  World w;
  ByteSpan in(data, size);
  while (in.size() >= 4) {
    const std::uint8_t flags = in[0], advance = in[1];
    const std::size_t len = std::min<std::size_t>({load_be16(in, 2), in.size() - 4, 65535 - 20});
    w.segment(flags, advance, in.subspan(4, len));
    in = in.subspan(4 + len);
  }
  w.new_connection();
  w.everything_ends();
  return 0;
}
