// TCP (RFC 9293) for the user-space host: connections, listeners and the application API.
//
// The application model is readiness, as with non-blocking sockets and epoll: calls never
// block and never call back into the application. send/receive/accept return what they
// could do now (0 bytes / nullopt = "would block"); take_events() lists the handles whose
// readiness may have changed since the last call (edge-triggered), so a server with many
// connections looks only at those. Errors are values (connection refused, reset, timed out).
//
// No I/O (DESIGN.md): Tcp plugs into an Interface's TCP hook and sends through
// Interface::send_ip; the driver calls poll(now) when poll_at() says so. One Tcp per
// Interface, one thread.
//
// The driver contract for the output queue (TCP small queues): a connection sends only
// while Interface::tx_space() is nonzero and otherwise waits, its segments kept, never
// dropped. After the driver writes packets and calls Interface::transmit_done(n), it calls
// on_transmit_space(now) so the waiting connections send, oldest first. (A driver that
// forgets is still correct but slower: poll_at() is `now` while connections wait and the
// queue has room, and poll() resumes them.)
//
// Offloads come from the Interface's configuration: with InterfaceConfig::tso a
// connection sends super-segments of up to max_tso_size bytes (whole MSS-sized segments,
// a shorter last one only where the data ends) that the device cuts up; with
// tx_checksum_offload the TCP checksum is left for the device. Retransmissions (fast
// retransmit, SACK recovery) are one MSS each; after an RTO or a path MTU decrease the
// resent data goes out like new data, TSO-sized. Received super-packets (RxOffload) are
// accepted whole.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <system_error>
#include <vector>

#include "tunkit/base/error.hpp"
#include "tunkit/stack/interface.hpp"
#include "tunkit/stack/tcp/congestion.hpp"
#include "tunkit/stack/tcp/rtt_estimator.hpp"
#include "tunkit/stack/time.hpp"
#include "tunkit/wire/address.hpp"
#include "tunkit/wire/bytes.hpp"

namespace tunkit::stack::tcp {

// RFC 9293 §3.3.2, the eleven states.
enum class State : std::uint8_t {
  closed, listen, syn_sent, syn_received, established, fin_wait_1, fin_wait_2,
  close_wait, closing, last_ack, time_wait,
};
std::string_view to_string(State s) noexcept;

struct KeepaliveOptions {  // RFC 1122 §4.2.3.6; Linux's defaults
  bool enabled = false;
  Duration idle = std::chrono::hours(2);
  Duration interval = std::chrono::seconds(75);
  unsigned probes = 9;
};

struct TcpConfig {
  CongestionAlgorithm congestion = CongestionAlgorithm::cubic;
  std::size_t send_buffer = 256 * 1024;         // initial; grows to max_send_buffer
  std::size_t max_send_buffer = 4 * 1024 * 1024;
  std::size_t receive_buffer = 64 * 1024;       // initial; auto-tuned up to max_receive_buffer
  std::size_t max_receive_buffer = 6 * 1024 * 1024;
  std::size_t max_out_of_order_ranges = 32;     // per connection
  bool window_scaling = true;                   // RFC 7323 §2
  bool timestamps = true;                       // RFC 7323 §3, §5 (PAWS)
  bool sack = true;                             // RFC 2018, RFC 6675
  bool nagle = true;                            // default for new connections (RFC 1122 §4.2.3.4)
  Duration delayed_ack = std::chrono::milliseconds(40);  // RFC 9293 §3.8.6.3: < 0.5 s
  Duration time_wait = std::chrono::seconds(60);         // 2MSL
  RtoLimits rto;
  unsigned syn_retries = 6;            // then connect fails with timed_out
  unsigned max_retransmissions = 15;   // R2 (RFC 9293 §3.8.3), then the connection is reset
  KeepaliveOptions keepalive;          // default for new connections
  std::size_t max_connections = 200'000;  // every state but LISTEN and CLOSED, TIME-WAIT too
  bool syn_cookies = true;             // when a listener's SYN backlog is full (RFC 4987 §3.6)
  std::uint32_t challenge_acks_per_second = 1000;  // RFC 5961 §7
  // For tests only: every connection's ISS is this value instead of RFC 6528's (so a test
  // can start near 2^32 and cross the wrap). Never set it in production: predictable ISNs
  // invite blind attacks (RFC 6528 §1).
  std::optional<std::uint32_t> fixed_isn_for_tests;
};

// Handles. A stale handle (closed, reused slot) is detected by its generation.
struct Socket {
  std::uint32_t index = 0;
  std::uint32_t generation = 0;
  bool operator==(const Socket&) const = default;
};
struct Listener {
  std::uint32_t index = 0;
  std::uint32_t generation = 0;
  bool operator==(const Listener&) const = default;
};

struct Endpoint {
  IpAddress address;
  std::uint16_t port = 0;
  bool operator==(const Endpoint&) const = default;
};

struct ConnectOptions {
  std::optional<IpAddress> local_address;  // default: the interface's source for the route
  std::uint16_t local_port = 0;            // 0: an ephemeral port
};

struct SocketStatus {
  State state = State::closed;
  bool readable = false;  // receive() would return bytes, or EOF, or an error
  bool writable = false;  // send() would take at least one byte
  bool eof = false;       // the peer's FIN arrived and every byte before it was read
  std::optional<std::error_code> error;  // reset, refused, timed out: the connection is over
};

// What getsockopt(TCP_INFO) would show, for tests, `host` statistics and benchmarks.
struct ConnectionInfo {
  Endpoint local, remote;
  State state = State::closed;
  std::uint32_t snd_mss = 0, rcv_mss = 0;
  std::uint32_t cwnd = 0, ssthresh = 0, bytes_in_flight = 0;
  std::optional<Duration> srtt;
  Duration rto{};
  std::uint8_t snd_wscale = 0, rcv_wscale = 0;
  bool sack = false, timestamps = false;
  std::uint64_t bytes_sent = 0, bytes_received = 0, bytes_retransmitted = 0;
  std::uint64_t segments_retransmitted = 0, fast_retransmits = 0, timeouts = 0;
  std::size_t send_buffer = 0, receive_buffer = 0;  // current limits
  std::size_t memory = 0;                           // bytes this connection holds now
};

struct TcpEvent {
  enum class Kind : std::uint8_t { socket, listener } kind = Kind::socket;
  Socket socket;      // when kind == socket
  Listener listener;  // when kind == listener: accept() may return a connection
};

// Drops and events of the TCP layer (counted, never logged per segment).
struct TcpCounters {
  std::uint64_t segments_received = 0, segments_sent = 0, retransmissions = 0;
  std::uint64_t bad_checksum = 0, malformed = 0, no_socket = 0;  // no_socket: answered by RST
  std::uint64_t out_of_window = 0, paws_rejected = 0, challenge_acks = 0;
  std::uint64_t challenge_acks_rate_limited = 0, syn_backlog_full = 0;
  std::uint64_t syn_cookies_sent = 0, syn_cookies_accepted = 0, syn_cookies_rejected = 0;
  std::uint64_t out_of_order_dropped = 0, connections_opened = 0, connections_reset = 0;
  std::uint64_t connections_refused_limit = 0;
  // Backpressure: times a connection found the interface's output queue full and waited.
  std::uint64_t transmit_blocked = 0;
  // ICMP errors quoting our segments (RFC 5927): handed to a connection, for no connection,
  // ignored for a sequence number outside SND.UNA..SND.NXT; path MTU decreases applied.
  std::uint64_t icmp_errors = 0, icmp_no_connection = 0, icmp_out_of_window = 0;
  std::uint64_t path_mtu_decreases = 0;
};

class Tcp {
 public:
  // Installs itself as iface's TCP hook. `iface` must outlive the Tcp and not move.
  static Result<std::unique_ptr<Tcp>> create(Interface& iface, TcpConfig config = {});
  ~Tcp();
  Tcp(const Tcp&) = delete;
  Tcp& operator=(const Tcp&) = delete;

