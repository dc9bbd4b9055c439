#!/bin/bash
# tests/lab/test_dhcp6.sh - pxerelay as a DHCPv6 relay with per-firmware
# boot, against Kea DHCPv6 and real and scripted clients.
#
#   server ns: kea-dhcp6 on srv0 2001:db8::2, ONE option 59 for everybody
#              (tftp://[2001:db8::2]/generic.efi); 2001:db8::66 is no server
#        |
#   router ns: pxerelay, servers {"10.0.0.2", "2001:db8::2"}   up0 2001:db8::1
#              radvd: router advertisements with the M flag
#        |-- vlan10 2001:db8:10::1/64 -- c10: dhclient -6, scripted clients
#        |-- vlan20 2001:db8:20::1/64 -- c20: scripted clients
#        |-- vlan30 2001:db8:30::1/64 -- c30: created while pxerelay runs
#        |-- vlan40 2001:db8:40::1/64 -- c40: bridge(eth0, tap0) -- QEMU OVMF
#        |-- vlan50 2001:db8:50::1/64 -- c50: served by dnsmasq in the router
#        `-- vlan60 2001:db8:60::1/64 -- c60: tftp-proxy = true; scripted
#                                        clients fetch with curl
#   server ns also: tftpd-hpa on [2001:db8::5] and on 10.0.0.2
#
# Checks: dhclient -6 gets an address in 2001:db8:10::/64; scripted UEFI
# clients of arch 0, 6, 7, 9, 11, 16 each get the option 59 their rule
# names in the ADVERTISE and the REPLY they receive (arch 16 also vendor
# class "HTTPClient"); the Relay-forwards Kea got carry the interface-id and
# the client's link-layer address (and option 37, remote-id, enterprise
# 3561); a Relay-reply forged from 2001:db8::66
# is dropped and counted; the per-server counters of 2001:db8::2 match
# its capture; a link created at run time is served; dnsmasq
# serving DHCPv6 on vlan50 of the router itself, started after pxerelay and
# before it, while pxerelay relays vlan10 (pxerelay holds no UDP 547); IPv4 on
# the same links still relays; real OVMF doing PXE over IPv6 asks the TFTP
# server (tftpd-hpa on [2001:db8::5]) for its rule's ipxe.efi, not the
# server's generic.efi (PXR_FW6=0 skips this; the sanitizer run does).
# TFTP proxy for IPv6 clients (vlan60): option 59 in the REPLY names
# [2001:db8:60::1], the relay; curl fetching that URL from the leased
# address gets the file byte for byte, fetched by the relay from
# [2001:db8::5] over IPv6 (rule x64) or from 10.0.0.2 over IPv4 (rule
# v4-boot-server); a second client is served from the cache with no new
# upstream read; an address no DHCPv6 Reply leased is refused.
set -euo pipefail

LAB=$(cd "$(dirname "$0")" && pwd)
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$LAB/lib.sh"

T=dhcp6
if [[ ! -x $(pxerelay_bin) ]]; then
    echo "FAIL $T: pxerelay binary not found at $(pxerelay_bin) (build it or set PXERELAY)"
    exit 1
fi
for t in kea-dhcp6 radvd dhclient; do
    command -v "$t" >/dev/null || { echo "FAIL $T: $t not installed"; exit 1; }
done
lab_init d6 "$T"
PROBE6=$LAB/dhcp6_probe.py

topo_create
ipv6_on "$NS_SRV"
ipv6_on "$NS_RTR"
for ifc in up0; do ip netns exec "$NS_RTR" sysctl -qw "net.ipv6.conf.$ifc.disable_ipv6=0" "net.ipv6.conf.$ifc.accept_dad=0"; done
ip netns exec "$NS_SRV" sysctl -qw net.ipv6.conf.srv0.accept_dad=0 net.ipv6.conf.srv0.disable_ipv6=0
ip netns exec "$NS_RTR" sysctl -qw net.ipv6.conf.all.forwarding=1
ip -n "$NS_SRV" addr add 2001:db8::2/64 dev srv0
ip -n "$NS_SRV" addr add 2001:db8::66/64 dev srv0
ip -n "$NS_RTR" addr add 2001:db8::1/64 dev up0
ip -n "$NS_SRV" -6 route add 2001:db8:10::/44 via 2001:db8::1

vlan6 10
vlan6 20
vlan6 40
vlan6 60
server_start dhcpd 10.10.0 10.20.0 10.30.0 10.40.0 || exit 1

