// IP datagram reassembly (RFC 791 §3.2 "fragmentation and reassembly", RFC 815's hole
// algorithm kept as its complement: the sorted list of filled ranges; RFC 8200 §4.5 for
// IPv6), with bounded memory and a timeout per datagram.
//
// Each datagram moves through:  collecting --last hole filled--> complete (handed out once)
//                               collecting --timeout / overlap / eviction--> discarded
//
// Overlapping fragments discard the whole datagram, as RFC 5722 requires for IPv6 and
// Linux does for IPv4 since the FragmentSmack fixes: no overlap resolution policy can be
// attacked. An exact duplicate of a fragment is dropped alone (a retransmitted copy).
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "tunkit/stack/time.hpp"
#include "tunkit/wire/address.hpp"
#include "tunkit/wire/bytes.hpp"

namespace tunkit::stack {

struct ReassemblyLimits {
  std::size_t max_datagrams = 16;               // datagrams collected at once
  std::size_t max_bytes = 256 * 1024;           // data held across all of them
  std::size_t max_fragments = 64;               // per datagram
  Duration timeout = std::chrono::seconds(30);  // RFC 791 §3.2 suggests 15 s; Linux uses 30
};

// RFC 791 §3.2: source, destination, protocol and identification name a datagram (RFC 8200
// §4.5: source, destination, identification).
struct FragmentKey {
  IpAddress source;
  IpAddress destination;
  std::uint32_t identification = 0;
  std::uint8_t protocol = 0;
  auto operator<=>(const FragmentKey&) const = default;
};

class Reassembler {
 public:
  static constexpr std::size_t kMaxDatagram = 65535;  // payload bytes after the header

  enum class Outcome : std::uint8_t {
    incomplete,  // held; more fragments needed
    complete,    // datagram() is the first fragment's header and the whole payload
    duplicate,   // the same range again: this fragment dropped
    overlap,     // the datagram was discarded (its earlier fragments counted in `discarded`)
    bad_length,  // a non-last fragment not a multiple of 8, or data beyond kMaxDatagram
  };

  explicit Reassembler(ReassemblyLimits limits = {}) : limits_(limits) {}

  // Adds `data`, which starts `offset` bytes into the datagram's payload. `header` is the
  // fragment's IP header (kept from the offset-0 fragment, for the caller to rebuild the
  // datagram). Fragments dropped as a side effect (overlap, eviction to make room) are
  // added to `discarded` / `evicted`.
  Outcome add(const FragmentKey& key, std::size_t offset, bool more_fragments, ByteSpan header,
              ByteSpan data, Instant now, std::size_t& discarded, std::size_t& evicted);

  // After add() returned complete, until the next add(): the first fragment's header
  // followed by the whole payload, contiguous. Mutable so the caller can patch the header
  // (lengths, fragment fields) in place.
  MutableByteSpan datagram() noexcept { return completed_; }
  std::size_t header_size() const noexcept { return completed_header_size_; }

  // Forgets datagrams older than the timeout; returns how many fragments they held.
  std::size_t expire(Instant now);
  std::optional<Instant> deadline() const;
  std::size_t datagrams() const noexcept { return datagrams_.size(); }
  std::size_t bytes_held() const noexcept { return bytes_; }

 private:
  struct Range {
    std::size_t begin, end;
  };
  struct Datagram {
    FragmentKey key;
    Instant deadline{};
    std::vector<std::uint8_t> header;
    std::vector<std::uint8_t> data;
    std::vector<Range> ranges;         // sorted, disjoint
    std::optional<std::size_t> total;  // known once the last fragment (MF=0) arrived
  };
  void erase(std::size_t index);

  ReassemblyLimits limits_;
  std::vector<Datagram> datagrams_;
  std::size_t bytes_ = 0;
  std::vector<std::uint8_t> completed_;
  std::size_t completed_header_size_ = 0;
};

}  // namespace tunkit::stack
