// One TCP connection: the transmission control block (RFC 9293 §3.3.1) and the state
// machine that RFC 9293 §3.10 describes as event processing (OPEN, SEND, RECEIVE, CLOSE,
// ABORT, SEGMENT ARRIVES, timeouts).
//
// No I/O (DESIGN.md): events come in as calls with `now`; segments go out through
// ConnectionHost::transmit; deadline() says when on_timer() must run next. The owner
// (Tcp::Impl in tcp.cpp) does demultiplexing, listeners and handles, and reads
// take_readiness_changed() after each call to raise application events.
//
// Memory: the connection object is fixed-size; its send and receive buffers allocate on
// first use and release when empty (send_buffer.hpp, receive_buffer.hpp), the congestion
// controller is dropped in TIME-WAIT. memory() reports the total.
//
// Input is split from output: connection_input.cpp holds SEGMENT ARRIVES (§3.10.7),
// connection.cpp the user calls, the send path and the timers.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <system_error>

#include "tunkit/base/error.hpp"
#include "tunkit/stack/icmp_error.hpp"
#include "tunkit/stack/tcp/congestion.hpp"
#include "tunkit/stack/tcp/isn.hpp"
#include "tunkit/stack/tcp/receive_buffer.hpp"
#include "tunkit/stack/tcp/rtt_estimator.hpp"
#include "tunkit/stack/tcp/sack_scoreboard.hpp"
#include "tunkit/stack/tcp/send_buffer.hpp"
#include "tunkit/stack/tcp/seq.hpp"
#include "tunkit/stack/tcp/syn_cookie.hpp"
#include "tunkit/stack/tcp/tcp.hpp"
#include "tunkit/stack/time.hpp"
#include "tunkit/wire/tcp.hpp"

namespace tunkit::stack::tcp {

inline constexpr Instant kNever = Instant::max();
// How long a quiet connection keeps empty buffer storage before giving it back.
inline constexpr Duration kBufferHold = std::chrono::seconds(1);

// What a connection needs from the layer that owns it. One host serves many connections
// and outlives them.
class ConnectionHost {
 public:
  virtual ~ConnectionHost() = default;
  // Sends one segment from tuple.local to tuple.remote: `header` (payload_length set)
  // followed by payload_length bytes of `data` starting at `offset` (data may be null when
  // payload_length is 0). The host computes the checksum (or leaves it to the device).
  // With `segment_size` nonzero and payload_length above it, the segment is a TSO
  // super-segment that the device cuts into segments of segment_size payload bytes, each
  // with a copy of `header` (payload_length at most tso_limit() - header size).
  virtual void transmit(const FourTuple& tuple, const TcpRepr& header, const SendBuffer* data,
                        std::size_t offset, std::uint32_t segment_size = 0) = 0;
  // Whether the output queue has room for one more packet. A connection whose segment
  // finds none keeps it (tx_blocked()) and is resumed by the owner when room appears:
  // our own segments are never dropped locally (Linux's TCP small queues in spirit).
  virtual bool can_transmit() const noexcept = 0;
  // The largest TCP segment, header included, one transmit may carry for `family`: with
  // TSO up to about 64 KiB; 0 without (segments are one MSS).
  virtual std::uint32_t tso_limit(IpFamily family) const noexcept = 0;
  // RFC 5961 §7: one token of the stack-wide challenge-ACK budget.
  virtual bool allow_challenge_ack(Instant now) = 0;
  virtual TcpCounters& counters() noexcept = 0;
  virtual const TcpConfig& config() const noexcept = 0;
};

// Per-connection parameters the owner decides.
struct ConnectionParams {
  FourTuple tuple;
  Seq iss;                    // RFC 6528 (or a SYN cookie)
  std::uint32_t ts_offset = 0;  // RFC 7323 §5.4: random per-connection TSval offset
  std::uint16_t our_mss = 536;  // MSS we advertise: MTU - IP header - 20 (RFC 9293 §3.7.1)
};

class Connection {
 public:
  Connection(ConnectionHost& host, const ConnectionParams& params);
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // --- opening (§3.10.1 OPEN, §3.10.7.2 LISTEN state) ---------------------------------
  // Active OPEN: SYN-SENT, the SYN goes out now.
  void open_active(Instant now);
  // A SYN reached a listener (§3.10.7.2 "third, check for a SYN"): SYN-RECEIVED, SYN-ACK
  // sent now. `syn` carries the peer's options.
  void open_passive(const TcpRepr& syn, Instant now);
  // A valid SYN cookie completed the handshake (RFC 4987 §3.6): ESTABLISHED straight
  // away with the options the cookie carried, then `ack` is processed as a segment.
  void open_from_cookie(Seq irs, const SynCookieOptions& options, const TcpRepr& ack,
                        ByteSpan payload, Instant now);

