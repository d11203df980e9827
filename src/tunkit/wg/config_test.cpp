#include "tunkit/wg/config.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace tunkit::wg {
namespace {

// ---- fixtures: real text, not hand-written ---------------------------------------------

// wg-quick(8), EXAMPLES: "connecting as a client to a VPN gateway".
constexpr std::string_view wg_quick_client_example = R"([Interface]
Address = 10.200.100.8/24
DNS = 10.200.100.1
PrivateKey = oK56DE9Ue9zK76rAc8pBl6opph+1v36lm7cXXsQKrQM=

[Peer]
PublicKey = GtL7fZc/bLnqZldpVofMCD6hDjrK28SsdLxevJ+qtKU=
PresharedKey = /UwcSPg38hW/D9Y3tcS1FOV0K1wuURMbS0sesJEP5ak=
AllowedIPs = 0.0.0.0/0
Endpoint = demo.wireguard.com:51820
)";

// wg-quick(8), EXAMPLES: the server example, plus the page's kill-switch PostUp/PreDown.
constexpr std::string_view wg_quick_server_example = R"([Interface]
Address = 10.192.122.1/24
Address = 10.10.0.1/16
SaveConfig = true
PrivateKey = yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBmk=
ListenPort = 51820
PostUp = iptables -I OUTPUT ! -o %i -m mark ! --mark $(wg show %i fwmark) -m addrtype ! --dst-type LOCAL -j REJECT
PreDown = iptables -D OUTPUT ! -o %i -m mark ! --mark $(wg show %i fwmark) -m addrtype ! --dst-type LOCAL -j REJECT

[Peer]
PublicKey = xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg=
AllowedIPs = 10.192.122.3/32, 10.192.124.1/24

[Peer]
PublicKey = TrMvSoP4jYQlY6RIzBgbssQqY3vxI2Pi+y71lOWWXX0=
AllowedIPs = 10.192.122.4/32, 192.168.0.0/16

[Peer]
PublicKey = gN65BkIKy1eCE9pP1wdc8ROUtkHLF2PfAqYdyYBz6EA=
AllowedIPs = 10.10.10.230/32
)";

// wg(8), CONFIGURATION FILE FORMAT EXAMPLE.
constexpr std::string_view wg_man_page_example = R"([Interface]
PrivateKey = yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBmk=
ListenPort = 51820

[Peer]
PublicKey = xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg=
Endpoint = 192.95.5.67:1234
AllowedIPs = 10.192.122.3/32, 10.192.124.1/24

[Peer]
PublicKey = TrMvSoP4jYQlY6RIzBgbssQqY3vxI2Pi+y71lOWWXX0=
Endpoint = [2607:5300:60:6b0::c05f:543]:2468
AllowedIPs = 10.192.122.4/32, 192.168.0.0/16

[Peer]
PublicKey = gN65BkIKy1eCE9pP1wdc8ROUtkHLF2PfAqYdyYBz6EA=
Endpoint = test.wireguard.com:18981
AllowedIPs = 10.10.10.230/32
)";

// The file given to `wg setconf` (wireguard-tools v1.0.20210914) for the capture below: the
// wg(8) example without its host-name peer, plus PresharedKey and PersistentKeepalive.
constexpr std::string_view setconf_file = R"([Interface]
PrivateKey = yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBmk=
ListenPort = 51820

[Peer]
PublicKey = xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg=
Endpoint = 192.95.5.67:1234
AllowedIPs = 10.192.122.3/32, 10.192.124.1/24

[Peer]
PublicKey = TrMvSoP4jYQlY6RIzBgbssQqY3vxI2Pi+y71lOWWXX0=
PresharedKey = /UwcSPg38hW/D9Y3tcS1FOV0K1wuURMbS0sesJEP5ak=
Endpoint = [2607:5300:60:6b0::c05f:543]:2468
AllowedIPs = 10.192.122.4/32, 192.168.0.0/16
PersistentKeepalive = 25
)";

