// Shared by the fuzz targets: an invariant check that crashes (so libFuzzer records the
// input) in every build mode, and a sink that keeps reads from being optimised away.
#pragma once

#include <cstddef>
#include <cstdint>

#define TUNKIT_FUZZ_CHECK(...)          \
  do {                                   \
    if (!(__VA_ARGS__)) __builtin_trap(); \
  } while (0)

namespace tunkit::fuzz {

template <class T>
inline void sink(const T& value) {
  asm volatile("" : : "g"(&value) : "memory");
}

}  // namespace tunkit::fuzz
