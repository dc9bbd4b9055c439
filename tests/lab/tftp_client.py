#!/usr/bin/env python3
"""tftp_client.py - a small TFTP client and TFTP capture reader for the
pxerelay namespace lab.  Python 3 standard library only.

Sub-commands (run the network ones inside a namespace, `ip netns exec NS`):

  get SERVER FILE    Read FILE.  Asks for the RFC 2347 options given
                     (--blksize, --windowsize, --tsize, --timeout-opt) and
                     acknowledges the way RFC 7440 wants it: one ACK per
                     window, or for the last block read in order when a
                     block is missing.  Prints one line:
                       ok bytes=N sha256=H oack=blksize=1468,tsize=N
                          maxdata=N burst=N acks=N secs=S
                     (burst: the most DATA packets that came between two of
                     our ACKs), or "error code=N msg=..." when the server
                     sent an ERROR, or "timeout ..." when it went silent.
                     --out PATH writes the file; --at EPOCH waits until then
                     before it sends the request (to start many at once).
                     --abort-after-oack CODE:MSG reads the OACK, answers it
                     with that ERROR and stops, as PXE firmware does after
                     its tsize probe: prints "aborted oack=...".

  hold SERVER FILE   Open --count read requests at once from one address;
                     report how many got an answer (DATA or OACK) and how
                     many an ERROR, then abort the answered ones with an
                     ERROR of our own (the server may then free them).
                     --confirm N: the first N are sent first and their
                     answers acknowledged (a server that counts only
                     transfers a client has confirmed then holds N), the
                     rest after them.

  tid SERVER FILE    Start a read, then send an ACK to the server's transfer
                     port from a second socket (an unknown transfer ID): the
                     server must answer that socket with ERROR 5 and go on
                     with the first one, which then reads the file to the end.

  put SERVER FILE    Send a write request; print the answer (an ERROR is
                     what a read-only server sends).

  pcap PCAP          Follow every TFTP transfer in a capture (Ethernet or
                     Linux cooked) and print one JSON object per transfer:
                     client, server port, file, the options asked and
                     granted, DATA packets, the largest DATA payload, bytes,
                     whether the last block came and was acknowledged, the
                     file's sha256 rebuilt from the DATA payloads.
                     --file NAME keeps that file's transfers only (a leading
                     "/" does not count), --write OUT saves the data of the
                     last complete one.

Exit status: 0 success; 1 usage or socket error; 2 the server sent an ERROR
(get, put); 3 no answer in time.
"""

import argparse
import hashlib
import json
import select
import socket
import struct
import sys
import time

RRQ, WRQ, DATA, ACK, ERROR, OACK = 1, 2, 3, 4, 5, 6


def build_request(op, name, mode="octet", opts=None):
    pkt = struct.pack("!H", op) + name.encode() + b"\0" + mode.encode() + b"\0"
    for k, v in (opts or {}).items():
        pkt += k.encode() + b"\0" + str(v).encode() + b"\0"
    return pkt


def build_ack(block):
    return struct.pack("!HH", ACK, block & 0xFFFF)


def build_error(code, msg):
    return struct.pack("!HH", ERROR, code) + msg.encode() + b"\0"


def parse_strings(raw):
    parts = raw.split(b"\0")
    if parts and parts[-1] == b"":
        parts = parts[:-1]
    return [p.decode("latin-1") for p in parts]


def parse_opts(strings):
    opts = {}
    for i in range(0, len(strings) - 1, 2):
        opts[strings[i].lower()] = strings[i + 1]
    return opts


def parse(pkt):
    """(op, fields) or (None, None) for junk."""
    if len(pkt) < 2:
        return None, None
    op = struct.unpack("!H", pkt[:2])[0]
    if op in (RRQ, WRQ):
        s = parse_strings(pkt[2:])
        if len(s) < 2:
            return None, None
        return op, {"file": s[0], "mode": s[1], "opts": parse_opts(s[2:])}
    if op in (DATA, ACK):
        if len(pkt) < 4:
            return None, None
        return op, {"block": struct.unpack("!H", pkt[2:4])[0], "data": pkt[4:]}
    if op == ERROR:
        if len(pkt) < 4:
            return None, None
        code = struct.unpack("!H", pkt[2:4])[0]
        return op, {"code": code, "msg": pkt[4:].split(b"\0")[0].decode("latin-1")}
    if op == OACK:
        return op, {"opts": parse_opts(parse_strings(pkt[2:]))}
    return None, None


