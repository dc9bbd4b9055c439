#!/bin/bash
# tests/lab/test_tftp_hostile.sh - the TFTP proxy attacked from a proxied
# VLAN, and fed by boot servers that break the protocol.
#
#   server ns: dhcpd (next-server 10.0.0.2), tftpd-hpa 10.0.0.2 (the LAN
#        |     boot server), tftp_hostile.py server 10.0.0.66 (the boot
#        |     server that misbehaves), RRQ capture on srv0
#        | up0 10.0.0.1
#   router ns: pxerelay -d, tftp-proxy on vlan10 and vlan20, cache-size 16M,
#        |     fetch-timeout 5, cache-dir; rp_filter = 2 (loose, common),
#        |     ephemeral ports 40000-40499 (a smaller space to spray: the
#        |     attack gets easier, not harder)
#        |-- vlan10 10.10.0.1 -- c10: the attacker's VLAN. Addresses leased
#        |                       through the relay with MACs 02:a1:* (a
#        |                       boot rule names the WAN server), 02:a2:*
#        |                       (the misbehaving server), 02:a3:* (the LAN
#        |                       one), 02:a4:* x 64 (for the flood)
#        |-- vlan20 10.20.0.1 -- c20: udhcpc, tftp-hpa and atftp: a real
#        |                       client that must keep booting
#        `-- up1 10.1.0.1 -- [delayfwd, 100 ms each way] -- 10.1.0.2:
#                                tftpd-hpa, the boot server across a WAN:
#                                its first answer comes 200 ms after the RRQ
#
# In this order:
#   memory     (first: the peak RSS, VmHWM, covers the process' whole life)
#              an endless upstream file (no tsize) is cut at cache-size
#              with ERROR 3; a 30 MiB file (over cache-size) is refused at
#              the OACK with ERROR 3, its bytes never cross; ten 12 MiB
#              files asked and abandoned at once (RRQ, then ERROR); the
#              relay's peak RSS stays under its RSS before + cache-size + 8
#              MiB
#   protocol   the misbehaving server's tsize lie (100, then 200000 bytes),
#              its blksize 65464 when 1468 was asked (ERROR 8 upstream) and
#              its slow drip (ended by fetch-timeout): each client gets an
#              ERROR, nothing is cached (a second request goes upstream)
#   poison     20 tries: a client asks the WAN server for a file not
#              cached while c10 forges DATA 1 "from" 10.1.0.2 at every
#              ephemeral port of each relay address; the client, a second
#              read (from the cache) and the file in cache-dir are
#              byte-exact with the server's file: 0 poisonings, and the
#              forged packets that reached the fetch socket are counted
#   flood      512 read requests with "timeout 255" from 64 leased c10
#              addresses that never answer: tftp-hpa and atftp on vlan20
#              read their loader byte-exact meanwhile; no confirmed slot is
#              taken; 15 s later no session is left (not 6 x 255 s)
#   known      an address that was only OFFERed (DISCOVER, no REQUEST) gets
#              ERROR 2: the proxy serves ACKed clients only
#   badreq     a 256-byte name, an empty name, a 16-byte mode, a missing
#              NUL, "...", ".. ", "..;", "..::$DATA" and a trailing dot:
#              each gets a TFTP ERROR
#
# Environment: lib.sh's PXERELAY, PXR_KEEP; PXR_SANITIZER=1 (make
# asan-lab) reports the RSS figures without judging them (the sanitizer's
# shadow memory and quarantine are not the relay's).
set -euo pipefail

LAB=$(cd "$(dirname "$0")" && pwd)
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$LAB/lib.sh"

T=tftp-hostile
HOSTILE=$LAB/tftp_hostile.py
TRIES=${PXR_POISON_TRIES:-20}

case ${1:-} in
    -h | --help)
        sed -n '2,/^set -e/p' "$0" | sed 's/^# \{0,1\}//; /^set -e/d'
        exit 0
        ;;
esac
if [[ $PXR_RELAY_IMPL != pxerelay ]]; then
    echo "SKIP $T: needs pxerelay's TFTP proxy (PXR_RELAY_IMPL=$PXR_RELAY_IMPL)"
    exit 0
fi
for c in /usr/sbin/in.tftpd tftp atftp curl busybox dhcpd sha256sum "${CC:-cc}"; do
    command -v "$c" >/dev/null ||
        { echo "FAIL $T: $c not installed (packages tftpd-hpa, tftp-hpa, atftp, curl, busybox, isc-dhcp-server, gcc)"; exit 1; }
