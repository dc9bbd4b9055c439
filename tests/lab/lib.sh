# shellcheck shell=bash
# tests/lab/lib.sh - helpers for the pxerelay network-namespace lab.
#
# Source it from a lab test (which runs with `set -euo pipefail`), then:
#
#   lab_init TAG NAME          temp dir, namespace names pxr-TAG-*, EXIT trap
#   topo_create                server ns (srv0 10.0.0.2 + 10.0.0.66) <-> router
#                              ns (up0 10.0.0.1), ip_forward on in the router
#   topo_add_vlan N            router link vlanN 10.N.0.1/24 <-> eth0 in the
#                              client ns pxr-TAG-cN; server route 10.N/16
#   topo_del_vlan N            delete vlanN (the client ns stays until exit)
#   server_start KIND NET...   KIND dhcpd|kea|dnsmasq; NET is a /24 written
#                              "a.b.c"; pool a.b.c.100-200, router a.b.c.1
#   relay_start CONF IFACE...  pxerelay -d -c CONF in the router ns (or the
#                              dhcrelay stand-in, see PXR_RELAY_IMPL below)
#   relay_counter NAME         SIGUSR1 the relay, PXR_COUNTER=the counter's value
#   expect_counter_at_least NAME MIN
#   client_start_dhclient NAME NS / client_start_udhcpc NAME NS
#   lease_wait NAME SECS, lease_get NAME KEY
#   cap_start NAME NS IFACE, pcap_* / expect_* to read captures
#   check NAME CMD...          run CMD, print PASS NAME or FAIL NAME: reason
#
# Every process is started through bg_run and every namespace through ns_add,
# so the EXIT trap can stop and delete all of them, also when a test dies
# half-way.  Everything a test writes lives in its own temp dir; it is kept
# (and its path printed) when something failed, or always with PXR_KEEP=1.
#
# Environment:
#   PXERELAY        pxerelay binary (default: <repo>/pxerelay)
#   PXR_RELAY_IMPL  pxerelay (default) | dhcrelay.  dhcrelay is ONLY a stand-in
#                   used to validate topology and server configs before
#                   pxerelay exists; checks it cannot pass are skipped.
#   DHCRELAY        dhcrelay binary for that stand-in
#                   (default /tmp/peers/relay/usr/sbin/dhcrelay)
#   PXR_KEEP=1      keep the temp dir even when everything passed

PXR_LAB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PXR_PROBE=$PXR_LAB_DIR/dhcp_probe.py
PXR_CLIENT_SCRIPT=$PXR_LAB_DIR/dhcp-client-script
if [[ -x /usr/bin/python3 ]]; then PXR_PYTHON=${PYTHON:-/usr/bin/python3}; else PXR_PYTHON=${PYTHON:-python3}; fi
PXR_RELAY_IMPL=${PXR_RELAY_IMPL:-pxerelay}
DHCRELAY=${DHCRELAY:-/tmp/peers/relay/usr/sbin/dhcrelay}

top() { (cd "$PXR_LAB_DIR/../.." && pwd); }
pxerelay_bin() { echo "${PXERELAY:-$(top)/pxerelay}"; }

# ------------------------------------------------------------------ reporting

PXR_NPASS=0
PXR_NFAIL=0
PXR_WHY=
PXR_TEST=lab

log() { echo "# $*"; }
pass() { echo "PASS $1"; PXR_NPASS=$((PXR_NPASS + 1)); }
fail() { echo "FAIL $1: $2"; PXR_NFAIL=$((PXR_NFAIL + 1)); }
skip() { echo "SKIP $1: $2"; }
# A check function explains a failure with `why "text"` (which returns 1).
why() { PXR_WHY="$*"; return 1; }

# check NAME CMD [ARG...]: run CMD; PASS NAME on success, else FAIL with the
# reason CMD left through `why` (or a generic one).
check() {
    local name=$1
    shift
    PXR_WHY=
    if "$@"; then
        pass "$name"
    else
        fail "$name" "${PXR_WHY:-'$*' failed}"
    fi
}

