#!/bin/bash
# tests/lab/test_tftp_proxy.sh - pxerelay's TFTP proxy with real
# TFTP clients, a real TFTP server and real boot firmware.
#
#   server ns: tftpd-hpa (in.tftpd) on 10.0.0.2:69, root $PXR_TMP/tftproot
#              dhcpd, next-server 10.0.0.2, filename "boot.bin"
#              tcpdump of every read request arriving at srv0 (upstream.pcap)
#        |
#   router ns: pxerelay -d -c CONF                   up0 10.0.0.1
#        |-- vlan10 10.10.0.1 tftp-proxy  c10: udhcpc; tftp-hpa, atftp, curl,
#        |                                     busybox tftp, tftp_client.py
#        |-- vlan20 10.20.0.1 (no proxy)  c20: udhcpc; must get no TFTP answer
#        |-- vlan30 10.30.0.1 tftp-proxy  c30: bridge + QEMU SeaBIOS/iPXE ROM
#        |-- vlan40 10.40.0.1 tftp-proxy  c40: bridge + QEMU OVMF (UEFI x64)
#        `-- vlan50 10.50.0.1 tftp-proxy  c50: 50 leased addresses, the storm
#
# In this order (the VMs boot in the background from the start):
#   dhcp      replies on vlan10 name 10.10.0.1 (siaddr, option 66); vlan20's
#             are left alone; pxerelay learned the boot server 10.0.0.2
#   refuse    WRQ (tftp-hpa put, raw) and ".." paths get ERROR 2, a client
#             DHCP never saw gets ERROR 2, nothing on vlan20 (its own
#             address or vlan10's) gets an answer, a packet from an unknown
#             transfer ID gets ERROR 5 and the transfer goes on; 8 reads
#             confirmed (ACKed) from one address, then 4 more: those over
#             the per-client limit get
#             an ERROR; refusals counted; no refused path reaches tftpd
#   clients   tftp-hpa (blksize 512), atftp (blksize 1468, windowsize 4),
#             curl (blksize 8192) and busybox tftp (blksize 1468) read 0,
#             511, 512 B and 1 MiB files byte-identical; every file crossed
#             the upstream link once (upstream.pcap), the rest were hits;
#             on the client link (capture) curl's 8192 became 1468 in the
#             OACK and in every DATA payload
#   window    tftp_client.py with blksize 512/1468/8192 x windowsize 1/4/16
#             (+ tsize): what the OACK grants, the largest DATA, DATA per
#             ACK = the window, sha256; the timeout option; the upstream
#             read request carries blksize 1468 and windowsize 16 (defaults)
#   jumbo     vlan10 raised to MTU 9000 (both ends) while running: blksize
#             8192 is granted as asked
#   sequences the read patterns of real firmware, on cold files: BIOS PXE's
#             tsize probe, ERROR 0 "TFTP Aborted", blksize 1456; UEFI's
#             tsize+blksize 1468+windowsize 4 probe, ERROR 8, windowsize 4
#             read; iPXE's blksize 1432 + tsize; each file byte-exact
#   firmware  SeaBIOS+iPXE (vlan30) and OVMF (vlan40) boot through the proxy:
#             their DHCP ACK names the relay (siaddr, option 66); every read
#             request at tftpd comes from 10.0.0.1, none from a VM subnet.
#             iPXE gets fw/boot.ipxe (a boot rule), an iPXE script that
#             fetches fw/second.bin and then fw/done.txt: the request for
#             done.txt proves the script arrived and ran and second.bin
#             arrived whole; OVMF gets fw/uefi.efi (random bytes, not
#             bootable).  For both, the file rebuilt from the DATA packets on
#             the client link has the source's sha256 and its last block was
#             acknowledged by the VM.
#   coalesce  6 reads of a file not cached, at the same instant from c10:
#             identical, one read request upstream, 1 miss + 5 coalesced/hit
#   big       50 MiB: curl (blksize 1468) straight from tftpd-hpa (routed),
#             through the proxy cold, then warm: byte-identical, one read
#             request upstream; MB/s printed (information only, never a
#             failure), also for atftp with windowsize 16 from the cache
#   storm     50 addresses on c50, each DHCP-leased through the relay, 50
#             clients started at the same instant on a file not cached: all
#             byte-identical, ONE read request upstream; counters 1 miss, 49
#             coalesced or hits
#   cache     a storm client reads the file again: no new read request
#             upstream, one more hit
#   kill      in.tftpd killed (all its processes) while a 50 MiB file not
#             yet cached is being read by two clients (tftp_client.py and
#             curl): both end within 25 s, tftp_client.py with a TFTP
#             ERROR; then no client or upstream session is left, one
#             upstream transfer counted failed, pxerelay still runs
#   missing   a file tftpd does not have: its ERROR 1 reaches the client,
#             pxerelay still runs; no session left at the end
# A pxerelay that died is started again (and c10 re-learned through DHCP)
# so the checks after it still say something.
#
# Environment: PXR_TFTP_FW=0 skips the firmware part; PXR_TFTP_BIG (MiB,
# default 50) sizes the large files; lib.sh's PXERELAY, PXR_KEEP; QEMU,
# PXR_BIOS_ROM, PXR_OVMF_CODE, PXR_OVMF_VARS as in test_firmware.sh.
set -euo pipefail

LAB=$(cd "$(dirname "$0")" && pwd)
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$LAB/lib.sh"

T=tftp-proxy
WANT_FW=${PXR_TFTP_FW:-1}
BIG_MIB=${PXR_TFTP_BIG:-50}
STORM=50

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
if [[ ! -x $(pxerelay_bin) ]]; then
    echo "FAIL $T: pxerelay binary not found at $(pxerelay_bin) (build it or set PXERELAY)"
    exit 1
fi
for c in /usr/sbin/in.tftpd tftp atftp curl busybox dhcpd udhcpc sha256sum; do
    command -v "$c" >/dev/null ||
        { echo "FAIL $T: $c not installed (packages tftpd-hpa, tftp-hpa, atftp, curl, busybox, isc-dhcp-server, udhcpc)"; exit 1; }
done
if ((WANT_FW)); then
    for f in "$PXR_BIOS_ROM" "$PXR_OVMF_CODE" "$PXR_OVMF_VARS"; do
        [[ -r $f ]] || { echo "FAIL $T: $f not found (packages ipxe-qemu, ovmf; PXR_TFTP_FW=0 skips)"; exit 1; }
    done
    command -v "$PXR_QEMU" >/dev/null || { echo "FAIL $T: $PXR_QEMU not installed"; exit 1; }
fi

lab_init tftp "$T"
# The two large files are random and made anew each run: a temp dir kept for
# its logs and captures does not keep them (lab_exit still sees the status).
tftp_exit() {
    local rc=$?
    set +e
    [[ -z ${ROOT:-} ]] || rm -f "$ROOT/big.bin" "$ROOT/kill.bin"
    (exit "$rc")
    lab_exit
}
trap tftp_exit EXIT

