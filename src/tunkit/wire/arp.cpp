#include "tunkit/wire/arp.hpp"

namespace tunkit {

ParseError ArpView::check(ByteSpan packet) noexcept {
  if (packet.size() < 8) return ParseError::truncated;
  // RFC 826: ar$hrd = 1 (Ethernet), ar$pro = 0x0800, ar$hln = 6, ar$pln = 4.
  if (load_be16(packet, 0) != 1 || load_be16(packet, 2) != 0x0800 || packet[4] != 6 ||
      packet[5] != 4)
    return ParseError::unsupported;
  return packet.size() < kSize ? ParseError::truncated : ParseError::none;
}

std::optional<ArpView> ArpView::parse(ByteSpan packet) noexcept {
  if (check(packet) != ParseError::none) return std::nullopt;
  return ArpView(packet.first<kSize>());
}

ArpRepr ArpRepr::parse(const ArpView& view) noexcept {
  return {view.operation(), view.sender_hardware_address(), view.sender_protocol_address(),
          view.target_hardware_address(), view.target_protocol_address()};
}

std::size_t ArpRepr::emit(MutableByteSpan out) const noexcept {
  if (out.size() < size() || sender_protocol_address.family != IpFamily::v4 ||
      target_protocol_address.family != IpFamily::v4)
    return 0;
  store_be16(out, 0, 1);
  store_be16(out, 2, 0x0800);
  out[4] = 6;
  out[5] = 4;
  store_be16(out, 6, static_cast<std::uint16_t>(operation));
  for (std::size_t i = 0; i < 6; ++i) {
    out[8 + i] = sender_hardware_address.bytes[i];
    out[18 + i] = target_hardware_address.bytes[i];
  }
  for (std::size_t i = 0; i < 4; ++i) {
    out[14 + i] = sender_protocol_address.bytes[i];
    out[24 + i] = target_protocol_address.bytes[i];
  }
  return size();
}

}  // namespace tunkit
