# WireGuard interop, one implementation per side (WG_IMPL_A, WG_IMPL_B; wg_lib.sh), with a
# preshared key and IPv4 + IPv6 overlays. First A initiates (only A knows an endpoint): pings
# both ways, a 100 MB TCP transfer A -> B arrives intact (SHA-256 of what was sent and of what
# arrived), iperf3 A -> B over IPv6. Then fresh processes, B initiating: pings both ways,
# iperf3 B -> A. Each time `wg show dump` agrees on both sides: handshakes, the preshared key,
# each other's underlay endpoint, and the bytes one side counts as sent (UDP payloads:
# handshakes, keepalives, data) are the bytes the other counts as received - exactly on quiet
# traffic; after bulk traffic, which the receiving socket may drop under load, no side counts
# more than the other sent and the receiver counted at least the payload.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/wg_lib.sh"
tk_require nc iperf3 jq sha256sum
wg_impl_check "$WG_IMPL_A"
wg_impl_check "$WG_IMPL_B"

wg_pair_underlay
wg_keys a
wg_keys b
wg_psk ab
PUB_A=$(wg_pub a)
PUB_B=$(wg_pub b)
PORT_A=51821
PORT_B=51822
head -c 100000000 /dev/urandom >"$TK_TMP/blob"
BLOB_SHA=$(sha256sum <"$TK_TMP/blob" | cut -d' ' -f1)

# up_pair INITIATOR (a or b): fresh processes; only the initiator is told the other's endpoint.
up_pair() {
  local round=$1 ep_a=() ep_b=()
  BASE_A_TX=0 BASE_A_RX=0 BASE_B_TX=0 BASE_B_RX=0
  [ "$round" = a ] && ep_a=(endpoint "10.81.0.2:$PORT_B")
  [ "$round" = b ] && ep_b=(endpoint "10.81.0.1:$PORT_A")
  wg_ifname IF_A "a$round"
  wg_ifname IF_B "b$round"
  wg_start "$NS_A" "$IF_A" "$WG_IMPL_A"
  wg_start "$NS_B" "$IF_B" "$WG_IMPL_B"
  wg_set "$NS_A" "$IF_A" private-key "$TK_TMP/a.key" listen-port "$PORT_A" \
    peer "$PUB_B" preshared-key "$TK_TMP/ab.psk" allowed-ips 10.82.0.2/32,fd82::2/128 "${ep_a[@]}"
  wg_set "$NS_B" "$IF_B" private-key "$TK_TMP/b.key" listen-port "$PORT_B" \
    peer "$PUB_A" preshared-key "$TK_TMP/ab.psk" allowed-ips 10.82.0.1/32,fd82::1/128 "${ep_b[@]}"
  wg_addr "$NS_A" "$IF_A" 10.82.0.1/24 fd82::1/64
  wg_addr "$NS_B" "$IF_B" 10.82.0.2/24 fd82::2/64
  [ "$(wg_listen_port "$NS_A" "$IF_A")" = "$PORT_A" ] || tk_fail "A does not report listen port $PORT_A: $(wg_dump "$NS_A" "$IF_A")"
  [ "$(wg_peer "$NS_B" "$IF_B" "$PUB_A" handshake)" = 0 ] || tk_fail "B has a handshake before any traffic"
}

# pings NS DST: five echoes, all answered.
pings() {
  ip netns exec "$1" ping -n -c 5 -i 0.2 -W 1 "$2" >"$TK_TMP/ping" 2>&1 || tk_fail "ping $2 from $1 ($IF_A/$IF_B): $(cat "$TK_TMP/ping")"
  grep -q " 5 received" "$TK_TMP/ping" || tk_fail "ping $2 from $1 lost replies: $(cat "$TK_TMP/ping")"
}

