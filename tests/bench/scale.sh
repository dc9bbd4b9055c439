#!/bin/bash
# tests/bench/scale.sh [--smoke] [--append FILE] - DHCP relays side by side
# with 2, 256 and 4096 downstream links.
#
#   server ns: stubserver on srv0 10.0.0.2 (answers every relayed request)
#        |                               route 10.0.0.0/8 via 10.0.0.1
#   router ns: the relay under test      up0 10.0.0.1
#        vlanI  10.(1 + I/256).(I%256).1/24, I = 1..N (vlan1 = 10.1.1.1,
#        ...    vlan255 = 10.1.255.1, vlan256 = 10.2.0.1, vlan4096 = 10.17.0.1)
#        |
#   far ns: the other ends p1..p(N-1), up, nobody on them
#   client ns: eth0, the other end of vlanN (the LAST link)
#
# For each number of links N (SCALE_LINKS, default "2 256 4096") the
# namespaces are built afresh (veth pairs made with `ip -batch`), then each
# relay in turn (SCALE_RELAYS, default "pxerelay dhcrelay dhcp-helper
# dnsmasq") is started on all N links:
#   pxerelay     -f -c FILE: servers 10.0.0.2, log-level = warn, one
#                interface block per link (defaults otherwise: option 82 on)
#   dhcrelay     -d -4 -a -iu up0 -id vlan1 ... -id vlanN 10.0.0.2
#   dhcp-helper  -d -s 10.0.0.2 -i vlan1 ... -i vlanN
#   dnsmasq      -d --port=0 -C FILE: interface=vlanI and
#                dhcp-relay=10.x.y.1,10.0.0.2 for every link (its relay
#                matches the address of the link a request came in on)
# The client sends a DISCOVER on the last link every 50 ms (dhcp_probe.py,
# one xid) from before the relay is launched; "serving after" is the time
# from launching the relay to that client receiving an OFFER through it.
# Then, from /proc/PID: VmHWM (peak RSS), VmRSS, USS and PSS (smaps_rollup)
# and the open fds.  A relay that cannot be found, exits, or does not serve
# within SCALE_TIMEOUT seconds (60) is a row saying so, not a failure of the
# script.  Each relay is stopped, and the router namespace checked empty
# and port 67 free, before the next one starts.
#
# Output: a table on stdout; with --append FILE also a markdown section
# "## Scale: links per relay" (date, machine, table, setup, versions)
# appended to FILE.
#
# --smoke: N=2, pxerelay only; passes when it serves and the figures are
# read.  The last line is "1 passed, 0 failed" or "0 passed, 1 failed".
#
# Peers are found as tests/bench/run.sh finds them: DHCRELAY / DHCP_HELPER,
# an installed binary, one extracted before (/tmp/peers/relay,
# build/bench/peers), a .deb in /tmp/peers or build/bench/peers, else
# `apt-get download` into build/bench/peers, unpacked with `dpkg -x`.
#
# Environment: SCALE_LINKS, SCALE_RELAYS, SCALE_TIMEOUT, CC, PXERELAY,
# DHCRELAY, DHCP_HELPER, BENCH_PEERS_DIR, PXR_KEEP=1 (keep the logs).
# Needs root.  Every process and namespace it makes is removed on exit.
set -euo pipefail

BENCH=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$BENCH/../.." && pwd)
# shellcheck source-path=SCRIPTDIR source=../lab/lib.sh
source "$TOP/tests/lab/lib.sh"

usage() {
    echo "usage: $0 [--smoke] [--append FILE]" >&2
    exit 2
}

MODE=full
APPEND=
while (($# > 0)); do
    case $1 in
        --smoke) MODE=smoke ;;
        --smoke-inner) MODE=smoke-inner ;;
        --append)
            (($# >= 2)) || usage
            APPEND=$2
            shift
            ;;
        --append=*) APPEND=${1#--append=} ;;
        -h | --help)
            sed -n '2,/^set -e/p' "$0" | sed 's/^# \{0,1\}//; /^set -e/d'
            exit 0
            ;;
        *) usage ;;
    esac
    shift