secs() { printf '%d.%d' $(($1 / 1000)) $(($1 % 1000 / 100)); }
tlog() { log "[$(secs $(($(now_ms) - PXR_T0))) s] $*"; }

# ---------------------------------------------------------------- topology

topo_create
for n in 10 20 30 40 50; do
    topo_add_vlan "$n"
done
NS10=$(client_ns 10)
NS20=$(client_ns 20)
NS30=$(client_ns 30)
NS40=$(client_ns 40)
NS50=$(client_ns 50)
PROXY=10.10.0.1

# ---------------------------------------------------------------- files

# tftpd-hpa chroots into ROOT and then runs as the user tftp.
chmod o+x "$PXR_TMP"
ROOT=$PXR_TMP/tftproot
OUT=$PXR_TMP/out
mkdir -m 755 "$ROOT" "$ROOT/fw"
mkdir "$OUT"
: >"$ROOT/empty.bin"
head -c 511 /dev/urandom >"$ROOT/s511.bin"
head -c 512 /dev/urandom >"$ROOT/s512.bin"
head -c 1M /dev/urandom >"$ROOT/m1.bin"
head -c 1M /dev/urandom >"$ROOT/storm.bin"
head -c 1M /dev/urandom >"$ROOT/coal.bin"
head -c "${BIG_MIB}M" /dev/urandom >"$ROOT/big.bin"
head -c "${BIG_MIB}M" /dev/urandom >"$ROOT/kill.bin"
head -c 300000 /dev/urandom >"$ROOT/fw/second.bin"
head -c 262144 /dev/urandom >"$ROOT/fw/uefi.efi"
# What three firmware read, each once, cold (see firmware_sequence).
head -c 345455 /dev/urandom >"$ROOT/fw/seq-bios.pxe"
head -c 1052672 /dev/urandom >"$ROOT/fw/seq-uefi.efi"
head -c 1251776 /dev/urandom >"$ROOT/fw/seq-ipxe.pxe"
echo "pxerelay lab: the iPXE script ran" >"$ROOT/fw/done.txt"
cat >"$ROOT/fw/boot.ipxe" <<'EOF'
#!ipxe
echo pxerelay lab: boot.ipxe came from ${next-server}
imgfetch tftp://${next-server}/fw/second.bin
imgfetch tftp://${next-server}/fw/done.txt
EOF
chmod -R a+rX "$ROOT"
declare -A SHA=()
for f in empty.bin s511.bin s512.bin m1.bin storm.bin coal.bin big.bin kill.bin fw/second.bin fw/uefi.efi fw/boot.ipxe \
    fw/seq-bios.pxe fw/seq-uefi.efi fw/seq-ipxe.pxe; do
    SHA[$f]=$(sha_of "$ROOT/$f")
done
tlog "files ready"

# ---------------------------------------------------------------- servers

UPCAP=$PXR_TMP/upstream.pcap
cap_start_filter upstream "$NS_SRV" srv0 'udp dst port 69'
check "$T tftpd-start" tftpd_start tftpd "$NS_SRV" "$ROOT" 10.0.0.2
server_start_dhcpd_pxe 10.0.0.2 boot.bin 10.10.0 10.20.0 10.30.0 10.40.0 10.50.0
cap_start dhcp10 "$NS10" eth0
cap_start dhcp20 "$NS20" eth0

# ---------------------------------------------------------------- relay

mkdir -m 755 "$PXR_TMP/etc"
CONF=$PXR_TMP/etc/pxerelay.conf
cat >"$CONF" <<'EOF'
# written by tests/lab/test_tftp_proxy.sh
servers = {"10.0.0.2"}
log-level = debug
interface "vlan10" { tftp-proxy = true }
interface "vlan20" {}
interface "vlan30" { tftp-proxy = true }
interface "vlan40" { tftp-proxy = true }
interface "vlan50" { tftp-proxy = true }
boot "bios" {
  arch = {0}
  filename = "fw/boot.ipxe"
}
boot "uefi-x64" {
  arch = {7, 9}
  filename = "fw/uefi.efi"
}
tftp-proxy {
  cache-size = 160M
  max-sessions = 512
}
EOF
chmod 644 "$CONF"

config_check() {
    local out
    out=$(timeout 10 ip netns exec "$NS_RTR" "$(pxerelay_bin)" -t -c "$CONF" 2>&1) ||
        why "pxerelay -t rejected the config: $(head -n 3 <<<"$out" | tr '\n' ' ')"
}
check "$T config-check" config_check
check "$T relay-start" relay_start "$CONF" vlan10 vlan20 vlan30 vlan40
RELAY_PID=$(pid_of relay)
proc_alive "$RELAY_PID" || exit 1
check "$T relay-listens-tftp" wait_until 5 udp_listening "$NS_RTR" 69
tlog "relay pid $RELAY_PID up"

# snap NAME: the relay's counters now, to $PXR_TMP/m-NAME.txt (fails, and
# leaves no file, when the relay does not answer).
snap() {
    relay_dump >"$PXR_TMP/m-$1.txt" && return 0
    rm -f "$PXR_TMP/m-$1.txt"
    log "no counter dump for '$1': ${PXR_WHY:-}"
    return 1
}
# mval NAME SAMPLE: a sample of snapshot NAME (0 when absent).
mval() { metric_sample "$PXR_TMP/m-$1.txt" "$2" 2>/dev/null || echo 0; }
# mdelta A B SAMPLE: B - A for SAMPLE.
mdelta() { echo $(($(mval "$2" "$3") - $(mval "$1" "$3"))); }
REQ='pxerelay_tftp_requests_total'
snap start || true

# ---------------------------------------------------------------- firmware VMs

# Started now, they boot (DHCP ~2 s, TFTP ~6 s after start under TCG) while
# the client checks run; their evidence is read further down.
MAC_BIOS=52:54:00:00:1e:01
MAC_UEFI=52:54:00:00:28:01
if ((WANT_FW)); then
    vm_bridge "$NS30"
    vm_bridge "$NS40"
    ra_sender_start ra30 "$NS_RTR" vlan30
    cap_start_filter vm30 "$NS_RTR" vlan30 udp
    cap_start_filter vm40 "$NS_RTR" vlan40 udp
    vm_qemu_start vm-bios "$NS30" bios "$MAC_BIOS"
    vm_qemu_start vm-uefi "$NS40" uefi "$MAC_UEFI"
    T_VM=$(now_ms)
    tlog "QEMU started: BIOS on vlan30, UEFI on vlan40"
fi

# ---------------------------------------------------------------- leases

client_start_udhcpc udh10 "$NS10"
client_start_udhcpc udh20 "$NS20"
check "$T lease-vlan10" lease_wait udh10 20 10.10.0.
check "$T lease-vlan20" lease_wait udh20 20 10.20.0.
IP10=$(lease_get udh10 ip)
IP20=$(lease_get udh20 ip)
# For the direct (unproxied) comparison: c10 routes to the server; c20
# routes too, so it can try vlan10's proxy address across the router.
ip -n "$NS10" route replace default via 10.10.0.1
ip -n "$NS20" route replace default via 10.20.0.1

