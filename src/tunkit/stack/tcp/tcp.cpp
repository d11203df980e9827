// The TCP layer of a host: demultiplexing by four-tuple, listeners with a SYN queue, an
// accept queue and SYN cookies, RST for segments to no connection (RFC 9293 §3.10.7.1),
// handle tables with generations, readiness events and one timer heap over every
// connection's deadline.
//
// Ownership: every connection lives in a slot. A slot is owned by a listener's SYN queue,
// its accept queue, the application (through a Socket handle) or nobody (an orphan that
// finishes its FIN handshake or TIME-WAIT on its own); it is freed when its connection
// reaches CLOSED and nobody holds a handle to it.
#include "tunkit/stack/tcp/tcp.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <deque>
#include <functional>
#include <unordered_map>

#include "tunkit/stack/rate_limiter.hpp"
#include "tunkit/stack/route_table.hpp"
#include "tunkit/stack/tcp/connection.hpp"
#include "tunkit/stack/tcp/isn.hpp"
#include "tunkit/stack/tcp/syn_cookie.hpp"
#include "tunkit/wire/tcp.hpp"

namespace tunkit::stack::tcp {

namespace {

using std::chrono::duration_cast;
using std::chrono::milliseconds;

constexpr std::uint32_t kTsOffsetSalt = 0x7473'6f66;  // "tsof": the hash input for TSval offsets
constexpr std::uint32_t kPortSalt = 0x706f'7274;      // "port": RFC 6056 algorithm 3's F
constexpr std::uint16_t kEphemeralFirst = 49152;      // RFC 6335 §6
constexpr std::uint32_t kEphemeralCount = 65536 - kEphemeralFirst;
constexpr std::uint16_t kChecksumOffset = 16;  // of the TCP checksum field (RFC 9293 §3.1)

bool has(const TcpRepr& seg, std::uint8_t flag) noexcept { return (seg.flags & flag) != 0; }

// The hash for the demultiplexing table: keyed (SipHash through IsnGenerator::hash), so
// a peer cannot aim many tuples at one bucket.
struct TupleHash {
  const IsnGenerator* isn = nullptr;
  std::size_t operator()(const FourTuple& t) const noexcept { return static_cast<std::size_t>(isn->hash(t)); }
};

}  // namespace

struct Tcp::Impl final : ConnectionHost {
  Impl(Interface& iface, TcpConfig config)
      : iface_(iface),
        config_(std::move(config)),
        challenge_acks_(config_.challenge_acks_per_second, std::max<std::uint32_t>(1, config_.challenge_acks_per_second)),
        demux_(64, TupleHash{&isn_}) {}

  // --- ConnectionHost --------------------------------------------------------------------
  // Every segment leaves with DF (RFC 1191 §3: TCP discovers the path MTU). With checksum
  // offload the device sums the segment; with TSO a super-segment carries segment_size.
  void transmit(const FourTuple& tuple, const TcpRepr& header, const SendBuffer* data, std::size_t offset,
                std::uint32_t segment_size = 0) override {
    struct Fill {
      const FourTuple* tuple;
      const TcpRepr* header;
      const SendBuffer* data;
      std::size_t offset;
      std::size_t header_size;
      bool partial;
    };
    const InterfaceConfig& ic = iface_.config();
    const Fill fill{&tuple, &header, data, offset, header.size(), ic.tx_checksum_offload};
    TxOptions options;
    options.dont_fragment = true;
    if (fill.partial) {
      options.partial_checksum_at = kChecksumOffset;
      options.transport_header = static_cast<std::uint16_t>(fill.header_size);
      if (segment_size != 0 && segment_size < header.payload_length)
        options.gso_size = static_cast<std::uint16_t>(segment_size);
    }
    // One pointer captured: std::function keeps it inline, no allocation per segment.
    iface_.send_ip(
        tuple.local, tuple.remote, IpProtocol::tcp, fill.header_size + header.payload_length,
        [&fill](MutableByteSpan out) {
          if (fill.header->payload_length > 0)
            fill.data->copy_out(fill.offset, out.subspan(fill.header_size, fill.header->payload_length));
          if (fill.partial) fill.header->emit_partial_checksum(out, fill.tuple->local, fill.tuple->remote);
          else fill.header->emit(out, fill.tuple->local, fill.tuple->remote);
        },
        options);
    counters_.segments_sent++;
  }
  bool can_transmit() const noexcept override { return iface_.tx_space() > 0; }
  std::uint32_t tso_limit(IpFamily family) const noexcept override {
    const InterfaceConfig& ic = iface_.config();
    if (!ic.tso) return 0;
    return static_cast<std::uint32_t>(std::min<std::size_t>(ic.max_tso_size, 65535) - (family == IpFamily::v4 ? 20 : 40));
  }
  bool allow_challenge_ack(Instant now) override { return challenge_acks_.allow(now); }
  TcpCounters& counters() noexcept override { return counters_; }
  const TcpConfig& config() const noexcept override { return config_; }

