#!/usr/bin/env python3
"""requests_per_attempt.py SERVER.pcap

How often the server saw each relayed request. From a capture on the
server's link, every BOOTREQUEST to UDP port 67 is keyed by (chaddr, xid,
DHCP message type); a client that never retransmits within an attempt (the
lab's `malformed.py dora`) makes each key once, so a key seen twice means
two relays forwarded the same broadcast. Prints one line per such key,
then "requests N keys K twice D" and "from IP N" per relay address; exits 1
when a key was seen more than once or no request at all."""
import collections
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from dhcp_probe import parse_options, udp_datagrams  # noqa: E402


def main():
    if len(sys.argv) != 2:
        print(__doc__.strip().splitlines()[0], file=sys.stderr)
        return 2
    keys = collections.Counter()
    sources = collections.defaultdict(set)
    by_src = collections.Counter()
    for _meta, ip, _sport, dport, payload in udp_datagrams(sys.argv[1]):
        if dport != 67 or len(payload) < 240 or payload[0] != 1:
            continue
        mtype = parse_options(payload[240:]).get(53, b"")
        key = (payload[28:34].hex(":"), payload[4:8].hex(), mtype[0] if mtype else None)
        src = ".".join(str(b) for b in ip[12:16])
        keys[key] += 1
        sources[key].add(src)
        by_src[src] += 1
    twice = 0
    for key, n in sorted(keys.items(), key=str):
        if n > 1:
            twice += 1
            print("twice: mac %s xid %s type %s seen %d times from %s" %
                  (key[0], key[1], key[2], n, ",".join(sorted(sources[key]))))
    print("requests %d keys %d twice %d" % (sum(keys.values()), len(keys), twice))
    for src, n in sorted(by_src.items()):
        print("from %s %d" % (src, n))
    return 1 if twice or not keys else 0


if __name__ == "__main__":
    sys.exit(main())
