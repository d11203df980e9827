#include "tunkit/stack/tcp_services.hpp"

#include <openssl/evp.h>

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <iterator>
#include <limits>
#include <new>
#include <queue>
#include <unordered_map>
#include <vector>

namespace tunkit::stack {

// --- SHA-256 ------------------------------------------------------------------------------

Sha256::Sha256() : ctx_(EVP_MD_CTX_new()) {
  if (!ctx_ || EVP_DigestInit_ex(ctx_, EVP_sha256(), nullptr) != 1) {
    EVP_MD_CTX_free(ctx_);
    throw std::bad_alloc();
  }
}
Sha256::~Sha256() { EVP_MD_CTX_free(ctx_); }
Sha256::Sha256(Sha256&& other) noexcept : ctx_(std::exchange(other.ctx_, nullptr)) {}
Sha256& Sha256::operator=(Sha256&& other) noexcept {
  if (this != &other) {
    EVP_MD_CTX_free(ctx_);
    ctx_ = std::exchange(other.ctx_, nullptr);
  }
  return *this;
}

void Sha256::update(ByteSpan data) {
  if (!data.empty()) EVP_DigestUpdate(ctx_, data.data(), data.size());
}

std::string Sha256::finish_hex() {
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int length = 0;
  EVP_DigestFinal_ex(ctx_, digest.data(), &length);
  EVP_DigestInit_ex(ctx_, EVP_sha256(), nullptr);
  std::string hex;
  hex.reserve(2 * length);
  for (unsigned int i = 0; i < length; ++i) fmt::format_to(std::back_inserter(hex), "{:02x}", digest[i]);
  return hex;
}

// --- generated streams --------------------------------------------------------------------

namespace {

// Whole periods, so a view starting anywhere in the first period runs for ~64 KiB.
constexpr std::size_t kPatternTable = kPatternPeriod * 261;  // 65511 bytes
constexpr std::size_t kChargenTable = kChargenPeriod * 9;    // 63270 bytes

const std::array<std::uint8_t, kPatternTable>& pattern_table() {
  static const auto table = [] {
    std::array<std::uint8_t, kPatternTable> t{};
    for (std::size_t i = 0; i < t.size(); ++i) t[i] = static_cast<std::uint8_t>(i % kPatternPeriod);
    return t;
  }();
  return table;
}

// RFC 864's example starts its first line with '!': line k begins with printing character
// (k + 1) mod 95 of the ring ' ' .. '~'.
const std::array<std::uint8_t, kChargenTable>& chargen_table() {
  static const auto table = [] {
    std::array<std::uint8_t, kChargenTable> t{};
    for (std::size_t line = 0; line < t.size() / kChargenLine; ++line) {
      std::uint8_t* out = t.data() + line * kChargenLine;
      for (std::size_t j = 0; j < 72; ++j) out[j] = static_cast<std::uint8_t>(' ' + (line + 1 + j) % 95);
      out[72] = '\r';
      out[73] = '\n';
    }
    return t;
  }();
  return table;
}

}  // namespace

ByteSpan pattern_bytes(std::uint64_t offset, std::size_t max) noexcept {
  const auto& t = pattern_table();
  const std::size_t start = static_cast<std::size_t>(offset % kPatternPeriod);
  return ByteSpan(t).subspan(start, std::min(max, t.size() - start));
}

ByteSpan chargen_bytes(std::uint64_t offset, std::size_t max) noexcept {
  const auto& t = chargen_table();
  const std::size_t start = static_cast<std::size_t>(offset % kChargenPeriod);
  return ByteSpan(t).subspan(start, std::min(max, t.size() - start));
}

// --- HTTP/1.1 framing (RFC 9112) ----------------------------------------------------------

namespace http {
namespace {

bool is_tchar(char c) noexcept {  // RFC 9110 §5.6.2
  if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) return true;
  return std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}
bool is_token(std::string_view s) noexcept {
  return !s.empty() && std::all_of(s.begin(), s.end(), is_tchar);
}
char lower(char c) noexcept { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }
bool iequals(std::string_view a, std::string_view b) noexcept {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return lower(x) == lower(y);
         });
}
std::string_view trim_ows(std::string_view s) noexcept {  // OWS = *( SP / HTAB )
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}
// Calls f(element) for each non-empty element of a comma-separated list (RFC 9110 §5.6.1).
template <class F>
void for_each_element(std::string_view list, F&& f) {
  while (!list.empty()) {
    const auto comma = list.find(',');
    const auto element = trim_ows(list.substr(0, comma));
    if (!element.empty()) f(element);
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
}
std::optional<std::uint64_t> parse_decimal(std::string_view s) noexcept {
  if (s.empty() || s.size() > 19 || !std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return std::nullopt;
  std::uint64_t v = 0;
  std::from_chars(s.data(), s.data() + s.size(), v);
  return v;
}
// "HTTP/1.1" -> 1; other HTTP/x.y -> -2 (505); anything else -> -1 (400).
int parse_version(std::string_view s) noexcept {
  if (s.size() != 8 || s.substr(0, 5) != "HTTP/" || s[6] != '.' || s[5] < '0' || s[5] > '9' || s[7] < '0' ||
      s[7] > '9')
    return -1;
  if (s[5] != '1') return -2;
  return s[7] - '0';
}

// The head's lines: the first line, then field lines, each without its line ending.
struct HeadLines {
  ParseStatus status = ParseStatus::incomplete;
  std::size_t consumed = 0;
  std::vector<std::string_view> lines;
};

HeadLines split_head(std::string_view input, std::size_t max) {
  HeadLines out;
  std::size_t pos = 0;
  // §2.2: "SHOULD ignore at least one empty line (CRLF) received prior to the request-line".
  while (pos < input.size() && pos < 8 && (input[pos] == '\r' || input[pos] == '\n')) ++pos;
  for (;;) {
    const auto nl = input.find('\n', pos);
    if (nl == std::string_view::npos || nl >= max) {
      out.status = input.size() >= max ? ParseStatus::too_large : ParseStatus::incomplete;
      return out;
    }
    std::string_view line = input.substr(pos, nl - pos);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    pos = nl + 1;
    // §2.2: a bare CR is invalid; NUL and other controls in a line are not allowed either.
    if (line.find('\r') != std::string_view::npos || line.find('\0') != std::string_view::npos) {
      out.status = ParseStatus::bad;
      return out;
    }
    if (line.empty()) {
      if (out.lines.empty()) {  // more empty lines than §2.2 asks us to skip
        out.status = ParseStatus::bad;
        return out;
      }
      out.status = ParseStatus::complete;
      out.consumed = pos;
      return out;
    }
    out.lines.push_back(line);
  }
}

// The fields every message has; fills `head` and returns bad/not_implemented or complete.
struct FieldFacts {
  std::optional<std::uint64_t> content_length;
  bool transfer_encoding = false, chunked = false, other_coding = false, chunked_not_last = false;
  bool conn_close = false, conn_keep_alive = false, expect_continue = false;
  int hosts = 0;
};

ParseStatus parse_fields(const std::vector<std::string_view>& lines, FieldFacts& f) {
  for (std::size_t i = 1; i < lines.size(); ++i) {
    const std::string_view line = lines[i];
    if (line.front() == ' ' || line.front() == '\t') return ParseStatus::bad;  // obs-fold, §5.2
    const auto colon = line.find(':');
    if (colon == std::string_view::npos) return ParseStatus::bad;
    const std::string_view name = line.substr(0, colon);
    if (!is_token(name)) return ParseStatus::bad;  // includes whitespace before ':' (§5.1)
    const std::string_view value = trim_ows(line.substr(colon + 1));
    for (char c : value)
      if ((static_cast<unsigned char>(c) < 0x20 && c != '\t') || c == 0x7f) return ParseStatus::bad;
    if (iequals(name, "content-length")) {
      // §6.3 item 5: a list of identical values may be taken as one; anything else is bad.
      bool ok = true;
      for_each_element(value, [&](std::string_view v) {
        const auto n = parse_decimal(v);
        if (!n || (f.content_length && *f.content_length != *n)) ok = false;
        else f.content_length = n;
      });
      if (!ok || !f.content_length) return ParseStatus::bad;
    } else if (iequals(name, "transfer-encoding")) {
      f.transfer_encoding = true;
      for_each_element(value, [&](std::string_view coding) {
        if (f.chunked) f.chunked_not_last = true;  // chunked must be last, and only once
        if (iequals(coding, "chunked")) f.chunked = true;
        else f.other_coding = true;
      });
    } else if (iequals(name, "connection")) {
      for_each_element(value, [&](std::string_view option) {
        if (iequals(option, "close")) f.conn_close = true;
        if (iequals(option, "keep-alive")) f.conn_keep_alive = true;
      });
    } else if (iequals(name, "host")) {
      ++f.hosts;
    } else if (iequals(name, "expect")) {
      if (iequals(value, "100-continue")) f.expect_continue = true;
    }
  }
  return ParseStatus::complete;
}

}  // namespace

Parsed<RequestHead> parse_request(std::string_view input, std::size_t max) {
  Parsed<RequestHead> out;
  HeadLines head = split_head(input, max);
  out.status = head.status;
  if (head.status != ParseStatus::complete) return out;
  out.consumed = head.consumed;

  // §3: request-line = method SP request-target SP HTTP-version
  const std::string_view line = head.lines[0];
  const auto sp1 = line.find(' ');
  const auto sp2 = sp1 == std::string_view::npos ? sp1 : line.find(' ', sp1 + 1);
  if (sp2 == std::string_view::npos || line.find(' ', sp2 + 1) != std::string_view::npos) {
    out.status = ParseStatus::bad;
    return out;
  }
  const std::string_view method = line.substr(0, sp1);
  std::string_view target = line.substr(sp1 + 1, sp2 - sp1 - 1);
  const int minor = parse_version(line.substr(sp2 + 1));
  if (minor == -2) {
    out.status = ParseStatus::bad_version;
    return out;
  }
  const bool target_ok = !target.empty() && std::none_of(target.begin(), target.end(), [](char c) {
    return static_cast<unsigned char>(c) <= 0x20 || c == 0x7f;
  });
  if (!is_token(method) || !target_ok || minor < 0) {
    out.status = ParseStatus::bad;
    return out;
  }
  // §3.2.2: absolute-form; the server takes the path (and query) from it.
  if (target.size() > 7 && (iequals(target.substr(0, 7), "http://") ||
                            (target.size() > 8 && iequals(target.substr(0, 8), "https://")))) {
    const auto authority = target.find("//") + 2;
    const auto slash = target.find('/', authority);
    target = slash == std::string_view::npos ? std::string_view("/") : target.substr(slash);
  }

  FieldFacts f;
  out.status = parse_fields(head.lines, f);
  if (out.status != ParseStatus::complete) return out;
  // §3.2: exactly one Host in HTTP/1.1 (and at most one in 1.0).
  if ((minor >= 1 && f.hosts != 1) || f.hosts > 1) {
    out.status = ParseStatus::bad;
    return out;
  }
  if (f.transfer_encoding) {
    // §6.1: Transfer-Encoding in 1.0 is faulty framing; §6.3: with Content-Length we may
    // reject (and do: request smuggling); chunked not final leaves the length unknown.
    if (f.content_length || minor == 0 || !f.chunked || f.chunked_not_last) {
      out.status = ParseStatus::bad;
      return out;
    }
    if (f.other_coding) {  // e.g. "gzip, chunked": framing understood, a coding we lack
      out.status = ParseStatus::not_implemented;
      return out;
    }
  }
  RequestHead& r = out.head;
  r.method = std::string(method);
  r.target = std::string(target);
  r.version_minor = minor;
  r.content_length = f.content_length;
  r.chunked = f.chunked;
  // §9.3: 1.1 persists unless "close"; 1.0 only with "keep-alive".
  r.close = f.conn_close || (minor == 0 && !f.conn_keep_alive);
  r.expect_continue = f.expect_continue && minor >= 1;
  return out;
}

Parsed<ResponseHead> parse_response(std::string_view input, std::size_t max) {
  Parsed<ResponseHead> out;
  HeadLines head = split_head(input, max);
  out.status = head.status;
  if (head.status != ParseStatus::complete) return out;
  out.consumed = head.consumed;
  // §4: status-line = HTTP-version SP status-code SP [ reason-phrase ]
  const std::string_view line = head.lines[0];
  const int minor = line.size() >= 12 ? parse_version(line.substr(0, 8)) : -1;
  const auto code = line.size() >= 12 ? parse_decimal(line.substr(9, 3)) : std::nullopt;
  if (minor < 0 || line[8] != ' ' || !code || *code < 100 || *code > 999 || (line.size() > 12 && line[12] != ' ')) {
    out.status = minor == -2 ? ParseStatus::bad_version : ParseStatus::bad;
    return out;
  }
  FieldFacts f;
  out.status = parse_fields(head.lines, f);
  if (out.status != ParseStatus::complete) return out;
  if (f.transfer_encoding && (!f.chunked || f.chunked_not_last || f.other_coding)) {
    out.status = ParseStatus::not_implemented;
    return out;
  }
  ResponseHead& r = out.head;
  r.status = static_cast<int>(*code);
  r.version_minor = minor;
  r.chunked = f.chunked;
  r.content_length = f.chunked ? std::nullopt : f.content_length;  // §6.3 item 3
  r.close = f.conn_close || (minor == 0 && !f.conn_keep_alive);
  return out;
}

Result<std::size_t> ChunkedDecoder::feed(ByteSpan input, const std::function<void(ByteSpan)>& data) {
  std::size_t i = 0;
  while (i < input.size() && state_ != State::done) {
    if (state_ == State::data) {
      const auto n = static_cast<std::size_t>(std::min<std::uint64_t>(left_, input.size() - i));
      data(input.subspan(i, n));
      i += n;
      left_ -= n;
      if (left_ == 0) state_ = State::data_crlf;
      continue;
    }
    // A line: chunk-size [ chunk-ext ], the CRLF after chunk data, or a trailer field.
    const auto rest = input.subspan(i);
    const auto nl = std::find(rest.begin(), rest.end(), std::uint8_t{'\n'});
    const std::size_t take = static_cast<std::size_t>(nl - rest.begin());
    if (line_.size() + take > max_line_) return fail(Errc::malformed, "chunked: line too long");
    line_.append(reinterpret_cast<const char*>(rest.data()), take);
    if (nl == rest.end()) {
      i = input.size();
      break;
    }
    i += take + 1;
    std::string_view line = line_;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    switch (state_) {
      case State::size_line: {
        // chunk-size = 1*HEXDIG; chunk-ext = *( BWS ";" ... ), ignored (§7.1.1).
        std::size_t digits = 0;
        std::uint64_t size = 0;
        while (digits < line.size() && std::isxdigit(static_cast<unsigned char>(line[digits]))) {
          if (digits == 15) return fail(Errc::malformed, "chunked: chunk size too large");
          const char c = lower(line[digits]);
          size = size * 16 + static_cast<std::uint64_t>(c <= '9' ? c - '0' : c - 'a' + 10);
          ++digits;
        }
        const auto ext = trim_ows(line.substr(digits));
        if (digits == 0 || (!ext.empty() && ext.front() != ';'))
          return fail(Errc::malformed, "chunked: bad chunk size line");
        left_ = size;
        state_ = size == 0 ? State::trailer : State::data;
        break;
      }
      case State::data_crlf:
        if (!line.empty()) return fail(Errc::malformed, "chunked: chunk data not followed by CRLF");
        state_ = State::size_line;
        break;
      case State::trailer:  // §7.1.2: trailer fields are read and dropped
        if (line.empty()) state_ = State::done;
        break;
      case State::data:
      case State::done: break;
    }
    line_.clear();
  }
  return i;
}

}  // namespace http

