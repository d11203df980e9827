# TUN over TCP and over UDP, IPv4 and IPv6 underlay: ping both ways, a 20 MB TCP transfer
# arrives intact, and (TCP) every frame leaves in one segment, length prefix included.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/tunnel_lib.sh"
tk_require tcpdump sha256sum

run_pair() {  # run_pair TRANSPORT SERVER_ADDRESS_FOR_CLIENT [EXTRA TUNNEL ARGS...]
  local transport=$1 server=$2 tag="$1-${2//[:.]/_}${3:-}"
  shift 2
  tk_bg "$TK_TMP/a-$tag.log" ip netns exec "$NS_A" "$TUNKIT" tunnel --dev tkt0 --listen \
    --transport "$transport" --address 10.81.0.1/24 "$@"
  SERVER_PID=$TK_LAST_PID
  tk_bg "$TK_TMP/b-$tag.log" ip netns exec "$NS_B" "$TUNKIT" tunnel --dev tkt0 --connect "$server" \
    --transport "$transport" --address 10.81.0.2/24 "$@"
  CLIENT_PID=$TK_LAST_PID
  # UDP: the server learns the client's address from its first datagram, so B speaks first.
  wait_tunnel "$NS_B" 10.81.0.1 || tk_fail "$tag: tunnel never came up: $(cat "$TK_TMP"/[ab]-"$tag".log)"
  ip netns exec "$NS_B" ping -n -c 5 -i 0.2 -W 1 10.81.0.1 >"$TK_TMP/ping" || tk_fail "$tag: B->A: $(cat "$TK_TMP/ping")"
  grep -q "5 received" "$TK_TMP/ping" || tk_fail "$tag: B->A lost replies"
  ip netns exec "$NS_A" ping -n -c 5 -i 0.2 -W 1 10.81.0.2 >"$TK_TMP/ping" || tk_fail "$tag: A->B: $(cat "$TK_TMP/ping")"
  grep -q "5 received" "$TK_TMP/ping" || tk_fail "$tag: A->B lost replies"
}

stop_pair() {
  tk_stop "$CLIENT_PID" || tk_fail "client exited non-zero"
  tk_stop "$SERVER_PID" || tk_fail "server exited non-zero"
}

transfer() {  # 20 MB from A to B through the tunnel, checked by SHA-256
  head -c 20000000 /dev/urandom >"$TK_TMP/blob"
  tk_bg "$TK_TMP/recv.log" ip netns exec "$NS_B" timeout 60 sh -c 'exec nc -l 10.81.0.2 5001 >"$0" </dev/null' "$TK_TMP/recv"
  local rx=$TK_LAST_PID
  tk_wait_for 10 bash -c "ip netns exec $NS_B ss -ltn | grep -q 10.81.0.2:5001" || tk_fail "receiver not listening"
  ip netns exec "$NS_A" timeout 60 nc -N 10.81.0.2 5001 <"$TK_TMP/blob" || tk_fail "send failed"
  timeout 60 tail --pid="$rx" -f /dev/null
  [ "$(sha256sum <"$TK_TMP/recv")" = "$(sha256sum <"$TK_TMP/blob")" ] || tk_fail "transfer corrupted ($(stat -c %s "$TK_TMP/recv") bytes arrived)"
}

run_pair tcp 10.80.0.1
tk_pass "TUN over TCP (IPv4 underlay): ping both ways"
# One ping of 84 bytes must travel as one TCP segment of 86 bytes (length + packet).
tk_bg "$TK_TMP/seg" ip netns exec "$NS_A" timeout 10 tcpdump -n -l -i tkua -c 2 'tcp port 55555 and tcp[tcpflags] & tcp-push != 0'
dump=$TK_LAST_PID
sleep 1
ip netns exec "$NS_B" ping -n -c 1 -W 1 10.81.0.1 >/dev/null || tk_fail "ping"
timeout 10 tail --pid="$dump" -f /dev/null || true
grep -q "length 86" "$TK_TMP/seg" || tk_fail "a frame was not sent whole in one segment: $(cat "$TK_TMP/seg")"
grep -q "length 2$" "$TK_TMP/seg" && tk_fail "a 2-byte length went out alone (simpletun's bug)"
tk_pass "each frame leaves in one segment (length 86 for an 84-byte ping)"
transfer
tk_pass "20 MB TCP transfer through the TCP tunnel arrives intact"
stop_pair
grep -q "tkt0 -> peer: [1-9][0-9]* frames" "$TK_TMP/a-tcp-10_80_0_1.log" || tk_fail "no counters on exit: $(cat "$TK_TMP/a-tcp-10_80_0_1.log")"
tk_pass "counters printed on SIGTERM"

