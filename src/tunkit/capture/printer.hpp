// Turns a decoded packet into text a person reads: tcpdump's one line (`tcpdump -nn -S`,
// with `-e` link-layer fields for Ethernet), a field-by-field block for every layer (what
// the tutorials' print_ip_header printed, for every header), a `tcpdump -X` hex + ASCII
// dump, and a flat record of the same facts for JSON.
//
// Every function is total: a malformed packet prints what did parse and then
// "[malformed <layer>: <reason>]". Nothing here prints; callers decide where text goes.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tunkit/capture/pcap_file.hpp"
#include "tunkit/wire/packet.hpp"

namespace tunkit::capture {

enum class TimeStyle : std::uint8_t {
  local,  // 21:10:39.647109 in the local time zone (tcpdump's default)
  utc,    // the same in UTC
  epoch,  // 1700000000.647109 (tcpdump -tt)
  none,   // no time (tcpdump -t)
};

// "" for TimeStyle::none; microseconds, as tcpdump prints by default.
std::string format_time(Timestamp time, TimeStyle style);

// The one-line summary without the time, e.g.
//   IP 10.0.0.1.34574 > 10.0.0.2.80: Flags [S], seq 4036541326, win 64240, options [mss 1460,sackOK,TS val 1 ecr 0,nop,wscale 10], length 0
// `wire_length` is the frame's length before any snaplen cut (the "length N" of -e).
std::string summary_line(const DecodedPacket& packet, std::size_t wire_length);

// Every header field by field, one layer per block, indented by two spaces; ends with a
// newline.
std::string layer_fields(const DecodedPacket& packet);

// tcpdump -X: "\t0x0000:  4500 0054 ...  E..T..", 16 bytes a line; ends with a newline.
std::string hex_dump(ByteSpan bytes);

// The protocol a summary counts the packet under: arp, icmp, icmp6, tcp, udp,
// ipv4-other, ipv6-other, other.
std::string_view protocol_label(const DecodedPacket& packet) noexcept;
// The first layer that did not parse, by protocol name ("ipv4", "tcp", "ethernet"), or
// "" if the packet is well-formed.
std::string_view malformed_layer(const DecodedPacket& packet) noexcept;
// True if a checksum decode() checked was wrong.
bool bad_checksum(const DecodedPacket& packet) noexcept;

// The facts of one packet as plain values, for JSON and for tests. Absent fields are
// nullopt / empty.
struct PacketRecord {
  std::int64_t time_ns = 0;
  std::size_t length = 0;    // on the wire
  std::size_t captured = 0;  // bytes present
  std::string link;          // "ethernet" or "raw"
  std::optional<std::string> eth_source, eth_destination;
  std::optional<std::uint16_t> ether_type;
  std::vector<std::uint16_t> vlan_ids;  // outermost first
  std::string network;                  // arp ipv4 ipv6 other none
  std::optional<std::string> source, destination;  // IP, or ARP sender/target protocol address
  std::optional<std::uint8_t> ttl;                 // IPv4 TTL or IPv6 hop limit
  std::optional<std::uint16_t> ip_id;
  std::optional<std::uint8_t> ip_protocol;
  std::optional<std::string> ip_checksum;  // "good" / "bad"
  bool fragment = false;
  std::optional<std::string> arp_operation;  // "request" / "reply" / number
  std::optional<std::string> arp_sender_mac, arp_target_mac;
  std::string transport;  // tcp udp icmp icmp6 other none
  std::optional<std::uint16_t> source_port, destination_port;
  std::optional<std::uint8_t> tcp_flags;
  std::optional<std::string> tcp_flags_text;  // tcpdump's letters: "S.", "P.", "F."
  std::optional<std::uint32_t> seq, ack;
  std::optional<std::uint16_t> window;
  std::optional<std::string> tcp_options;  // tcpdump's list without the brackets
  std::optional<std::uint8_t> icmp_type, icmp_code;
  std::optional<std::string> icmp_description;
  std::optional<std::string> transport_checksum;  // "good" / "bad"
  std::size_t payload_length = 0;
  std::optional<std::string> malformed_layer, malformed_reason;
  std::string summary;  // summary_line()
};

PacketRecord packet_record(const DecodedPacket& packet, Timestamp time, std::size_t captured,
                           std::size_t wire_length);

}  // namespace tunkit::capture
