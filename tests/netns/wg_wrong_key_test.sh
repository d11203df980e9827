# WireGuard authentication (whitepaper 5.4.2, 5.4.4): B is told a wrong public key for A.
# Both sides keep trying to initiate while pinging for a few seconds: A's initiations do not
# name a static key B knows, and B's carry a MAC1 made for the wrong key, so no handshake ever
# completes, nothing is answered and no packet crosses into either device. The capture shows
# the initiations did arrive, so the refusal is the implementations' doing. Given the right
# key, the same setup then connects (the control).
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/wg_lib.sh"
tk_require tcpdump python3
wg_impl_check "$WG_IMPL_A"
wg_impl_check "$WG_IMPL_B"

wg_pair_underlay
wg_keys a
wg_keys b
wg_keys wrong
PUB_A=$(wg_pub a)
PUB_B=$(wg_pub b)
PUB_WRONG=$(wg_pub wrong)
wg_ifname IF_A a
wg_ifname IF_B b
wg_start "$NS_A" "$IF_A" "$WG_IMPL_A"
wg_start "$NS_B" "$IF_B" "$WG_IMPL_B"
wg_set "$NS_A" "$IF_A" private-key "$TK_TMP/a.key" listen-port 51821 \
  peer "$PUB_B" allowed-ips 10.82.0.2/32 endpoint 10.81.0.2:51822
wg_set "$NS_B" "$IF_B" private-key "$TK_TMP/b.key" listen-port 51822 \
  peer "$PUB_WRONG" allowed-ips 10.82.0.1/32 endpoint 10.81.0.1:51821
wg_addr "$NS_A" "$IF_A" 10.82.0.1/24
wg_addr "$NS_B" "$IF_B" 10.82.0.2/24

wg_capture CAP "$NS_B" wgub "$TK_TMP/under.pcap"
# Pings both ways for 6 s: each side sends initiations (retried every 5 s) to the other.
tk_bg "$TK_TMP/ping-a" ip netns exec "$NS_A" timeout 15 ping -n -c 6 -i 1 -W 1 10.82.0.2
PING_A=$TK_LAST_PID
tk_bg "$TK_TMP/ping-b" ip netns exec "$NS_B" timeout 15 ping -n -c 6 -i 1 -W 1 10.82.0.1
PING_B=$TK_LAST_PID
for i in $(seq 12); do
  [ "$(wg_peer "$NS_A" "$IF_A" "$PUB_B" handshake)" = 0 ] || tk_fail "A completed a handshake with B, which does not know A's key: $(wg_dump "$NS_A" "$IF_A")"
  [ "$(wg_peer "$NS_B" "$IF_B" "$PUB_WRONG" handshake)" = 0 ] || tk_fail "B completed a handshake for a key A does not hold: $(wg_dump "$NS_B" "$IF_B")"
  sleep 0.5
done
timeout 15 tail --pid="$PING_A" -f /dev/null
timeout 15 tail --pid="$PING_B" -f /dev/null
sleep 0.5
wg_capture_stop "$CAP"

grep -q " 0 received" "$TK_TMP/ping-a" || tk_fail "A got echo replies without a handshake: $(cat "$TK_TMP/ping-a")"
grep -q " 0 received" "$TK_TMP/ping-b" || tk_fail "B got echo replies without a handshake: $(cat "$TK_TMP/ping-b")"
[ "$(wg_delivered "$NS_A" "$IF_A")" = 0 ] || tk_fail "A wrote $(wg_delivered "$NS_A" "$IF_A") packets into its device"
[ "$(wg_delivered "$NS_B" "$IF_B")" = 0 ] || tk_fail "B wrote $(wg_delivered "$NS_B" "$IF_B") packets into its device"
[ "$(wg_peer "$NS_A" "$IF_A" "$PUB_B" rx)" = 0 ] || tk_fail "A counted bytes received from B: $(wg_dump "$NS_A" "$IF_A")"
[ "$(wg_peer "$NS_B" "$IF_B" "$PUB_WRONG" rx)" = 0 ] || tk_fail "B counted bytes received: $(wg_dump "$NS_B" "$IF_B")"
wg_pcap "$TK_TMP/under.pcap" >"$TK_TMP/under.txt"
init_a=$(awk '$1 == "10.81.0.1" && $5 == 1 && $6 == 148' "$TK_TMP/under.txt" | wc -l)
init_b=$(awk '$1 == "10.81.0.2" && $5 == 1 && $6 == 148' "$TK_TMP/under.txt" | wc -l)
others=$(awk '$5 != 1' "$TK_TMP/under.txt" | wc -l)
[ "$init_a" -ge 1 ] && [ "$init_b" -ge 1 ] || tk_fail "expected initiations both ways on the underlay, saw A->B $init_a, B->A $init_b: $(cut -d' ' -f1-6 "$TK_TMP/under.txt")"
[ "$others" = 0 ] || tk_fail "something other than initiations crossed the underlay: $(awk '$5 != 1' "$TK_TMP/under.txt" | cut -d' ' -f1-6)"
tk_pass "wrong public key: $init_a initiations A->B and $init_b B->A refused, no handshake, nothing delivered"

# Control: with A's real key B accepts the next handshake.
wg_set "$NS_B" "$IF_B" peer "$PUB_WRONG" remove peer "$PUB_A" allowed-ips 10.82.0.1/32 endpoint 10.81.0.1:51821
wg_wait_ping "$NS_A" 10.82.0.2 15 || tk_fail "control: no tunnel even with the right key: $(wg_logs)"
wg_has_handshake "$NS_B" "$IF_B" "$PUB_A" || tk_fail "control: B shows no handshake"
tk_pass "control: with the right key the handshake completes and ping works"
