// Signals as a readable fd (signalfd): the listed signals are blocked for the calling
// thread (and threads it starts later) and arrive as events instead of interrupting code.
#pragma once

#include <signal.h>

#include <initializer_list>
#include <optional>

#include "tunkit/base/error.hpp"
#include "tunkit/base/fd.hpp"

namespace tunkit::event {

class SignalFd {
 public:
  static Result<SignalFd> create(std::initializer_list<int> signals);
  int fd() const noexcept { return fd_.get(); }
  // The next pending signal number, or nullopt if none.
  std::optional<int> take() const noexcept;

 private:
  explicit SignalFd(Fd fd) : fd_(std::move(fd)) {}
  Fd fd_;
};

}  // namespace tunkit::event
