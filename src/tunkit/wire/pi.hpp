// The packet-information header a TUN queue without IFF_NO_PI puts before each packet
// (linux/if_tun.h struct tun_pi): flags in host byte order, then the EtherType of the
// packet in network byte order.
#pragma once

#include <cstdint>
#include <optional>

#include "tunkit/wire/bytes.hpp"
#include "tunkit/wire/ethernet.hpp"
#include "tunkit/wire/parse_error.hpp"

namespace tunkit {

class TunPiView {
 public:
  static constexpr std::size_t kSize = 4;
  // Set by the kernel when the packet did not fit the read buffer (TUN_PKT_STRIP).
  static constexpr std::uint16_t kFlagStripped = 0x0001;

  static ParseError check(ByteSpan bytes) noexcept {
    return bytes.size() < kSize ? ParseError::truncated : ParseError::none;
  }
  static std::optional<TunPiView> parse(ByteSpan bytes) noexcept {
    if (check(bytes) != ParseError::none) return std::nullopt;
    return TunPiView(bytes);
  }

  std::uint16_t flags() const noexcept;  // host byte order
  EtherType protocol() const noexcept { return EtherType{load_be16(b_, 2)}; }
  ByteSpan payload() const noexcept { return b_.subspan(kSize); }

 private:
  explicit TunPiView(ByteSpan b) noexcept : b_(b) {}
  ByteSpan b_;
};

struct TunPiRepr {
  std::uint16_t flags = 0;
  EtherType protocol = EtherType::ipv4;

  static TunPiRepr parse(const TunPiView& view) noexcept { return {view.flags(), view.protocol()}; }
  static constexpr std::size_t size() noexcept { return TunPiView::kSize; }
  std::size_t emit(MutableByteSpan out) const noexcept;  // 4, or 0 if `out` is shorter
  auto operator<=>(const TunPiRepr&) const = default;
};

}  // namespace tunkit
