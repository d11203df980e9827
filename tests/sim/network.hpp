// Two user-space hosts (Interface + Tcp, IPv4 over TUN-style IP packets) joined by a Link,
// driven by an event-driven virtual clock. Nothing here reads a real clock: the next
// instant is always the earliest of the link's next arrival and both hosts' interface and
// TCP timers (poll_at), so a simulated minute costs only the events in it.
//
// Use: make a Network, call the Tcp API through host(Side) with now(), then step() (or
// run_until) and look at take_events() after each step. step() first sends what the
// applications queued, so calls made between steps leave at the current instant.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "sim/link.hpp"
#include "tunkit/stack/interface.hpp"
#include "tunkit/stack/tcp/tcp.hpp"

namespace tunkit::sim {

using stack::Interface;
using stack::tcp::Tcp;
using stack::tcp::TcpConfig;

struct Host {
  IpAddress address;
  std::unique_ptr<Interface> iface;  // never moves: Tcp holds a reference
  std::unique_ptr<Tcp> tcp;          // destroyed before iface
};

struct NetworkConfig {
  LinkConfig link;
  TcpConfig tcp_a, tcp_b;
  std::uint16_t mtu = 1500;
};

class Network {
 public:
  // Host a is 10.0.0.1/24, host b 10.0.0.2/24. Throws std::runtime_error if the stack
  // refuses the configuration (a test setup error, not a finding).
  explicit Network(const NetworkConfig& config);

  Host& host(Side s) noexcept { return hosts_[static_cast<std::size_t>(s)]; }
  Tcp& tcp(Side s) noexcept { return *host(s).tcp; }
  const Link& link() const noexcept { return link_; }
  void set_link_observer(Link::Observer observer) { link_.set_observer(std::move(observer)); }
  Instant now() const noexcept { return now_; }
  Instant start() const noexcept { return start_; }
  Duration elapsed() const noexcept { return now_ - start_; }

  // Sends what the hosts queued, advances the clock to the next event and handles
  // everything due then (arrivals, interface and TCP timers). False if nothing is pending
  // anywhere: without new application calls the network stays silent forever.
  bool step();

  // Steps, calling `after_step` after each, until `done()` holds (true), the network goes
  // silent or `limit` of virtual time passes from now (false; why in *reason).
  bool run_until(const std::function<bool()>& done, Duration limit,
                 const std::function<void()>& after_step = {}, std::string* reason = nullptr);

  std::uint64_t steps() const noexcept { return steps_; }
  // IPv4 fragments the hosts sent. TCP sizes segments to the MSS (RFC 9293 §3.7.1), so on
  // this link (same MTU both ends) every fragment is a segment that exceeded it.
  std::uint64_t fragments_sent() const noexcept { return fragments_sent_; }
  // Summary of both hosts' counters and the link, for failure messages and tables.
  std::string describe() const;

 private:
  void flush(Side s);
  std::optional<Instant> next_event() const;

  Link link_;
  Host hosts_[2];
  Instant start_, now_;
  std::uint64_t steps_ = 0;
  std::uint64_t fragments_sent_ = 0;
  std::uint64_t steps_at_same_instant_ = 0;
};

}  // namespace tunkit::sim
