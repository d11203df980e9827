#include "sim/apps.hpp"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <stdexcept>

namespace tunkit::sim {

namespace {

constexpr std::size_t kChunk = 64 * 1024;

// The stream of bytes from `from_port` to `to_port`, for connections that carry their own.
std::uint64_t port_stream(std::uint16_t from_port, std::uint16_t to_port) noexcept {
  return 0x5EED0000'00000000ULL | std::uint64_t{from_port} << 16 | to_port;
}

}  // namespace

void fill_pattern(std::uint64_t stream, std::uint64_t offset, MutableByteSpan out) {
  // Byte b of word w is (pattern_word(w) >> 8b): little-endian words, written whole where
  // they fit.
  const std::uint64_t key = mix64(stream);
  std::size_t i = 0;
  while (i < out.size()) {
    const std::uint64_t pos = offset + i;
    const std::uint64_t word = mix64(key ^ (pos / 8));
    const std::size_t first = static_cast<std::size_t>(pos % 8);
    const std::size_t n = std::min<std::size_t>(8 - first, out.size() - i);
    for (std::size_t b = 0; b < n; ++b) out[i + b] = static_cast<std::uint8_t>(word >> (8 * (first + b)));
    i += n;
  }
}

std::optional<std::uint64_t> check_pattern(std::uint64_t stream, std::uint64_t offset, ByteSpan data) {
  std::uint8_t expected[16384];
  for (std::size_t at = 0; at < data.size(); at += sizeof expected) {
    const std::size_t n = std::min(sizeof expected, data.size() - at);
    fill_pattern(stream, offset + at, MutableByteSpan(expected, n));
    if (std::memcmp(data.data() + at, expected, n) == 0) continue;
    for (std::size_t i = 0; i < n; ++i)
      if (data[at + i] != expected[i]) return offset + at + i;
  }
  return std::nullopt;
}

// --- StreamPeer ------------------------------------------------------------------------

StreamPeer::StreamPeer(Tcp& tcp, Socket socket, const StreamSpec& spec, std::string name)
    : tcp_(&tcp), socket_(socket), spec_(spec), name_(std::move(name)), buffer_(kChunk) {}

void StreamPeer::fail(std::string what) {
  if (!error_) error_ = std::move(what);
}

void StreamPeer::resolve_streams() {
  if (spec_.send_stream && spec_.expect_stream) return;
  const auto info = tcp_->info(socket_);
  if (!info || info->local.port == 0 || info->remote.port == 0) return;
  if (!spec_.send_stream) spec_.send_stream = port_stream(info->local.port, info->remote.port);
  if (!spec_.expect_stream) spec_.expect_stream = port_stream(info->remote.port, info->local.port);
}

void StreamPeer::service(Instant now) {
  if (finished()) return;
  auto status = tcp_->status(socket_);
  states_seen_ |= 1U << static_cast<unsigned>(status.state);
  if (status.state == State::established && !established_at_) established_at_ = now;
  resolve_streams();

  // RECEIVE until it would block. Read before the error check: bytes that arrived before
  // a reset are still the peer's.
  while (status.readable && !eof_) {
    auto n = tcp_->receive(socket_, buffer_, now);
    if (!n) return fail("receive: " + n.error().message);
    if (*n == 0) break;
    if (!spec_.expect_stream) return fail("data before the connection had its ports");
    const ByteSpan got(buffer_.data(), *n);
    if (auto bad = check_pattern(*spec_.expect_stream, received_, got)) {
      mismatch_ = bad;
      return fail("byte " + std::to_string(*bad) + " differs from the pattern");
    }
    received_ += *n;
    if (shut_) received_after_own_fin_ += *n;
    if (received_ > spec_.expect_bytes)
      return fail("read " + std::to_string(received_) + " bytes, expected " +
                  std::to_string(spec_.expect_bytes));
    if (received_ == spec_.expect_bytes && !all_received_at_) all_received_at_ = now;
  }
  status = tcp_->status(socket_);
  states_seen_ |= 1U << static_cast<unsigned>(status.state);
  if (status.eof && !eof_) {
    eof_ = true;
    if (received_ != spec_.expect_bytes)
      return fail("EOF after " + std::to_string(received_) + " of " +
                  std::to_string(spec_.expect_bytes) + " bytes");
    if (!all_received_at_) all_received_at_ = now;
  }
  if (status.error) return fail("connection error: " + status.error->message());

  // SEND until it would block, then the FIN.
  if (!shut_ && (!spec_.send_after_eof || eof_) && status.writable) {
    while (sent_ < spec_.send_bytes && spec_.send_stream) {
      if (sent_ >= chunk_start_ + send_chunk_.size()) {  // generate the next chunk once
        chunk_start_ = sent_;
        send_chunk_.resize(static_cast<std::size_t>(std::min<std::uint64_t>(kChunk, spec_.send_bytes - sent_)));
        fill_pattern(*spec_.send_stream, chunk_start_, send_chunk_);
      }
      const ByteSpan rest = ByteSpan(send_chunk_).subspan(static_cast<std::size_t>(sent_ - chunk_start_));
      auto taken = tcp_->send(socket_, rest, now);
      if (!taken) return fail("send: " + taken.error().message);
      if (*taken == 0) break;
      sent_ += *taken;
    }
    if (sent_ == spec_.send_bytes) {
      if (auto r = tcp_->shutdown(socket_, now); !r) return fail("shutdown: " + r.error().message);
      shut_ = true;
    }
  }
  last_info_ = tcp_->info(socket_);
  if (eof_ && shut_) {
    tcp_->close(socket_, now);
    closed_ = true;
  }
}

std::string StreamPeer::describe() const {
  std::string out = name_ + ": sent " + std::to_string(sent_) + "/" + std::to_string(spec_.send_bytes) +
                    ", read " + std::to_string(received_) + "/" + std::to_string(spec_.expect_bytes) +
                    (eof_ ? ", eof" : "") + (shut_ ? ", shut down" : "") + (closed_ ? ", closed" : "");
  if (!closed_) {
    const auto status = tcp_->status(socket_);
    out += ", state " + std::string(stack::tcp::to_string(status.state));
    out += status.readable ? " readable" : "";
    out += status.writable ? " writable" : "";
  }
  if (last_info_) {
    const auto& i = *last_info_;
    out += ", cwnd " + std::to_string(i.cwnd) + " ssthresh " + std::to_string(i.ssthresh) +
           " in flight " + std::to_string(i.bytes_in_flight) + " rto " +
           std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(i.rto).count()) +
           " ms, retx " + std::to_string(i.segments_retransmitted) + " timeouts " +
           std::to_string(i.timeouts);
  }
  if (error_) out += ", FAILED: " + *error_;
  return out;
}

