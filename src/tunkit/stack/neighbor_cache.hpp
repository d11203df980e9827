// The neighbour cache shared by ARP (RFC 826, RFC 1122 §2.3.2) and IPv6 neighbour
// discovery (RFC 4861 §7.3): IP address → MAC, bounded in entries and in the packets held
// while an address resolves. One state machine per entry:
//
//   (none) --packet to send--> incomplete --reply/learn--> reachable --lifetime--> (none)
//                                  | retries exhausted
//                                  v
//                                (none), waiting packets dropped (RFC 4861 §7.3.3)
//
// It sends nothing itself: enqueue() and poll() say when a solicitation is due and the
// interface builds it.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "tunkit/stack/packet_buffer.hpp"
#include "tunkit/stack/time.hpp"
#include "tunkit/wire/address.hpp"

namespace tunkit::stack {

struct NeighborLimits {
  std::size_t max_entries = 64;
  std::size_t max_pending = 16;        // per address; RFC 1122 §2.3.2.2 keeps at least one
  unsigned max_solicitations = 3;      // RFC 4861 §10 MAX_MULTICAST_SOLICIT
  Duration retransmit = std::chrono::seconds(1);  // RFC 4861 §10 RETRANS_TIMER
  Duration lifetime = std::chrono::seconds(60);   // RFC 1122 §2.3.2.1 cache timeout
};

enum class NeighborState : std::uint8_t { incomplete, reachable };

class NeighborCache {
 public:
  explicit NeighborCache(NeighborLimits limits = {}) : limits_(limits) {}

  std::optional<MacAddress> lookup(const IpAddress& ip, Instant now) const;

  enum class Queued : std::uint8_t {
    solicit,        // a new entry: send the first solicitation now
    waiting,        // already resolving
    dropped_oldest, // waiting, and the oldest waiting packet went to `dropped`
    cache_full,     // no room for a new entry: `packet` went to `dropped`
  };
  // Holds `packet` until `ip` resolves.
  Queued enqueue(const IpAddress& ip, PacketBuffer&& packet, Instant now,
                 std::vector<PacketBuffer>& dropped);

  // Records ip → mac. An existing entry is updated (RFC 826 "merge"); a new one is created
  // only if `create` (RFC 826: when we are the target; RFC 4861 §7.2.3: an NS with a
  // source link-layer option). Packets that waited for `ip` are appended to `released`.
  void learn(const IpAddress& ip, const MacAddress& mac, Instant now, bool create,
             std::vector<PacketBuffer>& released);

  // Timers: retransmissions due go to `solicit`, packets whose resolution failed to
  // `dropped`; expired entries are forgotten.
  void poll(Instant now, std::vector<IpAddress>& solicit, std::vector<PacketBuffer>& dropped);

  std::optional<Instant> deadline() const;
  std::size_t size() const noexcept { return entries_.size(); }
  std::optional<NeighborState> state(const IpAddress& ip) const;

 private:
  struct Entry {
    IpAddress ip;
    NeighborState state = NeighborState::incomplete;
    MacAddress mac;
    Instant deadline{};            // incomplete: next retransmission; reachable: expiry
    unsigned solicitations = 0;    // sent so far (incomplete)
    std::vector<PacketBuffer> pending;
  };
  Entry* find(const IpAddress& ip);
  const Entry* find(const IpAddress& ip) const;

  NeighborLimits limits_;
  std::vector<Entry> entries_;  // small and bounded: a linear scan beats hashing here
};

}  // namespace tunkit::stack
