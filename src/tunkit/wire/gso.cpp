#include "tunkit/wire/gso.hpp"

#include <algorithm>
#include <cstring>

#include "tunkit/wire/address.hpp"
#include "tunkit/wire/checksum.hpp"

namespace tunkit {
namespace {

constexpr std::uint8_t kFin = 0x01, kSyn = 0x02, kRst = 0x04, kPsh = 0x08, kAck = 0x10,
                       kUrg = 0x20, kEce = 0x40, kCwr = 0x80;
constexpr std::size_t kTcpChecksum = 16, kUdpLength = 4, kUdpChecksum = 6, kUdpHeader = 8;
constexpr std::uint8_t kTcp = 6, kUdp = 17;

// Where the IP and transport headers of a plain IPv4/IPv6 TCP or UDP packet end; headers
// is 0 if it is not one (a fragment, extension headers, lengths that disagree).
struct Layout {
  std::size_t ip_header = 0;
  std::size_t headers = 0;
  bool v6 = false;
  bool udp = false;
};

Layout layout_of(ByteSpan p) noexcept {
  if (p.empty()) return {};
  Layout l;
  std::uint8_t protocol = 0;
  const unsigned version = p[0] >> 4;
  if (version == 4) {
    if (p.size() < 20) return {};
    l.ip_header = (p[0] & 0x0fu) * 4u;
    protocol = p[9];
    if (l.ip_header < 20) return {};
    if (load_be16(p, 6) & 0x3fff) return {};  // a fragment (MF or an offset)
    if (load_be16(p, 2) != p.size()) return {};
  } else if (version == 6) {
    if (p.size() < 40) return {};
    protocol = p[6];  // no extension headers
    if (std::size_t{load_be16(p, 4)} + 40 != p.size()) return {};
    l.ip_header = 40;
    l.v6 = true;
  } else {
    return {};
  }
  if (protocol == kUdp) {
    if (p.size() < l.ip_header + kUdpHeader || load_be16(p, l.ip_header + kUdpLength) != p.size() - l.ip_header)
      return {};
    l.udp = true;
    l.headers = l.ip_header + kUdpHeader;
    return l;
  }
  if (protocol != kTcp || p.size() < l.ip_header + 20) return {};
  const std::size_t tcp_header = (p[l.ip_header + 12] >> 4) * 4u;
  if (tcp_header < 20 || p.size() < l.ip_header + tcp_header) return {};
  l.headers = l.ip_header + tcp_header;
  return l;
}

std::uint16_t pseudo_sum(ByteSpan p, const Layout& l, std::size_t transport_length) noexcept {
  const IpAddress source = l.v6 ? IpAddress::v6(p.subspan<8, 16>()) : IpAddress::v4(p.subspan<12, 4>());
  const IpAddress destination =
      l.v6 ? IpAddress::v6(p.subspan<24, 16>()) : IpAddress::v4(p.subspan<16, 4>());
  return pseudo_header_sum(source, destination, l.udp ? kUdp : kTcp,
                           static_cast<std::uint32_t>(transport_length));
}

void set_ipv4_checksum(MutableByteSpan header, std::size_t length) noexcept {
  store_be16(header, 10, 0);
  store_be16(header, 10, internet_checksum(header.first(length)));
}

// The common part of split_tcp and split_udp: cuts the payload, gives each piece a copy of
// the headers with its IP length and identification fixed, then lets `finish` fix the
// transport header (given the header, the piece's index, offset and the layout) and fills
// in the transport checksum.
template <class Finish>
std::size_t split(ByteSpan packet, const Layout& l, std::size_t segment_payload, std::span<GsoSegment> out,
                  std::size_t max_packet, std::size_t checksum_at, Finish finish) noexcept {
  if (l.headers == 0 || l.headers > kMaxSegmentHeader || max_packet <= l.headers) return 0;
  segment_payload = std::min(segment_payload, max_packet - l.headers);
  if (segment_payload == 0) return 0;
  const std::size_t payload = packet.size() - l.headers;
  const std::size_t count = (payload + segment_payload - 1) / segment_payload;
  if (count == 0 || count > out.size()) return 0;
  const std::uint16_t identification = l.v6 ? 0 : load_be16(packet, 4);
  for (std::size_t k = 0; k < count; ++k) {
    GsoSegment& s = out[k];
    const std::size_t offset = k * segment_payload;
    const std::size_t length = std::min(segment_payload, payload - offset);
    s.header_size = static_cast<std::uint16_t>(l.headers);
    s.payload = packet.subspan(l.headers + offset, length);
    const MutableByteSpan h(s.header.data(), l.headers);
    std::memcpy(h.data(), packet.data(), l.headers);
    if (l.v6) {
      store_be16(h, 4, static_cast<std::uint16_t>(l.headers - 40 + length));
    } else {
      store_be16(h, 2, static_cast<std::uint16_t>(l.headers + length));
      store_be16(h, 4, static_cast<std::uint16_t>(identification + k));
      set_ipv4_checksum(h, l.ip_header);
    }
    const std::size_t transport_length = l.headers - l.ip_header + length;
    finish(h, k, count, offset, transport_length);
    store_be16(h, l.ip_header + checksum_at, 0);
    std::uint16_t sum = pseudo_sum(packet, l, transport_length);
    sum = checksum_sum(ByteSpan(h).subspan(l.ip_header), sum);
    sum = checksum_sum(s.payload, sum);
    std::uint16_t checksum = checksum_finish(sum);
    if (l.udp && checksum == 0) checksum = 0xffff;  // RFC 768: zero means "no checksum"
    store_be16(h, l.ip_header + checksum_at, checksum);
  }
  return count;
}

}  // namespace

bool complete_checksum(MutableByteSpan packet, std::size_t start, std::size_t offset) noexcept {
  if (start >= packet.size() || offset + 2 > packet.size() - start) return false;
  // The field holds the pseudo-header sum; summing over it folds that in.
  const std::uint16_t sum = checksum_sum(ByteSpan(packet).subspan(start));
  store_be16(packet, start + offset, checksum_finish(sum));
  return true;
}

std::size_t split_tcp(ByteSpan packet, std::size_t segment_payload, std::span<GsoSegment> out,
                      std::size_t max_packet) noexcept {
  const Layout l = layout_of(packet);
  if (l.udp) return 0;
  const std::size_t tcp = l.ip_header;
  const std::uint32_t sequence = l.headers ? load_be32(packet, tcp + 4) : 0;
  const std::uint8_t flags = l.headers ? packet[tcp + 13] : 0;
  return split(packet, l, segment_payload, out, max_packet, kTcpChecksum,
               [&](MutableByteSpan h, std::size_t k, std::size_t count, std::size_t offset, std::size_t) {
                 store_be32(h, tcp + 4, sequence + static_cast<std::uint32_t>(offset));
                 std::uint8_t f = flags;
                 if (k + 1 < count) f &= static_cast<std::uint8_t>(~(kFin | kPsh));
                 if (k > 0) f &= static_cast<std::uint8_t>(~kCwr);
                 h[tcp + 13] = f;
               });
}

std::size_t split_udp(ByteSpan packet, std::size_t segment_payload, std::span<GsoSegment> out,
                      std::size_t max_packet) noexcept {
  const Layout l = layout_of(packet);
  if (!l.udp) return 0;
  return split(packet, l, segment_payload, out, max_packet, kUdpChecksum,
               [&](MutableByteSpan h, std::size_t, std::size_t, std::size_t, std::size_t udp_length) {
                 store_be16(h, l.ip_header + kUdpLength, static_cast<std::uint16_t>(udp_length));
               });
}

GroCoalescer::GroCoalescer(std::size_t capacity) : buffer_(std::min<std::size_t>(capacity, 65535)) {}

bool GroCoalescer::append(ByteSpan packet) noexcept {
  const Layout l = layout_of(packet);
  if (l.headers == 0 || (l.udp && !merge_udp_)) return false;
  const std::size_t length = packet.size() - l.headers;
  if (length == 0) return false;  // pure ACKs and empty datagrams are not merged
  const std::size_t at = l.ip_header;
  std::uint8_t flags = 0;
  std::uint32_t sequence = 0;
  if (!l.udp) {
    flags = packet[at + 13];
    if ((flags & (kFin | kSyn | kRst | kUrg | kEce | kCwr)) || !(flags & kAck)) return false;
    sequence = load_be32(packet, at + 4);
  }

  if (empty()) {
    if (packet.size() > buffer_.size()) return false;
    std::memcpy(buffer_.data(), packet.data(), packet.size());
    size_ = packet.size();
    ip_header_ = l.ip_header;
    headers_ = l.headers;
    udp_ = l.udp;
    segment_payload_ = length;
    next_sequence_ = sequence + static_cast<std::uint32_t>(length);
    segments_ = 1;
    closed_ = (flags & kPsh) != 0;
    return true;
  }
  if (closed_ || l.udp != udp_ || l.ip_header != ip_header_ || l.headers != headers_ ||
      length > segment_payload_ || size_ + length > buffer_.size() ||
      (udp_ ? segments_ >= kMaxUdpSegments : sequence != next_sequence_))
    return false;
  // Everything but lengths, identification, checksums, sequence number and PSH must match.
  const std::uint8_t* a = buffer_.data();
  const std::uint8_t* b = packet.data();
  const auto same = [&](std::size_t from, std::size_t to) {
    return std::memcmp(a + from, b + from, to - from) == 0;
  };
  const bool ip_same = l.v6 ? same(0, 4) && same(6, 40)
                            : same(0, 2) && same(6, 10) && same(12, ip_header_);
  const bool transport_same =
      udp_ ? same(at, at + 4)
           : same(at, at + 4) && same(at + 8, at + 13) && ((a[at + 13] ^ b[at + 13]) & ~kPsh) == 0 &&
                 same(at + 14, at + 16) && same(at + 18, headers_);
  if (!ip_same || !transport_same) return false;
  std::memcpy(buffer_.data() + size_, packet.data() + headers_, length);
  size_ += length;
  next_sequence_ += static_cast<std::uint32_t>(length);
  ++segments_;
  if (flags & kPsh) buffer_[at + 13] |= kPsh;
  closed_ = length < segment_payload_ || (flags & kPsh);
  return true;
}

GroCoalescer::Merged GroCoalescer::take() noexcept {
  Merged m;
  if (empty()) return m;
  const MutableByteSpan p(buffer_.data(), size_);
  m.packet = p;
  m.segments = segments_;
  if (segments_ > 1) {
    const bool v6 = (p[0] >> 4) == 6;
    if (v6) {
      store_be16(p, 4, static_cast<std::uint16_t>(size_ - 40));
    } else {
      store_be16(p, 2, static_cast<std::uint16_t>(size_));
      set_ipv4_checksum(p, ip_header_);
    }
    const Layout l{ip_header_, headers_, v6, udp_};
    const std::size_t checksum_at = udp_ ? kUdpChecksum : kTcpChecksum;
    if (udp_) store_be16(p, ip_header_ + kUdpLength, static_cast<std::uint16_t>(size_ - ip_header_));
    // CHECKSUM_PARTIAL convention: the field holds the pseudo-header sum, uncomplemented.
    store_be16(p, ip_header_ + checksum_at, pseudo_sum(p, l, size_ - ip_header_));
    m.vnet.flags = VirtioNetHdrView::kFlagNeedsCsum;
    m.vnet.gso_type = static_cast<std::uint8_t>(udp_ ? VirtioGsoType::udp_l4
                                                     : v6 ? VirtioGsoType::tcpv6 : VirtioGsoType::tcpv4);
    m.vnet.hdr_len = static_cast<std::uint16_t>(headers_);
    m.vnet.gso_size = static_cast<std::uint16_t>(segment_payload_);
    m.vnet.csum_start = static_cast<std::uint16_t>(ip_header_);
    m.vnet.csum_offset = static_cast<std::uint16_t>(checksum_at);
  }
  size_ = 0;
  segments_ = 0;
  closed_ = false;
  return m;
}

}  // namespace tunkit
