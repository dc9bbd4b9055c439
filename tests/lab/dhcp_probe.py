#!/usr/bin/env python3
"""dhcp_probe.py - hand-made DHCPv4 packets for the pxerelay namespace lab.

Python 3 standard library only (no scapy).  Three sub-commands:

  request       Build a BOOTREQUEST (DISCOVER by default) and send it as a
                broadcast Ethernet frame through an AF_PACKET socket on one
                interface, the way a client without an address does.  Options
                let the frame carry things a real client would not: option 82,
                a non-zero giaddr, a high hop count, any raw option.  With
                --wait the tool then listens on the same interface
                (promiscuous, so link-layer unicast to a made-up MAC is seen)
                for a BOOTREPLY with the same xid and prints it.

  forge-reply   Build a BOOTREPLY (OFFER by default) and send it as UDP from a
                chosen source address to the relay (default 10.0.0.1:67), to
                check that replies from hosts that are not configured servers
                are dropped.  A UDP socket bound to the source address is used;
                when the port is already taken (a DHCP server runs on that
                host) the datagram is built by hand and sent on a raw IP socket.

  pcap-dump     Decode every BOOTP packet of a pcap file (Ethernet, Linux
                cooked SLL or SLL2) and print one JSON object per line, with
                the header fields, sname, file and every option; filters by
                xid, op and message type.  Needs no privileges.

Replies are printed on one line as key=value pairs, e.g.
  reply type=OFFER xid=0x1234abcd yiaddr=10.10.0.150 ... opt82=no
and, with request --json, followed by a line "reply-json {...}" holding the
full decode (the same JSON as pcap-dump prints).

Exit status: 0 success; 1 usage or socket error; 3 --wait ran out without a
matching reply (or, with --expect-none, a reply did arrive).

Examples (run inside a namespace with `ip netns exec NS ...`):
  dhcp_probe.py request -i eth0 --circuit-id evil --wait 3 --expect-none
  dhcp_probe.py request -i eth0 --mac 02:00:00:00:10:01 --broadcast-flag --wait 5
  dhcp_probe.py forge-reply --src 10.0.0.66 --dst 10.0.0.1 \\
      --giaddr 10.10.0.1 --yiaddr 10.10.0.99 --mac 02:00:00:00:66:66
"""

import argparse
import errno
import json
import os
import random
import select
import socket
import struct
import sys
import time

ETH_P_ALL = 0x0003
ETH_P_IP = 0x0800
SOL_PACKET = 263
PACKET_ADD_MEMBERSHIP = 1
PACKET_MR_PROMISC = 1
PACKET_OUTGOING = 4

MAGIC = b"\x63\x82\x53\x63"

MSG_TYPES = {
    "discover": 1, "offer": 2, "request": 3, "decline": 4, "ack": 5,
    "nak": 6, "release": 7, "inform": 8,
}
MSG_NAMES = {v: k.upper() for k, v in MSG_TYPES.items()}


# ---------------------------------------------------------------- helpers

def parse_mac(text):
    parts = text.split(":")
    if len(parts) != 6:
        raise argparse.ArgumentTypeError("MAC must look like 02:00:00:00:00:01")
    try:
        return bytes(int(p, 16) for p in parts)
    except ValueError:
        raise argparse.ArgumentTypeError("bad MAC %r" % text)


def fmt_mac(raw):
    return ":".join("%02x" % b for b in raw)


def parse_ip(text):
    try:
        return socket.inet_aton(text)
    except OSError:
        raise argparse.ArgumentTypeError("bad IPv4 address %r" % text)


def parse_xid(text):
    try:
        value = int(text, 16)
    except ValueError:
        raise argparse.ArgumentTypeError("xid is hex, e.g. 1a2b3c4d")
    if not 0 <= value <= 0xFFFFFFFF:
        raise argparse.ArgumentTypeError("xid out of range")
    return value


