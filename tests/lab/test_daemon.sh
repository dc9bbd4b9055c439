#!/bin/bash
# tests/lab/test_daemon.sh - pxerelay as a daemon: privileges,
# pid file, a second instance, SIGHUP reload, the Prometheus endpoint and
# the SIGUSR1 dump, the pcap trace and --replay of it, SIGTERM, and
# `make install` / `make uninstall` with the unit file and man pages.
#
#   server ns: dnsmasq                          srv0 10.0.0.2
#        |
#   router ns: pxerelay -d -c CONF -p PID -w TRACE, metrics 127.0.0.1:9767
#        |-- vlan10 -- c10: udhcpc             (configured)
#        |-- vlan20 -- c20: dhclient, probes   (configured, untrusted;
#        |                                      removed by the reload)
#        `-- vlan30 -- c30: udhcpc, probes     (exists from the start; added
#                                               by the reload)
#
# Counter checks are exact: the expected numbers are taken from captures of
# what the clients really sent and received (they may retransmit), and the
# crafted packets of dhcp_probe.py are sent once each.
set -euo pipefail

LAB=$(cd "$(dirname "$0")" && pwd)
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$LAB/lib.sh"

case ${1:-} in
    -h | --help)
        sed -n '2,/^set -e/p' "$0" | sed 's/^# \{0,1\}//; /^set -e/d'
        exit 0
        ;;
esac

T=daemon
if [[ ! -x $(pxerelay_bin) ]]; then
    echo "FAIL $T: pxerelay binary not found at $(pxerelay_bin) (build it or set PXERELAY)"
    exit 1
fi
for t in curl jq; do
    command -v "$t" >/dev/null || { echo "FAIL $T: $t not installed"; exit 1; }
done
lab_init dmn "$T"
umask 022

# The relay reads its config again on SIGHUP as the unprivileged user: the
# file and the way to it must be readable by that user (the rest of the
# temp dir stays unlistable).
chmod 0711 "$PXR_TMP"
ETC=$PXR_TMP/etc
mkdir -m 0755 "$ETC"
CONF=$ETC/pxerelay.conf
PIDF=$PXR_TMP/pxerelay.pid
TRACE=$PXR_TMP/trace.pcap
METRICS=127.0.0.1:9767
RUN_USER=nobody
MAC10=02:00:00:00:0a:02 # eth0 of c10 (topo_add_vlan)
MAC20=02:00:00:00:14:02 # eth0 of c20

conf_head() {
    cat <<EOF
# written by tests/lab/test_daemon.sh
servers = {"10.0.0.2"}
log-level = debug
metrics = "$METRICS"
EOF
}

write_conf_initial() {
    {
        conf_head
        echo 'interface "vlan10" {}'
        echo 'interface "vlan20" {}'
    } >"$CONF"
}

write_conf_reloaded() {
    {
        conf_head
        echo 'interface "vlan10" {}'
        echo 'interface "vlan30" {}'
    } >"$CONF"
}

relay_pid() { pid_of relay; }
relay_log() { echo "$PXR_TMP/relay.log"; }

# ---------------------------------------------------------------- set-up

topo_create
topo_add_vlan 10
topo_add_vlan 20
topo_add_vlan 30
NS10=$(client_ns 10)
NS20=$(client_ns 20)
NS30=$(client_ns 30)
server_start dnsmasq 10.10.0 10.20.0 10.30.0
cap_start srv "$NS_SRV" srv0
cap_start c10 "$NS10" eth0
cap_start c20 "$NS20" eth0
SRVCAP=$(cap_file srv)
write_conf_initial

relay_started() { grep -q 'pxerelay started' "$(relay_log)"; }
start_relay() {
    relay_run -d -c "$CONF" -p "$PIDF" -w "$TRACE" || return 1
    wait_until 5 relay_started || why "no 'pxerelay started' line in the log within 5 s"
}
check "$T relay-start" start_relay
RELAY_PID=$(relay_pid)
proc_alive "$RELAY_PID" || exit 1
log "relay pid $RELAY_PID"

# ---------------------------------------------------------------- privileges

