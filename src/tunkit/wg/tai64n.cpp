#include "tunkit/wg/tai64n.hpp"

namespace tunkit::wg {

Tai64n tai64n(std::chrono::system_clock::time_point wall) noexcept {
  using namespace std::chrono;
  const auto since_epoch = duration_cast<nanoseconds>(wall.time_since_epoch()).count();
  const auto seconds = static_cast<std::uint64_t>(since_epoch / 1'000'000'000);
  auto nanos = static_cast<std::uint32_t>(since_epoch % 1'000'000'000);
  nanos &= ~std::uint32_t{(1u << 24) - 1};
  const std::uint64_t label = (std::uint64_t{1} << 62) + seconds;
  Tai64n out{};
  for (int i = 0; i < 8; ++i) out[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(label >> (56 - 8 * i));
  for (int i = 0; i < 4; ++i) out[static_cast<std::size_t>(8 + i)] = static_cast<std::uint8_t>(nanos >> (24 - 8 * i));
  return out;
}

}  // namespace tunkit::wg
