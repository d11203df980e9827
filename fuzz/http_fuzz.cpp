// HTTP/1.1 (RFC 9112): the request- and response-head parsers, the chunked decoder, and the
// server built on them (TcpServices' http service), on any bytes.
//
// Byte 0 of the input is a mode, the rest is HTTP text, used three ways:
//   heads:   http::parse_request and parse_response with the server's limit (16 KiB) and
//            with a small one. `consumed` ends a line within the input and the limit; a
//            complete request has a token method, a target without spaces or controls,
//            HTTP/1.0 or 1.1, never both chunked and a Content-Length, Expect: 100-continue
//            only in 1.1; input[0, consumed) parses the same, and every shorter prefix is
//            incomplete (heads are recognised from their bytes alone, whatever follows).
//   chunked: ChunkedDecoder (max_line 4096, or 16 with mode bit 4) on what follows a
//            complete head (else on all of it), at once and in pieces of 1, 2, 3, 5, 8 ...
//            bytes: the same verdict, data and bytes consumed; all of the input unless done;
//            nothing more once done.
//   server:  two in-memory stacks (A 10.0.0.1, B 10.0.0.2 with the http service on port
//            80, both on a virtual clock with fixed-seed randomness); a client on A sends
//            the text in writes of 1, 7, 64, 512, 1460, 4096 or all bytes (mode bits 1-3,
//            the link delivering between writes; at most 2 KiB of text for writes below 64
//            bytes, 8 KiB for 64), half-closes after it (mode bit 0) or not,
//            and reads until the server closes, 90 s pass or 256 KiB arrived (/bytes/N).
//            What came back is a sequence of HTTP/1.1 responses: each head parses, has a
//            status the server knows and a Content-Length that frames its body (none for
//            100 Continue, or after HEAD), nothing follows Connection: close, nothing is cut
//            short unless the connection was reset, and there is no response at all
//            without a line feed in the text. Then the client closes, and a fresh
//            connection's `GET / HTTP/1.1` with Host gets exactly one 200 with its body;
//            every counter only grows; and once idle and TIME-WAIT timers have run out,
//            neither the services nor either Tcp holds a connection.
// No crash, UB or leak anywhere.
#include <sodium.h>

#include <algorithm>
#include <array>
#include <bit>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_check.hpp"
#include "tunkit/stack/interface.hpp"
#include "tunkit/stack/tcp/tcp.hpp"
#include "tunkit/stack/tcp_services.hpp"

namespace {

using namespace tunkit;
using namespace tunkit::stack;
using namespace std::chrono_literals;
using Bytes = std::vector<std::uint8_t>;

// --- reproducible randomness: splitmix64 from a fixed seed, reset for every input --------
std::uint64_t random_state = 0;
std::uint64_t next_random() noexcept {
  std::uint64_t z = (random_state += 0x9e3779b97f4a7c15);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9;
  z = (z ^ (z >> 27)) * 0x94d049bb133111eb;
  return z ^ (z >> 31);
}
const char* fixed_name() { return "tunkit-fuzz-fixed"; }
std::uint32_t fixed_u32() { return static_cast<std::uint32_t>(next_random()); }
void fixed_stir() {}
std::uint32_t fixed_uniform(const std::uint32_t bound) {
  return bound < 2 ? 0 : static_cast<std::uint32_t>(next_random() % bound);
}
void fixed_buf(void* out, const std::size_t size) {
  auto* p = static_cast<std::uint8_t*>(out);
  for (std::size_t i = 0; i < size; ++i) p[i] = static_cast<std::uint8_t>(next_random());
}
int fixed_close() { return 0; }
// The same keys for every input: constructed before anything that draws randomness.
struct Reseed {
  Reseed() noexcept { random_state = 0x243f6a8885a308d3; }
};
randombytes_implementation fixed_implementation = {fixed_name, fixed_u32,   fixed_stir,
                                                   fixed_uniform, fixed_buf, fixed_close};

void require(bool ok, const char* what) {
  if (ok) return;
  std::fprintf(stderr, "http_fuzz setup: %s\n", what);
  std::abort();
}

ByteSpan bytes(std::string_view s) { return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()}; }

template <class T>
bool counters_grow(const T& before, const T& after) {
  static_assert(sizeof(T) % sizeof(std::uint64_t) == 0);
  using Array = std::array<std::uint64_t, sizeof(T) / sizeof(std::uint64_t)>;
  const auto b = std::bit_cast<Array>(before), a = std::bit_cast<Array>(after);
  for (std::size_t i = 0; i < a.size(); ++i)
    if (a[i] < b[i]) return false;
  return true;
}

