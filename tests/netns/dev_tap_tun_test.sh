# The tutorials' difference between the two kinds: a TAP has the MAC we set and the kernel
# must resolve a neighbour on it first (ARP who-has frames arrive), while a TUN receives
# the IP packets themselves, with no link layer.
source "$(dirname "$0")/lib.sh"
tk_require ping
tk_netns NS
in_ns() { ip netns exec "$NS" "$@"; }

in_ns "$TUNKIT" dev add tktap0 mode tap
in_ns "$TUNKIT" dev set tktap0 mac 02:74:6b:12:34:56 up address 10.64.0.1/24
in_ns ip link show tktap0 | grep -q "link/ether 02:74:6b:12:34:56" || tk_fail "TAP MAC not set: $(in_ns ip link show tktap0)"
tk_pass "TAP has the MAC that was set"

tk_bg "$TK_TMP/tap.out" ip netns exec "$NS" "$TUNKIT" dev attach tktap0 count 2
pid=$TK_LAST_PID
tk_wait_for 10 grep -q "attached to tktap0 (tap" "$TK_TMP/tap.out" || tk_fail "attach tap: $(cat "$TK_TMP/tap.out")"
in_ns ping -n -c 3 -i 0.5 -W 1 10.64.0.2 >/dev/null || true   # nobody answers: ARP retries
timeout 10 tail --pid="$pid" -f /dev/null || tk_fail "attach tap did not finish"
wait "$pid" || tk_fail "attach tap failed: $(cat "$TK_TMP/tap.out")"
n=$(grep -c "^[0-9]* 42 bytes 02:74:6b:12:34:56 > ff:ff:ff:ff:ff:ff, ethertype ARP (0x0806), length 42: Request who-has 10.64.0.2 tell 10.64.0.1" "$TK_TMP/tap.out" || true)
[ "$n" -eq 2 ] || tk_fail "expected 2 ARP who-has frames on the TAP, got: $(cat "$TK_TMP/tap.out")"
grep -q "ICMP" "$TK_TMP/tap.out" && tk_fail "an IP packet reached the TAP before ARP resolved"
tk_pass "TAP: the kernel asks who-has 10.64.0.2 (2 broadcast ARP frames from our MAC)"

in_ns "$TUNKIT" dev add tktun0 mode tun
in_ns "$TUNKIT" dev set tktun0 up address 10.65.0.1/24
tk_bg "$TK_TMP/tun.out" ip netns exec "$NS" "$TUNKIT" dev attach tktun0 count 2
pid=$TK_LAST_PID
tk_wait_for 10 grep -q "attached to tktun0 (tun" "$TK_TMP/tun.out" || tk_fail "attach tun"
in_ns ping -n -c 2 -i 0.2 -W 1 10.65.0.2 >/dev/null || true
timeout 10 tail --pid="$pid" -f /dev/null || tk_fail "attach tun did not finish"
wait "$pid" || tk_fail "attach tun failed"
n=$(grep -c "^[0-9]* 84 bytes IP 10.65.0.1 > 10.65.0.2: ICMP echo request" "$TK_TMP/tun.out" || true)
[ "$n" -eq 2 ] || tk_fail "expected 2 echo requests on the TUN, got: $(cat "$TK_TMP/tun.out")"
tk_pass "TUN: the echo requests themselves arrive, no ARP"

# With vnet-hdr, a virtio_net_hdr travels before each packet and the kernel reports the
# offloads it accepted.
tk_bg "$TK_TMP/vnet.out" ip netns exec "$NS" "$TUNKIT" dev attach tktun0 vnet-hdr count 1
pid=$TK_LAST_PID
tk_wait_for 10 grep -q "offloads accepted by the kernel: csum tso4 tso6" "$TK_TMP/vnet.out" || tk_fail "offloads: $(cat "$TK_TMP/vnet.out")"
in_ns ping -n -c 1 -W 1 10.65.0.2 >/dev/null || true
timeout 10 tail --pid="$pid" -f /dev/null || tk_fail "attach vnet-hdr did not finish"
wait "$pid" || tk_fail "attach vnet-hdr failed"
grep -q "^1 94 bytes IP 10.65.0.1 > 10.65.0.2: ICMP echo request" "$TK_TMP/vnet.out" || tk_fail "vnet read: $(cat "$TK_TMP/vnet.out")"
tk_pass "vnet-hdr: offloads reported, 10-byte header read beside each packet"
