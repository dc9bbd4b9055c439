#!/bin/bash
# tests/soak/worker.sh MODE OUT ARG... - one load loop of the soak test
# (tests/soak/soak.sh starts each in its namespace with lib.sh's bg_run and
# stops it with SIGTERM).  Every outcome is one line appended to OUT:
#
#   EPOCH KIND RESULT DETAIL...
#
# EPOCH is the end of the attempt in seconds (with fraction), KIND what was
# tried, RESULT ok or fail.  Modes:
#
#   dhclient OUT IFACE GW HOOK DIR   ISC dhclient cycles: lease (a fresh
#       DISCOVER every third cycle, else INIT-REBOOT from the lease file),
#       hold a few seconds, release (dhclient -r), drop the address.
#       Lines: lease, release.
#   udhcpc OUT IFACE GW HOOK DIR     busybox udhcpc cycles: lease, renew
#       (SIGUSR1, unicast to the server), release on exit (-R).  A missing
#       IFACE (its VLAN deleted by a fault) is a "lease fail nolink".
#       Lines: lease, renew.
#   loadgen OUT IFACE LOADGEN RATE SECS MACS GAP   the bench load generator
#       in bursts: RATE DISCOVERs/s for SECS from MACS clients, GAP seconds
#       apart.  Lines: "loadgen ok|fail <its key=value report>".
#   scrape OUT URL LAST EVERY        GET URL every EVERY seconds; the last
#       good body is kept in LAST.  Lines: scrape.
#   tftp OUT CLIENT SERVER MANIFEST TMPDIR TOOL   read every file of
#       MANIFEST ("NAME SIZE SHA256" lines) from SERVER in turn, over and
#       over, with TOOL py (tests/lab/tftp_client.py, windowsize 8) or curl;
#       compare sha256.  Lines: "tftp ok|fail FILE TOOL ...".
set -u

mode=$1
out=$2
shift 2

child=
client=
stop() {
    local p
    for p in $child $client; do
        kill -TERM "$p" 2>/dev/null
        wait "$p" 2>/dev/null
    done
    exit 0
}
trap stop TERM INT

rec() { echo "$EPOCHREALTIME $*" >>"$out"; }

# run CMD...: in the background and wait, so SIGTERM is handled at once.
run() {
    "$@" &
    child=$!
    wait "$child"
    local rc=$?
    child=
    return "$rc"
}

nap() { run sleep "$1"; }

# events_since FILE T0 EVENT...: lines of the lease hook's events FILE after
# epoch T0 whose event is one of EVENT.
events_since() {
    local f=$1 t0=$2
    shift 2
    [[ -f $f ]] || return 1
    awk -v t0="$t0" -v ev=" $* " '$1 + 0 >= t0 + 0 && index(ev, " " $3 " ") { n++ } END { exit !n }' "$f"
}

wait_event() {
    local f=$1 t0=$2 secs=$3 i
    shift 3
    for ((i = 0; i < secs * 5; i++)); do
        events_since "$f" "$t0" "$@" && return 0
        nap 0.2
    done
    return 1
}

lease_ip() { sed -n 's/^ip=//p' "$1" 2>/dev/null; }

case $mode in
    dhclient)
        ifc=$1 gw=$2 hook=$3 dir=$4 n=0
        mkdir -p "$dir"
        cat >"$dir/dhclient.conf" <<'EOF'
