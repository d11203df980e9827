# A flannel-style WireGuard mesh: four nodes on one underlay bridge (10.89.0.N/24, the bridge
# in a fifth namespace); node N owns the overlay subnet 10.90.N.0/24 (10.90.N.1/32 on its
# WireGuard interface), has every other node as a peer with AllowedIPs = that node's /24 and
# its underlay endpoint, and routes each /24 into its WireGuard interface. Implementations
# alternate (WG_MESH_IMPLS, default "$WG_IMPL_A $WG_IMPL_B $WG_IMPL_A $WG_IMPL_B", that is
# "tunkit wireguard-go tunkit wireguard-go"). Every node pings every other at once
# (handshakes cross), then one by one; the dumps show a handshake and the right endpoint for
# every peer; and a packet whose source lies in another node's subnet is dropped by the
# receiver (cryptokey routing checks the source on the way in).
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/wg_lib.sh"
read -r -a IMPLS <<<"${WG_MESH_IMPLS:-$WG_IMPL_A $WG_IMPL_B $WG_IMPL_A $WG_IMPL_B}"
[ "${#IMPLS[@]}" = 4 ] || tk_fail "WG_MESH_IMPLS needs four implementations, got: ${IMPLS[*]}"
for impl in "${IMPLS[@]}"; do wg_impl_check "$impl"; done

NODES=(1 2 3 4)
tk_netns HUB
ip -n "$HUB" link add br0 type bridge
ip -n "$HUB" link set br0 up
declare -A NS IF PUB
for n in "${NODES[@]}"; do
  tk_netns "NS[$n]"
  ip -n "${NS[$n]}" link add wgm0 type veth peer name "p$n" netns "$HUB"
  ip -n "$HUB" link set "p$n" master br0 up
  ip -n "${NS[$n]}" addr add "10.89.0.$n/24" dev wgm0
  ip -n "${NS[$n]}" link set wgm0 up
  wg_keys "n$n"
  PUB[$n]=$(wg_pub "n$n")
  wg_ifname "IF[$n]" "m$n"
done

for n in "${NODES[@]}"; do
  wg_start "${NS[$n]}" "${IF[$n]}" "${IMPLS[$((n - 1))]}"
  args=(private-key "$TK_TMP/n$n.key" listen-port 51820)
  for m in "${NODES[@]}"; do
    [ "$m" = "$n" ] || args+=(peer "${PUB[$m]}" allowed-ips "10.90.$m.0/24" endpoint "10.89.0.$m:51820")
  done
  wg_set "${NS[$n]}" "${IF[$n]}" "${args[@]}"
  wg_addr "${NS[$n]}" "${IF[$n]}" "10.90.$n.1/32"
  for m in "${NODES[@]}"; do
    [ "$m" = "$n" ] || ip -n "${NS[$n]}" route add "10.90.$m.0/24" dev "${IF[$n]}"
  done
done
echo "nodes: ${IMPLS[*]}"

# All twelve directions at once: initiations cross in flight. Crossed handshakes can leave a
# pair without a working session (each answered the other's initiation and dropped the
# answer to its own, or one side kept a session the other dropped); the protocol's timers
# recover: a retry after REKEY_TIMEOUT (5 s), or a new handshake when sent data has had no
# answer for KEEPALIVE_TIMEOUT + REKEY_TIMEOUT (15 s). So each direction pings every 0.5 s
# until answered, for 25 s at most.
declare -A PING
for n in "${NODES[@]}"; do for m in "${NODES[@]}"; do
  [ "$m" = "$n" ] && continue
  tk_bg "$TK_TMP/ping-$n-$m" ip netns exec "${NS[$n]}" timeout 30 ping -n -c 1 -w 25 -i 0.5 "10.90.$m.1"
  PING[$n-$m]=$TK_LAST_PID
done; done
for n in "${NODES[@]}"; do for m in "${NODES[@]}"; do
  [ "$m" = "$n" ] && continue
  timeout 35 tail --pid="${PING[$n-$m]}" -f /dev/null || true
  grep -q " [1-9][0-9]* received" "$TK_TMP/ping-$n-$m" \
    || tk_fail "node $n (${IMPLS[$((n - 1))]}) -> node $m (${IMPLS[$((m - 1))]}): no reply while all nodes started at once: $(tail -3 "$TK_TMP/ping-$n-$m"; wg_logs)"
done; done
tk_pass "all 12 directions answered with every node initiating at once"

for n in "${NODES[@]}"; do for m in "${NODES[@]}"; do
  [ "$m" = "$n" ] && continue
  wg_wait_ping "${NS[$n]}" "10.90.$m.1" 5 || tk_fail "node $n -> node $m: no reply"
done; done
tk_pass "every node pings every other node's overlay address"

for n in "${NODES[@]}"; do
  [ "$(wg_dump "${NS[$n]}" "${IF[$n]}" | tail -n +2 | wc -l)" = 3 ] || tk_fail "node $n does not list 3 peers: $(wg_dump "${NS[$n]}" "${IF[$n]}")"
  for m in "${NODES[@]}"; do
    [ "$m" = "$n" ] && continue
    wg_has_handshake "${NS[$n]}" "${IF[$n]}" "${PUB[$m]}" || tk_fail "node $n shows no handshake with node $m"
    [ "$(wg_peer "${NS[$n]}" "${IF[$n]}" "${PUB[$m]}" endpoint)" = "10.89.0.$m:51820" ] || tk_fail "node $n: endpoint of node $m: $(wg_dump "${NS[$n]}" "${IF[$n]}")"
    [ "$(wg_peer "${NS[$n]}" "${IF[$n]}" "${PUB[$m]}" allowed-ips)" = "10.90.$m.0/24" ] || tk_fail "node $n: allowed-ips of node $m: $(wg_dump "${NS[$n]}" "${IF[$n]}")"
  done
done
tk_pass "every node's dump shows 3 peers, each with a handshake, its underlay endpoint and its /24"

# Node 1 sends with a source address from node 2's subnet to nodes 3 and 4: each must drop it
# (whatever its implementation), having decrypted it from a peer that does not own that source.
ip -n "${NS[1]}" addr add 10.90.2.77/32 dev "${IF[1]}"
for m in 3 4; do
  before=$(wg_delivered "${NS[$m]}" "${IF[$m]}")
  tx_before=$(wg_peer "${NS[1]}" "${IF[1]}" "${PUB[$m]}" tx)
  under_before=$(ip netns exec "${NS[$m]}" cat /sys/class/net/wgm0/statistics/rx_packets)
  # (no reply could come back anyway: it would be routed to node 2)
  ip netns exec "${NS[1]}" ping -n -c 2 -i 0.2 -W 1 -I 10.90.2.77 "10.90.$m.1" >/dev/null 2>&1 || true
  sleep 0.5
  # (the setup's own check: node 1 did encrypt both echoes, and node m's link received them)
  [ $(($(wg_peer "${NS[1]}" "${IF[1]}" "${PUB[$m]}" tx) - tx_before)) -ge 256 ] || tk_fail "node 1 did not send the spoofed echoes to node $m"
  [ $(($(ip netns exec "${NS[$m]}" cat /sys/class/net/wgm0/statistics/rx_packets) - under_before)) -ge 2 ] || tk_fail "node $m's link did not receive the spoofed echoes"
  [ "$(wg_delivered "${NS[$m]}" "${IF[$m]}")" = "$before" ] || tk_fail "node $m (${IMPLS[$((m - 1))]}) delivered a packet whose source is not in the sender's allowed-ips"
done
tk_pass "a source address outside the sending peer's allowed-ips is dropped on receipt (nodes 3 and 4)"
