# Helpers for the WireGuard interop scenarios (tests/netns/wg_*_test.sh). Source after lib.sh.
#
# Each end of a tunnel is run by an implementation chosen per side:
#   tunkit        "$TUNKIT_WG" (default: tunkit-wg beside $TUNKIT), wireguard-go's contract:
#                 `tunkit-wg [-f|--foreground] IFACE` makes the TUN IFACE in the caller's
#                 namespace and the UAPI socket /var/run/wireguard/IFACE.sock; it is set up
#                 with `wg` and stops (removing both) on SIGTERM or when IFACE is deleted.
#   wireguard-go  the reference userspace implementation (Debian's wireguard-go).
# The tests default to tunkit on one side and wireguard-go on the other; WG_IMPL_A and
# WG_IMPL_B (and WG_MESH_IMPLS) choose otherwise, e.g. wireguard-go on both to check a
# scenario itself. If tunkit-wg has not been built the test skips and says how to run it.
#
# /var/run/wireguard is not namespaced, so interface names carry the test's PID
# (wg_ifname) and every socket of ours is removed in the trap, after its process is gone.
tk_require wg ping
WG_RUN_DIR=/var/run/wireguard
TUNKIT_WG=${TUNKIT_WG:-$(dirname "$TUNKIT")/tunkit-wg}
WG_IMPL_A=${WG_IMPL_A:-tunkit}
WG_IMPL_B=${WG_IMPL_B:-wireguard-go}
WG_IFACES=()          # "NS IFACE" of every interface a test asked for, for the trap
declare -A WG_PID=()  # IFACE -> PID of the process serving it (foreground starts)

# wg_cleanup: also kills daemons found by their sockets (wg-quick starts them detached),
# then the usual cleanup, then removes the sockets of our interfaces.
wg_cleanup() {
  local entry ns iface pid
  for entry in "${WG_IFACES[@]}"; do
    read -r ns iface <<<"$entry"
    for pid in $(wg_sock_pids "$ns" "$iface" 2>/dev/null); do TK_PIDS+=("$pid"); done
  done
  tk_cleanup
  for entry in "${WG_IFACES[@]}"; do
    read -r ns iface <<<"$entry"
    rm -f "$WG_RUN_DIR/$iface.sock" 2>/dev/null || true
  done
}
trap wg_cleanup EXIT

# wg_impl_check IMPL: the implementation exists; skips (tunkit-wg not built) otherwise.
wg_impl_check() {
  case "$1" in
    tunkit)
      [ -x "$TUNKIT_WG" ] || tk_skip "tunkit-wg not built ($TUNKIT_WG); set TUNKIT_WG, or run the scenario with WG_IMPL_A=wireguard-go WG_IMPL_B=wireguard-go" ;;
    wireguard-go) tk_require wireguard-go ;;
    *) tk_fail "unknown WireGuard implementation '$1' (tunkit or wireguard-go)" ;;
  esac
}

# wg_impl_cmd IMPL: the program that implements IMPL (for WG_QUICK_USERSPACE_IMPLEMENTATION).
wg_impl_cmd() {
  case "$1" in
    tunkit) printf '%s\n' "$TUNKIT_WG" ;;
    wireguard-go) command -v wireguard-go ;;
  esac
}

# wg_ifname VAR TAG: a name unique to this run (IFNAMSIZ: at most 15 characters).
wg_ifname() {
  local name="tkw$$$2"
  [ "${#name}" -le 15 ] || tk_fail "interface name $name is longer than 15 characters"
  printf -v "$1" '%s' "$name"
}

# wg_track NS IFACE: remember an interface for the trap (its socket, its daemon).
wg_track() { WG_IFACES+=("$1 $2"); }

# wg_sock_pids NS IFACE: PIDs of the processes listening on IFACE's UAPI socket (bound as
# /var/run/wireguard/IFACE.sock or /run/wireguard/IFACE.sock: the same file).
wg_sock_pids() {
  ip netns exec "$1" ss -xlpnH 2>/dev/null | grep -F "/wireguard/$2.sock " \
    | grep -o 'pid=[0-9]*' | cut -d= -f2 | sort -u
}

