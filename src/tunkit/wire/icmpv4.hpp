// ICMP for IPv4 (RFC 792): echo, destination unreachable (with the RFC 1191 next-hop MTU),
// time exceeded, redirect, parameter problem. Errors quote the offending datagram's IP
// header and at least its first 8 bytes; Ipv4View::parse_quoted reads that quote.
//
// Icmpv4View::parse checks only that the 8-byte header is present; the checksum covers
// the whole message and is checked by verify_checksum().
#pragma once

#include <cstdint>
#include <optional>

#include "tunkit/wire/address.hpp"
#include "tunkit/wire/bytes.hpp"
#include "tunkit/wire/parse_error.hpp"

namespace tunkit {

// Values outside the enumerators pass through unchanged.
enum class Icmpv4Type : std::uint8_t {
  echo_reply = 0,
  destination_unreachable = 3,
  redirect = 5,
  echo_request = 8,
  time_exceeded = 11,
  parameter_problem = 12,
  timestamp = 13,
  timestamp_reply = 14,
};

// Codes of destination unreachable (RFC 792, RFC 1122 §3.2.2.1, RFC 1812 §5.2.7.1).
enum class Icmpv4Unreachable : std::uint8_t {
  net = 0,
  host = 1,
  protocol = 2,
  port = 3,
  fragmentation_needed = 4,  // RFC 1191: next-hop MTU in bytes 6-7
  source_route_failed = 5,
  admin_prohibited = 13,
};

class Icmpv4View {
 public:
  static constexpr std::size_t kHeaderSize = 8;

  static ParseError check(ByteSpan message) noexcept;
  static std::optional<Icmpv4View> parse(ByteSpan message) noexcept;

  Icmpv4Type type() const noexcept { return Icmpv4Type{b_[0]}; }
  std::uint8_t code() const noexcept { return b_[1]; }
  std::uint16_t checksum() const noexcept { return load_be16(b_, 2); }
  // Bytes 4-7, whose meaning depends on the type.
  std::uint32_t rest_of_header() const noexcept { return load_be32(b_, 4); }
  // Echo and timestamp messages.
  std::uint16_t identifier() const noexcept { return load_be16(b_, 4); }
  std::uint16_t sequence() const noexcept { return load_be16(b_, 6); }
  // Destination unreachable, fragmentation needed (RFC 1191 §4); 0 from old routers.
  std::uint16_t next_hop_mtu() const noexcept { return load_be16(b_, 6); }
  // Parameter problem: the byte offset of the error in the quoted datagram.
  std::uint8_t pointer() const noexcept { return b_[4]; }
  // Redirect: the better first hop.
  IpAddress gateway() const noexcept { return IpAddress::v4(b_.subspan<4, 4>()); }
  // Destination unreachable, redirect, time exceeded, parameter problem: the message
  // quotes a datagram.
  bool is_error() const noexcept;
  // After the 8-byte header: echo data, or the quoted datagram of an error.
  ByteSpan data() const noexcept { return b_.subspan(kHeaderSize); }
  ByteSpan bytes() const noexcept { return b_; }
  bool verify_checksum() const noexcept;

 private:
  explicit Icmpv4View(ByteSpan b) noexcept : b_(b) {}
  ByteSpan b_;
};

struct Icmpv4Repr {
  Icmpv4Type type = Icmpv4Type::echo_request;
  std::uint8_t code = 0;
  std::uint32_t rest_of_header = 0;
  std::uint16_t data_length = 0;

  static Icmpv4Repr echo(Icmpv4Type type, std::uint16_t identifier, std::uint16_t sequence,
                         std::uint16_t data_length) noexcept {
    return {type, 0, std::uint32_t{identifier} << 16 | sequence, data_length};
  }
  static Icmpv4Repr parse(const Icmpv4View& view) noexcept;
  static constexpr std::size_t size() noexcept { return Icmpv4View::kHeaderSize; }
  // Writes the header into out[0, 8) and the checksum over out[0, 8 + data_length): the
  // data must already be in place after the header. Returns 8, or 0 if `out` is shorter
  // than 8 + data_length.
  std::size_t emit(MutableByteSpan out) const noexcept;
  auto operator<=>(const Icmpv4Repr&) const = default;
};

}  // namespace tunkit