timeout 20;
retry 5;
initial-interval 1;
backoff-cutoff 2;
request subnet-mask, broadcast-address, routers;
EOF
        lease=$dir/lease
        while true; do
            n=$((n + 1))
            ((n % 3 == 1)) && rm -f "$dir/dhclient.leases"
            t0=$EPOCHREALTIME
            if run dhclient -4 -1 -cf "$dir/dhclient.conf" -lf "$dir/dhclient.leases" \
                -pf "$dir/dhclient.pid" -sf "$hook" -e "PXR_LEASE_OUT=$lease" "$ifc" \
                >>"$dir/dhclient.log" 2>&1 && events_since "$lease.events" "$t0" BOUND REBOOT RENEW; then
                rec lease ok "$ifc" "$(lease_ip "$lease")" "$(awk -v t0="$t0" '$1 + 0 >= t0 + 0 { e = $3 } END { print e }' "$lease.events")"
                ip route replace 10.0.0.0/24 via "$gw" dev "$ifc" 2>/dev/null
                nap 4
                if run timeout 20 dhclient -4 -r -cf "$dir/dhclient.conf" -lf "$dir/dhclient.leases" \
                    -pf "$dir/dhclient.pid" -sf "$hook" -e "PXR_LEASE_OUT=$lease" "$ifc" \
                    >>"$dir/dhclient.log" 2>&1; then
                    rec release ok "$ifc"
                else
                    rec release fail "$ifc"
                fi
            else
                rec lease fail "$ifc" "$(tail -n 1 "$dir/dhclient.log")"
                # A dhclient left running after a failed -1 would hold the link.
                [[ -f $dir/dhclient.pid ]] && kill "$(cat "$dir/dhclient.pid")" 2>/dev/null
            fi
            rm -f "$dir/dhclient.pid"
            ip -4 addr flush dev "$ifc" 2>/dev/null
            nap 1
        done
        ;;
    udhcpc)
        ifc=$1 gw=$2 hook=$3 dir=$4
        mkdir -p "$dir"
        lease=$dir/lease
        while true; do
            if ! ip link show "$ifc" >/dev/null 2>&1; then
                rec lease fail "$ifc" nolink
                nap 2
                continue
            fi
            t0=$EPOCHREALTIME
            PXR_LEASE_OUT=$lease busybox udhcpc -f -i "$ifc" -s "$hook" -t 8 -T 1 -A 1 -n -R \
                >>"$dir/udhcpc.log" 2>&1 &
            client=$!
            if wait_event "$lease.events" "$t0" 15 bound; then
                rec lease ok "$ifc" "$(lease_ip "$lease")"
                ip route replace 10.0.0.0/24 via "$gw" dev "$ifc" 2>/dev/null
                nap 2
                t1=$EPOCHREALTIME
                kill -USR1 "$client" 2>/dev/null
                if wait_event "$lease.events" "$t1" 8 renew; then
                    rec renew ok "$ifc"
                else
                    rec renew fail "$ifc"
                fi
            else
                rec lease fail "$ifc" "$(tail -n 1 "$dir/udhcpc.log")"
            fi
            kill -TERM "$client" 2>/dev/null
            wait "$client" 2>/dev/null
            client=
            ip -4 addr flush dev "$ifc" 2>/dev/null
            nap 1
        done
        ;;
    loadgen)
        ifc=$1 bin=$2 rate=$3 secs=$4 macs=$5 gap=$6
        while true; do
            run "$bin" -i "$ifc" -r "$rate" -t "$secs" -T 1000 -n "$macs" >"$out.last" 2>>"$out.err"
            line=$(tail -n 1 "$out.last")
            done_n=$(tr ' ' '\n' <<<"$line" | sed -n 's/^completed=//p')
            if [[ ${done_n:-0} -gt 0 ]]; then
                rec loadgen ok "$line"
            else
                rec loadgen fail "${line:-no report}"
            fi
            nap "$gap"
        done
        ;;
    scrape)
        url=$1 last=$2 every=$3
        while true; do
            if run curl -sS -m 3 -o "$last.tmp" "$url" 2>>"$out.err" && grep -q '^pxerelay_start_time_seconds ' "$last.tmp"; then
                mv -f "$last.tmp" "$last"
                rec scrape ok "$(wc -c <"$last")"
            else
                rec scrape fail
            fi
            nap "$every"
        done
        ;;
    tftp)
        pyclient=$1 server=$2 manifest=$3 tmp=$4 tool=$5
        mkdir -p "$tmp"
        py=python3
        [[ -x /usr/bin/python3 ]] && py=/usr/bin/python3
        mapfile -t files <"$manifest"
        while true; do
            for entry in "${files[@]}"; do
                read -r name size sha <<<"$entry"
                dst=$tmp/$name
                rm -f "$dst"
                t0=$EPOCHREALTIME
                case $tool in
                    py)
                        run "$py" "$pyclient" get "$server" "$name" --blksize 1468 --windowsize 8 \
                            --tsize --deadline 60 --out "$dst" >"$tmp/res" 2>&1
                        ;;
                    curl)
                        run curl -sS -m 60 --tftp-blksize 1468 -o "$dst" "tftp://$server/$name" >"$tmp/res" 2>&1
                        ;;
                esac
                res=$(tail -n 1 "$tmp/res")
                got=$( [[ -f $dst ]] && sha256sum "$dst" | cut -d' ' -f1)
                secs=$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.2f", b - a }')
                if [[ $got == "$sha" ]]; then
                    rec tftp ok "$name" "$tool" "secs=$secs"
                else
                    rec tftp fail "$name" "$tool" "secs=$secs" "bytes=$( [[ -f $dst ]] && wc -c <"$dst" || echo none)/$size" "${res//$'\n'/ }"
                fi
                rm -f "$dst"
            done
        done
        ;;
    *)
        echo "worker.sh: unknown mode $mode" >&2
        exit 2
        ;;
esac
