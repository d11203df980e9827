# `tunkit host` over a TUN device: ping (plain, large and fragmented both ways, flood),
# ping6, UDP echo and discard, ICMP port unreachable, counters on SIGUSR1 and on exit.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/host_lib.sh"

tk_netns NS
host_enable_ipv6 "$NS"
host_start "$NS" tkh0 mode tun --address 10.78.0.9/24 --address fd00:78::9/64 \
  --serve udp-echo:7 --serve udp-discard:9
ip -n "$NS" addr add 10.78.0.1/24 dev tkh0
ip -n "$NS" addr add fd00:78::1/64 dev tkh0 nodad
ip -n "$NS" link set tkh0 up

# RFC 792 echo: 20 requests, 20 replies, each sequence number answered once.
ping_all "$NS" 20 -i 0.05 10.78.0.9
tk_pass "ping -c 20 over TUN"

# 4000 bytes over a 1500 MTU: the kernel fragments the request, the host reassembles it
# and fragments the 4028-byte reply.
ping_all "$NS" 3 -i 0.2 -s 4000 10.78.0.9
tk_expect_contains "$PING_OUT" "4008 bytes from 10.78.0.9" "ping -s 4000"
host_expect_counter datagrams_reassembled 3
host_expect_counter fragments_sent 9
tk_pass "ping -s 4000 reassembled and fragmented"

ping_flood "$NS" 10000 10.78.0.9
tk_pass "ping -f -c 10000 without loss"

ping_all "$NS" 5 -i 0.05 fd00:78::9
ping_all "$NS" 2 -i 0.2 -s 3000 fd00:78::9
tk_pass "ping6 (also 3000 bytes, fragmented both ways)"

udp_echo_check "$NS" UDP:10.78.0.9 7
udp_echo_check "$NS" "UDP6:[fd00:78::9]" 7
before=$(host_counter udp_received)
echo discard-me | ip netns exec "$NS" timeout 5 socat -u - UDP:10.78.0.9:9
tk_wait_for 5 host_counter_above udp_received "$before" || tk_fail "udp-discard did not receive"
tk_pass "UDP echo (v4, v6) and discard"

udp_refused_check "$NS" UDP:10.78.0.9 9999
udp_refused_check "$NS" "UDP6:[fd00:78::9]" 9999
tk_pass "closed UDP port answered with port unreachable (v4, v6)"

tk_stop "$HOST_PID" || tk_fail "tunkit host exited with $?"
out=$(cat "$TK_TMP/host.out")
tk_expect_contains "$out" "echo_replies_v4" "counters on exit"
replies=$(awk '/^counters:/{c++} $1=="echo_replies_v4"{v=$2} END{print v}' "$TK_TMP/host.out")
[ "$replies" -ge 10023 ] || tk_fail "expected >= 10023 echo replies, counted $replies"
tk_pass "counters printed on exit ($replies echo replies)"
