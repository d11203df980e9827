# The README's demo runs to the end, shows packets from the kernel arriving on TUN and TAP,
# and leaves nothing behind: no namespace, no device, no process.
source "$(dirname "$0")/lib.sh"
tk_require ping iperf3 curl
before_links=$(ip -o link show | awk -F': ' '{print $2}' | sort)
timeout 60 "$TUNKIT" demo >"$TK_TMP/demo.out" 2>&1 || tk_fail "demo failed: $(cat "$TK_TMP/demo.out")"
grep -q "IP 10.77.0.1 > 10.78.0.9: ICMP echo request" "$TK_TMP/demo.out" || tk_fail "no echo request in: $(cat "$TK_TMP/demo.out")"
grep -q "Request who-has 10.79.0.2 tell 10.79.0.1" "$TK_TMP/demo.out" || tk_fail "no ARP in demo"
grep -q "tkpersist0: tun persist owner 65534" "$TK_TMP/demo.out" || tk_fail "no persistent device in demo"
# tunkit host answers over TUN and TAP, the tunnel and the WireGuard VPN carry ping: four
# clean pings.
n=$(grep -c "3 packets transmitted, 3 received, 0% packet loss" "$TK_TMP/demo.out" || true)
[ "$n" -eq 4 ] || tk_fail "expected 4 answered pings (host TUN, host TAP, tunnel, wg), got $n: $(cat "$TK_TMP/demo.out")"
[ "$(grep -c "curl: 200, 10000000 bytes" "$TK_TMP/demo.out")" -eq 2 ] \
  || tk_fail "expected curl to fetch 10 MB from tunkit host over TUN and TAP: $(cat "$TK_TMP/demo.out")"
grep -q "latest handshake: " "$TK_TMP/demo.out" || tk_fail "no WireGuard handshake shown by tunkit wg show"
[ "$(grep -cE "Gbits/sec +receiver" "$TK_TMP/demo.out")" -eq 2 ] || tk_fail "expected iperf3 through the tunnel and the VPN"
ls /var/run/wireguard/ 2>/dev/null | grep -E '^tkwg[0-9]+[hc]\.sock$' && tk_fail "demo left UAPI sockets behind"
grep -q "arp_requests_answered [1-9]" "$TK_TMP/demo.out" || tk_fail "the TAP host answered no ARP"
grep -qE "Gbits/sec +receiver" "$TK_TMP/demo.out" || tk_fail "no iperf3 result through the tunnel"
# Its namespaces are held by fds (never named), so they die with it; what could outlive it
# are the programs it started (tunkit host/tunnel, iperf3, ping) and root-namespace links.
sleep 0.5
ps -eo args | grep -E "tunkit (host|tunnel) (tkhost|--dev tktun)|tunkit wg run -f tkwg|iperf3 -s -1 -B 10.9[01].0.1" | grep -v grep \
  && tk_fail "demo left programs running"
[ "$(ip -o link show | awk -F': ' '{print $2}' | sort)" = "$before_links" ] || tk_fail "demo changed root-namespace links"
tk_pass "demo ran and cleaned up"
