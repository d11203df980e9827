// struct virtio_net_hdr (virtio 1.x §5.1.6, linux/virtio_net.h), the 10-byte header a TUN
// queue with IFF_VNET_HDR exchanges before each packet to carry checksum and segmentation
// offload. Fields are little-endian: modern virtio is always LE, and tunkit sets
// TUNSETVNETLE / runs on LE hosts where legacy "native" order is the same.
#pragma once

#include <cstdint>
#include <optional>

#include "tunkit/wire/bytes.hpp"
#include "tunkit/wire/parse_error.hpp"

namespace tunkit {

// gso_type values; kEcn may be or-ed into TCP types.
enum class VirtioGsoType : std::uint8_t {
  none = 0,
  tcpv4 = 1,
  udp = 3,  // UFO, deprecated
  tcpv6 = 4,
  udp_l4 = 5,  // USO
};

class VirtioNetHdrView {
 public:
  static constexpr std::size_t kSize = 10;
  static constexpr std::uint8_t kFlagNeedsCsum = 1;  // checksum from csum_start, store at +csum_offset
  static constexpr std::uint8_t kFlagDataValid = 2;  // checksum already verified
  static constexpr std::uint8_t kGsoEcn = 0x80;

  static ParseError check(ByteSpan bytes) noexcept {
    return bytes.size() < kSize ? ParseError::truncated : ParseError::none;
  }
  static std::optional<VirtioNetHdrView> parse(ByteSpan bytes) noexcept {
    if (check(bytes) != ParseError::none) return std::nullopt;
    return VirtioNetHdrView(bytes);
  }

  std::uint8_t flags() const noexcept { return b_[0]; }
  bool needs_csum() const noexcept { return (b_[0] & kFlagNeedsCsum) != 0; }
  bool data_valid() const noexcept { return (b_[0] & kFlagDataValid) != 0; }
  VirtioGsoType gso_type() const noexcept { return VirtioGsoType{static_cast<std::uint8_t>(b_[1] & ~kGsoEcn)}; }
  bool gso_ecn() const noexcept { return (b_[1] & kGsoEcn) != 0; }
  std::uint16_t hdr_len() const noexcept { return load_le16(b_, 2); }
  std::uint16_t gso_size() const noexcept { return load_le16(b_, 4); }
  std::uint16_t csum_start() const noexcept { return load_le16(b_, 6); }
  std::uint16_t csum_offset() const noexcept { return load_le16(b_, 8); }
  // The packet after the header.
  ByteSpan payload() const noexcept { return b_.subspan(kSize); }

 private:
  explicit VirtioNetHdrView(ByteSpan b) noexcept : b_(b) {}
  ByteSpan b_;
};

struct VirtioNetHdrRepr {
  std::uint8_t flags = 0;
  std::uint8_t gso_type = 0;  // VirtioGsoType, possibly | kGsoEcn
  std::uint16_t hdr_len = 0;
  std::uint16_t gso_size = 0;
  std::uint16_t csum_start = 0;
  std::uint16_t csum_offset = 0;

  static VirtioNetHdrRepr parse(const VirtioNetHdrView& v) noexcept {
    return {v.flags(), static_cast<std::uint8_t>(static_cast<std::uint8_t>(v.gso_type()) |
                                                 (v.gso_ecn() ? VirtioNetHdrView::kGsoEcn : 0)),
            v.hdr_len(), v.gso_size(), v.csum_start(), v.csum_offset()};
  }
  static constexpr std::size_t size() noexcept { return VirtioNetHdrView::kSize; }
  std::size_t emit(MutableByteSpan out) const noexcept {  // 10, or 0 if `out` is shorter
    if (out.size() < size()) return 0;
    out[0] = flags;
    out[1] = gso_type;
    store_le16(out, 2, hdr_len);
    store_le16(out, 4, gso_size);
    store_le16(out, 6, csum_start);
    store_le16(out, 8, csum_offset);
    return size();
  }
  auto operator<=>(const VirtioNetHdrRepr&) const = default;
};

}  // namespace tunkit
