// UDP (RFC 768): sockets bound to a port on every address of the interface, input checks
// and the port unreachable a closed port owes (RFC 1122 §4.1.3.1, RFC 4443 §3.1).
#include <fmt/format.h>

#include <cstring>

#include "tunkit/stack/interface.hpp"
#include "tunkit/wire/icmpv4.hpp"
#include "tunkit/wire/icmpv6.hpp"
#include "tunkit/wire/udp.hpp"

namespace tunkit::stack {

void Interface::udp_input(ByteSpan ip_packet, const IpInfo& ip, ByteSpan datagram, bool to_group) {
  if (UdpView::check(datagram) != ParseError::none) return counters_.add(Drop::udp_truncated);
  const auto udp = *UdpView::parse(datagram);
  // A checksum the kernel left partial (RxOffload) cannot be verified and need not be.
  if (!ip.checksum_trusted && !udp.verify_checksum(ip.source, ip.destination))
    return counters_.add(Drop::udp_bad_checksum);
  UdpSocketState* socket = nullptr;
  for (auto& s : udp_)
    if (s.open && s.port == udp.destination_port()) socket = &s;
  if (!socket) {
    counters_.add(Drop::udp_closed_port);
    if (to_group) return;  // RFC 1122 §3.2.2: never an error for a broadcast
    if (ip.source.family == IpFamily::v4)
      return icmpv4_error(ip_packet, static_cast<std::uint8_t>(Icmpv4Type::destination_unreachable),
                          static_cast<std::uint8_t>(Icmpv4Unreachable::port));
    return icmpv6_error(ip_packet, static_cast<std::uint8_t>(Icmpv6Type::destination_unreachable), 4, 0);
  }
  if (socket->queue.size() >= config_.udp_queue_limit) return counters_.add(Drop::udp_receive_queue_full);
  const ByteSpan payload = udp.payload();
  UdpDatagram d{{ip.source, udp.source_port()},
                to_group ? source_for(ip.source).value_or(ip.destination) : ip.destination,
                {payload.begin(), payload.end()}};
  socket->queue.push_back(std::move(d));
  counters_.add(Event::udp_received);
}

Result<UdpSocket> Interface::udp_bind(std::uint16_t port) {
  auto in_use = [&](std::uint16_t p) {
    for (const auto& s : udp_)
      if (s.open && s.port == p) return true;
    return false;
  };
  if (port == 0) {
    // RFC 6335 §6: the dynamic range.
    for (std::uint32_t p = 49152; p <= 65535 && port == 0; ++p)
      if (!in_use(static_cast<std::uint16_t>(p))) port = static_cast<std::uint16_t>(p);
    if (port == 0) return fail(std::make_error_code(std::errc::address_in_use), "no free UDP port");
  } else if (in_use(port)) {
    return fail(std::make_error_code(std::errc::address_in_use), fmt::format("UDP port {} is in use", port));
  }
  for (std::size_t i = 0; i < udp_.size(); ++i)
    if (!udp_[i].open) {
      udp_[i] = UdpSocketState{true, port, {}};
      return i;
    }
  udp_.push_back(UdpSocketState{true, port, {}});
  return udp_.size() - 1;
}

void Interface::udp_close(UdpSocket socket) {
  if (socket < udp_.size()) udp_[socket] = UdpSocketState{};
}

bool Interface::udp_readable(UdpSocket socket) const {
  return socket < udp_.size() && udp_[socket].open && !udp_[socket].queue.empty();
}

std::optional<UdpDatagram> Interface::udp_receive(UdpSocket socket) {
  if (!udp_readable(socket)) return std::nullopt;
  UdpDatagram d = std::move(udp_[socket].queue.front());
  udp_[socket].queue.pop_front();
  return d;
}

Result<void> Interface::udp_send(UdpSocket socket, const UdpEndpoint& remote, ByteSpan payload,
                                 std::optional<IpAddress> local) {
  if (socket >= udp_.size() || !udp_[socket].open)
    return fail(std::make_error_code(std::errc::bad_file_descriptor), "no such UDP socket");
  if (!local) local = source_for(remote.address);
  if (!local || local->family != remote.address.family || !is_our_address(*local))
    return fail(std::make_error_code(std::errc::address_not_available),
                fmt::format("no address of ours can reach {}", remote.address.to_string()));
  // RFC 768: the length field is 16 bits; over IPv4 the IP header also counts.
  const std::size_t limit = remote.address.family == IpFamily::v4 ? 65535 - 20 - 8 : 65535 - 8;
  if (payload.size() > limit)
    return fail(std::make_error_code(std::errc::message_size), "UDP payload too large");
  PacketBuffer b = payload_buffer(UdpView::kHeaderSize + payload.size());
  std::memcpy(b.packet().data() + UdpView::kHeaderSize, payload.data(), payload.size());
  UdpRepr{udp_[socket].port, remote.port, static_cast<std::uint16_t>(payload.size())}.emit(b.packet(), *local,
                                                                                          remote.address);
  counters_.add(Event::udp_sent);
  if (remote.address.family == IpFamily::v4) ipv4_output(std::move(b), *local, remote.address, IpProtocol::udp);
  else ipv6_output(std::move(b), *local, remote.address, IpProtocol::udp, 64);
  return {};
}

}  // namespace tunkit::stack