# ack_fields PCAP MAC: "siaddr|option 66|file" of the last DHCPACK to MAC.
ack_fields() {
    probe "$NS_RTR" pcap-dump "$1" --chaddr "$2" --type ack 2>/dev/null | tail -n 1 |
        "$PXR_PYTHON" -c '
import json, sys
line = sys.stdin.read().strip()
if line:
    p = json.loads(line)
    o = p.get("options", {})
    print("%s|%s|%s" % (p.get("siaddr", "-"), o.get("66", {}).get("text", "-"), p.get("file") or "-"))'
}
expect_ack() {
    local pcap=$1 mac=$2 si=$3 o66=$4 got
    wait_until 3 pcap_any "$pcap" "udp src port 67" || true
    got=$(ack_fields "$pcap" "$mac")
    [[ -n $got ]] || { why "no DHCPACK to $mac in $(basename "$pcap")"; return 1; }
    log "ACK to $mac: siaddr|option 66|file = $got"
    [[ ${got%%|*} == "$si" ]] || { why "ACK to $mac: siaddr ${got%%|*}, expected $si"; return 1; }
    [[ $(cut -d'|' -f2 <<<"$got") == "$o66" ]] || why "ACK to $mac: option 66 \"$(cut -d'|' -f2 <<<"$got")\", expected \"$o66\""
}
check "$T dhcp-vlan10-names-relay" expect_ack "$(cap_file dhcp10)" 02:00:00:00:0a:02 10.10.0.1 10.10.0.1
check "$T dhcp-vlan20-untouched" expect_ack "$(cap_file dhcp20)" 02:00:00:00:14:02 10.0.0.2 -
learned() {
    grep -q "tftp-proxy: $1 boots from 10.0.0.2 through us" "$PXR_TMP/relay.log" ||
        why "no 'tftp-proxy: $1 boots from 10.0.0.2 through us' in the relay log"
}
check "$T learned-boot-server" learned "$IP10"
tlog "leases: vlan10 $IP10, vlan20 $IP20"

# ---------------------------------------------------------------- refusals

# expect_error CODE OUTPUT: OUTPUT is tftp_client.py's "error code=CODE ...".
expect_error() {
    [[ $2 == "error code=$1 "* ]] || why "expected TFTP ERROR $1, got: $2"
}
run_py() { tftp_py "$@" 2>&1 || true; }

refuse_wrq_hpa() {
    local out
    head -c 1000 /dev/urandom >"$OUT/put.bin"
    out=$(cd "$OUT" && { timeout 20 ip netns exec "$NS10" tftp -m binary "$PROXY" -c put put.bin up.bin 2>&1 || true; })
    log "tftp-hpa put: $out"
    grep -q 'Error code 2' <<<"$out" || why "tftp-hpa put: no 'Error code 2' in: $out"
}
check "$T refuse-wrq-tftp-hpa" refuse_wrq_hpa
check "$T refuse-wrq-raw" expect_error 2 "$(run_py "$NS10" put "$PROXY" up.bin)"

refuse_dotdot_hpa() {
    local out
    out=$(cd "$OUT" && { timeout 20 ip netns exec "$NS10" tftp -m binary "$PROXY" -c get ../etc/passwd passwd.out 2>&1 || true; })
    log "tftp-hpa get ../etc/passwd: $out"
    grep -q 'Error code 2' <<<"$out" || { why "tftp-hpa: no 'Error code 2' in: $out"; return 1; }
    ! [[ -s $OUT/passwd.out ]] || why "tftp-hpa wrote $(wc -c <"$OUT/passwd.out") bytes of ../etc/passwd"
}
check "$T refuse-dotdot-tftp-hpa" refuse_dotdot_hpa
check "$T refuse-dotdot-raw" expect_error 2 "$(run_py "$NS10" get "$PROXY" fw/../../etc/passwd)"
check "$T refuse-dotdot-raw-2" expect_error 2 "$(run_py "$NS10" get "$PROXY" /../etc/passwd)"

# A client DHCP never taught about: never an open relay.
ip -n "$NS10" addr add 10.10.0.250/24 dev eth0
check "$T refuse-unknown-client" expect_error 2 "$(run_py "$NS10" get "$PROXY" m1.bin --bind 10.10.0.250)"

expect_silence() {
    [[ $1 == timeout* ]] || why "expected no answer, got: $1"
}
check "$T silent-vlan20-own-address" expect_silence \
    "$(run_py "$NS20" get 10.20.0.1 m1.bin --rto 1 --retries 1)"
check "$T silent-vlan20-to-vlan10-proxy" expect_silence \
    "$(run_py "$NS20" get "$PROXY" m1.bin --rto 1 --retries 1)"

tid_check() {
    local out=$1
    log "unknown TID: $out"
    [[ $out == "tid=error-5 then ok "* ]] || { why "expected 'tid=error-5 then ok ...', got: $out"; return 1; }
    [[ $out == *" sha256=${SHA[m1.bin]} "* ]] || why "the interrupted transfer's sha256 differs: $out"
}
check "$T unknown-tid-error-5" tid_check "$(run_py "$NS10" tid "$PROXY" m1.bin --blksize 1468)"

# The per-client limit (8) counts transfers the client has confirmed with
# an ACK: 8 confirmed, then 4 more read requests, which are refused.
per_client_limit() {
    local out=$1 ans err
    log "8 confirmed reads, then 4 more, from $IP10: $out"
    ans=$(sed -n 's/.*answered=\([0-9]*\).*/\1/p' <<<"$out")
    err=$(sed -n 's/.* errors=\([0-9]*\).*/\1/p' <<<"$out")
    [[ -n $ans && -n $err ]] || { why "unexpected output: $out"; return 1; }
    ((ans + err == 12)) || { why "some requests got no answer at all: $out"; return 1; }
    HOLD_ERRS=$err
    ((ans == 8 && err == 4)) || why "expected 8 answered and 4 refused: $out"
}
HOLD_ERRS=0
check "$T per-client-limit" per_client_limit "$(run_py "$NS10" hold "$PROXY" m1.bin --count 12 --confirm 8 --blksize 1468)"

snap refused || true
refused_counted() {
    local d want=$((6 + HOLD_ERRS))
    d=$(mdelta start refused "$REQ{result=\"refused\"}")
    log "requests refused: $d (2 WRQ, 3 '..', 1 unknown client, $HOLD_ERRS over the limit)"
    ((d == want)) || why "$REQ{result=\"refused\"} went up by $d, expected $want"
}
check "$T refusals-counted" refused_counted
no_dotdot_upstream() {
    local bad
    bad=$(pcap_rrqs "$UPCAP" | grep -F '..' || true)
    [[ -z $bad ]] || why "read requests with '..' reached tftpd: $bad"
}
check "$T refused-never-upstream" no_dotdot_upstream
tlog "refusals done"

