#!/bin/bash
# tests/bench/tftp.sh [--smoke | --append FILE] - TFTP benchmark in network
# namespaces: pxerelay's TFTP proxy against tftpd-hpa and dnsmasq served
# directly, on a LAN and across a WAN with 25 ms each way.
#
#   server ns srv: tftpd-hpa 10.0.0.2, dnsmasq TFTP 10.0.0.66 (same root),
#        |         ISC dhcpd (next-server 10.0.0.2), capture of RRQs at srv0
#        | up0 10.0.0.1
#   router ns rtr: pxerelay -f -c CONF (tftp-proxy on vlan10 and vlan20)
#        |-- vlan10 10.10.0.1 -- c10: the LAN clients (one address each,
#        |                             DHCP-leased through the relay)
#        |-- vlan20 10.20.0.1 -- c20: the remote site's clients, ditto; a
#        |                             boot rule names the WAN server
#        `-- up1 10.1.0.1 -- wa [wan: delayfwd, 25 ms each way] wb --
#                                wan0 10.1.0.2 in rem: tftpd-hpa (the
#                                boot server across the WAN), RRQ capture
#
# The client is curl (tftp://, --tftp-blksize 1468 as a PXE ROM asks; it
# also asks tsize and timeout), bound to one leased address per client
# (--interface).  The proxy only serves clients it saw leased, so every
# client address is DHCP-leased through pxerelay first (dhcp_probe.py).
#
# In one run, in the same namespaces:
#   1. one 100 MiB random file, sha256-checked: MB/s directly from
#      tftpd-hpa and dnsmasq, through the proxy with a cold cache (the first
#      read of a name) and warm (the same name again), each 2 times, in
#      turns; curl's own time_total; upstream read requests
#   2. boot storm: 200 clients let go at the same instant, each reading one
#      4 MiB file: directly from tftpd-hpa, through the proxy cold, then
#      warm, then warm again with pxerelay at nice -10 (it shares the CPUs
#      with the clients here): wave time (release to the last client's
#      exit), failures (exit status and sha256 per client), per-client
#      times, pxerelay's run and run-queue wait time (/proc/PID/schedstat),
#      RRQs at the server (and how many distinct: a re-sent request counts
#      once), RRQ/OACK/ERROR packets on the clients' link
#   3. WAN: ping RTT through delayfwd (tests/bench/delayfwd.c, built here
#      into build/bench/), then waves of 20 clients x 1 MiB from the remote
#      tftpd-hpa directly vs through the proxy on the router, cold then
#      warm, and the ratio direct / proxy warm (target >= 20)
# then prints the tables; --append FILE adds them to FILE as "## TFTP"
# with the date, machine, setup and caveats (make bench: RESULTS.md).
#
# --smoke (make check): 1 MiB, 1 round, a 5-client storm of 256 KiB, a
# 1-client WAN wave of 32 KiB; passes when delayfwd builds and every
# measurement reports a figure and the WAN RTT is >= 40 ms.  The last line
# is "1 passed, 0 failed" or "0 passed, 1 failed".
#
# Environment: BENCH_TFTP_BIG_MIB (100), BENCH_TFTP_ROUNDS (2),
# BENCH_TFTP_STORM (200, at most 240), BENCH_TFTP_STORM_KIB (4096),
# BENCH_TFTP_WAN_CLIENTS (20), BENCH_TFTP_WAN_KIB (1024),
# BENCH_TFTP_DELAY_MS (25), CC, PXERELAY, PXR_KEEP=1.  Needs root.  Every
# process and namespace it makes is removed on exit.
set -euo pipefail

BENCH=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$BENCH/../.." && pwd)
# shellcheck source=../lab/lib.sh
source "$TOP/tests/lab/lib.sh"

MODE=full
APPEND=
while (($#)); do
    case $1 in
        --smoke) MODE=smoke ;;
        --smoke-inner) MODE=smoke-inner ;;
        --append)
            [[ -n ${2:-} ]] || { echo "usage: $0 [--smoke | --append FILE]" >&2; exit 2; }
            APPEND=$2
            shift
            ;;
        -h | --help)
            sed -n '2,/^set -e/p' "$0" | sed 's/^# \{0,1\}//; /^set -e/d'
            exit 0
            ;;
        *)
            echo "usage: $0 [--smoke | --append FILE]" >&2
            exit 2
            ;;
    esac
    shift
