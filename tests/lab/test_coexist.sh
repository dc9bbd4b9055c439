#!/bin/bash
# tests/lab/test_coexist.sh - pxerelay and a DHCP server on the same router.
#
#   server ns: ISC dhcpd for 10.10.0.0/24 and 10.20.0.0/24   srv0 10.0.0.2
#        |
#   router ns: pxerelay relays vlan10 and vlan20 to 10.0.0.2  up0 10.0.0.1
#              dnsmasq, later Kea, serves vlan30 itself
#        |-- vlan10 10.10.0.1 -- c10
#        |-- vlan20 10.20.0.1 -- c20
#        `-- vlan30 10.30.0.1 -- c30
#
# Each lease below is one busybox udhcpc run (-n -q: DISCOVER to ACK, or
# exit 1 after 6 DISCOVERs a second apart).
#   dnsmasq first, then pxerelay: c10, c20, c30 lease; dnsmasq still holds
#     UDP 67 (it binds 0.0.0.0:67 without SO_REUSEADDR, so it could not have
#     started beside a relay that held the port)
#   pxerelay stopped: c30 leases; started again: c10 leases
#   dnsmasq stopped: c10 leases; dnsmasq started while pxerelay runs
#     (pxerelay first): c30 and c10 lease
#   Kea (raw sockets) replaces dnsmasq, pxerelay running: c30 and c20 lease;
#     pxerelay restarted with Kea running: c10 and c30 lease
#   over the whole run: every lease on vlan10/vlan20 came from 10.0.0.2
#     (option 54 as the client saw it) and every one on vlan30 from the
#     router; dhcpd saw no request with giaddr 10.30.0.1; every request
#     dhcpd saw came from UDP port 67; no client saw a reply twice
#   hold-port-67 = true: refused to start while dnsmasq holds the port,
#     with the port named; with no server it starts, holds UDP 67, relays,
#     and dnsmasq cannot start beside it
#   ICMP port unreachable toward dhcpd per relayed lease, counted with
#     nothing on port 67, with dnsmasq on it, and with hold-port-67
set -euo pipefail

LAB=$(cd "$(dirname "$0")" && pwd)
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$LAB/lib.sh"

T=coexist
if [[ ! -x $(pxerelay_bin) ]]; then
    echo "FAIL $T: pxerelay binary not found at $(pxerelay_bin) (build it or set PXERELAY)"
    exit 1
fi
for t in dnsmasq kea-dhcp4 dhcpd busybox; do
    command -v "$t" >/dev/null || { echo "FAIL $T: $t not installed"; exit 1; }
done
lab_init coex "$T"

topo_with_server dhcpd 10 20 || exit 1
topo_add_vlan 30
C10=$(client_ns 10)
C20=$(client_ns 20)
C30=$(client_ns 30)

write_conf() {
    cat >"$PXR_TMP/pxerelay.conf" <<EOF
servers = {"10.0.0.2"}
user = "nobody"
hold-port-67 = $1
interface "vlan10" { }
interface "vlan20" { }
EOF
}
write_conf false

cap_start_filter srv "$NS_SRV" srv0 'udp port 67 or udp port 68 or icmp' || exit 1
cap_start c10 "$C10" eth0 || exit 1
cap_start c20 "$C20" eth0 || exit 1
cap_start c30 "$C30" eth0 || exit 1

LEASES=0
# lease_once N: one DORA by udhcpc in VLAN N's client namespace.
lease_once() {
    local n=$1 out
    out=$(ip netns exec "$(client_ns "$n")" busybox udhcpc -f -q -n -i eth0 -t 6 -T 1 -A 1 \
        -s /bin/true 2>&1) || { why "no lease on vlan$n: $(tail -n 2 <<<"$out" | tr '\n' ' ')"; return 1; }
    grep -q 'lease of 10\.'"$n"'\.0\.' <<<"$out" ||
        { why "vlan$n: $(grep -m1 'lease of' <<<"$out" || echo 'no lease line')"; return 1; }
    LEASES=$((LEASES + 1))
    log "vlan$n: $(grep -m1 -o 'lease of [0-9.]* obtained from [0-9.]*' <<<"$out")"
}

dnsmasq_start() {
    mkdir -p "$PXR_TMP/local"
    bg_run localdns "$NS_RTR" dnsmasq -d --conf-file=/dev/null --port=0 --log-dhcp \
        --no-resolv --no-hosts --no-ping --dhcp-authoritative --user=root --group=root \
        --interface=vlan30 --pid-file="$PXR_TMP/local/dnsmasq.pid" \
        --dhcp-leasefile="$PXR_TMP/local/dnsmasq.leases" \
        --dhcp-range=10.30.0.100,10.30.0.200,255.255.255.0,2m
    wait_until 10 grep -qE 'DHCP, IP range|FAILED|failed' "$PXR_TMP/localdns.log" || true
    proc_alive "$(pid_of localdns)" && grep -q 'DHCP, IP range' "$PXR_TMP/localdns.log" ||
        { why "dnsmasq did not start: $(tail -n 2 "$PXR_TMP/localdns.log" | tr '\n' ' ')"; return 1; }
}