def parse_split(text):
    """CODE:LEN, e.g. 224:430 (LEN at most 250 + 120 + 60)"""
    try:
        code_s, len_s = text.split(":", 1)
        code, total = int(code_s, 0), int(len_s, 0)
    except ValueError:
        raise argparse.ArgumentTypeError("CODE:LEN, got %r" % text)
    if not 1 <= code <= 254 or not 1 <= total <= 430:
        raise argparse.ArgumentTypeError("code 1..254, length 1..430")
    return code, total


def parse_raw_option(text):
    """CODE:HEX, e.g. 93:0007 or 60:505845436c69656e74"""
    try:
        code_s, hex_s = text.split(":", 1)
        code = int(code_s, 0)
        data = bytes.fromhex(hex_s)
    except ValueError:
        raise argparse.ArgumentTypeError("option must be CODE:HEX, got %r" % text)
    if not 1 <= code <= 254 or len(data) > 255:
        raise argparse.ArgumentTypeError("option code 1..254, at most 255 bytes")
    return code, data


def parse_code_list(text):
    """1,3,6,66,67 -> [1, 3, 6, 66, 67]"""
    try:
        codes = [int(c, 0) for c in text.split(",") if c.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError("expected decimal codes, e.g. 1,3,66,67")
    if not codes or len(codes) > 255 or not all(1 <= c <= 254 for c in codes):
        raise argparse.ArgumentTypeError("1 to 255 codes, each 1..254")
    return codes


def iface_mac(name):
    with open("/sys/class/net/%s/address" % name) as f:
        return parse_mac(f.read().strip())


def checksum16(data):
    if len(data) % 2:
        data += b"\x00"
    total = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return (~total) & 0xFFFF


def ip_udp(src_ip, dst_ip, sport, dport, payload, ttl=64, ident=None):
    """IPv4 header + UDP header + payload, both checksums filled in."""
    udp_len = 8 + len(payload)
    pseudo = src_ip + dst_ip + struct.pack("!BBH", 0, socket.IPPROTO_UDP, udp_len)
    udp_hdr = struct.pack("!HHHH", sport, dport, udp_len, 0)
    csum = checksum16(pseudo + udp_hdr + payload)
    if csum == 0:
        csum = 0xFFFF
    udp_hdr = struct.pack("!HHHH", sport, dport, udp_len, csum)
    total = 20 + udp_len
    if ident is None:
        ident = random.getrandbits(16)
    hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, total, ident, 0, ttl,
                      socket.IPPROTO_UDP, 0, src_ip, dst_ip)
    hdr = hdr[:10] + struct.pack("!H", checksum16(hdr)) + hdr[12:]
    return hdr + udp_hdr + payload


def option(code, data):
    if len(data) > 255:
        raise ValueError("option %d too long" % code)
    return bytes([code, len(data)]) + data


def agent_option(circuit_id, remote_id):
    sub = b""
    if circuit_id is not None:
        sub += option(1, circuit_id.encode())
    if remote_id is not None:
        sub += option(2, remote_id.encode())
    return option(82, sub)


def bootp(op, xid, chaddr, ciaddr=b"\0" * 4, yiaddr=b"\0" * 4,
          siaddr=b"\0" * 4, giaddr=b"\0" * 4, hops=0, secs=0, flags=0,
          options=b""):
    hdr = struct.pack("!BBBBIHH4s4s4s4s16s64s128s", op, 1, 6, hops, xid,
                      secs, flags, ciaddr, yiaddr, siaddr, giaddr,
                      chaddr.ljust(16, b"\0"), b"", b"")
    msg = hdr + MAGIC + options + b"\xff"
    # Many stacks expect at least the 300-byte BOOTP minimum.
    if len(msg) < 300:
        msg += b"\0" * (300 - len(msg))
    return msg