// What `wg setconf` wrote to a UAPI socket (a stub listener; no device) for setconf_file.
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

// One wireguard-go v0.0.20220316 device, read two ways (throwaway keys, isolated namespace,
// no traffic): its raw answer to get=1, and `wg showconf` (v1.0.20210914) of it.
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
constexpr std::string_view wg_showconf_output = R"([Interface]
ListenPort = 51820
FwMark = 0x1234
PrivateKey = 6N3PlQbBGlAc5HKc0b4uhF8fHZNt8akdYVQYM3zFaGc=

[Peer]
PublicKey = JLL/Bz7X7Z5afRGV48UGgYrIP2Aww1MgAky1ziTWd2U=
AllowedIPs = 10.9.0.0/24
Endpoint = 10.9.9.9:51820

[Peer]
PublicKey = s+TBvUShR4bn5ufBVy6LGmLKV8mF4Ep4Lw4ml/vAPQw=
PresharedKey = 3UbfNzr0mk/xxDqYgvXeQ21WK2OCBg7CpaLa7qJ7A60=
AllowedIPs = 10.9.1.0/24, fd00:9::/64, 10.9.2.7/32
Endpoint = [fd00::9]:51821
PersistentKeepalive = 25
)";

// Keys for hand-made configs below (any 32 bytes are a valid public key).
constexpr std::string_view key_a = "xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg=";
constexpr std::string_view key_b = "TrMvSoP4jYQlY6RIzBgbssQqY3vxI2Pi+y71lOWWXX0=";

IpPrefix prefix(std::string_view text) {
  auto parsed = IpPrefix::parse(text);
  EXPECT_TRUE(parsed) << text;
  return parsed.value_or(IpPrefix{});
}

IpAddress address(std::string_view text) {
  auto parsed = IpAddress::parse(text);
  EXPECT_TRUE(parsed) << text;
  return parsed.value_or(IpAddress{});
}

std::string base64(const crypto::PublicKey& key) { return crypto::to_base64(key.bytes); }

Config parse_ok(std::string_view text) {
  auto config = parse_config(text);
  EXPECT_TRUE(config) << (config ? "" : config.error().message);
  return config ? std::move(*config) : Config{};
}

// ---- the documented examples ----------------------------------------------------------

TEST(ConfigFile, ParsesTheWgQuickClientExample) {
  const Config config = parse_ok(wg_quick_client_example);
  EXPECT_EQ(config.interface.addresses, std::vector{prefix("10.200.100.8/24")});
  EXPECT_EQ(config.interface.dns_servers, std::vector{address("10.200.100.1")});
  EXPECT_TRUE(config.interface.dns_search.empty());
  ASSERT_TRUE(config.interface.private_key);
  EXPECT_EQ(crypto::to_base64(config.interface.private_key->bytes()),
            "oK56DE9Ue9zK76rAc8pBl6opph+1v36lm7cXXsQKrQM=");
  ASSERT_EQ(config.peers.size(), 1u);
  const PeerConfig& peer = config.peers[0];
  EXPECT_EQ(base64(peer.public_key), "GtL7fZc/bLnqZldpVofMCD6hDjrK28SsdLxevJ+qtKU=");
  ASSERT_TRUE(peer.preshared_key);
  EXPECT_EQ(crypto::to_base64(peer.preshared_key->bytes()),
            "/UwcSPg38hW/D9Y3tcS1FOV0K1wuURMbS0sesJEP5ak=");
  EXPECT_EQ(peer.allowed_ips, std::vector{prefix("0.0.0.0/0")});
  // A host name stays text for the caller to resolve.
  EXPECT_EQ(peer.endpoint_text, "demo.wireguard.com:51820");
  EXPECT_FALSE(peer.endpoint);
}

