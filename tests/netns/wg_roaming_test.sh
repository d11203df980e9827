# WireGuard roaming (whitepaper 2.1: a peer's endpoint follows its authenticated packets):
# while A streams a TCP transfer and pings B through the tunnel, A's route to B moves to
# another link with another address (from wgua, 10.81.0.1, to wgua2, 10.81.0.11, as a laptop
# moving from one network to another; the old address stays, unrouted; B's side of both links
# is one bridge), and later A's listen port changes (a NAT rebinding, as B sees it). B learns
# each new endpoint from A's next packet: the transfer arrives intact, pings keep being
# answered, B's `wg show` endpoint for A is the new one.
# With WG_ROAM_SAME_LINK=1 (default when A is tunkit) A's address is then also replaced on the
# same link (10.81.0.11 -> 10.81.0.21), which the kernel's WireGuard follows but wireguard-go
# 0.0.20220316 does not: it keeps sending from its sticky source address after that address
# is gone (sendmsg fails with ENETUNREACH, which it does not take as a stale source).
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/wg_lib.sh"
tk_require nc sha256sum
wg_impl_check "$WG_IMPL_A"
wg_impl_check "$WG_IMPL_B"

WG_ROAM_SAME_LINK=${WG_ROAM_SAME_LINK:-$([ "$WG_IMPL_A" = tunkit ] && echo 1 || echo 0)}
# Underlay: A's wgua and wgua2 both reach B's bridge br0 (10.81.0.2/24); A starts on wgua.
tk_netns NS_A
tk_netns NS_B
ip -n "$NS_B" link add br0 type bridge
ip -n "$NS_A" link add wgua type veth peer name wgub netns "$NS_B"
ip -n "$NS_A" link add wgua2 type veth peer name wgub2 netns "$NS_B"
for port in wgub wgub2; do ip -n "$NS_B" link set "$port" master br0 up; done
ip -n "$NS_B" addr add 10.81.0.2/24 dev br0
ip -n "$NS_B" link set br0 up
ip -n "$NS_A" addr add 10.81.0.1/24 dev wgua
ip -n "$NS_A" link set wgua up
ip -n "$NS_A" link set wgua2 up
# Replacing an address within a subnet must not take its secondaries with it.
ip netns exec "$NS_A" sysctl -qw net.ipv4.conf.wgua2.promote_secondaries=1
wg_keys a
wg_keys b
PUB_A=$(wg_pub a)
PUB_B=$(wg_pub b)
wg_ifname IF_A a
wg_ifname IF_B b
wg_start "$NS_A" "$IF_A" "$WG_IMPL_A"
wg_start "$NS_B" "$IF_B" "$WG_IMPL_B"
wg_set "$NS_A" "$IF_A" private-key "$TK_TMP/a.key" listen-port 51821 \
  peer "$PUB_B" allowed-ips 10.82.0.2/32 endpoint 10.81.0.2:51822
wg_set "$NS_B" "$IF_B" private-key "$TK_TMP/b.key" listen-port 51822 \
  peer "$PUB_A" allowed-ips 10.82.0.1/32
wg_addr "$NS_A" "$IF_A" 10.82.0.1/24
wg_addr "$NS_B" "$IF_B" 10.82.0.2/24
wg_wait_ping "$NS_A" 10.82.0.2 || tk_fail "no tunnel: $(wg_logs)"
ep() { wg_peer "$NS_B" "$IF_B" "$PUB_A" endpoint; }
[ "$(ep)" = 10.81.0.1:51821 ] || tk_fail "B's endpoint for A before roaming: $(ep)"

# roamed_to ENDPOINT: B's endpoint for A is ENDPOINT.
roamed_to() { [ "$(ip netns exec "$NS_B" wg show "$IF_B" endpoints | awk '{print $2}')" = "$1" ]; }
# ping_while NAME: 60 echoes A -> B, 0.1 s apart, in the background.
ping_while() {
  tk_bg "$TK_TMP/ping-$1" ip netns exec "$NS_A" timeout 30 ping -n -c 60 -i 0.1 -W 1 10.82.0.2
  PING=$TK_LAST_PID
}
# check_pings NAME: the echoes after the change were answered (a few around it may be lost).
check_pings() {
  timeout 30 tail --pid="$PING" -f /dev/null || true
  local got late
  got=$(grep -c "icmp_seq=" "$TK_TMP/ping-$1" || true)
  late=$(grep -o "icmp_seq=[0-9]*" "$TK_TMP/ping-$1" | cut -d= -f2 | awk '$1 > 50' | wc -l)
  [ "$got" -ge 50 ] && [ "$late" = 10 ] || tk_fail "$1: pings were not answered after the change ($got of 60 answered, $late of the last 10): $(tail -5 "$TK_TMP/ping-$1")"
}

