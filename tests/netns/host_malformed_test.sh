# Malformed input crafted byte by byte and written into the TUN device: every packet is
# dropped and counted under its reason, and the host keeps answering pings. Covers bad
# checksums (IPv4 header, ICMP, UDP), truncated headers, a bad IHL, a total length beyond
# the packet, a bad version, overlapping fragments and a flood of incomplete fragments.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/host_lib.sh"

tk_netns NS
host_start "$NS" tkh2 mode tun --address 10.78.2.9/24 --serve udp-echo:7
ip -n "$NS" addr add 10.78.2.1/24 dev tkh2
ip -n "$NS" link set tkh2 up
ping_all "$NS" 3 -i 0.05 10.78.2.9

SRC=0a4e0201 DST=0a4e0209
# ICMP echo request, id 0x7475 seq 1, 8 bytes of data, with its correct checksum.
icmp_body=74750001746f6f6c6b697421
echo_ok=$(ipv4_hex $SRC $DST 01 1001 0000 "0800$(checksum "08000000$icmp_body")$icmp_body")
# UDP to port 7 (echo), 4 bytes, with a wrong checksum (RFC 768).
udp_bad=$(ipv4_hex $SRC $DST 11 1002 0000 "d4310007000cc0de61626364")
# The same UDP datagram with a length field beyond its bytes.
udp_short=$(ipv4_hex $SRC $DST 11 1003 0000 "d431000700400000")
icmp_bad=$(ipv4_hex $SRC $DST 01 1004 0000 "0800beef$icmp_body")
header_bad=${echo_ok:0:20}0000${echo_ok:24}  # checksum field zeroed
ihl_bad=4${echo_ok:1}                          # IHL 4 words (RFC 791: at least 5)
ihl_bad=${ihl_bad:0:1}4${ihl_bad:2}
length_bad=${echo_ok:0:4}0100${echo_ok:8}      # total length 256 on a 40-byte packet
version_bad=5${echo_ok:1}

inject "$NS" tkh2 "$header_bad" "${echo_ok:0:24}" "$ihl_bad" "$length_bad" "$version_bad" "$icmp_bad" "$udp_bad" "$udp_short"
tk_wait_for 5 host_counter_above drop.udp_truncated 0 || tk_fail "drops not counted: $(host_counters)"
for reason in ipv4_bad_checksum ipv4_truncated ipv4_bad_ihl ipv4_bad_total_length ip_bad_version \
              icmp_bad_checksum udp_bad_checksum udp_truncated; do
  [ "$(host_counter "drop.$reason")" -eq 1 ] || tk_fail "drop.$reason should be 1: $(host_counters)"
done
ping_all "$NS" 3 -i 0.05 10.78.2.9
tk_pass "bad checksums, truncated header, bad IHL, bad total length, bad version: each counted once"

# Overlapping fragments (RFC 5722; FragmentSmack): bytes 0-15 then 8-23 of one datagram.
data16=00112233445566778899aabbccddeeff
inject "$NS" tkh2 "$(ipv4_hex $SRC $DST 11 2001 2000 $data16)" "$(ipv4_hex $SRC $DST 11 2001 2001 $data16)"
tk_wait_for 5 host_counter_above drop.fragment_overlap 1 || tk_fail "overlap not counted: $(host_counters)"
ping_all "$NS" 2 -i 0.2 -s 4000 10.78.2.9
tk_pass "overlapping fragments dropped (both), reassembly still works"

# A flood of first fragments that never complete: memory stays bounded (16 datagrams),
# the oldest are evicted and counted, and large pings still reassemble afterwards.
frags=()
for ((i = 0; i < 100; i++)); do frags+=("$(ipv4_hex $SRC $DST 11 "$(printf '%04x' $((0x3000 + i)))" 2000 $data16)"); done
inject "$NS" tkh2 "${frags[@]}"
tk_wait_for 10 host_counter_above drop.fragment_evicted 83 || tk_fail "evictions not counted: $(host_counters)"
ping_all "$NS" 3 -i 0.05 10.78.2.9
ping_all "$NS" 2 -i 0.2 -s 4000 10.78.2.9
udp_echo_check "$NS" UDP:10.78.2.9 7
tk_pass "100 incomplete datagrams: $(host_counter drop.fragment_evicted) fragments evicted; still answering"

# The crafted valid echo request got its reply too (the kernel received it).
host_expect_counter echo_replies_v4 1
tk_stop "$HOST_PID" || tk_fail "tunkit host exited with $?"
tk_pass "host stopped cleanly"
