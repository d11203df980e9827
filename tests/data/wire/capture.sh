#!/usr/bin/env bash
# Regenerates the real-packet fixtures used by src/tunkit/wire/*_test.cpp and fuzz/corpus.
# Network rule (DESIGN.md): all traffic stays inside three namespaces created here
# (A -- R -- B over veth, 10.99.1.0/24, 10.99.2.0/24, fd99:1::/64, fd99:2::/64);
# nothing is sent from the root namespace. Needs root, tcpdump, python3.
set -euo pipefail
out=${1:-$(dirname "$0")}
A=tkw-a-$$ R=tkw-r-$$ B=tkw-b-$$
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for n in $A $R $B; do ip netns del "$n" 2>/dev/null || true; done
}
trap cleanup EXIT
for n in $A $R $B; do ip netns add "$n"; ip -n "$n" link set lo up; done
ip link add a0 netns $A type veth peer name r0 netns $R
ip link add r1 netns $R type veth peer name b0 netns $B
ip -n $A link set a0 address 02:00:00:00:01:01
ip -n $R link set r0 address 02:00:00:00:01:02
ip -n $A addr add 10.99.1.1/24 dev a0; ip -n $R addr add 10.99.1.2/24 dev r0
ip -n $R addr add 10.99.2.1/24 dev r1; ip -n $B addr add 10.99.2.2/24 dev b0
ip -n $A -6 addr add fd99:1::1/64 dev a0 nodad; ip -n $R -6 addr add fd99:1::2/64 dev r0 nodad
ip -n $R -6 addr add fd99:2::1/64 dev r1 nodad; ip -n $B -6 addr add fd99:2::2/64 dev b0 nodad
ip netns exec $R sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
ip -n $R link set r0 up; ip -n $R link set r1 up; ip -n $B link set b0 up
ip -n $B route add 10.99.1.0/24 via 10.99.2.1; ip -n $B -6 route add fd99:1::/64 via fd99:2::1
# veth offloads TX checksums (CHECKSUM_PARTIAL): turn that off so captured TCP/UDP
# checksums are complete (SIOCETHTOOL ETHTOOL_STXCSUM 0; no ethtool binary needed).
tx_csum_off() {
  ip netns exec "$1" python3 - "$2" <<'PY'
import ctypes, fcntl, socket, struct, sys
value = ctypes.create_string_buffer(struct.pack("II", 0x17, 0), 8)
ifr = struct.pack("16sP16x", sys.argv[1].encode(), ctypes.addressof(value))
sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
fcntl.ioctl(sock.fileno(), 0x8946, ifr)
PY
}
tx_csum_off $A a0; tx_csum_off $R r0
# Capture on r0 before a0 comes up: that records a0's DAD, MLDv2 (hop-by-hop) and RS.
ip netns exec $R timeout 60 tcpdump -U -s 0 -i r0 -w "$out/ether.pcap" >/dev/null 2>&1 & pids+=($!)
sleep 1
ip -n $A link set a0 up
ip -n $A route add 10.99.2.0/24 via 10.99.1.2; ip -n $A -6 route add fd99:2::/64 via fd99:1::2
sleep 3
ip netns exec $A ping -c1 -W2 10.99.1.2 >/dev/null                 # ARP + echo
ip netns exec $A ping -c1 -W2 -R 10.99.2.2 >/dev/null || true      # IPv4 record-route option
ip netns exec $A ping -c1 -W2 -t1 10.99.2.2 >/dev/null || true     # time exceeded from R
# This kernel has no 8021q, so tagged frames (ARP requests in 802.1Q 100 and in
# 802.1ad 200 / 802.1Q 300) are written by hand to a packet socket on a0.
ip netns exec $A timeout 10 python3 - <<'PY'
import socket
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW); s.bind(("a0", 0))
mac = bytes.fromhex("020000000101")
arp = bytes.fromhex("0001080006040001") + mac + bytes([10, 99, 3, 1]) + bytes(6) + bytes([10, 99, 3, 2])
s.send(b"\xff" * 6 + mac + bytes.fromhex("810000640806") + arp)
s.send(b"\xff" * 6 + mac + bytes.fromhex("88a800c88100012c0806") + arp)
PY
# IPv6 segment routing (RFC 8754 routing header type 4), made by the kernel's seg6 encap.
ip -n $A -6 route add fd99:9::/64 encap seg6 mode inline segs fd99:1::2 dev a0
ip netns exec $A ping -6 -c1 -W1 fd99:9::1 >/dev/null || true
ip netns exec $A ping -6 -c1 -W2 fd99:1::2 >/dev/null              # NS/NA + echo
ip netns exec $A ping -6 -c1 -W2 -s 2000 fd99:1::2 >/dev/null      # fragment header
ip netns exec $A ping -6 -c1 -W2 -t1 fd99:2::2 >/dev/null || true  # ICMPv6 time exceeded
ip netns exec $R timeout 10 python3 - <<'PY' & pids+=($!)
import socket
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("10.99.1.2", 5555)); s.listen(1); s.settimeout(8)
c, _ = s.accept(); c.settimeout(5); c.sendall(c.recv(100)); c.close()
PY
sleep 0.5
ip netns exec $A timeout 10 python3 - <<'PY'
import socket, time
# TCP: SYN with options, data, echo, FIN.
c = socket.create_connection(("10.99.1.2", 5555), timeout=5); c.sendall(b"hello tunkit\n"); c.recv(100); c.close()
# UDP to a closed port: the datagram and R's port unreachable (quotes our IP header + 8 bytes).
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.sendto(b"udp payload", ("10.99.1.2", 9999))
# IPv6 UDP with a destination options header (PadN) and a routing header
u6 = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
u6.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_DSTOPTS, bytes([0, 0, 1, 4, 0, 0, 0, 0]))
u6.sendto(b"dstopts", ("fd99:1::2", 9999))
time.sleep(0.3)
# RA from R is sent by a separate script; UDP with IPv6 done.
PY
# A router advertisement from R (Linux sends none without radvd): raw ICMPv6, kernel fills checksum.
ip netns exec $R timeout 10 python3 - <<'PY'
import socket, struct
s = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6)
s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_HOPS, 255)
s.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, b"r0")
slla = bytes([1, 1]) + bytes.fromhex("020000000102")
mtu = struct.pack("!BBHI", 5, 1, 0, 1500)
pfx = struct.pack("!BBBBIII", 3, 4, 64, 0xC0, 86400, 14400, 0) + socket.inet_pton(socket.AF_INET6, "fd99:1::")
ra = struct.pack("!BBHBBHII", 134, 0, 0, 64, 0, 1800, 0, 0) + slla + mtu + pfx
idx = socket.if_nametoindex("r0")
s.sendto(ra, ("ff02::1", 0, 0, idx))
PY
sleep 2
ip netns exec $A ping -c1 -W2 10.99.2.2 >/dev/null                 # forwarded echo (TTL path)
sleep 1
kill "${pids[0]}"; wait "${pids[0]}" 2>/dev/null || true
# TUN packet-info and virtio_net_hdr: read what the kernel writes to a TUN queue.
ip netns exec $A timeout 15 python3 - "$out" <<'PY'
import fcntl, os, socket, struct, subprocess, sys, select, time
out = sys.argv[1]
TUNSETIFF, TUNSETOFFLOAD = 0x400454ca, 0x400454d0
IFF_TUN, IFF_NO_PI, IFF_VNET_HDR = 0x1, 0x1000, 0x4000
def tun(name, flags, addr):
    fd = os.open("/dev/net/tun", os.O_RDWR)
    fcntl.ioctl(fd, TUNSETIFF, struct.pack("16sH", name.encode(), flags))
    subprocess.run(["ip", "addr", "add", addr, "dev", name], check=True)
    subprocess.run(["ip", "link", "set", name, "up"], check=True)
    return fd