# Kea DHCPv6 with one boot file for everybody (DESIGN.md §4 settings).
kea6_start() {
    local d=$PXR_TMP/kea6
    mkdir -p "$d"
    cat >"$d/kea6.json" <<EOF
{ "Dhcp6": {
    "interfaces-config": { "interfaces": [ "srv0/2001:db8::2" ] },
    "server-id": { "type": "LL", "persist": false },
    "lease-database": { "type": "memfile", "persist": false, "lfc-interval": 0 },
    "preferred-lifetime": 300, "valid-lifetime": 600, "renew-timer": 150, "rebind-timer": 250,
    "option-data": [ { "name": "bootfile-url", "data": "tftp://[2001:db8::2]/generic.efi" } ],
    "subnet6": [
      { "id": 10, "subnet": "2001:db8:10::/64", "pools": [ { "pool": "2001:db8:10::100-2001:db8:10::1ff" } ] },
      { "id": 20, "subnet": "2001:db8:20::/64", "pools": [ { "pool": "2001:db8:20::100-2001:db8:20::1ff" } ] },
      { "id": 30, "subnet": "2001:db8:30::/64", "pools": [ { "pool": "2001:db8:30::100-2001:db8:30::1ff" } ] },
      { "id": 40, "subnet": "2001:db8:40::/64", "pools": [ { "pool": "2001:db8:40::100-2001:db8:40::1ff" } ] },
      { "id": 60, "subnet": "2001:db8:60::/64", "pools": [ { "pool": "2001:db8:60::100-2001:db8:60::1ff" } ] } ],
    "loggers": [ { "name": "kea-dhcp6", "output_options": [ { "output": "stdout" } ],
                   "severity": "INFO" } ] } }
EOF
    bg_run kea6 "$NS_SRV" env KEA_LOCKFILE_DIR="$d" KEA_PIDFILE_DIR="$d" kea-dhcp6 -c "$d/kea6.json"
    server_wait kea6 'DHCP6_STARTED'
}
kea6_start || exit 1

radvd_start() {
    cat >"$PXR_TMP/radvd.conf" <<EOF
interface vlan10 { AdvSendAdvert on; AdvManagedFlag on; AdvOtherConfigFlag on;
  MinRtrAdvInterval 3; MaxRtrAdvInterval 10;
  prefix 2001:db8:10::/64 { AdvAutonomous off; }; };
interface vlan20 { AdvSendAdvert on; AdvManagedFlag on; AdvOtherConfigFlag on;
  MinRtrAdvInterval 3; MaxRtrAdvInterval 10;
  prefix 2001:db8:20::/64 { AdvAutonomous off; }; };
interface vlan40 { AdvSendAdvert on; AdvManagedFlag on; AdvOtherConfigFlag on;
  MinRtrAdvInterval 3; MaxRtrAdvInterval 10;
  prefix 2001:db8:40::/64 { AdvAutonomous off; }; };
EOF
    bg_run radvd "$NS_RTR" radvd -n -m stderr -C "$PXR_TMP/radvd.conf" -p "$PXR_TMP/radvd.pid"
    sleep 0.5
    proc_alive "$(pid_of radvd)" || { why "radvd exited: $(tail -n 2 "$PXR_TMP/radvd.log" | tr '\n' ' ')"; return 1; }
}
check "$T radvd-starts" radvd_start

cat >"$PXR_TMP/pxerelay.conf" <<EOF
servers = {"10.0.0.2", "2001:db8::2"}
trace-file = "$PXR_TMP/trace6.pcap"
user = "nobody"
option82 { remote-id = "rtr-%i" remote-id-enterprise = 3561 }
interface "vlan10" { }
interface "vlan20" { }
interface "vlan30" { }
interface "vlan40" { tftp-proxy = $([[ ${PXR_FW6_PROXY:-0} == 1 ]] && echo true || echo false) }
interface "vlan60" { tftp-proxy = true }
boot "v4-boot-server" { interface = {"vlan60"} arch = {11} bootfile-url = "tftp://10.0.0.2/ipxe-v4.efi" }
boot "bios"  { arch = {0}  bootfile-url = "tftp://[2001:db8::5]/undionly.kpxe" }
boot "ia32"  { arch = {6}  bootfile-url = "tftp://[2001:db8::5]/ipxe-i386.efi" }
boot "x64"   { arch = {7, 9} bootfile-url = "tftp://[2001:db8::5]/ipxe.efi" }
boot "arm64" { arch = {11} bootfile-url = "tftp://[2001:db8::5]/ipxe-arm64.efi" }
boot "http"  { arch = {16} bootfile-url = "http://[2001:db8::5]/ipxe.efi" }
EOF
cap_start_filter srv "$NS_SRV" srv0 'ip6 and udp port 547' || exit 1
cap_start_filter c10 "$(client_ns 10)" eth0 'ip6 and udp and (port 546 or port 547)' || exit 1
check "$T relay-start" relay_start "$PXR_TMP/pxerelay.conf" vlan10 vlan20
joined() { ip netns exec "$NS_RTR" ip -6 maddr show dev vlan10 | grep -q 'ff02::1:2'; }
check "$T joins-ff02-1-2-on-vlan10" wait_until 5 joined

