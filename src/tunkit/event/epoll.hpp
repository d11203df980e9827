// A thin owner of an epoll instance. Registration carries a caller-chosen 64-bit tag.
#pragma once

#include <sys/epoll.h>

#include <chrono>
#include <cstdint>
#include <span>

#include "tunkit/base/error.hpp"
#include "tunkit/base/fd.hpp"

namespace tunkit::event {

class Epoll {
 public:
  static Result<Epoll> create();

  Result<void> add(int fd, std::uint32_t events, std::uint64_t tag);
  Result<void> modify(int fd, std::uint32_t events, std::uint64_t tag);
  void remove(int fd) noexcept;  // no error: removing an fd that is gone is fine

  // Waits at most `timeout` (negative: forever); returns the ready events (EINTR: none).
  Result<std::span<epoll_event>> wait(std::span<epoll_event> out, std::chrono::milliseconds timeout);

 private:
  explicit Epoll(Fd fd) : fd_(std::move(fd)) {}
  Fd fd_;
};

}  // namespace tunkit::event