TEST(ConfigFile, ParsesTheWgQuickServerExampleWithHooksVerbatim) {
  const Config config = parse_ok(wg_quick_server_example);
  EXPECT_EQ(config.interface.addresses,
            (std::vector{prefix("10.192.122.1/24"), prefix("10.10.0.1/16")}));
  EXPECT_TRUE(config.interface.save_config);
  EXPECT_EQ(config.interface.listen_port, 51820);
  EXPECT_EQ(config.interface.post_up,
            std::vector<std::string>{"iptables -I OUTPUT ! -o %i -m mark ! --mark $(wg show %i "
                                     "fwmark) -m addrtype ! --dst-type LOCAL -j REJECT"});
  EXPECT_EQ(config.interface.pre_down.size(), 1u);
  EXPECT_TRUE(config.interface.pre_up.empty());
  EXPECT_EQ(config.peers.size(), 3u);
}

TEST(ConfigFile, ParsesTheWgManPageExampleKeepingHostBitsAsWritten) {
  const Config config = parse_ok(wg_man_page_example);
  ASSERT_EQ(config.peers.size(), 3u);
  // wg only warns about "nonzero host part"; the text is kept and the device masks it.
  EXPECT_EQ(config.peers[0].allowed_ips,
            (std::vector{prefix("10.192.122.3/32"), prefix("10.192.124.1/24")}));
  EXPECT_EQ(config.peers[0].endpoint, Endpoint::parse("192.95.5.67:1234"));
  EXPECT_EQ(config.peers[1].endpoint, Endpoint::parse("[2607:5300:60:6b0::c05f:543]:2468"));
  EXPECT_EQ(config.peers[1].endpoint_text, "[2607:5300:60:6b0::c05f:543]:2468");
  EXPECT_EQ(config.peers[2].endpoint_text, "test.wireguard.com:18981");
  EXPECT_FALSE(config.peers[2].endpoint);
}

// The same device read through get=1 and through `wg showconf` must give one Config, and
// format_config must print what wg showconf printed, byte for byte.
TEST(ConfigFile, WgShowconfOutputMatchesToConfigOfWireguardGosGetResponse) {
  auto status = parse_get(wireguard_go_get_response);
  ASSERT_TRUE(status) << status.error().message;
  const Config from_device = to_config(*status);
  EXPECT_EQ(parse_ok(wg_showconf_output), from_device);
  EXPECT_EQ(format_config(from_device), wg_showconf_output);
}

// `wg setconf` semantics, checked against the bytes wg itself sent for the same file.
TEST(ConfigFile, ToSetRequestSendsWhatWgSetconfSends) {
  const SetRequest request = to_set_request(parse_ok(setconf_file));
  EXPECT_EQ("set=1\n" + format_set(request) + "\n", wg_setconf_request);
}

TEST(ConfigFile, ToSetRequestClearsWhatTheFileDoesNotSet) {
  const SetRequest request = to_set_request(parse_ok("[Peer]\nPublicKey = " + std::string(key_a)));
  ASSERT_TRUE(request.private_key);
  EXPECT_TRUE(request.private_key->is_zero());  // no PrivateKey: remove the device's key
  EXPECT_EQ(request.listen_port, 0);            // random port
  EXPECT_EQ(request.fwmark, 0u);                // no mark
  EXPECT_TRUE(request.replace_peers);
  ASSERT_EQ(request.peers.size(), 1u);
  EXPECT_TRUE(request.peers[0].replace_allowed_ips);
  EXPECT_TRUE(request.peers[0].allowed_ips.empty());
  EXPECT_FALSE(request.peers[0].endpoint);
  EXPECT_FALSE(request.peers[0].persistent_keepalive_interval);
}

// ---- syntax as wg and wg-quick accept it ------------------------------------------------