# ---------------------------------------------------------------- clients

cap_start_filter cl10 "$NS_RTR" vlan10 'udp and not port 67 and not port 68'

# fetch CLIENT FILE: CLIENT reads FILE through the proxy into
# $OUT/CLIENT-FILE; prints its output.
fetch() {
    local c=$1 f=$2 o=$OUT/$1-$2
    rm -f "$o"
    case $c in
        tftp-hpa) timeout 60 ip netns exec "$NS10" tftp -m binary "$PROXY" -c get "$f" "$o" 2>&1 ;;
        atftp) timeout 60 ip netns exec "$NS10" atftp --option "blksize 1468" --option "windowsize 4" \
            -g -r "$f" -l "$o" "$PROXY" 2>&1 ;;
        curl)
            # curl refuses an OACK with tsize 0 (error 71, tftpd-hpa's own
            # answer included) and always asks tsize with options: an empty
            # file it reads without options.
            if [[ -s $ROOT/$f ]]; then
                timeout 60 ip netns exec "$NS10" curl -sS --tftp-blksize 8192 -o "$o" "tftp://$PROXY/$f" 2>&1
            else
                timeout 60 ip netns exec "$NS10" curl -sS --tftp-no-options -o "$o" "tftp://$PROXY/$f" 2>&1
            fi
            ;;
        busybox) timeout 60 ip netns exec "$NS10" busybox tftp -g -b 1468 -r "$f" -l "$o" "$PROXY" 2>&1 ;;
    esac
}
same_file() {
    local c=$1 f=$2 out
    out=$(fetch "$c" "$f") || { why "$c exited non-zero: $(tr '\n' ' ' <<<"$out")"; return 1; }
    [[ -f $OUT/$c-$f ]] || { why "$c wrote no file: $(tr '\n' ' ' <<<"$out")"; return 1; }
    [[ $(sha_of "$OUT/$c-$f") == "${SHA[$f]}" ]] ||
        why "$c: $f differs ($(wc -c <"$OUT/$c-$f") bytes, $(wc -c <"$ROOT/$f") expected) $(tr '\n' ' ' <<<"$out")"
}
for c in tftp-hpa atftp curl busybox; do
    for f in empty.bin s511.bin s512.bin m1.bin; do
        check "$T $c-$f" same_file "$c" "$f"
    done
done
proc_stop cap-cl10
tlog "client matrix done"

once_upstream() {
    local f n bad=
    for f in "$@"; do
        n=$(count_rrqs "$UPCAP" 10.0.0.1 "$f")
        ((n == 1)) || bad+="$f: $n; "
    done
    [[ -z $bad ]] || why "read requests from the relay at tftpd, expected one per file: $bad"
}
check "$T each-file-fetched-once" once_upstream empty.bin s511.bin s512.bin m1.bin
not_direct() {
    local n
    n=$(pcap_rrqs "$UPCAP" | grep -vc '^10\.0\.0\.1 ' || true)
    ((n == 0)) || why "$n read request(s) reached tftpd from elsewhere than the relay: $(pcap_rrqs "$UPCAP" | grep -v '^10\.0\.0\.1 ' | head -n 3 | tr '\n' ';')"
}
check "$T upstream-only-from-relay" not_direct

