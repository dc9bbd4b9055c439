#!/bin/bash
# tests/lab/test_faults.sh - pxerelay surviving faults, each with a measured
# recovery time (the "hostile networks and faults" work).
#
#   server ns A: dhcpd "dhcpA" (pools .100-.149)    srv0 10.0.0.2
#                in.tftpd on 10.0.0.2
#        |
#   router ns: pxerelay, forward = failover,        up0 10.0.0.1
#              servers {10.0.0.2, 10.0.2.2}         up1 10.0.2.1
#        |                                              |
#        |                       server ns B: dhcpd "dhcpB" (pools .150-.199)
#        |                                    srv0 10.0.2.2
#        |-- vlan10 -- c10  failover: A stopped, B takes over, A taken back
#        |-- vlan20 -- c20  vlan20 deleted and made again (new ifindex)
#        |-- vlan30 -- c30  10.30.0.1/24 replaced by 10.31.0.1/24
#        |-- vlan40 -- c40  tftp-proxy; SIGHUP with a broken file; cache-dir
#        |                  not writable; tftpd killed mid-transfer
#        |-- vlan50 -- c50  a rogue DHCP server
#        `-- vlan60 -- c60  a second client link (must see nothing of it)
#
# Checks, in this order:
#   failover   a client leases from A; A stopped; a fresh client leases from
#              B within failover-timeout + 4 s (pxerelay.conf(5): a server
#              silent for failover-timeout is passed over); A started again
#              is asked again within 30 s (the man page's probe interval)
#              and a client then leases from A (checked further down, the
#              other faults run meanwhile)
#   relink     vlan20 deleted (logged gone) and made again with a new
#              ifindex: logged as served within 1 s + 1 s slack
#              (pxerelay(8): "within a second"), a client leases within 10 s
#   readdress  vlan30's address replaced by one in another subnet the
#              servers serve: the relayed requests at the servers carry the
#              new giaddr within 1 s + the client's retry (2 s) + 1 s; none
#              with the old one after that; the client leases in 10.31.0.x
#   badhup     SIGHUP with a broken file: the log names FILE:LINE, the old
#              configuration keeps serving (a lease after it)
#   nodisk     cache-dir not writable (mode 0555, the relay runs as nobody):
#              8 transfers all byte-identical from memory, and exactly one
#              log line saying so
#   tftpkill   in.tftpd killed while the proxy fetches a 64 MiB file: the
#              client gets a TFTP ERROR within 25 s (5 retransmissions with
#              backoff 1, 2, 4, 4, 4 s, pxerelay.conf(5), plus slack); the
#              session gauges return to 0, pxerelay_tftp_cache_bytes to its
#              level before, and the relay's RSS to within 8 MiB of it
#   rogue      a host on vlan50 sends BOOTREPLYs to the relay's address and
#              to broadcast, UDP 67 and 68, from its own address and from
#              10.0.0.2 (spoofed): nothing reaches vlan60, each one that
#              reaches the relay's UDP socket (port 67) is counted under a
#              drop reason, clients on vlan50 and vlan60 keep leasing
#
# Every figure is printed as "# MEASURE name value unit".
set -euo pipefail

LAB=$(cd "$(dirname "$0")" && pwd)
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$LAB/lib.sh"

T=faults
FT=2 # failover-timeout, seconds
BIG_MIB=64

case ${1:-} in
    -h | --help)
        sed -n '2,/^set -e/p' "$0" | sed 's/^# \{0,1\}//; /^set -e/d'
        exit 0
        ;;
esac
if [[ $PXR_RELAY_IMPL != pxerelay ]]; then
    echo "SKIP $T: needs pxerelay (PXR_RELAY_IMPL=$PXR_RELAY_IMPL)"
    exit 0
fi
if [[ ! -x $(pxerelay_bin) ]]; then
    echo "FAIL $T: pxerelay binary not found at $(pxerelay_bin) (build it or set PXERELAY)"
    exit 1
fi
for c in dhcpd /usr/sbin/in.tftpd sha256sum; do
    command -v "$c" >/dev/null || { echo "FAIL $T: $c not installed"; exit 1; }
done

lab_init flt "$T"
NS_SRV2=pxr-$PXR_TAG-srv2
faults_exit() {
    local rc=$?
    set +e
    [[ -z ${ROOT:-} ]] || rm -f "$ROOT/kill.bin"
    (exit "$rc")
    lab_exit
}
trap faults_exit EXIT
umask 022
# The relay reads its file again on SIGHUP as nobody; tftpd chroots into
# ROOT as the user tftp: the way down must be searchable.
chmod 0711 "$PXR_TMP"

