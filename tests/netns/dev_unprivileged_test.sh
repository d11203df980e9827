# The tutorials' scenario end to end: root makes a persistent TUN owned by an unprivileged
# user; that user, with no capability, attaches and receives the packets a ping routed
# into the device produces (84 bytes each without packet info, 88 with it); another
# unprivileged user is refused with the EPERM message and exit status 3.
source "$(dirname "$0")/lib.sh"
tk_require ping setpriv
tk_netns NS
in_ns() { ip netns exec "$NS" "$@"; }

# The build tree may sit in a directory other users cannot enter: copy the binary out.
cp "$TUNKIT" "$TK_TMP/tunkit"
TK="$TK_TMP/tunkit"
# Debian's udev makes /dev/net/tun mode 0666; where it is not (some sandboxes), give the
# test's processes a 0666 node of their own in a private mount namespace, leaving the
# system's node alone.
TUNNODE="$TK_TMP/tun"
mknod -m 0666 "$TUNNODE" c 10 200
# A command prefix (not a function, so tk_bg's PID is the program's own: every step execs).
own_mounts=(ip netns exec "$NS" unshare --mount --propagation private
            sh -c 'mount --bind "$0" /dev/net/tun && exec "$@"' "$TUNNODE")
as_nobody=(setpriv --reuid=nobody --regid=nogroup --clear-groups --inh-caps=-all --bounding-set=-all)
as_other=(setpriv --reuid=4242 --regid=4242 --clear-groups --inh-caps=-all --bounding-set=-all)

in_ns "$TK" dev add tkuser0 mode tun user nobody
in_ns "$TK" dev set tkuser0 up address 10.63.0.1/24

run_case() {  # run_case WORDS EXPECTED_BYTES
  local words=$1 bytes=$2 out="$TK_TMP/attach-${1:-nopi}.out"
  tk_bg "$out" "${own_mounts[@]}" "${as_nobody[@]}" "$TK" dev attach tkuser0 $words count 5
  local pid=$TK_LAST_PID
  tk_wait_for 10 grep -q "attached to tkuser0" "$out" || tk_fail "nobody could not attach ($words): $(cat "$out")"
  # 10.63.0.2 is on the device's prefix: the kernel routes the echo requests into it.
  in_ns ping -n -c 5 -i 0.2 -W 1 10.63.0.2 >/dev/null || true
  timeout 10 tail --pid="$pid" -f /dev/null || tk_fail "attach did not stop after 5 packets"
  wait "$pid" || tk_fail "attach as nobody exited non-zero: $(cat "$out")"
  local lines
  lines=$(grep -c "^[0-9]* $bytes bytes .*IP 10.63.0.1 > 10.63.0.2: ICMP echo request" "$out" || true)
  [ "$lines" -eq 5 ] || tk_fail "expected 5 echo requests of $bytes bytes ($words), got: $(cat "$out")"
  grep -q "^5 packets, $((5 * bytes)) bytes received" "$out" || tk_fail "no count line: $(cat "$out")"
}
run_case "" 84
tk_pass "nobody attached without privileges and received 5 echo requests of 84 bytes"
run_case pi 88
grep -q "pi proto 0x0800" "$TK_TMP/attach-pi.out" || tk_fail "packet info not shown"
tk_pass "with packet info: 88 bytes, protocol 0x0800"

tk_expect_status 3 "${own_mounts[@]}" "${as_other[@]}" "$TK" dev attach tkuser0
tk_expect_contains "$TK_ERR" "permission denied for tun device 'tkuser0'" "uid 4242 refused"
tk_expect_contains "$TK_ERR" "be its owner or group" "the message names the fix"
tk_pass "another unprivileged user is refused: $TK_ERR"

# A group grant lets members in: give the device to group 4242, then uid 4242 may attach.
in_ns "$TK" dev del tkuser0 mode tun
in_ns "$TK" dev add tkuser0 mode tun group 4242
tk_bg "$TK_TMP/group.out" "${own_mounts[@]}" "${as_other[@]}" "$TK" dev attach tkuser0 count 1
tk_wait_for 10 grep -q "attached to tkuser0" "$TK_TMP/group.out" || tk_fail "group member refused: $(cat "$TK_TMP/group.out")"
tk_stop "$TK_LAST_PID" || true
tk_pass "a member of the device's group may attach"
