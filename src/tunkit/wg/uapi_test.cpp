#include "tunkit/wg/uapi.hpp"

#include "tunkit/wg/config.hpp"

#include <gtest/gtest.h>

#include <string>

namespace tunkit::wg {
namespace {

// Captured, not hand-written. The keys are throwaway keys generated for the capture.
//
// What wireguard-go v0.0.20220316 answered to "get=1\n\n" on its socket after
//   wg set wgtk listen-port 51820 fwmark 0x1234 private-key <(wg genkey)
//     peer <P2> allowed-ips 10.9.0.0/24 endpoint 10.9.9.9:51820
//     peer <P3> preshared-key <(wg genpsk) allowed-ips 10.9.1.0/24,fd00:9::/64,10.9.2.7/32
//       endpoint [fd00::9]:51821 persistent-keepalive 25
// run in a network namespace of its own, with the interface down and no traffic sent.
constexpr std::string_view wireguard_go_get_response =
    "private_key=e8ddcf9506c11a501ce4729cd1be2e845f1f1d936df1a91d615418337cc56867\n"
    "listen_port=51820\n"
    "fwmark=4660\n"
    "public_key=24b2ff073ed7ed9e5a7d1195e3c506818ac83f6030c35320024cb5ce24d67765\n"
    "preshared_key=0000000000000000000000000000000000000000000000000000000000000000\n"
    "protocol_version=1\n"
    "endpoint=10.9.9.9:51820\n"
    "last_handshake_time_sec=0\n"
    "last_handshake_time_nsec=0\n"
    "tx_bytes=0\n"
    "rx_bytes=0\n"
    "persistent_keepalive_interval=0\n"
    "allowed_ip=10.9.0.0/24\n"
    "public_key=b3e4c1bd44a14786e7e6e7c1572e8b1a62ca57c985e04a782f0e2697fbc03d0c\n"
    "preshared_key=dd46df373af49a4ff1c43a9882f5de436d562b6382060ec2a5a2daeea27b03ad\n"
    "protocol_version=1\n"
    "endpoint=[fd00::9]:51821\n"
    "last_handshake_time_sec=0\n"
    "last_handshake_time_nsec=0\n"
    "tx_bytes=0\n"
    "rx_bytes=0\n"
    "persistent_keepalive_interval=25\n"
    "allowed_ip=10.9.1.0/24\n"
    "allowed_ip=fd00:9::/64\n"
    "allowed_ip=10.9.2.7/32\n"
    "errno=0\n"
    "\n";

// What `wg setconf` (wireguard-tools v1.0.20210914) wrote to a UAPI socket for the wg(8)
// man page example (minus its peer with a host name) plus a PresharedKey and
// PersistentKeepalive; see config_test.cpp for the file it read.
constexpr std::string_view wg_setconf_request =
    "set=1\n"
    "private_key=c809f3e5317e9575c9b5ed78b638b7ce530dabe85ddab614220241801ddf0669\n"
    "listen_port=51820\n"
    "fwmark=0\n"
    "replace_peers=true\n"
    "public_key=c53201039adba14be71f886da1d8dbe9eebded08cb111b75340078999aa9f038\n"
    "endpoint=192.95.5.67:1234\n"
    "replace_allowed_ips=true\n"
    "allowed_ip=10.192.122.3/32\n"
    "allowed_ip=10.192.124.1/24\n"
    "public_key=4eb32f4a83f88d842563a448cc181bb2c42a637bf12363e2fb2ef594e5965d7d\n"
    "preshared_key=fd4c1c48f837f215bf0fd637b5c4b514e5742b5c2e51131b4b4b1eb0910fe5a9\n"
    "endpoint=[2607:5300:60:6b0::c05f:543]:2468\n"
    "persistent_keepalive_interval=25\n"
    "replace_allowed_ips=true\n"
    "allowed_ip=10.192.122.4/32\n"
    "allowed_ip=192.168.0.0/16\n"
    "\n";

crypto::PublicKey public_key_of(std::string_view hex) {
  auto bytes = crypto::key_from_hex(hex);
  EXPECT_TRUE(bytes) << hex;
  return crypto::PublicKey{bytes.value_or(std::array<std::uint8_t, 32>{})};
}

IpPrefix prefix(std::string_view text) {
  auto parsed = parse_prefix_strict(text);
  EXPECT_TRUE(parsed) << text;
  return parsed.value_or(IpPrefix{});
}

// The body of a request: what follows "set=1\n", without the terminating blank line.
std::string_view body_of(std::string_view request) {
  request.remove_prefix(std::string_view("set=1\n").size());
  request.remove_suffix(1);
  return request;
}

// ---- parse_set -----------------------------------------------------------------------

// Bytes `wg setconf` (wireguard-tools v1.0.20210914) wrote to a UAPI socket.
TEST(UapiSet, ParsesTheRequestWgSetconfSends) {
  auto request = parse_set(body_of(wg_setconf_request));
  ASSERT_TRUE(request) << request.error().message;
  ASSERT_TRUE(request->private_key);
  EXPECT_EQ(crypto::to_hex(request->private_key->bytes()),
            "c809f3e5317e9575c9b5ed78b638b7ce530dabe85ddab614220241801ddf0669");
  EXPECT_EQ(request->listen_port, 51820);
  EXPECT_EQ(request->fwmark, 0u);
  EXPECT_TRUE(request->replace_peers);
  ASSERT_EQ(request->peers.size(), 2u);

  const PeerChange& first = request->peers[0];
  EXPECT_EQ(first.public_key,
            public_key_of("c53201039adba14be71f886da1d8dbe9eebded08cb111b75340078999aa9f038"));
  EXPECT_FALSE(first.remove);
  EXPECT_FALSE(first.preshared_key);
  EXPECT_EQ(first.endpoint, Endpoint::parse("192.95.5.67:1234"));
  EXPECT_FALSE(first.persistent_keepalive_interval);
  EXPECT_TRUE(first.replace_allowed_ips);
  EXPECT_EQ(first.allowed_ips, (std::vector{prefix("10.192.122.3/32"), prefix("10.192.124.1/24")}));

  const PeerChange& second = request->peers[1];
  ASSERT_TRUE(second.preshared_key);
  EXPECT_EQ(crypto::to_hex(second.preshared_key->bytes()),
            "fd4c1c48f837f215bf0fd637b5c4b514e5742b5c2e51131b4b4b1eb0910fe5a9");
  EXPECT_EQ(second.endpoint, Endpoint::parse("[2607:5300:60:6b0::c05f:543]:2468"));
  EXPECT_EQ(second.persistent_keepalive_interval, 25);
  EXPECT_EQ(second.allowed_ips, (std::vector{prefix("10.192.122.4/32"), prefix("192.168.0.0/16")}));
}

TEST(UapiSet, FormatSetWritesTheSameBytesAsWgSetconf) {
  auto request = parse_set(body_of(wg_setconf_request));
  ASSERT_TRUE(request);
  EXPECT_EQ("set=1\n" + format_set(*request) + "\n", wg_setconf_request);
}

TEST(UapiSet, EmptyBodyIsAValidRequestThatChangesNothing) {
  auto request = parse_set("");
  ASSERT_TRUE(request);
  EXPECT_EQ(*request, SetRequest{});
}

TEST(UapiSet, FinalLineMayLackItsNewline) {
  auto request = parse_set("listen_port=7");
  ASSERT_TRUE(request);
  EXPECT_EQ(request->listen_port, 7);
}

// wireguard-go's FromMaybeZeroHex: zero means "remove the key" and is not clamped.
TEST(UapiSet, AllZeroPrivateKeyMeansRemoveAndStaysZero) {
  auto request = parse_set("private_key=" + std::string(64, '0') + "\n");
  ASSERT_TRUE(request);
  ASSERT_TRUE(request->private_key);
  EXPECT_TRUE(request->private_key->is_zero());
}

TEST(UapiSet, NonZeroPrivateKeyIsClampedAsWireguardGoStoresIt) {
  auto request = parse_set("private_key=" + std::string(64, 'f') + "\n");
  ASSERT_TRUE(request);
  EXPECT_EQ(crypto::to_hex(request->private_key->bytes()), "f8" + std::string(60, 'f') + "7f");
}

// Go's hex.DecodeString takes either case; wireguard-go answered errno=0 to uppercase keys.
TEST(UapiSet, HexKeysMayBeUppercase) {
  auto request = parse_set("public_key=" + std::string(64, 'A') +
                           "\npreshared_key=" + std::string(64, 'B') + "\n");
  ASSERT_TRUE(request) << request.error().message;
  EXPECT_EQ(request->peers.at(0).public_key.bytes[0], 0xaa);
  EXPECT_EQ(request->peers.at(0).preshared_key->bytes()[31], 0xbb);
}

TEST(UapiSet, FlagsRemoveUpdateOnlyReplaceAllowedIpsAcceptTrue) {
  const std::string key = std::string(64, '1');
  auto request = parse_set("public_key=" + key + "\nremove=true\npublic_key=" + key +
                           "\nupdate_only=true\nreplace_allowed_ips=true\nprotocol_version=1\n");
  ASSERT_TRUE(request) << request.error().message;
  ASSERT_EQ(request->peers.size(), 2u);  // the same key twice is two changes, in order
  EXPECT_TRUE(request->peers[0].remove);
  EXPECT_FALSE(request->peers[0].update_only);
  EXPECT_TRUE(request->peers[1].update_only);
  EXPECT_TRUE(request->peers[1].replace_allowed_ips);
}

TEST(UapiSet, LeadingZerosInNumbersAreDecimalAsStrconvParseUintReadsThem) {
  auto request =
      parse_set("listen_port=051820\nfwmark=0004660\npublic_key=" + std::string(64, '1') +
                "\npersistent_keepalive_interval=007\n");
  ASSERT_TRUE(request) << request.error().message;
  EXPECT_EQ(request->listen_port, 51820);
  EXPECT_EQ(request->fwmark, 4660u);
  EXPECT_EQ(request->peers[0].persistent_keepalive_interval, 7);
}

struct SetErrorCase {
  std::string body;
  std::errc code;
  std::string message;  // the whole message, so the line number and wording are checked
};

// Each errno below is what wireguard-go v0.0.20220316 answered for the same line
// (EINVAL = errno=-22, EPROTO = errno=-71).
TEST(UapiSet, EveryBadLineIsRefusedWithWireguardGosErrnoAndItsLineNumber) {
  const std::string peer = "public_key=" + std::string(64, '1') + "\n";
  const std::vector<SetErrorCase> cases = {
      {"foobar\n", std::errc::protocol_error, "line 1: expected key=value, got 'foobar'"},
      {"listen_port=1\n\nlisten_port=2\n", std::errc::protocol_error,
       "line 2: empty line inside a set request (a blank line ends it)"},
      {"foo=bar\n", std::errc::invalid_argument, "line 1: unknown device key 'foo'"},
      {peer + "foo=bar\n", std::errc::invalid_argument, "line 2: unknown peer key 'foo'"},
      {peer + "listen_port=1\n", std::errc::invalid_argument,
       "line 2: listen_port is a device key; it must come before the first public_key"},
      {"endpoint=1.2.3.4:5\n", std::errc::invalid_argument,
       "line 1: endpoint is a peer key; it must follow a public_key line"},
      {"private_key=abc\n", std::errc::invalid_argument,
       "line 1: invalid private_key: expected 64 hex digits"},
      {"listen_port=65536\n", std::errc::invalid_argument,
       "line 1: invalid listen_port '65536': expected 0-65535"},
      {"listen_port= 1\n", std::errc::invalid_argument,
       "line 1: invalid listen_port ' 1': expected 0-65535"},
      {"fwmark=-1\n", std::errc::invalid_argument,
       "line 1: invalid fwmark '-1': expected 0-4294967295"},
      {"fwmark=4294967296\n", std::errc::invalid_argument,
       "line 1: invalid fwmark '4294967296': expected 0-4294967295"},
      {"replace_peers=false\n", std::errc::invalid_argument,
       "line 1: invalid replace_peers 'false': the only value is true"},
      {"public_key=" + std::string(63, '1') + "\n", std::errc::invalid_argument,
       "line 1: invalid public_key: expected 64 hex digits"},
      {"public_key=" + std::string(64, 'g') + "\n", std::errc::invalid_argument,
       "line 1: invalid public_key: expected 64 hex digits"},
      {peer + "remove=false\n", std::errc::invalid_argument,
       "line 2: invalid remove 'false': the only value is true"},
      {peer + "update_only=1\n", std::errc::invalid_argument,
       "line 2: invalid update_only '1': the only value is true"},
      {peer + "replace_allowed_ips=yes\n", std::errc::invalid_argument,
       "line 2: invalid replace_allowed_ips 'yes': the only value is true"},
      {peer + "endpoint=10.0.0.1:1\npreshared_key=12\n", std::errc::invalid_argument,
       "line 3: invalid preshared_key: expected 64 hex digits"},
      {peer + "endpoint=fd00::1:5\n", std::errc::invalid_argument,
       "line 2: invalid endpoint 'fd00::1:5': expected a.b.c.d:port or [ipv6]:port"},
      {peer + "persistent_keepalive_interval=65536\n", std::errc::invalid_argument,
       "line 2: invalid persistent_keepalive_interval '65536': expected 0-65535"},
      {peer + "allowed_ip=10.9.5.1\n", std::errc::invalid_argument,
       "line 2: invalid allowed_ip '10.9.5.1': expected address/length"},
      {peer + "protocol_version=2\n", std::errc::invalid_argument,
       "line 2: unsupported protocol_version '2': only 1 exists"},
      {"foo=" + std::string(100, 'x') + "\n", std::errc::invalid_argument,
       "line 1: unknown device key 'foo'"},
      {std::string(100, 'k') + "\n", std::errc::protocol_error,  // could be a key: not echoed
       "line 1: expected key=value, got '(key not shown)...'"},
      {std::string(30, 'k') + " " + std::string(70, 'j') + "\n", std::errc::protocol_error,  // long: cut
       "line 1: expected key=value, got '" + std::string(30, 'k') + " " + std::string(33, 'j') + "...'"},
  };
  for (const auto& c : cases) {
    auto request = parse_set(c.body);
    ASSERT_FALSE(request) << c.body;
    EXPECT_TRUE(request.error().is(c.code)) << c.body << " -> " << request.error().code.message();
    EXPECT_EQ(request.error().message, c.message) << c.body;
  }
}

TEST(UapiSet, ErrorMessagesNeverEchoSecretKeyMaterial) {
  const std::string almost = std::string(62, 'c');  // a key one byte short
  for (std::string body :
       {"private_key=" + almost + "\n", "private_key" + almost + "\n",
        "public_key=" + std::string(64, '1') + "\npreshared_key=" + almost + "\n",
        "public_key=" + std::string(64, '1') + "\npreshared_key" + almost + "\n"}) {
    auto request = parse_set(body);
    ASSERT_FALSE(request);
    EXPECT_EQ(request.error().message.find("cccc"), std::string::npos) << request.error().message;
  }
}

TEST(UapiSet, FormatThenParseIsIdentity) {
  SetRequest request;
  request.private_key = crypto::PrivateKey{};
  request.listen_port = 0;
  request.fwmark = 7;
  request.replace_peers = true;
  PeerChange& a = request.peers.emplace_back();
  a.public_key = public_key_of(std::string(64, '2'));
  a.update_only = true;
  a.preshared_key = crypto::PresharedKey{};
  a.endpoint = Endpoint::parse("[::ffff:10.0.0.1]:9");
  a.persistent_keepalive_interval = 0;
  a.allowed_ips = {prefix("::/0"), prefix("10.1.2.3/8")};
  PeerChange& b = request.peers.emplace_back();
  b.public_key = public_key_of(std::string(64, '3'));
  b.remove = true;
  auto parsed = parse_set(format_set(request));
  ASSERT_TRUE(parsed) << parsed.error().message;
  EXPECT_EQ(*parsed, request);
}

// ---- get -----------------------------------------------------------------------------

// wireguard-go v0.0.20220316's answer to get=1 after `wg set` (in an isolated namespace).
TEST(UapiGet, ParsesWireguardGosResponse) {
  auto status = parse_get(wireguard_go_get_response);
  ASSERT_TRUE(status) << status.error().message;
  ASSERT_TRUE(status->private_key);
  EXPECT_EQ(crypto::to_hex(status->private_key->bytes()),
            "e8ddcf9506c11a501ce4729cd1be2e845f1f1d936df1a91d615418337cc56867");
  EXPECT_EQ(status->listen_port, 51820);
  EXPECT_EQ(status->fwmark, 0x1234u);
  ASSERT_EQ(status->peers.size(), 2u);

  const PeerStatus& first = status->peers[0];
  EXPECT_EQ(first.public_key,
            public_key_of("24b2ff073ed7ed9e5a7d1195e3c506818ac83f6030c35320024cb5ce24d67765"));
  EXPECT_TRUE(first.preshared_key.is_zero());
  EXPECT_EQ(first.endpoint, Endpoint::parse("10.9.9.9:51820"));
  EXPECT_EQ(first.last_handshake_sec, 0);
  EXPECT_EQ(first.persistent_keepalive_interval, 0);
  EXPECT_EQ(first.allowed_ips, std::vector{prefix("10.9.0.0/24")});

  const PeerStatus& second = status->peers[1];
  EXPECT_EQ(crypto::to_hex(second.preshared_key.bytes()),
            "dd46df373af49a4ff1c43a9882f5de436d562b6382060ec2a5a2daeea27b03ad");
  EXPECT_EQ(second.endpoint, Endpoint::parse("[fd00::9]:51821"));
  EXPECT_EQ(second.persistent_keepalive_interval, 25);
  EXPECT_EQ(second.allowed_ips,
            (std::vector{prefix("10.9.1.0/24"), prefix("fd00:9::/64"), prefix("10.9.2.7/32")}));
}

TEST(UapiGet, FormatGetReproducesWireguardGosBytes) {
  auto status = parse_get(wireguard_go_get_response);
  ASSERT_TRUE(status);
  EXPECT_EQ(format_get(*status) + format_errno_line(), wireguard_go_get_response);
}

TEST(UapiGet, FormatGetWritesCountersAndOmitsUnsetDeviceFields) {
  DeviceStatus status;  // no private key, port 0, fwmark 0: wireguard-go omits all three
  PeerStatus& peer = status.peers.emplace_back();
  peer.public_key = public_key_of(std::string(64, 'a'));
  peer.last_handshake_sec = 1700000000;
  peer.last_handshake_nsec = 123456789;
  peer.rx_bytes = 18446744073709551615u;
  peer.tx_bytes = 92;
  const std::string zero(64, '0');
  EXPECT_EQ(format_get(status),
            "public_key=" + std::string(64, 'a') + "\npreshared_key=" + zero +
                "\nprotocol_version=1\n"
                "last_handshake_time_sec=1700000000\nlast_handshake_time_nsec=123456789\n"
                "tx_bytes=92\nrx_bytes=18446744073709551615\npersistent_keepalive_interval=0\n");
  status.private_key = crypto::PrivateKey{};  // an all-zero key is "none" too
  EXPECT_EQ(format_get(status).find("private_key"), std::string::npos);
  auto parsed = parse_get(format_get(status));
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->peers, status.peers);
}

TEST(UapiGet, ParseAcceptsTheBodyWithoutTheErrnoTrailer) {
  auto with = parse_get(wireguard_go_get_response);
  auto without = parse_get(format_get(*with));
  ASSERT_TRUE(without);
  EXPECT_EQ(*without, *with);
  EXPECT_TRUE(parse_get(""));
  EXPECT_TRUE(parse_get("errno=0\n\n"));
}

// wg(8) skips keys it does not know; forks such as amneziawg add device keys (jc=, h1=).
TEST(UapiGet, IgnoresUnknownKeysAsWgDoes) {
  auto status = parse_get("listen_port=5\njc=4\npublic_key=" + std::string(64, '1') +
                          "\nfuture_key=x\nallowed_ip=10.0.0.0/8\nerrno=0\n\n");
  ASSERT_TRUE(status) << status.error().message;
  EXPECT_EQ(status->listen_port, 5);
  EXPECT_EQ(status->peers.at(0).allowed_ips, std::vector{prefix("10.0.0.0/8")});
}

TEST(UapiGet, NonZeroErrnoBecomesThatError) {
  auto status = parse_get("errno=-22\n\n");
  ASSERT_FALSE(status);
  EXPECT_TRUE(status.error().is(std::errc::invalid_argument));
  EXPECT_EQ(status.error().message, "device answered errno=-22 (Invalid argument)");
}

TEST(UapiGet, MalformedResponsesAreProtocolErrors) {
  const std::string peer = "public_key=" + std::string(64, '1') + "\n";
  for (const std::string& bad : std::vector<std::string>{
           "allowed_ip=10.0.0.0/8\n",       // peer key before any public_key
           "public_key=12\n",               // short key
           peer + "listen_port=1\n",        // device key inside a peer
           peer + "tx_bytes=-1\n",          // not a counter
           peer + "allowed_ip=10.0.0.1\n",  // no length
           peer + "protocol_version=2\n",   // unknown protocol
           "listen_port=70000\n",           // out of range
           "garbage\n",                     // no '='
           "errno=0\n\nlisten_port=1\n",    // data after the end
           "errno=0\nlisten_port=1\n",      // data after errno
           "listen_port=1\n\n",             // blank line before errno
           "errno=x\n\n",                   // errno not a number
       }) {
    auto status = parse_get(bad);
    ASSERT_FALSE(status) << bad;
    EXPECT_TRUE(status.error().is(std::errc::protocol_error)) << bad;
  }
}

// ---- status line ---------------------------------------------------------------------

// wireguard-go writes the negated errno and wg(8) negates it back (ipc-uapi.h).
TEST(UapiStatus, ErrnoLineCarriesTheNegatedErrno) {
  EXPECT_EQ(format_errno_line(), "errno=0\n\n");
  EXPECT_EQ(format_errno_line(Error{std::make_error_code(std::errc::invalid_argument), "x"}),
            "errno=-22\n\n");
  EXPECT_EQ(format_errno_line(Error{std::make_error_code(std::errc::protocol_error), "x"}),
            "errno=-71\n\n");
  EXPECT_EQ(format_errno_line(Error{std::make_error_code(std::errc::address_in_use), "x"}),
            "errno=-98\n\n");
  // No errno for a tunkit condition: ENOANO, as wireguard-go's IpcErrorUnknown.
  EXPECT_EQ(format_errno_line(Error{make_error_code(Errc::malformed), "x"}), "errno=-55\n\n");
}

TEST(UapiStatus, SetResponseIsSuccessOnlyForErrnoZero) {
  EXPECT_TRUE(parse_set_response("errno=0\n\n"));
  EXPECT_TRUE(parse_set_response("errno=0\n"));
  auto refused = parse_set_response("errno=-98\n\n");
  ASSERT_FALSE(refused);
  EXPECT_TRUE(refused.error().is(std::errc::address_in_use));
  for (std::string_view bad : {"", "\n\n", "errno=\n\n", "errno=abc\n\n", "listen_port=1\n\n"}) {
    auto result = parse_set_response(bad);
    ASSERT_FALSE(result) << bad;
    EXPECT_TRUE(result.error().is(std::errc::protocol_error)) << bad;
  }
}

TEST(UapiStatus, ResponseSizeEndsAtTheFirstBlankLine) {
  EXPECT_EQ(response_size("errno=0\n"), std::nullopt);
  EXPECT_EQ(response_size("errno=0\n\n"), 9u);
  EXPECT_EQ(response_size("listen_port=1\nerrno=0\n\nextra"), 23u);
  EXPECT_EQ(response_size(wireguard_go_get_response), wireguard_go_get_response.size());
}

// ---- request framing -----------------------------------------------------------------

Result<std::optional<UapiRequest>> feed_and_next(UapiRequestReader& reader,
                                                 std::string_view bytes) {
  if (auto fed = reader.feed(bytes); !fed) return std::unexpected(fed.error());
  return reader.next();
}

TEST(UapiFraming, GetRequestIsGetThenBlankLine) {
  UapiRequestReader reader;
  auto request = feed_and_next(reader, "get=1\n\n");
  ASSERT_TRUE(request);
  ASSERT_TRUE(*request);
  EXPECT_EQ(**request, (UapiRequest{UapiRequest::Op::get, ""}));
  EXPECT_EQ(reader.buffered(), 0u);
}

TEST(UapiFraming, SetRequestArrivingOneByteAtATimeIsReassembled) {
  UapiRequestReader reader;
  std::optional<UapiRequest> request;
  for (std::size_t i = 0; i < wg_setconf_request.size(); ++i) {
    ASSERT_FALSE(request) << "complete before byte " << i;
    auto next = feed_and_next(reader, wg_setconf_request.substr(i, 1));
    ASSERT_TRUE(next) << next.error().message;
    request = *next;
  }
  ASSERT_TRUE(request);
  EXPECT_EQ(request->op, UapiRequest::Op::set);
  EXPECT_EQ(request->body, body_of(wg_setconf_request));
  EXPECT_TRUE(parse_set(request->body));
}

TEST(UapiFraming, SeveralRequestsInOneReadComeOutInOrder) {
  UapiRequestReader reader;
  const std::uint8_t bytes[] = {'s', 'e', 't', '=', '1', '\n', '\n',  // empty set
                                's', 'e', 't', '=', '1', '\n', 'a',  '=', 'b', '\n', '\n',
                                'g', 'e', 't', '=', '1', '\n', '\n', 'g', 'e'};  // + a partial
  ASSERT_TRUE(reader.feed(std::span<const std::uint8_t>(bytes)));
  auto first = reader.next();
  auto second = reader.next();
  auto third = reader.next();
  auto fourth = reader.next();
  ASSERT_TRUE(first && *first && second && *second && third && *third && fourth);
  EXPECT_EQ(**first, (UapiRequest{UapiRequest::Op::set, ""}));
  EXPECT_EQ(**second, (UapiRequest{UapiRequest::Op::set, "a=b\n"}));
  EXPECT_EQ(**third, (UapiRequest{UapiRequest::Op::get, ""}));
  EXPECT_FALSE(*fourth);
  EXPECT_EQ(reader.buffered(), 2u);
}

// wireguard-go closes the connection on an unknown operation; the reader reports it as
// soon as the bytes cannot become "get=1" or "set=1", without waiting for a newline.
TEST(UapiFraming, UnknownOperationIsAProtocolErrorAtTheFirstImpossibleByte) {
  UapiRequestReader reader;
  auto first = feed_and_next(reader, "ge");
  ASSERT_TRUE(first);
  EXPECT_FALSE(*first);
  auto second = feed_and_next(reader, "T / HTTP/1.1");
  ASSERT_FALSE(second);
  EXPECT_TRUE(second.error().is(std::errc::protocol_error));
  EXPECT_EQ(second.error().message,
            "unknown UAPI operation 'geT / HTTP/1.1'; expected get=1 or set=1");
}

TEST(UapiFraming, OperationLineMustBeExact) {
  for (std::string_view bad : {"get=2\n\n", "set=1 \n\n", "get=1\r\n\r\n", "\n", "get=10\n\n"}) {
    UapiRequestReader reader;
    auto request = feed_and_next(reader, bad);
    ASSERT_FALSE(request) << bad;
    EXPECT_TRUE(request.error().is(std::errc::protocol_error)) << bad;
  }
}

// wireguard-go answers errno=-22 ("trailing character in UAPI get") to this.
TEST(UapiFraming, GetFollowedByAnythingButABlankLineIsInvalid) {
  UapiRequestReader reader;
  auto request = feed_and_next(reader, "get=1\nx");
  ASSERT_FALSE(request);
  EXPECT_TRUE(request.error().is(std::errc::invalid_argument));
}

TEST(UapiFraming, IncompleteRequestBeyondTheBoundIsAnOverflow) {
  UapiRequestReader reader(32);
  ASSERT_TRUE(reader.feed("set=1\nlisten_port=1\n"));  // 20 bytes, incomplete
  ASSERT_TRUE(reader.next());
  auto fed = reader.feed("fwmark=123456789\n");  // would hold 37 > 32
  ASSERT_FALSE(fed);
  EXPECT_TRUE(fed.error().is(std::errc::message_size));
  EXPECT_EQ(reader.buffered(), 0u);  // nothing of a failed stream is kept
}

TEST(UapiFraming, ExactlyTheBoundIsStillAccepted) {
  const std::string request = "set=1\nlisten_port=1\n\n";
  UapiRequestReader reader(request.size());
  ASSERT_TRUE(reader.feed(request));
  auto next = reader.next();
  ASSERT_TRUE(next && *next);
  EXPECT_EQ((*next)->body, "listen_port=1\n");
}

TEST(UapiFraming, TheFirstErrorIsFinal) {
  UapiRequestReader reader;
  ASSERT_FALSE(feed_and_next(reader, "hello\n"));
  auto again = feed_and_next(reader, "get=1\n\n");
  ASSERT_FALSE(again);
  EXPECT_TRUE(again.error().is(std::errc::protocol_error));
  ASSERT_FALSE(reader.next());
}

TEST(UapiSecrets, ErrorMessagesNeverQuoteKeyMaterial) {
  const std::string hex63(63, 'c'), hex64(64, 'd');
  const std::string base64_key = "yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBmk=";
  auto get = parse_get("private_key=" + hex63 + "\n");
  ASSERT_FALSE(get);
  EXPECT_EQ(get.error().message.find(hex63.substr(0, 40)), std::string::npos) << get.error().message;
  auto set = parse_set("private_ke" + hex64 + "\n");
  ASSERT_FALSE(set);
  EXPECT_EQ(set.error().message.find(hex64.substr(0, 40)), std::string::npos) << set.error().message;
  auto config = parse_config("[Interface]\nPrivateKey: " + base64_key + "\n");
  ASSERT_FALSE(config);
  EXPECT_EQ(config.error().message.find(base64_key.substr(0, 20)), std::string::npos) << config.error().message;
  EXPECT_EQ(without_secrets("Endpoint 'vpn.example.com:51820' has a bad port"),
            "Endpoint 'vpn.example.com:51820' has a bad port");  // ordinary text stays
}

}  // namespace
}  // namespace tunkit::wg
