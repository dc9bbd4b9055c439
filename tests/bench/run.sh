#!/bin/bash
# tests/bench/run.sh [--smoke] - DHCP relay benchmark in network namespaces.
#
#   server ns: stubserver on srv0 10.0.0.2 (answers every relayed request at once),
#              then kea-dhcp4 there
#        |
#   router ns: the relay under test    up0 10.0.0.1, vlan10 10.10.0.1/16
#        |
#   client ns: loadgen on eth0 (AF_PACKET; 65536 PXE clients, option 93
#              0/6/7/9/11/16 + option 60, broadcast flag; DISCOVER, REQUEST)
#
# Full run (make bench): every relay in turn, in the same namespaces, at
# each offered rate of BENCH_RATES DISCOVERs/s for BENCH_SECONDS, and that
# BENCH_ROUNDS times over (round 1 runs every relay, then round 2 ...), so
# a noisy minute on the machine does not land on one relay alone:
#   pxerelay         -f -c CONF: vlan10, server 10.0.0.2, link rate limit raised
#   pxerelay+rules   -f -c CONF: the same plus a boot rule for each arch
#   pxerelay+rules,warn  the same with log-level = warn (no line per message)
#   dhcrelay         ISC dhcrelay 4.4 -d -4 -a -iu up0 -id vlan10 10.0.0.2
#   dhcp-helper      -d -s 10.0.0.2 -i vlan10
#   dnsmasq          --port=0 --dhcp-relay=10.10.0.1,10.0.0.2 (no DHCP server)
#   floor            tests/bench/floor.c -i vlan10 -s 10.0.0.2 (see below)
# and prints one table (offered and completed exchanges/s, loss, latency
# DISCOVER->ACK p50/p99, relay CPU per exchange from /proc/PID/stat
# utime+stime and that divided by the floor's at the same offered rate,
# peak RSS VmHWM; each the median over the rounds, the ratio that of the
# medians, each run in the detail lines), also written with the date and
# the machine to tests/bench/RESULTS.md.  A relay that cannot be found or
# fetched is a "not available" row, not a failure.  The peers come from, in order: the
# DHCRELAY / DHCP_HELPER variables, an installed binary, one extracted
# before (/tmp/peers/relay, build/bench/peers), a .deb in /tmp/peers or
# build/bench/peers, `apt-get download` into build/bench/peers; a .deb is
# unpacked with `dpkg -x` (the two packages conflict as installs).
#
# The floor (tests/bench/floor.c, built here like the load generator and
# the stub) is the limit a relay is measured against: a forwarder that
# makes only the system calls any relay must make and does nothing else.
# It takes the clients' frames from one AF_PACKET socket on vlan10 whose
# classic BPF filter passes only UDP-to-67 BOOTREQUESTs into a mapped
# receive ring (TPACKET_V2, read without a system call, as libpcap does),
# finds the DHCP message at its fixed offset (Ethernet + IPv4 without
# options + UDP), sets giaddr when it is 0 and hops + 1, and sends it to
# 10.0.0.2:67 from a UDP socket bound to 10.10.0.1:67; each reply received
# there goes back as an Ethernet/IPv4/UDP frame built in front of it in
# place (chaddr or broadcast, yiaddr or 255.255.255.255 by the broadcast
# flag as RFC 2131 4.1 says, IP checksum, UDP checksum 0) on the packet
# socket.  Batched: one ppoll for both sockets, then per batch and
# direction one sendmmsg (and a recvmmsg for the replies), so at a trickle
# 10 system calls per exchange (each of the 4 messages: wait, send; the 2
# replies also: receive) and fewer under load; no option parsing, no
# option 82, no boot rules, no logging, no state.  Waiting for each
# message, taking it in and sending it on cannot be left out by any relay,
# and the kernel's work on those packets (charged to the process that
# sends them) is the same for every relay, so its CPU per exchange is the
# floor under every relay's, and "CPU/exchange vs floor" says how far
# above it each one is (the floor's own row 1.00).  Its counters (SIGUSR1
# before and after each run) give the system calls it made per exchange,
# in the detail lines.
#
# Then the same relays again against Kea as a realistic server (full run
# only): the stub stopped, kea-dhcp4 in the server ns on srv0/10.0.0.2 (UDP
# sockets, memfile lease database with persist false, one subnet
# 10.10.0.0/16 with pool 10.10.0.2 - 10.10.255.254, valid lifetime 120 s,
# multi-threading off, logging at WARN: no line per packet), started afresh
# for each relay so each begins on an empty lease database, at each rate of
# BENCH_KEA_RATES for BENCH_SECONDS, measured the same way into a second
# table "against Kea"; the detail lines then carry kea_cpu_ticks.
#
# Then DHCPv6 (full run and smoke): the same namespaces get IPv6 (no
# duplicate address detection, so the addresses work at once): srv0
# 2001:db8::2/64, up0 2001:db8::1/64, vlan10 2001:db8:10::1/64, forwarding
# on, the server's route to 2001:db8:10::/64 via 2001:db8::1; the stub
# server in its -6 mode on [2001:db8::2]:547 (a Relay-reply at once for
# each Relay-forward: ADVERTISE for SOLICIT, REPLY for REQUEST, IA_NA with
# an address, option 59), and the load generator in its -6 mode (SOLICIT,
# ADVERTISE, REQUEST, REPLY, all four through the relay; from each client's
# link-local address to ff02::1:2; option 61 cycling 0/6/7/9/11/16, option
# 16 enterprise 343).  The relays answer a client at its link-local
# address, so the router's kernel resolves each client's address first;
# the generator answers those Neighbor Solicitations as the clients would,
# the same cost for every relay.  Only BENCH_CLIENTS6 (500) clients take
# part: the kernel's IPv6 neighbour table is one for all namespaces
# (net.ipv6.neigh.default.gc_thresh1-3, 128/512/1024 by default, only
# settable host-wide), and beyond gc_thresh3 entries in use it refuses new
# neighbours, so 65536 clients would lose exchanges to that limit, not to
# the relay.  At each rate of BENCH_RATES6 for BENCH_SECONDS, the rounds
# as above, the relays of BENCH_RELAYS6:
#   pxerelay6        -f -c CONF: vlan10, server 2001:db8::2, rate limits
#                    raised (per client too: 500 clients share the load)
#   pxerelay6+rules  the same plus a boot rule (bootfile-url) for each arch
#   dhcrelay6        ISC dhcrelay 4.4 -d -6 -l vlan10 -u 2001:db8::2%up0
#   dnsmasq6         --port=0 --dhcp-relay=2001:db8:10::1,2001:db8::2
#   floor6           tests/bench/floor.c -6 -i vlan10 -s 2001:db8::2
# into a third table "DHCPv6 against the stub server", the same columns
# (latency SOLICIT->REPLY; "vs floor" against floor6).  floor6 is the
# floor's -6 mode: the same ring and batching, each client message wrapped
# in a minimal Relay-forward (hop-count 0, link-address 2001:db8:10::1,
# peer-address the source, Interface-Id, option 9) sent from a UDP socket
# on [2001:db8:10::1]:547; of each Relay-reply only option 9 is taken and
# sent to the peer-address port 546 with vlan10's scope (the kernel does
# the Neighbor Discovery, as for dhcrelay and dnsmasq).
#
# --smoke (make check): pxerelay and the floor, 200/s for 2 s each, then
# pxerelay6 and floor6 the same way over DHCPv6; passes when the tools
# build, run and report (for each a summary line with completed > 0; the
# servers' totals; the floors' counters say they relayed and delivered).
# The last line is "1 passed, 0 failed" or "0 passed, 1 failed".
#
# Environment: BENCH_RATES ("1000 10000 30000 60000"), BENCH_SECONDS (3),
# BENCH_ROUNDS (3),
# BENCH_TIMEOUT_MS (1000: an exchange not ACKed by then is lost),
# BENCH_CLIENTS (65536), BENCH_RESULTS (tests/bench/RESULTS.md),
# BENCH_RELAYS (all seven names above; a subset to run fewer),
# BENCH_KEA_RATES ("1000 3000"; empty: no Kea phase), BENCH_PXR_CONF (lines
# added to every pxerelay config), BENCH_RATES6 ("1000 10000 30000 60000"),
# BENCH_RELAYS6 (the five DHCPv6 names above; empty: no DHCPv6 phase),
# BENCH_CLIENTS6 (500, at most 1000), CC (cc),
# PXERELAY, DHCRELAY, DHCP_HELPER, PXR_KEEP=1 (keep the logs).
# Needs root.  Every process and namespace it makes is removed on exit.
set -euo pipefail

