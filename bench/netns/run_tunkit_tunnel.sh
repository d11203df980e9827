#!/usr/bin/env bash
# run_tunkit_tunnel.sh - `tunkit tunnel` in the peers harness (../shared/bench/peers):
# server in pa, client in pb, over TCP and over UDP, MTU 1500 like vtun and tunpipe.
#   EXTRA_DIR=$PWD/bench/netns PROGRAMS="raw vtun tunpipe tunkit_tunnel" bash ../shared/bench/peers/run_all.sh
# Needs TUNKIT (default: build/release/apps/tunkit/tunkit of this checkout).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
PEERS_DIR=${PEERS_DIR:-$(cd "$HERE/../../../shared/bench/peers" && pwd)}
. "$PEERS_DIR/netns.sh"
TUNKIT=${TUNKIT:-$(cd "$HERE/../.." && pwd)/build/release/apps/tunkit/tunkit}
[ -x "$TUNKIT" ] || { echo "build tunkit first (scripts/build.sh release)" >&2; exit 1; }
VARIANTS=${VARIANTS:-"tcp udp udp-mtu1400 tcp-offload udp-offload"}  # *-offload: --offload on both ends

PIDS=()
cleanup() { set +e; kill_pids "${PIDS[@]}"; ns_down; }
trap cleanup EXIT INT TERM

for variant in $VARIANTS; do
    transport=${variant%%-*}
    extra=(); mtu=1500
    case "$variant" in
        tcp-offload|udp-offload) extra=(--offload) ;;
        udp-mtu1400) extra=(--mtu 1400); mtu=1400 ;;  # fits the veth with UDP/IP headers: GSO/GRO
    esac
    ns_up
    PIDS=()
    ip netns exec "$NS_A" "$TUNKIT" tunnel --dev tka --listen --transport "$transport" "${extra[@]}" \
        --address $O_A/24 >"$LOGDIR/tunkit_tunnel_a.log" 2>&1 & A=$!; PIDS+=("$A")
    ip netns exec "$NS_B" "$TUNKIT" tunnel --dev tkb --connect $U_A --transport "$transport" "${extra[@]}" \
        --address $O_B/24 >"$LOGDIR/tunkit_tunnel_b.log" 2>&1 & B=$!; PIDS+=("$B")
    # UDP: the server learns the client from its first datagram, so pb speaks first.
    for i in $(seq 1 50); do nsx "$NS_B" ping -c1 -W1 -q $O_A >/dev/null 2>&1 && break; sleep 0.2; done
    wait_overlay $O_B
    iperf_server_start $O_B; PIDS+=("$IPERF_PID")
    echo "tunkit tunnel $variant (run $RUN_ID)"
    measure tunkit-tunnel "$variant TCP P1 mtu$mtu" $O_B 1 "$A" "$B"
    measure tunkit-tunnel "$variant TCP P4 mtu$mtu" $O_B 4 "$A" "$B"
    kill_pids "${PIDS[@]}"
    ns_down
done
