# `tunkit dump -r` on the committed fixtures prints the golden text, and that text is what
# tcpdump itself prints (tcpdump -nn -S, with -e for Ethernet), line for line. No network.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
: "${TUNKIT_SOURCE_DIR:?}"
data=$TUNKIT_SOURCE_DIR/tests/data

check_golden() {  # check_golden PCAP GOLDEN ARGS...
  local pcap=$1 golden=$2; shift 2
  "$TUNKIT" dump -r "$pcap" --time utc "$@" >"$TK_TMP/out.txt" 2>"$TK_TMP/err.txt" || tk_fail "dump -r $pcap: $(cat "$TK_TMP/err.txt")"
  diff -u "$golden" "$TK_TMP/out.txt" || tk_fail "$pcap differs from $golden"
}
check_golden "$data/wire/ether.pcap" "$data/dump/ether.txt"
check_golden "$data/wire/ether.pcap" "$data/dump/ether_verbose.txt" -v -x
check_golden "$data/dump/tun.pcap" "$data/dump/tun.txt"
check_golden "$data/dump/tun.pcap" "$data/dump/tun_verbose.txt" -v -x
check_golden "$data/dump/malformed.pcap" "$data/dump/malformed.txt" -v -x
grep -qx "13 packets, 669 bytes (icmp 3, ipv4-other 3, ipv6-other 1, other 2, tcp 3, udp 1); 11 malformed, 2 bad checksums, 0 filtered out" \
  "$TK_TMP/err.txt" || tk_fail "malformed summary: $(cat "$TK_TMP/err.txt")"
tk_pass "-r on every fixture matches its golden text; malformed packets counted (11) and named"

"$TUNKIT" dump -r "$data/dump/tun.pcap" --json >"$TK_TMP/tun.json" 2>/dev/null
python3 -c "import json,sys; [json.loads(l) for l in open(sys.argv[1])]" "$TK_TMP/tun.json" || tk_fail "JSON lines do not parse"
[ "$(wc -l <"$TK_TMP/tun.json")" -eq 16 ] || tk_fail "expected 16 JSON objects"
"$TUNKIT" dump -r "$data/dump/tun.pcap" -c 4 tcp >"$TK_TMP/c.txt" 2>"$TK_TMP/c.err"
[ "$(wc -l <"$TK_TMP/c.txt")" -eq 4 ] || tk_fail "-c 4 tcp printed $(wc -l <"$TK_TMP/c.txt") lines"
grep -q "^4 packets, .* (tcp 4); .* 4 filtered out$" "$TK_TMP/c.err" || tk_fail "-c summary: $(cat "$TK_TMP/c.err")"
tk_pass "-r --json: one object per packet; -c 4 with a filter stops at 4 (4 filtered out before)"

if command -v tcpdump >/dev/null; then
  TZ=UTC tcpdump -nn -e -S -r "$data/wire/ether.pcap" 2>/dev/null | diff -u - "$data/dump/ether.txt" \
    || tk_fail "golden ether.txt is not what tcpdump prints"
  TZ=UTC tcpdump -nn -S -r "$data/dump/tun.pcap" 2>/dev/null | diff -u - "$data/dump/tun.txt" \
    || tk_fail "golden tun.txt is not what tcpdump prints"
  tk_pass "the golden text is exactly tcpdump's output for both fixtures (50 + 16 lines)"
else
  echo "tcpdump not installed: skipped the comparison with tcpdump's own output"
fi
