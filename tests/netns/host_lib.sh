# Helpers for the `tunkit host` scenarios (host_*_test.sh). Source after lib.sh.
# Crafted packets are written into the device from inside the test's namespace with
# socat's INTERFACE address (an AF_PACKET socket on the device): the kernel transmits them
# into the TUN/TAP, so `tunkit host` reads exactly these bytes.

tk_require ping socat

# host_enable_ipv6 NS: lib.sh disables IPv6 in its namespaces; the IPv6 scenarios need it.
host_enable_ipv6() {
  ip netns exec "$1" sysctl -qw net.ipv6.conf.all.disable_ipv6=0 net.ipv6.conf.default.disable_ipv6=0
}

# host_start NS DEV ARGS...: starts `tunkit host DEV ARGS...` in NS (PID in HOST_PID, output
# in $TK_TMP/host.out) and waits until the device exists.
host_start() {
  local ns=$1 dev=$2; shift 2
  tk_bg "$TK_TMP/host.out" ip netns exec "$ns" "$TUNKIT" host "$dev" "$@"
  HOST_PID=$TK_LAST_PID
  tk_wait_for 10 grep -q "tunkit host: on" "$TK_TMP/host.out" ||
    tk_fail "tunkit host did not start: $(cat "$TK_TMP/host.out")"
}

# host_counters: asks the running host for its counters (SIGUSR1) and prints them.
host_counters() {
  local before
  before=$(grep -c '^counters:' "$TK_TMP/host.out" || true)
  kill -USR1 "$HOST_PID"
  tk_wait_for 5 bash -c "[ \$(grep -c '^counters:' '$TK_TMP/host.out') -gt $before ]" ||
    tk_fail "no counters after SIGUSR1"
  sleep 0.1
  awk -v n="$((before + 1))" '/^counters:/ { c++ } c == n' "$TK_TMP/host.out"
}

# host_counter NAME: the value of one counter in the latest printout (0 if absent).
host_counter() {
  local v
  v=$(host_counters | awk -v k="$1" '$1 == k { print $2 }')
  echo "${v:-0}"
}

# host_expect_counter NAME MIN: the counter is at least MIN.
host_expect_counter() {
  local v
  v=$(host_counter "$1")
  [ "$v" -ge "$2" ] || tk_fail "counter $1 is $v, expected at least $2; all: $(host_counters)"
}

# host_counter_above NAME N: succeeds once the counter exceeds N.
host_counter_above() { [ "$(host_counter "$1")" -gt "$2" ]; }

# checksum HEX: the Internet checksum (RFC 1071) of an even-length hex string, as 4 hex digits.
checksum() {
  local hex=$1 sum=0 i
  for ((i = 0; i < ${#hex}; i += 4)); do sum=$((sum + 16#${hex:i:4})); done
  while ((sum >> 16)); do sum=$(((sum & 0xffff) + (sum >> 16))); done
  printf '%04x' $((~sum & 0xffff))
}

# ipv4_hex SRC_HEX DST_HEX PROTO_HEX ID_HEX FLAGS_OFFSET_HEX PAYLOAD_HEX: a valid IPv4
# packet (20-byte header, TTL 64, correct checksum) as hex.
ipv4_hex() {
  local src=$1 dst=$2 proto=$3 id=$4 frag=$5 payload=$6
  local total
  total=$(printf '%04x' $((20 + ${#payload} / 2)))
  local header="4500${total}${id}${frag}40${proto}0000${src}${dst}"
  echo "${header:0:20}$(checksum "$header")${header:24}${payload}"
}

# inject NS DEV HEX...: writes each hex string into DEV as one packet (or frame).
inject() {
  local ns=$1 dev=$2 hex file
  shift 2
  for hex in "$@"; do
    file=$TK_TMP/packet
    printf "$(sed 's/../\\x&/g' <<<"$hex")" >"$file"
    timeout 5 ip netns exec "$ns" socat -u "OPEN:$file" "INTERFACE:$dev" || tk_fail "could not inject $hex"
  done
}

# ping_all NS COUNT ARGS...: ping must get every reply, each sequence number once.
ping_all() {
  local ns=$1 count=$2; shift 2
  local out seq
  out=$(ip netns exec "$ns" timeout 30 ping -n -c "$count" -W 2 "$@") || tk_fail "ping $*: $out"
  for ((seq = 1; seq <= count; seq++)); do
    [ "$(grep -c "icmp_seq=$seq " <<<"$out")" -eq 1 ] || tk_fail "ping $*: reply $seq missing or duplicated: $out"
  done
  tk_expect_contains "$out" "$count received, 0% packet loss" "ping $*"
  PING_OUT=$out
}

# ping_flood NS COUNT ADDRESS: a flood ping that must lose nothing.
ping_flood() {
  local out
  out=$(ip netns exec "$1" timeout 40 ping -n -q -f -c "$2" -w 30 "$3") || tk_fail "ping -f $3: $out"
  tk_expect_contains "$out" "$2 packets transmitted, $2 received, 0% packet loss" "ping -f $3"
}

# udp_echo_check NS ADDRESS(socat form) PORT: a datagram comes back unchanged.
udp_echo_check() {
  local got
  got=$(echo "tunkit-echo-$$" | ip netns exec "$1" timeout 5 socat -T 2 - "$2:$3") || tk_fail "udp echo via $2:$3 failed"
  [ "$got" = "tunkit-echo-$$" ] || tk_fail "udp echo via $2:$3 returned '$got'"
}

# udp_refused_check NS ADDRESS(socat form) PORT: the client sees ICMP port unreachable.
udp_refused_check() {
  local status=0 err
  err=$(echo probe | ip netns exec "$1" timeout 5 socat -T 2 - "$2:$3" 2>&1 >/dev/null) || status=$?
  [ "$status" -ne 0 ] || tk_fail "a datagram to closed port $3 was not refused"
  tk_expect_contains "$err" "Connection refused" "socat to closed port $3"
}
