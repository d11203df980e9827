// The user calls (RFC 9293 §3.10.1-3.10.6), the send path and the timers (§3.10.8) of a
// connection. SEGMENT ARRIVES is in connection_input.cpp.
#include "tunkit/stack/tcp/connection.hpp"

#include <algorithm>
#include <array>

namespace tunkit::stack::tcp {

namespace {

using std::chrono::duration_cast;
using std::chrono::milliseconds;

constexpr std::uint32_t kMinMss = 88;  // Linux's floor: a hostile MSS of 1 must not cost a segment per byte

std::unexpected<Error> closing_error(std::error_code error) {
  if (error) return fail(error, "the connection failed: " + error.message());
  return fail(std::make_error_code(std::errc::broken_pipe), "the connection is closing");
}

}  // namespace

std::uint8_t window_scale_for(std::size_t buffer) noexcept {
  std::uint8_t shift = 0;
  while (shift < 14 && (std::size_t{65535} << shift) < buffer) ++shift;
  return shift;
}

std::string_view to_string(State s) noexcept {
  switch (s) {
    case State::closed: return "CLOSED";
    case State::listen: return "LISTEN";
    case State::syn_sent: return "SYN-SENT";
    case State::syn_received: return "SYN-RECEIVED";
    case State::established: return "ESTABLISHED";
    case State::fin_wait_1: return "FIN-WAIT-1";
    case State::fin_wait_2: return "FIN-WAIT-2";
    case State::close_wait: return "CLOSE-WAIT";
    case State::closing: return "CLOSING";
    case State::last_ack: return "LAST-ACK";
    case State::time_wait: return "TIME-WAIT";
  }
  return "?";
}

Connection::Connection(ConnectionHost& host, const ConnectionParams& params)
    : host_(&host),
      config_(&host.config()),
      tuple_(params.tuple),
      nodelay_(!host.config().nagle),
      rcv_wscale_(host.config().window_scaling ? window_scale_for(host.config().max_receive_buffer) : 0),
      our_mss_(params.our_mss),
      ts_offset_(params.ts_offset),
      iss_(params.iss),
      snd_una_(params.iss),
      snd_nxt_(params.iss),
      snd_max_(params.iss),
      buf_seq_(params.iss + 1),
      recovery_point_(params.iss),
      high_rxt_(params.iss),
      keepalive_(host.config().keepalive),
      send_buffer_(host.config().send_buffer),
      receive_buffer_(host.config().receive_buffer, host.config().max_out_of_order_ranges),
      scoreboard_(host.config().max_out_of_order_ranges),
      rtt_(host.config().rto) {
  // RFC 9293 §3.7.1: without an MSS option the peer accepts 536 (IPv4) or 1220 (IPv6,
  // RFC 8200 §5: 1280 - 60) bytes.
  peer_mss_ = std::min<std::uint16_t>(our_mss_, tuple_.remote.family == IpFamily::v4 ? 536 : 1220);
  rcv_mss_ = peer_mss_;
}

// --- opening -------------------------------------------------------------------------

void Connection::open_active(Instant now) {
  enter(State::syn_sent, now);
  retransmit_first(now);  // the SYN, once the output queue has room
}

void Connection::open_passive(const TcpRepr& syn, Instant now) {
  passive_ = true;
  // §3.10.7.2 third: RCV.NXT = SEG.SEQ + 1, IRS = SEG.SEQ; the SYN's window is never
  // scaled (RFC 7323 §2.2). Data on the SYN is not kept (the peer retransmits it).
  irs_ = Seq(syn.seq_number);
  rcv_nxt_ = irs_ + 1;
  rcv_adv_ = rcv_nxt_;
  last_ack_sent_ = rcv_nxt_;
  take_options(syn, now);
  snd_wnd_ = max_snd_wnd_ = syn.window;
  snd_wl1_ = irs_;
  snd_wl2_ = iss_;
  enter(State::syn_received, now);
  retransmit_first(now);  // the SYN-ACK, once the output queue has room
}

void Connection::open_from_cookie(Seq irs, const SynCookieOptions& options, const TcpRepr& ack,
                                  ByteSpan payload, Instant now) {
  passive_ = true;
  irs_ = irs;
  rcv_nxt_ = irs_ + 1;
  last_ack_sent_ = rcv_nxt_;
  // The SYN-ACK the cookie answered advertised min(65535, receive buffer), unscaled.
  rcv_adv_ = rcv_nxt_ + static_cast<std::uint32_t>(std::min<std::size_t>(65535, config_->receive_buffer));
  peer_mss_ = static_cast<std::uint16_t>(std::clamp<std::uint32_t>(options.mss, kMinMss, our_mss_));
  ts_ok_ = config_->timestamps && ack.timestamps.has_value();
  // Window scale and SACK survive a cookie only inside the timestamp (syn_cookie.hpp).
  if (ts_ok_ && options.window_scale && config_->window_scaling) {
    wscale_ok_ = true;
    snd_wscale_ = std::min<std::uint8_t>(*options.window_scale, 14);
  } else {
    snd_wscale_ = 0;
    rcv_wscale_ = 0;
  }
  sack_ok_ = ts_ok_ && options.sack_permitted && config_->sack;
  if (ts_ok_) {
    ts_recent_ = ack.timestamps->value;
    ts_recent_time_ = now;
  }
  rcv_mss_ = static_cast<std::uint16_t>(peer_mss_ - (ts_ok_ ? 12 : 0));
  snd_nxt_ = snd_max_ = iss_ + 1;  // our SYN-ACK went out statelessly
  snd_wl1_ = irs_;
  snd_wl2_ = iss_;
  enter(State::syn_received, now);
  segment_arrives(ack, payload, now);
}

// RFC 9293 §3.7.1 (MSS), RFC 7323 §2.2-2.3 (window scale, clamped to 14) and §3.2
// (timestamps), RFC 2018 §2 (SACK-permitted): each is on only if both SYNs carried it.
void Connection::take_options(const TcpRepr& syn, Instant now) {
  if (syn.mss) peer_mss_ = static_cast<std::uint16_t>(std::clamp<std::uint32_t>(*syn.mss, kMinMss, our_mss_));
  if (config_->window_scaling && syn.window_scale) {
    wscale_ok_ = true;
    snd_wscale_ = std::min<std::uint8_t>(*syn.window_scale, 14);  // RFC 7323 §2.3: "use 14"
  } else {
    wscale_ok_ = false;
    snd_wscale_ = 0;
    rcv_wscale_ = 0;
  }
  sack_ok_ = config_->sack && syn.sack_permitted;
  ts_ok_ = config_->timestamps && syn.timestamps.has_value();
  if (ts_ok_) {
    ts_recent_ = syn.timestamps->value;
    ts_recent_time_ = now;
  }
  // The peer's full-sized segments (RFC 5681 §4.2), until larger ones are seen.
  rcv_mss_ = static_cast<std::uint16_t>(peer_mss_ - (ts_ok_ ? 12 : 0));
}

// --- user calls ------------------------------------------------------------------------

// §3.10.2 SEND.
Result<std::size_t> Connection::send(ByteSpan data, Instant now) {
  switch (state_) {
    case State::closed:
    case State::listen:
      if (error_) return closing_error(error_);
      return fail(std::make_error_code(std::errc::not_connected), "the connection is closed");
    case State::syn_sent:
    case State::syn_received:
    case State::established:
    case State::close_wait: {
      if (fin_queued_) return closing_error({});
      // SYN-SENT / SYN-RECEIVED: "queue the data for transmission after entering
      // ESTABLISHED state".
      const std::size_t n = send_buffer_.write(data);
      if (state_ == State::established || state_ == State::close_wait) output(now);
      return n;
    }
    case State::fin_wait_1:
    case State::fin_wait_2:
    case State::closing:
    case State::last_ack:
    case State::time_wait:
      return closing_error({});
  }
  return closing_error({});
}

// §3.10.3 RECEIVE. Bytes first, then the error or end of stream.
Result<std::size_t> Connection::receive(MutableByteSpan out, Instant now) {
  const std::size_t n = receive_buffer_.read(out);
  if (n > 0) {
    autotune_receive(n, now);
    maybe_window_update(now);
    last_activity_ = now;
    schedule_release(now);
    return n;
  }
  if (error_ && !fin_received_) return closing_error(error_);
  return 0;
}

// §3.10.4 CLOSE, as a half-close: the FIN follows queued data.
Result<void> Connection::shutdown(Instant now) {
  switch (state_) {
    case State::closed:
    case State::listen:
      if (error_) return closing_error(error_);
      return {};
    case State::syn_sent:
    case State::syn_received:
      // A half-close waits for the handshake, after the data SEND has queued, as §3.10.4
      // has it for SYN-RECEIVED ("queue for processing after entering ESTABLISHED"). For
      // SYN-SENT §3.10.4 would delete the TCB, losing what SEND accepted; CLOSE and ABORT
      // still do that.
      fin_queued_ = true;
      return {};
    case State::established:
      fin_queued_ = true;
      enter(State::fin_wait_1, now);
      output(now);
      return {};
    case State::close_wait:
      fin_queued_ = true;
      enter(State::last_ack, now);
      output(now);
      return {};
    case State::fin_wait_1:
    case State::fin_wait_2:
    case State::closing:
    case State::last_ack:
    case State::time_wait:
      return {};  // already closing: CLOSE is idempotent here
  }
  return {};
}

// §3.10.5 ABORT.
void Connection::abort(Instant now) {
  switch (state_) {
    case State::closed:
    case State::listen:
      return;
    case State::syn_sent:
      close_with(std::make_error_code(std::errc::connection_aborted));
      return;
    case State::syn_received:
    case State::established:
    case State::fin_wait_1:
    case State::fin_wait_2:
    case State::close_wait:
      // "Send a reset segment: <SEQ=SND.NXT><CTL=RST>".
      send_rst(snd_max_);
      host_->counters().connections_reset++;
      close_with(std::make_error_code(std::errc::connection_aborted));
      return;
    case State::closing:
    case State::last_ack:
    case State::time_wait:
      close_with(std::make_error_code(std::errc::connection_aborted));
      return;
  }
  (void)now;
}

void Connection::orphan(Instant now) {
  orphan_ = true;
  // RFC 1122 §4.2.2.13: closing with unread data is an abort, so the peer learns data
  // was lost.
  if (receive_buffer_.readable() > 0 && state_ != State::time_wait && state_ != State::closed) {
    abort(now);
    return;
  }
  (void)shutdown(now);
  // An orphan in FIN-WAIT-2 waits for the peer's FIN no longer than TIME-WAIT lasts.
  if (state_ == State::fin_wait_2) time_wait_at_ = now + config_->time_wait;
}

void Connection::set_keepalive(const KeepaliveOptions& options, Instant now) noexcept {
  keepalive_ = options;
  restart_keepalive(now);
}

// --- queries ---------------------------------------------------------------------------

SocketStatus Connection::status() const noexcept {
  SocketStatus s;
  s.state = state_;
  const bool eof = fin_received_ && receive_buffer_.readable() == 0;
  s.eof = eof;
  s.readable = receive_buffer_.readable() > 0 || eof || static_cast<bool>(error_);
  s.writable = (state_ == State::established || state_ == State::close_wait) && !fin_queued_ &&
               send_buffer_.free_space() > 0;
  if (error_) s.error = error_;
  return s;
}

ConnectionInfo Connection::info() const noexcept {
  ConnectionInfo i;
  i.local = {tuple_.local, tuple_.local_port};
  i.remote = {tuple_.remote, tuple_.remote_port};
  i.state = state_;
  i.snd_mss = effective_mss();
  i.rcv_mss = rcv_mss_;
  i.cwnd = cc_ ? cc_->cwnd() : 0;
  i.ssthresh = cc_ ? cc_->ssthresh() : 0;
  i.bytes_in_flight = bytes_in_flight();
  i.srtt = rtt_.srtt();
  i.rto = rtt_.rto();
  i.snd_wscale = snd_wscale_;
  i.rcv_wscale = rcv_wscale_;
  i.sack = sack_ok_;
  i.timestamps = ts_ok_;
  i.bytes_sent = bytes_sent_;
  i.bytes_received = bytes_received_;
  i.bytes_retransmitted = bytes_retransmitted_;
  i.segments_retransmitted = segments_retransmitted_;
  i.fast_retransmits = fast_retransmits_;
  i.timeouts = timeouts_;
  i.send_buffer = send_buffer_.capacity();
  i.receive_buffer = receive_buffer_.capacity();
  i.memory = memory();
  return i;
}

std::size_t Connection::memory() const noexcept {
  // The congestion controller is a small polymorphic object; 128 bytes bounds both kinds.
  return sizeof(Connection) + send_buffer_.allocated() + receive_buffer_.allocated() + (cc_ ? 128 : 0);
}

// --- sequence space helpers ------------------------------------------------------------

Seq Connection::data_end() const noexcept {
  return buf_seq_ + static_cast<std::uint32_t>(send_buffer_.size());
}
Seq Connection::send_end() const noexcept { return data_end() + (fin_queued_ ? 1u : 0u); }
bool Connection::fin_acked() const noexcept { return fin_queued_ && snd_una_ == send_end(); }

std::uint32_t Connection::bytes_in_flight() const noexcept {
  return static_cast<std::uint32_t>(snd_max_ - snd_una_);
}

// RFC 6675 §4 SetPipe() with SACK; without SACK, RFC 5681 §3.2's window inflation seen
// from the other side: each duplicate ACK during recovery is a segment that left.
std::uint32_t Connection::pipe() const noexcept {
  const std::uint32_t mss = effective_mss();
  if (in_recovery_ && sack_ok_) return scoreboard_.pipe(snd_una_, snd_max_, high_rxt_, mss);
  const auto flight = static_cast<std::uint32_t>(snd_nxt_ - snd_una_);
  if (!in_recovery_) return flight;
  const std::uint64_t left = std::uint64_t{recovery_dupacks_} * mss;
  return left >= flight ? 0 : static_cast<std::uint32_t>(flight - left);
}

std::uint32_t Connection::effective_mss() const noexcept {
  // RFC 9293 §3.7.1: Eff.snd.MSS = min(SendMSS, MMS_S) - TCP options; a timestamp is 12
  // bytes on every segment once negotiated. MMS_S follows the path MTU (RFC 1191 §3).
  return std::uint32_t{std::min(peer_mss_, path_mss_)} - (ts_ok_ ? 12u : 0u);
}

std::uint32_t Connection::max_burst_payload(std::uint32_t mss, std::size_t header_size) const noexcept {
  const std::uint32_t limit = host_->tso_limit(tuple_.remote.family);
  if (limit <= header_size + 2 * std::size_t{mss}) return mss;
  const auto room = static_cast<std::uint32_t>(limit - header_size);
  return room / mss * mss;
}

bool Connection::room_to_send() noexcept {
  if (host_->can_transmit()) return true;
  if (!tx_blocked_) host_->counters().transmit_blocked++;
  tx_blocked_ = true;
  return false;
}

std::uint32_t Connection::tsval(Instant now) const noexcept {
  // RFC 7323 §5.4: a 1 ms clock with a per-connection random offset.
  return static_cast<std::uint32_t>(duration_cast<milliseconds>(now.time_since_epoch()).count()) + ts_offset_;
}

// The window field: what fits in the receive buffer, never moving the right edge left
// (RFC 9293 §3.8.6.2.2, RFC 7323 §2.4), scaled except on a SYN (RFC 7323 §2.2).
std::uint16_t Connection::window_field(bool syn) noexcept {
  std::uint64_t window = receive_buffer_.window();
  bool keep_edge = false;
  if (rcv_adv_ > rcv_nxt_ && window < static_cast<std::uint32_t>(rcv_adv_ - rcv_nxt_)) {
    window = static_cast<std::uint32_t>(rcv_adv_ - rcv_nxt_);
    keep_edge = true;
  }
  if (syn) return static_cast<std::uint16_t>(std::min<std::uint64_t>(window, 65535));
  const std::uint64_t unit = std::uint64_t{1} << rcv_wscale_;
  std::uint64_t field = keep_edge ? (window + unit - 1) >> rcv_wscale_ : window >> rcv_wscale_;
  field = std::min<std::uint64_t>(field, 65535);
  return static_cast<std::uint16_t>(field);
}

// --- output ----------------------------------------------------------------------------

void Connection::fill_header(TcpRepr& r, Seq seq, std::uint8_t flags, Instant now) {
  r.source_port = tuple_.local_port;
  r.destination_port = tuple_.remote_port;
  r.seq_number = seq.value();
  r.flags = flags;
  const bool syn = (flags & tcp_flags::syn) != 0;
  if (flags & tcp_flags::ack) {
    r.ack_number = rcv_nxt_.value();
    r.window = window_field(syn);
    const std::uint32_t advertised = syn ? r.window : std::uint32_t{r.window} << rcv_wscale_;
    if (rcv_nxt_ + advertised > rcv_adv_) rcv_adv_ = rcv_nxt_ + advertised;
    last_ack_sent_ = rcv_nxt_;
    // Every ACK we send satisfies what was owed (RFC 5681 §4.2).
    ack_now_ = false;
    delack_at_ = kNever;
    unacked_bytes_ = 0;
  } else {
    r.window = window_field(syn);
  }
  if (ts_ok_ && !syn) r.timestamps = TcpTimestamps{tsval(now), ts_recent_};
  // RFC 2018 §4: SACK blocks on every ACK while out-of-order data is held, the most
  // recent first; 3 fit beside a timestamp, 4 without.
  if (sack_ok_ && (flags & tcp_flags::ack) && !syn && receive_buffer_.out_of_order_bytes() > 0) {
    std::array<ReceiveRange, TcpRepr::kMaxSackBlocks> ranges{};
    const std::size_t limit = ts_ok_ ? 3 : 4;
    const std::size_t n = receive_buffer_.out_of_order(std::span(ranges).first(limit));
    for (std::size_t i = 0; i < n; ++i)
      r.sack_blocks[i] = {(rcv_nxt_ + static_cast<std::uint32_t>(ranges[i].begin)).value(),
                          (rcv_nxt_ + static_cast<std::uint32_t>(ranges[i].end)).value()};
    r.sack_count = n;
  }
}

std::uint32_t Connection::options_overhead(std::size_t sack_blocks) const noexcept {
  return sack_blocks == 0 ? 0 : static_cast<std::uint32_t>(4 + 8 * sack_blocks);
}

// Room for the SACK blocks fill_header adds while out-of-order data is held: as many as
// fit (RFC 2018 §4), on data segments too.
std::uint32_t Connection::sack_room() const noexcept {
  const std::size_t blocks = sack_ok_ && receive_buffer_.out_of_order_bytes() > 0 ? (ts_ok_ ? 3 : 4) : 0;
  return options_overhead(blocks);
}

// The payload that fits the MSS beside every option fill_header adds (RFC 9293 §3.7.1,
// RFC 6691: options come out of the MSS); a path MTU near the 68-byte minimum still
// leaves 8 bytes of data per segment.
std::uint32_t Connection::segment_payload_limit() const noexcept {
  const std::uint32_t sack = sack_room();
  return std::max<std::uint32_t>(effective_mss(), sack + 8) - sack;
}

void Connection::send_syn(Instant now) {
  TcpRepr r;
  const bool syn_ack = state_ == State::syn_received;
  fill_header(r, iss_, syn_ack ? tcp_flags::syn | tcp_flags::ack : tcp_flags::syn, now);
  r.mss = our_mss_;
  // On a SYN we offer everything configured; on a SYN-ACK only what the SYN offered.
  if (syn_ack ? wscale_ok_ : config_->window_scaling)
    r.window_scale = rcv_wscale_;
  if (syn_ack ? sack_ok_ : config_->sack) r.sack_permitted = true;
  if (syn_ack ? ts_ok_ : config_->timestamps) r.timestamps = TcpTimestamps{tsval(now), syn_ack ? ts_recent_ : 0};
  host_->transmit(tuple_, r, nullptr, 0);
  if (snd_nxt_ == iss_) snd_nxt_ = iss_ + 1;
  if (snd_max_ < snd_nxt_) snd_max_ = snd_nxt_;
  if (!syn_retransmitted_ && !rtt_timing_) {
    rtt_timing_ = true;
    rtt_seq_ = iss_ + 1;
    rtt_start_ = now;
  }
  if (rto_at_ == kNever) arm_rto(now);
  last_send_ = now;
}

void Connection::on_transmit_space(Instant now) {
  tx_blocked_ = false;
  output(now);
}

void Connection::send_ack(Instant now) {
  TcpRepr r;
  // SND.MAX, not SND.NXT: after a timeout pulls SND.NXT back (go-back-N), a pure ACK with
  // SND.NXT would fall left of the peer's RCV.NXT and be unacceptable (§3.10.7.4), so the
  // ACK it carries would be lost (BSD's tcp_output does the same).
  fill_header(r, snd_max_, tcp_flags::ack, now);
  host_->transmit(tuple_, r, nullptr, 0);
}

void Connection::send_rst(Seq seq) {
  TcpRepr r;
  r.source_port = tuple_.local_port;
  r.destination_port = tuple_.remote_port;
  r.seq_number = seq.value();
  r.flags = tcp_flags::rst;
  host_->transmit(tuple_, r, nullptr, 0);
}

void Connection::send_challenge_ack(Instant now) {
  // RFC 5961 §7: challenge ACKs draw on a stack-wide budget.
  if (!host_->allow_challenge_ack(now)) {
    host_->counters().challenge_acks_rate_limited++;
    return;
  }
  host_->counters().challenge_acks++;
  send_ack(now);
}

// One segment covering [seq, seq + length) of the send buffer, with FIN if `fin`; with
// TSO (segment_size < length) a super-segment the device cuts into segments of
// segment_size bytes, whose sequence numbers it derives from seq, so every byte is
// accounted here exactly as if the segments had been sent one by one. A segment below
// snd_max_ is a retransmission (counted, Karn's rule applied).
void Connection::send_range(Seq seq, std::uint32_t length, bool fin, Instant now, std::uint32_t segment_size) {
  TcpRepr r;
  std::uint8_t flags = tcp_flags::ack;
  if (fin) flags |= tcp_flags::fin;
  if (length > 0 && seq + length == data_end()) flags |= tcp_flags::psh;
  fill_header(r, seq, flags, now);
  r.payload_length = static_cast<std::uint16_t>(length);
  host_->transmit(tuple_, r, &send_buffer_, static_cast<std::size_t>(seq - buf_seq_),
                  segment_size < length ? segment_size : 0);
  const Seq end = seq + length + (fin ? 1u : 0u);
  if (seq < snd_max_) {
    // RFC 6298 §3 (Karn): no RTT sample from anything retransmitted.
    rtt_timing_ = false;
    segments_retransmitted_++;
    // A go-back-N resend (after an RTO or a path MTU drop) may run past SND.MAX: only the
    // part below it was sent before.
    const std::uint32_t resent = std::min<std::uint32_t>(length, static_cast<std::uint32_t>(snd_max_ - seq));
    bytes_retransmitted_ += resent;
    bytes_sent_ += length - resent;
    host_->counters().retransmissions++;
    if (in_recovery_ && end > high_rxt_) high_rxt_ = end;
  } else {
    bytes_sent_ += length;
    if (!ts_ok_ && !rtt_timing_ && length > 0) {
      rtt_timing_ = true;
      rtt_seq_ = end;
      rtt_start_ = now;
    }
  }
  if (seq == snd_nxt_ || (seq < snd_nxt_ && end > snd_nxt_)) snd_nxt_ = end;
  if (end > snd_max_) snd_max_ = end;
  // RFC 6298 §5.1: start the timer if it is not running.
  if (rto_at_ == kNever) arm_rto(now);
  persist_at_ = kNever;
  last_send_ = now;
}

// The first unacknowledged segment (the SYN while opening), or, if the output queue is
// full, a note to send it first when there is room (output()).
void Connection::retransmit_first(Instant now) {
  if (state_ == State::syn_sent || state_ == State::syn_received) {
    if (!room_to_send()) {
      retransmit_pending_ = true;
      return;
    }
    return send_syn(now);
  }
  const Seq end = data_end();
  const std::uint32_t available = snd_una_ < end ? static_cast<std::uint32_t>(end - snd_una_) : 0;
  const std::uint32_t length = std::min(available, segment_payload_limit());
  const bool fin = fin_queued_ && snd_una_ + length == end && snd_max_ > end;
  if (length == 0 && !fin) return;
  if (!room_to_send()) {
    retransmit_pending_ = true;  // output() sends it first once there is room
    return;
  }
  send_range(snd_una_, length, fin, now);
}

// New data (or a retransmission after an RTO pulled snd_nxt_ back) within the peer's
// window and the congestion window, with Nagle (RFC 1122 §4.2.3.4) and sender-side SWS
// avoidance (RFC 9293 §3.8.6.2.1). Returns whether a segment went out.
bool Connection::send_data_segment(Instant now, bool recovery_only) {
  const Seq end = data_end();
  if (snd_nxt_ >= send_end()) return false;
  const std::uint32_t mss = segment_payload_limit();
  const std::size_t header_size = TcpView::kMinHeaderSize + (ts_ok_ ? 12 : 0) + sack_room();
  const std::uint32_t data_left = snd_nxt_ < end ? static_cast<std::uint32_t>(end - snd_nxt_) : 0;
  const Seq wnd_edge = snd_una_ + snd_wnd_;
  const std::uint32_t wnd_room = wnd_edge > snd_nxt_ ? static_cast<std::uint32_t>(wnd_edge - snd_nxt_) : 0;
  std::uint32_t cwnd = cc_ ? cc_->cwnd() : mss;
  // RFC 3042 limited transmit: one more segment for each of the first two dupacks.
  if (!in_recovery_ && dupacks_ > 0 && dupacks_ < 3) cwnd += dupacks_ * mss;
  const std::uint32_t flight = pipe();
  const std::uint32_t cwnd_room = cwnd > flight ? cwnd - flight : 0;
  if (recovery_only && cwnd_room < mss) return false;
  std::uint32_t length = std::min({data_left, max_burst_payload(mss, header_size), wnd_room, cwnd_room});
  // TSO: a super-segment carries whole segments of mss bytes; a shorter last one only where
  // the data ends (what is left of the window waits, as it would behind full segments).
  if (length > mss && length < data_left) length -= length % mss;
  const bool fin = fin_queued_ && snd_nxt_ + length == end;
  if (length == 0 && !fin) return false;
  const bool retransmission = snd_nxt_ < snd_max_;
  if (length < mss && !retransmission && !fin) {
    if (length < data_left) {
      // Window- or cwnd-limited: wait for room for a full segment or half the largest
      // window the peer offered (SWS avoidance; the persist timer overrides).
      if (length < max_snd_wnd_ / 2 || cwnd_room < wnd_room) return false;
    } else if (!nodelay_ && snd_max_ > snd_una_) {
      return false;  // Nagle: a small segment waits while data is unacknowledged
    }
  }
  if (!room_to_send()) return false;
  send_range(snd_nxt_, length, fin, now, mss);
  return true;
}

// RFC 6675 §5 step (C): NextSeg() rules 1-3 while cwnd - pipe >= 1 SMSS.
bool Connection::send_recovery_segment(Instant now) {
  const std::uint32_t mss = segment_payload_limit();
  // RFC 6675 §5 step 4.2: during SACK recovery cwnd = ssthresh (the policy's cwnd carries
  // RFC 5681's +3 SMSS inflation, which pipe already accounts for).
  const std::uint32_t cwnd = cc_ ? std::min(cc_->cwnd(), cc_->ssthresh()) : mss;
  const std::uint32_t in_pipe = pipe();
  if (cwnd <= in_pipe || cwnd - in_pipe < mss) return false;
  // Retransmissions are one MSS each, whatever the segment that carried the bytes first.
  auto retransmit = [&](const SeqRange& range) {
    if (!room_to_send()) return false;
    const Seq end = data_end();
    Seq stop = seq_min(range.end, snd_max_);
    bool fin = false;
    if (fin_queued_ && stop > end) {
      stop = end;
      fin = true;
    }
    const std::uint32_t length = std::min(static_cast<std::uint32_t>(stop - range.begin), mss);
    if (fin && range.begin + length != end) fin = false;
    send_range(range.begin, length, fin, now);
    if (range.begin + length > high_rxt_) high_rxt_ = range.begin + length + (fin ? 1u : 0u);
    return true;
  };
  // Rule 1: the first lost, unSACKed hole above HighRxt.
  if (auto range = scoreboard_.next_seg(snd_una_, high_rxt_, mss, false)) {
    if (range->begin < snd_max_) return retransmit(*range);
  }
  // Rule 2: new data the receiver's window allows.
  if (snd_nxt_ < send_end() && send_data_segment(now, true)) return true;
  // Rule 3: an unSACKed hole that is not yet deemed lost.
  if (auto range = scoreboard_.next_seg(snd_una_, high_rxt_, mss, true)) {
    if (range->begin < snd_max_) return retransmit(*range);
  }
  return false;
}

// Sends what may be sent now: data and FIN, then an ACK if one is still owed; arms the
// persist timer when data waits on a closed window with nothing in flight.
void Connection::output(Instant now) {
  last_activity_ = now;
  schedule_release(now);
  // A segment that found the queue full goes first: the SYN, or SND.UNA's retransmission.
  if (retransmit_pending_) {
    retransmit_pending_ = false;
    if (state_ != State::closed && state_ != State::listen) retransmit_first(now);
    if (retransmit_pending_) return;
  }
  switch (state_) {
    case State::closed:
    case State::listen:
    case State::syn_sent:
      return;
    case State::syn_received:
    case State::time_wait:
      if (ack_now_ && room_to_send()) send_ack(now);
      return;
    case State::established:
    case State::fin_wait_1:
    case State::fin_wait_2:
    case State::close_wait:
    case State::closing:
    case State::last_ack:
      break;
  }
  // RFC 5681 §4.1: after an idle period longer than an RTO, restart from the initial window.
  if (cc_ && snd_max_ == snd_una_ && snd_nxt_ < send_end() && last_send_ != Instant{} &&
      now - last_send_ > rtt_.rto())
    cc_->on_idle_restart();
  constexpr int kBurst = 1 << 16;  // a bound, never reached in practice
  for (int i = 0; i < kBurst; ++i) {
    const bool sent = in_recovery_ && sack_ok_ ? send_recovery_segment(now) : send_data_segment(now, false);
    if (!sent) break;
  }
  // An owed ACK waits for room like data (ack_now_ stays set); data sent above carried it.
  if (ack_now_ && room_to_send()) send_ack(now);
  // RFC 9293 §3.8.6.1 / RFC 1122 §4.2.2.17: probe a zero window (not a full queue).
  if (!tx_blocked_ && snd_nxt_ < send_end() && snd_max_ == snd_una_ && rto_at_ == kNever &&
      persist_at_ == kNever) {
    const Duration backoff = rtt_.rto() * (1 << std::min<unsigned>(retries_, 10));
    persist_at_ = now + std::min(backoff, config_->rto.maximum);
  }
}

void Connection::send_keepalive_or_probe(Instant now) {
  // RFC 1122 §4.2.3.6 / RFC 9293 §3.8.6.1: a segment one below what the peer expects is
  // outside its window, so it answers with an ACK carrying its current window.
  TcpRepr r;
  fill_header(r, snd_una_ - 1, tcp_flags::ack, now);
  host_->transmit(tuple_, r, nullptr, 0);
}

// --- state changes ---------------------------------------------------------------------

void Connection::enter(State s, Instant now) {
  if (state_ == s) return;
  state_ = s;
  readiness_changed_ = true;
  switch (s) {
    case State::established:
      if (!cc_) cc_ = make_congestion_control(config_->congestion, effective_mss());
      restart_keepalive(now);
      break;
    case State::fin_wait_2:
      if (orphan_) time_wait_at_ = now + config_->time_wait;
      break;
    case State::closed:
    case State::listen:
    case State::syn_sent:
    case State::syn_received:
    case State::fin_wait_1:
    case State::close_wait:
    case State::closing:
    case State::last_ack:
    case State::time_wait:
      break;
  }
}

// §3.10.7.4 eighth / timeouts: TIME-WAIT holds the tuple for 2MSL; nothing is in flight,
// so the timers and the congestion state go.
void Connection::enter_time_wait(Instant now) {
  enter(State::time_wait, now);
  time_wait_at_ = now + config_->time_wait;
  rto_at_ = persist_at_ = keepalive_at_ = kNever;
  cc_.reset();
  scoreboard_.clear();
}

// RFC 1122 §4.2.3.9 / RFC 5461: a connection that gives up reports the soft error an
// ICMP message gave it, if any, rather than a bare timeout (Linux's sk_err_soft).
void Connection::time_out() {
  close_with(soft_error_ != 0 ? std::error_code(soft_error_, std::generic_category())
                              : std::make_error_code(std::errc::timed_out));
}

void Connection::close_with(std::error_code error) {
  state_ = State::closed;
  retransmit_pending_ = false;
  if (error && !error_) error_ = error;
  readiness_changed_ = true;
  rto_at_ = delack_at_ = persist_at_ = keepalive_at_ = time_wait_at_ = kNever;
  cc_.reset();
  scoreboard_.clear();
}

// --- timers ----------------------------------------------------------------------------

Instant Connection::deadline() const noexcept {
  return std::min({rto_at_, delack_at_, persist_at_, keepalive_at_, time_wait_at_, release_at_});
}

// Buffers keep their storage while the connection is busy (send_buffer.hpp); once it has
// been quiet for kBufferHold, what is empty is given back, so an idle connection holds none.
void Connection::schedule_release(Instant now) noexcept {
  const bool send_idle = send_buffer_.allocated() != 0 && send_buffer_.size() == 0;
  const bool receive_idle = receive_buffer_.allocated() != 0 && receive_buffer_.readable() == 0 &&
                            receive_buffer_.out_of_order_bytes() == 0;
  if (release_at_ == kNever && (send_idle || receive_idle)) release_at_ = std::max(now, last_activity_ + kBufferHold);
}

void Connection::arm_rto(Instant now) { rto_at_ = now + rtt_.rto(); }

void Connection::restart_keepalive(Instant now) {
  keepalive_probes_ = 0;
  const bool synchronized = state_ == State::established || state_ == State::close_wait ||
                            state_ == State::fin_wait_1 || state_ == State::fin_wait_2;
  keepalive_at_ = keepalive_.enabled && synchronized ? now + keepalive_.idle : kNever;
}

void Connection::on_timer(Instant now) {
  if (time_wait_at_ <= now) {
    // TIME-WAIT's 2MSL (or an orphan's FIN-WAIT-2 limit) ran out: delete the TCB.
    time_wait_at_ = kNever;
    close_with({});
    return;
  }
  if (rto_at_ <= now) retransmission_timeout(now);
  if (state_ == State::closed) return;
  if (persist_at_ <= now) persist_timeout(now);
  if (state_ == State::closed) return;
  if (keepalive_at_ <= now) keepalive_timeout(now);
  if (state_ == State::closed) return;
  if (release_at_ <= now) {
    release_at_ = kNever;
    if (now - last_activity_ >= kBufferHold) {
      send_buffer_.release_if_empty();
      receive_buffer_.release_if_empty();
    }
    schedule_release(now);  // still busy: look again later
  }
  if (delack_at_ <= now) {
    // RFC 9293 §3.8.6.3: the delayed ACK is due.
    delack_at_ = kNever;
    ack_now_ = true;
    output(now);
  }
}

// RFC 6298 §5.4-5.7 (retransmit the earliest unacknowledged segment, back off), RFC 5681
// §3.1 (cwnd to the loss window), RFC 9293 §3.8.3 (R2: give up after too many).
void Connection::retransmission_timeout(Instant now) {
  rto_at_ = kNever;
  if (snd_una_ == snd_max_) return;
  retries_++;
  timeouts_++;
  const bool handshake = state_ == State::syn_sent || state_ == State::syn_received;
  const unsigned limit = handshake ? config_->syn_retries : config_->max_retransmissions;
  if (retries_ > limit) {
    if (!handshake) {
      send_rst(snd_max_);
      host_->counters().connections_reset++;
    }
    time_out();
    return;
  }
  rtt_.backoff();
  rtt_timing_ = false;
  if (handshake) {
    syn_retransmitted_ = true;
    host_->counters().retransmissions++;
    segments_retransmitted_++;
    retransmit_first(now);
    return;
  }
  if (cc_) cc_->on_retransmit_timeout(bytes_in_flight(), now);
  // Everything outstanding is presumed lost; SACK information is discarded (RFC 2018 §8
  // lets a receiver renege) and sending restarts at SND.UNA (go-back-N under slow start).
  // RFC 6582 §3.2 step 1: duplicate ACKs for data sent before the timeout must not start
  // another fast retransmit.
  in_recovery_ = false;
  dupacks_ = 0;
  recovery_dupacks_ = 0;
  recovery_point_ = snd_max_;
  scoreboard_.clear();
  snd_nxt_ = snd_una_;
  retransmit_first(now);
  if (rto_at_ == kNever) arm_rto(now);
}

void Connection::persist_timeout(Instant now) {
  persist_at_ = kNever;
  if (snd_nxt_ >= send_end() || snd_max_ != snd_una_) return;
  // A window that opened a little: send what fits (the SWS override of §3.8.6.2.1).
  const Seq wnd_edge = snd_una_ + snd_wnd_;
  if (wnd_edge > snd_nxt_) {
    const std::uint32_t room = static_cast<std::uint32_t>(wnd_edge - snd_nxt_);
    const std::uint32_t data_left =
        snd_nxt_ < data_end() ? static_cast<std::uint32_t>(data_end() - snd_nxt_) : 0;
    const std::uint32_t length = std::min({room, data_left, segment_payload_limit()});
    if (length > 0) {
      // A full queue: on_transmit_space() resumes output, which re-arms this timer.
      if (room_to_send()) send_range(snd_nxt_, length, fin_queued_ && snd_nxt_ + length == data_end(), now);
      return;
    }
  }
  // A zero window: probe, backing off like the retransmission timer. The connection is
  // kept as long as the peer answers (RFC 1122 §4.2.2.17); unanswered probes count
  // toward R2.
  if (++retries_ > config_->max_retransmissions) {
    send_rst(snd_max_);
    host_->counters().connections_reset++;
    time_out();
    return;
  }
  send_keepalive_or_probe(now);
  const Duration backoff = rtt_.rto() * (1 << std::min<unsigned>(retries_, 10));
  persist_at_ = now + std::min(backoff, config_->rto.maximum);
}

// RFC 1122 §4.2.3.6: after `idle` without any segment from the peer, probe every
// `interval`; `probes` unanswered probes end the connection.
void Connection::keepalive_timeout(Instant now) {
  keepalive_at_ = kNever;
  if (!keepalive_.enabled) return;
  if (keepalive_probes_ >= keepalive_.probes) {
    send_rst(snd_max_);
    host_->counters().connections_reset++;
    time_out();
    return;
  }
  keepalive_probes_++;
  send_keepalive_or_probe(now);
  keepalive_at_ = now + keepalive_.interval;
}

// --- buffer tuning ---------------------------------------------------------------------

// The send buffer grows to twice what the network can hold (the lesser of cwnd and the
// peer's window), so the application can keep the pipe full while ACKs return.
void Connection::grow_send_buffer() {
  if (!cc_) return;
  const std::size_t want = 2 * std::size_t{std::min(cc_->cwnd(), std::max(snd_wnd_, max_snd_wnd_))};
  const std::size_t target = std::min(config_->max_send_buffer, want);
  if (target > send_buffer_.capacity()) send_buffer_.set_capacity(target);
}

// Receive-buffer auto-tuning (dynamic right-sizing, like Linux's tcp_rcv_space_adjust):
// once per RTT, if the application read at least half the buffer, the sender is limited
// by our window; make room for twice what was read plus slack for slow start.
void Connection::autotune_receive(std::size_t copied, Instant now) {
  drs_copied_ += static_cast<std::uint32_t>(std::min<std::size_t>(copied, 1u << 30));
  if (drs_time_ == Instant{}) {
    drs_time_ = now;
    return;
  }
  const Duration rtt = rtt_.srtt().value_or(config_->rto.initial);
  if (now - drs_time_ < rtt) return;
  const std::size_t capacity = receive_buffer_.capacity();
  if (std::size_t{drs_copied_} * 2 >= capacity && capacity < config_->max_receive_buffer) {
    const std::size_t target =
        std::min(config_->max_receive_buffer, 2 * std::size_t{drs_copied_} + 16 * std::size_t{rcv_mss_});
    if (target > capacity) receive_buffer_.set_capacity(target);
  }
  drs_copied_ = 0;
  drs_time_ = now;
}

bool Connection::receiving_side_open() const noexcept {
  return (state_ == State::established || state_ == State::fin_wait_1 || state_ == State::fin_wait_2) &&
         !fin_received_;
}

// RFC 9293 §3.8.6.2.2 (receiver SWS avoidance): after the application reads, announce
// the window only once it has opened by min(half the buffer, one MSS) and the peer's
// view of it is small.
void Connection::maybe_window_update(Instant now) {
  if (!receiving_side_open()) return;
  const std::uint32_t advertised = rcv_adv_ > rcv_nxt_ ? static_cast<std::uint32_t>(rcv_adv_ - rcv_nxt_) : 0;
  const std::size_t window = receive_buffer_.window();
  const std::size_t threshold = std::min<std::size_t>(receive_buffer_.capacity() / 2, rcv_mss_);
  if (window >= advertised + threshold && (advertised < threshold || window >= 2 * std::size_t{advertised})) {
    ack_now_ = true;
    output(now);
  }
}

}  // namespace tunkit::stack::tcp
