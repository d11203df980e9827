# TAP over TCP joins two LANs: in each site namespace a Linux bridge holds the tunnel's TAP
# and a veth to a host namespace; hosts on both sides share one /24, resolve each other by
# ARP through the tunnel, and ping.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/tunnel_lib.sh"
tk_netns H1
tk_netns H2

site() {  # site SITE_NS HOST_NS HOST_ADDRESS
  local site=$1 host=$2 address=$3
  ip -n "$site" link add br0 type bridge
  ip netns exec "$site" "$TUNKIT" dev add tkb0 mode tap
  ip -n "$site" link set tkb0 master br0
  ip -n "$host" link add eth0 type veth peer name tklan netns "$site"
  ip -n "$site" link set tklan master br0
  for l in br0 tkb0 tklan; do ip -n "$site" link set "$l" up; done
  ip -n "$host" addr add "$address" dev eth0
  ip -n "$host" link set eth0 up
}
site "$NS_A" "$H1" 10.82.0.1/24
site "$NS_B" "$H2" 10.82.0.2/24

tk_bg "$TK_TMP/a.log" ip netns exec "$NS_A" "$TUNKIT" tunnel --dev tkb0 --listen
tk_bg "$TK_TMP/b.log" ip netns exec "$NS_B" "$TUNKIT" tunnel --dev tkb0 --connect 10.80.0.1
tk_wait_for 15 grep -q "connected with" "$TK_TMP/b.log" || tk_fail "no connection: $(cat "$TK_TMP"/[ab].log)"
grep -q "tkb0 (tap)" "$TK_TMP/a.log" || tk_fail "the tunnel did not take TAP mode from the device"

wait_tunnel "$H1" 10.82.0.2 || tk_fail "H1 cannot reach H2 across the bridged tunnel"
ip netns exec "$H1" ping -n -c 5 -i 0.2 -W 1 10.82.0.2 >/dev/null || tk_fail "H1 -> H2"
ip netns exec "$H2" ping -n -c 5 -i 0.2 -W 1 10.82.0.1 >/dev/null || tk_fail "H2 -> H1"
mac2=$(ip -n "$H2" -o link show eth0 | grep -o 'link/ether [0-9a-f:]*' | cut -d' ' -f2)
ip -n "$H1" neigh show 10.82.0.2 | grep -q "lladdr $mac2" || tk_fail "H1 did not learn H2's MAC $mac2: $(ip -n "$H1" neigh)"
tk_pass "two LANs bridged over TAP/TCP: ping both ways, H1 resolved H2 ($mac2) by ARP"
