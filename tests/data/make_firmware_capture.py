#!/usr/bin/env python3
"""make_firmware_capture.py [OUT.pcap] - DHCP exchanges as real network-boot
firmware sends them, through a relay, written as an Ethernet capture taken
on the router (default tests/data/firmware-dhcp.pcap).

What each client sends reproduces what public captures of real firmware
show (the captures themselves are not in the tree); addresses, MACs and
GUIDs are the lab's own:

  Intel BIOS PXE 2.1   option 93 = 0, 94 = 1.2.1, 97 GUID, option 60
                       "PXEClient:Arch:00000:UNDI:002001", option 57 = 1260,
                       a 36-code PRL, the broadcast flag, the message padded
                       to 548 bytes.
  Intel UEFI x64 PXE   option 57 = 1472 in DISCOVER but 65280 in REQUEST,
                       option 93 = 7, 94 = 1.3.16, a 35-code PRL, 347 bytes.
  chainloaded iPXE     option 77 "iPXE", option 175 (iPXE's encapsulated
                       settings, 51 bytes), option 61, option 57 = 1472.
  ProxyDHCP            a second server's OFFER of no address: yiaddr
                       0.0.0.0, option 60 "PXEClient", 61 and 97 echoed, no
                       boot file (the PXE client asks for it on port 4011),
                       and one with option 43 PXE menus (pixiecore style).
  U-Boot RISC-V        option 60 "PXEClient:Arch:0001b:UNDI:003000" (the
                       arch in hex), no option 93.
  ZTP switch           option 60 "PXEClient:Arch:00009:UNDI:003010:PID:
                       NCS-5508", no option 93, handed a script by a
                       reservation.

The server (10.0.0.2) answers each through the relay (giaddr 10.10.0.1,
option 82 circuit-id "vlan10" echoed) with the scope's generic boot
settings (next-server 10.0.0.2, file and option 67 "undionly.kpxe"), as a
Windows DHCP scope does; the ProxyDHCP server is 10.0.2.2.
`pxerelay --replay OUT.pcap -c tests/data/firmware-dhcp.conf` over it is
checked against tests/data/firmware-dhcp.replay by tests/replay_golden.sh.
"""
import os
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "fuzz"))
from make_seeds import (agent, dhcp, ether, ip, ipv4_udp, opt, u8, u16,  # noqa: E402
                        u32)

DISCOVER, OFFER, REQUEST, ACK = 1, 2, 3, 5
GIADDR, SERVER, PROXY = "10.10.0.1", "10.0.0.2", "10.0.2.2"
ROUTER_MAC = "02:00:00:00:00:01"
AGENT = agent(circuit="vlan10")

BIOS_PRL = bytes([1, 2, 3, 4, 5, 6, 11, 12, 13, 15, 16, 17, 18, 22, 23, 28, 40, 41, 42,
                  43, 50, 51, 54, 58, 59, 60, 66, 67, 128, 129, 130, 131, 132, 133, 134,
                  135])
UEFI_PRL = bytes([1, 2, 3, 4, 5, 6, 12, 13, 15, 17, 18, 22, 23, 28, 40, 41, 42, 43, 50,
                  51, 54, 58, 59, 60, 66, 67, 97, 128, 129, 130, 131, 132, 133, 134, 135])
IPXE_PRL = bytes([1, 3, 6, 7, 12, 15, 17, 26, 43, 60, 66, 67, 119, 128, 129, 130, 135,
                  175, 203, 209, 210, 211, 212, 213])
# iPXE's option 175 as the BIOS build sends it: its features, 51 bytes.
IPXE_175 = bytes([177, 5, 1, 16, 236, 129, 104, 235, 3, 1, 21, 1, 23, 1, 1, 34, 1, 1, 19,
                  1, 1, 17, 1, 1, 39, 1, 1, 25, 1, 1, 25, 1, 1, 16, 1, 2, 33, 1, 1, 21,
                  1, 1, 24, 1, 1, 27, 1, 1, 18, 1, 1])


def guid(mac):
    return b"\x00" + bytes.fromhex(mac.replace(":", "")) + b"\x00" * 10


def client_id(mac):
    return b"\x01" + bytes.fromhex(mac.replace(":", ""))


def request(mac, xid, options, pad_to=300):
    return dhcp(xid=xid, secs=4, flags=0x8000, chaddr=mac, options=options, pad_to=pad_to)


def server_reply(mac, xid, msgtype, yiaddr, extra=b"", file="undionly.kpxe",
                 server=SERVER, siaddr=SERVER, boot=True):
    o = opt(53, u8(msgtype)) + opt(54, ip(server))
    if yiaddr != "0.0.0.0":
        o += opt(51, u32(864000)) + opt(58, u32(432000)) + opt(59, u32(756000))
        o += opt(1, ip("255.255.255.0")) + opt(3, ip(GIADDR)) + opt(6, ip("10.0.0.53"))
    if boot:
        o += opt(66, siaddr) + opt(67, file)
    o += extra + opt(82, AGENT)
    return dhcp(op=2, hops=1, xid=xid, secs=4, flags=0x8000, yiaddr=yiaddr, siaddr=siaddr,
                giaddr=GIADDR, chaddr=mac, file=file.encode() if boot else b"", options=o)