// --- the servers --------------------------------------------------------------------------

std::string_view to_string(TcpServiceKind kind) noexcept {
  switch (kind) {
    case TcpServiceKind::echo: return "echo";
    case TcpServiceKind::discard: return "discard";
    case TcpServiceKind::chargen: return "chargen";
    case TcpServiceKind::http: return "http";
  }
  return "?";
}

namespace {

constexpr std::size_t kScratch = 64 * 1024;

// What one read gave: bytes, or end of stream, or nothing now, or a dead connection.
struct ReadResult {
  std::size_t bytes = 0;
  bool eof = false;
  bool failed = false;
};

ReadResult read_some(tcp::Tcp& tcp, tcp::Socket socket, MutableByteSpan into, Instant now) {
  ReadResult r;
  if (into.empty()) return r;
  auto got = tcp.receive(socket, into, now);
  if (!got) {
    r.failed = true;
    return r;
  }
  r.bytes = *got;
  if (r.bytes == 0) {
    const auto status = tcp.status(socket);
    r.failed = status.error.has_value();
    r.eof = status.eof;
  }
  return r;
}

constexpr std::string_view kIndexPage =
    "<!DOCTYPE html>\n<html><head><title>tunkit</title></head><body>\n"
    "<h1>tunkit host</h1>\n"
    "<p>An HTTP/1.1 server on a user-space TCP/IP stack behind a TUN/TAP device.</p>\n<ul>\n"
    "<li><code>GET /bytes/N</code>: N generated bytes (byte i is i % 251)</li>\n"
    "<li><code>POST</code> or <code>PUT</code> any path: the body's length and SHA-256</li>\n"
    "</ul>\n</body></html>\n";

std::string_view reason_phrase(int status) noexcept {
  switch (status) {
    case 100: return "Continue";
    case 200: return "OK";
    case 400: return "Bad Request";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 431: return "Request Header Fields Too Large";
    case 501: return "Not Implemented";
    case 505: return "HTTP Version Not Supported";
    default: return "Unknown";
  }
}

// One HTTP connection moves through these phases; pipelined requests loop head -> body ->
// respond -> head. `closing`: our FIN is queued, input is drained until EOF or linger.
enum class HttpPhase : std::uint8_t { head, body, respond, closing };

enum class Stream : std::uint8_t { none, pattern, chargen };

struct Connection {
  tcp::Socket socket;
  TcpServiceKind kind = TcpServiceKind::echo;
  bool eof = false;   // the peer's FIN was read
  bool done = false;  // finished: release the handle
  bool failed = false;
  bool timed_out = false;
  Instant last_activity{};
  Instant fin_time{};
  std::optional<Instant> timer;  // the deadline queued in the timer heap, if any