wg_has_socket() { [ -S "$WG_RUN_DIR/$1.sock" ]; }
wg_has_link() { ip -n "$1" link show dev "$2" >/dev/null 2>&1; }
wg_ready() { wg_has_socket "$2" && wg_has_link "$1" "$2" && ip netns exec "$1" wg show "$2" >/dev/null 2>&1; }

# wg_start NS IFACE IMPL: runs IMPL in the foreground for IFACE inside NS (log in
# $TK_TMP/wg-IFACE.log, PID in WG_PID[IFACE]) and waits until `wg` can talk to it.
wg_start() {
  local ns=$1 iface=$2 impl=$3 prog
  wg_impl_check "$impl"
  wg_has_socket "$iface" && tk_fail "$WG_RUN_DIR/$iface.sock already exists"
  prog=$(wg_impl_cmd "$impl")
  wg_track "$ns" "$iface"
  tk_bg "$TK_TMP/wg-$iface.log" env LOG_LEVEL=verbose ip netns exec "$ns" "$prog" -f "$iface"
  WG_PID[$iface]=$TK_LAST_PID
  tk_wait_for 10 wg_ready "$ns" "$iface" \
    || tk_fail "$impl did not bring up $iface in $ns: $(cat "$TK_TMP/wg-$iface.log")"
}

# wg_stop IFACE NS: SIGTERM to its process; the socket and the device must go with it.
wg_stop() {
  local iface=$1 ns=$2
  tk_stop "${WG_PID[$iface]}" || tk_fail "$iface: process exited non-zero on SIGTERM: $(tail -5 "$TK_TMP/wg-$iface.log")"
  tk_wait_for 5 bash -c "! ip -n '$ns' link show dev '$iface'" || tk_fail "$iface still exists after its process stopped"
  wg_has_socket "$iface" && tk_fail "$WG_RUN_DIR/$iface.sock left behind after a clean stop"
  return 0
}

# wg_keys NAME: $TK_TMP/NAME.key (private) and $TK_TMP/NAME.pub; wg_psk NAME: $TK_TMP/NAME.psk.
wg_keys() {
  (umask 077; wg genkey >"$TK_TMP/$1.key")
  wg pubkey <"$TK_TMP/$1.key" >"$TK_TMP/$1.pub"
}
wg_psk() { (umask 077; wg genpsk >"$TK_TMP/$1.psk"); }
wg_pub() { cat "$TK_TMP/$1.pub"; }

# wg_set NS IFACE ARGS...: `wg set IFACE ARGS...` inside NS.
wg_set() {
  local ns=$1 iface=$2; shift 2
  ip netns exec "$ns" wg set "$iface" "$@" || tk_fail "wg set $iface $* failed"
}

# wg_addr NS IFACE ADDRESS...: assigns overlay addresses (IPv6 without DAD) and brings IFACE up.
wg_addr() {
  local ns=$1 iface=$2 a; shift 2
  for a in "$@"; do
    case "$a" in
      *:*) ip netns exec "$ns" sysctl -qw "net.ipv6.conf.$iface.disable_ipv6=0"
           ip -n "$ns" addr add "$a" dev "$iface" nodad ;;
      *) ip -n "$ns" addr add "$a" dev "$iface" ;;
    esac
  done
  ip -n "$ns" link set "$iface" up
}

# wg_dump NS IFACE: `wg show IFACE dump`. wg_peer NS IFACE PUB FIELD: one field of PUB's line:
# endpoint allowed-ips handshake rx tx keepalive ("(none)" endpoint, 0 handshake when unset).
wg_dump() { ip netns exec "$1" wg show "$2" dump; }
wg_peer() {
  local col
  case "$4" in
    endpoint) col=3 ;; allowed-ips) col=4 ;; handshake) col=5 ;; rx) col=6 ;; tx) col=7 ;; keepalive) col=8 ;;
    *) tk_fail "wg_peer: unknown field $4" ;;
  esac
  wg_dump "$1" "$2" | awk -v pub="$3" -v col="$col" 'NR > 1 && $1 == pub { print $col; found = 1 }
    END { if (!found) exit 1 }' || tk_fail "$2 in $1 has no peer $3: $(wg_dump "$1" "$2" 2>&1)"
}
wg_listen_port() { wg_dump "$1" "$2" | awk 'NR == 1 { print $3 }'; }

