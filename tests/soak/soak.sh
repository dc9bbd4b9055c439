#!/bin/bash
# tests/soak/soak.sh - pxerelay under mixed load and faults for a long time
# (make soak): does it keep serving, and do its memory and descriptors stay
# flat?
#
#   server ns: ISC dhcpd on srv0 10.0.0.2 (pools 10.20/30/40.0.100-200,
#              next-server 10.0.0.2), tftpd-hpa on 10.0.0.2:69
#   stub ns:   tests/bench/stubserver on stub0 10.0.1.2 (vlan10's server:
#              answers every request, never runs out of leases)
#        |  (up0 10.0.0.1, up1 10.0.1.1)
#   router ns: pxerelay -f -c CONF (log-level warn, metrics on
#              127.0.0.1:9767, boot rules, TFTP proxy on vlan40 with a 4 MiB
#              cache and a cache-dir)
#        |-- vlan10 10.10.0.1  tests/bench/loadgen: bursts of SOAK_RATE
#        |                     DISCOVERs/s (default 300) for 5 s every 7 s
#        |                     from SOAK_MACS clients (3000), full DORA,
#        |                     option 93 0/6/7/9/11/16 (the boot rules
#        |                     rewrite them); server: the stub
#        |-- vlan20 10.20.0.1  dhclient cycles: lease, hold, release
#        |-- vlan30 10.30.0.1  udhcpc cycles: lease, renew, release
#        `-- vlan40 10.40.0.1  udhcpc holding a lease; two TFTP clients
#                              (tftp_client.py, curl) reading 5 files of
#                              2 KB .. 6 MiB through the proxy in a loop,
#                              sha256 checked (together 10.1 MiB: the
#                              4 MiB cache churns, the 6 MiB file is larger
#                              than the cache)
#   and the metrics endpoint scraped every 3 s from the router ns.
#
# Faults, one every SOAK_FAULT_SECONDS (60; 20 when SOAK_MINUTES < 10), in
# turn:
#   vlan-recreate  vlan30 deleted, re-created 3 s later (same name, MAC,
#                  address); vlan30's udhcpc must lease again afterwards
#   addr-change    vlan20's 10.20.0.1 replaced by 10.20.0.254 for 8 s, then
#                  back; dhcpd must see requests via 10.20.0.254, and via
#                  10.20.0.1 again afterwards
#   hup-good       SIGHUP with a good file that adds or removes a link
#                  (vlan99): pxerelay_links{state="configured"} follows
#   hup-bad        SIGHUP with a broken file (a syntax error, or max-hops 99,
#                  in turn): "keeping the running configuration", links
#                  unchanged; then the good file again, which is taken
#   dhcpd-restart  dhcpd stopped and started again; leases go on afterwards
#   tftpd-kill     every in.tftpd SIGKILLed while one serves a transfer to
#                  the proxy, restarted 2 s later; fetches succeed afterwards
#   usr1           SIGUSR1: the counter dump appears in the log
# After each: the relay still runs.  A recovery check ("... afterwards")
# is settled at the end, when the load has had time to show it.
#
# Samples, every SOAK_SAMPLE_SECONDS (60), one line each
#   # SAMPLE t=<s> rss_kb=<n> rss_net_kb=<n> cache_kb=<n> fds=<n> fds_net=<n> relayed=<n> ...
# (also to the file SOAK_OUT when set), a table at the end.  rss_kb is
# VmRSS (/proc/PID/status), cache_kb the TFTP file data held at that moment
# (pxerelay_tftp_cache_bytes: the cache plus files being read that are too
# large for it), rss_net_kb = rss_kb - cache_kb; fds the entries of
# /proc/PID/fd, fds_net the same less the TFTP sessions open at that moment
# (each client and upstream leg holds one socket for its transfer).  Both
# are read between two scrapes of the metrics endpoint that agree on the
# sessions and the cache bytes, and are the least of up to 3 such readings
# (a metrics connection in flight holds one more descriptor for a moment).
# pxerelay fixes glibc's mmap threshold at start (mallopt), so every file
# buffer of 256 KiB or more is its own mapping, given back when freed:
# VmRSS follows the live data. (With glibc's default the threshold rises
# after the first large free, freed file buffers stay in the heap and VmRSS
# shows the heap's high-water mark: +1 MiB once at t=70 s in development.)
# The counters come from the metrics endpoint.
#
# Pass/fail:
#   - every stage (the time between two samples) served: pxerelay_relayed_total
#     grew, the load generator completed exchanges, a real client (vlan20
#     or vlan30) got a lease, a TFTP read was byte-exact, a scrape answered;
#   - each fault's immediate check and its recovery check;
#   - TFTP: reads that failed outside the 45 s after a tftpd-kill (which
#     fails the transfers under way on purpose) are at most 2% of all
#     reads;
#   - descriptors: after the warm-up (the first 2 samples) fds_net never
#     exceeds its warm-up maximum by more than 1, and the least fds_net of
#     the last 3 samples does not exceed it at all.  The relay's
#     descriptors are fixed at start (one capture, one packet socket, one
#     UDP socket, netlink, epoll, signalfd, listeners) plus one per TFTP
#     session and per metrics connection; sessions are subtracted and
#     connections mostly ruled out by the minimum.  What is left is one
#     short-lived descriptor: a cache-dir file being read or written (disk
#     hits come several times a second here), seen as fds_net 13/14
#     alternating in development.  A leaked descriptor never goes away, so
#     it lifts the least of the last samples above the warm-up maximum, and
#     two leaks exceed the +1;
#   - memory: after the warm-up the last sample's rss_net is at most
#     SOAK_RSS_MARGIN_KB (256) KiB above the warm-up maximum of rss_net, and
#     rss_net does not rise at every sample after the warm-up (at least 3
#     of them) by more than that margin in all.  The relay's tables are
#     allocated at start and bounded (xid table, learned servers, sessions)
#     and the file data it holds is counted in cache_kb and taken out, so
#     what is left should be flat: 256 KiB is less than one lost 1 MiB file
#     buffer, or 16 bytes lost per DHCP exchange over one minute of this
#     load, and more than allocator jitter (about 20 KiB over 600 reloads
#     measured in development).  rss_kb itself is printed, not judged: it
#     swings by up to 10 MiB with which files are held at the instant;
#   - the relay runs at the end and exits 0 on SIGTERM.
# The last line is "N passed, M failed".
#
# Environment: SOAK_MINUTES (30), SOAK_SAMPLE_SECONDS (60),
# SOAK_FAULT_SECONDS, SOAK_OUT, SOAK_RATE (300), SOAK_MACS (3000),
# SOAK_RSS_MARGIN_KB (256), CC (cc); lib.sh's PXERELAY and PXR_KEEP=1.
# Needs root.  Every namespace (pxr-soak-*) and process it starts is gone
# when it ends, also on failure or Ctrl-C.
set -euo pipefail