  // Output: `out` first (echo leftovers, HTTP heads and small bodies), then the stream.
  std::string out;
  std::size_t out_pos = 0;
  Stream stream = Stream::none;
  std::uint64_t stream_offset = 0, stream_left = 0;

  // HTTP.
  HttpPhase phase = HttpPhase::head;
  std::string in;  // bytes read but not yet parsed (at most one head, plus what follows)
  http::RequestHead request;
  std::uint64_t body_left = 0;
  std::optional<http::ChunkedDecoder> chunked;
  std::optional<Sha256> body_hash;
  std::uint64_t body_bytes = 0;
  bool upload = false;
  bool close_after = false;
};

}  // namespace

struct TcpServices::Impl {
  tcp::Tcp& tcp;
  TcpServiceOptions options;
  TcpServiceCounters counters;
  struct ListenerEntry {
    tcp::Listener listener;
    TcpServiceKind kind;
  };
  std::vector<ListenerEntry> listeners;
  std::unordered_map<std::uint32_t, Connection> connections;  // by socket index
  struct Timer {
    Instant at;
    tcp::Socket socket;
    bool operator>(const Timer& o) const noexcept { return at > o.at; }
  };
  std::priority_queue<Timer, std::vector<Timer>, std::greater<>> timers;
  std::vector<std::uint8_t> scratch = std::vector<std::uint8_t>(kScratch);

