// An in-memory link between two hosts for the simulation tests (DESIGN.md testing layers):
// IP packets go in at one end with the virtual time they were sent and come out at the
// other end at the virtual time they arrive. Each direction is a path with
//
//   bottleneck (rate, drop-tail queue) -> random loss -> duplication -> delay (+ reordering)
//
// Every random decision comes from a std::mt19937_64 with an explicit seed, turned into a
// probability from the engine's raw output (never a std::uniform_*_distribution, whose
// output differs between standard libraries), three draws per offered packet whatever the
// outcome. So a (seed, configuration, sequence of sends) gives the same deliveries on every
// machine and build.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "tunkit/stack/time.hpp"
#include "tunkit/wire/bytes.hpp"

namespace tunkit::sim {

using stack::Duration;
using stack::Instant;

// One direction of the link.
struct PathConfig {
  Duration delay = std::chrono::milliseconds(5);  // one-way propagation delay
  // Bottleneck rate in bits per second; 0: unlimited (no serialisation, no queue).
  std::uint64_t rate_bps = 0;
  // Packets the bottleneck holds, the one being serialised included; more are dropped
  // (drop-tail). Only with rate_bps > 0.
  std::size_t queue_packets = 1000;
  double loss = 0.0;       // probability a packet that left the bottleneck is lost
  double duplicate = 0.0;  // probability a delivered packet arrives twice
  double reorder = 0.0;    // probability a packet is held back by reorder_delay
  Duration reorder_delay = std::chrono::milliseconds(2);
};

struct LinkConfig {
  PathConfig a_to_b, b_to_a;
  std::uint64_t seed = 1;

  // The same path both ways.
  static LinkConfig symmetric(const PathConfig& path, std::uint64_t seed) {
    return LinkConfig{path, path, seed};
  }
};

struct PathStats {
  std::uint64_t offered = 0, offered_bytes = 0;
  std::uint64_t queue_drops = 0;   // drop-tail at the bottleneck
  std::uint64_t random_losses = 0;
  std::uint64_t duplicated = 0, reordered = 0;
  std::uint64_t delivered = 0, delivered_bytes = 0;
  std::size_t max_queue = 0;       // deepest the bottleneck queue got
};

enum class Side : std::uint8_t { a = 0, b = 1 };
inline Side other(Side s) noexcept { return s == Side::a ? Side::b : Side::a; }

// A probability draw from the raw engine output: the top 53 bits as a double in [0, 1).
// mt19937_64's sequence is fixed by the standard, so this is the same everywhere.
inline double unit_interval(std::mt19937_64& engine) noexcept {
  return static_cast<double>(engine() >> 11) * 0x1.0p-53;
}

// SplitMix64's finaliser: derives independent seeds and test patterns from one number.
inline std::uint64_t mix64(std::uint64_t x) noexcept {
  x += 0x9E3779B97F4A7C15ULL;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
  return x ^ (x >> 31);
}

// What happened to a packet, for an observer (traces in failure reports).
enum class LinkEvent : std::uint8_t { queue_drop, lost, scheduled, duplicated, delivered };
std::string_view to_string(LinkEvent e) noexcept;

class Link {
 public:
  explicit Link(const LinkConfig& config);

  // Called for every packet decision and every delivery (`from` is the sending side; `at`
  // is the send time, or the arrival time for duplicated/delivered).
  using Observer = std::function<void(LinkEvent, Side from, ByteSpan packet, Instant at)>;
  void set_observer(Observer observer) { observer_ = std::move(observer); }

  // A packet `from` wrote at `now`. The link copies it.
  void send(Side from, ByteSpan packet, Instant now);

  // The earliest arrival still in flight, if any.
  std::optional<Instant> next_delivery() const noexcept;

  struct Delivery {
    Side to = Side::a;
    std::vector<std::uint8_t> packet;
  };
  // The next packet due at or before `now` (earliest first, ties in the order sent).
  std::optional<Delivery> pop_due(Instant now);

  std::size_t in_flight() const noexcept { return heap_.size(); }
  const PathStats& stats(Side from) const noexcept { return paths_[index(from)].stats; }
  const PathConfig& config(Side from) const noexcept { return paths_[index(from)].config; }

 private:
  struct Path {
    PathConfig config;
    std::mt19937_64 engine;
    std::deque<Instant> departures;  // of the packets in the bottleneck queue, oldest first
    Instant busy_until{};            // when the bottleneck finishes its last packet
    PathStats stats;
  };
  struct InFlight {
    Instant arrival;
    std::uint64_t order;  // tie-breaker: the order the link scheduled them
    Side to;
    std::vector<std::uint8_t> packet;
  };
  static std::size_t index(Side s) noexcept { return static_cast<std::size_t>(s); }
  void schedule(Side to, Instant arrival, ByteSpan packet);
  void observe(LinkEvent e, Side from, ByteSpan packet, Instant at) const {
    if (observer_) observer_(e, from, packet, at);
  }

  Path paths_[2];
  std::vector<InFlight> heap_;  // min-heap on (arrival, order)
  std::uint64_t next_order_ = 0;
  Observer observer_;
};

// "5 ms, 100 Mbit/s, queue 100, loss 1%" for messages and tables.
std::string describe(const PathConfig& path);

}  // namespace tunkit::sim
