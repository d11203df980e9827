#include "tunkit/stack/tcp/send_buffer.hpp"

#include <algorithm>
#include <cstring>
#include <utility>

namespace tunkit::stack::tcp {
namespace {

// The first allocation: one full-sized segment fits, and a short request/response exchange
// never grows past it.
constexpr std::size_t kMinAllocation = 4096;

}  // namespace

SendBuffer::SendBuffer(std::size_t capacity) noexcept : capacity_(capacity) {}

std::size_t SendBuffer::write(ByteSpan data) {
  const std::size_t n = std::min(data.size(), free_space());
  if (n == 0) return 0;
  if (size_ + n > allocated_) {
    // Geometric growth bounded by the limit: memory follows use, not the configured limit.
    const std::size_t grown = std::max({size_ + n, 2 * allocated_, kMinAllocation});
    reallocate(std::min(grown, std::max(capacity_, size_ + n)));
  }
  std::size_t tail = head_ + size_;
  if (tail >= allocated_) tail -= allocated_;
  const std::size_t first = std::min(n, allocated_ - tail);
  std::memcpy(storage_.get() + tail, data.data(), first);
  if (first < n) std::memcpy(storage_.get(), data.data() + first, n - first);
  size_ += n;
  return n;
}

std::size_t SendBuffer::copy_out(std::size_t offset, MutableByteSpan out) const noexcept {
  if (offset >= size_ || out.empty()) return 0;
  const std::size_t n = std::min(out.size(), size_ - offset);
  std::size_t at = head_ + offset;
  if (at >= allocated_) at -= allocated_;
  const std::size_t first = std::min(n, allocated_ - at);
  std::memcpy(out.data(), storage_.get() + at, first);
  if (first < n) std::memcpy(out.data() + first, storage_.get(), n - first);
  return n;
}

void SendBuffer::consume(std::size_t n) noexcept {
  n = std::min(n, size_);  // the precondition, enforced rather than trusted
  size_ -= n;
  if (size_ == 0) {
    head_ = 0;  // the storage stays for the next write (release_if_empty frees it)
    return;
  }
  head_ += n;
  if (head_ >= allocated_) head_ -= allocated_;
}

std::size_t SendBuffer::size() const noexcept { return size_; }
std::size_t SendBuffer::capacity() const noexcept { return capacity_; }
std::size_t SendBuffer::free_space() const noexcept {
  return capacity_ > size_ ? capacity_ - size_ : 0;
}
std::size_t SendBuffer::allocated() const noexcept { return allocated_; }

void SendBuffer::release_if_empty() noexcept {
  if (size_ != 0) return;
  storage_.reset();
  allocated_ = 0;
  head_ = 0;
}

void SendBuffer::set_capacity(std::size_t capacity) {
  capacity_ = capacity;
  // Growing takes effect lazily on the next write. Shrinking returns storage above the new
  // limit now, keeping every held byte.
  const std::size_t keep = std::max(capacity_, size_);
  if (size_ > 0 && allocated_ > keep) reallocate(keep);
}

void SendBuffer::reallocate(std::size_t size) {
  auto storage = std::make_unique_for_overwrite<std::uint8_t[]>(size);
  if (size_ > 0) {
    const std::size_t first = std::min(size_, allocated_ - head_);
    std::memcpy(storage.get(), storage_.get() + head_, first);
    if (first < size_) std::memcpy(storage.get() + first, storage_.get(), size_ - first);
  }
  storage_ = std::move(storage);
  allocated_ = size;
  head_ = 0;
}

}  // namespace tunkit::stack::tcp
