#include "tunkit/capture/pcap_file.hpp"

#include <pcap/pcap.h>

#include <cerrno>
#include <climits>

namespace tunkit::capture {

int to_dlt(LinkType link) noexcept {
  switch (link) {
    case LinkType::raw_ip: return DLT_RAW;
    case LinkType::ethernet: return DLT_EN10MB;
  }
  return DLT_RAW;
}

std::optional<LinkType> from_dlt(int dlt) noexcept {
  switch (dlt) {
    case DLT_RAW:
    case DLT_IPV4:
    case DLT_IPV6: return LinkType::raw_ip;
    case DLT_EN10MB: return LinkType::ethernet;
    default: return std::nullopt;
  }
}

void PcapHandleDeleter::operator()(pcap* handle) const noexcept { pcap_close(handle); }
void PcapDumperDeleter::operator()(pcap_dumper* dumper) const noexcept { pcap_dump_close(dumper); }

Result<PcapWriter> PcapWriter::open(const std::string& path, LinkType link, std::size_t snaplen) {
  PcapWriter w;
  w.link_ = link;
  w.snaplen_ = snaplen;
  w.dead_.reset(pcap_open_dead_with_tstamp_precision(to_dlt(link), static_cast<int>(snaplen),
                                                     PCAP_TSTAMP_PRECISION_NANO));
  if (!w.dead_) return fail_errno(ENOMEM, "pcap_open_dead failed");
  errno = 0;
  w.dumper_.reset(pcap_dump_open(w.dead_.get(), path.c_str()));
  if (!w.dumper_) {
    const int err = errno != 0 ? errno : EIO;
    return fail_errno(err, "cannot write '" + path + "': " + pcap_geterr(w.dead_.get()));
  }
  return w;
}

void PcapWriter::write(Timestamp time, ByteSpan bytes, std::size_t wire_length) noexcept {
  pcap_pkthdr header{};
  const auto ns = time.count();
  header.ts.tv_sec = static_cast<time_t>(ns / 1'000'000'000);
  // With nanosecond precision libpcap stores tv_usec as nanoseconds.
  header.ts.tv_usec = static_cast<suseconds_t>(ns % 1'000'000'000);
  const std::size_t caplen = bytes.size() < snaplen_ ? bytes.size() : snaplen_;
  header.caplen = static_cast<bpf_u_int32>(caplen);
  header.len = static_cast<bpf_u_int32>(wire_length < bytes.size() ? bytes.size() : wire_length);
  pcap_dump(reinterpret_cast<u_char*>(dumper_.get()), &header, bytes.data());
  ++records_;
}

Result<void> PcapWriter::flush() noexcept {
  if (pcap_dump_flush(dumper_.get()) != 0) return fail_errno_context(errno ? errno : EIO, "pcap flush");
  return {};
}

Result<PcapReader> PcapReader::open(const std::string& path) {
  PcapReader r;
  char error[PCAP_ERRBUF_SIZE] = {};
  r.handle_.reset(pcap_open_offline_with_tstamp_precision(path.c_str(), PCAP_TSTAMP_PRECISION_NANO,
                                                          error));
  if (!r.handle_) {
    const int err = errno == ENOENT || errno == EACCES || errno == EPERM ? errno : EINVAL;
    return fail_errno(err, "cannot read '" + path + "': " + error);
  }
  const int dlt = pcap_datalink(r.handle_.get());
  const auto link = from_dlt(dlt);
  if (!link) {
    const char* name = pcap_datalink_val_to_name(dlt);
    return fail_errno(EINVAL, "'" + path + "' has link type " + (name ? name : std::to_string(dlt)) +
                                  "; tunkit reads Ethernet (TAP) and raw IP (TUN) captures");
  }
  r.link_ = *link;
  const int snaplen = pcap_snapshot(r.handle_.get());
  if (snaplen > 0) r.snaplen_ = static_cast<std::size_t>(snaplen);
  return r;
}

Result<std::optional<PcapRecord>> PcapReader::next() {
  pcap_pkthdr* header = nullptr;
  const u_char* data = nullptr;
  const int got = pcap_next_ex(handle_.get(), &header, &data);
  if (got == PCAP_ERROR_BREAK) return std::nullopt;  // end of file
  if (got != 1) return fail_errno(EIO, std::string("damaged capture: ") + pcap_geterr(handle_.get()));
  PcapRecord record;
  record.time = Timestamp(std::int64_t{header->ts.tv_sec} * 1'000'000'000 + header->ts.tv_usec);
  record.bytes = ByteSpan(data, header->caplen);
  record.wire_length = header->len;
  return record;
}

}  // namespace tunkit::capture
