#!/bin/bash
# tests/lab/test_relay.sh [dhcpd|kea|dnsmasq|all] - pxerelay against real DHCP
# servers and clients in network namespaces.
#
#   server ns (dhcpd | kea | dnsmasq)         srv0 10.0.0.2, 10.0.0.66
#        |
#   router ns: pxerelay -d -c CONF            up0 10.0.0.1
#        |-- vlan10 10.10.0.1 -- client ns c10: dhclient on eth0
#        |-- vlan20 10.20.0.1 -- client ns c20: busybox udhcpc on eth0
#        `-- vlan30 10.30.0.1 -- client ns c30: created while pxerelay runs
#
# Checks, per server: leases in the right subnets; option 82 circuit-id
# "site1-vlan10" (literal) and "vlan20" (%i) at the server, never towards a
# client; udhcpc renewal (SIGUSR1) is ACKed with the same address; a link
# created at run time is served without restart; a DISCOVER that already
# carries option 82 on an untrusted link is dropped; a BOOTREPLY from a host
# that is not a configured server (10.0.0.66) is dropped; both are counted
# (SIGUSR1 counter dump); deleting a link leaves pxerelay running and serving.
#
# Each server runs in its own child process with its own namespaces
# (pxr-rly-<server>-*), so one failing cannot leave state for the next.
set -euo pipefail

LAB=$(cd "$(dirname "$0")" && pwd)
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$LAB/lib.sh"

SERVERS=(dhcpd kea dnsmasq)
which=${1:-all}
if [[ $which == all ]]; then
    rc=0
    for s in "${SERVERS[@]}"; do
        "$0" "$s" || rc=1
    done
    exit "$rc"
fi
case $which in
    dhcpd | kea | dnsmasq) ;;
    -h | --help)
        sed -n '2,/^set -e/p' "$0" | sed 's/^# \{0,1\}//; /^set -e/d'
        exit 0
        ;;
    *)
        echo "usage: $0 [dhcpd|kea|dnsmasq|all]" >&2
        exit 2
        ;;
esac

SRV=$which
T=relay-$SRV
if [[ $PXR_RELAY_IMPL == pxerelay && ! -x $(pxerelay_bin) ]]; then
    echo "FAIL $T: pxerelay binary not found at $(pxerelay_bin) (build it or set PXERELAY)"
    exit 1
fi
lab_init "rly-$SRV" "$T"

# dhcrelay (validation stand-in only) has no literal circuit-id, no counters
# and no live links: adjust what we expect from it.
if [[ $PXR_RELAY_IMPL == dhcrelay ]]; then
    CID10=vlan10
else
    CID10=site1-vlan10
fi
CID20=vlan20
CID30=vlan30

# The relay command: swap here (or set PXR_RELAY_IMPL) to run another relay.
start_relay() {
    relay_start "$CONF" "$@"
}

write_conf() {
    CONF=$PXR_TMP/pxerelay.conf
    cat >"$CONF" <<'EOF'
# written by tests/lab/test_relay.sh
servers = {"10.0.0.2"}
log-level = debug
option82 {
  circuit-id = "%i"
}
interface "vlan10" {
  circuit-id = "site1-vlan10"
}
interface "vlan20" {}
interface "vlan30" {}
EOF
}

# ---------------------------------------------------------------- set-up

if [[ $PXR_RELAY_IMPL == dhcrelay ]]; then
    log "VALIDATION MODE: relay is $DHCRELAY, not pxerelay"
fi

topo_create
topo_add_vlan 10
topo_add_vlan 20
NS10=$(client_ns 10)
NS20=$(client_ns 20)
NS30=$(client_ns 30)

server_start "$SRV" 10.10.0 10.20.0 10.30.0
cap_start srv "$NS_SRV" srv0
cap_start c10 "$NS10" eth0
cap_start c20 "$NS20" eth0
write_conf

config_check() {
    local out
    out=$(timeout 10 ip netns exec "$NS_RTR" "$(pxerelay_bin)" -t -c "$CONF" 2>&1) ||
        why "pxerelay -t rejected the test config: $(head -n 3 <<<"$out" | tr '\n' ' ')"
}
if [[ $PXR_RELAY_IMPL == pxerelay ]]; then
    check "$T config-check" config_check
