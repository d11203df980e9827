# wg-quick drives the implementations as it drives wireguard-go: with no kernel module,
# `WG_QUICK_USERSPACE_IMPLEMENTATION=PROGRAM wg-quick up DIR/IFACE.conf` runs `PROGRAM IFACE`,
# which must make IFACE and its UAPI socket and return (detaching its daemon), then wg-quick
# configures it with `wg setconf` and `ip`. Checked on both sides (WG_IMPL_A, WG_IMPL_B): the
# interface has the config's addresses and MTU, `wg show` lists the peer, pings go both ways
# over IPv4 and IPv6, and `wg-quick down` removes the interface, whose daemon then exits and
# removes its socket.
# Second part (WG_QUICK_TUNKIT_CLI: auto = when `tunkit wg up --help` works, 1 = required,
# 0 = never): `tunkit wg up CONF` and `tunkit wg down IFACE` do the same for tunkit on A, with
# B started directly from the same kind of file (`wg-quick strip`).
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/wg_lib.sh"
tk_require wg-quick
wg_impl_check "$WG_IMPL_A"
wg_impl_check "$WG_IMPL_B"
WG_QUICK_TUNKIT_CLI=${WG_QUICK_TUNKIT_CLI:-auto}

RUN_QUICK=1
if [ -e /sys/module/wireguard ]; then
  RUN_QUICK=0
  echo "not checked: wg-quick with userspace implementations (the wireguard kernel module is loaded, so wg-quick would use it)"
fi
# `tunkit wg up --help` exists when it succeeds and describes `wg up` (an unknown subcommand
# with --help prints the top-level help and succeeds too).
has_cli() { "$TUNKIT" wg up --help 2>&1 | grep "wg up" >/dev/null; }
RUN_CLI=0
case "$WG_QUICK_TUNKIT_CLI" in
  0) echo "not checked: tunkit wg up/down (WG_QUICK_TUNKIT_CLI=0)" ;;
  1) has_cli || tk_fail "WG_QUICK_TUNKIT_CLI=1 but '$TUNKIT wg up --help' does not describe wg up"
     RUN_CLI=1 ;;
  auto) if has_cli; then RUN_CLI=1
        else echo "not checked: tunkit wg up/down ('$TUNKIT wg up --help' does not describe wg up: not implemented yet)"; fi ;;
  *) tk_fail "WG_QUICK_TUNKIT_CLI must be auto, 0 or 1" ;;
esac
[ "$RUN_QUICK" = 1 ] || [ "$RUN_CLI" = 1 ] || tk_skip "neither wg-quick with a userspace implementation nor tunkit wg up can be checked here"

wg_pair_underlay
wg_keys a
wg_keys b
wg_psk ab
PUB_A=$(wg_pub a)
PUB_B=$(wg_pub b)
mkdir -m 700 "$TK_TMP/conf"

# write_conf FILE SIDE(a|b): a wg-quick file for that side; only A names an endpoint.
write_conf() {
  local file=$1 me=$2 other n endpoint=""
  if [ "$me" = a ]; then other=b n=1; else other=a n=2; fi
  [ "$me" = a ] && endpoint="Endpoint = 10.81.0.2:51822"
  (umask 077; cat >"$file" <<EOF
[Interface]
PrivateKey = $(cat "$TK_TMP/$me.key")
ListenPort = 5182$n
Address = 10.83.0.$n/24, fd83::$n/64
MTU = 1380

[Peer]
PublicKey = $(wg_pub "$other")
PresharedKey = $(cat "$TK_TMP/ab.psk")
AllowedIPs = 10.83.0.$((3 - n))/32, fd83::$((3 - n))/128
$endpoint
EOF
  )
}

# quick NS IMPL up|down CONF: wg-quick inside NS with IMPL as the userspace implementation.
quick() {
  local ns=$1 impl=$2 verb=$3 conf=$4 log="$TK_TMP/quick-$(basename "$4" .conf)-$3.log"
  # wg-quick's addresses need IPv6 on the new interface; the namespace keeps it off elsewhere.
  ip netns exec "$ns" sysctl -qw net.ipv6.conf.default.disable_ipv6=0
  ip netns exec "$ns" env WG_QUICK_USERSPACE_IMPLEMENTATION="$(wg_impl_cmd "$impl")" LOG_LEVEL=verbose \
    timeout 30 wg-quick "$verb" "$conf" >"$log" 2>&1 || tk_fail "wg-quick $verb $conf ($impl) failed: $(cat "$log")"
  ip netns exec "$ns" sysctl -qw net.ipv6.conf.default.disable_ipv6=1
}