  // --- events ---------------------------------------------------------------------------
  // SEGMENT ARRIVES (§3.10.7.3-4) for a segment whose checksum was verified (or trusted).
  // `gso_size`: the segment is a GSO super-packet of segments this long (RxOffload),
  // accepted whole; 0 for an ordinary segment. A segment longer than the MSS we
  // advertised is accepted like any other: only the window bounds what is kept.
  void segment_arrives(const TcpRepr& seg, ByteSpan payload, Instant now, std::uint16_t gso_size = 0);
  // An ICMP / ICMPv6 error quoting a segment of this connection whose sequence number is
  // `seq` (RFC 5927 §4.1: ignored unless SND.UNA =< seq < SND.NXT): RFC 1191 / RFC 8201
  // lower the MSS and resend what no longer fits; a hard error aborts SYN-SENT (RFC 1122
  // §4.2.3.9); anything else is a soft error, reported if the connection later times out
  // (RFC 5461, RFC 5927 §5.2 for hard errors in synchronized states).
  void icmp_error(const IcmpError& error, Seq seq, Instant now);
  // Output stopped because the host's queue was full (ConnectionHost::can_transmit).
  bool tx_blocked() const noexcept { return tx_blocked_; }
  // Room appeared: send what waited.
  void on_transmit_space(Instant now);
  // Timeouts (§3.10.8): runs every timer whose deadline is <= now.
  void on_timer(Instant now);
  Instant deadline() const noexcept;  // kNever when no timer is armed

  // --- user calls -----------------------------------------------------------------------
  Result<std::size_t> send(ByteSpan data, Instant now);        // §3.10.2
  Result<std::size_t> receive(MutableByteSpan out, Instant now);  // §3.10.3
  Result<void> shutdown(Instant now);                            // §3.10.4 CLOSE
  void abort(Instant now);                                       // §3.10.5
  // The application released its handle: unread data is answered by RST (RFC 1122
  // §4.2.2.13), data arriving later too; FIN-WAIT-2 then times out like TIME-WAIT.
  void orphan(Instant now);
  void set_nodelay(bool nodelay) noexcept { nodelay_ = nodelay; }
  void set_keepalive(const KeepaliveOptions& options, Instant now) noexcept;

  // --- queries --------------------------------------------------------------------------
  State state() const noexcept { return state_; }
  const FourTuple& tuple() const noexcept { return tuple_; }
  bool passive() const noexcept { return passive_; }
  bool orphaned() const noexcept { return orphan_; }
  Seq rcv_nxt() const noexcept { return rcv_nxt_; }
  SocketStatus status() const noexcept;
  ConnectionInfo info() const noexcept;
  std::size_t memory() const noexcept;  // sizeof plus heap storage held now
  // True once after anything that can change readiness (data, space, state, error).
  bool take_readiness_changed() noexcept { return std::exchange(readiness_changed_, false); }

