#include "tunkit/dev/name.hpp"

#include <fmt/format.h>

#include <cctype>

namespace tunkit::dev {

Result<void> check_name(std::string_view name, bool allow_pattern) {
  if (name.empty()) return fail_errno(EINVAL, "the interface name is empty");
  if (name.size() > kMaxNameLength)
    return fail_errno(EINVAL, fmt::format("interface name '{}' is {} bytes; the kernel allows "
                                          "at most {}",
                                          name, name.size(), kMaxNameLength));
  if (name == "." || name == "..")
    return fail_errno(EINVAL, fmt::format("'{}' is not a valid interface name", name));
  for (char c : name) {
    if (c == '/' || c == ':' || std::isspace(static_cast<unsigned char>(c)))
      return fail_errno(EINVAL, fmt::format("interface name '{}' contains '{}'; names may not "
                                            "contain '/', ':' or spaces",
                                            name, c == ' ' ? std::string("space") : std::string(1, c)));
  }
  const auto percent = name.find('%');
  if (percent != std::string_view::npos) {
    const bool one_pattern = allow_pattern && name.substr(percent, 2) == "%d" &&
                             name.find('%', percent + 1) == std::string_view::npos;
    if (!one_pattern)
      return fail_errno(EINVAL, fmt::format("interface name '{}': '%' is only allowed as one "
                                            "'%d' pattern, for the kernel to pick a number",
                                            name));
  }
  return {};
}

}  // namespace tunkit::dev