  // Passive open (RFC 9293 §3.10.1) on every address of the interface. `backlog` bounds
  // both the SYN-RECEIVED queue and the completed connections awaiting accept().
  Result<Listener> listen(std::uint16_t port, std::size_t backlog = 128);
  void close(Listener listener);
  // A connection whose handshake completed, or nullopt.
  std::optional<Socket> accept(Listener listener);

  // Active open: sends the SYN now. The socket becomes writable once established, or
  // reports an error (refused, timed out, no route).
  Result<Socket> connect(const Endpoint& remote, Instant now, ConnectOptions options = {});

  // SEND (§3.10.2): copies as much as fits into the send buffer; 0 = full (would block).
  // An error once the connection cannot send (shut down, reset, closed).
  Result<std::size_t> send(Socket socket, ByteSpan data, Instant now);
  // RECEIVE (§3.10.3): 0 with status().eof = end of stream; 0 otherwise = would block.
  Result<std::size_t> receive(Socket socket, MutableByteSpan out, Instant now);
  // Half-close: a FIN follows the data already queued (CLOSE on the send side).
  Result<void> shutdown(Socket socket, Instant now);
  // CLOSE (§3.10.4): shutdown and release the handle; the connection finishes on its own
  // (FIN handshake, TIME-WAIT). If unread data remains, a RST is sent instead (RFC 1122
  // §4.2.2.13).
  void close(Socket socket, Instant now);
  // ABORT (§3.10.5): RST now, release the handle.
  void abort(Socket socket, Instant now);

  SocketStatus status(Socket socket) const;
  std::optional<ConnectionInfo> info(Socket socket) const;
  void set_nodelay(Socket socket, bool nodelay);
  void set_keepalive(Socket socket, const KeepaliveOptions& options);

  // Handles whose readiness may have changed since the last call.
  std::vector<TcpEvent> take_events();

  // Timers: retransmission, delayed ACK, persist (zero-window probe), keepalive,
  // TIME-WAIT, SYN-RECEIVED expiry; then, like on_transmit_space, connections waiting
  // for room in the output queue.
  void poll(Instant now);
  std::optional<Instant> poll_at() const;
  // The interface's output queue has room again (call after Interface::transmit_done):
  // connections that stopped on a full queue send, in the order they stopped, while room
  // lasts; the rest keep waiting for the next call.
  void on_transmit_space(Instant now);

  const TcpCounters& counters() const noexcept;
  std::size_t connection_count() const noexcept;  // every state but CLOSED and LISTEN
  std::size_t memory() const noexcept;            // bytes held by all connections

 private:
  Tcp(Interface& iface, TcpConfig config);
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace tunkit::stack::tcp