privileges_dropped() {
    local uid gid f v bad=
    uid=$(id -u "$RUN_USER")
    gid=$(id -g "$RUN_USER")
    v=$(proc_status "$RELAY_PID" Uid) || { why "no /proc/$RELAY_PID/status"; return 1; }
    [[ $v == "$uid $uid $uid $uid" ]] || bad+="Uid '$v' (want $uid x4); "
    v=$(proc_status "$RELAY_PID" Gid)
    [[ $v == "$gid $gid $gid $gid" ]] || bad+="Gid '$v' (want $gid x4); "
    v=$(proc_status "$RELAY_PID" Groups)
    [[ -z $v ]] || bad+="supplementary Groups '$v' kept; "
    for f in CapEff CapPrm CapInh CapAmb; do
        v=$(proc_status "$RELAY_PID" "$f")
        [[ $v =~ ^0+$ ]] || bad+="$f $v; "
    done
    v=$(proc_status "$RELAY_PID" NoNewPrivs)
    [[ $v == 1 ]] || bad+="NoNewPrivs $v; "
    [[ -z $bad ]] || { why "${bad%; }"; return 1; }
    log "relay runs as $RUN_USER ($uid:$gid), no capabilities, NoNewPrivs 1"
}
check "$T privileges-dropped" privileges_dropped

# The reply socket asked for its 1 MiB (2 MiB as the kernel counts it)
# while still root, so it keeps it whatever net.core.rmem_max says. ss
# shows no buffer of a raw socket here, so the relay's own start line,
# which reads it back with getsockopt, is what is checked; the socket
# itself must be there (raw, protocol 17, this pid).
reply_socket_buffer() {
    local rb
    ip netns exec "$NS_RTR" ss -Hwanp 2>/dev/null | grep -q ":17 .*pid=$RELAY_PID," ||
        { why "no raw UDP socket of pid $RELAY_PID in ss -wanp"; return 1; }
    rb=$(sed -n 's/.*servers: raw UDP socket, receive buffer \([0-9]*\) bytes.*/\1/p' "$PXR_TMP/relay.log" | tail -n 1)
    [[ -n $rb ]] || { why "no 'servers: raw UDP socket' line in the relay's log"; return 1; }
    ((rb >= 2097152)) || { why "reply socket receive buffer is $rb bytes, want 2097152"; return 1; }
    log "reply socket receive buffer $rb bytes (net.core.rmem_max $(sysctl -n net.core.rmem_max))"
}
check "$T reply-socket-buffer" reply_socket_buffer

# ---------------------------------------------------------------- pid file

pid_file_holds_pid() {
    local v
    [[ -f $PIDF ]] || { why "no pid file $PIDF"; return 1; }
    v=$(tr -d '\n' <"$PIDF")
    [[ $v == "$RELAY_PID" ]] || { why "pid file holds '$v', relay pid is $RELAY_PID"; return 1; }
    # flock -n fails (-E 99) when another process holds the lock.
    local rc=0
    flock -n -E 99 "$PIDF" true || rc=$?
    ((rc == 99)) || why "pid file is not locked (flock -n exited $rc)"
}
check "$T pid-file" pid_file_holds_pid

# second_instance NAME ARG...: pxerelay -f ARG... in the router ns must exit
# non-zero at once; its output goes to $PXR_TMP/NAME.out.
second_instance() {
    local name=$1 rc=0
    shift
    timeout -k 1 8 ip netns exec "$NS_RTR" "$(pxerelay_bin)" -f "$@" >"$PXR_TMP/$name.out" 2>&1 || rc=$?
    SECOND_OUT=$(tr '\n' ' ' <"$PXR_TMP/$name.out")
    if ((rc == 0)); then
        why "a second pxerelay $* exited 0: $SECOND_OUT"
        return 1
    fi
    if ((rc == 124 || rc == 137)); then
        why "a second pxerelay $* was still running after 8 s: $SECOND_OUT"
        return 1
    fi
    log "second pxerelay $* exited $rc: $SECOND_OUT"
}
first_unharmed() {
    proc_alive "$RELAY_PID" || { why "the first relay (pid $RELAY_PID) is gone"; return 1; }
    [[ $(tr -d '\n' <"$PIDF" 2>/dev/null) == "$RELAY_PID" ]] ||
        why "pid file now holds '$(cat "$PIDF" 2>/dev/null)'"
}
second_same_pidfile() {
    second_instance second-p -c "$CONF" -p "$PIDF" || return 1
    [[ $SECOND_OUT == *"$RELAY_PID"* ]] ||
        { why "its message does not name the running pid $RELAY_PID: $SECOND_OUT"; return 1; }
    first_unharmed
}
check "$T second-instance-same-pidfile-refused" second_same_pidfile

second_no_pidfile() {
    second_instance second-nop -c "$CONF" || return 1
    [[ $SECOND_OUT == *"port 67"* ]] ||
        { why "its message does not mention port 67: $SECOND_OUT"; return 1; }
    first_unharmed
}
check "$T second-instance-port67-refused" second_no_pidfile

# ---------------------------------------------------------------- leases

client_start_udhcpc udh10 "$NS10"
client_start_dhclient dhc20 "$NS20"
check "$T lease-vlan10-udhcpc-after-drop" lease_wait udh10 25 10.10.0.
check "$T lease-vlan20-dhclient-after-drop" lease_wait dhc20 25 10.20.0.
# Stop them before any renewal, so the counts below stay put.
proc_stop udh10
proc_stop dhc20

