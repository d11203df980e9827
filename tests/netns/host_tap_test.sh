# `tunkit host` over a TAP device: gratuitous ARP on start, ARP replies (arping), the
# kernel's neighbour table learning our MAC (ip neigh), NDP for our IPv6 address (through
# its solicited-node group), ping/ping6 (also fragmented and flooded), UDP echo, port
# unreachable, and frames not for us dropped and counted.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/host_lib.sh"
tk_require arping

MAC=02:00:5e:78:01:09
tk_netns NS
host_enable_ipv6 "$NS"
host_start "$NS" tkh1 mode tap --address 10.78.1.9/24 --address fd00:78:1::9/64 --mac "$MAC" \
  --serve udp-echo:7
ip -n "$NS" addr add 10.78.1.1/24 dev tkh1
ip -n "$NS" addr add fd00:78:1::1/64 dev tkh1 nodad
ip -n "$NS" link set tkh1 up

# RFC 826: arping gets our MAC in every reply.
out=$(ip netns exec "$NS" timeout 10 arping -c 3 -w 5 -I tkh1 10.78.1.9) || tk_fail "arping: $out"
tk_expect_contains "$out" "Received 3 response(s)" "arping"
tk_expect_contains "${out,,}" "[$MAC]" "arping reply MAC"
tk_pass "arping: 3 ARP replies from $MAC"

ping_all "$NS" 20 -i 0.05 10.78.1.9
neigh=$(ip -n "$NS" neigh show dev tkh1 10.78.1.9)
tk_expect_contains "$neigh" "lladdr $MAC" "ip neigh for 10.78.1.9"
tk_pass "ping -c 20 over TAP; ip neigh: $neigh"

ping_all "$NS" 3 -i 0.2 -s 4000 10.78.1.9
tk_expect_contains "$PING_OUT" "4008 bytes from 10.78.1.9" "ping -s 4000"
ping_flood "$NS" 10000 10.78.1.9
tk_pass "ping -s 4000 and ping -f -c 10000 over TAP"

# RFC 4861: the kernel's solicitation goes to ff02::1:ff00:9; the host answers with its
# MAC, and the kernel then has a neighbour entry for fd00:78:1::9.
ping_all "$NS" 5 -i 0.05 fd00:78:1::9
neigh6=$(ip -n "$NS" -6 neigh show dev tkh1 fd00:78:1::9)
tk_expect_contains "$neigh6" "lladdr $MAC" "ip -6 neigh for fd00:78:1::9"
host_expect_counter neighbor_solicitations_answered 1
ping_all "$NS" 2 -i 0.2 -s 3000 fd00:78:1::9
tk_pass "ping6 over TAP with NDP; ip -6 neigh: $neigh6"

udp_echo_check "$NS" UDP:10.78.1.9 7
udp_echo_check "$NS" "UDP6:[fd00:78:1::9]" 7
udp_refused_check "$NS" UDP:10.78.1.9 9999
tk_pass "UDP echo and port unreachable over TAP"

# Frames the host must ignore: another MAC, a truncated ARP packet, an unknown EtherType.
# (A frame shorter than 14 bytes cannot be sent through AF_PACKET; the unit tests cover it.)
kernel_mac=$(ip -n "$NS" -br link show tkh1 | awk '{print $3}' | tr -d :)
ours=${MAC//:/}
inject "$NS" tkh1 "02aabbccddee${kernel_mac}0800$(ipv4_hex 0a4e0101 0a4e0109 01 0001 0000 0800f7ff00000000)" \
  "${ours}${kernel_mac}08060001080006040001" \
  "${ours}${kernel_mac}88b50000000000000000000000000000000000000000000000000000000000000000"
tk_wait_for 5 host_counter_above drop.link_unknown_type 0 || tk_fail "unknown EtherType not counted: $(host_counters)"
host_expect_counter drop.link_not_for_us 1
host_expect_counter drop.arp_malformed 1
ping_all "$NS" 3 -i 0.05 10.78.1.9
tk_pass "foreign, truncated ARP and unknown frames dropped and counted; still answering"

tk_stop "$HOST_PID" || tk_fail "tunkit host exited with $?"
out=$(cat "$TK_TMP/host.out")
tk_expect_contains "$out" "gratuitous_arp_sent 1" "gratuitous ARP on start"
tk_expect_contains "$out" "arp_requests_answered" "counters on exit"
tk_pass "gratuitous ARP sent on start; counters on exit"