# transfer FROM_NS TO_NS TO_ADDR: the 100 MB blob over TCP through the tunnel, hashed by the receiver.
transfer() {
  local from=$1 to=$2 addr=$3 rx
  tk_bg "$TK_TMP/recv.log" ip netns exec "$to" timeout 60 sh -c 'nc -l "$0" 5001 </dev/null | sha256sum >"$1"' "$addr" "$TK_TMP/recv.sha"
  rx=$TK_LAST_PID
  tk_wait_for 10 bash -c "ip netns exec $to ss -ltnH | grep -q '$addr:5001'" || tk_fail "receiver not listening"
  ip netns exec "$from" timeout 60 nc -N "$addr" 5001 <"$TK_TMP/blob" || tk_fail "100 MB send failed: $(wg_logs)"
  timeout 60 tail --pid="$rx" -f /dev/null || tk_fail "receiver did not finish"
  [ "$(cut -d' ' -f1 "$TK_TMP/recv.sha")" = "$BLOB_SHA" ] || tk_fail "100 MB transfer corrupted: sent $BLOB_SHA, received $(cat "$TK_TMP/recv.sha")"
}

# iperf FROM_NS TO_NS TO_ADDR: a 3 s iperf3 run through the tunnel moves data.
iperf() {
  local from=$1 to=$2 addr=$3 bytes
  tk_bg "$TK_TMP/iperf-s.log" ip netns exec "$to" timeout 30 iperf3 -s -1 -B "$addr" -p 5201
  tk_wait_for 10 bash -c "ip netns exec $to ss -ltnH | grep -q '5201'" || tk_fail "iperf3 server not listening"
  ip netns exec "$from" timeout 30 iperf3 -c "$addr" -p 5201 -t 3 -J >"$TK_TMP/iperf.json" 2>&1 \
    || tk_fail "iperf3 to $addr failed: $(tail -20 "$TK_TMP/iperf.json")"
  bytes=$(jq '.end.sum_received.bytes' "$TK_TMP/iperf.json")
  [ "${bytes:-0}" -gt 1000000 ] || tk_fail "iperf3 to $addr received only ${bytes:-0} bytes"
  echo "iperf3 $addr: $(jq '.end.sum_received.bits_per_second / 1e6 | floor' "$TK_TMP/iperf.json") Mbit/s"
}

# counters_agree: what each side sent to the other is what the other received.
counters_agree() {
  A_RX=$(wg_peer "$NS_A" "$IF_A" "$PUB_B" rx); A_TX=$(wg_peer "$NS_A" "$IF_A" "$PUB_B" tx)
  B_RX=$(wg_peer "$NS_B" "$IF_B" "$PUB_A" rx); B_TX=$(wg_peer "$NS_B" "$IF_B" "$PUB_A" tx)
  [ $((A_TX - BASE_A_TX)) = $((B_RX - BASE_B_RX)) ] && [ $((B_TX - BASE_B_TX)) = $((A_RX - BASE_A_RX)) ]
}
dumps() { printf 'A: %s\nB: %s\n' "$(wg_dump "$NS_A" "$IF_A")" "$(wg_dump "$NS_B" "$IF_B")"; }

# check_show WHAT: both dumps agree. Counted from BASE_* (zero for fresh processes): under load
# the receiving socket drops datagrams that the sender counted, so after a bulk transfer
# the exact comparison is made on quiet traffic since a new base (see settle_counters).
# A keepalive may be in flight: re-read for up to 5 s.
check_show() {
  local what=$1 deadline=$((SECONDS + 5))
  until counters_agree; do
    [ "$SECONDS" -lt "$deadline" ] || tk_fail "$what: A sent $((A_TX - BASE_A_TX)) bytes, B received $((B_RX - BASE_B_RX)); B sent $((B_TX - BASE_B_TX)), A received $((A_RX - BASE_A_RX))
$(dumps)"
    sleep 0.5
  done
  [ $((A_TX - BASE_A_TX)) -gt 0 ] && [ $((B_TX - BASE_B_TX)) -gt 0 ] || tk_fail "$what: no bytes counted: $(dumps)"
  wg_has_handshake "$NS_A" "$IF_A" "$PUB_B" || tk_fail "$what: A shows no handshake with B"
  wg_has_handshake "$NS_B" "$IF_B" "$PUB_A" || tk_fail "$what: B shows no handshake with A"
  [ "$(wg_peer "$NS_A" "$IF_A" "$PUB_B" endpoint)" = "10.81.0.2:$PORT_B" ] || tk_fail "$what: A's endpoint for B: $(dumps)"
  [ "$(wg_peer "$NS_B" "$IF_B" "$PUB_A" endpoint)" = "10.81.0.1:$PORT_A" ] || tk_fail "$what: B's endpoint for A: $(dumps)"
  [ "$(wg_dump "$NS_A" "$IF_A" | awk 'NR == 2 { print $2 }')" = "$(cat "$TK_TMP/ab.psk")" ] || tk_fail "$what: A does not report the preshared key"
  [ "$(wg_dump "$NS_B" "$IF_B" | awk 'NR == 2 { print $2 }')" = "$(cat "$TK_TMP/ab.psk")" ] || tk_fail "$what: B does not report the preshared key"
  echo "$what: A tx $((A_TX - BASE_A_TX)) = B rx $((B_RX - BASE_B_RX)), B tx $((B_TX - BASE_B_TX)) = A rx $((A_RX - BASE_A_RX))"
}

