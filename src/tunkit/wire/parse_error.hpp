// Why bytes did not parse. Every view has `static ParseError check(ByteSpan)` (none when
// the bytes are well-formed) and `static std::optional<View> parse(ByteSpan)`; a packet
// printer reports the reason, a stack just counts the drop (smoltcp's check_len /
// new_checked). Deliberately a small enum, not tunkit::Error: parsing a hostile packet
// must not allocate.
#pragma once

#include <cstdint>
#include <string_view>

namespace tunkit {

enum class ParseError : std::uint8_t {
  none,         // well-formed
  truncated,    // fewer bytes than a header or a length field requires
  bad_version,  // the IP version nibble is not the one this view describes
  bad_length,   // a length field contradicts the format (IHL < 5, UDP length < 8, ...)
  bad_option,   // an option or extension header is malformed or runs past its area
  unsupported,  // well-formed, but a variant this view does not describe (ARP over non-Ethernet)
};

constexpr std::string_view to_string(ParseError e) noexcept {
  switch (e) {
    case ParseError::none: return "ok";
    case ParseError::truncated: return "truncated";
    case ParseError::bad_version: return "bad version";
    case ParseError::bad_length: return "bad length";
    case ParseError::bad_option: return "bad option";
    case ParseError::unsupported: return "unsupported";
  }
  return "?";
}

}  // namespace tunkit
