#!/bin/bash
# tests/lab/test_vrrp.sh - two routers, each with keepalived and pxerelay,
# share client VLAN 10 (a bridge) and the server LAN (another bridge).
#
#   srv ns: ISC dhcpd 10.0.0.2, route 10.10.0.0/24 via 10.0.0.1 (virtual)
#        |                 bridge brup (sw ns)
#   ra ns: up0 10.0.0.11   rb ns: up0 10.0.0.12    virtual 10.0.0.1
#          vlan10 10.10.0.2       vlan10 10.10.0.3 virtual 10.10.0.1
#        |                 bridge br10 (sw ns)
#   c10 ns: malformed.py dora, a new xid every 0.2 s (1 s to wait per step)
#
# keepalived (VRRPv3, 0.25 s adverts) holds both virtual addresses on one
# router in a sync group; ra has priority 150, rb 100, and a script that
# fails when the router's pxerelay is gone puts the router in FAULT (a sync
# group ignores script weights). pxerelay runs with
# vrrp-address = "10.10.0.1" on vlan10 on both. Phases, each about 4 s of
# client attempts:
#   1 ra master, rb backup
#   2 ra's keepalived stopped: rb takes the addresses
#   3 ra's keepalived started again: ra takes them back
#   4 ra's pxerelay killed (-9): its script fails, rb takes the addresses
#   5 ra's pxerelay started again: ra takes them back
#   6 ra lost: its keepalived and pxerelay killed (-9), its links down
# Checked: each relay logs serving/standby as the address moves; leases in
# every phase; at most 3 failed attempts around each change; the server saw
# each (chaddr, xid, type) once (never from both routers), but for a copy
# within 100 ms of a router giving its address up (when a router preempts,
# both hold the address until the old master hears the new one: VRRP's own
# overlap, counted and shown as "handover"); the backup counted the
# requests it left to the master as vrrp_backup.
set -euo pipefail

LAB=$(cd "$(dirname "$0")" && pwd)
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$LAB/lib.sh"

T=vrrp
if [[ ! -x $(pxerelay_bin) ]]; then
    echo "FAIL $T: pxerelay binary not found at $(pxerelay_bin) (build it or set PXERELAY)"
    exit 1
fi
for t in keepalived dhcpd; do
    command -v "$t" >/dev/null || { echo "FAIL $T: $t not installed"; exit 1; }
done
lab_init vrrp "$T"

NS_SW=pxr-vrrp-sw
NS_A=pxr-vrrp-ra
NS_B=pxr-vrrp-rb
NS_C=pxr-vrrp-c10
MAX_FAIL_PER_CHANGE=3

ns_add "$NS_SW"
ns_add "$NS_SRV"
ns_add "$NS_A"
ns_add "$NS_B"
ns_add "$NS_C"
ip -n "$NS_SW" link add brup type bridge
ip -n "$NS_SW" link add br10 type bridge
ip -n "$NS_SW" link set brup up
ip -n "$NS_SW" link set br10 up
# plug NS IFACE BRIDGE PORT: a veth from NS's IFACE to port PORT of BRIDGE.
plug() {
    ip -n "$NS_SW" link add "$4" type veth peer name "$2" netns "$1"
    ip -n "$NS_SW" link set "$4" master "$3" up
    ip -n "$1" link set "$2" up
}
plug "$NS_SRV" srv0 brup p-srv
plug "$NS_A" up0 brup p-aup
plug "$NS_B" up0 brup p-bup
plug "$NS_A" vlan10 br10 p-a10
plug "$NS_B" vlan10 br10 p-b10
plug "$NS_C" eth0 br10 p-c10
ip -n "$NS_C" link set eth0 address 02:00:00:00:10:02
ip -n "$NS_SRV" addr add 10.0.0.2/24 dev srv0
ip -n "$NS_SRV" route add 10.10.0.0/24 via 10.0.0.1
ip -n "$NS_A" addr add 10.0.0.11/24 dev up0
ip -n "$NS_A" addr add 10.10.0.2/24 dev vlan10
ip -n "$NS_B" addr add 10.0.0.12/24 dev up0
ip -n "$NS_B" addr add 10.10.0.3/24 dev vlan10

server_start_dhcpd 10.10.0 || exit 1
cap_start_filter srv "$NS_SRV" srv0 'udp port 67 or udp port 68' || exit 1

