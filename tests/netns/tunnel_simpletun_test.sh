# Wire compatibility: a peer that writes simpletun's format the way simpletun does (the
# length and the packet in two writes, no TCP_NODELAY) interoperates with tunkit in both roles.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/tunnel_lib.sh"
: "${SIMPLETUN_PEER:?}"
[ -x "$SIMPLETUN_PEER" ] || tk_fail "SIMPLETUN_PEER=$SIMPLETUN_PEER missing"

configure() { ip -n "$1" addr add "$2" dev tks0; ip -n "$1" link set tks0 up; }

# simpletun-style server in A, tunkit client (with simpletun's own flags) in B.
ip netns exec "$NS_A" "$TUNKIT" dev add tks0 mode tun
configure "$NS_A" 10.81.0.1/24
tk_bg "$TK_TMP/peer.log" ip netns exec "$NS_A" "$SIMPLETUN_PEER" -i tks0 -s -p 55555
PEER=$TK_LAST_PID
tk_bg "$TK_TMP/b.log" ip netns exec "$NS_B" "$TUNKIT" tunnel -i tks0 -c 10.80.0.1 -p 55555 -u --address 10.81.0.2/24
CLIENT=$TK_LAST_PID
wait_tunnel "$NS_B" 10.81.0.1 || tk_fail "no tunnel: $(cat "$TK_TMP/peer.log" "$TK_TMP/b.log")"
ip netns exec "$NS_A" ping -n -c 5 -i 0.2 -W 1 10.81.0.2 >/dev/null || tk_fail "A->B through simpletun peer"
tk_pass "tunkit client <-> simpletun-format server"
tk_stop "$CLIENT" || true
tk_stop "$PEER" || true
ip netns exec "$NS_A" "$TUNKIT" dev del tks0

# tunkit server (simpletun flags: -s -i -u) in A, simpletun-style client in B.
tk_bg "$TK_TMP/a.log" ip netns exec "$NS_A" "$TUNKIT" tunnel -i tks0 -s -u --address 10.81.0.1/24
SERVER=$TK_LAST_PID
tk_wait_for 10 bash -c "ip netns exec $NS_A ss -ltn | grep -q :55555" || tk_fail "server not listening"
ip netns exec "$NS_B" "$TUNKIT" dev add tks0 mode tun
configure "$NS_B" 10.81.0.2/24
tk_bg "$TK_TMP/peer2.log" ip netns exec "$NS_B" "$SIMPLETUN_PEER" -i tks0 -c 10.80.0.1
wait_tunnel "$NS_B" 10.81.0.1 || tk_fail "no tunnel: $(cat "$TK_TMP/peer2.log" "$TK_TMP/a.log")"
ip netns exec "$NS_A" ping -n -c 5 -i 0.2 -W 1 10.81.0.2 >/dev/null || tk_fail "A->B through tunkit server"
tk_pass "simpletun-format client <-> tunkit server"
