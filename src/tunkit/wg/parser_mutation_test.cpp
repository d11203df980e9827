// Mutation tests for the wg/ text parsers: parse_set, parse_get, parse_config and
// UapiRequestReader. DESIGN.md principle 9 asks for a fuzz target per parser, but these
// return Result, which clang 14's libFuzzer build cannot compile (fuzz/run.sh explains why),
// so this is the deterministic stand-in: start from real texts (parser_fixtures_test.hpp),
// apply a fixed-seed sequence of random edits (bit flips, byte substitutions, insertions,
// deletions, truncations, duplicated, deleted and foreign lines) and check, for every mutant:
//   - no crash and no UB (the asan preset runs this binary under ASan + UBSan);
//   - anything that parses survives format -> parse to an equal value, and formatting that
//     value again gives the same text;
//   - every error has a code the header documents and a message that names its line;
//   - the reader frames a stream the same way whether it arrives whole or in pieces.
// Each test also counts how many mutants parsed and how many were refused: if either
// becomes rare, the test has stopped testing something and says so.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "tunkit/wg/config.hpp"
#include "tunkit/wg/parser_fixtures_test.hpp"
#include "tunkit/wg/uapi.hpp"

namespace tunkit::wg {
namespace {

// splitmix64: the same sequence on every platform and standard library (the
// std::*_distribution classes are not), so a failure names a reproducible iteration.
class Rng {
 public:
  explicit Rng(std::uint64_t seed) : state_(seed) {}
  std::uint64_t next() {
    std::uint64_t z = (state_ += 0x9e3779b97f4a7c15);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9;
    z = (z ^ (z >> 27)) * 0x94d049bb133111eb;
    return z ^ (z >> 31);
  }
  std::size_t below(std::size_t n) { return n == 0 ? 0 : static_cast<std::size_t>(next() % n); }