# Milliseconds since the epoch, from bash's own clock (no fork).
now_ms() {
    local t=${EPOCHREALTIME//[.,]/}
    echo $((t / 1000))
}

# wait_until SECS CMD [ARG...]: poll CMD every 0.1 s until it succeeds;
# returns 1 once SECS (may have a fraction, e.g. 2.5) have passed.
wait_until() {
    local secs=$1 frac=000
    shift
    [[ $secs == *.* ]] && frac=${secs#*.}000
    local deadline=$(($(now_ms) + 10#${secs%.*} * 1000 + 10#${frac:0:3}))
    while true; do
        if "$@"; then
            return 0
        fi
        if (($(now_ms) >= deadline)); then
            return 1
        fi
        sleep 0.1
    done
}

# ------------------------------------------------------------------ processes

declare -A PXR_PIDS=()
PXR_PROCS=()
PXR_NETNS=()

# bg_run NAME NS CMD [ARG...]: start CMD in namespace NS in the background,
# stdout+stderr to $PXR_TMP/NAME.log.  `ip netns exec` execs the command, so
# the recorded pid is the command's own.
bg_run() {
    local name=$1 ns=$2
    shift 2
    ip netns exec "$ns" "$@" >"$PXR_TMP/$name.log" 2>&1 </dev/null &
    PXR_PIDS[$name]=$!
    PXR_PROCS+=("$name")
}

pid_of() { echo "${PXR_PIDS[$1]:-}"; }

# proc_alive PID: running and not a zombie waiting to be reaped.
proc_alive() {
    local pid=$1 st
    [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null || return 1
    st=$(sed 's/^.*) //' "/proc/$pid/stat" 2>/dev/null | cut -d' ' -f1) || return 1
    [[ -n $st && $st != Z && $st != X ]]
}

proc_gone() { ! proc_alive "$1"; }

# proc_stop NAME [SIGNAL]: signal (default TERM), wait up to 5 s, then KILL.
proc_stop() {
    local name=$1 sig=${2:-TERM} pid
    pid=$(pid_of "$name")
    [[ -n $pid ]] || return 0
    if proc_alive "$pid"; then
        kill "-$sig" "$pid" 2>/dev/null || true
        if ! wait_until 5 proc_gone "$pid"; then
            log "$name (pid $pid) ignored SIG$sig, killing"
            kill -KILL "$pid" 2>/dev/null || true
        fi
    fi
    wait "$pid" 2>/dev/null || true
    unset "PXR_PIDS[$name]"
}

# ------------------------------------------------------------------ lifecycle

# lab_init TAG NAME: TAG goes into namespace names (pxr-TAG-srv ...), NAME
# into PASS/FAIL lines of aborts.
lab_init() {
    PXR_TAG=$1
    PXR_TEST=${2:-$1}
    if ((EUID != 0)); then
        echo "FAIL $PXR_TEST: the lab needs root (network namespaces)"
        exit 1
    fi
    local t
    for t in ip tcpdump ss "$PXR_PYTHON"; do
        command -v "$t" >/dev/null || { echo "FAIL $PXR_TEST: $t not installed"; exit 1; }
    done
    PXR_TMP=$(mktemp -d "/tmp/pxr-$PXR_TAG.XXXXXX")
    NS_SRV=pxr-$PXR_TAG-srv
    NS_RTR=pxr-$PXR_TAG-rtr
    set -o errtrace
    trap 'PXR_ERR_AT="line $LINENO: $BASH_COMMAND"' ERR
    trap lab_exit EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
    PXR_T0=$(now_ms)
}

lab_exit() {
    local rc=$? i name ns pid
    set +e
    trap - ERR
    for ((i = ${#PXR_PROCS[@]} - 1; i >= 0; i--)); do
        name=${PXR_PROCS[i]}
        [[ -n ${PXR_PIDS[$name]:-} ]] && proc_stop "$name"
    done
    for ((i = ${#PXR_NETNS[@]} - 1; i >= 0; i--)); do
        ns=${PXR_NETNS[i]}
        [[ -e /run/netns/$ns ]] || continue
        # Anything still in a namespace of ours was started by this test.
        for pid in $(ip netns pids "$ns" 2>/dev/null); do
            kill -KILL "$pid" 2>/dev/null || true
        done
        ip netns del "$ns" 2>/dev/null || log "could not delete namespace $ns"
    done
    # A relay built with sanitizers (make asan) reports into its log; any
    # report fails the test, whatever the checks said.
    local san
    if [[ -n ${PXR_TMP:-} && -d $PXR_TMP ]]; then
        san=$(grep -s -m 3 -E 'ERROR: (Address|Leak)Sanitizer|runtime error:|SUMMARY: (Address|Leak|UndefinedBehavior)Sanitizer' \
            "$PXR_TMP"/*.log | head -n 3 | tr '\n' ' ')
        [[ -z $san ]] || fail "$PXR_TEST-sanitizer" "$san"
    fi
    if ((rc != 0 && PXR_NFAIL == 0)); then
        fail "$PXR_TEST" "aborted with status $rc${PXR_ERR_AT:+ at $PXR_ERR_AT}"
    fi
    log "$PXR_TEST: $PXR_NPASS passed, $PXR_NFAIL failed in $((($(now_ms) - ${PXR_T0:-$(now_ms)}) / 1000)) s"
    if [[ -n ${PXR_TMP:-} && -d $PXR_TMP ]]; then
        if ((PXR_NFAIL > 0)) || [[ ${PXR_KEEP:-0} == 1 ]]; then
            log "logs and captures kept in $PXR_TMP"
        else
            rm -rf "$PXR_TMP"
        fi
    fi
    if ((PXR_NFAIL > 0 && rc == 0)); then
        rc=1
    fi
    exit "$rc"
}

# ns_add NAME: create a namespace (a stale one of the same name, left by a
# crashed earlier run, is removed first), loopback up, IPv6 off (less noise).
ns_add() {
    local ns=$1
    if [[ -e /run/netns/$ns ]]; then
        log "removing stale namespace $ns"
        ip netns del "$ns"
    fi
    ip netns add "$ns"
    PXR_NETNS+=("$ns")
    ip -n "$ns" link set lo up
    ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
}

# ------------------------------------------------------------------ topology

topo_create() {
    ns_add "$NS_SRV"
    ns_add "$NS_RTR"
    ip -n "$NS_RTR" link add name up0 type veth peer name srv0 netns "$NS_SRV"
    ip -n "$NS_SRV" addr add 10.0.0.2/24 dev srv0
    ip -n "$NS_SRV" addr add 10.0.0.66/24 dev srv0
    ip -n "$NS_RTR" addr add 10.0.0.1/24 dev up0
    ip -n "$NS_SRV" link set srv0 up
    ip -n "$NS_RTR" link set up0 up
    ip netns exec "$NS_RTR" sysctl -qw net.ipv4.ip_forward=1
}

# topo_add_upstream NS NET IFACE: a second upstream namespace NS behind
# the router's up1 (NET.1), NET.2 on its IFACE, routed to the lab's 10/8.
topo_add_upstream() {
    local ns=$1 net=$2 ifc=$3
    ns_add "$ns"
    ip -n "$NS_RTR" link add name up1 type veth peer name "$ifc" netns "$ns"
    ip -n "$NS_RTR" addr add "$net.1/24" dev up1
    ip -n "$ns" addr add "$net.2/24" dev "$ifc"
    ip -n "$NS_RTR" link set up1 up
    ip -n "$ns" link set "$ifc" up
    ip -n "$ns" route add 10.0.0.0/8 via "$net.1"
}

client_ns() { echo "pxr-$PXR_TAG-c$1"; }

# topo_add_vlan N: VLAN N is the veth pair vlanN (router, 10.N.0.1/24) and
# eth0 (client ns, MAC 02:00:00:00:NN:02, no address).
topo_add_vlan() {
    local n=$1 cns
    cns=$(client_ns "$n")
    ns_add "$cns"
    ip -n "$NS_RTR" link add name "vlan$n" type veth peer name eth0 netns "$cns"
    ip -n "$cns" link set eth0 address "$(printf '02:00:00:00:%02x:02' "$n")"
    ip -n "$NS_RTR" addr add "10.$n.0.1/24" dev "vlan$n"
    ip -n "$NS_RTR" link set "vlan$n" up
    ip -n "$cns" link set eth0 up
    ip -n "$NS_SRV" route replace "10.$n.0.0/16" via 10.0.0.1
}

# ---- IPv6 on the lab's links (DHCPv6 tests)

# ipv6_on NS: IPv6 back on (ns_add turns it off), no duplicate address
# detection (addresses usable at once).
ipv6_on() {
    ip netns exec "$1" sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0
    ip netns exec "$1" sysctl -qw net.ipv6.conf.all.disable_ipv6=0 net.ipv6.conf.default.disable_ipv6=0
}

# vlan6 N: vlanN with IPv4 10.N.0.1/24 and 2001:db8:N::1/64, client ns cN.
vlan6() {
    local n=$1 cns
    topo_add_vlan "$n"
    cns=$(client_ns "$n")
    ipv6_on "$cns"
    ip netns exec "$cns" sysctl -qw net.ipv6.conf.eth0.accept_dad=0 net.ipv6.conf.eth0.disable_ipv6=0
    ip netns exec "$NS_RTR" sysctl -qw "net.ipv6.conf.vlan$n.accept_dad=0" "net.ipv6.conf.vlan$n.disable_ipv6=0"
    ip -n "$NS_RTR" addr add "2001:db8:$n::1/64" dev "vlan$n"
    wait_until 5 ll_ready "$cns" || log "no link-local address on $cns/eth0 after 5 s"
}

# ll_ready NS: eth0 in NS has a usable (not tentative) link-local address.
ll_ready() {
    ip -n "$1" -6 -o addr show dev eth0 scope link 2>/dev/null | grep -v tentative | grep -q fe80
}

topo_del_vlan() {
    local n=$1
    ip -n "$NS_RTR" link del "vlan$n"
    ip -n "$NS_SRV" route del "10.$n.0.0/16" via 10.0.0.1 2>/dev/null || true
}

# ------------------------------------------------------------------ servers

# topo_with_server KIND N...: the server and router namespaces, VLAN N...
# (10.N.0.0/24 each, a client namespace behind each) and a KIND server
# (dhcpd, kea, dnsmasq) serving them all.
topo_with_server() {
    local kind=$1 n
    local -a nets=()
    shift
    topo_create
    for n in "$@"; do
        topo_add_vlan "$n"
        nets+=("10.$n.0")
    done
    server_start "$kind" "${nets[@]}"
}

# server_start KIND NET...: write a config serving each NET ("a.b.c" = a.b.c.0/24,
# pool .100-.200, router .1) and start KIND in the server ns, wait until ready.
server_start() {
    local kind=$1
    shift
    case $kind in
        dhcpd) server_start_dhcpd "$@" ;;
        kea) server_start_kea "$@" ;;
        dnsmasq) server_start_dnsmasq "$@" ;;
        *) echo "unknown server $kind" >&2; return 1 ;;
    esac
}

server_ready_or_dead() {
    ! proc_alive "$(pid_of "$1")" || grep -qE "$2" "$PXR_TMP/$1.log"
}

# server_wait NAME PATTERN: wait until PATTERN shows in NAME's log.
server_wait() {
    local name=$1 pattern=$2 reason
    wait_until 15 server_ready_or_dead "$name" "$pattern" || true
    if ! proc_alive "$(pid_of "$name")"; then
        reason="$name exited: $(tail -n 3 "$PXR_TMP/$name.log" | tr '\n' ' ')"
    elif ! grep -qE "$pattern" "$PXR_TMP/$name.log"; then
        reason="no \"$pattern\" in its log within 15 s"
    else
        return 0
    fi
    fail "$PXR_TEST $name-start" "$reason"
    tail -n 20 "$PXR_TMP/$name.log" | sed 's/^/#   /'
    return 1
}

server_start_dhcpd() {
    local d=$PXR_TMP/dhcpd net
    mkdir -p "$d"
    : >"$d/dhcpd.leases"
    {
        echo "# generated by tests/lab/lib.sh"
        echo "authoritative;"
        echo "ddns-update-style none;"
        echo "ping-check false;"
        echo "default-lease-time 60;"
        echo "max-lease-time 60;"
        echo "min-lease-time 60;"
        echo "log-facility local7;"
        echo "# dhcpd refuses to listen on srv0 without a subnet covering it"
        echo "subnet 10.0.0.0 netmask 255.255.255.0 { }"
        for net in "$@"; do
            echo "subnet $net.0 netmask 255.255.255.0 {"
            echo "  range $net.100 $net.200;"
            echo "  option routers $net.1;"
            echo "  option subnet-mask 255.255.255.0;"
            echo "}"
        done
    } >"$d/dhcpd.conf"
    bg_run dhcpd "$NS_SRV" dhcpd -4 -f -d -cf "$d/dhcpd.conf" -lf "$d/dhcpd.leases" -pf "$d/dhcpd.pid" srv0
    server_wait dhcpd 'Server starting service'
}

server_start_kea() {
    local d=$PXR_TMP/kea net id=1
    mkdir -p "$d"
    {
        cat <<EOF
{
  "Dhcp4": {
    "interfaces-config": { "interfaces": [ "srv0" ], "dhcp-socket-type": "udp" },
    "lease-database": { "type": "memfile", "persist": false, "lfc-interval": 0 },
    "valid-lifetime": 60,
    "renew-timer": 30,
    "rebind-timer": 52,
    "subnet4": [
      { "id": $id, "subnet": "10.0.0.0/24" }
EOF
        for net in "$@"; do
            id=$((id + 1))
            cat <<EOF
      , { "id": $id, "subnet": "$net.0/24",
          "pools": [ { "pool": "$net.100 - $net.200" } ],
          "option-data": [ { "name": "routers", "data": "$net.1" } ] }
EOF
        done
        cat <<EOF
    ],
    "loggers": [ {
      "name": "kea-dhcp4",
      "output_options": [ { "output": "stdout" } ],
      "severity": "INFO"
    } ]
  }
}
EOF
    } >"$d/kea-dhcp4.json"
    bg_run kea "$NS_SRV" env KEA_LOCKFILE_DIR="$d" KEA_PIDFILE_DIR="$d" \
        kea-dhcp4 -c "$d/kea-dhcp4.json"
    server_wait kea 'DHCP4_STARTED'
}

server_start_dnsmasq() {
    local d=$PXR_TMP/dnsmasq net
    local -a ranges=()
    mkdir -p "$d"
    for net in "$@"; do
        # A subnet the server has no interface in needs the netmask spelled
        # out; dnsmasq then matches it against giaddr.  2m is dnsmasq's minimum.
        ranges+=("--dhcp-range=$net.100,$net.200,255.255.255.0,2m")
    done
    bg_run dnsmasq "$NS_SRV" dnsmasq -d --conf-file=/dev/null --port=0 --log-dhcp \
        --no-resolv --no-hosts --no-ping --dhcp-authoritative \
        --user=root --group=root --interface=srv0 \
        --pid-file="$d/dnsmasq.pid" --dhcp-leasefile="$d/dnsmasq.leases" \
        "${ranges[@]}"
    server_wait dnsmasq 'DHCP, IP range'
}

# ------------------------------------------------------------------ relay

# relay_start CONF IFACE...: start the relay in the router ns and wait until
# it listens on UDP 67.  IFACE... name the downstream links; pxerelay takes
# them from CONF, the dhcrelay stand-in needs them on its command line.
relay_start() {
    local conf=$1
    shift
    case $PXR_RELAY_IMPL in
        pxerelay)
            bg_run relay "$NS_RTR" "$(pxerelay_bin)" -d -c "$conf"
            ;;
        dhcrelay)
            local -a down=()
            local i
            for i in "$@"; do down+=(-id "$i"); done
            bg_run relay "$NS_RTR" "$DHCRELAY" -d -4 -a -pf "$PXR_TMP/dhcrelay.pid" \
                -iu up0 "${down[@]}" 10.0.0.2
            ;;
        *)
            echo "unknown PXR_RELAY_IMPL=$PXR_RELAY_IMPL" >&2
            return 1
            ;;
    esac
    relay_wait_started || return 1
    relay_listening || log "relay runs but has no socket toward the servers after 10 s; going on"
}

# relay_wait_started: up to 10 s for the relay to listen or die; fails if
# it died.
relay_wait_started() {
    wait_until 10 relay_listening_or_dead || true
    proc_alive "$(pid_of relay)" ||
        why "relay exited at start: $(tail -n 5 "$PXR_TMP/relay.log" | tr '\n' ' ')"
}

# relay_listening [PORT]: pxerelay holds no port: its socket toward the
# servers is raw UDP (protocol 17). Other relays (dhcrelay, the benchmark's
# peers) bind UDP PORT (67; 547 for DHCPv6).
relay_listening() {
    local pid
    pid=$(pid_of relay)
    if [[ $(cat "/proc/$pid/comm" 2>/dev/null) == pxerelay* ]]; then
        ip netns exec "$NS_RTR" ss -Hwanp 2>/dev/null | grep -q ":17 .*pid=$pid,"
    else
        [[ -n $(ip netns exec "$NS_RTR" ss -Hlun "sport = :${1:-67}" 2>/dev/null) ]]
    fi
}

relay_listening_or_dead() {
    ! proc_alive "$(pid_of relay)" || relay_listening
}

# relay_counter NAME: SIGUSR1 the relay, wait for the dump to show NAME and
# set PXR_COUNTER to its value (summed over labelled variants such as
# NAME{iface="x"}).  The dump is one `counter <sample> <value>` line per
# Prometheus sample, the same text the metrics endpoint serves.
relay_counter() {
    local name=$1 logf=$PXR_TMP/relay.log pid before
    PXR_COUNTER=
    pid=$(pid_of relay)
    proc_alive "$pid" || { why "relay not running"; return 1; }
    before=$(wc -l <"$logf")
    kill -USR1 "$pid"
    if ! wait_until 5 counter_in_log "$logf" "$before" "$name"; then
        why "no 'counter $name' line in the relay log within 5 s of SIGUSR1"
        return 1
    fi
    sleep 0.1 # let the rest of the dump land
    PXR_COUNTER=$(tail -n "+$((before + 1))" "$logf" | counter_lines "$name" |
        awk '{ s += $NF } END { print s + 0 }')
}

# counter_lines NAME: the dump lines for NAME, a metric name (every label
# set of it) or an exact sample such as name{reason="x"}.
counter_lines() {
    awk -v n="$1" '{
        for (i = 1; i < NF; i++) if ($i == "counter") {
            k = $(i + 1)
            if (k == n || index(k, n "{") == 1) print
            break
        }
    }'
}

counter_in_log() {
    local logf=$1 before=$2 name=$3
    [[ -n $(tail -n "+$((before + 1))" "$logf" | counter_lines "$name") ]]
}

# expect_counter_at_least NAME MIN: poll (the relay may not have read the
# packet yet) until the counter reaches MIN, for up to 5 s.
expect_counter_at_least() {
    local name=$1 min=$2 deadline
    deadline=$(($(now_ms) + 5000))
    while true; do
        relay_counter "$name" || return 1
        if ((PXR_COUNTER >= min)); then
            log "counter $name = $PXR_COUNTER"
            return 0
        fi
        (($(now_ms) < deadline)) || break
        sleep 0.3
    done
    why "counter $name is $PXR_COUNTER, expected at least $min"
}

# ------------------------------------------------------------------ clients

# client_start_dhclient NAME NS [IFACE]: dhclient in NS with its own config,
# lease and pid files; the lab's hook script records the lease in
# $PXR_TMP/NAME.lease.
client_start_dhclient() {
    local name=$1 ns=$2 ifc=${3:-eth0} d=$PXR_TMP/$1
    mkdir -p "$d"
    cat >"$d/dhclient.conf" <<'EOF'
timeout 30;
retry 5;
initial-interval 1;
backoff-cutoff 2;
request subnet-mask, broadcast-address, routers;
EOF
    rm -f "$PXR_TMP/$name.lease" "$PXR_TMP/$name.lease.events"
    bg_run "$name" "$ns" dhclient -4 -d -1 -v -cf "$d/dhclient.conf" -lf "$d/dhclient.leases" \
        -pf "$d/dhclient.pid" -sf "$PXR_CLIENT_SCRIPT" -e "PXR_LEASE_OUT=$PXR_TMP/$name.lease" "$ifc"
}

# client_start_udhcpc NAME NS [IFACE]: busybox udhcpc in the foreground, a
# DISCOVER every second; SIGUSR1 makes it renew.
client_start_udhcpc() {
    local name=$1 ns=$2 ifc=${3:-eth0}
    rm -f "$PXR_TMP/$name.lease" "$PXR_TMP/$name.lease.events"
    bg_run "$name" "$ns" env "PXR_LEASE_OUT=$PXR_TMP/$name.lease" \
        busybox udhcpc -f -i "$ifc" -s "$PXR_CLIENT_SCRIPT" -t 20 -T 1 -A 1
}

lease_get() {
    local f=$PXR_TMP/$1.lease
    [[ -f $f ]] || return 1
    sed -n "s/^$2=//p" "$f"
}

lease_has_ip() { [[ -n $(lease_get "$1" ip 2>/dev/null) ]]; }

# lease_wait NAME SECS [PREFIX]: wait for a lease, optionally check it starts
# with PREFIX (e.g. "10.10.0.").
lease_wait() {
    local name=$1 secs=$2 prefix=${3:-} ip
    if ! wait_until "$secs" lease_has_ip "$name"; then
        if ! proc_alive "$(pid_of "$name")"; then
            why "$name exited without a lease: $(tail -n 3 "$PXR_TMP/$name.log" | tr '\n' ' ')"
        else
            why "$name got no lease within $secs s"
        fi
        return 1
    fi
    ip=$(lease_get "$name" ip)
    log "$name leased $ip"
    if [[ -n $prefix && $ip != "$prefix"* ]]; then
        why "$name leased $ip, not in ${prefix}0/24"
        return 1
    fi
}

# count_events NAME EVENT: how many times the hook saw EVENT.
count_events() {
    local f=$PXR_TMP/$1.lease.events
    [[ -f $f ]] || { echo 0; return 0; }
    awk -v e="$2" '$3 == e { n++ } END { print n + 0 }' "$f"
}

# probe NS ARG...: run dhcp_probe.py in NS.
probe() {
    local ns=$1
    shift
    ip netns exec "$ns" "$PXR_PYTHON" "$PXR_PROBE" "$@"
}

# ------------------------------------------------------------------ captures

# cap_start NAME NS IFACE: DHCP traffic on IFACE to $PXR_TMP/NAME.pcap.
cap_start() {
    local name=$1 ns=$2 ifc=$3
    # --immediate-mode: without it libpcap hands packets over in blocks, up
    # to a second late, and a check reading the file right after a lease
    # would miss them.
    bg_run "cap-$name" "$ns" tcpdump -Z root -U --immediate-mode -n -s 0 -i "$ifc" \
        -w "$PXR_TMP/$name.pcap" udp port 67 or udp port 68
    if ! wait_until 10 grep -q 'listening on' "$PXR_TMP/cap-$name.log"; then
        fail "$PXR_TEST capture-$name" "tcpdump on $ns/$ifc did not start: $(tr '\n' ' ' <"$PXR_TMP/cap-$name.log")"
        return 1
    fi
}

cap_file() { echo "$PXR_TMP/$1.pcap"; }

# BPF fragments on BOOTP fields (offsets from the UDP header).
bpf_request() { echo "udp[8] = 1"; }
bpf_reply() { echo "udp[8] = 2"; }
bpf_giaddr() {
    local IFS=.
    # shellcheck disable=SC2086
    printf 'udp[32:4] = 0x%02x%02x%02x%02x\n' $1
}
bpf_ciaddr() {
    local IFS=.
    # shellcheck disable=SC2086
    printf 'udp[20:4] = 0x%02x%02x%02x%02x\n' $1
}
bpf_chaddr() {
    local IFS=:
    # shellcheck disable=SC2086
    set -- $1
    printf 'udp[36:4] = 0x%s%s%s%s and udp[40:2] = 0x%s%s\n' "$@"
}

# pcap_decode PCAP [BPF]: tcpdump's verbose decode.
pcap_decode() {
    local f=$1
    shift
    tcpdump -n -vvv -r "$f" "$@" 2>/dev/null || true
}

pcap_count() {
    local f=$1
    shift
    tcpdump -n -r "$f" "$@" 2>/dev/null | grep -c . || true
}

pcap_any() { (($(pcap_count "$@") > 0)); }

# pcap_circuits PCAP [BPF]: one line per packet: its option 82 circuit-id,
# "-" for option 82 without a circuit-id, "none" without option 82.
# tcpdump 4.99 prints "Agent-Information (82), length N:" and
# "Circuit-ID SubOption 1, length N: VALUE"; older ones said
# "Agent-Information Option 82".
pcap_circuits() {
    pcap_decode "$@" | awk '
        function flush() { if (inpkt) print (has82 ? (cid != "" ? cid : "-") : "none") }
        /^[0-9]/ { flush(); inpkt = 1; has82 = 0; cid = ""; next }
        /Agent-Information \(82\)|Agent-Information Option 82/ { has82 = 1 }
        /Circuit-ID SubOption 1, length [0-9]+:/ {
            s = $0; sub(/^.*Circuit-ID SubOption 1, length [0-9]+: ?/, "", s); cid = s
        }
        END { flush() }'
}

# expect_opt82_circuit PCAP CIRCUIT BPF: at least one packet matches BPF and
# every one of them carries option 82 with circuit-id CIRCUIT.
expect_opt82_circuit() {
    local f=$1 want=$2 bpf=$3 list bad
    # The capture may still be a few milliseconds behind the event we waited for.
    if ! wait_until 3 pcap_any "$f" "$bpf"; then
        why "no packet matching '$bpf' in $(basename "$f")"
        return 1
    fi
    list=$(pcap_circuits "$f" "$bpf")
    bad=$(grep -vxF -- "$want" <<<"$list" | sort | uniq -c | tr -s ' \n' ' ' || true)
    [[ -z $bad ]] || { why "expected circuit-id '$want' in every packet matching '$bpf', also saw: $bad"; return 1; }
    log "$(wc -l <<<"$list") packet(s) matching '$bpf' carry circuit-id '$want'"
}

# expect_no_opt82 PCAP [BPF]: no packet matching BPF carries option 82.
expect_no_opt82() {
    local f=$1
    shift
    local list n82
    list=$(pcap_circuits "$f" "$@")
    n82=$(grep -cvx none <<<"$list" || true)
    [[ -z $list ]] && n82=0
    ((n82 == 0)) || { why "$n82 packet(s) in $(basename "$f") carry option 82: $(grep -vx none <<<"$list" | sort -u | tr '\n' ' ')"; return 1; }
    log "$(grep -c . <<<"$list" || true) packet(s) in $(basename "$f") checked, none with option 82"
}

# expect_no_packet PCAP BPF: nothing matched.
expect_no_packet() {
    local f=$1 bpf=$2 n
    n=$(pcap_count "$f" "$bpf")
    ((n == 0)) || { why "$n packet(s) matching '$bpf' in $(basename "$f")"; return 1; }
}

# ------------------------------------------------------------------ daemon
# (used by test_daemon.sh; generic enough for any test)

# relay_run ARG...: start pxerelay with exactly ARG... as its command line
# (say -d -c CONF -p PIDFILE -w TRACE) in the router ns, as process "relay"
# (so relay_counter works on it), and wait until it listens on UDP 67.
# Unlike relay_start, a relay that runs but does not listen is a failure.
relay_run() {
    bg_run relay "$NS_RTR" "$(pxerelay_bin)" "$@"
    relay_wait_started || return 1
    relay_listening || why "relay runs but has no socket toward the servers after 10 s"
}

# proc_status PID FIELD: FIELD's value in /proc/PID/status, blanks squeezed
# (proc_status 42 Uid -> "65534 65534 65534 65534"; empty for "Groups" of a
# process without supplementary groups).  Fails if there is no such field.
proc_status() {
    awk -v f="$2:" '$1 == f { $1 = ""; sub(/^ +/, ""); print; ok = 1; exit }
                    END { exit !ok }' "/proc/$1/status"
}

# proc_wait_exit NAME SECS: wait up to SECS for process NAME (started with
# bg_run) to end and reap it: PXR_EXIT_STATUS = its exit status.  Returns 1
# (with `why`) when it still runs; the EXIT trap stops it then.
proc_wait_exit() {
    local name=$1 secs=$2 pid rc=0
    PXR_EXIT_STATUS=
    pid=$(pid_of "$name")
    [[ -n $pid ]] || { why "$name is not running"; return 1; }
    if ! wait_until "$secs" proc_gone "$pid"; then
        why "$name (pid $pid) still runs after $secs s"
        return 1
    fi
    wait "$pid" || rc=$?
    # shellcheck disable=SC2034 # read by the caller
    PXR_EXIT_STATUS=$rc
    unset "PXR_PIDS[$name]"
}

# log_lines_since FILE N: the lines of FILE after its first N.
log_lines_since() { tail -n "+$(($2 + 1))" "$1"; }

# relay_dump: SIGUSR1 the relay and print its counter dump as
# "SAMPLE VALUE" lines (the "counter SAMPLE VALUE" log lines without the
# log prefix), once the dump has stopped growing.
relay_dump() {
    local logf=$PXR_TMP/relay.log pid before n0 n1
    pid=$(pid_of relay)
    proc_alive "$pid" || { why "relay not running"; return 1; }
    before=$(wc -l <"$logf")
    kill -USR1 "$pid"
    if ! wait_until 5 counter_in_log "$logf" "$before" pxerelay_start_time_seconds; then
        why "no counter dump in the relay log within 5 s of SIGUSR1"
        return 1
    fi
    n1=$(wc -l <"$logf")
    while true; do
        sleep 0.1
        n0=$n1
        n1=$(wc -l <"$logf")
        ((n1 != n0)) || break
    done
    log_lines_since "$logf" "$before" | awk '{
        for (i = 1; i < NF - 1; i++) if ($i == "counter") { print $(i + 1), $(i + 2); break }
    }'
}

# metric_sample FILE SAMPLE: the value of SAMPLE (exact text, labels
# included) in Prometheus text FILE; fails when absent.
metric_sample() {
    awk -v s="$2" '$1 == s { print $2; ok = 1; exit } END { exit !ok }' "$1"
}

# http_raw NS HOST:PORT REQUEST: open TCP to HOST:PORT from namespace NS,
# send REQUEST (printf %b escapes such as \r\n expanded), print the whole
# response, read until the server closes (3 s at most; "<timeout>" on
# stderr then).
http_raw() {
    printf '%b' "$3" | ip netns exec "$1" "$PXR_PYTHON" -c '
import socket, sys
host, port = sys.argv[1].rsplit(":", 1)
s = socket.create_connection((host, int(port)), timeout=3)
s.sendall(sys.stdin.buffer.read())
out = b""
try:
    while True:
        b = s.recv(65536)
        if not b:
            break
        out += b
except socket.timeout:
    sys.stderr.write("<timeout>\n")
sys.stdout.buffer.write(out)
' "$2"
}

# ------------------------------------------------------------------ TFTP
# (used by test_tftp_proxy.sh; generic enough for any test)

PXR_TFTP_CLIENT=$PXR_LAB_DIR/tftp_client.py

# tftp_py NS ARG...: run tftp_client.py in NS.
tftp_py() {
    local ns=$1
    shift
    ip netns exec "$ns" "$PXR_PYTHON" "$PXR_TFTP_CLIENT" "$@"
}

# server_start_dhcpd_pxe NEXT FILE NET...: like server_start_dhcpd (process
# "dhcpd", same subnets), plus next-server NEXT and filename FILE for
# everybody, as a PXE site's server would hand out.
server_start_dhcpd_pxe() {
    local next=$1 file=$2 d=$PXR_TMP/dhcpd net
    shift 2
    mkdir -p "$d"
    : >"$d/dhcpd.leases"
    {
        echo "# generated by tests/lab/lib.sh"
        echo "authoritative;"
        echo "ddns-update-style none;"
        echo "ping-check false;"
        echo "default-lease-time 300;"
        echo "max-lease-time 300;"
        echo "log-facility local7;"
        echo "next-server $next;"
        echo "filename \"$file\";"
        echo "subnet 10.0.0.0 netmask 255.255.255.0 { }"
        for net in "$@"; do
            echo "subnet $net.0 netmask 255.255.255.0 {"
            echo "  range $net.100 $net.200;"
            echo "  option routers $net.1;"
            echo "  option subnet-mask 255.255.255.0;"
            echo "}"
        done
    } >"$d/dhcpd.conf"
    bg_run dhcpd "$NS_SRV" dhcpd -4 -f -d -cf "$d/dhcpd.conf" -lf "$d/dhcpd.leases" -pf "$d/dhcpd.pid" srv0
    server_wait dhcpd 'Server starting service'
}

# udp_listening NS PORT [ADDR]: something in NS listens on UDP PORT (at ADDR).
udp_listening() {
    local out
    out=$(ip netns exec "$1" ss -Hlun "sport = :$2" 2>/dev/null) || return 1
    [[ -n $out ]] || return 1
    [[ -z ${3:-} ]] || grep -qF "$3:$2" <<<"$out"
}

# tftpd_start NAME NS ROOT ADDR: tftpd-hpa (in.tftpd) in the foreground in
# NS, chrooted to ROOT, on ADDR:69, as process NAME; waits until it listens.
# It drops to the user tftp: ROOT and its files must be world-readable.
tftpd_start() {
    local name=$1 ns=$2 root=$3 addr=$4
    bg_run "$name" "$ns" /usr/sbin/in.tftpd -L -s "$root" -a "$addr:69" -v
    wait_until 10 udp_listening "$ns" 69 "$addr" || true
    if ! proc_alive "$(pid_of "$name")"; then
        why "in.tftpd exited at start: $(tail -n 3 "$PXR_TMP/$name.log" | tr '\n' ' ')"
        return 1
    fi
    udp_listening "$ns" 69 "$addr" || why "in.tftpd runs but does not listen on $addr:69"
}

# ns_pids_named NS COMM: pids of the processes in NS whose command is COMM
# (also the children a server forked, which bg_run does not know about).
ns_pids_named() {
    local pid c
    for pid in $(ip netns pids "$1" 2>/dev/null); do
        c=$(cat "/proc/$pid/comm" 2>/dev/null) || continue
        [[ $c == "$2" ]] && echo "$pid"
    done
    return 0
}

# cap_start_filter NAME NS IFACE FILTER...: like cap_start, with any BPF
# filter (say "udp"), to $PXR_TMP/NAME.pcap; a 32 MiB kernel buffer, so a
# bulk transfer at full speed is captured without drops.
cap_start_filter() {
    local name=$1 ns=$2 ifc=$3
    shift 3
    : >"$PXR_TMP/cap-$name.log"
    bg_run "cap-$name" "$ns" tcpdump -Z root -U --immediate-mode -B 32768 -n -s 0 -i "$ifc" \
        -w "$PXR_TMP/$name.pcap" "$@"
    if ! wait_until 10 grep -q 'listening on' "$PXR_TMP/cap-$name.log"; then
        fail "$PXR_TEST capture-$name" "tcpdump on $ns/$ifc did not start: $(tr '\n' ' ' <"$PXR_TMP/cap-$name.log")"
        return 1
    fi
}

# pcap_rrqs PCAP: one line "SRC-IP FILE" per TFTP read request in PCAP.
pcap_rrqs() {
    tcpdump -n -r "$1" 'udp dst port 69' 2>/dev/null |
        sed -n 's/^[0-9:.]* IP \([0-9]*\.[0-9]*\.[0-9]*\.[0-9]*\)\.[0-9]* > [0-9.]*\.69: .*RRQ "\([^"]*\)".*/\1 \2/p'
}

# count_rrqs PCAP SRC FILE: read requests for FILE ("/FILE" counts too)
# from SRC ("any": from anywhere) in PCAP.
count_rrqs() {
    pcap_rrqs "$1" | awk -v s="$2" -v f="$3" '
        (s == "any" || $1 == s) && ($2 == f || $2 == "/" f) { n++ } END { print n + 0 }'
}

# sha_of FILE: its sha256, hex.
sha_of() { sha256sum "$1" | cut -d' ' -f1; }

# ------------------------------------------------------------------ firmware VMs
# QEMU in a client namespace, the way test_firmware.sh runs it.

PXR_QEMU=${QEMU:-qemu-system-x86_64}
PXR_BIOS_ROM=${PXR_BIOS_ROM:-/usr/lib/ipxe/qemu/pxe-e1000.rom}
PXR_OVMF_CODE=${PXR_OVMF_CODE:-/usr/share/OVMF/OVMF_CODE_4M.fd}
PXR_OVMF_VARS=${PXR_OVMF_VARS:-/usr/share/OVMF/OVMF_VARS_4M.fd}
PXR_QEMU_ARM=${QEMU_ARM:-qemu-system-aarch64}
PXR_AAVMF_CODE=${PXR_AAVMF_CODE:-/usr/share/AAVMF/AAVMF_CODE.fd}
PXR_AAVMF_VARS=${PXR_AAVMF_VARS:-/usr/share/AAVMF/AAVMF_VARS.fd}

# vm_bridge NS: put the client ns' eth0 and a new tap0 (for QEMU) into a
# bridge br0, so the VM is on the VLAN link itself.
vm_bridge() {
    local ns=$1
    ip -n "$ns" tuntap add dev tap0 mode tap
    ip -n "$ns" link add br0 type bridge forward_delay 0 stp_state 0
    ip -n "$ns" link set eth0 master br0
    ip -n "$ns" link set tap0 master br0
    ip -n "$ns" link set tap0 up
    ip -n "$ns" link set br0 up
}

# vm_qemu_start NAME NS KIND MAC: boot QEMU (TCG, no display) from the
# network on NS's tap0, as process NAME.  KIND bios: SeaBIOS + the iPXE
# e1000 ROM (serial and SeaBIOS debug port to $PXR_TMP/NAME.serial,
# .debugcon); uefi: OVMF with its own PXE on virtio-net (no option ROM);
# aavmf: the same for ARM64, AAVMF on qemu-system-aarch64's virt machine
# (tests/deps.sh firmware-arm installs it; no lab test in make check uses it).
# shellcheck disable=SC2054 # the commas belong to QEMU's option syntax
vm_qemu_start() {
    local name=$1 ns=$2 kind=$3 mac=$4
    local -a cmd=("$PXR_QEMU" -accel tcg -machine pc -nodefaults -no-user-config -display none
        -serial "file:$PXR_TMP/$name.serial" -netdev tap,id=n0,ifname=tap0,script=no,downscript=no)
    case $kind in
        bios)
            cmd+=(-m 256M -boot order=n -device "e1000,netdev=n0,mac=$mac,romfile=$PXR_BIOS_ROM"
                -chardev "file,id=dbg,path=$PXR_TMP/$name.debugcon"
                -device isa-debugcon,iobase=0x402,chardev=dbg)
            ;;
        uefi)
            cp "$PXR_OVMF_VARS" "$PXR_TMP/$name.vars.fd"
            cmd+=(-m 512M
                -drive "if=pflash,format=raw,unit=0,readonly=on,file=$PXR_OVMF_CODE"
                -drive "if=pflash,format=raw,unit=1,file=$PXR_TMP/$name.vars.fd"
                -device "virtio-net-pci,netdev=n0,mac=$mac,romfile=,bootindex=1")
            ;;
        aavmf)
            cp "$PXR_AAVMF_VARS" "$PXR_TMP/$name.vars.fd"
            cmd[0]=$PXR_QEMU_ARM
            cmd[4]=virt
            cmd+=(-cpu cortex-a57 -m 512M
                -drive "if=pflash,format=raw,unit=0,readonly=on,file=$PXR_AAVMF_CODE"
                -drive "if=pflash,format=raw,unit=1,file=$PXR_TMP/$name.vars.fd"
                -device "virtio-net-pci,netdev=n0,mac=$mac,romfile=,bootindex=1")
            ;;
        *) echo "vm_qemu_start: unknown kind $kind" >&2; return 1 ;;
    esac
    bg_run "$name" "$ns" "${cmd[@]}"
}

# ra_sender_start NAME NS IFACE: a bare IPv6 router advertisement (lifetime
# 0, no prefix, no M/O flag) on IFACE every 0.5 s, as process NAME.  iPXE
# otherwise waits ~13 s for an IPv6 router before it loads its boot file.
ra_sender_start() {
    bg_run "$1" "$2" "$PXR_PYTHON" "$PXR_LAB_DIR/ra_sender.py" "$3"
}

# ---- soak helpers
# (used by tests/soak/soak.sh; generic enough for any test)

# soak_rss_kb PID: VmRSS of PID in KiB.
soak_rss_kb() { proc_status "$1" VmRSS | awk '{ print $1 }'; }

# soak_fd_count PID: open file descriptors of PID.
soak_fd_count() {
    local n
    n=$(find "/proc/$1/fd" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l) || return 1
    echo "$n"
}

# soak_vlan_restore N: put back vlanN (as topo_add_vlan makes it) after
# topo_del_vlan, into the client ns that is still there, so what runs in
# that ns sees its eth0 come back: same MAC, router address, server route.
soak_vlan_restore() {
    local n=$1 cns
    cns=$(client_ns "$n")
    ip -n "$NS_RTR" link add name "vlan$n" type veth peer name eth0 netns "$cns"
    ip -n "$cns" link set eth0 address "$(printf '02:00:00:00:%02x:02' "$n")"
    ip -n "$NS_RTR" addr add "10.$n.0.1/24" dev "vlan$n"
    ip -n "$NS_RTR" link set "vlan$n" up
    ip -n "$cns" link set eth0 up
    ip -n "$NS_SRV" route replace "10.$n.0.0/16" via 10.0.0.1
}

# soak_dhcpd_restart: stop the "dhcpd" process and start it again with the
# config and lease file server_start_dhcpd(_pxe) wrote.
soak_dhcpd_restart() {
    local d=$PXR_TMP/dhcpd
    [[ -f $d/dhcpd.conf ]] || { why "no dhcpd config to restart with"; return 1; }
    proc_stop dhcpd
    cp "$PXR_TMP/dhcpd.log" "$PXR_TMP/dhcpd-$(now_ms).log" 2>/dev/null || true
    bg_run dhcpd "$NS_SRV" dhcpd -4 -f -d -cf "$d/dhcpd.conf" -lf "$d/dhcpd.leases" -pf "$d/dhcpd.pid" srv0
    server_wait dhcpd 'Server starting service' || why "dhcpd did not come back: $(tail -n 2 "$PXR_TMP/dhcpd.log" | tr '\n' ' ')"
}

# soak_kill_named NS COMM: SIGKILL every process in NS whose command is
# COMM; prints how many.
soak_kill_named() {
    local p n=0
    for p in $(ns_pids_named "$1" "$2"); do
        kill -KILL "$p" 2>/dev/null && n=$((n + 1))
    done
    echo "$n"
}

# soak_metrics NS HOSTPORT OUT: GET /metrics from HOSTPORT inside NS into
# OUT; fails when there is no answer or not the relay's text.
soak_metrics() {
    ip netns exec "$1" curl -sS -m 3 -o "$3" "http://$2/metrics" 2>/dev/null &&
        grep -q '^pxerelay_start_time_seconds ' "$3"
}

# soak_metric_sum FILE NAME: the sum of every sample of metric NAME (all its
# label sets) in Prometheus text FILE; 0 when absent.
soak_metric_sum() {
    awk -v n="$2" '$1 == n || index($1, n "{") == 1 { s += $NF } END { printf "%.0f\n", s + 0 }' "$1"
}

# ---- tftp bench helpers
# (used by tests/bench/tftp.sh; generic enough for any test)

# tbench_dhcpd_start NEXT FILE LO HI NET...: like server_start_dhcpd_pxe
# (process "dhcpd", next-server NEXT, filename FILE for everybody), with the
# pool NET.LO-NET.HI in each /24 NET ("a.b.c") and one-hour leases, so a
# wave of a few hundred clients each gets an address of its own.
tbench_dhcpd_start() {
    local next=$1 file=$2 lo=$3 hi=$4 d=$PXR_TMP/dhcpd net
    shift 4
    mkdir -p "$d"
    : >"$d/dhcpd.leases"
    {
        echo "# generated by tests/lab/lib.sh (tbench_dhcpd_start)"
        echo "authoritative;"
        echo "ddns-update-style none;"
        echo "ping-check false;"
        echo "default-lease-time 3600;"
        echo "max-lease-time 3600;"
        echo "log-facility local7;"
        echo "next-server $next;"
        echo "filename \"$file\";"
        echo "subnet 10.0.0.0 netmask 255.255.255.0 { }"
        for net in "$@"; do
            echo "subnet $net.0 netmask 255.255.255.0 {"
            echo "  range $net.$lo $net.$hi;"
            echo "  option routers $net.1;"
            echo "  option subnet-mask 255.255.255.0;"
            echo "}"
        done
    } >"$d/dhcpd.conf"
    bg_run dhcpd "$NS_SRV" dhcpd -4 -f -d -cf "$d/dhcpd.conf" -lf "$d/dhcpd.leases" -pf "$d/dhcpd.pid" srv0
    server_wait dhcpd 'Server starting service'
}

# tbench_wan_create MID FAR: a WAN leg beside topo_create's server link:
# router ns up1 10.1.0.1/24 -- veth -- wa [namespace MID] wb -- veth --
# wan0 10.1.0.2/24 [namespace FAR].  MID holds both middle ends, up and
# without addresses, for a forwarder to join (nothing passes until one
# runs); FAR routes 10.0.0.0/8 back through the router.
tbench_wan_create() {
    local mid=$1 far=$2
    ns_add "$mid"
    ns_add "$far"
    ip -n "$NS_RTR" link add name up1 type veth peer name wa netns "$mid"
    ip -n "$far" link add name wan0 type veth peer name wb netns "$mid"
    ip -n "$NS_RTR" addr add 10.1.0.1/24 dev up1
    ip -n "$far" addr add 10.1.0.2/24 dev wan0
    ip -n "$NS_RTR" link set up1 up
    ip -n "$mid" link set wa up
    ip -n "$mid" link set wb up
    ip -n "$far" link set wan0 up
    ip -n "$far" route replace 10.0.0.0/8 via 10.1.0.1
}

# delayfwd_build OUT: tests/bench/delayfwd.c built into OUT (the kernel
# here has no netem); its compiler output in OUT.build.log.
delayfwd_build() {
    mkdir -p "$(dirname "$1")"
    "${CC:-cc}" -std=gnu11 -O2 -Wall -Wextra -Werror -o "$1" "$(top)/tests/bench/delayfwd.c" \
        >"$1.build.log" 2>&1 || { cat "$1.build.log"; return 1; }
}

# wan_start DELAYFWD MS: the WAN leg of tbench_wan_create (namespaces
# NS_MID pxr-TAG-wan and NS_REM pxr-TAG-rem, set here) with DELAYFWD
# holding every frame MS milliseconds each way; fails (with `why`) when it
# does not start.
wan_start() {
    NS_MID=pxr-$PXR_TAG-wan
    NS_REM=pxr-$PXR_TAG-rem
    tbench_wan_create "$NS_MID" "$NS_REM"
    bg_run delayfwd "$NS_MID" "$1" -a wa -b wb -d "$2"
    wait_until 5 grep -q '^delayfwd: ready' "$PXR_TMP/delayfwd.log" ||
        why "delayfwd did not start: $(tr '\n' ' ' <"$PXR_TMP/delayfwd.log")"
}

# tbench_lease NS IFACE TAG N: lease N addresses through the relay from NS
# on IFACE (DISCOVER, then REQUEST, each from its own MAC 02:TAG:..., TAG
# two hex digits, with dhcp_probe.py, 50 clients at a time) and add each
# to IFACE as a /24; they are appended to the array TBENCH_IPS.  Fails
# (with `why`) when a client got no OFFER or ACK, or two got one address.
tbench_lease() {
    local ns=$1 ifc=$2 tag=$3 n=$4 d=$PXR_TMP/lease-$1-$3 i j mac ip first
    local -a pids=() got=()
    mkdir -p "$d"
    for ((first = 0; first < n; first += 50)); do
        pids=()
        for ((i = first; i < n && i < first + 50; i++)); do
            mac=$(printf '02:%s:00:00:%02x:%02x' "$tag" $((i >> 8)) $((i & 255)))
            probe "$ns" request -i "$ifc" --mac "$mac" --wait 5 --tries 3 >"$d/offer-$i" 2>&1 &
            pids+=($!)
        done
        wait "${pids[@]}" || true
        pids=()
        for ((i = first; i < n && i < first + 50; i++)); do
            mac=$(printf '02:%s:00:00:%02x:%02x' "$tag" $((i >> 8)) $((i & 255)))
            ip=$(sed -n 's/^reply type=OFFER .*yiaddr=\([0-9.]*\).*/\1/p' "$d/offer-$i")
            [[ -n $ip ]] || { why "no OFFER for $mac: $(tr '\n' ' ' <"$d/offer-$i")"; return 1; }
            probe "$ns" request -i "$ifc" --type request --mac "$mac" --requested-ip "$ip" \
                --server-id 10.0.0.2 --wait 5 --tries 3 >"$d/ack-$i" 2>&1 &
            pids+=($!)
        done
        wait "${pids[@]}" || true
        for ((i = first; i < n && i < first + 50; i++)); do
            ip=$(sed -n 's/^reply type=ACK .*yiaddr=\([0-9.]*\).*/\1/p' "$d/ack-$i")
            [[ -n $ip ]] || { why "no ACK for client $i: $(tr '\n' ' ' <"$d/ack-$i")"; return 1; }
            for j in "${got[@]}"; do
                [[ $j != "$ip" ]] || { why "$ip leased twice"; return 1; }
            done
            got+=("$ip")
        done
    done
    for ip in "${got[@]}"; do
        ip -n "$ns" addr add "$ip/24" dev "$ifc"
    done
    TBENCH_IPS+=("${got[@]}")
}

# dhcp_dora NS IFACE: a DISCOVER, then a REQUEST for the address offered,
# from IFACE's own MAC through the relay (dhcp_probe.py): the lease is
# ACKed again, which is what teaches the TFTP proxy a client (an OFFER
# alone does not).  Fails (with `why`) when no ACK came.
dhcp_dora() {
    local ns=$1 ifc=$2 out ip
    out=$(probe "$ns" request -i "$ifc" --wait 5 --tries 3 2>&1) || true
    ip=$(sed -n 's/^reply type=OFFER .*yiaddr=\([0-9.]*\).*/\1/p' <<<"$out")
    [[ -n $ip ]] || { why "no OFFER: $(tr '\n' ' ' <<<"$out")"; return 1; }
    out=$(probe "$ns" request -i "$ifc" --type request --requested-ip "$ip" \
        --server-id 10.0.0.2 --wait 5 --tries 3 2>&1) || true
    grep -q '^reply type=ACK ' <<<"$out" || { why "no ACK for $ip: $(tr '\n' ' ' <<<"$out")"; return 1; }
}

# tbench_ping NS DST COUNT: ping DST COUNT times, 0.2 s apart, from NS
# (iputils ping, else busybox's); prints "min avg max" in ms.
tbench_ping() {
    local -a cmd=(ping)
    command -v ping >/dev/null || cmd=(busybox ping)
    ip netns exec "$1" "${cmd[@]}" -c "$3" -i 0.2 "$2" 2>&1 |
        sed -n 's|.*min/avg/max[^=]*= *\([0-9.]*\)/\([0-9.]*\)/\([0-9.]*\).*|\1 \2 \3|p'
}

# tbench_wave NS DIR URL SECS IP...: one curl per IP in NS, bound to that
# IP, reading URL (tftp://, blksize 1468, at most SECS seconds) into
# DIR/K.bin for the K-th IP; DIR/K.rc is its exit status, DIR/K.time its
# time_total, DIR/K.err its messages.  All of them are started first and
# held at a lock, then let go at once: TBENCH_WAVE_MS is the time from that
# instant to the last one's exit (empty when the wave did not report).
tbench_wave() {
    local ns=$1 dir=$2 url=$3 secs=$4 out t0 t1
    shift 4
    TBENCH_WAVE_MS=
    mkdir -p "$dir"
    # shellcheck disable=SC2016 # expanded by the inner shell
    out=$(timeout $((secs + 60)) ip netns exec "$ns" bash -c '
        dir=$1 url=$2 secs=$3
        shift 3
        lock=$dir/.go
        : >"$lock"
        exec 9>"$lock"
        flock -x 9
        k=0
        for ip in "$@"; do
            (
                exec 9>&-
                rc=0
                flock -s "$lock" curl -sS --interface "$ip" --tftp-blksize 1468 --max-time "$secs" \
                    -w "%{time_total}" -o "$dir/$k.bin" "$url" >"$dir/$k.time" 2>"$dir/$k.err" || rc=$?
                echo "$rc" >"$dir/$k.rc"
            ) &
            k=$((k + 1))
        done
        # Let them reach the lock (one that comes later starts late).
        sleep "$(awk -v n=$# "BEGIN { print 0.3 + n / 200 }")"
        t0=$EPOCHREALTIME
        flock -u 9
        wait
        t1=$EPOCHREALTIME
        echo "${t0/[.,]/} ${t1/[.,]/}"
    ' _ "$dir" "$url" "$secs" "$@" 2>"$dir/.wave.err") || true
    read -r t0 t1 <<<"$out" || true
    # shellcheck disable=SC2034 # read by the caller
    [[ -n ${t1:-} ]] && TBENCH_WAVE_MS=$(((t1 - t0) / 1000))
    return 0
}

# tbench_wave_check DIR N SHA: of the N clients of a tbench_wave in DIR,
# how many exited 0 with a file of sha256 SHA: TBENCH_OK, TBENCH_BAD and
# TBENCH_BAD_WHY (the distinct failures, counted); TBENCH_T50 / TBENCH_TMAX
# the median and largest time_total (s) of those that succeeded.  The
# fetched files are removed.
tbench_wave_check() {
    local dir=$1 n=$2 sha=$3 k rc got
    local -a times=()
    local -A sums=()
    TBENCH_OK=0 TBENCH_BAD=0 TBENCH_BAD_WHY='' TBENCH_T50='' TBENCH_TMAX=''
    while read -r got k; do
        k=${k##*/}
        sums[${k%.bin}]=$got
    done < <(cd "$dir" && find . -maxdepth 1 -name '*.bin' -print0 | xargs -0 -r sha256sum)
    for ((k = 0; k < n; k++)); do
        rc=$(cat "$dir/$k.rc" 2>/dev/null || echo none)
        if [[ $rc == 0 && ${sums[$k]:-} == "$sha" ]]; then
            TBENCH_OK=$((TBENCH_OK + 1))
            times+=("$(cat "$dir/$k.time")")
        else
            TBENCH_BAD=$((TBENCH_BAD + 1))
            if [[ $rc == 0 ]]; then
                echo "exit 0, sha256 differs" >>"$dir/.why"
            else
                echo "exit $rc: $(head -c 120 "$dir/$k.err" 2>/dev/null | tr '\n' ' ')" >>"$dir/.why"
            fi
        fi
    done
    if ((TBENCH_BAD > 0)); then
        # shellcheck disable=SC2034 # read by the caller
        TBENCH_BAD_WHY=$(sort "$dir/.why" | uniq -c | sort -rn | head -n 3 | sed 's/^ *//' | tr '\n' ';')
    fi
    if ((${#times[@]} > 0)); then
        # shellcheck disable=SC2034 # read by the caller
        read -r TBENCH_T50 TBENCH_TMAX < <(printf '%s\n' "${times[@]}" | sort -g |
            awk '{ v[NR] = $1 } END { printf "%.3f %.3f\n", v[int((NR + 1) / 2)], v[NR] }')
    fi
    find "$dir" -maxdepth 1 -name '*.bin' -delete
}

# ---- fault/malformed helpers
# (used by test_faults.sh and test_malformed.sh; generic enough for any test)

PXR_MALFORMED=$PXR_LAB_DIR/malformed.py

# malformed_py NS ARG...: run malformed.py in NS.
malformed_py() {
    local ns=$1
    shift
    ip netns exec "$ns" "$PXR_PYTHON" "$PXR_MALFORMED" "$@"
}

# measure NAME VALUE UNIT: one "# MEASURE NAME VALUE UNIT" line.
measure() { echo "# MEASURE $1 $2 $3"; }

# ms_to_s MS: "1.234".
ms_to_s() { printf '%d.%03d' $(($1 / 1000)) $(($1 % 1000)); }

# epoch_ms_of TEXT: TEXT is "EPOCH.FRACTION" (seconds): milliseconds.
epoch_ms_of() { awk -v t="$1" 'BEGIN { printf "%.0f\n", t * 1000 }'; }

# log_stamp_ms LINE: the epoch milliseconds of a relay log line
# ("HH:MM:SS.mmm level: ...", local time, today).
log_stamp_ms() {
    local hms=${1%% *} s
    s=$(date -d "today ${hms%.*}" +%s) || return 1
    echo $((s * 1000 + 10#${hms#*.}))
}

# link_mac NS IFACE: the MAC address of IFACE in NS.
link_mac() { ip -n "$1" -o link show "$2" | sed -n 's/.* link\/ether \([0-9a-f:]*\) .*/\1/p'; }

# link_ifindex NS IFACE
link_ifindex() { ip -n "$1" -o link show "$2" | cut -d: -f1; }

# fault_dhcpd_start NAME NS IFACE LOCALNET NEXT LO HI NET...: an ISC dhcpd
# named NAME in NS on IFACE (whose own subnet is LOCALNET, "a.b.c"),
# next-server NEXT, filename "boot.bin", pool a.b.c.LO-HI in each NET; its
# files in $PXR_TMP/NAME (leases kept across a restart with the same NAME).
fault_dhcpd_start() {
    local name=$1 ns=$2 ifc=$3 local=$4 next=$5 lo=$6 hi=$7 d=$PXR_TMP/$1 net
    shift 7
    mkdir -p "$d"
    [[ -f $d/dhcpd.leases ]] || : >"$d/dhcpd.leases"
    {
        echo "authoritative;"
        echo "ddns-update-style none;"
        echo "ping-check false;"
        echo "default-lease-time 120;"
        echo "max-lease-time 120;"
        echo "log-facility local7;"
        echo "next-server $next;"
        echo "filename \"boot.bin\";"
        echo "subnet $local.0 netmask 255.255.255.0 { }"
        for net in "$@"; do
            echo "subnet $net.0 netmask 255.255.255.0 {"
            echo "  range $net.$lo $net.$hi;"
            echo "  option routers $net.1;"
            echo "  option subnet-mask 255.255.255.0;"
            echo "}"
        done
    } >"$d/dhcpd.conf"
    : >"$PXR_TMP/$name.log"
    bg_run "$name" "$ns" dhcpd -4 -f -d -cf "$d/dhcpd.conf" -lf "$d/dhcpd.leases" -pf "$d/dhcpd.pid" "$ifc"
    server_wait "$name" 'Server starting service'
}

# fault_snap NAME: the relay's counter dump to $PXR_TMP/snap-NAME.txt.
fault_snap() {
    relay_dump >"$PXR_TMP/snap-$1.txt" && return 0
    rm -f "$PXR_TMP/snap-$1.txt"
    return 1
}
# fault_val NAME SAMPLE: SAMPLE in snapshot NAME (0 when absent).
fault_val() { metric_sample "$PXR_TMP/snap-$1.txt" "$2" 2>/dev/null || echo 0; }
# fault_delta A B SAMPLE: B - A.
fault_delta() { echo $(($(fault_val "$2" "$3") - $(fault_val "$1" "$3"))); }
# fault_sum NAME PREFIX: the sum of every sample of snapshot NAME whose
# name starts with PREFIX (e.g. 'pxerelay_dropped_total{').
fault_sum() {
    awk -v p="$2" 'index($1, p) == 1 { s += $2 } END { print s + 0 }' "$PXR_TMP/snap-$1.txt" 2>/dev/null || echo 0
}
# fault_changed A B PREFIX: "sample:+delta ..." for every sample starting
# with PREFIX that differs between snapshots A and B.
fault_changed() {
    awk -v p="$3" 'index($1, p) != 1 { next }
        FNR == NR { a[$1] = $2; next }
        { d = $2 - a[$1]; if (d != 0) printf "%s:%+d ", $1, d }' \
        "$PXR_TMP/snap-$1.txt" "$PXR_TMP/snap-$2.txt"
}

# rss_kb PID: VmRSS of PID in kB.
rss_kb() { awk '$1 == "VmRSS:" { print $2 }' "/proc/$1/status"; }

# veth_recreate N: delete the router's vlanN and make it again (a new
# ifindex), same name, same MAC on the client side, same 10.N.0.1/24.
veth_recreate_del() { ip -n "$NS_RTR" link del "vlan$1"; }
veth_recreate_add() {
    local n=$1 cns
    cns=$(client_ns "$n")
    ip -n "$NS_RTR" link add name "vlan$n" type veth peer name eth0 netns "$cns"
    ip -n "$cns" link set eth0 address "$(printf '02:00:00:00:%02x:02' "$n")"
    ip -n "$NS_RTR" addr add "10.$n.0.1/24" dev "vlan$n"
    ip -n "$NS_RTR" link set "vlan$n" up
    ip -n "$cns" link set eth0 up
}

# pcap_first_ms PCAP BPF: epoch milliseconds of the first packet matching
# BPF (fails when none).
pcap_first_ms() {
    local t
    t=$(tcpdump -n -tt -r "$1" "$2" 2>/dev/null | head -n 1 | cut -d' ' -f1)
    [[ -n $t ]] || return 1
    epoch_ms_of "$t"
}

# metrics_snap NAME NS HOST:PORT: GET /metrics from NS into the snapshot
# $PXR_TMP/snap-NAME.txt ("SAMPLE VALUE" lines, as fault_snap writes).
metrics_snap() {
    ip netns exec "$2" curl -sS --max-time 5 "http://$3/metrics" 2>/dev/null |
        grep -v '^#' >"$PXR_TMP/snap-$1.txt" && [[ -s $PXR_TMP/snap-$1.txt ]]
}