def frames():
    """(source MAC, destination MAC, IPv4/UDP packet) in capture order."""
    out = []

    def from_client(mac, msg):
        out.append((mac, "ff:ff:ff:ff:ff:ff", ipv4_udp(msg)))

    def from_server(msg, src=SERVER):
        out.append(("02:00:00:00:00:02", ROUTER_MAC,
                    ipv4_udp(msg, src=src, dst=GIADDR, sport=67, dport=67)))

    # Intel BIOS PXE 2.1 and a ProxyDHCP server beside the DHCP server.
    mac, xid = "02:f1:00:00:00:01", 0x2f91f7fe
    base = (opt(55, BIOS_PRL) + opt(57, u16(1260)) + opt(97, guid(mac)) + opt(93, u16(0))
            + opt(94, b"\x01\x02\x01") + opt(60, "PXEClient:Arch:00000:UNDI:002001"))
    from_client(mac, request(mac, xid, opt(53, u8(DISCOVER)) + base, pad_to=548))
    from_server(server_reply(mac, xid, OFFER, "0.0.0.0", boot=False, server=PROXY,
                             siaddr=PROXY, extra=opt(61, client_id(mac)) + opt(97, guid(mac))
                             + opt(60, "PXEClient")), src=PROXY)
    from_server(server_reply(mac, xid, OFFER, "10.10.0.75"))
    from_client(mac, request(mac, xid, opt(53, u8(REQUEST)) + opt(50, ip("10.10.0.75"))
                             + opt(54, ip(SERVER)) + base, pad_to=548))
    from_server(server_reply(mac, xid, ACK, "10.10.0.75"))

    # Intel UEFI x64 PXE: option 57 = 1472, then 65280 in the REQUEST.
    mac, xid = "02:f1:00:00:00:07", 0xbf024bd8

    def uefi(max_size):
        return (opt(57, u16(max_size)) + opt(55, UEFI_PRL) + opt(97, guid(mac))
                + opt(94, b"\x01\x03\x10") + opt(93, u16(7))
                + opt(60, "PXEClient:Arch:00007:UNDI:003016"))
    from_client(mac, request(mac, xid, opt(53, u8(DISCOVER)) + uefi(1472)))
    from_server(server_reply(mac, xid, OFFER, "10.10.0.84"))
    from_client(mac, request(mac, xid, opt(53, u8(REQUEST)) + opt(54, ip(SERVER))
                             + opt(50, ip("10.10.0.84")) + uefi(65280)))
    from_server(server_reply(mac, xid, ACK, "10.10.0.84"))

    # Chainloaded iPXE (BIOS build): user class, option 175; a pixiecore-
    # style ProxyDHCP offer with option 43 PXE menus comes too.
    mac, xid = "02:f1:00:00:0e:00", 0xe34dca29
    ipxe = (opt(57, u16(1472)) + opt(93, u16(0)) + opt(94, b"\x01\x02\x01")
            + opt(60, "PXEClient:Arch:00000:UNDI:002001") + opt(77, "iPXE")
            + opt(55, IPXE_PRL) + opt(175, IPXE_175) + opt(61, client_id(mac))
            + opt(97, guid(mac)))
    from_client(mac, request(mac, xid, opt(53, u8(DISCOVER)) + ipxe))
    menu = (bytes([6, 1, 8]) + bytes([8, 7, 0x80, 0x00, 1]) + ip(PROXY)
            + bytes([9, 12, 0x80, 0x00, 9]) + b"PXE boot" + bytes([10, 4, 0]) + b"PXE"
            + b"\xff")
    from_server(server_reply(mac, xid, OFFER, "0.0.0.0", boot=False, server=PROXY,
                             siaddr=PROXY, extra=opt(60, "PXEClient") + opt(43, menu)
                             + opt(97, guid(mac))), src=PROXY)
    from_server(server_reply(mac, xid, OFFER, "10.10.0.76"))

    # U-Boot on RISC-V: the arch in hex in option 60, no option 93.
    mac, xid = "02:f1:00:00:00:1b", 0x0b007001
    from_client(mac, request(mac, xid, opt(53, u8(DISCOVER)) + opt(57, u16(1472))
                             + opt(60, "PXEClient:Arch:0001b:UNDI:003000")))
    from_server(server_reply(mac, xid, OFFER, "10.10.0.77"))

    # A switch in zero-touch provisioning: its reservation's script.
    mac, xid = "02:f1:00:00:55:08", 0x5508a001
    from_client(mac, request(mac, xid, opt(53, u8(DISCOVER))
                             + opt(60, "PXEClient:Arch:00009:UNDI:003010:PID:NCS-5508")))
    from_server(server_reply(mac, xid, OFFER, "10.10.0.78",
                             file="http://10.0.0.9/ztp/ncs5508.py"))
    return out


def write_pcap(path, pkts):
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        for i, (src, dst, pkt) in enumerate(pkts):
            frame = ether(src, pkt, dst=dst)
            # Fixed times, 10 ms apart: the file is the same on every run.
            f.write(struct.pack("<IIII", 1767225600 + i // 100, (i % 100) * 10000,
                                len(frame), len(frame)))
            f.write(frame)


def main(argv):
    out = argv[1] if len(argv) > 1 else os.path.join(HERE, "firmware-dhcp.pcap")
    pkts = frames()
    write_pcap(out, pkts)
    print("%s: %d frames" % (out, len(pkts)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
