// Which processes hold a TUN/TAP device open: the "iff:" line the tun driver writes into
// /proc/PID/fdinfo/FD (what `ip tuntap list` shows). /proc is per PID namespace, not per
// network namespace, so a same-named device in another network namespace also matches.
#pragma once

#include <sys/types.h>

#include <map>
#include <string>
#include <vector>

namespace tunkit::dev {

struct AttachedProcess {
  pid_t pid = 0;
  std::string command;  // /proc/PID/comm
  auto operator<=>(const AttachedProcess&) const = default;
};

// Device name -> processes holding it (one entry per process, sorted by pid). Processes
// whose /proc we may not read are left out.
std::map<std::string, std::vector<AttachedProcess>> attached_processes();

}  // namespace tunkit::dev