done
if [[ -n $APPEND ]]; then
    [[ $APPEND == /* ]] || APPEND=$PWD/$APPEND
fi

# The smoke runs in a child with a time limit, so the closing line comes
# after its namespaces are gone whatever happened.
if [[ $MODE == smoke ]]; then
    out=$(mktemp)
    rc=0
    timeout -k 5 120 "$0" --smoke-inner 2>&1 | tee "$out" || rc=$?
    p=$(grep -c '^PASS ' "$out" || true)
    f=$(grep -c '^FAIL ' "$out" || true)
    rm -f "$out"
    if ((rc != 0 && f == 0)); then
        echo "FAIL tftp-bench-smoke: exited with status $rc"
        f=1
    fi
    if ((p + f == 0)); then
        f=1
    fi
    echo "$p passed, $f failed"
    ((f == 0))
    exit
fi

BUILD_DIR=$TOP/build/bench
DELAYFWD=$BUILD_DIR/delayfwd
if [[ $MODE == smoke-inner ]]; then
    BIG_MIB=1 ROUNDS=1 STORM_N=5 STORM_KIB=256 WAN_N=1 WAN_KIB=32
    TAG=tfbs
    TNAME=tftp-bench-smoke
else
    BIG_MIB=${BENCH_TFTP_BIG_MIB:-100}
    ROUNDS=${BENCH_TFTP_ROUNDS:-2}
    STORM_N=${BENCH_TFTP_STORM:-200}
    STORM_KIB=${BENCH_TFTP_STORM_KIB:-4096}
    WAN_N=${BENCH_TFTP_WAN_CLIENTS:-20}
    WAN_KIB=${BENCH_TFTP_WAN_KIB:-1024}
    TAG=tfb
    TNAME=tftp-bench
fi
DELAY_MS=${BENCH_TFTP_DELAY_MS:-25}
for v in BIG_MIB ROUNDS STORM_N STORM_KIB WAN_N WAN_KIB DELAY_MS; do
    [[ ${!v} =~ ^[0-9]+$ ]] || { echo "$v must be a whole number" >&2; exit 2; }
done
if ((BIG_MIB < 1 || BIG_MIB > 1024 || ROUNDS < 1 || ROUNDS > 5 || STORM_N < 1 || STORM_N > 240 ||
    WAN_N < 1 || WAN_N > 240 || STORM_KIB < 1 || WAN_KIB < 1 || DELAY_MS > 1000)); then
    echo "sizes out of range: BIG_MIB 1..1024, ROUNDS 1..5, STORM and WAN_CLIENTS 1..240, DELAY_MS <= 1000" >&2
    exit 2
fi

# ------------------------------------------------------------------ tools

if [[ ! -x $(pxerelay_bin) ]]; then
    echo "FAIL $TNAME: pxerelay binary not found at $(pxerelay_bin) (make, or set PXERELAY)"
    exit 1
fi
for c in /usr/sbin/in.tftpd dnsmasq dhcpd curl tcpdump sha256sum flock "${CC:-cc}"; do
    command -v "$c" >/dev/null ||
        { echo "FAIL $TNAME: $c not installed (packages tftpd-hpa, dnsmasq, isc-dhcp-server, curl, tcpdump, coreutils, util-linux, gcc)"; exit 1; }
done
command -v ping >/dev/null || command -v busybox >/dev/null ||
    { echo "FAIL $TNAME: neither ping nor busybox installed"; exit 1; }

delayfwd_build "$DELAYFWD" || { echo "FAIL $TNAME: delayfwd.c does not build"; exit 1; }

# machine_busy: percent of CPU time spent on anything but idle/iowait over
# one second, before we start (other work on the machine shows here).
machine_busy() {
    local a b
    a=$(head -n 1 /proc/stat)
    sleep 1
    b=$(head -n 1 /proc/stat)
    awk -v a="$a" -v b="$b" 'BEGIN {
        n = split(a, x); split(b, y); all = 0
        for (i = 2; i <= n; i++) all += y[i] - x[i]
        idle = y[5] - x[5] + y[6] - x[6]
        printf "%d", (all > 0 ? 100 * (all - idle) / all : 0)
    }'
}
BUSY_BEFORE=0
[[ $MODE == smoke-inner ]] || BUSY_BEFORE=$(machine_busy)

lab_init "$TAG" "$TNAME"
# The big random files are not worth keeping with the logs.
tftpb_exit() {
    local rc=$?
    set +e
    [[ -z ${ROOT:-} ]] || rm -f "$ROOT"/big*.bin
    (exit "$rc")
    lab_exit
}
trap tftpb_exit EXIT

T_START=$(now_ms)
tlog() { log "[$((($(now_ms) - T_START) / 1000)) s] $*"; }

# ------------------------------------------------------------------ topology

topo_create
topo_add_vlan 10
topo_add_vlan 20
NS10=$(client_ns 10)
NS20=$(client_ns 20)
wan_start "$DELAYFWD" "$DELAY_MS" || { echo "FAIL $TNAME: $PXR_WHY"; exit 1; }

# ------------------------------------------------------------------ files

# tftpd-hpa chroots into its root and runs as the user tftp.
chmod o+x "$PXR_TMP"
ROOT=$PXR_TMP/root
ROOT_REM=$PXR_TMP/root-rem
mkdir -m 755 "$ROOT" "$ROOT_REM"
head -c "${BIG_MIB}M" /dev/urandom >"$ROOT/big.bin"
# The proxy caches by (server, name): each cold round reads a name not yet
# cached, a hard link to the same bytes.
for ((r = 1; r <= ROUNDS; r++)); do
    ln "$ROOT/big.bin" "$ROOT/big-$r.bin"
done
head -c "${STORM_KIB}K" /dev/urandom >"$ROOT/storm.bin"
head -c 100000 /dev/urandom >"$ROOT/small.bin"
head -c "${WAN_KIB}K" /dev/urandom >"$ROOT_REM/wan.bin"
chmod -R a+rX "$ROOT" "$ROOT_REM"
SHA_BIG=$(sha_of "$ROOT/big.bin")
SHA_STORM=$(sha_of "$ROOT/storm.bin")
SHA_WAN=$(sha_of "$ROOT_REM/wan.bin")
OUT=$PXR_TMP/out
mkdir "$OUT"
tlog "files ready: big.bin ${BIG_MIB} MiB, storm.bin ${STORM_KIB} KiB, wan.bin ${WAN_KIB} KiB"

# ------------------------------------------------------------------ servers

UPCAP=$PXR_TMP/up-local.pcap
WANCAP=$PXR_TMP/up-wan.pcap
cap_start_filter up-local "$NS_SRV" srv0 'udp dst port 69'
cap_start_filter up-wan "$NS_REM" wan0 'udp dst port 69'
server_fail() { echo "FAIL $TNAME: $*"; exit 1; }
tftpd_start tftpd "$NS_SRV" "$ROOT" 10.0.0.2 || server_fail "tftpd-hpa: $PXR_WHY"
tftpd_start tftpd-rem "$NS_REM" "$ROOT_REM" 10.1.0.2 || server_fail "remote tftpd-hpa: $PXR_WHY"
bg_run dnsmasq-tftp "$NS_SRV" dnsmasq -d --conf-file=/dev/null --port=0 --no-resolv --no-hosts \
    --user=root --group=root --pid-file="$PXR_TMP/dnsmasq.pid" \
    --listen-address=10.0.0.66 --bind-interfaces --enable-tftp --tftp-root="$ROOT"
wait_until 10 udp_listening "$NS_SRV" 69 10.0.0.66 ||
    server_fail "dnsmasq TFTP does not listen on 10.0.0.66:69: $(tail -n 3 "$PXR_TMP/dnsmasq-tftp.log" | tr '\n' ' ')"
tbench_dhcpd_start 10.0.0.2 boot.bin 10 250 10.10.0 10.20.0 || exit 1

# ------------------------------------------------------------------ relay

CONF=$PXR_TMP/pxerelay.conf
cat >"$CONF" <<EOF
# written by tests/bench/tftp.sh
servers = {"10.0.0.2"}
interface "vlan10" { tftp-proxy = true }
interface "vlan20" { tftp-proxy = true }
# The remote site boots from the server across the WAN.
boot "wan-site" {
  interface = {"vlan20"}
  next-server = "10.1.0.2"
}
tftp-proxy {
  cache-size = 512M
  max-sessions = 512
}
EOF
chmod 644 "$CONF"
relay_run -f -c "$CONF" || server_fail "pxerelay: $PXR_WHY"
RELAY_PID=$(pid_of relay)
wait_until 5 udp_listening "$NS_RTR" 69 || server_fail "pxerelay does not listen on UDP 69"
tlog "servers and relay up (pxerelay pid $RELAY_PID)"

# ------------------------------------------------------------------ leases

TBENCH_IPS=()
tbench_lease "$NS10" eth0 0a "$STORM_N" || server_fail "leases on vlan10: $PXR_WHY"
C10_IPS=("${TBENCH_IPS[@]}")
TBENCH_IPS=()
tbench_lease "$NS20" eth0 14 "$WAN_N" || server_fail "leases on vlan20: $PXR_WHY"
C20_IPS=("${TBENCH_IPS[@]}")
ip -n "$NS10" route replace default via 10.10.0.1
ip -n "$NS20" route replace default via 10.20.0.1
tlog "leased ${#C10_IPS[@]} addresses on vlan10 (${C10_IPS[0]} ..), ${#C20_IPS[@]} on vlan20 (${C20_IPS[0]} ..)"

# ------------------------------------------------------------------ helpers

DETAILS=()
CAVEATS=()
FINDINGS=()
MISSING=0
detail() { DETAILS+=("$*"); log "$*"; }

relay_ok() { proc_alive "$RELAY_PID"; }
relay_died_note() {
    if ! relay_ok && [[ -z ${RELAY_DEATH:-} ]]; then
        RELAY_DEATH="pxerelay (pid $RELAY_PID) died during $1; last log lines: $(tail -n 3 "$PXR_TMP/relay.log" | tr '\n' ' ')"
        FINDINGS+=("$RELAY_DEATH")
        log "$RELAY_DEATH"
    fi
}

# sched_ns PID: "RUN WAIT", the nanoseconds PID has run on a CPU and waited
# runnable for one (/proc/PID/schedstat).
sched_ns() { awk '{ print $1, $2 }' "/proc/$1/schedstat" 2>/dev/null; }

# snap NAME: the relay's counters now, to $PXR_TMP/m-NAME.txt.
snap() {
    relay_ok && relay_dump >"$PXR_TMP/m-$1.txt" 2>/dev/null && return 0
    : >"$PXR_TMP/m-$1.txt"
}
mval() { metric_sample "$PXR_TMP/m-$1.txt" "$2" 2>/dev/null || echo 0; }
# tftp_deltas A B: the pxerelay_tftp_* counters that changed from A to B.
tftp_deltas() {
    local s out=
    for s in 'pxerelay_tftp_requests_total{result="miss"}' 'pxerelay_tftp_requests_total{result="coalesced"}' \
        'pxerelay_tftp_requests_total{result="hit"}' 'pxerelay_tftp_requests_total{result="refused"}' \
        'pxerelay_tftp_upstream_transfers_total{result="started"}' \
        'pxerelay_tftp_upstream_transfers_total{result="failed"}' \
        'pxerelay_tftp_bytes_total{leg="upstream"}' 'pxerelay_tftp_bytes_total{leg="client"}' \
        'pxerelay_tftp_events_total{event="error_sent"}' 'pxerelay_tftp_events_total{event="eviction"}' \
        'pxerelay_tftp_events_total{event="unknown_tid"}' 'pxerelay_tftp_events_total{event="malformed"}'; do
        local d=$(($(mval "$2" "$s") - $(mval "$1" "$s")))
        ((d == 0)) || out+="${s#pxerelay_tftp_} +$d "
    done
    echo "${out:-no change}"
}

# rrqs PCAP FILE: read requests for FILE in PCAP so far (any source, any
# server).
rrqs() {
    sleep 0.3 # the capture writes with -U; give it a moment
    count_rrqs "$1" any "$2"
}
# rrq_pair PCAP FILE: "N D", the read requests for FILE in PCAP so far and
# how many distinct sources (address and port) sent them: a request sent
# again because its answer was late counts in N, not in D.
rrq_pair() {
    sleep 0.3
    tcpdump -n -r "$1" 'udp dst port 69' 2>/dev/null |
        awk -v f="RRQ \"$2\"" 'index($0, f) { n++; if (!seen[$3]++) d++ } END { print n + 0, d + 0 }'
}
# rrq_delta "N0 D0" "N1 D1": the requests between two rrq_pair readings,
# "N" or "N (D distinct)".
rrq_delta() {
    local n0 d0 n1 d1
    read -r n0 d0 <<<"$1"
    read -r n1 d1 <<<"$2"
    if ((n1 - n0 == d1 - d0)); then
        echo $((n1 - n0))
    else
        echo "$((n1 - n0)) ($((d1 - d0)) distinct)"
    fi
}
# rrqs_to PCAP DST FILE: read requests for FILE sent to DST.
rrqs_to() {
    sleep 0.3
    tcpdump -n -r "$1" "udp dst port 69 and dst host $2" 2>/dev/null | grep -cF "RRQ \"$3\"" || true
}

# single NAME URL SHA BYTES: one curl from C10_IPS[0]; sets FIG to its
# MB/s, or "failed" (a finding, and a missing figure).
single() {
    local name=$1 url=$2 sha=$3 bytes=$4 dir=$OUT/$1
    tbench_wave "$NS10" "$dir" "$url" 300 "${C10_IPS[0]}"
    tbench_wave_check "$dir" 1 "$sha"
    if ((TBENCH_OK == 1)); then
        FIG=$(awk -v b="$bytes" -v t="$TBENCH_T50" 'BEGIN { printf "%.1f", (t > 0 ? b / 1e6 / t : 0) }')
        detail "$name: $url ${bytes} bytes in $TBENCH_T50 s (curl time_total) = $FIG MB/s, sha256 ok"
    else
        FIG="failed"
        MISSING=$((MISSING + 1))
        FINDINGS+=("$name ($url): $TBENCH_BAD_WHY")
        detail "$name: $url failed: $TBENCH_BAD_WHY"
    fi
    rm -rf "$dir"
}

# wave NAME NS URL SHA BYTES SECS IP...: a wave; sets WROW (table cells
# after the name) and WAVE_S.
wave() {
    local name=$1 ns=$2 url=$3 sha=$4 bytes=$5 secs=$6 dir=$OUT/$1 n agg s0 s1 cpu=''
    shift 6
    n=$#
    s0=$(sched_ns "$RELAY_PID" || true)
    tbench_wave "$ns" "$dir" "$url" "$secs" "$@"
    s1=$(sched_ns "$RELAY_PID" || true)
    if [[ -n $s0 && -n $s1 ]]; then
        cpu=$(awk -v a="$s0" -v b="$s1" 'BEGIN { split(a, x); split(b, y)
            printf "%.2f / %.2f", (y[1] - x[1]) / 1e9, (y[2] - x[2]) / 1e9 }')
    fi
    tbench_wave_check "$dir" "$n" "$sha"
    WAVE_S=
    if [[ -n $TBENCH_WAVE_MS ]]; then
        WAVE_S=$(awk -v ms="$TBENCH_WAVE_MS" 'BEGIN { printf "%.2f", ms / 1000 }')
        agg=$(awk -v b="$bytes" -v n="$TBENCH_OK" -v ms="$TBENCH_WAVE_MS" \
            'BEGIN { v = ms > 0 ? b * n / 1e6 / (ms / 1000) : 0; printf(v < 10 ? "%.2f" : "%.1f", v) }')
    else
        agg=-
        MISSING=$((MISSING + 1))
        FINDINGS+=("$name: the wave did not report ($(head -c 200 "$dir/.wave.err" | tr '\n' ' '))")
    fi
    if ((TBENCH_BAD > 0)); then
        MISSING=$((MISSING + 1))
        FINDINGS+=("$name: $TBENCH_BAD of $n clients failed: $TBENCH_BAD_WHY")
    fi
    local wcell=${WAVE_S:-none}
    ((TBENCH_BAD == 0)) || wcell+=" (clients that hung ran to curl's --max-time $secs s)"
    WROW="$TBENCH_OK / $TBENCH_BAD | $wcell | ${TBENCH_T50:--} / ${TBENCH_TMAX:--} | $agg | ${cpu:--}"
    detail "$name: $url, $n clients: ok $TBENCH_OK, failed $TBENCH_BAD${TBENCH_BAD_WHY:+ ($TBENCH_BAD_WHY)}," \
        "wave ${WAVE_S:-?} s, per client median ${TBENCH_T50:--} s max ${TBENCH_TMAX:--} s," \
        "aggregate $agg MB/s${cpu:+, pxerelay on a CPU / waiting for one $cpu s}"
    rm -rf "$dir"
}

# ------------------------------------------------------------------ negotiation

# What each server grants the options curl asks (one small read, tftp_client.py).
oack_of() {
    local out
    out=$(tftp_py "$NS10" get "$1" small.bin --bind "${C10_IPS[0]}" --blksize 1468 --tsize --timeout-opt 5 2>&1) || true
    sed -n 's/^ok .*\(oack=[^ ]*\) \(maxdata=[0-9]*\).*/\1 \2/p' <<<"$out" | grep . || echo "${out:0:100}"
}
detail "negotiated (tftp_client.py asking blksize 1468, tsize, timeout 5): tftpd-hpa $(oack_of 10.0.0.2);" \
    "dnsmasq $(oack_of 10.0.0.66); pxerelay proxy $(oack_of 10.10.0.1)"

# ------------------------------------------------------------------ 1. one large file

BIG_BYTES=$((BIG_MIB * 1048576))
declare -A BIGFIG=() BIGUP=()
snap big0
for ((r = 1; r <= ROUNDS; r++)); do
    single "big-tftpd-$r" "tftp://10.0.0.2/big.bin" "$SHA_BIG" "$BIG_BYTES"
    BIGFIG[tftpd,$r]=$FIG
    single "big-dnsmasq-$r" "tftp://10.0.0.66/big.bin" "$SHA_BIG" "$BIG_BYTES"
    BIGFIG[dnsmasq,$r]=$FIG
    single "big-proxy-cold-$r" "tftp://10.10.0.1/big-$r.bin" "$SHA_BIG" "$BIG_BYTES"
    BIGFIG[cold,$r]=$FIG
    relay_died_note "the cold read of big-$r.bin"
    BIGUP[cold]+="${BIGUP[cold]:+, }$(rrqs "$UPCAP" "big-$r.bin")"
    single "big-proxy-warm-$r" "tftp://10.10.0.1/big-$r.bin" "$SHA_BIG" "$BIG_BYTES"
    BIGFIG[warm,$r]=$FIG
    relay_died_note "the warm read of big-$r.bin"
    BIGUP[warm]+="${BIGUP[warm]:+, }$(($(rrqs "$UPCAP" "big-$r.bin") - ${BIGUP[cold]##*, }))"
done
snap big1
BIGUP[tftpd]=$(rrqs_to "$UPCAP" 10.0.0.2 big.bin)
BIGUP[dnsmasq]=$(rrqs_to "$UPCAP" 10.0.0.66 big.bin)
detail "big file, proxy counters: $(tftp_deltas big0 big1); read requests at the servers over" \
    "the $ROUNDS runs: tftpd-hpa ${BIGUP[tftpd]}, dnsmasq ${BIGUP[dnsmasq]}, from the proxy per cold run" \
    "${BIGUP[cold]}, per warm run ${BIGUP[warm]}"
tlog "large file done"

# ------------------------------------------------------------------ 2. boot storm

STORM_BYTES=$((STORM_KIB * 1024))
STORM_SECS=$((STORM_KIB / 64 + 30))
declare -A SROW=() SUP=()
# ctl_start NAME / ctl_stop NAME: RRQ, OACK and ERROR packets on the storm's link
# (both directions) during one wave; ctl_stop says how many, and which
# errors.
ctl_start() { cap_start_filter "ctl-$1" "$NS_RTR" vlan10 'udp[8:2] = 1 or udp[8:2] = 6 or udp[8:2] = 5' || true; }
ctl_stop() {
    local f=$PXR_TMP/ctl-$1.pcap rrq oack err errs
    sleep 0.3
    proc_stop "cap-ctl-$1"
    rrq=$(tcpdump -n -r "$f" 'udp[8:2] = 1' 2>/dev/null | grep -c . || true)
    oack=$(tcpdump -n -r "$f" 'udp[8:2] = 6' 2>/dev/null | grep -c . || true)
    err=$(tcpdump -n -r "$f" 'udp[8:2] = 5' 2>/dev/null | grep -c . || true)
    errs=$(tcpdump -n -r "$f" 'udp[8:2] = 5' 2>/dev/null | sed -n 's/.* IP \([0-9.]*\)\.[0-9]* > .*ERROR \(.*\)$/from \1: \2/p' |
        sed 's/from 10\.10\.0\.[0-9]*:/from a client:/' | sort | uniq -c | sed 's/^ *//' | head -n 4 | tr '\n' ';')
    detail "$1 on vlan10: $rrq RRQ, $oack OACK, $err ERROR packets${errs:+ ($errs)}"
}
r0=$(rrq_pair "$UPCAP" storm.bin)
ctl_start storm-direct
wave storm-direct "$NS10" "tftp://10.0.0.2/storm.bin" "$SHA_STORM" "$STORM_BYTES" "$STORM_SECS" "${C10_IPS[@]}"
SROW[direct]=$WROW
ctl_stop storm-direct
r1=$(rrq_pair "$UPCAP" storm.bin)
SUP[direct]=$(rrq_delta "$r0" "$r1")
snap storm0
ctl_start storm-cold
wave storm-cold "$NS10" "tftp://10.10.0.1/storm.bin" "$SHA_STORM" "$STORM_BYTES" "$STORM_SECS" "${C10_IPS[@]}"
SROW[cold]=$WROW
ctl_stop storm-cold
relay_died_note "the cold boot storm"
snap storm1
r2=$(rrq_pair "$UPCAP" storm.bin)
SUP[cold]=$(rrq_delta "$r1" "$r2")
ctl_start storm-warm
wave storm-warm "$NS10" "tftp://10.10.0.1/storm.bin" "$SHA_STORM" "$STORM_BYTES" "$STORM_SECS" "${C10_IPS[@]}"
SROW[warm]=$WROW
ctl_stop storm-warm
relay_died_note "the warm boot storm"
snap storm2
r3=$(rrq_pair "$UPCAP" storm.bin)
SUP[warm]=$(rrq_delta "$r2" "$r3")
# The same warm wave with pxerelay at nice -10: here it shares 2 CPUs with
# the 200 clients, as a router does not.
if relay_ok && renice -n -10 -p "$RELAY_PID" >/dev/null; then
    ctl_start storm-nice
    wave storm-warm-nice "$NS10" "tftp://10.10.0.1/storm.bin" "$SHA_STORM" "$STORM_BYTES" "$STORM_SECS" "${C10_IPS[@]}"
    SROW[nice]=$WROW
    ctl_stop storm-nice
    renice -n 0 -p "$RELAY_PID" >/dev/null || true
    relay_died_note "the warm boot storm at nice -10"
    r4=$(rrq_pair "$UPCAP" storm.bin)
    SUP[nice]=$(rrq_delta "$r3" "$r4")
else
    SROW[nice]="- | renice failed | | | |" SUP[nice]=-
fi
detail "storm cold, proxy counters: $(tftp_deltas storm0 storm1)"
detail "storm warm, proxy counters: $(tftp_deltas storm1 storm2)"
tlog "boot storm done"

# ------------------------------------------------------------------ 3. WAN

# One ping first, so ARP (across the delay too) is done before measuring.
tbench_ping "$NS20" 10.1.0.2 1 >/dev/null || true
tbench_ping "$NS10" 10.0.0.2 1 >/dev/null || true
PING_N=10
[[ $MODE == full ]] || PING_N=5
read -r RTT_MIN RTT_AVG RTT_MAX < <(tbench_ping "$NS20" 10.1.0.2 "$PING_N"; echo) || true
read -r LRTT_MIN LRTT_AVG LRTT_MAX < <(tbench_ping "$NS10" 10.0.0.2 5; echo) || true
detail "ping c20 -> 10.1.0.2 across the WAN ($PING_N x): min/avg/max ${RTT_MIN:-?}/${RTT_AVG:-?}/${RTT_MAX:-?} ms;" \
    "c10 -> 10.0.0.2 on the LAN (5 x): ${LRTT_MIN:-?}/${LRTT_AVG:-?}/${LRTT_MAX:-?} ms"
[[ -n ${RTT_AVG:-} ]] || MISSING=$((MISSING + 1))

WAN_BYTES=$((WAN_KIB * 1024))
WAN_BLOCKS=$((WAN_BYTES / 1468 + 1))
WAN_EST=$(awk -v b="$WAN_BLOCKS" -v d="$DELAY_MS" 'BEGIN { printf "%.0f", (b + 1) * 2 * d / 1000 }')
WAN_SECS=$((WAN_EST * 3 + 60))
WAN_WHY="clients x file: $WAN_N x $WAN_KIB KiB: a lock-step read of $WAN_BLOCKS blocks of 1468 bytes at $((2 * DELAY_MS)) ms RTT takes ~$WAN_EST s whatever the number of clients, and the cold proxy wave costs the same again (tftpd-hpa has no windowsize, so the upstream fetch is lock-step too); the 4 MiB storm file would take ~140 s per wave, and the warm wave's time grows with the clients, so that many clients keep the WAN part near $((WAN_EST * 2 + 10)) s"
log "WAN wave size: $WAN_WHY"
declare -A WROWS=() WUP=() WS=()
w0=$(rrq_pair "$WANCAP" wan.bin)
wave wan-direct "$NS20" "tftp://10.1.0.2/wan.bin" "$SHA_WAN" "$WAN_BYTES" "$WAN_SECS" "${C20_IPS[@]}"
WROWS[direct]=$WROW WS[direct]=$WAVE_S
w1=$(rrq_pair "$WANCAP" wan.bin)
WUP[direct]=$(rrq_delta "$w0" "$w1")
snap wan0
wave wan-cold "$NS20" "tftp://10.20.0.1/wan.bin" "$SHA_WAN" "$WAN_BYTES" "$WAN_SECS" "${C20_IPS[@]}"
WROWS[cold]=$WROW WS[cold]=$WAVE_S
relay_died_note "the cold WAN wave"
snap wan1
w2=$(rrq_pair "$WANCAP" wan.bin)
WUP[cold]=$(rrq_delta "$w1" "$w2")
wave wan-warm "$NS20" "tftp://10.20.0.1/wan.bin" "$SHA_WAN" "$WAN_BYTES" "$WAN_SECS" "${C20_IPS[@]}"
WROWS[warm]=$WROW WS[warm]=$WAVE_S
relay_died_note "the warm WAN wave"
snap wan2
w3=$(rrq_pair "$WANCAP" wan.bin)
WUP[warm]=$(rrq_delta "$w2" "$w3")
detail "WAN cold, proxy counters: $(tftp_deltas wan0 wan1)"
detail "WAN warm, proxy counters: $(tftp_deltas wan1 wan2)"
ratio() {
    [[ -n ${1:-} && -n ${2:-} ]] || { echo "-"; return 0; }
    awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.1f", a / b; else print "-" }'
}
RATIO_WARM=$(ratio "${WS[direct]}" "${WS[warm]}")
RATIO_COLD=$(ratio "${WS[direct]}" "${WS[cold]}")
if [[ $MODE == full && $RATIO_WARM != - ]] && awk -v r="$RATIO_WARM" 'BEGIN { exit !(r < 20) }'; then
    FINDINGS+=("WAN: the warm proxy wave is only ${RATIO_WARM}x faster than direct (target >= 20x)")
fi

if [[ ${SUP[cold]} == *distinct* || ${SUP[nice]} == *distinct* || ${WUP[cold]} == *distinct* ]]; then
    CAVEATS+=("\"N (D distinct)\" in a proxy row: pxerelay re-sent its upstream read request after its 1 s" \
        "retransmission timeout, the server being slow to answer under the wave; tftpd-hpa forks a transfer" \
        "per request, and pxerelay answers the second one with ERROR 5 (unknown transfer ID, its unknown_tid" \
        "counter): still one fetch, as the upstream byte counter shows.")
fi
if ((${SUP[direct]%% *} > STORM_N)); then
    CAVEATS+=("RRQs in the direct storm beyond one per client are requests curl sent again when tftpd-hpa" \
        "(one process forked per request, all sharing the CPUs with the clients) had not answered within" \
        "curl's 5 s; tftpd-hpa then runs a second transfer for that client. In our runs every client that" \
        "failed was one of those: it stalled and ended at curl's --max-time.")
fi

# delayfwd's counters (drops would distort the WAN figures).
kill -USR1 "$(pid_of delayfwd)" 2>/dev/null || true
wait_until 3 grep -q '^delayfwd b->a' "$PXR_TMP/delayfwd.log" || true
DFW=$(grep '^delayfwd [ab]->' "$PXR_TMP/delayfwd.log" | tail -n 2 | tr '\n' ';' || true)
detail "delayfwd (a = router side, b = remote side): ${DFW:-no counters}"
if grep '^delayfwd [ab]->' "$PXR_TMP/delayfwd.log" | tail -n 2 | grep -qv 'dropped_full=0 dropped_oversize=0 send_errors=0'; then
    CAVEATS+=("delayfwd dropped or failed to send frames: $DFW")
fi
tlog "WAN done"

# ------------------------------------------------------------------ the end

RSS=$(proc_status "$RELAY_PID" VmHWM 2>/dev/null | awk '{ printf "%.0f MiB", $1 / 1024 }' || echo '?')
relay_ok && detail "pxerelay peak RSS (VmHWM) ${RSS:-?} with cache-size 512M; sessions at the end: client $(snap end; mval end 'pxerelay_tftp_sessions{leg="client"}'), upstream $(mval end 'pxerelay_tftp_sessions{leg="upstream"}')"
relay_died_note "the run"

tables() {
    local r hdr sep row
    echo "One ${BIG_MIB} MiB file, one client, curl --tftp-blksize 1468 (MB/s = 10^6 bytes/s, curl's time_total):"
    echo
    hdr="| source |" sep="|---|"
    for ((r = 1; r <= ROUNDS; r++)); do hdr+=" run $r MB/s |"; sep+="---:|"; done
    echo "$hdr RRQs at the server |"
    echo "$sep---:|"
    row="| tftpd-hpa, direct (routed) |"
    for ((r = 1; r <= ROUNDS; r++)); do row+=" ${BIGFIG[tftpd,$r]} |"; done
    echo "$row ${BIGUP[tftpd]} in $ROUNDS runs |"
    row="| dnsmasq TFTP, direct (routed) |"
    for ((r = 1; r <= ROUNDS; r++)); do row+=" ${BIGFIG[dnsmasq,$r]} |"; done
    echo "$row ${BIGUP[dnsmasq]} in $ROUNDS runs |"
    row="| pxerelay proxy, cold cache |"
    for ((r = 1; r <= ROUNDS; r++)); do row+=" ${BIGFIG[cold,$r]} |"; done
    echo "$row ${BIGUP[cold]} (per run) |"
    row="| pxerelay proxy, warm cache |"
    for ((r = 1; r <= ROUNDS; r++)); do row+=" ${BIGFIG[warm,$r]} |"; done
    echo "$row ${BIGUP[warm]} (per run) |"
    echo
    echo "Boot storm: $STORM_N clients released at once, each reading one $STORM_KIB KiB file (the same file):"
    echo
    echo "| wave | ok / failed | wave s | per client median / max s | aggregate MB/s | pxerelay on CPU / waiting s | RRQs at tftpd-hpa |"
    echo "|---|---:|---:|---:|---:|---:|---:|"
    echo "| tftpd-hpa, direct | ${SROW[direct]} | ${SUP[direct]} |"
    echo "| pxerelay proxy, cold cache | ${SROW[cold]} | ${SUP[cold]} |"
    echo "| pxerelay proxy, warm cache | ${SROW[warm]} | ${SUP[warm]} |"
    echo "| pxerelay proxy, warm, pxerelay at nice -10 | ${SROW[nice]} | ${SUP[nice]} |"
    echo
    echo "pxerelay on CPU / waiting: the seconds pxerelay ran, and the seconds it was ready to run but" \
        "waited for a CPU, during the wave (/proc/PID/schedstat). The last row is the warm wave again" \
        "with pxerelay at nice -10: here the relay shares $(nproc) CPUs with all the clients, as a router does not."
    echo
    echo "WAN: delayfwd adds $DELAY_MS ms each way between router and remote server; ping RTT client -> remote server" \
        "min/avg/max ${RTT_MIN:-?}/${RTT_AVG:-?}/${RTT_MAX:-?} ms (LAN: ${LRTT_AVG:-?} ms)." \
        "Clients: $WAN_N, released at once, each reading one $WAN_KIB KiB file:"
    echo
    echo "| wave | ok / failed | wave s | per client median / max s | aggregate MB/s | pxerelay on CPU / waiting s | RRQs across the WAN |"
    echo "|---|---:|---:|---:|---:|---:|---:|"
    echo "| remote tftpd-hpa, direct | ${WROWS[direct]} | ${WUP[direct]} |"
    echo "| pxerelay proxy, 1st wave (cold) | ${WROWS[cold]} | ${WUP[cold]} |"
    echo "| pxerelay proxy, 2nd wave (warm) | ${WROWS[warm]} | ${WUP[warm]} |"
    echo
    echo "Direct / proxy warm: **${RATIO_WARM}x** faster (target >= 20x); direct / proxy cold: ${RATIO_COLD}x."
}

echo
tables
echo
if ((${#FINDINGS[@]})); then
    echo "Findings:"
    printf -- '- %s\n' "${FINDINGS[@]}"
    echo
fi

if [[ -n $APPEND ]]; then
    PXR_GIT=$(git -C "$TOP" describe --always --dirty 2>/dev/null || echo '?')
    {
        echo
        echo "## TFTP"
        echo
        echo "Written by \`tests/bench/tftp.sh --append\` (\`make bench\`); run it again to refresh."
        echo
        echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC')"
        echo "- machine: $(nproc) CPUs, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1), Linux $(uname -r)"
        echo "- CPUs busy with other work just before the run: $BUSY_BEFORE%"
        echo "- pxerelay: tree at $PXR_GIT, binary built $(date -u -r "$(pxerelay_bin)" '+%Y-%m-%d %H:%M UTC')"
        echo "- servers: tftpd-hpa $(dpkg-query -W -f '${Version}' tftpd-hpa 2>/dev/null || echo '?')," \
            "$(dnsmasq --version | head -n 1 | sed 's/  Copyright.*//')"
        echo "- client: $(curl --version | head -n 1 | cut -d' ' -f1-2), \`curl --interface IP --tftp-blksize 1468 tftp://...\`" \
            "(a PXE ROM's block size; curl also asks tsize and a timeout, 5 or 6 s here, which is also its own retransmission interval; it reads lock-step: one DATA per ACK)"
        echo
        tables
        echo
        if ((${#FINDINGS[@]})); then
            echo "Findings:"
            echo
            printf -- '- %s\n' "${FINDINGS[@]}"
            echo
        fi
        echo "Setup: network namespaces on one host. Server ns (tftpd-hpa on 10.0.0.2, dnsmasq" \
            "\`--port=0 --enable-tftp\` on 10.0.0.66, same root; ISC dhcpd) -- veth -- router ns" \
            "(pxerelay, \`tftp-proxy = true\` on vlan10 and vlan20, cache-size 512M, upstream" \
            "blksize 1468 and windowsize 16 by default) -- veth -- client ns c10 (LAN) and c20" \
            "(remote site). The WAN: router -- veth -- a namespace running tests/bench/delayfwd.c" \
            "(AF_PACKET on both veth ends, frames held $DELAY_MS ms in a bounded FIFO per direction," \
            "a timerfd for the next due frame) -- veth -- a second tftpd-hpa on 10.1.0.2, which a" \
            "boot rule makes vlan20's boot server. Every client address is DHCP-leased through" \
            "pxerelay first (the proxy serves only clients it saw leased). Direct reads are" \
            "routed by the router's kernel; proxied ones address the router on the client's" \
            "VLAN. Cold: the first read of a name the proxy has not cached (each large-file round" \
            "uses its own hard link to the same bytes); warm: the same name again. Wave time:" \
            "from releasing the clients (all started, held at a lock) to the last exit; each" \
            "client's file is checked against the source's sha256."
        echo
        echo "WAN wave size: $WAN_WHY."
        echo
        echo "Caveats:"
        echo
        printf -- '- %s\n' \
            "Clients, relay and servers share $(nproc) CPUs (and the machine with other work: $BUSY_BEFORE% busy just before), so a wave of many clients measures the machine as much as the server, and single figures vary by up to 2x from run to run." \
            "Lock-step TFTP on veth is bound by per-packet costs (a few context switches per 1468-byte block), not bandwidth." \
            "tftpd-hpa forks a process per transfer; dnsmasq and pxerelay serve every transfer from one process." \
            "tftpd-hpa 5.2 has no windowsize, so the proxy's upstream fetch is lock-step 1468-byte blocks as well: a cold read through the proxy runs two lock-step legs at once on the same CPUs (and over the WAN costs one RTT per block, like a direct read)." \
            "Direct reads cross the router's IP forwarding; proxied ones end at the router." \
            "${CAVEATS[@]}"
        echo
        echo "Each measurement, and the proxy's counters (SIGUSR1 dump) over each phase:"
        echo
        echo '```'
        printf '%s\n' "${DETAILS[@]}"
        echo '```'
    } >>"$APPEND"
    log "section \"## TFTP\" appended to $APPEND"
fi

if [[ $MODE == smoke-inner ]]; then
    smoke_ok() {
        ((MISSING == 0)) || { why "$MISSING measurement(s) reported no figure: ${FINDINGS[*]}"; return 1; }
        [[ -n ${RTT_AVG:-} ]] || { why "no ping RTT across the WAN"; return 1; }
        awk -v r="$RTT_AVG" -v d="$DELAY_MS" 'BEGIN { exit !(r >= 1.6 * d) }' ||
            { why "WAN RTT $RTT_AVG ms, expected about $((2 * DELAY_MS)) ms: delayfwd does not delay"; return 1; }
        relay_ok || why "pxerelay died: ${RELAY_DEATH:-}"
    }
    check "$TNAME" smoke_ok
fi
tlog "done"
