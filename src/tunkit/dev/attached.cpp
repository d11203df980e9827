#include "tunkit/dev/attached.hpp"

#include <algorithm>
#include <charconv>
#include <filesystem>
#include <fstream>
#include <set>

namespace tunkit::dev {

std::map<std::string, std::vector<AttachedProcess>> attached_processes() {
  namespace fs = std::filesystem;
  std::map<std::string, std::set<pid_t>> holders;
  std::error_code ec;
  for (const auto& proc : fs::directory_iterator("/proc", ec)) {
    const auto pid_text = proc.path().filename().string();
    pid_t pid = 0;
    auto [end, perr] = std::from_chars(pid_text.data(), pid_text.data() + pid_text.size(), pid);
    if (perr != std::errc{} || end != pid_text.data() + pid_text.size()) continue;
    std::error_code fd_ec;
    for (const auto& info : fs::directory_iterator(proc.path() / "fdinfo", fd_ec)) {
      std::ifstream in(info.path());
      std::string line;
      while (std::getline(in, line)) {
        if (line.rfind("iff:", 0) != 0) continue;
        auto name = line.substr(4);
        name.erase(0, name.find_first_not_of(" \t"));
        holders[name].insert(pid);
        break;
      }
    }
  }
  std::map<std::string, std::vector<AttachedProcess>> out;
  for (auto& [name, pids] : holders) {
    for (pid_t pid : pids) {
      std::ifstream comm("/proc/" + std::to_string(pid) + "/comm");
      std::string command;
      std::getline(comm, command);
      out[name].push_back({pid, command});
    }
  }
  return out;
}

}  // namespace tunkit::dev
