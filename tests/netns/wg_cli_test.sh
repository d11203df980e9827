#!/usr/bin/env bash
# tunkit wg's own command line: keys interchangeable with `wg genkey`/`wg pubkey`, bad input
# refused with the line and the fix (exit 2) and nothing created, `tunkit wg show` reading a
# wireguard-go interface (human and --json), `tunkit-wg` refusing a bad name. No packets sent.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/wg_lib.sh"
tk_require jq
wg_impl_check tunkit

# Keys: ours are wg's and wg's are ours.
ours=$("$TUNKIT" wg genkey)
[ "${#ours}" -eq 44 ] || tk_fail "genkey printed '${ours}', not 44 base64 characters"
[ "$(echo "$ours" | "$TUNKIT" wg pubkey)" = "$(echo "$ours" | wg pubkey)" ] || tk_fail "pubkey of our key differs from wg's"
theirs=$(wg genkey)
[ "$(echo "$theirs" | "$TUNKIT" wg pubkey)" = "$(echo "$theirs" | wg pubkey)" ] || tk_fail "pubkey of wg's key differs from wg's"
psk=$("$TUNKIT" wg genpsk)
echo "$psk" | wg pubkey >/dev/null || tk_fail "wg does not read our preshared key '$psk' as a key"
[ "$psk" != "$("$TUNKIT" wg genpsk)" ] || tk_fail "two genpsk calls printed the same key"
tk_expect_status 2 bash -c "echo 'not-a-key' | '$TUNKIT' wg pubkey"
tk_expect_contains "$TK_ERR" "44 base64 characters" "pubkey of garbage"
tk_pass "genkey/pubkey/genpsk interchangeable with wg's; a bad key is refused with the fix"

tk_netns NS
wg_ifname IF_BAD bad
wg_ifname IF_GO go
mkdir -m 700 "$TK_TMP/conf"
key=$(wg genkey) peer1=$(wg genkey | wg pubkey) peer2=$(wg genkey | wg pubkey)
cat >"$TK_TMP/conf/$IF_BAD.conf" <<CONF
[Interface]
PrivateKey = $key
ListenPort = 51830

[Peer]
PublicKey = $peer1
AllowedIPs = 10.84.0.2/32
Colour = blue
CONF
tk_expect_status 2 ip netns exec "$NS" "$TUNKIT" wg up "$TK_TMP/conf/$IF_BAD.conf"
tk_expect_contains "$TK_ERR" "line 8: unknown key 'Colour'" "an unknown config key"
cat >"$TK_TMP/conf/$IF_BAD.conf" <<CONF
[Interface]
PrivateKey = $key

[Peer]
PublicKey = $peer1
AllowedIPs = 10.84.0.0/24

[Peer]
PublicKey = $peer2
AllowedIPs = 10.84.0.9/24
CONF
tk_expect_status 2 ip netns exec "$NS" "$TUNKIT" wg up "$TK_TMP/conf/$IF_BAD.conf"
tk_expect_contains "$TK_ERR" "line 10" "an AllowedIPs overlap names the second claim"
tk_expect_contains "$TK_ERR" "line 6" "an AllowedIPs overlap names the first claim"
printf '[Interface]\nPrivateKey = %s\n' "${key%?}" >"$TK_TMP/conf/$IF_BAD.conf"
tk_expect_status 2 ip netns exec "$NS" "$TUNKIT" wg up "$TK_TMP/conf/$IF_BAD.conf"
tk_expect_contains "$TK_ERR" "line 2" "a truncated private key"
printf '[Interface]\nPrivateKey = %s\n[Peer]\nPublicKey = %s\nPersistentKeepalive = 25\n' "$key" "$peer1" \
  >"$TK_TMP/conf/$IF_BAD.conf"
tk_expect_status 2 ip netns exec "$NS" "$TUNKIT" wg up "$TK_TMP/conf/$IF_BAD.conf"
tk_expect_contains "$TK_ERR" "Endpoint" "a peer that must initiate but has no endpoint"
wg_has_link "$NS" "$IF_BAD" && tk_fail "a refused config left interface $IF_BAD behind"
wg_has_socket "$IF_BAD" && tk_fail "a refused config left a UAPI socket behind"
tk_pass "bad configs refused with the line and the fix, exit 2, nothing created"

