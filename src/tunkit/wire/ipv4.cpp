#include "tunkit/wire/ipv4.hpp"

#include <algorithm>

#include "tunkit/wire/checksum.hpp"

namespace tunkit {
namespace {

// The checks both parse modes share; on success `end` is where the view ends.
ParseError check_header(ByteSpan b, bool quoted, std::size_t& end) noexcept {
  if (b.size() < Ipv4View::kMinHeaderSize) return ParseError::truncated;
  if (b[0] >> 4 != 4) return ParseError::bad_version;
  const std::size_t ihl = std::size_t{b[0] & 0x0fu} * 4;
  if (ihl < Ipv4View::kMinHeaderSize) return ParseError::bad_length;
  if (ihl > b.size()) return ParseError::truncated;
  const std::size_t total = load_be16(b, 2);
  if (total < ihl) return ParseError::bad_length;
  if (total > b.size() && !quoted) return ParseError::truncated;
  end = std::min(total, b.size());
  return KindLengthOptions::check(b.subspan(Ipv4View::kMinHeaderSize, ihl - Ipv4View::kMinHeaderSize));
}

}  // namespace

ParseError Ipv4View::check(ByteSpan packet) noexcept {
  std::size_t end = 0;
  return check_header(packet, false, end);
}

std::optional<Ipv4View> Ipv4View::parse(ByteSpan packet) noexcept {
  std::size_t end = 0;
  if (check_header(packet, false, end) != ParseError::none) return std::nullopt;
  return Ipv4View(packet.first(end));
}

ParseError Ipv4View::check_quoted(ByteSpan quoted) noexcept {
  std::size_t end = 0;
  return check_header(quoted, true, end);
}

std::optional<Ipv4View> Ipv4View::parse_quoted(ByteSpan quoted) noexcept {
  std::size_t end = 0;
  if (check_header(quoted, true, end) != ParseError::none) return std::nullopt;
  return Ipv4View(quoted.first(end));
}

bool Ipv4View::verify_checksum() const noexcept { return checksum_sum(header()) == 0xffff; }

Ipv4Repr Ipv4Repr::parse(const Ipv4View& view) noexcept {
  Ipv4Repr r;
  r.source = view.source();
  r.destination = view.destination();
  r.protocol = view.protocol();
  r.ttl = view.ttl();
  r.dscp = view.dscp();
  r.ecn = view.ecn();
  r.identification = view.identification();
  r.dont_fragment = view.dont_fragment();
  r.more_fragments = view.more_fragments();
  r.fragment_offset = view.fragment_offset();
  r.options = view.options().bytes();
  r.payload_length = static_cast<std::uint16_t>(view.total_length() - view.header_size());
  return r;
}

std::size_t Ipv4Repr::emit(MutableByteSpan out) const noexcept {
  const std::size_t header = size();
  if (options.size() > Ipv4View::kMaxHeaderSize - Ipv4View::kMinHeaderSize ||
      out.size() < header || header + payload_length > 0xffff || fragment_offset % 8 != 0 ||
      source.family != IpFamily::v4 || destination.family != IpFamily::v4)
    return 0;
  out[0] = static_cast<std::uint8_t>(0x40 | header / 4);
  out[1] = static_cast<std::uint8_t>((dscp & 0x3f) << 2 | (ecn & 0x03));
  store_be16(out, 2, static_cast<std::uint16_t>(header + payload_length));
  store_be16(out, 4, identification);
  store_be16(out, 6,
             static_cast<std::uint16_t>((dont_fragment ? 0x4000 : 0) | (more_fragments ? 0x2000 : 0) |
                                        fragment_offset / 8));
  out[8] = ttl;
  out[9] = static_cast<std::uint8_t>(protocol);
  store_be16(out, 10, 0);
  for (std::size_t i = 0; i < 4; ++i) {
    out[12 + i] = source.bytes[i];
    out[16 + i] = destination.bytes[i];
  }
  std::copy(options.begin(), options.end(), out.begin() + Ipv4View::kMinHeaderSize);
  std::fill(out.begin() + static_cast<std::ptrdiff_t>(Ipv4View::kMinHeaderSize + options.size()),
            out.begin() + static_cast<std::ptrdiff_t>(header), std::uint8_t{0});
  store_be16(out, 10, internet_checksum(out.first(header)));
  return header;
}

std::uint8_t decrement_ttl(MutableByteSpan header) noexcept {
  const std::uint8_t ttl = header[8];
  if (ttl == 0) return 0;
  // TTL shares its 16-bit word with the protocol field.
  const std::uint16_t old_word = load_be16(header, 8);
  const auto new_word = static_cast<std::uint16_t>(old_word - 0x100);
  header[8] = static_cast<std::uint8_t>(ttl - 1);
  store_be16(header, 10, checksum_update16(load_be16(header, 10), old_word, new_word));
  return header[8];
}

}  // namespace tunkit
