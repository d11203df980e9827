#include "tunkit/event/epoll.hpp"

namespace tunkit::event {

Result<Epoll> Epoll::create() {
  Fd fd(::epoll_create1(EPOLL_CLOEXEC));
  if (!fd) return fail_errno_context(errno, "epoll_create1");
  return Epoll(std::move(fd));
}

Result<void> Epoll::add(int fd, std::uint32_t events, std::uint64_t tag) {
  epoll_event ev{events, {.u64 = tag}};
  if (::epoll_ctl(fd_.get(), EPOLL_CTL_ADD, fd, &ev) < 0) return fail_errno_context(errno, "epoll add");
  return {};
}

Result<void> Epoll::modify(int fd, std::uint32_t events, std::uint64_t tag) {
  epoll_event ev{events, {.u64 = tag}};
  if (::epoll_ctl(fd_.get(), EPOLL_CTL_MOD, fd, &ev) < 0) return fail_errno_context(errno, "epoll modify");
  return {};
}

void Epoll::remove(int fd) noexcept { ::epoll_ctl(fd_.get(), EPOLL_CTL_DEL, fd, nullptr); }

Result<std::span<epoll_event>> Epoll::wait(std::span<epoll_event> out,
                                           std::chrono::milliseconds timeout) {
  const int n = ::epoll_wait(fd_.get(), out.data(), static_cast<int>(out.size()),
                             static_cast<int>(timeout.count()));
  if (n < 0) {
    if (errno == EINTR) return out.first(0);
    return fail_errno_context(errno, "epoll_wait");
  }
  return out.first(static_cast<std::size_t>(n));
}

}  // namespace tunkit::event