# tunkit wg show reads wireguard-go's socket (no traffic: the interface stays down).
tk_require wireguard-go
wg_start "$NS" "$IF_GO" wireguard-go
wg_set "$NS" "$IF_GO" private-key <(echo "$key") listen-port 51831 \
  peer "$peer1" allowed-ips 10.84.1.0/24,fd84::/64 endpoint 10.84.9.9:51820 persistent-keepalive 0
human=$(ip netns exec "$NS" "$TUNKIT" wg show "$IF_GO") || tk_fail "tunkit wg show $IF_GO failed"
tk_expect_contains "$human" "interface: $IF_GO" "show"
tk_expect_contains "$human" "public key: $(echo "$key" | wg pubkey)" "show"
tk_expect_contains "$human" "listening port: 51831" "show"
tk_expect_contains "$human" "peer: $peer1" "show"
tk_expect_contains "$human" "allowed ips: 10.84.1.0/24, fd84::/64" "show"
tk_expect_contains "$human" "endpoint: 10.84.9.9:51820" "show"
json=$(ip netns exec "$NS" "$TUNKIT" wg show "$IF_GO" --json) || tk_fail "tunkit wg show --json failed"
[ "$(jq -r '.peers[0].public_key' <<<"$json")" = "$peer1" ] || tk_fail "--json peer key: $json"
[ "$(jq -r '.listen_port' <<<"$json")" = 51831 ] || tk_fail "--json listen port: $json"
[ "$(jq -c '.peers[0].allowed_ips' <<<"$json")" = '["10.84.1.0/24","fd84::/64"]' ] || tk_fail "--json allowed ips: $json"
ip netns exec "$NS" "$TUNKIT" wg show interfaces | grep -qx "$IF_GO" || tk_fail "show interfaces misses $IF_GO"
tk_expect_status 6 ip netns exec "$NS" "$TUNKIT" wg show "tkw$$none"
tk_expect_contains "$TK_ERR" "no WireGuard interface" "show of a missing interface"
tk_pass "tunkit wg show reads wireguard-go's UAPI (human and --json); a missing one is named"

# wg-quick's extras: Table = off means no routes; DNS and hooks are named as not applied.
wg_ifname IF_UP up
cat >"$TK_TMP/conf/$IF_UP.conf" <<CONF
[Interface]
PrivateKey = $key
Address = 10.84.2.1/24
DNS = 10.84.2.53
PostUp = echo should-not-run
Table = off

[Peer]
PublicKey = $peer1
AllowedIPs = 10.84.3.0/24
CONF
wg_track "$NS" "$IF_UP"
ip netns exec "$NS" "$TUNKIT" wg up "$TK_TMP/conf/$IF_UP.conf" >"$TK_TMP/up.out" 2>&1 || tk_fail "wg up failed: $(cat "$TK_TMP/up.out")"
tk_expect_contains "$(cat "$TK_TMP/up.out")" "not applied by tunkit wg up (DNS, PreUp/PostUp/PreDown/PostDown)" "wg up with wg-quick extras"
grep -q should-not-run "$TK_TMP/up.out" && tk_fail "a PostUp hook ran"
ip -n "$NS" route show | grep -q "10.84.3.0/24" && tk_fail "Table = off, yet a route for AllowedIPs was added"
ip -n "$NS" -o addr show dev "$IF_UP" | grep -q "10.84.2.1/24" || tk_fail "wg up did not set the address"
ip netns exec "$NS" "$TUNKIT" wg down "$IF_UP" || tk_fail "wg down $IF_UP failed"
wg_has_link "$NS" "$IF_UP" && tk_fail "$IF_UP survived wg down"
tk_pass "wg up: Table = off adds no routes; DNS and hooks are reported as not applied"

# An interface name that exists already, and one that is not a name.
printf '[Interface]\nPrivateKey = %s\n' "$key" >"$TK_TMP/conf/$IF_GO.conf"
tk_expect_status 4 ip netns exec "$NS" "$TUNKIT" wg up "$TK_TMP/conf/$IF_GO.conf"
tk_expect_contains "$TK_ERR" "already exists" "wg up over an existing interface"
tk_expect_status 2 ip netns exec "$NS" "$TUNKIT_WG" -f "bad/name"
tk_expect_status 0 "$TUNKIT_WG" --help
tk_pass "wg up refuses an existing interface (exit 4); tunkit-wg refuses a bad name (exit 2)"
