#include "tunkit/capture/filter.hpp"

#include <pcap/pcap.h>

#include <cerrno>

#include "tunkit/capture/pcap_file.hpp"

namespace tunkit::capture {

Result<PacketFilter> PacketFilter::compile(const std::string& expression, LinkType link) {
  PacketFilter f;
  f.expression_ = expression;
  if (expression.find_first_not_of(" \t\n") == std::string::npos) return f;
  std::unique_ptr<pcap, PcapHandleDeleter> dead(
      pcap_open_dead(to_dlt(link), static_cast<int>(kDefaultSnaplen)));
  if (!dead) return fail_errno(ENOMEM, "pcap_open_dead failed");
  auto program = std::make_unique<bpf_program>();
  if (pcap_compile(dead.get(), program.get(), expression.c_str(), /*optimize=*/1,
                   PCAP_NETMASK_UNKNOWN) != 0)
    return fail_errno(EINVAL, "filter '" + expression + "': " + pcap_geterr(dead.get()));
  f.program_ = std::move(program);
  return f;
}

PacketFilter::PacketFilter(PacketFilter&&) noexcept = default;
PacketFilter& PacketFilter::operator=(PacketFilter&& other) noexcept {
  if (this != &other) {
    if (program_) pcap_freecode(program_.get());
    program_ = std::move(other.program_);
    expression_ = std::move(other.expression_);
  }
  return *this;
}
PacketFilter::~PacketFilter() {
  if (program_) pcap_freecode(program_.get());
}

bool PacketFilter::matches(ByteSpan bytes, std::size_t wire_length) const noexcept {
  if (!program_) return true;
  pcap_pkthdr header{};
  header.caplen = static_cast<bpf_u_int32>(bytes.size());
  header.len = static_cast<bpf_u_int32>(wire_length);
  return pcap_offline_filter(program_.get(), &header, bytes.data()) != 0;
}

}  // namespace tunkit::capture
