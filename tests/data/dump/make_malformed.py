#!/usr/bin/env python3
"""Writes malformed.pcap (LINKTYPE_RAW): each record is a real packet from tun.pcap broken
in one way, so `tunkit dump` must name the layer and the reason. Usage: make_malformed.py [dir]"""
import struct, sys, os

d = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__))
raw = open(os.path.join(d, "tun.pcap"), "rb").read()
magic = struct.unpack("<I", raw[:4])[0]
assert magic in (0xa1b2c3d4, 0xa1b23c4d)
pkts, at = [], 24
while at < len(raw):
    sec, frac, caplen, length = struct.unpack("<IIII", raw[at:at + 16])
    pkts.append(bytearray(raw[at + 16:at + 16 + caplen])); at += 16 + caplen
echo4, echo6, syn, udp = pkts[0], pkts[2], pkts[4], pkts[14]

def csum(b):
    if len(b) % 2: b = b + b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16: s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff

def fix_ip(p):
    p[10:12] = b"\0\0"; p[10:12] = struct.pack("!H", csum(bytes(p[:(p[0] & 15) * 4]))); return p

records = []  # (bytes, wire length)
def add(p, wire=None): records.append((bytes(p), len(p) if wire is None else wire))
add(b"")                                            # empty: network truncated
add(echo4[:12])                                     # IPv4 header cut short
p = bytearray(echo4); p[0] = 0x44; add(fix_ip(p))   # IHL 4: bad length
add(echo4[:50], wire=len(echo4))                    # snaplen cut: total length > bytes
p = bytearray(syn[:20 + 12]); p[2:4] = struct.pack("!H", 32); add(fix_ip(p))  # TCP cut to 12 bytes
p = bytearray(syn); p[20 + 12] = 0x30; add(p)       # TCP data offset 3: bad length
p = bytearray(syn); p[20 + 20 + 1] = 40; add(p)     # MSS option claims 40 bytes: bad option
p = bytearray(udp); p[20 + 4:20 + 6] = struct.pack("!H", 4); add(p)  # UDP length 4: bad length
p = bytearray(echo4); p[10] ^= 0xff; add(p)         # bad IPv4 header checksum
p = bytearray(echo4); p[20 + 2] ^= 0xff; add(p)     # bad ICMP checksum
p = bytearray(echo4); p[0] = 0x55; add(p)           # version 5: bad version
add(echo6[:20])                                     # IPv6 header cut short
p = bytearray(echo4[:24]); p[2:4] = struct.pack("!H", 24); add(fix_ip(p))  # ICMP of 4 bytes

out = bytearray(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 262144, 101))
for i, (b, wire) in enumerate(records):
    out += struct.pack("<IIII", 1700000000 + i, 0, len(b), wire) + b
open(os.path.join(d, "malformed.pcap"), "wb").write(out)
print(f"wrote {len(records)} records to {d}/malformed.pcap")
