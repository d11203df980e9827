// `tunkit tunnel`: the tutorials' simpletun, wire-compatible in TCP mode (2-byte big-endian
// length, then the packet or frame), plus UDP. It does NOT encrypt: see `tunkit wg`.
//
// One thread, one epoll loop. Packets are read from the device in batches into buffers
// with 2 bytes of headroom, the length is written into that headroom, and the whole batch
// goes out in one sendmsg (TCP) or sendmmsg (UDP) with no copy. While a batch is not
// fully sent, the device is not read: the kernel's queue absorbs bursts and drops beyond
// it, so memory stays bounded (backpressure). Received frames are written to the device
// straight from the receive buffer.
#include <netinet/in.h>
#include <netinet/udp.h>
#include <sys/socket.h>

#include <fmt/format.h>

#include <array>
#include <cstring>
#include <chrono>
#include <cstdio>

#include "command_line.hpp"
#include "tunkit/dev/name.hpp"
#include "tunkit/dev/tun.hpp"
#include "tunkit/event/epoll.hpp"
#include "tunkit/event/signals.hpp"
#include "tunkit/netlink/rtnetlink.hpp"
#include "tunkit/tunnel/framing.hpp"
#include "tunkit/tunnel/socket.hpp"
#include "tunkit/wire/gso.hpp"
#include "tunkit/wire/vnet_hdr.hpp"

namespace tunkit::app {
namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;
using tunnel::Endpoint;
using tunnel::Transport;

struct TunnelOptions {
  std::string device;
  bool listen = false;
  std::string listen_address;  // empty: any
  std::string connect;
  std::uint16_t port = 55555;
  std::string transport = "tcp";
  std::string mode;            // "", "tun", "tap"
  bool simpletun_tun = false;  // -u
  bool simpletun_tap = false;  // -a
  std::vector<std::string> addresses;
  unsigned mtu = 0;
  bool up = false;
  bool offload = false;
  bool debug = false;
};

struct Counters {
  std::uint64_t frames_out = 0, bytes_out = 0;  // device -> peer
  std::uint64_t frames_in = 0, bytes_in = 0;    // peer -> device
  std::uint64_t connections = 0;
  std::uint64_t protocol_errors = 0;            // connections dropped for a bad frame
  std::uint64_t drop_connection_lost = 0;       // packets of a batch cut off by a lost link
  std::uint64_t drop_no_peer = 0;               // UDP server: nobody has spoken to us yet
  std::uint64_t drop_bad_datagram = 0;          // UDP: empty, too long or truncated
  std::uint64_t drop_device_refused = 0;        // the device rejected a packet we wrote
  std::uint64_t drop_unsplittable = 0;          // --offload over UDP: a super-packet we cannot split
  std::uint64_t gso_sends = 0, gso_packets = 0;  // UDP_SEGMENT sends and the packets in them
  std::uint64_t gro_runs = 0, gro_packets = 0;   // UDP_GRO receives of several datagrams
  std::uint64_t merged_writes = 0, merged_segments = 0;  // --offload over UDP: coalesced writes
};

enum Tag : std::uint64_t { kDevice = 1, kSignals, kListener, kConnection, kUdp };

constexpr std::size_t kBatch = 64;
constexpr std::size_t kReceiveBuffer = 1 << 20;
constexpr std::size_t kUdpCell = 65536;         // one UDP receive: a datagram or a GRO run
constexpr std::size_t kMaxGsoSegments = 64;     // UDP_MAX_SEGMENTS in Linux
constexpr std::size_t kMaxGsoBytes = 65000;     // under the 64 KiB UDP datagram limit
constexpr std::size_t kMaxSegmentsPerPacket = 192;  // a 64 KiB super-packet at MSS 344

class Tunnel {
 public:
  // `max_packet`: the longest packet the device hands us (MTU plus link header, or a GSO
  // super-packet with offloads).
  Tunnel(const TunnelOptions& o, dev::Device device, std::size_t max_packet, Transport transport)
      : options_(o),
        device_(std::move(device)),
        queue_(device_.queue()),
        transport_(transport),
        framing_(o.offload ? tunnel::Framing::offload : tunnel::Framing::simpletun),
        vnet_size_(o.offload && transport == Transport::tcp ? VirtioNetHdrView::kSize : 0),
        udp_offload_(o.offload && transport == Transport::udp),
        max_frame_(vnet_size_ + max_packet),
        reader_(max_frame_, kReceiveBuffer + max_frame_, framing_),
        prefix_(transport == Transport::tcp ? tunnel::header_size(framing_) + vnet_size_ : 0),
        slot_size_(prefix_ + max_packet),
        tx_storage_(kBatch * slot_size_),
        rx_storage_(transport == Transport::udp ? kBatch * kUdpCell : 0),
        segments_(udp_offload_ ? kBatch * kMaxSegmentsPerPacket : 0) {
    for (std::size_t i = 0; i < kBatch; ++i) {
      tx_[i].buffer = std::span(tx_storage_).subspan(i * slot_size_, slot_size_);
      tx_[i].offset = prefix_;
    }
  }