def parse_options(data):
    """Return {code: bytes} for the options area (no overload handling)."""
    out = {}
    i = 0
    while i < len(data):
        code = data[i]
        if code == 0:
            i += 1
            continue
        if code == 255:
            break
        if i + 1 >= len(data):
            break
        length = data[i + 1]
        out.setdefault(code, b"")
        out[code] += data[i + 2:i + 2 + length]
        i += 2 + length
    return out


def describe_bootp(payload):
    if len(payload) < 240 or payload[236:240] != MAGIC:
        return None
    (op, _htype, hlen, hops, xid, _secs, flags, ciaddr, yiaddr, siaddr,
     giaddr, chaddr) = struct.unpack("!BBBBIHH4s4s4s4s16s", payload[:44])
    opts = parse_options(payload[240:])
    mtype = opts.get(53, b"\0")[0]
    info = {
        "op": op,
        "type": MSG_NAMES.get(mtype, str(mtype)),
        "xid": "0x%08x" % xid,
        "hops": str(hops),
        "flags": "0x%04x" % flags,
        "ciaddr": socket.inet_ntoa(ciaddr),
        "yiaddr": socket.inet_ntoa(yiaddr),
        "siaddr": socket.inet_ntoa(siaddr),
        "giaddr": socket.inet_ntoa(giaddr),
        "chaddr": fmt_mac(chaddr[:min(hlen, 16)]),
        "server_id": socket.inet_ntoa(opts[54]) if len(opts.get(54, b"")) == 4 else "-",
        "opt82": "yes" if 82 in opts else "no",
    }
    if 82 in opts:
        subs = parse_options(opts[82])
        if 1 in subs:
            info["circuit_id"] = subs[1].decode("ascii", "replace")
    return info


def _cstr(raw):
    return _opt_text(raw.split(b"\0", 1)[0])


def _opt_text(data):
    """Option value as text: trailing NULs dropped, other bytes outside
    printable ASCII written \\xNN (so shells can hold it)."""
    return "".join(chr(b) if 0x20 <= b < 0x7F and b != 0x5C else "\\x%02x" % b
                   for b in data.rstrip(b"\0"))


def decode_bootp(payload):
    """Everything a check may want from a BOOTP message, JSON-ready, or None.

    Options are read from the options field and, when option 52 says so,
    from file then sname (RFC 2131 section 4.1); a code that occurs more
    than once is concatenated (RFC 3396).  Option values are given as hex
    and as text (trailing NULs dropped); "option_order" lists the codes in
    the order they appear."""
    if len(payload) < 240 or payload[236:240] != MAGIC:
        return None
    (op, htype, hlen, hops, xid, secs, flags, ciaddr, yiaddr, siaddr,
     giaddr, chaddr, sname, bfile) = struct.unpack(
        "!BBBBIHH4s4s4s4s16s64s128s", payload[:236])
    order = []

    def walk(data):
        i = 0
        while i < len(data):
            code = data[i]
            if code == 0:
                i += 1
                continue
            if code == 255 or i + 1 >= len(data):
                break
            order.append((code, data[i + 2:i + 2 + data[i + 1]]))
            i += 2 + data[i + 1]

    walk(payload[240:])
    overload = 0
    for code, data in order:
        if code == 52 and len(data) == 1:
            overload = data[0]
    if overload & 1:
        walk(bfile)
    if overload & 2:
        walk(sname)
    opts = {}
    for code, data in order:
        opts.setdefault(code, b"")
        opts[code] += data
    mtype = opts.get(53, b"\0")[0] if opts.get(53) else 0
    info = {
        "op": op, "htype": htype, "hlen": hlen, "hops": hops,
        "xid": "0x%08x" % xid, "secs": secs, "flags": "0x%04x" % flags,
        "type": MSG_NAMES.get(mtype, str(mtype)),
        "ciaddr": socket.inet_ntoa(ciaddr), "yiaddr": socket.inet_ntoa(yiaddr),
        "siaddr": socket.inet_ntoa(siaddr), "giaddr": socket.inet_ntoa(giaddr),
        "chaddr": fmt_mac(chaddr[:min(hlen, 16)]),
        "overload": overload,
        "sname": "" if overload & 2 else _cstr(sname),
        "file": "" if overload & 1 else _cstr(bfile),
        "option_order": [code for code, _ in order],
        "options": {str(code): {"hex": data.hex(), "text": _opt_text(data)}
                    for code, data in sorted(opts.items())},
        "length": len(payload),
    }
    for code in (60, 66, 67):
        info["opt%d" % code] = _opt_text(opts[code]) if code in opts else None
    info["server_id"] = socket.inet_ntoa(opts[54]) if len(opts.get(54, b"")) == 4 else None
    info["opt82"] = 82 in opts
    return info