# A streams 6 MB to B over ~6 s; A's route to B moves 2 s in.
head -c 6000000 /dev/urandom >"$TK_TMP/blob"
tk_bg "$TK_TMP/recv.log" ip netns exec "$NS_B" timeout 60 sh -c 'exec nc -l 10.82.0.2 5001 >"$0" </dev/null' "$TK_TMP/recv"
RX=$TK_LAST_PID
tk_wait_for 10 bash -c "ip netns exec $NS_B ss -ltnH | grep -q 10.82.0.2:5001" || tk_fail "receiver not listening"
tk_bg "$TK_TMP/send.log" ip netns exec "$NS_A" timeout 60 sh -c \
  'for i in $(seq 0 59); do dd if="$0" bs=100000 skip=$i count=1 status=none; sleep 0.1; done | nc -N 10.82.0.2 5001' "$TK_TMP/blob"
TX=$TK_LAST_PID
ping_while address
sleep 2
ip -n "$NS_A" addr add 10.81.0.11/24 dev wgua2
ip -n "$NS_A" route del 10.81.0.0/24 dev wgua
tk_wait_for 5 roamed_to 10.81.0.11:51821 \
  || tk_fail "B did not roam to A's new address: endpoint $(ep): $(wg_logs)"
check_pings address
timeout 60 tail --pid="$TX" -f /dev/null || tk_fail "transfer did not finish"
wait "$TX" || tk_fail "sending across the address change failed: $(cat "$TK_TMP/send.log")"
timeout 30 tail --pid="$RX" -f /dev/null || tk_fail "receiver did not finish"
[ "$(sha256sum <"$TK_TMP/recv")" = "$(sha256sum <"$TK_TMP/blob")" ] || tk_fail "transfer corrupted ($(stat -c %s "$TK_TMP/recv") of 6000000 bytes)"
[ "$(ep)" = 10.81.0.11:51821 ] || tk_fail "B's endpoint for A: $(ep)"
ip netns exec "$NS_B" ping -n -c 3 -i 0.2 -W 1 10.82.0.1 >/dev/null || tk_fail "B cannot reach A at its new address"
tk_pass "A's route moved to another link and address mid-transfer: 6 MB intact, pings answered, B roamed to 10.81.0.11:51821"

# A's source port changes, as behind a NAT that rebinds: B follows again.
ping_while port
sleep 2
wg_set "$NS_A" "$IF_A" listen-port 51899
tk_wait_for 5 roamed_to 10.81.0.11:51899 \
  || tk_fail "B did not roam to A's new port: endpoint $(ep)"
check_pings port
ip netns exec "$NS_B" ping -n -c 3 -i 0.2 -W 1 10.82.0.1 >/dev/null || tk_fail "B cannot reach A at its new port"
[ "$(wg_peer "$NS_A" "$IF_A" "$PUB_B" endpoint)" = 10.81.0.2:51822 ] || tk_fail "A's endpoint for B changed"
tk_pass "A's port changed mid-ping: B roamed to 10.81.0.11:51899"

# The address replaced on the same link (see the top).
if [ "$WG_ROAM_SAME_LINK" != 1 ]; then
  echo "not checked: same-link address replacement (WG_ROAM_SAME_LINK=1 to check it; wireguard-go does not follow it)"
  exit 0
fi
ping_while same-link
sleep 2
ip -n "$NS_A" addr add 10.81.0.21/24 dev wgua2
ip -n "$NS_A" addr del 10.81.0.11/24 dev wgua2
ip -n "$NS_A" -4 addr show dev wgua2 | grep "inet 10.81.0.21/24" >/dev/null || tk_fail "the new address did not stay"
tk_wait_for 5 roamed_to 10.81.0.21:51899 \
  || tk_fail "B did not roam to A's replaced address: endpoint $(ep): $(wg_logs)"
check_pings same-link
ip netns exec "$NS_B" ping -n -c 3 -i 0.2 -W 1 10.82.0.1 >/dev/null || tk_fail "B cannot reach A at its replaced address"
tk_pass "A's address replaced on the same link mid-ping: B roamed to 10.81.0.21:51899"
