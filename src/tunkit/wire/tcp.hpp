// TCP (RFC 9293) segments and options.
//
// TcpView::parse checks the 20-byte header, data offset >= 5, the whole header present
// and the option area well-formed (kind/length encoding, RFC 9293 §3.1). The view covers
// the segment as the IP layer delimits it (IPv4 total length or IPv6 payload length minus
// extension headers), since TCP carries no length of its own.
//
// TcpRepr keeps the options a stack acts on (MSS, window scale RFC 7323 §2, SACK RFC
// 2018, timestamps RFC 7323 §3) and up to two others as kind + bytes. A known option of the
// wrong length is ignored, as Linux does; the iterator over options() still shows it.
#pragma once

#include <array>
#include <cstdint>
#include <optional>

#include "tunkit/wire/address.hpp"
#include "tunkit/wire/bytes.hpp"
#include "tunkit/wire/kind_length_options.hpp"
#include "tunkit/wire/parse_error.hpp"

namespace tunkit {

// Control bits, byte 13 of the header.
namespace tcp_flags {
inline constexpr std::uint8_t fin = 0x01;
inline constexpr std::uint8_t syn = 0x02;
inline constexpr std::uint8_t rst = 0x04;
inline constexpr std::uint8_t psh = 0x08;
inline constexpr std::uint8_t ack = 0x10;
inline constexpr std::uint8_t urg = 0x20;
inline constexpr std::uint8_t ece = 0x40;  // RFC 3168
inline constexpr std::uint8_t cwr = 0x80;
}  // namespace tcp_flags

enum class TcpOptionKind : std::uint8_t {
  end = 0,
  nop = 1,
  mss = 2,
  window_scale = 3,
  sack_permitted = 4,
  sack = 5,
  timestamps = 8,
};

class TcpView {
 public:
  static constexpr std::size_t kMinHeaderSize = 20;
  static constexpr std::size_t kMaxHeaderSize = 60;

  static ParseError check(ByteSpan segment) noexcept;
  static std::optional<TcpView> parse(ByteSpan segment) noexcept;

  std::uint16_t source_port() const noexcept { return load_be16(b_, 0); }
  std::uint16_t destination_port() const noexcept { return load_be16(b_, 2); }
  std::uint32_t seq_number() const noexcept { return load_be32(b_, 4); }
  std::uint32_t ack_number() const noexcept { return load_be32(b_, 8); }
  std::size_t header_size() const noexcept { return (std::size_t{b_[12]} >> 4) * 4; }
  std::uint8_t flags() const noexcept { return b_[13]; }
  bool fin() const noexcept { return (b_[13] & tcp_flags::fin) != 0; }
  bool syn() const noexcept { return (b_[13] & tcp_flags::syn) != 0; }
  bool rst() const noexcept { return (b_[13] & tcp_flags::rst) != 0; }
  bool psh() const noexcept { return (b_[13] & tcp_flags::psh) != 0; }
  bool ack() const noexcept { return (b_[13] & tcp_flags::ack) != 0; }
  bool urg() const noexcept { return (b_[13] & tcp_flags::urg) != 0; }
  std::uint16_t window() const noexcept { return load_be16(b_, 14); }
  std::uint16_t checksum() const noexcept { return load_be16(b_, 16); }
  std::uint16_t urgent_pointer() const noexcept { return load_be16(b_, 18); }
  KindLengthOptions options() const noexcept {
    return KindLengthOptions(b_.subspan(kMinHeaderSize, header_size() - kMinHeaderSize));
  }
  ByteSpan payload() const noexcept { return b_.subspan(header_size()); }
  ByteSpan bytes() const noexcept { return b_; }
  // RFC 9293 §3.1: over the pseudo-header (segment length = bytes().size()) and segment.
  bool verify_checksum(const IpAddress& source, const IpAddress& destination) const noexcept;

 private:
  explicit TcpView(ByteSpan b) noexcept : b_(b) {}
  ByteSpan b_;
};

struct SackBlock {
  std::uint32_t left = 0;
  std::uint32_t right = 0;
  auto operator<=>(const SackBlock&) const = default;
};

struct TcpTimestamps {
  std::uint32_t value = 0;       // TSval
  std::uint32_t echo_reply = 0;  // TSecr
  auto operator<=>(const TcpTimestamps&) const = default;
};

struct TcpRepr {
  static constexpr std::size_t kMaxSackBlocks = 4;  // RFC 2018 §3: at most 4 in 40 bytes
  static constexpr std::size_t kMaxUnknownOptions = 2;

  std::uint16_t source_port = 0;
  std::uint16_t destination_port = 0;
  std::uint32_t seq_number = 0;
  std::uint32_t ack_number = 0;
  std::uint8_t flags = 0;  // tcp_flags
  std::uint16_t window = 0;
  std::uint16_t urgent_pointer = 0;
  std::optional<std::uint16_t> mss;
  std::optional<std::uint8_t> window_scale;
  bool sack_permitted = false;
  std::array<SackBlock, kMaxSackBlocks> sack_blocks{};
  std::size_t sack_count = 0;
  std::optional<TcpTimestamps> timestamps;
  std::array<KindLengthOption, kMaxUnknownOptions> unknown_options{};  // views into a buffer
  std::size_t unknown_count = 0;
  std::uint16_t payload_length = 0;

  static TcpRepr parse(const TcpView& view) noexcept;
  // Header size with options, padded to 4n; may exceed 60 if too many options are set.
  std::size_t size() const noexcept;
  // Writes the header into out[0, size()) with options in Linux's order (MSS, SACK-permitted
  // + timestamps, window scale, SACK blocks, then unknown ones; NOPs to align) and the
  // checksum over the pseudo-header and out[0, size() + payload_length): the payload must
  // already be in place. Returns size(), or 0 if `out` is shorter, the options exceed 40
  // bytes or the address families differ.
  std::size_t emit(MutableByteSpan out, const IpAddress& source,
                   const IpAddress& destination) const noexcept;
  // As emit(), but the checksum field gets only the pseudo-header sum, not complemented,
  // for a device that completes it (virtio NEEDS_CSUM, Linux CHECKSUM_PARTIAL: sum from
  // the TCP header to the end, complement into the field). The payload is not read, so
  // it may be written before or after.
  std::size_t emit_partial_checksum(MutableByteSpan out, const IpAddress& source,
                                    const IpAddress& destination) const noexcept;
};

}  // namespace tunkit
