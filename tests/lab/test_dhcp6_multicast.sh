#!/bin/bash
# tests/lab/test_dhcp6_multicast.sh - DHCPv6 relayed to All_DHCP_Servers
# (ff05::1:3, RFC 8415 §7.1) when the relay knows no server's address.
#
#   server ns: ISC dhcpd -6 on srv0 2001:db8::2 (it joins ff05::1:3 and
#              binds *:547), range 2001:db8:70::100-1ff for the relayed link
#        |
#   router ns: pxerelay, upstream = "up0", vlan70's servers {"ff05::1:3"}
#        |                                   up0 2001:db8::1
#        `-- vlan70 2001:db8:70::1/64 -- c70: scripted UEFI client
#
# Checks: a SOLICIT/REQUEST from c70 gets an address in 2001:db8:70::/64,
# with the option 59 of the rule for its arch added (the server sent
# none); at the server every Relay-forward went to ff05::1:3 with hop limit
# 32 and none to a unicast address; the counters show what was sent to
# ff05::1:3 and what 2001:db8::2 answered; the trace holds the
# Relay-forward from the relay's address on up0 to ff05::1:3 and the
# Relay-reply from 2001:db8::2; a Relay-reply forged from a global address
# on vlan70 (a client link) is dropped and counted.
set -euo pipefail

LAB=$(cd "$(dirname "$0")" && pwd)
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$LAB/lib.sh"

T=dhcp6-multicast
if [[ ! -x $(pxerelay_bin) ]]; then
    echo "FAIL $T: pxerelay binary not found at $(pxerelay_bin) (build it or set PXERELAY)"
    exit 1
fi
command -v dhcpd >/dev/null || { echo "FAIL $T: dhcpd not installed"; exit 1; }
lab_init d6m "$T"
PROBE6=$LAB/dhcp6_probe.py

topo_create
ipv6_on "$NS_SRV"
ipv6_on "$NS_RTR"
ip netns exec "$NS_RTR" sysctl -qw net.ipv6.conf.up0.disable_ipv6=0 net.ipv6.conf.up0.accept_dad=0 \
    net.ipv6.conf.all.forwarding=1
ip netns exec "$NS_SRV" sysctl -qw net.ipv6.conf.srv0.accept_dad=0 net.ipv6.conf.srv0.disable_ipv6=0
ip -n "$NS_SRV" addr add 2001:db8::2/64 dev srv0 nodad
ip -n "$NS_RTR" addr add 2001:db8::1/64 dev up0 nodad
vlan6 70

dhcpd6_start() {
    cat >"$PXR_TMP/dhcpd6.conf" <<EOF
default-lease-time 600;
subnet6 2001:db8::/64 { }
subnet6 2001:db8:70::/64 { range6 2001:db8:70::100 2001:db8:70::1ff; }
EOF
    : >"$PXR_TMP/dhcpd6.leases"
    bg_run dhcpd6 "$NS_SRV" dhcpd -6 -f -d -cf "$PXR_TMP/dhcpd6.conf" -lf "$PXR_TMP/dhcpd6.leases" \
        -pf "$PXR_TMP/dhcpd6.pid" srv0
    wait_until 10 udp_listening "$NS_SRV" 547 || { why "dhcpd -6 does not listen on 547"; return 1; }
    ip -n "$NS_SRV" -6 maddr show dev srv0 | grep -q 'ff05::1:3' ||
        { why "dhcpd -6 did not join ff05::1:3 on srv0"; return 1; }
}
check "$T dhcpd6-starts-and-joins-all-dhcp-servers" dhcpd6_start

cat >"$PXR_TMP/pxerelay.conf" <<EOF
upstream = "up0"
servers = {"10.0.0.2"}
user = "nobody"
trace-file = "$PXR_TMP/trace6.pcap"
interface "vlan70" { servers = {"ff05::1:3"} }
boot "x64" { arch = {7} bootfile-url = "tftp://[2001:db8::5]/ipxe.efi" }
EOF
cap_start_filter srv "$NS_SRV" srv0 'ip6 and udp port 547' || exit 1
check "$T relay-start" relay_start "$PXR_TMP/pxerelay.conf" vlan70