// --- Apps ------------------------------------------------------------------------------

StreamPeer& Apps::connect(Side from, std::uint16_t port, const StreamSpec& spec,
                          stack::tcp::ConnectOptions options) {
  Tcp& tcp = net_.tcp(from);
  auto socket = tcp.connect(Endpoint{net_.host(other(from)).address, port}, net_.now(), options);
  if (!socket) throw std::runtime_error("connect: " + socket.error().message);
  peers_.push_back(std::make_unique<StreamPeer>(
      tcp, *socket, spec, std::string(from == Side::a ? "a" : "b") + " connect#" + std::to_string(peers_.size())));
  by_socket_[Owner{from, socket->index, socket->generation}] = peers_.back().get();
  return *peers_.back();
}

void Apps::listen(Side on, std::uint16_t port, const StreamSpec& spec, std::size_t backlog) {
  auto listener = net_.tcp(on).listen(port, backlog);
  if (!listener) throw std::runtime_error("listen: " + listener.error().message);
  listeners_.push_back(ListenerApp{on, *listener, spec});
}

void Apps::service() {
  for (const Side side : {Side::a, Side::b}) {
    Tcp& tcp = net_.tcp(side);
    for (const auto& event : tcp.take_events()) {
      if (event.kind == stack::tcp::TcpEvent::Kind::socket) {
        const auto it = by_socket_.find(Owner{side, event.socket.index, event.socket.generation});
        if (it == by_socket_.end()) continue;  // released already
        StreamPeer* peer = it->second;
        peer->service(net_.now());
        if (peer->finished()) by_socket_.erase(it);
        continue;
      }
      for (const ListenerApp& l : listeners_) {
        if (l.side != side || !(l.listener == event.listener)) continue;
        while (auto socket = tcp.accept(l.listener)) {
          peers_.push_back(std::make_unique<StreamPeer>(
              tcp, *socket, l.spec,
              std::string(side == Side::a ? "a" : "b") + " accept#" + std::to_string(peers_.size())));
          StreamPeer* peer = peers_.back().get();
          peer->service(net_.now());
          if (!peer->finished()) by_socket_[Owner{side, socket->index, socket->generation}] = peer;
        }
      }
    }
  }
}

