# The command line: --help/--version everywhere, and each documented error with its
# message on stderr and its exit status (README "Exit status").
source "$(dirname "$0")/lib.sh"
tk_netns NS
in_ns() { ip netns exec "$NS" "$@"; }

"$TUNKIT" --version | grep -qE '^tunkit [0-9]+\.[0-9]+\.[0-9]+$' || tk_fail "--version"
for cmd in "" "dev" "dev add" "dev del" "dev list" "dev show" "dev set" "dev attach" "demo"; do
  out=$("$TUNKIT" $cmd --help) || tk_fail "tunkit $cmd --help exited non-zero"
  tk_expect_contains "$out" "Usage" "tunkit $cmd --help"
  case "$cmd" in dev\ *|demo|"") tk_expect_contains "$out" "xample" "tunkit $cmd --help has examples" ;; esac
done
tk_pass "--help and --version"

tk_expect_status 2 "$TUNKIT"
tk_expect_status 2 "$TUNKIT" dev add tkx0
tk_expect_contains "$TK_ERR" "needs 'mode tun' or 'mode tap'" "missing mode"
tk_expect_status 2 "$TUNKIT" dev add tkx0 mode tan
tk_expect_contains "$TK_ERR" "mode 'tan': expected 'tun' or 'tap'" "bad mode"
tk_expect_status 2 "$TUNKIT" dev add tkx0 mode tun frobnicate
tk_expect_contains "$TK_ERR" "unknown word 'frobnicate'" "unknown word"
tk_expect_status 2 "$TUNKIT" dev set tkx0 mtu 12
tk_expect_contains "$TK_ERR" "expected a number from 68 to 65535" "mtu range"
tk_expect_status 2 "$TUNKIT" dev set tkx0 address 10.0.0.300/24
tk_expect_contains "$TK_ERR" "expected ADDRESS/PREFIX" "bad address"
tk_expect_status 2 "$TUNKIT" dev add tkx0 mode tun user no-such-user-here
tk_expect_contains "$TK_ERR" "no user named 'no-such-user-here'" "bad user"
tk_pass "usage errors exit 2 naming the problem"

tk_expect_status 2 in_ns "$TUNKIT" dev add sixteen_bytes_xx mode tun
tk_expect_contains "$TK_ERR" "interface name 'sixteen_bytes_xx' is 16 bytes; the kernel allows at most 15" "too long"
tk_expect_status 2 in_ns "$TUNKIT" dev add "bad/name" mode tun
tk_pass "invalid names exit 2"

in_ns "$TUNKIT" dev add tkm0 mode tap
tk_expect_status 5 in_ns "$TUNKIT" dev attach tkm0 mode tun
tk_expect_contains "$TK_ERR" "tkm0 is a TAP device; attach with mode tap" "mode mismatch"
tk_expect_status 5 in_ns "$TUNKIT" dev set lo up
tk_expect_contains "$TK_ERR" "lo is not a TUN/TAP device" "not tuntap"
tk_expect_status 5 in_ns "$TUNKIT" dev attach lo
tk_expect_contains "$TK_ERR" "'lo' exists and is not a TUN/TAP device" "attach to lo"
tk_pass "mode mismatch and not-TUN/TAP exit 5"

tk_expect_status 4 in_ns "$TUNKIT" dev add tkm0 mode tap
tk_expect_contains "$TK_ERR" "device 'tkm0' exists already" "exists"
in_ns "$TUNKIT" dev add tkbusy0 mode tun
tk_bg "$TK_TMP/holder.out" ip netns exec "$NS" "$TUNKIT" dev attach tkbusy0
tk_wait_for 10 grep -q "attached to" "$TK_TMP/holder.out" || tk_fail "first attach failed"
tk_expect_status 4 in_ns "$TUNKIT" dev attach tkbusy0
tk_expect_contains "$TK_ERR" "device 'tkbusy0' is busy: another process is attached and the device is not multi-queue" "busy"
tk_stop "$TK_LAST_PID"
tk_pass "busy and exists exit 4"

tk_expect_status 6 in_ns "$TUNKIT" dev show tknone0
tk_expect_contains "$TK_ERR" "no device named 'tknone0'" "no device"
tk_expect_status 6 in_ns "$TUNKIT" dev del tknone0 mode tun
tk_expect_status 2 in_ns "$TUNKIT" dev set tkm0 mac 01:00:5e:00:00:01
tk_expect_contains "$TK_ERR" "is a multicast address" "multicast MAC"
tk_expect_status 5 in_ns "$TUNKIT" dev set tkbusy0 mac 02:00:00:00:00:01
tk_expect_contains "$TK_ERR" "tkbusy0 is a TUN device and has no MAC address" "mac on tun"
tk_pass "missing devices exit 6; MAC on TUN refused"

# The device vanishing under an attached process is reported, not a crash or a hang.
in_ns "$TUNKIT" dev add tkgone0 mode tun
tk_bg "$TK_TMP/gone.out" ip netns exec "$NS" "$TUNKIT" dev attach tkgone0
pid=$TK_LAST_PID
tk_wait_for 10 grep -q "attached to" "$TK_TMP/gone.out" || tk_fail "attach failed"
in_ns ip link del tkgone0
status=0
timeout 10 tail --pid="$pid" -f /dev/null || tk_fail "attach did not notice the device vanish"
wait "$pid" || status=$?
[ "$status" -eq 1 ] || tk_fail "attach exit $status after the device vanished: $(cat "$TK_TMP/gone.out")"
grep -q "the device was deleted while attached" "$TK_TMP/gone.out" || tk_fail "no message: $(cat "$TK_TMP/gone.out")"
tk_pass "a deleted device ends attach with a message and status 1"
