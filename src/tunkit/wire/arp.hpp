// ARP for IPv4 over Ethernet (RFC 826): hardware type 1, protocol 0x0800, lengths 6 and 4.
// Other hardware/protocol pairs are well-formed ARP but `unsupported` here.
#pragma once

#include <cstdint>
#include <optional>

#include "tunkit/wire/address.hpp"
#include "tunkit/wire/bytes.hpp"
#include "tunkit/wire/parse_error.hpp"

namespace tunkit {

enum class ArpOperation : std::uint16_t { request = 1, reply = 2 };

class ArpView {
 public:
  static constexpr std::size_t kSize = 28;

  static ParseError check(ByteSpan packet) noexcept;
  static std::optional<ArpView> parse(ByteSpan packet) noexcept;

  ArpOperation operation() const noexcept { return ArpOperation{load_be16(b_, 6)}; }
  MacAddress sender_hardware_address() const noexcept {
    return MacAddress::from_bytes(b_.subspan<8, 6>());
  }
  IpAddress sender_protocol_address() const noexcept { return IpAddress::v4(b_.subspan<14, 4>()); }
  MacAddress target_hardware_address() const noexcept {
    return MacAddress::from_bytes(b_.subspan<18, 6>());
  }
  IpAddress target_protocol_address() const noexcept { return IpAddress::v4(b_.subspan<24, 4>()); }
  // The 28 bytes of the packet; Ethernet padding after them is not included.
  ByteSpan bytes() const noexcept { return b_; }

 private:
  explicit ArpView(std::span<const std::uint8_t, kSize> b) noexcept : b_(b) {}
  std::span<const std::uint8_t, kSize> b_;
};

struct ArpRepr {
  ArpOperation operation = ArpOperation::request;
  MacAddress sender_hardware_address;
  IpAddress sender_protocol_address;
  MacAddress target_hardware_address;
  IpAddress target_protocol_address;

  static ArpRepr parse(const ArpView& view) noexcept;
  static constexpr std::size_t size() noexcept { return ArpView::kSize; }
  // Writes the 28 bytes; returns 28, or 0 if `out` is shorter or an address is not IPv4.
  std::size_t emit(MutableByteSpan out) const noexcept;
  auto operator<=>(const ArpRepr&) const = default;
};

}  // namespace tunkit