BENCH=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$BENCH/../.." && pwd)
# shellcheck source=../lab/lib.sh
source "$TOP/tests/lab/lib.sh"

MODE=full
case ${1:-} in
    "") ;;
    --smoke) MODE=smoke ;;
    --smoke-inner) MODE=smoke-inner ;;
    -h | --help)
        sed -n '2,/^set -e/p' "$0" | sed 's/^# \{0,1\}//; /^set -e/d'
        exit 0
        ;;
    *)
        echo "usage: $0 [--smoke]" >&2
        exit 2
        ;;
esac

# The smoke runs in a child with a time limit, so the closing line comes
# after its namespaces are gone whatever happened.
if [[ $MODE == smoke ]]; then
    out=$(mktemp)
    rc=0
    timeout -k 5 90 "$0" --smoke-inner 2>&1 | tee "$out" || rc=$?
    p=$(grep -c '^PASS ' "$out" || true)
    f=$(grep -c '^FAIL ' "$out" || true)
    rm -f "$out"
    if ((rc != 0 && f == 0)); then
        echo "FAIL bench-smoke: exited with status $rc"
        f=1
    fi
    if ((p + f == 0)); then
        f=1
    fi
    echo "$p passed, $f failed"
    ((f == 0))
    exit
fi

BUILD_DIR=$TOP/build/bench
PEERS_DIR=${BENCH_PEERS_DIR:-$BUILD_DIR/peers}
LOADGEN=$BUILD_DIR/loadgen
STUB=$BUILD_DIR/stubserver
# peers.sh's relay_locate finds the floor here.
FLOOR=$BUILD_DIR/floor
RESULTS=${BENCH_RESULTS:-$BENCH/RESULTS.md}
TIMEOUT_MS=${BENCH_TIMEOUT_MS:-1000}
CLIENTS=${BENCH_CLIENTS:-65536}
CLIENTS6=${BENCH_CLIENTS6:-500}
if [[ $MODE == smoke-inner ]]; then
    RATES=(200)
    SECS=2
    ROUNDS=1
    RELAYS=(pxerelay floor)
    KEA_RATES=()
    RATES6=(200)
    RELAYS6=(pxerelay6 floor6)
    TAG=bsm
else
    read -r -a RATES <<<"${BENCH_RATES:-1000 10000 30000 60000}"
    read -r -a KEA_RATES <<<"${BENCH_KEA_RATES-1000 3000}"
    read -r -a RATES6 <<<"${BENCH_RATES6:-1000 10000 30000 60000}"
    read -r -a RELAYS6 <<<"${BENCH_RELAYS6-floor6 pxerelay6 pxerelay6+rules dhcrelay6 dnsmasq6}"
    SECS=${BENCH_SECONDS:-3}
    ROUNDS=${BENCH_ROUNDS:-3}
    read -r -a RELAYS <<<"${BENCH_RELAYS:-floor pxerelay pxerelay+rules pxerelay+rules,warn dhcrelay dhcp-helper dnsmasq}"
    TAG=bench
