#!/usr/bin/env python3
"""make_seeds.py - write the seed corpora of the pxerelay fuzzers.

    python3 tests/fuzz/make_seeds.py [--clean] [OUTDIR]

OUTDIR defaults to tests/fuzz/corpus next to this script. One directory per
harness (dhcp_msg, relay_request, relay_reply, exchange, opt82, frame), one file per
seed, named for what it is. --clean first removes the files this script
would not write (stale seeds); inputs named crash-* are always kept.

The relay seeds start with the 4 selector bytes the harnesses read (see the
comment at the top of fuzz_relay_request.c / fuzz_relay_reply.c) and use the
addresses and circuit-ids of tests/fuzz/fuzz_relay_ctx.h:
  vlan10  ifindex 2  10.10.0.1/24                 circuit "vlan10"  untrusted
  vlan20  ifindex 3  10.20.0.1, giaddr 10.20.1.1  circuit "site1-vlan20" trusted
  eth0.30 ifindex 7  10.30.0.1/31, giaddr 10.10.0.1  circuit "30:7" trusted
  servers 10.0.0.2, 10.0.0.3 (global), 10.0.0.9 (vlan20); remote-id "relay1"

Python 3 standard library only.
"""

import os
import socket
import struct
import sys

COOKIE = bytes([99, 130, 83, 99])

# DHCP message types (option 53)
DISCOVER, OFFER, REQUEST, DECLINE, ACK, NAK, RELEASE, INFORM = range(1, 9)


def ip(s):
    return socket.inet_aton(s)


def mac(s):
    return bytes(int(x, 16) for x in s.split(":"))


def opt(code, val):
    """One option; a value over 255 bytes becomes several instances of the
    same code, which the receiver joins (RFC 3396)."""
    if isinstance(val, str):
        val = val.encode()
    out = b""
    while True:
        piece, val = val[:255], val[255:]
        out += bytes([code, len(piece)]) + piece
        if not val:
            return out


def u8(v):
    return bytes([v])


def u16(v):
    return struct.pack("!H", v)


def u32(v):
    return struct.pack("!I", v)


def sub(code, val):
    """One relay agent information sub-option (RFC 3046)."""
    if isinstance(val, str):
        val = val.encode()
    return bytes([code, len(val)]) + val


def agent(circuit=None, remote=None, link_sel=None, flags=None, sid=None):
    v = b""
    if circuit is not None:
        v += sub(1, circuit)
    if remote is not None:
        v += sub(2, remote)
    if link_sel is not None:
        v += sub(5, ip(link_sel))
    if flags is not None:
        v += sub(10, u8(flags))
    if sid is not None:
        v += sub(11, ip(sid))
    return v


def field(val, size):
    if isinstance(val, str):
        val = val.encode()
    assert len(val) <= size
    return val + b"\0" * (size - len(val))


def dhcp(op=1, htype=1, hlen=6, hops=0, xid=0x1d2c3b4a, secs=0, flags=0,
         ciaddr="0.0.0.0", yiaddr="0.0.0.0", siaddr="0.0.0.0", giaddr="0.0.0.0",
         chaddr="52:54:00:12:34:56", sname=b"", file=b"", options=b"",
         cookie=True, end=True, vend=None, pad_to=300):
    """A BOOTP/DHCP message. options: the bytes of the options field
    (built with opt()); vend: the raw vendor area for a message without
    the cookie."""
    hdr = struct.pack("!BBBBIHH", op, htype, hlen, hops, xid, secs, flags)
    hdr += ip(ciaddr) + ip(yiaddr) + ip(siaddr) + ip(giaddr)
    hdr += field(mac(chaddr) if isinstance(chaddr, str) else chaddr, 16)
    hdr += field(sname, 64) + field(file, 128)
    if cookie:
        body = COOKIE + options + (b"\xff" if end else b"")
    else:
        body = vend if vend is not None else b""
    msg = hdr + body
    if len(msg) < pad_to:
        msg += b"\0" * (pad_to - len(msg))
    return msg


# ---- client requests ----

UUID = bytes.fromhex("00") + bytes.fromhex("564d4b1f0e2a4c8d9b3e5a6c7d8e9f00")
PXE_PRL = bytes([1, 2, 3, 4, 5, 6, 11, 12, 13, 15, 16, 17, 18, 22, 23, 28, 40,
                 41, 42, 43, 50, 51, 54, 58, 59, 60, 66, 67, 97, 128, 129, 130,
                 131, 132, 133, 134, 135])
UEFI_PRL = bytes([1, 3, 6, 15, 28, 43, 51, 54, 58, 59, 60, 66, 67, 97, 128,
                  129, 130, 131, 132, 133, 134, 135, 175])


def pxe_discover(arch, vendor, ndi, max_size, chaddr, extra=b"", xid=0x2a1b3c4d,
                 msgtype=DISCOVER, prl=PXE_PRL, **kw):
    o = opt(53, u8(msgtype)) + opt(57, u16(max_size)) + opt(55, prl)
    o += opt(97, UUID) + opt(94, ndi) + opt(93, u16(arch)) + opt(60, vendor)
    o += extra
    return dhcp(chaddr=chaddr, xid=xid, secs=4, options=o, **kw)


BIOS_MAC = "52:54:00:12:34:56"
UEFI_MAC = "52:54:00:ab:cd:ef"

REQ = {}
REQ["discover-pxe-bios-arch0"] = pxe_discover(
    0, "PXEClient:Arch:00000:UNDI:002001", b"\x01\x02\x01", 1260, BIOS_MAC)
REQ["discover-uefi-x64-arch7"] = pxe_discover(
    7, "PXEClient:Arch:00007:UNDI:003016", b"\x01\x03\x10", 1472, UEFI_MAC,
    prl=UEFI_PRL, xid=0x7e57ab01)
REQ["discover-uefi-x64-arch9"] = pxe_discover(
    9, "PXEClient:Arch:00009:UNDI:003016", b"\x01\x03\x10", 1472, UEFI_MAC,
    prl=UEFI_PRL, xid=0x7e57ab09)
REQ["discover-uefi-arm64-arch11"] = pxe_discover(
    11, "PXEClient:Arch:00011:UNDI:003000", b"\x01\x03\x00", 1472,
    "52:54:00:a6:40:01", prl=UEFI_PRL)
REQ["discover-uefi-http-arch16"] = pxe_discover(
    16, "HTTPClient:Arch:00016:UNDI:003001", b"\x01\x03\x01", 1472,
    "52:54:00:1b:00:16", prl=UEFI_PRL)
REQ["discover-ipxe-user-class"] = pxe_discover(
    0, "PXEClient:Arch:00000:UNDI:002001", b"\x01\x02\x01", 1472, BIOS_MAC,
    extra=opt(77, "iPXE") + opt(175, sub(177, b"\x01\x80\x86\x10\x0e") + sub(19, b"\x01")
                                + sub(24, b"\x01") + sub(35, b"\x01")))
