// Applications for the simulation tests: byte streams with a checkable pattern, driven by
// the Tcp readiness model (take_events, edge-triggered: each wake-up sends and receives
// until the call would block).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "sim/network.hpp"

namespace tunkit::sim {

using stack::tcp::ConnectionInfo;
using stack::tcp::Endpoint;
using stack::tcp::Listener;
using stack::tcp::Socket;
using stack::tcp::State;

// Byte `offset` of stream `stream`: a keyed hash of the offset's 8-byte word, so a lost,
// duplicated, shifted or foreign byte shows as a mismatch at its exact offset.
void fill_pattern(std::uint64_t stream, std::uint64_t offset, MutableByteSpan out);
// The first offset in `data` (which starts at `offset`) that differs from the pattern.
std::optional<std::uint64_t> check_pattern(std::uint64_t stream, std::uint64_t offset, ByteSpan data);

struct StreamSpec {
  std::uint64_t send_bytes = 0;    // what this end writes, then shuts down (FIN)
  std::uint64_t expect_bytes = 0;  // what it must read before the peer's FIN
  // Pattern streams: what we send, what we expect. nullopt: derived from the connection's
  // port pair once connected (many connections, each its own stream).
  std::optional<std::uint64_t> send_stream, expect_stream;
  // false: start sending at once (both directions at the same time); true: only after
  // the peer's FIN, so the peer has half-closed while we still send.
  bool send_after_eof = false;
};

// What one end sends and expects (streams keyed by the port pair).
inline StreamSpec stream(std::uint64_t send_bytes, std::uint64_t expect_bytes, bool send_after_eof = false) {
  StreamSpec spec;
  spec.send_bytes = send_bytes;
  spec.expect_bytes = expect_bytes;
  spec.send_after_eof = send_after_eof;
  return spec;
}

// One end of one connection. Owns nothing but its bookkeeping; the handle belongs to the
// Tcp until close().
class StreamPeer {
 public:
  StreamPeer(Tcp& tcp, Socket socket, const StreamSpec& spec, std::string name);

  // Does everything the socket allows now; called on its events (and once at start).
  void service(Instant now);

  bool finished() const noexcept { return closed_ || failed(); }
  bool failed() const noexcept { return error_.has_value() || mismatch_.has_value(); }
  bool complete() const noexcept { return closed_ && !failed(); }
  std::uint64_t sent() const noexcept { return sent_; }
  std::uint64_t received() const noexcept { return received_; }
  bool eof() const noexcept { return eof_; }
  bool shut_down() const noexcept { return shut_; }
  // When the last expected byte was read (delivery time).
  std::optional<Instant> all_received_at() const noexcept { return all_received_at_; }
  // When a handshake completed as seen here (first time the state was ESTABLISHED).
  std::optional<Instant> established_at() const noexcept { return established_at_; }
  // The connection's statistics just before the handle was released.
  const std::optional<ConnectionInfo>& last_info() const noexcept { return last_info_; }
  // Bytes read while this end had already sent its FIN (FIN-WAIT-1/2): half-close proof.
  std::uint64_t received_after_own_fin() const noexcept { return received_after_own_fin_; }
  std::uint32_t states_seen() const noexcept { return states_seen_; }  // bit per State
  Socket socket() const noexcept { return socket_; }
  std::string describe() const;

 private:
  void resolve_streams();
  void fail(std::string what);

  Tcp* tcp_;
  Socket socket_;
  StreamSpec spec_;
  std::string name_;
  std::uint64_t sent_ = 0, received_ = 0, received_after_own_fin_ = 0;
  bool eof_ = false, shut_ = false, closed_ = false;
  std::uint32_t states_seen_ = 0;
  std::optional<Instant> all_received_at_, established_at_;
  std::optional<ConnectionInfo> last_info_;
  std::optional<std::string> error_;
  std::optional<std::uint64_t> mismatch_;
  std::vector<std::uint8_t> buffer_;       // reads land here
  std::vector<std::uint8_t> send_chunk_;   // pattern bytes [chunk_start_, +size) not yet all sent
  std::uint64_t chunk_start_ = 0;
};

// Routes each host's TCP events to its StreamPeers and accepts on listeners.
class Apps {
 public:
  explicit Apps(Network& net) : net_(net) {}

  // An active open from `from` to the other host's `port`, with this end's spec.
  StreamPeer& connect(Side from, std::uint16_t port, const StreamSpec& spec,
                      stack::tcp::ConnectOptions options = {});
  // A listener on `on`: every accepted connection gets a StreamPeer with `spec`.
  void listen(Side on, std::uint16_t port, const StreamSpec& spec, std::size_t backlog = 128);

  // Handles every pending event on both hosts (call after each Network::step).
  void service();
  // Steps the network until every peer is finished and `expected_peers` exist.
  bool run(std::size_t expected_peers, Duration limit, std::string* reason);
  // Then until both hosts have no connection left (TIME-WAIT over): the close is clean.
  bool run_until_closed(Duration limit, std::string* reason);

  const std::vector<std::unique_ptr<StreamPeer>>& peers() const noexcept { return peers_; }
  std::string describe() const;

 private:
  struct Owner {
    Side side;
    std::uint32_t index, generation;
    bool operator<(const Owner& o) const noexcept {
      if (side != o.side) return side < o.side;
      if (index != o.index) return index < o.index;
      return generation < o.generation;
    }
  };
  struct ListenerApp {
    Side side;
    Listener listener;
    StreamSpec spec;
  };

  Network& net_;
  std::vector<std::unique_ptr<StreamPeer>> peers_;
  std::map<Owner, StreamPeer*> by_socket_;
  std::vector<ListenerApp> listeners_;
};

// The classic single-transfer scenario: b listens on `port`, a connects; `client` and
// `server` say who sends what. Returns the two peers (client first) after the run.
struct TransferOutcome {
  bool delivered = false;  // every byte both ways, intact, both FINs read
  bool closed = false;     // both hosts back to zero connections, no reset
  std::string failure;     // why not, with the network's and peers' state
  Duration elapsed{};      // connect() to the client's or server's last expected byte
  std::optional<ConnectionInfo> client_info, server_info;
  std::uint64_t client_received_after_fin = 0, server_received_after_fin = 0;
  PathStats link_a_to_b, link_b_to_a;  // at the end of the run
  std::uint64_t fragments = 0;         // IP fragments sent (oversized segments)
};
TransferOutcome run_transfer(const NetworkConfig& config, const StreamSpec& client,
                             const StreamSpec& server, Duration limit = std::chrono::minutes(30));

}  // namespace tunkit::sim