done
DELAYFWD=$(top)/build/bench/delayfwd
delayfwd_build "$DELAYFWD" || { echo "FAIL $T: tests/bench/delayfwd.c does not build"; exit 1; }

lab_init th "$T"
th_exit() {
    local rc=$?
    set +e
    [[ -z ${ROOT:-} ]] || rm -f "$ROOT"/big*.bin "$ROOT/huge.bin"
    (exit "$rc")
    lab_exit
}
trap th_exit EXIT
tlog() { log "[$((($(now_ms) - PXR_T0) / 1000)) s] $*"; }

# ---------------------------------------------------------------- topology

topo_create
topo_add_vlan 10
topo_add_vlan 20
NS10=$(client_ns 10)
NS20=$(client_ns 20)
wan_start "$DELAYFWD" 100 || { echo "FAIL $T: $PXR_WHY"; exit 1; }
ip netns exec "$NS_RTR" sysctl -qw net.ipv4.conf.all.rp_filter=2 net.ipv4.conf.default.rp_filter=2 \
    net.ipv4.conf.vlan10.rp_filter=2 net.ipv4.ip_local_port_range="40000 40499"
PROXY=10.10.0.1

# ---------------------------------------------------------------- files

chmod o+x "$PXR_TMP"
ROOT=$PXR_TMP/root
ROOT_REM=$PXR_TMP/root-rem
mkdir -m 755 "$ROOT" "$ROOT_REM" "$PXR_TMP/cache"
head -c 300000 /dev/urandom >"$ROOT/boot.bin"
head -c 30M /dev/urandom >"$ROOT/huge.bin"
for i in $(seq 1 10); do
    head -c 12M /dev/urandom >"$ROOT/big$i.bin"
done
for i in $(seq 1 "$TRIES"); do
    head -c 8192 /dev/urandom >"$ROOT_REM/p$i.bin"
done
chmod -R a+rX "$ROOT" "$ROOT_REM"

cap_start_filter upstream "$NS_SRV" srv0 'udp dst port 69'
check "$T tftpd-start" tftpd_start tftpd "$NS_SRV" "$ROOT" 10.0.0.2
check "$T tftpd-wan-start" tftpd_start tftpd-rem "$NS_REM" "$ROOT_REM" 10.1.0.2
bg_run hostile "$NS_SRV" "$PXR_PYTHON" -u "$HOSTILE" server 10.0.0.66
wait_until 5 udp_listening "$NS_SRV" 69 10.0.0.66 || { echo "FAIL $T: hostile server did not start"; exit 1; }
tbench_dhcpd_start 10.0.0.2 boot.bin 10 250 10.10.0 10.20.0 || exit 1

# ---------------------------------------------------------------- relay

mkdir -m 755 "$PXR_TMP/etc"
CONF=$PXR_TMP/etc/pxerelay.conf
cat >"$CONF" <<EOF
# written by tests/lab/test_tftp_hostile.sh
servers = {"10.0.0.2"}
log-level = debug
interface "vlan10" { tftp-proxy = true }
interface "vlan20" { tftp-proxy = true }
boot "wan" {
  mac = "02:a1:*"
  next-server = "10.1.0.2"
}
boot "hostile" {
  mac = "02:a2:*"
  next-server = "10.0.0.66"
}
tftp-proxy {
  cache-size = 16M
  cache-dir = "$PXR_TMP/cache"
  max-sessions = 512
  fetch-timeout = 5
}
EOF
chmod 644 "$CONF"
check "$T relay-start" relay_start "$CONF" vlan10 vlan20
RELAY_PID=$(pid_of relay)
proc_alive "$RELAY_PID" || exit 1
wait_until 5 udp_listening "$NS_RTR" 69 || true

snap() {
    relay_dump >"$PXR_TMP/m-$1.txt" && return 0
    rm -f "$PXR_TMP/m-$1.txt"
    log "no counter dump for '$1': ${PXR_WHY:-}"
    return 1
}
mval() { metric_sample "$PXR_TMP/m-$1.txt" "$2" 2>/dev/null || echo 0; }
ev() { echo "pxerelay_tftp_events_total{event=\"$1\"}"; }
kb() { proc_status "$RELAY_PID" "$1" | awk '{ print $1 }'; }

# ---------------------------------------------------------------- leases

