#!/usr/bin/env python3
"""malformed.py - hostile and broken packets for the pxerelay namespace lab.

Python 3 standard library only.  Frames are built by hand (Ethernet, IPv4,
UDP, with correct checksums unless a case is about a bad one) and sent on
an AF_PACKET socket, so nothing in the sending host's stack fixes them up.

Sub-commands (run the network ones inside a namespace, `ip netns exec NS`):

  list [dhcp|tftp]    The case names, one per line: "NAME EXPECT SEEN" for
                      DHCP cases, where EXPECT is what the relay should do
                      with what it sees (relay, or drop:REASON, the reason
                      of pxerelay_dropped_total) and SEEN how many of the
                      case's frames reach it at all (0: the capture filter
                      or the kernel never hands it over; see the notes).
  send -i IF CASE     Send one DHCP case on IF.  --relay-ip/--relay-mac name
                      the relay on that link (for unicast cases).
  tftp CASE SERVER    Send one TFTP case from --bind ADDR to SERVER:69 and
                      print what came back ("answer op=N ..." or "silent");
                      a transfer that started is aborted at once with an
                      ERROR of ours, so the relay holds no session for it.
  dora -i IF          A DHCP client in a loop: DISCOVER, OFFER, REQUEST, ACK
                      with --mac; one line per exchange, "lease ip=A
                      server=S at=EPOCH" or "fail stage=... at=EPOCH".
                      --count N exchanges (0: until killed), --interval S
                      between them, --wait S for each answer.
  rogue -i IF         A rogue DHCP server on a client link: BOOTREPLYs to
                      the relay's address (--relay-ip/--relay-mac) and to
                      broadcast, UDP ports 67 and 68, with its own source
                      address (--src) and spoofed as --spoof.  Prints one
                      "rogue NAME dport=P reaches_relay_socket=0|1" line each.

Exit status: 0 success, 1 usage or socket error, 3 (dora --count) an
exchange failed.
"""

import argparse
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
BCAST_MAC = b"\xff" * 6
ZERO4 = b"\0" * 4
BCAST4 = b"\xff" * 4


# ---------------------------------------------------------------- building blocks

def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


def mac_bytes(text):
    return bytes(int(p, 16) for p in text.split(":"))


def iface_mac(name):
    with open("/sys/class/net/%s/address" % name) as f:
        return mac_bytes(f.read().strip())


def udp(src, dst, sport, dport, payload, length=None, bad_sum=False):
    """UDP header + payload; length overrides the UDP length field."""
    ulen = 8 + len(payload) if length is None else length
    pseudo = src + dst + struct.pack("!BBH", 0, 17, 8 + len(payload))
    c = csum(pseudo + struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload)
    c = c or 0xFFFF
    if bad_sum:
        c ^= 0x5A5A
    return struct.pack("!HHHH", sport, dport, ulen, c) + payload


def ipv4(src, dst, body, ident=None, flags_frag=0, total=None, ihl=5,
         bad_sum=False, opts=b"", proto=17):
    """IPv4 header (IHL words; options opts pad it) + body."""
    hl = max(ihl, 5) * 4
    opts = opts.ljust(hl - 20, b"\0")[:hl - 20]
    tot = 20 + len(opts) + len(body) if total is None else total
    if ident is None:
        ident = random.getrandbits(16)
    h = struct.pack("!BBHHHBBH4s4s", 0x40 | (ihl & 0xF), 0, tot & 0xFFFF, ident,
                    flags_frag, 64, proto, 0, src, dst) + opts
    c = csum(h)
    if bad_sum:
        c ^= 0x1234
    h = h[:10] + struct.pack("!H", c) + h[12:]
    return h + body


def ether(dst_mac, src_mac, packet):
    return dst_mac + src_mac + struct.pack("!H", ETH_P_IP) + packet


def opt(code, data):
    return bytes([code, len(data)]) + data


def bootp(op=1, htype=1, hlen=6, hops=0, xid=None, chaddr=b"", ciaddr=ZERO4,
          yiaddr=ZERO4, siaddr=ZERO4, giaddr=ZERO4, flags=0, sname=b"",
          file=b"", cookie=MAGIC, options=b"", end=True, pad_to=300):
    if xid is None:
        xid = random.getrandbits(32)
    hdr = struct.pack("!BBBBIHH4s4s4s4s16s64s128s", op, htype, hlen, hops, xid,
                      0, flags, ciaddr, yiaddr, siaddr, giaddr,
                      chaddr.ljust(16, b"\0")[:16], sname[:64], file[:128])
    msg = hdr + cookie + options + (b"\xff" if end else b"")
    if pad_to and len(msg) < pad_to:
        msg += b"\0" * (pad_to - len(msg))
    return msg


