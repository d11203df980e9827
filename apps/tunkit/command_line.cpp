#include "command_line.hpp"

#include <fmt/format.h>

#include <charconv>

namespace tunkit::app {

int exit_code_for(const Error& error) noexcept {
  if (error.is(Errc::mode_mismatch) || error.is(Errc::not_tuntap)) return kMismatch;
  if (error.code.category() != std::generic_category()) return kFailure;
  switch (error.code.value()) {
    case EPERM:
    case EACCES: return kPermission;
    case EBUSY:
    case EEXIST: return kBusy;
    case ENODEV: return kNoDevice;
    case EINVAL: return kUsage;
    default: return kFailure;
  }
}

void usage_error(std::string message) { throw CommandError{std::move(message), kUsage}; }

const std::string& Words::value_of(std::string_view keyword) {
  if (done()) usage_error(fmt::format("'{}' needs a value (see {} --help)", keyword, command_));
  return next();
}

unsigned Words::number_of(std::string_view keyword, unsigned min, unsigned max) {
  const std::string& text = value_of(keyword);
  unsigned value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end != text.data() + text.size() || value < min || value > max)
    usage_error(fmt::format("'{} {}': expected a number from {} to {}", keyword, text, min, max));
  return value;
}

void Words::unknown(std::string_view word, std::string_view expected) const {
  usage_error(fmt::format("unknown word '{}' for '{}'; expected {} (see {} --help)", word,
                          command_, expected, command_));
}

}  // namespace tunkit::app
