// simpletun's TCP framing: each packet (TUN) or frame (TAP) is sent as a 2-byte big-endian
// length followed by that many bytes. tunkit's offload framing (both ends tunkit, with
// --offload) uses a 4-byte length, because a frame there is a 10-byte virtio_net_hdr plus a
// GSO super-packet of up to 64 KiB. No I/O here: FrameReader reassembles frames from
// whatever chunks the stream delivers; put_frame_header encodes the prefix.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

namespace tunkit::tunnel {

enum class Framing : std::uint8_t {
  simpletun,  // 2-byte big-endian length
  offload,    // 4-byte big-endian length
};
constexpr std::size_t header_size(Framing f) noexcept { return f == Framing::simpletun ? 2 : 4; }
constexpr std::size_t max_frame_length(Framing f) noexcept {
  return f == Framing::simpletun ? 65535 : (1u << 20);
}

// Writes the length prefix into out[0, header_size(f)).
void put_frame_header(std::span<std::uint8_t> out, std::size_t length, Framing f) noexcept;

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
  // `max_length`: the longest frame accepted (at most max_frame_length(f)). `buffer_size`:
  // how much one receive may bring; at least one whole frame.
  FrameReader(std::size_t max_length, std::size_t buffer_size, Framing f = Framing::simpletun);

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
  std::size_t header_;
  std::size_t max_length_;
  std::vector<std::uint8_t> buffer_;
  std::size_t begin_ = 0;  // first unconsumed byte
  std::size_t end_ = 0;    // one past the last received byte
  std::optional<FrameError> error_;
};

}  // namespace tunkit::tunnel