# keepalived_conf NAME PRIORITY
keepalived_conf() {
    local name=$1 prio=$2
    cat >"$PXR_TMP/$name-alive.sh" <<EOF
#!/bin/sh
exec kill -0 "\$(cat "$PXR_TMP/$name-relay.pid" 2>/dev/null)" 2>/dev/null
EOF
    chmod 755 "$PXR_TMP/$name-alive.sh"
    cat >"$PXR_TMP/$name-keepalived.conf" <<EOF
global_defs {
  router_id $name
  vrrp_version 3
  script_user root
}
vrrp_script relay_alive {
  script "$PXR_TMP/$name-alive.sh"
  interval 1
  fall 1
  rise 1
}
vrrp_sync_group pair {
  group { up v10 }
}
vrrp_instance up {
  state BACKUP
  interface up0
  virtual_router_id 51
  priority $prio
  advert_int 0.25
  virtual_ipaddress { 10.0.0.1/24 dev up0 }
  track_script { relay_alive }
}
vrrp_instance v10 {
  state BACKUP
  interface vlan10
  virtual_router_id 10
  priority $prio
  advert_int 0.25
  virtual_ipaddress { 10.10.0.1/24 dev vlan10 }
  track_script { relay_alive }
}
EOF
}
keepalived_conf ra 150
keepalived_conf rb 100

ns_of() { [[ $1 == ra ]] && echo "$NS_A" || echo "$NS_B"; }

keepalived_start() {
    local name=$1
    bg_run "ka-$name" "$(ns_of "$name")" keepalived -n -l -D -P -f "$PXR_TMP/$name-keepalived.conf" \
        -p "$PXR_TMP/$name-ka.pid" -r "$PXR_TMP/$name-vrrp.pid"
}

relay_conf() {
    cat >"$PXR_TMP/relay.conf" <<EOF
servers = {"10.0.0.2"}
user = "nobody"
upstream = "up0"
interface "vlan10" {
  vrrp-address = "10.10.0.1"
}
EOF
}
relay_conf

relay_up() {
    local name=$1
    # A restart's log starts afresh: keep the earlier run's for the
    # handover times below.
    [[ ! -f $PXR_TMP/relay-$name.log ]] ||
        cat "$PXR_TMP/relay-$name.log" >>"$PXR_TMP/relay-$name.earlier.log"
    : >"$PXR_TMP/relay-$name.log.mark"
    bg_run "relay-$name" "$(ns_of "$name")" "$(pxerelay_bin)" -d -c "$PXR_TMP/relay.conf" \
        -p "$PXR_TMP/$name-relay.pid"
    wait_until 10 grep -q 'servers: raw UDP socket' "$PXR_TMP/relay-$name.log" ||
        { why "pxerelay in $name did not start: $(tail -n 2 "$PXR_TMP/relay-$name.log" | tr '\n' ' ')"; return 1; }
}

# holds NAME: NAME has the client VLAN's virtual address.
holds() { ip -n "$(ns_of "$1")" -o addr show dev vlan10 | grep -q ' 10\.10\.0\.1/'; }
lets_go() { ! holds "$1"; }

# relay_says NAME WORD: the last vrrp-address line of NAME's relay says WORD
# (serving | standby).
relay_says() {
    local line
    line=$(grep 'vrrp-address 10.10.0.1' "$PXR_TMP/relay-$1.log" | tail -n 1)
    [[ $line == *"$2"* ]]
}

# master_is NAME OTHER: within 5 s NAME holds the address, OTHER does not,
# and both relays say so.
master_is() {
    local a=$1 b=$2
    wait_until 5 holds "$a" || { why "$a does not hold 10.10.0.1 after 5 s"; return 1; }
    # A preempted master keeps the address until it hears the new one
    # (VRRP's handover overlap, a few ms): wait for it to let go.
    wait_until 2 lets_go "$b" || { why "$b still holds 10.10.0.1 2 s after $a took it"; return 1; }
    if proc_alive "$(pid_of "relay-$a")"; then
        wait_until 2 relay_says "$a" serving ||
            { why "relay in $a did not log serving: $(grep 'vrrp-address' "$PXR_TMP/relay-$a.log" | tail -n 1)"; return 1; }
    fi
    if proc_alive "$(pid_of "relay-$b")"; then
        wait_until 2 relay_says "$b" standby ||
            { why "relay in $b did not log standby: $(grep 'vrrp-address' "$PXR_TMP/relay-$b.log" | tail -n 1)"; return 1; }
    fi
    log "$a holds 10.10.0.1; $(grep 'vrrp-address' "$PXR_TMP/relay-$a.log" | tail -n 1 | sed 's/.*link vlan10: //')"
}

keepalived_start ra
keepalived_start rb
relay_up ra || { fail "$T relay-ra-start" "$PXR_WHY"; exit 1; }
relay_up rb || { fail "$T relay-rb-start" "$PXR_WHY"; exit 1; }
check "$T phase1-ra-master" master_is ra rb

bg_run client "$NS_C" "$PXR_PYTHON" "$PXR_MALFORMED" dora -i eth0 --mac 02:00:00:00:10:02 \
    --interval 0.2 --wait 1
first_lease() { grep -q '^lease' "$PXR_TMP/client.log"; }
wait_until 10 first_lease || { fail "$T first-lease" "no lease in 10 s: $(tail -n 2 "$PXR_TMP/client.log" | tr '\n' ' ')"; exit 1; }