# ---------------------------------------------------------------- request

def open_listener(ifname):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    s.bind((ifname, 0))
    ifindex = socket.if_nametoindex(ifname)
    mreq = struct.pack("iHH8s", ifindex, PACKET_MR_PROMISC, 0, b"")
    s.setsockopt(SOL_PACKET, PACKET_ADD_MEMBERSHIP, mreq)
    return s


def wait_reply(sock, xid, seconds):
    deadline = time.monotonic() + seconds
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            return None
        ready, _, _ = select.select([sock], [], [], left)
        if not ready:
            return None
        frame, addr = sock.recvfrom(65535)
        if addr[2] == PACKET_OUTGOING or len(frame) < 14 + 20 + 8:
            continue
        if struct.unpack("!H", frame[12:14])[0] != ETH_P_IP:
            continue
        ip = frame[14:]
        ihl = (ip[0] & 0x0F) * 4
        if ip[0] >> 4 != 4 or ip[9] != socket.IPPROTO_UDP or len(ip) < ihl + 8:
            continue
        sport, dport = struct.unpack("!HH", ip[ihl:ihl + 4])
        if dport != 68:
            continue
        info = describe_bootp(ip[ihl + 8:])
        if info is None or info["op"] != 2 or info["xid"] != "0x%08x" % xid:
            continue
        info["payload"] = ip[ihl + 8:]
        info["length"] = len(info["payload"])
        full = decode_bootp(info["payload"])
        info["overload"] = full["overload"] if full else 0
        info["src"] = "%s:%d" % (socket.inet_ntoa(ip[12:16]), sport)
        info["dst"] = "%s:%d" % (socket.inet_ntoa(ip[16:20]), dport)
        info["eth_dst"] = fmt_mac(frame[0:6])
        return info


def print_info(prefix, info):
    keys = ["type", "xid", "yiaddr", "siaddr", "giaddr", "ciaddr", "chaddr",
            "flags", "hops", "server_id", "opt82", "circuit_id", "src", "dst",
            "eth_dst", "length", "overload"]
    fields = ["%s=%s" % (k, info[k]) for k in keys if k in info]
    print(prefix + " " + " ".join(fields), flush=True)


