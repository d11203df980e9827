// `tunkit dump`: the tutorials' tunclient done properly. Be the far end of a TUN/TAP
// device (or read a pcap file) and show every packet the way tcpdump does, field by field,
// as hex or as JSON; write pcap; count what was seen.
#include <poll.h>
#include <signal.h>
#include <time.h>
#include <unistd.h>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <cstdio>
#include <cstring>
#include <memory>
#include <optional>

#include "command_line.hpp"
#include "tunkit/event/signals.hpp"
#include "tunkit/base/fd.hpp"
#include "tunkit/capture/counters.hpp"
#include "tunkit/capture/filter.hpp"
#include "tunkit/capture/pcap_file.hpp"
#include "tunkit/capture/printer.hpp"
#include "tunkit/dev/name.hpp"
#include "tunkit/dev/tun.hpp"
#include "tunkit/netlink/rtnetlink.hpp"

namespace tunkit::app {
namespace {

using capture::Timestamp;
using nlohmann::json;

struct DumpOptions {
  std::vector<std::string> words;  // [DEV [mode tun|tap]] FILTER...
  bool verbose = false;
  bool hex = false;
  bool as_json = false;
  bool print = false;  // print even with -w
  unsigned long count = 0;  // 0: no limit
  std::string write_path;
  std::string read_path;
  std::string time = "local";
};

capture::TimeStyle time_style(const std::string& word) {
  if (word == "utc") return capture::TimeStyle::utc;
  if (word == "epoch") return capture::TimeStyle::epoch;
  if (word == "none") return capture::TimeStyle::none;
  return capture::TimeStyle::local;
}

json record_json(const capture::PacketRecord& r, ByteSpan bytes, bool hex) {
  json j;
  j["time_ns"] = r.time_ns;
  j["length"] = r.length;
  j["captured"] = r.captured;
  j["link"] = r.link;
  auto put = [&j](const char* key, const auto& optional) {
    if (optional) j[key] = *optional;
  };
  put("eth_src", r.eth_source);
  put("eth_dst", r.eth_destination);
  put("ether_type", r.ether_type);
  if (!r.vlan_ids.empty()) j["vlans"] = r.vlan_ids;
  j["network"] = r.network;
  put("src", r.source);
  put("dst", r.destination);
  put("ttl", r.ttl);
  put("ip_id", r.ip_id);
  put("ip_protocol", r.ip_protocol);
  put("ip_checksum", r.ip_checksum);
  if (r.fragment) j["fragment"] = true;
  put("arp_op", r.arp_operation);
  put("arp_sender_mac", r.arp_sender_mac);
  put("arp_target_mac", r.arp_target_mac);
  j["transport"] = r.transport;
  put("src_port", r.source_port);
  put("dst_port", r.destination_port);
  put("tcp_flags", r.tcp_flags);
  put("tcp_flags_text", r.tcp_flags_text);
  put("seq", r.seq);
  put("ack", r.ack);
  put("win", r.window);
  put("tcp_options", r.tcp_options);
  put("icmp_type", r.icmp_type);
  put("icmp_code", r.icmp_code);
  put("icmp", r.icmp_description);
  put("transport_checksum", r.transport_checksum);
  j["payload_length"] = r.payload_length;
  if (r.malformed_layer) j["malformed"] = {{"layer", *r.malformed_layer}, {"reason", *r.malformed_reason}};
  j["summary"] = r.summary;
  if (hex) {
    std::string h;
    h.reserve(bytes.size() * 2);
    for (std::uint8_t b : bytes) fmt::format_to(std::back_inserter(h), "{:02x}", b);
    j["hex"] = h;
  }
  return j;
}

// One packet in, text/JSON/pcap out, counters kept. Shared by live capture and -r.
class Sink {
 public:
  Sink(const DumpOptions& options, LinkType link, capture::PacketFilter filter)
      : options_(options), link_(link), filter_(std::move(filter)), style_(time_style(options.time)) {
    if (!options.write_path.empty())
      writer_.emplace(must(capture::PcapWriter::open(options.write_path, link)));
    show_ = options.write_path.empty() || options.print;
    if (options.write_path == "-" && show_)
      usage_error("-w - writes pcap to standard output; it cannot be combined with --print");
  }

  // False once -c packets have been taken.
  bool take(Timestamp time, ByteSpan bytes, std::size_t wire_length, bool verify_checksums) {
    if (!filter_.matches(bytes, wire_length)) {
      ++counters_.filtered_out;
      return true;
    }
    const DecodedPacket p = decode(bytes, link_, DecodeOptions{verify_checksums});
    counters_.count(p, wire_length);
    if (writer_) writer_->write(time, bytes, wire_length);
    if (show_) show(p, time, bytes, wire_length);
    return options_.count == 0 || counters_.packets < options_.count;
  }