# after_bulk WHAT MIN_RX_AT_RECEIVER RECEIVER: nobody received more than the other sent, the
# receiver counted at least the bulk payload; then the counters are based anew and must
# agree exactly over pings both ways.
after_bulk() {
  local what=$1 min=$2 receiver=$3 got
  BASE_A_TX=0 BASE_A_RX=0 BASE_B_TX=0 BASE_B_RX=0
  counters_agree || true
  [ "$A_TX" -ge "$B_RX" ] && [ "$B_TX" -ge "$A_RX" ] || tk_fail "$what: a side counted more than the other sent: $(dumps)"
  if [ "$receiver" = b ]; then got=$B_RX; else got=$A_RX; fi
  [ "$got" -ge "$min" ] || tk_fail "$what: the receiver counted $got bytes, less than the $min it was sent: $(dumps)"
  sleep 1   # let the queues drain
  counters_agree || true
  BASE_A_TX=$A_TX BASE_A_RX=$A_RX BASE_B_TX=$B_TX BASE_B_RX=$B_RX
  pings "$NS_A" 10.82.0.2
  pings "$NS_B" fd82::1
  check_show "$what (quiet traffic since)"
}
BASE_A_TX=0 BASE_A_RX=0 BASE_B_TX=0 BASE_B_RX=0

# ---- A initiates ---------------------------------------------------------------------------
up_pair a
wg_wait_ping "$NS_A" 10.82.0.2 || tk_fail "A ($WG_IMPL_A) could not reach B ($WG_IMPL_B) through the tunnel: $(wg_logs)"
pings "$NS_A" 10.82.0.2
pings "$NS_B" 10.82.0.1
pings "$NS_A" fd82::2
pings "$NS_B" fd82::1
check_show "A initiated"
tk_pass "A ($WG_IMPL_A) initiates to B ($WG_IMPL_B): ping both ways over IPv4 and IPv6, dumps agree"
transfer "$NS_A" "$NS_B" 10.82.0.2
tk_pass "100 MB A -> B over TCP through the tunnel arrives intact"
iperf "$NS_A" "$NS_B" fd82::2
after_bulk "after 100 MB and iperf3" 100000000 b
tk_pass "iperf3 over the IPv6 overlay; tx/rx bytes agree after the traffic"

wg_stop "$IF_A" "$NS_A"
wg_stop "$IF_B" "$NS_B"
tk_pass "SIGTERM stops both ends; devices and UAPI sockets are gone"

# ---- B initiates, with fresh processes ------------------------------------------------------
up_pair b
wg_wait_ping "$NS_B" 10.82.0.1 || tk_fail "B ($WG_IMPL_B) could not reach A ($WG_IMPL_A) through the tunnel: $(wg_logs)"
pings "$NS_B" 10.82.0.1
pings "$NS_A" 10.82.0.2
pings "$NS_B" fd82::1
pings "$NS_A" fd82::2
check_show "B initiated"
iperf "$NS_B" "$NS_A" 10.82.0.1
after_bulk "after iperf3 B -> A" 1000000 a
tk_pass "B ($WG_IMPL_B) initiates to A ($WG_IMPL_A): pings both ways, iperf3 B -> A, dumps agree"
