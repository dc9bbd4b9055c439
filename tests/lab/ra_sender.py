#!/usr/bin/env python3
"""ra_sender.py IFACE: a bare IPv6 router advertisement (lifetime 0, no
prefix, no M/O flag: "no IPv6 router here") on IFACE every 0.5 s, until
killed. iPXE otherwise waits ~13 s for an IPv6 router before it loads its
boot file. Used by the lab tests that boot real firmware."""
import socket, struct, sys, time

ifname = sys.argv[1]
with open("/sys/class/net/%s/address" % ifname) as f:
    mac = bytes.fromhex(f.read().strip().replace(":", ""))
src = b"\xfe\x80" + b"\0" * 6 + bytes([mac[0] ^ 2]) + mac[1:3] + b"\xff\xfe" + mac[3:6]
dst = b"\xff\x02" + b"\0" * 13 + b"\x01"
ra = struct.pack(">BBHBBHII", 134, 0, 0, 64, 0, 0, 0, 0)
pseudo = src + dst + struct.pack(">I", len(ra)) + b"\0\0\0\x3a" + ra
s = sum(struct.unpack(">%dH" % (len(pseudo) // 2), pseudo))
while s >> 16:
    s = (s & 0xFFFF) + (s >> 16)
ra = ra[:2] + struct.pack(">H", ~s & 0xFFFF) + ra[4:]
ip6 = struct.pack(">IHBB", 6 << 28, len(ra), 58, 255) + src + dst
frame = b"\x33\x33\x00\x00\x00\x01" + mac + b"\x86\xdd" + ip6 + ra
sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
sock.bind((ifname, 0))
print("sending router advertisements on", ifname, flush=True)
while True:
    sock.send(frame)
    time.sleep(0.5)
