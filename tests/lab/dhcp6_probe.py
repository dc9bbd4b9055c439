#!/usr/bin/env python3
"""dhcp6_probe.py - a scripted DHCPv6 client and checks for the lab.

  solicit -i IFACE --mac MAC [--arch N] [--vendor-class TEXT]
          [--user-class TEXT] [--request] [--wait SECS]
      One SOLICIT from IFACE's link-local address to ff02::1:2 as UEFI
      firmware sends it (client id DUID-LL, ORO asking for 59 and 60, IA_NA,
      option 61 when --arch, option 16 with enterprise 343, option 15), then
      the ADVERTISE; with --request the REQUEST and the REPLY. Prints one line
      per message received:
        advertise xid=X url=U param=P vendor-class=V addr=A server=S
      Exits 1 when nothing came within --wait seconds.

  relay-check PCAP
      Every Relay-forward in PCAP (an Ethernet capture at the server): one
      line "relay-forward hop=H link=L peer=P interface-id=I lladdr=M
      remote-id=ENTERPRISE:TEXT".

  legs PCAP XID
      The legs of one exchange in a trace (Linux cooked v2, as pxerelay -w
      writes it): one line per message whose client xid is XID, "DIR TYPE
      SRC > DST PORT" (DIR in/out, TYPE the outer message type), inner
      messages of Relay-forward and Relay-reply looked into.

  forge-reply -i IFACE --src ADDR --to ADDR --peer ADDR --interface-id ID
      A Relay-reply from ADDR (a host that is not a server) to the relay,
      holding an ADVERTISE with option 59 "tftp://[2001:db8::66]/forged.efi".

Python 3 standard library only."""
import argparse
import os
import random
import select
import socket
import struct
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from dhcp_probe import read_pcap  # noqa: E402

ALL_RELAYS = "ff02::1:2"


def opt(code, value):
    return struct.pack("!HH", code, len(value)) + value


def options(data):
    out = {}
    pos = 0
    while pos + 4 <= len(data):
        code, length = struct.unpack("!HH", data[pos:pos + 4])
        out.setdefault(code, data[pos + 4:pos + 4 + length])
        pos += 4 + length
    return out


def text(b):
    return b.decode("ascii", "replace") if b else ""


def first_item(value, skip=0):
    value = value[skip:]
    if len(value) < 2:
        return ""
    n = struct.unpack("!H", value[:2])[0]
    return text(value[2:2 + n])


def ifindex(name):
    return socket.if_nametoindex(name)


def summary(kind, msg):
    o = options(msg[4:])
    addr = ""
    ia = o.get(3, b"")
    if len(ia) > 12:
        inner = options(ia[12:])
        if 5 in inner and len(inner[5]) >= 16:
            addr = socket.inet_ntop(socket.AF_INET6, inner[5][:16])
    param = first_item(o.get(60, b""))
    return "%s xid=%06x url=%s param=%s vendor-class=%s addr=%s server=%s" % (
        kind, int.from_bytes(msg[1:4], "big"), text(o.get(59)) or "-", param or "-",
        first_item(o.get(16, b""), 4) or "-", addr or "-", o.get(2, b"").hex() or "-")


def wait_for(s, xid, mtype, deadline):
    while True:
        left = deadline - time.time()
        if left <= 0:
            return None
        r, _, _ = select.select([s], [], [], left)
        if not r:
            return None
        data, _ = s.recvfrom(4096)
        if len(data) >= 4 and data[0] == mtype and int.from_bytes(data[1:4], "big") == xid:
            return data


def cmd_solicit(a):
    mac = bytes(int(x, 16) for x in a.mac.split(":"))
    duid = struct.pack("!HH", 3, 1) + mac
    s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, a.iface.encode())
    s.bind(("::", 546, 0, ifindex(a.iface)))
    base = opt(1, duid) + opt(6, struct.pack("!HHH", 59, 60, 23)) + opt(8, b"\0\0")
    if a.arch is not None:
        base += opt(61, struct.pack("!H", a.arch))
    if a.vendor_class:
        v = a.vendor_class.encode()
        base += opt(16, struct.pack("!IH", 343, len(v)) + v)
    if a.user_class:
        v = a.user_class.encode()
        base += opt(15, struct.pack("!H", len(v)) + v)
    ia = opt(3, struct.pack("!III", 1, 0, 0))
    xid = random.getrandbits(24)
    dst = (ALL_RELAYS, 547, 0, ifindex(a.iface))
    s.sendto(bytes([1]) + xid.to_bytes(3, "big") + base + ia, dst)
    adv = wait_for(s, xid, 2, time.time() + a.wait)
    if not adv:
        print("no advertise xid=%06x within %.1f s" % (xid, a.wait))
        return 1
    print(summary("advertise", adv), flush=True)
    if not a.request:
        return 0
    o = options(adv[4:])
    xid = random.getrandbits(24)
    s.sendto(bytes([3]) + xid.to_bytes(3, "big") + base + opt(2, o.get(2, b"")) +
             opt(3, o.get(3, struct.pack("!III", 1, 0, 0))), dst)
    rep = wait_for(s, xid, 7, time.time() + a.wait)
    if not rep:
        print("no reply xid=%06x within %.1f s" % (xid, a.wait))
        return 1
    print(summary("reply", rep), flush=True)
    return 0


