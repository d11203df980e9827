// Network namespaces held by an fd (no /run/netns name, so nothing outlives the holder):
// the namespace exists while its fd is open or a process lives in it. Used by the demo
// and the scenario tests to keep all traffic inside namespaces they made themselves.
#pragma once

#include <sched.h>

#include <optional>
#include <thread>
#include <type_traits>
#include <utility>

#include "tunkit/base/error.hpp"
#include "tunkit/base/fd.hpp"

namespace tunkit::netlink {

class Netns {
 public:
  static Result<Netns> create();   // a new, empty namespace (only `lo`, down)
  static Result<Netns> current();  // the calling thread's namespace

  int fd() const noexcept { return fd_.get(); }

  // Runs `f` (returning Result<T>) on a short-lived thread that has entered this
  // namespace, and returns its result. Sockets and TUN fds opened inside `f` stay
  // bound to this namespace after it returns, wherever they are used from.
  template <class F>
  std::invoke_result_t<F> run(F&& f) const {
    std::optional<std::invoke_result_t<F>> out;
    std::thread worker([&] {
      if (auto entered = enter(); !entered)
        out.emplace(std::unexpected(entered.error()));
      else
        out.emplace(std::forward<F>(f)());
    });
    worker.join();
    return std::move(*out);
  }

  // Moves the calling thread into this namespace (setns). In a single-threaded process
  // that is the whole process, e.g. a child between fork() and exec().
  Result<void> enter() const;

 private:
  explicit Netns(Fd fd) : fd_(std::move(fd)) {}
  Fd fd_;
};

}  // namespace tunkit::netlink