REQ["discover-raspberry-pi-arch0"] = pxe_discover(
    0, "PXEClient:Arch:00000:UNDI:002001", b"\x01\x02\x01", 1472, "b8:27:eb:5a:10:22")
REQ["request-selecting-pxe-bios"] = pxe_discover(
    0, "PXEClient:Arch:00000:UNDI:002001", b"\x01\x02\x01", 1260, BIOS_MAC,
    msgtype=REQUEST,
    extra=opt(50, ip("10.10.0.150")) + opt(54, ip("10.0.0.2")) +
    opt(61, b"\x01" + mac(BIOS_MAC)))
REQ["request-renewing-ciaddr"] = dhcp(
    ciaddr="10.10.0.150", chaddr=BIOS_MAC, xid=0x0badcafe,
    options=opt(53, u8(REQUEST)) + opt(61, b"\x01" + mac(BIOS_MAC)) + opt(12, "pxe-host-07"))
REQ["inform-ciaddr"] = dhcp(
    ciaddr="10.10.0.42", chaddr="52:54:00:00:00:42", xid=0x1f0f1f0f,
    options=opt(53, u8(INFORM)) + opt(55, bytes([1, 3, 6, 15, 66, 67])))
REQ["decline"] = dhcp(chaddr=BIOS_MAC, options=opt(53, u8(DECLINE)) +
                      opt(50, ip("10.10.0.150")) + opt(54, ip("10.0.0.2")))
REQ["release-ciaddr"] = dhcp(ciaddr="10.10.0.150", chaddr=BIOS_MAC,
                             options=opt(53, u8(RELEASE)) + opt(54, ip("10.0.0.2")))
REQ["request-relayed-giaddr-hops1"] = pxe_discover(
    7, "PXEClient:Arch:00007:UNDI:003016", b"\x01\x03\x10", 1472, UEFI_MAC,
    prl=UEFI_PRL, hops=1, giaddr="192.168.50.1")
REQ["request-relayed-giaddr-with-opt82"] = pxe_discover(
    0, "PXEClient:Arch:00000:UNDI:002001", b"\x01\x02\x01", 1260, BIOS_MAC,
    hops=1, giaddr="192.168.50.1",
    extra=opt(82, agent(circuit="Gi1/0/7", remote=mac("00:1b:2c:3d:4e:5f"))))
REQ["request-with-opt82-from-switch"] = pxe_discover(
    0, "PXEClient:Arch:00000:UNDI:002001", b"\x01\x02\x01", 1260, BIOS_MAC,
    extra=opt(82, agent(circuit="Gi1/0/7", remote=mac("00:1b:2c:3d:4e:5f"))))
REQ["request-with-opt82-long-split"] = pxe_discover(
    7, "PXEClient:Arch:00007:UNDI:003016", b"\x01\x03\x10", 1472, UEFI_MAC,
    prl=UEFI_PRL,
    extra=opt(82, agent(circuit="A" * 200, remote="B" * 200)))
REQ["request-with-opt82-bad-sublen"] = dhcp(
    chaddr=BIOS_MAC, options=opt(53, u8(DISCOVER)) + opt(82, b"\x01\x09vlan"))
REQ["request-with-opt82-empty"] = dhcp(
    chaddr=BIOS_MAC, options=opt(53, u8(DISCOVER)) + opt(82, b""))
# RFC 2131 §4.1 / RFC 3396: option 52 lends the file and/or sname fields.
REQ["discover-overload-file"] = dhcp(
    chaddr=BIOS_MAC,
    options=opt(53, u8(DISCOVER)) + opt(52, u8(1)) + opt(57, u16(1260)),
    file=opt(12, "overloaded-host") + opt(60, "PXEClient:Arch:00000:UNDI:002001") + b"\xff")
REQ["discover-overload-sname"] = dhcp(
    chaddr=BIOS_MAC,
    options=opt(53, u8(DISCOVER)) + opt(52, u8(2)),
    sname=opt(93, u16(7)) + opt(77, "iPXE") + b"\xff")
REQ["discover-overload-both-split-option"] = dhcp(
    chaddr=UEFI_MAC,
    options=opt(53, u8(DISCOVER)) + opt(52, u8(3)) + opt(55, bytes([1, 3, 6, 15])),
    file=opt(55, bytes([66, 67, 43])) + opt(60, "PXEClient:Arch:00007:UNDI:003016") + b"\xff",
    sname=opt(55, bytes([97, 93])) + opt(93, u16(7)) + b"\xff")
REQ["discover-overload-file-full-no-end"] = dhcp(
    chaddr=BIOS_MAC, options=opt(53, u8(DISCOVER)) + opt(52, u8(1)),
    file=opt(43, b"\x11" * 126))
REQ["bootp-no-cookie-padded-300"] = dhcp(
    chaddr="00:00:5e:00:53:01", xid=0x00b00700, cookie=False, vend=b"\0" * 64, pad_to=300)
REQ["bootp-rfc1048-cookie-no-type"] = dhcp(
    chaddr="00:00:5e:00:53:02", options=opt(1, ip("255.255.255.0")) + opt(12, "bootp-host"),
    pad_to=300)
REQ["discover-long-vendor-option-split"] = pxe_discover(
    7, "PXEClient:Arch:00007:UNDI:003016", b"\x01\x03\x10", 1472, UEFI_MAC,
    prl=UEFI_PRL, extra=opt(43, bytes(range(256)) + bytes(range(44))))
REQ["discover-large-1400"] = pxe_discover(
    0, "PXEClient:Arch:00000:UNDI:002001", b"\x01\x02\x01", 1500, BIOS_MAC,
    extra=b"".join(opt(c, bytes([c]) * 60) for c in range(224, 240)), pad_to=1400)
assert len(REQ["discover-large-1400"]) == 1400
REQ["discover-large-1589"] = pxe_discover(
    0, "PXEClient:Arch:00000:UNDI:002001", b"\x01\x02\x01", 1600, BIOS_MAC,
    extra=b"".join(opt(c, bytes([c]) * 60) for c in range(224, 244)))
assert len(REQ["discover-large-1589"]) == 1589
REQ["discover-exactly-1472"] = pxe_discover(
    7, "PXEClient:Arch:00007:UNDI:003016", b"\x01\x03\x10", 1472, UEFI_MAC,
    prl=UEFI_PRL)
