// Packet filters in tcpdump's language (pcap-filter(7)), compiled by libpcap for a link
// type and run in user space with pcap_offline_filter: the device fd has no socket to
// attach a kernel BPF program to.
#pragma once

#include <memory>
#include <string>

#include "tunkit/base/error.hpp"
#include "tunkit/wire/bytes.hpp"
#include "tunkit/wire/packet.hpp"

struct bpf_program;

namespace tunkit::capture {

class PacketFilter {
 public:
  // An empty expression matches everything. EINVAL with libpcap's message ("syntax
  // error", "ip6 proto not supported...") for an expression it rejects.
  static Result<PacketFilter> compile(const std::string& expression, LinkType link);

  PacketFilter(PacketFilter&&) noexcept;
  PacketFilter& operator=(PacketFilter&&) noexcept;
  ~PacketFilter();

  // True if the packet passes. `wire_length` is the length before any snaplen cut.
  bool matches(ByteSpan bytes, std::size_t wire_length) const noexcept;
  bool matches(ByteSpan bytes) const noexcept { return matches(bytes, bytes.size()); }
  const std::string& expression() const noexcept { return expression_; }
  bool matches_everything() const noexcept { return !program_; }

 private:
  PacketFilter() = default;
  std::string expression_;
  std::unique_ptr<bpf_program> program_;  // null: no filter
};

}  // namespace tunkit::capture