// --- heads -------------------------------------------------------------------------------

bool is_tchar(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
         std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

bool same(const http::RequestHead& a, const http::RequestHead& b) {
  return a.method == b.method && a.target == b.target && a.version_minor == b.version_minor &&
         a.content_length == b.content_length && a.chunked == b.chunked && a.close == b.close &&
         a.expect_continue == b.expect_continue;
}
bool same(const http::ResponseHead& a, const http::ResponseHead& b) {
  return a.status == b.status && a.version_minor == b.version_minor && a.content_length == b.content_length &&
         a.chunked == b.chunked && a.close == b.close;
}

bool contains_lowercase(std::string_view text, std::string_view word) {
  std::string lower(text);
  for (char& c : lower)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return lower.find(word) != std::string::npos;
}

// The checks every head parser owes, for parse_request and parse_response alike.
template <class Parse>
auto check_head(std::string_view text, std::size_t max, Parse parse) {
  const auto p = parse(text, max);
  if (p.status == http::ParseStatus::incomplete || p.status == http::ParseStatus::too_large) {
    TUNKIT_FUZZ_CHECK(p.consumed == 0);
    if (p.status == http::ParseStatus::too_large) TUNKIT_FUZZ_CHECK(text.size() >= max);
    else TUNKIT_FUZZ_CHECK(text.size() < max);
    return p;
  }
  if (p.status != http::ParseStatus::complete) {  // refused (the server answers 4xx/5xx)
    TUNKIT_FUZZ_CHECK(p.consumed == 0 || (p.consumed <= text.size() && text[p.consumed - 1] == '\n'));
    return p;
  }
  TUNKIT_FUZZ_CHECK(p.consumed > 0 && p.consumed <= text.size() && p.consumed <= max);
  TUNKIT_FUZZ_CHECK(text[p.consumed - 1] == '\n');
  const auto exact = parse(text.substr(0, p.consumed), max);
  TUNKIT_FUZZ_CHECK(exact.status == p.status && exact.consumed == p.consumed && same(exact.head, p.head));
  for (const std::size_t cut : {std::size_t{0}, p.consumed / 2, p.consumed - 1}) {
    const auto prefix = parse(text.substr(0, cut), max);
    TUNKIT_FUZZ_CHECK(prefix.status == http::ParseStatus::incomplete && prefix.consumed == 0);
  }
  return p;
}

void heads(std::string_view text) {
  auto request = [](std::string_view t, std::size_t m) { return http::parse_request(t, m); };
  auto response = [](std::string_view t, std::size_t m) { return http::parse_response(t, m); };
  for (const std::size_t max : {std::size_t{16 * 1024}, std::size_t{40}}) {
    const auto r = check_head(text, max, request);
    if (r.status == http::ParseStatus::complete) {
      const http::RequestHead& h = r.head;
      TUNKIT_FUZZ_CHECK(!h.method.empty() && std::all_of(h.method.begin(), h.method.end(), is_tchar));
      TUNKIT_FUZZ_CHECK(!h.target.empty() && std::none_of(h.target.begin(), h.target.end(), [](char c) {
        return static_cast<unsigned char>(c) <= 0x20 || c == 0x7f;
      }));
      TUNKIT_FUZZ_CHECK(h.version_minor >= 0 && h.version_minor <= 9);  // HTTP/1.x
      TUNKIT_FUZZ_CHECK(!(h.chunked && h.content_length));
      TUNKIT_FUZZ_CHECK(!h.chunked || h.version_minor >= 1);
      TUNKIT_FUZZ_CHECK(!h.expect_continue || h.version_minor >= 1);
      // §9.3: 1.0 persists only with keep-alive.
      TUNKIT_FUZZ_CHECK(h.version_minor != 0 || h.close || contains_lowercase(text, "keep-alive"));
    }
    const auto s = check_head(text, max, response);
    if (s.status == http::ParseStatus::complete) {
      TUNKIT_FUZZ_CHECK(s.head.status >= 100 && s.head.status <= 999);
      TUNKIT_FUZZ_CHECK(!(s.head.chunked && s.head.content_length));
    }
  }
}

// --- chunked -----------------------------------------------------------------------------

struct Decoded {
  bool ok = true;
  bool done = false;
  std::size_t consumed = 0;
  std::string data;
};

// Feeds `body` in pieces of `sizes` (cycled; 0 = all at once).
Decoded decode(ByteSpan body, std::size_t max_line, std::span<const std::size_t> sizes) {
  Decoded d;
  http::ChunkedDecoder decoder(max_line);
  auto sink = [&](ByteSpan data) { d.data.append(reinterpret_cast<const char*>(data.data()), data.size()); };
  std::size_t at = 0;
  for (std::size_t k = 0; at < body.size() && !decoder.done(); ++k) {
    const std::size_t piece = sizes[k % sizes.size()] == 0 ? body.size() - at
                                                           : std::min(sizes[k % sizes.size()], body.size() - at);
    const auto used = decoder.feed(body.subspan(at, piece), sink);
    if (!used) {
      d.ok = false;
      break;
    }
    TUNKIT_FUZZ_CHECK(*used <= piece);
    // Short of the end of the message, a decoder takes every byte it is given.
    TUNKIT_FUZZ_CHECK(*used == piece || decoder.done());
    at += *used;
  }
  d.done = decoder.done();
  d.consumed = at;
  if (d.done) {
    // Once done, nothing more is part of the message.
    const auto more = decoder.feed(bytes("0\r\n\r\n"), sink);
    TUNKIT_FUZZ_CHECK(more && *more == 0);
  }
  return d;
}

void chunked(ByteSpan body, std::size_t max_line) {
  static constexpr std::size_t all[] = {0};
  static constexpr std::size_t pieces[] = {1, 2, 3, 5, 8, 13, 21, 34, 55, 89};
  const Decoded whole = decode(body, max_line, all);
  const Decoded split = decode(body, max_line, pieces);
  TUNKIT_FUZZ_CHECK(whole.ok == split.ok && whole.done == split.done && whole.data == split.data);
  if (whole.ok) {
    TUNKIT_FUZZ_CHECK(whole.consumed == split.consumed);
    TUNKIT_FUZZ_CHECK(whole.done || whole.consumed == body.size());
    TUNKIT_FUZZ_CHECK(whole.data.size() <= whole.consumed);
  }
}

// --- the server --------------------------------------------------------------------------

const IpAddress kA = IpAddress::v4(10, 0, 0, 1), kB = IpAddress::v4(10, 0, 0, 2);
constexpr std::uint16_t kPort = 80;
const Instant kStart = Instant{} + std::chrono::hours(1);

struct Host {
  std::unique_ptr<Interface> iface;  // the Tcp holds a reference: it must not move
  std::unique_ptr<tcp::Tcp> tcp;

  explicit Host(const char* prefix) {
    InterfaceConfig c;
    c.medium = Medium::ip;
    c.addresses = {*IpPrefix::parse(prefix)};
    auto i = Interface::create(c);
    require(i.has_value(), "interface");
    iface = std::make_unique<Interface>(std::move(*i));
    auto t = tcp::Tcp::create(*iface);
    require(t.has_value(), "tcp");
    tcp = std::move(*t);
  }
};

// What a client connection saw.
struct Exchange {
  std::string received;
  bool clean_eof = false;  // the server's FIN, after every byte
  bool reset = false;      // reset (or aborted by us at the byte limit)
};

class World {
 public:
  Instant now = kStart;
  Reseed reseed;  // first: the hosts below draw their keys from it
  Host a{"10.0.0.1/24"}, b{"10.0.0.2/24"};
  TcpServices services{*b.tcp};
  TcpServiceCounters services_seen;
  tcp::TcpCounters a_seen, b_seen;

  World() {
    require(services.add(TcpServiceKind::http, kPort).has_value(), "http service");
  }

  void check_counters() {
    TUNKIT_FUZZ_CHECK(counters_grow(services_seen, services.counters()));
    TUNKIT_FUZZ_CHECK(counters_grow(a_seen, a.tcp->counters()));
    TUNKIT_FUZZ_CHECK(counters_grow(b_seen, b.tcp->counters()));
    services_seen = services.counters();
    a_seen = a.tcp->counters();
    b_seen = b.tcp->counters();
  }

  // Delivers both queues to the other side (the only two hosts), with the server
  // handling its events; false if nothing was queued.
  bool deliver() {
    bool moved = false;
    for (int round = 0; round < 64; ++round) {
      bool any = false;
      for (Host* from : {&a, &b}) {
        Host& to = from == &a ? b : a;
        const std::size_t n = from->iface->transmit_count();
        if (n == 0) continue;
        std::vector<Bytes> packets;
        for (std::size_t i = 0; i < n; ++i) {
          const auto p = from->iface->transmit_packet(i);
          packets.emplace_back(p.begin(), p.end());
        }
        from->iface->transmit_done(n);
        from->tcp->on_transmit_space(now);
        for (const Bytes& p : packets) to.iface->receive(p, now);
        any = true;
      }
      for (const tcp::TcpEvent& e : b.tcp->take_events()) services.handle(e, now);
      (void)a.tcp->take_events();
      check_counters();
      if (!any) break;
      moved = true;
    }
    return moved;
  }

  std::optional<Instant> next_timer() const {
    std::optional<Instant> t;
    auto consider = [&](std::optional<Instant> u) {
      if (u && (!t || *u < *t)) t = u;
    };
    consider(a.tcp->poll_at());
    consider(b.tcp->poll_at());
    consider(a.iface->poll_at());
    consider(b.iface->poll_at());
    consider(services.poll_at());
    return t;
  }

  // Runs the next timer if it is due by `until`; false if none is.
  bool run_timer(Instant until) {
    const auto at = next_timer();
    if (!at || *at > until) return false;
    now = std::max(now, *at);
    a.iface->poll(now);
    b.iface->poll(now);
    a.tcp->poll(now);
    b.tcp->poll(now);
    services.poll(now);
    deliver();
    return true;
  }

  // A client connection: sends `text` in writes of `write_size` bytes (0: as much as fits),
  // shuts down after it if `half_close`, reads until the server closes, `limit` passes or
  // 256 KiB arrived; then closes.
  Exchange client(std::string_view text, std::size_t write_size, bool half_close, Duration limit) {
    Exchange x;
    auto c = a.tcp->connect({kB, kPort}, now);
    TUNKIT_FUZZ_CHECK(c.has_value());
    const tcp::Socket s = *c;
    const Instant deadline = now + limit;
    std::size_t sent = 0;
    bool shut = false;
    std::array<std::uint8_t, 16 * 1024> buf;
    for (int step = 0; step < 200'000; ++step) {
      const tcp::State state = a.tcp->status(s).state;
      if (state != tcp::State::syn_sent && sent < text.size()) {
        const std::size_t want = write_size == 0 ? text.size() - sent : std::min(write_size, text.size() - sent);
        const auto n = a.tcp->send(s, bytes(text.substr(sent, want)), now);
        if (n) sent += *n;
        else x.reset = true;  // the server reset the connection (e.g. it closed with unread input)
      }
      if (half_close && !shut && sent == text.size() && state != tcp::State::syn_sent)
        shut = a.tcp->shutdown(s, now).has_value();
      for (;;) {
        const auto n = a.tcp->receive(s, buf, now);
        if (!n) {
          x.reset = true;
          break;
        }
        if (*n == 0) {
          x.clean_eof = a.tcp->status(s).eof;
          break;
        }
        x.received.append(reinterpret_cast<const char*>(buf.data()), *n);
      }
      if (x.received.size() >= 256 * 1024) {
        a.tcp->abort(s, now);
        x.reset = true;
        deliver();
        return x;
      }
      if (x.clean_eof || x.reset) break;
      if (deliver()) continue;
      if (!run_timer(deadline)) break;  // nothing due before the deadline
    }
    a.tcp->close(s, now);
    deliver();
    return x;
  }

  // Advances until the deadline, running every timer on the way.
  void run_until(Instant until) {
    for (int step = 0; step < 100'000 && run_timer(until); ++step) {
    }
    now = std::max(now, until);
  }
};

bool starts_with(std::string_view s, std::string_view prefix) { return s.substr(0, prefix.size()) == prefix; }

// `received` is a sequence of HTTP/1.1 responses from our server (see the top of the file).
// Returns the number of final (non-1xx) responses.
std::size_t check_responses(std::string_view received, bool complete) {
  static constexpr std::string_view kVersion = "HTTP/1.1 ";
  std::size_t finals = 0;
  std::size_t pos = 0;
  bool closed = false;
  while (pos < received.size()) {
    TUNKIT_FUZZ_CHECK(!closed);  // nothing after Connection: close
    const std::string_view rest = received.substr(pos);
    if (rest.size() < kVersion.size()) {
      TUNKIT_FUZZ_CHECK(!complete && starts_with(kVersion, rest));
      break;
    }
    TUNKIT_FUZZ_CHECK(starts_with(rest, kVersion));
    const auto p = http::parse_response(rest, 16 * 1024);
    if (p.status == http::ParseStatus::incomplete) {
      TUNKIT_FUZZ_CHECK(!complete);
      break;
    }
    TUNKIT_FUZZ_CHECK(p.status == http::ParseStatus::complete);
    const int status = p.head.status;
    TUNKIT_FUZZ_CHECK(status == 100 || status == 200 || status == 400 || status == 404 || status == 405 ||
                      status == 431 || status == 501 || status == 505);
    pos += p.consumed;
    if (status == 100) {
      TUNKIT_FUZZ_CHECK(!p.head.content_length && !p.head.close);
      continue;
    }
    ++finals;
    closed = p.head.close;
    TUNKIT_FUZZ_CHECK(p.head.content_length.has_value() && !p.head.chunked);
    const std::uint64_t length = *p.head.content_length;
    const std::string_view after = received.substr(pos);
    // The body, unless the request was HEAD: then the next response (or the end) follows.
    const bool body_fits = length <= after.size();
    const bool body_then_next =
        body_fits && (length == after.size() || starts_with(after.substr(length), kVersion) ||
                      (!complete && starts_with(kVersion, after.substr(length))));
    const bool no_body = after.empty() || starts_with(after, kVersion);
    if (body_then_next) {
      pos += length;
    } else if (no_body) {
      // HEAD: no body.
    } else {
      TUNKIT_FUZZ_CHECK(!complete && !body_fits);  // cut short: only by a reset or our limit
      break;
    }
  }
  return finals;
}

void server(std::uint8_t mode, std::string_view text) {
  World w;
  static constexpr std::size_t kWrites[] = {1, 7, 64, 512, 1460, 4096, 0, 0};
  // The server parses the head it holds from its start after every read (quadratic in
  // reads), so small writes get a shorter text: one input stays well within -timeout.
  static constexpr std::size_t kLimits[] = {2048, 2048, 8192, 65536, 65536, 65536, 65536, 65536};
  const std::size_t how = (mode >> 1) & 7;
  text = text.substr(0, kLimits[how]);
  const Exchange x = w.client(text, kWrites[how], (mode & 1) != 0, 90s);
  const std::size_t finals = check_responses(x.received, x.clean_eof);
  const std::size_t line_feeds = static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n'));
  TUNKIT_FUZZ_CHECK(finals <= line_feeds + 1);  // each response answers a line (or a 431)
  if (line_feeds == 0 && text.size() < TcpServiceOptions{}.max_header_bytes) TUNKIT_FUZZ_CHECK(x.received.empty());

  // The service goes on: a fresh connection gets the index page.
  static constexpr std::string_view kGet = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
  const Exchange fresh = w.client(kGet, 0, true, 90s);
  TUNKIT_FUZZ_CHECK(fresh.clean_eof && !fresh.reset);
  TUNKIT_FUZZ_CHECK(starts_with(fresh.received, "HTTP/1.1 200 OK\r\n"));
  const auto head = http::parse_response(fresh.received, 16 * 1024);
  TUNKIT_FUZZ_CHECK(head.status == http::ParseStatus::complete && head.head.status == 200);
  TUNKIT_FUZZ_CHECK(head.head.content_length && head.consumed + *head.head.content_length == fresh.received.size());
  TUNKIT_FUZZ_CHECK(check_responses(fresh.received, true) == 1);

  // Idle timeout (60 s), linger (2 s) and TIME-WAIT (60 s) end every connection.
  w.run_until(w.now + std::chrono::minutes(10));
  TUNKIT_FUZZ_CHECK(w.services.connection_count() == 0);
  TUNKIT_FUZZ_CHECK(w.a.tcp->connection_count() == 0 && w.b.tcp->connection_count() == 0);
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  require(randombytes_set_implementation(&fixed_implementation) == 0 && sodium_init() >= 0, "libsodium");
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::uint8_t mode = data[0];
  const std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
  heads(text);
  const auto head = http::parse_request(text, 16 * 1024);
  const std::string_view body = head.status == http::ParseStatus::complete ? text.substr(head.consumed) : text;
  chunked(bytes(body), (mode & 0x10) ? 16 : 4096);
  server(mode, text);
  return 0;
}
