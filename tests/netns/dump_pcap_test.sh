# `tunkit dump -w` writes pcap that tshark reads, and tshark's dissection agrees field by
# field with our own `--json` decoding of the same file (`-r`): addresses, ports, TCP
# flags, raw seq/ack, ICMP type, frame length. Two files: a live capture of a TUN in a
# private namespace (ping, TCP SYNs, UDP), and the bidirectional fixture tun.pcap copied
# through our reader and writer (handshake, data, FIN, port unreachable).
# Network rule: packets only from the namespace's own address into its own device.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
tk_require ping socat tshark python3
: "${TUNKIT_SOURCE_DIR:?}"
tk_netns NS
in_ns() { ip netns exec "$NS" "$@"; }

in_ns "$TUNKIT" dev add tkw0 mode tun
in_ns "$TUNKIT" dev set tkw0 up address 10.68.0.1/24
tk_bg "$TK_TMP/live.out" ip netns exec "$NS" "$TUNKIT" dump tkw0 -c 8 -w "$TK_TMP/live.pcap"
pid=$TK_LAST_PID
tk_wait_for 10 grep -q "listening on" "$TK_TMP/live.out" || tk_fail "dump did not start: $(cat "$TK_TMP/live.out")"
in_ns ping -n -c 3 -i 0.2 -W 1 10.68.0.2 >/dev/null || true
echo "one" | in_ns timeout 5 socat -u - UDP:10.68.0.2:5000 || true
echo "two" | in_ns timeout 5 socat -u - UDP:10.68.0.2:5001 || true
in_ns timeout 4 socat -u /dev/null TCP:10.68.0.2:7000,connect-timeout=3 >/dev/null 2>&1 || true
timeout 15 tail --pid="$pid" -f /dev/null || tk_fail "dump -c 8 did not stop: $(cat "$TK_TMP/live.out")"
wait "$pid" || tk_fail "dump failed: $(cat "$TK_TMP/live.out")"
grep -q "^8 packets" "$TK_TMP/live.out" || tk_fail "expected 8 packets: $(cat "$TK_TMP/live.out")"
grep -q "Flags \[S\]" "$TK_TMP/live.out" && tk_fail "-w must not print packets without --print"
# LINKTYPE_RAW (101) at offset 20 of the file header, nanosecond magic a1b23c4d.
[ "$(od -An -tx1 -j0 -N4 "$TK_TMP/live.pcap" | tr -d ' ')" = "4d3cb2a1" ] || tk_fail "not a nanosecond pcap"
[ "$(od -An -tu1 -j20 -N1 "$TK_TMP/live.pcap" | tr -d ' ')" = "101" ] || tk_fail "not LINKTYPE_RAW"
tk_pass "dump -w: 8 packets in a nanosecond pcap with LINKTYPE_RAW"

"$TUNKIT" dump -r "$TUNKIT_SOURCE_DIR/tests/data/dump/tun.pcap" -w "$TK_TMP/copy.pcap" 2>"$TK_TMP/copy.err" \
  || tk_fail "copy: $(cat "$TK_TMP/copy.err")"

compare() {  # compare FILE WHAT: tshark fields vs our --json, packet by packet
  local file=$1 what=$2
  tshark -r "$file" -T fields -E separator=/t -E occurrence=f \
    -e ip.src -e ip.dst -e tcp.srcport -e tcp.dstport -e tcp.flags -e tcp.seq_raw -e tcp.ack_raw \
    -e icmp.type -e frame.len >"$TK_TMP/tshark.tsv" 2>"$TK_TMP/tshark.err" || tk_fail "tshark: $(cat "$TK_TMP/tshark.err")"
  "$TUNKIT" dump -r "$file" --json >"$TK_TMP/ours.json" 2>/dev/null || tk_fail "dump -r --json $file"
  python3 - "$TK_TMP/tshark.tsv" "$TK_TMP/ours.json" "$what" <<'PY' || tk_fail "tshark and tunkit disagree on $what"
import json, sys
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1])]
ours = [json.loads(l) for l in open(sys.argv[2])]
assert len(rows) == len(ours) and rows, f"{len(rows)} tshark rows, {len(ours)} json objects"
def num(s): return None if s == "" else int(s, 0)
checked = 0
for i, (t, o) in enumerate(zip(rows, ours)):
    tcp = o.get("transport") == "tcp"
    want = {
        "src": t[0] or None, "dst": t[1] or None,
        "src_port": num(t[2]), "dst_port": num(t[3]), "tcp_flags": num(t[4]),
        "seq": num(t[5]), "ack": num(t[6]) if tcp and (o["tcp_flags"] & 0x10) else None,
        "icmp_type": num(t[7]), "length": num(t[8]),
    }
    got = {k: o.get(k) for k in want}
    if tcp and not (o["tcp_flags"] & 0x10): got["ack"] = None  # tshark omits ack without ACK
    if o.get("network") != "ipv4": got["src"] = got["dst"] = got["icmp_type"] = None  # v4 fields only
    if o.get("transport") != "tcp": got["src_port"] = got["dst_port"] = None  # tcp.* only
    bad = {k: (want[k], got[k]) for k in want if want[k] != got[k]}
    assert not bad, f"packet {i + 1}: (tshark, tunkit) differ: {bad}\n{o['summary']}"
    checked += sum(v is not None for v in want.values())
print(f"{sys.argv[3]}: {len(rows)} packets, {checked} fields agree")
PY
}
compare "$TK_TMP/live.pcap" "live capture"
compare "$TK_TMP/copy.pcap" "tun.pcap through our reader and writer"
tk_pass "tshark reads our pcap and agrees with our JSON field by field"
