#!/usr/bin/env python3
"""UDP datagrams sent with UDP_SEGMENT (one sendto carries 20 datagrams, which the kernel
hands a USO-capable device as one super-packet), and a receiver that checks each one.

  udp_segment.py send ADDR PORT COUNT   # COUNT datagrams of 1300 bytes, numbered
  udp_segment.py recv ADDR PORT COUNT   # prints "<distinct datagrams> <bad ones>"

The receiver stops after COUNT distinct datagrams or 5 s of silence. A datagram is bad if
its size or bytes differ from what the sender made for its number."""
import socket
import sys
import time

SIZE, PER_SEND, UDP_SEGMENT = 1300, 20, 103


def datagram(n):
    return n.to_bytes(4, "big") + bytes((n + i) % 251 for i in range(SIZE - 4))


def family(addr):
    return socket.AF_INET6 if ":" in addr else socket.AF_INET


def send(addr, port, count):
    s = socket.socket(family(addr), socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_UDP, UDP_SEGMENT, SIZE)
    for first in range(0, count, PER_SEND):
        s.sendto(b"".join(datagram(n) for n in range(first, min(first + PER_SEND, count))), (addr, port))
        time.sleep(0.002)  # paced: the test is about integrity, not about loss under overload


def recv(addr, port, count):
    s = socket.socket(family(addr), socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
    s.bind((addr, port))
    s.settimeout(5)
    seen, bad = set(), 0
    try:
        while len(seen) < count:
            d = s.recv(65535)
            n = int.from_bytes(d[:4], "big")
            if len(d) != SIZE or n >= count or d != datagram(n):
                bad += 1
            else:
                seen.add(n)
    except socket.timeout:
        pass
    print(len(seen), bad)


if __name__ == "__main__":
    mode, addr, port, count = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    (send if mode == "send" else recv)(addr, port, count)