  Impl(tcp::Tcp& t, TcpServiceOptions o) : tcp(t), options(o) {}

  Connection* find(tcp::Socket socket) {
    auto it = connections.find(socket.index);
    return it != connections.end() && it->second.socket == socket ? &it->second : nullptr;
  }

  void accept_all(const ListenerEntry& l, Instant now) {
    while (auto socket = tcp.accept(l.listener)) {
      ++counters.accepted;
      // A slot the Tcp reused: whatever we held under the index is over.
      if (auto it = connections.find(socket->index); it != connections.end()) connections.erase(it);
      Connection& c = connections[socket->index];
      c.socket = *socket;
      c.kind = l.kind;
      c.last_activity = now;
      if (l.kind == TcpServiceKind::chargen) {  // RFC 864: "the server sends a stream of data"
        c.stream = Stream::chargen;
        c.stream_left = std::numeric_limits<std::uint64_t>::max();
      }
      serve(c, now);
    }
  }

  // Moves bytes both ways until nothing more can move now; then releases the connection if
  // it is over and arms its timer otherwise.
  void serve(Connection& c, Instant now) {
    bool moved = false;
    for (;;) {
      bool progress = write_out(c, now);
      if (!c.failed && !c.done) {
        switch (c.kind) {
          case TcpServiceKind::echo: progress |= echo_step(c, now); break;
          case TcpServiceKind::discard:
          case TcpServiceKind::chargen: progress |= drain_step(c, now); break;
          case TcpServiceKind::http: progress |= http_step(c, now); break;
        }
      }
      moved |= progress;
      if (c.failed || c.done || !progress) break;
    }
    if (moved) c.last_activity = now;
    if (c.failed || c.done) {
      release(c, now);
      return;
    }
    arm(c);
  }

  void release(Connection& c, Instant now) {
    if (c.failed) ++counters.failed;
    else ++counters.closed;
    if (c.timed_out) ++counters.idle_timeouts;
    // Tcp::close sends our FIN after queued data, or RST if unread input remains (a
    // linger that ran out): RFC 1122 §4.2.2.13.
    tcp.close(c.socket, now);
    const std::uint32_t index = c.socket.index;
    connections.erase(index);
  }

  // --- output -------------------------------------------------------------------------------

