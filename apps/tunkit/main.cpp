// tunkit: one command for every TUN/TAP job. Subcommands live one per file.
#include <fmt/format.h>

#include "command_line.hpp"

int main(int argc, char** argv) {
  using namespace tunkit::app;
  if (std::string_view(argv[0]).ends_with("tunkit-wg")) return wg_daemon_main(argc, argv);
  CLI::App app{"tunkit: user-space networking on Linux TUN/TAP devices", "tunkit"};
  app.set_version_flag("--version", std::string("tunkit ") + TUNKIT_VERSION);
  app.require_subcommand(1);
  app.footer(
      "Examples:\n"
      "  tunkit dev add tun0 mode tun user nobody     persistent TUN owned by nobody\n"
      "  tunkit dev set tun0 up address 10.0.0.1/24\n"
      "  tunkit dev attach tun0                       print packets the kernel sends\n"
      "  tunkit dev list --json\n"
      "  tunkit dump tun0 icmp -v                     decode every ICMP packet, tcpdump-style\n"
      "  tunkit host tun0 --address 10.0.0.9/24       answer ARP/NDP/ping/UDP in user space\n"
      "  tunkit tunnel --dev tun0 --listen            simpletun's server (not encrypted)\n"
      "  tunkit wg up ./wg0.conf                      WireGuard VPN (wg-quick's config format)\n"
      "  tunkit demo                                  the tour, in throwaway namespaces\n"
      "\n"
      "Exit status: 0 ok, 1 failure, 2 usage, 3 permission denied, 4 busy or exists,\n"
      "5 mode mismatch or not a TUN/TAP device, 6 no such device.");

  std::vector<Subcommand> commands = add_dev_commands(app);
  for (auto& c : add_dump_command(app)) commands.push_back(std::move(c));
  for (auto& c : add_host_command(app)) commands.push_back(std::move(c));
  for (auto& c : add_tunnel_command(app)) commands.push_back(std::move(c));
  for (auto& c : add_wg_command(app)) commands.push_back(std::move(c));
  for (auto& c : add_demo_command(app)) commands.push_back(std::move(c));

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int status = app.exit(e);
    return status == 0 ? kOk : kUsage;
  }
  try {
    for (const auto& command : commands)
      if (command.app->parsed()) return command.run();
  } catch (const CommandError& e) {
    fmt::print(stderr, "tunkit: {}\n", e.message);
    return e.status;
  }
  return kUsage;
}