def make_socket(bind_ip):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
    s.bind((bind_ip or "0.0.0.0", 0))
    return s


def asked_options(args):
    opts = {}
    if args.blksize:
        opts["blksize"] = args.blksize
    if args.tsize:
        opts["tsize"] = 0
    if args.timeout_opt:
        opts["timeout"] = args.timeout_opt
    if args.windowsize:
        opts["windowsize"] = args.windowsize
    return opts


class Result(Exception):
    def __init__(self, status, text):
        super().__init__(text)
        self.status = status
        self.text = text


class Reader:
    """One read transfer, RFC 1350 + 2347/2348/2349 + 7440, client side."""

    def __init__(self, args, sock=None):
        self.args = args
        self.sock = sock or make_socket(args.bind)
        self.server = (args.server, args.port)
        self.tid = None               # the server's port, from its first answer
        self.asked = asked_options(args)
        self.blksize = 512
        self.window = 1
        self.oack = None
        self.received = 0             # blocks read in order
        self.acked = 0                # block of our last ACK
        self.since_ack = 0
        self.burst = 0
        self.maxdata = 0
        self.acks = 0
        self.digest = hashlib.sha256()
        self.nbytes = 0
        self.out = open(args.out, "wb") if getattr(args, "out", None) else None
        self.last_sent = build_request(RRQ, args.file, args.mode, self.asked)
        self.done = False
        self.t0 = time.monotonic()

    def send(self, pkt):
        self.sock.sendto(pkt, (self.server[0], self.tid or self.server[1]))
        self.last_sent = pkt

    def ack(self, block):
        self.send(build_ack(block))
        self.acked = block
        self.acks += 1
        self.burst = max(self.burst, self.since_ack)
        self.since_ack = 0

    def start(self):
        self.sock.sendto(self.last_sent, self.server)

    def first_answer(self, pkt, src):
        """Called for the first packet from the server; returns (op, f)."""
        self.tid = src[1]
        return parse(pkt)

    def on_packet(self, pkt, src):
        if src[0] != self.server[0]:
            return
        if self.tid is None:
            op, f = self.first_answer(pkt, src)
        elif src[1] != self.tid:
            # RFC 1350 section 4: another transfer ID.
            self.sock.sendto(build_error(5, "unknown transfer ID"), src)
            return
        else:
            op, f = parse(pkt)
        if op == ERROR:
            raise Result(2, "error code=%d msg=%s after=%.1fs bytes=%d" % (
                f["code"], json.dumps(f["msg"]), time.monotonic() - self.t0, self.nbytes))
        if op == OACK:
            if self.received:
                return
            if self.oack is None:
                self.oack = f["opts"]
                abort = getattr(self.args, "abort_after_oack", None)
                if abort:
                    code, _, msg = abort.partition(":")
                    self.send(build_error(int(code), msg))
                    raise Result(0, "aborted oack=%s" % ",".join(
                        "%s=%s" % kv for kv in sorted(self.oack.items())))
                for k, v in self.oack.items():
                    if k not in self.asked:
                        raise Result(1, "protocol: OACK grants %s, which we did not ask" % k)
                if "blksize" in self.oack:
                    self.blksize = int(self.oack["blksize"])
                    if self.blksize > int(self.asked["blksize"]) or self.blksize < 8:
                        raise Result(1, "protocol: OACK blksize %d, asked %s" % (
                            self.blksize, self.asked["blksize"]))
                if "windowsize" in self.oack:
                    self.window = int(self.oack["windowsize"])
            self.ack(0)
            return
        if op != DATA:
            return
        if self.tid is not None and self.oack is None and self.received == 0 and f["block"] == 1:
            # The server ignored our options (or we asked none).
            self.blksize, self.window = 512, 1
        if f["block"] != (self.received + 1) & 0xFFFF:
            # RFC 7440: a gap or a repeat; ack the last block read in order.
            self.ack(self.received)
            return
        data = f["data"]
        if len(data) > self.blksize:
            raise Result(1, "protocol: DATA %d carries %d bytes, blksize %d" % (
                f["block"], len(data), self.blksize))
        self.received += 1
        self.since_ack += 1
        self.maxdata = max(self.maxdata, len(data))
        self.nbytes += len(data)
        self.digest.update(data)
        if self.out:
            self.out.write(data)
        if len(data) < self.blksize:
            self.ack(self.received)
            self.done = True
        elif self.received - self.acked >= self.window:
            self.ack(self.received)

    def run(self):
        self.start()
        tries = 0
        deadline = self.t0 + self.args.deadline
        while not self.done:
            now = time.monotonic()
            if now > deadline:
                raise Result(3, "timeout deadline=%gs bytes=%d" % (self.args.deadline, self.nbytes))
            r, _, _ = select.select([self.sock], [], [], min(self.args.rto, deadline - now))
            if not r:
                tries += 1
                if tries > self.args.retries:
                    raise Result(3, "timeout after %d tries of %gs, bytes=%d" % (
                        tries, self.args.rto, self.nbytes))
                if self.tid is None:
                    self.sock.sendto(self.last_sent, self.server)
                else:
                    self.ack(self.received)
                continue
            tries = 0
            # Drain what is there, then go back to select.
            while True:
                try:
                    pkt, src = self.sock.recvfrom(70000)
                except BlockingIOError:
                    break
                self.on_packet(pkt, src)
                if self.done:
                    break
                self.sock.setblocking(False)
            self.sock.setblocking(True)
        if self.out:
            self.out.close()
        secs = time.monotonic() - self.t0
        if self.oack and "tsize" in self.oack and int(self.oack["tsize"]) != self.nbytes:
            raise Result(1, "protocol: OACK tsize %s, but %d bytes came" % (
                self.oack["tsize"], self.nbytes))
        self.burst = max(self.burst, self.since_ack)
        oack = ",".join("%s=%s" % kv for kv in sorted((self.oack or {}).items())) or "-"
        return "ok bytes=%d sha256=%s oack=%s maxdata=%d burst=%d acks=%d secs=%.3f" % (
            self.nbytes, self.digest.hexdigest(), oack, self.maxdata, self.burst, self.acks, secs)