# One crafted DISCOVER with option 82 on untrusted vlan20: dropped.
UNTRUSTED_MAC=02:00:00:00:82:20
untrusted_no_reply() {
    local out
    out=$(probe "$NS20" request -i eth0 --mac "$UNTRUSTED_MAC" --circuit-id forged \
        --wait 1.5 --expect-none) || why "the client got a reply: $(grep '^reply' <<<"$out")"
}
check "$T untrusted-opt82-no-reply" untrusted_no_reply
sleep 0.3 # the captures are written at once, but leave them a moment

# ---------------------------------------------------------------- metrics: exact values

# What really went over the wires, from the captures.
BCAST_REQ="dst host 255.255.255.255 and udp dst port 67 and $(bpf_request)"
TO_CLIENT="udp src port 67 and udp dst port 68 and $(bpf_reply)"
EXP_REQ10=$(pcap_count "$(cap_file c10)" "$BCAST_REQ and $(bpf_chaddr $MAC10)")
EXP_REP10=$(pcap_count "$(cap_file c10)" "$TO_CLIENT and $(bpf_chaddr $MAC10)")
EXP_REQ20=$(pcap_count "$(cap_file c20)" "$BCAST_REQ and $(bpf_chaddr $MAC20)")
EXP_REP20=$(pcap_count "$(cap_file c20)" "$TO_CLIENT and $(bpf_chaddr $MAC20)")
EXP_SENT=$(pcap_count "$SRVCAP" "$(bpf_request) and dst host 10.0.0.2")
EXP_RCVD=$(pcap_count "$SRVCAP" "$(bpf_reply) and src host 10.0.0.2")
log "captured: vlan10 $EXP_REQ10 requests/$EXP_REP10 replies, vlan20 $EXP_REQ20/$EXP_REP20," \
    "server link $EXP_SENT requests to 10.0.0.2, $EXP_RCVD replies from it"

captures_sane() {
    local v
    for v in EXP_REQ10 EXP_REP10 EXP_REQ20 EXP_REP20; do
        ((${!v} >= 2)) || { why "$v is ${!v}: a DORA has at least 2 each way"; return 1; }
    done
    ((EXP_SENT == EXP_REQ10 + EXP_REQ20)) ||
        why "the server link saw $EXP_SENT requests, the client links sent $((EXP_REQ10 + EXP_REQ20))"
}
check "$T captures-consistent" captures_sane

MBODY=$PXR_TMP/metrics.txt
MHDRS=$PXR_TMP/metrics.hdr
fetch_metrics() {
    local code
    code=$(ip netns exec "$NS_RTR" curl -sS --max-time 5 -D "$MHDRS" -o "$MBODY" \
        -w '%{http_code}' "http://$METRICS/metrics" 2>&1) ||
        { why "curl http://$METRICS/metrics: $code"; return 1; }
    [[ $code == 200 ]] || { why "GET /metrics: status $code"; return 1; }
    grep -qi '^content-type: *text/plain' "$MHDRS" ||
        { why "GET /metrics: $(grep -i '^content-type' "$MHDRS" || echo 'no Content-Type')"; return 1; }
    log "GET /metrics: 200, $(grep -vc '^#' "$MBODY") samples"
}
check "$T metrics-get" fetch_metrics

# expect_sample SAMPLE WANT: SAMPLE in the fetched text has value WANT.
expect_sample() {
    local v
    v=$(metric_sample "$MBODY" "$1") || { why "no sample $1"; return 1; }
    [[ $v == "$2" ]] || { why "$1 is $v, expected $2"; return 1; }
}
check "$T metric-relayed-request-vlan10" \
    expect_sample 'pxerelay_relayed_total{direction="request",interface="vlan10"}' "$EXP_REQ10"
check "$T metric-relayed-reply-vlan10" \
    expect_sample 'pxerelay_relayed_total{direction="reply",interface="vlan10"}' "$EXP_REP10"
check "$T metric-relayed-request-vlan20" \
    expect_sample 'pxerelay_relayed_total{direction="request",interface="vlan20"}' "$EXP_REQ20"
check "$T metric-relayed-reply-vlan20" \
    expect_sample 'pxerelay_relayed_total{direction="reply",interface="vlan20"}' "$EXP_REP20"
check "$T metric-dropped-untrusted_agent_option" \
    expect_sample 'pxerelay_dropped_total{reason="untrusted_agent_option"}' 1
check "$T metric-interface-dropped-vlan20" \
    expect_sample 'pxerelay_interface_dropped_total{interface="vlan20"}' 1
