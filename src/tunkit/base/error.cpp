#include "tunkit/base/error.hpp"

#include <cstring>

namespace tunkit {
namespace {

class Category final : public std::error_category {
 public:
  const char* name() const noexcept override { return "tunkit"; }
  std::string message(int value) const override {
    switch (static_cast<Errc>(value)) {
      case Errc::mode_mismatch: return "device exists with another mode";
      case Errc::not_tuntap: return "not a TUN/TAP device";
      case Errc::device_gone: return "device no longer exists";
      case Errc::malformed: return "malformed input";
      case Errc::netlink_protocol: return "unexpected netlink reply";
    }
    return "unknown tunkit error";
  }
};

}  // namespace

const std::error_category& tunkit_category() noexcept {
  static const Category category;
  return category;
}

std::unexpected<Error> fail_errno_context(int err, std::string_view context) {
  std::string message(context);
  message += ": ";
  message += std::strerror(err);
  return fail_errno(err, std::move(message));
}

}  // namespace tunkit