def cmd_request(args):
    mac = args.mac or iface_mac(args.iface)
    xid = args.xid if args.xid is not None else random.getrandbits(32)
    opts = option(53, bytes([MSG_TYPES[args.type]]))
    opts += option(61, b"\x01" + mac)
    if args.requested_ip:
        opts += option(50, args.requested_ip)
    if args.server_id:
        opts += option(54, args.server_id)
    opts += option(55, bytes(args.prl) if args.prl is not None
                   else bytes([1, 3, 6, 15, 51, 54, 58, 59]))
    for code, data in args.option or []:
        opts += option(code, data)
    if args.circuit_id is not None or args.remote_id is not None:
        opts += agent_option(args.circuit_id, args.remote_id)  # last, as RFC 3046 asks
    payload = bootp(1, xid, mac, ciaddr=args.ciaddr, giaddr=args.giaddr,
                    hops=args.hops, flags=0x8000 if args.broadcast_flag else 0,
                    options=opts)
    packet = ip_udp(args.src_ip, args.dst_ip, 68, 67, payload, ident=args.ip_id)
    frame = args.dst_mac + mac + struct.pack("!H", ETH_P_IP) + packet

    listener = open_listener(args.iface) if args.wait > 0 else None
    out = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    out.bind((args.iface, 0))
    sent = {"type": args.type.upper(), "xid": "0x%08x" % xid,
            "chaddr": fmt_mac(mac), "giaddr": socket.inet_ntoa(args.giaddr),
            "hops": str(args.hops),
            "opt82": "yes" if (args.circuit_id or args.remote_id) else "no"}
    tries = max(1, args.tries)
    interval = args.wait / tries if args.wait > 0 else 0
    got = None
    for _ in range(tries):
        out.send(frame)
        print_info("sent", sent)
        if listener is None:
            continue
        got = wait_reply(listener, xid, interval)
        if got:
            break
    if listener is None:
        return 0
    if got:
        print_info("reply", got)
        if args.json:
            full = decode_bootp(got["payload"])
            full.update(src=got["src"], dst=got["dst"], eth_dst=got["eth_dst"])
            print("reply-json " + json.dumps(full, sort_keys=True), flush=True)
        return 3 if args.expect_none else 0
    print("no-reply xid=0x%08x after %.1fs" % (xid, args.wait), flush=True)
    return 0 if args.expect_none else 3


# ---------------------------------------------------------------- forge-reply

def cmd_forge(args):
    xid = args.xid if args.xid is not None else random.getrandbits(32)
    server_id = args.server_id or args.src
    opts = option(53, bytes([MSG_TYPES[args.type]]))
    opts += option(54, server_id)
    if args.type != "nak":
        opts += option(51, struct.pack("!I", 60))
        opts += option(1, socket.inet_aton("255.255.255.0"))
    sname = bfile = b""
    if args.split_option:
        # RFC 3396, as ISC dhcpd writes a long option when option 52 lends
        # it file and sname: the value starts in the options field and
        # continues in file, then sname (52 = 3).
        code, total = args.split_option
        val = bytes((i * 7 + 3) & 0xFF for i in range(total))
        a, b = min(250, total), min(120, max(0, total - 250))
        opts += option(52, b"\x03") + option(code, val[:a])
        bfile = (bytes([code, b]) + val[a:a + b] + b"\xff") if b else b"\xff"
        rest = val[a + b:]
        sname = (bytes([code, len(rest)]) + rest + b"\xff") if rest else b"\xff"
    if args.circuit_id is not None:
        opts += agent_option(args.circuit_id, None)
    payload = bootp(2, xid, args.mac, yiaddr=args.yiaddr, siaddr=args.src,
                    giaddr=args.giaddr, hops=1, options=opts)
    if sname or bfile:
        payload = payload[:44] + sname.ljust(64, b"\0")[:64] + bfile.ljust(128, b"\0")[:128] + \
            payload[236:]
    how = args.mode
    if how in ("auto", "udp"):
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((socket.inet_ntoa(args.src), args.sport))
            s.sendto(payload, (socket.inet_ntoa(args.dst), args.dport))
            how = "udp"
        except OSError as e:
            if how == "udp" or e.errno != errno.EADDRINUSE:
                raise
            how = "raw"
        finally:
            s.close()
    if how == "raw":
        s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
        s.sendto(ip_udp(args.src, args.dst, args.sport, args.dport, payload),
                 (socket.inet_ntoa(args.dst), 0))
        s.close()
    print("forged type=%s xid=0x%08x src=%s:%d dst=%s:%d giaddr=%s yiaddr=%s "
          "chaddr=%s via=%s" % (args.type.upper(), xid, socket.inet_ntoa(args.src),
                                args.sport, socket.inet_ntoa(args.dst), args.dport,
                                socket.inet_ntoa(args.giaddr),
                                socket.inet_ntoa(args.yiaddr), fmt_mac(args.mac), how),
          flush=True)
    return 0