  // --- slots -----------------------------------------------------------------------------
  enum class Owner : std::uint8_t { free, syn_queue, accept_queue, app, orphan };

  struct Slot {
    std::unique_ptr<Connection> conn;
    std::uint32_t generation = 1;
    std::uint32_t listener = 0;  // when owner is syn_queue or accept_queue
    Owner owner = Owner::free;
    bool in_demux = false;
    bool event_pending = false;
    bool tx_waiting = false;  // in blocked_: waits for room in the output queue
    Instant heap_time = kNever;  // earliest live timer-heap entry for this slot
  };

  struct ListenerSlot {
    std::uint32_t generation = 1;
    bool open = false;
    bool event_pending = false;
    std::uint16_t port = 0;
    std::size_t backlog = 0;
    std::size_t syn_queue = 0;
    std::deque<std::uint32_t> accept_queue;
  };

  struct SlotRef {
    std::uint32_t index;
    std::uint32_t generation;
  };

  struct TimerEntry {
    Instant at;
    std::uint32_t index;
    std::uint32_t generation;
    bool operator>(const TimerEntry& o) const noexcept { return at > o.at; }
  };

  std::uint16_t our_mss(IpFamily family) const noexcept {
    const std::size_t ip = family == IpFamily::v4 ? 40 : 60;
    return static_cast<std::uint16_t>(std::max<std::size_t>(iface_.config().mtu, ip + 64) - ip);
  }

  std::uint32_t ts_offset(const FourTuple& tuple) const noexcept {
    return static_cast<std::uint32_t>(isn_.hash(tuple, kTsOffsetSalt));
  }

  Seq make_iss(const FourTuple& tuple, Instant now) const noexcept {
    if (config_.fixed_isn_for_tests) return Seq(*config_.fixed_isn_for_tests);
    return isn_.generate(tuple, now);
  }

  std::uint32_t new_slot() {
    if (!free_slots_.empty()) {
      const std::uint32_t i = free_slots_.back();
      free_slots_.pop_back();
      return i;
    }
    slots_.emplace_back();
    return static_cast<std::uint32_t>(slots_.size() - 1);
  }

  // Creates a connection in a fresh slot, registered in the demultiplexing table.
  std::uint32_t add_connection(const FourTuple& tuple, Seq iss, Owner owner, std::uint32_t listener) {
    const std::uint32_t i = new_slot();
    Slot& s = slots_[i];
    s.conn = std::make_unique<Connection>(*this, ConnectionParams{tuple, iss, ts_offset(tuple), our_mss(tuple.remote.family)});
    s.owner = owner;
    s.listener = listener;
    s.in_demux = true;
    s.event_pending = false;
    s.tx_waiting = false;
    s.heap_time = kNever;
    demux_.emplace(tuple, i);
    counters_.connections_opened++;
    return i;
  }

  void free_slot(std::uint32_t i) {
    Slot& s = slots_[i];
    if (s.in_demux) demux_.erase(s.conn->tuple());
    s.conn.reset();
    s.generation++;
    s.owner = Owner::free;
    s.in_demux = false;
    s.event_pending = false;
    s.tx_waiting = false;
    s.heap_time = kNever;
    free_slots_.push_back(i);
  }

