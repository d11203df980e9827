// Interface-name rules of the kernel (net/core/dev.c dev_valid_name): 1..15 bytes, not
// "." or "..", no '/', ':' or whitespace. A pattern may hold one "%d" for the kernel to fill.
#pragma once

#include <string_view>

#include "tunkit/base/error.hpp"

namespace tunkit::dev {

inline constexpr std::size_t kMaxNameLength = 15;  // IFNAMSIZ - 1

// Ok, or EINVAL with a message that names the problem. `allow_pattern` admits one "%d".
Result<void> check_name(std::string_view name, bool allow_pattern = false);

}  // namespace tunkit::dev