check "$T metric-server-sent" \
    expect_sample 'pxerelay_server_messages_total{server="10.0.0.2",direction="sent"}' "$EXP_SENT"
check "$T metric-server-received" \
    expect_sample 'pxerelay_server_messages_total{server="10.0.0.2",direction="received"}' "$EXP_RCVD"
log "non-zero drop counters: $(grep '^pxerelay_dropped_total' "$MBODY" | awk '$2 != 0' | tr '\n' ' ')"

type_line() {
    grep -qxF '# TYPE pxerelay_relayed_total counter' "$MBODY" ||
        why "no '# TYPE pxerelay_relayed_total counter' line"
}
check "$T metric-type-line" type_line

start_time_recent() {
    local st now
    st=$(metric_sample "$MBODY" pxerelay_start_time_seconds) ||
        { why "no pxerelay_start_time_seconds"; return 1; }
    now=$(date +%s.%N)
    awk -v s="$st" -v n="$now" 'BEGIN { exit !(s + 0 > 0 && n - s >= -1 && n - s <= 60) }' ||
        { why "pxerelay_start_time_seconds $st is not within the last minute (now $now)"; return 1; }
    log "started $(awk -v s="$st" -v n="$now" 'BEGIN { printf "%.1f", n - s }') s ago"
}
check "$T metric-start-time" start_time_recent

http_status() { head -n 1 <<<"$1" | tr -d '\r'; }
not_found() {
    local code
    code=$(ip netns exec "$NS_RTR" curl -sS --max-time 5 -o /dev/null -w '%{http_code}' \
        "http://$METRICS/other" 2>&1) || true
    [[ $code == 404 ]] || why "GET /other: status $code, expected 404"
}
check "$T metrics-404" not_found

bad_request() {
    local resp
    resp=$(http_raw "$NS_RTR" "$METRICS" 'NOT HTTP\r\n\r\n' 2>&1) || true
    [[ $(http_status "$resp") =~ ^HTTP/1\.[01]\ 400 ]] ||
        why "garbage request answered '$(http_status "$resp")', expected 400"
}
check "$T metrics-400" bad_request

head_request() {
    local resp st body f=$PXR_TMP/head.out
    http_raw "$NS_RTR" "$METRICS" 'HEAD /metrics HTTP/1.1\r\nHost: x\r\n\r\n' >"$f" 2>&1 || true
    # (read with a sentinel: $(...) alone would drop the final CR LF)
    resp=$(cat "$f" && echo .)
    resp=${resp%.}
    st=$(http_status "$resp")
    [[ $st =~ ^HTTP/1\.[01]\ 200 ]] || { why "HEAD /metrics answered '$st'"; return 1; }
    body=${resp#*$'\r\n\r\n'}
    [[ $resp == *$'\r\n\r\n'* && -z $body ]] ||
        why "HEAD /metrics: ${#body} bytes after the headers, expected none"
}
check "$T metrics-head" head_request

dump_matches_metrics() {
    local dump want diffs
    # Fetched again: the 400 above counts in the endpoint's own
    # counters (pxerelay_metrics_http_total), and a GET changes none.
    fetch_metrics >/dev/null || return 1
    relay_dump >"$PXR_TMP/dump.txt" || return 1
    want=$(grep -v '^#' "$MBODY" | grep . | sort)
    dump=$(sort "$PXR_TMP/dump.txt")
    diffs=$(diff <(echo "$want") <(echo "$dump") | grep '^[<>]' | head -n 6 | tr '\n' ' ' || true)
    [[ -z $diffs ]] || { why "SIGUSR1 dump differs from GET /metrics (< http, > dump): $diffs"; return 1; }
    log "SIGUSR1 dump: the same $(grep -c . <<<"$dump") samples as GET /metrics"
}
check "$T sigusr1-dump-equals-metrics" dump_matches_metrics

# ---------------------------------------------------------------- trace

trace_readable() {
    local out rc=0
    out=$(tcpdump -n -r "$TRACE" 2>&1 >/dev/null) || rc=$?
    ((rc == 0)) || { why "tcpdump -r exited $rc: $out"; return 1; }
    [[ $out == *"link-type LINUX_SLL2"* ]] || { why "tcpdump says: $out"; return 1; }
    log "trace: $(pcap_count "$TRACE") packets, $(grep -m1 'link-type' <<<"$out")"
}
check "$T trace-tcpdump-sll2" trace_readable

IF10=$(ip -n "$NS_RTR" -o link show vlan10 | cut -d: -f1)
IFUP=$(ip -n "$NS_RTR" -o link show up0 | cut -d: -f1)
# One line per packet of MAC10 in the trace: type dir ifindex src dst giaddr.
TRACE10=$PXR_TMP/trace-vlan10.txt
probe "$NS_RTR" pcap-dump --chaddr "$MAC10" "$TRACE" |
    jq -r '[.type, (if .pkttype == "outgoing" then "out" else "in" end),
            (.ifindex | tostring), .src, .dst, .giaddr] | join(" ")' >"$TRACE10" || true