secs() { printf '%d.%d' $(($1 / 1000)) $(($1 % 1000 / 100)); }
tlog() { log "[$(secs $(($(now_ms) - PXR_T0))) s] $*"; }

# ---------------------------------------------------------------- topology

topo_create
topo_add_upstream "$NS_SRV2" 10.0.2 srv0
for n in 10 20 30 40 50 60; do
    topo_add_vlan "$n"
done
# 10.31.0.0/24 is where vlan30 moves (the 10.30/16 route would not cover it).
ip -n "$NS_SRV" route replace 10.31.0.0/16 via 10.0.0.1
NETS=(10.10.0 10.20.0 10.30.0 10.31.0 10.40.0 10.50.0 10.60.0)

# ---------------------------------------------------------------- files

ROOT=$PXR_TMP/tftproot
mkdir -m 755 "$ROOT"
declare -A SHA=()
for i in 1 2 3 4 5 6 7 8; do
    head -c $((100000 + i * 1000)) /dev/urandom >"$ROOT/small$i.bin"
    SHA[small$i.bin]=$(sha_of "$ROOT/small$i.bin")
done
head -c "${BIG_MIB}M" /dev/urandom >"$ROOT/kill.bin"
chmod -R a+rX "$ROOT"
CACHE=$PXR_TMP/cache
mkdir -m 0555 "$CACHE"

ETC=$PXR_TMP/etc
mkdir -m 0755 "$ETC"
CONF=$ETC/pxerelay.conf
write_conf() {
    cat <<EOF
# written by tests/lab/test_faults.sh
servers = {"10.0.0.2", "10.0.2.2"}
forward = failover
failover-timeout = $FT
log-level = debug
interface "vlan10" {}
interface "vlan20" {}
interface "vlan30" {}
interface "vlan40" { tftp-proxy = true }
interface "vlan50" {}
interface "vlan60" {}
tftp-proxy {
  cache-size = 256M
  cache-dir = "$CACHE"
}
EOF
}
write_conf >"$CONF"
chmod 0644 "$CONF"

# ---------------------------------------------------------------- servers, relay

fault_dhcpd_start dhcpA "$NS_SRV" srv0 10.0.0 10.0.0.2 100 149 "${NETS[@]}"
fault_dhcpd_start dhcpB "$NS_SRV2" srv0 10.0.2 10.0.0.2 150 199 "${NETS[@]}"
check "$T tftpd-start" tftpd_start tftpd "$NS_SRV" "$ROOT" 10.0.0.2
cap_start srvA "$NS_SRV" srv0
cap_start srvB "$NS_SRV2" srv0
cap_start c60 "$(client_ns 60)" eth0

config_check() {
    local out
    out=$(timeout 10 ip netns exec "$NS_RTR" "$(pxerelay_bin)" -t -c "$CONF" 2>&1) ||
        why "pxerelay -t rejected the config: $(head -n 3 <<<"$out" | tr '\n' ' ')"
}
check "$T config-check" config_check
# pxerelay pins glibc's mmap and trim thresholds itself (mallopt at
# start), so a freed file buffer goes back to the kernel and the RSS checks
# below see what pxerelay holds.
check "$T relay-start" relay_start "$CONF"
RELAY_PID=$(pid_of relay)
proc_alive "$RELAY_PID" || exit 1
RLOG=$PXR_TMP/relay.log
relay_up() {
    proc_alive "$RELAY_PID" ||
        why "pxerelay (pid $RELAY_PID) is gone: $(tail -n 3 "$RLOG" | tr '\n' ' ')"
}
tlog "relay pid $RELAY_PID up"

