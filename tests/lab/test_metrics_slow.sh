#!/bin/bash
# tests/lab/test_metrics_slow.sh - the metrics endpoint against slow and
# greedy clients: scrapes go on being answered while slow connections try
# to hold every slot.
#
#   server ns: srv0 10.0.0.2      the scraper (curl)
#        |          10.0.0.66     three connections at once (per-address cap)
#        |          10.0.0.67     a request never finished (deadline)
#        |          10.0.0.70-84  slowloris.py: 30 connections, 2 per address,
#        |                        one byte a second, replaced at once when
#        |                        closed or answered
#   router ns: pxerelay -d, metrics = "10.0.0.1:9767" (up0 10.0.0.1)
#        `-- vlan10 (a link to serve; no DHCP traffic here)
#
# Checks: a request over 4 KiB is answered 400 and the client reads that
# status line (not a reset); the third connection from one address at once
# gets 503 with Retry-After, and that address is served again once its
# connections close; a request not finished is cut after 2 s; under 30 slow
# connections 30 scrapes in a row each get 200 with the metrics; the
# endpoint's own counters show what happened.
#
# Before these limits, 8 slots were shared by everyone and a new connection
# when all were taken was closed without a word: the same 30 slow
# connections left 0 of 30 scrapes answered, and the 400 for an oversized
# request was lost to a reset (the socket was closed with the rest of the
# request unread). PXERELAY=/path/to/an/older/pxerelay runs this test
# against another build to compare.
set -euo pipefail

LAB=$(cd "$(dirname "$0")" && pwd)
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$LAB/lib.sh"

T=metrics-slow
if [[ ! -x $(pxerelay_bin) ]]; then
    echo "FAIL $T: pxerelay binary not found at $(pxerelay_bin) (build it or set PXERELAY)"
    exit 1
fi
command -v curl >/dev/null || { echo "FAIL $T: curl not installed"; exit 1; }
lab_init mslow "$T"
topo_create
topo_add_vlan 10
ip -n "$NS_SRV" addr add 10.0.0.67/24 dev srv0
SLOW_SRC=()
for i in $(seq 70 84); do
    ip -n "$NS_SRV" addr add "10.0.0.$i/24" dev srv0
    SLOW_SRC+=(-s "10.0.0.$i")
done

METRICS=10.0.0.1:9767
CONF=$PXR_TMP/pxerelay.conf
cat >"$CONF" <<EOF
# written by tests/lab/test_metrics_slow.sh
servers = {"10.0.0.2"}
metrics = "$METRICS"
interface "vlan10" { }
EOF
check "$T relay-starts" relay_start "$CONF" vlan10

# srv_py SCRIPT ARG...: python in the server namespace.
srv_py() {
    local script=$1
    shift
    ip netns exec "$NS_SRV" "$PXR_PYTHON" -c "$script" "$@"
}

# scrape OUT: GET /metrics from 10.0.0.2 into OUT; prints "CODE MS".
scrape() {
    local w
    w=$(ip netns exec "$NS_SRV" curl -sS --max-time 5 --interface 10.0.0.2 -o "$1" \
        -w '%{http_code} %{time_total}' "http://$METRICS/metrics" 2>/dev/null) || true
    awk '{ printf "%s %d\n", $1, $2 * 1000 }' <<<"${w:-000 5}"
}
scrape_ok() {
    local r
    r=$(scrape "$PXR_TMP/scrape.txt")
    [[ ${r%% *} == 200 ]] || { why "GET /metrics: status ${r%% *}"; return 1; }
    grep -q '^pxerelay_' "$PXR_TMP/scrape.txt" || why "GET /metrics: no pxerelay_ sample"
}
wait_until 5 scrape_ok || true
check "$T scrape-before" scrape_ok

