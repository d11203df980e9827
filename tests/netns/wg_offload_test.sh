#!/usr/bin/env bash
# The offload data path of tunkit wg, tunkit on both ends: TCP super-packets from the TUN (TSO)
# cut into segments, UDP_SEGMENT sends, UDP_GRO receives and coalesced TUN writes must carry
# a 50 MB TCP transfer (IPv4 and IPv6 overlays) intact, and the exit statistics must show each
# mechanism at work. The same for UDP inside the tunnel: an application sending with
# UDP_SEGMENT hands the TUN UDP super-packets (USO), which are cut into datagrams; the
# receiving end merges them into GSO_UDP_L4 writes, which its kernel must hand to a plain
# socket as the original datagrams. Then the fallbacks: one end with TUNKIT_WG_OFFLOADS=off (per-packet on
# both sides of that end), and an underlay whose MTU is smaller than the tunnel's datagrams,
# for which the kernel refuses UDP_SEGMENT (EMSGSIZE): tunkit must notice, send datagram by
# datagram (the kernel fragments them), and lose nothing.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/wg_lib.sh"
tk_require nc sha256sum python3
wg_impl_check tunkit

wg_pair_underlay
wg_keys a
wg_keys b
PUB_A=$(wg_pub a)
PUB_B=$(wg_pub b)
head -c 50000000 /dev/urandom >"$TK_TMP/blob"
BLOB_SHA=$(sha256sum <"$TK_TMP/blob" | cut -d' ' -f1)

# up ROUND: fresh tunkit daemons on both ends (the caller's environment reaches them).
up() {
  wg_ifname IF_A "a$1"
  wg_ifname IF_B "b$1"
  wg_start "$NS_A" "$IF_A" tunkit
  wg_start "$NS_B" "$IF_B" tunkit
  wg_set "$NS_A" "$IF_A" private-key "$TK_TMP/a.key" listen-port 51841 \
    peer "$PUB_B" allowed-ips 10.82.0.2/32,fd82::2/128 endpoint 10.81.0.2:51842
  wg_set "$NS_B" "$IF_B" private-key "$TK_TMP/b.key" listen-port 51842 \
    peer "$PUB_A" allowed-ips 10.82.0.1/32,fd82::1/128
  wg_addr "$NS_A" "$IF_A" 10.82.0.1/24 fd82::1/64
  wg_addr "$NS_B" "$IF_B" 10.82.0.2/24 fd82::2/64
  wg_wait_ping "$NS_A" 10.82.0.2 || tk_fail "no ping through the tunnel: $(wg_logs)"
}

# transfer ADDR: the blob A -> B over TCP to ADDR, hashed by the receiver.
transfer() {
  local addr=$1 rx
  tk_bg "$TK_TMP/recv.log" ip netns exec "$NS_B" timeout 60 sh -c 'nc -l "$0" 5001 </dev/null | sha256sum >"$1"' "$addr" "$TK_TMP/recv.sha"
  rx=$TK_LAST_PID
  tk_wait_for 10 bash -c "ip netns exec $NS_B ss -ltnH | grep -q '5001'" || tk_fail "receiver not listening"
  ip netns exec "$NS_A" timeout 60 nc -N "$addr" 5001 <"$TK_TMP/blob" || tk_fail "50 MB send to $addr failed: $(wg_logs)"
  timeout 60 tail --pid="$rx" -f /dev/null || tk_fail "receiver did not finish"
  [ "$(cut -d' ' -f1 "$TK_TMP/recv.sha")" = "$BLOB_SHA" ] || tk_fail "transfer to $addr corrupted"
}

# stat IFACE FIELD: a number from the daemon's exit statistics ("N super-packets", ...).
stat() { grep -o "[0-9]* $2" "$TK_TMP/wg-$1.log" | head -1 | cut -d' ' -f1; }
down() {
  wg_stop "$IF_A" "$NS_A"
  wg_stop "$IF_B" "$NS_B"
}

up 1
transfer 10.82.0.2
transfer fd82::2
down
for f in "super-packets" "UDP_SEGMENT sends"; do
  [ "$(stat "$IF_A" "$f")" -gt 0 ] || tk_fail "sender shows no $f: $(cat "$TK_TMP/wg-$IF_A.log")"
