// Anti-replay window for WireGuard transport-data counters (WireGuard whitepaper §5.4.6),
// kept as an RFC 6479 ring of 64-bit blocks, with the Linux driver's acceptance rule
// (`noise.c` counter_validate): 8192 bits in all, one block of slack, so every counter
// down to `highest accepted − window_size()` (8128) is still accepted once.
//
// Not thread-safe: one receiver per keypair calls it (after authentication, so a forged
// packet never moves the window). No I/O, no allocation; 1 KiB of state.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

namespace tunkit::wg {

class ReplayWindow {
 public:
  // REJECT_AFTER_MESSAGES = 2^64 − 2^13 − 1 (whitepaper §6.1): counters at or above it are
  // never accepted, so a keypair dies before its nonce could wrap.
  static constexpr std::uint64_t reject_after_messages = ~0ULL - (1ULL << 13);
  static constexpr std::size_t bits_total = 8192;

  // How many counters behind the highest accepted one are still accepted: with highest h,
  // h − window_size() is accepted (if unseen) and h − window_size() − 1 is refused.
  static constexpr std::uint64_t window_size() { return bits_total - block_bits; }

  // True, and `counter` recorded, iff counter < reject_after_messages, it was not accepted
  // before, and it is ≥ highest accepted − window_size() (any counter is in the window of
  // a fresh window). A counter above the highest slides the window forward.
  bool check_and_update(std::uint64_t counter) noexcept;

  // Exactly what check_and_update(counter) would return now, without recording anything:
  // a receiver runs it before paying for decryption and drops the surely-replayed.
  bool could_accept(std::uint64_t counter) const noexcept;

  // Back to a fresh window (a new keypair): nothing seen, counter 0 acceptable.
  void reset() noexcept;

 private:
  static constexpr std::size_t block_bits = 64;
  static constexpr std::size_t block_count = bits_total / block_bits;  // a power of two
  static_assert((block_count & (block_count - 1)) == 0);

  // Counters are stored shifted by one ("slot" = counter + 1) so that 0 can mean "nothing
  // accepted yet" without a separate flag; reject_after_messages keeps slot from wrapping.
  std::uint64_t next_slot_ = 0;  // highest accepted counter + 1, or 0
  std::array<std::uint64_t, block_count> blocks_{};  // bit (slot % 64) of block (slot / 64 % 128)
};

}  // namespace tunkit::wg