# --------------------------------------------------------- oversized request
# 16 KiB of header with no end: pxerelay reads its 4 KiB, answers 400, and
# must then drain the rest, or the close resets the connection.
oversized_400() {
    local out
    out=$(srv_py '
import socket, sys
s = socket.create_connection(("10.0.0.1", 9767), timeout=3, source_address=("10.0.0.2", 0))
resp = b""
try:
    s.sendall(b"GET /metrics HTTP/1.1\r\nX-Big: " + b"a" * 16384 + b"\r\n\r\n")
    while True:
        b = s.recv(65536)
        if not b:
            break
        resp += b
except OSError as e:
    print("error %s after %d bytes: %r" % (type(e).__name__, len(resp), resp[:40]))
    sys.exit()
print(resp.split(b"\r\n")[0].decode(errors="replace"))
' 2>&1) || true
    log "16 KiB request: $out"
    [[ $out =~ ^HTTP/1\.1\ 400 ]] || why "16 KiB request answered '$out', expected a 400 status line"
}
check "$T oversized-request-gets-400" oversized_400

# ------------------------------------------------------------ per-address cap
peer_cap() {
    local out
    out=$(srv_py '
import socket, time
def conn():
    return socket.create_connection(("10.0.0.1", 9767), timeout=3,
                                    source_address=("10.0.0.66", 0))
def answer(s):
    r = b""
    while True:
        b = s.recv(65536)
        if not b:
            return r
        r += b
held = [conn(), conn()]
for s in held:
    s.sendall(b"GET /metrics HTTP/1.1\r\n")      # not finished: holds its slot
time.sleep(0.3)
third = conn()
third.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
r = answer(third)
print(r.split(b"\r\n")[0].decode(errors="replace"),
      "retry-after" if b"\r\nRetry-After: 1\r\n" in r else "no-retry-after",
      "close" if b"\r\nConnection: close\r\n" in r else "no-close")
for s in held:
    s.close()
time.sleep(0.3)
again = conn()
again.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
print(answer(again).split(b"\r\n")[0].decode(errors="replace"))
' 2>&1) || true
    log "three at once from 10.0.0.66: $(head -n 1 <<<"$out"); after closing two: $(sed -n 2p <<<"$out")"
    [[ $(head -n 1 <<<"$out") =~ ^HTTP/1\.1\ 503\ Service\ Unavailable\ retry-after\ close ]] ||
        { why "third connection from one address answered '$(head -n 1 <<<"$out")'"; return 1; }
    [[ $(sed -n 2p <<<"$out") =~ ^HTTP/1\.1\ 200 ]] ||
        why "10.0.0.66 once its two closed: '$(sed -n 2p <<<"$out")', expected 200"
}
check "$T third-from-one-address-gets-503" peer_cap

# ------------------------------------------------------------ request deadline
request_deadline() {
    local out
    out=$(srv_py '
import socket, time
s = socket.create_connection(("10.0.0.1", 9767), timeout=5, source_address=("10.0.0.67", 0))
t = time.monotonic()
s.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\n")
try:
    r = s.recv(4096)
except OSError as e:
    r = repr(e).encode()
print("%d ms, read %r" % ((time.monotonic() - t) * 1000, r[:30]))
' 2>&1) || true
    log "unfinished request closed after $out"
    local ms=${out%% *}
    [[ $ms =~ ^[0-9]+$ ]] || { why "unfinished request: $out"; return 1; }
    ((ms >= 1800 && ms <= 3000)) || why "unfinished request closed after $ms ms, expected about 2000"
}
check "$T unfinished-request-closed-at-deadline" request_deadline

# ------------------------------------------------------------ 30 slow clients
bg_run slowloris "$NS_SRV" "$PXR_PYTHON" "$LAB/slowloris.py" -t "$METRICS" "${SLOW_SRC[@]}" -n 30
sleep 3
slow_established() {
    ip netns exec "$NS_RTR" ss -Htn state established '( sport = :9767 )' | wc -l
}
log "connections to :9767 established 3 s into the slow clients: $(slow_established)"

ok=0
tried=0
worst=0
times=()
t0=$(now_ms)
for i in $(seq 1 30); do
    r=$(scrape "$PXR_TMP/scrape-$i.txt")
    code=${r%% *}
    ms=${r##* }
    tried=$((tried + 1))
    times+=("$ms")
    ((ms > worst)) && worst=$ms
    if [[ $code == 200 ]] && grep -q '^pxerelay_' "$PXR_TMP/scrape-$i.txt"; then
        ok=$((ok + 1))
    else
        log "scrape $i under slow clients: status $code after $ms ms"
    fi
    sleep 0.2
done
elapsed=$(($(now_ms) - t0))
median=$(printf '%s\n' "${times[@]}" | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }')
slowloris_alive=no
proc_alive "$(pid_of slowloris)" && slowloris_alive=yes
log "MEASURE metrics_slow scrapes_ok=$ok/$tried median_ms=$median worst_ms=$worst elapsed_ms=$elapsed slow_clients_running=$slowloris_alive"
scrapes_all_ok() {
    [[ $slowloris_alive == yes ]] || { why "slowloris.py exited early: $(tail -n 3 "$PXR_TMP/slowloris.log" | tr '\n' ' ')"; return 1; }
    ((ok == tried)) || why "$ok of $tried scrapes answered 200 with the metrics under 30 slow connections"
}
check "$T scrapes-under-30-slow-clients" scrapes_all_ok
proc_stop slowloris
log "$(grep '^slowloris ' "$PXR_TMP/slowloris.log" || echo "slowloris: no summary")"

# ------------------------------------------------------------ counters
http_counters() {
    local ev line=""
    local -A c=()
    scrape_ok || return 1
    for ev in rejected_full rejected_peer evicted_slow request_timeout bad_request; do
        c[$ev]=$(metric_sample "$PXR_TMP/scrape.txt" "pxerelay_metrics_http_total{event=\"$ev\"}") ||
            { why "no pxerelay_metrics_http_total{event=\"$ev\"} in the metrics"; return 1; }
        line+=" $ev=${c[$ev]}"
    done
    log "pxerelay_metrics_http_total:$line"
    ((c[bad_request] >= 1 && c[rejected_peer] >= 1 && c[request_timeout] >= 1 &&
        c[evicted_slow] >= 1)) ||
        why "counters:$line; expected bad_request, rejected_peer, request_timeout, evicted_slow >= 1"
}
check "$T counters-in-metrics" http_counters
check "$T relay-alive" proc_alive "$(pid_of relay)"

lab_exit
