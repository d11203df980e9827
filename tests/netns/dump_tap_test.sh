# `tunkit dump` on a TAP shows the link layer: the kernel's ARP who-has for a neighbour
# on the device, with -e-style MACs, field by field with -v, as JSON, and in a pcap with
# LINKTYPE_ETHERNET. The mode comes from the device itself.
# Network rule: the only traffic is the namespace's own ARP into its own TAP.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
tk_require ping jq
tk_netns NS
in_ns() { ip netns exec "$NS" "$@"; }

in_ns "$TUNKIT" dev add tkdtap0 mode tap
in_ns "$TUNKIT" dev set tkdtap0 mac 02:74:6b:00:00:01 up address 10.69.0.1/24
tk_bg "$TK_TMP/tap.out" ip netns exec "$NS" "$TUNKIT" dump tkdtap0 arp -c 2 -v --time none -w "$TK_TMP/tap.pcap" --print
pid=$TK_LAST_PID
tk_wait_for 10 grep -q "listening on tkdtap0 (tap, existing device), link-type EN10MB" "$TK_TMP/tap.out" \
  || tk_fail "dump did not start as tap: $(cat "$TK_TMP/tap.out")"
in_ns ping -n -c 3 -i 0.5 -W 1 10.69.0.2 >/dev/null || true   # nobody answers: ARP retries
timeout 15 tail --pid="$pid" -f /dev/null || tk_fail "dump did not stop: $(cat "$TK_TMP/tap.out")"
wait "$pid" || tk_fail "dump failed: $(cat "$TK_TMP/tap.out")"
n=$(grep -c "^02:74:6b:00:00:01 > ff:ff:ff:ff:ff:ff, ethertype ARP (0x0806), length 42: Request who-has 10.69.0.2 tell 10.69.0.1, length 28$" "$TK_TMP/tap.out" || true)
[ "$n" -eq 2 ] || tk_fail "expected 2 ARP who-has lines: $(cat "$TK_TMP/tap.out")"
for want in "  Ethernet" "    source            02:74:6b:00:00:01" "    type              0x0806 (ARP)" \
            "  ARP" "    operation         1 (request)" "    target ip         10.69.0.2"; do
  grep -qF -- "$want" "$TK_TMP/tap.out" || tk_fail "-v lacks '$want': $(cat "$TK_TMP/tap.out")"
done
tk_pass "TAP: 2 ARP who-has frames, tcpdump -e style, ARP field by field"

[ "$(od -An -tu1 -j20 -N1 "$TK_TMP/tap.pcap" | tr -d ' ')" = "1" ] || tk_fail "not LINKTYPE_ETHERNET"
"$TUNKIT" dump -r "$TK_TMP/tap.pcap" --json 2>/dev/null >"$TK_TMP/tap.json"
[ "$(jq -r '[.eth_src, .eth_dst, .network, .arp_op, .src, .dst, .length] | @tsv' "$TK_TMP/tap.json" | sort -u)" = \
  "$(printf '02:74:6b:00:00:01\tff:ff:ff:ff:ff:ff\tarp\trequest\t10.69.0.1\t10.69.0.2\t42')" ] \
  || tk_fail "JSON: $(cat "$TK_TMP/tap.json")"
tk_pass "TAP pcap is LINKTYPE_ETHERNET; -r --json gives MACs, ARP operation and addresses"
