#include "sim/trace.hpp"

#include <cstdio>

#include "tunkit/wire/ipv4.hpp"
#include "tunkit/wire/tcp.hpp"

namespace tunkit::sim {

std::string describe_packet(ByteSpan ip_packet) {
  const auto ip = Ipv4View::parse(ip_packet);
  if (!ip) return "? not IPv4 (" + std::to_string(ip_packet.size()) + " bytes)";
  const auto tcp = TcpView::parse(ip->payload());
  if (!tcp) return ip->source().to_string() + " > " + ip->destination().to_string() + " ? not TCP";
  const TcpRepr r = TcpRepr::parse(*tcp);
  std::string flags;
  if (tcp->syn()) flags += 'S';
  if (tcp->fin()) flags += 'F';
  if (tcp->rst()) flags += 'R';
  if (tcp->psh()) flags += 'P';
  if (tcp->ack()) flags += '.';
  char line[256];
  std::snprintf(line, sizeof line, "%s:%u > %s:%u [%s] seq %u ack %u win %u len %zu",
                ip->source().to_string().c_str(), unsigned{tcp->source_port()},
                ip->destination().to_string().c_str(), unsigned{tcp->destination_port()}, flags.c_str(),
                tcp->seq_number(), tcp->ack_number(), unsigned{tcp->window()},
                ip->payload().size() - tcp->header_size());
  std::string out = line;
  if (r.mss) out += " mss " + std::to_string(*r.mss);
  if (r.window_scale) out += " wscale " + std::to_string(*r.window_scale);
  if (r.sack_permitted) out += " sackOK";
  for (std::size_t i = 0; i < r.sack_count; ++i)
    out += " sack " + std::to_string(r.sack_blocks[i].left) + "-" + std::to_string(r.sack_blocks[i].right);
  if (r.timestamps)
    out += " ts " + std::to_string(r.timestamps->value) + "/" + std::to_string(r.timestamps->echo_reply);
  return out;
}

Link::Observer trace_to(std::vector<std::string>& out, Instant origin, std::size_t keep) {
  return [&out, origin, keep](LinkEvent e, Side, ByteSpan packet, Instant at) {
    const auto us = std::chrono::duration_cast<std::chrono::microseconds>(at - origin).count();
    char stamp[48];
    std::snprintf(stamp, sizeof stamp, "%10lld.%06lld %-10s ", static_cast<long long>(us / 1'000'000),
                  static_cast<long long>(us % 1'000'000), std::string(to_string(e)).c_str());
    out.push_back(stamp + describe_packet(packet));
    if (keep && out.size() > 2 * keep) out.erase(out.begin(), out.end() - static_cast<std::ptrdiff_t>(keep));
  };
}

}  // namespace tunkit::sim
