#include "tunkit/stack/neighbor_cache.hpp"

#include <algorithm>

namespace tunkit::stack {

NeighborCache::Entry* NeighborCache::find(const IpAddress& ip) {
  for (auto& e : entries_)
    if (e.ip == ip) return &e;
  return nullptr;
}
const NeighborCache::Entry* NeighborCache::find(const IpAddress& ip) const {
  for (const auto& e : entries_)
    if (e.ip == ip) return &e;
  return nullptr;
}

std::optional<MacAddress> NeighborCache::lookup(const IpAddress& ip, Instant now) const {
  const Entry* e = find(ip);
  if (!e) return std::nullopt;
  switch (e->state) {
    case NeighborState::incomplete: return std::nullopt;
    case NeighborState::reachable: return now < e->deadline ? std::optional(e->mac) : std::nullopt;
  }
  return std::nullopt;
}

std::optional<NeighborState> NeighborCache::state(const IpAddress& ip) const {
  const Entry* e = find(ip);
  return e ? std::optional(e->state) : std::nullopt;
}

NeighborCache::Queued NeighborCache::enqueue(const IpAddress& ip, PacketBuffer&& packet,
                                             Instant now, std::vector<PacketBuffer>& dropped) {
  Entry* e = find(ip);
  if (e && e->state == NeighborState::reachable && now >= e->deadline) {
    // Expired but not yet swept: resolve again from scratch.
    e->state = NeighborState::incomplete;
    e->solicitations = 0;
  }
  if (!e) {
    if (entries_.size() >= limits_.max_entries) {
      // Make room by forgetting the reachable entry that expires first; never an entry that
      // holds packets.
      auto victim = entries_.end();
      for (auto it = entries_.begin(); it != entries_.end(); ++it)
        if (it->state == NeighborState::reachable &&
            (victim == entries_.end() || it->deadline < victim->deadline))
          victim = it;
      if (victim == entries_.end()) {
        dropped.push_back(std::move(packet));
        return Queued::cache_full;
      }
      entries_.erase(victim);
    }
    entries_.push_back(Entry{ip, NeighborState::incomplete, {}, now, 0, {}});
    e = &entries_.back();
  }
  switch (e->state) {
    case NeighborState::reachable:  // a caller that did not lookup() first: nothing to wait for
    case NeighborState::incomplete: break;
  }
  Queued result = Queued::waiting;
  if (e->pending.size() >= limits_.max_pending) {
    // RFC 1122 §2.3.2.2: when the queue overflows keep the newest packet.
    dropped.push_back(std::move(e->pending.front()));
    e->pending.erase(e->pending.begin());
    result = Queued::dropped_oldest;
  }
  e->pending.push_back(std::move(packet));
  if (e->solicitations == 0) {
    e->solicitations = 1;
    e->deadline = now + limits_.retransmit;
    return Queued::solicit;
  }
  return result;
}

void NeighborCache::learn(const IpAddress& ip, const MacAddress& mac, Instant now, bool create,
                          std::vector<PacketBuffer>& released) {
  Entry* e = find(ip);
  if (!e) {
    if (!create) return;
    if (entries_.size() >= limits_.max_entries) {
      auto victim = std::min_element(entries_.begin(), entries_.end(), [](const Entry& a, const Entry& b) {
        // Prefer forgetting reachable entries, then the soonest to expire.
        if (a.state != b.state) return a.state == NeighborState::reachable;
        return a.deadline < b.deadline;
      });
      if (victim->state != NeighborState::reachable) return;  // all resolving: keep them
      entries_.erase(victim);
    }
    entries_.push_back(Entry{ip, NeighborState::reachable, mac, now + limits_.lifetime, 0, {}});
    return;
  }
  switch (e->state) {
    case NeighborState::incomplete:
      for (auto& p : e->pending) released.push_back(std::move(p));
      e->pending.clear();
      break;
    case NeighborState::reachable: break;
  }
  e->state = NeighborState::reachable;
  e->mac = mac;
  e->solicitations = 0;
  e->deadline = now + limits_.lifetime;
}

void NeighborCache::poll(Instant now, std::vector<IpAddress>& solicit,
                         std::vector<PacketBuffer>& dropped) {
  for (auto it = entries_.begin(); it != entries_.end();) {
    if (now < it->deadline) {
      ++it;
      continue;
    }
    switch (it->state) {
      case NeighborState::incomplete:
        if (it->solicitations < limits_.max_solicitations) {
          ++it->solicitations;
          it->deadline = now + limits_.retransmit;
          solicit.push_back(it->ip);
          ++it;
          continue;
        }
        // RFC 4861 §7.3.3: resolution failed; the waiting packets are discarded.
        for (auto& p : it->pending) dropped.push_back(std::move(p));
        it = entries_.erase(it);
        continue;
      case NeighborState::reachable:
        it = entries_.erase(it);
        continue;
    }
  }
}

std::optional<Instant> NeighborCache::deadline() const {
  std::optional<Instant> next;
  for (const auto& e : entries_)
    if (!next || e.deadline < *next) next = e.deadline;
  return next;
}

}  // namespace tunkit::stack
