// IPv4 (RFC 791) headers with options and fragment fields.
//
// Ipv4View::parse checks, once: at least 20 bytes, version 4, IHL >= 5, the IHL-sized
// header present, total length >= header and <= the bytes given, options well-formed
// (RFC 791 §3.1). After that no accessor reads out of range. Bytes after total length
// (Ethernet padding) are not part of the view. The header checksum is not checked by
// parse: call verify_checksum(), so a printer can still show a corrupted packet.
#pragma once

#include <cstdint>
#include <optional>

#include "tunkit/wire/address.hpp"
#include "tunkit/wire/bytes.hpp"
#include "tunkit/wire/ip_protocol.hpp"
#include "tunkit/wire/kind_length_options.hpp"
#include "tunkit/wire/parse_error.hpp"

namespace tunkit {

class Ipv4View {
 public:
  static constexpr std::size_t kMinHeaderSize = 20;
  static constexpr std::size_t kMaxHeaderSize = 60;

  static ParseError check(ByteSpan packet) noexcept;
  static std::optional<Ipv4View> parse(ByteSpan packet) noexcept;
  // For the datagram quoted in an ICMP error (RFC 792, RFC 1812 §4.3.2.3): the header must
  // be complete but total_length() may exceed the bytes present; payload() is what is there.
  static ParseError check_quoted(ByteSpan quoted) noexcept;
  static std::optional<Ipv4View> parse_quoted(ByteSpan quoted) noexcept;

  std::uint8_t version() const noexcept { return b_[0] >> 4; }
  std::size_t header_size() const noexcept { return std::size_t{b_[0] & 0x0fu} * 4; }
  std::uint8_t dscp() const noexcept { return b_[1] >> 2; }  // RFC 2474
  std::uint8_t ecn() const noexcept { return b_[1] & 0x03; }  // RFC 3168
  std::uint16_t total_length() const noexcept { return load_be16(b_, 2); }
  std::uint16_t identification() const noexcept { return load_be16(b_, 4); }
  bool dont_fragment() const noexcept { return (b_[6] & 0x40) != 0; }
  bool more_fragments() const noexcept { return (b_[6] & 0x20) != 0; }
  // In bytes (the field counts 8-byte units).
  std::uint16_t fragment_offset() const noexcept {
    return static_cast<std::uint16_t>((load_be16(b_, 6) & 0x1fff) * 8);
  }
  // True for every piece of a fragmented datagram, the first included.
  bool is_fragment() const noexcept { return more_fragments() || fragment_offset() != 0; }
  std::uint8_t ttl() const noexcept { return b_[8]; }
  IpProtocol protocol() const noexcept { return IpProtocol{b_[9]}; }
  std::uint16_t header_checksum() const noexcept { return load_be16(b_, 10); }
  IpAddress source() const noexcept { return IpAddress::v4(b_.subspan<12, 4>()); }
  IpAddress destination() const noexcept { return IpAddress::v4(b_.subspan<16, 4>()); }
  KindLengthOptions options() const noexcept {
    return KindLengthOptions(b_.subspan(kMinHeaderSize, header_size() - kMinHeaderSize));
  }
  ByteSpan header() const noexcept { return b_.first(header_size()); }
  ByteSpan payload() const noexcept { return b_.subspan(header_size()); }
  // Header and payload (total_length bytes, fewer for a quoted datagram).
  ByteSpan bytes() const noexcept { return b_; }
  // RFC 791 §3.1: the header sums to 0xffff with its checksum included.
  bool verify_checksum() const noexcept;

 private:
  explicit Ipv4View(ByteSpan b) noexcept : b_(b) {}
  ByteSpan b_;
};

// Option kinds (IANA "IP Option Numbers", the full type byte).
enum class Ipv4OptionKind : std::uint8_t {
  end = 0,
  nop = 1,
  record_route = 7,
  timestamp = 68,
  router_alert = 148,  // RFC 2113
};

struct Ipv4Repr {
  IpAddress source;
  IpAddress destination;
  IpProtocol protocol = IpProtocol::udp;
  std::uint8_t ttl = 64;
  std::uint8_t dscp = 0;
  std::uint8_t ecn = 0;
  std::uint16_t identification = 0;
  bool dont_fragment = true;
  bool more_fragments = false;
  std::uint16_t fragment_offset = 0;  // bytes; a multiple of 8
  ByteSpan options;                   // raw option bytes; emit pads them with EOL to 4n
  std::uint16_t payload_length = 0;

  static Ipv4Repr parse(const Ipv4View& view) noexcept;
  std::size_t size() const noexcept { return Ipv4View::kMinHeaderSize + (options.size() + 3) / 4 * 4; }
  // Writes the header, checksum included, into out[0, size()). Returns size(), or 0
  // (writing nothing) if `out` is shorter, options exceed 40 bytes, an address is not
  // IPv4, the offset is not a multiple of 8 or the total would exceed 65535.
  std::size_t emit(MutableByteSpan out) const noexcept;
};

// Forwarding step on a parsed header in place: TTL - 1 with the checksum patched by
// RFC 1624 instead of recomputed. Returns the new TTL; a TTL of 0 is left alone (the caller
// owes a time exceeded, RFC 1812 §5.3.1). Precondition: header.size() >= 20.
std::uint8_t decrement_ttl(MutableByteSpan header) noexcept;

}  // namespace tunkit
