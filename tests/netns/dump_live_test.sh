# `tunkit dump` as the endpoint of a live TUN in a private namespace: what the kernel sends
# into the device (ping, TCP, UDP) printed tcpdump's way; -c; tcpdump filters with the
# filtered-out count; SIGTERM ends cleanly with the summary; pi taken from the device's
# own flags; transient creation; errors and exit codes.
# Network rule: every packet goes from an address this test assigned in its own namespace
# into a device it created there; nothing leaves the namespace, nothing is sent from root.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
tk_require ping socat
tk_netns NS
in_ns() { ip netns exec "$NS" "$@"; }

in_ns "$TUNKIT" dev add tkd0 mode tun
in_ns "$TUNKIT" dev set tkd0 up address 10.66.0.1/24

# start_dump OUT ARGS...: tunkit dump in the namespace, waits until it listens.
start_dump() {
  local out=$1; shift
  tk_bg "$out" ip netns exec "$NS" "$TUNKIT" dump "$@"
  DUMP_PID=$TK_LAST_PID
  tk_wait_for 10 grep -q "listening on" "$out" || tk_fail "dump did not start: $(cat "$out")"
}
finish() {  # finish PID OUT: waits (bounded) for a dump that stops by itself (-c)
  timeout 15 tail --pid="$1" -f /dev/null || tk_fail "dump did not stop: $(cat "$2")"
  wait "$1" || tk_fail "dump exited $?: $(cat "$2")"
}
udp_to() { echo "$3" | in_ns timeout 5 socat -u - "UDP:$1:$2" || true; }
tcp_syn_to() {  # a connect attempt nobody answers: the SYN (and retries) enter the TUN
  in_ns timeout 2 socat -u /dev/null "TCP:$1:$2,connect-timeout=1" >/dev/null 2>&1 || true
}

# 1. ping with -c: exactly 3 echo requests, tcpdump's line, then the summary.
start_dump "$TK_TMP/ping.out" tkd0 -c 3 --time none
in_ns ping -n -c 3 -i 0.2 -W 1 10.66.0.2 >/dev/null || true
finish "$DUMP_PID" "$TK_TMP/ping.out"
n=$(grep -cE "^IP 10\.66\.0\.1 > 10\.66\.0\.2: ICMP echo request, id [0-9]+, seq [1-3], length 64$" "$TK_TMP/ping.out" || true)
[ "$n" -eq 3 ] || tk_fail "expected 3 echo request lines: $(cat "$TK_TMP/ping.out")"
grep -q "^3 packets, 252 bytes (icmp 3); 0 malformed, 0 bad checksums, 0 filtered out$" "$TK_TMP/ping.out" \
  || tk_fail "summary: $(cat "$TK_TMP/ping.out")"
tk_pass "ping: 3 echo requests in tcpdump's format, -c 3 stops, summary counts 252 bytes"

# 2. Filter 'icmp' with UDP and TCP mixed in: only ICMP shown, the rest counted out.
start_dump "$TK_TMP/icmp.out" tkd0 -c 2 --time none icmp
udp_to 10.66.0.2 5353 "not icmp"
tcp_syn_to 10.66.0.2 22
in_ns ping -n -c 2 -i 0.2 -W 1 10.66.0.2 >/dev/null || true
finish "$DUMP_PID" "$TK_TMP/icmp.out"
grep -vE "^(IP 10\.66\.0\.1 > 10\.66\.0\.2: ICMP echo request|tunkit dump: listening|2 packets)" "$TK_TMP/icmp.out" \
  && tk_fail "non-ICMP output with filter icmp: $(cat "$TK_TMP/icmp.out")"
out=$(cat "$TK_TMP/icmp.out")
[[ "$out" =~ 2\ packets,\ 168\ bytes\ \(icmp\ 2\)\;\ 0\ malformed,\ 0\ bad\ checksums,\ ([0-9]+)\ filtered\ out ]] \
  || tk_fail "icmp summary: $out"
[ "${BASH_REMATCH[1]}" -ge 2 ] || tk_fail "expected the UDP datagram and TCP SYN filtered out: $out"
tk_pass "filter icmp: 2 shown, ${BASH_REMATCH[1]} filtered out (UDP + TCP SYNs)"

# 3. Filter 'tcp port 80': the SYN with its options, seq and window; UDP to 80 filtered out.
start_dump "$TK_TMP/tcp.out" tkd0 -c 1 --time none tcp port 80
udp_to 10.66.0.2 80 "udp to 80"
in_ns ping -n -c 1 -W 1 10.66.0.2 >/dev/null || true
tcp_syn_to 10.66.0.2 80
finish "$DUMP_PID" "$TK_TMP/tcp.out"
grep -qE "^IP 10\.66\.0\.1\.[0-9]+ > 10\.66\.0\.2\.80: Flags \[S\], seq [0-9]+, win [0-9]+, options \[mss [0-9]+,sackOK,TS val [0-9]+ ecr 0,nop,wscale [0-9]+\], length 0$" \
  "$TK_TMP/tcp.out" || tk_fail "no SYN line: $(cat "$TK_TMP/tcp.out")"
