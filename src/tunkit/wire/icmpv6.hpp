// ICMPv6 (RFC 4443) with Neighbor Discovery (RFC 4861) and MLDv2 report framing.
//
// Icmpv6View::parse checks 8 bytes (the header and the 4-byte field every message type
// has) and each known type's fixed body (8 for echo and errors, 8 RS, 16 RA, 24 NS/NA, 40 redirect), and for the ND types that
// every option fits and has a nonzero length (RFC 4861 §4.6: "Nodes MUST silently discard
// an ND packet that contains an option with length zero"). The checksum covers a
// pseudo-header, so verify_checksum() needs the IPv6 addresses.
#pragma once

#include <cstdint>
#include <iterator>
#include <optional>

#include "tunkit/wire/address.hpp"
#include "tunkit/wire/bytes.hpp"
#include "tunkit/wire/parse_error.hpp"

namespace tunkit {

// Values outside the enumerators pass through unchanged.
enum class Icmpv6Type : std::uint8_t {
  destination_unreachable = 1,
  packet_too_big = 2,
  time_exceeded = 3,
  parameter_problem = 4,
  echo_request = 128,
  echo_reply = 129,
  mld_query = 130,
  mld_report = 131,
  mld_done = 132,
  router_solicitation = 133,
  router_advertisement = 134,
  neighbor_solicitation = 135,
  neighbor_advertisement = 136,
  redirect = 137,
  mld2_report = 143,  // RFC 3810 §5.2
};

// RFC 4861 §4.6.
enum class NdpOptionType : std::uint8_t {
  source_link_layer_address = 1,
  target_link_layer_address = 2,
  prefix_information = 3,
  redirected_header = 4,
  mtu = 5,
};

struct NdpOption {
  NdpOptionType type = NdpOptionType::mtu;
  ByteSpan bytes;  // the whole option, type and length included (8 * length bytes)
};

// Source/target link-layer address option for Ethernet (RFC 4861 §4.6.1).
struct NdpLinkLayerOption {
  NdpOptionType type = NdpOptionType::source_link_layer_address;
  MacAddress address;

  // nullopt unless a type 1 or 2 option of length 1 (8 bytes, a 6-byte address).
  static std::optional<NdpLinkLayerOption> parse(const NdpOption& option) noexcept;
  static constexpr std::size_t size() noexcept { return 8; }
  std::size_t emit(MutableByteSpan out) const noexcept;  // size(), or 0 if out is shorter
  auto operator<=>(const NdpLinkLayerOption&) const = default;
};

// Prefix information (RFC 4861 §4.6.2).
struct NdpPrefixInformation {
  std::uint8_t prefix_length = 64;
  bool on_link = true;     // L flag
  bool autonomous = true;  // A flag
  std::uint32_t valid_lifetime = 0;
  std::uint32_t preferred_lifetime = 0;
  IpAddress prefix;

  static std::optional<NdpPrefixInformation> parse(const NdpOption& option) noexcept;
  static constexpr std::size_t size() noexcept { return 32; }
  std::size_t emit(MutableByteSpan out) const noexcept;
  auto operator<=>(const NdpPrefixInformation&) const = default;
};

// MTU (RFC 4861 §4.6.4).
struct NdpMtuOption {
  std::uint32_t mtu = 1500;

  static std::optional<NdpMtuOption> parse(const NdpOption& option) noexcept;
  static constexpr std::size_t size() noexcept { return 8; }
  std::size_t emit(MutableByteSpan out) const noexcept;
  auto operator<=>(const NdpMtuOption&) const = default;
};

// A range over ND options; stops early at an option that does not fit (never for a
// parsed view, whose options were checked).
class NdpOptions {
 public:
  NdpOptions() = default;
  explicit NdpOptions(ByteSpan area) noexcept : area_(area) {}
  static ParseError check(ByteSpan area) noexcept;

  class Iterator {
   public:
    using iterator_category = std::forward_iterator_tag;
    using value_type = NdpOption;
    using difference_type = std::ptrdiff_t;
    using pointer = void;
    using reference = NdpOption;

    Iterator() = default;
    Iterator(ByteSpan area, std::size_t at) noexcept : area_(area), at_(at) { clamp(); }
    NdpOption operator*() const noexcept {
      return {NdpOptionType{area_[at_]}, area_.subspan(at_, std::size_t{area_[at_ + 1]} * 8)};
    }
    Iterator& operator++() noexcept {
      at_ += std::size_t{area_[at_ + 1]} * 8;
      clamp();
      return *this;
    }
    Iterator operator++(int) noexcept {
      Iterator copy = *this;
      ++*this;
      return copy;
    }
    bool operator==(const Iterator& other) const noexcept { return at_ == other.at_; }