# check_up NS IFACE N PEER_PUB WHAT: the interface as the file describes it; its daemon's PID in DAEMON.
check_up() {
  local ns=$1 iface=$2 n=$3 peer=$4 what=$5 pids
  wg_has_link "$ns" "$iface" || tk_fail "$what: no interface $iface"
  wg_has_socket "$iface" || tk_fail "$what: no UAPI socket $WG_RUN_DIR/$iface.sock"
  pids=$(wg_sock_pids "$ns" "$iface")
  [ "$(wc -w <<<"$pids")" = 1 ] || tk_fail "$what: expected one daemon serving $iface, found: '$pids'"
  DAEMON=$pids
  TK_PIDS+=("$DAEMON")
  ip -n "$ns" -o -4 addr show dev "$iface" | grep " 10.83.0.$n/24 " >/dev/null || tk_fail "$what: address 10.83.0.$n/24 missing: $(ip -n "$ns" addr show dev "$iface")"
  ip -n "$ns" -o -6 addr show dev "$iface" | grep " fd83::$n/64 " >/dev/null || tk_fail "$what: address fd83::$n/64 missing: $(ip -n "$ns" addr show dev "$iface")"
  [ "$(ip netns exec "$ns" cat "/sys/class/net/$iface/mtu")" = 1380 ] || tk_fail "$what: MTU is not 1380"
  ip -n "$ns" link show dev "$iface" | grep "state UNKNOWN\|state UP" >/dev/null || tk_fail "$what: $iface is not up"
  [ "$(wg_listen_port "$ns" "$iface")" = "5182$n" ] || tk_fail "$what: listen port: $(wg_dump "$ns" "$iface")"
  [ "$(wg_peer "$ns" "$iface" "$peer" allowed-ips | tr , '\n' | sort | paste -sd,)" = "10.83.0.$((3 - n))/32,fd83::$((3 - n))/128" ] \
    || tk_fail "$what: allowed-ips: $(wg_dump "$ns" "$iface")"
  [ "$(wg_dump "$ns" "$iface" | awk 'NR == 2 { print $2 }')" = "$(cat "$TK_TMP/ab.psk")" ] || tk_fail "$what: preshared key not set"
}

# check_pings: both ways, IPv4 and IPv6 (DAD of the new addresses may take a moment).
check_pings() {
  local what=$1
  wg_wait_ping "$NS_A" 10.83.0.2 || tk_fail "$what: A cannot reach B: $(wg_logs; cat "$TK_TMP"/quick-*.log)"
  wg_wait_ping "$NS_B" 10.83.0.1 || tk_fail "$what: B cannot reach A"
  wg_wait_ping "$NS_A" fd83::2 || tk_fail "$what: A cannot reach B over IPv6"
  wg_wait_ping "$NS_B" fd83::1 || tk_fail "$what: B cannot reach A over IPv6"
  wg_has_handshake "$NS_B" "$IF_B" "$PUB_A" || tk_fail "$what: B shows no handshake"
  [ "$(wg_peer "$NS_B" "$IF_B" "$PUB_A" endpoint)" = 10.81.0.1:51821 ] || tk_fail "$what: B's endpoint for A: $(wg_dump "$NS_B" "$IF_B")"
}

# check_gone NS IFACE PID WHAT: interface, daemon and socket are all gone (bounded waits).
check_gone() {
  local ns=$1 iface=$2 pid=$3 what=$4
  local i
  tk_wait_for 5 bash -c "! ip -n '$ns' link show dev '$iface'" || tk_fail "$what: $iface still exists"
  timeout 10 tail --pid="$pid" -f /dev/null || tk_fail "$what: the daemon ($pid) did not exit after its interface went"
  for i in "${!TK_PIDS[@]}"; do [ "${TK_PIDS[$i]}" != "$pid" ] || unset "TK_PIDS[$i]"; done  # not ours to reap: its PID may be reused
  tk_wait_for 5 bash -c "! [ -e '$WG_RUN_DIR/$iface.sock' ]" || tk_fail "$what: $WG_RUN_DIR/$iface.sock left behind"
}