SOAK_DIR=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$SOAK_DIR/../.." && pwd)
# shellcheck source=../lab/lib.sh
source "$TOP/tests/lab/lib.sh"

T=soak
MINUTES=${SOAK_MINUTES:-30}
SAMPLE_S=${SOAK_SAMPLE_SECONDS:-60}
RATE=${SOAK_RATE:-300}
MACS=${SOAK_MACS:-3000}
RSS_MARGIN_KB=${SOAK_RSS_MARGIN_KB:-256}

case ${1:-} in
    "" | --inner) ;;
    -h | --help)
        sed -n '2,/^set -e/p' "$0" | sed 's/^# \{0,1\}//; /^set -e/d'
        exit 0
        ;;
    *)
        echo "usage: $0   (settings through SOAK_* variables, see $0 --help)" >&2
        exit 2
        ;;
esac
for v in MINUTES SAMPLE_S RATE MACS RSS_MARGIN_KB; do
    [[ ${!v} =~ ^[0-9]+$ && ${!v} -gt 0 ]] || { echo "soak: $v must be a positive integer, not '${!v}'" >&2; exit 2; }
done
if ((MINUTES > 24 * 60 || SAMPLE_S < 10 || SAMPLE_S * 3 > MINUTES * 60 || MACS > 65536 || RATE > 5000)); then
    echo "soak: SOAK_MINUTES 1..1440, SOAK_SAMPLE_SECONDS >= 10 and at most a third of the run, SOAK_MACS <= 65536, SOAK_RATE <= 5000" >&2
    exit 2
fi
if ((MINUTES < 10)); then FAULT_S=${SOAK_FAULT_SECONDS:-20}; else FAULT_S=${SOAK_FAULT_SECONDS:-60}; fi
[[ $FAULT_S =~ ^[0-9]+$ && $FAULT_S -ge 10 ]] || { echo "soak: SOAK_FAULT_SECONDS must be >= 10" >&2; exit 2; }

# ------------------------------------------------------------------ outer

# The run happens in a child with a time limit, so the closing line comes
# after its namespaces are gone whatever happened.
if [[ ${1:-} != --inner ]]; then
    out=$(mktemp)
    rc=0
    timeout --foreground -k 30 $((MINUTES * 60 + 300)) "$0" --inner 2>&1 | tee "$out" || rc=$?
    p=$(grep -c '^PASS ' "$out" || true)
    f=$(grep -c '^FAIL ' "$out" || true)
    rm -f "$out"
    if ((rc != 0 && f == 0)); then
        echo "FAIL $T: exited with status $rc"
        f=1
    fi
    ((p + f > 0)) || f=1
    echo "$p passed, $f failed"
    ((f == 0))
    exit
fi

# ------------------------------------------------------------------ inner

if [[ ! -x $(pxerelay_bin) ]]; then
    echo "FAIL $T: pxerelay binary not found at $(pxerelay_bin) (make, or set PXERELAY)"
    exit 1
fi
for c in dhcpd dhclient busybox /usr/sbin/in.tftpd curl sha256sum "${CC:-cc}"; do
    command -v "$c" >/dev/null ||
        { echo "FAIL $T: $c not installed (packages isc-dhcp-server, isc-dhcp-client, busybox, tftpd-hpa, curl, gcc)"; exit 1; }
done

lab_init soak "$T"
# pxerelay runs as nobody: it reads its config (on SIGHUP) and owns its
# cache dir under here; tftpd-hpa chroots into the file root as user tftp.
chmod 755 "$PXR_TMP"
secs() { printf '%d.%d' $(($1 / 1000)) $(($1 % 1000 / 100)); }
tlog() { log "[$(secs $(($(now_ms) - PXR_T0))) s] $*"; }
soak_out() { [[ -z ${SOAK_OUT:-} ]] || echo "$*" >>"$SOAK_OUT"; }
[[ -z ${SOAK_OUT:-} ]] || : >"$SOAK_OUT"

# ------------------------------------------------------------------ tools

