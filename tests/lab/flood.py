#!/usr/bin/env python3
"""flood.py - a DHCP DISCOVER flood for the pxerelay lab's rate-limit test.

  flood.py -i IFACE -n COUNT -r RATE (--random-mac | --mac MAC)

Sends COUNT broadcast DISCOVERs (Ethernet/IPv4/UDP 68->67, built by hand)
on IFACE through an AF_PACKET socket at about RATE per second, the way a
DHCP starvation tool (a new random MAC per packet) or a broken NIC (one MAC,
over and over) does. Prints "sent=N seconds=S" at the end. Python 3
standard library only; run it inside the client namespace.
"""
import argparse
import os
import socket
import struct
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from dhcp_probe import bootp, ip_udp, option  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-i", "--iface", required=True)
    ap.add_argument("-n", "--count", type=int, required=True)
    ap.add_argument("-r", "--rate", type=float, required=True)
    g = ap.add_mutually_exclusive_group(required=True)
    g.add_argument("--random-mac", action="store_true")
    g.add_argument("--mac")
    a = ap.parse_args()

    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((a.iface, 0))
    fixed = bytes.fromhex(a.mac.replace(":", "")) if a.mac else None
    opts = option(53, b"\x01") + option(93, b"\x00\x07")
    rnd = os.urandom(6 * min(a.count, 1 << 20))
    t0 = time.monotonic()
    sent = 0
    for k in range(a.count):
        if fixed:
            mac = fixed
        else:
            j = (k % (len(rnd) // 6)) * 6
            # locally administered unicast, unique per packet
            mac = bytes([0x02, rnd[j + 1]]) + struct.pack("!I", k & 0xFFFFFFFF)
        msg = bootp(1, 0x10000000 + k, mac, flags=0x8000, options=opts)
        pkt = ip_udp(b"\0" * 4, b"\xff" * 4, 68, 67, msg)
        frame = b"\xff" * 6 + mac + b"\x08\x00" + pkt
        try:
            s.send(frame)
            sent += 1
        except OSError:
            pass
        due = t0 + (k + 1) / a.rate
        while True:
            now = time.monotonic()
            if now >= due:
                break
            if due - now > 0.002:
                time.sleep(due - now - 0.001)
    print("sent=%d seconds=%.2f" % (sent, time.monotonic() - t0))


if __name__ == "__main__":
    main()
