# Killing either end mid-transfer: the tunnel comes back by itself once it is restarted.
# The client reconnects with backoff; the server takes the new connection and keeps serving.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/tunnel_lib.sh"

start_server() {
  tk_bg "$TK_TMP/a.log" ip netns exec "$NS_A" "$TUNKIT" tunnel --dev tkr0 --listen --address 10.81.0.1/24
  SERVER_PID=$TK_LAST_PID
}
start_client() {
  tk_bg "$TK_TMP/b.log" ip netns exec "$NS_B" "$TUNKIT" tunnel --dev tkr0 --connect 10.80.0.1 --address 10.81.0.2/24
  CLIENT_PID=$TK_LAST_PID
}
flood() {  # traffic in flight while an end dies (bounded; losses expected)
  tk_bg "$TK_TMP/flood.log" ip netns exec "$NS_B" timeout 20 ping -n -f -c 100000 -W 1 10.81.0.1
}

start_server
start_client
wait_tunnel "$NS_B" 10.81.0.1 || tk_fail "tunnel never came up: $(cat "$TK_TMP"/[ab].log)"
flood
sleep 0.5
kill -KILL "$CLIENT_PID"
start_client
wait_tunnel "$NS_B" 10.81.0.1 20 || tk_fail "no recovery after the client was killed: $(cat "$TK_TMP"/[ab].log)"
tk_pass "client killed mid-traffic and restarted: the server took the new connection"

flood
sleep 0.5
kill -KILL "$SERVER_PID"
sleep 1
start_server
wait_tunnel "$NS_B" 10.81.0.1 20 || tk_fail "no recovery after the server was killed: $(cat "$TK_TMP"/[ab].log)"
grep -q "reconnecting to 10.80.0.1:55555" "$TK_TMP/b.log" || tk_fail "client did not report reconnecting: $(cat "$TK_TMP/b.log")"
tk_pass "server killed and restarted: the client reconnected by itself"

# The server stays up through the client going away cleanly, too.
tk_stop "$CLIENT_PID" || true
start_client
wait_tunnel "$NS_B" 10.81.0.1 || tk_fail "no tunnel after a clean client restart"
kill -0 "$SERVER_PID" || tk_fail "server died"
tk_pass "server keeps serving across client restarts"