BUILD=$TOP/build/soak
mkdir -p "$BUILD"
for t in loadgen stubserver; do
    if ! "${CC:-cc}" -std=gnu11 -O2 -Wall -Wextra -Werror -o "$BUILD/$t" "$TOP/tests/bench/$t.c" \
        >"$BUILD/$t.build.log" 2>&1; then
        cat "$BUILD/$t.build.log"
        echo "FAIL $T: tests/bench/$t.c does not build"
        exit 1
    fi
done
LOADGEN=$BUILD/loadgen
STUB=$BUILD/stubserver
WORKER=$SOAK_DIR/worker.sh

# ------------------------------------------------------------------ topology

topo_create
NS_STUB=pxr-$PXR_TAG-stub
topo_add_upstream "$NS_STUB" 10.0.1 stub0
for n in 10 20 30 40; do
    topo_add_vlan "$n"
done
NS10=$(client_ns 10)
NS20=$(client_ns 20)
NS30=$(client_ns 30)
NS40=$(client_ns 40)
PROXY=10.40.0.1

# ------------------------------------------------------------------ files

ROOT=$PXR_TMP/tftproot
mkdir -m 755 "$ROOT"
MANIFEST=$PXR_TMP/manifest
: >"$MANIFEST"
declare -A SIZES=([a.bin]=2000 [b.bin]=102400 [c.bin]=1048576 [d.bin]=3145728 [e.bin]=6291456)
for f in a.bin b.bin c.bin d.bin e.bin; do
    head -c "${SIZES[$f]}" /dev/urandom >"$ROOT/$f"
    echo "$f ${SIZES[$f]} $(sha_of "$ROOT/$f")" >>"$MANIFEST"
done
chmod -R a+rX "$ROOT"
tac "$MANIFEST" >"$MANIFEST.rev"

# ------------------------------------------------------------------ servers

check "$T tftpd-start" tftpd_start tftpd "$NS_SRV" "$ROOT" 10.0.0.2
server_start_dhcpd_pxe 10.0.0.2 boot.bin 10.20.0 10.30.0 10.40.0
bg_run stub "$NS_STUB" "$STUB" -a 10.0.1.2 -m 24 -l 600
stub_up() { wait_until 5 udp_listening "$NS_STUB" 67 || why "stubserver does not listen: $(tr '\n' ' ' <"$PXR_TMP/stub.log")"; }
check "$T stub-start" stub_up

# ------------------------------------------------------------------ relay

mkdir -m 755 "$PXR_TMP/etc"
CONF=$PXR_TMP/etc/pxerelay.conf
METRICS=127.0.0.1:9767

# write_conf VARIANT: good-a (4 links), good-b (also vlan99: 5 links),
# bad-syntax, bad-value; written aside and renamed into place.
write_conf() {
    local v=$1 tmp=$CONF.tmp
    {
        echo "# written by tests/soak/soak.sh ($v)"
        echo 'servers = {"10.0.0.2"}'
        echo 'log-level = warn'
        echo "metrics = \"$METRICS\""
        [[ $v == bad-value ]] && echo 'max-hops = 99'
        echo 'interface "vlan10" { servers = {"10.0.1.2"} }'
        echo 'interface "vlan20" { }'
        echo 'interface "vlan30" { }'
        echo 'interface "vlan40" { tftp-proxy = true }'
        [[ $v == good-b ]] && echo 'interface "vlan99" { }'
        [[ $v == bad-syntax ]] && echo 'interface "vlan50" { tftp-proxy = '
        cat <<'EOF'
boot "ipxe"      { user-class = "iPXE" filename = "http://10.0.0.5/boot.ipxe" }
boot "soak-mac"  { mac = "02:00:00:00:14:*" filename = "soak-vlan20.bin" }
boot "soak-tftp" { interface = {"vlan40"} filename = "a.bin" }
boot "bios"      { arch = {0}     filename = "undionly.kpxe"  next-server = "10.0.0.5" }
boot "uefi-ia32" { arch = {6}     filename = "ipxe-ia32.efi"  next-server = "10.0.0.5" }
boot "uefi-x64"  { arch = {7, 9}  filename = "ipxe.efi"       next-server = "10.0.0.5" }
boot "arm64"     { arch = {11}    filename = "ipxe-arm64.efi" next-server = "10.0.0.5" }
boot "http-x64"  { arch = {16}    filename = "http://10.0.0.5/ipxe.efi" }
EOF
        echo 'tftp-proxy {'
        echo '  cache-size = 4M'
        echo "  cache-dir = \"$PXR_TMP/cache\""
        echo '  max-sessions = 64'
        echo '}'
    } >"$tmp"
    chmod 644 "$tmp"
    mv -f "$tmp" "$CONF"
}
write_conf good-a
GOOD=good-a
config_check() {
    local out
    out=$(timeout 10 ip netns exec "$NS_RTR" "$(pxerelay_bin)" -t -c "$CONF" 2>&1) ||
        why "pxerelay -t rejected the config: $(head -n 3 <<<"$out" | tr '\n' ' ')"
}
check "$T config-check" config_check
check "$T relay-start" relay_run -f -c "$CONF"
RELAY_PID=$(pid_of relay)
proc_alive "$RELAY_PID" || exit 1
metrics_up() { soak_metrics "$NS_RTR" "$METRICS" "$PXR_TMP/m-start.txt"; }
check "$T metrics-endpoint" wait_until 5 metrics_up
tlog "relay pid $RELAY_PID up"

# ------------------------------------------------------------------ load

