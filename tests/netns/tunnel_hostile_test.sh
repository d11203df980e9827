# A hostile peer cannot crash or wedge the tunnel: bogus lengths, a 65535-byte claim,
# garbage, and half a frame that stalls. Each bad connection is closed with a logged reason
# and the real client gets the tunnel back.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/tunnel_lib.sh"
tk_require socat

tk_bg "$TK_TMP/a.log" ip netns exec "$NS_A" "$TUNKIT" tunnel --dev tkh0 --listen --address 10.81.0.1/24
SERVER_PID=$TK_LAST_PID
tk_bg "$TK_TMP/b.log" ip netns exec "$NS_B" "$TUNKIT" tunnel --dev tkh0 --connect 10.80.0.1 --address 10.81.0.2/24
wait_tunnel "$NS_B" 10.81.0.1 || tk_fail "tunnel never came up"

hostile() {  # hostile NAME PRINTF_BYTES [STALL_SECONDS]
  ( printf "$2"; sleep "${3:-0.3}" ) | ip netns exec "$NS_B" timeout 10 socat -u - TCP:10.80.0.1:55555 || true
  kill -0 "$SERVER_PID" || tk_fail "server died on $1: $(cat "$TK_TMP/a.log")"
  wait_tunnel "$NS_B" 10.81.0.1 20 || tk_fail "tunnel did not recover after $1: $(cat "$TK_TMP/a.log")"
  tk_pass "survived $1"
}
hostile "a zero-length frame" '\x00\x00'
hostile "a 65535-byte claim" '\xff\xff\x45\x00\x00\x54'
hostile "garbage" "$(head -c 300 /dev/urandom | od -An -tx1 | tr -s ' \n' ' ' | sed 's/ \([0-9a-f][0-9a-f]\)/\\x\1/g')"
hostile "half a frame, then a stall" '\x00\x54\x45\x00\x00\x54\x00\x00' 3
grep -q "protocol error: zero-length frame" "$TK_TMP/a.log" || tk_fail "zero length not logged"
grep -q "protocol error: frame longer than the device's MTU" "$TK_TMP/a.log" || tk_fail "long frame not logged"
tk_pass "protocol errors logged with their reason"
# The device refused nothing and the server still counts cleanly on exit.
tk_stop "$SERVER_PID" || tk_fail "server exit status"
grep -q "dropped for protocol errors [1-9]" "$TK_TMP/a.log" || tk_fail "protocol errors not counted: $(tail -3 "$TK_TMP/a.log")"
tk_pass "protocol errors counted"