   private:
    void clamp() noexcept {
      if (at_ + 2 > area_.size() || area_[at_ + 1] == 0 ||
          at_ + std::size_t{area_[at_ + 1]} * 8 > area_.size())
        at_ = area_.size();
    }
    ByteSpan area_;
    std::size_t at_ = 0;
  };

  Iterator begin() const noexcept { return {area_, 0}; }
  Iterator end() const noexcept { return {area_, area_.size()}; }
  ByteSpan bytes() const noexcept { return area_; }

 private:
  ByteSpan area_;
};

class Icmpv6View {
 public:
  static constexpr std::size_t kHeaderSize = 8;

  static ParseError check(ByteSpan message) noexcept;
  static std::optional<Icmpv6View> parse(ByteSpan message) noexcept;

  Icmpv6Type type() const noexcept { return Icmpv6Type{b_[0]}; }
  std::uint8_t code() const noexcept { return b_[1]; }
  std::uint16_t checksum() const noexcept { return load_be16(b_, 2); }
  // RFC 4443 §4.1-4.2: echo.
  std::uint16_t identifier() const noexcept { return load_be16(b_, 4); }
  std::uint16_t sequence() const noexcept { return load_be16(b_, 6); }
  // §3.2 packet too big.
  std::uint32_t mtu() const noexcept { return load_be32(b_, 4); }
  // §3.4 parameter problem.
  std::uint32_t pointer() const noexcept { return load_be32(b_, 4); }
  // Types 1-4 (RFC 4443 §2.1: "error messages have 0 in the high-order bit").
  bool is_error() const noexcept { return b_[0] < 128; }
  bool is_ndp() const noexcept;
  // Echo data, or the quoted packet of an error (Ipv6View::parse_quoted).
  ByteSpan data() const noexcept { return b_.subspan(8); }

  // Router advertisement (RFC 4861 §4.2).
  std::uint8_t cur_hop_limit() const noexcept { return b_[4]; }
  bool managed_flag() const noexcept { return (b_[5] & 0x80) != 0; }
  bool other_flag() const noexcept { return (b_[5] & 0x40) != 0; }
  std::uint16_t router_lifetime() const noexcept { return load_be16(b_, 6); }
  // The accessors below read past byte 8; they return zeros for a message too short to be
  // of the type they describe, so calling them on the wrong type is safe, not useful.
  std::uint32_t reachable_time() const noexcept { return b_.size() >= 16 ? load_be32(b_, 8) : 0; }
  std::uint32_t retrans_timer() const noexcept { return b_.size() >= 16 ? load_be32(b_, 12) : 0; }
  // Neighbor advertisement flags (RFC 4861 §4.4).
  bool router_flag() const noexcept { return (b_[4] & 0x80) != 0; }
  bool solicited_flag() const noexcept { return (b_[4] & 0x40) != 0; }
  bool override_flag() const noexcept { return (b_[4] & 0x20) != 0; }
  // NS, NA and redirect.
  IpAddress target_address() const noexcept { return address_at(8); }
  // Redirect (RFC 4861 §4.5).
  IpAddress redirect_destination() const noexcept { return address_at(24); }
  // The options of RS, RA, NS, NA and redirect; empty for other types.
  NdpOptions ndp_options() const noexcept;

  ByteSpan bytes() const noexcept { return b_; }
  bool verify_checksum(const IpAddress& source, const IpAddress& destination) const noexcept;

 private:
  explicit Icmpv6View(ByteSpan b) noexcept : b_(b) {}
  IpAddress address_at(std::size_t at) const noexcept;
  ByteSpan b_;
};

// Where the ND options of a message of type `type` start, or 0 for non-ND types.
std::size_t ndp_options_offset(Icmpv6Type type) noexcept;

struct Icmpv6Repr {
  Icmpv6Type type = Icmpv6Type::echo_request;
  std::uint8_t code = 0;
  std::uint32_t rest_of_header = 0;  // bytes 4-7: id/seq, MTU, pointer, RA/NA flags
  std::uint16_t body_length = 0;     // bytes after the first 8 (data, target, options)

  static Icmpv6Repr echo(Icmpv6Type type, std::uint16_t identifier, std::uint16_t sequence,
                         std::uint16_t data_length) noexcept {
    return {type, 0, std::uint32_t{identifier} << 16 | sequence, data_length};
  }
  static constexpr std::size_t size() noexcept { return 8; }
  // Writes bytes 0-7 and the checksum (RFC 4443 §2.3, pseudo-header with next header 58)
  // over out[0, 8 + body_length): the body must already be in place. Returns 8, or 0 if
  // `out` is shorter or the addresses are not IPv6.
  std::size_t emit(MutableByteSpan out, const IpAddress& source,
                   const IpAddress& destination) const noexcept;
};

}  // namespace tunkit