W=$PXR_TMP/w
mkdir -p "$W"
client_start_udhcpc tftpcl "$NS40"
check "$T vlan40-lease" lease_wait tftpcl 30 10.40.0.
bg_run w-scrape "$NS_RTR" bash "$WORKER" scrape "$W/scrape" "http://$METRICS/metrics" "$PXR_TMP/m-last.txt" 3
bg_run w-loadgen "$NS10" bash "$WORKER" loadgen "$W/loadgen" eth0 "$LOADGEN" "$RATE" 5 "$MACS" 2
bg_run w-dhc20 "$NS20" bash "$WORKER" dhclient "$W/dhc20" eth0 10.20.0.1 "$PXR_CLIENT_SCRIPT" "$W/dhc20.d"
bg_run w-udh30 "$NS30" bash "$WORKER" udhcpc "$W/udh30" eth0 10.30.0.1 "$PXR_CLIENT_SCRIPT" "$W/udh30.d"
bg_run w-tftp-py "$NS40" bash "$WORKER" tftp "$W/tftp-py" "$PXR_TFTP_CLIENT" "$PROXY" "$MANIFEST" "$W/tftp-py.d" py
bg_run w-tftp-curl "$NS40" bash "$WORKER" tftp "$W/tftp-curl" "$PXR_TFTP_CLIENT" "$PROXY" "$MANIFEST.rev" "$W/tftp-curl.d" curl
WORKERS=(w-scrape w-loadgen w-dhc20 w-udh30 w-tftp-py w-tftp-curl)
T0=$EPOCHREALTIME
T0_MS=$(now_ms)
tlog "load started: loadgen $RATE/s x 5 s every 7 s from $MACS MACs; dhclient vlan20, udhcpc vlan30, 2 TFTP readers vlan40; scrape every 3 s"

# ------------------------------------------------------------------ accounting

# count FILE A B KIND RESULT: lines of worker output FILE in epoch [A, B).
count() {
    [[ -f $1 ]] || { echo 0; return 0; }
    awk -v a="$2" -v b="$3" -v k="$4" -v r="$5" '$1 >= a && $1 < b && $2 == k && $3 == r { n++ } END { print n + 0 }' "$1"
}
# loadgen_sum A B KEY: sum of KEY= over the load generator's reports in [A, B).
loadgen_sum() {
    [[ -f $W/loadgen ]] || { echo 0; return 0; }
    awk -v a="$2" -v b="$3" -v k="$1=" '$1 >= a && $1 < b && $2 == "loadgen" {
        for (i = 4; i <= NF; i++) if (index($i, k) == 1) s += substr($i, length(k) + 1)
    } END { printf "%.0f\n", s + 0 }' "$W/loadgen"
}
epoch_at() { awk -v t="$T0" -v s="$1" 'BEGIN { printf "%.6f", t + s }'; }
t_now() { echo $((($(now_ms) - T0_MS) / 1000)); }

msessions() { echo $(($(metric_sample "$1" 'pxerelay_tftp_sessions{leg="client"}' 2>/dev/null || echo 0) + $(metric_sample "$1" 'pxerelay_tftp_sessions{leg="upstream"}' 2>/dev/null || echo 0))); }

# fd_sample: FD_RAW, FD_NET, SESS, RSS_RAW, RSS_NET, CACHE_KB (see the
# header): fds and VmRSS read between two scrapes that agree on the TFTP
# sessions and the cache bytes; the least net values of up to 3 such
# readings.
fd_sample() {
    local i n r s1 s2 c1 c2 okf=0 okr=0 a=$PXR_TMP/fd-a.txt b=$PXR_TMP/fd-b.txt
    FD_RAW='' FD_NET='' SESS='' RSS_RAW='' RSS_NET='' CACHE_KB=''
    for ((i = 0; i < 30 && (okf < 3 || okr < 3); i++)); do
        soak_metrics "$NS_RTR" "$METRICS" "$a" || { sleep 0.2; continue; }
        s1=$(msessions "$a") c1=$(soak_metric_sum "$a" pxerelay_tftp_cache_bytes)
        sleep 0.05
        n=$(soak_fd_count "$RELAY_PID") || return 1
        r=$(soak_rss_kb "$RELAY_PID") || return 1
        soak_metrics "$NS_RTR" "$METRICS" "$b" || { sleep 0.2; continue; }
        s2=$(msessions "$b") c2=$(soak_metric_sum "$b" pxerelay_tftp_cache_bytes)
        if ((s1 == s2)); then
            okf=$((okf + 1))
            if [[ -z $FD_NET ]] || ((n - s1 < FD_NET)); then
                FD_NET=$((n - s1)) FD_RAW=$n SESS=$s1
            fi
        fi
        if ((c1 == c2)); then
            okr=$((okr + 1))
            if [[ -z $RSS_NET ]] || ((r - c1 / 1024 < RSS_NET)); then
                RSS_NET=$((r - c1 / 1024)) RSS_RAW=$r CACHE_KB=$((c1 / 1024))
            fi
        fi
        sleep 0.1
    done
    # No two scrapes agreed (the machine too busy): the raw value, and "?"
    # for the net one, which the verdicts leave out.
    [[ -n $FD_NET ]] || FD_RAW=$n FD_NET='?' SESS='?'
    [[ -n $RSS_NET ]] || RSS_RAW=$r RSS_NET='?' CACHE_KB='?'
}

