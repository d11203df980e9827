#include "tunkit/wg/replay_window.hpp"

#include <algorithm>

namespace tunkit::wg {

bool ReplayWindow::check_and_update(std::uint64_t counter) noexcept {
  if (counter >= reject_after_messages) return false;
  const std::uint64_t slot = counter + 1;
  // No overflow: slot ≤ 2^64 − 2^13 − 1 and window_size() < 2^13.
  if (slot + window_size() < next_slot_) return false;  // older than the window
  const std::uint64_t block = slot / block_bits;
  if (slot > next_slot_) {
    // Slide forward: every block the window newly covers held bits of counters that left
    // it 128 blocks ago; clear them. A jump of a whole ring or more clears everything.
    const std::uint64_t current = next_slot_ / block_bits;
    const std::uint64_t entered = std::min<std::uint64_t>(block - current, block_count);
    for (std::uint64_t i = 1; i <= entered; ++i) blocks_[(current + i) % block_count] = 0;
    next_slot_ = slot;
  }
  // In-window slots span at most 128 consecutive blocks (window_size() = 127 blocks), so
  // their ring positions never alias.
  std::uint64_t& word = blocks_[block % block_count];
  const std::uint64_t bit = std::uint64_t{1} << (slot % block_bits);
  if ((word & bit) != 0) return false;
  word |= bit;
  return true;
}

bool ReplayWindow::could_accept(std::uint64_t counter) const noexcept {
  if (counter >= reject_after_messages) return false;
  const std::uint64_t slot = counter + 1;
  if (slot > next_slot_) return true;
  if (slot + window_size() < next_slot_) return false;
  const std::uint64_t bit = std::uint64_t{1} << (slot % block_bits);
  return (blocks_[slot / block_bits % block_count] & bit) == 0;
}

void ReplayWindow::reset() noexcept {
  next_slot_ = 0;
  blocks_.fill(0);
}

}  // namespace tunkit::wg