grep -qE "^1 packet, 60 bytes \(tcp 1\); 0 malformed, 0 bad checksums, [2-9][0-9]* filtered out$" "$TK_TMP/tcp.out" \
  || tk_fail "tcp summary (UDP to 80 and ICMP must be filtered out): $(cat "$TK_TMP/tcp.out")"
tk_pass "filter 'tcp port 80': the SYN line with options; UDP and ICMP counted as filtered out"

# 4. UDP, -v field by field: every layer's fields.
start_dump "$TK_TMP/udp.out" tkd0 -c 1 -v -x --time none udp
udp_to 10.66.0.2 4000 "field by field"
finish "$DUMP_PID" "$TK_TMP/udp.out"
for want in "IP 10.66.0.1." "> 10.66.0.2.4000: UDP, length 15" "  IPv4" "    ttl               64" \
            "    protocol          17 (UDP)" "  UDP" "    destination port  4000" "    length            23" \
            "  Payload             15 bytes" "d by field."; do
  grep -qF -- "$want" "$TK_TMP/udp.out" || tk_fail "-v -x output lacks '$want': $(cat "$TK_TMP/udp.out")"
done
tk_pass "-v decodes IPv4 and UDP field by field, -x shows the payload text"

# 5. No -c: SIGTERM ends the capture cleanly (exit 0) with the summary.
start_dump "$TK_TMP/term.out" tkd0 --time epoch
in_ns ping -n -c 2 -i 0.2 -W 1 10.66.0.2 >/dev/null || true
tk_wait_for 10 grep -q "seq 2, length 64" "$TK_TMP/term.out" || tk_fail "no packets: $(cat "$TK_TMP/term.out")"
tk_stop "$DUMP_PID" || tk_fail "SIGTERM: exit status $?"
grep -qE "^[0-9]+ packets, [0-9]+ bytes .*filtered out$" "$TK_TMP/term.out" || tk_fail "no summary after SIGTERM"
tk_pass "SIGTERM ends the capture with status 0 and the summary"

# 6. The device's own flags: a TUN made with packet info is read with it, lines unchanged.
in_ns "$TUNKIT" dev add tkdpi0 mode tun pi
in_ns "$TUNKIT" dev set tkdpi0 up address 10.67.0.1/24
start_dump "$TK_TMP/pi.out" tkdpi0 -c 1 --time none
grep -q "(tun, packet info, existing device)" "$TK_TMP/pi.out" || tk_fail "pi not taken from the device: $(cat "$TK_TMP/pi.out")"
in_ns ping -n -c 1 -W 1 10.67.0.2 >/dev/null || true
finish "$DUMP_PID" "$TK_TMP/pi.out"
grep -q "^IP 10.67.0.1 > 10.67.0.2: ICMP echo request" "$TK_TMP/pi.out" || tk_fail "pi device: $(cat "$TK_TMP/pi.out")"
tk_pass "packet info is taken from the device's flags and stripped"

# 7. A name that does not exist: created transient, gone after.
start_dump "$TK_TMP/trans.out" tkdnew0 --time none
grep -q "transient" "$TK_TMP/trans.out" || tk_fail "not transient: $(cat "$TK_TMP/trans.out")"
in_ns ip link show tkdnew0 >/dev/null || tk_fail "transient device missing"
tk_stop "$DUMP_PID"
tk_wait_for 10 bash -c "! ip netns exec $NS ip link show tkdnew0" || tk_fail "transient device outlived dump"
tk_pass "dump on a new name creates a transient TUN that goes with it"

# 8. Errors: mode mismatch 5, bad filter 2, not TUN/TAP 5, no device and no -r 2.
tk_expect_status 5 in_ns "$TUNKIT" dump tkd0 mode tap
tk_expect_contains "$TK_ERR" "tkd0 is a tun device" "mode mismatch message"
tk_expect_status 2 in_ns "$TUNKIT" dump tkd0 tcp port eighty
tk_expect_contains "$TK_ERR" "filter 'tcp port eighty'" "bad filter message"
tk_expect_status 5 in_ns "$TUNKIT" dump lo
tk_expect_status 2 in_ns "$TUNKIT" dump
tk_pass "errors: mode mismatch 5, bad filter 2, not a TUN/TAP 5, no device 2"