def cmd_get(args):
    if args.at:
        time.sleep(max(0.0, args.at - time.time()))
    try:
        print(Reader(args).run(), flush=True)
        return 0
    except Result as r:
        print(r.text, flush=True)
        return r.status


def cmd_hold(args):
    socks = [make_socket(args.bind) for _ in range(args.count)]
    opts = asked_options(args)
    req = build_request(RRQ, args.file, args.mode, opts)
    answer = {}

    def collect(group, confirm):
        """Send group's requests at once and take each one's first answer;
        confirm: acknowledge it (OACK with ACK 0, DATA n with ACK n), so
        the transfer holds one of the server's slots from then on."""
        for s in group:
            s.sendto(req, (args.server, args.port))
        deadline = time.monotonic() + args.rto * 3
        while any(s not in answer for s in group) and time.monotonic() < deadline:
            r, _, _ = select.select([s for s in group if s not in answer], [], [],
                                    max(0.0, deadline - time.monotonic()))
            for s in r:
                pkt, src = s.recvfrom(70000)
                op, f = parse(pkt)
                if op == ERROR:
                    answer[s] = ("error", f["code"], f["msg"], src)
                elif op in (DATA, OACK):
                    answer[s] = ("answer", 0, "", src)
                    if confirm:
                        s.sendto(build_ack(f["block"] if op == DATA else 0), src)

    if args.confirm:
        collect(socks[:args.confirm], True)
        time.sleep(0.2)
        collect(socks[args.confirm:], False)
    else:
        collect(socks, False)
    n_ans = sum(1 for a in answer.values() if a[0] == "answer")
    errs = sorted({"%d:%s" % (a[1], a[2]) for a in answer.values() if a[0] == "error"})
    n_err = sum(1 for a in answer.values() if a[0] == "error")
    for s, a in answer.items():
        if a[0] == "answer":
            s.sendto(build_error(0, "lab client aborts"), a[3])
    print("answered=%d errors=%d silent=%d error_msgs=%s" % (
        n_ans, n_err, len(socks) - len(answer), json.dumps(";".join(errs))), flush=True)
    return 0