  void push_event(std::uint32_t i) {
    Slot& s = slots_[i];
    if (s.event_pending) return;
    s.event_pending = true;
    events_.push_back(TcpEvent{TcpEvent::Kind::socket, Socket{i, s.generation}, {}});
  }

  void push_listener_event(std::uint32_t l) {
    ListenerSlot& ls = listeners_[l];
    if (ls.event_pending) return;
    ls.event_pending = true;
    events_.push_back(TcpEvent{TcpEvent::Kind::listener, {}, Listener{l, ls.generation}});
  }

  // After every call into a connection: move it between queues, raise events, free it
  // once closed and unowned, and keep the timer heap in step with its deadline.
  void settle(std::uint32_t i) {
    Slot& s = slots_[i];
    Connection& c = *s.conn;
    const State state = c.state();
    const bool changed = c.take_readiness_changed();
    if (state == State::closed && s.in_demux) {
      demux_.erase(c.tuple());
      s.in_demux = false;
    }
    switch (s.owner) {
      case Owner::free:
        return;
      case Owner::syn_queue: {
        ListenerSlot& l = listeners_[s.listener];
        if (state == State::closed) {
          l.syn_queue--;
          return free_slot(i);
        }
        if (state != State::syn_received) {
          // The handshake completed: to the accept queue (§3.10.7.4 fifth, SYN-RECEIVED).
          l.syn_queue--;
          s.owner = Owner::accept_queue;
          l.accept_queue.push_back(i);
          push_listener_event(s.listener);
        }
        break;
      }
      case Owner::accept_queue:
        if (state == State::closed) {
          auto& q = listeners_[s.listener].accept_queue;
          q.erase(std::remove(q.begin(), q.end(), i), q.end());
          return free_slot(i);
        }
        break;
      case Owner::app:
        if (changed) push_event(i);
        break;
      case Owner::orphan:
        if (state == State::closed) return free_slot(i);
        break;
    }
    schedule(i);
    if (c.tx_blocked() && !s.tx_waiting) {
      s.tx_waiting = true;
      blocked_.push_back(SlotRef{i, s.generation});
    }
  }

  // Connections that stopped on a full output queue send again, oldest first, while the
  // queue has room; one pass over those waiting now (a connection that blocks again goes
  // to the back for the next call).
  void resume_blocked(Instant now) {
    for (std::size_t n = blocked_.size(); n > 0 && !blocked_.empty() && iface_.tx_space() > 0; --n) {
      const SlotRef ref = blocked_.front();
      blocked_.pop_front();
      Slot& s = slots_[ref.index];
      if (s.generation != ref.generation || s.owner == Owner::free || !s.tx_waiting) continue;
      s.tx_waiting = false;
      s.conn->on_transmit_space(now);
      settle(ref.index);
    }
  }

  void schedule(std::uint32_t i) {
    Slot& s = slots_[i];
    const Instant d = s.conn->deadline();
    if (d == kNever || d >= s.heap_time) return;
    s.heap_time = d;
    heap_.push_back(TimerEntry{d, i, s.generation});
    std::push_heap(heap_.begin(), heap_.end(), std::greater<>{});
  }

  Slot* find(Socket socket) noexcept {
    if (socket.index >= slots_.size()) return nullptr;
    Slot& s = slots_[socket.index];
    if (s.generation != socket.generation || s.owner != Owner::app) return nullptr;
    return &s;
  }
  const Slot* find(Socket socket) const noexcept { return const_cast<Impl*>(this)->find(socket); }

  ListenerSlot* find(Listener listener) noexcept {
    if (listener.index >= listeners_.size()) return nullptr;
    ListenerSlot& l = listeners_[listener.index];
    if (l.generation != listener.generation || !l.open) return nullptr;
    return &l;
  }

  static std::unexpected<Error> no_socket() {
    return fail(std::make_error_code(std::errc::bad_file_descriptor), "no such TCP socket");
  }