 private:
  // connection_input.cpp
  void syn_sent_arrives(const TcpRepr& seg, ByteSpan payload, Instant now);
  void synchronized_arrives(const TcpRepr& seg, ByteSpan payload, Instant now, std::uint16_t gso_size);
  bool segment_acceptable(const TcpRepr& seg, std::size_t payload_size) const noexcept;
  bool process_ack(const TcpRepr& seg, std::size_t payload_size, Instant now);
  void process_text(Seq seq, ByteSpan payload, bool fin, Instant now, std::uint16_t gso_size = 0);
  void process_fin(Instant now);
  void take_options(const TcpRepr& syn, Instant now);
  void update_window(const TcpRepr& seg);
  void rtt_sample_from(const TcpRepr& seg, Seq acked_to, Instant now);
  void detect_loss(std::uint32_t acked, bool duplicate, Instant now);
  void send_challenge_ack(Instant now);

  // connection.cpp: output
  void output(Instant now);
  bool send_data_segment(Instant now, bool recovery_only);
  bool send_recovery_segment(Instant now);
  void retransmit_first(Instant now);
  void send_range(Seq seq, std::uint32_t length, bool fin, Instant now, std::uint32_t segment_size = 0);
  void path_mtu_decreased(std::uint32_t mtu, Instant now);
  void send_syn(Instant now);
  void send_ack(Instant now);
  void send_rst(Seq seq);
  void send_keepalive_or_probe(Instant now);
  void fill_header(TcpRepr& r, Seq seq, std::uint8_t flags, Instant now);
  std::uint32_t options_overhead(std::size_t sack_blocks) const noexcept;
  std::uint32_t sack_room() const noexcept;
  std::uint32_t segment_payload_limit() const noexcept;
  std::uint32_t effective_mss() const noexcept;  // payload of a full segment, fixed options
  // The longest payload one transmit may carry for segments of `mss`: mss, or with TSO
  // the largest multiple of it within the host's tso_limit().
  std::uint32_t max_burst_payload(std::uint32_t mss, std::size_t header_size) const noexcept;
  bool room_to_send() noexcept;  // can_transmit(), else marks the connection blocked
  std::uint16_t window_field(bool syn) noexcept;
  std::uint32_t tsval(Instant now) const noexcept;
  std::uint32_t bytes_in_flight() const noexcept;
  std::uint32_t pipe() const noexcept;
  Seq data_end() const noexcept;   // one past the last queued byte (= FIN's seq if queued)
  Seq send_end() const noexcept;   // data_end() + 1 if FIN queued
  bool fin_acked() const noexcept;

  // connection.cpp: state and timers
  void enter(State s, Instant now);
  void enter_time_wait(Instant now);
  void close_with(std::error_code error);
  void time_out();  // R2 / SYN retries / keepalive: closed with the soft error or timed_out
  void schedule_release(Instant now) noexcept;
  void arm_rto(Instant now);
  void restart_keepalive(Instant now);
  void retransmission_timeout(Instant now);
  void persist_timeout(Instant now);
  void keepalive_timeout(Instant now);
  void grow_send_buffer();
  void autotune_receive(std::size_t copied, Instant now);
  void maybe_window_update(Instant now);
  bool receiving_side_open() const noexcept;

