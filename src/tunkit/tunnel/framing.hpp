// simpletun's TCP framing: each packet (TUN) or frame (TAP) is sent as a 2-byte big-endian
// length followed by that many bytes. No I/O here: FrameReader reassembles frames from
// whatever chunks the stream delivers, FrameHeader encodes the prefix for a writev.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

namespace tunkit::tunnel {

inline constexpr std::size_t kFrameHeaderSize = 2;
inline constexpr std::size_t kMaxFrameLength = 65535;

// The 2-byte length prefix of one frame.
struct FrameHeader {
  std::uint8_t bytes[kFrameHeaderSize];
  explicit FrameHeader(std::size_t length) noexcept
      : bytes{static_cast<std::uint8_t>(length >> 8), static_cast<std::uint8_t>(length)} {}
};

enum class FrameError : std::uint8_t {
  zero_length,   // a frame of 0 bytes: simpletun never sends one
  too_long,      // longer than the device can carry (MTU + link header)
};
std::string_view to_string(FrameError e) noexcept;

// Reassembles frames from a byte stream into one buffer, without copying a frame that
// arrived whole. Protocol errors are sticky: after one, the stream is out of sync and the
// connection must be dropped (reset() starts over).
class FrameReader {
 public:
  // `max_length`: the longest frame accepted (1..65535). `buffer_size`: how much one
  // receive may bring; at least max_length + 2.
  FrameReader(std::size_t max_length, std::size_t buffer_size);

  // Where the next received bytes go; never empty when every complete frame has been
  // taken with next() first. Valid until commit().
  std::span<std::uint8_t> space() noexcept;
  void commit(std::size_t received) noexcept;

  // The next complete frame (a view into the buffer, valid until the next space()),
  // nullopt when more bytes are needed, or an error when the stream is broken.
  struct Next {
    std::span<const std::uint8_t> frame;
    std::optional<FrameError> error;
    bool complete() const noexcept { return !frame.empty(); }
  };
  Next next() noexcept;

  // Bytes of an unfinished frame held now (0 at a frame boundary).
  std::size_t pending() const noexcept { return end_ - begin_; }
  void reset() noexcept;

 private:
  std::size_t max_length_;
  std::vector<std::uint8_t> buffer_;
  std::size_t begin_ = 0;  // first unconsumed byte
  std::size_t end_ = 0;    // one past the last received byte
  std::optional<FrameError> error_;
};

}  // namespace tunkit::tunnel
