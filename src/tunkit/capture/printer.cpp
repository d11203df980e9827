#include "tunkit/capture/printer.hpp"

#include <fmt/format.h>

#include <ctime>
#include <iterator>

#include "tunkit/wire/icmpv6.hpp"

namespace tunkit::capture {
namespace {

// --- names -------------------------------------------------------------------------

std::string ether_type_name(std::uint16_t type) {
  switch (EtherType{type}) {
    case EtherType::ipv4: return "IPv4";
    case EtherType::arp: return "ARP";
    case EtherType::ipv6: return "IPv6";
    case EtherType::vlan: return "802.1Q";
    case EtherType::qinq: return "802.1Q-QinQ";
  }
  return "Unknown";
}

// tcpdump's names for IP protocols in a summary ("TCP", "ip-proto-132").
std::string ip_protocol_name(std::uint8_t protocol) {
  switch (IpProtocol{protocol}) {
    case IpProtocol::icmp: return "ICMP";
    case IpProtocol::tcp: return "TCP";
    case IpProtocol::udp: return "UDP";
    case IpProtocol::icmpv6: return "ICMP6";
    case IpProtocol::hop_by_hop: return "HBH";
    case IpProtocol::ipv6_routing: return "RT6";
    case IpProtocol::ipv6_fragment: return "frag";
    case IpProtocol::ipv6_dest_opts: return "DSTOPT";
    case IpProtocol::esp: return "ESP";
    case IpProtocol::ah: return "AH";
    case IpProtocol::ipv6_no_next: return "no next header";
  }
  return fmt::format("ip-proto-{}", protocol);
}

std::string_view icmpv4_type_name(std::uint8_t type) {
  switch (type) {
    case 0: return "echo reply";
    case 3: return "destination unreachable";
    case 4: return "source quench";
    case 5: return "redirect";
    case 8: return "echo request";
    case 9: return "router advertisement";
    case 10: return "router solicitation";
    case 11: return "time exceeded";
    case 12: return "parameter problem";
    case 13: return "timestamp request";
    case 14: return "timestamp reply";
    default: return "unknown";
  }
}

std::string_view icmpv4_unreachable_name(std::uint8_t code) {
  switch (code) {
    case 0: return "net unreachable";
    case 1: return "host unreachable";
    case 2: return "protocol unreachable";
    case 3: return "port unreachable";
    case 4: return "fragmentation needed";
    case 5: return "source route failed";
    case 6: return "net unknown";
    case 7: return "host unknown";
    case 8: return "source host isolated";
    case 9: return "net prohibited";
    case 10: return "host prohibited";
    case 11: return "net unreachable for TOS";
    case 12: return "host unreachable for TOS";
    case 13: return "administratively prohibited";
    case 14: return "host precedence violation";
    case 15: return "precedence cutoff";
    default: return "unknown code";
  }
}

std::string_view icmpv6_type_name(std::uint8_t type) {
  switch (Icmpv6Type{type}) {
    case Icmpv6Type::destination_unreachable: return "destination unreachable";
    case Icmpv6Type::packet_too_big: return "packet too big";
    case Icmpv6Type::time_exceeded: return "time exceeded";
    case Icmpv6Type::parameter_problem: return "parameter problem";
    case Icmpv6Type::echo_request: return "echo request";
    case Icmpv6Type::echo_reply: return "echo reply";
    case Icmpv6Type::mld_query: return "multicast listener query";
    case Icmpv6Type::mld_report: return "multicast listener report";
    case Icmpv6Type::mld_done: return "multicast listener done";
    case Icmpv6Type::router_solicitation: return "router solicitation";
    case Icmpv6Type::router_advertisement: return "router advertisement";
    case Icmpv6Type::neighbor_solicitation: return "neighbor solicitation";
    case Icmpv6Type::neighbor_advertisement: return "neighbor advertisement";
    case Icmpv6Type::redirect: return "redirect";
    case Icmpv6Type::mld2_report: return "multicast listener report v2";
  }
  return "unknown";
}

// RFC 4443 §3.1 codes, in tcpdump's words.
std::string_view icmpv6_unreachable_name(std::uint8_t code) {
  switch (code) {
    case 0: return "unreachable route";
    case 1: return "unreachable prohibited";
    case 2: return "beyond scope";
    case 3: return "unreachable address";
    case 4: return "unreachable port";
    case 5: return "source address failed policy";
    case 6: return "reject route";
    default: return "unknown code";
  }
}

std::string_view ipv4_option_name(std::uint8_t kind) {
  switch (kind) {
    case 0: return "end of list";
    case 1: return "nop";
    case 7: return "record route";
    case 68: return "timestamp";
    case 130: return "security";
    case 131: return "loose source route";
    case 137: return "strict source route";
    case 148: return "router alert";
    default: return "unknown";
  }
}

std::string_view checksum_word(ChecksumState state) {
  switch (state) {
    case ChecksumState::not_checked: return "not checked";
    case ChecksumState::good: return "good";
    case ChecksumState::bad: return "bad";
  }
  return "?";
}

std::optional<std::string> checksum_value(ChecksumState state) {
  if (state == ChecksumState::not_checked) return std::nullopt;
  return std::string(checksum_word(state));
}

std::string hex_bytes(ByteSpan bytes) {
  std::string out;
  out.reserve(bytes.size() * 2);
  for (std::uint8_t b : bytes) fmt::format_to(std::back_inserter(out), "{:02x}", b);
  return out;
}

// --- TCP ---------------------------------------------------------------------------

// tcpdump's flag letters in its order: F S R P . U E W.
std::string tcp_flag_letters(std::uint8_t flags) {
  static constexpr std::pair<std::uint8_t, char> kLetters[] = {
      {tcp_flags::fin, 'F'}, {tcp_flags::syn, 'S'}, {tcp_flags::rst, 'R'}, {tcp_flags::psh, 'P'},
      {tcp_flags::ack, '.'}, {tcp_flags::urg, 'U'}, {tcp_flags::ece, 'E'}, {tcp_flags::cwr, 'W'}};
  std::string out;
  for (auto [bit, letter] : kLetters)
    if (flags & bit) out += letter;
  return out.empty() ? "none" : out;
}

std::string tcp_flag_names(std::uint8_t flags) {
  static constexpr std::pair<std::uint8_t, const char*> kNames[] = {
      {tcp_flags::cwr, "CWR"}, {tcp_flags::ece, "ECE"}, {tcp_flags::urg, "URG"}, {tcp_flags::ack, "ACK"},
      {tcp_flags::psh, "PSH"}, {tcp_flags::rst, "RST"}, {tcp_flags::syn, "SYN"}, {tcp_flags::fin, "FIN"}};
  std::string out = fmt::format("0x{:02x}", flags);
  for (auto [bit, name] : kNames)
    if (flags & bit) out += fmt::format(" {}", name);
  return out;
}

// One option in tcpdump's words ("mss 1460", "TS val 1 ecr 2", "sack 1 {5:9}").
std::string tcp_option_text(const KindLengthOption& o) {
  const ByteSpan d = o.data;
  auto bad = [&](std::string_view name) {
    return fmt::format("{} [bad length {}]", name, d.size() + 2);
  };
  switch (TcpOptionKind{o.kind}) {
    case TcpOptionKind::end: return "eol";
    case TcpOptionKind::nop: return "nop";
    case TcpOptionKind::mss:
      return d.size() == 2 ? fmt::format("mss {}", load_be16(d, 0)) : bad("mss");
    case TcpOptionKind::window_scale:
      return d.size() == 1 ? fmt::format("wscale {}", d[0]) : bad("wscale");
    case TcpOptionKind::sack_permitted: return d.empty() ? "sackOK" : bad("sackOK");
    case TcpOptionKind::sack: {
      if (d.size() % 8 != 0) return bad("sack");
      std::string out = fmt::format("sack {} ", d.size() / 8);
      for (std::size_t i = 0; i < d.size(); i += 8)
        out += fmt::format("{{{}:{}}}", load_be32(d, i), load_be32(d, i + 4));
      return out;
    }
    case TcpOptionKind::timestamps:
      return d.size() == 8 ? fmt::format("TS val {} ecr {}", load_be32(d, 0), load_be32(d, 4))
                           : bad("TS");
  }
  return fmt::format("opt-{}:{}", o.kind, hex_bytes(d));
}

std::string tcp_options_text(const TcpView& tcp) {
  std::string out;
  for (const KindLengthOption& o : tcp.options()) {
    if (!out.empty()) out += ',';
    out += tcp_option_text(o);
  }
  return out;
}

// "Flags [P.], seq 1:14, ack 1, win 63, options [...], length 13" (tcpdump -S).
std::string tcp_description(const TcpView& tcp) {
  const std::size_t length = tcp.payload().size();
  std::string out = fmt::format("Flags [{}]", tcp_flag_letters(tcp.flags()));
  if (length > 0)
    out += fmt::format(", seq {}:{}", tcp.seq_number(),
                       static_cast<std::uint32_t>(tcp.seq_number() + length));
  else if (tcp.syn() || tcp.fin() || tcp.rst())
    out += fmt::format(", seq {}", tcp.seq_number());
  if (tcp.ack()) out += fmt::format(", ack {}", tcp.ack_number());
  out += fmt::format(", win {}", tcp.window());
  if (tcp.urg()) out += fmt::format(", urg {}", tcp.urgent_pointer());
  if (tcp.header_size() > TcpView::kMinHeaderSize)
    out += fmt::format(", options [{}]", tcp_options_text(tcp));
  out += fmt::format(", length {}", length);
  return out;
}

// tcpdump's "RT6 (len=4, type=4, segleft=1, last-entry=1, tag=0, [0]fd99:9::1, ...)".
// `h` is the whole routing header (RFC 8200 §4.4; segment routing RFC 8754 §2).
std::string routing_header_text(ByteSpan h) {
  if (h.size() < 4) return "RT6";
  std::string out = fmt::format("RT6 (len={}, type={}, segleft={}", h[1], h[2], h[3]);
  if (h[2] == 4 && h.size() >= 8) {
    const std::size_t last = h[4];
    out += fmt::format(", last-entry={}", last);
    if (h[5] != 0) out += fmt::format(", flags=0x{:x}", h[5]);
    out += fmt::format(", tag={:x}", load_be16(h, 6));
    for (std::size_t i = 0; i <= last && 8 + (i + 1) * 16 <= h.size(); ++i)
      out += fmt::format(", [{}]{}", i, IpAddress::v6(h.subspan(8 + i * 16).first<16>()).to_string());
  }
  return out + ")";
}

// The upper-layer protocol and bytes of a quoted IPv6 packet, past its extension headers
// as far as the quote goes.
std::pair<std::uint8_t, ByteSpan> quoted_ipv6_upper(const Ipv6View& q) {
  auto next = static_cast<std::uint8_t>(q.next_header());
  ByteSpan rest = q.payload();
  for (int i = 0; i < 8; ++i) {
    std::size_t size = 0;
    switch (IpProtocol{next}) {
      case IpProtocol::hop_by_hop:
      case IpProtocol::ipv6_routing:
      case IpProtocol::ipv6_dest_opts:
        if (rest.size() < 2) return {next, {}};
        size = (std::size_t{rest[1]} + 1) * 8;
        break;
      case IpProtocol::ipv6_fragment: size = 8; break;
      default: return {next, rest};
    }
    if (rest.size() < size) return {rest.empty() ? next : rest[0], {}};
    next = rest[0];
    rest = rest.subspan(size);
  }
  return {next, rest};
}

// --- ICMP --------------------------------------------------------------------------

// Ports of a quoted TCP/UDP header, if its first 4 bytes are present.
std::string quoted_port(std::uint8_t protocol, ByteSpan transport) {
  if ((protocol == 6 || protocol == 17) && transport.size() >= 4)
    return fmt::format("{} port {}", protocol == 6 ? "tcp" : "udp", load_be16(transport, 2));
  return fmt::format("protocol {}", protocol);
}

std::string icmpv4_description(const Icmpv4View& icmp) {
  const auto type = static_cast<std::uint8_t>(icmp.type());
  const std::uint8_t code = icmp.code();
  const auto quoted = Ipv4View::parse_quoted(icmp.data());  // used by error types only
  switch (icmp.type()) {
    case Icmpv4Type::echo_request:
    case Icmpv4Type::echo_reply:
      return fmt::format("{}, id {}, seq {}", icmpv4_type_name(type), icmp.identifier(),
                         icmp.sequence());
    case Icmpv4Type::destination_unreachable: {
      if (!quoted) return fmt::format("{}, code {}", icmpv4_unreachable_name(code), code);
      const std::string dst = quoted->destination().to_string();
      const auto proto = static_cast<std::uint8_t>(quoted->protocol());
      switch (Icmpv4Unreachable{code}) {
        case Icmpv4Unreachable::net: return fmt::format("net {} unreachable", dst);
        case Icmpv4Unreachable::host: return fmt::format("host {} unreachable", dst);
        case Icmpv4Unreachable::protocol:
          return fmt::format("{} protocol {} unreachable", dst, proto);
        case Icmpv4Unreachable::port:
          return fmt::format("{} {} unreachable", dst, quoted_port(proto, quoted->payload()));
        case Icmpv4Unreachable::fragmentation_needed:
          return fmt::format("{} unreachable - need to frag (mtu {})", dst, icmp.next_hop_mtu());
        case Icmpv4Unreachable::admin_prohibited:
          return fmt::format("host {} unreachable - admin prohibited filter", dst);
        case Icmpv4Unreachable::source_route_failed: break;
      }
      return fmt::format("{} {}", dst, icmpv4_unreachable_name(code));
    }
    case Icmpv4Type::time_exceeded:
      return code == 0 ? "time exceeded in-transit"
                       : code == 1 ? "ip reassembly time exceeded"
                                   : fmt::format("time exceeded, code {}", code);
    case Icmpv4Type::redirect:
      return fmt::format("redirect {} to host {}",
                         quoted ? quoted->destination().to_string() : "?", icmp.gateway().to_string());
    case Icmpv4Type::parameter_problem:
      return fmt::format("parameter problem - octet {}", icmp.pointer());
    case Icmpv4Type::timestamp:
    case Icmpv4Type::timestamp_reply:
      return fmt::format("{}, id {}, seq {}", icmpv4_type_name(type), icmp.identifier(),
                         icmp.sequence());
  }
  return fmt::format("type-#{}", type);
}

std::string icmpv6_description(const Icmpv6View& icmp) {
  const auto type = static_cast<std::uint8_t>(icmp.type());
  const std::uint8_t code = icmp.code();
  const auto quoted = Ipv6View::parse_quoted(icmp.data());  // used by error types only
  const std::string quoted_dst = quoted ? quoted->destination().to_string() : "?";
  switch (icmp.type()) {
    case Icmpv6Type::echo_request:
    case Icmpv6Type::echo_reply:
      return fmt::format("{}, id {}, seq {}", icmpv6_type_name(type), icmp.identifier(),
                         icmp.sequence());
    case Icmpv6Type::destination_unreachable:
      if (code == 4 && quoted) {
        const auto [proto, upper] = quoted_ipv6_upper(*quoted);
        return fmt::format("destination unreachable, unreachable port, {} {}", quoted_dst,
                           quoted_port(proto, upper));
      }
      return fmt::format("destination unreachable, {} {}", icmpv6_unreachable_name(code), quoted_dst);
    case Icmpv6Type::packet_too_big: return fmt::format("packet too big, mtu {}", icmp.mtu());
    case Icmpv6Type::time_exceeded:
      return code == 0 ? fmt::format("time exceeded in-transit for {}", quoted_dst)
                       : fmt::format("time exceeded, code {}", code);
    case Icmpv6Type::parameter_problem:
      return fmt::format("parameter problem, code {}, pointer {}", code, icmp.pointer());
    case Icmpv6Type::neighbor_solicitation:
      return fmt::format("neighbor solicitation, who has {}", icmp.target_address().to_string());
    case Icmpv6Type::neighbor_advertisement:
      return fmt::format("neighbor advertisement, tgt is {}", icmp.target_address().to_string());
    case Icmpv6Type::redirect:
      return fmt::format("redirect, {} to {}", icmp.redirect_destination().to_string(),
                         icmp.target_address().to_string());
    case Icmpv6Type::mld2_report:
      return fmt::format("multicast listener report v2, {} group record(s)",
                         load_be16(icmp.bytes(), 6));
    case Icmpv6Type::mld_query:
    case Icmpv6Type::mld_report:
    case Icmpv6Type::mld_done:
    case Icmpv6Type::router_solicitation:
    case Icmpv6Type::router_advertisement:
      return std::string(icmpv6_type_name(type));
  }
  return fmt::format("type-#{}", type);
}

// --- the summary line --------------------------------------------------------------

std::string malformed_note(const DecodedPacket& p) {
  return fmt::format("[malformed {}: {}]", malformed_layer(p), to_string(p.error));
}

// "HBH RT6 frag (0|1448) DSTOPT " for the extension headers of an IPv6 packet.
std::string ipv6_extension_prefix(const DecodedPacket& p) {
  if (!p.ipv6_extensions) return "";
  const Ipv6ExtensionChain& chain = *p.ipv6_extensions;
  const std::size_t ip_end = Ipv6View::kHeaderSize + p.ipv6->payload_length();
  std::string out;
  const std::size_t recorded = std::min(chain.count(), Ipv6ExtensionChain::kMaxRecorded);
  for (std::size_t i = 0; i < recorded; ++i) {
    const Ipv6ExtensionHeader& h = chain.header(i);
    if (h.type == IpProtocol::ipv6_fragment && chain.fragment()) {
      const std::size_t after = h.offset + h.size;
      out += fmt::format("frag ({}|{}) ", chain.fragment()->offset, ip_end > after ? ip_end - after : 0);
    } else if (h.type == IpProtocol::ipv6_routing) {
      out += routing_header_text(p.ipv6->bytes().subspan(h.offset, h.size)) + " ";
    } else {
      out += ip_protocol_name(static_cast<std::uint8_t>(h.type)) + " ";
    }
  }
  return out;
}

// The IPv4/IPv6 part, without tcpdump's "IP "/"IP6 " prefix.
std::string ip_body(const DecodedPacket& p) {
  IpAddress src, dst;
  std::string ext;
  if (p.ipv4) {
    src = p.ipv4->source(), dst = p.ipv4->destination();
  } else {
    src = p.ipv6->source(), dst = p.ipv6->destination();
    ext = ipv6_extension_prefix(p);
  }
  const std::string s = src.to_string(), d = dst.to_string();
  std::string out;
  if (p.later_fragment) {
    if (p.ipv4)
      out = fmt::format("{} > {}: {} fragment (id {}, offset {}), length {}", s, d,
                        ip_protocol_name(p.ip_protocol), p.ipv4->identification(),
                        p.ipv4->fragment_offset(), p.payload.size());
    else
      out = fmt::format("{} > {}: {}", s, d, ext.substr(0, ext.empty() ? 0 : ext.size() - 1));
  } else if (p.tcp || p.udp) {
    const auto sp = p.tcp ? p.tcp->source_port() : p.udp->source_port();
    const auto dp = p.tcp ? p.tcp->destination_port() : p.udp->destination_port();
    const std::string desc = p.tcp ? tcp_description(*p.tcp)
                                   : fmt::format("UDP, length {}", p.udp->payload().size());
    out = ext.empty() ? fmt::format("{}.{} > {}.{}: {}", s, sp, d, dp, desc)
                      : fmt::format("{} > {}: {}{} > {}: {}", s, d, ext, sp, dp, desc);
  } else if (p.icmpv4) {
    out = fmt::format("{} > {}: {}ICMP {}, length {}", s, d, ext, icmpv4_description(*p.icmpv4),
                      p.icmpv4->bytes().size());
  } else if (p.icmpv6) {
    out = fmt::format("{} > {}: {}ICMP6, {}, length {}", s, d, ext, icmpv6_description(*p.icmpv6),
                      p.icmpv6->bytes().size());
  } else if (p.error_layer == Layer::transport) {
    out = fmt::format("{} > {}: {}{} {}, length {}", s, d, ext, ip_protocol_name(p.ip_protocol),
                      malformed_note(p), p.payload.size());
  } else {
    out = fmt::format("{} > {}: {}{} {}", s, d, ext, ip_protocol_name(p.ip_protocol), p.payload.size());
  }
  if (p.ip_checksum == ChecksumState::bad) out += " [bad ip checksum]";
  if (p.transport_checksum == ChecksumState::bad)
    out += fmt::format(" [bad {} checksum]", protocol_label(p));
  return out;
}

std::string arp_body(const ArpView& arp) {
  switch (arp.operation()) {
    case ArpOperation::request:
      return fmt::format("Request who-has {} tell {}, length {}",
                         arp.target_protocol_address().to_string(),
                         arp.sender_protocol_address().to_string(), ArpView::kSize);
    case ArpOperation::reply:
      return fmt::format("Reply {} is-at {}, length {}", arp.sender_protocol_address().to_string(),
                         arp.sender_hardware_address().to_string(), ArpView::kSize);
  }
  return fmt::format("op {} {} > {}, length {}", static_cast<unsigned>(arp.operation()),
                     arp.sender_protocol_address().to_string(),
                     arp.target_protocol_address().to_string(), ArpView::kSize);
}

// The network layer and above; `raw` adds tcpdump's "IP "/"IP6 "/"ARP, " prefixes.
std::string network_body(const DecodedPacket& p, bool raw) {
  if (p.error_layer == Layer::network || p.error_layer == Layer::link) {
    if (raw && p.network == NetworkKind::ipv4) return "IP " + malformed_note(p);
    if (raw && p.network == NetworkKind::ipv6) return "IP6 " + malformed_note(p);
    return malformed_note(p);
  }
  switch (p.network) {
    case NetworkKind::arp: return (raw ? "ARP, " : "") + arp_body(*p.arp);
    case NetworkKind::ipv4: return (raw ? "IP " : "") + ip_body(p);
    case NetworkKind::ipv6: return (raw ? "IP6 " : "") + ip_body(p);
    case NetworkKind::other:
    case NetworkKind::none: break;
  }
  return "";
}

}  // namespace

std::string format_time(Timestamp time, TimeStyle style) {
  const std::int64_t ns = time.count();
  const std::int64_t seconds = ns >= 0 ? ns / 1'000'000'000 : (ns - 999'999'999) / 1'000'000'000;
  const auto micros = static_cast<std::uint32_t>((ns - seconds * 1'000'000'000) / 1000);
  switch (style) {
    case TimeStyle::none: return "";
    case TimeStyle::epoch: return fmt::format("{}.{:06}", seconds, micros);
    case TimeStyle::local:
    case TimeStyle::utc: {
      const auto t = static_cast<std::time_t>(seconds);
      std::tm tm{};
      if (style == TimeStyle::local) localtime_r(&t, &tm);
      else gmtime_r(&t, &tm);
      return fmt::format("{:02}:{:02}:{:02}.{:06}", tm.tm_hour, tm.tm_min, tm.tm_sec, micros);
    }
  }
  return "";
}

std::string summary_line(const DecodedPacket& p, std::size_t wire_length) {
  if (p.link_type == LinkType::raw_ip) {
    std::string body = network_body(p, /*raw=*/true);
    if (p.network == NetworkKind::other && p.error == ParseError::none)
      body = fmt::format("unknown packet, length {}", wire_length);
    return body;
  }
  if (!p.ethernet) return fmt::format("{}, length {}", malformed_note(p), wire_length);
  const EthernetView& e = *p.ethernet;
  const auto type_at = [&](std::size_t i) {  // the EtherType field after i tags
    return i < e.tag_count() ? static_cast<std::uint16_t>(e.tag(i).tpid)
                             : static_cast<std::uint16_t>(e.ether_type());
  };
  std::string out = fmt::format("{} > {}, ethertype {} (0x{:04x}), length {}",
                                e.source().to_string(), e.destination().to_string(),
                                ether_type_name(type_at(0)), type_at(0), wire_length);
  for (std::size_t i = 0; i < e.tag_count(); ++i) {
    const VlanTag tag = e.tag(i);
    out += fmt::format("{}vlan {}, p {}, {}ethertype {} (0x{:04x})", i == 0 ? ": " : ", ", tag.vid,
                       tag.pcp, tag.dei ? "DEI, " : "", ether_type_name(type_at(i + 1)), type_at(i + 1));
  }
  const std::string body = network_body(p, /*raw=*/false);
  if (!body.empty()) out += (e.tag_count() ? ", " : ": ") + body;
  return out;
}

// --- field by field ----------------------------------------------------------------

namespace {

void heading(std::string& out, std::string_view name) { fmt::format_to(std::back_inserter(out), "  {}\n", name); }

template <class... Args>
void field(std::string& out, std::string_view name, fmt::format_string<Args...> format, Args&&... args) {
  fmt::format_to(std::back_inserter(out), "    {:<18}", name);
  fmt::format_to(std::back_inserter(out), format, std::forward<Args>(args)...);
  out += '\n';
}

void ethernet_fields(std::string& out, const EthernetView& e) {
  heading(out, "Ethernet");
  field(out, "destination", "{}", e.destination().to_string());
  field(out, "source", "{}", e.source().to_string());
  for (std::size_t i = 0; i < e.tag_count(); ++i) {
    const VlanTag t = e.tag(i);
    field(out, "vlan tag", "tpid 0x{:04x} ({}), pcp {}, dei {}, vid {}", static_cast<unsigned>(t.tpid),
          ether_type_name(static_cast<std::uint16_t>(t.tpid)), t.pcp, t.dei ? 1 : 0, t.vid);
  }
  const auto type = static_cast<std::uint16_t>(e.ether_type());
  field(out, "type", "0x{:04x} ({})", type, ether_type_name(type));
}

void arp_fields(std::string& out, const ArpView& a) {
  heading(out, "ARP");
  const auto op = static_cast<unsigned>(a.operation());
  field(out, "hardware", "1 (Ethernet), 6 bytes");
  field(out, "protocol", "0x0800 (IPv4), 4 bytes");
  field(out, "operation", "{} ({})", op, op == 1 ? "request" : op == 2 ? "reply" : "unknown");
  field(out, "sender mac", "{}", a.sender_hardware_address().to_string());
  field(out, "sender ip", "{}", a.sender_protocol_address().to_string());
  field(out, "target mac", "{}", a.target_hardware_address().to_string());
  field(out, "target ip", "{}", a.target_protocol_address().to_string());
}

void ipv4_fields(std::string& out, const Ipv4View& ip, ChecksumState checksum) {
  heading(out, "IPv4");
  field(out, "version", "{}", ip.version());
  field(out, "header length", "{} bytes (ihl {})", ip.header_size(), ip.header_size() / 4);
  field(out, "dscp", "{}", ip.dscp());
  field(out, "ecn", "{}", ip.ecn());
  field(out, "total length", "{}", ip.total_length());
  field(out, "identification", "{} (0x{:04x})", ip.identification(), ip.identification());
  std::string flags = ip.dont_fragment() ? "DF" : "";
  if (ip.more_fragments()) flags += flags.empty() ? "MF" : " MF";
  field(out, "flags", "{}", flags.empty() ? "none" : flags);
  field(out, "fragment offset", "{}", ip.fragment_offset());
  field(out, "ttl", "{}", ip.ttl());
  const auto proto = static_cast<std::uint8_t>(ip.protocol());
  field(out, "protocol", "{} ({})", proto, ip_protocol_name(proto));
  field(out, "header checksum", "0x{:04x} ({})", ip.header_checksum(), checksum_word(checksum));
  field(out, "source", "{}", ip.source().to_string());
  field(out, "destination", "{}", ip.destination().to_string());
  for (const KindLengthOption& o : ip.options())
    field(out, "option", "{} ({}), {} bytes", ipv4_option_name(o.kind), o.kind,
          o.kind <= 1 ? 1 : o.data.size() + 2);
}

void ipv6_fields(std::string& out, const Ipv6View& ip, const std::optional<Ipv6ExtensionChain>& chain) {
  heading(out, "IPv6");
  field(out, "version", "{}", ip.version());
  field(out, "traffic class", "0x{:02x}", ip.traffic_class());
  field(out, "flow label", "0x{:05x}", ip.flow_label());
  field(out, "payload length", "{}", ip.payload_length());
  const auto next = static_cast<std::uint8_t>(ip.next_header());
  field(out, "next header", "{} ({})", next, ip_protocol_name(next));
  field(out, "hop limit", "{}", ip.hop_limit());
  field(out, "source", "{}", ip.source().to_string());
  field(out, "destination", "{}", ip.destination().to_string());
  if (!chain) return;
  const std::size_t recorded = std::min(chain->count(), Ipv6ExtensionChain::kMaxRecorded);
  for (std::size_t i = 0; i < recorded; ++i) {
    const Ipv6ExtensionHeader& h = chain->header(i);
    const auto type = static_cast<std::uint8_t>(h.type);
    field(out, "extension", "{} ({}), at {}, {} bytes", ip_protocol_name(type), type, h.offset, h.size);
  }
  if (chain->count() > recorded) field(out, "extension", "{} more", chain->count() - recorded);
  if (const auto& f = chain->fragment())
    field(out, "fragment", "id 0x{:08x}, offset {}, {}", f->identification, f->offset,
          f->more_fragments ? "more fragments" : "last fragment");
  if (const auto& fd = chain->final_destination())
    field(out, "final destination", "{}", fd->to_string());
}

void tcp_fields(std::string& out, const TcpView& tcp, ChecksumState checksum) {
  heading(out, "TCP");
  field(out, "source port", "{}", tcp.source_port());
  field(out, "destination port", "{}", tcp.destination_port());
  field(out, "sequence", "{}", tcp.seq_number());
  field(out, "acknowledgment", "{}", tcp.ack_number());
  field(out, "header length", "{} bytes (data offset {})", tcp.header_size(), tcp.header_size() / 4);
  field(out, "flags", "{}", tcp_flag_names(tcp.flags()));
  field(out, "window", "{}", tcp.window());
  field(out, "checksum", "0x{:04x} ({})", tcp.checksum(), checksum_word(checksum));
  field(out, "urgent pointer", "{}", tcp.urgent_pointer());
  for (const KindLengthOption& o : tcp.options()) field(out, "option", "{}", tcp_option_text(o));
}

void udp_fields(std::string& out, const UdpView& udp, ChecksumState checksum) {
  heading(out, "UDP");
  field(out, "source port", "{}", udp.source_port());
  field(out, "destination port", "{}", udp.destination_port());
  field(out, "length", "{}", udp.length());
  field(out, "checksum", "0x{:04x} ({})", udp.checksum(),
        udp.checksum() == 0 ? "none" : checksum_word(checksum));
}

void quoted_fields(std::string& out, ByteSpan data, bool v6) {
  if (!v6) {
    if (const auto q = Ipv4View::parse_quoted(data)) {
      const auto proto = static_cast<std::uint8_t>(q->protocol());
      const ByteSpan t = q->payload();
      std::string ports = (proto == 6 || proto == 17) && t.size() >= 4
                              ? fmt::format(" {} > {}", load_be16(t, 0), load_be16(t, 2))
                              : "";
      field(out, "quoted", "IPv4 {} > {} {}{}, {} bytes", q->source().to_string(),
            q->destination().to_string(), ip_protocol_name(proto), ports, data.size());
      return;
    }
  } else if (const auto q = Ipv6View::parse_quoted(data)) {
    const auto [next, t] = quoted_ipv6_upper(*q);
    std::string ports = (next == 6 || next == 17) && t.size() >= 4
                            ? fmt::format(" {} > {}", load_be16(t, 0), load_be16(t, 2))
                            : "";
    field(out, "quoted", "IPv6 {} > {} {}{}, {} bytes", q->source().to_string(),
          q->destination().to_string(), ip_protocol_name(next), ports, data.size());
    return;
  }
  field(out, "quoted", "{} bytes (no complete IP header)", data.size());
}

void icmpv4_fields(std::string& out, const Icmpv4View& icmp, ChecksumState checksum) {
  heading(out, "ICMP");
  const auto type = static_cast<std::uint8_t>(icmp.type());
  field(out, "type", "{} ({})", type, icmpv4_type_name(type));
  if (icmp.type() == Icmpv4Type::destination_unreachable)
    field(out, "code", "{} ({})", icmp.code(), icmpv4_unreachable_name(icmp.code()));
  else if (icmp.type() == Icmpv4Type::time_exceeded)
    field(out, "code", "{} ({})", icmp.code(),
          icmp.code() == 0 ? "ttl exceeded in transit" : icmp.code() == 1 ? "reassembly" : "unknown");
  else
    field(out, "code", "{}", icmp.code());
  field(out, "checksum", "0x{:04x} ({})", icmp.checksum(), checksum_word(checksum));
  switch (icmp.type()) {
    case Icmpv4Type::echo_request:
    case Icmpv4Type::echo_reply:
    case Icmpv4Type::timestamp:
    case Icmpv4Type::timestamp_reply:
      field(out, "identifier", "{}", icmp.identifier());
      field(out, "sequence", "{}", icmp.sequence());
      break;
    case Icmpv4Type::destination_unreachable:
      if (icmp.code() == 4) field(out, "next-hop mtu", "{}", icmp.next_hop_mtu());
      break;
    case Icmpv4Type::redirect: field(out, "gateway", "{}", icmp.gateway().to_string()); break;
    case Icmpv4Type::parameter_problem: field(out, "pointer", "{}", icmp.pointer()); break;
    case Icmpv4Type::time_exceeded: break;
  }
  if (icmp.is_error()) quoted_fields(out, icmp.data(), /*v6=*/false);
}

void ndp_option_fields(std::string& out, const NdpOption& o) {
  switch (o.type) {
    case NdpOptionType::source_link_layer_address:
    case NdpOptionType::target_link_layer_address:
      if (const auto ll = NdpLinkLayerOption::parse(o)) {
        field(out, "option", "{} link-layer address {}",
              o.type == NdpOptionType::source_link_layer_address ? "source" : "target",
              ll->address.to_string());
        return;
      }
      break;
    case NdpOptionType::prefix_information:
      if (const auto pi = NdpPrefixInformation::parse(o)) {
        field(out, "option", "prefix {}/{}{}{}, valid {} s, preferred {} s", pi->prefix.to_string(),
              pi->prefix_length, pi->on_link ? " on-link" : "", pi->autonomous ? " autonomous" : "",
              pi->valid_lifetime, pi->preferred_lifetime);
        return;
      }
      break;
    case NdpOptionType::mtu:
      if (const auto mtu = NdpMtuOption::parse(o)) {
        field(out, "option", "mtu {}", mtu->mtu);
        return;
      }
      break;
    case NdpOptionType::redirected_header: break;
  }
  field(out, "option", "type {}, {} bytes", static_cast<unsigned>(o.type), o.bytes.size());
}

void icmpv6_fields(std::string& out, const Icmpv6View& icmp, ChecksumState checksum) {
  heading(out, "ICMPv6");
  const auto type = static_cast<std::uint8_t>(icmp.type());
  field(out, "type", "{} ({})", type, icmpv6_type_name(type));
  if (icmp.type() == Icmpv6Type::destination_unreachable)
    field(out, "code", "{} ({})", icmp.code(), icmpv6_unreachable_name(icmp.code()));
  else
    field(out, "code", "{}", icmp.code());
  field(out, "checksum", "0x{:04x} ({})", icmp.checksum(), checksum_word(checksum));
  switch (icmp.type()) {
    case Icmpv6Type::echo_request:
    case Icmpv6Type::echo_reply:
      field(out, "identifier", "{}", icmp.identifier());
      field(out, "sequence", "{}", icmp.sequence());
      break;
    case Icmpv6Type::packet_too_big: field(out, "mtu", "{}", icmp.mtu()); break;
    case Icmpv6Type::parameter_problem: field(out, "pointer", "{}", icmp.pointer()); break;
    case Icmpv6Type::router_advertisement:
      field(out, "cur hop limit", "{}", icmp.cur_hop_limit());
      field(out, "flags", "{}{}", icmp.managed_flag() ? "M" : "-", icmp.other_flag() ? "O" : "-");
      field(out, "router lifetime", "{} s", icmp.router_lifetime());
      field(out, "reachable time", "{} ms", icmp.reachable_time());
      field(out, "retrans timer", "{} ms", icmp.retrans_timer());
      break;
    case Icmpv6Type::neighbor_advertisement:
      field(out, "flags", "{}{}{}", icmp.router_flag() ? "R" : "-", icmp.solicited_flag() ? "S" : "-",
            icmp.override_flag() ? "O" : "-");
      field(out, "target", "{}", icmp.target_address().to_string());
      break;
    case Icmpv6Type::neighbor_solicitation:
      field(out, "target", "{}", icmp.target_address().to_string());
      break;
    case Icmpv6Type::redirect:
      field(out, "target", "{}", icmp.target_address().to_string());
      field(out, "destination", "{}", icmp.redirect_destination().to_string());
      break;
    case Icmpv6Type::mld2_report: field(out, "records", "{}", load_be16(icmp.bytes(), 6)); break;
    case Icmpv6Type::destination_unreachable:
    case Icmpv6Type::time_exceeded:
    case Icmpv6Type::mld_query:
    case Icmpv6Type::mld_report:
    case Icmpv6Type::mld_done:
    case Icmpv6Type::router_solicitation: break;
  }
  for (const NdpOption& o : icmp.ndp_options()) ndp_option_fields(out, o);
  if (icmp.is_error()) quoted_fields(out, icmp.data(), /*v6=*/true);
}

}  // namespace

std::string layer_fields(const DecodedPacket& p) {
  std::string out;
  if (p.ethernet) ethernet_fields(out, *p.ethernet);
  if (p.arp) arp_fields(out, *p.arp);
  if (p.ipv4) ipv4_fields(out, *p.ipv4, p.ip_checksum);
  if (p.ipv6) ipv6_fields(out, *p.ipv6, p.ipv6_extensions);
  if (p.tcp) tcp_fields(out, *p.tcp, p.transport_checksum);
  if (p.udp) udp_fields(out, *p.udp, p.transport_checksum);
  if (p.icmpv4) icmpv4_fields(out, *p.icmpv4, p.transport_checksum);
  if (p.icmpv6) icmpv6_fields(out, *p.icmpv6, p.transport_checksum);
  if (p.later_fragment) fmt::format_to(std::back_inserter(out), "  {:<20}{} bytes\n", "Fragment data", p.payload.size());
  else if (p.error == ParseError::none)
    fmt::format_to(std::back_inserter(out), "  {:<20}{} bytes\n", "Payload", p.payload.size());
  if (p.error != ParseError::none)
    fmt::format_to(std::back_inserter(out), "  {:<20}{}: {}, {} bytes not decoded\n", "Malformed",
                   malformed_layer(p), to_string(p.error), p.payload.size());
  return out;
}

std::string hex_dump(ByteSpan bytes) {
  std::string out;
  for (std::size_t line = 0; line < bytes.size(); line += 16) {
    const std::size_t n = std::min<std::size_t>(16, bytes.size() - line);
    std::string hex, ascii;
    for (std::size_t i = 0; i < n; i += 2) {
      hex += i + 1 < n ? fmt::format(" {:02x}{:02x}", bytes[line + i], bytes[line + i + 1])
                       : fmt::format(" {:02x}", bytes[line + i]);
    }
    for (std::size_t i = 0; i < n; ++i) {
      const std::uint8_t c = bytes[line + i];
      ascii += c >= 0x20 && c < 0x7f ? static_cast<char>(c) : '.';
    }
    fmt::format_to(std::back_inserter(out), "\t0x{:04x}: {:<40}  {}\n", line, hex, ascii);
  }
  return out;
}

std::string_view protocol_label(const DecodedPacket& p) noexcept {
  switch (p.network) {
    case NetworkKind::arp: return "arp";
    case NetworkKind::ipv4:
    case NetworkKind::ipv6:
      if (p.ipv4 || p.ipv6) {
        switch (IpProtocol{p.ip_protocol}) {
          case IpProtocol::tcp: return "tcp";
          case IpProtocol::udp: return "udp";
          case IpProtocol::icmp:
            if (p.ipv4) return "icmp";
            break;
          case IpProtocol::icmpv6:
            if (p.ipv6) return "icmp6";
            break;
          default: break;
        }
      }
      return p.network == NetworkKind::ipv4 ? "ipv4-other" : "ipv6-other";
    case NetworkKind::other:
    case NetworkKind::none: break;
  }
  return "other";
}

std::string_view malformed_layer(const DecodedPacket& p) noexcept {
  switch (p.error_layer) {
    case Layer::none: return "";
    case Layer::link: return "ethernet";
    case Layer::network:
      switch (p.network) {
        case NetworkKind::arp: return "arp";
        case NetworkKind::ipv4: return "ipv4";
        case NetworkKind::ipv6: return "ipv6";
        case NetworkKind::other:
        case NetworkKind::none: return "ip";
      }
      return "ip";
    case Layer::transport:
      switch (p.transport) {
        case TransportKind::tcp: return "tcp";
        case TransportKind::udp: return "udp";
        case TransportKind::icmpv4: return "icmp";
        case TransportKind::icmpv6: return "icmp6";
        case TransportKind::other:
        case TransportKind::none: return "transport";
      }
  }
  return "?";
}

bool bad_checksum(const DecodedPacket& p) noexcept {
  return p.ip_checksum == ChecksumState::bad || p.transport_checksum == ChecksumState::bad;
}

PacketRecord packet_record(const DecodedPacket& p, Timestamp time, std::size_t captured,
                           std::size_t wire_length) {
  PacketRecord r;
  r.time_ns = time.count();
  r.length = wire_length;
  r.captured = captured;
  r.link = p.link_type == LinkType::ethernet ? "ethernet" : "raw";
  if (p.ethernet) {
    r.eth_source = p.ethernet->source().to_string();
    r.eth_destination = p.ethernet->destination().to_string();
    r.ether_type = static_cast<std::uint16_t>(p.ethernet->ether_type());
    for (std::size_t i = 0; i < p.ethernet->tag_count(); ++i) r.vlan_ids.push_back(p.ethernet->tag(i).vid);
  }
  switch (p.network) {
    case NetworkKind::none: r.network = "none"; break;
    case NetworkKind::arp: r.network = "arp"; break;
    case NetworkKind::ipv4: r.network = "ipv4"; break;
    case NetworkKind::ipv6: r.network = "ipv6"; break;
    case NetworkKind::other: r.network = "other"; break;
  }
  if (p.arp) {
    const auto op = static_cast<unsigned>(p.arp->operation());
    r.arp_operation = op == 1 ? "request" : op == 2 ? "reply" : std::to_string(op);
    r.source = p.arp->sender_protocol_address().to_string();
    r.destination = p.arp->target_protocol_address().to_string();
    r.arp_sender_mac = p.arp->sender_hardware_address().to_string();
    r.arp_target_mac = p.arp->target_hardware_address().to_string();
  }
  if (p.ipv4) {
    r.source = p.ipv4->source().to_string();
    r.destination = p.ipv4->destination().to_string();
    r.ttl = p.ipv4->ttl();
    r.ip_id = p.ipv4->identification();
    r.ip_protocol = p.ip_protocol;
    r.fragment = p.ipv4->is_fragment();
  }
  if (p.ipv6) {
    r.source = p.ipv6->source().to_string();
    r.destination = p.ipv6->destination().to_string();
    r.ttl = p.ipv6->hop_limit();
    if (p.ipv6_extensions) {
      r.ip_protocol = p.ip_protocol;
      r.fragment = p.ipv6_extensions->fragment().has_value();
    }
  }
  r.ip_checksum = checksum_value(p.ip_checksum);
  switch (p.transport) {
    case TransportKind::none: r.transport = "none"; break;
    case TransportKind::tcp: r.transport = "tcp"; break;
    case TransportKind::udp: r.transport = "udp"; break;
    case TransportKind::icmpv4: r.transport = "icmp"; break;
    case TransportKind::icmpv6: r.transport = "icmp6"; break;
    case TransportKind::other: r.transport = "other"; break;
  }
  if (p.tcp) {
    r.source_port = p.tcp->source_port();
    r.destination_port = p.tcp->destination_port();
    r.tcp_flags = p.tcp->flags();
    r.tcp_flags_text = tcp_flag_letters(p.tcp->flags());
    r.seq = p.tcp->seq_number();
    r.ack = p.tcp->ack_number();
    r.window = p.tcp->window();
    r.tcp_options = tcp_options_text(*p.tcp);
  }
  if (p.udp) {
    r.source_port = p.udp->source_port();
    r.destination_port = p.udp->destination_port();
  }
  if (p.icmpv4) {
    r.icmp_type = static_cast<std::uint8_t>(p.icmpv4->type());
    r.icmp_code = p.icmpv4->code();
    r.icmp_description = icmpv4_description(*p.icmpv4);
  }
  if (p.icmpv6) {
    r.icmp_type = static_cast<std::uint8_t>(p.icmpv6->type());
    r.icmp_code = p.icmpv6->code();
    r.icmp_description = icmpv6_description(*p.icmpv6);
  }
  r.transport_checksum = checksum_value(p.transport_checksum);
  r.payload_length = p.payload.size();
  if (p.error != ParseError::none) {
    r.malformed_layer = std::string(malformed_layer(p));
    r.malformed_reason = std::string(to_string(p.error));
  }
  r.summary = summary_line(p, wire_length);
  return r;
}

}  // namespace tunkit::capture
