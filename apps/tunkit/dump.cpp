// `tunkit dump`: not registered yet (issue 3 in progress).
#include "command_line.hpp"

namespace tunkit::app {
std::vector<Subcommand> add_dump_command(CLI::App&) { return {}; }
}  // namespace tunkit::app