def cmd_tid(args):
    reader = Reader(args)
    intruder = make_socket(args.bind)
    seen = {}
    first = reader.first_answer

    def hooked(pkt, src):
        op, f = first(pkt, src)
        seen["port"] = src[1]
        return op, f

    reader.first_answer = hooked
    reader.start()
    # Wait for the server's first answer through the normal path.
    t_end = time.monotonic() + args.rto * 3
    while "port" not in seen and time.monotonic() < t_end:
        r, _, _ = select.select([reader.sock], [], [], 0.2)
        if r:
            pkt, src = reader.sock.recvfrom(70000)
            try:
                reader.on_packet(pkt, src)
            except Result as res:
                print("no transfer to intrude on: " + res.text, flush=True)
                return res.status
    if "port" not in seen:
        print("timeout: no answer to the read request", flush=True)
        return 3
    intruder.sendto(build_ack(1), (args.server, seen["port"]))
    r, _, _ = select.select([intruder], [], [], 2.0)
    if not r:
        tid = "tid=none"
    else:
        pkt, src = intruder.recvfrom(70000)
        op, f = parse(pkt)
        tid = "tid=error-%d" % f["code"] if op == ERROR else "tid=op-%s" % op
    # The first transfer must go on as if nothing happened.
    reader.start = lambda: None
    try:
        text = reader.run()
        print("%s then %s" % (tid, text), flush=True)
        return 0
    except Result as res:
        print("%s then %s" % (tid, res.text), flush=True)
        return res.status


def cmd_put(args):
    s = make_socket(args.bind)
    s.sendto(build_request(WRQ, args.file, args.mode, asked_options(args)), (args.server, args.port))
    r, _, _ = select.select([s], [], [], args.rto * 3)
    if not r:
        print("timeout: no answer to the write request", flush=True)
        return 3
    pkt, src = s.recvfrom(70000)
    op, f = parse(pkt)
    if op == ERROR:
        print("error code=%d msg=%s" % (f["code"], json.dumps(f["msg"])), flush=True)
        return 2
    print("accepted op=%s from %s:%d" % (op, src[0], src[1]), flush=True)
    if op in (ACK, OACK):
        s.sendto(build_error(0, "lab client aborts"), src)
    return 0


# ---------------------------------------------------------------- captures