if [ "$RUN_QUICK" = 1 ]; then
  wg_ifname IF_A qa
  wg_ifname IF_B qb
  wg_track "$NS_A" "$IF_A"
  wg_track "$NS_B" "$IF_B"
  write_conf "$TK_TMP/conf/$IF_A.conf" a
  write_conf "$TK_TMP/conf/$IF_B.conf" b
  quick "$NS_B" "$WG_IMPL_B" up "$TK_TMP/conf/$IF_B.conf"
  check_up "$NS_B" "$IF_B" 2 "$PUB_A" "wg-quick up ($WG_IMPL_B)"
  DAEMON_B=$DAEMON
  quick "$NS_A" "$WG_IMPL_A" up "$TK_TMP/conf/$IF_A.conf"
  check_up "$NS_A" "$IF_A" 1 "$PUB_B" "wg-quick up ($WG_IMPL_A)"
  DAEMON_A=$DAEMON
  grep -q "Falling back to slow userspace implementation" "$TK_TMP/quick-$IF_A-up.log" || tk_fail "wg-quick did not use the userspace implementation"
  tk_pass "wg-quick up with $WG_IMPL_A and $WG_IMPL_B: addresses, MTU 1380, listen port, peer, preshared key"
  check_pings "wg-quick"
  tk_pass "wg-quick tunnel: pings both ways over IPv4 and IPv6"
  quick "$NS_A" "$WG_IMPL_A" down "$TK_TMP/conf/$IF_A.conf"
  check_gone "$NS_A" "$IF_A" "$DAEMON_A" "wg-quick down ($WG_IMPL_A)"
  quick "$NS_B" "$WG_IMPL_B" down "$TK_TMP/conf/$IF_B.conf"
  check_gone "$NS_B" "$IF_B" "$DAEMON_B" "wg-quick down ($WG_IMPL_B)"
  tk_pass "wg-quick down: interfaces removed, daemons exited, sockets gone"
fi

if [ "$RUN_CLI" = 1 ]; then
  wg_ifname IF_A ta
  wg_ifname IF_B tb
  wg_track "$NS_A" "$IF_A"
  write_conf "$TK_TMP/conf/$IF_A.conf" a
  write_conf "$TK_TMP/conf/$IF_B.conf" b
  # B: started directly and configured from its file.
  wg_start "$NS_B" "$IF_B" "$WG_IMPL_B"
  ip netns exec "$NS_B" wg-quick strip "$TK_TMP/conf/$IF_B.conf" >"$TK_TMP/b.wg"
  ip netns exec "$NS_B" wg setconf "$IF_B" "$TK_TMP/b.wg" || tk_fail "wg setconf failed"
  wg_addr "$NS_B" "$IF_B" 10.83.0.2/24 fd83::2/64
  ip -n "$NS_B" link set dev "$IF_B" mtu 1380
  # A: tunkit wg up FILE.
  ip netns exec "$NS_A" sysctl -qw net.ipv6.conf.default.disable_ipv6=0
  ip netns exec "$NS_A" timeout 30 "$TUNKIT" wg up "$TK_TMP/conf/$IF_A.conf" >"$TK_TMP/tunkit-up.log" 2>&1 \
    || tk_fail "tunkit wg up failed: $(cat "$TK_TMP/tunkit-up.log")"
  ip netns exec "$NS_A" sysctl -qw net.ipv6.conf.default.disable_ipv6=1
  check_up "$NS_A" "$IF_A" 1 "$PUB_B" "tunkit wg up"
  DAEMON_A=$DAEMON
  tk_pass "tunkit wg up: addresses, MTU 1380, listen port, peer, preshared key"
  check_pings "tunkit wg up"
  tk_pass "tunkit wg up: pings both ways over IPv4 and IPv6"
  ip netns exec "$NS_A" timeout 30 "$TUNKIT" wg down "$IF_A" >"$TK_TMP/tunkit-down.log" 2>&1 \
    || tk_fail "tunkit wg down failed: $(cat "$TK_TMP/tunkit-down.log")"
  check_gone "$NS_A" "$IF_A" "$DAEMON_A" "tunkit wg down"
  tk_pass "tunkit wg down: interface removed, daemon exited, socket gone"
fi
