#include "tunkit/stack/reassembly.hpp"

#include <algorithm>
#include <cstring>

namespace tunkit::stack {

void Reassembler::erase(std::size_t index) {
  bytes_ -= datagrams_[index].data.size();
  datagrams_.erase(datagrams_.begin() + static_cast<std::ptrdiff_t>(index));
}

Reassembler::Outcome Reassembler::add(const FragmentKey& key, std::size_t offset,
                                      bool more_fragments, ByteSpan header, ByteSpan data,
                                      Instant now, std::size_t& discarded, std::size_t& evicted) {
  const std::size_t end = offset + data.size();
  // RFC 791 §3.2: every fragment but the last carries a multiple of 8 bytes.
  if ((more_fragments && data.size() % 8 != 0) || end > kMaxDatagram || (more_fragments && data.empty()))
    return Outcome::bad_length;

  auto it = std::find_if(datagrams_.begin(), datagrams_.end(),
                         [&](const Datagram& d) { return d.key == key; });
  if (it == datagrams_.end()) {
    // Bounded memory: evict the oldest datagrams (the soonest deadline) to make room.
    while (!datagrams_.empty() &&
           (datagrams_.size() >= limits_.max_datagrams || bytes_ + end > limits_.max_bytes)) {
      auto oldest = std::min_element(datagrams_.begin(), datagrams_.end(),
                                     [](const Datagram& a, const Datagram& b) { return a.deadline < b.deadline; });
      evicted += oldest->ranges.size();
      erase(static_cast<std::size_t>(oldest - datagrams_.begin()));
    }
    if (end > limits_.max_bytes) {
      evicted += 1;
      return Outcome::incomplete;
    }
    datagrams_.push_back(Datagram{key, now + limits_.timeout, {}, {}, {}, std::nullopt});
    it = datagrams_.end() - 1;
  }
  Datagram& d = *it;
  const auto index = static_cast<std::size_t>(it - datagrams_.begin());

  // The last fragment fixes the length; fragments beyond it, or a second different last
  // fragment, contradict the datagram: treat as overlap.
  const bool contradicts = (!more_fragments && d.total && *d.total != end) ||
                           (!more_fragments && !d.ranges.empty() && d.ranges.back().end > end) ||
                           (d.total && end > *d.total);
  // RFC 815: find where [offset, end) goes among the filled ranges.
  auto pos = std::lower_bound(d.ranges.begin(), d.ranges.end(), offset,
                              [](const Range& r, std::size_t o) { return r.begin < o; });
  if (pos != d.ranges.end() && pos->begin == offset && pos->end == end && !contradicts)
    return Outcome::duplicate;
  const bool overlaps_next = pos != d.ranges.end() && pos->begin < end;
  const bool overlaps_previous = pos != d.ranges.begin() && std::prev(pos)->end > offset;
  if (contradicts || overlaps_next || overlaps_previous || d.ranges.size() >= limits_.max_fragments) {
    discarded += d.ranges.size();
    erase(index);
    return Outcome::overlap;
  }
  // Memory bound for a growing datagram: other datagrams go first, oldest first.
  if (end > d.data.size()) {
    const std::size_t growth = end - d.data.size();
    while (bytes_ + growth > limits_.max_bytes && datagrams_.size() > 1) {
      std::size_t oldest = index == 0 ? 1 : 0;
      for (std::size_t i = 0; i < datagrams_.size(); ++i)
        if (i != index && datagrams_[i].deadline < datagrams_[oldest].deadline) oldest = i;
      evicted += datagrams_[oldest].ranges.size();
      erase(oldest);
      return add(key, offset, more_fragments, header, data, now, discarded, evicted);  // indexes moved
    }
    if (bytes_ + growth > limits_.max_bytes) {
      discarded += d.ranges.size() + 1;
      erase(index);
      return Outcome::overlap;
    }
    d.data.resize(end);
    bytes_ += growth;
  }
  std::memcpy(d.data.data() + offset, data.data(), data.size());
  d.ranges.insert(pos, Range{offset, end});
  if (offset == 0) d.header.assign(header.begin(), header.end());
  if (!more_fragments) d.total = end;

  // Complete when one range covers [0, total) and we have the first fragment's header.
  if (!d.total || d.ranges.front().begin != 0 || d.header.empty()) return Outcome::incomplete;
  for (std::size_t i = 1; i < d.ranges.size(); ++i)
    if (d.ranges[i].begin != d.ranges[i - 1].end) return Outcome::incomplete;
  if (d.ranges.back().end != *d.total) return Outcome::incomplete;
  completed_.assign(d.header.begin(), d.header.end());
  completed_.insert(completed_.end(), d.data.begin(), d.data.begin() + static_cast<std::ptrdiff_t>(*d.total));
  completed_header_size_ = d.header.size();
  erase(index);
  return Outcome::complete;
}

std::size_t Reassembler::expire(Instant now) {
  std::size_t fragments = 0;
  for (std::size_t i = 0; i < datagrams_.size();) {
    if (now >= datagrams_[i].deadline) {
      fragments += datagrams_[i].ranges.size();
      erase(i);
    } else {
      ++i;
    }
  }
  return fragments;
}

std::optional<Instant> Reassembler::deadline() const {
  std::optional<Instant> next;
  for (const auto& d : datagrams_)
    if (!next || d.deadline < *next) next = d.deadline;
  return next;
}

}  // namespace tunkit::stack
