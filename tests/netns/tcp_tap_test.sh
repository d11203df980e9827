# TCP over a TAP device: the same services with Ethernet and ARP underneath, IPv4 and IPv6
# (neighbour discovery): curl downloads the pattern intact, an upload's SHA-256 comes
# back, echo returns every byte.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/host_lib.sh"
source "$(dirname "$0")/tcp_lib.sh"

size=$((TCP_BIG / 10))
tk_netns NS
host_enable_ipv6 "$NS"
host_start "$NS" tkt2 mode tap --address 10.79.2.9/24 --address fd00:79:2::9/64 --serve http:80 --serve echo:7
tcp_config_kernel "$NS" tkt2 10.79.2.1/24
ip -n "$NS" addr add fd00:79:2::1/64 dev tkt2 nodad

t=$(curl_get "$NS" "http://10.79.2.9/bytes/$size" "$TK_TMP/down")
[ "$(sha_of "$TK_TMP/down")" = "$(pattern_sha256 "$size")" ] || tk_fail "download over TAP: SHA-256 differs"
tk_pass "curl GET /bytes/$size over TAP: pattern intact in ${t}s ($(mbps "$size" "$t") Mbit/s)"

t=$(curl_get "$NS" "http://[fd00:79:2::9]/bytes/$size" "$TK_TMP/down6")
[ "$(sha_of "$TK_TMP/down6")" = "$(pattern_sha256 "$size")" ] || tk_fail "download over TAP, IPv6: SHA-256 differs"
tk_pass "the same over IPv6 (NDP) in ${t}s"

head -c "$size" /dev/urandom >"$TK_TMP/up"
reply=$(ip netns exec "$NS" timeout 60 curl -sS --fail -T "$TK_TMP/up" http://10.79.2.9/upload) || tk_fail "curl -T over TAP"
tk_expect_contains "$reply" "\"bytes\": $size, \"sha256\": \"$(sha_of "$TK_TMP/up")\"" "upload over TAP"
tk_pass "curl -T over TAP: $size bytes, SHA-256 matches"

head -c 1000000 /dev/urandom >"$TK_TMP/data"
ip netns exec "$NS" timeout 30 nc -N 10.79.2.9 7 <"$TK_TMP/data" >"$TK_TMP/echoed" || tk_fail "nc echo over TAP"
cmp "$TK_TMP/data" "$TK_TMP/echoed" || tk_fail "echo over TAP: bytes came back different"
ip netns exec "$NS" timeout 30 nc -N fd00:79:2::9 7 <"$TK_TMP/data" >"$TK_TMP/echoed6" || tk_fail "nc echo over TAP, IPv6"
cmp "$TK_TMP/data" "$TK_TMP/echoed6" || tk_fail "echo over TAP, IPv6: bytes came back different"
tk_pass "echo over TAP (IPv4 and IPv6): 1 MB came back identical"

tk_stop "$HOST_PID" || tk_fail "tunkit host exited with $?"
tk_expect_contains "$(cat "$TK_TMP/host.out")" "arp_requests_answered" "ARP answered"
tk_pass "host stopped cleanly"