TBENCH_IPS=()
check "$T lease-wan-client" tbench_lease "$NS10" eth0 a1 1
IP_WAN=${TBENCH_IPS[0]}
TBENCH_IPS=()
check "$T lease-hostile-client" tbench_lease "$NS10" eth0 a2 1
IP_BAD=${TBENCH_IPS[0]}
TBENCH_IPS=()
check "$T lease-lan-clients" tbench_lease "$NS10" eth0 a3 2
IP_LAN=${TBENCH_IPS[0]}
IP_LAN2=${TBENCH_IPS[1]}
TBENCH_IPS=()
check "$T lease-flood-addresses" tbench_lease "$NS10" eth0 a4 64
FLOOD_IPS=$(IFS=,; echo "${TBENCH_IPS[*]}")
# The spray goes to every relay address, not only vlan10's.
ip -n "$NS10" route add default via 10.10.0.1
client_start_udhcpc u20 "$NS20"
check "$T lease-vlan20" lease_wait u20 20 10.20.0.
IP20=$(lease_get u20 ip)
tlog "leased: wan $IP_WAN, hostile $IP_BAD, lan $IP_LAN $IP_LAN2, 64 flood addresses, vlan20 $IP20"

# tget NS SRC FILE OUT: curl through the proxy from SRC (blksize 1468, as
# PXE ROMs ask; curl asks tsize too); prints curl's exit status.
tget() {
    local rc=0
    ip netns exec "$1" curl -s --max-time "${TGET_SECS:-20}" --tftp-blksize 1468 --interface "$2" \
        -o "$4" "tftp://$PROXY/$3" 2>"$4.err" || rc=$?
    echo "$rc"
}

# ---------------------------------------------------------------- memory

RSS0=$(kb VmRSS)
snap mem0 || true
tlog "relay RSS before the memory phase: $RSS0 kB"
t=$(now_ms)
rc=$(tget "$NS10" "$IP_BAD" endless.bin "$PXR_TMP/endless.out")
log "endless: curl exit $rc after $(($(now_ms) - t)) ms, $(stat -c %s "$PXR_TMP/endless.out" 2>/dev/null || echo 0) bytes reached the client"
check "$T endless-file-cut-with-error" test "$rc" != 0
rc=$(tget "$NS10" "$IP_LAN" huge.bin "$PXR_TMP/huge.out")
check "$T file-over-cache-size-refused" test "$rc" != 0
# ten 12 MiB files asked and abandoned at once: RRQ, then an ERROR as soon
# as the proxy answers anything
ip netns exec "$NS10" "$PXR_PYTHON" - "$PROXY" "$IP_LAN" "$IP_LAN2" <<'PY'
import socket, struct, sys, select, time
proxy, a, b = sys.argv[1:4]
socks = []
for i in range(1, 11):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((a if i <= 5 else b, 0))
    s.sendto(struct.pack("!H", 1) + b"big%d.bin\0octet\0tsize\0000\0blksize\0001468\0" % i, (proxy, 69))
    socks.append(s)
left, t_end = list(socks), time.time() + 10
while left and time.time() < t_end:
    r, _, _ = select.select(left, [], [], 0.5)
    for s in r:
        _, peer = s.recvfrom(65536)
        s.sendto(struct.pack("!HH", 5, 0) + b"abandoned\0", peer)
        left.remove(s)
print("abandoned %d, %d never answered" % (10 - len(left), len(left)))
PY
# Let the abandoned fetches run out (or be stopped) before measuring.
fetches_done() {
    snap memw || return 1
    (($(mval memw 'pxerelay_tftp_sessions{leg="upstream"}') == 0))
}
wait_until 60 fetches_done || log "upstream fetches still running after 60 s"
snap mem1 || true
HWM=$(kb VmHWM)
GROWTH=$((HWM - RSS0))
log "MEASURE tftp-hostile memory rss_before_kb=$RSS0 peak_rss_kb=$HWM growth_kb=$GROWTH budget_kb=16384 budget_refused=$(mval mem1 "$(ev budget_refused)") fetches_stopped=$(mval mem1 "$(ev fetch_stopped)") evictions=$(mval mem1 "$(ev eviction)") upstream_bytes=$(($(mval mem1 'pxerelay_tftp_bytes_total{leg="upstream"}') - $(mval mem0 'pxerelay_tftp_bytes_total{leg="upstream"}')))"
check "$T budget-refusals-counted" test "$(mval mem1 "$(ev budget_refused)")" -ge 2
if [[ ${PXR_SANITIZER:-0} == 1 ]]; then
    skip "$T peak-rss-within-budget" "sanitizer build: peak RSS $HWM kB not judged"