  ConnectionHost* host_;
  const TcpConfig* config_;
  FourTuple tuple_;
  State state_ = State::closed;
  bool passive_ = false;
  bool orphan_ = false;
  bool readiness_changed_ = false;
  bool nodelay_ = false;
  bool fin_queued_ = false;       // CLOSE: a FIN follows the last queued byte
  bool fin_received_ = false;     // the peer's FIN was processed in order
  bool peer_fin_pending_ = false; // a FIN arrived ahead of RCV.NXT, at peer_fin_seq_
  bool ts_ok_ = false;            // RFC 7323 §3.2: both sides sent timestamps
  bool sack_ok_ = false;          // RFC 2018 §2: both sides sent SACK-permitted
  bool wscale_ok_ = false;        // RFC 7323 §2.2: both sides sent window scale
  bool in_recovery_ = false;      // RFC 6582 / RFC 6675 fast recovery
  bool rtt_timing_ = false;       // a segment is being timed (no timestamps, Karn)
  bool ack_now_ = false;          // an ACK is owed right away
  bool syn_retransmitted_ = false;
  bool tx_blocked_ = false;       // output stopped on a full host queue
  bool retransmit_pending_ = false;  // retransmit_first() could not send: do it on resume
  std::uint8_t snd_wscale_ = 0;   // shift applied to the peer's window field
  std::uint8_t rcv_wscale_ = 0;   // shift applied to ours
  std::uint8_t dupacks_ = 0;
  std::uint8_t keepalive_probes_ = 0;
  std::uint8_t soft_error_ = 0;   // errno of the last ICMP soft error (RFC 1122 §4.2.3.9), 0: none
  std::uint16_t retries_ = 0;     // consecutive RTO expiries or unanswered probes
  std::uint16_t our_mss_;         // what we advertised
  std::uint16_t peer_mss_ = 0;    // the peer's MSS option, clamped to ours
  std::uint16_t path_mss_ = 0xffff;  // MSS the path MTU allows (RFC 1191 / 8201); only lowered
  std::uint16_t rcv_mss_ = 536;   // largest segment received (delayed-ACK sizing)
  std::uint32_t ts_offset_;
  std::uint32_t ts_recent_ = 0;   // RFC 7323 §4.3 TS.Recent
  std::uint32_t snd_wnd_ = 0;
  std::uint32_t max_snd_wnd_ = 0;  // RFC 5961 §5.2 MAX.SND.WND
  std::uint32_t unacked_bytes_ = 0;  // received since our last ACK (RFC 5681 §4.2)
  std::uint32_t recovery_dupacks_ = 0;  // NewReno without SACK: dupacks since entry
  std::uint32_t drs_copied_ = 0;   // bytes read since drs_time_ (auto-tuning)

  Seq iss_, irs_;
  Seq snd_una_, snd_nxt_, snd_max_;  // snd_max_: highest SND.NXT sent (RTO pulls snd_nxt_ back)
  Seq snd_wl1_, snd_wl2_;
  Seq rcv_nxt_;
  Seq rcv_adv_;                    // right edge of the window we advertised
  Seq last_ack_sent_;              // RFC 7323 §4.3 Last.ACK.sent
  Seq buf_seq_;                    // sequence number of the send buffer's first byte
  Seq recovery_point_, high_rxt_;  // RFC 6582 "recover", RFC 6675 HighRxt
  Seq rtt_seq_;
  Seq peer_fin_seq_;

  Instant rto_at_ = kNever, delack_at_ = kNever, persist_at_ = kNever;
  Instant keepalive_at_ = kNever, time_wait_at_ = kNever;
  Instant release_at_ = kNever;  // buffer storage is given back if still empty then
  Instant last_activity_{};      // the last output() or read: buffers are kept while recent
  Instant rtt_start_{}, ts_recent_time_{}, last_send_{}, drs_time_{};
  KeepaliveOptions keepalive_;
  std::error_code error_;

  SendBuffer send_buffer_;
  ReceiveBuffer receive_buffer_;
  SackScoreboard scoreboard_;
  RttEstimator rtt_;
  std::unique_ptr<CongestionControl> cc_;

  std::uint64_t bytes_sent_ = 0, bytes_received_ = 0, bytes_retransmitted_ = 0;
  std::uint32_t segments_retransmitted_ = 0, fast_retransmits_ = 0, timeouts_ = 0;
};

// RFC 7323 §2.3: the shift we offer so that `buffer` fits in a scaled 16-bit window.
std::uint8_t window_scale_for(std::size_t buffer) noexcept;

}  // namespace tunkit::stack::tcp