TEST(ConfigSyntax, KeysAndSectionsIgnoreCaseCommentsAndWhitespace) {
  const std::string text =
      "# a comment line\r\n"
      "  [ interface ]  # trailing comment\r\n"
      "privatekey=yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBmk=\r\n"
      "\tLISTENPORT\t =\t51820 # port\r\n"
      "fwMARK = 0x1f\n"
      "\n"
      "[PEER]\n"
      "publickey = " +
      std::string(key_a) +
      "\n"
      "allowedips =10.0.0.0/8 ,  fd00::/8,\n"  // a trailing comma is an empty entry...
      ;
  auto refused = parse_config(text);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().message,
            "line 9: AllowedIPs entry '' is empty; remove the extra comma");

  const std::string fixed = text.substr(0, text.size() - 2) + "\nAllowedIPs = 10.1.0.0/16\n";
  const Config config = parse_ok(fixed);
  EXPECT_EQ(config.interface.listen_port, 51820);
  EXPECT_EQ(config.interface.fwmark, 0x1fu);
  ASSERT_EQ(config.peers.size(), 1u);
  // Lists may be split over repeated keys.
  EXPECT_EQ(config.peers[0].allowed_ips,
            (std::vector{prefix("10.0.0.0/8"), prefix("fd00::/8"), prefix("10.1.0.0/16")}));
}

TEST(ConfigSyntax, OffAndNumberFormsOfFwMarkAndPersistentKeepalive) {
  for (auto [text, mark] :
       std::vector<std::pair<std::string, std::uint32_t>>{{"off", 0},
                                                          {"OFF", 0},
                                                          {"0", 0},
                                                          {"4660", 4660},
                                                          {"0x1234", 0x1234},
                                                          {"0xffffffff", 0xffffffff}}) {
    EXPECT_EQ(parse_ok("[Interface]\nFwMark = " + text).interface.fwmark, mark) << text;
  }
  const std::string peer =
      "[Peer]\nPublicKey = " + std::string(key_a) + "\nEndpoint = 10.0.0.1:1\n";
  EXPECT_EQ(parse_ok(peer + "PersistentKeepalive = off").peers[0].persistent_keepalive, 0);
  EXPECT_EQ(parse_ok(peer + "PersistentKeepalive = 25").peers[0].persistent_keepalive, 25);
}

TEST(ConfigSyntax, EmptyAllowedIpsMeansNoneAsInWg) {
  const Config config = parse_ok("[Peer]\nPublicKey = " + std::string(key_a) + "\nAllowedIPs =\n");
  EXPECT_TRUE(config.peers.at(0).allowed_ips.empty());
}

TEST(ConfigSyntax, DnsEntriesSplitIntoServersAndSearchDomains) {
  const Config config =
      parse_ok("[Interface]\nDNS = 10.0.0.53, fd00::53, corp.example\nDNS = lan\n");
  EXPECT_EQ(config.interface.dns_servers, (std::vector{address("10.0.0.53"), address("fd00::53")}));
  EXPECT_EQ(config.interface.dns_search, (std::vector<std::string>{"corp.example", "lan"}));
}

// wg passes the key through unchanged (its setconf capture above carries the file's
// bytes); the device clamps. The wg-quick(8) client example's key is not clamped.
TEST(ConfigSyntax, PrivateKeyIsKeptAsWrittenAndZeroPresharedKeyMeansNone) {
  const Config config = parse_ok(
      "[Interface]\nPrivateKey = //////////////////////////////////////////8=\n"
      "[Peer]\nPublicKey = " +
      std::string(key_a) + "\nPresharedKey = AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n");
  ASSERT_TRUE(config.interface.private_key);
  EXPECT_EQ(crypto::to_hex(config.interface.private_key->bytes()), std::string(64, 'f'));
  EXPECT_EQ(to_set_request(config).private_key, config.interface.private_key);
  EXPECT_FALSE(config.peers.at(0).preshared_key);
}

TEST(ConfigSyntax, EmptyFileIsAnEmptyConfig) {
  EXPECT_EQ(parse_ok(""), Config{});
  EXPECT_EQ(parse_ok("# nothing\n\n   \n"), Config{});
}

// ---- round trip ----------------------------------------------------------------------