  // Returns true if any byte went out. A send error marks the connection failed.
  bool write_out(Connection& c, Instant now) {
    bool progress = false;
    for (;;) {
      ByteSpan chunk;
      if (c.out_pos < c.out.size()) {
        chunk = ByteSpan(reinterpret_cast<const std::uint8_t*>(c.out.data()) + c.out_pos, c.out.size() - c.out_pos);
      } else if (c.stream_left > 0) {
        const auto max = static_cast<std::size_t>(std::min<std::uint64_t>(c.stream_left, kScratch));
        chunk = c.stream == Stream::chargen ? chargen_bytes(c.stream_offset, max) : pattern_bytes(c.stream_offset, max);
      } else {
        return progress;
      }
      auto sent = tcp.send(c.socket, chunk, now);
      if (!sent) {
        c.failed = true;
        return progress;
      }
      if (*sent == 0) return progress;
      progress = true;
      counters.bytes_sent += *sent;
      if (c.out_pos < c.out.size()) {
        c.out_pos += *sent;
        if (c.out_pos == c.out.size()) {
          c.out.clear();
          c.out_pos = 0;
          if (c.out.capacity() > kScratch) c.out.shrink_to_fit();
        }
      } else {
        c.stream_offset += *sent;
        if (c.stream == Stream::pattern) c.stream_left -= *sent;  // chargen never ends
      }
    }
  }
  bool output_pending(const Connection& c) const noexcept { return c.out_pos < c.out.size() || c.stream_left > 0; }

  // Reads into scratch; records EOF and failure on the connection.
  ReadResult read(Connection& c, std::size_t max, Instant now) {
    auto r = read_some(tcp, c.socket, std::span(scratch).first(std::min(max, scratch.size())), now);
    counters.bytes_received += r.bytes;
    if (r.failed) c.failed = true;
    if (r.eof) c.eof = true;
    return r;
  }

  // --- echo, discard, chargen ---------------------------------------------------------------

  // RFC 862: what arrives goes back. One read is in flight at most: while the send buffer
  // holds back part of it, we stop reading and TCP's window pushes back on the peer.
  bool echo_step(Connection& c, Instant now) {
    if (output_pending(c)) return false;
    if (c.eof) {
      c.done = true;  // everything echoed; our FIN follows it
      return true;
    }
    const auto r = read(c, scratch.size(), now);
    if (r.bytes == 0) return r.eof || r.failed;
    auto sent = tcp.send(c.socket, ByteSpan(scratch).first(r.bytes), now);
    if (!sent) {
      c.failed = true;
      return true;
    }
    counters.bytes_sent += *sent;
    c.out.assign(reinterpret_cast<const char*>(scratch.data()) + *sent, r.bytes - *sent);
    return true;
  }

  // RFC 863 discards everything; RFC 864 throws input away too and stops when the user
  // closes ("until the calling user terminates the connection").
  bool drain_step(Connection& c, Instant now) {
    const auto r = read(c, scratch.size(), now);
    if (r.eof) c.done = true;
    return r.bytes > 0 || r.eof || r.failed;
  }

  // --- HTTP ---------------------------------------------------------------------------------

  bool http_step(Connection& c, Instant now) {
    switch (c.phase) {
      case HttpPhase::head: return http_head(c, now);
      case HttpPhase::body: return http_body(c, now);
      case HttpPhase::respond:
        if (output_pending(c)) return false;
        if (c.close_after) {
          begin_close(c, now);
        } else {
          c.phase = HttpPhase::head;
        }
        return true;
      case HttpPhase::closing: {
        const auto r = read(c, scratch.size(), now);
        if (r.eof) c.done = true;
        return r.bytes > 0 || r.eof || r.failed;
      }
    }
    return false;
  }

  void begin_close(Connection& c, Instant now) {
    c.phase = HttpPhase::closing;
    c.in.clear();
    c.in.shrink_to_fit();
    if (c.eof) {
      c.done = true;
      return;
    }
    if (!tcp.shutdown(c.socket, now)) {
      c.failed = true;
      return;
    }
    c.fin_time = now;
  }

  bool http_head(Connection& c, Instant now) {
    const auto parsed = http::parse_request(c.in, options.max_header_bytes);
    switch (parsed.status) {
      case http::ParseStatus::incomplete: {
        if (c.eof) {
          c.done = true;  // the client closed between requests (or mid-head: nothing to say)
          return true;
        }
        const auto r = read(c, options.max_header_bytes + 1 - c.in.size(), now);
        c.in.append(reinterpret_cast<const char*>(scratch.data()), r.bytes);
        return r.bytes > 0 || r.eof || r.failed;
      }
      case http::ParseStatus::complete:
        c.in.erase(0, parsed.consumed);
        c.request = parsed.head;
        start_request(c);
        return true;
      case http::ParseStatus::bad: error_response(c, 400); return true;
      case http::ParseStatus::too_large: error_response(c, 431); return true;
      case http::ParseStatus::bad_version: error_response(c, 505); return true;
      case http::ParseStatus::not_implemented: error_response(c, 501); return true;
    }
    return false;
  }

  void error_response(Connection& c, int status) {
    ++counters.http_requests;
    c.request = http::RequestHead{};  // not the previous request's method and version
    c.close_after = true;
    c.in.clear();
    respond(c, status, "text/plain", fmt::format("{} {}\n", status, reason_phrase(status)));
  }

