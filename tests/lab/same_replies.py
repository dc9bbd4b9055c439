#!/usr/bin/env python3
"""same_replies.py DAEMON.pcap REPLAY.pcap

Compare what the daemon sent to its clients with what `pxerelay --replay
-w` says it would send, byte for byte.

DAEMON.pcap: a Linux cooked capture taken on the router (tcpdump -i any),
or the daemon's own -w trace; REPLAY.pcap: what --replay -w wrote. From
each, every outgoing UDP datagram from port 67 to port 68 (a message to a
client) is keyed by (chaddr, xid, DHCP message type); for every key the
payloads, as a multiset, must be the same in both files. Prints one line
per difference and a summary; exits 1 on any difference or when the files
hold no such message at all."""
import collections
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from dhcp_probe import parse_options, udp_datagrams  # noqa: E402


def to_clients(path):
    out = collections.defaultdict(collections.Counter)
    for meta, _ip, sport, dport, payload in udp_datagrams(path):
        if meta.get("pkttype") != "outgoing" or sport != 67 or dport != 68:
            continue
        if len(payload) < 240:
            continue
        mtype = parse_options(payload[240:]).get(53, b"")
        key = (payload[28:34].hex(":"), payload[4:8].hex(), mtype[0] if mtype else None)
        out[key][payload] += 1
    return out


def main():
    if len(sys.argv) != 3:
        print(__doc__.strip().splitlines()[0], file=sys.stderr)
        return 2
    daemon, replay = to_clients(sys.argv[1]), to_clients(sys.argv[2])
    bad = 0
    for key in sorted(set(daemon) | set(replay), key=str):
        d, r = daemon.get(key, collections.Counter()), replay.get(key, collections.Counter())
        if d != r:
            bad += 1
            print("differ: mac %s xid %s type %s: daemon sent %d message(s) (%s), "
                  "--replay %d (%s)" % (key[0], key[1], key[2], sum(d.values()),
                                        ",".join("%d B" % len(p) for p in d),
                                        sum(r.values()),
                                        ",".join("%d B" % len(p) for p in r)))
    total = sum(sum(c.values()) for c in daemon.values())
    print("%d messages to clients, %d keys, %d keys differ" %
          (total, len(set(daemon) | set(replay)), bad))
    return 1 if bad or total == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
