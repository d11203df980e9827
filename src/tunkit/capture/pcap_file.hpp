// pcap files through libpcap: a writer for what a device hands us and a reader for `-r`.
//
// Files are written with nanosecond timestamps (magic 0xa1b23c4d) and the link type the
// packets start with: LINKTYPE_RAW (101) for a TUN, LINKTYPE_ETHERNET (1) for a TAP. The
// side headers a queue can carry (struct tun_pi, struct virtio_net_hdr) are never part of
// a record: dev::Queue keeps them beside the packet, so callers pass packet bytes only.
//
// Both owners are move-only and release their libpcap handles on destruction.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "tunkit/base/error.hpp"
#include "tunkit/wire/bytes.hpp"
#include "tunkit/wire/packet.hpp"

struct pcap;
struct pcap_dumper;

namespace tunkit::capture {

// tcpdump's default snapshot length: whole packets, GSO super-packets included.
inline constexpr std::size_t kDefaultSnaplen = 262144;

// Time since the Unix epoch.
using Timestamp = std::chrono::nanoseconds;

// The libpcap DLT_ value for a link type (DLT_RAW is 12 on Linux; libpcap writes it to
// the file as LINKTYPE_RAW, 101) and back. from_dlt accepts DLT_RAW, DLT_IPV4, DLT_IPV6
// (raw IP) and DLT_EN10MB.
int to_dlt(LinkType link) noexcept;
std::optional<LinkType> from_dlt(int dlt) noexcept;

struct PcapHandleDeleter {
  void operator()(pcap* handle) const noexcept;
};
struct PcapDumperDeleter {
  void operator()(pcap_dumper* dumper) const noexcept;
};

class PcapWriter {
 public:
  // Creates or truncates `path` ("-" is stdout) and writes the file header.
  static Result<PcapWriter> open(const std::string& path, LinkType link,
                                 std::size_t snaplen = kDefaultSnaplen);

  // Appends one record; packets longer than the snaplen are cut, and the record keeps
  // `wire_length` (>= bytes.size()) as the original length. libpcap buffers through stdio.
  void write(Timestamp time, ByteSpan bytes, std::size_t wire_length) noexcept;
  void write(Timestamp time, ByteSpan bytes) noexcept { write(time, bytes, bytes.size()); }
  // Pushes buffered records to the file (pcap_dump_flush).
  Result<void> flush() noexcept;
  std::uint64_t records() const noexcept { return records_; }
  LinkType link() const noexcept { return link_; }

 private:
  PcapWriter() = default;
  std::unique_ptr<pcap, PcapHandleDeleter> dead_;
  std::unique_ptr<pcap_dumper, PcapDumperDeleter> dumper_;
  LinkType link_ = LinkType::raw_ip;
  std::size_t snaplen_ = kDefaultSnaplen;
  std::uint64_t records_ = 0;
};

// One record read from a file. `bytes` points into the reader's buffer and is valid until
// the next call to next().
struct PcapRecord {
  Timestamp time{};
  ByteSpan bytes;
  std::size_t wire_length = 0;  // the original length; > bytes.size() if the snaplen cut it
};

class PcapReader {
 public:
  // Opens a pcap (micro- or nanosecond) or pcapng file; "-" is stdin. Fails for link
  // types other than Ethernet and raw IP, naming the type.
  static Result<PcapReader> open(const std::string& path);

  // The next record, nullopt at the end of the file, or an error for a damaged file.
  Result<std::optional<PcapRecord>> next();
  LinkType link() const noexcept { return link_; }
  std::size_t snaplen() const noexcept { return snaplen_; }

 private:
  PcapReader() = default;
  std::unique_ptr<pcap, PcapHandleDeleter> handle_;
  LinkType link_ = LinkType::raw_ip;
  std::size_t snaplen_ = kDefaultSnaplen;
};

}  // namespace tunkit::capture
