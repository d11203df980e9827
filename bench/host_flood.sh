#!/usr/bin/env bash
# Macro-benchmark for `tunkit host` (issue 4): echo replies per second under a ping flood and
# UDP echoes per second, against the kernel answering the same floods on a veth, in one run.
#
#   tunkit-tun  namespace A: TUN tkhf0 (10.78.0.1/24), `tunkit host` answering as 10.78.0.9
#   tunkit-tap  namespace B: TAP tkhf1 (10.78.1.1/24), `tunkit host` mode tap as 10.78.1.9
#   kernel-veth namespaces C and S joined by a veth: 10.78.2.1 -> 10.78.2.9, where S's kernel
#               answers the pings and bench/udp_flood.c in server mode (recvmmsg/sendmmsg) the
#               UDP echoes
# In every scenario the flood comes from the kernel of the namespace holding the device:
#   ping -f -q -w SECONDS DST              replies/s = received / ping's own elapsed time; one
#                                          request in flight (ping -f sends the next on a reply or
#                                          after 10 ms), so this is a round-trip-latency figure
#   ping -f -l WINDOW -q -w SECONDS DST    the same with WINDOW requests in flight (throughput)
#   udp_flood client DST 7 SECONDS WINDOW SIZE
#                                          WINDOW datagrams of SIZE bytes kept in flight,
#                                          echoes/s counted over SECONDS after 1 s of warm-up
# RUNS rounds, scenarios interleaved in each round; the table gives medians.
# Network rule: only namespaces this script creates (names carry $$) and addresses it assigns
# there; nothing is sent from or to the root namespace; everything is removed in the trap.
#
# Usage (root; needs gcc, ping, taskset, python3):
#   [PIN=1] bench/host_flood.sh [TUNKIT] [RUNS] [SECONDS] [WINDOW] [SIZE]
#   defaults: build/release/apps/tunkit/tunkit 3 10 64 64; PIN=1 pins flooders to CPU 0 and
#   responders to CPU 1 (see below)
set -euo pipefail
ARGS="$*"
here=$(cd "$(dirname "$0")" && pwd)
TUNKIT=${1:-$here/../build/release/apps/tunkit/tunkit}
RUNS=${2:-3}
SECS=${3:-10}
WINDOW=${4:-64}
SIZE=${5:-64}
[ -x "$TUNKIT" ] || { echo "no tunkit binary at $TUNKIT" >&2; exit 1; }
TUNKIT=$(readlink -f "$TUNKIT")