def read_matching(fd, pred):
    end = time.time() + 5
    while time.time() < end:
        r, _, _ = select.select([fd], [], [], 0.5)
        if r:
            b = os.read(fd, 65536)
            if pred(b): return b
    raise SystemExit("no packet")
pi = tun("tkpi0", IFF_TUN, "10.99.5.1/24")
subprocess.Popen(["ping", "-c1", "-W1", "10.99.5.2"], stdout=subprocess.DEVNULL)
b = read_matching(pi, lambda b: b[2:4] == b"\x08\x00" and b[4] >> 4 == 4 and b[4+9] == 1)
open(f"{out}/tun_pi_icmp.bin", "wb").write(b)
vh = tun("tkvh0", IFF_TUN | IFF_NO_PI | IFF_VNET_HDR, "10.99.6.1/24")
fcntl.ioctl(vh, TUNSETOFFLOAD, 0x1 | 0x2 | 0x4)   # TUN_F_CSUM | TSO4 | TSO6
s = socket.socket(); s.setblocking(False)
try: s.connect(("10.99.6.2", 5555))
except BlockingIOError: pass
b = read_matching(vh, lambda b: len(b) > 30 and b[10] >> 4 == 4 and b[10+9] == 6)
open(f"{out}/vnet_tcp_syn.bin", "wb").write(b)
PY
# Loopback captures (LINKTYPE_NULL-free raw IP via -y): none needed; Ethernet suffices.
echo "wrote $out/ether.pcap $out/tun_pi_icmp.bin $out/vnet_tcp_syn.bin"
