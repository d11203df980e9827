// The bytes an application has written and the peer has not yet acknowledged: a ring
// whose first byte is SND.UNA's. Storage is allocated on the first write and kept while
// the connection is busy (a ring that empties between an ACK and the next write would
// otherwise be freed and faulted in again, which a profile showed costing more than the
// copies); release_if_empty() gives it back, so an idle connection holds none.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

#include "tunkit/wire/bytes.hpp"

namespace tunkit::stack::tcp {

class SendBuffer {
 public:
  explicit SendBuffer(std::size_t capacity) noexcept;

  // Appends as much of `data` as fits; returns the bytes taken.
  std::size_t write(ByteSpan data);
  // Copies bytes [offset, offset + out.size()) counted from the first unacknowledged byte
  // into `out`; returns the bytes copied (fewer if the buffer ends first).
  std::size_t copy_out(std::size_t offset, MutableByteSpan out) const noexcept;
  // The first n bytes were acknowledged. Precondition: n <= size() (a larger n empties it).
  void consume(std::size_t n) noexcept;

  std::size_t size() const noexcept;          // bytes held
  std::size_t capacity() const noexcept;
  std::size_t free_space() const noexcept;
  // Grows (auto-tuning) or shrinks the limit; shrinking below size() takes effect as bytes
  // are consumed. Never loses data.
  void set_capacity(std::size_t capacity);
  std::size_t allocated() const noexcept;     // bytes of storage held now
  // Frees the storage if no byte is held.
  void release_if_empty() noexcept;

 private:
  // Moves the held bytes to the front of new storage of `size` >= size_ bytes.
  void reallocate(std::size_t size);

  std::unique_ptr<std::uint8_t[]> storage_;  // null exactly when allocated_ == 0
  std::size_t allocated_ = 0;
  std::size_t head_ = 0;  // ring index of SND.UNA's byte; 0 when nothing is allocated
  std::size_t size_ = 0;
  std::size_t capacity_;
};

}  // namespace tunkit::stack::tcp
