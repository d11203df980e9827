#!/usr/bin/env bash
# Macro-benchmark: `tunkit dump -w` attached to a TUN under a UDP flood, and in the same
# run `tcpdump -w` capturing the same flood on that device (AF_PACKET) while a plain reader
# drains the TUN. For each offered rate: packets written per second and packets lost
# (sent by the flooder but not written), with the TUN's tx_packets / tx_dropped counters.
# Network rule: one namespace; the flood goes from its own address into its own TUN.
# Usage: bench/dump_flood.sh [TUNKIT] [COUNT] [RATES...]   (root; needs cc, tcpdump)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
TUNKIT=${1:-$here/../build/dump/apps/tunkit/tunkit}
COUNT=${2:-200000}
shift $(( $# >= 2 ? 2 : $# )) || true
RATES=("${@:-50000 100000 200000 400000 0}")
read -r -a RATES <<<"${RATES[*]}"
NS=tk-dumpflood-$$
TMP=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do timeout 5 tail --pid="$p" -f /dev/null 2>/dev/null || kill -9 "$p" 2>/dev/null || true; done
  ip netns del "$NS" 2>/dev/null || true
  rm -rf "$TMP"
}
trap cleanup EXIT
cc -O2 -o "$TMP/flood_tool" "$here/flood_tool.c"
ip netns add "$NS"
in_ns() { ip netns exec "$NS" "$@"; }
in_ns ip link set lo up
in_ns "$TUNKIT" dev add tkflood0 mode tun
in_ns "$TUNKIT" dev set tkflood0 up address 10.71.0.1/24
stat() { in_ns cat "/sys/class/net/tkflood0/statistics/$1"; }
wait_pid() { timeout 30 tail --pid="$1" -f /dev/null; }
# pcap records: a python reader gives count and first-to-last span.
pcap_stats() {
  python3 - "$1" <<'PY'
import struct, sys
d = open(sys.argv[1], "rb").read()
ns = struct.unpack("<I", d[:4])[0] == 0xa1b23c4d
at, n, first, last = 24, 0, None, None
while at + 16 <= len(d):
    s, f, cap, _ = struct.unpack("<IIII", d[at:at + 16]); at += 16 + cap
    t = s + f / (1e9 if ns else 1e6); first = t if first is None else first; last = t; n += 1
print(n, f"{(last - first) if n > 1 else 0:.6f}")
PY
}

printf "%-9s | %-44s | %-40s\n" "offered" "tunkit dump -w" "tcpdump -w (+ plain reader draining the TUN)"
printf "%-9s | %9s %9s %7s %8s %7s | %9s %9s %7s %11s\n" "pps" "sent" "written" "lost" "wr pps" "tx_drop" "sent" "captured" "lost" "cap pps"
for rate in "${RATES[@]}"; do
  # --- tunkit dump -w ---
  tx0=$(stat tx_packets); drop0=$(stat tx_dropped)
  # Background programs start through `ip netns exec` itself (not a shell function), so $!
  # is the program's own PID and the trap can kill it.
  ip netns exec "$NS" "$TUNKIT" dump tkflood0 -w "$TMP/tk.pcap" 2>"$TMP/tk.err" & pid=$!; pids+=($pid)
  timeout 10 bash -c "until grep -q listening $TMP/tk.err; do sleep 0.05; done"
  read -r _ sent _ secs < <(in_ns "$TMP/flood_tool" send 10.71.0.2 9 "$COUNT" "$rate")
  sleep 0.5
  kill -TERM "$pid"; wait_pid "$pid"; wait "$pid" || echo "  tunkit dump exited $?" >&2
  read -r written span < <(pcap_stats "$TMP/tk.pcap")
  tx=$(( $(stat tx_packets) - tx0 )); drop=$(( $(stat tx_dropped) - drop0 ))
  tk_pps=$(python3 -c "print(int($written / $span) if $span > 0 else 0)")
  # --- tcpdump -w, with a plain reader draining the TUN ---
  ip netns exec "$NS" "$TMP/flood_tool" drain tkflood0 & dpid=$!; pids+=($dpid)
  ip netns exec "$NS" tcpdump -i tkflood0 -n -s 0 -B 4096 -w "$TMP/td.pcap" 2>"$TMP/td.err" & tpid=$!; pids+=($tpid)
  timeout 10 bash -c "until grep -q listening $TMP/td.err; do sleep 0.05; done"
  read -r _ tsent _ tsecs < <(in_ns "$TMP/flood_tool" send 10.71.0.2 9 "$COUNT" "$rate")
  sleep 0.5
  kill -TERM "$tpid"; wait_pid "$tpid"; wait "$tpid" || true
  kill -TERM "$dpid"; wait_pid "$dpid"; wait "$dpid" 2>/dev/null || true
  sleep 0.2  # the drain's fd closes before tunkit attaches again
  read -r captured tspan < <(pcap_stats "$TMP/td.pcap")
  td_pps=$(python3 -c "print(int($captured / $tspan) if $tspan > 0 else 0)")
  printf "%-9s | %9d %9d %7d %8d %7d | %9d %9d %7d %11d\n" "${rate/#0/max}" "$sent" "$written" \
    $(( sent - written )) "$tk_pps" "$drop" "$tsent" "$captured" $(( tsent - captured )) "$td_pps"
  [ "$tx" -eq "$written" ] || echo "  note: TUN tx_packets delta $tx != written $written"
  grep -h "dropped" "$TMP/td.err" | sed 's/^/  tcpdump: /' || true
done
