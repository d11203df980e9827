// The option encoding shared by IPv4 (RFC 791 §3.1) and TCP (RFC 9293 §3.1): kind 0 ends
// the list, kind 1 is a one-byte NOP, every other kind is kind, length (counting both
// bytes, so >= 2), data. Options of unknown kind are kept as kind + bytes.
#pragma once

#include <cstdint>
#include <iterator>

#include "tunkit/wire/bytes.hpp"
#include "tunkit/wire/parse_error.hpp"

namespace tunkit {

struct KindLengthOption {
  std::uint8_t kind = 0;
  ByteSpan data;  // the bytes after kind and length; empty for EOL and NOP
};

// A range over an option area. Iteration yields every option up to and including an
// end-of-list; it stops early (without reading out of range) at an option that does not
// fit, which check() reports as bad_option.
class KindLengthOptions {
 public:
  static constexpr std::uint8_t kEnd = 0;
  static constexpr std::uint8_t kNop = 1;

  KindLengthOptions() = default;
  explicit KindLengthOptions(ByteSpan area) noexcept : area_(area) {}

  // none if every option fits its area and has length >= 2.
  static ParseError check(ByteSpan area) noexcept {
    std::size_t at = 0;
    while (at < area.size()) {
      const std::uint8_t kind = area[at];
      if (kind == kEnd) return ParseError::none;
      if (kind == kNop) {
        ++at;
        continue;
      }
      if (at + 1 >= area.size() || area[at + 1] < 2 || at + area[at + 1] > area.size())
        return ParseError::bad_option;
      at += area[at + 1];
    }
    return ParseError::none;
  }

  class Iterator {
   public:
    using iterator_category = std::forward_iterator_tag;
    using value_type = KindLengthOption;
    using difference_type = std::ptrdiff_t;
    using pointer = void;
    using reference = KindLengthOption;

    Iterator() = default;
    Iterator(ByteSpan area, std::size_t at) noexcept : area_(area), at_(at) { decode(); }
    KindLengthOption operator*() const noexcept { return current_; }
    Iterator& operator++() noexcept {
      at_ = current_.kind == kEnd ? area_.size() : next_;
      decode();
      return *this;
    }
    Iterator operator++(int) noexcept {
      Iterator copy = *this;
      ++*this;
      return copy;
    }
    bool operator==(const Iterator& other) const noexcept { return at_ == other.at_; }

   private:
    void decode() noexcept {
      if (at_ >= area_.size()) {
        at_ = area_.size();
        return;
      }
      current_ = {area_[at_], {}};
      if (current_.kind == kEnd || current_.kind == kNop) {
        next_ = at_ + 1;
        return;
      }
      const std::size_t len = at_ + 1 < area_.size() ? area_[at_ + 1] : 0;
      if (len < 2 || at_ + len > area_.size()) {  // malformed: end the walk here
        at_ = area_.size();
        return;
      }
      current_.data = area_.subspan(at_ + 2, len - 2);
      next_ = at_ + len;
    }

    ByteSpan area_;
    std::size_t at_ = 0;
    std::size_t next_ = 0;
    KindLengthOption current_;
  };

  Iterator begin() const noexcept { return {area_, 0}; }
  Iterator end() const noexcept { return {area_, area_.size()}; }
  ByteSpan bytes() const noexcept { return area_; }

 private:
  ByteSpan area_;
};

}  // namespace tunkit