# wg_has_handshake NS IFACE PUB: the peer's latest handshake is set.
wg_has_handshake() { [ "$(wg_peer "$1" "$2" "$3" handshake)" != 0 ]; }

# wg_ping NS DST: one echo through the tunnel gets its reply.
wg_ping() { ip netns exec "$1" ping -n -c 1 -W 1 "$2" >/dev/null 2>&1; }
# wg_wait_ping NS DST [SECONDS]: until a ping gets its reply (the first one starts the handshake).
wg_wait_ping() { tk_wait_for "${3:-10}" wg_ping "$1" "$2"; }

# wg_logs: the implementations' logs, for failure messages.
wg_logs() {
  local f
  for f in "$TK_TMP"/wg-*.log; do [ -e "$f" ] && { echo "--- $(basename "$f")"; tail -20 "$f"; }; done
  return 0
}

# wg_pair_underlay: namespaces NS_A and NS_B joined by a veth (wgua 10.81.0.1/24 in A,
# wgub 10.81.0.2/24 in B): the underlay every two-node scenario sends its UDP over.
wg_pair_underlay() {
  tk_netns NS_A
  tk_netns NS_B
  ip -n "$NS_A" link add wgua type veth peer name wgub netns "$NS_B"
  ip -n "$NS_A" addr add 10.81.0.1/24 dev wgua
  ip -n "$NS_B" addr add 10.81.0.2/24 dev wgub
  ip -n "$NS_A" link set wgua up
  ip -n "$NS_B" link set wgub up
}

# wg_delivered NS IFACE: packets the implementation wrote into its TUN (the device's rx count).
wg_delivered() { ip netns exec "$1" cat "/sys/class/net/$2/statistics/rx_packets"; }

# wg_capture VAR NS DEV FILE [FILTER]: tcpdump of DEV in NS into FILE (pcap, packet-buffered)
# until wg_capture_stop; waits until it listens. The capture's PID is stored in VAR.
wg_capture() {
  local var=$1 ns=$2 dev=$3 file=$4 filter=${5:-udp}
  tk_require tcpdump python3
  tk_bg "$file.log" ip netns exec "$ns" timeout 120 tcpdump -n -U --immediate-mode -i "$dev" -w "$file" "$filter"
  printf -v "$var" '%s' "$TK_LAST_PID"
  tk_wait_for 10 grep -q "listening on" "$file.log" || tk_fail "tcpdump did not start: $(cat "$file.log")"
}
# wg_capture_stop PID: ends a capture (the file is complete afterwards).
wg_capture_stop() { tk_stop "$1" || true; }

# wg_pcap FILE: one line per UDP/IPv4 datagram in FILE:
#   SRC_IP SRC_PORT DST_IP DST_PORT WG_TYPE PAYLOAD_LENGTH PAYLOAD_HEX
# WG_TYPE is the first payload byte (1 initiation, 2 response, 3 cookie, 4 data).
wg_pcap() {
  python3 - "$1" <<'PY'
import struct, sys
data = open(sys.argv[1], 'rb').read()
magic = data[:4]
endian = '<' if magic in (b'\xd4\xc3\xb2\xa1', b'\x4d\x3c\xb2\xa1') else '>'
linktype = struct.unpack(endian + 'I', data[20:24])[0]
link_len = {1: 14, 113: 16, 276: 20, 101: 0}.get(linktype)
if link_len is None:
    sys.exit(f'unsupported pcap link type {linktype}')
off = 24
while off + 16 <= len(data):
    _, _, caplen, _ = struct.unpack(endian + 'IIII', data[off:off + 16])
    frame = data[off + 16:off + 16 + caplen]
    off += 16 + caplen
    ip = frame[link_len:]
    if len(ip) < 20 or ip[0] >> 4 != 4 or ip[9] != 17:
        continue
    ihl = (ip[0] & 15) * 4
    total = struct.unpack('>H', ip[2:4])[0]
    udp = ip[ihl:total]
    if len(udp) < 8:
        continue
    sport, dport, ulen = struct.unpack('>HHH', udp[:6])
    payload = udp[8:ulen]
    src = '.'.join(map(str, ip[12:16]))
    dst = '.'.join(map(str, ip[16:20]))
    kind = payload[0] if payload else -1
    print(src, sport, dst, dport, kind, len(payload), payload.hex())
PY
}