  int run();
  // Over UDP with --offload: merge received UDP datagrams into GSO_UDP_L4 writes too.
  void merge_udp(bool on) noexcept { coalescer_.merge_udp(on); }

 private:
  void log(std::string_view text) { fmt::print(stderr, "tunkit tunnel: {}\n", text); }
  void debug(std::string_view text) {
    if (options_.debug) log(text);
  }
  void watch_device(bool on);
  void watch_writable(int fd, std::uint64_t tag, bool on);

  // TCP
  void start_connect();
  void on_listener();
  void on_connection(std::uint32_t events);
  void established(Fd fd, std::string peer);
  void close_connection(std::string_view reason);
  void receive_stream();

  // Both
  void on_device();
  void flush();
  void deliver(std::span<const std::uint8_t> frame);
  void write_device(std::span<const std::uint8_t> packet, const dev::VnetHeader* vnet,
                    std::size_t segments = 1);
  void coalesce(std::span<const std::uint8_t> datagram);
  void flush_coalesced();
  void prepare_pieces();
  void flush_udp();
  void on_udp();
  void print_counters();

  const TunnelOptions& options_;
  dev::Device device_;
  dev::Queue queue_;
  Transport transport_;
  tunnel::Framing framing_;
  std::size_t vnet_size_;   // a virtio_net_hdr leads each frame with --offload over TCP
  bool udp_offload_;        // --offload over UDP: segment and coalesce TCP in user space
  std::size_t max_frame_;
  std::optional<event::Epoll> epoll_;

  // TCP state
  Endpoint remote_;                  // client: where to connect
  Fd listener_;
  Fd connection_;
  bool connecting_ = false;
  std::string peer_name_;
  tunnel::FrameReader reader_;
  std::chrono::milliseconds backoff_ = 100ms;
  std::optional<Clock::time_point> reconnect_at_;

  // UDP state
  Fd udp_;
  std::optional<Endpoint> udp_peer_;
  // Runs of packets smaller than this go out as one UDP_SEGMENT send; lowered when the
  // kernel refuses a segment size (larger than the path MTU allows) or GSO altogether.
  std::size_t gso_below_ = SIZE_MAX;

  // The batch read from the device and not yet fully sent. Each packet is read at
  // `prefix_` so the frame header (and virtio header) go in front of it in place.
  std::size_t prefix_;
  std::size_t slot_size_;
  std::vector<std::uint8_t> tx_storage_;
  std::array<dev::PacketSlot, kBatch> tx_{};
  std::size_t tx_count_ = 0, tx_next_ = 0, tx_offset_ = 0;  // next slot and byte in it
  bool device_watched_ = false;

  std::vector<std::uint8_t> rx_storage_;  // UDP receive buffers

