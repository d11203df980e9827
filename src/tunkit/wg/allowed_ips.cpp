#include "tunkit/wg/allowed_ips.hpp"

#include <algorithm>
#include <bit>

namespace tunkit::wg {
namespace {

using Key = std::array<std::uint64_t, 2>;

constexpr unsigned max_length(IpFamily family) noexcept { return family == IpFamily::v4 ? 32 : 128; }

std::uint64_t load_be64(const std::uint8_t* p) noexcept {
  std::uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = v << 8 | p[i];
  return v;
}

Key key_of_v4(std::span<const std::uint8_t, 4> b) noexcept {
  return {std::uint64_t{b[0]} << 56 | std::uint64_t{b[1]} << 48 | std::uint64_t{b[2]} << 40 |
              std::uint64_t{b[3]} << 32,
          0};
}

Key key_of_v6(std::span<const std::uint8_t, 16> b) noexcept {
  return {load_be64(b.data()), load_be64(b.data() + 8)};
}

// Bytes past the first 4 of a v4 address are ignored.
Key key_of(const IpAddress& address) noexcept {
  const std::span<const std::uint8_t, 16> b(address.bytes);
  return address.family == IpFamily::v4 ? key_of_v4(b.first<4>()) : key_of_v6(b);
}

// A word with its n ≤ 64 most significant bits set; never shifts by 64 (undefined).
std::uint64_t top_bits(unsigned n) noexcept {
  const std::uint64_t ones = ~std::uint64_t{0};
  return n >= 64 ? ones : ~(ones >> n);
}

Key mask_of(unsigned length) noexcept {
  return {top_bits(std::min(length, 64u)), top_bits(length > 64 ? length - 64 : 0)};
}

Key masked(const Key& key, unsigned length) noexcept {
  const Key m = mask_of(length);
  return {key[0] & m[0], key[1] & m[1]};
}

// Bit `i` (0 = most significant) of a key; i < 128.
unsigned bit_at(const Key& key, unsigned i) noexcept {
  return static_cast<unsigned>(i < 64 ? key[0] >> (63 - i) & 1 : key[1] >> (127 - i) & 1);
}

unsigned common_length(const Key& a, const Key& b) noexcept {
  if (const std::uint64_t x = a[0] ^ b[0]; x != 0) return static_cast<unsigned>(std::countl_zero(x));
  if (const std::uint64_t x = a[1] ^ b[1]; x != 0) return 64 + static_cast<unsigned>(std::countl_zero(x));
  return 128;
}

// Does the node prefix (key_node, length) contain `key`? key_node's host bits are zero.
bool contains(const Key& key_node, unsigned length, const Key& key) noexcept {
  return masked(key, length) == key_node;
}

IpPrefix prefix_of(IpFamily family, const Key& key, unsigned length) {
  IpPrefix prefix;
  prefix.address.family = family;
  for (std::size_t i = 0; i < 16; ++i)
    prefix.address.bytes[i] = static_cast<std::uint8_t>(key[i / 8] >> (56 - 8 * (i % 8)));
  prefix.length = static_cast<std::uint8_t>(length);
  return prefix;
}

}  // namespace

bool AllowedIps::insert(IpPrefix prefix, PeerId peer) {
  if (prefix.length > prefix.max_length()) return false;
  const IpFamily family = prefix.address.family;
  const unsigned length = prefix.length;
  const Key key = masked(key_of(prefix.address), length);
  reserve_two_nodes();  // the only step that can throw: nothing has changed yet

  // Descend through the prefixes that contain the new one.
  std::uint32_t parent = none;
  std::uint32_t at = root(family);
  while (at != none) {
    Node& n = nodes_[at];
    if (n.length > length || !contains(n.key, n.length, key)) break;
    if (n.length == length) {  // the very prefix: (re)point it
      if (!n.owned) ++size_;
      n.owned = true;
      n.peer = peer;
      return true;
    }
    parent = at;
    at = n.child[bit_at(key, n.length)];
  }

  const std::uint32_t leaf = allocate(family, key, length);  // may move nodes_
  nodes_[leaf].owned = true;
  nodes_[leaf].peer = peer;
  ++size_;
  if (at == none) {
    link(parent, leaf);
    return true;
  }
  // `at` sits where the new prefix goes but is not inside it: either the new prefix covers
  // `at`, or the two diverge and need a branch node at their common length. Either way the
  // common length exceeds the parent's, since both took the same child slot.
  const Key other = nodes_[at].key;
  const unsigned common = std::min({common_length(key, other), length, unsigned{nodes_[at].length}});
  if (common == length) {
    link(parent, leaf);
    link(leaf, at);
  } else {
    const std::uint32_t branch = allocate(family, masked(key, common), common);
    link(parent, branch);
    link(branch, leaf);
    link(branch, at);
  }
  return true;
}

bool AllowedIps::remove(IpPrefix prefix, PeerId peer) {
  if (prefix.length > prefix.max_length()) return false;
  const Key key = masked(key_of(prefix.address), prefix.length);
  const std::uint32_t at = find_exact(prefix.address.family, key, prefix.length);
  if (at == none || !nodes_[at].owned || nodes_[at].peer != peer) return false;
  disown(at);
  return true;
}

void AllowedIps::remove_peer(PeerId peer) {
  // disown() only releases nodes without an owner and never allocates, so indices not yet
  // visited stay valid and keep their owners until visited.
  for (std::uint32_t i = 0; i < nodes_.size(); ++i)
    if (nodes_[i].owned && nodes_[i].peer == peer) disown(i);
}

std::optional<PeerId> AllowedIps::lookup(IpFamily family,
                                         std::span<const std::uint8_t> address) const noexcept {
  if (family != IpFamily::v4 && family != IpFamily::v6) return std::nullopt;
  const unsigned max = max_length(family);
  if (address.size() != max / 8) return std::nullopt;
  const Key key = family == IpFamily::v4 ? key_of_v4(address.first<4>()) : key_of_v6(address.first<16>());
  const Node* nodes = nodes_.data();
  std::optional<PeerId> best;
  std::uint32_t at = roots_[family == IpFamily::v4 ? 0 : 1];
  while (at != none) {
    const Node& n = nodes[at];
    if (!contains(n.key, n.length, key)) break;
    if (n.owned) best = n.peer;
    if (n.length == max) break;
    at = n.child[bit_at(key, n.length)];
  }
  return best;
}

std::optional<PeerId> AllowedIps::lookup(const IpAddress& address) const noexcept {
  return lookup(address.family, std::span(address.bytes).first(address.size()));
}

std::vector<IpPrefix> AllowedIps::prefixes_of(PeerId peer) const {
  std::vector<IpPrefix> out;
  for (const Node& n : nodes_)
    if (n.owned && n.peer == peer) out.push_back(prefix_of(n.family, n.key, n.length));
  std::sort(out.begin(), out.end());
  return out;
}

std::optional<PeerId> AllowedIps::owner(IpPrefix prefix) const {
  if (prefix.length > prefix.max_length()) return std::nullopt;
  const Key key = masked(key_of(prefix.address), prefix.length);
  const std::uint32_t at = find_exact(prefix.address.family, key, prefix.length);
  if (at == none || !nodes_[at].owned) return std::nullopt;
  return nodes_[at].peer;
}

void AllowedIps::clear() noexcept {
  nodes_.clear();
  free_.clear();
  roots_ = {none, none};
  size_ = 0;
}

std::uint32_t AllowedIps::find_exact(IpFamily family, const Key& key, unsigned length) const noexcept {
  std::uint32_t at = roots_[family == IpFamily::v4 ? 0 : 1];
  while (at != none) {
    const Node& n = nodes_[at];
    if (n.length > length || !contains(n.key, n.length, key)) return none;
    if (n.length == length) return at;
    at = n.child[bit_at(key, n.length)];
  }
  return none;
}

// Room for insert's leaf and branch nodes, and for free_ to take back every node, so that
// allocate() and disown() never allocate.
void AllowedIps::reserve_two_nodes() {
  const std::size_t need = nodes_.size() + 2;
  if (nodes_.capacity() < need) nodes_.reserve(std::max(need, 2 * nodes_.capacity()));
  if (free_.capacity() < nodes_.capacity()) free_.reserve(nodes_.capacity());
}

std::uint32_t AllowedIps::allocate(IpFamily family, const Key& key, unsigned length) noexcept {
  Node node;
  node.key = key;
  node.length = static_cast<std::uint8_t>(length);
  node.family = family;
  if (!free_.empty()) {
    const std::uint32_t at = free_.back();
    free_.pop_back();
    nodes_[at] = node;
    return at;
  }
  nodes_.push_back(node);
  return static_cast<std::uint32_t>(nodes_.size() - 1);
}

// Puts `child` under `parent` (none: as its family's root) in the slot its key selects.
void AllowedIps::link(std::uint32_t parent, std::uint32_t child) noexcept {
  Node& c = nodes_[child];
  c.parent = parent;
  if (parent == none) {
    root(c.family) = child;
    return;
  }
  Node& p = nodes_[parent];
  p.child[bit_at(c.key, p.length)] = child;
}

// Drops the owner of `at`, then removes every node left without a reason to exist: an
// unowned node with one child is replaced by that child, one with none is removed and its
// parent looked at again. Never allocates.
void AllowedIps::disown(std::uint32_t at) noexcept {
  nodes_[at].owned = false;
  --size_;
  while (at != none && !nodes_[at].owned) {
    const Node n = nodes_[at];
    if (n.child[0] != none && n.child[1] != none) return;  // still joins two subtrees
    const std::uint32_t only = n.child[0] != none ? n.child[0] : n.child[1];
    if (n.parent == none) {
      root(n.family) = only;
    } else {
      Node& p = nodes_[n.parent];
      p.child[p.child[0] == at ? 0 : 1] = only;
    }
    if (only != none) nodes_[only].parent = n.parent;
    nodes_[at] = Node{};
    free_.push_back(at);  // within capacity (reserve_two_nodes)
    if (only != none) return;  // the parent keeps as many children as before
    at = n.parent;
  }
}

}  // namespace tunkit::wg
