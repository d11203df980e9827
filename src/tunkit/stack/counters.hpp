// What the stack did and what it dropped, by reason (issue 4: "counters for everything
// dropped, by reason"). A dropped packet is one increment, never a log line or an error
// value (DESIGN.md principle 2). Plain integers: one stack is one thread.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

namespace tunkit::stack {

// Every reason a packet (or a datagram held for reassembly or resolution) is dropped.
enum class Drop : std::uint8_t {
  link_truncated,          // shorter than an Ethernet header
  link_not_for_us,         // destination MAC neither ours, broadcast nor a group we joined
  link_unknown_type,       // EtherType other than ARP, IPv4, IPv6
  ip_bad_version,          // TUN packet whose first nibble is neither 4 nor 6
  arp_malformed,           // ARP shorter than 28 bytes
  arp_unsupported,         // not Ethernet/IPv4 ARP, or an unknown operation
  arp_not_for_us,          // a request for an address that is not ours
  ipv4_truncated,          // fewer than 20 bytes, or fewer than IHL*4
  ipv4_bad_ihl,            // IHL < 5 (RFC 791 §3.1)
  ipv4_bad_total_length,   // total length < header, or > the bytes received
  ipv4_bad_option,         // options that run past the header
  ipv4_bad_checksum,       // header checksum (RFC 791 §3.1)
  ipv4_ttl_zero,           // RFC 791 §3.2: "the datagram must be destroyed"
  ipv4_bad_source,         // broadcast or multicast source (RFC 1122 §3.2.1.3)
  ipv4_not_for_us,         // destination is not one of our addresses
  ipv6_truncated,          // fewer than 40 bytes or payload length beyond the bytes
  ipv6_bad_extension,      // extension chain malformed (RFC 8200 §4)
  ipv6_bad_source,         // multicast source (RFC 4291 §2.7)
  ipv6_not_for_us,         // destination neither ours nor a group we joined
  fragment_overlap,        // overlapping fragments: whole datagram dropped (RFC 5722)
  fragment_duplicate,      // the same fragment twice
  fragment_bad_length,     // non-last fragment not a multiple of 8, or beyond 65535
  fragment_timeout,        // a datagram not completed in time (RFC 791 §3.2), per fragment held
  fragment_evicted,        // memory bound reached: the oldest datagram's fragments go
  icmp_truncated,          // ICMP message shorter than its header
  icmp_bad_checksum,       // RFC 792 / RFC 4443 §2.3
  icmp_ignored,            // a type a host does not answer (echo reply, errors for us)
  icmp_rate_limited,       // an ICMP error we owed but the limiter said no (RFC 4443 §2.4f)
  ndp_invalid,             // fails RFC 4861 §7.1 validation (hop limit 255, code 0, ...)
  ndp_not_for_us,          // solicitation for a target that is not ours
  udp_truncated,           // shorter than 8 bytes, or the length field is wrong
  udp_bad_checksum,        // RFC 768; a zero checksum over IPv6 (RFC 8200 §8.1)
  udp_closed_port,         // no socket bound (an ICMP port unreachable was owed)
  udp_receive_queue_full,  // the socket's queue was full
  protocol_unsupported,    // IP protocol with no handler (protocol unreachable owed)
  no_route,                // no route to the destination of an outgoing packet
  neighbor_queue_full,     // too many packets waiting for one neighbour (oldest dropped)
  neighbor_unresolved,     // waited for ARP/NDP resolution that never came
  neighbor_cache_full,     // every cache entry is waiting for resolution
  tx_queue_full,           // the device output queue is full
  count_,
};

// What the stack did, for the same printout.
enum class Event : std::uint8_t {
  received,                // packets (or frames) handed to receive()
  received_bytes,
  transmitted,             // packets queued for the device
  transmitted_bytes,
  arp_requests_answered,
  arp_requests_sent,
  gratuitous_arp_sent,
  neighbor_solicitations_answered,
  neighbor_solicitations_sent,
  echo_replies_v4,
  echo_replies_v6,
  icmp_errors_sent,
  udp_received,
  udp_sent,
  datagrams_reassembled,
  fragments_sent,
  tcp_delivered,           // segments handed to the TCP hook
  rx_checksum_trusted,     // received with NEEDS_CSUM or DATA_VALID: transport checksum not verified
  rx_gso_packets,          // received GSO super-packets (accepted whole)
  tx_gso_packets,          // queued TSO super-segments (the device segments them)
  tx_checksum_offloaded,   // queued with a partial checksum the device completes
  icmp_errors_to_transport,  // ICMP/ICMPv6 errors quoting our TCP handed to the TCP layer
  count_,
};

std::string_view to_string(Drop d) noexcept;
std::string_view to_string(Event e) noexcept;

class Counters {
 public:
  void add(Drop d, std::uint64_t n = 1) noexcept { drops_[static_cast<std::size_t>(d)] += n; }
  void add(Event e, std::uint64_t n = 1) noexcept { events_[static_cast<std::size_t>(e)] += n; }
  std::uint64_t operator[](Drop d) const noexcept { return drops_[static_cast<std::size_t>(d)]; }
  std::uint64_t operator[](Event e) const noexcept { return events_[static_cast<std::size_t>(e)]; }
  std::uint64_t total_drops() const noexcept {
    std::uint64_t sum = 0;
    for (auto v : drops_) sum += v;
    return sum;
  }

  // Calls f(name, value) for every nonzero event, then every nonzero drop ("drop." prefix
  // left to the caller: is_drop tells which).
  template <class F>
  void for_each_nonzero(F&& f) const {
    for (std::size_t i = 0; i < events_.size(); ++i)
      if (events_[i]) f(to_string(static_cast<Event>(i)), events_[i], false);
    for (std::size_t i = 0; i < drops_.size(); ++i)
      if (drops_[i]) f(to_string(static_cast<Drop>(i)), drops_[i], true);
  }

 private:
  std::array<std::uint64_t, static_cast<std::size_t>(Drop::count_)> drops_{};
  std::array<std::uint64_t, static_cast<std::size_t>(Event::count_)> events_{};
};

}  // namespace tunkit::stack
