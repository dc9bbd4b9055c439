#!/usr/bin/env python3
"""requests_per_attempt.py SERVER.pcap [--handover RELAY.log ...] [--window-ms N]

How often the server saw each relayed request. From a capture on the
server's link, every BOOTREQUEST to UDP port 67 is keyed by (chaddr, xid,
DHCP message type); a client that never retransmits within an attempt (the
lab's `malformed.py dora`) makes each key once, so a key seen twice means
two relays forwarded the same broadcast.

With --handover, the relay logs given are read for the moments a router
gave up its VRRP address ("vrrp-address ... is not here"). When a router
preempts, the new master holds the address from its own transition and the
old one until it hears the new master's advertisement: for those few
milliseconds both hear the clients' broadcasts, which VRRP cannot prevent.
A key whose every copy lies within N ms (default 100) of such a moment is
counted as a handover copy, not as an error.

Prints one line per key seen twice, "handover" or "twice", then "requests N
keys K twice D handover H" and "from IP N" per relay address; exits 1 when
a key was seen twice outside a handover, or no request was seen at all."""
import argparse
import collections
import os
import re
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from dhcp_probe import parse_options, udp_datagrams_ts  # noqa: E402

GAVE_UP = re.compile(r"^(\d\d):(\d\d):(\d\d)\.(\d\d\d) .*vrrp-address \S+ is not here")


def day_seconds_of_log(path):
    """The times of day (local, as the log writes them) of the lines where
    that relay gave its address up."""
    out = []
    with open(path, errors="replace") as f:
        for line in f:
            m = GAVE_UP.match(line)
            if m:
                h, mi, s, ms = (int(g) for g in m.groups())
                out.append(h * 3600 + mi * 60 + s + ms / 1000.0)
    return out


def day_seconds(ts):
    t = time.localtime(ts)
    return t.tm_hour * 3600 + t.tm_min * 60 + t.tm_sec + (ts % 1)


def main():
    p = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0])
    p.add_argument("pcap")
    p.add_argument("--handover", nargs="*", default=[])
    p.add_argument("--window-ms", type=float, default=100.0)
    a = p.parse_args()
    moments = [t for path in a.handover for t in day_seconds_of_log(path)]
    keys = collections.defaultdict(list)
    sources = collections.defaultdict(set)
    by_src = collections.Counter()
    for ts, _meta, ip, _sport, dport, payload in udp_datagrams_ts(a.pcap):
        if dport != 67 or len(payload) < 240 or payload[0] != 1:
            continue
        mtype = parse_options(payload[240:]).get(53, b"")
        key = (payload[28:34].hex(":"), payload[4:8].hex(), mtype[0] if mtype else None)
        src = ".".join(str(b) for b in ip[12:16])
        keys[key].append(day_seconds(ts))
        sources[key].add(src)
        by_src[src] += 1
    twice = handover = 0
    for key, seen in sorted(keys.items(), key=str):
        if len(seen) < 2:
            continue
        near = [min((abs(t - m) for m in moments), default=None) for t in seen]
        if all(d is not None and d * 1000 <= a.window_ms for d in near):
            handover += 1
            what = "handover"
        else:
            twice += 1
            what = "twice"
        print("%s: mac %s xid %s type %s seen %d times from %s, %s ms from a router giving "
              "its address up" % (what, key[0], key[1], key[2], len(seen),
                                   ",".join(sorted(sources[key])),
                                   ",".join("-" if d is None else "%.0f" % (d * 1000)
                                            for d in near)))
    print("requests %d keys %d twice %d handover %d" %
          (sum(len(v) for v in keys.values()), len(keys), twice, handover))
    for src, n in sorted(by_src.items()):
        print("from %s %d" % (src, n))
    return 1 if twice or not keys else 0


if __name__ == "__main__":
    sys.exit(main())