else
    check "$T peak-rss-within-budget" test "$GROWTH" -le $((16384 + 8192))
fi
# The 30 MiB file never crossed: one OACK, not the file.
huge_not_fetched() {
    local n
    n=$(tcpdump -n -r "$PXR_TMP/upstream.pcap" 2>/dev/null | grep -c 'RRQ "huge.bin"' || true)
    ((n >= 1)) || why "no RRQ for huge.bin upstream"
}
check "$T huge-file-asked-upstream" huge_not_fetched

# ---------------------------------------------------------------- protocol

snap proto0 || true
for f in liar.bin bigblk.bin drip.bin; do
    t=$(now_ms)
    rc=$(TGET_SECS=30 tget "$NS10" "$IP_BAD" "$f" "$PXR_TMP/$f.out")
    log "$f: curl exit $rc after $(($(now_ms) - t)) ms: $(head -c 200 "$PXR_TMP/$f.out.err" | tr '\n' ' ')"
    check "$T $f-client-gets-error" test "$rc" != 0
    [[ $f != drip.bin ]] || check "$T drip-ends-by-fetch-timeout" test $(($(now_ms) - t)) -lt 15000
done
rc=$(tget "$NS10" "$IP_BAD" liar.bin "$PXR_TMP/liar2.out")
snap proto1 || true
check "$T protocol-breaches-counted" test $(($(mval proto1 "$(ev upstream_invalid)") - $(mval proto0 "$(ev upstream_invalid)"))) -ge 2
check "$T fetch-deadline-counted" test $(($(mval proto1 "$(ev fetch_deadline)") - $(mval proto0 "$(ev fetch_deadline)"))) -ge 1
liar_not_cached() {
    local n
    n=$(grep -c '^request liar.bin' "$PXR_TMP/hostile.log" || true)
    ((n >= 2)) || why "liar.bin asked upstream $n times: the first answer was cached"
}
check "$T lie-not-cached" liar_not_cached

# ---------------------------------------------------------------- poison

snap poison0 || true
POISONED=0
FAILED=0
for i in $(seq 1 "$TRIES"); do
    want=$(sha_of "$ROOT_REM/p$i.bin")
    ip netns exec "$NS10" "$PXR_PYTHON" "$HOSTILE" spray --src 10.1.0.2 \
        --dst 10.10.0.1,10.1.0.1,10.0.0.1 --ports 40000-40499 --seconds 1.2 \
        >>"$PXR_TMP/spray.log" 2>&1 &
    spray=$!
    sleep 0.05
    rc=$(tget "$NS10" "$IP_WAN" "p$i.bin" "$PXR_TMP/p$i.out")
    wait "$spray" || true
    got=$(sha_of "$PXR_TMP/p$i.out" 2>/dev/null || echo none)
    rc2=$(tget "$NS10" "$IP_WAN" "p$i.bin" "$PXR_TMP/p$i.again")
    again=$(sha_of "$PXR_TMP/p$i.again" 2>/dev/null || echo none)
    if [[ $rc != 0 || $rc2 != 0 ]]; then
        FAILED=$((FAILED + 1))
        log "try $i: curl exit $rc / $rc2"
    fi
    if [[ ($rc == 0 && $got != "$want") || ($rc2 == 0 && $again != "$want") ]]; then
        POISONED=$((POISONED + 1))
        log "try $i: POISONED: $(head -c 60 "$PXR_TMP/p$i.again" | tr '\n' ' ')"
    fi
done
snap poison1 || true
DISK_BAD=0
for i in $(seq 1 "$TRIES"); do
    f=$PXR_TMP/cache/10.1.0.2/p$i.bin
    [[ ! -e $f || $(sha_of "$f") == "$(sha_of "$ROOT_REM/p$i.bin")" ]] || DISK_BAD=$((DISK_BAD + 1))