  // --- input -----------------------------------------------------------------------------
  void input(const IpInfo& ip, ByteSpan segment, Instant now) {
    now_ = now;
    counters_.segments_received++;
    const auto view = TcpView::parse(segment);
    if (!view) {
      counters_.malformed++;
      return;
    }
    // RxOffload: the local kernel left the checksum partial or vouched for it.
    if (!ip.checksum_trusted && !view->verify_checksum(ip.source, ip.destination)) {
      counters_.bad_checksum++;
      return;
    }
    const TcpRepr seg = TcpRepr::parse(*view);
    const ByteSpan payload = view->payload();
    // Port 0 is reserved (RFC 6335 §6); SYN with RST is nonsense no stack sends.
    if (seg.source_port == 0 || seg.destination_port == 0 ||
        (has(seg, tcp_flags::syn) && has(seg, tcp_flags::rst))) {
      counters_.malformed++;
      return;
    }
    const FourTuple tuple{ip.destination, seg.destination_port, ip.source, seg.source_port};
    const auto listener = listen_ports_.find(seg.destination_port);
    if (const auto it = demux_.find(tuple); it != demux_.end()) {
      const std::uint32_t i = it->second;
      Connection& c = *slots_[i].conn;
      // RFC 9293 §3.10.7.4 fourth / RFC 1122 §4.2.2.13: a new SYN above RCV.NXT may reopen
      // a tuple in TIME-WAIT whose socket is released.
      const bool reopen = c.state() == State::time_wait && slots_[i].owner == Owner::orphan &&
                          has(seg, tcp_flags::syn) && !has(seg, tcp_flags::ack) &&
                          Seq(seg.seq_number) > c.rcv_nxt() && listener != listen_ports_.end();
      if (!reopen) {
        c.segment_arrives(seg, payload, now, ip.gso_size);
        settle(i);
        return;
      }
      free_slot(i);
    }
    if (listener != listen_ports_.end()) return listen_input(listener->second, tuple, seg, payload, now);
    counters_.no_socket++;
    reply_reset(tuple, seg, payload.size());
  }

  // §3.10.7.1 "If the state is CLOSED": no RST for a RST; an ACK gets <SEQ=SEG.ACK><CTL=RST>;
  // anything else <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK>.
  void reply_reset(const FourTuple& tuple, const TcpRepr& seg, std::size_t payload_size) {
    if (has(seg, tcp_flags::rst)) return;
    TcpRepr r;
    r.source_port = tuple.local_port;
    r.destination_port = tuple.remote_port;
    if (has(seg, tcp_flags::ack)) {
      r.seq_number = seg.ack_number;
      r.flags = tcp_flags::rst;
    } else {
      const auto seg_len = static_cast<std::uint32_t>(payload_size + (has(seg, tcp_flags::syn) ? 1 : 0) +
                                                      (has(seg, tcp_flags::fin) ? 1 : 0));
      r.seq_number = 0;
      r.ack_number = seg.seq_number + seg_len;
      r.flags = tcp_flags::rst | tcp_flags::ack;
    }
    transmit(tuple, r, nullptr, 0);
  }

  // §3.10.7.2 "If the state is LISTEN".
  void listen_input(std::uint32_t l, const FourTuple& tuple, const TcpRepr& seg, ByteSpan payload, Instant now) {
    ListenerSlot& ls = listeners_[l];
    // first, check for a RST: "An incoming RST should be ignored".
    if (has(seg, tcp_flags::rst)) return;
    // second, check for an ACK: "Any acknowledgment is bad if it arrives on a connection
    // still in the LISTEN state" -- unless it completes a SYN-cookie handshake.
    if (has(seg, tcp_flags::ack)) {
      if (!has(seg, tcp_flags::syn) && config_.syn_cookies && accept_cookie(l, tuple, seg, payload, now)) return;
      counters_.no_socket++;
      return reply_reset(tuple, seg, payload.size());
    }
    // third, check for a SYN.
    if (!has(seg, tcp_flags::syn)) return;  // fourth: "drop the segment and return"
    if (ls.accept_queue.size() >= ls.backlog) {
      counters_.syn_backlog_full++;  // the application is not accepting: drop, the peer retries
      return;
    }
    if (ls.syn_queue >= ls.backlog) {
      if (!config_.syn_cookies) {
        counters_.syn_backlog_full++;
        return;
      }
      return send_cookie(tuple, seg, now);
    }
    if (demux_.size() >= config_.max_connections) {
      counters_.connections_refused_limit++;
      return;
    }
    const std::uint32_t i = add_connection(tuple, make_iss(tuple, now), Owner::syn_queue, l);
    ls.syn_queue++;
    slots_[i].conn->open_passive(seg, now);
    settle(i);
  }