fi
# Bounded: at most 10 rates (and 10 Kea rates, 10 DHCPv6 rates) of at most
# 30 s each.
if ((${#RATES[@]} > 10 || ${#KEA_RATES[@]} > 10 || ${#RATES6[@]} > 10 || SECS < 1 || SECS > 30)); then
    echo "BENCH_RATES, BENCH_KEA_RATES, BENCH_RATES6: at most 10 rates; BENCH_SECONDS: 1..30" >&2
    exit 2
fi
if ((CLIENTS6 < 1 || CLIENTS6 > 1000)); then
    echo "BENCH_CLIENTS6: 1..1000 (the host's IPv6 neighbour table, see above)" >&2
    exit 2
fi

# ------------------------------------------------------------------ build

build_tools() {
    local t cc=${CC:-cc}
    mkdir -p "$BUILD_DIR"
    for t in loadgen stubserver floor; do
        if ! "$cc" -std=gnu11 -O2 -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
            -Wformat=2 -Wvla -o "$BUILD_DIR/$t" "$BENCH/$t.c" >"$BUILD_DIR/$t.build.log" 2>&1; then
            cat "$BUILD_DIR/$t.build.log"
            echo "FAIL bench: $t.c does not build"
            exit 1
        fi
    done
}

# ------------------------------------------------------------------ peers

# shellcheck source-path=SCRIPTDIR source=peers.sh
source "$BENCH/peers.sh"

# ------------------------------------------------------------------ topology

NS_CLI=

bench_topology() {
    topo_create
    NS_CLI=pxr-$PXR_TAG-cli
    ns_add "$NS_CLI"
    ip -n "$NS_RTR" link add name vlan10 type veth peer name eth0 netns "$NS_CLI"
    ip -n "$NS_RTR" addr add 10.10.0.1/16 dev vlan10
    ip -n "$NS_RTR" link set vlan10 up
    ip -n "$NS_CLI" link set eth0 up
    ip -n "$NS_SRV" route replace 10.10.0.0/16 via 10.0.0.1
}

# bench_topology6: IPv6 on the router's and the server's links (ns_add
# turned it off; the client ns keeps it off: the generator is every client
# there), no duplicate address detection, forwarding on.
bench_topology6() {
    local ns
    for ns in "$NS_SRV" "$NS_RTR"; do
        ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0 \
            net.ipv6.conf.all.disable_ipv6=0 net.ipv6.conf.default.disable_ipv6=0
    done
    ip netns exec "$NS_SRV" sysctl -qw net.ipv6.conf.srv0.accept_dad=0 net.ipv6.conf.srv0.disable_ipv6=0
    ip netns exec "$NS_RTR" sysctl -qw net.ipv6.conf.up0.accept_dad=0 net.ipv6.conf.up0.disable_ipv6=0 \
        net.ipv6.conf.vlan10.accept_dad=0 net.ipv6.conf.vlan10.disable_ipv6=0 net.ipv6.conf.all.forwarding=1
    ip -n "$NS_SRV" addr add 2001:db8::2/64 dev srv0 nodad
    ip -n "$NS_RTR" addr add 2001:db8::1/64 dev up0 nodad
    ip -n "$NS_RTR" addr add 2001:db8:10::1/64 dev vlan10 nodad
    ip -n "$NS_SRV" -6 route replace 2001:db8:10::/64 via 2001:db8::1
    # The link-local addresses IPv6 brings up are tentative for a moment
    # even without DAD, and Neighbor Discovery waits for them meanwhile.
    wait_until 5 no_tentative6 || log "IPv6 addresses still tentative after 5 s"
}

no_tentative6() {
    [[ -z $(ip -n "$NS_RTR" -6 addr show tentative) && -z $(ip -n "$NS_SRV" -6 addr show tentative) ]]
}

stub6_start() {
    bg_run stub6 "$NS_SRV" "$STUB" -6 -a 2001:db8::2
    wait_until 5 udp_listening "$NS_SRV" 547 || true
    if ! proc_alive "$(pid_of stub6)" || ! udp_listening "$NS_SRV" 547; then
        echo "FAIL bench: stubserver -6 did not start: $(tr '\n' ' ' <"$PXR_TMP/stub6.log")"
        exit 1
    fi
}

stub_start() {
    bg_run stub "$NS_SRV" "$STUB" -m 16
    wait_until 5 udp_listening "$NS_SRV" 67 || true
    if ! proc_alive "$(pid_of stub)" || ! udp_listening "$NS_SRV" 67; then
        echo "FAIL bench: stubserver did not start: $(tr '\n' ' ' <"$PXR_TMP/stub.log")"
        exit 1
    fi
}

# Kea's pool: the whole /16 but the network, the relay's 10.10.0.1 and the
# broadcast address; one lease per client, so BENCH_CLIENTS up to 65533
# never run it dry (every loadgen run starts again at client 0, so a Kea
# holds at most min(max rate x BENCH_SECONDS + warm-up, BENCH_CLIENTS)).
KEA_POOL="10.10.0.2 - 10.10.255.254"
KEA_POOL_SIZE=65533
KEA_BIN=
KEA_VERSION=

# kea_write_conf: kea-dhcp4's configuration for the Kea phase.  Logging at
# WARN: at INFO Kea writes lines per packet (DHCP4_LEASE_ADVERT,
# DHCP4_LEASE_ALLOC), which would make its logging the bottleneck.
# Multi-threading is off (Kea 2.2's default; 2.4 turned it on) so the
# figures do not depend on the Kea version's default.
kea_write_conf() {
    mkdir -p "$PXR_TMP/kea"
    cat >"$PXR_TMP/kea/kea-dhcp4.json" <<EOF
{
  "Dhcp4": {
    "interfaces-config": { "interfaces": [ "srv0/10.0.0.2" ], "dhcp-socket-type": "udp" },
    "lease-database": { "type": "memfile", "persist": false, "lfc-interval": 0 },
    "multi-threading": { "enable-multi-threading": false },
    "valid-lifetime": 120,
    "renew-timer": 60,
    "rebind-timer": 105,
    "subnet4": [
      { "id": 1, "subnet": "10.10.0.0/16",
        "pools": [ { "pool": "$KEA_POOL" } ],
        "option-data": [ { "name": "routers", "data": "10.10.0.1" } ] }
    ],
    "loggers": [ {
      "name": "kea-dhcp4",
      "output_options": [ { "output": "stdout" } ],
      "severity": "WARN"
    } ]
  }
}
EOF
}

kea_ready_or_dead() {
    ! proc_alive "$(pid_of kea)" || udp_listening "$NS_SRV" 67 10.0.0.2
}

# kea_start: a fresh kea-dhcp4 (empty lease database) as process "kea";
# fails when it does not listen on 10.0.0.2:67 within 15 s.  At WARN it
# logs nothing when it starts, so its socket says it is ready.  Its lock
# and pid files go to the temp dir (a system Kea or a lab test's may run).
kea_start() {
    bg_run kea "$NS_SRV" env KEA_LOCKFILE_DIR="$PXR_TMP/kea" KEA_PIDFILE_DIR="$PXR_TMP/kea" \
        "$KEA_BIN" -c "$PXR_TMP/kea/kea-dhcp4.json"
    wait_until 15 kea_ready_or_dead || true
    proc_alive "$(pid_of kea)" && udp_listening "$NS_SRV" 67 10.0.0.2
}

# kea_log_summary NAME: after relay NAME's runs, what Kea logged at WARN or
# above as "MESSAGE_ID xCOUNT" pairs, into the details (it says
# DHCP4_STARTING at INFO before it reads its logging configuration).
kea_log_summary() {
    local s
    # shellcheck disable=SC2016 # awk fields, not shell
    s=$(awk '{ for (i = 2; i < NF; i++) if ($i ~ /^\[kea-dhcp4/) {
                   if ($(i - 1) ~ /^(WARN|ERROR|FATAL)$/) n[$(i + 1)]++
                   break } }
             END { for (k in n) printf "%s x%d ", k, n[k] }' "$PXR_TMP/kea.log" 2>/dev/null || true)
    DETAILS+=("$1 via kea-dhcp4: Kea's log at WARN and above: ${s:-nothing}")
    log "${DETAILS[-1]}"
}

write_rules_conf() {
    cat >"$PXR_TMP/rules.conf" <<'EOF'
# tests/bench: the command-line mode's settings plus one boot rule per arch
# the load generator sends. The per-link rate limit (default 2000
# requests/s) is raised out of the way but stays on, so its cost is in
# the figures; the per-client default (10/s) stays: each of the 65536
# clients sends at most 2 requests/s at 60k DISCOVERs/s.
servers = {"10.0.0.2"}
rate-limit { interface = 10000000  interface-burst = 10000000 }
# Scraped before and after each run, for what the relay itself dropped.
metrics = "127.0.0.1:9167"
interface "vlan10" { }
boot "bios"      { arch = {0}     filename = "undionly.kpxe"   next-server = "10.0.0.5" }
boot "uefi-ia32" { arch = {6}     filename = "ipxe-ia32.efi"   next-server = "10.0.0.5" }
boot "uefi-x64"  { arch = {7, 9}  filename = "ipxe.efi"        next-server = "10.0.0.5" }
boot "arm64"     { arch = {11}    filename = "ipxe-arm64.efi"  next-server = "10.0.0.5" }
boot "http-x64"  { arch = {16}    filename = "http://10.0.0.5/ipxe.efi" }
EOF
    # BENCH_PXR_CONF: more lines for every pxerelay config (say
    # "hold-port-67 = true", to measure what holding the port changes).
    [[ -z ${BENCH_PXR_CONF:-} ]] || printf '%s\n' "$BENCH_PXR_CONF" >>"$PXR_TMP/rules.conf"
    { echo 'log-level = warn'; cat "$PXR_TMP/rules.conf"; } >"$PXR_TMP/rules-warn.conf"
    grep -v '^boot' "$PXR_TMP/rules.conf" >"$PXR_TMP/plain.conf"
    cat >"$PXR_TMP/rules6.conf" <<'EOF'
# tests/bench DHCPv6: only an IPv6 server, so pxerelay relays DHCPv6 alone.
# The rate limits are raised out of the way but stay on; the per-client one
# too, as 500 clients share the whole load (up to 240 messages/s each).
servers = {"2001:db8::2"}
rate-limit { interface = 10000000  interface-burst = 10000000  client = 10000000  client-burst = 10000000 }
metrics = "127.0.0.1:9167"
interface "vlan10" { }
boot "bios"      { arch = {0}     bootfile-url = "tftp://[2001:db8::5]/undionly.kpxe" }
boot "uefi-ia32" { arch = {6}     bootfile-url = "tftp://[2001:db8::5]/ipxe-ia32.efi" }
boot "uefi-x64"  { arch = {7, 9}  bootfile-url = "tftp://[2001:db8::5]/ipxe.efi" }
boot "arm64"     { arch = {11}    bootfile-url = "tftp://[2001:db8::5]/ipxe-arm64.efi" }
boot "http-x64"  { arch = {16}    bootfile-url = "http://[2001:db8::5]/ipxe.efi" }
EOF
    [[ -z ${BENCH_PXR_CONF:-} ]] || printf '%s\n' "$BENCH_PXR_CONF" >>"$PXR_TMP/rules6.conf"
    grep -v '^boot' "$PXR_TMP/rules6.conf" >"$PXR_TMP/plain6.conf"
}

# relay_launch NAME: start relay NAME (binary RELAY_BIN) in the router ns as
# process "relay" and wait until it listens on UDP 67.
relay_launch() {
    local -a cmd
    case $1 in
        pxerelay) cmd=("$RELAY_BIN" -f -c "$PXR_TMP/plain.conf") ;;
        pxerelay+rules) cmd=("$RELAY_BIN" -f -c "$PXR_TMP/rules.conf") ;;
        pxerelay+rules,warn) cmd=("$RELAY_BIN" -f -c "$PXR_TMP/rules-warn.conf") ;;
        dhcrelay)
            cmd=("$RELAY_BIN" -d -4 -a -pf "$PXR_TMP/dhcrelay.pid" -iu up0 -id vlan10 10.0.0.2)
            ;;
        dhcp-helper) cmd=("$RELAY_BIN" -d -r "$PXR_TMP/dhcp-helper.pid" -s 10.0.0.2 -i vlan10) ;;
        dnsmasq)
            # --port=0: no DNS; no --dhcp-range: no DHCP server, relay only.
            # shellcheck disable=SC2054 # the commas belong to --dhcp-relay
            cmd=("$RELAY_BIN" -d --conf-file=/dev/null --port=0 --no-resolv --no-hosts
                --user=root --group=root --pid-file="$PXR_TMP/dnsmasq.pid"
                --dhcp-leasefile="$PXR_TMP/dnsmasq.leases"
                --interface=vlan10 --dhcp-relay=10.10.0.1,10.0.0.2)
            ;;
        floor) cmd=("$RELAY_BIN" -i vlan10 -s 10.0.0.2) ;;
        pxerelay6) cmd=("$RELAY_BIN" -f -c "$PXR_TMP/plain6.conf") ;;
        pxerelay6+rules) cmd=("$RELAY_BIN" -f -c "$PXR_TMP/rules6.conf") ;;
        dhcrelay6)
            cmd=("$RELAY_BIN" -d -6 -pf "$PXR_TMP/dhcrelay.pid" -l vlan10 -u 2001:db8::2%up0)
            ;;
        dnsmasq6)
            # shellcheck disable=SC2054 # the commas belong to --dhcp-relay
            cmd=("$RELAY_BIN" -d --conf-file=/dev/null --port=0 --no-resolv --no-hosts
                --user=root --group=root --pid-file="$PXR_TMP/dnsmasq.pid"
                --dhcp-leasefile="$PXR_TMP/dnsmasq.leases"
                --interface=vlan10 --dhcp-relay=2001:db8:10::1,2001:db8::2)
            ;;
        floor6) cmd=("$RELAY_BIN" -6 -i vlan10 -s 2001:db8::2) ;;
    esac
    : >"$PXR_TMP/relay.log"
    bg_run relay "$NS_RTR" "${cmd[@]}"
    wait_until 10 relay_ready_or_dead || true
    proc_alive "$(pid_of relay)" && "$LISTEN_CHECK"
}