# Phase bookkeeping: the client's output lines, counted per phase.
PHASE_AT=$(wc -l <"$PXR_TMP/client.log")
PHASE_LINES=()
phase_end() {
    local n
    sleep "${1:-4}"
    n=$(wc -l <"$PXR_TMP/client.log")
    PHASE_LINES+=("$(sed -n "$((PHASE_AT + 1)),${n}p" "$PXR_TMP/client.log")")
    PHASE_AT=$n
}
phase_end 4

# 2: ra's keepalived stopped (it gives the addresses up, priority 0 advert).
proc_stop ka-ra
check "$T phase2-keepalived-stopped-rb-master" master_is rb ra
phase_end 4

# 3: ra's keepalived back: it preempts.
keepalived_start ra
check "$T phase3-keepalived-back-ra-master" master_is ra rb
phase_end 4

# 4: ra's pxerelay killed: the script fails, ra goes to FAULT.
kill -KILL "$(pid_of relay-ra)"
check "$T phase4-relay-killed-rb-master" master_is rb ra
phase_end 4

# 5: ra's pxerelay back: ra preempts again.
relay_up ra || fail "$T relay-ra-restart" "$PXR_WHY"
check "$T phase5-relay-back-ra-master" master_is ra rb
phase_end 4

# 6: ra lost: every process in it killed, links down (addresses stay on
# the dead links).
for p in $(ip netns pids "$NS_A"); do kill -KILL "$p" 2>/dev/null || true; done
ip -n "$NS_A" link set vlan10 down
ip -n "$NS_A" link set up0 down
rb_takes_over() {
    wait_until 5 holds rb || { why "rb does not hold 10.10.0.1 5 s after ra was lost"; return 1; }
    wait_until 2 relay_says rb serving || { why "relay in rb did not log serving"; return 1; }
}
check "$T phase6-router-lost-rb-master" rb_takes_over
phase_end 4
proc_stop client

names=("ra master" "ra keepalived stopped" "ra keepalived back" "ra pxerelay killed"
    "ra pxerelay back" "ra lost")
total_l=0 total_f=0 last_at=
for i in "${!PHASE_LINES[@]}"; do
    lines=${PHASE_LINES[i]}
    l=$(grep -c '^lease' <<<"$lines" || true)
    f=$(grep -c '^fail' <<<"$lines" || true)
    total_l=$((total_l + l))
    total_f=$((total_f + f))
    # The longest time without a lease that ended in this phase, ms (the
    # change comes at the start of a phase, so count from the last lease
    # of the phase before).
    gap=$(grep '^lease' <<<"$lines" | sed 's/.* at=\([0-9.]*\).*/\1/' |
        awk -v p="$last_at" '{ if (p != "" && $1 - p > g) g = $1 - p; p = $1 }
            END { printf "%d %s", g * 1000, p }')
    last_at=${gap#* }
    gap=${gap%% *}
    log "phase $((i + 1)) (${names[i]}): $l leases, $f failed attempts, longest gap between leases $gap ms"
    measure "phase$((i + 1))_longest_gap" "$gap" ms
    measure "phase$((i + 1))_leases" "$l" leases
    measure "phase$((i + 1))_failed" "$f" attempts
    phase_ok() {
        ((l >= 5)) || { why "only $l leases"; return 1; }
        ((f <= MAX_FAIL_PER_CHANGE)) || { why "$f failed attempts, want at most $MAX_FAIL_PER_CHANGE"; return 1; }
    }
    check "$T phase$((i + 1))-leases-kept" phase_ok
done
measure leases_total "$total_l" leases
measure failed_total "$total_f" attempts

once_per_attempt() {
    local out
    out=$("$PXR_PYTHON" "$LAB/requests_per_attempt.py" "$(cap_file srv)" \
        --handover "$PXR_TMP"/relay-*.log) ||
        { why "$(grep -m 3 -E '^twice|^requests' <<<"$out" | tr '\n' ' ')"; return 1; }
    sed 's/^/#   /' <<<"$out"
}
check "$T server-sees-each-request-once" once_per_attempt

backup_counted() {
    local n
    kill -USR1 "$(pid_of relay-rb)"
    wait_until 3 grep -q 'counter pxerelay_dropped_total{reason="vrrp_backup"}' "$PXR_TMP/relay-rb.log" || true
    n=$(grep 'counter pxerelay_dropped_total{reason="vrrp_backup"}' "$PXR_TMP/relay-rb.log" | tail -n 1 | awk '{ print $NF }')
    ((${n:-0} > 0)) || { why "rb counted no vrrp_backup drops"; return 1; }
    log "rb left $n requests to the master (vrrp_backup)"
}
check "$T backup-counts-vrrp-backup" backup_counted
