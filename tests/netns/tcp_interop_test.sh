# TCP between `tunkit host` (user space, behind a TUN device) and Linux's TCP, with real
# programs on the kernel side: curl downloads and uploads (SHA-256 checked against the
# known pattern and against the server's report), nc to echo, discard and chargen, tunkit
# as the client of a kernel HTTP server and of `nc -l`, 1,000 concurrent connections, both
# sides closing first, and a client's RST leaving the server serving.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/host_lib.sh"
source "$(dirname "$0")/tcp_lib.sh"

tk_netns NS
host_start "$NS" tkt0 mode tun --address 10.79.0.9/24 \
  --serve http:80 --serve echo:7 --serve discard:9 --serve chargen:19
tcp_config_kernel "$NS" tkt0 10.79.0.1/24
ping_all "$NS" 1 10.79.0.9

# --- HTTP server: curl ---------------------------------------------------------------------

# GET /bytes/N streams the pattern; its SHA-256 is known in advance.
want=$(pattern_sha256 "$TCP_BIG")
t=$(curl_get "$NS" "http://10.79.0.9/bytes/$TCP_BIG" "$TK_TMP/down")
[ "$(stat -c %s "$TK_TMP/down")" -eq "$TCP_BIG" ] || tk_fail "download: $(stat -c %s "$TK_TMP/down") bytes, expected $TCP_BIG"
[ "$(sha_of "$TK_TMP/down")" = "$want" ] || tk_fail "download: SHA-256 differs from the pattern's"
rm -f "$TK_TMP/down"
tk_pass "curl GET /bytes/$TCP_BIG: pattern intact in ${t}s ($(mbps "$TCP_BIG" "$t") Mbit/s)"

