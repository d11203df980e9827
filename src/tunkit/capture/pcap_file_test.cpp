#include "tunkit/capture/pcap_file.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>

#include "tunkit/capture/fixtures_test.hpp"

namespace tunkit::capture {
namespace {

using testing::data_dir;
using testing::read_all;

std::filesystem::path temp_file(const char* name) {
  return std::filesystem::temp_directory_path() / (std::string(name) + "-" + std::to_string(::getpid()) + ".pcap");
}

std::vector<std::uint8_t> file_bytes(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

// pcap file format (draft-ietf-opsawg-pcap): magic 0xa1b23c4d = nanosecond timestamps;
// LinkType at offset 20: LINKTYPE_RAW = 101, LINKTYPE_ETHERNET = 1.
TEST(PcapWriter, TunFilesAreNanosecondLinktypeRaw) {
  const auto path = temp_file("tk-raw");
  const auto packets = read_all(data_dir() / "dump" / "tun.pcap");
  {
    auto w = PcapWriter::open(path.string(), LinkType::raw_ip);
    ASSERT_TRUE(w) << w.error().message;
    for (const auto& p : packets) w->write(p.time + Timestamp(789), p.span());
    ASSERT_TRUE(w->flush());
    EXPECT_EQ(w->records(), packets.size());
  }
  const auto bytes = file_bytes(path);
  ASSERT_GE(bytes.size(), 24u);
  EXPECT_EQ(load_le16(bytes, 0) | std::uint32_t{load_le16(bytes, 2)} << 16, 0xa1b23c4du);
  EXPECT_EQ(bytes[20], 101);
  LinkType link{};
  const auto back = read_all(path, &link);
  EXPECT_EQ(link, LinkType::raw_ip);
  ASSERT_EQ(back.size(), packets.size());
  for (std::size_t i = 0; i < back.size(); ++i) {
    EXPECT_EQ(back[i].bytes, packets[i].bytes);
    EXPECT_EQ(back[i].time, packets[i].time + Timestamp(789)) << "nanoseconds kept";
  }
  std::filesystem::remove(path);
}

TEST(PcapWriter, TapFilesAreLinktypeEthernetAndKeepTheWireLength) {
  const auto path = temp_file("tk-eth");
  const auto frames = read_all(data_dir() / "wire" / "ether.pcap");
  {
    auto w = PcapWriter::open(path.string(), LinkType::ethernet, /*snaplen=*/64);
    ASSERT_TRUE(w);
    for (const auto& f : frames) w->write(f.time, f.span());
  }
  EXPECT_EQ(file_bytes(path)[20], 1);
  const auto back = read_all(path);
  ASSERT_EQ(back.size(), frames.size());
  for (std::size_t i = 0; i < back.size(); ++i) {
    EXPECT_EQ(back[i].bytes.size(), std::min<std::size_t>(64, frames[i].bytes.size()));
    EXPECT_EQ(back[i].wire_length, frames[i].bytes.size());
  }
  std::filesystem::remove(path);
}

TEST(PcapWriter, UnwritablePathIsAnErrorNamingIt) {
  auto w = PcapWriter::open("/nonexistent-dir/x.pcap", LinkType::raw_ip);
  ASSERT_FALSE(w);
  EXPECT_NE(w.error().message.find("/nonexistent-dir/x.pcap"), std::string::npos);
}

TEST(PcapReader, MissingFileIsENOENT) {
  auto r = PcapReader::open("/nonexistent-dir/none.pcap");
  ASSERT_FALSE(r);
  EXPECT_TRUE(r.error().is(std::errc::no_such_file_or_directory)) << r.error().message;
}

TEST(PcapReader, OtherLinkTypesAreRefusedByName) {
  const auto path = temp_file("tk-null");
  // A pcap header for LINKTYPE_NULL (0), BSD loopback.
  const std::uint8_t header[24] = {0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0, 0, 0, 0, 0,
                                   0, 0, 0, 0, 0, 0, 4, 0, 0, 0, 0, 0};
  std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char*>(header), sizeof header);
  auto r = PcapReader::open(path.string());
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("NULL"), std::string::npos) << r.error().message;
  std::filesystem::remove(path);
}

TEST(PcapLinkType, DltMapping) {
  EXPECT_EQ(from_dlt(to_dlt(LinkType::raw_ip)), LinkType::raw_ip);
  EXPECT_EQ(from_dlt(to_dlt(LinkType::ethernet)), LinkType::ethernet);
  EXPECT_EQ(from_dlt(228), LinkType::raw_ip);  // DLT_IPV4
  EXPECT_EQ(from_dlt(0), std::nullopt);
}

}  // namespace
}  // namespace tunkit::capture