# What says a relay is ready: lib.sh's relay_listening (UDP 67, or
# pxerelay's raw socket) in the IPv4 phases, relay_listening6 in the
# DHCPv6 one.
LISTEN_CHECK=relay_listening
relay_ready_or_dead() { ! proc_alive "$(pid_of relay)" || "$LISTEN_CHECK"; }

# relay_listening6: the same over DHCPv6 (the peers bind UDP 547).
relay_listening6() { relay_listening 547; }

# ------------------------------------------------------------------ measuring

CLK_TCK=$(getconf CLK_TCK)

# cpu_ticks PID: utime + stime (fields 14 and 15 of /proc/PID/stat; the
# command name in field 2 may hold blanks, so count after its ")").
cpu_ticks() {
    local rest
    rest=$(sed 's/^.*) //' "/proc/$1/stat")
    awk '{ print $12 + $13 }' <<<"$rest"
}

# udp_rcvbuf_errors [NS]: datagrams the kernel dropped in NS (default the
# router ns) because a UDP socket's receive buffer was full (where a relay,
# or in the server ns the server, loses load).
# shellcheck disable=SC2016 # awk fields, not shell
udp_rcvbuf_errors() {
    ip netns exec "${1:-$NS_RTR}" awk '$1 == "Udp:" {
        if (!h) { for (i = 2; i <= NF; i++) col[$i] = i; h = 1 } else print $col["RcvbufErrors"]
    }' /proc/net/snmp
}

