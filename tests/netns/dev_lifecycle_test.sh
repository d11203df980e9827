# Transient devices vanish with their process, persistent ones stay until `del`;
# the kernel picks names for patterns; list/show agree with `ip -d link` and sysfs.
source "$(dirname "$0")/lib.sh"
tk_require jq
tk_netns NS
in_ns() { ip netns exec "$NS" "$@"; }
has_link() { in_ns ip link show "$1" >/dev/null 2>&1; }

# Transient: exists while `dev attach` runs, gone when it exits.
tk_bg "$TK_TMP/attach.out" ip netns exec "$NS" "$TUNKIT" dev attach tktrans0
tk_wait_for 10 has_link tktrans0 || tk_fail "transient device never appeared"
in_ns ip -d link show tktrans0 | grep -q "persist off" || tk_fail "transient device is persistent"
tk_stop "$TK_LAST_PID"
tk_wait_for 10 bash -c "! ip netns exec $NS ip link show tktrans0" || tk_fail "transient device outlived its process"
grep -q "0 packets, 0 bytes received" "$TK_TMP/attach.out" || tk_fail "attach did not print its count: $(cat "$TK_TMP/attach.out")"
tk_pass "transient device disappears when its process exits"

# Persistent: survives the command that made it; del removes it.
in_ns "$TUNKIT" dev add tkpers0 mode tun
has_link tkpers0 || tk_fail "persistent device missing after add"
in_ns ip -d link show tkpers0 | grep -q "persist on" || tk_fail "not persistent"
in_ns "$TUNKIT" dev del tkpers0 mode tun
has_link tkpers0 && tk_fail "del left the device"
tk_pass "persistent device survives; del removes it"

# Kernel-chosen names.
first=$(in_ns "$TUNKIT" dev add tkk%d mode tap)
second=$(in_ns "$TUNKIT" dev add tkk%d mode tap)
[ "$first" = tkk0 ] && [ "$second" = tkk1 ] || tk_fail "pattern names: got '$first' '$second'"
has_link tkk1 || tk_fail "tkk1 missing"
tk_pass "kernel picks names from tkk%d: $first $second"

# list/show agree with ip -d link show and /sys/class/net/*/tun_flags.
in_ns "$TUNKIT" dev add tkmq0 mode tun multi-queue vnet-hdr pi user nobody group nogroup
in_ns "$TUNKIT" dev set tkmq0 mtu 1400 up address 10.61.0.1/24 route 10.62.0.0/16 via 10.61.0.2
in_ns "$TUNKIT" dev list --json >"$TK_TMP/list.json"
for dev in tkk0 tkk1 tkmq0; do
  j=$(jq -c ".[] | select(.name == \"$dev\")" "$TK_TMP/list.json")
  [ -n "$j" ] || tk_fail "$dev missing from dev list --json"
  ipd=$(in_ns ip -d link show "$dev")
  flags=$(( $(in_ns cat "/sys/class/net/$dev/tun_flags") ))
  mode=$(jq -r .mode <<<"$j")
  if (( flags & 0x0001 )); then want=tun; else want=tap; fi
  [ "$mode" = "$want" ] || tk_fail "$dev mode $mode, tun_flags say $want"
  grep -q "tun type $mode" <<<"$ipd" || tk_fail "$dev: ip -d link disagrees on mode $mode"
  for pair in "pi:0x1000:inv" "vnet_hdr:0x4000:" "multi_queue:0x0100:" "persist:0x0800:"; do
    IFS=: read -r key bit inverted <<<"$pair"
    got=$(jq -r ".$key" <<<"$j")
    if [ -n "$inverted" ]; then (( flags & bit )) && want=false || want=true
    else (( flags & bit )) && want=true || want=false; fi
    [ "$got" = "$want" ] || tk_fail "$dev $key=$got, tun_flags 0x$(printf %x $flags) say $want"
    word=$key; [ "$key" = multi_queue ] && word=multi_queue
    if [ "$key" = pi ] || [ "$key" = vnet_hdr ] || [ "$key" = persist ]; then
      [ "$want" = true ] && state=on || state=off
      grep -q "$key $state" <<<"$ipd" || tk_fail "$dev: ip -d link does not say '$key $state'"
    fi
  done
  mtu=$(jq -r .mtu <<<"$j")
  grep -q "mtu $mtu " <<<"$ipd" || tk_fail "$dev: mtu $mtu disagrees with ip"
done
j=$(jq -c '.[] | select(.name == "tkmq0")' "$TK_TMP/list.json")
[ "$(jq -r .owner <<<"$j")" = 65534 ] && [ "$(jq -r .group <<<"$j")" = 65534 ] || tk_fail "owner/group: $j"
in_ns ip -d link show tkmq0 | grep -q "user nobody group nogroup" || tk_fail "ip shows other owner"
show=$(in_ns "$TUNKIT" dev show tkmq0 --json)
[ "$(jq -r '.addresses[0]' <<<"$show")" = 10.61.0.1/24 ] || tk_fail "show addresses: $show"
jq -e '.routes[] | select(.destination == "10.62.0.0/16" and .gateway == "10.61.0.2")' <<<"$show" >/dev/null \
  || tk_fail "show routes: $show"
in_ns ip route show dev tkmq0 | grep -q "10.62.0.0/16 via 10.61.0.2" || tk_fail "route not in kernel"
[ "$(jq -r .up <<<"$show")" = true ] || tk_fail "not up"
text=$(in_ns "$TUNKIT" dev list)
tk_expect_contains "$text" "tkmq0: tun multi_queue pi vnet_hdr persist user nobody(65534) group nogroup(65534) state UP mtu 1400" "dev list text"
tk_pass "list/show agree with ip -d link show and tun_flags"

# Attached processes are listed (what ip tuntap list shows).
tk_bg "$TK_TMP/attach2.out" ip netns exec "$NS" "$TUNKIT" dev attach tkk0
pid=$TK_LAST_PID
tk_wait_for 10 bash -c "ip netns exec $NS $TUNKIT dev list --json | jq -e '.[] | select(.name==\"tkk0\") | .attached[] | select(.pid==$pid)'" \
  || tk_fail "attached process $pid not listed"
tk_stop "$pid"
tk_pass "attached processes listed"