TEST(ConfigRoundTrip, FormatThenParseIsIdentityForEveryKey) {
  // Every [Interface] key the examples lack is added below, in the Config itself.
  const std::string file = std::string(wg_quick_server_example) +
                           "[Peer]\n"
                           "PublicKey = GtL7fZc/bLnqZldpVofMCD6hDjrK28SsdLxevJ+qtKU=\n"
                           "PresharedKey = /UwcSPg38hW/D9Y3tcS1FOV0K1wuURMbS0sesJEP5ak=\n"
                           "AllowedIPs = 10.50.0.1, ::ffff:10.60.0.0/104, ::1:2/128\n"
                           "Endpoint = vpn.example.com:51820\n"
                           "PersistentKeepalive = 25\n";
  Config config = parse_ok(file);
  config.interface.dns_servers = {address("10.0.0.53"), address("::1:2")};
  config.interface.dns_search = {"corp.example"};
  config.interface.mtu = 1420;
  config.interface.table = "off";
  config.interface.fwmark = 0xca6c;
  config.interface.pre_up = {"echo pre up"};
  config.interface.post_down = {"echo one", "echo two"};
  const std::string formatted = format_config(config);
  auto reparsed = parse_config(formatted);
  ASSERT_TRUE(reparsed) << reparsed.error().message << "\n" << formatted;
  EXPECT_EQ(*reparsed, config) << formatted;
  EXPECT_EQ(format_config(*reparsed), formatted);
}

TEST(ConfigRoundTrip, WgManPageExampleSurvivesFormatAndParse) {
  const Config config = parse_ok(wg_man_page_example);
  EXPECT_EQ(parse_ok(format_config(config)), config);
}

// ---- every error path ----------------------------------------------------------------

struct ErrorCase {
  std::string text;
  std::string message;
};

