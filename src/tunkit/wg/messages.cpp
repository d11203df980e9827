#include "tunkit/wg/messages.hpp"

namespace tunkit::wg {

std::optional<MessageType> classify(std::span<const std::uint8_t> datagram) noexcept {
  if (datagram.size() < 4 || datagram[1] != 0 || datagram[2] != 0 || datagram[3] != 0)
    return std::nullopt;
  switch (datagram[0]) {
    case 1:
      if (datagram.size() == initiation::size) return MessageType::initiation;
      break;
    case 2:
      if (datagram.size() == response::size) return MessageType::response;
      break;
    case 3:
      if (datagram.size() == cookie_reply::size) return MessageType::cookie_reply;
      break;
    case 4:
      if (datagram.size() >= data::min_size) return MessageType::data;
      break;
    default:
      break;
  }
  return std::nullopt;
}

}  // namespace tunkit::wg