log "vlan10 client in the trace (vlan10 is ifindex $IF10, up0 $IFUP):"
sed 's/^/#   /' "$TRACE10"

# trace_count PATTERN: lines of TRACE10 matching a bash glob.
trace_count() {
    local l n=0
    while read -r l; do
        # shellcheck disable=SC2053
        [[ $l == $1 ]] && n=$((n + 1))
    done <"$TRACE10"
    echo "$n"
}
trace_dora() {
    local t leg n bad=
    for t in DISCOVER REQUEST; do
        for leg in "in $IF10 0.0.0.0:68 255.255.255.255:67 0.0.0.0" \
            "out * 10.0.0.1:67 10.0.0.2:67 10.10.0.1"; do
            n=$(trace_count "$t $leg")
            ((n > 0)) || bad+="no '$t $leg'; "
        done
    done
    for t in OFFER ACK; do
        for leg in "in $IFUP 10.0.0.2:67 10.10.0.1:67 10.10.0.1" \
            "out $IF10 10.10.0.1:67 *:68 10.10.0.1"; do
            n=$(trace_count "$t $leg")
            ((n > 0)) || bad+="no '$t $leg'; "
        done
    done
    [[ -z $bad ]] || why "${bad%; }"
}
check "$T trace-dora-both-legs" trace_dora

# Every packet: as many in the trace as the captures saw on each wire.
trace_complete() {
    local c_in c_out s_out s_in srv_req srv_rep
    c_in=$(trace_count "[A-Z]* in $IF10 *:68 *:67 0.0.0.0")
    s_out=$(trace_count "[A-Z]* out * *:67 10.0.0.2:67 *")
    s_in=$(trace_count "[A-Z]* in $IFUP 10.0.0.2:67 *")
    c_out=$(trace_count "[A-Z]* out $IF10 *:67 *:68 *")
    srv_req=$(pcap_count "$SRVCAP" "$(bpf_request) and $(bpf_chaddr $MAC10)")
    srv_rep=$(pcap_count "$SRVCAP" "$(bpf_reply) and $(bpf_chaddr $MAC10)")
    [[ "$c_in $s_out $s_in $c_out" == "$EXP_REQ10 $srv_req $srv_rep $EXP_REP10" ]] ||
        why "trace has client-in/server-out/server-in/client-out $c_in/$s_out/$s_in/$c_out," \
            "the wires saw $EXP_REQ10/$srv_req/$srv_rep/$EXP_REP10"
}
check "$T trace-every-packet" trace_complete

REPLAY_CONF=$ETC/replay.conf
cat >"$REPLAY_CONF" <<'EOF'
servers = {"10.0.0.2"}
interface "vlan10" {}
boot "all" {
  filename = "x.efi"
}
EOF
REPLAY_OUT=$PXR_TMP/replay.out
replay_trace() {
    local rc=0 nreq nrep nreq_rule nrep_file
    "$(pxerelay_bin)" --replay "$TRACE" -c "$REPLAY_CONF" >"$REPLAY_OUT" 2>&1 || rc=$?
    ((rc == 0)) || { why "--replay exited $rc: $(head -n 3 "$REPLAY_OUT" | tr '\n' ' ')"; return 1; }
    nreq=$(grep -c " request [A-Z]* mac $MAC10 " "$REPLAY_OUT" || true)
    nrep=$(grep -c " reply [A-Z]* mac $MAC10 " "$REPLAY_OUT" || true)
    nreq_rule=$(grep " request [A-Z]* mac $MAC10 " "$REPLAY_OUT" | grep -c ' rule all$' || true)
    nrep_file=$(grep " reply [A-Z]* mac $MAC10 " "$REPLAY_OUT" | grep ' rule all' |
        grep -c 'file .*x\.efi' || true)
    grep " mac $MAC10 " "$REPLAY_OUT" | sed 's/^/#   /'
    # Frames the relay sent itself are skipped: one line per received one.
    ((nreq == EXP_REQ10 && nreq_rule == nreq)) ||
        { why "$nreq request lines for $MAC10 ($nreq_rule with 'rule all'), expected $EXP_REQ10"; return 1; }
    ((nrep == EXP_REP10 && nrep_file == nrep)) ||
        why "$nrep reply lines for $MAC10 ($nrep_file with rule all and the file change to x.efi), expected $EXP_REP10"
}
check "$T replay-trace" replay_trace

