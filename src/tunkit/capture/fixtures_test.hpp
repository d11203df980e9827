// Test helpers for capture/: where the committed captures are, reading a whole pcap, and
// golden-text comparison. Set TUNKIT_UPDATE_GOLDEN=1 to rewrite golden files (then review
// the diff: they are evidence, not snapshots to bless blindly).
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "tunkit/capture/pcap_file.hpp"

namespace tunkit::capture::testing {

// tests/data/ of the source tree (CMake compiles sources by absolute path).
inline std::filesystem::path data_dir() {
  return std::filesystem::path(__FILE__).parent_path().parent_path().parent_path().parent_path() /
         "tests" / "data";
}

struct OwnedRecord {
  Timestamp time{};
  std::vector<std::uint8_t> bytes;
  std::size_t wire_length = 0;
  ByteSpan span() const { return bytes; }
};

inline std::vector<OwnedRecord> read_all(const std::filesystem::path& path, LinkType* link = nullptr) {
  auto reader = PcapReader::open(path.string());
  EXPECT_TRUE(reader) << path << ": " << (reader ? "" : reader.error().message);
  std::vector<OwnedRecord> out;
  if (!reader) return out;
  if (link) *link = reader->link();
  while (true) {
    auto next = reader->next();
    EXPECT_TRUE(next);
    if (!next || !*next) break;
    const PcapRecord& r = **next;
    out.push_back({r.time, std::vector<std::uint8_t>(r.bytes.begin(), r.bytes.end()), r.wire_length});
  }
  return out;
}

inline std::string read_text(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

inline void expect_golden(const std::filesystem::path& golden, const std::string& actual) {
  if (std::getenv("TUNKIT_UPDATE_GOLDEN")) {
    std::ofstream(golden) << actual;
    return;
  }
  ASSERT_TRUE(std::filesystem::exists(golden)) << golden << " missing; run with TUNKIT_UPDATE_GOLDEN=1";
  const std::string expected = read_text(golden);
  // Line by line, so a failure names the first packet that differs.
  std::istringstream e(expected), a(actual);
  std::string el, al;
  for (int line = 1; std::getline(e, el); ++line) {
    ASSERT_TRUE(std::getline(a, al)) << golden << ": output ends before line " << line;
    ASSERT_EQ(al, el) << golden << " line " << line;
  }
  EXPECT_FALSE(std::getline(a, al)) << golden << ": extra output: " << al;
}

}  // namespace tunkit::capture::testing
