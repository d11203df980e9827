# WireGuard replay protection (whitepaper 5.1, 5.4.6; RFC 6479 window), both sides: the
# underlay is captured while A initiates and pings B; then exact copies of captured datagrams
# are sent again from another UDP port - A's initiation and an echo request to B, B's response
# and an echo reply to A. Each receiver must drop them: nothing more written into its device,
# no handshake response, its rx byte count moved only by genuine packets seen in the capture,
# and the peer's endpoint NOT roamed to the replaying port (roaming needs an authentic, new
# packet). The tunnel keeps working afterwards.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/wg_lib.sh"
tk_require tcpdump python3
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
wg_ifname IF_A a
wg_ifname IF_B b
wg_start "$NS_A" "$IF_A" "$WG_IMPL_A"
wg_start "$NS_B" "$IF_B" "$WG_IMPL_B"
wg_set "$NS_A" "$IF_A" private-key "$TK_TMP/a.key" listen-port "$PORT_A" \
  peer "$PUB_B" preshared-key "$TK_TMP/ab.psk" allowed-ips 10.82.0.2/32 endpoint "10.81.0.2:$PORT_B"
wg_set "$NS_B" "$IF_B" private-key "$TK_TMP/b.key" listen-port "$PORT_B" \
  peer "$PUB_A" preshared-key "$TK_TMP/ab.psk" allowed-ips 10.82.0.1/32
wg_addr "$NS_A" "$IF_A" 10.82.0.1/24
wg_addr "$NS_B" "$IF_B" 10.82.0.2/24

# ---- record a handshake and a few echoes -----------------------------------------------------
wg_capture CAP "$NS_B" wgub "$TK_TMP/first.pcap"
wg_wait_ping "$NS_A" 10.82.0.2 || tk_fail "no tunnel: $(wg_logs)"
ip netns exec "$NS_A" ping -n -c 3 -i 0.2 -W 1 10.82.0.2 >/dev/null || tk_fail "pings through the tunnel failed"
wg_capture_stop "$CAP"
wg_pcap "$TK_TMP/first.pcap" >"$TK_TMP/first.txt"
from_a() { awk -v t="$1" '$1 == "10.81.0.1" && $2 == '"$PORT_A"' && $5 == t && $6 > 32 { print $7; exit }' "$TK_TMP/first.txt"; }
from_b() { awk -v t="$1" '$1 == "10.81.0.2" && $2 == '"$PORT_B"' && $5 == t && $6 > 32 { print $7; exit }' "$TK_TMP/first.txt"; }
INIT=$(from_a 1); DATA_A=$(from_a 4); RESP=$(from_b 2); DATA_B=$(from_b 4)
for v in INIT DATA_A RESP DATA_B; do
  [ -n "${!v}" ] || tk_fail "no $v datagram in the capture: $(cut -d' ' -f1-6 "$TK_TMP/first.txt")"
done
[ "${#INIT}" = 296 ] && [ "${#RESP}" = 184 ] || tk_fail "handshake messages of unexpected size (${#INIT}/2, ${#RESP}/2 bytes)"

# ---- replay them from other ports ------------------------------------------------------------
snapshot() {  # snapshot PREFIX: delivered packets, rx bytes, endpoints, handshake times
  printf -v "${1}_A_DELIVERED" %s "$(wg_delivered "$NS_A" "$IF_A")"
  printf -v "${1}_B_DELIVERED" %s "$(wg_delivered "$NS_B" "$IF_B")"
  printf -v "${1}_A_RX" %s "$(wg_peer "$NS_A" "$IF_A" "$PUB_B" rx)"
  printf -v "${1}_B_RX" %s "$(wg_peer "$NS_B" "$IF_B" "$PUB_A" rx)"
  printf -v "${1}_A_EP" %s "$(wg_peer "$NS_A" "$IF_A" "$PUB_B" endpoint)"
  printf -v "${1}_B_EP" %s "$(wg_peer "$NS_B" "$IF_B" "$PUB_A" endpoint)"
  printf -v "${1}_B_HS" %s "$(wg_peer "$NS_B" "$IF_B" "$PUB_A" handshake)"
}
# send NS SRC SRC_PORT DST DST_PORT HEX...: each datagram three times, from a plain UDP socket.
send() {
  ip netns exec "$1" python3 - "$@" <<'PY' || tk_fail "replay send failed"
import socket, sys, time
_, _, src, sport, dst, dport, *payloads = sys.argv
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((src, int(sport)))
for _ in range(3):
    for p in payloads:
        s.sendto(bytes.fromhex(p), (dst, int(dport)))
        time.sleep(0.05)
PY
}