done
FORGED=$(($(mval poison1 "$(ev upstream_wrong_link)") - $(mval poison0 "$(ev upstream_wrong_link)")))
log "MEASURE tftp-hostile poison tries=$TRIES poisoned=$POISONED failed=$FAILED disk_bad=$DISK_BAD forged_counted=$FORGED $(awk '{ s += $2 } END { print "spray_packets=" s }' FS='=' "$PXR_TMP/spray.log")"
check "$T poison-none-served" test "$POISONED" -eq 0
check "$T poison-none-on-disk" test "$DISK_BAD" -eq 0
check "$T poison-every-try-served" test "$FAILED" -eq 0
check "$T poison-forged-packets-counted" test "$FORGED" -gt 0

# ---------------------------------------------------------------- flood

# boot.bin in the cache first, so the flood's sessions all answer at once.
rc=$(tget "$NS10" "$IP_LAN" boot.bin "$PXR_TMP/boot.warm")
snap flood0 || true
bg_run flood "$NS10" "$PXR_PYTHON" "$HOSTILE" flood --addrs "$FLOOD_IPS" --per 8 \
    --file boot.bin --dst "$PROXY" --hold 40
wait_until 5 grep -q '^flood sent=' "$PXR_TMP/flood.log" || true
sleep 0.5
mkdir -p "$PXR_TMP/c20"
t=$(now_ms)
(cd "$PXR_TMP/c20" && ip netns exec "$NS20" timeout 20 tftp -m binary 10.20.0.1 -c get boot.bin hpa.bin) ||
    log "tftp-hpa failed"
T_HPA=$(($(now_ms) - t))
t=$(now_ms)
ip netns exec "$NS20" timeout 20 atftp --option "blksize 1468" --option "windowsize 4" \
    -g -r boot.bin -l "$PXR_TMP/c20/atftp.bin" 10.20.0.1 >/dev/null 2>&1 || log "atftp failed"
T_ATFTP=$(($(now_ms) - t))
WANT=$(sha_of "$ROOT/boot.bin")
check "$T flood-tftp-hpa-reads-its-loader" test "$(sha_of "$PXR_TMP/c20/hpa.bin" 2>/dev/null)" == "$WANT"
check "$T flood-atftp-reads-its-loader" test "$(sha_of "$PXR_TMP/c20/atftp.bin" 2>/dev/null)" == "$WANT"
snap flood1 || true
log "MEASURE tftp-hostile flood requests=$(sed -n 's/^flood sent=//p' "$PXR_TMP/flood.log") tftp_hpa_ms=$T_HPA atftp_ms=$T_ATFTP probation_evicted=$(mval flood1 "$(ev probation_evicted)") slots_full=$(mval flood1 "$(ev slots_full)") sessions_now=$(mval flood1 'pxerelay_tftp_sessions{leg="client"}')"
check "$T flood-takes-no-confirmed-slot" test "$(mval flood1 "$(ev slots_full)")" -eq 0
sessions_gone() {
    snap fl2 || return 1
    (($(mval fl2 'pxerelay_tftp_sessions{leg="client"}') == 0))
}
t=$(now_ms)
check "$T flood-sessions-gone-within-15s" wait_until 15 sessions_gone
log "MEASURE tftp-hostile flood sessions_gone_after_ms=$(($(now_ms) - t)) probation_expired=$(mval fl2 "$(ev probation_expired)")"
proc_stop flood

# ---------------------------------------------------------------- known

offered_only() {
    local out ip
    out=$(probe "$NS10" request -i eth0 --mac 02:a5:00:00:00:01 --wait 5 --tries 3 2>&1) || true
    ip=$(sed -n 's/^reply type=OFFER .*yiaddr=\([0-9.]*\).*/\1/p' <<<"$out")
    [[ -n $ip ]] || { why "no OFFER: $out"; return 1; }
    ip -n "$NS10" addr add "$ip/24" dev eth0
    rc=$(tget "$NS10" "$ip" boot.bin "$PXR_TMP/offered.out")
    ((rc != 0)) || why "an address only OFFERed was served"
}
check "$T offered-only-address-refused" offered_only

# ---------------------------------------------------------------- badreq

badreq() {
    ip netns exec "$NS10" "$PXR_PYTHON" "$HOSTILE" badreq --src "$IP_LAN" --dst "$PROXY" \
        >"$PXR_TMP/badreq.out" 2>&1 || why "$(grep -v answered "$PXR_TMP/badreq.out" | tr '\n' ' ')"
}
check "$T bad-requests-answered" badreq
sed 's/^/# badreq: /' "$PXR_TMP/badreq.out"
check "$T relay-alive" proc_alive "$RELAY_PID"

lab_exit
