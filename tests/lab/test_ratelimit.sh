#!/bin/bash
# tests/lab/test_ratelimit.sh - rate limits against a broken NIC and a DHCP
# starvation flood (pxerelay.conf(5) rate-limit), with a real server.
#
#   server ns: dnsmasq                       srv0 10.0.0.2
#        |
#   router ns: pxerelay, rate-limit { client = 5 client-burst = 10
#        |               interface = 200 interface-burst = 200 }
#        |-- vlan10 10.10.0.1 -- c10: flood.py (one MAC, then random MACs)
#        `-- vlan20 10.20.0.1 -- c20: busybox udhcpc
#
# 1. A broken NIC: 600 DISCOVERs from one MAC at 300/s. At most burst +
#    rate x time of them reach the server; the rest are counted under
#    rate_limited{vlan10,client}, and none spend vlan10's link tokens.
# 2. A starvation flood: 30000 DISCOVERs from random MACs at 6000/s on
#    vlan10. udhcpc on vlan20 leases while it runs; vlan10 relays at most
#    burst + rate x time; every flood packet the relay read is either
#    relayed or counted under rate_limited{vlan10,interface}; vlan20 loses
#    nothing.
set -euo pipefail

LAB=$(cd "$(dirname "$0")" && pwd)
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$LAB/lib.sh"

T=ratelimit
lab_init rl "$T"
FLOOD=$LAB/flood.py

topo_with_server dnsmasq 10 20

CONF=$PXR_TMP/pxerelay.conf
cat >"$CONF" <<'EOF2'
# written by tests/lab/test_ratelimit.sh
servers = {"10.0.0.2"}
rate-limit {
  client = 5
  client-burst = 10
  interface = 200
  interface-burst = 200
}
interface "vlan10" { }
interface "vlan20" { }
EOF2
check relay-starts relay_start "$CONF" vlan10 vlan20

# counter SAMPLE: the value of one sample of the SIGUSR1 dump, in $PXR_COUNTER.
count() { relay_counter "$1" >/dev/null || return 1; echo "$PXR_COUNTER"; }
RL10C='pxerelay_rate_limited_total{interface="vlan10",limit="client"}'
RL10I='pxerelay_rate_limited_total{interface="vlan10",limit="interface"}'
RL20C='pxerelay_rate_limited_total{interface="vlan20",limit="client"}'
RL20I='pxerelay_rate_limited_total{interface="vlan20",limit="interface"}'
REL10='pxerelay_relayed_total{direction="request",interface="vlan10"}'
KDROP='pxerelay_capture_kernel_drops_total'

# ---- 1. one MAC, too fast
t0=$(now_ms)
ip netns exec "$(client_ns 10)" "$PXR_PYTHON" "$FLOOD" -i eth0 -n 600 -r 300 \
    --mac 02:ba:d0:00:00:01 >"$PXR_TMP/flood1.out"
secs=$(( ($(now_ms) - t0 + 999) / 1000 ))
log "broken NIC: $(cat "$PXR_TMP/flood1.out"), ${secs} s"
sleep 0.5
c_rel=$(count "$REL10"); c_cl=$(count "$RL10C"); c_if=$(count "$RL10I")
log "MEASURE broken_nic relayed=$c_rel rate_limited_client=$c_cl rate_limited_interface=$c_if"
max_rel=$((10 + 5 * (secs + 1)))
check nic-relayed-at-most-burst-plus-rate \
    test "$c_rel" -le "$max_rel" -a "$c_rel" -ge 10
check nic-rest-counted-as-client-limit test $((c_rel + c_cl)) -eq 600
check nic-spent-no-link-tokens test "$c_if" -eq 0

# ---- 2. random MACs, flooding; a client on another VLAN meanwhile
rel_before=$c_rel; cl_before=$c_cl; kd_before=$(count "$KDROP")
bg_run flood "$(client_ns 10)" "$PXR_PYTHON" "$FLOOD" -i eth0 -n 30000 -r 6000 --random-mac
t0=$(now_ms)
sleep 0.5
client_start_udhcpc u20 "$(client_ns 20)"
check vlan20-leases-during-flood lease_wait u20 15 10.20.0.
flood_running=no
proc_alive "$(pid_of flood)" && flood_running=yes
log "MEASURE starvation lease_on_vlan20_after_ms=$(( $(now_ms) - t0 )) flood_still_running=$flood_running"
check lease-came-while-flood-ran test "$flood_running" = yes
wait_until 30 proc_gone "$(pid_of flood)" || true
secs=$(( ($(now_ms) - t0 + 999) / 1000 ))
sent=$(sed -n 's/.*sent=\([0-9]*\).*/\1/p' "$PXR_TMP/flood.log")
sleep 1
c_rel=$(( $(count "$REL10") - rel_before )); c_if=$(count "$RL10I")
c_cl=$(( $(count "$RL10C") - cl_before )); kd=$(( $(count "$KDROP") - kd_before ))
rl20=$(( $(count "$RL20C") + $(count "$RL20I") ))
log "MEASURE starvation sent=$sent seconds=$secs relayed=$c_rel rate_limited_interface=$c_if rate_limited_client=$c_cl capture_kernel_drops=$kd vlan20_rate_limited=$rl20"
check flood-relayed-at-most-burst-plus-rate test "$c_rel" -le $((200 + 200 * (secs + 1)))
check flood-rest-counted-as-link-limit \
    test $((c_rel + c_if + c_cl + kd)) -ge "$sent"
check vlan20-not-limited test "$rl20" -eq 0
check relay-alive proc_alive "$(pid_of relay)"

lab_exit