  // Queues a response head and a body from `body` (or `stream_length` generated bytes).
  void respond(Connection& c, int status, std::string_view type, std::string_view body,
               std::optional<std::uint64_t> stream_length = std::nullopt, std::string_view extra = {}) {
    if (status >= 200 && status < 300) ++counters.http_2xx;
    else if (status >= 400 && status < 500) ++counters.http_4xx;
    else if (status >= 500) ++counters.http_5xx;
    const std::uint64_t length = stream_length ? *stream_length : body.size();
    const bool head_only = c.request.method == "HEAD";
    const std::string_view connection = c.close_after                    ? "Connection: close\r\n"
                                        : c.request.version_minor == 0 ? "Connection: keep-alive\r\n"
                                                                       : "";
    fmt::format_to(std::back_inserter(c.out),
                   "HTTP/1.1 {} {}\r\nServer: tunkit\r\nContent-Length: {}\r\nContent-Type: {}\r\n{}{}\r\n", status,
                   reason_phrase(status), length, type, extra, connection);
    if (!head_only) {
      if (stream_length) {
        c.stream = Stream::pattern;
        c.stream_offset = 0;
        c.stream_left = *stream_length;
      } else {
        c.out.append(body);
      }
    }
    c.phase = HttpPhase::respond;
  }

  void start_request(Connection& c) {
    const http::RequestHead& r = c.request;
    c.close_after = r.close;
    const bool has_body = r.chunked || r.content_length.value_or(0) > 0;
    const bool get = r.method == "GET" || r.method == "HEAD";
    c.upload = r.method == "POST" || r.method == "PUT";
    if (!get && !c.upload) {
      // Unknown or unsupported method: answer without reading a body, then close if there
      // is one (its framing is known, but reading it would be work for nothing).
      ++counters.http_requests;
      c.close_after |= has_body;
      respond(c, 405, "text/plain", "405 Method Not Allowed\n", std::nullopt, "Allow: GET, HEAD, POST, PUT\r\n");
      return;
    }
    if (!has_body) {
      finish_request(c);
      return;
    }
    c.phase = HttpPhase::body;
    c.body_left = r.chunked ? 0 : *r.content_length;
    c.body_bytes = 0;
    if (r.chunked) c.chunked.emplace();
    else c.chunked.reset();
    if (c.upload) {
      if (!c.body_hash) c.body_hash.emplace();
    }
    // RFC 9110 §10.1.1: the client waits for this before sending the body.
    if (r.expect_continue) c.out.append("HTTP/1.1 100 Continue\r\n\r\n");
  }

  // Feeds body bytes; returns how many were part of the body, or nullopt if the chunked
  // framing is malformed.
  std::optional<std::size_t> consume_body(Connection& c, ByteSpan data) {
    auto take = [&](ByteSpan bytes) {
      c.body_bytes += bytes.size();
      if (c.upload) c.body_hash->update(bytes);
    };
    if (c.chunked) {
      auto used = c.chunked->feed(data, take);
      if (!used) return std::nullopt;
      return *used;
    }
    const auto n = static_cast<std::size_t>(std::min<std::uint64_t>(c.body_left, data.size()));
    take(data.first(n));
    c.body_left -= n;
    return n;
  }
  bool body_done(const Connection& c) const noexcept { return c.chunked ? c.chunked->done() : c.body_left == 0; }

  bool http_body(Connection& c, Instant now) {
    // Bytes that arrived with the head (or a pipelined burst) first.
    if (!c.in.empty()) {
      const auto used = consume_body(c, ByteSpan(reinterpret_cast<const std::uint8_t*>(c.in.data()), c.in.size()));
      if (!used) {
        error_response(c, 400);
        return true;
      }
      c.in.erase(0, *used);
    }
    if (body_done(c)) {
      finish_request(c);
      return true;
    }
    if (c.eof) {  // the body was cut short: nothing to answer
      c.done = true;
      return true;
    }
    const auto r = read(c, scratch.size(), now);
    if (r.bytes > 0) {
      const auto used = consume_body(c, ByteSpan(scratch).first(r.bytes));
      if (!used) {
        error_response(c, 400);
        return true;
      }
      c.in.append(reinterpret_cast<const char*>(scratch.data()) + *used, r.bytes - *used);
    }
    return r.bytes > 0 || r.eof || r.failed;
  }

  void finish_request(Connection& c) {
    ++counters.http_requests;
    const http::RequestHead& r = c.request;
    if (c.upload) {
      ++counters.http_uploads;
      const std::string digest = c.body_hash ? c.body_hash->finish_hex() : Sha256().finish_hex();
      respond(c, 200, "application/json",
              fmt::format("{{\"bytes\": {}, \"sha256\": \"{}\"}}\n", c.body_bytes, digest));
      return;
    }
    std::string_view path = r.target;
    path = path.substr(0, path.find('?'));
    if (path == "/") {
      respond(c, 200, "text/html; charset=utf-8", kIndexPage);
      return;
    }
    constexpr std::string_view kBytes = "/bytes/";
    if (path.starts_with(kBytes)) {
      const std::string_view digits = path.substr(kBytes.size());
      std::uint64_t n = 0;
      auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), n);
      if (!digits.empty() && ec == std::errc{} && end == digits.data() + digits.size()) {
        respond(c, 200, "application/octet-stream", {}, n);
        return;
      }
    }
    respond(c, 404, "text/plain", "404 Not Found\n");
  }

  // --- timers -------------------------------------------------------------------------------

  std::optional<Instant> deadline(const Connection& c) const {
    if (c.kind == TcpServiceKind::http && c.phase == HttpPhase::closing) return c.fin_time + options.linger;
    if (c.kind == TcpServiceKind::http) return c.last_activity + options.http_idle_timeout;
    return std::nullopt;
  }

  void arm(Connection& c) {
    const auto at = deadline(c);
    if (!at) return;
    // Deadlines only move later with activity; a heap entry that fires early re-arms.
    if (c.timer && *c.timer <= *at) return;
    c.timer = *at;
    timers.push({*at, c.socket});
  }

  void poll(Instant now) {
    while (!timers.empty() && timers.top().at <= now) {
      const Timer t = timers.top();
      timers.pop();
      Connection* c = find(t.socket);
      if (!c || !c->timer || *c->timer != t.at) continue;  // stale
      c->timer.reset();
      const auto at = deadline(*c);
      if (!at) continue;
      if (*at > now) {
        arm(*c);
        continue;
      }
      c->timed_out = c->phase != HttpPhase::closing;
      c->done = true;
      release(*c, now);
    }
  }
};

