#!/usr/bin/env bash
# Regenerates tests/data/dump/tun.pcap: real raw-IP (LINKTYPE_RAW) traffic on a TUN, both
# directions, captured by tcpdump. Two namespaces A and B joined by veth (10.97.0.0/24);
# in each, socat is the user-space end of a TUN (10.98.0.1 / 10.98.0.2, fd98::1 / fd98::2)
# and carries its packets over UDP to the other: the tutorials' simpletun. tcpdump on A's
# TUN records ping, ping6, a TCP exchange, UDP and a port unreachable.
# Network rule (DESIGN.md): traffic only between these namespaces. Needs root, socat,
# tcpdump, ping. Then run make_malformed.py to refresh malformed.pcap.
set -euo pipefail
out=${1:-$(dirname "$0")}
A=tk-dumpfix-a-$$ B=tk-dumpfix-b-$$
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for n in $A $B; do ip netns del "$n" 2>/dev/null || true; done
}
trap cleanup EXIT
for n in $A $B; do ip netns add "$n"; ip -n "$n" link set lo up; done
ip link add va netns $A type veth peer name vb netns $B
ip -n $A addr add 10.97.0.1/24 dev va; ip -n $B addr add 10.97.0.2/24 dev vb
ip -n $A link set va up; ip -n $B link set vb up
tunnel() {  # ns local-udp remote-udp tun-address tun6-address name
  ip netns exec "$1" timeout 60 socat "UDP:$3:7000,bind=$2:7000" \
    "TUN:$4/24,tun-type=tun,iff-no-pi,iff-up,tun-name=$6" >/dev/null 2>&1 & pids+=($!)
}
tunnel $A 10.97.0.1 10.97.0.2 10.98.0.1 fd98::1 tkfa0
tunnel $B 10.97.0.2 10.97.0.1 10.98.0.2 fd98::2 tkfb0
for i in $(seq 50); do
  ip -n $A link show tkfa0 >/dev/null 2>&1 && ip -n $B link show tkfb0 >/dev/null 2>&1 && break
  sleep 0.1
done
ip -n $A -6 addr add fd98::1/64 dev tkfa0 nodad; ip -n $B -6 addr add fd98::2/64 dev tkfb0 nodad
ip netns exec $A timeout 30 tcpdump -U -s 0 -i tkfa0 -w "$out/tun.pcap" >/dev/null 2>&1 & pids+=($!)
sleep 1
ip netns exec $A ping -c1 -W2 10.98.0.2 >/dev/null
ip netns exec $A ping -6 -c1 -W2 fd98::2 >/dev/null
ip netns exec $B timeout 10 socat TCP-LISTEN:7777,bind=10.98.0.2,reuseaddr EXEC:cat >/dev/null 2>&1 & pids+=($!)
sleep 0.5
echo "hello from tunkit dump" | ip netns exec $A timeout 5 socat -t1 - TCP:10.98.0.2:7777 >/dev/null
echo "udp datagram" | ip netns exec $A timeout 5 socat -u - UDP:10.98.0.2:9999   # port unreachable back
sleep 1
kill "${pids[2]}"; wait "${pids[2]}" 2>/dev/null || true
echo "wrote $out/tun.pcap"
