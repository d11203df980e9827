#!/usr/bin/env bash
# tcp_host_throughput.sh - one TCP connection each way between the Linux stack and tunkit's
# user-space TCP (`tunkit host` behind a TUN), beside Linux-to-Linux over a veth, in one run.
#   bench/netns/tcp_host_throughput.sh [BYTES] [RUNS]     (defaults: 2 GB, 3 runs)
# Same client both ways round: dd with 1 MiB blocks straight on the socket (bash's
# /dev/tcp), so no pipe sits in the way. "to server": the kernel sends BYTES to tunkit's
# discard service (or a kernel socat sink over the veth); "from server": the kernel reads
# BYTES from tunkit's chargen service (or a kernel socat reading /dev/zero). Prints Gbit/s per run, the median, and tunkit's CPU seconds per GB.
# Everything happens inside namespaces this script creates; it removes them on exit.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
TUNKIT=${TUNKIT:-$(cd "$HERE/../.." && pwd)/build/release/apps/tunkit/tunkit}
MIB=$(( ${1:-2000000000} / 1048576 ))
BYTES=$(( MIB * 1048576 ))
RUNS=${2:-3}
EXTRA_HOST_ARGS=${EXTRA_HOST_ARGS:-}
for p in socat dd timeout; do command -v $p >/dev/null || { echo "needs $p" >&2; exit 1; }; done
[ -x "$TUNKIT" ] || { echo "build tunkit first (scripts/build.sh release)" >&2; exit 1; }
[ "$(id -u)" = 0 ] || { echo "needs root (network namespaces)" >&2; exit 1; }

NS_T=tkbt$$ NS_A=tkba$$ NS_B=tkbb$$
PIDS=()
cleanup() {
  set +e
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
  for p in "${PIDS[@]}"; do timeout 5 tail --pid="$p" -f /dev/null 2>/dev/null || kill -9 "$p" 2>/dev/null; done
  for ns in $NS_T $NS_A $NS_B; do ip netns del "$ns" 2>/dev/null; done
  rm -f "${LOG:-}"
}
trap cleanup EXIT INT TERM
LOG=$(mktemp /tmp/tcp_host_bench.XXXXXX)

# The TUN case: tunkit host 10.90.0.9 behind tkbt0, the kernel at 10.90.0.1, one namespace.
ip netns add $NS_T
ip -n $NS_T link set lo up
# shellcheck disable=SC2086
ip netns exec $NS_T "$TUNKIT" host tkbt0 --address 10.90.0.9/24 --serve discard:9 --serve chargen:19 \
  $EXTRA_HOST_ARGS >"$LOG" 2>&1 &
HOST=$!
PIDS+=($HOST)
for _ in $(seq 100); do grep -q "tunkit host: on" "$LOG" && break; sleep 0.1; done
grep -q "tunkit host: on" "$LOG" || { cat "$LOG" >&2; exit 1; }
ip -n $NS_T addr add 10.90.0.1/24 dev tkbt0
ip -n $NS_T link set tkbt0 up

# The veth case: 10.91.0.1 (A) and 10.91.0.2 (B), kernel servers in B.
ip netns add $NS_A
ip netns add $NS_B
ip link add tkbva netns $NS_A type veth peer name tkbvb netns $NS_B
ip -n $NS_A addr add 10.91.0.1/24 dev tkbva
ip -n $NS_B addr add 10.91.0.2/24 dev tkbvb
for ns in $NS_A $NS_B; do ip -n $ns link set lo up; done
ip -n $NS_A link set tkbva up
ip -n $NS_B link set tkbvb up
ip netns exec $NS_B socat -u -b 262144 TCP-LISTEN:9,reuseaddr,fork OPEN:/dev/null 2>/dev/null &
PIDS+=($!)
ip netns exec $NS_B socat -u -b 262144 OPEN:/dev/zero TCP-LISTEN:19,reuseaddr,fork 2>/dev/null &
PIDS+=($!)
for _ in $(seq 100); do ip netns exec $NS_B ss -ltnH | grep -q ':19 ' && break; sleep 0.1; done

cpu_ticks() { awk '{ print $14 + $15 }' /proc/$HOST/stat; }
# run NS ADDR DIRECTION: Gbit/s of one transfer of BYTES.
run() {
  local ns=$1 addr=$2 dir=$3 start end
  start=$(date +%s%N)
  if [ "$dir" = to ]; then
    timeout 120 ip netns exec "$ns" bash -c 'exec 3<>/dev/tcp/$0/9 && dd if=/dev/zero bs=1M count=$1 status=none >&3' \
      "$addr" "$MIB"
  else
    timeout 120 ip netns exec "$ns" bash -c 'exec 3<>/dev/tcp/$0/19 && dd of=/dev/null bs=1M count=$1 iflag=fullblock status=none <&3' \
      "$addr" "$MIB"
  fi
  end=$(date +%s%N)
  awk -v b="$BYTES" -v ns="$((end - start))" 'BEGIN { printf "%.2f", b * 8 / ns }'
}
median() { tr ' ' '\n' | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

printf "%-24s %-12s %-28s %s\n" "path" "direction" "Gbit/s per run" "median"
for dir in to from; do
  for path in veth tunkit; do
    results=() ticks0=$(cpu_ticks)
    for _ in $(seq "$RUNS"); do
      if [ $path = veth ]; then results+=("$(run $NS_A 10.91.0.2 $dir)"); else results+=("$(run $NS_T 10.90.0.9 $dir)"); fi
    done
    extra=""
    if [ $path = tunkit ]; then
      ticks=$(( $(cpu_ticks) - ticks0 ))
      extra=$(awk -v t="$ticks" -v hz="$(getconf CLK_TCK)" -v gb="$(( BYTES * RUNS ))" \
        'BEGIN { printf "  tunkit CPU %.2f s/GB", t / hz / (gb / 1e9) }')
    fi
    label=$([ $path = veth ] && echo "Linux-Linux veth" || echo "Linux-tunkit TUN")
    printf "%-24s %-12s %-28s %s%s\n" "$label" "$([ $dir = to ] && echo "to server" || echo "from server")" \
      "${results[*]}" "$(echo "${results[*]}" | median)" "$extra"
  done
done
