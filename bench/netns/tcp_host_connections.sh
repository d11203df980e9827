#!/usr/bin/env bash
# tcp_host_connections.sh - connections per second that `tunkit host` serves through a TUN:
# Linux clients (python3, one process per core) each open a connection, send
# `GET / HTTP/1.1` with `Connection: close`, read the response to EOF and close, for
# SECONDS seconds. tunkit closes first, so TIME-WAIT is on its side (the clients' ports are
# reused at once). Prints connections per second and tunkit's CPU seconds per 1000.
#   bench/netns/tcp_host_connections.sh [SECONDS] [CLIENTS]     (defaults: 5 s, 2 clients)
# Everything happens inside a namespace this script creates; it removes it on exit.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
TUNKIT=${TUNKIT:-$(cd "$HERE/../.." && pwd)/build/release/apps/tunkit/tunkit}
SECONDS_RUN=${1:-5}
CLIENTS=${2:-2}
command -v python3 >/dev/null || { echo "needs python3" >&2; exit 1; }
[ -x "$TUNKIT" ] || { echo "build tunkit first (scripts/build.sh release)" >&2; exit 1; }
[ "$(id -u)" = 0 ] || { echo "needs root (network namespaces)" >&2; exit 1; }

NS=tkbc$$
HOST=
cleanup() {
  set +e
  [ -n "$HOST" ] && kill "$HOST" 2>/dev/null && timeout 5 tail --pid="$HOST" -f /dev/null
  ip netns del $NS 2>/dev/null
  rm -f "${LOG:-}"
}
trap cleanup EXIT INT TERM
LOG=$(mktemp /tmp/tcp_host_conn.XXXXXX)

ip netns add $NS
ip -n $NS link set lo up
ip netns exec $NS "$TUNKIT" host tkbc0 --address 10.93.0.9/24 --serve http:80 >"$LOG" 2>&1 &
HOST=$!
for _ in $(seq 100); do grep -q "tunkit host: on" "$LOG" && break; sleep 0.1; done
grep -q "tunkit host: on" "$LOG" || { cat "$LOG" >&2; exit 1; }
ip -n $NS addr add 10.93.0.1/24 dev tkbc0
ip -n $NS link set tkbc0 up

ticks0=$(awk '{ print $14 + $15 }' /proc/$HOST/stat)
total=$(ip netns exec $NS timeout $((SECONDS_RUN + 30)) python3 - "$SECONDS_RUN" "$CLIENTS" <<'EOF'
import multiprocessing, socket, sys, time

def client(seconds, out):
    request = b"GET / HTTP/1.1\r\nHost: bench\r\nConnection: close\r\n\r\n"
    done, end = 0, time.monotonic() + seconds
    while time.monotonic() < end:
        s = socket.create_connection(("10.93.0.9", 80), timeout=5)
        s.sendall(request)
        while s.recv(65536):
            pass
        s.close()
        done += 1
    out.put(done)

seconds, clients = float(sys.argv[1]), int(sys.argv[2])
q = multiprocessing.Queue()
procs = [multiprocessing.Process(target=client, args=(seconds, q)) for _ in range(clients)]
for p in procs: p.start()
total = sum(q.get() for _ in procs)
for p in procs: p.join()
print(total)
EOF
)
ticks=$(( $(awk '{ print $14 + $15 }' /proc/$HOST/stat) - ticks0 ))
awk -v n="$total" -v s="$SECONDS_RUN" -v t="$ticks" -v hz="$(getconf CLK_TCK)" 'BEGIN {
  printf "%d connections in %d s: %.0f per second; tunkit CPU %.3f s per 1000\n", n, s, n / s, t / hz / (n / 1000) }'