# PUT with Content-Length (curl -T FILE): random bytes; the server's SHA-256 must match.
head -c "$TCP_BIG" /dev/urandom >"$TK_TMP/up"
want=$(sha_of "$TK_TMP/up")
start=$(date +%s.%N)
reply=$(ip netns exec "$NS" timeout 90 curl -sS --fail -T "$TK_TMP/up" http://10.79.0.9/upload) || tk_fail "curl -T failed"
t=$(python3 -c "import sys, time; print(f'{time.time() - float(sys.argv[1]):.3f}')" "$start")
tk_expect_contains "$reply" "\"bytes\": $TCP_BIG, \"sha256\": \"$want\"" "upload reply"
tk_pass "curl -T (PUT, $TCP_BIG bytes): server reports the same SHA-256 in ${t}s ($(mbps "$TCP_BIG" "$t") Mbit/s)"

# POST with a chunked body from a pipe.
small=$((TCP_BIG / 10))
reply=$(head -c "$small" "$TK_TMP/up" | ip netns exec "$NS" timeout 60 curl -sS --fail \
  -H 'Transfer-Encoding: chunked' --data-binary @- http://10.79.0.9/post) || tk_fail "chunked POST failed"
tk_expect_contains "$reply" "\"bytes\": $small, \"sha256\": \"$(head -c "$small" "$TK_TMP/up" | sha256sum | awk '{print $1}')\"" "chunked upload reply"
rm -f "$TK_TMP/up"
tk_pass "curl POST, chunked ($small bytes): SHA-256 matches"

# Keep-alive: three URLs on one connection (curl reuses it), then errors.
out=$(ip netns exec "$NS" timeout 20 curl -sS -v http://10.79.0.9/ http://10.79.0.9/bytes/10 http://10.79.0.9/bytes/20 \
  -o /dev/null -o /dev/null -o /dev/null 2>&1) || tk_fail "curl keep-alive: $out"
[ "$(grep -c 'Connected to' <<<"$out")" -eq 1 ] || tk_fail "curl opened more than one connection: $out"
[ "$(grep -c 'Re-using existing connection' <<<"$out")" -eq 2 ] || tk_fail "connection not reused: $out"
code=$(ip netns exec "$NS" timeout 10 curl -s -o /dev/null -w '%{http_code}' http://10.79.0.9/missing)
[ "$code" = 404 ] || tk_fail "GET /missing: $code"
code=$(ip netns exec "$NS" timeout 10 curl -s -o /dev/null -w '%{http_code}' -X DELETE http://10.79.0.9/)
[ "$code" = 405 ] || tk_fail "DELETE /: $code"
code=$(ip netns exec "$NS" timeout 10 curl -s -o /dev/null -w '%{http_code}' -H "X-Big: $(head -c 20000 /dev/zero | tr '\0' b)" http://10.79.0.9/)
[ "$code" = 431 ] || tk_fail "20 kB header: $code"
reply=$(printf 'GET / HTTP/1.1\r\n\r\n' | ip netns exec "$NS" timeout 10 nc -N 10.79.0.9 80) || tk_fail "nc HTTP: $reply"
tk_expect_contains "$reply" "HTTP/1.1 400 Bad Request" "request without Host"
tk_pass "keep-alive (3 requests, 1 connection); 404, 405, 431, 400"

# --- echo, discard, chargen: nc --------------------------------------------------------------

head -c 3000000 /dev/urandom >"$TK_TMP/data"
ip netns exec "$NS" timeout 30 nc -N 10.79.0.9 7 <"$TK_TMP/data" >"$TK_TMP/echoed" || tk_fail "nc echo failed"
cmp "$TK_TMP/data" "$TK_TMP/echoed" || tk_fail "echo: bytes came back different"
tk_pass "echo (RFC 862): 3 MB came back identical"

before=$(host_counter service.bytes_received)
ip netns exec "$NS" timeout 30 nc -N 10.79.0.9 9 <"$TK_TMP/data" >"$TK_TMP/discarded" || tk_fail "nc discard failed"
[ ! -s "$TK_TMP/discarded" ] || tk_fail "discard sent something back"
tk_wait_for 5 tcp_counter_is service.bytes_received $((before + 3000000)) ||
  tk_fail "discard: service.bytes_received $(host_counter service.bytes_received), expected $((before + 3000000))"
tk_pass "discard (RFC 863): 3 MB read, nothing sent"

# chargen streams until we go: head takes 200 kB, then nc dies of SIGPIPE (and resets).
{ ip netns exec "$NS" timeout 20 nc 10.79.0.9 19 </dev/null || true; } | head -c 200000 >"$TK_TMP/chargen"
chargen_expected 200000 >"$TK_TMP/chargen.want"
cmp "$TK_TMP/chargen" "$TK_TMP/chargen.want" || tk_fail "chargen: not RFC 864's pattern: $(head -c 160 "$TK_TMP/chargen")"
tk_pass "chargen (RFC 864): 200 kB of the rotating 72-character lines"

# --- tunkit as the client of kernel servers ---------------------------------------------------

# A second device whose kernel side is ready before tunkit attaches: the SYN goes out at once.
ip -n "$NS" tuntap add dev tkt1 mode tun
tcp_config_kernel "$NS" tkt1 10.79.1.1/24
mkdir -p "$TK_TMP/www"
client_size=$((TCP_BIG / 5))
pattern_file "$client_size" "$TK_TMP/www/pattern.bin"
tk_bg "$TK_TMP/http.out" ip netns exec "$NS" python3 -m http.server --bind 10.79.1.1 --directory "$TK_TMP/www" 8000
tcp_wait_listening "$NS" 10.79.1.1 8000
out=$(ip netns exec "$NS" timeout 60 "$TUNKIT" host tkt1 --address 10.79.1.9/24 \
  --connect 10.79.1.1:8000 --get /pattern.bin --output "$TK_TMP/got.bin" 2>&1) || tk_fail "tunkit --get: $out"
want=$(pattern_sha256 "$client_size")
tk_expect_contains "$out" "client: HTTP 200" "tunkit --get"
tk_expect_contains "$out" "client: received $client_size bytes" "tunkit --get"
tk_expect_contains "$out" "sha256 $want" "tunkit --get reports the pattern's SHA-256"
[ "$(sha_of "$TK_TMP/got.bin")" = "$want" ] || tk_fail "tunkit --get: the file's SHA-256 differs"
tk_pass "tunkit --connect --get from python3 http.server: $client_size bytes, SHA-256 matches ($(grep 'client: received' <<<"$out" | grep -o '[0-9.]* Mbit/s'))"

# Raw: tunkit sends the pattern to `nc -l`, which writes it to a file.
tk_bg "$TK_TMP/nc.out" ip netns exec "$NS" bash -c "exec nc -N -l 10.79.1.1 9000 </dev/null >'$TK_TMP/nc.bin'"
nc_pid=$TK_LAST_PID
tk_wait_for 10 bash -c "ip netns exec '$NS' ss -ltn | grep -q 10.79.1.1:9000" || tk_fail "nc -l did not listen"
out=$(ip netns exec "$NS" timeout 60 "$TUNKIT" host tkt1 --address 10.79.1.9/24 \
  --connect 10.79.1.1:9000 --send-bytes "$client_size" 2>&1) || tk_fail "tunkit --send-bytes: $out"
timeout 10 tail --pid="$nc_pid" -f /dev/null || tk_fail "nc -l did not finish"
tk_expect_contains "$out" "client: sent $client_size bytes sha256 $want" "tunkit --send-bytes"
[ "$(sha_of "$TK_TMP/nc.bin")" = "$want" ] || tk_fail "nc -l received something else ($(stat -c %s "$TK_TMP/nc.bin") bytes)"
tk_pass "tunkit --connect --send-bytes to nc -l: $client_size bytes, SHA-256 matches"

status=0
out=$(ip netns exec "$NS" timeout 20 "$TUNKIT" host tkt1 --address 10.79.1.9/24 --connect 10.79.1.1:9999 2>&1) || status=$?
[ "$status" -eq 1 ] || tk_fail "connect to a closed port exited $status: $out"
tk_expect_contains "$out" "Connection refused" "connect to a closed port"
tk_pass "connect to a closed kernel port: refused (exit 1)"

# --- many connections, closes, resets ---------------------------------------------------------

# 1,000 connections at once, each a small request; every one must be answered in full.
ip netns exec "$NS" timeout 60 python3 - <<'EOF' || tk_fail "1000 concurrent connections"
import resource, selectors, socket, sys, time
resource.setrlimit(resource.RLIMIT_NOFILE, (4096, 4096))
N, sel, state = 1000, selectors.DefaultSelector(), {}
request = b"GET /bytes/1000 HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n"
for i in range(N):
    s = socket.socket()
    s.setblocking(False)
    s.connect_ex(("10.79.0.9", 80))
    state[s] = bytearray()
    sel.register(s, selectors.EVENT_WRITE)
done, deadline = 0, time.time() + 50
while done < N and time.time() < deadline:
    for key, ev in sel.select(timeout=1):
        s = key.fileobj
        if ev & selectors.EVENT_WRITE:
            s.send(request)
            sel.modify(s, selectors.EVENT_READ)
            continue
        data = s.recv(65536)
        if data:
            state[s] += data
        else:
            sel.unregister(s)
            s.close()
            done += 1
bad = [bytes(v[:40]) for v in state.values() if not (v.startswith(b"HTTP/1.1 200 OK\r\n") and v.endswith(bytes(range(251)) * 3 + bytes(range(247))))]
print(f"{done} of {N} finished, {len(bad)} bad", file=sys.stderr)
sys.exit(0 if done == N and not bad else 1)
EOF
tk_pass "1,000 concurrent connections, every response complete"

# Either side first: the client closes a keep-alive connection; the server closes after
# "Connection: close". Both leave no connection behind in the services.
ip netns exec "$NS" timeout 20 python3 - <<'EOF' || tk_fail "close order"
import socket
def exchange(close_header):
    s = socket.create_connection(("10.79.0.9", 80), timeout=10)
    s.sendall(b"GET /bytes/100 HTTP/1.1\r\nHost: t\r\n" + (b"Connection: close\r\n" if close_header else b"") + b"\r\n")
    data = b""
    while not data.endswith(bytes(range(100))):
        chunk = s.recv(4096)
        assert chunk, "EOF before the body ended"
        data += chunk
    if close_header:
        assert s.recv(4096) == b"", "server did not close first"
    s.close()
exchange(False)   # client closes first
exchange(True)    # server closes first
EOF
tk_wait_for 10 tcp_counter_is service.connections 0 || tk_fail "connections left: $(host_counters)"
tk_pass "client closing first and server closing first both end cleanly"

# A client that resets mid-download (SO_LINGER 0): the server drops that connection and
# keeps serving.
failed_before=$(host_counter service.failed)
ip netns exec "$NS" timeout 20 python3 - <<'EOF' || tk_fail "RST client"
import socket, struct
s = socket.create_connection(("10.79.0.9", 80), timeout=10)
s.sendall(b"GET /bytes/10000000000 HTTP/1.1\r\nHost: t\r\n\r\n")
got = 0
while got < 1000000:
    got += len(s.recv(65536))
s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
s.close()
EOF
tk_wait_for 10 tcp_counter_is service.failed $((failed_before + 1)) || tk_fail "reset not seen: $(host_counters)"
tk_wait_for 10 tcp_counter_is service.connections 0 || tk_fail "connections left after RST: $(host_counters)"
code=$(ip netns exec "$NS" timeout 10 curl -s -o /dev/null -w '%{http_code}' http://10.79.0.9/)
[ "$code" = 200 ] || tk_fail "after the RST: GET / gave $code"
tk_pass "client RST mid-download: connection dropped, server still serving"

tk_stop "$HOST_PID" || tk_fail "tunkit host exited with $?"
out=$(cat "$TK_TMP/host.out")
tk_expect_contains "$out" "tcp.segments_received" "TCP counters on exit"
tk_expect_contains "$out" "service.http_requests" "service counters on exit"
tk_pass "counters printed on exit, with the TCP section"