TcpServices::TcpServices(tcp::Tcp& tcp, TcpServiceOptions options)
    : impl_(std::make_unique<Impl>(tcp, options)) {}
TcpServices::~TcpServices() = default;
TcpServices::TcpServices(TcpServices&&) noexcept = default;

Result<void> TcpServices::add(TcpServiceKind kind, std::uint16_t port) {
  auto listener = impl_->tcp.listen(port, impl_->options.backlog);
  if (!listener) return std::unexpected(listener.error());
  impl_->listeners.push_back({*listener, kind});
  return {};
}

bool TcpServices::handle(const tcp::TcpEvent& event, Instant now) {
  if (event.kind == tcp::TcpEvent::Kind::listener) {
    for (const auto& l : impl_->listeners) {
      if (l.listener == event.listener) {
        impl_->accept_all(l, now);
        return true;
      }
    }
    return false;
  }
  Connection* c = impl_->find(event.socket);
  if (!c) return false;
  impl_->serve(*c, now);
  return true;
}

void TcpServices::poll(Instant now) { impl_->poll(now); }
std::optional<Instant> TcpServices::poll_at() const {
  if (impl_->timers.empty()) return std::nullopt;
  return impl_->timers.top().at;
}
const TcpServiceCounters& TcpServices::counters() const noexcept { return impl_->counters; }
std::size_t TcpServices::connection_count() const noexcept { return impl_->connections.size(); }

// --- the client ---------------------------------------------------------------------------

struct TcpClient::Impl {
  tcp::Tcp& tcp;
  tcp::Socket socket;
  TcpClientRequest request;
  ByteSink sink;
  Instant start{};
  std::optional<Instant> established;
  bool done = false;
  bool fin_sent = false;
  bool eof = false;
  Result<TcpClientReport> result = TcpClientReport{};
  TcpClientReport report;

  std::string request_text;  // HTTP request, sent first
  std::size_t request_pos = 0;
  std::uint64_t send_offset = 0;
  Sha256 sent_hash, received_hash;

  // HTTP response.
  bool head_done = false;
  std::string head;
  http::ResponseHead response;
  std::optional<http::ChunkedDecoder> chunked;
  std::optional<std::uint64_t> body_left;  // nullopt: until EOF
  std::vector<std::uint8_t> scratch = std::vector<std::uint8_t>(kScratch);

  Impl(tcp::Tcp& t, TcpClientRequest r, ByteSink s) : tcp(t), request(std::move(r)), sink(std::move(s)) {}

  std::string peer() const {
    const auto& a = request.remote.address;
    return a.family == IpFamily::v6 ? fmt::format("[{}]:{}", a.to_string(), request.remote.port)
                                    : fmt::format("{}:{}", a.to_string(), request.remote.port);
  }

  void finish(Instant now, std::optional<Error> error, bool abort_connection = false) {
    done = true;
    report.elapsed = now - start;
    report.sent_sha256 = sent_hash.finish_hex();
    report.received_sha256 = received_hash.finish_hex();
    if (error) result = std::unexpected(std::move(*error));
    else result = report;
    if (abort_connection) tcp.abort(socket, now);
    else tcp.close(socket, now);
  }

  // Body (or raw stream) bytes: hashed, counted, handed to the sink.
  bool deliver(ByteSpan bytes, Instant now) {
    if (bytes.empty()) return true;
    received_hash.update(bytes);
    report.bytes_received += bytes.size();
    if (auto ok = sink(bytes); !ok) {
      finish(now, ok.error(), true);
      return false;
    }
    return true;
  }

  // HTTP: response bytes as they arrive. Returns false once finished (error or complete).
  bool http_input(ByteSpan bytes, Instant now) {
    while (!head_done) {
      head.append(reinterpret_cast<const char*>(bytes.data()), bytes.size());
      bytes = {};
      const auto parsed = http::parse_response(head, 64 * 1024);
      if (parsed.status == http::ParseStatus::incomplete) return true;
      if (parsed.status != http::ParseStatus::complete) {
        finish(now, Error{make_error_code(Errc::malformed), fmt::format("{}: malformed HTTP response", peer())}, true);
        return false;
      }
      const std::string rest = head.substr(parsed.consumed);
      head.clear();
      if (parsed.head.status >= 100 && parsed.head.status < 200) {  // interim: the next head follows
        head = rest;
        continue;
      }
      head_done = true;
      response = parsed.head;
      report.http_status = response.status;
      if (response.chunked) chunked.emplace();
      else body_left = response.content_length;
      head.shrink_to_fit();
      return http_body(ByteSpan(reinterpret_cast<const std::uint8_t*>(rest.data()), rest.size()), now);
    }
    return http_body(bytes, now);
  }

  bool http_body(ByteSpan bytes, Instant now) {
    if (chunked) {
      bool ok = true;
      auto used = chunked->feed(bytes, [&](ByteSpan data) {
        if (ok) ok = deliver(data, now);
      });
      if (!ok) return false;
      if (!used) {
        finish(now, Error{make_error_code(Errc::malformed), fmt::format("{}: {}", peer(), used.error().message)}, true);
        return false;
      }
      if (chunked->done()) {
        finish(now, std::nullopt);
        return false;
      }
      return true;
    }
    if (!body_left) return deliver(bytes, now);
    const auto n = static_cast<std::size_t>(std::min<std::uint64_t>(*body_left, bytes.size()));
    if (!deliver(bytes.first(n), now)) return false;
    *body_left -= n;
    if (*body_left == 0) {
      finish(now, std::nullopt);
      return false;
    }
    return true;
  }