# ---- dhclient -6
dhclient6() {
    local cns
    cns=$(client_ns 10)
    cat >"$PXR_TMP/dh6-script" <<EOF
#!/bin/sh
[ -n "\${new_ip6_address:-}" ] && echo "\$reason \$new_ip6_address" >>"$PXR_TMP/dh6.addr"
exit 0
EOF
    chmod +x "$PXR_TMP/dh6-script"
    bg_run dh6 "$cns" dhclient -6 -1 -d -v -lf "$PXR_TMP/dh6.leases" -pf "$PXR_TMP/dh6.pid" \
        -sf "$PXR_TMP/dh6-script" eth0
    wait_until 20 grep -q '2001:db8:10::' "$PXR_TMP/dh6.addr" 2>/dev/null ||
        { why "dhclient -6 got no address in 2001:db8:10::/64: $(tail -n 3 "$PXR_TMP/dh6.log" | tr '\n' ' ')"; return 1; }
    log "dhclient -6: $(tail -n 1 "$PXR_TMP/dh6.addr")"
}
check "$T dhclient6-leases-from-its-subnet" dhclient6
proc_stop dh6 || true

# ---- scripted UEFI clients, one per architecture
declare -A WANT=(
    [0]="tftp://[2001:db8::5]/undionly.kpxe"
    [6]="tftp://[2001:db8::5]/ipxe-i386.efi"
    [7]="tftp://[2001:db8::5]/ipxe.efi"
    [9]="tftp://[2001:db8::5]/ipxe.efi"
    [11]="tftp://[2001:db8::5]/ipxe-arm64.efi"
    [16]="http://[2001:db8::5]/ipxe.efi"
)
# firmware_gets N ARCH: a client of ARCH on vlanN solicits and requests;
# the ADVERTISE and REPLY it receives carry its rule's option 59.
firmware_gets() {
    local n=$1 arch=$2 out vc=PXEClient
    ((arch == 16)) && vc=HTTPClient
    out=$(ip netns exec "$(client_ns "$n")" "$PXR_PYTHON" "$PROBE6" solicit -i eth0 \
        --mac "$(printf '02:00:00:06:%02x:%02x' "$n" "$arch")" --arch "$arch" \
        --vendor-class "$vc:Arch:$(printf '%05d' "$arch"):UNDI:003016" --request --wait 4) ||
        { why "$out"; return 1; }
    sed 's/^/#   /' <<<"$out"
    [[ $(grep -cF "url=${WANT[$arch]} " <<<"$out") == 2 ]] ||
        { why "arch $arch: want url=${WANT[$arch]} in ADVERTISE and REPLY"; return 1; }
    grep -q "^reply .* addr=2001:db8:$n::" <<<"$out" ||
        { why "arch $arch: no address from 2001:db8:$n::/64 in the REPLY"; return 1; }
    if ((arch == 16)); then
        grep -q "^advertise .*vendor-class=HTTPClient" <<<"$out" ||
            { why "arch 16: no vendor class HTTPClient"; return 1; }
    fi
}
for a in 0 6 7 9 11 16; do
    check "$T arch$a-gets-its-bootfile-url" firmware_gets 10 "$a"
done
check "$T vlan20-arch7-gets-its-bootfile-url" firmware_gets 20 7
no_rule_keeps_servers() {
    local out
    out=$(ip netns exec "$(client_ns 10)" "$PXR_PYTHON" "$PROBE6" solicit -i eth0 \
        --mac 02:00:00:06:10:99 --arch 19 --wait 4) || { why "$out"; return 1; }
    grep -q 'url=tftp://\[2001:db8::2\]/generic.efi ' <<<"$out" ||
        { why "arch 19 (no rule): $out"; return 1; }
}
check "$T no-rule-keeps-the-servers-bootfile-url" no_rule_keeps_servers

# ---- what Kea received
relay_fields() {
    local out
    out=$("$PXR_PYTHON" "$PROBE6" relay-check "$(cap_file srv)")
    [[ -n $out ]] || { why "no Relay-forward at the server"; return 1; }
    local mac10
    mac10=$(link_mac "$(client_ns 10)" eth0)
    grep -q "link=2001:db8:10::1 peer=fe80::.* interface-id=vlan10 lladdr=$mac10" <<<"$out" ||
        { why "no Relay-forward from vlan10 with interface-id and the client's MAC $mac10: $(head -n 2 <<<"$out" | tr '\n' ' ')"; return 1; }
    grep -q 'interface-id=vlan20 .*remote-id=3561:rtr-vlan20' <<<"$out" ||
        { why "none with interface-id vlan20 and remote-id 3561:rtr-vlan20"; return 1; }
    ! grep -q 'lladdr=-' <<<"$out" || { why "a Relay-forward without option 79"; return 1; }
    log "$(wc -l <<<"$out") Relay-forwards at Kea, each with interface-id and option 79; e.g. $(head -n 1 <<<"$out")"
}
check "$T server-sees-interface-id-client-link-layer-address-remote-id" relay_fields

