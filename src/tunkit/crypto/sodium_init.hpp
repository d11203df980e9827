// libsodium must be initialised once before use; sodium_init() is idempotent and
// thread-safe, so every entry point that needs it calls ensure_sodium().
#pragma once

namespace tunkit::crypto {
void ensure_sodium() noexcept;
}
