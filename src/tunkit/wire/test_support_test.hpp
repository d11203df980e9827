// Helpers shared by the wire unit tests (not installed: *_test.hpp).
#pragma once

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "tunkit/wire/address.hpp"
#include "tunkit/wire/bytes.hpp"
#include "tunkit/wire/captures_test.hpp"

namespace tunkit::testing {

inline constexpr std::size_t kEthernetHeader = 14;

inline ByteSpan bytes_of(std::span<const std::uint8_t> a) { return a; }
// The layer-3 packet of an untagged captured Ethernet frame.
inline ByteSpan l3_of(std::span<const std::uint8_t> frame) { return frame.subspan(kEthernetHeader); }
inline std::vector<std::uint8_t> copy_of(ByteSpan b) { return {b.begin(), b.end()}; }
inline IpAddress ip(std::string_view text) { return *IpAddress::parse(text); }
inline MacAddress mac(std::string_view text) { return *MacAddress::parse(text); }
inline std::string_view text_of(ByteSpan b) {
  return {reinterpret_cast<const char*>(b.data()), b.size()};
}

}  // namespace tunkit::testing
