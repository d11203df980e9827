#include "tunkit/wire/icmpv6.hpp"

#include <algorithm>

#include "tunkit/wire/checksum.hpp"
#include "tunkit/wire/ip_protocol.hpp"

namespace tunkit {
namespace {

// The fixed size of each known type's message before its options or data.
std::size_t fixed_size(Icmpv6Type type) noexcept {
  switch (type) {
    case Icmpv6Type::destination_unreachable:
    case Icmpv6Type::packet_too_big:
    case Icmpv6Type::time_exceeded:
    case Icmpv6Type::parameter_problem:
    case Icmpv6Type::echo_request:
    case Icmpv6Type::echo_reply:
    case Icmpv6Type::router_solicitation:
    case Icmpv6Type::mld2_report:
      return 8;
    case Icmpv6Type::router_advertisement:
      return 16;
    case Icmpv6Type::mld_query:
    case Icmpv6Type::mld_report:
    case Icmpv6Type::mld_done:
    case Icmpv6Type::neighbor_solicitation:
    case Icmpv6Type::neighbor_advertisement:
      return 24;
    case Icmpv6Type::redirect:
      return 40;
  }
  return Icmpv6View::kHeaderSize;  // RFC 4443 §2.1: type, code, checksum, then a 4-byte field
}

}  // namespace

std::size_t ndp_options_offset(Icmpv6Type type) noexcept {
  switch (type) {
    case Icmpv6Type::router_solicitation:
    case Icmpv6Type::router_advertisement:
    case Icmpv6Type::neighbor_solicitation:
    case Icmpv6Type::neighbor_advertisement:
    case Icmpv6Type::redirect:
      return fixed_size(type);
    default:
      return 0;
  }
}

ParseError NdpOptions::check(ByteSpan area) noexcept {
  for (std::size_t at = 0; at < area.size();) {
    if (at + 2 > area.size()) return ParseError::bad_option;
    const std::size_t len = std::size_t{area[at + 1]} * 8;
    if (len == 0 || at + len > area.size()) return ParseError::bad_option;
    at += len;
  }
  return ParseError::none;
}

std::optional<NdpLinkLayerOption> NdpLinkLayerOption::parse(const NdpOption& option) noexcept {
  if ((option.type != NdpOptionType::source_link_layer_address &&
       option.type != NdpOptionType::target_link_layer_address) ||
      option.bytes.size() != size())
    return std::nullopt;
  return NdpLinkLayerOption{option.type, MacAddress::from_bytes(option.bytes.subspan<2, 6>())};
}

std::size_t NdpLinkLayerOption::emit(MutableByteSpan out) const noexcept {
  if (out.size() < size()) return 0;
  out[0] = static_cast<std::uint8_t>(type);
  out[1] = 1;
  std::copy(address.bytes.begin(), address.bytes.end(), out.begin() + 2);
  return size();
}

std::optional<NdpPrefixInformation> NdpPrefixInformation::parse(const NdpOption& option) noexcept {
  if (option.type != NdpOptionType::prefix_information || option.bytes.size() != size())
    return std::nullopt;
  const ByteSpan b = option.bytes;
  return NdpPrefixInformation{b[2],
                              (b[3] & 0x80) != 0,
                              (b[3] & 0x40) != 0,
                              load_be32(b, 4),
                              load_be32(b, 8),
                              IpAddress::v6(b.subspan<16, 16>())};
}

std::size_t NdpPrefixInformation::emit(MutableByteSpan out) const noexcept {
  if (out.size() < size() || prefix.family != IpFamily::v6) return 0;
  out[0] = static_cast<std::uint8_t>(NdpOptionType::prefix_information);
  out[1] = 4;
  out[2] = prefix_length;
  out[3] = static_cast<std::uint8_t>((on_link ? 0x80 : 0) | (autonomous ? 0x40 : 0));
  store_be32(out, 4, valid_lifetime);
  store_be32(out, 8, preferred_lifetime);
  store_be32(out, 12, 0);
  std::copy(prefix.bytes.begin(), prefix.bytes.end(), out.begin() + 16);
  return size();
}

std::optional<NdpMtuOption> NdpMtuOption::parse(const NdpOption& option) noexcept {
  if (option.type != NdpOptionType::mtu || option.bytes.size() != size()) return std::nullopt;
  return NdpMtuOption{load_be32(option.bytes, 4)};
}

std::size_t NdpMtuOption::emit(MutableByteSpan out) const noexcept {
  if (out.size() < size()) return 0;
  out[0] = static_cast<std::uint8_t>(NdpOptionType::mtu);
  out[1] = 1;
  store_be16(out, 2, 0);
  store_be32(out, 4, mtu);
  return size();
}

ParseError Icmpv6View::check(ByteSpan message) noexcept {
  if (message.size() < kHeaderSize) return ParseError::truncated;
  const auto type = Icmpv6Type{message[0]};
  if (message.size() < fixed_size(type)) return ParseError::truncated;
  if (const std::size_t at = ndp_options_offset(type); at != 0)
    return NdpOptions::check(message.subspan(at));
  return ParseError::none;
}

std::optional<Icmpv6View> Icmpv6View::parse(ByteSpan message) noexcept {
  if (check(message) != ParseError::none) return std::nullopt;
  return Icmpv6View(message);
}

IpAddress Icmpv6View::address_at(std::size_t at) const noexcept {
  if (b_.size() < at + 16) return IpAddress{IpFamily::v6, {}};
  return IpAddress::v6(b_.subspan(at).first<16>());
}

bool Icmpv6View::is_ndp() const noexcept { return ndp_options_offset(type()) != 0; }

NdpOptions Icmpv6View::ndp_options() const noexcept {
  const std::size_t at = ndp_options_offset(type());
  return at == 0 ? NdpOptions() : NdpOptions(b_.subspan(at));
}

bool Icmpv6View::verify_checksum(const IpAddress& source,
                                 const IpAddress& destination) const noexcept {
  const std::uint16_t pseudo =
      pseudo_header_sum(source, destination, static_cast<std::uint8_t>(IpProtocol::icmpv6),
                        static_cast<std::uint32_t>(b_.size()));
  return checksum_sum(b_, pseudo) == 0xffff;
}

std::size_t Icmpv6Repr::emit(MutableByteSpan out, const IpAddress& source,
                             const IpAddress& destination) const noexcept {
  const std::size_t total = size() + body_length;
  if (out.size() < total || source.family != IpFamily::v6 ||
      destination.family != IpFamily::v6)
    return 0;
  out[0] = static_cast<std::uint8_t>(type);
  out[1] = code;
  store_be16(out, 2, 0);
  store_be32(out, 4, rest_of_header);
  const std::uint16_t pseudo = pseudo_header_sum(
      source, destination, static_cast<std::uint8_t>(IpProtocol::icmpv6), static_cast<std::uint32_t>(total));
  store_be16(out, 2, checksum_finish(checksum_sum(out.first(total), pseudo)));
  return size();
}

}  // namespace tunkit
