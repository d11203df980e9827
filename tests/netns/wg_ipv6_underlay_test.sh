#!/usr/bin/env bash
# WireGuard over an IPv6 underlay (the daemon's dual-stack socket), and the `wg` commands that
# rewrite a running interface: `wg showconf` round-trips through `wg syncconf`, which then
# widens a peer's allowed IPs and adds a peer without disturbing the session.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/wg_lib.sh"
wg_impl_check "$WG_IMPL_A"
wg_impl_check "$WG_IMPL_B"

tk_netns NS_A
tk_netns NS_B
ip -n "$NS_A" link add wgua type veth peer name wgub netns "$NS_B"
for ns in "$NS_A" "$NS_B"; do ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=0; done
ip -n "$NS_A" addr add fd81::1/64 dev wgua nodad
ip -n "$NS_B" addr add fd81::2/64 dev wgub nodad
ip -n "$NS_A" link set wgua up
ip -n "$NS_B" link set wgub up
wg_keys a
wg_keys b
wg_ifname IF_A a
wg_ifname IF_B b
wg_start "$NS_A" "$IF_A" "$WG_IMPL_A"
wg_start "$NS_B" "$IF_B" "$WG_IMPL_B"
wg_set "$NS_A" "$IF_A" private-key "$TK_TMP/a.key" listen-port 51851 \
  peer "$(wg_pub b)" allowed-ips 10.82.0.2/32 endpoint "[fd81::2]:51852"
wg_set "$NS_B" "$IF_B" private-key "$TK_TMP/b.key" listen-port 51852 peer "$(wg_pub a)" allowed-ips 10.82.0.1/32
wg_addr "$NS_A" "$IF_A" 10.82.0.1/24
wg_addr "$NS_B" "$IF_B" 10.82.0.2/24
wg_wait_ping "$NS_A" 10.82.0.2 || tk_fail "no ping over the IPv6 underlay: $(wg_logs)"
wg_wait_ping "$NS_B" 10.82.0.1 || tk_fail "no ping back over the IPv6 underlay: $(wg_logs)"
[ "$(wg_peer "$NS_B" "$IF_B" "$(wg_pub a)" endpoint)" = "[fd81::1]:51851" ] \
  || tk_fail "B learned endpoint '$(wg_peer "$NS_B" "$IF_B" "$(wg_pub a)" endpoint)', expected [fd81::1]:51851"
[ "$(wg_peer "$NS_A" "$IF_A" "$(wg_pub b)" endpoint)" = "[fd81::2]:51852" ] || tk_fail "A's endpoint for B changed"
tk_pass "IPv6 underlay ($WG_IMPL_A <-> $WG_IMPL_B): pings both ways, endpoints [fd81::1]:51851 and [fd81::2]:51852"

ip netns exec "$NS_A" wg showconf "$IF_A" >"$TK_TMP/a.conf" || tk_fail "wg showconf $IF_A failed"
grep -q "Endpoint = \[fd81::2\]:51852" "$TK_TMP/a.conf" || tk_fail "showconf lacks the endpoint: $(cat "$TK_TMP/a.conf")"
sed -i 's|AllowedIPs = 10.82.0.2/32|AllowedIPs = 10.82.0.0/24|' "$TK_TMP/a.conf"
NEW_PEER=$(wg genkey | wg pubkey)
printf '\n[Peer]\nPublicKey = %s\nAllowedIPs = 10.83.0.0/24\n' "$NEW_PEER" >>"$TK_TMP/a.conf"
HANDSHAKE=$(wg_peer "$NS_A" "$IF_A" "$(wg_pub b)" handshake)
ip netns exec "$NS_A" wg syncconf "$IF_A" "$TK_TMP/a.conf" || tk_fail "wg syncconf $IF_A failed"
[ "$(wg_peer "$NS_A" "$IF_A" "$(wg_pub b)" allowed-ips)" = "10.82.0.0/24" ] || tk_fail "syncconf did not widen B's allowed ips"
[ "$(wg_peer "$NS_A" "$IF_A" "$NEW_PEER" allowed-ips)" = "10.83.0.0/24" ] || tk_fail "syncconf did not add the new peer"
[ "$(wg_peer "$NS_A" "$IF_A" "$(wg_pub b)" handshake)" = "$HANDSHAKE" ] || tk_fail "syncconf restarted the session"
wg_ping "$NS_A" 10.82.0.2 || tk_fail "no ping after syncconf"
tk_pass "wg showconf -> wg syncconf: allowed ips widened, a peer added, the session kept"