S_T=() S_RSS=() S_FDS=() S_NET=() S_REL=() S_DREL=() S_LG=() S_LEASE=() S_RENEW=() S_TOK=() S_TFAIL=() S_SCR=() S_CACHE=() S_RNET=() S_FAULTS=()
PREV_EPOCH=$T0
PREV_REL=0
if [[ -f $PXR_TMP/m-start.txt ]]; then PREV_REL=$(soak_metric_sum "$PXR_TMP/m-start.txt" pxerelay_relayed_total); fi
FAULTS_IN_STAGE=''

take_sample() {
    local k=${#S_T[@]} t now rss m=$PXR_TMP/m-sample.txt rel lg lease renew tok tfail scr line
    now=$EPOCHREALTIME
    t=$(t_now)
    if ! proc_alive "$RELAY_PID"; then
        fail "$T stage-$((k + 1))-t$t" "pxerelay is gone: $(tail -n 3 "$PXR_TMP/relay.log" | tr '\n' ' ')"
        return 1
    fi
    if ! fd_sample; then
        FD_RAW=$(soak_fd_count "$RELAY_PID" || echo 0) FD_NET='?' SESS='?'
        RSS_RAW=$(soak_rss_kb "$RELAY_PID" || echo 0) RSS_NET='?' CACHE_KB='?'
    fi
    rss=$RSS_RAW
    if soak_metrics "$NS_RTR" "$METRICS" "$m"; then
        rel=$(soak_metric_sum "$m" pxerelay_relayed_total)
        cp "$m" "$PXR_TMP/m-$((k + 1)).txt"
    else
        rel=$PREV_REL
    fi
    lg=$(loadgen_sum completed "$PREV_EPOCH" "$now")
    lease=$(($(count "$W/dhc20" "$PREV_EPOCH" "$now" lease ok) + $(count "$W/udh30" "$PREV_EPOCH" "$now" lease ok)))
    renew=$(count "$W/udh30" "$PREV_EPOCH" "$now" renew ok)
    tok=$(($(count "$W/tftp-py" "$PREV_EPOCH" "$now" tftp ok) + $(count "$W/tftp-curl" "$PREV_EPOCH" "$now" tftp ok)))
    tfail=$(($(count "$W/tftp-py" "$PREV_EPOCH" "$now" tftp fail) + $(count "$W/tftp-curl" "$PREV_EPOCH" "$now" tftp fail)))
    scr=$(count "$W/scrape" "$PREV_EPOCH" "$now" scrape ok)
    S_T+=("$t") S_RSS+=("$rss") S_FDS+=("$FD_RAW") S_NET+=("$FD_NET") S_REL+=("$rel")
    S_DREL+=($((rel - PREV_REL))) S_LG+=("$lg") S_LEASE+=("$lease") S_RENEW+=("$renew")
    S_TOK+=("$tok") S_TFAIL+=("$tfail") S_SCR+=("$scr") S_CACHE+=("$CACHE_KB") S_RNET+=("$RSS_NET") S_FAULTS+=("${FAULTS_IN_STAGE:--}")
    line="SAMPLE t=$t rss_kb=$rss rss_net_kb=$RSS_NET cache_kb=$CACHE_KB fds=$FD_RAW fds_net=$FD_NET tftp_sessions=$SESS relayed=$rel relayed_delta=$((rel - PREV_REL))"
    line+=" loadgen_done=$lg leases=$lease renews=$renew tftp_ok=$tok tftp_fail=$tfail scrapes=$scr faults=${FAULTS_IN_STAGE:--}"
    log "$line"
    soak_out "# $line"
    check "$T stage-$((k + 1))-t$t-served" stage_served "$((rel - PREV_REL))" "$lg" "$lease" "$tok" "$scr"
    PREV_EPOCH=$now PREV_REL=$rel FAULTS_IN_STAGE=''
}

stage_served() {
    local bad=''
    (($1 > 0)) || bad+="relayed counter did not grow; "
    (($2 > 0)) || bad+="load generator completed no exchange; "
    (($3 > 0)) || bad+="no real client (vlan20/30) got a lease; "
    (($4 > 0)) || bad+="no TFTP read byte-exact; "
    (($5 > 0)) || bad+="no metrics scrape answered; "
    [[ -z $bad ]] || why "${bad%; }"
}

# ------------------------------------------------------------------ faults

FAULT_KINDS=(vlan-recreate addr-change hup-good hup-bad dhcpd-restart tftpd-kill usr1)
FAULT_N=0
RECOVER_NAME=() RECOVER_FILE=() RECOVER_PAT=() RECOVER_SINCE=()
declare -A FAULT_COUNT=()
TFTPD_KILLS=()
HUP_BAD_KIND=0

# recover_later NAME FILE REGEX SINCE: at the end, FILE must have a line
# matching REGEX whose epoch (first field) is after SINCE.
recover_later() {
    RECOVER_NAME+=("$1") RECOVER_FILE+=("$2") RECOVER_PAT+=("$3") RECOVER_SINCE+=("$4")
}
recovered() {
    [[ -f $2 ]] && awk -v s="$4" -v p="$3" '$1 > s && $0 ~ p { f = 1 } END { exit !f }' "$2"
}

relay_up() { proc_alive "$RELAY_PID" || why "pxerelay (pid $RELAY_PID) is gone: $(tail -n 3 "$PXR_TMP/relay.log" | tr '\n' ' ')"; }

links_configured() { metric_sample "$1" 'pxerelay_links{state="configured"}' 2>/dev/null; }
links_are() {
    soak_metrics "$NS_RTR" "$METRICS" "$PXR_TMP/m-links.txt" && [[ $(links_configured "$PXR_TMP/m-links.txt") == "$1" ]]
}
want_links() { [[ $1 == good-b ]] && echo 5 || echo 4; }

f_vlan_recreate() {
    topo_del_vlan 30
    sleep 3
    soak_vlan_restore 30
    recover_later "vlan30 leases after re-creation" "$W/udh30" ' lease ok ' "$EPOCHREALTIME"
}

f_addr_change() {
    local n0
    n0=$(wc -l <"$PXR_TMP/dhcpd.log")
    # Deleting the primary address also deletes its secondaries: old out first.
    ip -n "$NS_RTR" addr del 10.20.0.1/24 dev vlan20
    ip -n "$NS_RTR" addr add 10.20.0.254/24 dev vlan20
    # dhclient on vlan20 leases every ~8 s: wait for a request via the new address.
    if ! wait_until 12 via_since "$n0" 10.20.0.254; then
        ip -n "$NS_RTR" addr del 10.20.0.254/24 dev vlan20
        ip -n "$NS_RTR" addr add 10.20.0.1/24 dev vlan20
        why "no request reached dhcpd via 10.20.0.254 within 12 s of the address change"
        return 1
    fi
    n0=$(wc -l <"$PXR_TMP/dhcpd.log")
    ip -n "$NS_RTR" addr del 10.20.0.254/24 dev vlan20
    ip -n "$NS_RTR" addr add 10.20.0.1/24 dev vlan20
    recover_later "vlan20 leases after the address came back" "$W/dhc20" ' lease ok ' "$EPOCHREALTIME"
    wait_until 12 via_since "$n0" 10.20.0.1 || why "no request reached dhcpd via 10.20.0.1 within 12 s of the address coming back"
}
via_since() { tail -n "+$(($1 + 1))" "$PXR_TMP/dhcpd.log" 2>/dev/null | grep -q "via $2\b"; }

hup_to() {
    local v=$1
    write_conf "$v"
    kill -HUP "$RELAY_PID"
    wait_until 5 links_are "$(want_links "$v")" ||
        { why "after SIGHUP with $v, links configured = $(links_configured "$PXR_TMP/m-links.txt"), expected $(want_links "$v")"; return 1; }
    GOOD=$v
}
other_good() { [[ $GOOD == good-a ]] && echo good-b || echo good-a; }

f_hup_good() { hup_to "$(other_good)"; }

f_hup_bad() {
    local n0 kind
    if ((HUP_BAD_KIND % 2 == 0)); then kind="bad-syntax"; else kind="bad-value"; fi
    HUP_BAD_KIND=$((HUP_BAD_KIND + 1))
    n0=$(wc -l <"$PXR_TMP/relay.log")
    write_conf "$kind"
    kill -HUP "$RELAY_PID"
    if ! wait_until 5 bad_reported "$n0"; then
        write_conf "$GOOD"
        why "no 'keeping the running configuration' in the log within 5 s of SIGHUP with $kind"
        return 1
    fi
    log "$kind: $(log_lines_since "$PXR_TMP/relay.log" "$n0" | grep -m 1 'keeping the running' || true)"
    sleep 0.5
    relay_up || return 1
    links_are "$(want_links "$GOOD")" || { why "links configured changed after a rejected reload"; return 1; }
    # The good file again, a different one, so taking it shows.
    hup_to "$(other_good)"
}
bad_reported() { log_lines_since "$PXR_TMP/relay.log" "$1" | grep -q 'keeping the running configuration'; }

f_dhcpd_restart() {
    soak_dhcpd_restart || return 1
    recover_later "leases after dhcpd restart (vlan20)" "$W/dhc20" ' lease ok ' "$EPOCHREALTIME"
    recover_later "leases after dhcpd restart (vlan30)" "$W/udh30" ' lease ok ' "$EPOCHREALTIME"
}

tftpd_serving() { (($(ns_pids_named "$NS_SRV" in.tftpd | wc -l) >= 2)); }
f_tftpd_kill() {
    local n
    wait_until 15 tftpd_serving || { why "no in.tftpd child serving the proxy within 15 s"; return 1; }
    TFTPD_KILLS+=("$EPOCHREALTIME")
    n=$(soak_kill_named "$NS_SRV" in.tftpd)
    log "killed $n in.tftpd processes mid-transfer"
    proc_stop tftpd
    sleep 2
    tftpd_start tftpd "$NS_SRV" "$ROOT" 10.0.0.2 || return 1
    recover_later "TFTP reads after tftpd restart (py)" "$W/tftp-py" ' tftp ok ' "$EPOCHREALTIME"
    recover_later "TFTP reads after tftpd restart (curl)" "$W/tftp-curl" ' tftp ok ' "$EPOCHREALTIME"
}

f_usr1() {
    local out
    out=$(relay_dump) || return 1
    grep -q '^pxerelay_relayed_total' <<<"$out" || why "the SIGUSR1 dump has no pxerelay_relayed_total"
}

run_fault() {
    local kind=${FAULT_KINDS[FAULT_N % ${#FAULT_KINDS[@]}]} t
    FAULT_N=$((FAULT_N + 1))
    FAULT_COUNT[$kind]=$((${FAULT_COUNT[$kind]:-0} + 1))
    t=$(t_now)
    tlog "fault $FAULT_N at t=$t: $kind"
    FAULTS_IN_STAGE+="${FAULTS_IN_STAGE:+,}$kind"
    check "$T fault-$FAULT_N-$kind" "f_${kind//-/_}"
    check "$T fault-$FAULT_N-$kind-relay-alive" relay_up
}

# ------------------------------------------------------------------ the run

END_S=$((MINUTES * 60))
NSAMPLES=$((END_S / SAMPLE_S))
next_sample=$SAMPLE_S
next_fault=$((FAULT_S / 2))
while ((${#S_T[@]} < NSAMPLES)); do
    now=$(t_now)
    if ((now >= next_sample)); then
        take_sample || break
        next_sample=$((next_sample + SAMPLE_S))
    elif ((now >= next_fault)); then
        if ((next_fault <= END_S - 15)); then
            run_fault
        fi
        next_fault=$((next_fault + FAULT_S))
    else
        sleep 0.5
    fi
    proc_alive "$RELAY_PID" || { take_sample || true; break; }
done

# Recovery checks: wait (load still running) up to 40 s for the last ones.
recovery_pending() {
    local i
    for i in "${!RECOVER_NAME[@]}"; do
        recovered "${RECOVER_NAME[i]}" "${RECOVER_FILE[i]}" "${RECOVER_PAT[i]}" "${RECOVER_SINCE[i]}" || return 0
    done
    return 1
}
wait_until 40 eval '! recovery_pending' || true
for i in "${!RECOVER_NAME[@]}"; do
    rec_check() {
        recovered "$@" || why "nothing matching '$3' in $(basename "$2") after $(awk -v s="$4" -v t="$T0" 'BEGIN { printf "t=%d", s - t }')"
    }
    check "$T recovered: ${RECOVER_NAME[i]} (t=$(awk -v s="${RECOVER_SINCE[i]}" -v t="$T0" 'BEGIN { printf "%d", s - t }'))" \
        rec_check "${RECOVER_NAME[i]}" "${RECOVER_FILE[i]}" "${RECOVER_PAT[i]}" "${RECOVER_SINCE[i]}"
done

for w in "${WORKERS[@]}"; do
    proc_stop "$w"
done
proc_stop tftpcl
tlog "load stopped"

# ------------------------------------------------------------------ verdicts

# TFTP: failures not excused by a tftpd-kill (the 45 s after one).
tftp_verdict() {
    local all ok fails excused unexcused
    all=$(cat "$W/tftp-py" "$W/tftp-curl" 2>/dev/null | awk '$2 == "tftp"' | sort -n)
    ok=$(grep -c ' tftp ok ' <<<"$all" || true)
    fails=$(grep ' tftp fail ' <<<"$all" || true)
    excused=0 unexcused=0
    if [[ -n $fails ]]; then
        read -r excused unexcused < <(awk -v kills="${TFTPD_KILLS[*]}" '
            BEGIN { n = split(kills, k, " ") }
            { ex = 0; for (i = 1; i <= n; i++) if ($1 >= k[i] && $1 < k[i] + 45) ex = 1
              if (ex) e++; else u++ }
            END { print e + 0, u + 0 }' <<<"$fails")
    fi
    TFTP_SUMMARY="TFTP reads: $ok byte-exact, $((excused + unexcused)) failed ($excused within 45 s of a tftpd kill, $unexcused otherwise)"
    log "$TFTP_SUMMARY"
    if ((unexcused > 0)); then
        log "failed reads not excused by a fault:"
        awk -v kills="${TFTPD_KILLS[*]}" -v t0="$T0" '
            BEGIN { n = split(kills, k, " ") }
            { ex = 0; for (i = 1; i <= n; i++) if ($1 >= k[i] && $1 < k[i] + 45) ex = 1
              if (!ex) { $1 = sprintf("t=%.0f", $1 - t0); print "#   " $0 } }' <<<"$fails" | head -n 20
    fi
    ((ok > 0)) || { why "no TFTP read succeeded"; return 1; }
    ((unexcused * 50 <= ok + excused + unexcused)) ||
        why "$unexcused of $((ok + excused + unexcused)) reads failed outside a tftpd kill (more than 2%)"
}
check "$T tftp-byte-exact" tftp_verdict

W_UP=2
# known ARRAY: the indexes of ARRAY's values that are numbers (not "?").
known() {
    local -n arr=$1
    local i
    for i in "${!arr[@]}"; do [[ ${arr[i]} == "?" ]] || echo "$i"; done
}
fds_flat() {
    local i wmax=-1 bad='' seen=0 unknown=0 tailmin=''
    local -a tailk=()
    ((${#S_NET[@]} > W_UP)) || { why "only ${#S_NET[@]} samples, the warm-up is $W_UP"; return 1; }
    for i in $(known S_NET); do ((i < W_UP && S_NET[i] > wmax)) && wmax=${S_NET[i]}; done
    ((wmax >= 0)) || { why "no fds_net reading in the warm-up"; return 1; }
    for ((i = W_UP; i < ${#S_NET[@]}; i++)); do
        if [[ ${S_NET[i]} == "?" ]]; then unknown=$((unknown + 1)); continue; fi
        seen=$((seen + 1))
        tailk+=("${S_NET[i]}")
        ((S_NET[i] <= wmax + 1)) || bad+="t=${S_T[i]}: ${S_NET[i]}; "
    done
    for i in "${tailk[@]: -3}"; do
        [[ -n $tailmin ]] && ((i >= tailmin)) || tailmin=$i
    done
    log "fds_net: warm-up maximum $wmax; after it: ${S_NET[*]:W_UP}; least of the last 3: ${tailmin:-?}"
    [[ -z $bad ]] || { why "fds_net more than 1 above the warm-up maximum $wmax at ${bad%; }"; return 1; }
    ((seen * 2 >= seen + unknown)) || { why "fds_net unknown at $unknown of $((seen + unknown)) samples after the warm-up"; return 1; }
    ((tailmin <= wmax)) || why "fds_net stayed above the warm-up maximum $wmax in each of the last 3 samples: ${tailk[*]: -3}"
}
check "$T fds-flat" fds_flat

rss_flat() {
    local i wmax=-1 last='' rising=1 prev='' first='' n seen=0 unknown=0
    n=${#S_RNET[@]}
    ((n > W_UP)) || { why "only $n samples, the warm-up is $W_UP"; return 1; }
    for i in $(known S_RNET); do ((i < W_UP && S_RNET[i] > wmax)) && wmax=${S_RNET[i]}; done
    ((wmax >= 0)) || { why "no rss_net reading in the warm-up"; return 1; }
    for ((i = W_UP; i < n; i++)); do
        if [[ ${S_RNET[i]} == "?" ]]; then unknown=$((unknown + 1)); continue; fi
        seen=$((seen + 1))
        [[ -n $first ]] || first=${S_RNET[i]}
        [[ -z $prev ]] || ((S_RNET[i] > prev)) || rising=0
        prev=${S_RNET[i]} last=${S_RNET[i]}
    done
    log "rss_net_kb: warm-up maximum $wmax, last $last (margin $RSS_MARGIN_KB); after the warm-up: ${S_RNET[*]:W_UP}"
    log "rss_kb (information): ${S_RSS[*]}"
    ((seen * 2 >= seen + unknown)) || { why "rss_net unknown at $unknown of $((seen + unknown)) samples after the warm-up"; return 1; }
    ((last <= wmax + RSS_MARGIN_KB)) ||
        { why "last rss_net $last KiB is $((last - wmax)) KiB above the warm-up maximum $wmax KiB (margin $RSS_MARGIN_KB)"; return 1; }
    if ((seen >= 3 && rising && last - first > RSS_MARGIN_KB)); then
        why "rss_net rose at every sample after the warm-up: ${S_RNET[*]:W_UP}"
    fi
}
check "$T rss-flat" rss_flat

check "$T relay-alive-at-end" relay_up
term_exit() {
    relay_up || return 1
    kill -TERM "$RELAY_PID"
    proc_wait_exit relay 10 || return 1
    ((PXR_EXIT_STATUS == 0)) || why "pxerelay exited with status $PXR_EXIT_STATUS on SIGTERM"
}
check "$T relay-exit-0-on-sigterm" term_exit

# ------------------------------------------------------------------ summary

LG_DONE=$(loadgen_sum completed 0 9e99)
LG_SENT=$(loadgen_sum sent 0 9e99)
LG_FILE=$(loadgen_sum acks_with_file 0 9e99)
log "summary: ${#S_T[@]} samples every $SAMPLE_S s over $MINUTES min; $FAULT_N faults ($(for k in "${FAULT_KINDS[@]}"; do printf '%s %s, ' "$k" "${FAULT_COUNT[$k]:-0}"; done | sed 's/, $//'))"
log "  loadgen: $LG_SENT exchanges started, $LG_DONE completed, $LG_FILE ACKs rewritten by a boot rule"
log "  real clients: vlan20 dhclient $(count "$W/dhc20" 0 9e99 lease ok) leases ($(count "$W/dhc20" 0 9e99 lease fail) failed), $(count "$W/dhc20" 0 9e99 release ok) releases;" \
    "vlan30 udhcpc $(count "$W/udh30" 0 9e99 lease ok) leases ($(count "$W/udh30" 0 9e99 lease fail) failed), $(count "$W/udh30" 0 9e99 renew ok) renewals ($(count "$W/udh30" 0 9e99 renew fail) failed)"
log "  ${TFTP_SUMMARY:-TFTP: no verdict}"
log "  metrics scrapes: $(count "$W/scrape" 0 9e99 scrape ok) answered, $(count "$W/scrape" 0 9e99 scrape fail) failed"
hdr=$(printf '%6s %8s %8s %8s %5s %7s %9s %8s %7s %6s %6s %6s %6s %6s  %s' t rss_kb cache_kb rss_net fds fds_net relayed +relayed lg_done leases renews tftpok tftpko scrape faults)
log "$hdr"
soak_out "# $hdr"
for i in "${!S_T[@]}"; do
    row=$(printf '%6s %8s %8s %8s %5s %7s %9s %8s %7s %6s %6s %6s %6s %6s  %s' "${S_T[i]}" "${S_RSS[i]}" "${S_CACHE[i]}" \
        "${S_RNET[i]}" "${S_FDS[i]}" "${S_NET[i]}" "${S_REL[i]}" "${S_DREL[i]}" "${S_LG[i]}" "${S_LEASE[i]}" \
        "${S_RENEW[i]}" "${S_TOK[i]}" "${S_TFAIL[i]}" "${S_SCR[i]}" "${S_FAULTS[i]}")
    log "$row"
    soak_out "# $row"
done
if [[ -f $PXR_TMP/m-${#S_T[@]}.txt ]]; then
    log "drop counters at the last sample:"
    grep -E '^pxerelay_(dropped_total|xid_table_total|tftp_requests_total|tftp_upstream_transfers_total|tftp_events_total)' \
        "$PXR_TMP/m-${#S_T[@]}.txt" | awk '$2 != 0' | sed 's/^/#   /' || true
fi