# ---------------------------------------------------------------- SIGHUP reload

reloaded_count() { grep -c 'reloaded ' "$(relay_log)" || true; }
keeping_count() { grep -c 'keeping the running configuration' "$(relay_log)" || true; }
more_than() { (($("$1") > $2)); }

# hup WHAT: SIGHUP the relay and wait for the log line of WHAT (reloaded |
# keeping).  HUP_LINES = the new log lines.
hup() {
    local before n0 fn=${1}_count
    before=$(wc -l <"$(relay_log)")
    n0=$("$fn")
    kill -HUP "$RELAY_PID"
    if ! wait_until 5 more_than "$fn" "$n0"; then
        why "no new '$1' line within 5 s of SIGHUP: $(log_lines_since "$(relay_log)" "$before" |
            grep -v ' counter ' | tail -n 3 | tr '\n' ' ')"
        return 1
    fi
    HUP_LINES=$(log_lines_since "$(relay_log)" "$before")
}

reload_good() {
    write_conf_reloaded
    hup reloaded || return 1
    grep 'reloaded ' <<<"$HUP_LINES" | sed 's/^/#   /'
    grep -q "reloaded $CONF: 2 interfaces" <<<"$HUP_LINES" ||
        why "unexpected reload line: $(grep 'reloaded ' <<<"$HUP_LINES")"
}
check "$T sighup-reload" reload_good

REMOVED_MAC=02:00:00:00:20:20
removed_vlan20_not_served() {
    local out before after
    relay_counter 'pxerelay_dropped_total{reason="not_downstream"}' || return 1
    before=$PXR_COUNTER
    out=$(probe "$NS20" request -i eth0 --mac "$REMOVED_MAC" --wait 2 --expect-none) ||
        { why "vlan20 is no longer configured, yet: $(grep '^reply' <<<"$out")"; return 1; }
    expect_no_packet "$SRVCAP" "$(bpf_chaddr $REMOVED_MAC)" ||
        { why "the DISCOVER on removed vlan20 reached the server"; return 1; }
    relay_counter 'pxerelay_dropped_total{reason="not_downstream"}' || return 1
    after=$PXR_COUNTER
    ((after == before + 1)) ||
        why "not_downstream went $before -> $after for one DISCOVER on removed vlan20"
}
check "$T reload-vlan20-removed" removed_vlan20_not_served

client_start_udhcpc udh30 "$NS30"
check "$T reload-vlan30-added-lease" lease_wait udh30 15 10.30.0.
proc_stop udh30

metrics_after_reload() {
    fetch_metrics >/dev/null || return 1
    expect_sample 'pxerelay_links{state="configured"}' 2 || return 1
    ! metric_sample "$MBODY" 'pxerelay_relayed_total{direction="request",interface="vlan20"}' >/dev/null ||
        { why "vlan20 still has a relayed_total sample after it was removed"; return 1; }
    local v
    v=$(metric_sample "$MBODY" 'pxerelay_relayed_total{direction="request",interface="vlan30"}') ||
        { why "no relayed_total sample for vlan30"; return 1; }
    ((v >= 2)) || why "vlan30 relayed $v requests after its lease, expected at least 2"
}
check "$T reload-metrics-follow" metrics_after_reload

# bad_reload NAME LINE: the CONF now on disk is broken at LINE.
bad_reload() {
    local line=$1 l
    hup keeping || return 1
    l=$(grep 'keeping the running configuration' <<<"$HUP_LINES" | tail -n 1)
    log "$l"
    [[ $l == *"$CONF:$line:"* ]] || why "the error line does not name $CONF:$line:: $l"
}
write_bad_syntax() {
    {
        conf_head                     # lines 1-4
        echo '}'                      # line 5: a stray brace
        echo 'interface "vlan10" {}'
    } >"$CONF"
}
write_bad_value() {
    {
        conf_head                     # lines 1-4
        echo 'interface "vlan10" {}'  # line 5
        echo 'max-hops = 99'          # line 6: out of range
        echo 'interface "vlan20" {}'
    } >"$CONF"
}
write_bad_syntax
check "$T reload-bad-syntax-rejected" bad_reload 5
write_bad_value
check "$T reload-bad-value-rejected" bad_reload 6

still_serving_vlan30() {
    local out
    out=$(probe "$NS30" request -i eth0 --mac 02:00:00:00:30:99 --wait 4 --tries 2) ||
        why "no OFFER on vlan30 after the rejected reloads"
}
still_not_vlan20() {
    local out
    out=$(probe "$NS20" request -i eth0 --mac 02:00:00:00:20:21 --wait 1.5 --expect-none) ||
        why "vlan20 (in the rejected file only) answered: $(grep '^reply' <<<"$out")"
}
client_start_udhcpc udh10b "$NS10"
check "$T bad-reload-vlan10-still-leases" lease_wait udh10b 15 10.10.0.
proc_stop udh10b
check "$T bad-reload-vlan30-still-served" still_serving_vlan30
check "$T bad-reload-vlan20-still-off" still_not_vlan20