fi

t_relay=$(now_ms)
check "$T relay-start" start_relay vlan10 vlan20
RELAY_PID=$(pid_of relay)
if ! proc_alive "$RELAY_PID"; then
    exit 1
fi
log "relay pid $RELAY_PID listening after $(($(now_ms) - t_relay)) ms"

# ---------------------------------------------------------------- leases

client_start_dhclient dhc10 "$NS10"
client_start_udhcpc udh20 "$NS20"
check "$T lease-vlan10-dhclient" lease_wait dhc10 25 10.10.0.
check "$T lease-vlan20-udhcpc" lease_wait udh20 25 10.20.0.
log "leases after $(($(now_ms) - t_relay)) ms"

# ---------------------------------------------------------------- option 82

SRVCAP=$(cap_file srv)
check "$T opt82-at-server-vlan10" \
    expect_opt82_circuit "$SRVCAP" "$CID10" "$(bpf_request) and $(bpf_giaddr 10.10.0.1)"
check "$T opt82-at-server-vlan20" \
    expect_opt82_circuit "$SRVCAP" "$CID20" "$(bpf_request) and $(bpf_giaddr 10.20.0.1)"

server_echoes_opt82() {
    # Not pxerelay's doing, but the strip check below means little otherwise.
    local n
    n=$(pcap_circuits "$SRVCAP" "$(bpf_reply)" | grep -cvx none || true)
    ((n > 0)) || why "$SRV echoed no option 82 in its replies"
}
check "$T server-echoes-opt82" server_echoes_opt82

replies_reach_client() {
    wait_until 3 pcap_any "$1" "$(bpf_reply)" || why "no BOOTREPLY in $(basename "$1")"
}
no_opt82_at_client() {
    local f=$1
    replies_reach_client "$f" && expect_no_opt82 "$f" "udp src port 67"
}
check "$T no-opt82-at-client-vlan10" no_opt82_at_client "$(cap_file c10)"
check "$T no-opt82-at-client-vlan20" no_opt82_at_client "$(cap_file c20)"

# ---------------------------------------------------------------- renewal

more_events() { (($(count_events "$1" "$2") > $3)); }
renew_udhcpc() {
    local name=udh20 ip0 ip1 n0
    ip0=$(lease_get "$name" ip)
    n0=$(count_events "$name" renew)
    kill -USR1 "$(pid_of "$name")"
    if ! wait_until 15 more_events "$name" renew "$n0"; then
        why "no ACK to the renewal within 15 s (events: $(awk '{print $3}' "$PXR_TMP/$name.lease.events" | tr '\n' ' '))"
        return 1
    fi
    ip1=$(lease_get "$name" ip)
    [[ $ip1 == "$ip0" ]] || { why "address changed on renewal: $ip0 -> $ip1"; return 1; }
    log "udhcpc renewed $ip1"
    # The client ns has no route to the server, so udhcpc's unicast renew
    # fails at once and it broadcasts (ciaddr set); that must be relayed.
    wait_until 3 pcap_any "$SRVCAP" "$(bpf_request) and $(bpf_giaddr 10.20.0.1) and $(bpf_ciaddr "$ip0")" ||
        why "renewal was ACKed but no relayed REQUEST with ciaddr $ip0 at the server"
}
check "$T renew-vlan20-udhcpc" renew_udhcpc

# ---------------------------------------------------------------- new link

topo_add_vlan 30
cap_start c30 "$NS30" eth0
if [[ $PXR_RELAY_IMPL == dhcrelay ]]; then
    # dhcrelay cannot pick up links at run time; restart it to validate the rest.
    proc_stop relay
    start_relay vlan10 vlan20 vlan30
    RELAY_PID=$(pid_of relay)
fi
client_start_udhcpc udh30 "$NS30"
check "$T lease-vlan30-created-at-runtime" lease_wait udh30 25 10.30.0.
same_relay() {
    proc_alive "$RELAY_PID" || { why "relay (pid $RELAY_PID) is gone: $(tail -n 3 "$PXR_TMP/relay.log" | tr '\n' ' ')"; return 1; }
    [[ $(pid_of relay) == "$RELAY_PID" ]] || why "relay was restarted"
}
if [[ $PXR_RELAY_IMPL == pxerelay ]]; then
    check "$T vlan30-without-restart" same_relay