bool Apps::run(std::size_t expected_peers, Duration limit, std::string* reason) {
  // The first wake-up: a socket may be ready before any event was raised.
  for (auto& p : peers_) p->service(net_.now());
  const auto all_finished = [&] {
    if (peers_.size() < expected_peers) return false;
    return std::all_of(peers_.begin(), peers_.end(), [](const auto& p) { return p->finished(); });
  };
  return net_.run_until(all_finished, limit, [&] { service(); }, reason);
}

bool Apps::run_until_closed(Duration limit, std::string* reason) {
  const auto closed = [&] {
    return net_.tcp(Side::a).connection_count() == 0 && net_.tcp(Side::b).connection_count() == 0;
  };
  return net_.run_until(closed, limit, [&] { service(); }, reason);
}

std::string Apps::describe() const {
  std::string out;
  std::size_t shown = 0;
  for (const auto& p : peers_) {
    if (p->complete()) continue;  // many connections: show the ones that are not done
    if (++shown > 20) {
      out += "  ...\n";
      break;
    }
    out += "  " + p->describe() + "\n";
  }
  if (shown == 0 && !peers_.empty()) out += "  all " + std::to_string(peers_.size()) + " peers complete\n";
  return out;
}

// --- run_transfer -----------------------------------------------------------------------

TransferOutcome run_transfer(const NetworkConfig& config, const StreamSpec& client,
                             const StreamSpec& server, Duration limit) {
  constexpr std::uint16_t kPort = 5001;
  TransferOutcome outcome;
  Network net(config);
  Apps apps(net);
  apps.listen(Side::b, kPort, server);
  const Instant start = net.now();
  StreamPeer& a = apps.connect(Side::a, kPort, client);
  std::string reason;
  const bool ran = apps.run(2, limit, &reason);
  const auto& peers = apps.peers();
  const bool all_complete =
      peers.size() == 2 && std::all_of(peers.begin(), peers.end(), [](const auto& p) { return p->complete(); });
  outcome.delivered = ran && all_complete;
  Instant last = start;
  for (const auto& p : peers)
    if (p->all_received_at()) last = std::max(last, *p->all_received_at());
  outcome.elapsed = last - start;
  outcome.client_info = a.last_info();
  outcome.client_received_after_fin = a.received_after_own_fin();
  if (peers.size() == 2) {
    outcome.server_info = peers[1]->last_info();
    outcome.server_received_after_fin = peers[1]->received_after_own_fin();
  }
  outcome.link_a_to_b = net.link().stats(Side::a);
  outcome.link_b_to_a = net.link().stats(Side::b);
  outcome.fragments = net.fragments_sent();
  if (!outcome.delivered) {
    outcome.failure = "not delivered: " + (ran ? std::string("a peer failed") : reason) + "\n" +
                      apps.describe() + net.describe();
    return outcome;
  }
  const bool closed = apps.run_until_closed(std::chrono::minutes(10), &reason);
  const auto resets = net.tcp(Side::a).counters().connections_reset + net.tcp(Side::b).counters().connections_reset;
  outcome.closed = closed && resets == 0;
  outcome.link_a_to_b = net.link().stats(Side::a);
  outcome.link_b_to_a = net.link().stats(Side::b);
  outcome.fragments = net.fragments_sent();
  if (!outcome.closed)
    outcome.failure = "not closed cleanly: " + (closed ? std::to_string(resets) + " resets" : reason) + "\n" +
                      apps.describe() + net.describe();
  return outcome;
}

}  // namespace tunkit::sim