  // UDP: what the batch becomes on the wire, one datagram each: whole packets, or the
  // segments of super-packets split with --offload (their headers in segments_).
  struct Piece {
    ByteSpan head, body;  // sent back to back; body is empty for a whole packet
    std::size_t size() const noexcept { return head.size() + body.size(); }
  };
  std::vector<Piece> pieces_;
  std::size_t piece_next_ = 0;
  std::vector<GsoSegment> segments_;
  GroCoalescer coalescer_;
  Counters counters_;
};

void Tunnel::watch_device(bool on) {
  if (on == device_watched_) return;
  device_watched_ = on;
  must(epoll_->modify(queue_.fd(), on ? std::uint32_t{EPOLLIN} : 0u, kDevice));
}

void Tunnel::watch_writable(int fd, std::uint64_t tag, bool on) {
  must(epoll_->modify(fd, EPOLLIN | (on ? EPOLLOUT : 0u), tag));
}

void Tunnel::start_connect() {
  reconnect_at_.reset();
  auto fd = tunnel::start_connect_tcp(remote_);
  if (!fd) {
    log(fmt::format("{}; retrying in {} ms", fd.error().message, backoff_.count()));
    reconnect_at_ = Clock::now() + backoff_;
    backoff_ = std::min(backoff_ * 2, std::chrono::milliseconds(5000));
    return;
  }
  connection_ = std::move(*fd);
  connecting_ = true;
  must(epoll_->add(connection_.get(), EPOLLOUT, kConnection));
}

void Tunnel::established(Fd fd, std::string peer) {
  connection_ = std::move(fd);
  connecting_ = false;
  peer_name_ = std::move(peer);
  must(tunnel::tune_stream(connection_.get()));
  reader_.reset();
  backoff_ = 100ms;
  ++counters_.connections;
  log(fmt::format("connected with {}", peer_name_));
  watch_device(true);
}

void Tunnel::close_connection(std::string_view reason) {
  log(fmt::format("connection with {} closed: {}", peer_name_.empty() ? remote_.to_string() : peer_name_, reason));
  epoll_->remove(connection_.get());
  connection_.reset();
  connecting_ = false;
  // A frame cut in the middle cannot be resumed on another connection: drop the batch.
  counters_.drop_connection_lost += tx_count_ - tx_next_;
  tx_count_ = tx_next_ = tx_offset_ = 0;
  watch_device(false);
  if (!listener_) {  // client: try again, backing off
    log(fmt::format("reconnecting to {} in {} ms", remote_.to_string(), backoff_.count()));
    reconnect_at_ = Clock::now() + backoff_;
    backoff_ = std::min(backoff_ * 2, std::chrono::milliseconds(5000));
  }
}

void Tunnel::on_listener() {
  sockaddr_storage from{};
  socklen_t length = sizeof from;
  Fd fd(::accept4(listener_.get(), reinterpret_cast<sockaddr*>(&from), &length, SOCK_NONBLOCK | SOCK_CLOEXEC));
  if (!fd) return;
  Endpoint peer;
  peer.address = from;
  peer.length = length;
  if (connection_) close_connection(fmt::format("replaced by a new connection from {}", peer.to_string()));
  must(epoll_->add(fd.get(), EPOLLIN, kConnection));
  established(std::move(fd), peer.to_string());
}

void Tunnel::on_connection(std::uint32_t events) {
  if (connecting_) {
    if (auto ok = tunnel::connect_result(connection_.get()); !ok) {
      close_connection(fmt::format("connect to {} failed: {}", remote_.to_string(), ok.error().message));
      return;
    }
    watch_writable(connection_.get(), kConnection, false);
    established(std::move(connection_), remote_.to_string());
    return;
  }
  if (events & EPOLLOUT) flush();
  if (connection_ && (events & (EPOLLIN | EPOLLHUP | EPOLLERR))) receive_stream();
}

void Tunnel::receive_stream() {
  // A few reads per wake-up, so the device side gets its turn under load.
  for (int round = 0; round < 4 && connection_; ++round) {
    auto space = reader_.space();
    const ssize_t got = ::recv(connection_.get(), space.data(), space.size(), MSG_DONTWAIT);
    if (got == 0) return close_connection("the peer closed it");
    if (got < 0) {
      if (errno == EAGAIN || errno == EINTR) return;
      return close_connection(std::strerror(errno));
    }
    reader_.commit(static_cast<std::size_t>(got));
    for (;;) {
      auto next = reader_.next();
      if (next.error) {
        ++counters_.protocol_errors;
        return close_connection(fmt::format("protocol error: {}", tunnel::to_string(*next.error)));
      }
      if (!next.complete()) break;
      deliver(next.frame);
    }
  }
}

void Tunnel::deliver(std::span<const std::uint8_t> frame) {
  if (!vnet_size_) return write_device(frame, nullptr);
  // Offload framing: virtio_net_hdr (little-endian), then the packet.
  const auto view = VirtioNetHdrView::parse(frame);
  if (!view || frame.size() == vnet_size_) {
    ++counters_.drop_device_refused;
    return;
  }
  const dev::VnetHeader vnet{view->flags(), frame[1], view->hdr_len(), view->gso_size(),
                             view->csum_start(), view->csum_offset()};
  write_device(frame.subspan(vnet_size_), &vnet);
}

void Tunnel::write_device(std::span<const std::uint8_t> packet, const dev::VnetHeader* vnet,
                          std::size_t segments) {
  if (auto ok = queue_.write_packet(packet, vnet); !ok) {
    ++counters_.drop_device_refused;
    debug(fmt::format("device refused a {}-byte packet: {}", packet.size(), ok.error().message));
    return;
  }
  counters_.frames_in += segments;
  counters_.bytes_in += packet.size();
  debug(fmt::format("peer -> {}: {} bytes", device_.name(), packet.size()));
}

// --offload over UDP, receiving: consecutive segments of a TCP flow go to the device as one
// super-packet with a virtio header; anything else as it came.
void Tunnel::coalesce(std::span<const std::uint8_t> datagram) {
  if (coalescer_.append(datagram)) return;
  flush_coalesced();
  if (!coalescer_.append(datagram)) write_device(datagram, nullptr);
}

void Tunnel::flush_coalesced() {
  if (coalescer_.empty()) return;
  const auto m = coalescer_.take();
  const auto& v = m.vnet;
  const dev::VnetHeader vnet{v.flags, v.gso_type, v.hdr_len, v.gso_size, v.csum_start, v.csum_offset};
  if (m.segments > 1) {
    ++counters_.merged_writes;
    counters_.merged_segments += m.segments;
  }
  write_device(m.packet, &vnet, m.segments);
}

void Tunnel::on_device() {
  if (tx_next_ < tx_count_) return;  // still sending the previous batch
  auto got = queue_.read(tx_);
  if (!got) throw CommandError{got.error().message, kFailure};
  tx_count_ = *got;
  tx_next_ = tx_offset_ = 0;
  if (transport_ == Transport::tcp) {
    for (std::size_t i = 0; i < tx_count_; ++i) {
      auto& slot = tx_[i];
      const auto head = slot.buffer.first(prefix_);
      tunnel::put_frame_header(head, vnet_size_ + slot.length, framing_);
      if (vnet_size_) {
        const auto& v = slot.vnet;
        VirtioNetHdrRepr{v.flags, v.gso_type, v.hdr_len, v.gso_size, v.csum_start, v.csum_offset}
            .emit(head.subspan(tunnel::header_size(framing_)));
      }
      debug(fmt::format("{} -> peer: {} bytes", device_.name(), slot.length));
    }
  } else {
    prepare_pieces();
  }
  flush();
}

void Tunnel::flush() {
  if (transport_ == Transport::tcp) {
    if (!connection_ || connecting_) return;
    while (tx_next_ < tx_count_) {
      std::array<iovec, kBatch> iov;
      std::size_t n = 0;
      for (std::size_t i = tx_next_; i < tx_count_; ++i, ++n) {
        const auto& slot = tx_[i];
        const std::size_t skip = i == tx_next_ ? tx_offset_ : 0;
        iov[n] = {slot.buffer.data() + skip, prefix_ + slot.length - skip};
      }
      msghdr msg{};
      msg.msg_iov = iov.data();
      msg.msg_iovlen = n;
      ssize_t sent = ::sendmsg(connection_.get(), &msg, MSG_NOSIGNAL | MSG_DONTWAIT);
      if (sent < 0) {
        if (errno == EAGAIN || errno == EINTR) break;
        return close_connection(std::strerror(errno));
      }
      // Advance over what went out; a short write leaves us inside a frame.
      auto left = static_cast<std::size_t>(sent);
      while (left > 0) {
        const std::size_t frame = prefix_ + tx_[tx_next_].length - tx_offset_;
        if (left < frame) {
          tx_offset_ += left;
          break;
        }
        left -= frame;
        ++counters_.frames_out;
        counters_.bytes_out += tx_[tx_next_].length;
        ++tx_next_;
        tx_offset_ = 0;
      }
    }
    const bool blocked = tx_next_ < tx_count_;
    watch_writable(connection_.get(), kConnection, blocked);
    watch_device(!blocked);
    return;
  }
  flush_udp();
}

// --offload over UDP, sending: a TCP or UDP super-packet becomes MTU-sized segments or
// datagrams (each a valid packet, so a lost datagram costs one); a packet with a partial
// checksum is completed, since the receiving kernel will check it.
void Tunnel::prepare_pieces() {
  pieces_.clear();
  piece_next_ = 0;
  // The largest datagram payload that crosses a 1500-byte underlay unfragmented.
  const std::size_t limit = udp_peer_ && udp_peer_->family() == AF_INET ? 1500 - 28 : 1500 - 48;
  for (std::size_t i = 0; i < tx_count_; ++i) {
    auto& slot = tx_[i];
    const auto packet = slot.packet();
    const auto gso = slot.vnet.gso_type & ~dev::VnetHeader::kGsoEcn;
    if (udp_offload_ && (gso == dev::VnetHeader::kGsoTcpV4 || gso == dev::VnetHeader::kGsoTcpV6 ||
                         gso == dev::VnetHeader::kGsoUdpL4)) {
      const auto mine = std::span(segments_).subspan(i * kMaxSegmentsPerPacket, kMaxSegmentsPerPacket);
      const std::size_t n = gso == dev::VnetHeader::kGsoUdpL4 ? split_udp(packet, slot.vnet.gso_size, mine, limit)
                                                               : split_tcp(packet, slot.vnet.gso_size, mine, limit);
      if (n == 0) {
        ++counters_.drop_unsplittable;
        continue;
      }
      for (std::size_t k = 0; k < n; ++k)
        pieces_.push_back({ByteSpan(mine[k].header.data(), mine[k].header_size), mine[k].payload});
      continue;
    }
    if (udp_offload_ && (slot.vnet.flags & dev::VnetHeader::kNeedsCsum) &&
        !complete_checksum(packet, slot.vnet.csum_start, slot.vnet.csum_offset)) {
      ++counters_.drop_unsplittable;
      continue;
    }
    pieces_.push_back({packet, {}});
  }
}

// UDP: one datagram per piece, no prefix. Runs of equal-sized pieces go out as one
// UDP_SEGMENT (GSO) message each, the whole batch in one sendmmsg.
void Tunnel::flush_udp() {
  if (!udp_peer_) {
    counters_.drop_no_peer += pieces_.size() - piece_next_;
    piece_next_ = pieces_.size();
  }
  while (piece_next_ < pieces_.size()) {
    std::array<mmsghdr, kBatch> msgs{};
    std::array<iovec, 2 * kBatch * kMaxGsoSegments> iov;
    std::array<std::size_t, kBatch> pieces_in{};  // pieces carried by each message
    union Control {
      cmsghdr header;
      char bytes[CMSG_SPACE(sizeof(std::uint16_t))];
    };
    std::array<Control, kBatch> control{};
    std::size_t messages = 0, iovs = 0;
    for (std::size_t i = piece_next_; i < pieces_.size() && messages < kBatch; ++messages) {
      const std::size_t first = i, size = pieces_[i].size();
      std::size_t total = size;
      // A GSO run: equal sizes, at most one shorter piece to close it, under 64 KiB.
      for (++i; size < gso_below_ && i < pieces_.size() && i - first < kMaxGsoSegments &&
                total + pieces_[i].size() <= kMaxGsoBytes && pieces_[i].size() <= size;) {
        total += pieces_[i].size();
        if (pieces_[i++].size() < size) break;
      }
      auto& h = msgs[messages].msg_hdr;
      h.msg_iov = &iov[iovs];
      for (std::size_t k = first; k < i; ++k) {
        const auto& piece = pieces_[k];
        iov[iovs++] = {const_cast<std::uint8_t*>(piece.head.data()), piece.head.size()};
        if (!piece.body.empty())
          iov[iovs++] = {const_cast<std::uint8_t*>(piece.body.data()), piece.body.size()};
      }
      h.msg_iovlen = static_cast<std::size_t>(&iov[iovs] - h.msg_iov);
      h.msg_name = &udp_peer_->address;
      h.msg_namelen = udp_peer_->length;
      pieces_in[messages] = i - first;
      if (i - first > 1) {
        h.msg_control = control[messages].bytes;
        h.msg_controllen = sizeof control[messages].bytes;
        cmsghdr* c = CMSG_FIRSTHDR(&h);
        c->cmsg_level = SOL_UDP;
        c->cmsg_type = UDP_SEGMENT;
        c->cmsg_len = CMSG_LEN(sizeof(std::uint16_t));
        const auto segment = static_cast<std::uint16_t>(size);
        std::memcpy(CMSG_DATA(c), &segment, sizeof segment);
      }
    }
    const int sent = ::sendmmsg(udp_.get(), msgs.data(), static_cast<unsigned>(messages), MSG_DONTWAIT);
    if (sent < 0) {
      if (errno == EAGAIN || errno == EINTR) break;
      if (pieces_in[0] > 1 && (errno == EMSGSIZE || errno == EIO || errno == EINVAL || errno == ENOPROTOOPT)) {
        // The route cannot take segments this size (more than its MTU allows, which would
        // need IP fragmentation: EMSGSIZE) or cannot segment at all.
        const std::size_t size = pieces_[piece_next_].size();
        gso_below_ = errno == EMSGSIZE ? size : 0;
        log(fmt::format("UDP segmentation offload refused for {}-byte packets ({}); sending {} "
                        "one datagram each", size, std::strerror(errno),
                        gso_below_ ? "packets this size or larger" : "all packets"));
        continue;
      }
      // E.g. ECONNREFUSED/EHOSTUNREACH from an earlier datagram: the peer may come back.
      debug(fmt::format("UDP send: {}", std::strerror(errno)));
      counters_.drop_connection_lost += pieces_.size() - piece_next_;
      piece_next_ = pieces_.size();
      break;
    }
    for (int m = 0; m < sent; ++m) {
      if (const auto n = pieces_in[static_cast<std::size_t>(m)]; n > 1) {
        ++counters_.gso_sends;
        counters_.gso_packets += n;
      }
      for (std::size_t k = 0; k < pieces_in[static_cast<std::size_t>(m)]; ++k, ++piece_next_) {
        ++counters_.frames_out;
        counters_.bytes_out += pieces_[piece_next_].size();
      }
    }
  }
  const bool blocked = piece_next_ < pieces_.size();
  if (!blocked) tx_next_ = tx_count_;  // the batch's buffers are free again
  watch_writable(udp_.get(), kUdp, blocked);
  watch_device(!blocked);
}

void Tunnel::on_udp() {
  // With UDP_GRO the kernel may hand us a run of datagrams in one buffer, cut every
  // `gso_size` bytes; a cell holds the largest such run.
  union Control {
    cmsghdr header;
    char bytes[CMSG_SPACE(sizeof(int))];
  };
  std::array<mmsghdr, kBatch> msgs{};
  std::array<iovec, kBatch> iov;
  std::array<sockaddr_storage, kBatch> from{};
  std::array<Control, kBatch> control{};
  for (std::size_t i = 0; i < kBatch; ++i) {
    iov[i] = {rx_storage_.data() + i * kUdpCell, kUdpCell};
    auto& h = msgs[i].msg_hdr;
    h.msg_iov = &iov[i];
    h.msg_iovlen = 1;
    h.msg_name = &from[i];
    h.msg_namelen = sizeof(sockaddr_storage);
    h.msg_control = control[i].bytes;
    h.msg_controllen = sizeof control[i].bytes;
  }
  const int got = ::recvmmsg(udp_.get(), msgs.data(), kBatch, MSG_DONTWAIT, nullptr);
  if (got <= 0) return;
  for (std::size_t i = 0; i < static_cast<std::size_t>(got); ++i) {
    auto& h = msgs[i].msg_hdr;
    const std::size_t length = msgs[i].msg_len;
    std::size_t segment = length;
    for (cmsghdr* c = CMSG_FIRSTHDR(&h); c; c = CMSG_NXTHDR(&h, c)) {
      if (c->cmsg_level == SOL_UDP && c->cmsg_type == UDP_GRO) {
        int size = 0;
        std::memcpy(&size, CMSG_DATA(c), sizeof size);
        if (size > 0) segment = static_cast<std::size_t>(size);
      }
    }
    Endpoint source;
    source.address = from[i];
    source.length = h.msg_namelen;
    if ((h.msg_flags & MSG_TRUNC) || segment == 0 ||
        (!options_.listen && !(source == *udp_peer_))) {  // the client hears only its server
      ++counters_.drop_bad_datagram;
      continue;
    }
    if (options_.listen && (!udp_peer_ || !(*udp_peer_ == source))) {
      log(fmt::format("UDP peer is now {}", source.to_string()));  // answer whoever spoke last
      udp_peer_ = source;
    }
    const auto run = std::span<const std::uint8_t>(rx_storage_).subspan(i * kUdpCell, length);
    if (segment < length) {
      ++counters_.gro_runs;
      counters_.gro_packets += (length + segment - 1) / segment;
    }
    for (std::size_t at = 0; at < length; at += segment) {
      const auto datagram = run.subspan(at, std::min(segment, length - at));
      if (datagram.size() > max_frame_) {
        ++counters_.drop_bad_datagram;
        continue;
      }
      if (udp_offload_) coalesce(datagram);
      else deliver(datagram);
    }
  }
  flush_coalesced();
}

void Tunnel::print_counters() {
  const auto& c = counters_;
  fmt::print(stderr,
             "tunkit tunnel: {} -> peer: {} frames, {} bytes; peer -> {}: {} frames, {} bytes\n"
             "tunkit tunnel: connections {}, dropped for protocol errors {}; packets dropped: "
             "link lost {}, no peer yet {}, bad datagram {}, refused by device {}, unsplittable {}\n",
             device_.name(), c.frames_out, c.bytes_out, device_.name(), c.frames_in, c.bytes_in,
             c.connections, c.protocol_errors, c.drop_connection_lost, c.drop_no_peer,
             c.drop_bad_datagram, c.drop_device_refused, c.drop_unsplittable);
  if (transport_ == Transport::udp)
    fmt::print(stderr,
               "tunkit tunnel: UDP segmentation: {} sends carried {} packets; {} coalesced "
               "receives carried {} packets; {} super-packets written to the device carried {} "
               "segments\n",
               c.gso_sends, c.gso_packets, c.gro_runs, c.gro_packets, c.merged_writes,
               c.merged_segments);
}

int Tunnel::run() {
  epoll_.emplace(must(event::Epoll::create()));
  auto signals = must(event::SignalFd::create({SIGINT, SIGTERM}));
  must(epoll_->add(signals.fd(), EPOLLIN, kSignals));
  must(epoll_->add(queue_.fd(), 0, kDevice));

  const std::string& host = options_.listen ? options_.listen_address : options_.connect;
  const Endpoint endpoint = must(tunnel::resolve(host, options_.port, transport_));
  if (transport_ == Transport::tcp) {
    if (options_.listen) {
      listener_ = must(tunnel::listen_tcp(endpoint));
      must(epoll_->add(listener_.get(), EPOLLIN, kListener));
      log(fmt::format("{} ({}): listening on TCP {}", device_.name(), dev::to_string(device_.mode()),
                      endpoint.to_string()));
    } else {
      remote_ = endpoint;
      log(fmt::format("{} ({}): connecting to TCP {}", device_.name(), dev::to_string(device_.mode()),
                      endpoint.to_string()));
      start_connect();
    }
  } else {
    if (options_.listen) {
      udp_ = must(tunnel::open_udp(endpoint));
    } else {
      udp_ = must(tunnel::open_udp_for(endpoint));
      udp_peer_ = endpoint;
    }
    must(epoll_->add(udp_.get(), EPOLLIN, kUdp));
    watch_device(true);
    log(fmt::format("{} ({}): UDP {} {}", device_.name(), dev::to_string(device_.mode()),
                    options_.listen ? "listening on" : "sending to", endpoint.to_string()));
  }

  std::array<epoll_event, 8> events;
  for (;;) {
    auto timeout = -1ms;
    if (reconnect_at_)
      timeout = std::max(0ms, std::chrono::ceil<std::chrono::milliseconds>(*reconnect_at_ - Clock::now()));
    auto ready = must(epoll_->wait(events, timeout));
    if (reconnect_at_ && Clock::now() >= *reconnect_at_) start_connect();
    for (const auto& ev : ready) {
      switch (ev.data.u64) {
        case kSignals:
          if (signals.take()) {
            print_counters();
            return kOk;
          }
          break;
        case kDevice: on_device(); break;
        case kListener: on_listener(); break;
        case kConnection: if (connection_) on_connection(ev.events); break;
        case kUdp:
          if (ev.events & EPOLLOUT) flush();
          if (ev.events & EPOLLIN) on_udp();
          break;
        default: break;
      }
    }
  }
}

int run_tunnel(TunnelOptions& o) {
  // simpletun's flags map onto ours.
  if (o.simpletun_tun && o.simpletun_tap) usage_error("-u (TUN) and -a (TAP) exclude each other");
  if (o.simpletun_tun) o.mode = "tun";
  if (o.simpletun_tap) o.mode = "tap";
  if (o.device.empty()) usage_error("give the device: --dev NAME (or simpletun's -i NAME)");
  if (o.listen == !o.connect.empty())
    usage_error("give exactly one of --listen [ADDR] (simpletun -s) or --connect HOST (-c HOST)");
  if (o.transport != "tcp" && o.transport != "udp")
    usage_error(fmt::format("--transport '{}': expected tcp or udp", o.transport));
  std::optional<dev::Mode> mode;
  if (!o.mode.empty()) {
    mode = dev::parse_mode(o.mode);
    if (!mode) usage_error(fmt::format("--mode '{}': expected tun or tap", o.mode));
  }
  std::vector<IpPrefix> addresses;
  for (const auto& a : o.addresses) {
    auto p = IpPrefix::parse(a);
    if (!p) usage_error(fmt::format("--address '{}': expected ADDRESS/PREFIX, e.g. 10.0.0.1/24", a));
    addresses.push_back(*p);
  }
  must(dev::check_name(o.device));
  ::signal(SIGPIPE, SIG_IGN);  // a dead peer is an error value, never a signal

  // Attach to an existing device (its own mode, unless told otherwise) or create one.
  auto rtnl = must(netlink::RtNetlink::open());
  dev::OpenOptions open{.name = o.device};
  if (auto link = rtnl.link(o.device); link && link->tun) {
    open.multi_queue = link->tun->multi_queue;
    if (!mode) mode = link->tun->tap ? dev::Mode::tap : dev::Mode::tun;
  }
  open.mode = mode.value_or(dev::Mode::tun);
  open.vnet_hdr = o.offload;
  dev::Device device = must(dev::Device::open(open));
  bool uso = false;  // the kernel has USO, so it also takes UDP super-packets we write
  if (o.offload) {
    // Over UDP we split TCP and UDP super-packets ourselves (set_offloads drops USO on a
    // kernel without it); over TCP they cross whole.
    const auto accepted = must(device.set_offloads(dev::Offloads::all()));
    fmt::print(stderr, "tunkit tunnel: offloads accepted by the kernel: {}\n", accepted.to_string());
    uso = accepted.has(dev::Offloads::kUso4);
  }
  const auto link = must(rtnl.link(device.name()));
  if (o.mtu) must(rtnl.set_mtu(link.index, o.mtu));
  if (o.up || !addresses.empty()) must(rtnl.set_up(link.index, true));
  for (const auto& a : addresses) must(rtnl.add_address(link.index, a));
  const unsigned mtu = o.mtu ? o.mtu : link.mtu;
  // TAP frames carry an Ethernet header and possibly one 802.1Q tag; with offloads the
  // kernel hands over super-packets of up to 64 KiB plus that header.
  const std::size_t link_header = device.mode() == dev::Mode::tap ? 14 + 4 : 0;
  const std::size_t max_packet =
      o.offload ? 65536 + link_header : std::min<std::size_t>(65535, mtu + link_header);
  Tunnel tunnel(o, std::move(device), max_packet, o.transport == "udp" ? Transport::udp : Transport::tcp);
  tunnel.merge_udp(uso);
  return tunnel.run();
}

}  // namespace

