#include "tunkit/stack/counters.hpp"

namespace tunkit::stack {

std::string_view to_string(Drop d) noexcept {
  switch (d) {
    case Drop::link_truncated: return "link_truncated";
    case Drop::link_not_for_us: return "link_not_for_us";
    case Drop::link_unknown_type: return "link_unknown_type";
    case Drop::ip_bad_version: return "ip_bad_version";
    case Drop::arp_malformed: return "arp_malformed";
    case Drop::arp_unsupported: return "arp_unsupported";
    case Drop::arp_not_for_us: return "arp_not_for_us";
    case Drop::ipv4_truncated: return "ipv4_truncated";
    case Drop::ipv4_bad_ihl: return "ipv4_bad_ihl";
    case Drop::ipv4_bad_total_length: return "ipv4_bad_total_length";
    case Drop::ipv4_bad_option: return "ipv4_bad_option";
    case Drop::ipv4_bad_checksum: return "ipv4_bad_checksum";
    case Drop::ipv4_ttl_zero: return "ipv4_ttl_zero";
    case Drop::ipv4_bad_source: return "ipv4_bad_source";
    case Drop::ipv4_not_for_us: return "ipv4_not_for_us";
    case Drop::ipv6_truncated: return "ipv6_truncated";
    case Drop::ipv6_bad_extension: return "ipv6_bad_extension";
    case Drop::ipv6_bad_source: return "ipv6_bad_source";
    case Drop::ipv6_not_for_us: return "ipv6_not_for_us";
    case Drop::fragment_overlap: return "fragment_overlap";
    case Drop::fragment_duplicate: return "fragment_duplicate";
    case Drop::fragment_bad_length: return "fragment_bad_length";
    case Drop::fragment_timeout: return "fragment_timeout";
    case Drop::fragment_evicted: return "fragment_evicted";
    case Drop::icmp_truncated: return "icmp_truncated";
    case Drop::icmp_bad_checksum: return "icmp_bad_checksum";
    case Drop::icmp_ignored: return "icmp_ignored";
    case Drop::icmp_rate_limited: return "icmp_rate_limited";
    case Drop::ndp_invalid: return "ndp_invalid";
    case Drop::ndp_not_for_us: return "ndp_not_for_us";
    case Drop::udp_truncated: return "udp_truncated";
    case Drop::udp_bad_checksum: return "udp_bad_checksum";
    case Drop::udp_closed_port: return "udp_closed_port";
    case Drop::udp_receive_queue_full: return "udp_receive_queue_full";
    case Drop::protocol_unsupported: return "protocol_unsupported";
    case Drop::no_route: return "no_route";
    case Drop::neighbor_queue_full: return "neighbor_queue_full";
    case Drop::neighbor_unresolved: return "neighbor_unresolved";
    case Drop::neighbor_cache_full: return "neighbor_cache_full";
    case Drop::tx_queue_full: return "tx_queue_full";
    case Drop::count_: break;
  }
  return "?";
}

std::string_view to_string(Event e) noexcept {
  switch (e) {
    case Event::received: return "received";
    case Event::received_bytes: return "received_bytes";
    case Event::transmitted: return "transmitted";
    case Event::transmitted_bytes: return "transmitted_bytes";
    case Event::arp_requests_answered: return "arp_requests_answered";
    case Event::arp_requests_sent: return "arp_requests_sent";
    case Event::gratuitous_arp_sent: return "gratuitous_arp_sent";
    case Event::neighbor_solicitations_answered: return "neighbor_solicitations_answered";
    case Event::neighbor_solicitations_sent: return "neighbor_solicitations_sent";
    case Event::echo_replies_v4: return "echo_replies_v4";
    case Event::echo_replies_v6: return "echo_replies_v6";
    case Event::icmp_errors_sent: return "icmp_errors_sent";
    case Event::udp_received: return "udp_received";
    case Event::udp_sent: return "udp_sent";
    case Event::datagrams_reassembled: return "datagrams_reassembled";
    case Event::fragments_sent: return "fragments_sent";
    case Event::tcp_delivered: return "tcp_delivered";
    case Event::rx_checksum_trusted: return "rx_checksum_trusted";
    case Event::rx_gso_packets: return "rx_gso_packets";
    case Event::tx_gso_packets: return "tx_gso_packets";
    case Event::tx_checksum_offloaded: return "tx_checksum_offloaded";
    case Event::icmp_errors_to_transport: return "icmp_errors_to_transport";
    case Event::count_: break;
  }
  return "?";
}

}  // namespace tunkit::stack