kea_start() {
    local d=$PXR_TMP/localkea
    mkdir -p "$d"
    cat >"$d/kea.json" <<EOF
{ "Dhcp4": {
    "interfaces-config": { "interfaces": [ "vlan30" ], "dhcp-socket-type": "raw" },
    "lease-database": { "type": "memfile", "persist": false, "lfc-interval": 0 },
    "valid-lifetime": 120,
    "subnet4": [ { "id": 30, "subnet": "10.30.0.0/24",
                   "pools": [ { "pool": "10.30.0.100 - 10.30.0.200" } ],
                   "option-data": [ { "name": "routers", "data": "10.30.0.1" } ] } ],
    "loggers": [ { "name": "kea-dhcp4", "output_options": [ { "output": "stdout" } ],
                   "severity": "INFO" } ] } }
EOF
    bg_run localkea "$NS_RTR" env KEA_LOCKFILE_DIR="$d" KEA_PIDFILE_DIR="$d" kea-dhcp4 -c "$d/kea.json"
    wait_until 15 grep -q 'DHCP4_STARTED' "$PXR_TMP/localkea.log" ||
        { why "kea-dhcp4 did not start: $(tail -n 2 "$PXR_TMP/localkea.log" | tr '\n' ' ')"; return 1; }
}

pxr_start() {
    relay_start "$PXR_TMP/pxerelay.conf" vlan10 vlan20 || return 1
    wait_until 5 grep -q 'servers: raw UDP socket' "$PXR_TMP/relay.log" ||
        { why "no 'servers: raw UDP socket' line"; return 1; }
}

# port67_owner: the process names holding UDP 67 in the router ns.
port67_owner() {
    ip netns exec "$NS_RTR" ss -Hlunp 'sport = :67' 2>/dev/null |
        grep -o '(("[^"]*"' | tr -d '("' | sort -u | tr '\n' ' '
}

icmp_to_server() {
    tcpdump -nr "$(cap_file srv)" 'icmp[0] = 3 and icmp[1] = 3' 2>/dev/null | wc -l
}

# icmp_over_two_leases NAME WHAT: a lease on vlan10 and one on vlan20 (past
# the kernel's 1 s ICMP rate limit), and the ICMP port unreachables the
# server got meanwhile in ICMP_N, measured as NAME.
icmp_over_two_leases() {
    local name=$1 what=$2 before
    before=$(icmp_to_server)
    check "$T $name-lease-vlan10" lease_once 10
    sleep 1.2
    check "$T $name-lease-vlan20" lease_once 20
    sleep 0.5
    ICMP_N=$(($(icmp_to_server) - before))
    log "ICMP port unreachable toward the server, $what: $ICMP_N for 2 leases"
    measure "icmp_unreachable_$name" "$ICMP_N" "per 2 leases"
}

# ---- dnsmasq first, then pxerelay
check "$T dnsmasq-starts-first" dnsmasq_start
check "$T pxerelay-starts-beside-dnsmasq" pxr_start
check "$T dnsmasq-first-lease-vlan10" lease_once 10
check "$T dnsmasq-first-lease-vlan20" lease_once 20
check "$T dnsmasq-first-lease-vlan30-from-local-server" lease_once 30
owner_is_dnsmasq() {
    local o
    o=$(port67_owner)
    [[ $o == "dnsmasq " ]] || { why "UDP 67 held by '$o', want dnsmasq alone"; return 1; }
    log "UDP 67 in the router ns: $o"
}
check "$T dnsmasq-alone-holds-port-67" owner_is_dnsmasq

# ---- restart pxerelay: the local server keeps serving
proc_stop relay
check "$T pxerelay-stopped-vlan30-still-leases" lease_once 30
check "$T pxerelay-restarted" pxr_start
check "$T pxerelay-restarted-lease-vlan10" lease_once 10

# ---- restart dnsmasq, pxerelay running: dnsmasq starts second
proc_stop localdns
check "$T dnsmasq-stopped-vlan10-still-leases" lease_once 10
check "$T dnsmasq-starts-after-pxerelay" dnsmasq_start
check "$T pxerelay-first-lease-vlan30" lease_once 30
icmp_over_two_leases pxerelay-first "dnsmasq on UDP 67"
proc_stop localdns

# ---- Kea instead, both orders
check "$T kea-starts-after-pxerelay" kea_start
check "$T kea-after-pxerelay-lease-vlan30" lease_once 30
check "$T kea-after-pxerelay-lease-vlan20" lease_once 20
proc_stop relay
check "$T pxerelay-starts-after-kea" pxr_start
check "$T kea-first-lease-vlan10" lease_once 10
check "$T kea-first-lease-vlan30" lease_once 30
proc_stop localkea

# ---- ICMP port unreachable per relayed lease, nothing on port 67
icmp_over_two_leases nothing-on-port67 "nothing on UDP 67"