TEST(ConfigErrors, EveryMistakeNamesItsLineAndTheFix) {
  const std::string a = std::string(key_a), b = std::string(key_b);
  const std::string peer_a = "[Peer]\nPublicKey = " + a + "\n";  // lines 1-2
  const std::vector<ErrorCase> cases = {
      {"[Interface]\nPrivateKey = abc\n",
       "line 2: PrivateKey is not a valid key: expected 44 base64 characters as printed by `wg "
       "genkey`"},
      {"[Peer]\nPublicKey = " + a.substr(1) + "\n",
       "line 2: PublicKey is not a valid key: expected 44 base64 characters as printed by `wg "
       "pubkey`"},
      {peer_a + "PresharedKey = " + a.substr(0, 43) + "!\n",
       "line 3: PresharedKey is not a valid key: expected 44 base64 characters as printed by `wg "
       "genpsk`"},
      {"[Interface]\nListenPort = 51820\n\n" + peer_a + "Endpoint = 10.0.0.1:1\nFoo = bar\n",
       "line 7: unknown key 'Foo' in [Peer]"},
      {"[Interface]\nPublicKey = " + a + "\n",
       "line 2: unknown key 'PublicKey' in [Interface]; it belongs in [Peer]"},
      {peer_a + "listenport = 1\n",
       "line 3: unknown key 'listenport' in [Peer]; it belongs in [Interface]"},
      {"PrivateKey = " + a + "\n[Interface]\n",
       "line 1: PrivateKey is outside any section; put it under [Interface]"},
      {"# header forgotten\nendpoint = 1.2.3.4:5\n",
       "line 2: Endpoint is outside any section; put it under a [Peer]"},
      {"Foo = 1\n", "line 1: unknown key 'Foo' outside any section"},
      {"[Interfaces]\n", "line 1: unknown section '[Interfaces]'; expected [Interface] or [Peer]"},
      {"[Peer\n", "line 1: section header '[Peer' must be [Interface] or [Peer]"},
      {"[Interface]\nListenPort 51820\n",
       "line 2: expected Key = Value or a [Section] header, got 'ListenPort 51820'"},
      {"[Interface]\n= 5\n", "line 2: the line starts with '='; write Key = Value"},
      {"[Interface]\nListen Port = 5\n", "line 2: 'Listen Port' is not a key: keys have no spaces"},
      {"[Interface]\nListenPort = 1\nlistenport = 2\n",
       "line 3: ListenPort is set twice in this [Interface] (first on line 2); keep one"},
      {peer_a + "Endpoint = 10.0.0.1:1\nENDPOINT = 10.0.0.2:1\n",
       "line 4: Endpoint is set twice in this [Peer] (first on line 3); keep one"},
      {"[Interface]\nListenPort = 1\n[Interface]\n",
       "line 3: second [Interface] section (the first is on line 1); merge them into one"},
      {"[Interface]\nListenPort = 65536\n",
       "line 2: ListenPort '65536' is not a port number; use 1-65535, or omit it for a random "
       "port"},
      {"[Interface]\nFwMark = 0x100000000\n",
       "line 2: FwMark '0x100000000' is neither off nor a number 0-0xffffffff"},
      {"[Interface]\nFwMark = 0x-1\n",
       "line 2: FwMark '0x-1' is neither off nor a number 0-0xffffffff"},
      {"[Interface]\nFwMark = on\n",
       "line 2: FwMark 'on' is neither off nor a number 0-0xffffffff"},
      {"[Interface]\nAddress = 10.0.0.1/33\n",
       "line 2: Address entry '10.0.0.1/33' is not an address or address/length like 10.0.0.1/24"},
      {"[Interface]\nDNS = 10.0.0.1, bad domain\n",
       "line 2: DNS entry 'bad domain' is neither a server address nor a search domain"},
      {"[Interface]\nDNS = 10.0.0.300\n",
       "line 2: DNS entry '10.0.0.300' is neither a server address nor a search domain"},
      {"[Interface]\nMTU = 67\n", "line 2: MTU '67' must be a number 68-65535"},
      {"[Interface]\nMTU = 1420 bytes\n", "line 2: MTU '1420 bytes' must be a number 68-65535"},
      {"[Interface]\nTable = main table\n",
       "line 2: Table 'main table' must be off, auto, a routing table number or a table name"},
      {"[Interface]\nPostUp =\n", "line 2: PostUp needs a command after '='"},
      {"[Interface]\nSaveConfig = yes\n", "line 2: SaveConfig 'yes' must be true or false"},
      {peer_a + "AllowedIPs = 10.0.0.0/8, 10.0.0.0/40\n",
       "line 3: AllowedIPs entry '10.0.0.0/40' is not an address/length like 10.0.0.0/24 or "
       "fd00::/64"},
      {peer_a + "AllowedIPs = +10.0.0.0/8\n",
       "line 3: AllowedIPs entry '+10.0.0.0/8' is not an address/length like 10.0.0.0/24 or "
       "fd00::/64"},
      {peer_a + "AllowedIPs = 10.0.0.0/8,,10.1.0.0/16\n",
       "line 3: AllowedIPs entry '' is empty; remove the extra comma"},
      {peer_a + "Endpoint = 10.0.0.1\n",
       "line 3: Endpoint '10.0.0.1' has no port; write host:port"},
      {peer_a + "Endpoint = fd00::1:51820\n",
       "line 3: Endpoint 'fd00::1:51820' is an IPv6 address without brackets; write "
       "[address]:port"},
      {peer_a + "Endpoint = [fd00::1]\n",
       "line 3: Endpoint '[fd00::1]' has no port; write [address]:port"},
      {peer_a + "Endpoint = [fd00::1:51820\n",
       "line 3: Endpoint '[fd00::1:51820' has no closing ']'"},
      {peer_a + "Endpoint = [10.0.0.1]:5\n",
       "line 3: Endpoint '[10.0.0.1]:5' has brackets around something that is not an IPv6 address "
       "(scoped addresses like fe80::1%eth0 are not supported)"},
      {peer_a + "Endpoint = 10.0.0.256:5\n",
       "line 3: Endpoint '10.0.0.256:5' is not a valid IPv4 address and port"},
      {peer_a + "Endpoint = vpn.example.com:0\n",
       "line 3: Endpoint 'vpn.example.com:0' has no valid port; use 1-65535"},
      {peer_a + "Endpoint = vpn.example.com:wireguard\n",
       "line 3: Endpoint 'vpn.example.com:wireguard' has no valid port; use 1-65535"},
      {peer_a + "Endpoint = vpn/example:5\n",
       "line 3: Endpoint 'vpn/example:5' is not host:port or [ipv6]:port"},
      {peer_a + "Endpoint = 10.0.0.1:1\nPersistentKeepalive = 65536\n",
       "line 4: PersistentKeepalive '65536' is neither off nor a number of seconds 1-65535"},
      // Checks over the whole file.
      {"[Interface]\nListenPort = 1\n\n[Peer]\nAllowedIPs = 10.0.0.0/8\n",
       "line 4: [Peer] has no PublicKey; add PublicKey = <the peer's key, from `wg pubkey`>"},
      {peer_a + "\n[Peer]\nPublicKey = " + b + "\n[Peer]\nPublicKey = " + a + "\n",
       "line 6: peer " + a + " is defined twice (first [Peer] on line 1); merge the sections"},
      {peer_a + "AllowedIPs = 10.0.0.0/24, fd00::/64\n[Peer]\nPublicKey = " + b +
           "\nAllowedIPs = 192.168.0.0/16\nAllowedIPs = 10.0.0.1/24\n",
       "line 7: AllowedIPs 10.0.0.0/24 is already claimed by peer " + a +
           " on line 3; the kernel would silently move it to this peer — keep it in one [Peer] "
           "only"},
      {peer_a + "PersistentKeepalive = 25\n", "line 3: peer " + a +
                                                  " has PersistentKeepalive but no Endpoint; it "
                                                  "cannot initiate — add Endpoint = host:port"},
  };
  for (const ErrorCase& c : cases) {
    auto config = parse_config(c.text);
    ASSERT_FALSE(config) << c.text;
    EXPECT_TRUE(config.error().is(std::errc::invalid_argument)) << c.text;
    EXPECT_EQ(config.error().message, c.message) << c.text;
  }
}

