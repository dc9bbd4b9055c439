#!/bin/bash
# tests/lab/test_valgrind.sh - one lab run of pxerelay under valgrind
# memcheck: DHCP relaying with a boot rule, the TFTP proxy, the metrics
# endpoint, the packet trace, SIGUSR1, SIGHUP and SIGTERM. Passes when
# valgrind reports no error and no definite or indirect leak, and the run
# itself worked (lease, TFTP file identical, metrics served).
#
#   server ns: dnsmasq (DHCP), in.tftpd    srv0 10.0.0.2
#   router ns: valgrind pxerelay           up0 10.0.0.1, vlan10 10.10.0.1
#   client ns: udhcpc, tftp-hpa            eth0
set -euo pipefail

LAB=$(cd "$(dirname "$0")" && pwd)
BIN=${PXERELAY:-$LAB/../../pxerelay}
T=valgrind
SRV=pxr-vg-srv RTR=pxr-vg-rtr CLI=pxr-vg-c10
TMP=$(mktemp -d /tmp/pxr-vg.XXXXXX)
npass=0 nfail=0
pass() { echo "PASS $T $1"; npass=$((npass + 1)); }
fail() { echo "FAIL $T $1: $2"; nfail=$((nfail + 1)); }

cleanup() {
    local rc=$? n
    set +e
    for n in $CLI $RTR $SRV; do
        ip netns pids "$n" 2>/dev/null | xargs -r kill 2>/dev/null
    done
    sleep 0.3
    for n in $CLI $RTR $SRV; do
        ip netns pids "$n" 2>/dev/null | xargs -r kill -9 2>/dev/null
        ip netns del "$n" 2>/dev/null
    done
    if ((rc == 0 && nfail == 0)); then rm -rf "$TMP"; else echo "# kept $TMP"; fi
    echo "# $T: $npass passed, $nfail failed"
    exit $((rc != 0 ? rc : nfail != 0))
}
trap cleanup EXIT INT TERM

command -v valgrind >/dev/null || { fail setup "valgrind not installed"; exit 1; }
[[ -x $BIN ]] || { fail setup "no pxerelay binary at $BIN"; exit 1; }

for n in $SRV $RTR $CLI; do
    ip netns add "$n"
    ip -n "$n" link set lo up
done
ip -n "$RTR" link add name up0 type veth peer name srv0 netns "$SRV"
ip -n "$RTR" link add name vlan10 type veth peer name eth0 netns "$CLI"
ip -n "$SRV" addr add 10.0.0.2/24 dev srv0
ip -n "$SRV" link set srv0 up
ip -n "$SRV" route add 10.10.0.0/16 via 10.0.0.1
ip -n "$RTR" addr add 10.0.0.1/24 dev up0
ip -n "$RTR" link set up0 up
ip -n "$RTR" addr add 10.10.0.1/24 dev vlan10
ip -n "$RTR" link set vlan10 up
ip -n "$CLI" link set eth0 up

mkdir -p "$TMP/root" "$TMP/etc"
head -c 300000 /dev/urandom >"$TMP/root/loader.bin"
chmod -R a+rX "$TMP"
ip netns exec "$SRV" dnsmasq -d --port=0 --conf-file=/dev/null --no-ping --user=root \
    --dhcp-range=10.10.0.100,10.10.0.200,255.255.255.0,2m --dhcp-boot=undionly.kpxe,,10.0.0.2 \
    --dhcp-leasefile="$TMP/leases" --interface=srv0 >"$TMP/dnsmasq.log" 2>&1 &
ip netns exec "$SRV" /usr/sbin/in.tftpd -L -s "$TMP/root" -a 10.0.0.2:69 >/dev/null 2>&1 &
# No seccomp filter: valgrind runs the relay's system calls itself, and
# its own (and its seccomp emulation) are not what the filter allows.
cat >"$TMP/etc/pxerelay.conf" <<'C'
servers = {"10.0.0.2"}
seccomp = false
metrics = "127.0.0.1:9767"
interface "vlan10" { tftp-proxy = true }
boot "all" { filename = "loader.bin" }
C
chmod 644 "$TMP/etc/pxerelay.conf"

ip netns exec "$RTR" valgrind --leak-check=full --show-leak-kinds=definite,indirect \
    --errors-for-leak-kinds=definite,indirect --error-exitcode=9 --log-file="$TMP/valgrind.log" \
    "$BIN" -f -c "$TMP/etc/pxerelay.conf" -w "$TMP/trace.pcap" >"$TMP/relay.log" 2>&1 &
VG=$!
for _ in $(seq 1 100); do
    grep -q "pxerelay started" "$TMP/relay.log" 2>/dev/null && break
    sleep 0.1
done
grep -q "pxerelay started" "$TMP/relay.log" && pass started || fail started "$(tail -n 3 "$TMP/relay.log")"

if ip netns exec "$CLI" env PXR_LEASE_OUT="$TMP/lease" timeout 20 busybox udhcpc -i eth0 -f -q -n \
    -t 10 -T 1 -s "$LAB/dhcp-client-script" >"$TMP/udhcpc.log" 2>&1; then
    pass lease
else
    fail lease "$(tail -n 2 "$TMP/udhcpc.log")"
fi
if ip netns exec "$CLI" timeout 30 tftp -m binary 10.10.0.1 -c get loader.bin "$TMP/got.bin" &&
    cmp -s "$TMP/root/loader.bin" "$TMP/got.bin"; then
    pass tftp-through-proxy
else
    fail tftp-through-proxy "file missing or different"
fi
if ip netns exec "$RTR" curl -s --max-time 10 http://127.0.0.1:9767/metrics | grep -q '^pxerelay_relayed_total'; then
    pass metrics
else
    fail metrics "no pxerelay_relayed_total on /metrics"
fi
kill -USR1 "$VG"
sleep 1
kill -HUP "$VG"
sleep 1
kill -TERM "$VG"
rc=0
wait "$VG" || rc=$?
if ((rc == 0)) && grep -q "ERROR SUMMARY: 0 errors" "$TMP/valgrind.log"; then
    pass "no-errors-no-leaks ($(grep -o 'total heap usage: .*' "$TMP/valgrind.log"))"
else
    fail no-errors-no-leaks "valgrind exit $rc: $(grep -E 'ERROR SUMMARY|definitely|indirectly' "$TMP/valgrind.log" | tr '\n' ' ')"
fi