wg_capture CAP "$NS_B" wgub "$TK_TMP/replay.pcap"
snapshot BEFORE
send "$NS_A" 10.81.0.1 $((PORT_A + 10)) 10.81.0.2 "$PORT_B" "$INIT" "$DATA_A"
send "$NS_B" 10.81.0.2 $((PORT_B + 10)) 10.81.0.1 "$PORT_A" "$RESP" "$DATA_B"
sleep 1
snapshot AFTER
wg_capture_stop "$CAP"
wg_pcap "$TK_TMP/replay.pcap" >"$TK_TMP/replay.txt"

# The replays did arrive (6 datagrams each way); nothing answered the replaying ports.
[ "$(awk '$2 == '$((PORT_A + 10))' && $4 == '"$PORT_B"'' "$TK_TMP/replay.txt" | wc -l)" = 6 ] \
  || tk_fail "the replays to B are not all in the capture: $(cut -d' ' -f1-6 "$TK_TMP/replay.txt")"
[ "$(awk '$2 == '$((PORT_B + 10))' && $4 == '"$PORT_A"'' "$TK_TMP/replay.txt" | wc -l)" = 6 ] \
  || tk_fail "the replays to A are not all in the capture: $(cut -d' ' -f1-6 "$TK_TMP/replay.txt")"
answers=$(awk '$4 == '$((PORT_A + 10))' || $4 == '$((PORT_B + 10))' || ($2 == '"$PORT_B"' && $5 == 2)' "$TK_TMP/replay.txt" | cut -d' ' -f1-6)
[ -z "$answers" ] || tk_fail "a replay was answered: $answers"

# Genuine traffic in the window (a passive keepalive may fall into it) explains any rx change.
genuine() {  # genuine SRC_IP SRC_PORT: UDP payload bytes of the peer's real packets in the window
  awk -v ip="$1" -v port="$2" '$1 == ip && $2 == port { n += $6 } END { print n + 0 }' "$TK_TMP/replay.txt"
}
genuine_data() {  # genuine_data SRC_IP SRC_PORT: real data packets (not keepalives) in the window
  awk -v ip="$1" -v port="$2" '$1 == ip && $2 == port && $5 == 4 && $6 > 32 { n++ } END { print n + 0 }' "$TK_TMP/replay.txt"
}
[ $((AFTER_B_RX - BEFORE_B_RX)) = "$(genuine 10.81.0.1 "$PORT_A")" ] \
  || tk_fail "B ($WG_IMPL_B) counted $((AFTER_B_RX - BEFORE_B_RX)) received bytes, genuine traffic was $(genuine 10.81.0.1 "$PORT_A"): replays were accepted"
[ $((AFTER_A_RX - BEFORE_A_RX)) = "$(genuine 10.81.0.2 "$PORT_B")" ] \
  || tk_fail "A ($WG_IMPL_A) counted $((AFTER_A_RX - BEFORE_A_RX)) received bytes, genuine traffic was $(genuine 10.81.0.2 "$PORT_B"): replays were accepted"
[ $((AFTER_B_DELIVERED - BEFORE_B_DELIVERED)) = "$(genuine_data 10.81.0.1 "$PORT_A")" ] \
  || tk_fail "B ($WG_IMPL_B) wrote a replayed packet into its device ($BEFORE_B_DELIVERED -> $AFTER_B_DELIVERED)"
[ $((AFTER_A_DELIVERED - BEFORE_A_DELIVERED)) = "$(genuine_data 10.81.0.2 "$PORT_B")" ] \
  || tk_fail "A ($WG_IMPL_A) wrote a replayed packet into its device ($BEFORE_A_DELIVERED -> $AFTER_A_DELIVERED)"
[ "$AFTER_B_EP" = "10.81.0.1:$PORT_A" ] || tk_fail "B ($WG_IMPL_B) roamed A's endpoint to $AFTER_B_EP on a replay"
[ "$AFTER_A_EP" = "10.81.0.2:$PORT_B" ] || tk_fail "A ($WG_IMPL_A) roamed B's endpoint to $AFTER_A_EP on a replay"
[ "$AFTER_B_HS" = "$BEFORE_B_HS" ] || tk_fail "B ($WG_IMPL_B) took a replayed initiation as a new handshake"
tk_pass "replayed initiation, response and data packets dropped on both sides; endpoints not roamed"

ip netns exec "$NS_A" ping -n -c 3 -i 0.2 -W 1 10.82.0.2 >/dev/null || tk_fail "the tunnel broke after the replays"
ip netns exec "$NS_B" ping -n -c 3 -i 0.2 -W 1 10.82.0.1 >/dev/null || tk_fail "the tunnel broke after the replays (B -> A)"
[ "$(wg_peer "$NS_B" "$IF_B" "$PUB_A" endpoint)" = "10.81.0.1:$PORT_A" ] || tk_fail "B's endpoint for A moved"
tk_pass "the tunnel still works both ways after the replays"