// Overlap is "the same network after masking": what the kernel's trie would merge.
TEST(ConfigErrors, NestedPrefixesAndRepeatsWithinOnePeerAreNotConflicts) {
  const std::string text = "[Peer]\nPublicKey = " + std::string(key_a) +
                           "\nAllowedIPs = 10.0.0.0/8, 10.0.0.0/8\n"
                           "[Peer]\nPublicKey = " +
                           std::string(key_b) + "\nAllowedIPs = 10.0.0.0/16, 0.0.0.0/0, ::/0\n";
  const Config config = parse_ok(text);
  EXPECT_EQ(config.peers.size(), 2u);
}

TEST(ConfigErrors, KeepaliveOffNeedsNoEndpoint) {
  EXPECT_TRUE(
      parse_config("[Peer]\nPublicKey = " + std::string(key_a) + "\nPersistentKeepalive = off\n"));
  EXPECT_TRUE(
      parse_config("[Peer]\nPublicKey = " + std::string(key_a) + "\nPersistentKeepalive = 0\n"));
}

TEST(ConfigErrors, KeyMaterialIsNeverEchoed) {
  const std::string almost = "yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBm=";  // one char short
  for (const std::string& text : std::vector<std::string>{
           "[Interface]\nPrivateKey = " + almost + "\n",
           "[Interface]\nprivatekey " + almost + "\n",
           "[Interface]\n= " + almost + "\n",
           "[Peer]\nPublicKey = " + std::string(key_a) + "\nPresharedKey " + almost + "\n",
       }) {
    auto config = parse_config(text);
    ASSERT_FALSE(config) << text;
    EXPECT_EQ(config.error().message.find("yAnz5"), std::string::npos) << config.error().message;
  }
  EXPECT_EQ(parse_config("[Interface]\nprivatekey " + almost).error().message,
            "line 2: PrivateKey has no '='; write PrivateKey = <key>");
}

}  // namespace
}  // namespace tunkit::wg
