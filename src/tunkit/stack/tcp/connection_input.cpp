// SEGMENT ARRIVES (RFC 9293 §3.10.7.3 SYN-SENT, §3.10.7.4 the other states), with the
// RFC 7323 PAWS check, RFC 5961 blind-attack defences, RFC 5681 / 6582 / 6675 loss
// detection and the receive path. The owner handles CLOSED and LISTEN (§3.10.7.1-2).
#include <algorithm>
#include <array>

#include "tunkit/stack/tcp/connection.hpp"

namespace tunkit::stack::tcp {

namespace {

using std::chrono::milliseconds;

// RFC 7323 §5.5: TS.Recent older than 24 days is invalid (the peer's clock may have wrapped).
constexpr Duration kPawsIdle = std::chrono::hours(24 * 24);

bool has(const TcpRepr& seg, std::uint8_t flag) noexcept { return (seg.flags & flag) != 0; }

}  // namespace

void Connection::segment_arrives(const TcpRepr& seg, ByteSpan payload, Instant now, std::uint16_t gso_size) {
  switch (state_) {
    case State::closed:
    case State::listen:
      return;  // §3.10.7.1-2 belong to the owner: there is no TCB here
    case State::syn_sent:
      return syn_sent_arrives(seg, payload, now);
    case State::syn_received:
    case State::established:
    case State::fin_wait_1:
    case State::fin_wait_2:
    case State::close_wait:
    case State::closing:
    case State::last_ack:
    case State::time_wait:
      return synchronized_arrives(seg, payload, now, gso_size);
  }
}

// §3.10.7.3 "If the state is SYN-SENT".
void Connection::syn_sent_arrives(const TcpRepr& seg, ByteSpan payload, Instant now) {
  const Seq seg_seq(seg.seq_number), seg_ack(seg.ack_number);
  const bool ack = has(seg, tcp_flags::ack);
  // first, check the ACK bit: "If SEG.ACK =< ISS or SEG.ACK > SND.NXT, send a reset
  // (unless the RST bit is set, if so drop the segment and return)".
  if (ack && (seg_ack <= iss_ || seg_ack > snd_max_)) {
    if (!has(seg, tcp_flags::rst)) send_rst(seg_ack);
    return;
  }
  // second, check the RST bit: with an acceptable ACK the connection is refused; without
  // an ACK the RST is dropped (RFC 5961 §3.2 for SYN-SENT).
  if (has(seg, tcp_flags::rst)) {
    if (ack) close_with(std::make_error_code(std::errc::connection_refused));
    return;
  }
  // fourth, check the SYN bit.
  if (!has(seg, tcp_flags::syn)) return;  // fifth: neither SYN nor RST, drop
  irs_ = seg_seq;
  rcv_nxt_ = irs_ + 1;
  rcv_adv_ = rcv_nxt_;  // nothing advertised yet in this sequence space
  last_ack_sent_ = rcv_nxt_;
  take_options(seg, now);
  if (ack) {
    rtt_sample_from(seg, seg_ack, now);
    snd_una_ = seg_ack;
  }
  // The SYN's window is never scaled (RFC 7323 §2.2).
  snd_wnd_ = max_snd_wnd_ = seg.window;
  snd_wl1_ = seg_seq;
  snd_wl2_ = seg_ack;
  if (snd_una_ > iss_) {
    // "our SYN has been ACKed": ESTABLISHED, ACK it (with data if any is queued).
    rto_at_ = kNever;
    retries_ = 0;
    enter(State::established, now);
    if (fin_queued_) enter(State::fin_wait_1, now);  // a half-close issued in SYN-SENT
    ack_now_ = true;
    if (!payload.empty() || has(seg, tcp_flags::fin)) process_text(seg_seq + 1, payload, has(seg, tcp_flags::fin), now);
    output(now);
    return;
  }
  // Simultaneous open: "enter SYN-RECEIVED, form a SYN,ACK segment and send it".
  enter(State::syn_received, now);
  rtt_timing_ = false;
  retransmit_first(now);  // the SYN-ACK, once the output queue has room
}

// RFC 9293 §3.3.5 / §3.10.7.4 "first, check sequence number": the four cases of the
// acceptability test against the window we advertised.
bool Connection::segment_acceptable(const TcpRepr& seg, std::size_t payload_size) const noexcept {
  const Seq seq(seg.seq_number);
  const auto seg_len = static_cast<std::uint32_t>(payload_size + (has(seg, tcp_flags::syn) ? 1 : 0) +
                                                  (has(seg, tcp_flags::fin) ? 1 : 0));
  const std::uint32_t rcv_wnd = rcv_adv_ > rcv_nxt_ ? static_cast<std::uint32_t>(rcv_adv_ - rcv_nxt_) : 0;
  if (seg_len == 0) {
    if (rcv_wnd == 0) return seq == rcv_nxt_;
    return seq_in(seq, rcv_nxt_, rcv_nxt_ + rcv_wnd);
  }
  if (rcv_wnd == 0) return false;
  return seq_in(seq, rcv_nxt_, rcv_nxt_ + rcv_wnd) || seq_in(seq + seg_len - 1, rcv_nxt_, rcv_nxt_ + rcv_wnd);
}

// §3.10.7.4 for SYN-RECEIVED through TIME-WAIT.
void Connection::synchronized_arrives(const TcpRepr& seg, ByteSpan payload, Instant now, std::uint16_t gso_size) {
  const Seq seg_seq(seg.seq_number);
  const bool rst = has(seg, tcp_flags::rst);
  bool fin = has(seg, tcp_flags::fin);
  // A retransmitted SYN while our SYN-ACK is unacknowledged: answer with the SYN-ACK again.
  if (state_ == State::syn_received && has(seg, tcp_flags::syn) && !has(seg, tcp_flags::ack) && !rst &&
      seg_seq == irs_) {
    retransmit_first(now);
    return;
  }
  // RFC 7323 §5.3 R1 (PAWS): a timestamp older than TS.Recent is a segment from an
  // earlier incarnation of the sequence space; ACK and drop (never for a RST).
  if (ts_ok_ && seg.timestamps && !rst && state_ != State::syn_received &&
      static_cast<std::int32_t>(seg.timestamps->value - ts_recent_) < 0 && now - ts_recent_time_ < kPawsIdle) {
    host_->counters().paws_rejected++;
    send_ack(now);
    return;
  }
  // first, check sequence number.
  if (!segment_acceptable(seg, payload.size())) {
    const std::uint32_t rcv_wnd = rcv_adv_ > rcv_nxt_ ? static_cast<std::uint32_t>(rcv_adv_ - rcv_nxt_) : 0;
    if (rcv_wnd == 0 && seg_seq == rcv_nxt_ && !rst && !has(seg, tcp_flags::syn)) {
      // "special allowance should be made to accept valid ACKs": process the ACK, not the text.
      payload = {};
      fin = false;
      ack_now_ = true;
    } else {
      host_->counters().out_of_window++;
      // TIME-WAIT: a retransmitted FIN restarts the 2MSL timeout (§3.10.7.4 eighth).
      if (state_ == State::time_wait && fin && seg_seq + static_cast<std::uint32_t>(payload.size()) + 1 == rcv_nxt_)
        time_wait_at_ = now + config_->time_wait;
      if (!rst) send_ack(now);  // "send an acknowledgment ... and drop the unacceptable segment"
      return;
    }
  }
  // RFC 7323 §4.3 (2): TS.Recent follows the segment that the next ACK will cover.
  if (ts_ok_ && seg.timestamps && !rst && static_cast<std::int32_t>(seg.timestamps->value - ts_recent_) >= 0 &&
      seg_seq <= last_ack_sent_) {
    ts_recent_ = seg.timestamps->value;
    ts_recent_time_ = now;
  }
  if (keepalive_at_ != kNever) restart_keepalive(now);

  // second, check the RST bit. RFC 5961 §3.2: only an exact match resets; a RST
  // elsewhere in the window gets a challenge ACK.
  if (rst) {
    if (seg_seq != rcv_nxt_) return send_challenge_ack(now);
    switch (state_) {
      case State::syn_received:
        // Passive: "return this connection to LISTEN" (the owner forgets it). Active
        // (simultaneous open): "the connection was refused".
        close_with(passive_ ? std::error_code{} : std::make_error_code(std::errc::connection_refused));
        return;
      case State::established:
      case State::fin_wait_1:
      case State::fin_wait_2:
      case State::close_wait:
        host_->counters().connections_reset++;
        close_with(std::make_error_code(std::errc::connection_reset));
        return;
      case State::closing:
      case State::last_ack:
      case State::time_wait:
        close_with({});
        return;
      case State::closed:
      case State::listen:
      case State::syn_sent:
        return;
    }
    return;
  }
  // third, security: not used (RFC 9293 §3.10.7.4 leaves it to RFC 1122 compartments).
  // fourth, check the SYN bit.
  if (has(seg, tcp_flags::syn)) {
    if (state_ == State::syn_received && passive_) {
      close_with({});  // "return this connection to the LISTEN state"
      return;
    }
    // RFC 5961 §4.2: a SYN in a synchronized state, in window or not, gets a challenge ACK.
    return send_challenge_ack(now);
  }
  // fifth, check the ACK field: "if the ACK bit is off, drop the segment and return".
  if (!has(seg, tcp_flags::ack)) return;
  const Seq seg_ack(seg.ack_number);
  if (state_ == State::syn_received) {
    // "If SND.UNA < SEG.ACK =< SND.NXT, then enter ESTABLISHED state ... set SND.WND <-
    // SEG.WND, SND.WL1 <- SEG.SEQ, SND.WL2 <- SEG.ACK"; otherwise <SEQ=SEG.ACK><CTL=RST>.
    if (!(snd_una_ < seg_ack && seg_ack <= snd_max_)) {
      send_rst(seg_ack);
      return;
    }
    snd_wnd_ = std::uint32_t{seg.window} << snd_wscale_;
    max_snd_wnd_ = std::max(max_snd_wnd_, snd_wnd_);
    snd_wl1_ = seg_seq;
    snd_wl2_ = seg_ack;
    rto_at_ = kNever;
    retries_ = 0;
    enter(State::established, now);
    if (fin_queued_) enter(State::fin_wait_1, now);  // CLOSE was issued in SYN-RECEIVED
  }
  // RFC 5961 §5.2: acceptable iff SND.UNA - MAX.SND.WND =< SEG.ACK =< SND.NXT (snd_max_,
  // the highest sent, since an RTO pulls snd_nxt_ back). "If the ACK acks something not
  // yet sent ... send an ACK, drop the segment, and return."
  if (seg_ack > snd_max_ || seg_ack < snd_una_ - max_snd_wnd_) {
    send_challenge_ack(now);
    return;
  }
  if (!process_ack(seg, payload.size(), now)) return;
  switch (state_) {
    case State::fin_wait_1:
      // "if the FIN segment is now acknowledged, then enter FIN-WAIT-2".
      if (fin_acked()) enter(State::fin_wait_2, now);
      break;
    case State::closing:
      // "if the ACK acknowledges our FIN, then enter the TIME-WAIT state; otherwise,
      // ignore the segment" (its text; the ACK has freed room for queued data).
      if (fin_acked()) enter_time_wait(now);
      break;
    case State::last_ack:
      // "If our FIN is now acknowledged, delete the TCB, enter the CLOSED state".
      if (fin_acked()) {
        close_with({});
        return;
      }
      break;
    case State::closed:
    case State::listen:
    case State::syn_sent:
    case State::syn_received:
    case State::established:
    case State::fin_wait_2:
    case State::close_wait:
    case State::time_wait:
      break;
  }
  // sixth, check the URG bit: urgent data is delivered inline (RFC 6093 §6 advises
  // against its use); the pointer is ignored.
  // seventh, process the segment text; eighth, check the FIN bit.
  if (!payload.empty() || fin) {
    switch (state_) {
      case State::established:
      case State::fin_wait_1:
      case State::fin_wait_2:
        process_text(seg_seq, payload, fin, now, gso_size);
        if (state_ == State::closed) return;
        break;
      case State::close_wait:
      case State::closing:
      case State::last_ack:
      case State::time_wait:
        // The peer's FIN was already processed: text is ignored ("should not occur");
        // a retransmitted FIN is acknowledged, and restarts TIME-WAIT's 2MSL.
        if (fin) {
          ack_now_ = true;
          if (state_ == State::time_wait) time_wait_at_ = now + config_->time_wait;
        }
        break;
      case State::closed:
      case State::listen:
      case State::syn_sent:
      case State::syn_received:
        break;
    }
  }
  output(now);
}

// §3.10.7.4 fifth for ESTABLISHED and the states after it: advance SND.UNA, free
// acknowledged data, take RTT samples, update the send window (SND.WL1/WL2), then loss
// detection. Returns false if the segment is to be dropped.
bool Connection::process_ack(const TcpRepr& seg, std::size_t payload_size, Instant now) {
  const Seq seg_ack(seg.ack_number), seg_seq(seg.seq_number);
  const std::uint32_t seg_wnd = std::uint32_t{seg.window} << snd_wscale_;
  std::uint32_t data_acked = 0;
  const Seq old_una = snd_una_;
  if (snd_una_ < seg_ack) {
    rtt_sample_from(seg, seg_ack, now);
    const Seq data_to = seq_min(seg_ack, data_end());
    if (data_to > buf_seq_) {
      data_acked = static_cast<std::uint32_t>(data_to - buf_seq_);
      send_buffer_.consume(data_acked);
      buf_seq_ = data_to;
      readiness_changed_ = true;
    }
    snd_una_ = seg_ack;
    if (snd_nxt_ < snd_una_) snd_nxt_ = snd_una_;
    retries_ = 0;
    if (sack_ok_) scoreboard_.advance(snd_una_);
    // RFC 6298 §5.2-5.3: stop the timer when everything is acknowledged, else restart it.
    if (snd_una_ == snd_max_) rto_at_ = kNever;
    else arm_rto(now);
  }
  // RFC 5681 §2 duplicate ACK: nothing new acknowledged, data outstanding, no data, no
  // SYN/FIN, the same window. RFC 6675 §2: with SACK, an ACK that newly SACKs data.
  bool duplicate = seg_ack == old_una && snd_max_ != snd_una_ && payload_size == 0 &&
                   !has(seg, tcp_flags::fin) && seg_wnd == snd_wnd_;
  if (sack_ok_ && seg.sack_count > 0) {
    std::array<SeqRange, TcpRepr::kMaxSackBlocks> blocks{};
    const std::size_t n = std::min(seg.sack_count, TcpRepr::kMaxSackBlocks);
    for (std::size_t i = 0; i < n; ++i) blocks[i] = {Seq(seg.sack_blocks[i].left), Seq(seg.sack_blocks[i].right)};
    const SackUpdate update = scoreboard_.update(snd_una_, snd_max_, std::span(blocks).first(n));
    if (seg_ack == old_una && snd_max_ != snd_una_ && update.newly_sacked > 0) duplicate = true;
  }
  // "If SND.WL1 < SEG.SEQ or (SND.WL1 = SEG.SEQ and SND.WL2 =< SEG.ACK), set SND.WND <-
  // SEG.WND, set SND.WL1 <- SEG.SEQ, and set SND.WL2 <- SEG.ACK."
  if (snd_wl1_ < seg_seq || (snd_wl1_ == seg_seq && snd_wl2_ <= seg_ack)) {
    if (seg_wnd > snd_wnd_) readiness_changed_ = true;
    snd_wnd_ = seg_wnd;
    snd_wl1_ = seg_seq;
    snd_wl2_ = seg_ack;
    max_snd_wnd_ = std::max(max_snd_wnd_, snd_wnd_);
    // A peer that answers keeps a zero-window connection alive (RFC 1122 §4.2.2.17).
    if (persist_at_ != kNever && snd_wnd_ == 0) retries_ = 0;
    if (snd_wnd_ > 0) persist_at_ = kNever;
  }
  detect_loss(data_acked, duplicate, now);
  if (data_acked > 0) grow_send_buffer();
  return true;
}

// RTT measurement: RFC 7323 §4.1 (TSecr of an ACK for new data, valid even for
// retransmissions), otherwise RFC 6298 §3 one timed segment at a time (Karn).
void Connection::rtt_sample_from(const TcpRepr& seg, Seq acked_to, Instant now) {
  if (ts_ok_ && seg.timestamps && seg.timestamps->echo_reply != 0) {
    const std::uint32_t elapsed = tsval(now) - seg.timestamps->echo_reply;
    if (elapsed < 60'000) rtt_.sample(milliseconds(elapsed));
    rtt_timing_ = false;
    return;
  }
  if (rtt_timing_ && acked_to >= rtt_seq_) {
    rtt_.sample(now - rtt_start_);
    rtt_timing_ = false;
  }
}

// RFC 5681 §3.2 (fast retransmit after three duplicate ACKs), RFC 6582 (NewReno: partial
// ACKs, the recovery point), RFC 6675 §5 (SACK-based entry with IsLost(SND.UNA)), RFC
// 3042 limited transmit (send_data_segment).
void Connection::detect_loss(std::uint32_t acked, bool duplicate, Instant now) {
  if (!cc_) return;
  const Duration srtt = rtt_.srtt().value_or(Duration{});
  if (acked > 0) {
    if (in_recovery_) {
      if (snd_una_ >= recovery_point_) {
        // RFC 6582 §3.2 step 3 / RFC 6675 §5: a full ACK ends recovery.
        in_recovery_ = false;
        dupacks_ = 0;
        recovery_dupacks_ = 0;
        cc_->on_exit_recovery(bytes_in_flight(), now);
      } else {
        // RFC 6582 §3.2 step 5: a partial ACK. Without SACK, the next hole is the first
        // unacknowledged segment: retransmit it now.
        cc_->on_partial_ack(acked);
        if (high_rxt_ < snd_una_) high_rxt_ = snd_una_;
        if (!sack_ok_) {
          recovery_dupacks_ = 0;
          retransmit_first(now);
        }
      }
    } else {
      dupacks_ = 0;
      cc_->on_ack(acked, bytes_in_flight(), now, srtt);
    }
  }
  if (duplicate) {
    if (in_recovery_) recovery_dupacks_++;
    else if (dupacks_ < 255) dupacks_++;
  }
  if (in_recovery_ || snd_max_ == snd_una_) return;
  // RFC 6582 §3.2 step 2: no new recovery for data sent before the last one (or an RTO).
  if (snd_una_ < recovery_point_) return;
  const std::uint32_t mss = effective_mss();
  const bool lost = dupacks_ >= SackScoreboard::kDupThresh ||
                    (sack_ok_ && duplicate && scoreboard_.is_lost(snd_una_, mss));
  if (!lost) return;
  in_recovery_ = true;
  recovery_point_ = snd_max_;
  high_rxt_ = snd_una_;
  recovery_dupacks_ = 0;
  fast_retransmits_++;
  cc_->on_enter_recovery(bytes_in_flight(), now);
  // RFC 5681 §3.2 step 3 / RFC 6675 §5 step 4.3: retransmit the first lost segment.
  retransmit_first(now);
}

// §3.10.7.4 seventh: deliver text within the window to the receive buffer; ACK at once for
// out-of-order data, a filled hole or a duplicate (RFC 5681 §4.2, RFC 9293 §3.8.6.3),
// otherwise at least every second full-sized segment or when the delayed-ACK timer fires.
// A GSO super-packet (gso_size != 0, up to 64 KiB) is one segment here: its text goes to
// the receive buffer in one copy, and it counts as the payload / gso_size full-sized
// segments it was made of.
void Connection::process_text(Seq seq, ByteSpan payload, bool fin, Instant now, std::uint16_t gso_size) {
  ByteSpan data = payload;
  std::int32_t offset = seq - rcv_nxt_;
  if (offset < 0) {
    const auto trim = static_cast<std::size_t>(-static_cast<std::int64_t>(offset));
    data = trim >= data.size() ? ByteSpan{} : data.subspan(trim);
    offset = 0;
  }
  if (!data.empty()) {
    if (orphan_) {
      // The application is gone: new data cannot be delivered (RFC 1122 §4.2.2.13).
      send_rst(snd_max_);
      host_->counters().connections_reset++;
      close_with(std::make_error_code(std::errc::connection_reset));
      return;
    }
    const bool had_holes = receive_buffer_.out_of_order_bytes() > 0;
    const InsertResult r = receive_buffer_.insert(static_cast<std::size_t>(offset), data);
    if (r.dropped_no_range) host_->counters().out_of_order_dropped++;
    // The peer's full-sized segment (RFC 5681 §4.2 / RFC 9293 §3.8.6.3): the largest seen,
    // or a super-packet's gso_size, never above what our MSS lets a segment carry beside
    // the options it must bear. (A 64 KiB super-packet must not make a full-sized segment
    // look 1460 bytes long when timestamps leave 1448: two real ones would then wait.)
    const std::uint32_t full_sized = std::uint32_t{our_mss_} - (ts_ok_ ? 12u : 0u);
    const std::uint32_t seen = gso_size != 0 ? gso_size : static_cast<std::uint32_t>(payload.size());
    rcv_mss_ = static_cast<std::uint16_t>(std::max<std::uint32_t>(rcv_mss_, std::min(seen, full_sized)));
    if (r.advanced > 0) {
      rcv_nxt_ += static_cast<std::uint32_t>(r.advanced);
      bytes_received_ += r.advanced;
      readiness_changed_ = true;
    }
    if (offset > 0 || had_holes || r.stored < data.size()) {
      ack_now_ = true;
    } else {
      unacked_bytes_ += static_cast<std::uint32_t>(r.advanced);
      // RFC 5681 §4.2: "an ACK SHOULD be generated for at least every second full-sized
      // segment", counted in MSS units: bytes, or a super-packet of two segments or more.
      if (unacked_bytes_ >= 2u * rcv_mss_ || (gso_size != 0 && r.advanced >= 2u * gso_size)) ack_now_ = true;
      else if (delack_at_ == kNever) delack_at_ = now + config_->delayed_ack;
    }
  } else if (!payload.empty()) {
    ack_now_ = true;  // a pure duplicate: tell the peer where we are
  }
  if (fin) {
    const Seq fin_seq = seq + static_cast<std::uint32_t>(payload.size());
    if (fin_seq >= rcv_nxt_ && fin_seq <= rcv_adv_) {
      peer_fin_pending_ = true;
      peer_fin_seq_ = fin_seq;
    }
    ack_now_ = true;
  }
  if (peer_fin_pending_ && peer_fin_seq_ == rcv_nxt_) process_fin(now);
}

// §3.10.7.4 eighth, check the FIN bit (once every byte before it has arrived).
void Connection::process_fin(Instant now) {
  peer_fin_pending_ = false;
  fin_received_ = true;
  rcv_nxt_ += 1;
  ack_now_ = true;
  readiness_changed_ = true;
  receive_buffer_.drop_out_of_order();
  switch (state_) {
    case State::syn_received:
    case State::established:
      enter(State::close_wait, now);
      break;
    case State::fin_wait_1:
      // "If our FIN has been ACKed ... enter TIME-WAIT ... otherwise, enter the CLOSING state."
      if (fin_acked()) enter_time_wait(now);
      else enter(State::closing, now);
      break;
    case State::fin_wait_2:
      enter_time_wait(now);
      break;
    case State::time_wait:
      time_wait_at_ = now + config_->time_wait;
      break;
    case State::close_wait:
    case State::closing:
    case State::last_ack:
    case State::closed:
    case State::listen:
    case State::syn_sent:
      break;
  }
}

}  // namespace tunkit::stack::tcp

namespace tunkit::stack::tcp {

// ICMP errors (RFC 1122 §4.2.3.9, RFC 5461, RFC 5927). The owner found the connection by
// the quoted four-tuple; the quoted sequence number must lie in what is in flight.
void Connection::icmp_error(const IcmpError& error, Seq seq, Instant now) {
  // RFC 5927 §4.1: act only if SND.UNA =< SEG.SEQ < SND.NXT for the quoted segment, else
  // discard the error (a blind attacker must guess the window). SND.NXT is the highest
  // sent (an RTO pulls snd_nxt_ back).
  if (!seq_in(seq, snd_una_, snd_max_)) {
    host_->counters().icmp_out_of_window++;
    return;
  }
  switch (error.kind()) {
    case IcmpErrorKind::packet_too_big:
      return path_mtu_decreased(error.mtu, now);
    case IcmpErrorKind::hard:
      // RFC 1122 §4.2.3.9: protocol and port unreachable are hard errors; a connection
      // still opening gives up at once (connect() fails as on Linux). In a synchronized
      // state RFC 5927 §5.2 treats them as soft: a forged one must not kill a connection.
      if (state_ == State::syn_sent) {
        close_with(error.error());
        return;
      }
      [[fallthrough]];
    case IcmpErrorKind::soft:
      // RFC 1122 §4.2.3.9 "MUST NOT abort"; RFC 5461: remember it, so a connection that
      // later times out reports why (time_out()).
      soft_error_ = static_cast<std::uint8_t>(error.error().value());
      return;
  }
}

// RFC 1191 §3, §6.4 / RFC 8201 §4, §5.4: the path MTU fell. The MSS only goes down (no
// probing up), never below what the minimum MTU carries (68 - 40 for IPv4, RFC 791; 1280 -
// 60 for IPv6, RFC 8201 §4 "MUST NOT reduce ... below the IPv6 minimum link MTU"). The
// segments in flight were all cut to the old MSS and the router dropped the one it quoted:
// resend from SND.UNA at the new size now rather than after an RTO. The drop is not
// congestion: cwnd and ssthresh stay.
void Connection::path_mtu_decreased(std::uint32_t mtu, Instant now) {
  const bool v4 = tuple_.remote.family == IpFamily::v4;
  const std::uint32_t minimum_mtu = v4 ? 68 : 1280;
  const std::uint32_t headers = v4 ? 40 : 60;
  const std::uint32_t mss = std::max(mtu, minimum_mtu) - headers;
  if (mss >= std::min(peer_mss_, path_mss_)) return;  // never raised by ICMP
  path_mss_ = static_cast<std::uint16_t>(mss);
  host_->counters().path_mtu_decreases++;
  switch (state_) {
    case State::established:
    case State::fin_wait_1:
    case State::close_wait:
    case State::closing:
    case State::last_ack:
      break;
    case State::closed:
    case State::listen:
    case State::syn_sent:
    case State::syn_received:
    case State::fin_wait_2:
    case State::time_wait:
      return;  // no data in flight: the next segments are simply smaller
  }
  // As after an RTO (go-back-N from SND.UNA, SACK state forgotten, no fast retransmit for
  // duplicate ACKs of data sent before: RFC 6582 §3.2 step 1), minus the backoff and cwnd.
  if (in_recovery_ && cc_) cc_->on_exit_recovery(bytes_in_flight(), now);
  in_recovery_ = false;
  dupacks_ = 0;
  recovery_dupacks_ = 0;
  recovery_point_ = snd_max_;
  retransmit_pending_ = false;
  scoreboard_.clear();
  rtt_timing_ = false;
  snd_nxt_ = snd_una_;
  output(now);
}

}  // namespace tunkit::stack::tcp