done
for f in "UDP_GRO receives" "coalesced TUN writes"; do
  [ "$(stat "$IF_B" "$f")" -gt 0 ] || tk_fail "receiver shows no $f: $(cat "$TK_TMP/wg-$IF_B.log")"
done
tk_pass "offloads: 2 x 50 MB intact over IPv4 and IPv6; $(stat "$IF_A" super-packets) super-packets cut, $(stat "$IF_A" "UDP_SEGMENT sends") GSO sends, $(stat "$IF_B" "UDP_GRO receives") GRO receives, $(stat "$IF_B" "coalesced TUN writes") coalesced writes"

# UDP over the tunnel: 3000 numbered datagrams sent 20 per UDP_SEGMENT message; the receiver
# checks every datagram's size and bytes.
udp_transfer() {
  tk_bg "$TK_TMP/udp_recv.out" ip netns exec "$NS_B" timeout 60 python3 "$(dirname "$0")/udp_segment.py" recv 10.82.0.2 5002 3000
  local rx=$TK_LAST_PID
  tk_wait_for 10 bash -c "ip netns exec $NS_B ss -lunH | grep -q ':5002'" || tk_fail "UDP receiver not listening"
  ip netns exec "$NS_A" timeout 60 python3 "$(dirname "$0")/udp_segment.py" send 10.82.0.2 5002 3000 || tk_fail "UDP_SEGMENT send failed"
  timeout 60 tail --pid="$rx" -f /dev/null || tk_fail "UDP receiver did not finish"
  [ "$(cat "$TK_TMP/udp_recv.out")" = "3000 0" ] \
    || tk_fail "UDP over the tunnel: got (datagrams, bad) = $(cat "$TK_TMP/udp_recv.out"), want 3000 0: $(wg_logs)"
}
up 4
udp_transfer
down
grep -q "USO on" "$TK_TMP/wg-$IF_A.log" || tk_fail "A did not get USO from the TUN: $(cat "$TK_TMP/wg-$IF_A.log")"
[ "$(stat "$IF_A" super-packets)" -gt 0 ] || tk_fail "A cut no UDP super-packets: $(cat "$TK_TMP/wg-$IF_A.log")"
[ "$(stat "$IF_B" "coalesced TUN writes")" -gt 0 ] || tk_fail "B merged no UDP datagrams: $(cat "$TK_TMP/wg-$IF_B.log")"
tk_pass "USO: 3000 UDP datagrams intact; $(stat "$IF_A" super-packets) UDP super-packets cut into $(stat "$IF_A" segments) datagrams, $(stat "$IF_B" "coalesced TUN writes") coalesced UDP writes carried $(grep -o "writes carried [0-9]*" "$TK_TMP/wg-$IF_B.log" | grep -o "[0-9]*$") datagrams"

TUNKIT_WG_OFFLOADS=off up 2
transfer 10.82.0.2
down
grep -q "TUN TSO off, USO off, UDP GSO off" "$TK_TMP/wg-$IF_A.log" || tk_fail "A did not report offloads off: $(cat "$TK_TMP/wg-$IF_A.log")"
[ "$(stat "$IF_A" super-packets)" = 0 ] || tk_fail "A cut super-packets with offloads off"
tk_pass "TUNKIT_WG_OFFLOADS=off: per-packet path carries 50 MB intact"
TUNKIT_WG_OFFLOADS=off up 5
udp_transfer
down
tk_pass "TUNKIT_WG_OFFLOADS=off: 3000 UDP_SEGMENT datagrams intact through the per-packet path"

ip -n "$NS_A" link set wgua mtu 1400
ip -n "$NS_B" link set wgub mtu 1400
up 3
transfer 10.82.0.2
down
grep -q "UDP GSO refused by the route" "$TK_TMP/wg-$IF_A.log" \
  || tk_fail "A did not fall back from UDP_SEGMENT on an underlay with MTU 1400: $(cat "$TK_TMP/wg-$IF_A.log")"
tk_pass "UDP_SEGMENT refused by a 1400-byte underlay (EMSGSIZE): fallback to single datagrams, 50 MB intact"