# ---- a forged Relay-reply
forged_dropped() {
    local before
    relay_counter 'pxerelay_dropped_total{reason="reply_not_from_server"}' || true
    before=${PXR_COUNTER:-0}
    ip netns exec "$NS_SRV" "$PXR_PYTHON" "$PROBE6" forge-reply --src 2001:db8::66 --to 2001:db8::1 \
        --peer fe80::1 --interface-id vlan10 >/dev/null
    sleep 0.5
    relay_counter 'pxerelay_dropped_total{reason="reply_not_from_server"}' || true
    ((${PXR_COUNTER:-0} == before + 1)) ||
        { why "reply_not_from_server went from $before to ${PXR_COUNTER:-0}"; return 1; }
    expect_no_packet "$(cap_file c10)" 'udp[8] = 2 and udp[9] = 0x12 and udp[10] = 0x34 and udp[11] = 0x56'
}
check "$T forged-relay-reply-dropped-and-counted" forged_dropped

# ---- per-server counters: the DHCPv6 server's, as many as the server's
# capture shows each way; none for the host that forged a reply.
server_counters6() {
    local sent rcvd want_sent want_rcvd
    relay_counter 'pxerelay_server_messages_total{server="2001:db8::2",direction="sent"}' || return 1
    sent=$PXR_COUNTER
    relay_counter 'pxerelay_server_messages_total{server="2001:db8::2",direction="received"}' || return 1
    rcvd=$PXR_COUNTER
    want_sent=$(tcpdump -n -r "$(cap_file srv)" 'ip6 and dst host 2001:db8::2 and udp dst port 547' 2>/dev/null | wc -l)
    want_rcvd=$(tcpdump -n -r "$(cap_file srv)" 'ip6 and src host 2001:db8::2 and dst host 2001:db8::1 and udp dst port 547' 2>/dev/null | wc -l)
    log "2001:db8::2: sent $sent, received $rcvd; its capture: $want_sent in, $want_rcvd out"
    ((sent == want_sent && rcvd == want_rcvd && sent > 0)) ||
        { why "counters sent $sent received $rcvd, capture $want_sent and $want_rcvd"; return 1; }
    ! grep -q 'server_messages_total{server="2001:db8::66"' "$PXR_TMP/relay.log" ||
        { why "counters for 2001:db8::66, which is no server"; return 1; }
}
check "$T per-server-counters-for-the-dhcpv6-server" server_counters6

# ---- the rate limits apply to DHCPv6 too: 60 SOLICITs at once from one
# client get the client bucket's burst (30) through
rate_limited6() {
    local before after
    relay_counter 'pxerelay_dropped_total{reason="rate_limit_client"}' || true
    before=${PXR_COUNTER:-0}
    ip netns exec "$(client_ns 20)" "$PXR_PYTHON" - "$(ifindex_of "$(client_ns 20)" eth0)" <<'PY'
import socket, struct, sys
s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, b"eth0")
s.bind(("::", 546, 0, int(sys.argv[1])))
for i in range(60):
    msg = bytes([1]) + (0x700000 + i).to_bytes(3, "big") + struct.pack("!HHHH", 1, 4, 0, 1)
    s.sendto(msg, ("ff02::1:2", 547, 0, int(sys.argv[1])))
PY
    sleep 0.5
    relay_counter 'pxerelay_dropped_total{reason="rate_limit_client"}' || true
    after=${PXR_COUNTER:-0}
    (((after - before) >= 25 && (after - before) <= 31)) ||
        { why "rate_limit_client went from $before to $after for 60 SOLICITs (want about 30 refused)"; return 1; }
    log "60 SOLICITs at once from one client: $((after - before)) refused by its bucket (burst 30)"
}
ifindex_of() { ip -n "$1" -o link show "$2" | cut -d: -f1; }
check "$T rate-limit-client-applies-to-dhcpv6" rate_limited6

# ---- a link created while running
vlan30_served() {
    local out
    vlan6 30
    sleep 0.5
    out=$(ip netns exec "$(client_ns 30)" "$PXR_PYTHON" "$PROBE6" solicit -i eth0 \
        --mac 02:00:00:06:1e:0b --arch 11 --request --wait 4) || { why "$out"; return 1; }
    grep -q '^reply .*url=tftp://\[2001:db8::5\]/ipxe-arm64.efi .*addr=2001:db8:30::' <<<"$out" ||
        { why "vlan30: $out"; return 1; }
    log "vlan30: $(tail -n 1 <<<"$out")"
}
check "$T link-created-at-runtime-served" vlan30_served