leases_through_multicast() {
    local out
    out=$(ip netns exec "$(client_ns 70)" "$PXR_PYTHON" "$PROBE6" solicit -i eth0 \
        --mac 02:00:00:06:46:07 --arch 7 --vendor-class PXEClient:Arch:00007:UNDI:003016 \
        --request --wait 4) || { why "$out"; return 1; }
    sed 's/^/#   /' <<<"$out"
    grep -q '^reply .*url=tftp://\[2001:db8::5\]/ipxe.efi .*addr=2001:db8:70::1' <<<"$out" ||
        { why "no REPLY with the rule's option 59 and an address from 2001:db8:70::/64"; return 1; }
}
check "$T client-leases-through-all-dhcp-servers" leases_through_multicast

sent_to_ff05_only() {
    local v mc uni
    v=$(tcpdump -v -n -r "$(cap_file srv)" 'ip6 and src host 2001:db8::1 and udp dst port 547' 2>/dev/null)
    mc=$(grep -c '> ff05::1:3\.547' <<<"$v" || true)
    uni=$(grep -c '> 2001:db8::2\.547' <<<"$v" || true)
    log "Relay-forwards at the server: $mc to ff05::1:3, $uni to 2001:db8::2; $(grep -o 'hlim [0-9]*' <<<"$v" | sort | uniq -c | tr '\n' ' ')"
    ((mc >= 2 && uni == 0)) || { why "want the SOLICIT and the REQUEST to ff05::1:3 only"; return 1; }
    ! grep 'hlim' <<<"$v" | grep -qv 'hlim 32' || { why "a Relay-forward without hop limit 32"; return 1; }
}
check "$T relay-forwards-to-ff05-1-3-hop-limit-32" sent_to_ff05_only

counters() {
    local sent rcvd
    relay_counter 'pxerelay_server_messages_total{server="ff05::1:3",direction="sent"}' || return 1
    sent=$PXR_COUNTER
    relay_counter 'pxerelay_server_messages_total{server="2001:db8::2",direction="received"}' || return 1
    rcvd=$PXR_COUNTER
    log "sent to ff05::1:3: $sent; received from 2001:db8::2: $rcvd"
    ((sent >= 2 && rcvd >= 2)) || { why "sent $sent, received $rcvd"; return 1; }
}
check "$T counters-for-the-group-and-the-server-that-answered" counters

trace_legs() {
    local xid out
    xid=$(grep -m1 'relay6 request SOLICIT if vlan70' "$PXR_TMP/relay.log" | sed 's/.* xid \([0-9a-f]*\) .*/\1/')
    [[ -n $xid ]] || { why "no relay6 request line to follow"; return 1; }
    out=$("$PXR_PYTHON" "$PROBE6" legs "$PXR_TMP/trace6.pcap" "$xid")
    log "trace, xid $xid: $(tr '\n' ';' <<<"$out")"
    grep -q '^out 12 2001:db8::1 > ff05::1:3 547$' <<<"$out" &&
        grep -q '^in 13 2001:db8::2 > 2001:db8::1 547$' <<<"$out" ||
        { why "want out 12 2001:db8::1 > ff05::1:3 and in 13 2001:db8::2 > 2001:db8::1"; return 1; }
}
check "$T trace-holds-the-multicast-leg-and-the-answer" trace_legs

# A host on the client link with a global address of its own answers in
# the servers' name: not the upstream interface, so not a server.
forged_on_client_link() {
    local cns before
    cns=$(client_ns 70)
    ip -n "$cns" addr add 2001:db8:70::66/64 dev eth0 nodad
    relay_counter 'pxerelay_dropped_total{reason="reply_not_from_server"}' || true
    before=${PXR_COUNTER:-0}
    ip netns exec "$cns" "$PXR_PYTHON" "$PROBE6" forge-reply --src 2001:db8:70::66 \
        --to 2001:db8:70::1 --peer fe80::1 --interface-id vlan70 >/dev/null
    sleep 0.5
    relay_counter 'pxerelay_dropped_total{reason="reply_not_from_server"}' || true
    ((${PXR_COUNTER:-0} == before + 1)) ||
        { why "reply_not_from_server went from $before to ${PXR_COUNTER:-0}"; return 1; }
}
check "$T reply-forged-on-a-client-link-dropped" forged_on_client_link

