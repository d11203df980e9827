#include "tunkit/wire/icmpv4.hpp"

#include "tunkit/wire/checksum.hpp"

namespace tunkit {

ParseError Icmpv4View::check(ByteSpan message) noexcept {
  return message.size() < kHeaderSize ? ParseError::truncated : ParseError::none;
}

std::optional<Icmpv4View> Icmpv4View::parse(ByteSpan message) noexcept {
  if (check(message) != ParseError::none) return std::nullopt;
  return Icmpv4View(message);
}

bool Icmpv4View::is_error() const noexcept {
  switch (type()) {
    case Icmpv4Type::destination_unreachable:
    case Icmpv4Type::redirect:
    case Icmpv4Type::time_exceeded:
    case Icmpv4Type::parameter_problem:
      return true;
    default:
      return false;
  }
}

bool Icmpv4View::verify_checksum() const noexcept { return checksum_sum(b_) == 0xffff; }

Icmpv4Repr Icmpv4Repr::parse(const Icmpv4View& view) noexcept {
  return {view.type(), view.code(), view.rest_of_header(),
          static_cast<std::uint16_t>(view.data().size())};
}

std::size_t Icmpv4Repr::emit(MutableByteSpan out) const noexcept {
  if (out.size() < size() + data_length) return 0;
  out[0] = static_cast<std::uint8_t>(type);
  out[1] = code;
  store_be16(out, 2, 0);
  store_be32(out, 4, rest_of_header);
  store_be16(out, 2, internet_checksum(out.first(size() + data_length)));
  return size();
}

}  // namespace tunkit