# ---- IPv4 beside it
ipv4_still() {
    client_start_udhcpc u4 "$(client_ns 20)"
    lease_wait u4 10 10.20.0.
}
check "$T ipv4-relayed-beside-ipv6" ipv4_still
rewrite_lines() {
    local n
    n=$(grep -c '^.*rewrite6 ' "$PXR_TMP/relay.log" || true)
    ((n >= 14)) || { why "$n rewrite6 log lines, want 14 (7 clients x ADVERTISE + REPLY)"; return 1; }
    log "$n rewrite6 lines, e.g. $(grep -m1 'rewrite6 ' "$PXR_TMP/relay.log" | sed 's/^.*rewrite6/rewrite6/')"
}
check "$T one-log-line-per-rewrite" rewrite_lines

# ---- --replay over the server's capture decides as the daemon did
replay6_agrees() {
    local out want got line xid type url n=0
    out=$(timeout 20 "$(pxerelay_bin)" --replay "$(cap_file srv)" -c "$PXR_TMP/pxerelay.conf" 2>&1) ||
        { why "--replay failed: $(tail -n 2 <<<"$out" | tr '\n' ' ')"; return 1; }
    want=$(grep -c 'rewrite6 ' "$PXR_TMP/relay.log")
    got=$(grep -c '^#[0-9]* reply6 .*: bootfile-url ' <<<"$out" || true)
    while read -r line; do
        type=$(sed 's/.*rewrite6 \([A-Z]*\) .*/\1/' <<<"$line")
        xid=$(sed 's/.* xid \([0-9a-f]*\) .*/\1/' <<<"$line")
        url=$(sed 's/.* url \(".*"\) -> \(".*"\).*/\1 -> \2/' <<<"$line")
        grep -qF "reply6 $type xid $xid rule " <<<"$out" && grep -F "reply6 $type xid $xid " <<<"$out" | grep -qF "$url" ||
            { why "daemon: $type xid $xid $url; --replay: $(grep -F "xid $xid" <<<"$out" | tail -n 1)"; return 1; }
        n=$((n + 1))
    done < <(grep 'rewrite6 ' "$PXR_TMP/relay.log")
    ((n == want && got == want)) || { why "daemon rewrote $want, --replay $got"; return 1; }
    log "--replay over Kea's capture: $got of $want daemon rewrites, same rule and URL; $(tail -n 1 <<<"$out")"
}
check "$T replay-gives-the-daemons-dhcpv6-verdicts" replay6_agrees

# ---- the trace (-w, trace-file): both legs of one exchange
trace6_legs() {
    local xid out
    xid=$(grep -m1 'rewrite6 ADVERTISE if vlan10' "$PXR_TMP/relay.log" | sed 's/.* xid \([0-9a-f]*\) .*/\1/')
    [[ -n $xid ]] || { why "no rewrite6 line to follow"; return 1; }
    out=$("$PXR_PYTHON" "$PROBE6" legs "$PXR_TMP/trace6.pcap" "$xid")
    grep -q '^in 1 fe80::.* > ff02::1:2 547$' <<<"$out" &&
        grep -q '^out 12 2001:db8::1 > 2001:db8::2 547$' <<<"$out" &&
        grep -q '^in 13 2001:db8::2 > 2001:db8::1 547$' <<<"$out" &&
        grep -q '^out 2 fe80::.* > fe80::.* 546$' <<<"$out" ||
        { why "trace legs of xid $xid: $(tr '\n' ';' <<<"$out")"; return 1; }
    log "trace, xid $xid: $(tr '\n' ';' <<<"$out")"
}
check "$T trace-holds-both-legs" trace6_legs

