// UDP (RFC 768). UdpView::parse checks the 8-byte header and that the length field is
// >= 8 and <= the bytes given; the view ends where the length field says. The checksum
// covers a pseudo-header, so verify_checksum() needs the IP addresses.
#pragma once

#include <cstdint>
#include <optional>

#include "tunkit/wire/address.hpp"
#include "tunkit/wire/bytes.hpp"
#include "tunkit/wire/parse_error.hpp"

namespace tunkit {

class UdpView {
 public:
  static constexpr std::size_t kHeaderSize = 8;

  static ParseError check(ByteSpan datagram) noexcept;
  static std::optional<UdpView> parse(ByteSpan datagram) noexcept;

  std::uint16_t source_port() const noexcept { return load_be16(b_, 0); }
  std::uint16_t destination_port() const noexcept { return load_be16(b_, 2); }
  std::uint16_t length() const noexcept { return load_be16(b_, 4); }
  std::uint16_t checksum() const noexcept { return load_be16(b_, 6); }
  ByteSpan payload() const noexcept { return b_.subspan(kHeaderSize); }
  ByteSpan bytes() const noexcept { return b_; }
  // A zero checksum means "none" over IPv4 (RFC 768) and passes; over IPv6 it is invalid
  // (RFC 8200 §8.1) and fails.
  bool verify_checksum(const IpAddress& source, const IpAddress& destination) const noexcept;

 private:
  explicit UdpView(ByteSpan b) noexcept : b_(b) {}
  ByteSpan b_;
};

struct UdpRepr {
  std::uint16_t source_port = 0;
  std::uint16_t destination_port = 0;
  std::uint16_t payload_length = 0;

  static UdpRepr parse(const UdpView& view) noexcept;
  static constexpr std::size_t size() noexcept { return UdpView::kHeaderSize; }
  // Writes the header into out[0, 8) and the checksum over the pseudo-header and
  // out[0, 8 + payload_length): the payload must already be in place. A computed 0 is sent
  // as 0xffff (RFC 768). Returns 8, or 0 if `out` is shorter, 8 + payload_length > 65535
  // or the address families differ.
  std::size_t emit(MutableByteSpan out, const IpAddress& source,
                   const IpAddress& destination) const noexcept;
  auto operator<=>(const UdpRepr&) const = default;
};

}  // namespace tunkit