# Fill the options field so that END is the 1472nd byte: no room for 82.
_need = 1472 - len(REQ["discover-exactly-1472"].rstrip(b"\0"))
REQ["discover-exactly-1472"] = pxe_discover(
    7, "PXEClient:Arch:00007:UNDI:003016", b"\x01\x03\x10", 1472, UEFI_MAC,
    prl=UEFI_PRL,
    extra=b"".join(opt(224 + i, b"\x5a" * 253) for i in range(_need // 255)) +
    opt(250, b"\x5b" * (_need % 255 - 2)))
assert len(REQ["discover-exactly-1472"]) == 1472, len(REQ["discover-exactly-1472"])
REQ["discover-max-size-8192"] = pxe_discover(
    0, "PXEClient:Arch:00000:UNDI:002001", b"\x01\x02\x01", 8192, BIOS_MAC,
    extra=b"".join(opt(200 + i, bytes([i]) * 250) for i in range(20)), pad_to=8192)
assert len(REQ["discover-max-size-8192"]) == 8192

# ---- server replies ----


def reply(msgtype, giaddr, agent82=None, yiaddr="10.10.0.150", siaddr="10.0.0.2",
          server="10.0.0.2", chaddr=BIOS_MAC, file="pxelinux.0", extra=b"",
          ciaddr="0.0.0.0", flags=0, hops=1, **kw):
    o = opt(53, u8(msgtype)) + opt(54, ip(server))
    if msgtype != NAK:
        o += opt(51, u32(3600)) + opt(1, ip("255.255.255.0")) + opt(3, ip(giaddr))
        o += opt(6, ip("10.0.0.53")) + opt(66, siaddr) + opt(67, file)
    else:
        o += opt(56, "requested address not available")
    o += extra
    if agent82 is not None:
        o += opt(82, agent82)
    if msgtype == NAK:
        yiaddr = siaddr = "0.0.0.0"
        file = ""
    return dhcp(op=2, hops=hops, giaddr=giaddr, yiaddr=yiaddr, siaddr=siaddr,
                ciaddr=ciaddr, flags=flags, chaddr=chaddr, file=file, options=o, **kw)


OURS10 = agent(circuit="vlan10", remote="relay1")
OURS20 = agent(circuit="site1-vlan20", remote="rack-b")
OURS30 = agent(circuit="30:7", remote="relay1")
THEIRS = agent(circuit="Gi1/0/7", remote=mac("00:1b:2c:3d:4e:5f"))

REP = {}
REP["offer-vlan10-opt82"] = reply(OFFER, "10.10.0.1", OURS10)
REP["ack-vlan10-opt82"] = reply(ACK, "10.10.0.1", OURS10)
REP["nak-vlan10-opt82"] = reply(NAK, "10.10.0.1", OURS10)
REP["offer-vlan10-no-opt82"] = reply(OFFER, "10.10.0.1")
REP["offer-vlan10-broadcast-flag"] = reply(OFFER, "10.10.0.1", OURS10, flags=0x8000)
REP["ack-inform-ciaddr"] = reply(ACK, "10.10.0.1", OURS10, ciaddr="10.10.0.42",
                                 yiaddr="0.0.0.0", chaddr="52:54:00:00:00:42")
REP["ack-vlan20-opt82-own-server"] = reply(
    ACK, "10.20.1.1", OURS20, yiaddr="10.20.0.77", server="10.0.0.9", siaddr="10.0.0.9",
    chaddr=UEFI_MAC, file="bootx64.efi")
REP["offer-vlan20-opt82-appended"] = reply(
    OFFER, "10.20.1.1", THEIRS + OURS20, yiaddr="10.20.0.78", server="10.0.0.9")
REP["offer-vlan20-client-side-opt82-only"] = reply(
    OFFER, "10.20.1.1", THEIRS, yiaddr="10.20.0.79", server="10.0.0.9")
REP["offer-eth0.30-shared-giaddr-opt82"] = reply(
    OFFER, "10.10.0.1", OURS30, yiaddr="10.30.0.0")
REP["offer-opt82-link-selection-sid-override"] = reply(
    OFFER, "10.10.0.1",
    agent(circuit="vlan10", remote="relay1", link_sel="10.10.0.1", flags=0x80,
          sid="10.10.0.1"))
REP["offer-opt82-unknown-circuit"] = reply(OFFER, "10.10.0.1", agent(circuit="vlan99"))
REP["offer-opt82-bad-sublen"] = reply(OFFER, "10.10.0.1", b"\x01\x20vlan10")
REP["offer-unknown-giaddr"] = reply(OFFER, "172.16.5.1", OURS10)
REP["offer-uefi-http-url"] = reply(
    OFFER, "10.10.0.1", OURS10, chaddr="52:54:00:1b:00:16",
    file="http://10.0.0.5/boot/grubx64.efi",
    extra=opt(60, "HTTPClient"))
REP["offer-overload-file-bootfile"] = dhcp(
    op=2, hops=1, giaddr="10.10.0.1", yiaddr="10.10.0.151", siaddr="10.0.0.2",
    chaddr=BIOS_MAC,
    options=opt(53, u8(OFFER)) + opt(54, ip("10.0.0.2")) + opt(52, u8(1)) +
    opt(51, u32(600)) + opt(82, OURS10),
    file=opt(67, "pxelinux.0") + opt(66, "10.0.0.2") + b"\xff")
REP["ack-opt82-in-sname-overload"] = dhcp(
    op=2, hops=1, giaddr="10.10.0.1", yiaddr="10.10.0.152", siaddr="10.0.0.2",
    chaddr=BIOS_MAC, options=opt(53, u8(ACK)) + opt(54, ip("10.0.0.2")) + opt(52, u8(2)),
    sname=opt(82, OURS10) + b"\xff")
REP["offer-opt82-long-split"] = reply(
    OFFER, "10.10.0.1", agent(remote="R" * 250) + agent(remote="S" * 100) + OURS10)
REP["bootp-reply-no-cookie"] = dhcp(
    op=2, hops=1, giaddr="10.10.0.1", yiaddr="10.10.0.153", siaddr="10.0.0.2",
    chaddr="00:00:5e:00:53:01", xid=0x00b00700, file="boot/bootp.img",
    cookie=False, vend=b"\0" * 64)
# A 576-byte OFFER that fits only because option 43 goes on in the file
# field (option 52 = 1), as a server packs a reply for a client without
# option 57. Parsed, the continuation joins option 43 in the options field.
def _offer_576(tail):
    return dhcp(
        op=2, hops=1, giaddr="10.10.0.1", yiaddr="10.10.0.155", siaddr="10.0.0.2",
        chaddr=BIOS_MAC,
        options=opt(53, u8(OFFER)) + opt(54, ip("10.0.0.2")) + opt(52, u8(1)) +
        opt(51, u32(600)) + opt(67, "pxelinux.0") +
        opt(43, b"\x06\x01\x08" + b"\x45" * 252) + opt(82, OURS10) + opt(43, b"\x09" * tail),
        file=opt(43, b"\x0a" * 100) + b"\xff", pad_to=0)


REP["offer-576-vendor-option-continued-in-file"] = _offer_576(576 - len(_offer_576(0)))
assert len(REP["offer-576-vendor-option-continued-in-file"]) == 576, \
    len(REP["offer-576-vendor-option-continued-in-file"])
REP["offer-large-1400"] = reply(
    OFFER, "10.10.0.1", OURS10,
    extra=b"".join(opt(c, bytes([c]) * 60) for c in range(224, 240)), pad_to=1400)
assert len(REP["offer-large-1400"]) == 1400
# A server echoing option 82 with more than 1 KiB of sub-options ahead of
# ours: strip_ours() gives up past its 1024-byte buffer and the reply goes
# to the client with our circuit-id still in it.
REP["offer-opt82-ours-after-1100-bytes"] = reply(
    OFFER, "10.10.0.1",
    b"".join(agent(remote=bytes([0x41 + i]) * 218) for i in range(5)) + OURS10)

# ---- malformed ----

BAD = {}
BAD["truncated-header-100"] = REQ["discover-pxe-bios-arch0"][:100]
BAD["header-only-236"] = REQ["discover-pxe-bios-arch0"][:236]
BAD["cookie-only-240"] = REQ["discover-pxe-bios-arch0"][:240]
BAD["option-length-past-end"] = (dhcp(options=opt(53, u8(DISCOVER)), end=False, pad_to=0)
                                 + b"\x3c\x40PXEClient")
BAD["option-code-at-very-end"] = dhcp(options=opt(53, u8(DISCOVER)), end=False,
                                      pad_to=0) + b"\x0c"
BAD["missing-end"] = dhcp(options=opt(53, u8(DISCOVER)) + opt(12, "no-end"), end=False,
                          pad_to=0)
BAD["hops-255"] = pxe_discover(0, "PXEClient:Arch:00000:UNDI:002001", b"\x01\x02\x01",
                               1260, BIOS_MAC, hops=255)
BAD["hops-4-at-limit"] = pxe_discover(0, "PXEClient:Arch:00000:UNDI:002001", b"\x01\x02\x01",
                                      1260, BIOS_MAC, hops=4)
BAD["hops-5-over-limit"] = pxe_discover(0, "PXEClient:Arch:00000:UNDI:002001",
                                        b"\x01\x02\x01", 1260, BIOS_MAC, hops=5)
BAD["hlen-0"] = dhcp(hlen=0, options=opt(53, u8(DISCOVER)))
BAD["hlen-255"] = dhcp(hlen=255, options=opt(53, u8(DISCOVER)))
BAD["htype-ether-hlen-16"] = dhcp(hlen=16, options=opt(53, u8(DISCOVER)))
BAD["op-3"] = dhcp(op=3, options=opt(53, u8(DISCOVER)))
BAD["overload-value-4"] = dhcp(options=opt(53, u8(DISCOVER)) + opt(52, u8(4)))
BAD["overload-length-2"] = dhcp(options=opt(53, u8(DISCOVER)) + opt(52, b"\x01\x01"))
BAD["overload-nested-in-file"] = dhcp(options=opt(53, u8(DISCOVER)) + opt(52, u8(1)),
                                      file=opt(52, u8(2)) + b"\xff")
BAD["overload-file-option-past-field"] = dhcp(options=opt(53, u8(DISCOVER)) + opt(52, u8(1)),
                                              file=b"\x0c\xf0" + b"x" * 126)
BAD["too-long-8193"] = REQ["discover-max-size-8192"] + b"\0"
# RFC 3396 §7 joins the instances of an option in the order options field,
# file, sname: a value may start in file and go on in sname. The parser
# joins it (area file, 184 bytes), the builder cannot write it back.
CRASH_DHCP_MSG = {
    "crash-option-continued-from-file-into-sname-not-rebuildable": dhcp(
        op=2, hops=1, giaddr="10.10.0.1", yiaddr="10.10.0.154", siaddr="10.0.0.2",
        options=opt(53, u8(OFFER)) + opt(54, ip("10.0.0.2")) + opt(52, u8(3)),
        file=opt(67, "http://10.0.0.5/" + "x" * 108) + b"\xff",
        sname=opt(67, "y" * 50 + "/boot.efi") + b"\xff"),
}

# ---- option 82 harness (first byte: mode) ----

OPT82 = {}
OPT82["list-circuit-remote"] = u8(0) + OURS10
OPT82["list-switch-circuit-remote-mac"] = u8(0) + THEIRS
OPT82["list-appended-theirs-then-ours"] = u8(0) + THEIRS + OURS20
OPT82["list-link-selection-flags-sid"] = u8(0) + agent(
    circuit="vlan10", remote="relay1", link_sel="10.10.0.1", flags=0x80, sid="10.10.0.1")
OPT82["list-empty"] = u8(0)
OPT82["list-zero-length-subs"] = u8(0) + b"\x01\x00\x02\x00\x05\x00"
OPT82["list-sublen-past-end"] = u8(0) + b"\x01\x06vlan"
OPT82["list-lone-code"] = u8(0) + OURS10 + b"\x02"
OPT82["list-255-byte-sub"] = u8(0) + sub(9, bytes(range(255)))


def build_seed(cid, rid, bits, flags, start, cap, link_sel="0.0.0.0", sid="0.0.0.0"):
    cid = cid.encode() if isinstance(cid, str) else cid
    rid = rid.encode() if isinstance(rid, str) else rid
    return (u8(1) + u8(len(cid) & 0xff) + u8(len(rid)) + u8(bits) + u8(flags) + u8(start)
            + u16(cap) + ip(link_sel) + ip(sid) + cid + rid)


OPT82["build-circuit-remote"] = build_seed("vlan10", "relay1", 0, 0, 0, 512)
OPT82["build-all-suboptions"] = build_seed("site1-vlan20", "rack-b", 7, 0x80, 0, 512,
                                           "10.20.0.1", "10.20.0.1")
OPT82["build-append-after-theirs"] = build_seed("vlan10", "relay1", 1, 0, len(THEIRS), 512,
                                                "10.10.0.1")
OPT82["build-cap-exact"] = build_seed("vlan10", "relay1", 0, 0, 0, 16)
OPT82["build-cap-one-short"] = build_seed("vlan10", "relay1", 0, 0, 0, 15)
OPT82["build-offset-past-cap"] = build_seed("vlan10", "relay1", 0, 0, 40, 20)
OPT82["build-circuit-255"] = build_seed("c" * 255, "r" * 255, 7, 0, 0, 1024,
                                        "10.10.0.1", "10.10.0.1")
OPT82["build-circuit-over-255"] = build_seed("c" * 44, "", 0x80, 0, 0, 1024)
OPT82["build-nothing"] = build_seed("", "", 0, 0, 0, 0)


def expand_seed(fmt, ifname, hostname, ifindex=2, cap=256):
    return (u8(2) + u16(cap) + struct.pack("!i", ifindex) + fmt.encode() + b"\0"
            + ifname.encode() + b"\0" + hostname.encode())


OPT82["expand-name"] = expand_seed("%i", "vlan10", "relay1")
OPT82["expand-vlan"] = expand_seed("%v", "eth0.30", "relay1", 7)
OPT82["expand-vlan-ifindex"] = expand_seed("%v:%n", "eth0.30", "relay1", 7)
OPT82["expand-hostname"] = expand_seed("%h", "vlan10", "relay1.example.net")
OPT82["expand-literal-with-percent"] = expand_seed("site1-%v-100%%", "vlan20", "relay1", 3)
OPT82["expand-unknown-escape"] = expand_seed("port-%x", "vlan10", "relay1")
OPT82["expand-trailing-percent"] = expand_seed("vlan%", "vlan10", "relay1")
OPT82["expand-vlan-no-digits"] = expand_seed("%v", "eth", "relay1")
OPT82["expand-vlan-4095"] = expand_seed("%v", "vlan4095", "relay1")
OPT82["expand-vlan-leading-zeros"] = expand_seed("%v", "vlan0010", "relay1")
OPT82["expand-negative-ifindex"] = expand_seed("%n", "vlan10", "relay1", -2147483648)
OPT82["expand-cap-exact"] = expand_seed("%i", "vlan10", "relay1", cap=7)
OPT82["expand-cap-one-short"] = expand_seed("%i", "vlan10", "relay1", cap=6)
OPT82["expand-cap-zero"] = expand_seed("", "vlan10", "relay1", cap=0)
OPT82["expand-long-hostname"] = expand_seed("%h-%h", "vlan10", "h" * 200, cap=300)

# ---- frames ----


def ip_checksum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return (~s) & 0xffff


def ipv4_udp(payload, src="0.0.0.0", dst="255.255.255.255", sport=68, dport=67,
             proto=17, frag=0, ip_opts=b"", bad_sum=False, udp_len=None, total=None):
    udp = struct.pack("!HHHH", sport, dport,
                      udp_len if udp_len is not None else 8 + len(payload), 0) + payload
    ihl = 5 + len(ip_opts) // 4
    tot = total if total is not None else ihl * 4 + len(udp)
    hdr = struct.pack("!BBHHHBBH4s4s", 0x40 | ihl, 0x10, tot, 0x1234, frag, 64, proto, 0,
                      ip(src), ip(dst)) + ip_opts
    csum = ip_checksum(hdr)
    if bad_sum:
        csum ^= 0x0101
    hdr = hdr[:10] + struct.pack("!H", csum) + hdr[12:]
    return hdr + udp


def sll2(ifindex, pkttype, src_mac, payload, proto=0x0800):
    return (struct.pack("!HHIHBB", proto, 0, ifindex, 1, pkttype, 6)
            + mac(src_mac) + b"\0\0" + payload)


def sll(pkttype, src_mac, payload, proto=0x0800):
    return struct.pack("!HHH", pkttype, 1, 6) + mac(src_mac) + b"\0\0" + \
        struct.pack("!H", proto) + payload


def ether(src_mac, payload, dst="ff:ff:ff:ff:ff:ff", vlan=None, etype=0x0800):
    f = mac(dst) + mac(src_mac)
    if vlan is not None:
        f += struct.pack("!HH", 0x8100, vlan)
    return f + struct.pack("!H", etype) + payload


DISC = REQ["discover-pxe-bios-arch0"]
UDISC = REQ["discover-uefi-x64-arch7"]
PACKET_HOST, PACKET_BROADCAST = 0, 1

FRAME = {}
FRAME["sll2-broadcast-discover-pxe-bios"] = sll2(2, PACKET_BROADCAST, BIOS_MAC, ipv4_udp(DISC))
FRAME["sll2-broadcast-discover-uefi-x64"] = sll2(3, PACKET_BROADCAST, UEFI_MAC, ipv4_udp(UDISC))
FRAME["sll2-unicast-request-to-relay"] = sll2(
    2, PACKET_HOST, BIOS_MAC,
    ipv4_udp(REQ["request-renewing-ciaddr"], src="10.10.0.150", dst="10.10.0.1"))
FRAME["sll2-ip-options-ihl6"] = sll2(2, PACKET_BROADCAST, BIOS_MAC,
                                     ipv4_udp(DISC, ip_opts=b"\x94\x04\x00\x00"))
FRAME["sll2-ifindex-0"] = sll2(0, PACKET_BROADCAST, BIOS_MAC, ipv4_udp(DISC))
FRAME["sll2-ipv6-protocol"] = sll2(2, PACKET_BROADCAST, BIOS_MAC, ipv4_udp(DISC), proto=0x86dd)
FRAME["sll-v1-broadcast-discover"] = sll(PACKET_BROADCAST, BIOS_MAC, ipv4_udp(DISC))
FRAME["ether-broadcast-discover-pxe-bios"] = ether(BIOS_MAC, ipv4_udp(DISC))
FRAME["ether-8021q-vlan10-discover"] = ether(BIOS_MAC, ipv4_udp(DISC), vlan=10)
FRAME["ether-offer-to-client-mac"] = ether(
    "02:00:00:00:00:02", ipv4_udp(REP["offer-vlan10-no-opt82"], src="10.10.0.1",
                                  dst="10.10.0.150", sport=67, dport=68), dst=BIOS_MAC)
FRAME["ether-ip-fragment"] = ether(BIOS_MAC, ipv4_udp(DISC, frag=0x2000))
FRAME["ether-bad-ip-checksum"] = ether(BIOS_MAC, ipv4_udp(DISC, bad_sum=True))
FRAME["ether-icmp-not-udp"] = ether(BIOS_MAC, ipv4_udp(b"\x08\x00\xf7\xff\0\0\0\0", proto=1))
FRAME["ether-udp-length-past-ip"] = ether(BIOS_MAC, ipv4_udp(DISC, udp_len=len(DISC) + 100))
FRAME["ether-udp-length-below-8"] = ether(BIOS_MAC, ipv4_udp(DISC, udp_len=4))
FRAME["ether-ip-total-past-frame"] = ether(BIOS_MAC, ipv4_udp(DISC, total=2000))
FRAME["ether-truncated-ip-header"] = ether(BIOS_MAC, ipv4_udp(DISC))[:14 + 12]
FRAME["ether-arp"] = ether(BIOS_MAC, b"\0\x01\x08\x00\x06\x04\0\x01" + b"\0" * 20,
                           etype=0x0806)
# What the raw reply socket reads: the IPv4 header first, no link header.
FRAME["raw-ip-offer-to-giaddr"] = ipv4_udp(REP["offer-vlan10-opt82"], src="10.0.0.2",
                                           dst="10.10.0.1", sport=67, dport=67)
FRAME["raw-ip-options-offer"] = ipv4_udp(REP["offer-vlan10-opt82"], src="10.0.0.2",
                                         dst="10.10.0.1", sport=67, dport=67,
                                         ip_opts=b"\x94\x04\x00\x00")
FRAME["ether-8021q-truncated"] = mac("ff:ff:ff:ff:ff:ff") + mac(BIOS_MAC) + b"\x81\x00\x00"

# ---- relay harness inputs ----

# relay_request selectors: [ifindex][ip_dst][knobs][hops/failover]
IF_VLAN10, IF_VLAN20, IF_ETH030, IF_UPSTREAM, IF_UNKNOWN = range(5)
DST_BCAST, DST_SUBNET_BCAST, DST_LINK_ADDR, DST_LINK_LAST, DST_OTHER, DST_ZERO = range(6)
APPEND, REPLACE, FORWARD, DISCARD = range(4)
LINK_SEL, SID_OVERRIDE, FAILOVER = 4, 8, 16
HOPS4 = 3            # max-hops = 1 + 3


def rq(ifsel, dst, knobs, b3=HOPS4):
    return bytes([ifsel, dst, knobs, b3])


RELAY_REQUEST = {
    "vlan10-bcast-replace-discover-pxe-bios":
        rq(IF_VLAN10, DST_BCAST, REPLACE) + REQ["discover-pxe-bios-arch0"],
    "vlan20-subnet-bcast-linksel-sid-discover-uefi-x64":
        rq(IF_VLAN20, DST_SUBNET_BCAST, REPLACE | LINK_SEL | SID_OVERRIDE)
        + REQ["discover-uefi-x64-arch7"],
    "eth0.30-bcast-replace-discover-uefi-http":
        rq(IF_ETH030, DST_BCAST, REPLACE) + REQ["discover-uefi-http-arch16"],
    "vlan10-bcast-discover-ipxe": rq(IF_VLAN10, DST_BCAST, REPLACE) + REQ["discover-ipxe-user-class"],
    "vlan10-bcast-discover-arm64": rq(IF_VLAN10, DST_BCAST, REPLACE)
        + REQ["discover-uefi-arm64-arch11"],
    "vlan10-bcast-request-selecting": rq(IF_VLAN10, DST_BCAST, REPLACE)
        + REQ["request-selecting-pxe-bios"],
    "vlan10-unicast-to-relay-inform-sid-override":
        rq(IF_VLAN10, DST_LINK_ADDR, REPLACE | SID_OVERRIDE) + REQ["inform-ciaddr"],
    "vlan20-unicast-to-secondary-addr-renew":
        rq(IF_VLAN20, DST_LINK_LAST, REPLACE) + REQ["request-renewing-ciaddr"],
    "vlan10-unicast-to-other-host-renew":
        rq(IF_VLAN10, DST_OTHER, REPLACE) + REQ["request-renewing-ciaddr"],
    "vlan10-relayed-giaddr-hops1": rq(IF_VLAN10, DST_BCAST, REPLACE)
        + REQ["request-relayed-giaddr-hops1"],
    "vlan10-relayed-giaddr-with-opt82": rq(IF_VLAN10, DST_BCAST, REPLACE)
        + REQ["request-relayed-giaddr-with-opt82"],
    "vlan10-spoofed-giaddr-own-address": rq(IF_VLAN10, DST_BCAST, REPLACE) + pxe_discover(
        0, "PXEClient:Arch:00000:UNDI:002001", b"\x01\x02\x01", 1260, BIOS_MAC,
        hops=1, giaddr="10.20.0.1"),
    "vlan10-untrusted-opt82-from-switch": rq(IF_VLAN10, DST_BCAST, REPLACE)
        + REQ["request-with-opt82-from-switch"],
    "vlan20-trusted-opt82-append": rq(IF_VLAN20, DST_BCAST, APPEND)
        + REQ["request-with-opt82-from-switch"],
    "vlan20-trusted-opt82-append-linksel-sid": rq(IF_VLAN20, DST_BCAST,
                                                  APPEND | LINK_SEL | SID_OVERRIDE)
        + REQ["request-with-opt82-long-split"],
    "vlan20-trusted-opt82-replace": rq(IF_VLAN20, DST_BCAST, REPLACE)
        + REQ["request-with-opt82-from-switch"],
    "vlan20-trusted-opt82-forward": rq(IF_VLAN20, DST_BCAST, FORWARD)
        + REQ["request-with-opt82-from-switch"],
    "vlan20-trusted-opt82-discard": rq(IF_VLAN20, DST_BCAST, DISCARD)
        + REQ["request-with-opt82-from-switch"],
    "eth0.30-trusted-opt82-bad-sublen": rq(IF_ETH030, DST_BCAST, REPLACE)
        + REQ["request-with-opt82-bad-sublen"],
    "vlan10-overload-file": rq(IF_VLAN10, DST_BCAST, REPLACE) + REQ["discover-overload-file"],
    "vlan10-overload-both-split": rq(IF_VLAN10, DST_BCAST, REPLACE)
        + REQ["discover-overload-both-split-option"],
    "vlan10-bootp-rfc1048": rq(IF_VLAN10, DST_BCAST, REPLACE) + REQ["bootp-rfc1048-cookie-no-type"],
    "vlan10-exactly-1472-opt82-does-not-fit": rq(IF_VLAN10, DST_BCAST, REPLACE | LINK_SEL)
        + REQ["discover-exactly-1472"],
    "vlan10-large-1400": rq(IF_VLAN10, DST_BCAST, REPLACE) + REQ["discover-large-1400"],
    # Larger than 1472 with no room for option 82: relay_request retries
    # without 82 but at the 1472 cap, not at the message's own size, and
    # drops a request it could forward (RFC 3046 §2.1).
    "crash-request-over-1472-dropped-instead-of-sent-without-opt82":
        rq(IF_VLAN10, DST_BCAST, REPLACE) + REQ["discover-large-1589"],
    "vlan10-max-size-8192": rq(IF_VLAN10, DST_BCAST, REPLACE) + REQ["discover-max-size-8192"],
    "vlan10-failover-first-server-silent":
        rq(IF_VLAN10, DST_BCAST, REPLACE | FAILOVER, 0x80 | 0x20 | HOPS4)
        + REQ["discover-pxe-bios-arch0"],
    "vlan10-failover-probe-due":
        rq(IF_VLAN10, DST_BCAST, REPLACE | FAILOVER, 0x80 | 0x70 | HOPS4)
        + REQ["discover-pxe-bios-arch0"],
    "vlan10-hops-4-at-limit": rq(IF_VLAN10, DST_BCAST, REPLACE) + BAD["hops-4-at-limit"],
    "vlan10-hops-5-over-limit": rq(IF_VLAN10, DST_BCAST, REPLACE) + BAD["hops-5-over-limit"],
    "vlan10-max-hops-16-hops-16": rq(IF_VLAN10, DST_BCAST, REPLACE, 15) + pxe_discover(
        0, "PXEClient:Arch:00000:UNDI:002001", b"\x01\x02\x01", 1260, BIOS_MAC, hops=16,
        giaddr="192.168.50.1"),
    "vlan10-hlen-0": rq(IF_VLAN10, DST_BCAST, REPLACE) + BAD["hlen-0"],
    "vlan10-hlen-255": rq(IF_VLAN10, DST_BCAST, REPLACE) + BAD["hlen-255"],
    "vlan10-reply-op": rq(IF_VLAN10, DST_BCAST, REPLACE) + REP["offer-vlan10-no-opt82"],
    "upstream-ifindex-discover": rq(IF_UPSTREAM, DST_BCAST, REPLACE) + REQ["discover-pxe-bios-arch0"],
    "unknown-ifindex-discover": rq(IF_UNKNOWN, DST_BCAST, REPLACE) + REQ["discover-pxe-bios-arch0"],
    "vlan10-dst-zero": rq(IF_VLAN10, DST_ZERO, REPLACE) + REQ["discover-pxe-bios-arch0"],
    # plain BOOTP (no cookie): relay_request adds option 82 to a message
    # that has no options field; the bytes end up raw in the vendor area.
    "crash-bootp-no-cookie-opt82-as-raw-vend-bytes":
        rq(IF_VLAN10, DST_BCAST, REPLACE) + REQ["bootp-no-cookie-padded-300"],
}

# relay_reply selectors: [source][ifindex][knobs][upstream-only | rule << 1]
SRC_SRV2, SRC_SRV3, SRC_SRV9, SRC_NOT_SERVER, SRC_OWN = range(5)
RIF_UPSTREAM, RIF_DOWNSTREAM, RIF_UNKNOWN = range(3)
UPSTREAM_ONLY = 1
RULE_BIOS, RULE_UEFI, RULE_HTTP = 1 << 1, 2 << 1, 3 << 1


def rp(src, ifsel=RIF_UPSTREAM, knobs=REPLACE, b3=0):
    return bytes([src, ifsel, knobs, b3])


RELAY_REPLY = {
    "srv2-offer-vlan10-opt82": rp(SRC_SRV2) + REP["offer-vlan10-opt82"],
    "srv3-ack-vlan10-opt82": rp(SRC_SRV3) + REP["ack-vlan10-opt82"],
    "srv2-nak-vlan10-opt82": rp(SRC_SRV2) + REP["nak-vlan10-opt82"],
    "srv2-offer-vlan10-no-opt82": rp(SRC_SRV2) + REP["offer-vlan10-no-opt82"],
    "srv2-offer-broadcast-flag": rp(SRC_SRV2) + REP["offer-vlan10-broadcast-flag"],
    "srv2-ack-inform-ciaddr": rp(SRC_SRV2) + REP["ack-inform-ciaddr"],
    "srv9-ack-vlan20-own-server": rp(SRC_SRV9) + REP["ack-vlan20-opt82-own-server"],
    "srv2-ack-vlan20-not-its-server": rp(SRC_SRV2) + REP["ack-vlan20-opt82-own-server"],
    "srv9-offer-vlan20-appended-opt82": rp(SRC_SRV9, knobs=APPEND)
        + REP["offer-vlan20-opt82-appended"],
    "srv9-offer-vlan20-client-side-opt82-forward": rp(SRC_SRV9, knobs=FORWARD)
        + REP["offer-vlan20-client-side-opt82-only"],
    "srv9-offer-vlan20-client-side-opt82-replace": rp(SRC_SRV9, knobs=REPLACE)
        + REP["offer-vlan20-client-side-opt82-only"],
    "srv2-offer-eth0.30-shared-giaddr": rp(SRC_SRV2) + REP["offer-eth0.30-shared-giaddr-opt82"],
    "srv2-offer-linksel-sid-override": rp(SRC_SRV2, knobs=REPLACE | LINK_SEL | SID_OVERRIDE)
        + REP["offer-opt82-link-selection-sid-override"],
    "srv2-offer-unknown-circuit": rp(SRC_SRV2) + REP["offer-opt82-unknown-circuit"],
    "srv2-offer-opt82-bad-sublen": rp(SRC_SRV2) + REP["offer-opt82-bad-sublen"],
    "srv2-offer-unknown-giaddr": rp(SRC_SRV2) + REP["offer-unknown-giaddr"],
    "not-server-offer": rp(SRC_NOT_SERVER) + REP["offer-vlan10-opt82"],
    "own-address-offer": rp(SRC_OWN) + REP["offer-vlan10-opt82"],
    "srv2-offer-on-downstream-link": rp(SRC_SRV2, RIF_DOWNSTREAM) + REP["offer-vlan10-opt82"],
    "srv2-offer-upstream-only-wrong-ifindex": rp(SRC_SRV2, RIF_UNKNOWN, b3=UPSTREAM_ONLY)
        + REP["offer-vlan10-opt82"],
    "srv2-offer-upstream-only-right-ifindex": rp(SRC_SRV2, RIF_UPSTREAM, b3=UPSTREAM_ONLY)
        + REP["offer-vlan10-opt82"],
    "srv2-offer-rule-bios": rp(SRC_SRV2, b3=RULE_BIOS) + REP["offer-vlan10-opt82"],
    "srv2-offer-rule-uefi-overload-file": rp(SRC_SRV2, b3=RULE_UEFI)
        + REP["offer-overload-file-bootfile"],
    "srv2-offer-rule-http-url": rp(SRC_SRV2, b3=RULE_HTTP) + REP["offer-uefi-http-url"],
    "srv2-nak-rule-bios-untouched": rp(SRC_SRV2, b3=RULE_BIOS) + REP["nak-vlan10-opt82"],
    "srv2-ack-opt82-in-sname": rp(SRC_SRV2) + REP["ack-opt82-in-sname-overload"],
    "srv2-offer-opt82-long-split": rp(SRC_SRV2) + REP["offer-opt82-long-split"],
    "srv2-bootp-reply-no-cookie": rp(SRC_SRV2) + REP["bootp-reply-no-cookie"],
    "srv2-bootp-reply-no-cookie-rule-uefi": rp(SRC_SRV2, b3=RULE_UEFI)
        + REP["bootp-reply-no-cookie"],
    "srv2-offer-576-vendor-option-continued-in-file": rp(SRC_SRV2)
        + REP["offer-576-vendor-option-continued-in-file"],
    "srv2-offer-split-from-file-into-sname": rp(SRC_SRV2)
        + CRASH_DHCP_MSG["crash-option-continued-from-file-into-sname-not-rebuildable"],
    "srv2-offer-large-1400": rp(SRC_SRV2) + REP["offer-large-1400"],
    "srv2-offer-large-1400-rule-http": rp(SRC_SRV2, b3=RULE_HTTP) + REP["offer-large-1400"],
    "srv2-request-op": rp(SRC_SRV2) + REQ["discover-pxe-bios-arch0"],
    "srv2-reply-hlen-255": rp(SRC_SRV2) + reply(OFFER, "10.10.0.1", OURS10)[:2] + b"\xff"
        + reply(OFFER, "10.10.0.1", OURS10)[3:],
    "crash-opt82-ours-after-1100-bytes-not-stripped": rp(SRC_SRV2)
        + REP["offer-opt82-ours-after-1100-bytes"],
}

DHCP_MSG = {}
DHCP_MSG.update(REQ)
DHCP_MSG.update(REP)
DHCP_MSG.update(BAD)
DHCP_MSG.update(CRASH_DHCP_MSG)

# exchange: [knobs][request length, 2 bytes][request][reply]; the harness
# gives the reply the request's xid, chaddr and giaddr and echoes option 82.
def xch(knobs, req, rep):
    return bytes([knobs]) + u16(len(req)) + req + rep


EXCHANGE = {
    "bios-offer-rewritten": xch(0, REQ["discover-pxe-bios-arch0"],
                                reply(OFFER, "10.10.0.1", file="pxelinux.0")),
    "uefi-ack-rewritten": xch(0, REQ["discover-uefi-x64-arch7"],
                              reply(ACK, "10.10.0.1", chaddr=UEFI_MAC, file="undionly.kpxe")),
    "http-offer-too-big-falls-back": xch(
        0, REQ["discover-uefi-http-arch16"],
        reply(OFFER, "10.10.0.1", chaddr=UEFI_MAC, file="undionly.kpxe",
              extra=opt(43, b"\x06\x01\x08" + b"M" * 240) + opt(125, b"V" * 120))),
    "nak-ends-exchange": xch(0, REQ["request-selecting-pxe-bios"],
                             reply(NAK, "10.10.0.1")),
    "reply-without-our-opt82": xch(0x80, REQ["discover-pxe-bios-arch0"],
                                   reply(OFFER, "10.10.0.1")),
    # A switch in zero-touch provisioning (option 60 with PID:, no option
    # 93) handed a script: the pass rule lets it through.
    "ztp-pass-rule": xch(0, dhcp(chaddr="00:a7:42:00:55:08", xid=0x2a70, options=opt(53, u8(DISCOVER))
                              + opt(60, "PXEClient:Arch:00009:UNDI:003010:PID:NCS-5508")),
                         reply(OFFER, "10.10.0.1", chaddr="00:a7:42:00:55:08",
                               file="http://10.0.0.9/ztp/ncs5508.py")),
    # UEFI with the scope's generic file (rule "generic": option edits) and
    # with a reservation's own file (the conditioned rule falls through).
    "uefi-generic-file-option-edits": xch(
        0, REQ["discover-uefi-x64-arch7"],
        reply(OFFER, "10.10.0.1", chaddr=UEFI_MAC, file="undionly.kpxe",
              extra=opt(60, "PXEClient"))),
    "uefi-reserved-file-falls-through": xch(
        0, REQ["discover-uefi-x64-arch7"],
        reply(OFFER, "10.10.0.1", chaddr=UEFI_MAC, file="reserved/host42.efi")),
    # A ProxyDHCP offer: no address, option 60 PXEClient, option 43 menu.
    "proxydhcp-offer": xch(
        0, REQ["discover-pxe-bios-arch0"],
        reply(OFFER, "10.10.0.1", yiaddr="0.0.0.0", file="",
              extra=opt(60, "PXEClient") + opt(43, b"\x06\x01\x08\x0a\x04\x00PXE\xff"))),
}

# ---- DHCPv6 ----


def o6(code, value):
    value = value.encode() if isinstance(value, str) else value
    return struct.pack("!HH", code, len(value)) + value


def items6(*texts):
    return b"".join(struct.pack("!H", len(t)) + t.encode() for t in texts)


def a6(text):
    return socket.inet_pton(socket.AF_INET6, text)


DUID_LL = b"\x00\x03\x00\x01" + mac("52:54:00:12:34:56")


def client6(mtype, xid, *opts):
    return bytes([mtype]) + xid.to_bytes(3, "big") + b"".join(opts)


def relay6(mtype, hop, link, peer, *opts):
    return bytes([mtype, hop]) + a6(link) + a6(peer) + b"".join(opts)


# What OVMF sends for PXE over IPv6 (see tests/lab/test_firmware.sh): client
# id, ORO asking for 59 and 60, option 61 arch 7, NII, vendor class.
OVMF_SOLICIT = client6(1, 0x3a5b7c, o6(1, DUID_LL), o6(6, b"\x00\x3b\x00\x3c\x00\x17\x00\x18"),
                       o6(61, b"\x00\x07"), o6(62, b"\x01\x03\x00"),
                       o6(16, b"\x00\x00\x01\x57" + items6("PXEClient:Arch:00007:UNDI:003016")))
ADVERTISE = client6(2, 0x3a5b7c, o6(1, DUID_LL), o6(2, DUID_LL), o6(59, "tftp://[2001:db8::2]/generic.efi"))
DHCP6 = {
    "solicit-ovmf-x64": OVMF_SOLICIT,
    "solicit-http-arch16": client6(1, 0x010203, o6(1, DUID_LL), o6(61, b"\x00\x10"),
                                   o6(16, b"\x00\x00\x01\x57" + items6("HTTPClient:Arch:00016:UNDI:003001"))),
    "request-ipxe-user-class": client6(3, 0x3a5b7c, o6(1, DUID_LL), o6(15, items6("iPXE")),
                                       o6(61, b"\x00\x07")),
    "relay-forward-from-below": relay6(12, 2, "::", "fe80::7", o6(18, "port7"), o6(9, OVMF_SOLICIT)),
    "relay-forward-hop-limit": relay6(12, 8, "::", "fe80::7", o6(9, OVMF_SOLICIT)),
    "relay-reply-advertise": relay6(13, 0, "::", "fe80::5", o6(18, "vlan10"), o6(9, ADVERTISE)),
    "relay-reply-by-link-address": relay6(13, 0, "2001:db8:10::1", "fe80::5", o6(9, ADVERTISE)),
    "relay-reply-nested": relay6(13, 0, "::", "fe80::77", o6(18, "vlan10"),
                                 o6(9, relay6(13, 0, "::", "fe80::5", o6(18, "port7"), o6(9, ADVERTISE)))),
    "relay-reply-option-past-end": relay6(13, 0, "::", "fe80::5", o6(18, "vlan10"))[:-2] + b"\x00\x09\x10\x00",
    "advertise-alone": ADVERTISE,
    # tftp-proxy: a Reply leasing two addresses, option 59 naming an IPv4
    # boot server with the port spelled out.
    "relay-reply-reply-ia-na-ipv4-url": relay6(
        13, 0, "::", "fe80::5", o6(18, "vlan10"),
        o6(9, client6(7, 0x3a5b7c, o6(1, DUID_LL), o6(2, DUID_LL),
                      o6(3, b"\x00\x00\x00\x01" + b"\x00" * 8
                         + o6(5, a6("2001:db8:10::100") + b"\x00\x00\x0e\x10" * 2)
                         + o6(5, a6("2001:db8:10::101") + b"\x00\x00\x0e\x10" * 2)),
                      o6(59, "tftp://10.0.0.5:69/boot/ipxe.efi")))),
}

CORPORA = {
    "dhcp6": DHCP6,
    "dhcp_msg": DHCP_MSG,
    "relay_request": RELAY_REQUEST,
    "relay_reply": RELAY_REPLY,
    "exchange": EXCHANGE,
    "opt82": OPT82,
    "frame": FRAME,
}


def main(argv):
    clean = "--clean" in argv
    args = [a for a in argv if a != "--clean"]
    outdir = args[0] if args else os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                                "corpus")
    total = 0
    for name, seeds in CORPORA.items():
        d = os.path.join(outdir, name)
        os.makedirs(d, exist_ok=True)
        if clean:
            for f in os.listdir(d):
                if f not in seeds and not f.startswith("crash-"):
                    os.unlink(os.path.join(d, f))
        for seed, data in seeds.items():
            with open(os.path.join(d, seed), "wb") as fh:
                fh.write(data)
            total += 1
        print("%-14s %3d seeds" % (name, len(seeds)))
    print("%d seeds in %s" % (total, outdir))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