  // RFC 4987 §3.6: the SYN-ACK carries the state in its ISN (and timestamp).
  void send_cookie(const FourTuple& tuple, const TcpRepr& seg, Instant now) {
    const std::uint16_t mss = std::min(seg.mss.value_or(tuple.remote.family == IpFamily::v4 ? 536 : 1220),
                                       our_mss(tuple.remote.family));
    TcpRepr r;
    r.source_port = tuple.local_port;
    r.destination_port = tuple.remote_port;
    r.seq_number = cookies_.encode(tuple, Seq(seg.seq_number), mss, now).value();
    r.ack_number = seg.seq_number + 1;
    r.flags = tcp_flags::syn | tcp_flags::ack;
    r.window = static_cast<std::uint16_t>(std::min<std::size_t>(65535, config_.receive_buffer));
    r.mss = our_mss(tuple.remote.family);
    if (config_.timestamps && seg.timestamps) {
      SynCookieOptions options;
      options.mss = mss;
      if (config_.window_scaling && seg.window_scale) options.window_scale = std::min<std::uint8_t>(*seg.window_scale, 14);
      options.sack_permitted = config_.sack && seg.sack_permitted;
      const auto now_tsval =
          static_cast<std::uint32_t>(duration_cast<milliseconds>(now.time_since_epoch()).count()) + ts_offset(tuple);
      r.timestamps = TcpTimestamps{cookies_.encode_timestamp(now_tsval, options), seg.timestamps->value};
      if (options.window_scale) r.window_scale = window_scale_for(config_.max_receive_buffer);
      r.sack_permitted = options.sack_permitted;
    }
    counters_.syn_cookies_sent++;
    transmit(tuple, r, nullptr, 0);
  }

  bool accept_cookie(std::uint32_t l, const FourTuple& tuple, const TcpRepr& seg, ByteSpan payload, Instant now) {
    const std::optional<std::uint32_t> tsecr =
        seg.timestamps ? std::optional<std::uint32_t>(seg.timestamps->echo_reply) : std::nullopt;
    const auto options = cookies_.decode(tuple, Seq(seg.ack_number), Seq(seg.seq_number), tsecr, now);
    if (!options) {
      counters_.syn_cookies_rejected++;
      return false;
    }
    ListenerSlot& ls = listeners_[l];
    if (ls.accept_queue.size() >= ls.backlog || demux_.size() >= config_.max_connections) {
      counters_.syn_backlog_full++;
      return true;  // valid, but no room: drop silently, the peer's data retransmits
    }
    counters_.syn_cookies_accepted++;
    const std::uint32_t i = add_connection(tuple, Seq(seg.ack_number) - 1, Owner::syn_queue, l);
    ls.syn_queue++;
    slots_[i].conn->open_from_cookie(Seq(seg.seq_number) - 1, *options, seg, payload, now);
    settle(i);
    return true;
  }

  // --- application calls -------------------------------------------------------------------
  Result<Listener> listen(std::uint16_t port, std::size_t backlog) {
    if (port == 0) return fail(std::make_error_code(std::errc::invalid_argument), "cannot listen on port 0");
    if (listen_ports_.contains(port))
      return fail(std::make_error_code(std::errc::address_in_use), fmt::format("TCP port {} is already listening", port));
    std::uint32_t l = 0;
    while (l < listeners_.size() && listeners_[l].open) ++l;
    if (l == listeners_.size()) listeners_.emplace_back();
    ListenerSlot& ls = listeners_[l];
    ls.open = true;
    ls.port = port;
    ls.backlog = std::max<std::size_t>(backlog, 1);
    ls.syn_queue = 0;
    ls.accept_queue.clear();
    ls.event_pending = false;
    listen_ports_.emplace(port, l);
    return Listener{l, ls.generation};
  }