# curl asked blksize 8192 on a 1500-byte link: the proxy must grant 1468
# (1500 - IP - UDP - TFTP headers) and send no larger DATA.
clamped() {
    local js drops
    js=$(tftp_py "$NS_RTR" pcap "$PXR_TMP/cl10.pcap" --file m1.bin |
        "$PXR_PYTHON" -c '
import json, sys
for line in sys.stdin:
    t = json.loads(line)
    if t["asked"].get("blksize") == "8192":
        print("%s %s %s %s %s" % ((t["oack"] or {}).get("blksize"), t["max_data"], t["complete"],
                                  t["final_acked"], t.get("sha256")))')
    [[ -n $js ]] || { why "no read of m1.bin asking blksize 8192 in the vlan10 capture"; return 1; }
    log "blksize 8192 asked on MTU 1500: OACK blksize, largest DATA, complete, acked, sha = $js"
    read -r ob md cp fa sh <<<"$js"
    [[ $ob == 1468 && $md == 1468 ]] || { why "OACK blksize $ob, largest DATA $md; expected 1468 and 1468"; return 1; }
    [[ $cp == True && $fa == True && $sh == "${SHA[m1.bin]}" ]] && return 0
    # A loaded machine makes tcpdump drop packets: then the capture cannot
    # rebuild the file, and curl's own sha256 check above is what counts.
    drops=$(grep -ho '[0-9]* packets dropped by kernel' "$PXR_TMP/cap-cl10.log" | awk '{print $1}' | head -n 1)
    if [[ ${drops:-0} -gt 0 ]]; then
        log "the capture dropped $drops packets: content checked by the client only"
        return 0
    fi
    why "transfer on the wire: complete=$cp acked=$fa sha=$sh"
}
check "$T blksize-8192-clamped-to-mtu" clamped
atftp_window() {
    local w
    w=$(tftp_py "$NS_RTR" pcap "$PXR_TMP/cl10.pcap" --file m1.bin |
        "$PXR_PYTHON" -c '
import json, sys
for line in sys.stdin:
    t = json.loads(line)
    if t["asked"].get("windowsize"):
        print((t["oack"] or {}).get("windowsize"))')
    [[ $w == 4 ]] || why "atftp asked windowsize 4; OACK granted: ${w:-none}"
}
check "$T atftp-windowsize-granted" atftp_window

# ---------------------------------------------------------------- window matrix

# window_get BLKSIZE WINDOW: tftp_client.py reads m1.bin (cached) asking
# both and tsize; checks the grant, the DATA size, DATA per ACK, content.
window_get() {
    local bs=$1 ws=$2 out eb
    eb=$((bs < 1468 ? bs : 1468))
    out=$(run_py "$NS10" get "$PROXY" m1.bin --blksize "$bs" --windowsize "$ws" --tsize)
    log "blksize $bs windowsize $ws: $out"
    [[ $out == "ok "* ]] || { why "$out"; return 1; }
    [[ $out == *" sha256=${SHA[m1.bin]} "* ]] || { why "content differs: $out"; return 1; }
    [[ $out == *" oack=blksize=$eb,tsize=1048576,windowsize=$ws "* ]] ||
        { why "expected oack=blksize=$eb,tsize=1048576,windowsize=$ws: $out"; return 1; }
    [[ $out == *" maxdata=$eb "* ]] || { why "expected DATA of $eb bytes: $out"; return 1; }
    [[ $out == *" burst=$ws "* ]] || why "expected $ws DATA per ACK: $out"
}
for bs in 512 1468 8192; do
    for ws in 1 4 16; do
        check "$T window-blksize$bs-windowsize$ws" window_get "$bs" "$ws"
    done
done
timeout_opt() {
    local out
    out=$(run_py "$NS10" get "$PROXY" s512.bin --timeout-opt 3 --tsize)
    [[ $out == "ok "*" oack=timeout=3,tsize=512 "* && $out == *"sha256=${SHA[s512.bin]} "* ]] ||
        why "expected oack=timeout=3,tsize=512 and the file: $out"
}
check "$T timeout-option" timeout_opt
upstream_opts() {
    local o
    o=$(tftp_py "$NS_RTR" pcap "$UPCAP" --file m1.bin | head -n 1 |
        "$PXR_PYTHON" -c 'import json, sys; a = json.loads(sys.stdin.read())["asked"]; print(a.get("blksize"), a.get("windowsize"))')
    [[ $o == "1468 16" ]] || why "upstream read request asked blksize, windowsize = $o; expected 1468 16"
}
check "$T upstream-blksize-windowsize" upstream_opts

# Jumbo frames on vlan10 while pxerelay runs: the clamp follows the MTU.
jumbo() {
    local out
    ip -n "$NS_RTR" link set vlan10 mtu 9000
    ip -n "$NS10" link set eth0 mtu 9000
    sleep 0.5
    out=$(run_py "$NS10" get "$PROXY" m1.bin --blksize 8192 --tsize)
    ip -n "$NS_RTR" link set vlan10 mtu 1500
    ip -n "$NS10" link set eth0 mtu 1500
    log "MTU 9000, blksize 8192: $out"
    [[ $out == "ok "*" oack=blksize=8192,tsize=1048576 maxdata=8192 "* && $out == *"sha256=${SHA[m1.bin]} "* ]] ||
        why "expected blksize 8192 granted and used on a 9000-byte link: $out"
}
check "$T jumbo-mtu-blksize-8192" jumbo
tlog "window matrix done"

# What real firmware does, as public captures of it show: a tsize probe
# answered by the firmware's own ERROR, then the real read from a new port
# (Intel BIOS PXE: ERROR 0 "TFTP Aborted", then blksize 1456; Intel UEFI:
# tsize blksize 1468 windowsize 4, ERROR 8 "User aborted the transfer",
# then blksize 1468 windowsize 4), or iPXE's blksize 1432 + tsize read at
# once. Each file is cold: the probe starts the upstream fetch.
# firmware_sequence FILE PROBE-OPTS ABORT REAL-OPTS EXPECT-OACK
firmware_sequence() {
    local file=$1 probe=$2 abort=$3 real=$4 want=$5 out size
    size=$(stat -c %s "$ROOT/$file")
    if [[ -n $abort ]]; then
        # shellcheck disable=SC2086
        out=$(run_py "$NS10" get "$PROXY" "$file" $probe --abort-after-oack "$abort")
        log "$file probe: $out"
        [[ $out == "aborted oack="*"tsize=$size"* ]] || { why "tsize probe: $out"; return 1; }
    else
        real=$probe
    fi
    # shellcheck disable=SC2086
    out=$(run_py "$NS10" get "$PROXY" "$file" $real)
    log "$file read: $out"
    [[ $out == "ok "* && $out == *" sha256=${SHA[$file]} "* ]] || { why "read: $out"; return 1; }
    [[ $out == *" oack=$want "* ]] || { why "expected oack=$want: $out"; return 1; }
    [[ $want != *windowsize=4* || $out == *" burst=4 "* ]] || why "expected 4 DATA per ACK: $out"
}
check "$T firmware-bios-tsize-probe-abort-then-blksize-1456" firmware_sequence fw/seq-bios.pxe \
    "--tsize" "0:TFTP Aborted" "--blksize 1456" "blksize=1456"
check "$T firmware-uefi-probe-error-8-then-windowsize-4" firmware_sequence fw/seq-uefi.efi \
    "--tsize --blksize 1468 --windowsize 4" "8:User aborted the transfer" \
    "--blksize 1468 --windowsize 4" "blksize=1468,windowsize=4"
check "$T firmware-ipxe-blksize-1432-tsize" firmware_sequence fw/seq-ipxe.pxe \
    "--blksize 1432 --tsize" "" "" "blksize=1432,tsize=1251776"

# ---------------------------------------------------------------- firmware results

# vm_bios_done, vm_uefi_done: that VM's evidence is complete (or QEMU died).
vm_bios_done() {
    ! proc_alive "$(pid_of vm-bios)" || (($(count_rrqs "$UPCAP" any fw/done.txt) > 0))
}
vm_uefi_done() {
    ! proc_alive "$(pid_of vm-uefi)" || tftp_py "$NS_RTR" pcap "$PXR_TMP/vm40.pcap" --file fw/uefi.efi |
        grep '"complete": true' | grep '"final_acked": true' >/dev/null
}
# vm_transfer PCAP FILE: the last complete transfer of FILE to a VM was
# acknowledged to the end and has the source's content.
vm_transfer() {
    local pcap=$1 f=$2 js
    js=$(tftp_py "$NS_RTR" pcap "$pcap" --file "$f" | grep '"complete": true' | tail -n 1)
    [[ -n $js ]] || { why "no complete transfer of $f on the VM's link: $(tftp_py "$NS_RTR" pcap "$pcap" --file "$f" | head -n 3 | tr '\n' ' ')"; return 1; }
    log "$f on the VM link: $(
        "$PXR_PYTHON" -c 'import json, sys; t = json.loads(sys.argv[1]); print("client %s, %d DATA, largest %d, %d bytes, last block acked: %s, options %s -> %s" % (t["client"], t["data_pkts"], t["max_data"], t["bytes"], t["final_acked"], t["asked"], t["oack"]))' "$js")"
    [[ $js == *'"final_acked": true'* ]] || { why "the VM did not acknowledge the last block of $f"; return 1; }
    [[ $js == *"\"sha256\": \"${SHA[$f]}\""* ]] || why "$f as sent to the VM differs from the source"
}
# vm_upstream NET FILE...: tftpd saw FILE... from the relay, nothing from NET.
vm_upstream() {
    local net=$1 f n bad=
    shift
    for f in "$@"; do
        n=$(count_rrqs "$UPCAP" 10.0.0.1 "$f")
        ((n >= 1)) || bad+="no read request for $f from 10.0.0.1; "
    done
    n=$(pcap_rrqs "$UPCAP" | grep -c "^$net\." || true)
    ((n == 0)) || bad+="$n read request(s) from $net.0/24 reached tftpd directly; "
    [[ -z $bad ]] || why "$bad"
}
# script_ran: iPXE asked for fw/done.txt, the script's last line.
script_ran() {
    (($(count_rrqs "$UPCAP" 10.0.0.1 fw/done.txt) >= 1)) ||
        why "no read request for fw/done.txt: the script did not run to its end"
}
# left SECS: what is left of SECS since the VMs started (at least 1).
left() {
    local l=$(($1 - ($(now_ms) - T_VM) / 1000))
    echo $((l < 1 ? 1 : l))
}
if ((WANT_FW)); then
    wait_until "$(left 90)" vm_bios_done || true
    tlog "BIOS VM: $(count_rrqs "$UPCAP" any fw/done.txt) read request(s) for fw/done.txt"
    sleep 0.5
    proc_stop vm-bios
    wait_until "$(left 120)" vm_uefi_done || true
    tlog "UEFI VM: done waiting"
    proc_stop vm-uefi
    proc_stop ra30
    proc_stop cap-vm30
    proc_stop cap-vm40
    check "$T fw-bios-ack-names-relay" expect_ack "$PXR_TMP/vm30.pcap" "$MAC_BIOS" 10.30.0.1 10.30.0.1
    check "$T fw-bios-upstream-via-relay" vm_upstream 10.30.0 fw/boot.ipxe fw/second.bin fw/done.txt
    check "$T fw-bios-script-arrived" vm_transfer "$PXR_TMP/vm30.pcap" fw/boot.ipxe
    check "$T fw-bios-second-file-arrived" vm_transfer "$PXR_TMP/vm30.pcap" fw/second.bin
    check "$T fw-bios-script-ran" script_ran
    check "$T fw-uefi-ack-names-relay" expect_ack "$PXR_TMP/vm40.pcap" "$MAC_UEFI" 10.40.0.1 10.40.0.1
    check "$T fw-uefi-upstream-via-relay" vm_upstream 10.40.0 fw/uefi.efi
    check "$T fw-uefi-loader-arrived" vm_transfer "$PXR_TMP/vm40.pcap" fw/uefi.efi
    for k in serial debugcon; do
        if ((PXR_NFAIL > 0)) && [[ -s $PXR_TMP/vm-bios.$k ]]; then
            log "vm-bios $k (last lines):"
            tr -d '\r' <"$PXR_TMP/vm-bios.$k" | tail -n 10 | sed 's/^/#   /' || true
        fi
    done
fi

# ---------------------------------------------------------------- coalescing, one client

# Six reads of a file not cached, sent at the same instant from c10 (under
# the per-client limit): one fetch upstream, the others join it.  (After the
# VMs: their reads would count too.)
coalesce_one_client() {
    local i at ok=0 d=$PXR_TMP/coal miss co hit n
    local -a pids=()
    mkdir -p "$d"
    snap pre-coal || { why "no counters"; return 1; }
    at=$(($(date +%s) + 2))
    for ((i = 0; i < 6; i++)); do
        tftp_py "$NS10" get "$PROXY" coal.bin --blksize 1468 --windowsize $((i % 2 ? 8 : 1)) \
            --at "$at" --deadline 30 >"$d/get-$i" 2>&1 &
        pids+=($!)
    done
    wait "${pids[@]}" || true
    for ((i = 0; i < 6; i++)); do
        grep -q "^ok .*sha256=${SHA[coal.bin]} " "$d/get-$i" && ok=$((ok + 1))
    done
    snap coal || { why "no counters"; return 1; }
    miss=$(mdelta pre-coal coal "$REQ{result=\"miss\"}")
    co=$(mdelta pre-coal coal "$REQ{result=\"coalesced\"}")
    hit=$(mdelta pre-coal coal "$REQ{result=\"hit\"}")
    n=$(count_rrqs "$UPCAP" any coal.bin)
    log "6 reads at once from $IP10: $ok identical; counters miss $miss, coalesced $co, hit $hit; read requests at tftpd: $n"
    ((ok == 6)) || { why "$((6 - ok)) of 6 reads failed: $(grep -hv '^ok ' "$d"/get-* | head -n 2 | tr '\n' ' ')"; return 1; }
    ((n == 1)) || { why "$n read requests for coal.bin reached tftpd, expected 1"; return 1; }
    ((miss == 1 && co + hit == 5 && co >= 1)) || why "counters: miss $miss, coalesced $co, hit $hit; expected 1 miss and 5 others, at least 1 coalesced"
}
check "$T coalesce-one-client" coalesce_one_client

# ---------------------------------------------------------------- big file, throughput

# big_get NAME URL: curl (blksize 1468) reads URL into $OUT/NAME; sets
# TP[NAME] to the milliseconds it took.
big_get() {
    local name=$1 url=$2 t0 out BIG_MS
    t0=$(now_ms)
    out=$(timeout 120 ip netns exec "$NS10" curl -sS --tftp-blksize 1468 -o "$OUT/$name" "$url" 2>&1) ||
        { why "curl $url: $out"; return 1; }
    BIG_MS=$(($(now_ms) - t0))
    [[ $(sha_of "$OUT/$name") == "${SHA[big.bin]}" ]] || { why "$url: content differs ($(wc -c <"$OUT/$name") bytes)"; return 1; }
    rm -f "$OUT/$name"
    TP[$name]=$BIG_MS
}
mbs() { awk -v b=$((BIG_MIB * 1048576)) -v ms="$1" 'BEGIN { printf "%.1f", b / 1e6 / (ms / 1000) }'; }
declare -A TP=()
check "$T big-direct" big_get direct "tftp://10.0.0.2/big.bin"
check "$T big-proxy-cold" big_get cold "tftp://$PROXY/big.bin"
check "$T big-proxy-warm" big_get warm "tftp://$PROXY/big.bin"
# Lock-step transfers on 2 busy cores vary from run to run: direct and warm
# are measured twice more, in turns.
for k in direct warm direct warm; do
    n=2
    [[ -n ${TP[${k}2]:-} ]] && n=3
    if [[ $k == direct ]]; then
        big_get "$k$n" "tftp://10.0.0.2/big.bin" || true
    else
        big_get "$k$n" "tftp://$PROXY/big.bin" || true
    fi
done
THROUGHPUT=()
for k in direct cold warm; do
    [[ -n ${TP[$k]:-} ]] || continue
    line="$k: $(mbs "${TP[$k]}") MB/s"
    for n in 2 3; do
        [[ -n ${TP[$k$n]:-} ]] && line+=", $(mbs "${TP[$k$n]}")"
    done
    THROUGHPUT+=("$line")
done
check "$T big-fetched-once" once_upstream big.bin
# Information only: what a windowed client gets from the warm cache.
t0=$(now_ms)
if timeout 120 ip netns exec "$NS10" atftp --option "blksize 1468" --option "windowsize 16" \
    -g -r big.bin -l "$OUT/atftp-big" "$PROXY" >/dev/null 2>&1 &&
    [[ $(sha_of "$OUT/atftp-big") == "${SHA[big.bin]}" ]]; then
    THROUGHPUT+=("warm, atftp blksize 1468 windowsize 16: $(mbs $(($(now_ms) - t0))) MB/s")
fi
rm -f "$OUT/atftp-big"
for k in "${THROUGHPUT[@]}"; do
    log "throughput $k"
done
tlog "throughput done"

# ---------------------------------------------------------------- storm

# 50 addresses on c50 (vlan50), each leased through the relay (DISCOVER +
# REQUEST from its own MAC), so the proxy knows every one of them.
STORM_PROXY=10.50.0.1
storm_leases() {
    local i mac ip d=$PXR_TMP/storm
    local -a pids=()
    mkdir -p "$d"
    for ((i = 1; i <= STORM; i++)); do
        mac=$(printf '02:00:00:01:32:%02x' "$i")
        probe "$NS50" request -i eth0 --mac "$mac" --wait 5 --tries 3 >"$d/offer-$i" 2>&1 &
        pids+=($!)
    done
    wait "${pids[@]}" || true
    pids=()
    for ((i = 1; i <= STORM; i++)); do
        mac=$(printf '02:00:00:01:32:%02x' "$i")
        ip=$(sed -n 's/^reply type=OFFER .*yiaddr=\([0-9.]*\).*/\1/p' "$d/offer-$i")
        [[ -n $ip ]] || { why "no OFFER for $mac: $(tr '\n' ' ' <"$d/offer-$i")"; return 1; }
        probe "$NS50" request -i eth0 --type request --mac "$mac" --requested-ip "$ip" \
            --server-id 10.0.0.2 --wait 5 --tries 3 >"$d/ack-$i" 2>&1 &
        pids+=($!)
    done
    wait "${pids[@]}" || true
    STORM_IPS=()
    for ((i = 1; i <= STORM; i++)); do
        ip=$(sed -n 's/^reply type=ACK .*yiaddr=\([0-9.]*\).*/\1/p' "$d/ack-$i")
        [[ -n $ip ]] || { why "no ACK for client $i: $(tr '\n' ' ' <"$d/ack-$i")"; return 1; }
        ip -n "$NS50" addr add "$ip/24" dev eth0
        STORM_IPS+=("$ip")
    done
    log "$STORM addresses leased on vlan50: ${STORM_IPS[0]} .. ${STORM_IPS[STORM - 1]}"
}
STORM_IPS=()
check "$T storm-leases" storm_leases

# 50 clients, one per address, all sending their read request at the same
# instant (one in three asks blksize 512, windowsize 1; the others 1468 and
# 4 or 16).
storm() {
    local i at bs ws bad=0 ok=0 d=$PXR_TMP/storm
    local -a pids=()
    ((${#STORM_IPS[@]} == STORM)) || { why "no storm addresses"; return 1; }
    at=$(($(date +%s) + 3))
    for ((i = 0; i < STORM; i++)); do
        case $((i % 3)) in
            0) bs=512 ws=1 ;;
            1) bs=1468 ws=4 ;;
            2) bs=1468 ws=16 ;;
        esac
        tftp_py "$NS50" get "$STORM_PROXY" storm.bin --bind "${STORM_IPS[i]}" --blksize "$bs" \
            --windowsize "$ws" --tsize --at "$at" --deadline 60 >"$d/get-$i" 2>&1 &
        pids+=($!)
    done
    wait "${pids[@]}" || true
    for ((i = 0; i < STORM; i++)); do
        if grep -q "^ok .*sha256=${SHA[storm.bin]} " "$d/get-$i"; then
            ok=$((ok + 1))
        else
            bad=$((bad + 1))
        fi
    done
    log "storm: $ok of $STORM clients read storm.bin byte-identical in $(secs $(($(now_ms) - at * 1000))) s"
    ((bad == 0)) && return 0
    local ip learned=0 msgs
    for ip in "${STORM_IPS[@]}"; do
        grep -q "tftp-proxy: $ip boots from 10.0.0.2 through us" "$PXR_TMP/relay.log" && learned=$((learned + 1))
    done
    msgs=$(cat "$d"/get-* | grep -v '^ok ' | sed 's/ after=.*//' | sort | uniq -c | tr -s ' \n' ' ')
    why "$bad of $STORM clients failed ($msgs), although pxerelay logged 'boots from 10.0.0.2 through us' for $learned of the $STORM addresses"
}
snap pre-storm || true
check "$T storm-$STORM-clients-identical" storm
snap storm || true
storm_once() {
    local n
    n=$(count_rrqs "$UPCAP" any storm.bin)
    log "read requests for storm.bin at tftpd: $n"
    ((n == 1)) || why "$n read requests for storm.bin reached tftpd, expected 1"
}
check "$T storm-one-upstream-fetch" storm_once
storm_counters() {
    local miss co hit
    miss=$(mdelta pre-storm storm "$REQ{result=\"miss\"}")
    co=$(mdelta pre-storm storm "$REQ{result=\"coalesced\"}")
    hit=$(mdelta pre-storm storm "$REQ{result=\"hit\"}")
    log "storm counters: miss $miss, coalesced $co, hit $hit, refused $(mdelta pre-storm storm "$REQ{result=\"refused\"}")"
    ((miss == 1 && co + hit == STORM - 1)) || { why "miss $miss, coalesced $co, hit $hit; expected 1 and $((STORM - 1))"; return 1; }
    ((co >= 1)) || why "no request coalesced with the fetch under way (all $hit were cache hits)"
}
check "$T storm-counters" storm_counters

# One of the storm's clients reads storm.bin again.
cache_second() {
    local i ip='' out
    for ((i = 0; i < ${#STORM_IPS[@]}; i++)); do
        if grep -q '^ok ' "$PXR_TMP/storm/get-$i" 2>/dev/null; then
            ip=${STORM_IPS[i]}
            break
        fi
    done
    [[ -n $ip ]] || { why "no storm client read the file, none to read it again"; return 1; }
    out=$(run_py "$NS50" get "$STORM_PROXY" storm.bin --bind "$ip" --blksize 1468 --windowsize 8)
    log "second read from $ip: $out"
    [[ $out == "ok "*"sha256=${SHA[storm.bin]} "* ]] || { why "second read: $out"; return 1; }
    snap cache || { why "no counters"; return 1; }
    (($(count_rrqs "$UPCAP" any storm.bin) == 1)) || { why "a new read request for storm.bin reached tftpd"; return 1; }
    (($(mdelta storm cache "$REQ{result=\"hit\"}") == 1)) || why "hit counter went up by $(mdelta storm cache "$REQ{result=\"hit\"}"), expected 1"
}
check "$T cache-second-fetch" cache_second
tlog "storm and cache done"

# ---------------------------------------------------------------- upstream killed

# relay_gone: why the relay is not running (its last log lines).
relay_gone() {
    why "pxerelay (pid $RELAY_PID) is gone: $(tail -n 2 "$PXR_TMP/relay.log" | tr '\n' ' ')"
}
relay_up() { proc_alive "$RELAY_PID" || relay_gone; }

snap pre-kill || true
bg_run kill-py "$NS10" "$PXR_PYTHON" "$PXR_TFTP_CLIENT" get "$PROXY" kill.bin \
    --blksize 1468 --windowsize 4 --rto 1 --retries 40 --deadline 45
bg_run kill-curl "$NS10" curl -sS --tftp-blksize 1468 -o "$OUT/kill-curl" "tftp://$PROXY/kill.bin"
tftpd_child() { (($(ns_pids_named "$NS_SRV" in.tftpd | wc -l) >= 2)); }
kill_upstream() {
    local p
    wait_until 10 tftpd_child || { why "no in.tftpd child serving kill.bin within 10 s"; return 1; }
    for p in $(ns_pids_named "$NS_SRV" in.tftpd); do
        kill -KILL "$p" 2>/dev/null || true
    done
    T_KILL=$(now_ms)
    proc_stop tftpd
    ! tftpd_child || why "in.tftpd still runs"
}
T_KILL=$(now_ms)
check "$T kill-upstream" kill_upstream
snap killed || true
mid_transfer() {
    local up size=$((BIG_MIB * 1048576))
    [[ -f $PXR_TMP/m-killed.txt ]] || { why "no counters"; return 1; }
    up=$(mdelta pre-kill killed 'pxerelay_tftp_bytes_total{leg="upstream"}')
    log "upstream bytes of kill.bin when tftpd died: $up of $size"
    ((up < size)) || why "kill.bin was already complete ($up bytes) when tftpd was killed"
}
check "$T kill-mid-transfer" mid_transfer
# A new tftpd for what comes next; the proxy's fetch of kill.bin talked to
# the dead one's transfer port and must still time out.
check "$T tftpd-restart" tftpd_start tftpd2 "$NS_SRV" "$ROOT" 10.0.0.2

client_ended() {
    local name=$1 secs
    proc_wait_exit "$name" 30 || return 1
    secs=$(secs $(($(now_ms) - T_KILL)))
    log "$name ended (status $PXR_EXIT_STATUS) about $secs s after the kill: $(tail -n 2 "$PXR_TMP/$name.log" | tr '\n' ' ')"
    (($(now_ms) - T_KILL <= 25000)) || { why "$name ended only after $secs s"; return 1; }
    ((PXR_EXIT_STATUS != 0)) || why "$name reported success for a file whose server died"
}
check "$T kill-client-gets-error" client_ended kill-py
got_tftp_error() { grep -q '^error code=' "$PXR_TMP/kill-py.log" || why "no TFTP ERROR: $(cat "$PXR_TMP/kill-py.log")"; }
check "$T kill-error-is-tftp-error" got_tftp_error
check "$T kill-curl-ends" client_ended kill-curl

sessions_zero() {
    snap "$1" || return 1
    [[ $(mval "$1" 'pxerelay_tftp_sessions{leg="client"}') == 0 &&
        $(mval "$1" 'pxerelay_tftp_sessions{leg="upstream"}') == 0 ]]
}
sessions_freed() {
    sleep 0.5
    relay_up || return 1
    if ! wait_until 5 sessions_zero after-kill; then
        relay_up || return 1
        why "sessions: client $(mval after-kill 'pxerelay_tftp_sessions{leg="client"}'), upstream $(mval after-kill 'pxerelay_tftp_sessions{leg="upstream"}')"
        return 1
    fi
    log "sessions after the kill: client 0, upstream 0; cache $(mval after-kill pxerelay_tftp_cache_bytes) bytes"
    (($(mdelta pre-kill after-kill 'pxerelay_tftp_upstream_transfers_total{result="failed"}') == 1)) ||
        why "upstream failures went up by $(mdelta pre-kill after-kill 'pxerelay_tftp_upstream_transfers_total{result="failed"}'), expected 1"
}
check "$T kill-sessions-freed" sessions_freed
check "$T kill-relay-survived" relay_up
tlog "kill done"

# relay_revive: a relay that died above is started again, and c10 does a
# DHCP exchange (DISCOVER, OFFER, REQUEST, ACK: only a granted lease
# teaches the proxy a client) so the new one knows it, that the checks
# below still test something.
relay_revive() {
    proc_alive "$RELAY_PID" && return 0
    RELAY_DEATHS=$((RELAY_DEATHS + 1))
    cp "$PXR_TMP/relay.log" "$PXR_TMP/relay-died-$RELAY_DEATHS.log"
    log "pxerelay died (its log: relay-died-$RELAY_DEATHS.log); starting it again for the remaining checks"
    relay_start "$CONF" || return 1
    RELAY_PID=$(pid_of relay)
    dhcp_dora "$NS10" eth0 || true
    wait_until 5 learned "$IP10"
}
RELAY_DEATHS=0
check "$T relay-revive" relay_revive

# ---------------------------------------------------------------- missing file

# A file tftpd does not have: its ERROR 1 reaches the client, the relay stays.
missing_file() {
    local out
    out=$(run_py "$NS10" get "$PROXY" no-such-file.bin --blksize 1468)
    log "missing file: $out"
    [[ $out == "error code=1 "* ]] || { why "expected ERROR 1 (file not found), got: $out"; return 1; }
    sleep 0.5
    relay_up
}
check "$T missing-file-error-relayed" missing_file

no_sessions_left() {
    relay_up || return 1
    wait_until 5 sessions_zero end ||
        why "sessions at the end: client $(mval end 'pxerelay_tftp_sessions{leg="client"}'), upstream $(mval end 'pxerelay_tftp_sessions{leg="upstream"}')"
}
check "$T no-sessions-left" no_sessions_left
check "$T relay-alive-at-end" relay_up

# ---------------------------------------------------------------- cache-dir

# With cache-dir, a file fetched once is read back from disk by a relay
# started afresh (the memory cache gone with the old process): tftpd sees
# one read request for it across both relays.
cache_dir_survives_restart() {
    local conf2=$PXR_TMP/etc/pxerelay-disk.conf out n round
    sed "s|^tftp-proxy {|tftp-proxy {\n  cache-dir = \"$PXR_TMP/diskcache\"|" "$CONF" >"$conf2"
    chmod 644 "$conf2"
    head -c 700000 /dev/urandom >"$ROOT/disk.bin"
    chmod 644 "$ROOT/disk.bin"
    SHA[disk.bin]=$(sha_of "$ROOT/disk.bin")
    for round in 1 2; do
        proc_stop relay
        relay_start "$conf2" || return 1
        RELAY_PID=$(pid_of relay)
        dhcp_dora "$NS10" eth0 || return 1
        out=$(run_py "$NS10" get "$PROXY" disk.bin --blksize 1468)
        log "cache-dir round $round: $out"
        [[ $out == *" sha256=${SHA[disk.bin]} "* ]] || { why "round $round: $out"; return 1; }
    done
    n=$(count_rrqs "$UPCAP" any disk.bin)
    ((n == 1)) ||
        why "$n read requests for disk.bin reached tftpd, expected 1 (the second relay reads cache-dir)"
}
check "$T cache-dir-survives-restart" cache_dir_survives_restart

# ---------------------------------------------------------------- summary

log "throughput, ${BIG_MIB} MiB, curl blksize 1468 unless said, per run (information only):"
for k in "${THROUGHPUT[@]}"; do
    log "  $k"
done
if [[ -f $PXR_TMP/m-end.txt ]]; then
    log "counters at the end:"
    grep -E '^pxerelay_tftp_' "$PXR_TMP/m-end.txt" | sed 's/^/#   /' || true
fi
