#include "tunkit/wire/pi.hpp"

#include <cstring>

namespace tunkit {

std::uint16_t TunPiView::flags() const noexcept {
  std::uint16_t v;
  std::memcpy(&v, b_.data(), sizeof v);  // __u16 in host order, not __be16
  return v;
}

std::size_t TunPiRepr::emit(MutableByteSpan out) const noexcept {
  if (out.size() < size()) return 0;
  std::memcpy(out.data(), &flags, sizeof flags);
  store_be16(out, 2, static_cast<std::uint16_t>(protocol));
  return size();
}

}  // namespace tunkit
