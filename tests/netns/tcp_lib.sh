# Helpers for the TCP scenarios (tcp_*_test.sh). Source after lib.sh and host_lib.sh.
# The real programs on the kernel side: curl, nc (netcat-openbsd), python3.

tk_require curl nc python3 sha256sum cmp

# The big transfer size. 100 MB takes about 1 s each way in release builds and 2 s under
# ASan + UBSan (Debug) on a 2-core VM, so both runs use it; TCP_TEST_MB overrides it.
TCP_BIG=$((${TCP_TEST_MB:-100} * 1024 * 1024))

# pattern_sha256 N: the SHA-256 of the first N bytes of tunkit's generated stream
# (GET /bytes/N, --send-bytes N): byte i is i % 251.
pattern_sha256() {
  python3 - "$1" <<'EOF'
import hashlib, sys
n, block, h = int(sys.argv[1]), bytes(range(251)) * 4177, hashlib.sha256()
while n > 0:
    h.update(block if n >= len(block) else block[:n])
    n -= len(block)
print(h.hexdigest())
EOF
}

# pattern_file N PATH: writes that stream to PATH.
pattern_file() {
  python3 - "$1" "$2" <<'EOF'
import sys
n, block = int(sys.argv[1]), bytes(range(251)) * 4177
with open(sys.argv[2], "wb") as f:
    while n > 0:
        f.write(block if n >= len(block) else block[:n])
        n -= len(block)
EOF
}

# chargen_expected N: the first N bytes of RFC 864's pattern as tunkit sends it (the RFC's
# example: 72 printing characters a line, each line starting one later, CR LF).
chargen_expected() {
  python3 - "$1" <<'EOF'
import sys
n = int(sys.argv[1])
ring = bytes(range(32, 127))
lines = b"".join((ring * 2)[(k + 1) % 95:(k + 1) % 95 + 72] + b"\r\n" for k in range(95))
sys.stdout.buffer.write((lines * (n // len(lines) + 1))[:n])
EOF
}

# sha_of FILE: its SHA-256 (hex).
sha_of() { sha256sum "$1" | awk '{print $1}'; }

# tcp_config_kernel NS DEV ADDR/P: the kernel side of the device: address, up.
tcp_config_kernel() {
  ip -n "$1" addr add "$3" dev "$2"
  ip -n "$1" link set "$2" up
}

# tcp_wait_listening NS ADDR PORT: a kernel server in NS accepts on ADDR:PORT (bounded).
tcp_wait_listening() {
  tk_wait_for 10 ip netns exec "$1" bash -c "exec 3<>/dev/tcp/$2/$3" ||
    tk_fail "nothing listening on $2:$3 in $1"
}

# tcp_counter_is NAME VALUE: the running host's counter NAME is VALUE now (for tk_wait_for).
tcp_counter_is() { [ "$(host_counter "$1")" = "$2" ]; }

# curl_get NS URL OUTFILE: downloads URL (fails on HTTP errors), prints seconds taken.
curl_get() {
  ip netns exec "$1" timeout 90 curl -sS --fail -o "$3" -w '%{time_total}' "$2" || tk_fail "curl $2 failed"
}

# mbps BYTES SECONDS: throughput in Mbit/s, one decimal.
mbps() { python3 -c "import sys; print(f'{int(sys.argv[1]) * 8 / float(sys.argv[2]) / 1e6:.1f}')" "$1" "$2"; }