  void close(Listener listener) {
    ListenerSlot* ls = find(listener);
    if (!ls) return;
    // Connections not yet accepted die with the listener (RST), as in Linux.
    for (std::uint32_t i = 0; i < slots_.size(); ++i) {
      Slot& s = slots_[i];
      if ((s.owner == Owner::syn_queue || s.owner == Owner::accept_queue) && s.listener == listener.index) {
        s.conn->abort(now_);
        free_slot(i);
      }
    }
    listen_ports_.erase(ls->port);
    ls->open = false;
    ls->accept_queue.clear();
    ls->syn_queue = 0;
    ls->generation++;
  }

  std::optional<Socket> accept(Listener listener) {
    ListenerSlot* ls = find(listener);
    if (!ls || ls->accept_queue.empty()) return std::nullopt;
    const std::uint32_t i = ls->accept_queue.front();
    ls->accept_queue.pop_front();
    Slot& s = slots_[i];
    s.owner = Owner::app;
    return Socket{i, s.generation};
  }

  // The source address for `remote`: an address on its prefix, else the first of its family.
  std::optional<IpAddress> source_for(const IpAddress& remote) const {
    std::optional<IpAddress> first;
    for (const auto& a : iface_.config().addresses) {
      if (a.address.family != remote.family) continue;
      if (prefix_contains(a, remote)) return a.address;
      if (!first) first = a.address;
    }
    return first;
  }

  // RFC 6056 §3.3.3 (algorithm 3): start at a keyed hash of the endpoints plus a counter.
  std::optional<std::uint16_t> ephemeral_port(const IpAddress& local, const Endpoint& remote) {
    const auto offset = static_cast<std::uint32_t>(isn_.hash(FourTuple{local, 0, remote.address, remote.port}, kPortSalt));
    for (std::uint32_t n = 0; n < kEphemeralCount; ++n) {
      const auto port = static_cast<std::uint16_t>(kEphemeralFirst + (offset + next_ephemeral_ + n) % kEphemeralCount);
      if (listen_ports_.contains(port) || demux_.contains(FourTuple{local, port, remote.address, remote.port})) continue;
      next_ephemeral_ += n + 1;
      return port;
    }
    return std::nullopt;
  }

  Result<Socket> connect(const Endpoint& remote, Instant now, const ConnectOptions& options) {
    now_ = now;
    if (remote.port == 0) return fail(std::make_error_code(std::errc::invalid_argument), "cannot connect to port 0");
    if (demux_.size() >= config_.max_connections) {
      counters_.connections_refused_limit++;
      return fail(std::make_error_code(std::errc::too_many_files_open), "TCP connection limit reached");
    }
    const std::optional<IpAddress> local = options.local_address ? options.local_address : source_for(remote.address);
    const auto ours = [&](const IpAddress& a) {
      for (const auto& p : iface_.config().addresses)
        if (p.address == a) return true;
      return false;
    };
    if (!local || local->family != remote.address.family || !ours(*local))
      return fail(std::make_error_code(std::errc::address_not_available),
                  fmt::format("no address of ours can reach {}", remote.address.to_string()));
    std::uint16_t port = options.local_port;
    if (port == 0) {
      const auto p = ephemeral_port(*local, remote);
      if (!p) return fail(std::make_error_code(std::errc::address_in_use), "no free ephemeral TCP port");
      port = *p;
    }
    const FourTuple tuple{*local, port, remote.address, remote.port};
    if (demux_.contains(tuple))
      return fail(std::make_error_code(std::errc::address_in_use), "that four-tuple is in use");
    const std::uint32_t i = add_connection(tuple, make_iss(tuple, now), Owner::app, 0);
    slots_[i].conn->open_active(now);
    settle(i);
    return Socket{i, slots_[i].generation};
  }

  template <class F>
  auto with(Socket socket, Instant now, F&& f) -> decltype(f(std::declval<Connection&>())) {
    now_ = now;
    Slot* s = find(socket);
    if (!s) return no_socket();
    auto result = f(*s->conn);
    settle(socket.index);
    return result;
  }