fi
check "$T opt82-at-server-vlan30" \
    expect_opt82_circuit "$SRVCAP" "$CID30" "$(bpf_request) and $(bpf_giaddr 10.30.0.1)"

# ---------------------------------------------------------------- untrusted option 82, forged reply

# A client on untrusted vlan20 sends a DISCOVER that already carries option 82
# (giaddr 0): the relay must drop it, so no reply and nothing at the server.
UNTRUSTED_MAC=02:00:00:00:82:20
untrusted_no_reply() {
    local out
    out=$(probe "$NS20" request -i eth0 --mac "$UNTRUSTED_MAC" --circuit-id forged-by-client \
        --remote-id evil --wait 1.5 --expect-none) ||
        why "the client got a reply: $(grep '^reply' <<<"$out")"
}
check "$T untrusted-opt82-no-reply" untrusted_no_reply

# 10.0.0.66 (on the server's link, not a configured server) sends an OFFER
# for the vlan10 link: the relay must not deliver it.
FORGED_MAC=02:00:00:00:66:66
send_forged() {
    local out
    out=$(probe "$NS_SRV" forge-reply --src 10.0.0.66 --dst 10.0.0.1 --giaddr 10.10.0.1 \
        --yiaddr 10.10.0.99 --mac "$FORGED_MAC" --circuit-id "$CID10") ||
        { why "could not send the forged reply"; return 1; }
    log "$out"
}
check "$T forged-reply-sent" send_forged

if [[ $PXR_RELAY_IMPL == pxerelay ]]; then
    # The counters also tell us the relay has read both packets, so the
    # capture checks below need no extra wait.
    check "$T counter-drop_untrusted_agent_option" expect_counter_at_least 'pxerelay_dropped_total{reason="untrusted_agent_option"}' 1
    check "$T counter-drop_reply_not_from_server" expect_counter_at_least 'pxerelay_dropped_total{reason="reply_not_from_server"}' 1
else
    skip "$T counters" "$PXR_RELAY_IMPL has no SIGUSR1 counter dump"
    sleep 0.5
fi
untrusted_not_forwarded() {
    expect_no_packet "$SRVCAP" "$(bpf_chaddr "$UNTRUSTED_MAC")" ||
        why "the DISCOVER with option 82 from untrusted vlan20 reached the server"
}
check "$T untrusted-opt82-not-forwarded" untrusted_not_forwarded
forged_not_delivered() {
    expect_no_packet "$(cap_file c10)" "$(bpf_chaddr "$FORGED_MAC")" ||
        why "a BOOTREPLY forged by 10.0.0.66 reached the vlan10 client link"
}
check "$T forged-reply-not-delivered" forged_not_delivered

# ---------------------------------------------------------------- link deleted

proc_stop udh30
topo_del_vlan 30
sleep 0.5 # give the relay a moment to see the netlink event
if [[ $PXR_RELAY_IMPL == pxerelay ]]; then
    check "$T alive-after-vlan30-deleted" same_relay
fi

still_serving_vlan10() {
    local out yi
    out=$(probe "$NS10" request -i eth0 --mac 02:00:00:00:10:99 --wait 6 --tries 3) ||
        { why "no OFFER on vlan10 after vlan30 was deleted"; return 1; }
    yi=$(grep '^reply' <<<"$out" | sed -n 's/.* yiaddr=\([^ ]*\).*/\1/p')
    [[ $yi == 10.10.0.* ]] || { why "offer on vlan10 was for $yi"; return 1; }
    [[ $out != *opt82=yes* ]] || { why "offer on vlan10 still carried option 82"; return 1; }
    log "vlan10 still served: offer of $yi"
}
check "$T vlan10-served-after-vlan30-deleted" still_serving_vlan10

if [[ $PXR_RELAY_IMPL == pxerelay ]]; then
    check "$T relay-survived" same_relay
fi