# ---------------------------------------------------------------- pcap-dump

LINKTYPES = {1: "EN10MB", 113: "LINUX_SLL", 276: "LINUX_SLL2"}
PKTTYPES = {0: "host", 1: "broadcast", 2: "multicast", 3: "otherhost", 4: "outgoing"}


def read_pcap(path):
    """Yield (linktype, seconds, frame) from a classic pcap file."""
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 24:
        raise ValueError("%s: too short for a pcap file" % path)
    magic = data[:4]
    if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
        end = "<"
    elif magic in (b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
        end = ">"
    else:
        raise ValueError("%s: not a pcap file (pcapng is not read)" % path)
    nano = magic in (b"\x4d\x3c\xb2\xa1", b"\xa1\xb2\x3c\x4d")
    linktype = struct.unpack(end + "I", data[20:24])[0] & 0x0FFFFFFF
    pos = 24
    while pos + 16 <= len(data):
        sec, frac, incl, _orig = struct.unpack(end + "IIII", data[pos:pos + 16])
        pos += 16
        yield linktype, sec + frac / (1e9 if nano else 1e6), data[pos:pos + incl]
        pos += incl


def split_frame(linktype, frame):
    """(meta dict, IPv4 packet) or None for what is not IPv4."""
    meta = {}
    if linktype == 1:
        proto, off = struct.unpack("!H", frame[12:14])[0], 14
        while proto in (0x8100, 0x88A8) and len(frame) >= off + 4:
            meta.setdefault("vlan", (struct.unpack("!H", frame[off:off + 2])[0]) & 0x0FFF)
            proto = struct.unpack("!H", frame[off + 2:off + 4])[0]
            off += 4
        meta["eth_src"], meta["eth_dst"] = fmt_mac(frame[6:12]), fmt_mac(frame[0:6])
    elif linktype == 113:
        if len(frame) < 16:
            return None
        meta["pkttype"] = PKTTYPES.get(struct.unpack("!H", frame[0:2])[0], "?")
        proto, off = struct.unpack("!H", frame[14:16])[0], 16
    elif linktype == 276:
        if len(frame) < 20:
            return None
        proto = struct.unpack("!H", frame[0:2])[0]
        meta["ifindex"] = struct.unpack("!I", frame[4:8])[0]
        meta["pkttype"] = PKTTYPES.get(frame[10], "?")
        off = 20
    else:
        raise ValueError("link type %d not supported" % linktype)
    if proto != ETH_P_IP:
        return None
    return meta, frame[off:]


def udp_datagrams(path):
    """Yield (meta, ip, sport, dport, payload) for each IPv4/UDP datagram
    in the pcap at path (see split_frame for meta)."""
    for _ts, meta, ip, sport, dport, payload in udp_datagrams_ts(path):
        yield meta, ip, sport, dport, payload


def udp_datagrams_ts(path):
    """The same, each with its capture time first (seconds since the
    epoch)."""
    for linktype, ts, frame in read_pcap(path):
        split = split_frame(linktype, frame)
        if not split:
            continue
        meta, ip = split
        if len(ip) < 20 or ip[9] != 17:
            continue
        udp = ip[(ip[0] & 0x0F) * 4:]
        if len(udp) < 8:
            continue
        sport, dport, ulen = struct.unpack("!HHH", udp[:6])
        yield ts, meta, ip, sport, dport, bytes(udp[8:ulen])


def cmd_pcap_dump(args):
    want_type = args.type.upper() if args.type else None
    n = 0
    for linktype, ts, frame in read_pcap(args.file):
        n += 1
        split = split_frame(linktype, frame)
        if split is None:
            continue
        meta, ip = split
        if len(ip) < 28 or ip[0] >> 4 != 4 or ip[9] != socket.IPPROTO_UDP:
            continue
        ihl = (ip[0] & 0x0F) * 4
        sport, dport = struct.unpack("!HH", ip[ihl:ihl + 4])
        if sport not in (67, 68) or dport not in (67, 68):
            continue
        info = decode_bootp(ip[ihl + 8:])
        if info is None:
            continue
        if args.xid is not None and info["xid"] != "0x%08x" % args.xid:
            continue
        if args.op and info["op"] != {"request": 1, "reply": 2}[args.op]:
            continue
        if want_type and info["type"] != want_type:
            continue
        if args.chaddr and info["chaddr"] != fmt_mac(args.chaddr):
            continue
        info.update(meta)
        info.update(frame_no=n, time=round(ts, 6), linktype=LINKTYPES[linktype],
                    src="%s:%d" % (socket.inet_ntoa(ip[12:16]), sport),
                    dst="%s:%d" % (socket.inet_ntoa(ip[16:20]), dport),
                    ip_id=struct.unpack("!H", ip[4:6])[0])
        print(json.dumps(info, sort_keys=True), flush=True)
    return 0


# ---------------------------------------------------------------- CLI

def build_parser():
    p = argparse.ArgumentParser(
        description="Send crafted DHCPv4 packets for the pxerelay lab.",
        epilog="Run '%(prog)s request -h', '%(prog)s forge-reply -h' or "
               "'%(prog)s pcap-dump -h' for the flags of each sub-command.  "
               "request and forge-reply need root (raw sockets).")
    sub = p.add_subparsers(dest="cmd", required=True)

    r = sub.add_parser(
        "request", help="send a BOOTREQUEST frame on an interface",
        description="Send a BOOTREQUEST as a broadcast Ethernet frame from "
                    "0.0.0.0:68 to 255.255.255.255:67 on IFACE, optionally wait "
                    "for the matching BOOTREPLY.")
    r.add_argument("-i", "--iface", required=True, help="interface to send on")
    r.add_argument("--type", choices=sorted(MSG_TYPES), default="discover",
                   help="DHCP message type (option 53), default discover")
    r.add_argument("--mac", type=parse_mac,
                   help="chaddr and Ethernet source (default: the interface's MAC)")
    r.add_argument("--xid", type=parse_xid, help="transaction id in hex (default random)")
    r.add_argument("--ciaddr", type=parse_ip, default=b"\0" * 4, help="ciaddr (default 0.0.0.0)")
    r.add_argument("--giaddr", type=parse_ip, default=b"\0" * 4,
                   help="giaddr, as if another relay sat below (default 0.0.0.0)")
    r.add_argument("--hops", type=int, default=0, help="hops field (default 0)")
    r.add_argument("--broadcast-flag", action="store_true",
                   help="set the BOOTP broadcast flag so the reply is broadcast")
    r.add_argument("--requested-ip", type=parse_ip, help="option 50")
    r.add_argument("--server-id", type=parse_ip, help="option 54")
    r.add_argument("--circuit-id", help="add option 82 with this circuit-id (sub 1)")
    r.add_argument("--remote-id", help="add option 82 with this remote-id (sub 2)")
    r.add_argument("--option", type=parse_raw_option, action="append",
                   metavar="CODE:HEX", help="extra raw option, repeatable (e.g. 93:0007)")
    r.add_argument("--src-ip", type=parse_ip, default=b"\0" * 4, help="IP source (default 0.0.0.0)")
    r.add_argument("--dst-ip", type=parse_ip, default=b"\xff" * 4,
                   help="IP destination (default 255.255.255.255)")
    r.add_argument("--dst-mac", type=parse_mac, default=b"\xff" * 6,
                   help="Ethernet destination (default broadcast)")
    r.add_argument("--wait", type=float, default=0.0, metavar="SECONDS",
                   help="listen this long for a BOOTREPLY with the same xid")
    r.add_argument("--tries", type=int, default=1,
                   help="send this many times, spread over --wait (default 1)")
    r.add_argument("--expect-none", action="store_true",
                   help="succeed only if no reply arrives within --wait")
    r.add_argument("--prl", type=parse_code_list, metavar="CODE,...",
                   help="option 55 parameter request list, decimal codes "
                        "(default 1,3,6,15,51,54,58,59)")
    r.add_argument("--ip-id", type=int, metavar="N",
                   help="IP identification of the sent frame (default random); "
                        "fixed, it makes captures repeatable")
    r.add_argument("--json", action="store_true",
                   help="after the reply line, print 'reply-json {...}': the full "
                        "decode (siaddr, sname, file, every option)")
    r.set_defaults(func=cmd_request)

    f = sub.add_parser(
        "forge-reply", help="send a BOOTREPLY over UDP from a chosen source",
        description="Send a BOOTREPLY from SRC to DST:DPORT (default the relay "
                    "at 10.0.0.1:67), as a host that is not a configured server would.")
    f.add_argument("--src", type=parse_ip, required=True,
                   help="source address; must be configured in the namespace")
    f.add_argument("--dst", type=parse_ip, default=socket.inet_aton("10.0.0.1"),
                   help="destination (default 10.0.0.1)")
    f.add_argument("--sport", type=int, default=67, help="source port (default 67)")
    f.add_argument("--dport", type=int, default=67, help="destination port (default 67)")
    f.add_argument("--type", choices=["offer", "ack", "nak"], default="offer",
                   help="message type (default offer)")
    f.add_argument("--mac", type=parse_mac, default=parse_mac("02:00:00:00:66:66"),
                   help="chaddr (default 02:00:00:00:66:66)")
    f.add_argument("--xid", type=parse_xid, help="transaction id in hex (default random)")
    f.add_argument("--giaddr", type=parse_ip, default=socket.inet_aton("10.10.0.1"),
                   help="giaddr, selects the client link at the relay (default 10.10.0.1)")
    f.add_argument("--yiaddr", type=parse_ip, default=socket.inet_aton("10.10.0.99"),
                   help="offered address (default 10.10.0.99)")
    f.add_argument("--server-id", type=parse_ip, help="option 54 (default: --src)")
    f.add_argument("--circuit-id", help="echo an option 82 with this circuit-id")
    f.add_argument("--split-option", type=parse_split, metavar="CODE:LEN",
                   help="a LEN-byte option CODE split across the options field, file "
                        "and sname (option 52 = 3), as ISC dhcpd writes long ones")
    f.add_argument("--mode", choices=["auto", "udp", "raw"], default="auto",
                   help="udp: bound UDP socket; raw: hand-built IP datagram; "
                        "auto: udp, raw if the port is taken (default)")
    f.set_defaults(func=cmd_forge)

    d = sub.add_parser(
        "pcap-dump", help="print the BOOTP packets of a pcap file as JSON lines",
        description="Decode each BOOTP packet of FILE (pcap with Ethernet, Linux "
                    "cooked SLL or SLL2 frames) and print it as one JSON object "
                    "per line: header fields, sname, file, every option (hex and "
                    "text), and for cooked captures the direction and ifindex.")
    d.add_argument("file", help="pcap file (classic pcap, not pcapng)")
    d.add_argument("--xid", type=parse_xid, help="only this transaction id (hex)")
    d.add_argument("--op", choices=["request", "reply"], help="only BOOTREQUESTs or BOOTREPLYs")
    d.add_argument("--type", choices=sorted(MSG_TYPES), help="only this message type")
    d.add_argument("--chaddr", type=parse_mac, help="only this client MAC")
    d.set_defaults(func=cmd_pcap_dump)
    return p


def main(argv=None):
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except (OSError, ValueError) as e:
        print("dhcp_probe: %s" % e, file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