  void release(Socket socket, Instant now, bool abort) {
    now_ = now;
    Slot* s = find(socket);
    if (!s) return;
    if (abort) s->conn->abort(now);
    else s->conn->orphan(now);
    s->owner = Owner::orphan;
    s->event_pending = false;
    settle(socket.index);
  }

  // An ICMP error quoting one of our segments (Interface::set_tcp_error_hook): the quoted
  // header's ports and sequence number name the connection and the data (RFC 5927 §4.1).
  void icmp_error(const IcmpError& error, Instant now) {
    now_ = now;
    counters_.icmp_errors++;
    if (error.transport.size() < 8) return;
    const FourTuple tuple{error.source, load_be16(error.transport, 0), error.destination,
                          load_be16(error.transport, 2)};
    const auto it = demux_.find(tuple);
    if (it == demux_.end()) {
      counters_.icmp_no_connection++;
      return;
    }
    slots_[it->second].conn->icmp_error(error, Seq(load_be32(error.transport, 4)), now);
    settle(it->second);
  }

  void poll(Instant now) {
    now_ = now;
    // Pop everything due first, then run it: entries pushed while running wait for the
    // next poll, so a deadline that does not move cannot loop here.
    expired_.clear();
    while (!heap_.empty() && heap_.front().at <= now) {
      std::pop_heap(heap_.begin(), heap_.end(), std::greater<>{});
      expired_.push_back(heap_.back());
      heap_.pop_back();
    }
    for (const TimerEntry& e : expired_) {
      Slot& s = slots_[e.index];
      if (s.generation != e.generation || s.owner == Owner::free || s.heap_time != e.at) continue;
      s.heap_time = kNever;
      if (s.conn->deadline() <= now) s.conn->on_timer(now);
      settle(e.index);
    }
    resume_blocked(now);
  }

  std::vector<TcpEvent> take_events() {
    std::vector<TcpEvent> out;
    out.swap(events_);
    for (const TcpEvent& e : out) {
      if (e.kind == TcpEvent::Kind::socket) {
        if (e.socket.index < slots_.size() && slots_[e.socket.index].generation == e.socket.generation)
          slots_[e.socket.index].event_pending = false;
      } else if (e.listener.index < listeners_.size()) {
        listeners_[e.listener.index].event_pending = false;
      }
    }
    return out;
  }

  std::size_t memory() const noexcept {
    std::size_t total = slots_.capacity() * sizeof(Slot) + heap_.capacity() * sizeof(TimerEntry) +
                        demux_.bucket_count() * sizeof(void*) +
                        demux_.size() * (sizeof(FourTuple) + sizeof(std::uint32_t) + 2 * sizeof(void*));
    for (const Slot& s : slots_)
      if (s.conn) total += s.conn->memory();
    return total;
  }

