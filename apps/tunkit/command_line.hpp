// What every subcommand shares: the `ip`-style word list parser, exit codes, and error
// reporting. apps/ is the only place that prints and chooses exit codes (DESIGN.md).
#pragma once

#include <CLI/CLI.hpp>

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tunkit/base/error.hpp"

namespace tunkit::app {

// Exit statuses, documented in README.md.
enum ExitCode : int {
  kOk = 0,
  kFailure = 1,        // anything else that went wrong
  kUsage = 2,          // bad flag, word, value or name
  kPermission = 3,     // EPERM / EACCES
  kBusy = 4,           // EBUSY, or the device exists already
  kMismatch = 5,       // the device exists with another mode / is not TUN/TAP
  kNoDevice = 6,       // ENODEV: no such device
};

// Thrown inside a command to stop with a message and status; caught in main().
struct CommandError {
  std::string message;
  int status;
};

int exit_code_for(const Error& error) noexcept;

// Unwraps a Result or throws CommandError carrying its message and exit code.
template <class T>
T must(Result<T> result) {
  if (!result) throw CommandError{result.error().message, exit_code_for(result.error())};
  if constexpr (!std::is_void_v<T>) return std::move(*result);
}
[[noreturn]] void usage_error(std::string message);

// The `ip`-style tail of a command: `tun0 mode tap user nobody multi-queue`.
class Words {
 public:
  Words(std::vector<std::string> words, std::string command)
      : words_(std::move(words)), command_(std::move(command)) {}

  bool done() const noexcept { return next_ >= words_.size(); }
  const std::string& next() { return words_[next_++]; }
  // Consumes the next word if it is `word`.
  bool skip_if(std::string_view word) {
    if (done() || words_[next_] != word) return false;
    ++next_;
    return true;
  }
  // The value after `keyword`, or a usage error naming what is missing.
  const std::string& value_of(std::string_view keyword);
  unsigned number_of(std::string_view keyword, unsigned min, unsigned max);
  [[noreturn]] void unknown(std::string_view word, std::string_view expected) const;

 private:
  std::vector<std::string> words_;
  std::string command_;
  std::size_t next_ = 0;
};

// A subcommand registers itself on the CLI11 app and returns what to run if chosen.
struct Subcommand {
  CLI::App* app;
  std::function<int()> run;
};

std::vector<Subcommand> add_dev_commands(CLI::App& parent);
std::vector<Subcommand> add_demo_command(CLI::App& parent);
std::vector<Subcommand> add_dump_command(CLI::App& parent);
std::vector<Subcommand> add_tunnel_command(CLI::App& parent);
std::vector<Subcommand> add_host_command(CLI::App& parent);
std::vector<Subcommand> add_wg_command(CLI::App& parent);
// The `tunkit-wg` alias (argv[0]): wireguard-go's command line for wg-quick.
int wg_daemon_main(int argc, char** argv);

}  // namespace tunkit::app
