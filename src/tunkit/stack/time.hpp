// Time as the stack sees it: the caller passes `now` into every call (DESIGN.md: the stack
// does no I/O and reads no clock), so tests drive it with a virtual clock.
#pragma once

#include <chrono>

namespace tunkit::stack {

using Clock = std::chrono::steady_clock;
using Instant = Clock::time_point;
using Duration = Clock::duration;

}  // namespace tunkit::stack