run_pair udp 10.80.0.1
transfer
stop_pair
tk_pass "TUN over UDP: ping both ways, 20 MB intact"

run_pair tcp fd80::1
stop_pair
tk_pass "TUN over TCP with an IPv6 underlay"
run_pair udp fd80::1
stop_pair
tk_pass "TUN over UDP with an IPv6 underlay"

# Both ends tunkit with --offload: frames carry the kernel's TSO super-packets whole.
run_pair tcp 10.80.0.1 --offload
grep -q "offloads accepted by the kernel: csum tso4 tso6" "$TK_TMP/a-tcp-10_80_0_1--offload.log" || tk_fail "offloads not reported"
transfer
stop_pair
big=$(grep -o "tkt0 -> peer: [0-9]* frames, [0-9]* bytes" "$TK_TMP/a-tcp-10_80_0_1--offload.log" | head -1)
frames=$(awk '{print $4}' <<<"$big"); bytes=$(awk '{print $6}' <<<"$big")
[ "$frames" -gt 0 ] && [ $((bytes / frames)) -gt 1500 ] || tk_fail "no super-packets went through: $big"
tk_pass "--offload: 20 MB intact, carried as super-packets (average frame $((bytes / frames)) bytes)"

# UDP with an overlay MTU that fits the underlay's: runs of packets leave as one
# UDP_SEGMENT send and arrive as GRO runs, which the receiver splits back into packets.
run_pair udp 10.80.0.1 --mtu 1400
transfer
stop_pair
log="$TK_TMP/a-udp-10_80_0_1--mtu.log"
grep -q "segmentation offload refused" "$log" && tk_fail "GSO refused with MTU 1400: $(cat "$log")"
grep -q "UDP segmentation: [1-9][0-9]* sends carried" "$log" || tk_fail "no GSO sends: $(cat "$log")"
grep -q "coalesced receives carried [1-9]" "$TK_TMP/b-udp-10_80_0_1--mtu.log" || tk_fail "no GRO receives: $(cat "$TK_TMP/b-udp-10_80_0_1--mtu.log")"
tk_pass "UDP with GSO/GRO (MTU 1400): 20 MB intact"

# --offload over UDP: TCP and UDP super-packets are cut into packets that fit the underlay
# (each valid), sent in UDP_SEGMENT runs, and merged again into super-packets for the device.
run_pair udp 10.80.0.1 --offload
grep -q "offloads accepted by the kernel: csum tso4 tso6 tso-ecn uso4 uso6" "$TK_TMP/a-udp-10_80_0_1--offload.log" \
  || tk_fail "offloads not reported: $(cat "$TK_TMP/a-udp-10_80_0_1--offload.log")"
transfer
# UDP inside: an application's UDP_SEGMENT sends reach the device as USO super-packets.
tk_bg "$TK_TMP/udp_recv.out" ip netns exec "$NS_B" timeout 60 python3 "$(dirname "$0")/udp_segment.py" recv 10.81.0.2 5002 3000
rx=$TK_LAST_PID
tk_wait_for 10 bash -c "ip netns exec $NS_B ss -lunH | grep -q ':5002'" || tk_fail "UDP receiver not listening"
ip netns exec "$NS_A" timeout 60 python3 "$(dirname "$0")/udp_segment.py" send 10.81.0.2 5002 3000 || tk_fail "UDP_SEGMENT send failed"
timeout 60 tail --pid="$rx" -f /dev/null || tk_fail "UDP receiver did not finish"
[ "$(cat "$TK_TMP/udp_recv.out")" = "3000 0" ] || tk_fail "UDP through --offload: (datagrams, bad) = $(cat "$TK_TMP/udp_recv.out"), want 3000 0"
stop_pair
grep -q "super-packets written to the device carried [1-9]" "$TK_TMP/b-udp-10_80_0_1--offload.log" \
  || tk_fail "nothing was coalesced: $(cat "$TK_TMP/b-udp-10_80_0_1--offload.log")"
grep -q "UDP segmentation: [1-9][0-9]* sends" "$TK_TMP/a-udp-10_80_0_1--offload.log" || tk_fail "no GSO sends"
grep -q "unsplittable 0" "$TK_TMP/a-udp-10_80_0_1--offload.log" || tk_fail "super-packets were dropped"
tk_pass "--offload over UDP: 20 MB of TCP and 3000 UDP_SEGMENT datagrams intact, segmented and coalesced in user space"