# softnet_drops: packets the kernel dropped because a CPU's input backlog
# (net.core.netdev_max_backlog, where veth delivers) was full; host-wide.
softnet_drops() {
    local n=0 h
    while read -r _ h _; do
        n=$((n + 16#$h))
    done </proc/net/softnet_stat
    echo "$n"
}

# pxr_drops: pxerelay's own view of what it lost, from its metrics
# endpoint: "CAPTURE_KERNEL_DROPS DROPPED" (the second the sum of
# pxerelay_dropped_total over reasons); empty when the endpoint does not
# answer. Replies lost to a full socket buffer are router_udp_rcvbuf_errors.
pxr_drops() {
    ip netns exec "$NS_RTR" curl -sS --max-time 3 http://127.0.0.1:9167/metrics 2>/dev/null |
        awk '$1 == "pxerelay_capture_kernel_drops_total" { c = $2 }
             $1 ~ /^pxerelay_dropped_total[{]/ { d += $2 }
             END { if (c != "") printf "%d %d", c, d }'
}

# kv LINE KEY: the value of KEY=value in LINE.
kv() { tr ' ' '\n' <<<"$1" | sed -n "s/^$2=//p" | head -n 1; }

FLOOR_LINE='^floor: client_frames='

floor_dumped() { (($(grep -c "$FLOOR_LINE" "$1" || true) > $2)); }

# floor_counters: the running floor's counter line (SIGUSR1); empty when
# it does not print one within 2 s.
floor_counters() {
    local logf=$PXR_TMP/relay.log pid before
    pid=$(pid_of relay)
    proc_alive "$pid" || return 0
    before=$(grep -c "$FLOOR_LINE" "$logf" || true)
    kill -USR1 "$pid" 2>/dev/null || return 0
    wait_until 2 floor_dumped "$logf" "$before" || return 0
    grep "$FLOOR_LINE" "$logf" | tail -n 1
}

# floor_syscalls BEFORE AFTER COMPLETED: " floor_syscalls_per_exchange=N"
# (its ppoll, recvmmsg and sendmmsg calls between two counter lines over the
# exchanges completed), empty without both lines.
floor_syscalls() {
    [[ -n $1 && -n $2 ]] && (($3 > 0)) || return 0
    local n k
    n=0
    for k in polls recv_calls send_calls; do
        n=$((n + $(kv "$2" "$k") - $(kv "$1" "$k")))
    done
    awk -v n="$n" -v c="$3" 'BEGIN { printf " floor_syscalls_per_exchange=%.2f", n / c }'
}

ROWS=()
# The first loadgen summary of each relay (the smoke checks every one).
declare -A SUMMARY_OF=()
STUB_ROWS=()
KEA_ROWS=()
SUMMARIES=()
ROUND=1
# The server process measure() charges ("stub" or "kea") and what the
# detail lines of its phase say after the rate.
SERVER=stub
PHASE_LABEL=
# The load generator's mode and clients in this phase, and the suffix of
# the relay logs kept.
LG_ARGS=(-n "$CLIENTS")
LOG_SUFFIX=

# Every run of a relay at a rate lands under the key "RELAY|RATE|PHASE";
# the table shows, per key, the median of each column over the rounds.
ROW_KEYS=()
declare -A R_TEXT=() R_FAIL=() R_DONE=() R_LOSS=() R_NOTE=() R_P50=() R_P99=() R_CPU=() R_RSS=()

# row_key RELAY RATE: set RK to the key of this phase, registered in order.
row_key() {
    RK="$1|$2|$PHASE_LABEL"
    if [[ ! -v "R_FAIL[$RK]" ]]; then
        ROW_KEYS+=("$RK")
        R_FAIL[$RK]=0 R_TEXT[$RK]=
    fi
}

# row RELAY RATE TEXT: a run that gave no figures (TEXT says why).
row() {
    row_key "$1" "$2"
    R_FAIL[$RK]=$((R_FAIL[$RK] + 1))
    [[ -n ${R_TEXT[$RK]} ]] || R_TEXT[$RK]=$3
}

# record RELAY RATE DONE LOSS_PCT NOTE P50_MS P99_MS CPU RSS_KB: one run's
# figures.
record() {
    row_key "$1" "$2"
    R_DONE[$RK]+="$3 " R_LOSS[$RK]+="$4 " R_P50[$RK]+="$6 " R_P99[$RK]+="$7 "
    R_CPU[$RK]+="$8 " R_RSS[$RK]+="$9 "
    R_NOTE[$RK]+=$5
}

# median VALUES: the middle one of the numbers ("-" ignored), the lower
# middle for an even count; "-" when there is none.
median() {
    tr ' ' '\n' <<<"$1" | grep -E '^[0-9.]+$' | sort -g |
        awk '{ v[NR] = $1 } END { if (NR) print v[int((NR + 1) / 2)]; else print "-" }'
}

# vs_floor CPU FLOOR_CPU: CPU / FLOOR_CPU to two decimals, "-" when either
# is missing or the floor's is 0.
vs_floor() {
    awk -v c="$1" -v f="$2" 'BEGIN {
        if (c !~ /^[0-9.]+$/ || f !~ /^[0-9.]+$/ || f + 0 == 0) print "-"
        else printf "%.2f", c / f
    }'
}

# rows_of PHASE_LABEL [FLOOR]: the table rows of that phase, in the order
# run.  "CPU/exchange vs floor" is the row's median CPU per exchange over
# the median of FLOOR (default floor) at the same offered rate in the same
# phase.
rows_of() {
    local k name rate phase n failed note cpu fk floor=${2:-floor}
    ROWS=()
    for k in "${ROW_KEYS[@]}"; do
        IFS='|' read -r name rate phase <<<"$k"
        [[ $phase == "$1" ]] || continue
        n=$(wc -w <<<"${R_DONE[$k]:-}")
        failed=${R_FAIL[$k]}
        if ((n == 0)); then
            ROWS+=("$(printf '| %-19s | %9s | %9s | %7s | %8s | %8s | %9s | %21s | %9s |' \
                "$name" "$rate" "${R_TEXT[$k]}" "" "" "" "" "" "")")
            continue
        fi
        note=
        [[ -n ${R_NOTE[$k]:-} ]] && note="*"
        ((failed > 0)) && note+=" ($failed of $((n + failed)) runs: ${R_TEXT[$k]})"
        cpu=$(median "${R_CPU[$k]}" || true) # (grep finds no number: "-")
        fk="$floor|$rate|$phase"
        ROWS+=("$(printf '| %-19s | %9s | %9s | %7s | %8s | %8s | %9s | %21s | %9s |' \
            "$name" "$rate" "$(median "${R_DONE[$k]}")" "$(median "${R_LOSS[$k]}")%$note" \
            "$(median "${R_P50[$k]}")" "$(median "${R_P99[$k]}")" "$cpu" \
            "$(vs_floor "$cpu" "$(median "${R_CPU[$fk]:-}")")" \
            "$(median "${R_RSS[$k]}" | awk '$1 == "-" { print; next } { printf "%.1f MiB", $1 / 1024 }')")")
    done
}

# measure NAME RATE: one loadgen run against the running relay and server
# (SERVER); adds a row.
measure() {
    local name=$1 rate=$2 pid spid t0 t1 d0 d1 e0 e1 s0 s1 b0 b1 out cpu loss rss note=
    pid=$(pid_of relay)
    spid=$(pid_of "$SERVER")
    d0=$(udp_rcvbuf_errors)
    e0=$(udp_rcvbuf_errors "$NS_SRV")
    b0=$(softnet_drops)
    s0=$(cpu_ticks "$spid")
    t0=$(cpu_ticks "$pid")
    local -a p0=() p1=()
    local own='' f0='' f1=''
    [[ $name == pxerelay* ]] && read -r -a p0 <<<"$(pxr_drops)"
    [[ $name == floor* ]] && f0=$(floor_counters)
    out=$(ip netns exec "$NS_CLI" "$LOADGEN" "${LG_ARGS[@]}" -i eth0 -r "$rate" -t "$SECS" \
        -T "$TIMEOUT_MS" 2>>"$PXR_TMP/loadgen.err") || true
    if ! proc_alive "$pid"; then
        row "$name" "$rate" "relay exited"
        return 1
    fi
    if ! proc_alive "$spid"; then
        DETAILS+=("$name $rate/s$PHASE_LABEL: the server ($SERVER) exited: $(tail -n 3 "$PXR_TMP/$SERVER.log" | tr '\n' ' ')")
        log "${DETAILS[-1]}"
        row "$name" "$rate" "$SERVER exited"
        return 1
    fi
    t1=$(cpu_ticks "$pid")
    s1=$(cpu_ticks "$spid")
    d1=$(udp_rcvbuf_errors)
    e1=$(udp_rcvbuf_errors "$NS_SRV")
    b1=$(softnet_drops)
    [[ $name == pxerelay* ]] && read -r -a p1 <<<"$(pxr_drops)"
    if ((${#p0[@]} == 2 && ${#p1[@]} == 2)); then
        own=" relay_capture_kernel_drops=$((p1[0] - p0[0])) relay_dropped=$((p1[1] - p0[1]))"
    fi
    if [[ $name == floor* ]]; then
        f1=$(floor_counters)
        own=$(floor_syscalls "$f0" "$f1" "$(kv "$out" completed | grep -E '^[0-9]+$' || echo 0)") || own=
    fi
    rss=$(proc_status "$pid" VmHWM | awk '{ print $1 }' || echo '-')
    SUMMARIES+=("$out")
    [[ -v "SUMMARY_OF[$name]" ]] || SUMMARY_OF[$name]=$out
    DETAILS+=("$name $rate/s$PHASE_LABEL, round $ROUND: ${out:-no report} relay_cpu_ticks=$((t1 - t0)) ${SERVER}_cpu_ticks=$((s1 - s0)) router_udp_rcvbuf_errors=$((d1 - d0)) server_udp_rcvbuf_errors=$((e1 - e0)) softnet_drops=$((b1 - b0))$own")
    log "${DETAILS[-1]}"
    if [[ -z $out ]]; then
        row "$name" "$rate" "no report"
        return 0
    fi
    local completed sent offered
    completed=$(kv "$out" completed)
    sent=$(kv "$out" sent)
    offered=$(kv "$out" offered)
    completed=${completed:-0} sent=${sent:-0} offered=${offered:-0}
    if ((completed > 0)); then
        cpu=$(awk -v d=$((t1 - t0)) -v hz="$CLK_TCK" -v n="$completed" \
            'BEGIN { printf "%.1f", d * 1e6 / hz / n }')
    else
        cpu=-
    fi
    loss=$(kv "$out" loss_pct)
    # The generator could not offer everything (no idle client left, or
    # its own send failed): say so next to the loss.
    if ((sent * 100 < offered * 99)); then
        note="*"
    fi
    record "$name" "$rate" "$(kv "$out" rate | cut -d. -f1)" "$loss" "$note" \
        "$(awk -v u="$(kv "$out" p50_us)" 'BEGIN { printf "%.2f", u / 1000 }')" \
        "$(awk -v u="$(kv "$out" p99_us)" 'BEGIN { printf "%.2f", u / 1000 }')" \
        "$cpu" "$rss"
}

# bench_relay NAME RATE...: locate, start, warm up, measure every RATE, stop.
bench_relay() {
    local name=$1 rate warm v
    shift
    if ! relay_locate "$name"; then
        log "$name: not available: $PEER_WHY"
        row "$name" "-" "not available: $PEER_WHY"
        return 0
    fi
    v="$name: $RELAY_VERSION (${RELAY_BIN#"$TOP"/})"
    [[ " ${VERSIONS[*]} " == *" $v "* ]] || VERSIONS+=("$v")
    if ! relay_launch "$name"; then
        log "$name did not start: $(tail -n 3 "$PXR_TMP/relay.log" | tr '\n' ' ')"
        row "$name" "-" "not available: did not start"
        proc_stop relay
        return 0
    fi
    # Links, ARP for the server and the like settle before measuring; a
    # relay that relays nothing at a trickle is reported and skipped.
    sleep 0.3
    warm=$(ip netns exec "$NS_CLI" "$LOADGEN" "${LG_ARGS[@]}" -i eth0 -r 100 -t 1 -T "$TIMEOUT_MS" \
        2>>"$PXR_TMP/loadgen.err") || true
    log "$name warm-up$PHASE_LABEL, round $ROUND: $warm"
    if [[ -z $warm || $(kv "$warm" completed) == 0 ]]; then
        row "$name" "-" "no exchange completed"
        proc_stop relay
        cp "$PXR_TMP/relay.log" "$PXR_TMP/relay-$name$LOG_SUFFIX.log"
        return 0
    fi
    for rate in "$@"; do
        measure "$name" "$rate" || break
        sleep 0.5
    done
    # pxerelay says where it dropped what it did not relay (SIGUSR1 dump).
    if [[ $name == pxerelay* ]] && proc_alive "$(pid_of relay)"; then
        local counters
        counters=$(relay_dump 2>/dev/null | awk '$2 != 0 && $1 ~ /dropped|drops|xid_table|server_messages/' |
            tr '\n' ' ' || true)
        DETAILS+=("$name counters over its runs$PHASE_LABEL in round $ROUND: ${counters:-(no dump)}")
        log "${DETAILS[-1]}"
    fi
    proc_stop relay
    # The floor prints its totals when stopped.
    if [[ $name == floor* ]]; then
        local totals
        totals=$(grep "$FLOOR_LINE" "$PXR_TMP/relay.log" | tail -n 1 || true)
        DETAILS+=("$name counters over its runs$PHASE_LABEL in round $ROUND (with the warm-up): ${totals:-(none printed)}")
        log "${DETAILS[-1]}"
    fi
    cp "$PXR_TMP/relay.log" "$PXR_TMP/relay-$name$LOG_SUFFIX.log"
}

# kea_phase: every relay again, each against a fresh kea-dhcp4, at the
# rates of KEA_RATES; the rows go to KEA_ROWS.
kea_phase() {
    local r
    SERVER=kea PHASE_LABEL=" via kea-dhcp4" LOG_SUFFIX=-kea
    KEA_BIN=$(command -v kea-dhcp4 || true)
    if [[ -z $KEA_BIN ]]; then
        log "kea-dhcp4 not installed: no run against Kea"
        for r in "${RELAYS[@]}"; do
            row "$r" "-" "not available: no kea-dhcp4"
        done
        rows_of "$PHASE_LABEL"
        KEA_ROWS=("${ROWS[@]}")
        return 0
    fi
    KEA_VERSION=$("$KEA_BIN" -v 2>/dev/null | head -n 1)
    VERSIONS+=("kea-dhcp4: ${KEA_VERSION:-?} ($KEA_BIN)")
    if (($(kea_clients_needed) > KEA_POOL_SIZE)); then
        log "warning: up to $(kea_clients_needed) clients at the highest Kea rate, more than" \
            "Kea's $KEA_POOL_SIZE addresses: the pool will run dry"
    fi
    kea_write_conf
    for ((ROUND = 1; ROUND <= ROUNDS; ROUND++)); do
        for r in "${RELAYS[@]}"; do
            # A relay that is not there gets its row without a Kea started.
            if ! relay_locate "$r"; then
                bench_relay "$r"
                continue
            fi
            if ! kea_start; then
                log "kea-dhcp4 did not start: $(tail -n 3 "$PXR_TMP/kea.log" | tr '\n' ' ')"
                row "$r" "-" "not available: kea-dhcp4 did not start"
                proc_stop kea
                continue
            fi
            bench_relay "$r" "${KEA_RATES[@]}"
            proc_stop kea
            cp "$PXR_TMP/kea.log" "$PXR_TMP/kea-$r.log"
            kea_log_summary "$r"
        done
    done
    rows_of "$PHASE_LABEL"
    # shellcheck disable=SC2034 # read through table's nameref
    KEA_ROWS=("${ROWS[@]}")
}

# neigh_prime6: every relay starts with the same neighbour cache on vlan10:
# each client's link-local address and MAC, STALE (a router that has seen
# the clients before).  The kernel confirms an entry with a unicast
# Neighbor Solicitation 5 s after its first use, which the generator
# answers.  From an empty cache dnsmasq would wait about 100 ms on each new
# client before relaying its message (it solicits the address itself to
# learn the MAC), which would measure that wait rather than the relay.
neigh_prime6() {
    local i
    ip -n "$NS_RTR" -6 neigh flush dev vlan10 2>/dev/null || true
    for ((i = 0; i < CLIENTS6; i++)); do
        printf 'neigh replace fe80::be:4cff:fe00:%x lladdr 02:be:4c:00:%02x:%02x dev vlan10 nud stale\n' \
            "$i" $((i >> 8)) $((i & 255))
    done | ip -n "$NS_RTR" -batch - || log "could not prime the router's neighbour cache"
}

# phase6: the DHCPv6 relays (RELAYS6) at RATES6 against the stub in its
# -6 mode, on the topology with IPv6 added; the rows go to V6_ROWS.
V6_ROWS=()
STUB6_TOTALS=
phase6() {
    local r
    SERVER=stub6 PHASE_LABEL=" DHCPv6" LOG_SUFFIX=
    LG_ARGS=(-6 -n "$CLIENTS6")
    LISTEN_CHECK=relay_listening6
    bench_topology6
    stub6_start
    for ((ROUND = 1; ROUND <= ROUNDS; ROUND++)); do
        for r in "${RELAYS6[@]}"; do
            neigh_prime6
            bench_relay "$r" "${RATES6[@]}"
        done
    done
    proc_stop stub6
    STUB6_TOTALS=$(grep '^stubserver: received=' "$PXR_TMP/stub6.log" || true)
    log "DHCPv6: ${STUB6_TOTALS:-stubserver -6 printed no totals}"
    rows_of "$PHASE_LABEL" floor6
    V6_ROWS=("${ROWS[@]}")
}

# kea_clients_needed: the most distinct clients one Kea sees (each loadgen
# run starts at client 0, the warm-up takes 100).
kea_clients_needed() {
    local r n=100
    for r in "${KEA_RATES[@]}"; do
        ((r * SECS > n)) && n=$((r * SECS))
    done
    ((n > CLIENTS)) && n=$CLIENTS
    echo "$n"
}

# table ROWS_ARRAY_NAME: the header and the rows of one table.
table() {
    local -n rows_=$1
    printf '| %-19s | %9s | %9s | %7s | %8s | %8s | %9s | %21s | %9s |\n' relay "offered/s" \
        "done/s" loss "p50 ms" "p99 ms" "CPU us/ex" "CPU/exchange vs floor" "peak RSS"
    echo "|---------------------|----------:|----------:|--------:|---------:|---------:|----------:|----------------------:|----------:|"
    printf '%s\n' "${rows_[@]}"
}

# machine_busy_pct: how busy the CPUs are with something else, over 1 s
# before the run (the load generator, relay and server share them).
machine_busy_pct() {
    local a b
    a=$(head -n 1 /proc/stat)
    sleep 1
    b=$(head -n 1 /proc/stat)
    awk -v a="$a" -v b="$b" 'BEGIN {
        n = split(a, x); split(b, y); tot = 0
        for (i = 2; i <= n; i++) tot += y[i] - x[i]
        idle = (y[5] - x[5]) + (y[6] - x[6])
        printf "%d", (tot > 0 ? 100 * (tot - idle) / tot : 0)
    }'
}

cpu_model() {
    sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1
}

write_results() {
    local tmp=$RESULTS.tmp
    {
        echo "# pxerelay benchmark results"
        echo
        echo "Written by \`tests/bench/run.sh\` (\`make bench\`); run it again to refresh."
        echo
        echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC')"
        echo "- machine: $(nproc) CPUs, $(cpu_model), Linux $(uname -r)"
        echo "- load: ${RATES[*]} DISCOVERs/s offered, $SECS s each, $CLIENTS clients," \
            "timeout $TIMEOUT_MS ms"
        echo "- rounds: $ROUNDS; each round runs every relay at every rate, one relay" \
            "after the other; a table cell is the median of that column over the" \
            "rounds (each run is in the detail lines)"
        if ((${#KEA_RATES[@]} > 0)); then
            echo "- against Kea: ${KEA_RATES[*]} DISCOVERs/s offered, $SECS s each"
        fi
        if ((${#RELAYS6[@]} > 0)); then
            echo "- DHCPv6: ${RATES6[*]} SOLICITs/s offered, $SECS s each, $CLIENTS6 clients"
        fi
        echo "- CPUs busy with other work just before the run: $BUSY_BEFORE%"
        echo
        echo "## against the stub server"
        echo
        table STUB_ROWS
        echo
        echo "One exchange is DISCOVER -> OFFER -> REQUEST -> ACK, all four through" \
            "the relay; \"done/s\" counts ACKed exchanges per second of offered load," \
            "\"loss\" the share of exchanges sent that were not ACKed within" \
            "$TIMEOUT_MS ms (\"*\": the generator could not send all it offered)," \
            "p50/p99 the time from DISCOVER sent to ACK received. \"CPU us/ex\" is" \
            "the relay's utime+stime (/proc/PID/stat) over the run divided by the" \
            "exchanges completed; \"CPU/exchange vs floor\" that figure divided by" \
            "the floor's at the same offered rate (below; the floor's own row 1.00," \
            "\"-\" where the floor has no figure at that rate); \"peak RSS\" its" \
            "VmHWM after the run."
        echo
        if ((${#KEA_RATES[@]} > 0)); then
            kea_results
            echo
        fi
        if ((${#RELAYS6[@]} > 0)); then
            v6_results
            echo
        fi
        echo "Setup: three network namespaces on one host (client ns -- veth -- router" \
            "ns with the relay -- veth -- server ns). The load generator" \
            "(tests/bench/loadgen.c) sends from 65536 MACs on an AF_PACKET socket," \
            "broadcast flag set, option 93 cycling 0/6/7/9/11/16 and option 60;" \
            "the stub server (tests/bench/stubserver.c) answers every relayed" \
            "request at once, so the relay, not the server, is the bottleneck;" \
            "$( ((${#KEA_RATES[@]} > 0)) && echo "the second table then puts kea-dhcp4 in" \
                "its place, a realistic server, each relay with a fresh Kea (settings above);")" \
            "generator, relay and server share the machine's CPUs."
        echo
        echo "Relays, each with its defaults apart from what is listed:"
        echo
        echo "- pxerelay: \`-f -c\` a file naming vlan10 and server 10.0.0.2, the per-link rate limit raised out of the way (adds option 82, logs one line per message at info)"
        echo "- pxerelay+rules: \`-f -c\` a file with the same settings and one boot rule per arch"
        echo "- pxerelay+rules,warn: the same file with \`log-level = warn\` (no log line per message)"
        echo "- dhcrelay: \`-d -4 -a -iu up0 -id vlan10 10.0.0.2\` (adds option 82; -d logs every packet)"
        echo "- dhcp-helper: \`-d -s 10.0.0.2 -i vlan10\` (no option 82, no per-packet log)"
        echo "- dnsmasq: \`-d --port=0 --interface=vlan10 --dhcp-relay=10.10.0.1,10.0.0.2\` (no option 82, no per-packet log)"
        echo "- floor: \`tests/bench/floor.c -i vlan10 -s 10.0.0.2\`, the limit: only the" \
            "system calls any relay must make (wait, receive, send, both ways, batched with" \
            "ppoll, recvmmsg and sendmmsg; 10 per exchange at a trickle, fewer under load)." \
            "One packet socket on vlan10 whose BPF filter passes UDP-to-67 BOOTREQUESTs" \
            "into a mapped receive ring (TPACKET_V2, no system call to read it)," \
            "giaddr set and hops + 1 at fixed offsets, sent to the server from a UDP" \
            "socket on 10.10.0.1:67; each reply sent back as a frame built in front of" \
            "it (chaddr or broadcast by the flag, IP checksum, UDP checksum 0). No option" \
            "parsing, no option 82, no log, no state."
        echo
        echo "Versions:"
        echo
        printf -- '- %s\n' "${VERSIONS[@]}"
        echo
        echo "Each run as the load generator reported it (cpu_us: its own CPU time;" \
            "acks_with_file: ACKs a boot rule rewrote; naks: DHCPNAKs received), then" \
            "over the run the CPU ticks (CLK_TCK $CLK_TCK) of the relay and of the server" \
            "(stub_cpu_ticks, or kea_cpu_ticks for the lines \"via kea-dhcp4\"), the" \
            "router and server namespaces' UDP receive-buffer drops (/proc/net/snmp" \
            "RcvbufErrors) and the host's input-backlog drops (/proc/net/softnet_stat);" \
            "for pxerelay also, per run from its metrics endpoint, the requests its" \
            "capture ring dropped (relay_capture_kernel_drops) and the messages it" \
            "dropped itself (relay_dropped), and its non-zero drop and server" \
            "counters (SIGUSR1 dump)" \
            "after its last run; for the floor the system calls it made per exchange" \
            "(floor_syscalls_per_exchange, from its counters before and after the" \
            "run) and its counters when stopped; against Kea also what Kea logged" \
            "(WARN and above) over each relay's runs:"
        echo
        echo '```'
        printf '%s\n' "${DETAILS[@]}"
        echo '```'
    } >"$tmp"
    mv "$tmp" "$RESULTS"
}

kea_title() {
    if [[ -n $KEA_BIN ]]; then
        echo "against Kea (kea-dhcp4 ${KEA_VERSION:-?}, memfile)"
    else
        echo "against Kea (not run: kea-dhcp4 not installed)"
    fi
}

# kea_results: the Kea section of RESULTS.md.
kea_results() {
    echo "## $(kea_title)"
    echo
    table KEA_ROWS
    echo
    echo "The same relays, load generator and columns (CPU and RSS still the" \
        "relay's), the stub replaced by kea-dhcp4 on srv0/10.0.0.2: UDP sockets," \
        "memfile lease database with persist false, one subnet 10.10.0.0/16, pool" \
        "$KEA_POOL, valid lifetime 120 s, multi-threading off, logging at WARN" \
        "(at INFO Kea logs every lease it offers and hands out, and that logging" \
        "would set the pace). Kea is restarted before each relay, so each relay" \
        "starts on an empty lease database; as every load generator run starts at" \
        "client 0, a relay's later runs renew its earlier runs' leases before" \
        "allocating new ones, the same work for every relay. The server now does" \
        "real work (kea_cpu_ticks below), so these rows show a relay in front of a" \
        "real server rather than its own limit. An exchange Kea NAKs (naks=) or" \
        "leaves unanswered counts as lost."
}

# v6_results: the DHCPv6 section of RESULTS.md.
v6_results() {
    echo "## DHCPv6 against the stub server"
    echo
    table V6_ROWS
    echo
    echo "One exchange is SOLICIT -> ADVERTISE -> REQUEST -> REPLY, all four through" \
        "the relay (the generator's -6 mode: from each client's link-local address" \
        "to ff02::1:2, client id DUID-LL, IA_NA, ORO 59/60, option 61 cycling" \
        "0/6/7/9/11/16, option 16 enterprise 343); the stub's -6 mode on" \
        "[2001:db8::2]:547 answers each Relay-forward at once (IA_NA with an address," \
        "option 59). The columns as above, latency from SOLICIT sent to REPLY" \
        "received, \"vs floor\" against floor6 at the same rate. $CLIENTS6 clients" \
        "only: the kernel's IPv6 neighbour table is shared by all namespaces and" \
        "refuses new entries beyond net.ipv6.neigh.default.gc_thresh3 (1024 by" \
        "default, host-wide). Before each relay the router's neighbour cache on" \
        "vlan10 is set to every client's address STALE, the same for every relay;" \
        "the kernel confirms each entry in use with a unicast Neighbor Solicitation," \
        "which the generator answers as the client would (nd_answers in the details)." \
        "From an empty cache dnsmasq would hold each new client's message about" \
        "100 ms while it learns the client's MAC, which is not what this measures."
    echo
    echo "- pxerelay6: \`-f -c\` a file with only server 2001:db8::2 and vlan10, rate limits (per link and per client) raised out of the way (logs one line per message at info)"
    echo "- pxerelay6+rules: the same file plus one boot rule per arch with \`bootfile-url\` (acks_with_file counts the REPLYs it rewrote)"
    echo "- dhcrelay6: \`-d -6 -l vlan10 -u 2001:db8::2%up0\` (-d logs every packet)"
    echo "- dnsmasq6: \`-d --port=0 --interface=vlan10 --dhcp-relay=2001:db8:10::1,2001:db8::2\` (no per-packet log)"
    echo "- floor6: \`tests/bench/floor.c -6 -i vlan10 -s 2001:db8::2\`: the floor's ring, filter" \
        "(IPv6 UDP to 547) and batching; each message wrapped in a minimal Relay-forward" \
        "(hop-count 0, link-address 2001:db8:10::1, peer-address the source, Interface-Id," \
        "option 9; sent from the ring with two iovecs) from a UDP socket on" \
        "[2001:db8:10::1]:547; of each Relay-reply only option 9 is taken and sent to" \
        "the peer-address port 546 with vlan10's scope (the kernel does Neighbor" \
        "Discovery). No other option, no log, no state."
}

# ------------------------------------------------------------------ main

VERSIONS=()
DETAILS=()
PXR_GIT=$(git -C "$TOP" describe --always --dirty 2>/dev/null || echo '?')
build_tools
BUSY_BEFORE=0
[[ $MODE == smoke-inner ]] || BUSY_BEFORE=$(machine_busy_pct)
if ((BUSY_BEFORE > 20)); then
    log "warning: the CPUs were $BUSY_BEFORE% busy with other work before the run;" \
        "the numbers will be lower and noisier than on an idle machine"
fi
if [[ $MODE == smoke-inner ]]; then
    lab_init "$TAG" bench-smoke
else
    lab_init "$TAG" bench
fi
bench_topology
stub_start
write_rules_conf
for ((ROUND = 1; ROUND <= ROUNDS; ROUND++)); do
    for r in "${RELAYS[@]}"; do
        bench_relay "$r" "${RATES[@]}"
    done
done
proc_stop stub
STUB_TOTALS=$(grep '^stubserver: received=' "$PXR_TMP/stub.log" || true)
log "${STUB_TOTALS:-stubserver printed no totals}"
rows_of ""
# shellcheck disable=SC2034 # read through table's nameref
STUB_ROWS=("${ROWS[@]}")

echo
table STUB_ROWS
echo

if [[ $MODE == full ]] && ((${#KEA_RATES[@]} > 0)); then
    kea_phase
    echo
    echo "$(kea_title):"
    table KEA_ROWS
    echo
fi

if ((${#RELAYS6[@]} > 0)); then
    phase6
    echo
    echo "DHCPv6 against the stub server:"
    table V6_ROWS
    echo
fi

if [[ $MODE == smoke-inner ]]; then
    smoke_ok() {
        local r s k row totals t acks
        for r in "${RELAYS[@]}" "${RELAYS6[@]}"; do
            s=${SUMMARY_OF[$r]:-}
            row=$(printf '%s\n' "${STUB_ROWS[@]}" "${V6_ROWS[@]}" | grep -F "| $r " | head -n 1 || true)
            [[ -n $s ]] || { why "$r: loadgen printed no summary line; table row: ${row:-none}"; return; }
            for k in offered sent completed rate loss_pct p50_us p99_us max_us; do
                [[ -n $(kv "$s" "$k") ]] || { why "$r: no $k= in the summary: $s"; return; }
            done
            (($(kv "$s" completed) > 0)) || { why "$r: no exchange completed: $s"; return; }
        done
        for t in "$STUB_TOTALS" "$STUB6_TOTALS"; do
            [[ -n $t ]] || { why "a stubserver printed no totals at SIGTERM"; return; }
            acks=$(kv "${t#stubserver: }" acks)
            ((${acks:-0} > 0)) || { why "stubserver sent no ACK (REPLY): $t"; return; }
        done
        for r in floor floor6; do
            totals=$(grep "$FLOOR_LINE" "$PXR_TMP/relay-$r.log" 2>/dev/null | tail -n 1 || true)
            [[ -n $totals ]] || { why "$r printed no counters at SIGTERM"; return; }
            (($(kv "$totals" relayed) > 0 && $(kv "$totals" delivered) > 0)) ||
                { why "$r relayed or delivered nothing: $totals"; return; }
        done
    }
    check bench-smoke smoke_ok
else
    write_results
    log "table written to $RESULTS"
fi
