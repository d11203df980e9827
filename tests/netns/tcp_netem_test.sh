# TCP through an impaired link: 2% loss, 5% reordering, 1% duplication and 1 ms of delay
# on the kernel's side of the TUN device (netem), then loss on tunkit's own sending side
# (the host's testing knobs --tx-loss and --drop-tx-every, applied in its driver).
# Downloads and uploads must arrive intact (SHA-256) and tunkit must have retransmitted.
#
# Kernels built without sch_netem (some CI and VM kernels) cannot run netem; there the
# same impairment is applied to the packets tunkit reads from the device (--rx-loss,
# --rx-reorder, --rx-duplicate in the driver), which exercises the same receive paths.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/host_lib.sh"
source "$(dirname "$0")/tcp_lib.sh"
tk_require tc

size=$((TCP_BIG / 5))
want=$(pattern_sha256 "$size")
tk_netns NS

ip -n "$NS" tuntap add dev tkprobe mode tun
netem=0
tc -n "$NS" qdisc add dev tkprobe root netem delay 1ms 2>/dev/null && netem=1
ip -n "$NS" link del tkprobe

# check_transfers ADDRESS WHAT: a download and an upload of $size bytes, both intact.
check_transfers() {
  local t reply
  t=$(curl_get "$NS" "http://$1/bytes/$size" "$TK_TMP/down")
  [ "$(sha_of "$TK_TMP/down")" = "$want" ] || tk_fail "$2: downloaded bytes differ from the pattern"
  tk_pass "$2: GET /bytes/$size intact in ${t}s ($(mbps "$size" "$t") Mbit/s)"
  head -c "$size" /dev/urandom >"$TK_TMP/up"
  reply=$(ip netns exec "$NS" timeout 90 curl -sS --fail -T "$TK_TMP/up" "http://$1/upload") || tk_fail "$2: upload failed"
  tk_expect_contains "$reply" "\"bytes\": $size, \"sha256\": \"$(sha_of "$TK_TMP/up")\"" "$2: upload"
  tk_pass "$2: PUT of $size random bytes, SHA-256 matches"
}

if [ "$netem" = 1 ]; then
  host_start "$NS" tkt3 mode tun --address 10.79.3.9/24 --serve http:80
  tcp_config_kernel "$NS" tkt3 10.79.3.1/24
  tc -n "$NS" qdisc add dev tkt3 root netem loss 2% reorder 5% 50% duplicate 1% delay 1ms
  what="netem loss 2% reorder 5% 50% duplicate 1% delay 1ms"
else
  echo "NOTE: no sch_netem in this kernel: the driver impairs what tunkit reads instead"
  host_start "$NS" tkt3 mode tun --address 10.79.3.9/24 --serve http:80 \
    --rx-loss 2 --rx-reorder 5 --rx-duplicate 1 --impair-seed 3
  tcp_config_kernel "$NS" tkt3 10.79.3.1/24
  what="rx loss 2% reorder 5% duplicate 1% (driver)"
fi
check_transfers 10.79.3.9 "$what"
tk_stop "$HOST_PID" || tk_fail "tunkit host exited with $?"
rx_drops=$(awk '$1 == "dropped_by_test" {v=$2} END {print v+0}' "$TK_TMP/host.out")
rx_retx=$(awk '$1 == "tcp.retransmissions" {v=$2} END {print v+0}' "$TK_TMP/host.out")
tk_pass "$what: counters dropped_by_test $rx_drops, tcp.retransmissions $rx_retx"

# Loss on tunkit's sending side: every loss must be repaired by tunkit's retransmissions.
ip -n "$NS" tuntap add dev tkt4 mode tun
tcp_config_kernel "$NS" tkt4 10.79.4.1/24
host_start "$NS" tkt4 --address 10.79.4.9/24 --serve http:80 --tx-loss 2 --drop-tx-every 97 --impair-seed 11
check_transfers 10.79.4.9 "tunkit tx loss 2% + every 97th"
tk_stop "$HOST_PID" || tk_fail "tunkit host exited with $?"
drops=$(awk '$1 == "dropped_by_test" {v=$2} END {print v+0}' "$TK_TMP/host.out")
retx=$(awk '$1 == "tcp.retransmissions" {v=$2} END {print v+0}' "$TK_TMP/host.out")
[ "$drops" -gt 0 ] || tk_fail "--tx-loss dropped nothing"
[ "$retx" -gt 0 ] || tk_fail "$drops packets lost on the way out but tcp.retransmissions is $retx"
tk_pass "tx loss: $drops packets dropped by the driver, $retx retransmissions repaired them"