std::vector<Subcommand> add_tunnel_command(CLI::App& parent) {
  auto o = std::make_shared<TunnelOptions>();
  CLI::App* app = parent.add_subcommand(
      "tunnel", "a point-to-point tunnel over TCP or UDP, simpletun-compatible (NOT encrypted)");
  app->add_option("-i,--dev", o->device, "TUN/TAP device (created if missing, attached if present)");
  app->add_flag("-s", o->listen, "simpletun: be the server (same as --listen)");
  CLI::Option* listen = app->add_option("--listen", o->listen_address,
                                        "be the server, listening on ADDR (default: any)")
                            ->expected(0, 1);
  app->add_option("-c,--connect", o->connect, "be the client, connecting to HOST");
  app->add_option("-p,--port", o->port, "TCP/UDP port (default 55555)");
  app->add_option("--transport", o->transport, "tcp (simpletun's framing) or udp");
  app->add_option("--mode", o->mode, "tun or tap (default: the device's own, else tun)");
  app->add_flag("-u", o->simpletun_tun, "simpletun: TUN mode");
  app->add_flag("-a", o->simpletun_tap, "simpletun: TAP mode");
  app->add_option("--address", o->addresses, "address for the device, A/P (repeatable)");
  app->add_option("--mtu", o->mtu, "MTU for the device")->check(CLI::Range(68, 65535));
  app->add_flag("--up", o->up, "bring the device up");
  app->add_flag("--offload", o->offload,
                "both ends tunkit: read and write the device per 64 KiB super-packet (TCP: framed "
                "whole with their virtio header, 4-byte lengths; UDP: segmented and coalesced); "
                "not simpletun-compatible");
  app->add_flag("-d,--debug", o->debug, "log every frame");
  app->footer(
      "This tunnel does NOT encrypt or authenticate: anyone on the path can read and inject\n"
      "traffic. For an encrypted VPN use `tunkit wg`.\n"
      "TCP frames are simpletun's (2-byte big-endian length, then the packet), so either\n"
      "end may be the original simpletun; UDP sends one datagram per packet. With --offload on\n"
      "both ends, the device hands over 64 KiB super-packets: over TCP they cross whole; over\n"
      "UDP they are cut into MTU-sized segments and merged again on the far side.\n"
      "Examples:\n"
      "  tunkit tunnel --dev tun0 --listen --address 10.0.0.1/24\n"
      "  tunkit tunnel --dev tun0 --connect 192.0.2.1 --address 10.0.0.2/24\n"
      "  tunkit tunnel -i tap0 -a -s            (simpletun's flags)\n"
      "  tunkit tunnel --dev tun0 --connect 2001:db8::1 --transport udp");
  return {{app, [o, listen] {
             if (listen->count() > 0) o->listen = true;
             return run_tunnel(*o);
           }}};
}

}  // namespace tunkit::app