# ---- a DHCPv6 server on the router itself (dnsmasq on vlan50), both orders
coexist6() {
    local out
    vlan6 50
    mkdir -p "$PXR_TMP/dns6"
    bg_run dns6 "$NS_RTR" dnsmasq -d --conf-file=/dev/null --port=0 --no-resolv --no-hosts \
        --user=root --group=root --interface=vlan50 --pid-file="$PXR_TMP/dns6/pid" \
        --dhcp-leasefile="$PXR_TMP/dns6/leases" --dhcp-range=2001:db8:50::100,2001:db8:50::1ff,64,2m
    wait_until 10 grep -qE 'DHCPv6, IP range|failed|FAILED' "$PXR_TMP/dns6.log" || true
    proc_alive "$(pid_of dns6)" ||
        { why "dnsmasq (DHCPv6) did not start beside pxerelay: $(tail -n 2 "$PXR_TMP/dns6.log" | tr '\n' ' ')"; return 1; }
    out=$(ip netns exec "$(client_ns 50)" "$PXR_PYTHON" "$PROBE6" solicit -i eth0 \
        --mac 02:00:00:06:32:07 --arch 7 --wait 4) || { why "vlan50 (dnsmasq): $out"; return 1; }
    grep -q 'addr=2001:db8:50::' <<<"$out" || { why "vlan50: $out"; return 1; }
    out=$(ip netns exec "$(client_ns 10)" "$PXR_PYTHON" "$PROBE6" solicit -i eth0 \
        --mac 02:00:00:06:0a:27 --arch 7 --wait 4) || { why "vlan10 beside dnsmasq: $out"; return 1; }
    grep -qF 'url=tftp://[2001:db8::5]/ipxe.efi ' <<<"$out" || { why "vlan10: $out"; return 1; }
    log "dnsmasq serves vlan50 and pxerelay relays vlan10, UDP 547 held by: $(ip netns exec "$NS_RTR" ss -Hlunp 'sport = :547' | grep -o '(("[^"]*"' | tr -d '("' | sort -u | tr '\n' ' ')"
    # And pxerelay started second.
    proc_stop relay
    relay_start "$PXR_TMP/pxerelay.conf" vlan10 || { why "pxerelay did not start beside dnsmasq: $PXR_WHY"; return 1; }
    wait_until 5 joined || true
    out=$(ip netns exec "$(client_ns 10)" "$PXR_PYTHON" "$PROBE6" solicit -i eth0 \
        --mac 02:00:00:06:0a:28 --arch 11 --wait 4) || { why "vlan10 after restart: $out"; return 1; }
    grep -qF 'url=tftp://[2001:db8::5]/ipxe-arm64.efi ' <<<"$out" || { why "vlan10 after restart: $out"; return 1; }
    out=$(ip netns exec "$(client_ns 50)" "$PXR_PYTHON" "$PROBE6" solicit -i eth0 \
        --mac 02:00:00:06:32:08 --arch 7 --wait 4) || { why "vlan50 after restart: $out"; return 1; }
}
check "$T dhcpv6-server-on-the-router-beside-pxerelay-both-orders" coexist6

# ---- TFTP proxy for IPv6 clients on vlan60
ip -n "$NS_SRV" addr add 2001:db8::5/64 dev srv0
mkdir -p "$PXR_TMP/tftp6"
echo "not a loader" >"$PXR_TMP/tftp6/generic.efi"
head -c 200000 /dev/urandom >"$PXR_TMP/tftp6/ipxe.efi"
head -c 70000 /dev/urandom >"$PXR_TMP/tftp6/ipxe-v4.efi"
chmod 644 "$PXR_TMP/tftp6"/*
cap_start_filter tftp6 "$NS_SRV" srv0 'udp port 69' || exit 1
check "$T tftpd-on-ipv6" tftpd_start tftpd6 "$NS_SRV" "$PXR_TMP/tftp6" "[2001:db8::5]"
check "$T tftpd-on-ipv4" tftpd_start tftpd4 "$NS_SRV" "$PXR_TMP/tftp6" 10.0.0.2
# rrqs: the read requests the boot servers got, "SRC > DST: RRQ "FILE"".
rrqs() {
    tcpdump -n -r "$(cap_file tftp6)" 'udp dst port 69' 2>/dev/null |
        sed -n 's/^.* IP6\{0,1\} \([^ ]*\) > \([^ ]*\): .*\(RRQ "[^"]*"\).*$/\1 > \2: \3/p'
}
# proxied_fetch ARCH MAC FILE: a client of ARCH on vlan60 gets a lease and
# option 59; curl, from the leased address, fetches that URL; the bytes
# are FILE's.
proxied_fetch() {
    local arch=$1 mac=$2 file=$3 cns out url addr
    cns=$(client_ns 60)
    out=$(ip netns exec "$cns" "$PXR_PYTHON" "$PROBE6" solicit -i eth0 --mac "$mac" --arch "$arch" \
        --vendor-class "PXEClient:Arch:$(printf '%05d' "$arch"):UNDI:003016" --request --wait 4) ||
        { why "$out"; return 1; }
    sed 's/^/#   /' <<<"$out"
    url=$(sed -n 's/^reply .*url=\([^ ]*\) .*$/\1/p' <<<"$out" | head -n 1)
    addr=$(sed -n 's/^reply .*addr=\([^ ]*\).*$/\1/p' <<<"$out" | head -n 1)
    [[ $url == "tftp://[2001:db8:60::1]/$file" ]] ||
        { why "arch $arch: option 59 in the REPLY is '$url', want tftp://[2001:db8:60::1]/$file"; return 1; }
    [[ $addr == 2001:db8:60::* ]] || { why "arch $arch: no lease in 2001:db8:60::/64"; return 1; }
    ip -n "$cns" addr add "$addr/64" dev eth0 nodad
    rm -f "$PXR_TMP/got"
    ip netns exec "$cns" curl -sS --max-time 20 --interface "$addr" -o "$PXR_TMP/got" "$url" ||
        { why "curl $url from $addr failed"; return 1; }
    cmp -s "$PXR_TMP/got" "$PXR_TMP/tftp6/$file" ||
        { why "curl got $(stat -c %s "$PXR_TMP/got") bytes, not $file's $(stat -c %s "$PXR_TMP/tftp6/$file")"; return 1; }
    log "arch $arch from $addr: $url, $(stat -c %s "$PXR_TMP/got") bytes, same as the server's"
}
check "$T tftp-proxy-ipv6-client-from-ipv6-boot-server" proxied_fetch 7 02:00:00:06:3c:07 ipxe.efi
check "$T tftp-proxy-ipv6-client-from-ipv4-boot-server" proxied_fetch 11 02:00:00:06:3c:0b ipxe-v4.efi
check "$T tftp-proxy-second-client-from-the-cache" proxied_fetch 7 02:00:00:06:3c:17 ipxe.efi
upstream_reads() {
    local r
    r=$(rrqs)
    sed 's/^/#   /' <<<"$r"
    [[ $(grep -c 'RRQ "ipxe.efi"' <<<"$r") == 1 ]] ||
        { why "[2001:db8::5] read ipxe.efi $(grep -c 'RRQ "ipxe.efi"' <<<"$r") times, want once for two clients"; return 1; }
    grep -q '^2001:db8::1\.[0-9]* > 2001:db8::5\.69: RRQ "ipxe.efi"' <<<"$r" ||
        { why "ipxe.efi not read by the relay (2001:db8::1) over IPv6"; return 1; }
    grep -q '^10\.0\.0\.1\.[0-9]* > 10\.0\.0\.2\.69: RRQ "ipxe-v4.efi"' <<<"$r" ||
        { why "ipxe-v4.efi not read by the relay (10.0.0.1) over IPv4"; return 1; }
}
check "$T tftp-proxy-upstream-once-per-file-either-family" upstream_reads
# tftp-hpa's client from 2001:db8:60::99, the one address left on eth0:
# ERROR 2 from the relay.
not_leased_refused() {
    local cns out
    cns=$(client_ns 60)
    ip -n "$cns" -6 addr flush dev eth0 scope global
    ip -n "$cns" addr add 2001:db8:60::99/64 dev eth0 nodad
    out=$(cd "$PXR_TMP" && ip netns exec "$cns" timeout 20 tftp -6 2001:db8:60::1 -c get ipxe.efi refused.efi 2>&1) || true
    log "not leased: $out"
    grep -q 'Error code 2: no boot server known for this client' <<<"$out" ||
        { why "want ERROR 2 'no boot server known for this client', got: $out"; return 1; }
}
check "$T tftp-proxy-refuses-an-address-no-reply-leased" not_leased_refused

# ---- real firmware: OVMF (UEFI x64) PXE over IPv6
# On vlan40 dhcpd answers IPv4 with no boot file, so OVMF's PXEv4 gives up
# and its PXEv6 boot option runs: SOLICIT with option 61 = 7 through
# pxerelay to Kea, whose one option 59 names generic.efi; the rule "x64"
# makes it ipxe.efi. Read at tftpd-hpa on [2001:db8::5]:69: the file OVMF
# asks for. PXR_FW6=0 skips this part (QEMU under TCG takes a minute or two).
# PXR_FW6_PROXY=1 (not in make check: a second minute of QEMU) puts vlan40
# on the TFTP proxy instead: OVMF asks [2001:db8:40::1], the relay, for
# ipxe.efi and reads the whole file from it.
if [[ ${PXR_FW6:-1} == 1 && ${PXR_FW6_PROXY:-0} == 1 ]]; then
    cap_start_filter c40 "$(client_ns 40)" eth0 'ip6 and udp port 69' || exit 1
    relay_counter 'pxerelay_tftp_bytes_total{leg="client"}' || true
    SERVED0=${PXR_COUNTER:-0}
    vm_bridge "$(client_ns 40)"
    vm_qemu_start ovmf6 "$(client_ns 40)" uefi 52:54:00:06:40:07
    ovmf_reads_through_the_proxy() {
        local t0 r served
        t0=$(now_ms)
        wait_until "${PXR_FW6_DEADLINE:-240}" bash -c "tcpdump -n -r '$(cap_file c40)' 'ip6 and dst host 2001:db8:40::1 and udp dst port 69' 2>/dev/null | grep -q RRQ" ||
            { why "no TFTP read request at [2001:db8:40::1] within ${PXR_FW6_DEADLINE:-240} s"; return 1; }
        r=$(tcpdump -n -r "$(cap_file c40)" 'ip6 and udp dst port 69' 2>/dev/null | grep -o 'RRQ "[^"]*"' | sort | uniq -c | tr '\n' ' ')
        log "OVMF asked [2001:db8:40::1] for: $r after $((($(now_ms) - t0) / 1000)) s"
        [[ $r == *'RRQ "ipxe.efi"'* && $r != *generic* ]] || { why "OVMF asked for $r, want ipxe.efi"; return 1; }
        served_all() {
            relay_counter 'pxerelay_tftp_bytes_total{leg="client"}' || return 1
            served=$((PXR_COUNTER - SERVED0))
            ((served >= 200000))
        }
        wait_until 60 served_all || { why "the relay served OVMF $served bytes, not the 200000 of ipxe.efi"; return 1; }
        log "the relay served OVMF $served bytes of ipxe.efi (200000)"
        measure ovmf_pxe6_proxy_served_after "$((($(now_ms) - t0) / 1000))" s
    }
    check "$T ovmf-pxe-over-ipv6-reads-its-loader-through-the-proxy" ovmf_reads_through_the_proxy
    proc_stop ovmf6
elif [[ ${PXR_FW6:-1} == 1 ]]; then
    vm_bridge "$(client_ns 40)"
    vm_qemu_start ovmf6 "$(client_ns 40)" uefi 52:54:00:06:40:07
    # The first read request from vlan40's prefix: OVMF's.
    rrq6() {
        rrqs | grep '^2001:db8:40::' | grep -o 'RRQ "[^"]*"' | head -n 1
    }
    ovmf_fetches_its_loader() {
        local t0 r
        t0=$(now_ms)
        wait_until "${PXR_FW6_DEADLINE:-240}" bash -c "tcpdump -n -r '$(cap_file tftp6)' 'ip6 and src net 2001:db8:40::/64 and udp dst port 69' 2>/dev/null | grep -q RRQ" ||
            { why "no TFTP read request at [2001:db8::5] within ${PXR_FW6_DEADLINE:-240} s; OVMF sent: $(grep -c 'relay6 request' "$PXR_TMP/relay.log") DHCPv6 messages relayed"; return 1; }
        r=$(rrq6)
        log "OVMF asked [2001:db8::5] for $r after $((($(now_ms) - t0) / 1000)) s"
        measure ovmf_pxe6_rrq_after "$((($(now_ms) - t0) / 1000))" s
        [[ $r == 'RRQ "ipxe.efi"' ]] || { why "OVMF asked for $r, want ipxe.efi"; return 1; }
        grep 'rewrite6 .*if vlan40' "$PXR_TMP/relay.log" | head -n 2 | sed 's/^.*rewrite6/#   rewrite6/'
        grep 'relay6 request SOLICIT if vlan40' "$PXR_TMP/relay.log" | head -n 1 | sed 's/^.*relay6/#   relay6/'
    }
    check "$T ovmf-pxe-over-ipv6-fetches-its-own-loader" ovmf_fetches_its_loader
    proc_stop ovmf6
fi

# ---- real firmware: AAVMF (UEFI ARM64) PXE over IPv6, PXR_FW6_ARM=1 only
# (not in make check: QEMU emulating ARM64 under TCG takes minutes;
# tests/deps.sh firmware-arm installs it). The same as OVMF on vlan40:
# option 61 = 11, so the rule "arm64" names ipxe-arm64.efi.
if [[ ${PXR_FW6_ARM:-0} == 1 ]]; then
    echo "not a loader" >"$PXR_TMP/tftp6/ipxe-arm64.efi"
    chmod 644 "$PXR_TMP/tftp6/ipxe-arm64.efi"
    ip -n "$(client_ns 40)" link show br0 >/dev/null 2>&1 || vm_bridge "$(client_ns 40)"
    vm_qemu_start aavmf6 "$(client_ns 40)" aavmf 52:54:00:06:40:0b
    aavmf_fetches_its_loader() {
        local t0 r
        t0=$(now_ms)
        wait_until "${PXR_FW6_ARM_DEADLINE:-600}" bash -c "tcpdump -n -r '$(cap_file tftp6)' 'ip6 and src net 2001:db8:40::/64 and udp dst port 69' 2>/dev/null | grep -q 'RRQ \"ipxe-arm64'" ||
            { why "no read request for ipxe-arm64.efi within ${PXR_FW6_ARM_DEADLINE:-600} s; relayed for vlan40: $(grep -c 'relay6 request .*if vlan40' "$PXR_TMP/relay.log")"; return 1; }
        r=$(rrqs | grep '^2001:db8:40::' | grep -o 'RRQ "ipxe-arm64[^"]*"' | head -n 1)
        log "AAVMF asked [2001:db8::5] for $r after $((($(now_ms) - t0) / 1000)) s"
        measure aavmf_pxe6_rrq_after "$((($(now_ms) - t0) / 1000))" s
        grep 'relay6 request .*if vlan40' "$PXR_TMP/relay.log" | grep -v 'class x64' | head -n 4 | sed 's/^.*relay6/#   relay6/'
        grep 'rewrite6 .*if vlan40 .*rule arm64' "$PXR_TMP/relay.log" | head -n 2 | sed 's/^.*rewrite6/#   rewrite6/'
    }
    check "$T aavmf-pxe-over-ipv6-fetches-its-own-loader" aavmf_fetches_its_loader
    proc_stop aavmf6
fi
