// Ethernet II frames (IEEE 802.3 clause 3 with an EtherType) and their VLAN tags: 802.1Q
// (TPID 0x8100) and the 802.1ad service tag (TPID 0x88a8) that QinQ puts in front of it.
// The view covers the header and tags; the FCS is not part of what Linux hands us.
#pragma once

#include <array>
#include <cstdint>
#include <optional>

#include "tunkit/wire/address.hpp"
#include "tunkit/wire/bytes.hpp"
#include "tunkit/wire/parse_error.hpp"

namespace tunkit {

// Values outside the enumerators are valid on the wire and pass through unchanged.
enum class EtherType : std::uint16_t {
  ipv4 = 0x0800,
  arp = 0x0806,
  vlan = 0x8100,  // IEEE 802.1Q customer tag
  ipv6 = 0x86dd,
  qinq = 0x88a8,  // IEEE 802.1ad service tag
};

struct VlanTag {
  EtherType tpid = EtherType::vlan;
  std::uint8_t pcp = 0;  // priority code point, 3 bits
  bool dei = false;      // drop eligible indicator
  std::uint16_t vid = 0; // VLAN identifier, 12 bits
  auto operator<=>(const VlanTag&) const = default;
};

class EthernetView {
 public:
  static constexpr std::size_t kHeaderSize = 14;
  static constexpr std::size_t kTagSize = 4;
  static constexpr std::size_t kMaxTags = 2;  // a third tag is left as the payload's EtherType

  // truncated unless the 14-byte header and every tag it announces are present.
  static ParseError check(ByteSpan frame) noexcept;
  static std::optional<EthernetView> parse(ByteSpan frame) noexcept;

  MacAddress destination() const noexcept { return MacAddress::from_bytes(b_.first<6>()); }
  MacAddress source() const noexcept { return MacAddress::from_bytes(b_.subspan<6, 6>()); }
  // The EtherType after the tags: what the payload is.
  EtherType ether_type() const noexcept {
    return EtherType{load_be16(b_, header_size() - 2)};
  }
  std::size_t tag_count() const noexcept { return tags_; }
  // Outermost first. Precondition: i < tag_count().
  VlanTag tag(std::size_t i) const noexcept;
  std::size_t header_size() const noexcept { return kHeaderSize + tags_ * kTagSize; }
  ByteSpan payload() const noexcept { return b_.subspan(header_size()); }
  ByteSpan bytes() const noexcept { return b_; }

 private:
  EthernetView(ByteSpan b, std::size_t tags) noexcept : b_(b), tags_(tags) {}
  ByteSpan b_;
  std::size_t tags_ = 0;
};

// The header as values, for building frames.
struct EthernetRepr {
  MacAddress destination;
  MacAddress source;
  std::array<VlanTag, EthernetView::kMaxTags> tags{};
  std::size_t tag_count = 0;
  EtherType ether_type = EtherType::ipv4;

  static EthernetRepr parse(const EthernetView& view) noexcept;
  std::size_t size() const noexcept { return EthernetView::kHeaderSize + tag_count * 4; }
  // Writes the header into out[0, size()); the payload goes after it. Returns size(), or 0
  // (writing nothing) if `out` is shorter or tag_count > kMaxTags.
  std::size_t emit(MutableByteSpan out) const noexcept;
  auto operator<=>(const EthernetRepr&) const = default;
};

}  // namespace tunkit
