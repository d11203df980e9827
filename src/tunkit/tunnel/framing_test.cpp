#include "tunkit/tunnel/framing.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>
#include <random>

namespace tunkit::tunnel {
namespace {

std::vector<std::uint8_t> frame_of(std::size_t length, std::uint8_t seed) {
  std::vector<std::uint8_t> out{static_cast<std::uint8_t>(length >> 8), static_cast<std::uint8_t>(length)};
  for (std::size_t i = 0; i < length; ++i) out.push_back(static_cast<std::uint8_t>(seed + i));
  return out;
}

// Feeds `stream` in chunks of `chunk` bytes and collects the frames that come out.
std::vector<std::vector<std::uint8_t>> feed(FrameReader& reader, const std::vector<std::uint8_t>& stream,
                                            std::size_t chunk, std::optional<FrameError>* error = nullptr) {
  std::vector<std::vector<std::uint8_t>> frames;
  for (std::size_t at = 0; at < stream.size();) {
    auto space = reader.space();
    const std::size_t n = std::min({chunk, space.size(), stream.size() - at});
    std::copy_n(stream.begin() + static_cast<std::ptrdiff_t>(at), n, space.begin());
    reader.commit(n);
    at += n;
    for (;;) {
      auto next = reader.next();
      if (next.error) {
        if (error) *error = next.error;
        return frames;
      }
      if (!next.complete()) break;
      frames.emplace_back(next.frame.begin(), next.frame.end());
    }
  }
  return frames;
}

TEST(SimpletunFraming, HeaderIsTwoBytesBigEndian) {
  std::uint8_t h[2];
  put_frame_header(h, 0x05dc, Framing::simpletun);
  EXPECT_EQ(h[0], 0x05);
  EXPECT_EQ(h[1], 0xdc);
}

TEST(OffloadFraming, FourByteLengthCarriesSuperPackets) {
  std::vector<std::uint8_t> stream(4 + 70000, 0x5a);
  put_frame_header(stream, 70000, Framing::offload);
  EXPECT_EQ(stream[0], 0x00);
  EXPECT_EQ(stream[1], 0x01);
  EXPECT_EQ(stream[2], 0x11);
  EXPECT_EQ(stream[3], 0x70);
  FrameReader reader(70000, 1 << 18, Framing::offload);
  auto frames = feed(reader, stream, 8192);
  ASSERT_EQ(frames.size(), 1u);
  EXPECT_EQ(frames[0].size(), 70000u);
  std::optional<FrameError> error;
  FrameReader small(1000, 4096, Framing::offload);
  feed(small, {0, 0, 0x10, 0, 1}, 5, &error);
  EXPECT_EQ(error, FrameError::too_long);
}

TEST(SimpletunFraming, FramesSplitAtEveryByteBoundaryReassemble) {
  std::vector<std::uint8_t> stream;
  for (std::size_t len : {84u, 1500u, 1u, 60u}) {
    auto f = frame_of(len, static_cast<std::uint8_t>(len));
    stream.insert(stream.end(), f.begin(), f.end());
  }
  for (std::size_t chunk = 1; chunk <= 97; ++chunk) {
    FrameReader reader(1500, 4096);
    auto frames = feed(reader, stream, chunk);
    ASSERT_EQ(frames.size(), 4u) << "chunk " << chunk;
    EXPECT_EQ(frames[0].size(), 84u);
    EXPECT_EQ(frames[1].size(), 1500u);
    EXPECT_EQ(frames[1][1499], static_cast<std::uint8_t>(1500 + 1499));
    EXPECT_EQ(frames[2].size(), 1u);
    EXPECT_EQ(frames[3].size(), 60u);
    EXPECT_EQ(reader.pending(), 0u);
  }
}

TEST(SimpletunFraming, ManyFramesThroughASmallBufferKeepOrderAndBytes) {
  std::mt19937 rng(7);
  std::vector<std::uint8_t> stream;
  std::vector<std::size_t> lengths;
  for (int i = 0; i < 2000; ++i) {
    const std::size_t len = 1 + rng() % 1500;
    lengths.push_back(len);
    auto f = frame_of(len, static_cast<std::uint8_t>(i));
    stream.insert(stream.end(), f.begin(), f.end());
  }
  FrameReader reader(1500, 1502);  // the smallest buffer allowed: compaction on every frame
  auto frames = feed(reader, stream, 1000);
  ASSERT_EQ(frames.size(), lengths.size());
  for (std::size_t i = 0; i < frames.size(); ++i) {
    ASSERT_EQ(frames[i].size(), lengths[i]);
    EXPECT_EQ(frames[i][0], static_cast<std::uint8_t>(i));
  }
}

TEST(SimpletunFraming, MaximumLengthFrameIsAccepted) {
  FrameReader reader(max_frame_length(Framing::simpletun), 1 << 17);
  auto frames = feed(reader, frame_of(65535, 3), 9000);
  ASSERT_EQ(frames.size(), 1u);
  EXPECT_EQ(frames[0].size(), 65535u);
}

TEST(SimpletunFraming, ZeroLengthIsAProtocolErrorAndSticks) {
  FrameReader reader(1500, 4096);
  std::optional<FrameError> error;
  auto stream = frame_of(20, 1);
  stream.push_back(0);
  stream.push_back(0);
  auto frames = feed(reader, stream, 100, &error);
  EXPECT_EQ(frames.size(), 1u);
  ASSERT_TRUE(error);
  EXPECT_EQ(*error, FrameError::zero_length);
  EXPECT_EQ(reader.next().error, FrameError::zero_length);
  reader.reset();
  EXPECT_FALSE(reader.next().error);
}

TEST(SimpletunFraming, LengthAboveTheDeviceLimitIsAProtocolError) {
  FrameReader reader(1514, 4096);  // TAP, MTU 1500
  std::optional<FrameError> error;
  auto frames = feed(reader, {0xff, 0xff, 1, 2, 3}, 5, &error);  // a 65535-byte claim
  EXPECT_TRUE(frames.empty());
  EXPECT_EQ(error, FrameError::too_long);
}

TEST(SimpletunFraming, HalfAFrameWaitsWithoutError) {
  FrameReader reader(1500, 4096);
  auto f = frame_of(100, 0);
  f.resize(50);
  auto frames = feed(reader, f, 50);
  EXPECT_TRUE(frames.empty());
  EXPECT_EQ(reader.pending(), 50u);
  EXPECT_FALSE(reader.next().error);
}

}  // namespace
}  // namespace tunkit::tunnel
