#!/usr/bin/env python3
"""proxy_offer_check.py CLIENT.pcap PROXY.pcap XID

The client link's capture must hold two OFFERs for XID: a lease (yiaddr
set) and a ProxyDHCP offer (yiaddr 0.0.0.0, option 60 "PXEClient"); the
ProxyDHCP offer must be the one the proxy sent (PROXY.pcap, taken on its
link) with only option 82 taken out: every header field and every other
option, in the order each first appears, the same. Prints a summary; exit 1 when not so."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from dhcp_probe import parse_options, udp_datagrams  # noqa: E402


def offers(path, xid):
    for _meta, _ip, sport, _dport, p in udp_datagrams(path):
        if sport != 67 or len(p) < 240 or p[0] != 2 or p[4:8].hex() != xid:
            continue
        opts = list(parse_options(p[240:]).items())
        if (53, b"\x02") in opts:
            yield p, opts


def main():
    client, proxy, xid = sys.argv[1], sys.argv[2], sys.argv[3].lower()
    at_client = list(offers(client, xid))
    leases = [p for p, _ in at_client if p[16:20] != b"\0\0\0\0"]
    proxied = [(p, o) for p, o in at_client if p[16:20] == b"\0\0\0\0"]
    sent = list(offers(proxy, xid))
    if not leases or not proxied or not sent:
        print("offers at the client: %d lease(s), %d ProxyDHCP; sent by the proxy: %d"
              % (len(leases), len(proxied), len(sent)))
        return 1
    p, o = proxied[0]
    s, so = sent[0]
    if (60, b"PXEClient") not in o:
        print("the ProxyDHCP offer at the client has no option 60 PXEClient")
        return 1
    if p[:236] != s[:236]:
        print("header differs from the proxy's (siaddr %s, file %r -> %s, %r)"
              % (".".join(map(str, s[20:24])), s[108:236].rstrip(b"\0"),
                 ".".join(map(str, p[20:24])), p[108:236].rstrip(b"\0")))
        return 1
    want = [x for x in so if x[0] != 82]
    if o != want:
        print("options differ: proxy sent %s, the client got %s"
              % ([c for c, _ in want], [c for c, _ in o]))
        return 1
    print("both offers reached the client; the ProxyDHCP offer (%d options, option 43 %d "
          "bytes) is the proxy's; the lease's siaddr is %s"
          % (len(o), len(dict(o).get(43, b"")), ".".join(map(str, leases[0][20:24]))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
