// Cryptokey routing (WireGuard whitepaper §2): which peer owns an inner IP address. The
// device encrypts a packet for lookup(destination) and accepts a decrypted packet only if
// lookup(source) is the peer it came from. Longest-prefix match over one path-compressed
// binary trie per family, like the Linux driver's allowedips.c; no I/O, not thread-safe
// (writers and readers are serialised by the owner, e.g. the device).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "tunkit/wire/address.hpp"

namespace tunkit::wg {

// A peer handle chosen by the caller (the device's peer id); AllowedIps only compares it.
using PeerId = std::uint32_t;

class AllowedIps {
 public:
  // Routes `prefix` to `peer`. Host bits are cleared first, as wg does: 10.0.0.1/24 is
  // stored as 10.0.0.0/24. A prefix owned by another peer moves to `peer`.
  // False, and nothing changed, if prefix.length > prefix.max_length().
  bool insert(IpPrefix prefix, PeerId peer);
  // Removes `prefix` (host bits cleared) if `peer` owns exactly it; true if it did.
  bool remove(IpPrefix prefix, PeerId peer);
  // Removes every prefix `peer` owns; other peers' routes, nested or not, stay.
  void remove_peer(PeerId peer);

  // The owner of the longest prefix containing `address`: raw bytes in network order as
  // they sit in an IP header, exactly 4 for v4 and 16 for v6 (any other size matches
  // nothing). Per-packet hot path: no allocation, at most 33 / 129 nodes visited.
  std::optional<PeerId> lookup(IpFamily family, std::span<const std::uint8_t> address) const noexcept;
  std::optional<PeerId> lookup(const IpAddress& address) const noexcept;

  // The prefixes `peer` owns, host bits cleared, sorted by IpPrefix's order (v4 first).
  std::vector<IpPrefix> prefixes_of(PeerId peer) const;
  // Who owns exactly `prefix` (host bits cleared); a covering prefix does not count.
  std::optional<PeerId> owner(IpPrefix prefix) const;
  std::size_t size() const noexcept { return size_; }  // owned prefixes, both families
  // Trie nodes in use (memory accounting): at most 2·size(), since a node without an owner
  // is kept only while it joins two subtrees; 0 when size() is.
  std::size_t node_count() const noexcept { return nodes_.size() - free_.size(); }
  void clear() noexcept;

 private:
  // 128 address bits, most significant first: [0] holds bytes 0..7 (all of a v4 address
  // in its top 32 bits), [1] bytes 8..15.
  using Key = std::array<std::uint64_t, 2>;
  static constexpr std::uint32_t none = ~std::uint32_t{0};

  // Trie invariant: a child's length exceeds its parent's, it agrees with the parent on the
  // parent's `length` bits, and sits in child[bit `length` of its key]. A node without an
  // owner exists only to join two subtrees.
  struct Node {
    Key key{};  // host bits zero
    std::array<std::uint32_t, 2> child{none, none};
    std::uint32_t parent = none;
    PeerId peer = 0;
    std::uint8_t length = 0;
    IpFamily family = IpFamily::v4;
    bool owned = false;
  };

  std::uint32_t find_exact(IpFamily family, const Key& key, unsigned length) const noexcept;
  void reserve_two_nodes();
  std::uint32_t allocate(IpFamily family, const Key& key, unsigned length) noexcept;
  void link(std::uint32_t parent, std::uint32_t child) noexcept;
  void disown(std::uint32_t at) noexcept;
  std::uint32_t& root(IpFamily family) noexcept { return roots_[family == IpFamily::v4 ? 0 : 1]; }

  std::vector<Node> nodes_;            // indices are stable; released ones are reused
  std::vector<std::uint32_t> free_;    // released indices
  std::array<std::uint32_t, 2> roots_{none, none};  // v4, v6
  std::size_t size_ = 0;
};

}  // namespace tunkit::wg