  void pump(Instant now) {
    if (done) return;
    const auto status = tcp.status(socket);
    if (status.error) {
      const char* what = established ? "connection" : "connect";
      finish(now, Error{*status.error, fmt::format("{} to {}: {}", what, peer(), status.error->message())});
      return;
    }
    if (status.state == tcp::State::syn_sent || status.state == tcp::State::syn_received) return;
    if (!established) {
      established = now;
      report.connect_time = now - start;
    }
    // Send: the HTTP request, or the pattern, then (raw) our FIN.
    while (request_pos < request_text.size()) {
      auto sent = tcp.send(socket, ByteSpan(reinterpret_cast<const std::uint8_t*>(request_text.data()) + request_pos,
                                            request_text.size() - request_pos),
                           now);
      if (!sent || *sent == 0) break;
      request_pos += *sent;
      report.bytes_sent += *sent;
    }
    while (send_offset < request.send_bytes) {
      const auto span = pattern_bytes(
          send_offset, static_cast<std::size_t>(std::min<std::uint64_t>(request.send_bytes - send_offset, kScratch)));
      auto sent = tcp.send(socket, span, now);
      if (!sent || *sent == 0) break;
      sent_hash.update(span.first(*sent));
      send_offset += *sent;
      report.bytes_sent += *sent;
    }
    if (!request.http_get && !fin_sent && send_offset == request.send_bytes) {
      fin_sent = true;
      (void)tcp.shutdown(socket, now);  // a failure shows as status().error next time
    }
    // Receive everything there is.
    while (!done) {
      auto got = tcp.receive(socket, scratch, now);
      if (!got) break;  // status().error says why, next event
      if (*got == 0) {
        if (tcp.status(socket).eof) on_eof(now);
        break;
      }
      const ByteSpan bytes = ByteSpan(scratch).first(*got);
      if (request.http_get) {
        if (!http_input(bytes, now)) return;
      } else if (!deliver(bytes, now)) {
        return;
      }
    }
    // Raw: done when both directions ended and the peer acknowledged our FIN (so every
    // byte we sent arrived): TIME-WAIT if we closed first, CLOSED if the peer did.
    if (!done && eof && !request.http_get && fin_sent) {
      const auto state = tcp.status(socket).state;
      if (state == tcp::State::time_wait || state == tcp::State::closed) finish(now, std::nullopt);
    }
  }

  void on_eof(Instant now) {
    eof = true;
    if (!request.http_get) return;  // raw: done once our FIN is acknowledged too (pump)
    if (!head_done) {
      finish(now, Error{make_error_code(Errc::malformed),
                        fmt::format("{}: connection closed before a complete HTTP response", peer())});
    } else if (chunked || body_left) {
      const std::string expected =
          body_left ? fmt::format(" of {}", report.bytes_received + *body_left) : std::string(" (chunked)");
      finish(now, Error{make_error_code(Errc::malformed),
                        fmt::format("{}: HTTP body cut short after {} bytes{}", peer(), report.bytes_received, expected)});
    } else {
      finish(now, std::nullopt);  // body delimited by the end of the connection
    }
  }
};

TcpClient::TcpClient(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
TcpClient::~TcpClient() = default;
TcpClient::TcpClient(TcpClient&&) noexcept = default;

Result<TcpClient> TcpClient::start(tcp::Tcp& tcp, TcpClientRequest request, ByteSink sink, Instant now) {
  auto impl = std::make_unique<Impl>(tcp, std::move(request), std::move(sink));
  impl->start = now;
  if (impl->request.http_get) {
    const std::string& path = *impl->request.http_get;
    if (path.empty() || path.front() != '/' ||
        std::any_of(path.begin(), path.end(), [](char c) { return static_cast<unsigned char>(c) <= 0x20 || c == 0x7f; }))
      return fail(std::make_error_code(std::errc::invalid_argument),
                  fmt::format("HTTP path '{}' must start with '/' and contain no spaces or controls", path));
    std::string host = impl->request.http_host;
    if (host.empty()) {
      const auto& a = impl->request.remote.address;
      host = a.family == IpFamily::v6 ? "[" + a.to_string() + "]" : a.to_string();
      if (impl->request.remote.port != 80) host += fmt::format(":{}", impl->request.remote.port);
    }
    impl->request_text = fmt::format(
        "GET {} HTTP/1.1\r\nHost: {}\r\nUser-Agent: tunkit\r\nAccept: */*\r\nConnection: close\r\n\r\n", path, host);
  }
  auto socket = tcp.connect(impl->request.remote, now);
  if (!socket) return std::unexpected(socket.error());
  impl->socket = *socket;
  return TcpClient(std::move(impl));
}

bool TcpClient::handle(const tcp::TcpEvent& event, Instant now) {
  if (event.kind != tcp::TcpEvent::Kind::socket || event.socket != impl_->socket) return false;
  impl_->pump(now);
  return true;
}

bool TcpClient::done() const noexcept { return impl_->done; }
const Result<TcpClientReport>& TcpClient::result() const { return impl_->result; }

void TcpClient::abort(Instant now) {
  if (impl_->done) return;
  impl_->finish(now, Error{std::make_error_code(std::errc::operation_canceled), "transfer aborted"}, true);
}

}  // namespace tunkit::stack