  void flush() {
    if (writer_) must(writer_->flush());
    std::fflush(stdout);
  }
  const capture::CaptureCounters& counters() const { return counters_; }

 private:
  void show(const DecodedPacket& p, Timestamp time, ByteSpan bytes, std::size_t wire_length) {
    if (options_.as_json) {
      const auto record = capture::packet_record(p, time, bytes.size(), wire_length);
      line_ = record_json(record, bytes, options_.hex).dump();
      line_ += '\n';
    } else {
      line_ = capture::format_time(time, style_);
      if (!line_.empty()) line_ += ' ';
      line_ += capture::summary_line(p, wire_length);
      line_ += '\n';
      if (options_.verbose) line_ += capture::layer_fields(p);
      if (options_.hex) line_ += capture::hex_dump(bytes);
    }
    std::fwrite(line_.data(), 1, line_.size(), stdout);
  }

  const DumpOptions& options_;
  LinkType link_;
  capture::PacketFilter filter_;
  capture::TimeStyle style_;
  std::optional<capture::PcapWriter> writer_;
  bool show_ = true;
  capture::CaptureCounters counters_;
  std::string line_;
};

Timestamp now() {
  timespec ts{};
  clock_gettime(CLOCK_REALTIME, &ts);
  return Timestamp(std::int64_t{ts.tv_sec} * 1'000'000'000 + ts.tv_nsec);
}

std::string join(const std::vector<std::string>& words, std::size_t from) {
  std::string out;
  for (std::size_t i = from; i < words.size(); ++i) out += (out.empty() ? "" : " ") + words[i];
  return out;
}

void report(const Sink& sink) {
  fmt::print(stderr, "{}\n", sink.counters().summary());
}

int run_read(const DumpOptions& options) {
  auto reader = must(capture::PcapReader::open(options.read_path));
  Sink sink(options, reader.link(),
            must(capture::PacketFilter::compile(join(options.words, 0), reader.link())));
  const auto signals = must(event::SignalFd::create({SIGINT, SIGTERM}));
  int status = kOk;
  for (std::uint64_t n = 0;; ++n) {
    if ((n & 255) == 255 && signals.take().has_value()) break;
    auto record = reader.next();
    if (!record) {
      fmt::print(stderr, "tunkit: {}\n", record.error().message);
      status = kFailure;
      break;
    }
    if (!*record) break;
    const auto& r = **record;
    if (!sink.take(r.time, r.bytes, r.wire_length, /*verify_checksums=*/true)) break;
  }
  sink.flush();
  report(sink);
  return status;
}

int run_live(const DumpOptions& options) {
  if (options.words.empty())
    usage_error("tunkit dump needs a device name, or -r FILE (see tunkit dump --help)");
  const std::string& name = options.words[0];
  must(dev::check_name(name, /*allow_pattern=*/true));
  std::size_t filter_from = 1;
  std::optional<dev::Mode> mode;
  if (options.words.size() > 1 && options.words[1] == "mode") {
    if (options.words.size() < 3) usage_error("'mode' needs a value: tun or tap");
    mode = dev::parse_mode(options.words[2]);
    if (!mode) usage_error(fmt::format("mode '{}': expected 'tun' or 'tap'", options.words[2]));
    filter_from = 3;
  }

  // Attach with the device's own flags: its mode, packet info, vnet header and queueing.
  // A device that does not exist is created, transient, with no side headers.
  dev::OpenOptions open;
  open.name = name;
  bool existed = false;
  auto rtnl = must(netlink::RtNetlink::open());
  if (auto link = rtnl.link(name); link && link->tun) {
    existed = true;
    open.packet_info = link->tun->packet_info;
    open.vnet_hdr = link->tun->vnet_hdr;
    open.multi_queue = link->tun->multi_queue;
    const dev::Mode own = link->tun->tap ? dev::Mode::tap : dev::Mode::tun;
    if (mode && *mode != own)
      throw CommandError{fmt::format("{} is a {} device; drop 'mode {}' or say 'mode {}'", name,
                                     dev::to_string(own), dev::to_string(*mode), dev::to_string(own)),
                         kMismatch};
    mode = own;
  } else if (link) {
    throw CommandError{fmt::format("{} is not a TUN/TAP device; tunkit dump attaches to TUN/TAP "
                                   "devices only (use tcpdump -i {} for other links)",
                                   name, name),
                       kMismatch};
  }
  open.mode = mode.value_or(dev::Mode::tun);
  const LinkType link_type = open.mode == dev::Mode::tap ? LinkType::ethernet : LinkType::raw_ip;
  Sink sink(options, link_type, must(capture::PacketFilter::compile(join(options.words, filter_from), link_type)));
  const auto signals = must(event::SignalFd::create({SIGINT, SIGTERM}));
  const dev::Device device = must(dev::Device::open(open));
  fmt::print(stderr, "tunkit dump: listening on {} ({}{}{}, {}), link-type {}{}\n", device.name(),
             dev::to_string(device.mode()), device.packet_info() ? ", packet info" : "",
             device.vnet_hdr() ? ", vnet header" : "",
             existed ? "existing device" : "transient: gone when we exit",
             link_type == LinkType::ethernet ? "EN10MB (Ethernet)" : "RAW (raw IP)",
             device.multi_queue() ? "; multi-queue: this queue sees only the flows hashed to it" : "");

  constexpr std::size_t kBatch = 64, kBufferSize = 65536 + 256;
  std::vector<std::uint8_t> storage(kBatch * kBufferSize);
  std::vector<dev::PacketSlot> slots(kBatch);
  for (std::size_t i = 0; i < kBatch; ++i)
    slots[i].buffer = std::span(storage).subspan(i * kBufferSize, kBufferSize);
  const dev::Queue queue = device.queue();
  pollfd fds[2] = {{queue.fd(), POLLIN, 0}, {signals.fd(), POLLIN, 0}};
  int status = kOk;
  bool more = true;
  std::uint64_t truncated = 0;
  while (more) {
    if (::poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      fmt::print(stderr, "tunkit: poll: {}\n", std::strerror(errno));
      status = kFailure;
      break;
    }
    if (fds[1].revents) break;
    auto got = queue.read(slots);
    if (!got) {
      fmt::print(stderr, "tunkit: {}\n", got.error().message);
      status = kFailure;
      break;
    }
    const Timestamp time = now();
    for (std::size_t i = 0; i < *got && more; ++i) {
      const dev::PacketSlot& s = slots[i];
      if (s.truncated()) ++truncated;
      const ByteSpan bytes = s.packet();
      // With a vnet header the kernel may leave the checksum to us (NEEDS_CSUM): not an error.
      const bool verify = !(device.vnet_hdr() && (s.vnet.flags & dev::VnetHeader::kNeedsCsum));
      more = sink.take(time, bytes, bytes.size(), verify);
    }
    sink.flush();
  }
  sink.flush();
  report(sink);
  if (truncated) fmt::print(stderr, "{} packets were cut to the read buffer\n", truncated);
  return status;
}

}  // namespace

std::vector<Subcommand> add_dump_command(CLI::App& parent) {
  auto options = std::make_shared<DumpOptions>();
  CLI::App* dump = parent.add_subcommand(
      "dump", "show every packet the kernel sends into a TUN/TAP device (or read a pcap file)");
  dump->add_option("WORDS", options->words, "DEV [mode tun|tap] [FILTER...]");
  dump->add_flag("-v,--verbose", options->verbose, "decode every header field by field");
  dump->add_flag("-x,--hex", options->hex, "add a hex + ASCII dump of each packet");
  dump->add_option("-c,--count", options->count, "stop after N packets (that pass the filter)")
      ->check(CLI::PositiveNumber);
  dump->add_option("-w,--write", options->write_path, "write packets to a pcap file ('-': stdout)");
  dump->add_option("-r,--read", options->read_path, "read packets from a pcap file instead of a device");
  dump->add_flag("--json", options->as_json, "print one JSON object per packet");
  dump->add_flag("--print", options->print, "with -w, print packets as well");
  dump->add_option("--time", options->time, "timestamps: local (default), utc, epoch or none")
      ->check(CLI::IsMember({"local", "utc", "epoch", "none"}));
  dump->footer(
      "Attaches to DEV as its endpoint and shows what the kernel sends into it: one line per\n"
      "packet in tcpdump's style (tcpdump -nn -S; with -e's MAC addresses on a TAP). A device\n"
      "that does not exist is created for the run (mode tun unless 'mode tap'); an existing\n"
      "one is attached with its own flags (tun/tap, packet info, vnet header).\n"
      "FILTER is a tcpdump filter expression (pcap-filter(7)), applied in user space.\n"
      "On exit (SIGINT, SIGTERM, -c, end of file) the totals go to stderr: packets, bytes,\n"
      "per protocol, malformed, bad checksums, filtered out.\n"
      "Examples:\n"
      "  tunkit dump tun0                              every packet, one line each\n"
      "  tunkit dump tun0 icmp or tcp port 80 -c 10    filter, stop after 10\n"
      "  tunkit dump tap0 mode tap -v -x arp           ARP field by field, with hex\n"
      "  tunkit dump tun0 -w tun0.pcap                 write pcap (LINKTYPE_RAW; TAP: ETHERNET)\n"
      "  tunkit dump -r tun0.pcap --json 'tcp[tcpflags] & tcp-syn != 0'\n"
      "Exit status: 0 ok, 1 failure, 2 usage or bad filter, 3 permission denied,\n"
      "5 mode mismatch or not a TUN/TAP device.");
  return {{dump, [options] {
             if (!options->read_path.empty()) return run_read(*options);
             return run_live(*options);
           }}};
}

}  // namespace tunkit::app