# ---------------------------------------------------------------- seccomp

# Everything above (leases on three links, metrics, SIGUSR1, SIGHUP
# reloads good and bad, the trace) ran under the filter.
seccomp_on() {
    if [[ ${PXR_SANITIZER:-0} == 1 ]]; then
        grep -q 'sanitizer build: no system call filter' "$(relay_log)" ||
            why "a sanitizer build did not say it runs without the filter"
    else
        grep -q 'seccomp: system call filter on' "$(relay_log)" ||
            why "no 'seccomp: system call filter on' in the log"
    fi
}
check "$T seccomp-filter-on-while-serving" seccomp_on

# ---------------------------------------------------------------- SIGTERM

sigterm_exit() {
    local t0
    proc_alive "$RELAY_PID" || { why "relay already gone"; return 1; }
    t0=$(now_ms)
    kill -TERM "$RELAY_PID"
    proc_wait_exit relay 2 || return 1
    ((PXR_EXIT_STATUS == 0)) ||
        { why "exit status $PXR_EXIT_STATUS: $(tail -n 3 "$(relay_log)" | tr '\n' ' ')"; return 1; }
    log "relay exited 0 $(($(now_ms) - t0)) ms after SIGTERM"
}
check "$T sigterm-exit-0" sigterm_exit

trace_after_exit() {
    tcpdump -n -r "$TRACE" >/dev/null 2>&1 || why "tcpdump cannot read the trace after exit"
}
check "$T trace-valid-after-exit" trace_after_exit

# A call outside the allow-list (ptrace, 101 on x86_64, made inside the
# running relay through gdb) stops it with one line naming the call and
# exit status 159.
seccomp_forbidden() {
    local pid out
    printf 'servers = {"10.0.0.2"}\ninterface "vlan10" {}\n' >"$PXR_TMP/sbx.conf"
    chmod 644 "$PXR_TMP/sbx.conf"
    bg_run sbx "$NS_RTR" "$(pxerelay_bin)" -f -c "$PXR_TMP/sbx.conf" || return 1
    wait_until 5 grep -q 'pxerelay started' "$PXR_TMP/sbx.log" ||
        { why "no start: $(tail -n 3 "$PXR_TMP/sbx.log" | tr '\n' ' ')"; return 1; }
    pid=$(pid_of sbx)
    out=$(timeout 30 gdb -p "$pid" -batch -ex 'call (long)syscall(101, 0, 0, 0, 0)' 2>&1) || true
    proc_wait_exit sbx 5 || { why "still running after the forbidden call: $(tail -n 3 <<<"$out")"; return 1; }
    log "forbidden call: exit status $PXR_EXIT_STATUS, $(grep seccomp "$PXR_TMP/sbx.log")"
    ((PXR_EXIT_STATUS == 159)) || { why "exit status $PXR_EXIT_STATUS, not 159"; return 1; }
    grep -q '^pxerelay: seccomp: system call 101 is not in the allow-list' "$PXR_TMP/sbx.log" ||
        why "no log line naming call 101: $(tail -n 2 "$PXR_TMP/sbx.log" | tr '\n' ' ')"
}
if [[ ${PXR_SANITIZER:-0} == 1 ]]; then
    skip "$T seccomp-forbidden-call-stops-the-relay" "sanitizer build: no filter"
elif [[ $(uname -m) != x86_64 ]] || ! command -v gdb >/dev/null; then
    skip "$T seccomp-forbidden-call-stops-the-relay" "needs gdb on x86_64"
else
    check "$T seccomp-forbidden-call-stops-the-relay" seccomp_forbidden
fi

# ---------------------------------------------------------------- make install / uninstall

DEST=$PXR_TMP/destdir
INSTALLED=(usr/sbin/pxerelay usr/share/man/man8/pxerelay.8 usr/share/man/man5/pxerelay.conf.5
    etc/pxerelay/pxerelay.conf lib/systemd/system/pxerelay.service)
