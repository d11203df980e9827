// Real configuration and UAPI texts shared by the wg/ parser tests: captured from
// wireguard-go v0.0.20220316 and wireguard-tools v1.0.20210914 (throwaway keys, isolated
// network namespaces, no traffic) or copied from the wg(8) / wg-quick(8) man pages.
// Byte-identical to the copies in uapi_test.cpp and config_test.cpp, which can include this.
#pragma once

#include <string_view>

namespace tunkit::wg::test {

// wg-quick(8), EXAMPLES: "connecting as a client to a VPN gateway".
inline constexpr std::string_view wg_quick_client_example = R"([Interface]
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
inline constexpr std::string_view wg_quick_server_example = R"([Interface]
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
inline constexpr std::string_view wg_man_page_example = R"([Interface]
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

// The file given to `wg setconf` (wireguard-tools v1.0.20210914) for wg_setconf_request: the
// wg(8) example without its host-name peer, plus PresharedKey and PersistentKeepalive.
inline constexpr std::string_view setconf_file = R"([Interface]
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
inline constexpr std::string_view wg_setconf_request =
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

// What wireguard-go v0.0.20220316 answered to "get=1\n\n" on its socket after
//   wg set wgtk listen-port 51820 fwmark 0x1234 private-key <(wg genkey)
//     peer <P2> allowed-ips 10.9.0.0/24 endpoint 10.9.9.9:51820
//     peer <P3> preshared-key <(wg genpsk) allowed-ips 10.9.1.0/24,fd00:9::/64,10.9.2.7/32
//       endpoint [fd00::9]:51821 persistent-keepalive 25
inline constexpr std::string_view wireguard_go_get_response =
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

// `wg showconf` (wireguard-tools v1.0.20210914) of the device that gave wireguard_go_get_response.
inline constexpr std::string_view wg_showconf_output = R"([Interface]
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

}  // namespace tunkit::wg::test