 private:
  std::uint64_t state_;
};

// Bytes that matter to these grammars, so that edits often make something else valid.
constexpr std::string_view interesting = "=\n#[],:/. \t\r-+x0123456789abcdefABCDEF";

char random_char(Rng& rng) {
  return rng.below(4) == 0 ? static_cast<char>(rng.below(256)) : interesting[rng.below(interesting.size())];
}

// The lines of `text`, each with its '\n' when it has one.
std::vector<std::string_view> lines_of(std::string_view text) {
  std::vector<std::string_view> lines;
  while (!text.empty()) {
    const auto end = text.find('\n');
    const auto length = end == std::string_view::npos ? text.size() : end + 1;
    lines.push_back(text.substr(0, length));
    text.remove_prefix(length);
  }
  return lines;
}

// Where line `i` of `text` starts (text.size() for one past the last line).
std::size_t line_start(std::string_view text, std::size_t i) {
  std::size_t at = 0;
  for (const auto line : lines_of(text)) {
    if (i-- == 0) return at;
    at += line.size();
  }
  return text.size();
}

// The set body of uapi_test.cpp's FlagsRemoveUpdateOnlyReplaceAllowedIpsAcceptTrue: the
// peer keys wg setconf never sends (remove, update_only, protocol_version).
constexpr std::string_view set_flags_body =
    "public_key=1111111111111111111111111111111111111111111111111111111111111111\n"
    "remove=true\n"
    "public_key=1111111111111111111111111111111111111111111111111111111111111111\n"
    "update_only=true\n"
    "replace_allowed_ips=true\n"
    "protocol_version=1\n";

// Every line of every fixture: material for splicing one format's lines into another.
const std::vector<std::string_view>& donor_lines() {
  static const std::vector<std::string_view> lines = [] {
    std::vector<std::string_view> all;
    for (std::string_view text :
         {test::wg_quick_client_example, test::wg_quick_server_example, test::wg_man_page_example,
          test::setconf_file, test::wg_setconf_request, test::wireguard_go_get_response,
          test::wg_showconf_output, set_flags_body})
      for (auto line : lines_of(text)) all.push_back(line);
    return all;
  }();
  return lines;
}

void mutate_once(std::string& s, Rng& rng) {
  const auto lines = lines_of(s);
  switch (rng.below(8)) {
    case 0:  // flip one bit
      if (!s.empty()) s[rng.below(s.size())] ^= static_cast<char>(1u << rng.below(8));
      break;
    case 1:  // substitute one byte
      if (!s.empty()) s[rng.below(s.size())] = random_char(rng);
      break;
    case 2: {  // insert 1-8 bytes
      std::string extra(1 + rng.below(8), '\0');
      for (char& c : extra) c = random_char(rng);
      s.insert(rng.below(s.size() + 1), extra);
      break;
    }
    case 3:  // delete 1-16 bytes
      if (!s.empty()) s.erase(rng.below(s.size()), 1 + rng.below(16));
      break;
    case 4:  // truncate
      s.resize(rng.below(s.size() + 1));
      break;
    case 5:  // duplicate a line somewhere
      if (!lines.empty()) {
        const std::string line(lines[rng.below(lines.size())]);
        s.insert(line_start(s, rng.below(lines.size() + 1)), line);
      }
      break;
    case 6:  // delete a line
      if (!lines.empty()) {
        const std::size_t i = rng.below(lines.size());
        s.erase(line_start(s, i), lines[i].size());
      }
      break;
    case 7: {  // a line from another text (another format, another section)
      const auto& donors = donor_lines();
      s.insert(line_start(s, rng.below(lines.size() + 1)), std::string(donors[rng.below(donors.size())]));
      break;
    }
  }
}

std::string mutant(std::string_view seed, Rng& rng) {
  std::string s(seed);
  for (std::size_t edits = 1 + rng.below(3); edits > 0; --edits) mutate_once(s, rng);
  return s;
}

// `text` as a C string literal, for failure messages.
std::string escaped(std::string_view text) {
  std::string out = "\"";
  for (unsigned char c : text) {
    if (c == '\n') {
      out += "\\n\"\n\"";
    } else if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20 || c >= 0x7f) {
      constexpr char hex[] = "0123456789abcdef";
      out += "\\x";
      out += hex[c >> 4];
      out += hex[c & 15];
      out += "\"\"";  // end the literal so the next character is not read as hex
    } else {
      out += static_cast<char>(c);
    }
  }
  return out + "\"";
}

// Lines as every parser here counts them: a final line without '\n' counts.
std::size_t line_count(std::string_view text) { return lines_of(text).size(); }

// "line N: <something>" with N a line of `text`.
testing::AssertionResult names_a_line(const Error& error, std::string_view text) {
  std::string_view m = error.message;
  if (!m.starts_with("line ")) return testing::AssertionFailure() << "no line number: " << m;
  m.remove_prefix(5);
  std::size_t n = 0;
  const auto [end, ec] = std::from_chars(m.data(), m.data() + m.size(), n);
  const std::string_view rest(end, m.data() + m.size());
  if (ec != std::errc{} || n == 0 || n > line_count(text) || !rest.starts_with(": ") || rest.size() <= 2)
    return testing::AssertionFailure() << "bad line reference (" << line_count(text) << " lines): " << error.message;
  return testing::AssertionSuccess();
}

// Counts of what the mutants did, so a test notices when it stops exercising a side.
struct Tally {
  int parsed = 0;
  int refused = 0;
  void record(const std::string& name) const {  // in --gtest_output=xml
    testing::Test::RecordProperty(name + "_parsed", parsed);
    testing::Test::RecordProperty(name + "_refused", refused);
  }
};

constexpr int iterations = 20000;

// ---- parse_set -------------------------------------------------------------------------

testing::AssertionResult set_properties(std::string_view body, Tally& tally) {
  auto request = parse_set(body);
  if (!request) {
    ++tally.refused;
    const Error& e = request.error();
    if (!e.is(std::errc::invalid_argument) && !e.is(std::errc::protocol_error))
      return testing::AssertionFailure() << "undocumented code " << e.code.message() << ": " << e.message;
    return names_a_line(e, body);
  }
  ++tally.parsed;
  const std::string formatted = format_set(*request);
  auto again = parse_set(formatted);
  if (!again)
    return testing::AssertionFailure() << "format_set output refused: " << again.error().message
                                       << "\nformatted: " << escaped(formatted);
  if (*again != *request)
    return testing::AssertionFailure() << "format -> parse changed the value\nformatted:   "
                                       << escaped(formatted) << "\nreformatted: " << escaped(format_set(*again));
  if (format_set(*again) != formatted)
    return testing::AssertionFailure() << "formatting is not stable\nformatted: " << escaped(formatted);
  return testing::AssertionSuccess();
}

TEST(UapiSetMutation, WhatParsesRoundTripsAndEveryRefusalNamesItsLine) {
  Rng rng(0x5e7);
  // The body wg setconf sent: the request without "set=1\n" and the final blank line.
  std::string_view setconf_body = test::wg_setconf_request;
  setconf_body.remove_prefix(std::string_view("set=1\n").size());
  setconf_body.remove_suffix(1);
  const std::array seeds = {setconf_body, set_flags_body};
  Tally tally;
  for (const auto seed : seeds) ASSERT_TRUE(parse_set(seed)) << escaped(seed);  // the baseline
  for (int i = 0; i < iterations; ++i) {
    const std::string body = mutant(seeds[static_cast<std::size_t>(i) % seeds.size()], rng);
    ASSERT_TRUE(set_properties(body, tally)) << "iteration " << i << ", body:\n" << escaped(body);
  }
  tally.record("mutants");
  EXPECT_GE(tally.parsed, iterations / 10);
  EXPECT_GE(tally.refused, iterations / 10);
}

// ---- parse_get -------------------------------------------------------------------------

TEST(UapiGetMutation, WhatParsesRoundTripsAndEveryRefusalSaysWhy) {
  Rng rng(0x9e7);
  Tally tally;
  ASSERT_TRUE(parse_get(test::wireguard_go_get_response));  // the baseline
  for (int i = 0; i < iterations; ++i) {
    const std::string response = mutant(test::wireguard_go_get_response, rng);
    const auto context = [&] { return "iteration " + std::to_string(i) + ", response:\n" + escaped(response); };
    auto status = parse_get(response);
    if (!status) {
      ++tally.refused;
      const Error& e = status.error();
      ASSERT_FALSE(e.message.empty()) << context();
      if (e.message.starts_with("device answered errno=")) {
        // A non-zero errno line: that errno, from the generic category.
        ASSERT_EQ(e.code.category(), std::generic_category()) << context();
        ASSERT_NE(e.code.value(), 0) << context();
      } else {
        ASSERT_TRUE(e.is(std::errc::protocol_error)) << e.message << "\n" << context();
        ASSERT_TRUE(names_a_line(e, response)) << context();
      }
      continue;
    }
    ++tally.parsed;
    // "nullopt (or all zero) = none": format_get omits an all-zero key, so parsing the
    // formatted text gives nullopt; that is the same device state.
    DeviceStatus expected = *status;
    if (expected.private_key && expected.private_key->is_zero()) expected.private_key.reset();
    const std::string formatted = format_get(*status);
    auto again = parse_get(formatted);
    ASSERT_TRUE(again) << again.error().message << "\nformatted: " << escaped(formatted) << "\n" << context();
    ASSERT_TRUE(*again == expected) << "format -> parse changed the value\nformatted:   " << escaped(formatted)
                                    << "\nreformatted: " << escaped(format_get(*again)) << "\n" << context();
    ASSERT_EQ(format_get(*again), formatted) << context();
  }
  tally.record("mutants");
  EXPECT_GE(tally.parsed, iterations / 10);
  EXPECT_GE(tally.refused, iterations / 10);
}

// ---- parse_config ----------------------------------------------------------------------

TEST(ConfigMutation, WhatParsesRoundTripsAndEveryRefusalNamesItsLine) {
  Rng rng(0xc0f);
  const std::array seeds = {test::wg_quick_client_example, test::wg_quick_server_example,
                            test::wg_man_page_example, test::setconf_file, test::wg_showconf_output};
  Tally tally;
  for (const auto seed : seeds) ASSERT_TRUE(parse_config(seed)) << escaped(seed);  // the baseline
  for (int i = 0; i < iterations; ++i) {
    const std::string text = mutant(seeds[static_cast<std::size_t>(i) % seeds.size()], rng);
    const auto context = [&] { return "iteration " + std::to_string(i) + ", text:\n" + escaped(text); };
    auto config = parse_config(text);
    if (!config) {
      ++tally.refused;
      ASSERT_TRUE(config.error().is(std::errc::invalid_argument)) << config.error().message << "\n" << context();
      ASSERT_TRUE(names_a_line(config.error(), text)) << context();
      continue;
    }
    ++tally.parsed;
    // config.hpp: parse_config(format_config(c)) == c for every c that parse_config returns.
    const std::string formatted = format_config(*config);
    auto again = parse_config(formatted);
    ASSERT_TRUE(again) << again.error().message << "\nformatted: " << escaped(formatted) << "\n" << context();
    ASSERT_TRUE(*again == *config) << "format -> parse changed the value\nformatted:   " << escaped(formatted)
                                   << "\nreformatted: " << escaped(format_config(*again)) << "\n" << context();
    ASSERT_EQ(format_config(*again), formatted) << context();
  }
  tally.record("mutants");
  EXPECT_GE(tally.parsed, iterations / 10);
  EXPECT_GE(tally.refused, iterations / 10);
}

// ---- UapiRequestReader -----------------------------------------------------------------

struct ReadOutcome {
  std::vector<UapiRequest> requests;
  std::optional<Error> error;
  std::size_t buffered = 0;
};

// Feeds `stream` whole (chunks == nullptr) or in random pieces of 1-64 bytes, draining
// next() after every feed as the reader asks. Stops at the first error, after checking
// that the error is final.
testing::AssertionResult read_stream(std::string_view stream, Rng* chunks, ReadOutcome& out) {
  UapiRequestReader reader;
  const auto failed = [&](const Error& e) -> testing::AssertionResult {
    out.error = e;
    if (e.message.empty()) return testing::AssertionFailure() << "error without a message";
    if (!e.is(std::errc::protocol_error) && !e.is(std::errc::invalid_argument))
      return testing::AssertionFailure() << "undocumented code " << e.code.message() << ": " << e.message;
    const auto later_next = reader.next();
    const auto later_feed = reader.feed("get=1\n\n");
    if (later_next || later_feed || later_next.error().code != e.code || later_feed.error().code != e.code)
      return testing::AssertionFailure() << "the first error is not final: " << e.message;
    return testing::AssertionSuccess();
  };
  std::size_t at = 0;
  while (true) {
    while (true) {
      auto next = reader.next();
      if (!next) return failed(next.error());
      if (!*next) break;
      out.requests.push_back(std::move(**next));
    }
    if (at == stream.size()) break;
    const std::size_t size = chunks ? 1 + chunks->below(std::min<std::size_t>(64, stream.size() - at)) : stream.size() - at;
    if (auto fed = reader.feed(stream.substr(at, size)); !fed) return failed(fed.error());
    at += size;
  }
  out.buffered = reader.buffered();
  return testing::AssertionSuccess();
}

// The bytes a request was framed from.
std::string framed(const UapiRequest& request) {
  return request.op == UapiRequest::Op::get ? "get=1\n\n" : "set=1\n" + request.body + "\n";
}

TEST(UapiFramingMutation, WholeOrPiecemealStreamsYieldTheSameRequestsAndErrors) {
  Rng rng(0xf4a), chunks(0xc4);
  // What wg sends: a get, the setconf request, another get, on one connection.
  const std::string seed = "get=1\n\n" + std::string(test::wg_setconf_request) + "get=1\n\nset=1\n" +
                           std::string(set_flags_body) + "\n";
  Tally bodies, streams;  // parse_set on the bodies; streams with no error / an error
  int requests = 0;
  {  // the baseline: get, set, get, set, nothing left over, however it arrives
    ReadOutcome whole, pieces;
    ASSERT_TRUE(read_stream(seed, nullptr, whole));
    ASSERT_TRUE(read_stream(seed, &chunks, pieces));
    ASSERT_FALSE(whole.error || pieces.error);
    ASSERT_EQ(whole.requests.size(), 4u);
    ASSERT_EQ(whole.requests, pieces.requests);
    ASSERT_EQ(whole.requests[1].body, std::string_view(test::wg_setconf_request).substr(6, test::wg_setconf_request.size() - 7));
    ASSERT_EQ(whole.requests[3].body, set_flags_body);
    ASSERT_EQ(whole.buffered, 0u);
  }
  for (int i = 0; i < iterations; ++i) {
    const std::string stream = mutant(seed, rng);
    const auto context = [&] { return "iteration " + std::to_string(i) + ", stream:\n" + escaped(stream); };
    ReadOutcome whole, pieces;
    ASSERT_TRUE(read_stream(stream, nullptr, whole)) << context();
    ASSERT_TRUE(read_stream(stream, &chunks, pieces)) << context();
    ASSERT_EQ(whole.requests, pieces.requests) << context();
    ASSERT_EQ(whole.error.has_value(), pieces.error.has_value()) << context();
    if (whole.error) {
      ASSERT_EQ(whole.error->code, pieces.error->code) << context();
    }
    // Requests are the stream's prefix, cut where the protocol says; the rest is held.
    std::string consumed;
    for (const auto& request : whole.requests) consumed += framed(request);
    ASSERT_TRUE(std::string_view(stream).starts_with(consumed)) << context();
    if (!whole.error) {
      ASSERT_EQ(consumed.size() + whole.buffered, stream.size()) << context();
    }
    // Every body the reader hands out goes to parse_set; it must hold there too.
    for (const auto& request : whole.requests) {
      if (request.op == UapiRequest::Op::set) {
        ASSERT_TRUE(set_properties(request.body, bodies)) << "body " << escaped(request.body) << "\n" << context();
      }
    }
    requests += static_cast<int>(whole.requests.size());
    whole.error ? ++streams.refused : ++streams.parsed;
  }
  bodies.record("bodies");
  streams.record("streams");
  testing::Test::RecordProperty("requests", requests);
  EXPECT_GE(requests, iterations);
  EXPECT_GE(bodies.parsed, iterations / 10);
  EXPECT_GE(bodies.refused, iterations / 20);
  EXPECT_GE(streams.parsed, iterations / 10);
  EXPECT_GE(streams.refused, iterations / 10);
}

}  // namespace
}  // namespace tunkit::wg