# ---- every reply as the clients saw it
# server_ids PCAP: the option 54 of each OFFER/ACK in PCAP, one per line.
server_ids() {
    tcpdump -vvnr "$1" 'udp src port 67 and udp[8] = 2' 2>/dev/null |
        sed -n 's/.*Server-ID (54), length 4: \([0-9.]*\).*/\1/p'
}
replies_from() {
    local n=$1 want=$2 ids bad
    ids=$(server_ids "$(cap_file "c$n")")
    [[ -n $ids ]] || { why "no reply seen on vlan$n"; return 1; }
    bad=$(grep -vcx "$want" <<<"$ids" || true)
    ((bad == 0)) || { why "$bad of $(wc -l <<<"$ids") replies on vlan$n not from $want: $(sort -u <<<"$ids" | tr '\n' ' ')"; return 1; }
    log "vlan$n: $(wc -l <<<"$ids") replies, all with server id $want"
}
sleep 0.5
check "$T vlan10-replies-all-from-the-company-server" replies_from 10 10.0.0.2
check "$T vlan20-replies-all-from-the-company-server" replies_from 20 10.0.0.2
check "$T vlan30-replies-all-from-the-local-server" replies_from 30 10.30.0.1
no_vlan30_at_server() {
    expect_no_packet "$(cap_file srv)" "udp dst port 67 and $(bpf_giaddr 10.30.0.1)"
}
check "$T vlan30-never-relayed" no_vlan30_at_server
requests_from_port67() {
    local all not67
    all=$(pcap_count "$(cap_file srv)" "udp dst port 67 and $(bpf_request)")
    not67=$(pcap_count "$(cap_file srv)" "udp dst port 67 and not udp src port 67 and $(bpf_request)")
    ((all > 0 && not67 == 0)) || { why "$not67 of $all relayed requests not from UDP port 67"; return 1; }
    log "$all relayed requests at the server, all from UDP port 67"
}
check "$T relayed-requests-leave-from-port-67" requests_from_port67
# One relay path: each (xid, message type) reaches a client once.
no_duplicate_replies() {
    local n dup
    for n in 10 20; do
        dup=$(tcpdump -vvnr "$(cap_file "c$n")" 'udp src port 67 and udp[8] = 2' 2>/dev/null |
            awk '/xid 0x/ { for (i = 1; i <= NF; i++) if ($i == "xid") x = $(i + 1) }
                 /DHCP-Message \(53\)/ { print x, $NF }' | sort | uniq -d | wc -l)
        ((dup == 0)) || { why "$dup replies seen twice on vlan$n"; return 1; }
    done
}
check "$T no-reply-delivered-twice" no_duplicate_replies

# ---- hold-port-67
write_conf true
check "$T dnsmasq-before-hold-test" dnsmasq_start
refused_while_held() {
    local rc=0 out
    out=$(ip netns exec "$NS_RTR" timeout 10 "$(pxerelay_bin)" -f -c "$PXR_TMP/pxerelay.conf" 2>&1) || rc=$?
    ((rc != 0)) || { why "pxerelay started with hold-port-67 while dnsmasq holds UDP 67"; return 1; }
    grep -q 'hold-port-67: UDP port 67: Address already in use' <<<"$out" ||
        { why "exit $rc without the port named: $(tail -n 1 <<<"$out")"; return 1; }
    log "refused, exit $rc: $(grep -m1 'hold-port-67' <<<"$out")"
}
check "$T hold-port-67-refused-while-a-server-holds-it" refused_while_held
proc_stop localdns
check "$T hold-port-67-starts-without-a-server" pxr_start
holds_port() {
    local o
    o=$(port67_owner)
    [[ $o == "pxerelay " ]] || { why "UDP 67 held by '$o', want pxerelay"; return 1; }
}
check "$T hold-port-67-holds-the-port" holds_port
icmp_over_two_leases hold-port-67 "hold-port-67"
icmp_held=$ICMP_N
no_icmp_when_held() { ((icmp_held == 0)) || why "$icmp_held ICMP port unreachable"; }
check "$T hold-port-67-no-icmp-unreachable" no_icmp_when_held
dnsmasq_kept_out() {
    bg_run localdns "$NS_RTR" dnsmasq -d --conf-file=/dev/null --port=0 --no-resolv --no-hosts \
        --user=root --group=root --interface=vlan30 --pid-file="$PXR_TMP/local/dnsmasq2.pid" \
        --dhcp-leasefile="$PXR_TMP/local/dnsmasq.leases" \
        --dhcp-range=10.30.0.100,10.30.0.200,255.255.255.0,2m
    wait_until 10 proc_gone "$(pid_of localdns)" ||
        { why "dnsmasq runs beside hold-port-67"; return 1; }
    log "dnsmasq: $(grep -m1 -i 'address' "$PXR_TMP/localdns.log")"
}
check "$T hold-port-67-keeps-a-server-out" dnsmasq_kept_out
measure leases "$LEASES" leases
