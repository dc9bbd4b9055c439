#!/bin/bash
# tests/lab/test_scale.sh [dhcpd|kea|dnsmasq] - pxerelay with many downstream
# links.
#
#   server ns (dhcpd by default)                srv0 10.0.0.2
#        |
#   router ns: pxerelay, 256 links              up0 10.0.0.1
#        vlanN  172.(16 + N/256).(N%256).1/24, N = 1..256
#        (vlan1 = 172.16.1.1 ... vlan255 = 172.16.255.1, vlan256 = 172.17.0.1)
#        |
#   one client ns pxr-scale-cl holding the peers c1..c256
#
# The server only has a pool for the last link.  Checks: the generated config
# is accepted, a DISCOVER on c256 is answered, busybox udhcpc on c256 gets a
# 172.17.0.x lease with option 82 circuit-id "vlan256" at the server.
# Printed, never judged: start-up time, VmRSS and open fd count of the relay.
# PXR_SCALE_LINKS overrides the number of links (at most 4095).
set -euo pipefail

LAB=$(cd "$(dirname "$0")" && pwd)
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$LAB/lib.sh"

SRV=${1:-dhcpd}
case $SRV in
    dhcpd | kea | dnsmasq) ;;
    *) echo "usage: $0 [dhcpd|kea|dnsmasq]" >&2; exit 2 ;;
esac
N=${PXR_SCALE_LINKS:-256}
if ((N < 1 || N > 4095)); then
    echo "PXR_SCALE_LINKS must be 1..4095" >&2
    exit 2
fi
T=scale-$N
if [[ $PXR_RELAY_IMPL == pxerelay && ! -x $(pxerelay_bin) ]]; then
    echo "FAIL $T: pxerelay binary not found at $(pxerelay_bin) (build it or set PXERELAY)"
    exit 1
fi
lab_init scale "$T"

net_of() { echo "172.$((16 + $1 / 256)).$(($1 % 256))"; } # a.b.c of link N
LAST_NET=$(net_of "$N")
LAST_GW=$LAST_NET.1

# ---------------------------------------------------------------- topology

t=$(now_ms)
topo_create
NS_CL=pxr-scale-cl
ns_add "$NS_CL"
ip -n "$NS_SRV" route add 172.16.0.0/12 via 10.0.0.1
{
    for ((i = 1; i <= N; i++)); do
        echo "link add name vlan$i type veth peer name c$i netns $NS_CL"
        echo "addr add $(net_of "$i").1/24 dev vlan$i"
        echo "link set vlan$i up"
    done
} >"$PXR_TMP/rtr.batch"
ip -n "$NS_RTR" -batch "$PXR_TMP/rtr.batch"
for ((i = 1; i <= N; i++)); do
    echo "link set c$i up"
done >"$PXR_TMP/cl.batch"
ip -n "$NS_CL" -batch "$PXR_TMP/cl.batch"
log "$N links created in $(($(now_ms) - t)) ms"

server_start "$SRV" "$LAST_NET"
cap_start srv "$NS_SRV" srv0

CONF=$PXR_TMP/pxerelay.conf
{
    echo "# written by tests/lab/test_scale.sh: $N downstream links"
    echo 'servers = {"10.0.0.2"}'
    echo 'log-level = info'
    echo 'option82 {'
    echo '  circuit-id = "%i"'
    echo '}'
    for ((i = 1; i <= N; i++)); do
        echo "interface \"vlan$i\" {}"
    done
} >"$CONF"

if [[ $PXR_RELAY_IMPL == pxerelay ]]; then
    config_check() {
        local out
        out=$(timeout 10 ip netns exec "$NS_RTR" "$(pxerelay_bin)" -t -c "$CONF" 2>&1) ||
            why "pxerelay -t rejected the generated config: $(head -n 3 <<<"$out" | tr '\n' ' ')"
    }
    check "$T config-check" config_check
else
    log "VALIDATION MODE: relay is $DHCRELAY, not pxerelay"
fi

# ---------------------------------------------------------------- start-up

IFACES=()
for ((i = 1; i <= N; i++)); do IFACES+=("vlan$i"); done

t_start=$(now_ms)
check "$T relay-start" relay_start "$CONF" "${IFACES[@]}"
t_listen=$(now_ms)
RELAY_PID=$(pid_of relay)
proc_alive "$RELAY_PID" || exit 1

# First answered DISCOVER on the last link: a probe every 0.1 s, same xid.
first_offer() {
    local out
    out=$(probe "$NS_CL" request -i "c$N" --mac 02:00:00:01:00:01 --wait 15 --tries 150) ||
        { why "no OFFER on c$N within 15 s"; return 1; }
    [[ $out == *"yiaddr=$LAST_NET."* ]] || { why "unexpected reply: $(grep '^reply' <<<"$out")"; return 1; }
}
check "$T first-offer-on-vlan$N" first_offer
t_offer=$(now_ms)

client_start_udhcpc udh "$NS_CL" "c$N"
check "$T lease-vlan$N-udhcpc" lease_wait udh 20 "$LAST_NET."
check "$T opt82-circuit-vlan$N" \
    expect_opt82_circuit "$(cap_file srv)" "vlan$N" "$(bpf_request) and $(bpf_giaddr "$LAST_GW")"

# ---------------------------------------------------------------- figures

relay_alive() { proc_alive "$RELAY_PID" || why "relay died: $(tail -n 3 "$PXR_TMP/relay.log" | tr '\n' ' ')"; }
check "$T relay-alive" relay_alive

if proc_alive "$RELAY_PID"; then
    rss=$(awk '/^VmRSS:/ { print $2 " " $3 }' "/proc/$RELAY_PID/status")
    hwm=$(awk '/^VmHWM:/ { print $2 " " $3 }' "/proc/$RELAY_PID/status")
    nfd=$(find "/proc/$RELAY_PID/fd" -mindepth 1 -maxdepth 1 | wc -l)
    echo "# figures ($PXR_RELAY_IMPL, $N links):"
    echo "#   listening on UDP 67  $((t_listen - t_start)) ms after launch"
    echo "#   first relayed OFFER  $((t_offer - t_start)) ms after launch (0.1 s probe steps)"
    echo "#   VmRSS                $rss (peak $hwm)"
    echo "#   open fds             $nfd"
fi
