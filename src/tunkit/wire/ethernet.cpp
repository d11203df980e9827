#include "tunkit/wire/ethernet.hpp"

namespace tunkit {
namespace {

bool is_tag(std::uint16_t type) noexcept {
  return type == static_cast<std::uint16_t>(EtherType::vlan) ||
         type == static_cast<std::uint16_t>(EtherType::qinq);
}

// Counts the tags in front of the EtherType, or nullopt if the frame ends inside them.
std::optional<std::size_t> count_tags(ByteSpan frame) noexcept {
  if (frame.size() < EthernetView::kHeaderSize) return std::nullopt;
  std::size_t tags = 0;
  while (tags < EthernetView::kMaxTags && is_tag(load_be16(frame, 12 + tags * 4))) {
    ++tags;
    if (frame.size() < EthernetView::kHeaderSize + tags * 4) return std::nullopt;
  }
  return tags;
}

}  // namespace

ParseError EthernetView::check(ByteSpan frame) noexcept {
  return count_tags(frame) ? ParseError::none : ParseError::truncated;
}

std::optional<EthernetView> EthernetView::parse(ByteSpan frame) noexcept {
  const auto tags = count_tags(frame);
  if (!tags) return std::nullopt;
  return EthernetView(frame, *tags);
}

VlanTag EthernetView::tag(std::size_t i) const noexcept {
  // IEEE 802.1Q §9.6: TPID, then PCP (3 bits), DEI (1 bit), VID (12 bits).
  const std::size_t at = 12 + i * kTagSize;
  const std::uint16_t tci = load_be16(b_, at + 2);
  return {EtherType{load_be16(b_, at)}, static_cast<std::uint8_t>(tci >> 13),
          (tci & 0x1000) != 0, static_cast<std::uint16_t>(tci & 0x0fff)};
}

EthernetRepr EthernetRepr::parse(const EthernetView& view) noexcept {
  EthernetRepr repr{view.destination(), view.source(), {}, view.tag_count(), view.ether_type()};
  for (std::size_t i = 0; i < view.tag_count(); ++i) repr.tags[i] = view.tag(i);
  return repr;
}

std::size_t EthernetRepr::emit(MutableByteSpan out) const noexcept {
  if (tag_count > EthernetView::kMaxTags || out.size() < size()) return 0;
  for (std::size_t i = 0; i < 6; ++i) {
    out[i] = destination.bytes[i];
    out[6 + i] = source.bytes[i];
  }
  std::size_t at = 12;
  for (std::size_t i = 0; i < tag_count; ++i, at += 4) {
    const VlanTag& t = tags[i];
    store_be16(out, at, static_cast<std::uint16_t>(t.tpid));
    store_be16(out, at + 2,
               static_cast<std::uint16_t>((t.pcp & 7) << 13 | (t.dei ? 0x1000 : 0) |
                                          (t.vid & 0x0fff)));
  }
  store_be16(out, at, static_cast<std::uint16_t>(ether_type));
  return size();
}

}  // namespace tunkit
