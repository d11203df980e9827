#include "tunkit/wire/ipv6.hpp"

#include <algorithm>

namespace tunkit {
namespace {

ParseError check_fixed(ByteSpan b, bool quoted, std::size_t& end) noexcept {
  if (b.size() < Ipv6View::kHeaderSize) return ParseError::truncated;
  if (b[0] >> 4 != 6) return ParseError::bad_version;
  const std::size_t total = Ipv6View::kHeaderSize + load_be16(b, 4);
  if (total > b.size() && !quoted) return ParseError::truncated;
  end = std::min(total, b.size());
  return ParseError::none;
}

bool is_extension(IpProtocol p) noexcept {
  return p == IpProtocol::hop_by_hop || p == IpProtocol::ipv6_routing ||
         p == IpProtocol::ipv6_fragment || p == IpProtocol::ipv6_dest_opts;
}

}  // namespace

ParseError Ipv6View::check(ByteSpan packet) noexcept {
  std::size_t end = 0;
  return check_fixed(packet, false, end);
}

std::optional<Ipv6View> Ipv6View::parse(ByteSpan packet) noexcept {
  std::size_t end = 0;
  if (check_fixed(packet, false, end) != ParseError::none) return std::nullopt;
  return Ipv6View(packet.first(end));
}

ParseError Ipv6View::check_quoted(ByteSpan quoted) noexcept {
  std::size_t end = 0;
  return check_fixed(quoted, true, end);
}

std::optional<Ipv6View> Ipv6View::parse_quoted(ByteSpan quoted) noexcept {
  std::size_t end = 0;
  if (check_fixed(quoted, true, end) != ParseError::none) return std::nullopt;
  return Ipv6View(quoted.first(end));
}

ParseError Ipv6ExtensionChain::walk(const Ipv6View& packet, Ipv6ExtensionChain& out) noexcept {
  const ByteSpan b = packet.bytes();
  IpProtocol next = packet.next_header();
  std::size_t at = Ipv6View::kHeaderSize;
  // Each header is >= 8 bytes, so the loop ends within payload_length / 8 steps.
  while (is_extension(next)) {
    if (next == IpProtocol::hop_by_hop && out.count_ != 0) return ParseError::bad_option;
    if (at + 8 > b.size()) return ParseError::bad_option;
    // RFC 8200 §4.3-4.6: Hdr Ext Len counts 8-byte units after the first 8; the
    // fragment header has no length field and is always 8 bytes.
    const std::size_t size =
        next == IpProtocol::ipv6_fragment ? 8 : (std::size_t{b[at + 1]} + 1) * 8;
    if (at + size > b.size()) return ParseError::bad_option;
    if (out.count_ < kMaxRecorded)
      out.headers_[out.count_] = {next, static_cast<std::uint16_t>(at),
                                  static_cast<std::uint16_t>(size)};
    ++out.count_;
    if (next == IpProtocol::ipv6_routing && b[at + 3] != 0 && !out.final_destination_) {
      // Addresses start at byte 8 of types 0, 2 and 4; Hdr Ext Len counts 8-byte units.
      const std::size_t addresses = b[at + 1] / 2;
      const std::uint8_t type = b[at + 2];
      if (addresses > 0 && (type == 0 || type == 2 || type == 4)) {
        const std::size_t index = type == 4 ? 0 : addresses - 1;
        out.final_destination_ = IpAddress::v6(b.subspan(at + 8 + index * 16).first<16>());
      }
    }
    const IpProtocol current = next;
    next = IpProtocol{b[at]};
    at += size;
    if (current == IpProtocol::ipv6_fragment) {
      const std::uint16_t field = load_be16(b, at - 6);
      out.fragment_ = Ipv6FragmentInfo{static_cast<std::uint16_t>(field & 0xfff8),
                                       (field & 1) != 0, load_be32(b, at - 4)};
      if (out.fragment_->offset != 0) break;  // the rest is fragment data
    }
  }
  out.upper_protocol_ = next;
  out.upper_offset_ = at;
  return ParseError::none;
}

ParseError Ipv6ExtensionChain::check(const Ipv6View& packet) noexcept {
  Ipv6ExtensionChain chain;
  return walk(packet, chain);
}

std::optional<Ipv6ExtensionChain> Ipv6ExtensionChain::parse(const Ipv6View& packet) noexcept {
  Ipv6ExtensionChain chain;
  if (walk(packet, chain) != ParseError::none) return std::nullopt;
  return chain;
}

Ipv6Repr Ipv6Repr::parse(const Ipv6View& view) noexcept {
  return {view.source(),        view.destination(), view.next_header(), view.hop_limit(),
          view.traffic_class(), view.flow_label(),  view.payload_length()};
}

std::size_t Ipv6Repr::emit(MutableByteSpan out) const noexcept {
  if (out.size() < size() || source.family != IpFamily::v6 ||
      destination.family != IpFamily::v6)
    return 0;
  store_be32(out, 0, 6u << 28 | std::uint32_t{traffic_class} << 20 | (flow_label & 0xfffff));
  store_be16(out, 4, payload_length);
  out[6] = static_cast<std::uint8_t>(next_header);
  out[7] = hop_limit;
  std::copy(source.bytes.begin(), source.bytes.end(), out.begin() + 8);
  std::copy(destination.bytes.begin(), destination.bytes.end(), out.begin() + 24);
  return size();
}

std::size_t Ipv6FragmentRepr::emit(MutableByteSpan out) const noexcept {
  if (out.size() < size() || info.offset % 8 != 0) return 0;
  out[0] = static_cast<std::uint8_t>(next_header);
  out[1] = 0;
  store_be16(out, 2, static_cast<std::uint16_t>(info.offset | (info.more_fragments ? 1 : 0)));
  store_be32(out, 4, info.identification);
  return size();
}

}  // namespace tunkit
