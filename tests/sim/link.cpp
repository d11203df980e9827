#include "sim/link.hpp"

#include <algorithm>
#include <cstdio>

namespace tunkit::sim {

namespace {

// Heap order: std::push_heap builds a max-heap, so "less" means "arrives later".
struct ArrivesLater {
  template <class T>
  bool operator()(const T& x, const T& y) const noexcept {
    if (x.arrival != y.arrival) return x.arrival > y.arrival;
    return x.order > y.order;
  }
};

// Time to clock `bytes` onto a link of `rate_bps`, rounded up to the nanosecond.
Duration serialisation(std::size_t bytes, std::uint64_t rate_bps) noexcept {
  const std::uint64_t bits = std::uint64_t{bytes} * 8;
  const std::uint64_t ns = (bits * 1'000'000'000ULL + rate_bps - 1) / rate_bps;
  return std::chrono::duration_cast<Duration>(std::chrono::nanoseconds(ns));
}

}  // namespace

Link::Link(const LinkConfig& config) {
  paths_[0].config = config.a_to_b;
  paths_[1].config = config.b_to_a;
  // Independent streams per direction, so traffic one way does not shift the other's draws.
  paths_[0].engine.seed(mix64(config.seed * 2));
  paths_[1].engine.seed(mix64(config.seed * 2 + 1));
}

void Link::send(Side from, ByteSpan packet, Instant now) {
  Path& path = paths_[index(from)];
  const PathConfig& c = path.config;
  path.stats.offered++;
  path.stats.offered_bytes += packet.size();
  // Three draws per offered packet, always, so one decision never shifts the next ones.
  const double loss_draw = unit_interval(path.engine);
  const double duplicate_draw = unit_interval(path.engine);
  const double reorder_draw = unit_interval(path.engine);

  Instant departure = now;
  if (c.rate_bps > 0) {
    while (!path.departures.empty() && path.departures.front() <= now) path.departures.pop_front();
    if (path.departures.size() >= c.queue_packets) {
      path.stats.queue_drops++;
      observe(LinkEvent::queue_drop, from, packet, now);
      return;
    }
    departure = std::max(now, path.busy_until) + serialisation(packet.size(), c.rate_bps);
    path.busy_until = departure;
    path.departures.push_back(departure);
    path.stats.max_queue = std::max(path.stats.max_queue, path.departures.size());
  }
  if (loss_draw < c.loss) {
    path.stats.random_losses++;
    observe(LinkEvent::lost, from, packet, now);
    return;
  }
  Instant arrival = departure + c.delay;
  if (reorder_draw < c.reorder) {
    path.stats.reordered++;
    arrival += c.reorder_delay;
  }
  const Side to = other(from);
  schedule(to, arrival, packet);
  observe(LinkEvent::scheduled, from, packet, now);
  if (duplicate_draw < c.duplicate) {
    path.stats.duplicated++;
    schedule(to, arrival, packet);
    observe(LinkEvent::duplicated, from, packet, arrival);
  }
}

void Link::schedule(Side to, Instant arrival, ByteSpan packet) {
  heap_.push_back(InFlight{arrival, next_order_++, to, {packet.begin(), packet.end()}});
  std::push_heap(heap_.begin(), heap_.end(), ArrivesLater{});
}

std::optional<Instant> Link::next_delivery() const noexcept {
  if (heap_.empty()) return std::nullopt;
  return heap_.front().arrival;
}

std::optional<Link::Delivery> Link::pop_due(Instant now) {
  if (heap_.empty() || heap_.front().arrival > now) return std::nullopt;
  std::pop_heap(heap_.begin(), heap_.end(), ArrivesLater{});
  InFlight f = std::move(heap_.back());
  heap_.pop_back();
  PathStats& s = paths_[index(other(f.to))].stats;
  s.delivered++;
  s.delivered_bytes += f.packet.size();
  observe(LinkEvent::delivered, other(f.to), f.packet, f.arrival);
  return Delivery{f.to, std::move(f.packet)};
}

std::string_view to_string(LinkEvent e) noexcept {
  switch (e) {
    case LinkEvent::queue_drop: return "queue-drop";
    case LinkEvent::lost: return "lost";
    case LinkEvent::scheduled: return "sent";
    case LinkEvent::duplicated: return "duplicated";
    case LinkEvent::delivered: return "delivered";
  }
  return "?";
}

std::string describe(const PathConfig& path) {
  char text[200];
  const auto delay_us = std::chrono::duration_cast<std::chrono::microseconds>(path.delay).count();
  const auto reorder_us = std::chrono::duration_cast<std::chrono::microseconds>(path.reorder_delay).count();
  std::snprintf(text, sizeof text,
                "delay %lld us, rate %llu bit/s, queue %zu, loss %.4f, dup %.4f, reorder %.4f (+%lld us)",
                static_cast<long long>(delay_us), static_cast<unsigned long long>(path.rate_bps),
                path.queue_packets, path.loss, path.duplicate, path.reorder,
                static_cast<long long>(reorder_us));
  return text;
}

}  // namespace tunkit::sim
