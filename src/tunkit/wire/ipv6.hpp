// IPv6 (RFC 8200) fixed headers and the extension-header chain.
//
// Ipv6View::parse checks, once: at least 40 bytes, version 6, 40 + payload length <= the
// bytes given. Bytes beyond the payload length are not part of the view. Jumbograms
// (payload length 0 with a hop-by-hop jumbo option, RFC 2675) are not supported: their
// payload reads as empty.
//
// Ipv6ExtensionChain::parse walks hop-by-hop, routing, fragment and destination options
// headers (RFC 8200 §4.1) to the upper-layer protocol, and checks that each fits.
#pragma once

#include <array>
#include <cstdint>
#include <optional>

#include "tunkit/wire/address.hpp"
#include "tunkit/wire/bytes.hpp"
#include "tunkit/wire/ip_protocol.hpp"
#include "tunkit/wire/parse_error.hpp"

namespace tunkit {

class Ipv6View {
 public:
  static constexpr std::size_t kHeaderSize = 40;

  static ParseError check(ByteSpan packet) noexcept;
  static std::optional<Ipv6View> parse(ByteSpan packet) noexcept;
  // For the packet quoted in an ICMPv6 error (RFC 4443 §3): the 40-byte header must be
  // present, the payload may be cut short.
  static ParseError check_quoted(ByteSpan quoted) noexcept;
  static std::optional<Ipv6View> parse_quoted(ByteSpan quoted) noexcept;

  std::uint8_t version() const noexcept { return b_[0] >> 4; }
  std::uint8_t traffic_class() const noexcept {
    return static_cast<std::uint8_t>(load_be16(b_, 0) >> 4);
  }
  std::uint32_t flow_label() const noexcept { return load_be32(b_, 0) & 0xfffff; }
  std::uint16_t payload_length() const noexcept { return load_be16(b_, 4); }
  IpProtocol next_header() const noexcept { return IpProtocol{b_[6]}; }
  std::uint8_t hop_limit() const noexcept { return b_[7]; }
  IpAddress source() const noexcept { return IpAddress::v6(b_.subspan<8, 16>()); }
  IpAddress destination() const noexcept { return IpAddress::v6(b_.subspan<24, 16>()); }
  ByteSpan payload() const noexcept { return b_.subspan(kHeaderSize); }
  ByteSpan bytes() const noexcept { return b_; }

 private:
  explicit Ipv6View(ByteSpan b) noexcept : b_(b) {}
  ByteSpan b_;
};

// RFC 8200 §4.5. The offset is in bytes (the field counts 8-byte units).
struct Ipv6FragmentInfo {
  std::uint16_t offset = 0;
  bool more_fragments = false;
  std::uint32_t identification = 0;
  auto operator<=>(const Ipv6FragmentInfo&) const = default;
};

// One extension header found by the walk.
struct Ipv6ExtensionHeader {
  IpProtocol type = IpProtocol::hop_by_hop;  // which header this is
  std::uint16_t offset = 0;                   // from the start of the IPv6 header
  std::uint16_t size = 0;                     // whole header in bytes
};

class Ipv6ExtensionChain {
 public:
  static constexpr std::size_t kMaxRecorded = 8;  // headers beyond this are walked, not listed

  // bad_option: a header runs past the payload, or hop-by-hop is not first (RFC 8200
  // §4.1). A chain that ends in a non-first fragment is complete: the rest is data.
  static ParseError check(const Ipv6View& packet) noexcept;
  static std::optional<Ipv6ExtensionChain> parse(const Ipv6View& packet) noexcept;

  // The protocol after the last extension header (ipv6_no_next if none follows).
  IpProtocol upper_protocol() const noexcept { return upper_protocol_; }
  // Where the upper-layer header starts, from the start of the IPv6 header.
  std::size_t upper_offset() const noexcept { return upper_offset_; }
  // False in a fragment with a nonzero offset: the bytes at upper_offset() are the middle
  // of the upper-layer packet, not its header.
  bool has_upper_header() const noexcept { return !fragment_ || fragment_->offset == 0; }
  const std::optional<Ipv6FragmentInfo>& fragment() const noexcept { return fragment_; }
  // RFC 8200 §8.1: with a routing header that still has segments left, upper-layer
  // checksums use the final destination from the routing header (segment list[0] for
  // segment routing, RFC 8754 §2; the last address for types 0 and 2), not the
  // destination field. nullopt when the destination field is the final destination.
  const std::optional<IpAddress>& final_destination() const noexcept { return final_destination_; }
  std::size_t count() const noexcept { return count_; }
  // Precondition: i < min(count(), kMaxRecorded).
  const Ipv6ExtensionHeader& header(std::size_t i) const noexcept { return headers_[i]; }

 private:
  Ipv6ExtensionChain() = default;
  static ParseError walk(const Ipv6View& packet, Ipv6ExtensionChain& out) noexcept;

  IpProtocol upper_protocol_ = IpProtocol::ipv6_no_next;
  std::size_t upper_offset_ = Ipv6View::kHeaderSize;
  std::optional<Ipv6FragmentInfo> fragment_;
  std::optional<IpAddress> final_destination_;
  std::size_t count_ = 0;
  std::array<Ipv6ExtensionHeader, kMaxRecorded> headers_{};
};

struct Ipv6Repr {
  IpAddress source;
  IpAddress destination;
  IpProtocol next_header = IpProtocol::udp;
  std::uint8_t hop_limit = 64;
  std::uint8_t traffic_class = 0;
  std::uint32_t flow_label = 0;  // 20 bits
  std::uint16_t payload_length = 0;

  static Ipv6Repr parse(const Ipv6View& view) noexcept;
  static constexpr std::size_t size() noexcept { return Ipv6View::kHeaderSize; }
  // Writes the 40-byte header. Returns 40, or 0 if `out` is shorter or an address is not
  // IPv6.
  std::size_t emit(MutableByteSpan out) const noexcept;
  auto operator<=>(const Ipv6Repr&) const = default;
};

// The 8-byte fragment header (RFC 8200 §4.5), for building fragments.
struct Ipv6FragmentRepr {
  IpProtocol next_header = IpProtocol::udp;
  Ipv6FragmentInfo info;

  static constexpr std::size_t size() noexcept { return 8; }
  std::size_t emit(MutableByteSpan out) const noexcept;
};

}  // namespace tunkit
