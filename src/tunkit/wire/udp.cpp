#include "tunkit/wire/udp.hpp"

#include "tunkit/wire/checksum.hpp"
#include "tunkit/wire/ip_protocol.hpp"

namespace tunkit {
namespace {

constexpr auto kUdp = static_cast<std::uint8_t>(IpProtocol::udp);

}  // namespace

ParseError UdpView::check(ByteSpan datagram) noexcept {
  if (datagram.size() < kHeaderSize) return ParseError::truncated;
  const std::size_t length = load_be16(datagram, 4);
  if (length < kHeaderSize) return ParseError::bad_length;
  return length > datagram.size() ? ParseError::truncated : ParseError::none;
}

std::optional<UdpView> UdpView::parse(ByteSpan datagram) noexcept {
  if (check(datagram) != ParseError::none) return std::nullopt;
  return UdpView(datagram.first(load_be16(datagram, 4)));
}

bool UdpView::verify_checksum(const IpAddress& source, const IpAddress& destination) const noexcept {
  if (checksum() == 0) return source.family == IpFamily::v4;
  const std::uint16_t pseudo =
      pseudo_header_sum(source, destination, kUdp, static_cast<std::uint32_t>(b_.size()));
  return checksum_sum(b_, pseudo) == 0xffff;
}

UdpRepr UdpRepr::parse(const UdpView& view) noexcept {
  return {view.source_port(), view.destination_port(),
          static_cast<std::uint16_t>(view.length() - UdpView::kHeaderSize)};
}

std::size_t UdpRepr::emit(MutableByteSpan out, const IpAddress& source,
                          const IpAddress& destination) const noexcept {
  const std::size_t total = size() + payload_length;
  if (out.size() < total || total > 0xffff || source.family != destination.family) return 0;
  store_be16(out, 0, source_port);
  store_be16(out, 2, destination_port);
  store_be16(out, 4, static_cast<std::uint16_t>(total));
  store_be16(out, 6, 0);
  const std::uint16_t pseudo =
      pseudo_header_sum(source, destination, kUdp, static_cast<std::uint32_t>(total));
  const std::uint16_t sum = checksum_finish(checksum_sum(out.first(total), pseudo));
  store_be16(out, 6, sum == 0 ? 0xffff : sum);
  return size();
}

}  // namespace tunkit
