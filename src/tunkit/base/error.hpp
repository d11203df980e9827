// Errors as values (DESIGN.md principle 2): every fallible library call returns
// Result<T>. An Error carries a std::error_code a program can branch on and a
// message a person can act on ("tap0 is a TAP device; attach with mode tap").
#pragma once

#include <cerrno>
#include <expected>
#include <string>
#include <system_error>
#include <utility>

namespace tunkit {

// Conditions the kernel has no errno for. Everything else is a std::errc / errno.
enum class Errc {
  mode_mismatch = 1,   // the device exists with another mode or multi-queue setting
  not_tuntap,          // the name belongs to an interface that is not TUN/TAP
  device_gone,         // the device was deleted while attached
  malformed,           // bytes that do not parse
  netlink_protocol,    // a netlink reply we cannot make sense of
};

const std::error_category& tunkit_category() noexcept;

inline std::error_code make_error_code(Errc e) noexcept {
  return {static_cast<int>(e), tunkit_category()};
}

struct Error {
  std::error_code code;
  std::string message;  // complete sentence fragment for a user; no trailing newline

  // True if this error is errno `e` (EPERM, EBUSY, ...).
  bool is(std::errc e) const noexcept { return code == std::make_error_code(e); }
  bool is(Errc e) const noexcept { return code == make_error_code(e); }
};

template <class T>
using Result = std::expected<T, Error>;

// Builders for the unexpected side, so call sites stay one line.
inline std::unexpected<Error> fail(std::error_code code, std::string message) {
  return std::unexpected(Error{code, std::move(message)});
}
inline std::unexpected<Error> fail(Errc e, std::string message) {
  return fail(make_error_code(e), std::move(message));
}
inline std::unexpected<Error> fail_errno(int err, std::string message) {
  return fail(std::error_code(err, std::generic_category()), std::move(message));
}
// "context: strerror(err)".
std::unexpected<Error> fail_errno_context(int err, std::string_view context);

}  // namespace tunkit

template <>
struct std::is_error_code_enum<tunkit::Errc> : std::true_type {};
