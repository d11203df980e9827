#include "tunkit/event/signals.hpp"

#include <sys/signalfd.h>
#include <unistd.h>

namespace tunkit::event {

Result<SignalFd> SignalFd::create(std::initializer_list<int> signals) {
  sigset_t set;
  sigemptyset(&set);
  for (int s : signals) sigaddset(&set, s);
  if (::pthread_sigmask(SIG_BLOCK, &set, nullptr) != 0) return fail_errno(EINVAL, "block signals");
  Fd fd(::signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK));
  if (!fd) return fail_errno_context(errno, "signalfd");
  return SignalFd(std::move(fd));
}

std::optional<int> SignalFd::take() const noexcept {
  signalfd_siginfo info;
  if (::read(fd_.get(), &info, sizeof info) != static_cast<ssize_t>(sizeof info)) return std::nullopt;
  return static_cast<int>(info.ssi_signo);
}

}  // namespace tunkit::event