def fragments(src, dst, udp_datagram, mtu=1500):
    """IPv4 fragments of one UDP datagram (payload 8-byte aligned pieces)."""
    ident = random.getrandbits(16)
    step = (mtu - 20) // 8 * 8
    out = []
    for off in range(0, len(udp_datagram), step):
        piece = udp_datagram[off:off + step]
        more = 0x2000 if off + step < len(udp_datagram) else 0
        out.append(ipv4(src, dst, piece, ident=ident, flags_frag=more | (off // 8)))
    return out


# ---------------------------------------------------------------- the DHCP corpus

class Ctx:
    def __init__(self, mac, relay_ip, relay_mac):
        self.mac = mac
        self.relay_ip = relay_ip
        self.relay_mac = relay_mac

    def bcast(self, payload, **ipkw):
        """A client broadcast to 255.255.255.255:67, as a frame."""
        body = udp(ZERO4, BCAST4, 68, 67, payload)
        return ether(BCAST_MAC, self.mac, ipv4(ZERO4, BCAST4, body, **ipkw))

    def discover(self, options=b"", **kw):
        o = opt(53, b"\x01") + opt(61, b"\x01" + self.mac) + options
        kw.setdefault("chaddr", self.mac)
        return bootp(options=o, **kw)


def c_trunc(n):
    def f(c):
        return [c.bcast(c.discover()[:n])]
    return f


def c_optlen_past_end(c):
    # option 12 says 200 bytes, 10 follow, and the datagram ends there
    msg = bootp(chaddr=c.mac, options=b"", end=False, pad_to=0)
    return [c.bcast(msg + opt(53, b"\x01") + bytes([12, 200]) + b"A" * 10)]


def c_optlen_no_len(c):
    # the last option has a code and no length byte
    msg = bootp(chaddr=c.mac, options=b"", end=False, pad_to=0)
    return [c.bcast(msg + opt(53, b"\x01") + b"\x0c")]


def c_overload_loop_file(c):
    # option 52 = 1 (file holds options) and the file field holds option 52 again
    f = opt(52, b"\x01") + b"\xff"
    return [c.bcast(c.discover(opt(52, b"\x01"), file=f))]


def c_overload_loop_sname(c):
    f = opt(52, b"\x03") + b"\xff"
    return [c.bcast(c.discover(opt(52, b"\x03"), file=b"\xff", sname=f))]


def c_overload_garbage(c):
    # option 52 = 3: file and sname full of 0x41 ('A' = code 65, length 65)
    return [c.bcast(c.discover(opt(52, b"\x03"), file=b"A" * 128, sname=b"A" * 64))]


def c_overload_bad_value(c):
    return [c.bcast(c.discover(opt(52, b"\x07")))]


def c_overload_empty(c):
    return [c.bcast(c.discover(opt(52, b"")))]


def c_overload_in_sname_past_end(c):
    # sname holds an option whose length runs past the 64-byte field
    return [c.bcast(c.discover(opt(52, b"\x02"), sname=bytes([12, 100]) + b"x" * 62))]


def c_hops(n):
    def f(c):
        return [c.bcast(c.discover(hops=n))]
    return f


def c_hlen(n, htype=1):
    def f(c):
        return [c.bcast(c.discover(hlen=n, htype=htype))]
    return f


def c_giant_options(c):
    # 255-byte options until the UDP payload is 1472 bytes (a full frame)
    msg = bootp(chaddr=c.mac, options=opt(53, b"\x01"), end=False, pad_to=0)
    code = 224
    while len(msg) + 257 + 1 <= 1472:
        msg += opt(code, bytes([code]) * 255)
        code += 1
    msg += bytes([code, 1472 - len(msg) - 3]) + b"z" * (1472 - len(msg) - 3) + b"\xff"
    assert len(msg) == 1472, len(msg)
    return [c.bcast(msg)]


def c_frag64k(op):
    def f(c):
        payload = bootp(op=op, chaddr=c.mac, options=opt(53, b"\x01"), end=False, pad_to=0)
        payload += b"\0" * (65000 - len(payload))
        if op == 1:
            src, dst, dmac, sport = ZERO4, BCAST4, BCAST_MAC, 68
        else:
            src, dst, dmac, sport = socket.inet_aton("10.66.66.66"), c.relay_ip, c.relay_mac, 67
        dgram = udp(src, dst, sport, 67, payload)
        return [ether(dmac, c.mac, p) for p in fragments(src, dst, dgram)]
    return f


def c_opt82_garbage(c):
    # sub-option 1 says 50 bytes, 3 follow
    return [c.bcast(c.discover(opt(82, bytes([1, 50]) + b"abc")))]


def c_opt82_nested(c):
    # well-formed sub-options, each holding what looks like more sub-options
    inner = bytes([1, 4, 2, 2, 1, 0]) + bytes([0xfe, 3, 0xff, 0xff, 0xff])
    return [c.bcast(c.discover(opt(82, bytes([9, len(inner)]) + inner + bytes([0, 0]))))]


def c_opt82_empty(c):
    return [c.bcast(c.discover(opt(82, b"")))]


def c_missing_end(c):
    msg = bootp(chaddr=c.mac, options=opt(53, b"\x01") + opt(61, b"\x01" + c.mac),
                end=False, pad_to=0)
    return [c.bcast(msg)]


def c_no_cookie(c):
    return [c.bcast(bootp(chaddr=c.mac, cookie=b"", end=False))]


def c_ip_bad_sum(c):
    return [c.bcast(c.discover(), bad_sum=True)]


def c_ip_ihl_short(c):
    # IHL 3 (12 bytes): the capture filter finds no UDP port 67 there
    p = bytearray(c.bcast(c.discover()))
    p[14] = 0x43
    return [bytes(p)]


def c_ip_ihl_long(c):
    # IHL 15: the UDP header the filter looks for sits 60 bytes in, inside
    # what a sane stack reads as the datagram; the total length (40) is
    # shorter than the header it claims
    payload = c.discover()
    body = udp(ZERO4, BCAST4, 68, 67, payload)
    return [ether(BCAST_MAC, c.mac, ipv4(ZERO4, BCAST4, body, ihl=15, total=40))]


def c_ip_total_long(c):
    payload = c.discover()
    body = udp(ZERO4, BCAST4, 68, 67, payload)
    return [ether(BCAST_MAC, c.mac, ipv4(ZERO4, BCAST4, body, total=20 + len(body) + 600))]


def c_udp_len_long(c):
    payload = c.discover()
    body = udp(ZERO4, BCAST4, 68, 67, payload, length=8 + len(payload) + 100)
    return [ether(BCAST_MAC, c.mac, ipv4(ZERO4, BCAST4, body))]


def c_udp_len_short(c):
    payload = c.discover()
    body = udp(ZERO4, BCAST4, 68, 67, payload, length=7)
    return [ether(BCAST_MAC, c.mac, ipv4(ZERO4, BCAST4, body))]


def c_udp_bad_sum(c):
    payload = c.discover()
    body = udp(ZERO4, BCAST4, 68, 67, payload, bad_sum=True)
    return [ether(BCAST_MAC, c.mac, ipv4(ZERO4, BCAST4, body))]


def c_msg(mtype, extra=b"", **kw):
    def f(c):
        o = opt(53, bytes([mtype])) + opt(61, b"\x01" + c.mac) + extra
        return [c.bcast(bootp(chaddr=c.mac, options=o, **kw))]
    return f


def c_inform_unicast(c):
    ci = socket.inet_aton("10.10.0.77")
    o = opt(53, b"\x08") + opt(61, b"\x01" + c.mac)
    payload = bootp(chaddr=c.mac, ciaddr=ci, options=o)
    body = udp(ci, c.relay_ip, 68, 67, payload)
    return [ether(c.relay_mac, c.mac, ipv4(ci, c.relay_ip, body))]


def c_release_other_host(c):
    # unicast to the server's address through the router: routed, not relayed
    ci = socket.inet_aton("10.10.0.77")
    srv = socket.inet_aton("10.0.0.2")
    o = opt(53, b"\x07") + opt(54, srv) + opt(61, b"\x01" + c.mac)
    payload = bootp(chaddr=c.mac, ciaddr=ci, options=o)
    body = udp(ci, srv, 68, 67, payload)
    return [ether(c.relay_mac, c.mac, ipv4(ci, srv, body))]


def c_decline_spoofed_giaddr(c):
    o = opt(53, b"\x04") + opt(61, b"\x01" + c.mac)
    return [c.bcast(bootp(chaddr=c.mac, giaddr=c.relay_ip, options=o))]


def c_reply_on_client_link(c):
    o = opt(53, b"\x02") + opt(54, socket.inet_aton("10.0.0.2"))
    return [c.bcast(bootp(op=2, chaddr=c.mac, yiaddr=socket.inet_aton("10.10.0.66"),
                          giaddr=c.relay_ip, options=o))]


def c_reply_spoofed_server(c):
    # the same from the real server's address: a reply on a client link
    srv = socket.inet_aton("10.0.0.2")
    o = opt(53, b"\x02") + opt(54, srv)
    payload = bootp(op=2, chaddr=c.mac, yiaddr=socket.inet_aton("10.10.0.66"),
                    giaddr=c.relay_ip, options=o)
    return [ether(BCAST_MAC, c.mac, ipv4(srv, BCAST4, udp(srv, BCAST4, 67, 67, payload)))]


def c_ip_options(c):
    # IHL 6: a valid header with 4 bytes of options (NOP NOP NOP EOL)
    payload = c.discover()
    body = udp(ZERO4, BCAST4, 68, 67, payload)
    return [ether(BCAST_MAC, c.mac, ipv4(ZERO4, BCAST4, body, ihl=6, opts=b"\x01\x01\x01\x00"))]


def c_opt82_in_file(c):
    # option 82 carried in the file field (option 52 = 1)
    f = opt(82, bytes([1, 3]) + b"sw1") + b"\xff"
    return [c.bcast(c.discover(opt(52, b"\x01"), file=f))]


def c_opt82_split(c):
    # RFC 3396: two instances of option 82, joined they are well-formed
    return [c.bcast(c.discover(opt(82, bytes([1, 6]) + b"sw") + opt(82, b"itch")))]


def c_relayed_below(c):
    # giaddr of a relay further down, hops 1: relayed, only hops changes
    return [c.bcast(c.discover(giaddr=socket.inet_aton("10.99.0.1"), hops=1))]


def c_op_garbage(c):
    # op 7: neither request nor reply; the capture filter wants op 1
    return [c.bcast(c.discover(op=7))]


def c_many_small_options(c):
    o = b"".join(bytes([code, 0]) for code in range(1, 255) if code not in (52, 53, 82))
    return [c.bcast(c.discover(o))]


def c_pad_only(c):
    # cookie, then 1200 PAD bytes and no END
    msg = bootp(chaddr=c.mac, options=b"\0" * 1200, end=False, pad_to=0)
    return [c.bcast(msg)]


# name -> (builder, expectation, frames the relay's capture sees, comment)
# expectation: "relay" (relayed: pxerelay_relayed_total of the link + 1) or
# "drop:REASON" (pxerelay_dropped_total{reason="REASON"} + 1); the reason
# "any" accepts any single reason.
DHCP_CASES = [
    ("trunc-10", c_trunc(10), "drop:malformed", 1, "10 bytes of BOOTP header"),
    ("trunc-100", c_trunc(100), "drop:malformed", 1, ""),
    ("trunc-235", c_trunc(235), "drop:malformed", 1, "one byte short of the header"),
    ("trunc-239", c_trunc(239), "relay", 1,
     "header + 3 bytes: no whole magic cookie, so plain BOOTP (RFC 951) with a 3-byte vendor area"),
    ("optlen-past-end", c_optlen_past_end, "drop:malformed", 1, ""),
    ("optlen-missing", c_optlen_no_len, "drop:malformed", 1, ""),
    ("overload-loop-file", c_overload_loop_file, "drop:malformed", 1, ""),
    ("overload-loop-sname", c_overload_loop_sname, "drop:malformed", 1, ""),
    ("overload-garbage", c_overload_garbage, "drop:malformed", 1, ""),
    ("overload-bad-value", c_overload_bad_value, "drop:malformed", 1, ""),
    ("overload-empty", c_overload_empty, "drop:malformed", 1, ""),
    ("overload-sname-past-end", c_overload_in_sname_past_end, "drop:malformed", 1, ""),
    ("hops-5", c_hops(5), "drop:hops_exceeded", 1, "max-hops is 4"),
    ("hops-255", c_hops(255), "drop:hops_exceeded", 1, ""),
    ("hlen-0", c_hlen(0), "drop:bad_htype", 1, ""),
    ("hlen-255", c_hlen(255), "drop:bad_htype", 1, ""),
    ("hlen-16-ethernet", c_hlen(16), "drop:bad_htype", 1, "htype 1 needs hlen 6"),
    ("htype-garbage", c_hlen(6, htype=0xEE), "relay", 1,
     "htype 238, hlen 6: not Ethernet but sane; relayed"),
    ("giant-options", c_giant_options, "relay", 1,
     "a full 1472-byte payload: no room for option 82, relayed without it"),
    ("frag64k-request", c_frag64k(1), "drop:malformed", 1,
     "45 fragments; only the first (offset 0) matches the capture filter and is"
     " dropped as a fragment; the reassembled datagram reaches the UDP socket,"
     " whose filter keeps BOOTREPLYs only"),
    ("frag64k-reply", c_frag64k(2), "drop:too_big", 1,
     "op 2 to the relay's address: reassembled by the kernel, 65000 bytes at the"
     " UDP socket, larger than any message taken"),
    ("opt82-garbage-untrusted", c_opt82_garbage, "drop:untrusted_agent_option", 1, ""),
    ("opt82-empty-untrusted", c_opt82_empty, "drop:untrusted_agent_option", 1, ""),
    ("missing-end", c_missing_end, "relay", 1, "tolerated: several BOOTP stacks omit END"),
    ("no-cookie", c_no_cookie, "relay", 1, "plain BOOTP"),
    ("pad-only-no-end", c_pad_only, "relay", 1, ""),
    ("many-small-options", c_many_small_options, "relay", 1, "251 empty options"),
    ("ip-bad-checksum", c_ip_bad_sum, "drop:malformed", 1, ""),
    ("ip-ihl-short", c_ip_ihl_short, "drop:malformed", 0,
     "IHL 3: the capture filter reads the UDP ports inside the IP header and"
     " does not match; the kernel's ip_rcv drops it too"),
    ("ip-ihl-long", c_ip_ihl_long, "drop:malformed", 1,
     "IHL 15 and total length 40: matches the filter, refused by the frame parser"),
    ("ip-total-long", c_ip_total_long, "drop:malformed", 1, "total length 600 past the frame"),
    ("udp-len-long", c_udp_len_long, "drop:malformed", 1, "UDP length 100 past the IP payload"),
    ("udp-len-short", c_udp_len_short, "drop:malformed", 1, "UDP length 7"),
    ("udp-bad-checksum", c_udp_bad_sum, "relay", 1,
     "UDP checksums are not verified (frame.c: veth frames carry partial sums)"),
    ("op-garbage", c_op_garbage, "drop:malformed", 0,
     "op 7: the capture filter keeps op 1 only; the UDP socket's filter op 2 only"),
    ("reply-on-client-link", c_reply_on_client_link, "drop:reply_not_from_server", 1,
     "op 2 broadcast to port 67 on a client link from 0.0.0.0: the UDP socket gets it"),
    ("reply-on-client-link-spoofed", c_reply_spoofed_server, "drop:reply_wrong_link", 1,
     "the same from 10.0.0.2, a configured server, on the wrong link"),
    ("ip-options", c_ip_options, "relay", 1, "IHL 6 with valid IP options"),
    ("relayed-below", c_relayed_below, "relay", 1, "giaddr 10.99.0.1 set by a relay below"),
    ("opt82-in-file-untrusted", c_opt82_in_file, "drop:untrusted_agent_option", 1,
     "option 82 hidden in the overloaded file field"),
    ("opt82-split-untrusted", c_opt82_split, "drop:untrusted_agent_option", 1, ""),
    ("inform-broadcast-ciaddr", c_msg(8, ciaddr=socket.inet_aton("10.10.0.77")), "relay", 1, ""),
    ("inform-unicast-to-relay", c_inform_unicast, "relay", 1, ""),
    ("inform-no-ciaddr", c_msg(8), "relay", 1, "an INFORM without ciaddr"),
    ("release-broadcast", c_msg(7, opt(54, socket.inet_aton("10.0.0.2")),
                                ciaddr=socket.inet_aton("10.10.0.77")), "relay", 1,
     "RELEASE is unicast by RFC 2131; broadcast it is relayed"),
    ("release-to-other-host", c_release_other_host, "drop:not_for_relay", 1,
     "unicast to 10.0.0.2 through the router: routed, counted not_for_relay"),
    ("decline-no-option50", c_msg(4), "relay", 1, ""),
    ("decline-spoofed-giaddr", c_decline_spoofed_giaddr, "drop:spoofed_giaddr", 1, ""),
    ("msgtype-200", c_msg(200), "relay", 1, "an unknown DHCP message type"),
    ("msgtype-empty", lambda c: [c.bcast(bootp(chaddr=c.mac, options=opt(53, b"")))], "relay", 1,
     "option 53 of length 0"),
]

# Cases for a trusted link (option 82 accepted there, so its content is read).
DHCP_TRUSTED_CASES = [
    ("opt82-garbage-trusted", c_opt82_garbage, "drop:bad_agent_option", 1,
     "sub-option 1 says 50 bytes, 3 follow"),
    ("opt82-nested-trusted", c_opt82_nested, "relay", 1,
     "well-formed sub-options holding garbage: replaced by ours (policy replace)"),
    ("opt82-in-file-trusted", c_opt82_in_file, "relay", 1,
     "option 82 in the overloaded file field, replaced by ours"),
    ("opt82-split-trusted", c_opt82_split, "relay", 1, "RFC 3396 split, joined well-formed"),
    ("opt82-split-garbage-trusted", lambda c: [c.bcast(c.discover(opt(82, bytes([1, 9]) + b"sw") + opt(82, b"x")))],
     "drop:bad_agent_option", 1, "split, joined it still runs past its end"),
]


# ---------------------------------------------------------------- TFTP corpus

def rrq(name, mode=b"octet", opts=()):
    p = struct.pack("!H", 1) + name + b"\0" + mode + b"\0"
    for k, v in opts:
        p += k + b"\0" + v + b"\0"
    return p


# name -> (payload, expectation: "malformed" | "answer"). A read request
# the proxy cannot parse (no NUL, no name, a name too long) is answered with
# an ERROR that says why, and counted as a refused request.
TFTP_CASES = [
    ("rrq-no-nul", struct.pack("!H", 1) + b"f.bin", "answer"),
    ("rrq-mode-no-nul", struct.pack("!H", 1) + b"f.bin\0octet", "answer"),
    ("rrq-empty-name", rrq(b""), "answer"),
    ("rrq-name-4000", rrq(b"a" * 4000), "answer"),
    ("rrq-option-no-nul", rrq(b"f.bin") + b"blksize\0" + b"1468", "answer"),
    ("rrq-option-name-only", rrq(b"f.bin") + b"blksize", "answer"),
    ("rrq-blksize-0", rrq(b"f.bin", opts=[(b"blksize", b"0")]), "answer"),
    ("rrq-blksize-99999999", rrq(b"f.bin", opts=[(b"blksize", b"99999999")]), "answer"),
    ("rrq-windowsize-0", rrq(b"f.bin", opts=[(b"windowsize", b"0")]), "answer"),
    ("rrq-tsize-garbage", rrq(b"f.bin", opts=[(b"tsize", b"-1x")]), "answer"),
    ("rrq-bad-mode", rrq(b"f.bin", mode=b"mail"), "answer"),
    ("opcode-unknown", struct.pack("!H", 9) + b"x\0octet\0", "malformed"),
    ("opcode-0", struct.pack("!H", 0), "malformed"),
    ("data-to-port-69", struct.pack("!HH", 3, 1) + b"x" * 100, "malformed"),
    ("ack-to-port-69", struct.pack("!HH", 4, 1), "malformed"),
    ("one-byte", b"\x01", "malformed"),
    ("empty", b"", "malformed"),
    ("datagram-64k", struct.pack("!H", 1) + b"b" * 65000, "answer"),
]


# ---------------------------------------------------------------- commands

def packet_socket(ifname):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((ifname, 0))
    return s


def cmd_list(args):
    if args.what in ("dhcp", "all"):
        for name, _f, exp, seen, _c in DHCP_CASES:
            print("%s %s %d untrusted" % (name, exp, seen))
        for name, _f, exp, seen, _c in DHCP_TRUSTED_CASES:
            print("%s %s %d trusted" % (name, exp, seen))
    if args.what in ("tftp", "all"):
        for name, _p, exp in TFTP_CASES:
            print("%s %s" % (name, exp))
    return 0


def cmd_send(args):
    cases = {n: (f, e, s, c) for n, f, e, s, c in DHCP_CASES + DHCP_TRUSTED_CASES}
    if args.case not in cases:
        print("unknown case %s" % args.case, file=sys.stderr)
        return 1
    f, exp, seen, comment = cases[args.case]
    mac = mac_bytes(args.mac) if args.mac else iface_mac(args.iface)
    ctx = Ctx(mac, socket.inet_aton(args.relay_ip), mac_bytes(args.relay_mac))
    frames = f(ctx)
    s = packet_socket(args.iface)
    for fr in frames:
        s.send(fr)
    print("sent %s frames=%d bytes=%d expect=%s seen=%d%s" % (
        args.case, len(frames), sum(len(x) for x in frames), exp, seen,
        " # " + comment if comment else ""), flush=True)
    return 0


def cmd_tftp(args):
    cases = {n: (p, e) for n, p, e in TFTP_CASES}
    if args.case not in cases:
        print("unknown case %s" % args.case, file=sys.stderr)
        return 1
    payload, exp = cases[args.case]
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((args.bind, 0))
    s.sendto(payload, (args.server, 69))
    ready, _, _ = select.select([s], [], [], args.wait)
    if not ready:
        print("silent %s expect=%s len=%d" % (args.case, exp, len(payload)), flush=True)
        return 0
    data, peer = s.recvfrom(70000)
    op = struct.unpack("!H", data[:2])[0] if len(data) >= 2 else -1
    detail = ""
    if op == 5 and len(data) >= 4:
        detail = " code=%d msg=%s" % (struct.unpack("!H", data[2:4])[0],
                                       data[4:].split(b"\0")[0].decode("ascii", "replace").replace(" ", "_"))
    elif op == 6:
        detail = " oack=" + ",".join(x.decode("ascii", "replace") for x in data[2:].split(b"\0") if x)
    elif op == 3:
        detail = " block=%d datalen=%d" % (struct.unpack("!H", data[2:4])[0], len(data) - 4)
    if op in (3, 6):
        # abort the transfer we started: ERROR 0 from our side
        s.sendto(struct.pack("!HH", 5, 0) + b"malformed.py aborts\0", peer)
    print("answer %s expect=%s op=%d len=%d%s" % (args.case, exp, op, len(data), detail), flush=True)
    return 0


def open_listener(ifname):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    s.bind((ifname, 0))
    mreq = struct.pack("iHH8s", socket.if_nametoindex(ifname), PACKET_MR_PROMISC, 0, b"")
    s.setsockopt(SOL_PACKET, PACKET_ADD_MEMBERSHIP, mreq)
    return s


def wait_reply(sock, xid, want, seconds):
    """The first BOOTREPLY for xid with DHCP message type in want."""
    deadline = time.monotonic() + seconds
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            return None
        ready, _, _ = select.select([sock], [], [], left)
        if not ready:
            return None
        frame, addr = sock.recvfrom(65535)
        if addr[2] == PACKET_OUTGOING or len(frame) < 14 + 20 + 8 + 240:
            continue
        if struct.unpack("!H", frame[12:14])[0] != ETH_P_IP:
            continue
        ip = frame[14:]
        ihl = (ip[0] & 0xF) * 4
        if ip[9] != 17 or struct.unpack("!H", ip[ihl + 2:ihl + 4])[0] != 68:
            continue
        b = ip[ihl + 8:]
        if b[0] != 2 or struct.unpack("!I", b[4:8])[0] != xid or b[236:240] != MAGIC:
            continue
        opts, i = {}, 240
        while i + 1 < len(b) and b[i] != 255:
            if b[i] == 0:
                i += 1
                continue
            opts[b[i]] = b[i + 2:i + 2 + b[i + 1]]
            i += 2 + b[i + 1]
        mt = opts.get(53, b"\0")[0]
        if mt not in want:
            continue
        return {"type": mt, "yiaddr": b[16:20], "server": opts.get(54, ZERO4)}


def cmd_dora(args):
    mac = mac_bytes(args.mac)
    lst = open_listener(args.iface)
    out = packet_socket(args.iface)
    ctx = Ctx(mac, ZERO4, BCAST_MAC)
    n = failed = 0
    while args.count == 0 or n < args.count:
        n += 1
        xid = random.getrandbits(32)
        base = opt(61, b"\x01" + mac) + opt(55, bytes([1, 3, 54]))
        out.send(ctx.bcast(bootp(xid=xid, chaddr=mac, flags=0x8000,
                                 options=opt(53, b"\x01") + base)))
        offer = wait_reply(lst, xid, (2,), args.wait)
        stage = "offer"
        if offer:
            out.send(ctx.bcast(bootp(xid=xid, chaddr=mac, flags=0x8000,
                                     options=opt(53, b"\x03") + opt(50, offer["yiaddr"]) +
                                     opt(54, offer["server"]) + base)))
            ack = wait_reply(lst, xid, (5, 6), args.wait)
            stage = "ack" if not ack else "nak"
            if ack and ack["type"] == 5:
                print("lease ip=%s server=%s at=%.3f n=%d" % (
                    socket.inet_ntoa(ack["yiaddr"]), socket.inet_ntoa(ack["server"]),
                    time.time(), n), flush=True)
                if args.until_lease:
                    return 0
                time.sleep(args.interval)
                continue
        failed += 1
        print("fail stage=%s at=%.3f n=%d" % (stage, time.time(), n), flush=True)
        if not args.until_lease:
            time.sleep(args.interval)
    return 3 if failed or args.until_lease else 0


def cmd_rogue(args):
    mac = iface_mac(args.iface)
    victim = mac_bytes(args.victim_mac)
    relay_ip = socket.inet_aton(args.relay_ip)
    relay_mac = mac_bytes(args.relay_mac)
    s = packet_socket(args.iface)
    sent = 0
    for srcname, src in (("own", socket.inet_aton(args.src)), ("spoofed", socket.inet_aton(args.spoof))):
        for dstname, dst, dmac in (("relay", relay_ip, relay_mac), ("bcast", BCAST4, BCAST_MAC)):
            for dport in (67, 68):
                for giaddr in (relay_ip, socket.inet_aton(args.other_giaddr)):
                    o = (opt(53, b"\x02") + opt(54, src) + opt(51, struct.pack("!I", 600)) +
                         opt(1, socket.inet_aton("255.255.255.0")) + opt(3, src))
                    payload = bootp(op=2, chaddr=victim, yiaddr=socket.inet_aton(args.yiaddr),
                                    siaddr=src, giaddr=giaddr, options=o, flags=0x8000)
                    s.send(ether(dmac, mac, ipv4(src, dst, udp(src, dst, 67, dport, payload))))
                    sent += 1
                    print("rogue %s-to-%s-giaddr-%s dport=%d reaches_relay_socket=%d" % (
                        srcname, dstname, socket.inet_ntoa(giaddr), dport,
                        1 if dport == 67 else 0), flush=True)
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("list")
    p.add_argument("what", nargs="?", default="all", choices=["dhcp", "tftp", "all"])
    p = sub.add_parser("send")
    p.add_argument("-i", "--iface", required=True)
    p.add_argument("case")
    p.add_argument("--mac")
    p.add_argument("--relay-ip", default="10.10.0.1")
    p.add_argument("--relay-mac", default="ff:ff:ff:ff:ff:ff")
    p = sub.add_parser("tftp")
    p.add_argument("case")
    p.add_argument("server")
    p.add_argument("--bind", default="0.0.0.0")
    p.add_argument("--wait", type=float, default=2.0)
    p = sub.add_parser("dora")
    p.add_argument("-i", "--iface", required=True)
    p.add_argument("--mac", required=True)
    p.add_argument("--count", type=int, default=0)
    p.add_argument("--until-lease", action="store_true",
                   help="with --count N: stop at the first lease, N tries at most")
    p.add_argument("--interval", type=float, default=0.5)
    p.add_argument("--wait", type=float, default=1.0)
    p = sub.add_parser("rogue")
    p.add_argument("-i", "--iface", required=True)
    p.add_argument("--relay-ip", required=True)
    p.add_argument("--relay-mac", required=True)
    p.add_argument("--other-giaddr", required=True, help="another link's giaddr")
    p.add_argument("--src", required=True, help="the rogue's own address")
    p.add_argument("--spoof", default="10.0.0.2")
    p.add_argument("--victim-mac", default="02:00:00:00:bd:01")
    p.add_argument("--yiaddr", default="10.99.0.99")
    args = ap.parse_args()
    return {"list": cmd_list, "send": cmd_send, "tftp": cmd_tftp, "dora": cmd_dora,
            "rogue": cmd_rogue}[args.cmd](args)


if __name__ == "__main__":
    sys.exit(main())