# dora NAME NS MAC TRIES: one client (malformed.py dora) until its first
# lease, TRIES exchanges at most, output to $PXR_TMP/NAME.out; sets
# DORA_IP, DORA_SERVER, DORA_AT_MS.
dora() {
    local name=$1 ns=$2 mac=$3 tries=$4 line
    DORA_IP='' DORA_SERVER='' DORA_AT_MS=''
    malformed_py "$ns" dora -i eth0 --mac "$mac" --count "$tries" --until-lease --wait 1 \
        >"$PXR_TMP/$name.out" 2>&1 || true
    line=$(grep '^lease ' "$PXR_TMP/$name.out" | tail -n 1)
    [[ -n $line ]] || { why "$name ($mac): no lease in $tries exchanges: $(tail -n 2 "$PXR_TMP/$name.out" | tr '\n' ' ')"; return 1; }
    DORA_IP=$(sed -n 's/.* ip=\([0-9.]*\).*/\1/p' <<<"$line")
    DORA_SERVER=$(sed -n 's/.* server=\([0-9.]*\).*/\1/p' <<<"$line")
    DORA_AT_MS=$(epoch_ms_of "$(sed -n 's/.* at=\([0-9.]*\).*/\1/p' <<<"$line")")
    log "$name ($mac) leased $DORA_IP from $DORA_SERVER"
}
# host_in IP LO HI: the last octet of IP is within LO..HI.
host_in() { local h=${1##*.}; ((h >= $2 && h <= $3)); }

# ---------------------------------------------------------------- 1. failover

NS10=$(client_ns 10)
lease_from_a() {
    dora fo1 "$NS10" 02:00:00:10:00:01 10 || return 1
    [[ $DORA_SERVER == 10.0.0.2 ]] && host_in "$DORA_IP" 100 149 ||
        why "leased $DORA_IP from $DORA_SERVER; expected A's pool (10.0.0.2, .100-.149)"
}
check "$T failover-first-server-serves" lease_from_a

T_STOP=
failover_to_b() {
    local ms bound=$(((FT + 4) * 1000))
    proc_stop dhcpA
    T_STOP=$(now_ms)
    dora fo2 "$NS10" 02:00:00:10:00:02 30 || return 1
    ms=$((DORA_AT_MS - T_STOP))
    measure failover_stop_to_lease "$(ms_to_s "$ms")" s
    [[ $DORA_SERVER == 10.0.2.2 ]] && host_in "$DORA_IP" 150 199 ||
        { why "leased $DORA_IP from $DORA_SERVER; expected B's pool (10.0.2.2, .150-.199)"; return 1; }
    ((ms <= bound)) || why "lease from B $(ms_to_s "$ms") s after A stopped; bound failover-timeout $FT s + 4 s"
}
check "$T failover-second-server-within-bound" failover_to_b

# A again: the relay must ask it again (every 30 s) and take it back.  A
# client keeps doing DORAs meanwhile; checked after the other faults.
fault_dhcpd_start dhcpA "$NS_SRV" srv0 10.0.0 10.0.0.2 100 149 "${NETS[@]}"
T_ARESTART=$(now_ms)
bg_run fo3 "$NS10" "$PXR_PYTHON" "$PXR_MALFORMED" dora -i eth0 --mac 02:00:00:10:00:03 \
    --interval 1 --wait 1
tlog "dhcpA started again; failover done"

# ---------------------------------------------------------------- 2. link re-created

NS20=$(client_ns 20)
check "$T relink-lease-before" dora rl0 "$NS20" 02:00:00:20:00:01 10
IDX_OLD=$(link_ifindex "$NS_RTR" vlan20)
gone_logged() { grep -q "link vlan20 ifindex $IDX_OLD: gone" "$RLOG"; }
relink_del() {
    veth_recreate_del 20
    wait_until 5 gone_logged || why "no 'link vlan20 ifindex $IDX_OLD: gone' within 5 s"
}
check "$T relink-deleted-logged" relink_del

IDX_NEW=
served_line() {
    log_lines_since "$RLOG" "$1" |
        grep -E "link vlan20 ifindex $IDX_NEW: serving, giaddr 10\.20\.0\.1|link vlan20: giaddr 10\.20\.0\.1" |
        grep -v '(down)' | head -n 1
}
served_logged() { [[ -n $(served_line "$1") ]]; }
relink_add() {
    local n0 t0 line ms
    n0=$(wc -l <"$RLOG")
    t0=$(now_ms)
    veth_recreate_add 20
    IDX_NEW=$(link_ifindex "$NS_RTR" vlan20)
    [[ $IDX_NEW != "$IDX_OLD" ]] || { why "vlan20 got the same ifindex $IDX_OLD again"; return 1; }
    log "vlan20 made again: ifindex $IDX_OLD -> $IDX_NEW"
    if ! wait_until 5 served_logged "$n0"; then
        why "no 'link vlan20 ... giaddr 10.20.0.1' line within 5 s: $(log_lines_since "$RLOG" "$n0" | grep vlan20 | tr '\n' ' ')"
        return 1
    fi
    line=$(served_line "$n0")
    ms=$(($(log_stamp_ms "$line") - t0))
    log "$line"
    measure relink_recreate_to_served_log "$(ms_to_s $((ms < 0 ? 0 : ms)))" s
    ((ms <= 2000)) || { why "served $(ms_to_s "$ms") s after re-creation; bound 1 s + 1 s"; return 1; }
    dora rl1 "$NS20" 02:00:00:20:00:02 10 || return 1
    ms=$((DORA_AT_MS - t0))
    measure relink_recreate_to_lease "$(ms_to_s "$ms")" s
    [[ $DORA_IP == 10.20.0.* ]] || { why "leased $DORA_IP, not in 10.20.0.0/24"; return 1; }
    ((ms <= 10000)) || why "lease $(ms_to_s "$ms") s after re-creation; bound 10 s"
}
check "$T relink-served-again" relink_add
check "$T relink-relay-alive" relay_up
tlog "relink done"

# ---------------------------------------------------------------- 3. address changed

NS30=$(client_ns 30)
bg_run ra "$NS30" "$PXR_PYTHON" "$PXR_MALFORMED" dora -i eth0 --mac 02:00:00:30:00:01 \
    --interval 0.2 --wait 1
has_lease_in() { grep -q "^lease ip=$2" "$PXR_TMP/$1.log"; }
check "$T readdress-lease-before" wait_until 15 has_lease_in ra 10.30.0.
T_READDR=
readdress() {
    local bpf_new bpf_old ms first_a first_b first late
    bpf_new="$(bpf_request) and $(bpf_giaddr 10.31.0.1)"
    bpf_old="$(bpf_request) and $(bpf_giaddr 10.30.0.1)"
    T_READDR=$(now_ms)
    ip -n "$NS_RTR" addr del 10.30.0.1/24 dev vlan30
    ip -n "$NS_RTR" addr add 10.31.0.1/24 dev vlan30
    new_seen() { pcap_any "$(cap_file srvA)" "$bpf_new" || pcap_any "$(cap_file srvB)" "$bpf_new"; }
    wait_until 10 new_seen || { why "no relayed request with giaddr 10.31.0.1 at either server within 10 s"; return 1; }
    first_a=$(pcap_first_ms "$(cap_file srvA)" "$bpf_new" || echo 99999999999999)
    first_b=$(pcap_first_ms "$(cap_file srvB)" "$bpf_new" || echo 99999999999999)
    first=$((first_a < first_b ? first_a : first_b))
    ms=$((first - T_READDR))
    measure readdress_change_to_new_giaddr "$(ms_to_s $((ms < 0 ? 0 : ms)))" s
    ((ms <= 4000)) || { why "first request with giaddr 10.31.0.1 $(ms_to_s "$ms") s after the change; bound 4 s"; return 1; }
    wait_until 10 has_lease_in ra 10.31.0. || { why "the vlan30 client got no lease in 10.31.0.0/24 within 10 s"; return 1; }
    ms=$(($(epoch_ms_of "$(grep '^lease ip=10.31.0.' "$PXR_TMP/ra.log" | head -n 1 | sed 's/.* at=\([0-9.]*\).*/\1/')") - T_READDR))
    measure readdress_change_to_lease "$(ms_to_s "$ms")" s
    # Nothing relayed with the old giaddr once the new one was in use.
    late=0
    for f in "$(cap_file srvA)" "$(cap_file srvB)"; do
        while read -r t; do
            [[ -n $t ]] || continue
            (($(epoch_ms_of "$t") > first)) && late=$((late + 1))
        done < <(tcpdump -n -tt -r "$f" "$bpf_old" 2>/dev/null | cut -d' ' -f1)
    done
    ((late == 0)) || why "$late request(s) with the old giaddr 10.30.0.1 after the first with 10.31.0.1"
}
check "$T readdress-giaddr-follows" readdress
proc_stop ra
tlog "readdress done"

# ---------------------------------------------------------------- 4. SIGHUP with a broken file

NS40=$(client_ns 40)
BAD_LINE=7
badhup() {
    local n0 l
    # line 7 is 'interface "vlan20" {}' in the good file: a stray brace there
    write_conf | awk -v n=$BAD_LINE 'NR == n { print "}"; next } { print }' >"$CONF"
    n0=$(wc -l <"$RLOG")
    kill -HUP "$RELAY_PID"
    keeping() { log_lines_since "$RLOG" "$n0" | grep -q 'keeping the running configuration'; }
    wait_until 5 keeping || { why "no 'keeping the running configuration' within 5 s of SIGHUP"; return 1; }
    l=$(log_lines_since "$RLOG" "$n0" | grep 'keeping the running configuration' | head -n 1)
    log "$l"
    [[ $l == *"$CONF:$BAD_LINE:"* ]] || { why "the error does not name $CONF:$BAD_LINE: $l"; return 1; }
    relay_up
}
check "$T badhup-rejected-file-line" badhup
check "$T badhup-old-config-serves-vlan40" dora bh1 "$NS40" 02:00:00:40:00:01 10
check "$T badhup-old-config-serves-vlan10" dora bh2 "$NS10" 02:00:00:10:00:04 10
write_conf >"$CONF"

# ---------------------------------------------------------------- 6. cache-dir not writable

# c40's client: a lease through the relay (the proxy learns it), its address
# on eth0 for the transfers.
T40_IP=
tftp_client_ready() {
    dora tc "$NS40" 02:00:00:00:28:02 10 || return 1
    T40_IP=$DORA_IP
    ip -n "$NS40" addr add "$T40_IP/24" dev eth0
    wait_until 5 grep -q "tftp-proxy: $T40_IP boots from 10.0.0.2 through us" "$RLOG" ||
        why "no 'tftp-proxy: $T40_IP boots from 10.0.0.2 through us' in the relay log"
}
check "$T tftp-client-lease" tftp_client_ready

nodisk() {
    local i out ok=0 n
    # The relay gave the directory to nobody at start; nobody may not write it.
    chmod 0555 "$CACHE"
    for i in 1 2 3 4 5 6 7 8; do
        out=$(tftp_py "$NS40" get 10.40.0.1 "small$i.bin" --bind "$T40_IP" --blksize 1468 2>&1 || true)
        if [[ $out == "ok "*"sha256=${SHA[small$i.bin]} "* ]]; then
            ok=$((ok + 1))
        else
            log "small$i.bin: $out"
        fi
    done
    n=$(grep -c 'cache-dir .*caching in memory only' "$RLOG" || true)
    grep 'cache-dir' "$RLOG" | sed 's/^/#   /' || true
    measure nodisk_transfers_ok "$ok" of-8
    measure nodisk_log_lines "$n" lines
    ((ok == 8)) || { why "$((8 - ok)) of 8 transfers failed with cache-dir not writable"; return 1; }
    [[ -z $(find "$CACHE" -mindepth 1 -print -quit) ]] || { why "something was written into the read-only cache-dir"; return 1; }
    ((n == 1)) || why "the log says $n times that cache-dir cannot be written, expected exactly once"
}
check "$T nodisk-memory-only" nodisk
check "$T nodisk-relay-alive" relay_up
tlog "badhup, nodisk done"

# ---------------------------------------------------------------- 5. tftpd killed mid-transfer

sessions_zero() {
    fault_snap "$1" || return 1
    [[ $(fault_val "$1" 'pxerelay_tftp_sessions{leg="client"}') == 0 &&
        $(fault_val "$1" 'pxerelay_tftp_sessions{leg="upstream"}') == 0 ]]
}
# heap_kb PID: "heap RSS kB, other anonymous RSS kB" from smaps (information).
heap_kb() {
    awk '/^[0-9a-f]+-[0-9a-f]+ / { heap = ($NF == "[heap]"); anon = (NF == 5) }
         /^Rss:/ { if (heap) h += $2; else if (anon) a += $2 }
         END { printf "heap %d kB, anonymous mappings %d kB", h, a }' "/proc/$1/smaps"
}
# The cache settles after the small transfers (nothing is evicted: 256M).
sessions_zero pre-kill || true
RSS0=$(rss_kb "$RELAY_PID")
CACHE0=$(fault_val pre-kill pxerelay_tftp_cache_bytes)
log "before: RSS $RSS0 kB ($(heap_kb "$RELAY_PID")), pxerelay_tftp_cache_bytes $CACHE0"
T_KILL=
declare -A RSS_AFTER=()
tftpd_child() { (($(ns_pids_named "$NS_SRV" in.tftpd | wc -l) >= 2)); }
# kill_upstream N: a client reads kill.bin through the proxy; in.tftpd is
# killed while the proxy fetches it.
kill_upstream() {
    local k=$1 p up size=$((BIG_MIB * 1048576)) rss1
    fault_snap "pre-kill$k" || { why "no counters"; return 1; }
    bg_run "kill-py$k" "$NS40" "$PXR_PYTHON" "$PXR_TFTP_CLIENT" get 10.40.0.1 kill.bin --bind "$T40_IP" \
        --blksize 1468 --windowsize 4 --rto 1 --retries 40 --deadline 45
    wait_until 10 tftpd_child || { why "no in.tftpd child serving kill.bin within 10 s"; return 1; }
    sleep 0.2 # let the fetch be well under way
    for p in $(ns_pids_named "$NS_SRV" in.tftpd); do
        kill -KILL "$p" 2>/dev/null || true
    done
    T_KILL=$(now_ms)
    proc_stop "$TFTPD"
    rss1=$(rss_kb "$RELAY_PID")
    fault_snap "killed$k" || { why "no counters"; return 1; }
    up=$(fault_delta "pre-kill$k" "killed$k" 'pxerelay_tftp_bytes_total{leg="upstream"}')
    log "at kill $k: upstream bytes $up of $size, RSS $rss1 kB, pxerelay_tftp_cache_bytes $(fault_val "killed$k" pxerelay_tftp_cache_bytes)"
    measure "tftpkill${k}_upstream_bytes_at_kill" "$up" B
    measure "tftpkill${k}_rss_at_kill" "$rss1" kB
    ((up < size)) || why "kill.bin was already complete ($up bytes) when tftpd was killed"
}
kill_error() {
    local k=$1 ms
    proc_wait_exit "kill-py$k" 40 || return 1
    ms=$(($(now_ms) - T_KILL))
    log "client: $(tail -n 1 "$PXR_TMP/kill-py$k.log")"
    measure "tftpkill${k}_kill_to_client_error" "$(ms_to_s "$ms")" s
    grep -q '^error code=' "$PXR_TMP/kill-py$k.log" || { why "no TFTP ERROR: $(tail -n 2 "$PXR_TMP/kill-py$k.log" | tr '\n' ' ')"; return 1; }
    ((ms <= 25000)) || why "the ERROR came $(ms_to_s "$ms") s after the kill; bound 25 s"
}
kill_freed() {
    local k=$1 rss2 c2 f
    wait_until 5 sessions_zero "after-kill$k" ||
        { why "sessions: client $(fault_val "after-kill$k" 'pxerelay_tftp_sessions{leg="client"}'), upstream $(fault_val "after-kill$k" 'pxerelay_tftp_sessions{leg="upstream"}')"; return 1; }
    sleep 0.3
    rss2=$(rss_kb "$RELAY_PID")
    RSS_AFTER[$k]=$rss2
    c2=$(fault_val "after-kill$k" pxerelay_tftp_cache_bytes)
    f=$(fault_delta "pre-kill$k" "after-kill$k" 'pxerelay_tftp_upstream_transfers_total{result="failed"}')
    log "after kill $k: RSS $rss2 kB ($(heap_kb "$RELAY_PID")), pxerelay_tftp_cache_bytes $c2, upstream failures +$f"
    measure "tftpkill${k}_rss_after" "$rss2" kB
    measure "tftpkill${k}_cache_bytes_after_minus_before" $((c2 - CACHE0)) B
    ((c2 == CACHE0)) || { why "pxerelay_tftp_cache_bytes $c2 after the failed transfer, $CACHE0 before"; return 1; }
    ((f == 1)) || why "upstream failures went up by $f, expected 1"
}
TFTPD=tftpd
check "$T tftpkill1-mid-transfer" kill_upstream 1
check "$T tftpkill1-client-gets-error" kill_error 1
check "$T tftpkill1-sessions-and-cache-freed" kill_freed 1
# Again: memory kept by the allocator after the first failure is reused;
# memory leaked would grow a second time.
TFTPD=tftpd2
check "$T tftpkill-tftpd-restart" tftpd_start tftpd2 "$NS_SRV" "$ROOT" 10.0.0.2
check "$T tftpkill2-mid-transfer" kill_upstream 2
check "$T tftpkill2-client-gets-error" kill_error 2
check "$T tftpkill2-sessions-and-cache-freed" kill_freed 2
measure tftpkill_rss_before "$RSS0" kB
rss_back() {
    local r1=${RSS_AFTER[1]:-} r2=${RSS_AFTER[2]:-}
    [[ -n $r1 && -n $r2 ]] || { why "no RSS after both failures"; return 1; }
    log "RSS: before $RSS0 kB, after the first failure $r1 kB, after the second $r2 kB"
    # The file held at the kill (about 10 MiB) is given back.
    ((r1 <= RSS0 + 4096)) || { why "RSS $r1 kB after the first failed transfer, $RSS0 kB before (more than 4 MiB kept)"; return 1; }
    ((r2 <= r1 + 2048)) || why "RSS grew again with the second failed transfer: $r1 -> $r2 kB (a leak)"
}
# A sanitizer build (make asan, PXR_SANITIZER=1) keeps freed memory in
# quarantine on purpose: RSS says nothing there, LeakSanitizer does.
if [[ ${PXR_SANITIZER:-0} == 1 ]]; then
    skip "$T tftpkill-rss-back" "sanitizer build: freed memory is quarantined"
else
    check "$T tftpkill-rss-back" rss_back
fi
check "$T tftpkill-relay-alive" relay_up
tlog "tftpkill done"

# ---------------------------------------------------------------- 1b. first server taken back

taken_back() {
    grep -q '^lease .* server=10.0.0.2 ' "$PXR_TMP/fo3.log" 2>/dev/null || return 1
}
failover_back() {
    local line ms t_back
    # 30 s probe interval from when A was found silent, which was after
    # T_STOP: the deadline counts from the restart, generously.
    local left=$(((T_ARESTART + 36000 - $(now_ms)) / 1000))
    ((left >= 1)) || left=1
    wait_until "$left" taken_back || true
    if ! taken_back; then
        why "no lease from 10.0.0.2 within 35 s of its restart: $(grep -c '^lease' "$PXR_TMP/fo3.log" || true) leases from 10.0.2.2, last: $(tail -n 1 "$PXR_TMP/fo3.log")"
        return 1
    fi
    line=$(grep '^lease .* server=10.0.0.2 ' "$PXR_TMP/fo3.log" | head -n 1)
    t_back=$(epoch_ms_of "$(sed 's/.* at=\([0-9.]*\).*/\1/' <<<"$line")")
    log "first lease from A again: $line"
    measure failover_restart_to_lease_from_first "$(ms_to_s $((t_back - T_ARESTART)))" s
    ms=$((t_back - T_STOP))
    measure failover_stop_to_first_taken_back "$(ms_to_s "$ms")" s
    # A is found silent failover-timeout after its first unanswered request
    # (the client asks each second), asked again 30 s later, and the
    # client's next exchange or two (1 s each) get it: + 4 s slack.
    ((ms <= (FT + 1 + 30 + 2 + 4) * 1000)) ||
        { why "A taken back only $(ms_to_s "$ms") s after it stopped; bound failover-timeout + 37 s"; return 1; }
    # While A was down it was passed over: asked once per 30 s, not each time.
    local from=$((T_STOP + FT * 1000 + 1500)) to=$((t_back - 1500)) na=0 nb=0 t
    while read -r t; do
        [[ -n $t ]] || continue
        t=$(epoch_ms_of "$t")
        ((t > from && t < to)) && na=$((na + 1))
    done < <(tcpdump -n -tt -r "$(cap_file srvA)" "$(bpf_request) and dst host 10.0.0.2" 2>/dev/null | cut -d' ' -f1)
    while read -r t; do
        [[ -n $t ]] || continue
        t=$(epoch_ms_of "$t")
        ((t > from && t < to)) && nb=$((nb + 1))
    done < <(tcpdump -n -tt -r "$(cap_file srvB)" "$(bpf_request) and dst host 10.0.2.2" 2>/dev/null | cut -d' ' -f1)
    log "while A was down ($(ms_to_s $((to - from))) s): $na requests relayed to A, $nb to B"
    measure failover_requests_to_first_while_down "$na" packets
    measure failover_requests_to_second_while_down "$nb" packets
    ((nb >= 10 && na <= 3)) || why "while A was down: $na requests to A, $nb to B; expected at most 3 (probes, one every 30 s, and the exchange that took A back)"
}
check "$T failover-first-server-taken-back" failover_back
after_back() {
    # Once A answers again, new clients are served by A alone.
    dora fo4 "$NS10" 02:00:00:10:00:05 10 || return 1
    [[ $DORA_SERVER == 10.0.0.2 ]] && host_in "$DORA_IP" 100 149 ||
        why "after A came back a new client leased $DORA_IP from $DORA_SERVER"
}
check "$T failover-first-server-serves-again" after_back
proc_stop fo3

# ---------------------------------------------------------------- 7. rogue DHCP server

NS50=$(client_ns 50)
NS60=$(client_ns 60)
VICTIM=02:00:00:00:bd:01
rogue() {
    local out n_sock sum changed rp
    rp=$(ip netns exec "$NS_RTR" sysctl -n net.ipv4.conf.all.rp_filter net.ipv4.conf.vlan50.rp_filter | tr '\n' ' ')
    log "rp_filter (all, vlan50) in the router ns: $rp (0: spoofed sources are not dropped by the kernel)"
    bg_run good50 "$NS50" "$PXR_PYTHON" "$PXR_MALFORMED" dora -i eth0 --mac 02:00:00:50:00:01 --interval 0.3 --wait 1
    bg_run good60 "$NS60" "$PXR_PYTHON" "$PXR_MALFORMED" dora -i eth0 --mac 02:00:00:60:00:01 --interval 0.3 --wait 1
    wait_until 10 has_lease_in good50 10.50.0. && wait_until 10 has_lease_in good60 10.60.0. ||
        { why "the vlan50/vlan60 clients got no lease before the rogue started"; return 1; }
    fault_snap pre-rogue || { why "no counters"; return 1; }
    local n50 n60
    n50=$(grep -c '^lease' "$PXR_TMP/good50.log")
    n60=$(grep -c '^lease' "$PXR_TMP/good60.log")
    ip -n "$NS50" addr add 10.50.0.77/24 dev eth0
    out=$(malformed_py "$NS50" rogue -i eth0 --relay-ip 10.50.0.1 --relay-mac "$(link_mac "$NS_RTR" vlan50)" \
        --other-giaddr 10.60.0.1 --src 10.50.0.77 --spoof 10.0.0.2 --victim-mac "$VICTIM" --yiaddr 10.60.0.99) ||
        { why "malformed.py rogue failed: $out"; return 1; }
    grep '^rogue' <<<"$out" | sed 's/^/#   /'
    n_sock=$(grep -c 'reaches_relay_socket=1' <<<"$out" || true)
    enough() {
        fault_snap rogue || return 1
        (($(fault_sum rogue 'pxerelay_dropped_total{') - $(fault_sum pre-rogue 'pxerelay_dropped_total{') >= n_sock))
    }
    wait_until 5 enough || true
    # And a few more rounds of the good clients.
    wait_until 10 more_leases good50 "$n50" 2 && wait_until 10 more_leases good60 "$n60" 2 ||
        { why "the vlan50/vlan60 clients stopped getting leases while the rogue sent ($(tail -n 1 "$PXR_TMP/good50.log"); $(tail -n 1 "$PXR_TMP/good60.log"))"; return 1; }
    fault_snap rogue || { why "no counters"; return 1; }
    sum=$(($(fault_sum rogue 'pxerelay_dropped_total{') - $(fault_sum pre-rogue 'pxerelay_dropped_total{')))
    changed=$(fault_changed pre-rogue rogue 'pxerelay_dropped_total{')
    log "rogue: $(grep -c '^rogue' <<<"$out") BOOTREPLYs sent, $n_sock to UDP port 67; drops: $changed"
    measure rogue_replies_sent "$(grep -c '^rogue' <<<"$out")" packets
    measure rogue_replies_to_port67 "$n_sock" packets
    measure rogue_drops_counted "$sum" packets
    ((sum == n_sock)) || { why "$n_sock rogue replies reached the relay's UDP socket, $sum drops counted ($changed)"; return 1; }
    proc_stop good50
    proc_stop good60
    sleep 0.3
    expect_no_packet "$(cap_file c60)" "$(bpf_chaddr "$VICTIM")" ||
        why "a rogue reply (chaddr $VICTIM) reached the vlan60 client link"
}
more_leases() { (($(grep -c '^lease' "$PXR_TMP/$1.log") >= $2 + $3)); }
check "$T rogue-dropped-counted-not-delivered" rogue
no_rogue_at_servers() {
    ! pcap_any "$(cap_file srvA)" "$(bpf_chaddr "$VICTIM")" && ! pcap_any "$(cap_file srvB)" "$(bpf_chaddr "$VICTIM")" ||
        why "a rogue packet (chaddr $VICTIM) was relayed to a server"
}
check "$T rogue-nothing-to-servers" no_rogue_at_servers
check "$T relay-alive-at-end" relay_up
tlog "rogue done"