UNIT=$DEST/lib/systemd/system/pxerelay.service
run_make() {
    local out
    out=$(make -s -C "$(top)" "$@" DESTDIR="$DEST" PREFIX=/usr 2>&1) ||
        { why "make $*: $(tail -n 3 <<<"$out" | tr '\n' ' ')"; return 1; }
}
make_install() {
    local f miss=
    run_make install || return 1
    for f in "${INSTALLED[@]}"; do
        [[ -f $DEST/$f ]] || miss+=" $f"
    done
    [[ -z $miss ]] || { why "not installed:$miss"; return 1; }
    [[ -x $DEST/usr/sbin/pxerelay ]] || { why "sbin/pxerelay is not executable"; return 1; }
    cmp -s "$DEST/usr/sbin/pxerelay" "$(top)/pxerelay" || { why "sbin/pxerelay differs from ./pxerelay"; return 1; }
    cmp -s "$DEST/usr/share/man/man8/pxerelay.8" "$(top)/man/pxerelay.8" || { why "pxerelay.8 differs"; return 1; }
    cmp -s "$DEST/etc/pxerelay/pxerelay.conf" "$(top)/etc/pxerelay.conf" || { why "pxerelay.conf differs"; return 1; }
}
check "$T make-install" make_install

unit_paths() {
    local l
    l=$(grep '^ExecStart=' "$UNIT" || true)
    [[ $l == "ExecStart=/usr/sbin/pxerelay "* ]] || { why "unit has '$l'"; return 1; }
    ! grep -q '@[A-Z]*@' "$UNIT" || why "unplaced @...@ in the unit: $(grep '@[A-Z]*@' "$UNIT")"
}
check "$T unit-sbin-path" unit_paths

unit_verify() {
    local out rc=0
    # The unit names /usr/sbin/pxerelay and man pages that are installed
    # under DESTDIR only: verify it in a private mount namespace where
    # /usr/sbin also shows DESTDIR's files (read-only overlay), with
    # MANPATH on DESTDIR's man pages.  Nothing changes for the host.
    # shellcheck disable=SC2016 # $1 and $2 are the inner shell's
    out=$(MANPATH=$DEST/usr/share/man unshare -m sh -c '
        mount --make-rprivate / &&
        mount -t overlay overlay -o "lowerdir=$1/usr/sbin:/usr/sbin" /usr/sbin &&
        systemd-analyze verify "$2"' sh "$DEST" "$UNIT" 2>&1) || rc=$?
    ((rc == 0)) || { why "systemd-analyze verify exited $rc: $(tr '\n' ' ' <<<"$out")"; return 1; }
    [[ -z $out ]] || log "systemd-analyze verify: $out"
}
if command -v systemd-analyze >/dev/null && command -v unshare >/dev/null; then
    check "$T unit-systemd-analyze-verify" unit_verify
else
    skip "$T unit-systemd-analyze-verify" "systemd-analyze (or unshare) not installed"
fi

# systemd-analyze security: the README gives 2.5; anything above 3.0 means
# a hardening line went missing.
unit_security() {
    local out score
    out=$(systemd-analyze security --offline=true "$UNIT" 2>&1) || true
    score=$(sed -n 's/.*Overall exposure level for pxerelay.service: \([0-9.]*\).*/\1/p' <<<"$out")
    [[ -n $score ]] || { why "no score: $(tail -n 2 <<<"$out" | tr '\n' ' ')"; return 1; }
    log "systemd-analyze security: exposure $score"
    awk -v s="$score" 'BEGIN { exit !(s <= 3.0) }' || why "exposure $score above 3.0"
}
if systemd-analyze security --help 2>/dev/null | grep -q -- --offline; then
    check "$T unit-security-exposure" unit_security
else
    skip "$T unit-security-exposure" "systemd-analyze security --offline not available"
fi

conf_kept_on_reinstall() {
    local f=$DEST/etc/pxerelay/pxerelay.conf
    echo "# local change by test_daemon.sh" >>"$f"
    run_make install || return 1
    grep -qx '# local change by test_daemon.sh' "$f" || why "a second make install overwrote the config"
}
check "$T reinstall-keeps-config" conf_kept_on_reinstall

make_uninstall() {
    local f left=
    run_make uninstall || return 1
    for f in "${INSTALLED[@]}"; do
        [[ $f == etc/* ]] && continue
        [[ ! -e $DEST/$f ]] || left+=" $f"
    done
    [[ -z $left ]] || { why "left after uninstall:$left"; return 1; }
    grep -qx '# local change by test_daemon.sh' "$DEST/etc/pxerelay/pxerelay.conf" 2>/dev/null ||
        why "uninstall removed (or changed) the config"
}
check "$T make-uninstall" make_uninstall

man_no_warnings() {
    local err
    if ! command -v man >/dev/null; then
        why "man is not installed"
        return 1
    fi
    err=$(cd "$(top)" && man --warnings -l man/pxerelay.8 man/pxerelay.conf.5 2>&1 >/dev/null) || true
    [[ -z $err ]] || why "man --warnings: $(head -n 5 <<<"$err" | tr '\n' ' ')"
}
check "$T man-pages-no-warnings" man_no_warnings