def cmd_relay_check(a):
    for linktype, _ts, frame in read_pcap(a.pcap):
        if linktype != 1 or len(frame) < 14 + 40 + 8:
            continue
        if struct.unpack("!H", frame[12:14])[0] != 0x86DD or frame[14 + 6] != 17:
            continue
        udp = frame[14 + 40:]
        dport, ulen = struct.unpack("!H", udp[2:4])[0], struct.unpack("!H", udp[4:6])[0]
        msg = udp[8:ulen]
        if dport != 547 or len(msg) < 34 or msg[0] != 12:
            continue
        o = options(msg[34:])
        ll = o.get(79, b"")
        rid = o.get(37, b"")
        print("relay-forward hop=%d link=%s peer=%s interface-id=%s lladdr=%s remote-id=%s" % (
            msg[1], socket.inet_ntop(socket.AF_INET6, msg[2:18]),
            socket.inet_ntop(socket.AF_INET6, msg[18:34]), text(o.get(18)) or "-",
            ":".join("%02x" % b for b in ll[2:]) if len(ll) > 2 else "-",
            "%d:%s" % (struct.unpack("!I", rid[:4])[0], text(rid[4:])) if len(rid) > 4 else "-"))
    return 0


def inner_xid(msg):
    """The client transaction id inside msg, through relay messages."""
    while len(msg) >= 34 and msg[0] in (12, 13):
        msg = options(msg[34:]).get(9, b"")
    return int.from_bytes(msg[1:4], "big") if len(msg) >= 4 else None


def cmd_legs(a):
    want = int(a.xid, 16)
    for linktype, _ts, frame in read_pcap(a.pcap):
        if linktype != 276 or len(frame) < 20 + 48:
            continue
        if struct.unpack("!H", frame[0:2])[0] != 0x86DD or frame[20 + 6] != 17:
            continue
        ip = frame[20:]
        udp = ip[40:]
        dport, ulen = struct.unpack("!HH", udp[2:6])
        msg = udp[8:ulen]
        if len(msg) < 4 or inner_xid(msg) != want:
            continue
        print("%s %d %s > %s %d" % ("out" if frame[10] == 4 else "in", msg[0],
                                     socket.inet_ntop(socket.AF_INET6, ip[8:24]),
                                     socket.inet_ntop(socket.AF_INET6, ip[24:40]), dport))
    return 0


def cmd_forge_reply(a):
    inner = bytes([2]) + b"\x12\x34\x56" + opt(59, b"tftp://[2001:db8::66]/forged.efi")
    msg = (bytes([13, 0]) + bytes(16) + socket.inet_pton(socket.AF_INET6, a.peer) +
           opt(18, a.interface_id.encode()) + opt(9, inner))
    s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    s.bind((a.src, 547))
    s.sendto(msg, (a.to, 547))
    print("forged relay-reply from %s to %s" % (a.src, a.to))
    return 0


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("solicit")
    s.add_argument("-i", "--iface", required=True)
    s.add_argument("--mac", required=True)
    s.add_argument("--arch", type=int)
    s.add_argument("--vendor-class")
    s.add_argument("--user-class")
    s.add_argument("--request", action="store_true")
    s.add_argument("--wait", type=float, default=3.0)
    r = sub.add_parser("relay-check")
    r.add_argument("pcap")
    g = sub.add_parser("legs")
    g.add_argument("pcap")
    g.add_argument("xid")
    f = sub.add_parser("forge-reply")
    f.add_argument("-i", "--iface")
    f.add_argument("--src", required=True)
    f.add_argument("--to", required=True)
    f.add_argument("--peer", required=True)
    f.add_argument("--interface-id", required=True)
    a = p.parse_args()
    return {"solicit": cmd_solicit, "relay-check": cmd_relay_check, "legs": cmd_legs,
            "forge-reply": cmd_forge_reply}[a.cmd](a)


if __name__ == "__main__":
    sys.exit(main())