NS_A=tk-hf-tun-$$
NS_B=tk-hf-tap-$$
NS_C=tk-hf-cli-$$
NS_S=tk-hf-srv-$$
# PIN=1: flooders (ping, udp_flood client) on CPU 0, responders (tunkit host, udp_flood server)
# on CPU 1. Default: no pinning, the scheduler places everything.
PIN=${PIN:-0}
if [ "$PIN" = 1 ]; then FLOOD_CPU=(taskset -c 0); RESP_CPU=(taskset -c 1); else FLOOD_CPU=(); RESP_CPU=(); fi
TMP=$(mktemp -d /tmp/tk-hostflood.XXXXXX)
pids=()
namespaces=()
cleanup() {
  set +e
  for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null; done
  for p in "${pids[@]}"; do
    timeout 5 tail --pid="$p" -f /dev/null 2>/dev/null || kill -KILL "$p" 2>/dev/null
  done
  for n in "${namespaces[@]}"; do ip netns del "$n" 2>/dev/null; done
  rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

gcc -O2 -o "$TMP/udp_flood" "$here/udp_flood.c"

new_ns() { ip netns add "$1"; namespaces+=("$1"); ip netns exec "$1" ip link set lo up; }
wait_for() {  # FILE PATTERN: bounded wait for a line in a log
  timeout 10 bash -c "until grep -q '$2' '$1' 2>/dev/null; do sleep 0.05; done" || {
    echo "timed out waiting for '$2' in $1:" >&2; cat "$1" >&2; exit 1; }
}

# --- tunkit over TUN ---
new_ns "$NS_A"
# Started through `ip netns exec` itself (which execs), so $! is tunkit's own PID.
ip netns exec "$NS_A" "${RESP_CPU[@]}" "$TUNKIT" host tkhf0 mode tun --address 10.78.0.9/24 --serve udp-echo:7 \
  >"$TMP/tun.log" 2>&1 & pids+=($!); TK_TUN=$!
wait_for "$TMP/tun.log" '^tunkit host: on'
ip netns exec "$NS_A" ip addr add 10.78.0.1/24 dev tkhf0
ip netns exec "$NS_A" ip link set tkhf0 up

# --- tunkit over TAP ---
new_ns "$NS_B"
ip netns exec "$NS_B" "${RESP_CPU[@]}" "$TUNKIT" host tkhf1 mode tap --mac 02:74:6b:00:01:09 \
  --address 10.78.1.9/24 --serve udp-echo:7 >"$TMP/tap.log" 2>&1 & pids+=($!); TK_TAP=$!
wait_for "$TMP/tap.log" '^tunkit host: on'
ip netns exec "$NS_B" ip addr add 10.78.1.1/24 dev tkhf1
ip netns exec "$NS_B" ip link set tkhf1 up

# --- kernel reference over a veth ---
new_ns "$NS_C"
new_ns "$NS_S"
ip netns exec "$NS_C" ip link add hfv0 type veth peer name hfv1 netns "$NS_S"
ip netns exec "$NS_C" ip addr add 10.78.2.1/24 dev hfv0
ip netns exec "$NS_S" ip addr add 10.78.2.9/24 dev hfv1
ip netns exec "$NS_C" ip link set hfv0 up
ip netns exec "$NS_S" ip link set hfv1 up
ip netns exec "$NS_S" "${RESP_CPU[@]}" "$TMP/udp_flood" server 7 2>"$TMP/srv.log" & pids+=($!)
wait_for "$TMP/srv.log" 'listening'

# Every path answers once before measuring (ARP/neighbour resolution, device up).
for pair in "$NS_A 10.78.0.9" "$NS_B 10.78.1.9" "$NS_C 10.78.2.9"; do
  set -- $pair
  timeout 15 ip netns exec "$1" ping -c 3 -i 0.2 -W 2 -q "$2" >/dev/null ||
    { echo "no answer from $2 in $1" >&2; exit 1; }
done

results=$TMP/results
: >"$results"
ping_rate() {  # NAME KEY NS DST [PING OPTIONS...]: replies/s = received / ping's elapsed time
  local name=$1 key=$2 ns=$3 dst=$4 out rx ms line
  shift 4
  out=$(timeout $((SECS + 15)) ip netns exec "$ns" "${FLOOD_CPU[@]}" ping -f -q -w "$SECS" "$@" \
        "$dst" 2>&1 || true)
  line=$(grep 'packets transmitted' <<<"$out" || true)
  rx=$(sed -n 's/.* \([0-9]\+\) received.*/\1/p' <<<"$line")
  ms=$(sed -n 's/.*time \([0-9]\+\)ms.*/\1/p' <<<"$line")
  if [ -n "$rx" ] && [ -n "$ms" ] && [ "$ms" -gt 0 ]; then
    echo "$name $key $(( rx * 1000 / ms ))" >>"$results"
  else
    echo "$name $key 0" >>"$results"
  fi
  echo "  $name ping -f $*: $line"
}
measure() {  # SCENARIO NS DST
  local name=$1 ns=$2 dst=$3 line
  ping_rate "$name" ping "$ns" "$dst"
  ping_rate "$name" pingl "$ns" "$dst" -l "$WINDOW"
  line=$(timeout $((SECS + 15)) ip netns exec "$ns" "${FLOOD_CPU[@]}" "$TMP/udp_flood" client "$dst" 7 "$SECS" \
         "$WINDOW" "$SIZE" || true)
  echo "$name udp $(sed -n 's/.* rate \([0-9]\+\).*/\1/p' <<<"$line")" >>"$results"
  echo "  $name udp_flood: $line"
}

echo "host_flood: $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg), ${SECS}s per measurement," \
     "UDP window $WINDOW x $SIZE bytes, $RUNS rounds, PIN=$PIN"
for r in $(seq 1 "$RUNS"); do
  echo "round $r"
  measure tunkit-tun "$NS_A" 10.78.0.9
  measure tunkit-tap "$NS_B" 10.78.1.9
  measure kernel-veth "$NS_C" 10.78.2.9
done
echo "load at end: $(cut -d' ' -f1-3 /proc/loadavg)"

# The hosts print their counters when they stop (their stdout is a file, so stop them first).
for p in $TK_TUN $TK_TAP; do
  kill -TERM "$p"; timeout 10 tail --pid="$p" -f /dev/null || kill -KILL "$p"
done
echo "tunkit host (TUN) counters:"; sed 's/^/  /' "$TMP/tun.log"
echo "tunkit host (TAP) counters:"; sed 's/^/  /' "$TMP/tap.log"

python3 - "$results" "$RUNS" "$SECS" "$WINDOW" "$SIZE" <<'PY'
import statistics, sys
path, runs, secs, window, size = sys.argv[1:]
vals = {}
for line in open(path):
    parts = line.split()
    if len(parts) == 3 and parts[2]:
        vals.setdefault((parts[0], parts[1]), []).append(int(parts[2]))
def med(s, m):
    v = vals.get((s, m), [])
    return statistics.median(v) if v else 0
kp, ku = med("kernel-veth", "ping"), med("kernel-veth", "udp")
print()
print(f"| scenario | echo replies/s, ping -f | ratio | echo replies/s, ping -f -l {window} | ratio "
      f"| UDP echoes/s, {window} x {size} B in flight | ratio |")
print("|---|---:|---:|---:|---:|---:|---:|")
kl = med("kernel-veth", "pingl")
for s in ("tunkit-tun", "tunkit-tap", "kernel-veth"):
    row = [s]
    for m, k in (("ping", kp), ("pingl", kl), ("udp", ku)):
        v = med(s, m)
        row += [f"{v:.0f}", f"{v / k:.2f}" if k else "-"]
    print("| " + " | ".join(row) + " |")
print()
print(f"Each run ({runs} rounds, {secs} s each; ratios are tunkit / kernel-veth of the medians):")
for s in ("tunkit-tun", "tunkit-tap", "kernel-veth"):
    print(f"- {s}: " + "; ".join(f"{m} " + ", ".join(map(str, vals.get((s, m), []))) for m in ("ping", "pingl", "udp")))
PY
echo
echo "command: PIN=$PIN bench/host_flood.sh${ARGS:+ $ARGS} (tunkit: $TUNKIT)"