  Interface& iface_;
  TcpConfig config_;
  IsnGenerator isn_;
  SynCookies cookies_;
  RateLimiter challenge_acks_;
  TcpCounters counters_;
  Instant now_{};
  std::vector<Slot> slots_;
  std::vector<std::uint32_t> free_slots_;
  std::unordered_map<FourTuple, std::uint32_t, TupleHash> demux_;
  std::vector<ListenerSlot> listeners_;
  std::unordered_map<std::uint16_t, std::uint32_t> listen_ports_;
  std::vector<TimerEntry> heap_;
  std::vector<TimerEntry> expired_;
  std::vector<TcpEvent> events_;
  std::deque<SlotRef> blocked_;  // connections waiting for room in the output queue
  std::uint32_t next_ephemeral_ = 0;
};

// --- Tcp -------------------------------------------------------------------------------------

Tcp::Tcp(Interface& iface, TcpConfig config) : impl_(std::make_unique<Impl>(iface, std::move(config))) {}

Tcp::~Tcp() {
  impl_->iface_.set_tcp_hook(nullptr);
  impl_->iface_.set_tcp_error_hook(nullptr);
}

Result<std::unique_ptr<Tcp>> Tcp::create(Interface& iface, TcpConfig config) {
  if (config.send_buffer == 0 || config.receive_buffer == 0)
    return fail(std::make_error_code(std::errc::invalid_argument), "TCP buffers must not be empty");
  if (config.max_send_buffer < config.send_buffer || config.max_receive_buffer < config.receive_buffer)
    return fail(std::make_error_code(std::errc::invalid_argument), "a TCP buffer's maximum is below its initial size");
  // RFC 7323 §2.3: the window is at most 2^30 bytes.
  if (config.max_receive_buffer > (std::size_t{1} << 30))
    return fail(std::make_error_code(std::errc::invalid_argument), "max_receive_buffer exceeds 1 GiB (RFC 7323 §2.3)");
  std::unique_ptr<Tcp> tcp(new Tcp(iface, std::move(config)));
  Impl* impl = tcp->impl_.get();
  iface.set_tcp_hook([impl](const IpInfo& ip, ByteSpan segment, Instant now) { impl->input(ip, segment, now); });
  iface.set_tcp_error_hook([impl](const IcmpError& error, Instant now) { impl->icmp_error(error, now); });
  return tcp;
}

Result<Listener> Tcp::listen(std::uint16_t port, std::size_t backlog) { return impl_->listen(port, backlog); }
void Tcp::close(Listener listener) { impl_->close(listener); }
std::optional<Socket> Tcp::accept(Listener listener) { return impl_->accept(listener); }

Result<Socket> Tcp::connect(const Endpoint& remote, Instant now, ConnectOptions options) {
  return impl_->connect(remote, now, options);
}

Result<std::size_t> Tcp::send(Socket socket, ByteSpan data, Instant now) {
  return impl_->with(socket, now, [&](Connection& c) { return c.send(data, now); });
}

Result<std::size_t> Tcp::receive(Socket socket, MutableByteSpan out, Instant now) {
  return impl_->with(socket, now, [&](Connection& c) { return c.receive(out, now); });
}

Result<void> Tcp::shutdown(Socket socket, Instant now) {
  return impl_->with(socket, now, [&](Connection& c) { return c.shutdown(now); });
}

void Tcp::close(Socket socket, Instant now) { impl_->release(socket, now, false); }
void Tcp::abort(Socket socket, Instant now) { impl_->release(socket, now, true); }

SocketStatus Tcp::status(Socket socket) const {
  const Impl::Slot* s = impl_->find(socket);
  if (!s) {
    SocketStatus st;
    st.error = std::make_error_code(std::errc::bad_file_descriptor);
    return st;
  }
  return s->conn->status();
}

std::optional<ConnectionInfo> Tcp::info(Socket socket) const {
  const Impl::Slot* s = impl_->find(socket);
  if (!s) return std::nullopt;
  return s->conn->info();
}

void Tcp::set_nodelay(Socket socket, bool nodelay) {
  if (Impl::Slot* s = impl_->find(socket)) s->conn->set_nodelay(nodelay);
}

void Tcp::set_keepalive(Socket socket, const KeepaliveOptions& options) {
  if (Impl::Slot* s = impl_->find(socket)) {
    s->conn->set_keepalive(options, impl_->now_);
    impl_->settle(socket.index);
  }
}

std::vector<TcpEvent> Tcp::take_events() { return impl_->take_events(); }
void Tcp::poll(Instant now) { impl_->poll(now); }
void Tcp::on_transmit_space(Instant now) {
  impl_->now_ = now;
  impl_->resume_blocked(now);
}

std::optional<Instant> Tcp::poll_at() const {
  // Connections waiting while the queue has room: poll() at once.
  if (!impl_->blocked_.empty() && impl_->iface_.tx_space() > 0) return impl_->now_;
  if (impl_->heap_.empty()) return std::nullopt;
  return impl_->heap_.front().at;
}

const TcpCounters& Tcp::counters() const noexcept { return impl_->counters_; }
std::size_t Tcp::connection_count() const noexcept { return impl_->demux_.size(); }
std::size_t Tcp::memory() const noexcept { return impl_->memory(); }

}  // namespace tunkit::stack::tcp
