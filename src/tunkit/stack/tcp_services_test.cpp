// The TCP services and client: generated streams against their definitions, the HTTP/1.1
// framing rules of RFC 9112 as tables, and every service end to end between two stacks
// (Interface + Tcp each) joined in memory on a virtual clock.
#include "tunkit/stack/tcp_services.hpp"

#include <gtest/gtest.h>

#include <deque>
#include <functional>
#include <memory>
#include <random>
#include <string>

#include <fmt/format.h>

#include "tunkit/stack/stack_test_support_test.hpp"

namespace tunkit::stack {
namespace {

using namespace testing;
using namespace std::chrono_literals;
using namespace std::string_literals;

std::string text(ByteSpan b) { return std::string(reinterpret_cast<const char*>(b.data()), b.size()); }
ByteSpan bytes(std::string_view s) { return ByteSpan(reinterpret_cast<const std::uint8_t*>(s.data()), s.size()); }

std::string sha256_hex(ByteSpan data) {
  Sha256 h;
  h.update(data);
  return h.finish_hex();
}

// SHA-256 of the first n bytes of the generated pattern, computed the slow way.
std::string pattern_sha256(std::uint64_t n) {
  Sha256 h;
  std::vector<std::uint8_t> block(64 * 1024);
  for (std::uint64_t done = 0; done < n;) {
    const auto len = static_cast<std::size_t>(std::min<std::uint64_t>(block.size(), n - done));
    for (std::size_t i = 0; i < len; ++i) block[i] = static_cast<std::uint8_t>((done + i) % 251);
    h.update(ByteSpan(block).first(len));
    done += len;
  }
  return h.finish_hex();
}

// --- generated streams and hashing -----------------------------------------------------------

TEST(Fips180Sha256, KnownVectorsAndIncrementalUpdates) {
  EXPECT_EQ(sha256_hex({}), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256_hex(bytes("abc")), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  Sha256 h;
  h.update(bytes("a"));
  h.update(bytes("bc"));
  EXPECT_EQ(h.finish_hex(), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  // finish_hex starts over.
  h.update(bytes("abc"));
  EXPECT_EQ(h.finish_hex(), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(GeneratedPattern, ByteIIsIModulo251FromAnyOffset) {
  for (std::uint64_t offset : {0ull, 1ull, 250ull, 251ull, 65510ull, 10'000'000'019ull}) {
    const ByteSpan b = pattern_bytes(offset, 70'000);
    ASSERT_GE(b.size(), 65'000u) << offset;
    for (std::size_t i = 0; i < b.size(); ++i) ASSERT_EQ(b[i], (offset + i) % 251) << offset << "+" << i;
  }
  EXPECT_EQ(pattern_bytes(5, 3).size(), 3u);
  EXPECT_EQ(pattern_bytes(5, 0).size(), 0u);
}

TEST(Rfc864Chargen, LinesAreTheRfcExampleRotatingByOne) {
  const std::string s = text(chargen_bytes(0, 3 * kChargenLine));
  ASSERT_EQ(s.size(), 3 * kChargenLine);
  // RFC 864's example, its first two lines.
  EXPECT_EQ(s.substr(0, 74), "!\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefgh\r\n");
  EXPECT_EQ(s.substr(74, 74), "\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefghi\r\n");
  // Line 94 starts with ' ' (the 95th printing character), then the pattern repeats.
  EXPECT_EQ(text(chargen_bytes(94 * kChargenLine, 3)), " !\"");
  EXPECT_EQ(text(chargen_bytes(kChargenPeriod, 74)), s.substr(0, 74));
  // Any offset continues the same stream.
  const std::string long_run = text(chargen_bytes(0, kChargenPeriod + 500));
  EXPECT_EQ(text(chargen_bytes(1234, 600)), long_run.substr(1234, 600));
}

// --- HTTP framing (RFC 9112) -----------------------------------------------------------------

TEST(Rfc9112RequestHead, ParsesWhatAServerMustAccept) {
  struct Case {
    const char* name;
    std::string input;
    http::ParseStatus status;
  };
  using enum http::ParseStatus;
  const std::vector<Case> cases = {
      {"plain GET", "GET / HTTP/1.1\r\nHost: a\r\n\r\n", complete},
      {"bare LF line ends (§2.2 MAY)", "GET / HTTP/1.1\nHost: a\n\n", complete},
      {"leading empty line (§2.2 SHOULD ignore)", "\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n", complete},
      {"HTTP/1.0 without Host", "GET / HTTP/1.0\r\n\r\n", complete},
      {"no empty line yet", "GET / HTTP/1.1\r\nHost: a\r\n", incomplete},
      {"HTTP/1.1 without Host (§3.2: 400)", "GET / HTTP/1.1\r\n\r\n", bad},
      {"two Hosts (§3.2: 400)", "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", bad},
      {"whitespace before colon (§5.1: 400)", "GET / HTTP/1.1\r\nHost : a\r\n\r\n", bad},
      {"obs-fold (§5.2: may reject)", "GET / HTTP/1.1\r\nHost: a\r\nX: 1\r\n  2\r\n\r\n", bad},
      {"two spaces in request line", "GET  / HTTP/1.1\r\nHost: a\r\n\r\n", bad},
      {"missing version", "GET /\r\nHost: a\r\n\r\n", bad},
      {"lowercase version", "GET / http/1.1\r\nHost: a\r\n\r\n", bad},
      {"method not a token", "G(T / HTTP/1.1\r\nHost: a\r\n\r\n", bad},
      {"bare CR", "GET / HTTP/1.1\r\nHost: a\rb\r\n\r\n", bad},
      {"HTTP/2.0 (505)", "GET / HTTP/2.0\r\nHost: a\r\n\r\n", bad_version},
      {"Content-Length not a number", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1x\r\n\r\n", bad},
      {"Content-Length negative", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: -1\r\n\r\n", bad},
      {"Content-Length twice, equal (§6.3)", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\n",
       complete},
      {"Content-Length twice, different", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\n",
       bad},
      {"Transfer-Encoding and Content-Length (§6.3)",
       "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n", bad},
      {"chunked not last (§6.3 item 4)", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, gzip\r\n\r\n", bad},
      {"a coding we lack (§6.1: 501)", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
       not_implemented},
      {"Transfer-Encoding in HTTP/1.0 (§6.1)", "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", bad},
  };
  for (const auto& c : cases) EXPECT_EQ(http::parse_request(c.input, 1024).status, c.status) << c.name;
}

TEST(Rfc9112RequestHead, FieldsThatFrameTheMessageAndTheConnection) {
  auto p = http::parse_request("GET /x?y HTTP/1.1\r\nhost: a\r\nCONNECTION: Close\r\n\r\nGET / HTTP/1.1\r\n", 1024);
  ASSERT_EQ(p.status, http::ParseStatus::complete);
  EXPECT_EQ(p.consumed, std::string_view("GET /x?y HTTP/1.1\r\nhost: a\r\nCONNECTION: Close\r\n\r\n").size());
  EXPECT_EQ(p.head.method, "GET");
  EXPECT_EQ(p.head.target, "/x?y");
  EXPECT_TRUE(p.head.close);

  p = http::parse_request("GET / HTTP/1.0\r\n\r\n", 1024);
  EXPECT_TRUE(p.head.close) << "1.0 closes by default (§9.3)";
  p = http::parse_request("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", 1024);
  EXPECT_FALSE(p.head.close);
  EXPECT_EQ(p.head.version_minor, 0);

  p = http::parse_request("PUT /u HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\nExpect: 100-continue\r\n\r\n", 1024);
  EXPECT_EQ(p.head.content_length, 10u);
  EXPECT_TRUE(p.head.expect_continue);
  EXPECT_FALSE(p.head.close);

  p = http::parse_request("POST /u HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n", 1024);
  EXPECT_TRUE(p.head.chunked);
  EXPECT_FALSE(p.head.content_length);

  // §3.2.2: absolute-form is reduced to the path.
  p = http::parse_request("GET http://example.org:8080/bytes/5 HTTP/1.1\r\nHost: a\r\n\r\n", 1024);
  EXPECT_EQ(p.head.target, "/bytes/5");
}

TEST(Rfc9112RequestHead, HeadBeyondTheLimitIsTooLarge) {
  const std::string big = "GET / HTTP/1.1\r\nHost: a\r\nX: " + std::string(2000, 'x') + "\r\n\r\n";
  EXPECT_EQ(http::parse_request(big, 1024).status, http::ParseStatus::too_large);
  EXPECT_EQ(http::parse_request(big.substr(0, 1500), 1024).status, http::ParseStatus::too_large);
  EXPECT_EQ(http::parse_request(big.substr(0, 1000), 1024).status, http::ParseStatus::incomplete);
  EXPECT_EQ(http::parse_request(big, 4096).status, http::ParseStatus::complete);
}

TEST(Rfc9112ResponseHead, StatusLineAndFraming) {
  auto p = http::parse_response("HTTP/1.0 200 OK\r\nContent-Length: 12\r\n\r\n", 1024);
  ASSERT_EQ(p.status, http::ParseStatus::complete);
  EXPECT_EQ(p.head.status, 200);
  EXPECT_EQ(p.head.content_length, 12u);
  EXPECT_TRUE(p.head.close);
  p = http::parse_response("HTTP/1.1 204\r\n\r\n", 1024);  // reason-phrase is optional
  EXPECT_EQ(p.head.status, 204);
  p = http::parse_response("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n", 1024);
  EXPECT_TRUE(p.head.chunked);
  EXPECT_FALSE(p.head.content_length) << "§6.3 item 3: Transfer-Encoding overrides Content-Length";
  EXPECT_EQ(http::parse_response("HTTP/1.1 2000 OK\r\n\r\n", 1024).status, http::ParseStatus::bad);
  EXPECT_EQ(http::parse_response("ICY 200 OK\r\n\r\n", 1024).status, http::ParseStatus::bad);
}

TEST(Rfc9112Chunked, DecodesInAnySplitAndStopsAtTheEnd) {
  const std::string body = "4\r\nWiki\r\n5;ext=1\r\npedia\r\nE\r\n in\r\n\r\nchunks.\r\n0\r\nTrailer: x\r\n\r\n";
  const std::string after = "GET / HTTP/1.1\r\n";
  for (std::size_t split = 1; split <= body.size(); ++split) {
    http::ChunkedDecoder d;
    std::string out;
    const std::string input = body + after;
    std::size_t at = 0;
    while (at < input.size() && !d.done()) {
      const std::size_t n = std::min(split, input.size() - at);
      auto used = d.feed(bytes(std::string_view(input).substr(at, n)), [&](ByteSpan b) { out += text(b); });
      ASSERT_TRUE(used) << split;
      at += *used;
      if (*used < n) break;
    }
    ASSERT_TRUE(d.done()) << split;
    EXPECT_EQ(out, "Wikipedia in\r\n\r\nchunks.") << split;
    EXPECT_EQ(at, body.size()) << "the bytes after the message are not consumed (split " << split << ")";
  }
}

TEST(Rfc9112Chunked, MalformedFramingIsAnError) {
  for (const char* bad : {"x\r\n", "4\r\nWikiXX\r\n", "4 junk\r\n", "11111111111111111\r\n"}) {
    http::ChunkedDecoder d;
    auto used = d.feed(bytes(bad), [](ByteSpan) {});
    EXPECT_FALSE(used) << bad;
  }
  http::ChunkedDecoder d(16);
  EXPECT_FALSE(d.feed(bytes(std::string(40, '1')), [](ByteSpan) {})) << "size line longer than the limit";
}

// Hostile input (a stand-in for a fuzz target until fuzz/ has one): mutated and truncated
// heads and chunked bodies never read out of bounds (ASan run) and never claim to have
// consumed more than they were given.
TEST(Rfc9112Parsers, MutatedInputIsRejectedOrParsedWithinBounds) {
  const std::vector<std::string> seeds = {
      "GET /bytes/5 HTTP/1.1\r\nHost: a\r\nConnection: keep-alive, close\r\n\r\n",
      "POST http://h/x HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\nExpect: 100-continue\r\n\r\n",
      "PUT / HTTP/1.0\r\nContent-Length: 5, 5\r\n\r\nhello",
      "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc",
      "5;a=b\r\nhello\r\n0\r\nT: x\r\n\r\n",
  };
  std::mt19937 rng(7);
  for (int round = 0; round < 20'000; ++round) {
    std::string s = seeds[rng() % seeds.size()];
    for (int m = static_cast<int>(rng() % 4); m >= 0; --m) {
      const std::size_t at = rng() % (s.size() + 1);
      switch (rng() % 4) {
        case 0: if (at < s.size()) s[at] = static_cast<char>(rng()); break;
        case 1: s.insert(at, 1, "\r\n :;,\t0"[rng() % 8]); break;
        case 2: s.erase(at, rng() % 8); break;
        case 3: s.resize(at); break;
      }
    }
    const std::size_t max = 16 + rng() % 128;
    const auto request = http::parse_request(s, max);
    if (request.status == http::ParseStatus::complete) {
      EXPECT_LE(request.consumed, std::min(s.size(), max)) << s;
    }
    const auto response = http::parse_response(s, max);
    if (response.status == http::ParseStatus::complete) {
      EXPECT_LE(response.consumed, s.size()) << s;
    }
    http::ChunkedDecoder d(64);
    std::size_t data = 0;
    const auto used = d.feed(bytes(s), [&](ByteSpan b) { data += b.size(); });
    if (used) {
      EXPECT_LE(*used, s.size());
      EXPECT_LE(data, *used);
    }
  }
}

// --- two stacks in memory --------------------------------------------------------------------

// Server stack (10.0.0.9, the services) and client stack (10.0.0.1) joined by an in-memory
// link with 1 ms of delay each way. Events of the server Tcp go to the services, those of
// the client Tcp to `client` (if set) or are dropped (tests poll status()).
class Net {
 public:
  explicit Net(TcpServiceOptions options = {}) {
    server_if_ = make_interface("10.0.0.9/24");
    client_if_ = make_interface("10.0.0.1/24");
    server_tcp_ = must_create(*server_if_);
    client_tcp_ = must_create(*client_if_);
    services = std::make_unique<TcpServices>(*server_tcp_, options);
  }
  tcp::Tcp& server_tcp() { return *server_tcp_; }
  tcp::Tcp& client_tcp() { return *client_tcp_; }
  const IpAddress server = ip("10.0.0.9");
  std::unique_ptr<TcpServices> services;
  TcpClient* client = nullptr;
  Instant now = kStart;

  // Moves packets and runs timers until `until()` holds; false if time (virtual) ran out
  // first or nothing was left to happen.
  bool run(const std::function<bool()>& until, Duration limit = 120s) {
    const Instant give_up = now + limit;
    for (;;) {
      dispatch();
      if (until()) return true;
      collect();
      std::optional<Instant> next;
      auto consider = [&](std::optional<Instant> t) {
        if (t && (!next || *t < *next)) next = t;
      };
      if (!wire_.empty()) consider(wire_.front().at);
      consider(server_tcp_->poll_at());
      consider(client_tcp_->poll_at());
      consider(server_if_->poll_at());
      consider(client_if_->poll_at());
      consider(services->poll_at());
      if (!next || *next > give_up) return false;
      now = std::max(now, *next);
      while (!wire_.empty() && wire_.front().at <= now) {
        auto f = std::move(wire_.front());
        wire_.pop_front();
        (f.to_server ? *server_if_ : *client_if_).receive(f.bytes, now);
      }
      server_if_->poll(now);
      client_if_->poll(now);
      server_tcp_->poll(now);
      client_tcp_->poll(now);
      services->poll(now);
    }
  }

 private:
  struct InFlight {
    Instant at;
    bool to_server;
    Bytes bytes;
  };
  static std::unique_ptr<Interface> make_interface(const char* prefix) {
    InterfaceConfig c;
    c.medium = Medium::ip;
    c.addresses = {*IpPrefix::parse(prefix)};
    c.tx_queue_limit = 1 << 20;
    auto iface = Interface::create(c);
    if (!iface) throw std::runtime_error(iface.error().message);
    return std::make_unique<Interface>(std::move(*iface));
  }
  static std::unique_ptr<tcp::Tcp> must_create(Interface& iface) {
    auto t = tcp::Tcp::create(iface);
    if (!t) throw std::runtime_error(t.error().message);
    return std::move(*t);
  }
  void dispatch() {
    for (const auto& e : server_tcp_->take_events()) services->handle(e, now);
    for (const auto& e : client_tcp_->take_events())
      if (client) client->handle(e, now);
  }
  void collect() {
    for (Bytes& p : drain(*server_if_)) wire_.push_back({now + 1ms, false, std::move(p)});
    for (Bytes& p : drain(*client_if_)) wire_.push_back({now + 1ms, true, std::move(p)});
  }

  std::unique_ptr<Interface> server_if_, client_if_;
  std::unique_ptr<tcp::Tcp> server_tcp_, client_tcp_;
  std::deque<InFlight> wire_;
};

// A client connection driven by the test through the Tcp API.
class RawClient {
 public:
  RawClient(Net& net, std::uint16_t port) : net_(net) {
    auto s = net.client_tcp().connect({net.server, port}, net.now);
    EXPECT_TRUE(s.has_value());
    socket_ = s.value_or(tcp::Socket{});
    EXPECT_TRUE(net.run([&] { return net.client_tcp().status(socket_).state == tcp::State::established; }))
        << "handshake";
  }
  tcp::Socket socket() const { return socket_; }

  // Sends all of `data` (the link runs while the send buffer is full), reading as it goes.
  void send(std::string_view data) {
    std::size_t sent = 0;
    ASSERT_TRUE(net_.run([&] {
      read_available();
      while (sent < data.size()) {
        auto n = net_.client_tcp().send(socket_, bytes(data.substr(sent)), net_.now);
        if (!n || *n == 0) break;
        sent += *n;
      }
      return sent == data.size();
    })) << "sent " << sent << " of " << data.size();
  }
  void shutdown() { ASSERT_TRUE(net_.client_tcp().shutdown(socket_, net_.now)); }
  // Runs until `received` holds `n` bytes (or the stream ends).
  bool receive_at_least(std::size_t n, Duration limit = 120s) {
    return net_.run([&] {
      read_available();
      return received.size() >= n || eof || error;
    }, limit) && received.size() >= n;
  }
  bool receive_until_eof(Duration limit = 120s) {
    return net_.run([&] {
      read_available();
      return eof || error;
    }, limit) && eof;
  }
  bool receive_until(std::string_view needle, Duration limit = 120s) {
    return net_.run([&] {
      read_available();
      return received.find(needle) != std::string::npos || eof || error;
    }, limit) && received.find(needle) != std::string::npos;
  }

  std::string received;
  bool eof = false;
  bool error = false;

 private:
  void read_available() {
    std::vector<std::uint8_t> buf(64 * 1024);
    for (;;) {
      auto n = net_.client_tcp().receive(socket_, buf, net_.now);
      if (!n) {
        error = true;
        return;
      }
      if (*n == 0) {
        const auto st = net_.client_tcp().status(socket_);
        eof = st.eof;
        error = st.error.has_value();
        return;
      }
      received.append(reinterpret_cast<const char*>(buf.data()), *n);
    }
  }
  Net& net_;
  tcp::Socket socket_;
};

TcpClientRequest request_to(const IpAddress& server, std::uint16_t port, std::optional<std::string> http_get = {},
                            std::uint64_t send_bytes = 0) {
  TcpClientRequest r;
  r.remote = {server, port};
  r.http_get = std::move(http_get);
  r.send_bytes = send_bytes;
  return r;
}

std::string random_text(std::size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::string s(n, '\0');
  for (auto& c : s) c = static_cast<char>(rng());
  return s;
}

// --- echo, discard, chargen ------------------------------------------------------------------

TEST(Rfc862Echo, EveryByteComesBackAndCloseFollowsTheClients) {
  Net net;
  ASSERT_TRUE(net.services->add(TcpServiceKind::echo, 7));
  RawClient c(net, 7);
  const std::string data = random_text(3'000'000, 1);  // far more than one send buffer
  c.send(data);
  ASSERT_TRUE(c.receive_at_least(data.size())) << c.received.size();
  EXPECT_TRUE(c.received == data) << "echoed bytes differ";
  c.shutdown();
  EXPECT_TRUE(c.receive_until_eof()) << "the server closes after the client's FIN";
  EXPECT_EQ(c.received.size(), data.size());
  EXPECT_EQ(net.services->counters().bytes_received, data.size());
  EXPECT_EQ(net.services->counters().bytes_sent, data.size());
  EXPECT_TRUE(net.run([&] { return net.services->connection_count() == 0; }));
  EXPECT_EQ(net.services->counters().closed, 1u);
}

TEST(Rfc863Discard, ReadsEverythingAndSendsNothing) {
  Net net;
  ASSERT_TRUE(net.services->add(TcpServiceKind::discard, 9));
  RawClient c(net, 9);
  c.send(random_text(2'000'000, 2));
  c.shutdown();
  EXPECT_TRUE(c.receive_until_eof());
  EXPECT_TRUE(c.received.empty());
  EXPECT_EQ(net.services->counters().bytes_received, 2'000'000u);
  EXPECT_EQ(net.services->counters().bytes_sent, 0u);
}

TEST(Rfc864Chargen, StreamsThePatternUntilTheClientCloses) {
  Net net;
  ASSERT_TRUE(net.services->add(TcpServiceKind::chargen, 19));
  RawClient c(net, 19);
  ASSERT_TRUE(c.receive_at_least(1'000'000));
  EXPECT_EQ(c.received.substr(0, 74), text(chargen_bytes(0, 74)));
  for (std::size_t at = 0; at + 7030 <= c.received.size(); at += 7030)
    ASSERT_EQ(c.received.substr(at, 7030), text(chargen_bytes(0, 7030))) << "period at " << at;
  c.send("input is thrown away\r\n");
  net.client_tcp().close(c.socket(), net.now);  // unread data: our side resets
  EXPECT_TRUE(net.run([&] { return net.services->connection_count() == 0; }));
}

// --- HTTP ------------------------------------------------------------------------------------

std::string get(std::string_view path, std::string_view extra = "") {
  return fmt::format("GET {} HTTP/1.1\r\nHost: t\r\n{}\r\n", path, extra);
}

TEST(Rfc9112Server, KeepAliveServesRequestsInTurnOnOneConnection) {
  Net net;
  ASSERT_TRUE(net.services->add(TcpServiceKind::http, 80));
  RawClient c(net, 80);
  c.send(get("/"));
  ASSERT_TRUE(c.receive_until("</html>\n"));
  EXPECT_TRUE(c.received.starts_with("HTTP/1.1 200 OK\r\n")) << c.received;
  EXPECT_NE(c.received.find("Content-Type: text/html"), std::string::npos);
  const auto length_at = c.received.find("Content-Length: ");
  ASSERT_NE(length_at, std::string::npos);
  const auto body_at = c.received.find("\r\n\r\n") + 4;
  EXPECT_EQ(std::stoul(c.received.substr(length_at + 16)), c.received.size() - body_at);
  c.received.clear();
  c.send(get("/bytes/10"));
  ASSERT_TRUE(c.receive_until("\r\n\r\n"));
  ASSERT_TRUE(c.receive_at_least(c.received.find("\r\n\r\n") + 4 + 10));
  EXPECT_EQ(c.received.substr(c.received.find("\r\n\r\n") + 4), std::string("\0\1\2\3\4\5\6\7\10\11", 10));
  EXPECT_FALSE(c.eof);
  EXPECT_EQ(net.services->counters().http_requests, 2u);
  EXPECT_EQ(net.services->connection_count(), 1u);
}

TEST(Rfc9112Server, PipelinedRequestsAreAnsweredInOrder) {
  Net net;
  ASSERT_TRUE(net.services->add(TcpServiceKind::http, 80));
  RawClient c(net, 80);
  // §9.3.2: a server MAY process pipelined requests in parallel... but MUST send the
  // responses in the same order. A large response first proves the others wait for it.
  c.send(get("/bytes/300000") + get("/nothing-here") + "HEAD /bytes/7 HTTP/1.1\r\nHost: t\r\n\r\n" +
         get("/bytes/3", "Connection: close\r\n"));
  ASSERT_TRUE(c.receive_until_eof());
  const std::string& r = c.received;
  const auto first_body = r.find("\r\n\r\n") + 4;
  ASSERT_TRUE(r.starts_with("HTTP/1.1 200 OK\r\n"));
  const std::string second = r.substr(first_body + 300000);
  EXPECT_TRUE(second.starts_with("HTTP/1.1 404 Not Found\r\n")) << second.substr(0, 40);
  const auto third_at = second.find("HTTP/1.1 200 OK\r\n");
  ASSERT_NE(third_at, std::string::npos);
  EXPECT_NE(second.find("Content-Length: 7\r\n", third_at), std::string::npos) << "HEAD gives GET's length";
  const auto fourth_at = second.find("HTTP/1.1 200 OK\r\n", third_at + 1);
  ASSERT_NE(fourth_at, std::string::npos);
  EXPECT_EQ(second.substr(second.find("\r\n\r\n", third_at) + 4, 17), "HTTP/1.1 200 OK\r\n") << "HEAD has no body";
  EXPECT_NE(second.find("Connection: close\r\n", fourth_at), std::string::npos);
  EXPECT_TRUE(second.ends_with("\r\n\r\n\0\1\2"s)) << "the last body, then EOF";
  EXPECT_EQ(net.services->counters().http_requests, 4u);
}

TEST(Rfc9112Server, LargeDownloadStreamsThePattern) {
  Net net;
  ASSERT_TRUE(net.services->add(TcpServiceKind::http, 80));
  constexpr std::uint64_t kSize = 20'000'000;
  std::uint64_t sunk = 0;
  auto client = TcpClient::start(net.client_tcp(), request_to(net.server, 80, "/bytes/20000000"),
                                 [&](ByteSpan b) -> Result<void> {
                                   sunk += b.size();
                                   return {};
                                 },
                                 net.now);
  ASSERT_TRUE(client);
  net.client = &*client;
  ASSERT_TRUE(net.run([&] { return client->done(); }, 600s));
  ASSERT_TRUE(client->result()) << client->result().error().message;
  const auto& report = *client->result();
  EXPECT_EQ(report.http_status, 200);
  EXPECT_EQ(report.bytes_received, kSize);
  EXPECT_EQ(sunk, kSize);
  EXPECT_EQ(report.received_sha256, pattern_sha256(kSize));
  // The services never held the body: their memory is the connection, not 20 MB.
  EXPECT_LE(net.services->counters().bytes_sent, kSize + 1000);
}

// An upload with Content-Length, then the same bytes chunked: both replies name the bytes
// and their SHA-256.
TEST(Rfc9112Server, UploadRepliesWithLengthAndSha256) {
  Net net;
  ASSERT_TRUE(net.services->add(TcpServiceKind::http, 80));
  const std::string body = random_text(1'500'000, 3);
  const std::string digest = sha256_hex(bytes(body));
  RawClient c(net, 80);
  c.send(fmt::format("POST /upload HTTP/1.1\r\nHost: t\r\nContent-Length: {}\r\n\r\n", body.size()) + body);
  ASSERT_TRUE(c.receive_until("}\n"));
  EXPECT_TRUE(c.received.starts_with("HTTP/1.1 200 OK\r\n")) << c.received;
  EXPECT_NE(c.received.find(fmt::format("{{\"bytes\": {}, \"sha256\": \"{}\"}}\n", body.size(), digest)),
            std::string::npos)
      << c.received;

  c.received.clear();
  std::string chunked = "PUT /x HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n";
  for (std::size_t at = 0; at < body.size(); at += 100'000)
    chunked += fmt::format("{:x}\r\n{}\r\n", std::min<std::size_t>(100'000, body.size() - at), body.substr(at, 100'000));
  chunked += "0\r\n\r\n";
  c.send(chunked);
  ASSERT_TRUE(c.receive_until("}\n"));
  EXPECT_NE(c.received.find(digest), std::string::npos) << c.received;
  EXPECT_EQ(net.services->counters().http_uploads, 2u);
}

// Body bytes and the next request arrive together: the body ends exactly at its length
// (or last chunk) and the rest is the next request.
TEST(Rfc9112Server, RequestAfterABodyInTheSameSegmentIsServed) {
  Net net;
  ASSERT_TRUE(net.services->add(TcpServiceKind::http, 80));
  RawClient c(net, 80);
  c.send("POST /a HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\n\r\nabc"
         "PUT /b HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n1\r\na\r\n2\r\nbc\r\n0\r\n\r\n" +
         get("/bytes/2", "Connection: close\r\n"));
  ASSERT_TRUE(c.receive_until_eof());
  const std::string abc = "\"bytes\": 3, \"sha256\": \"ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad\"";
  const auto first = c.received.find(abc);
  ASSERT_NE(first, std::string::npos) << c.received;
  EXPECT_NE(c.received.find(abc, first + 1), std::string::npos) << "the chunked upload of the same bytes";
  EXPECT_TRUE(c.received.ends_with("Connection: close\r\n\r\n\0\1"s)) << c.received;
  EXPECT_EQ(net.services->counters().http_requests, 3u);
}

TEST(Rfc9110Expect, ContinueComesBeforeTheBodyIsSent) {
  Net net;
  ASSERT_TRUE(net.services->add(TcpServiceKind::http, 80));
  RawClient c(net, 80);
  c.send("POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\nExpect: 100-continue\r\n\r\n");
  ASSERT_TRUE(c.receive_until("\r\n\r\n"));
  EXPECT_EQ(c.received, "HTTP/1.1 100 Continue\r\n\r\n");
  c.send("abc");
  ASSERT_TRUE(c.receive_until("}\n"));
  EXPECT_NE(c.received.find("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"), std::string::npos);
}

TEST(Rfc9112Server, ErrorsAnswerThenClose) {
  struct Case {
    const char* name;
    std::string request;
    const char* status_line;
    bool closes;
  };
  const std::vector<Case> cases = {
      {"malformed request line", "GET/ HTTP/1.1\r\nHost: t\r\n\r\n", "HTTP/1.1 400 Bad Request\r\n", true},
      {"no Host", "GET / HTTP/1.1\r\n\r\n", "HTTP/1.1 400 Bad Request\r\n", true},
      {"head too large", get("/", "X-Big: " + std::string(20'000, 'b') + "\r\n"),
       "HTTP/1.1 431 Request Header Fields Too Large\r\n", true},
      {"HTTP/2", "GET / HTTP/2.0\r\nHost: t\r\n\r\n", "HTTP/1.1 505 HTTP Version Not Supported\r\n", true},
      {"gzip coding", "POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
       "HTTP/1.1 501 Not Implemented\r\n", true},
      {"bad chunk", "POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
       "HTTP/1.1 400 Bad Request\r\n", true},
      {"DELETE", "DELETE / HTTP/1.1\r\nHost: t\r\n\r\n", "HTTP/1.1 405 Method Not Allowed\r\n", false},
      {"unknown path", get("/nope"), "HTTP/1.1 404 Not Found\r\n", false},
      {"bad byte count", get("/bytes/12x"), "HTTP/1.1 404 Not Found\r\n", false},
  };
  for (const auto& k : cases) {
    Net net;
    ASSERT_TRUE(net.services->add(TcpServiceKind::http, 80));
    RawClient c(net, 80);
    c.send(k.request);
    ASSERT_TRUE(c.receive_until("\r\n\r\n")) << k.name;
    EXPECT_TRUE(c.received.starts_with(k.status_line)) << k.name << ": " << c.received;
    if (std::string_view(k.status_line).find("405") != std::string_view::npos) {
      EXPECT_NE(c.received.find("Allow: GET, HEAD, POST, PUT\r\n"), std::string::npos);
    }
    if (k.closes) {
      EXPECT_NE(c.received.find("Connection: close\r\n"), std::string::npos) << k.name;
      EXPECT_TRUE(c.receive_until_eof(10s)) << k.name << ": the server closes";
    } else {
      c.received.clear();
      c.send(get("/bytes/1"));
      EXPECT_TRUE(c.receive_until("HTTP/1.1 200 OK\r\n")) << k.name << ": the connection still serves";
    }
  }
}

TEST(Rfc9112Server, IdleKeepAliveConnectionTimesOut) {
  TcpServiceOptions options;
  options.http_idle_timeout = 30s;
  Net net(options);
  ASSERT_TRUE(net.services->add(TcpServiceKind::http, 80));
  RawClient c(net, 80);
  c.send(get("/"));
  ASSERT_TRUE(c.receive_until("</html>\n"));
  const Instant answered = net.now;
  EXPECT_TRUE(c.receive_until_eof(60s));
  EXPECT_GE(net.now - answered, 30s);
  EXPECT_LT(net.now - answered, 32s);
  EXPECT_EQ(net.services->counters().idle_timeouts, 1u);
  EXPECT_EQ(net.services->connection_count(), 0u);
}

// After our FIN the server drains input for the linger time (so a client still sending
// does not turn the response into a RST), then lets go even if the client never closes.
TEST(Rfc9112Server, LingerAfterOurFinIsBounded) {
  TcpServiceOptions options;
  options.linger = 2s;
  Net net(options);
  ASSERT_TRUE(net.services->add(TcpServiceKind::http, 80));
  RawClient c(net, 80);
  c.send("BAD\r\n\r\n");
  ASSERT_TRUE(c.receive_until_eof(10s));
  EXPECT_TRUE(c.received.starts_with("HTTP/1.1 400 Bad Request\r\n"));
  const Instant fin = net.now;
  c.send("the client goes on sending after the 400\r\n");
  EXPECT_EQ(net.services->connection_count(), 1u) << "still draining";
  ASSERT_TRUE(net.run([&] { return net.services->connection_count() == 0; }, 10s));
  EXPECT_GE(net.now - fin, 1900ms);
  EXPECT_LE(net.now - fin, 2100ms);
  EXPECT_EQ(net.services->counters().idle_timeouts, 0u) << "a linger is not an idle timeout";
}

TEST(Rfc9112Server, ClientResetLeavesTheServerServing) {
  Net net;
  ASSERT_TRUE(net.services->add(TcpServiceKind::http, 80));
  {
    RawClient c(net, 80);
    c.send(get("/bytes/50000000"));
    ASSERT_TRUE(c.receive_at_least(100'000));
    net.client_tcp().abort(c.socket(), net.now);
  }
  EXPECT_TRUE(net.run([&] { return net.services->connection_count() == 0; }));
  EXPECT_EQ(net.services->counters().failed, 1u);
  RawClient d(net, 80);
  d.send(get("/", "Connection: close\r\n"));
  EXPECT_TRUE(d.receive_until_eof());
  EXPECT_TRUE(d.received.starts_with("HTTP/1.1 200 OK\r\n"));
}

TEST(Rfc9112Server, ManyConcurrentConnectionsAreAllAnswered) {
  Net net;
  ASSERT_TRUE(net.services->add(TcpServiceKind::http, 80));
  constexpr int kClients = 300;
  std::vector<tcp::Socket> sockets;
  for (int i = 0; i < kClients; ++i) {
    auto s = net.client_tcp().connect({net.server, 80}, net.now);
    ASSERT_TRUE(s);
    sockets.push_back(*s);
  }
  const std::string request = get("/bytes/1000", "Connection: close\r\n");
  std::vector<bool> sent(kClients), finished(kClients);
  std::vector<std::size_t> got(kClients);
  std::vector<std::uint8_t> buf(4096);
  int done = 0;
  ASSERT_TRUE(net.run([&] {
    for (int i = 0; i < kClients; ++i) {
      if (finished[i]) continue;
      auto& tcp = net.client_tcp();
      if (!sent[i] && tcp.status(sockets[i]).state == tcp::State::established) {
        sent[i] = tcp.send(sockets[i], bytes(request), net.now).value_or(0) == request.size();
      }
      while (auto n = tcp.receive(sockets[i], buf, net.now)) {
        if (*n == 0) break;
        got[i] += *n;
      }
      if (tcp.status(sockets[i]).eof) {
        finished[i] = true;
        ++done;
        tcp.close(sockets[i], net.now);
      }
    }
    return done == kClients;
  })) << done << " of " << kClients;
  for (int i = 0; i < kClients; ++i) EXPECT_GT(got[i], 1000u) << i;
  EXPECT_EQ(net.services->counters().http_requests, static_cast<std::uint64_t>(kClients));
  EXPECT_EQ(net.services->counters().http_2xx, static_cast<std::uint64_t>(kClients));
}

// --- the client --------------------------------------------------------------------------------

TEST(TcpClient, RawSendsThePatternAndHashesWhatComesBack) {
  Net net;
  ASSERT_TRUE(net.services->add(TcpServiceKind::echo, 7));
  auto client = TcpClient::start(net.client_tcp(), request_to(net.server, 7, {}, 1'000'000),
                                 [](ByteSpan) -> Result<void> { return {}; }, net.now);
  ASSERT_TRUE(client);
  net.client = &*client;
  ASSERT_TRUE(net.run([&] { return client->done(); }));
  ASSERT_TRUE(client->result()) << client->result().error().message;
  const auto& r = *client->result();
  EXPECT_EQ(r.bytes_sent, 1'000'000u);
  EXPECT_EQ(r.bytes_received, 1'000'000u);
  EXPECT_EQ(r.sent_sha256, pattern_sha256(1'000'000));
  EXPECT_EQ(r.received_sha256, r.sent_sha256);
  EXPECT_FALSE(r.http_status);
}

TEST(TcpClient, RefusedConnectionIsAnError) {
  Net net;
  auto client = TcpClient::start(net.client_tcp(), request_to(net.server, 81, "/"),
                                 [](ByteSpan) -> Result<void> { return {}; }, net.now);
  ASSERT_TRUE(client);
  net.client = &*client;
  ASSERT_TRUE(net.run([&] { return client->done(); }));
  ASSERT_FALSE(client->result());
  EXPECT_EQ(client->result().error().code, std::make_error_code(std::errc::connection_refused))
      << client->result().error().message;
  EXPECT_NE(client->result().error().message.find("10.0.0.9:81"), std::string::npos);
}

TEST(TcpClient, SinkErrorStopsTheTransfer) {
  Net net;
  ASSERT_TRUE(net.services->add(TcpServiceKind::chargen, 19));
  auto client = TcpClient::start(net.client_tcp(), request_to(net.server, 19),
                                 [](ByteSpan) -> Result<void> {
                                   return fail(std::make_error_code(std::errc::no_space_on_device), "disk full");
                                 },
                                 net.now);
  ASSERT_TRUE(client);
  net.client = &*client;
  ASSERT_TRUE(net.run([&] { return client->done(); }));
  ASSERT_FALSE(client->result());
  EXPECT_EQ(client->result().error().message, "disk full");
  EXPECT_TRUE(net.run([&] { return net.services->connection_count() == 0; })) << "the server saw the reset";
}

// The test plays a server on the server stack's Tcp directly: it answers the client's GET
// with `response`, then closes. Returns the client's result and what the sink got.
std::pair<Result<TcpClientReport>, std::string> get_from_scripted_server(std::string_view response) {
  Net net;
  auto listener = net.server_tcp().listen(8080);
  EXPECT_TRUE(listener);
  std::string sunk;
  auto client = TcpClient::start(net.client_tcp(), request_to(net.server, 8080, "/x"),
                                 [&](ByteSpan b) -> Result<void> {
                                   sunk += text(b);
                                   return {};
                                 },
                                 net.now);
  EXPECT_TRUE(client);
  net.client = &*client;
  std::optional<tcp::Socket> s;
  std::string request;
  std::vector<std::uint8_t> buf(4096);
  bool answered = false;
  EXPECT_TRUE(net.run([&] {
    if (!s) s = net.server_tcp().accept(*listener);
    if (s && !answered) {
      while (auto n = net.server_tcp().receive(*s, buf, net.now)) {
        if (*n == 0) break;
        request += text(ByteSpan(buf).first(*n));
      }
      if (request.ends_with("\r\n\r\n")) {
        EXPECT_TRUE(request.starts_with("GET /x HTTP/1.1\r\nHost: 10.0.0.9:8080\r\n")) << request;
        EXPECT_EQ(net.server_tcp().send(*s, bytes(response), net.now).value_or(0), response.size());
        net.server_tcp().close(*s, net.now);
        answered = true;
      }
    }
    return client->done();
  }));
  return {client->result(), sunk};
}

TEST(TcpClient, ChunkedResponseBodyIsDecodedAndHashed) {
  const auto [result, sunk] = get_from_scripted_server(
      "HTTP/1.1 100 Continue\r\n\r\n"
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n");
  ASSERT_TRUE(result) << result.error().message;
  EXPECT_EQ(result->http_status, 200) << "the interim 100 is skipped";
  EXPECT_EQ(sunk, "abc");
  EXPECT_EQ(result->bytes_received, 3u);
  EXPECT_EQ(result->received_sha256, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(TcpClient, BodyCutShortIsAnError) {
  const auto [result, sunk] = get_from_scripted_server("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabcd");
  ASSERT_FALSE(result);
  EXPECT_NE(result.error().message.find("cut short after 4 bytes of 10"), std::string::npos) << result.error().message;
  EXPECT_EQ(sunk, "abcd");
}

TEST(TcpClient, BodyUntilEofWithoutLength) {
  const auto [result, sunk] = get_from_scripted_server("HTTP/1.0 404 Not Found\r\n\r\nnot here");
  ASSERT_TRUE(result) << result.error().message;
  EXPECT_EQ(result->http_status, 404);
  EXPECT_EQ(sunk, "not here");
}

TEST(TcpClient, BadPathIsRejectedBeforeConnecting) {
  Net net;
  auto client = TcpClient::start(net.client_tcp(), request_to(net.server, 80, "no-slash"),
                                 [](ByteSpan) -> Result<void> { return {}; }, net.now);
  EXPECT_FALSE(client);
}

}  // namespace
}  // namespace tunkit::stack
