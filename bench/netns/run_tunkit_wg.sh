#!/usr/bin/env bash
# run_tunkit_wg.sh - `tunkit-wg` (the WireGuard daemon) in the peers harness (../shared/bench/peers),
# set up exactly as run_wggo.sh sets up wireguard-go: keys from `wg genkey`, configured with
# `wg set` over the UAPI socket, overlay MTU 1420, iperf3 1 and 4 streams + ping, CPU time of
# both daemons from /proc/PID/stat.
#   EXTRA_DIR=$PWD/bench/netns PROGRAMS="raw wggo openvpn tunkit_wg" bash ../shared/bench/peers/run_all.sh
# Needs TUNKIT (default: build/release/apps/tunkit/tunkit of this checkout; tunkit-wg beside it).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
PEERS_DIR=${PEERS_DIR:-$(cd "$HERE/../../../shared/bench/peers" && pwd)}
. "$PEERS_DIR/netns.sh"
TUNKIT=${TUNKIT:-$(cd "$HERE/../.." && pwd)/build/release/apps/tunkit/tunkit}
TUNKIT_WG=${TUNKIT_WG:-$(dirname "$TUNKIT")/tunkit-wg}
[ -x "$TUNKIT_WG" ] || { echo "build tunkit first (scripts/build.sh release)" >&2; exit 1; }

WG_MTU=${WG_MTU:-1420}
PORT=51820
IF_A=tkwga$$ IF_B=tkwgb$$  # the UAPI sockets in /var/run/wireguard are not namespaced
PIDS=()
TMP=$(mktemp -d /tmp/tunkit_wg.XXXXXX)
cleanup() {
    set +e
    kill_pids "${PIDS[@]}"
    ns_down
    rm -f /var/run/wireguard/$IF_A.sock /var/run/wireguard/$IF_B.sock
    rm -rf "$TMP"
}
trap cleanup EXIT INT TERM

ns_up
umask 077
wg genkey >"$TMP/a.key"; wg pubkey <"$TMP/a.key" >"$TMP/a.pub"
wg genkey >"$TMP/b.key"; wg pubkey <"$TMP/b.key" >"$TMP/b.pub"

ip netns exec "$NS_A" "$TUNKIT_WG" -f $IF_A >"$LOGDIR/tunkit_wg_a.log" 2>&1 & WGA=$!; PIDS+=("$WGA")
ip netns exec "$NS_B" "$TUNKIT_WG" -f $IF_B >"$LOGDIR/tunkit_wg_b.log" 2>&1 & WGB=$!; PIDS+=("$WGB")
wait_dev "$NS_A" $IF_A; wait_dev "$NS_B" $IF_B
for i in $(seq 1 50); do
    [ -S /var/run/wireguard/$IF_A.sock ] && [ -S /var/run/wireguard/$IF_B.sock ] && break
    sleep 0.1
done

nsx "$NS_A" wg set $IF_A private-key "$TMP/a.key" listen-port $PORT \
    peer "$(cat "$TMP/b.pub")" allowed-ips $O_B/32 endpoint $U_B:$PORT
nsx "$NS_B" wg set $IF_B private-key "$TMP/b.key" listen-port $PORT \
    peer "$(cat "$TMP/a.pub")" allowed-ips $O_A/32 endpoint $U_A:$PORT
ip -n "$NS_A" addr add $O_A/24 dev $IF_A
ip -n "$NS_B" addr add $O_B/24 dev $IF_B
ip -n "$NS_A" link set $IF_A mtu "$WG_MTU" up
ip -n "$NS_B" link set $IF_B mtu "$WG_MTU" up
wait_overlay $O_B

iperf_server_start $O_B; PIDS+=("$IPERF_PID")
echo "tunkit-wg (run $RUN_ID)"
measure tunkit-wg "TCP P1 mtu$WG_MTU" $O_B 1 "$WGA" "$WGB"
measure tunkit-wg "TCP P4 mtu$WG_MTU" $O_B 4 "$WGA" "$WGB"
nsx "$NS_A" wg show $IF_A transfer >"$LOGDIR/tunkit_wg_transfer_run$RUN_ID.txt" 2>&1 || true