def pcap_frames(data):
    magic = data[:4]
    if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
        e = "<"
    elif magic in (b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
        e = ">"
    else:
        raise SystemExit("not a classic pcap file")
    nano = magic in (b"\x4d\x3c\xb2\xa1", b"\xa1\xb2\x3c\x4d")
    linktype = struct.unpack(e + "I", data[20:24])[0]
    off = 24
    while off + 16 <= len(data):
        sec, frac, incl, _ = struct.unpack(e + "IIII", data[off:off + 16])
        off += 16
        yield sec + frac / (1e9 if nano else 1e6), linktype, data[off:off + incl]
        off += incl


def ip_payload(linktype, frame):
    if linktype == 1:            # Ethernet
        if len(frame) < 14 or frame[12:14] != b"\x08\x00":
            return None
        return frame[14:]
    if linktype == 113:          # Linux cooked
        if len(frame) < 16 or frame[14:16] != b"\x08\x00":
            return None
        return frame[16:]
    if linktype == 276:          # Linux cooked v2
        if len(frame) < 20 or frame[0:2] != b"\x08\x00":
            return None
        return frame[20:]
    if linktype in (12, 101):    # raw IP
        return frame
    return None


def udp_packets(path):
    with open(path, "rb") as fh:
        data = fh.read()
    for ts, lt, frame in pcap_frames(data):
        ip = ip_payload(lt, frame)
        if ip is None or len(ip) < 20 or ip[0] >> 4 != 4 or ip[9] != 17:
            continue
        frag = struct.unpack("!H", ip[6:8])[0]
        if frag & 0x3FFF:        # fragments: not ours to follow
            continue
        ihl = (ip[0] & 15) * 4
        total = struct.unpack("!H", ip[2:4])[0]
        udp = ip[ihl:total]
        if len(udp) < 8:
            continue
        sport, dport = struct.unpack("!HH", udp[:4])
        yield ts, socket.inet_ntoa(ip[12:16]), sport, socket.inet_ntoa(ip[16:20]), dport, udp[8:]


def cmd_pcap(args):
    transfers = {}               # (client ip, client port) -> dict
    order = []
    for ts, src, sport, dst, dport, payload in udp_packets(args.pcap):
        op, f = parse(payload)
        if op is None:
            continue
        if dport == 69 and op in (RRQ, WRQ):
            key = (src, sport)
            t = {"client": "%s:%d" % key, "server": dst, "server_port": None,
                 "op": "RRQ" if op == RRQ else "WRQ", "file": f["file"], "asked": f["opts"],
                 "oack": None, "data_pkts": 0, "max_data": 0, "bytes": 0, "blocks": 0,
                 "complete": False, "final_acked": False, "error": None, "t0": ts, "t1": ts,
                 "_chunks": {}, "_last": 0, "_final": None, "_blksize": 512}
            transfers[key] = t
            order.append(t)
            continue
        # From the server's transfer port to the client, or back.
        if (dst, dport) in transfers and transfers[(dst, dport)]["server"] == src:
            t, from_server = transfers[(dst, dport)], True
        elif (src, sport) in transfers and transfers[(src, sport)]["server"] == dst:
            t, from_server = transfers[(src, sport)], False
        else:
            continue
        port = sport if from_server else dport
        if t["server_port"] is None and from_server:
            t["server_port"] = port
        if port != t["server_port"]:
            continue
        t["t1"] = ts
        if op == ERROR:
            t["error"] = [f["code"], f["msg"], "server" if from_server else "client"]
        elif op == OACK and from_server:
            t["oack"] = f["opts"]
            if "blksize" in f["opts"]:
                t["_blksize"] = int(f["opts"]["blksize"])
        elif op == DATA and from_server:
            t["data_pkts"] += 1
            t["max_data"] = max(t["max_data"], len(f["data"]))
            # The 64-bit block nearest to the last one (16-bit roll-over).
            last = t["_last"]
            seq = (last & ~0xFFFF) | f["block"]
            if seq < last - 0x8000:
                seq += 0x10000
            elif seq > last + 0x8000 and seq >= 0x10000:
                seq -= 0x10000
            t["_last"] = max(last, seq)
            t["_chunks"][seq] = f["data"]
            if len(f["data"]) < t["_blksize"]:
                t["_final"] = seq
        elif op == ACK and not from_server:
            if t["_final"] is not None and f["block"] == t["_final"] & 0xFFFF:
                t["final_acked"] = True
    for t in order:
        chunks = t.pop("_chunks")
        final = t.pop("_final")
        t.pop("_last")
        t.pop("_blksize")
        digest = hashlib.sha256()
        data = []
        if final is not None and all(b in chunks for b in range(1, final + 1)):
            t["complete"] = True
            for b in range(1, final + 1):
                digest.update(chunks[b])
                data.append(chunks[b])
            t["blocks"] = final
            t["bytes"] = sum(len(c) for c in data)
            t["sha256"] = digest.hexdigest()
        else:
            t["blocks"] = len(chunks)
            t["bytes"] = sum(len(c) for c in chunks.values())
        t["_data"] = data
    keep = [t for t in order
            if args.file is None or t["file"].lstrip("/") == args.file.lstrip("/")]
    if args.write:
        done = [t for t in keep if t["complete"]]
        with open(args.write, "wb") as fh:
            if done:
                fh.write(b"".join(done[-1]["_data"]))
    for t in keep:
        t.pop("_data")
        t["secs"] = round(t.pop("t1") - t.pop("t0"), 3)
        print(json.dumps(t, sort_keys=True))
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    for name in ("get", "hold", "tid", "put"):
        p = sub.add_parser(name)
        p.add_argument("server")
        p.add_argument("file")
        p.add_argument("--port", type=int, default=69)
        p.add_argument("--bind", help="source address (default: any)")
        p.add_argument("--mode", default="octet")
        p.add_argument("--blksize", type=int)
        p.add_argument("--windowsize", type=int)
        p.add_argument("--tsize", action="store_true")
        p.add_argument("--timeout-opt", type=int, help="RFC 2349 timeout option, seconds")
        p.add_argument("--rto", type=float, default=1.0, help="our retransmission timeout (s)")
        p.add_argument("--retries", type=int, default=5)
        p.add_argument("--deadline", type=float, default=120.0, help="give up after (s)")
        p.add_argument("--out", help="write the file here (get, tid)")
        p.add_argument("--at", type=float, help="get: send the request at this time (epoch s)")
        if name == "get":
            p.add_argument("--abort-after-oack", metavar="CODE:MSG",
                           help="answer the OACK with this ERROR and stop (a tsize probe)")
        if name == "hold":
            p.add_argument("--count", type=int, default=10)
            p.add_argument("--confirm", type=int, default=0,
                           help="send this many first and acknowledge their answers, "
                                "then the rest")
    p = sub.add_parser("pcap")
    p.add_argument("pcap")
    p.add_argument("--file")
    p.add_argument("--write")
    args = ap.parse_args()
    try:
        return {"get": cmd_get, "hold": cmd_hold, "tid": cmd_tid, "put": cmd_put,
                "pcap": cmd_pcap}[args.cmd](args)
    except OSError as e:
        print("socket error: %s" % e, flush=True)
        return 1


if __name__ == "__main__":
    sys.exit(main())