done
if [[ -n $APPEND && $APPEND != /* ]]; then
    APPEND=$PWD/$APPEND
fi

# The smoke runs in a child with a time limit, so the closing line comes
# after its namespaces are gone whatever happened.
if [[ $MODE == smoke ]]; then
    out=$(mktemp)
    rc=0
    timeout -k 5 180 "$0" --smoke-inner 2>&1 | tee "$out" || rc=$?
    p=$(grep -c '^PASS ' "$out" || true)
    f=$(grep -c '^FAIL ' "$out" || true)
    rm -f "$out"
    if ((rc != 0 && f == 0)); then
        echo "FAIL scale-smoke: exited with status $rc"
        f=1
    fi
    if ((f > 0 || p == 0)); then
        echo "0 passed, 1 failed"
        exit 1
    fi
    echo "1 passed, 0 failed"
    exit 0
fi

BUILD_DIR=$TOP/build/bench
PEERS_DIR=${BENCH_PEERS_DIR:-$BUILD_DIR/peers}
STUB=$BUILD_DIR/scale/stubserver
TIMEOUT=${SCALE_TIMEOUT:-60}
if [[ $MODE == smoke-inner ]]; then
    LINKS=(2)
    RELAYS=(pxerelay)
    TAG=scs
else
    read -r -a LINKS <<<"${SCALE_LINKS:-2 256 4096}"
    read -r -a RELAYS <<<"${SCALE_RELAYS:-pxerelay dhcrelay dhcp-helper dnsmasq}"
    TAG=scl
fi
for n in "${LINKS[@]}"; do
    if [[ ! $n =~ ^[0-9]+$ ]] || ((n < 1 || n > 8192)); then
        echo "SCALE_LINKS: numbers of links, each 1..8192" >&2
        exit 2
    fi
done
for r in "${RELAYS[@]}"; do
    case $r in
        pxerelay | dhcrelay | dhcp-helper | dnsmasq) ;;
        *) echo "SCALE_RELAYS: pxerelay dhcrelay dhcp-helper dnsmasq, not \"$r\"" >&2; exit 2 ;;
    esac
done
if [[ ! $TIMEOUT =~ ^[0-9]+$ ]] || ((TIMEOUT < 5 || TIMEOUT > 600)); then
    echo "SCALE_TIMEOUT: 5..600 seconds" >&2
    exit 2
fi
# Memory targets for pxerelay, on its own memory (USS): <= 4 MiB at 2
# links, <= 16 MiB at 4096.
declare -A TARGET_KB=([2]=4096 [4096]=16384)
PROBE_STEP_MS=50

# ------------------------------------------------------------------ build

build_stub() {
    local cc=${CC:-cc}
    mkdir -p "$(dirname "$STUB")"
    # The flags of tests/bench/run.sh; a binary of our own, so a bench run
    # at the same time does not see its file rewritten.
    if ! "$cc" -std=gnu11 -O2 -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
        -Wformat=2 -Wvla -o "$STUB.tmp" "$BENCH/stubserver.c" >"$STUB.build.log" 2>&1; then
        cat "$STUB.build.log"
        echo "FAIL scale: stubserver.c does not build"
        exit 1
    fi
    mv -f "$STUB.tmp" "$STUB"
}

# ------------------------------------------------------------------ peers

# shellcheck source-path=SCRIPTDIR source=peers.sh
source "$BENCH/peers.sh"

# ------------------------------------------------------------------ topology

NS_CL=pxr-$TAG-cl
NS_FAR=pxr-$TAG-far
CLIENT_MAC=02:00:00:5c:00:01

# net_of I: "a.b.c" of link I.
net_of() { echo "10.$((1 + $1 / 256)).$(($1 % 256))"; }

# topo_build N: the namespaces of the picture above with N links.
topo_build() {
    local n=$1 i t
    t=$(now_ms)
    topo_create
    ns_add "$NS_FAR"
    ns_add "$NS_CL"
    ip -n "$NS_SRV" route add 10.0.0.0/8 via 10.0.0.1
    {
        for ((i = 1; i <= n; i++)); do
            if ((i == n)); then
                echo "link add name vlan$i type veth peer name eth0 netns $NS_CL"
            else
                echo "link add name vlan$i type veth peer name p$i netns $NS_FAR"
            fi
            echo "addr add $(net_of "$i").1/24 dev vlan$i"
            echo "link set vlan$i up"
        done
    } >"$PXR_TMP/rtr-$n.batch"
    ip -n "$NS_RTR" -batch "$PXR_TMP/rtr-$n.batch"
    if ((n > 1)); then
        for ((i = 1; i < n; i++)); do
            echo "link set p$i up"
        done >"$PXR_TMP/far-$n.batch"
        ip -n "$NS_FAR" -batch "$PXR_TMP/far-$n.batch"
    fi
    ip -n "$NS_CL" link set eth0 address 02:00:00:5c:00:02
    ip -n "$NS_CL" link set eth0 up
    TOPO_MS=$(($(now_ms) - t))
    log "$n links made in $TOPO_MS ms"
}

# topo_teardown: stop the stub, delete this N's namespaces (the EXIT trap
# does the same if the script dies first).
topo_teardown() {
    local ns pid t
    t=$(now_ms)
    proc_stop stub
    for ns in "$NS_CL" "$NS_FAR" "$NS_RTR" "$NS_SRV"; do
        [[ -e /run/netns/$ns ]] || continue
        for pid in $(ip netns pids "$ns" 2>/dev/null); do
            kill -KILL "$pid" 2>/dev/null || true
        done
        ip netns del "$ns" || log "could not delete namespace $ns"
    done
    log "namespaces deleted in $(($(now_ms) - t)) ms"
}

stub_start() {
    bg_run stub "$NS_SRV" "$STUB" -m 24
    wait_until 5 udp_listening "$NS_SRV" 67 || true
    if ! proc_alive "$(pid_of stub)" || ! udp_listening "$NS_SRV" 67; then
        echo "FAIL scale: stubserver did not start: $(tr '\n' ' ' <"$PXR_TMP/stub.log")"
        exit 1
    fi
}

# ------------------------------------------------------------------ relays

# relay_cmd NAME N: RELAY_CMD, the command line of relay NAME on N links
# (its config file written if it has one).
relay_cmd() {
    local name=$1 n=$2 i f
    RELAY_CMD=("$RELAY_BIN")
    case $name in
        pxerelay)
            f=$PXR_TMP/pxerelay-$n.conf
            {
                echo "# tests/bench/scale.sh: $n downstream links"
                echo 'servers = {"10.0.0.2"}'
                echo 'log-level = warn'
                for ((i = 1; i <= n; i++)); do
                    echo "interface \"vlan$i\" { }"
                done
            } >"$f"
            RELAY_CMD+=(-f -c "$f")
            ;;
        dhcrelay)
            RELAY_CMD+=(-d -4 -a -pf "$PXR_TMP/dhcrelay.pid" -iu up0)
            for ((i = 1; i <= n; i++)); do
                RELAY_CMD+=(-id "vlan$i")
            done
            RELAY_CMD+=(10.0.0.2)
            ;;
        dhcp-helper)
            RELAY_CMD+=(-d -r "$PXR_TMP/dhcp-helper.pid" -s 10.0.0.2)
            for ((i = 1; i <= n; i++)); do
                RELAY_CMD+=(-i "vlan$i")
            done
            ;;
        dnsmasq)
            f=$PXR_TMP/dnsmasq-$n.conf
            {
                echo "# tests/bench/scale.sh: relay only (no dhcp-range), no DNS"
                echo "port=0"
                echo "no-resolv"
                echo "no-hosts"
                echo "user=root"
                echo "group=root"
                echo "pid-file=$PXR_TMP/dnsmasq.pid"
                echo "dhcp-leasefile=$PXR_TMP/dnsmasq.leases"
                for ((i = 1; i <= n; i++)); do
                    echo "interface=vlan$i"
                    echo "dhcp-relay=$(net_of "$i").1,10.0.0.2"
                done
            } >"$f"
            RELAY_CMD+=(-d -C "$f")
            ;;
    esac
}

# alive PID: running and not a zombie, without forking (polled often while
# a relay starts, so the poll costs it little CPU).
alive() {
    local st
    [[ -r /proc/$1/stat ]] || return 1
    read -r st <"/proc/$1/stat" 2>/dev/null || return 1
    st=${st##*) }
    st=${st%% *}
    [[ $st != Z && $st != X ]]
}

# router_clean: no process left in the router ns and nothing on UDP 67.
router_clean() {
    [[ -z $(ip netns pids "$NS_RTR" 2>/dev/null) ]] && ! udp_listening "$NS_RTR" 67
}

ROWS=()
NOTES=()
declare -A VERSION_OF=()
declare -A SEEN_VERSION=()

# add_row RELAY N SERVING PEAK RSS FDS NOTE
add_row() {
    ROWS+=("$(printf '| %-11s | %5s | %16s | %9s | %9s | %9s | %9s | %5s | %s |' "$@")")
}

# smaps_kb PID FIELD...: the sum of those fields of /proc/PID/smaps_rollup
# (kB): Private_Clean Private_Dirty is the process's own memory (USS), Pss
# its own plus its share of what it maps with others (shared libraries).
smaps_kb() {
    local pid=$1
    shift
    awk -v want=" $* " 'index(want, " " substr($1, 1, length($1) - 1) " ") { s += $2 }
        END { if (NR) print s + 0 }' "/proc/$pid/smaps_rollup" 2>/dev/null
}

mib() { awk -v k="$1" 'BEGIN { printf "%.1f MiB", k / 1024 }'; }

# run_relay NAME N: start relay NAME on the N links, time it until the
# client on the last link gets an OFFER, read its figures, stop it.
run_relay() {
    local name=$1 n=$2
    local p=relay-$name-$n q=probe-$name-$n rpid qpid t0 t1 pid
    local served='' hwm='' rss='' uss='' pss='' fds='' note='' reply
    if ! relay_locate "$name"; then
        log "$name: not available: $PEER_WHY"
        add_row "$name" "$n" - - - - - - "not available: $PEER_WHY"
        return 0
    fi
    if [[ -z ${SEEN_VERSION[$name]:-} ]]; then
        SEEN_VERSION[$name]=1
        VERSION_OF[$name]="$name: $RELAY_VERSION (${RELAY_BIN#"$TOP"/})"
    fi
    relay_cmd "$name" "$n"
    if ! router_clean; then
        log "router ns not clean before $name: $(ip netns pids "$NS_RTR" | tr '\n' ' ')"
        for pid in $(ip netns pids "$NS_RTR" 2>/dev/null); do kill -KILL "$pid" 2>/dev/null || true; done
        wait_until 5 router_clean || { add_row "$name" "$n" - - - - "not run: router ns not clean"; return 0; }
    fi

    # The client sends from before the relay exists; the first DISCOVER
    # after the relay is ready is answered.
    bg_run "$q" "$NS_CL" "$PXR_PYTHON" "$PXR_PROBE" request -i eth0 --mac "$CLIENT_MAC" \
        --wait $((TIMEOUT + 30)) --tries $(((TIMEOUT + 30) * 1000 / PROBE_STEP_MS))
    if ! wait_until 10 grep -qs '^sent ' "$PXR_TMP/$q.log"; then
        add_row "$name" "$n" - - - - "client probe did not start: $(head -c 100 "$PXR_TMP/$q.log" | tr '\n' ' ')"
        proc_stop "$q"
        return 0
    fi
    qpid=$(pid_of "$q")
    t0=$(now_ms)
    bg_run "$p" "$NS_RTR" "${RELAY_CMD[@]}"
    rpid=$(pid_of "$p")
    # The probe's own clock drifts under load; the time limit is kept here.
    local now deadline=$((t0 + TIMEOUT * 1000))
    while alive "$qpid" && alive "$rpid"; do
        now=${EPOCHREALTIME//[.,]/}
        ((now / 1000 < deadline)) || break
        sleep 0.01
    done
    t1=$(now_ms)
    reply=$(grep -m 1 '^reply ' "$PXR_TMP/$q.log" || true)
    if [[ -n $reply ]]; then
        if [[ $reply == *"type=OFFER "*"yiaddr=$LAST_NET."* ]]; then
            served=$((t1 - t0))
        else
            note="unexpected reply: ${reply:0:80}"
        fi
    fi
    if alive "$rpid"; then
        hwm=$(proc_status "$rpid" VmHWM 2>/dev/null | awk '{ print $1 }') || true
        rss=$(proc_status "$rpid" VmRSS 2>/dev/null | awk '{ print $1 }') || true
        uss=$(smaps_kb "$rpid" Private_Clean Private_Dirty) || true
        pss=$(smaps_kb "$rpid" Pss) || true
        fds=$(find "/proc/$rpid/fd" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l) || true
    fi
    # A process on its way out (closing thousands of sockets can take it
    # seconds) still looks alive but has no memory left to report.
    if [[ -n $hwm ]]; then
        if [[ -z $served && -z $note ]]; then
            note="did not serve within $TIMEOUT s (figures then)"
            if [[ $name == dhcrelay ]]; then
                # It opens the links one by one, and serves once all are.
                note+=", $(grep -c '^Listening on LPF/vlan' "$PXR_TMP/$p.log" || true) of $n links opened by then"
            fi
        fi
    else
        local st=0
        wait "$rpid" 2>/dev/null || st=$?
        local said
        hwm='' rss='' uss='' pss='' fds=''
        # What it said: its error lines if it has any, else its last lines.
        said=$(grep -m 2 -iE "error|can't|cannot|unable|fail|fatal|out of range|too many" \
            "$PXR_TMP/$p.log" 2>/dev/null || true)
        [[ -n $said ]] || said=$({ grep -v '^\s*$' "$PXR_TMP/$p.log" || true; } | tail -n 2)
        said=$(tr '\n' ' ' <<<"$said" | cut -c1-140 | sed 's/ *$//')
        note="exited (status $st; gone by $((t1 - t0)) ms)${said:+: $said}"
        [[ -z $served ]] || note="served, then $note"
    fi
    # The targets are on the process's own memory: the shared libraries
    # are counted once for the whole system, not against the relay.
    if [[ $name == pxerelay && -n $uss && -n ${TARGET_KB[$n]:-} ]]; then
        if ((uss <= TARGET_KB[$n])); then
            note+="${note:+; }USS target <= $((TARGET_KB[$n] / 1024)) MiB: met"
        else
            note+="${note:+; }USS target <= $((TARGET_KB[$n] / 1024)) MiB: MISSED"
        fi
    fi
    log "$name, $n links: serving after ${served:--} ms, VmHWM ${hwm:--} kB, VmRSS ${rss:--} kB, USS ${uss:--} kB, PSS ${pss:--} kB, fds ${fds:--}${note:+, $note}"
    add_row "$name" "$n" "${served:--}" "$([[ -n $hwm ]] && mib "$hwm" || echo -)" \
        "$([[ -n $rss ]] && mib "$rss" || echo -)" "$([[ -n $uss ]] && mib "$uss" || echo -)" \
        "$([[ -n $pss ]] && mib "$pss" || echo -)" "${fds:--}" "${note:-}"
    RESULT_SERVED=$served RESULT_HWM=$hwm RESULT_USS=$uss RESULT_FDS=$fds

    # Stopped as the lab stops anything: SIGTERM, SIGKILL after 5 s.
    local ts
    ts=$(now_ms)
    if proc_gone "$rpid"; then
        :
    elif kill -TERM "$rpid" 2>/dev/null && ! wait_until 5 proc_gone "$rpid"; then
        NOTES+=("$name at $n links was still running 5 s after SIGTERM and was killed")
        log "$name still runs 5 s after SIGTERM, SIGKILL"
        kill -KILL "$rpid" 2>/dev/null || true
        # Closing thousands of sockets can hold a killed process a while.
        wait_until 60 proc_gone "$rpid" || log "$name (pid $rpid) still there 60 s after SIGKILL"
    else
        log "$name exited $(($(now_ms) - ts)) ms after SIGTERM"
    fi
    proc_stop "$p" KILL
    proc_stop "$q"
    if ! wait_until 10 router_clean; then
        log "after $name: left in the router ns: $(ip netns pids "$NS_RTR" | tr '\n' ' '); killing"
        for pid in $(ip netns pids "$NS_RTR" 2>/dev/null); do kill -KILL "$pid" 2>/dev/null || true; done
        wait_until 5 router_clean || true
    fi
}

# ------------------------------------------------------------------ report

table() {
    printf '| %-11s | %5s | %16s | %9s | %9s | %9s | %9s | %5s | %s |\n' relay links \
        "serving after ms" "peak RSS" RSS USS PSS fds note
    echo "|-------------|------:|-----------------:|----------:|----------:|----------:|----------:|------:|------|"
    printf '%s\n' "${ROWS[@]}"
}

# The fraction of the CPUs busy with other work over 1 s before the run.
busy_pct() {
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

write_append() {
    local v
    {
        echo
        echo "## Scale: links per relay"
        echo
        echo "Written by \`tests/bench/scale.sh --append\`; run it again for fresh figures."
        echo
        echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC')"
        echo "- machine: $(nproc) CPUs, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)," \
            "Linux $(uname -r), open-file limit $(ulimit -n)"
        echo "- CPUs busy with other work just before the run: $BUSY_BEFORE%"
        echo "- links: ${LINKS[*]}; a relay gets $TIMEOUT s to serve"
        echo
        table
        echo
        echo "\"serving after\" is the time from launching the relay to the client on" \
            "the last link receiving an OFFER through it; the client sends one" \
            "DISCOVER every $PROBE_STEP_MS ms from before the launch" \
            "(tests/lab/dhcp_probe.py), so the figure is up to $PROBE_STEP_MS ms" \
            "late. \"peak RSS\" is VmHWM, \"RSS\" VmRSS, \"USS\" the process's own" \
            "memory (Private_Clean + Private_Dirty of /proc/PID/smaps_rollup)," \
            "\"PSS\" that plus its share of what it maps with other processes (the" \
            "shared libraries), \"fds\" the entries of /proc/PID/fd, all read right" \
            "after that OFFER. RSS counts every shared library page the process" \
            "touched in full; USS counts none. pxerelay's targets: USS <= 4 MiB at" \
            "2 links and <= 16 MiB at 4096, serving within a few seconds."
        echo
        echo "Setup: a server namespace (tests/bench/stubserver.c on 10.0.0.2, answering" \
            "every relayed request), a router namespace with the relay, its upstream" \
            "link up0 10.0.0.1/24 and N downstream veth links vlanI with" \
            "10.(1+I/256).(I%256).1/24 each, the other ends up in a namespace with" \
            "nobody on them except the last, which is the client's. The namespaces" \
            "are built afresh for each N (\`ip -batch\`); time to make them:" \
            "$(printf '%s, ' "${TOPO_TIMES[@]}" | sed 's/, $//')."
        echo
        echo "Relays, each on all N links, otherwise with its defaults:"
        echo
        echo "- pxerelay: \`-f -c FILE\`, FILE: \`servers = {\"10.0.0.2\"}\`, \`log-level = warn\`, \`interface \"vlanI\" { }\` per link (adds option 82)"
        echo "- dhcrelay: \`-d -4 -a -iu up0 -id vlan1 ... -id vlanN 10.0.0.2\` (adds option 82)"
        echo "- dhcp-helper: \`-d -s 10.0.0.2 -i vlan1 ... -i vlanN\`"
        echo "- dnsmasq: \`-d -C FILE\`, FILE: \`port=0\`, \`interface=vlanI\` and \`dhcp-relay=10.x.y.1,10.0.0.2\` per link (no DHCP range: relay only)"
        echo
        echo "Versions:"
        echo
        for v in "${RELAYS[@]}"; do
            [[ -n ${VERSION_OF[$v]:-} ]] && echo "- ${VERSION_OF[$v]}"
        done
        if ((${#NOTES[@]} > 0)); then
            echo
            printf -- '- %s\n' "${NOTES[@]}"
        fi
    } >>"$APPEND"
}

# ------------------------------------------------------------------ main

PXR_GIT=$(git -C "$TOP" describe --always --dirty 2>/dev/null || echo '?')
build_stub
BUSY_BEFORE=0
[[ $MODE == smoke-inner ]] || BUSY_BEFORE=$(busy_pct)
if ((BUSY_BEFORE > 20)); then
    log "warning: the CPUs were $BUSY_BEFORE% busy with other work before the run"
fi
if [[ $MODE == smoke-inner ]]; then
    lab_init "$TAG" scale-smoke
else
    lab_init "$TAG" scale
fi

TOPO_TIMES=()
RESULT_SERVED='' RESULT_HWM='' RESULT_FDS=''
for N in "${LINKS[@]}"; do
    LAST_NET=$(net_of "$N")
    topo_build "$N"
    TOPO_TIMES+=("$N links $TOPO_MS ms")
    stub_start
    for r in "${RELAYS[@]}"; do
        run_relay "$r" "$N"
    done
    topo_teardown
done

echo
table
echo

if [[ $MODE == smoke-inner ]]; then
    smoke_ok() {
        [[ -n $RESULT_SERVED ]] || { why "pxerelay did not serve the client on link 2: ${ROWS[-1]:-no row}"; return; }
        [[ $RESULT_HWM =~ ^[0-9]+$ && $RESULT_HWM -gt 0 ]] || { why "no VmHWM read: ${ROWS[-1]}"; return; }
        [[ $RESULT_USS =~ ^[0-9]+$ && $RESULT_USS -gt 0 && $RESULT_USS -le $RESULT_HWM ]] ||
            { why "no USS read, or above the peak RSS: ${ROWS[-1]}"; return; }
        [[ $RESULT_FDS =~ ^[0-9]+$ && $RESULT_FDS -gt 0 ]] || { why "no fd count read: ${ROWS[-1]}"; return; }
    }
    check scale-smoke smoke_ok
elif [[ -n $APPEND ]]; then
    write_append
    log "section appended to $APPEND"
fi
