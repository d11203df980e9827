#include "tunkit/netlink/netns.hpp"

#include <fcntl.h>

namespace tunkit::netlink {
namespace {

Result<Fd> open_thread_netns() {
  Fd fd(::open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC));
  if (!fd) return fail_errno_context(errno, "open /proc/thread-self/ns/net");
  return fd;
}

}  // namespace

Result<Netns> Netns::current() {
  auto fd = open_thread_netns();
  if (!fd) return std::unexpected(fd.error());
  return Netns(std::move(*fd));
}

Result<Netns> Netns::create() {
  // unshare() on a throwaway thread, so the caller's own namespace never changes.
  Result<Fd> fd = fail_errno(EINVAL, "unreachable");
  std::thread worker([&] {
    if (::unshare(CLONE_NEWNET) < 0) {
      fd = fail_errno_context(errno, errno == EPERM
                                         ? "create a network namespace (needs root or CAP_SYS_ADMIN)"
                                         : "create a network namespace");
      return;
    }
    fd = open_thread_netns();
  });
  worker.join();
  if (!fd) return std::unexpected(fd.error());
  return Netns(std::move(*fd));
}

Result<void> Netns::enter() const {
  if (::setns(fd_.get(), CLONE_NEWNET) < 0)
    return fail_errno_context(errno, "enter network namespace");
  return {};
}

}  // namespace tunkit::netlink
