#include "tunkit/tunnel/framing.hpp"

#include <algorithm>
#include <cstring>

namespace tunkit::tunnel {

std::string_view to_string(FrameError e) noexcept {
  switch (e) {
    case FrameError::zero_length: return "zero-length frame";
    case FrameError::too_long: return "frame longer than the device's MTU plus link header";
  }
  return "frame error";
}

void put_frame_header(std::span<std::uint8_t> out, std::size_t length, Framing f) noexcept {
  const std::size_t n = header_size(f);
  for (std::size_t i = 0; i < n; ++i) out[i] = static_cast<std::uint8_t>(length >> (8 * (n - 1 - i)));
}

FrameReader::FrameReader(std::size_t max_length, std::size_t buffer_size, Framing f)
    : header_(header_size(f)),
      max_length_(std::clamp<std::size_t>(max_length, 1, max_frame_length(f))),
      buffer_(std::max(buffer_size, max_length_ + header_)) {}

std::span<std::uint8_t> FrameReader::space() noexcept {
  // Move an unfinished frame to the front when the tail cannot hold the rest of it; a
  // frame that fits is never moved, and at most one frame's bytes ever are.
  const std::size_t room = buffer_.size() - end_;
  if (room < max_length_ + header_ - pending() || room == 0) {
    std::memmove(buffer_.data(), buffer_.data() + begin_, pending());
    end_ -= begin_;
    begin_ = 0;
  }
  return std::span(buffer_).subspan(end_);
}

void FrameReader::commit(std::size_t received) noexcept {
  end_ = std::min(end_ + received, buffer_.size());
}

FrameReader::Next FrameReader::next() noexcept {
  if (error_) return {{}, error_};
  if (pending() < header_) return {};
  std::size_t length = 0;
  for (std::size_t i = 0; i < header_; ++i) length = length << 8 | buffer_[begin_ + i];
  if (length == 0) error_ = FrameError::zero_length;
  else if (length > max_length_) error_ = FrameError::too_long;
  if (error_) return {{}, error_};
  if (pending() < header_ + length) return {};
  const auto frame = std::span<const std::uint8_t>(buffer_).subspan(begin_ + header_, length);
  begin_ += header_ + length;
  if (begin_ == end_) begin_ = end_ = 0;  // empty: start over at the front for free
  return {frame, std::nullopt};
}

void FrameReader::reset() noexcept {
  begin_ = end_ = 0;
  error_.reset();
}

}  // namespace tunkit::tunnel
