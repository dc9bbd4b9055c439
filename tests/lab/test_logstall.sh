#!/bin/bash
# tests/lab/test_logstall.sh - a log output that stops being read must not
# stop the relay.
#
#   server ns: dnsmasq                       srv0 10.0.0.2
#        |
#   router ns: pxerelay -f, log-level info, stderr into a FIFO that the
#        |     test holds open and does not read
#        |-- vlan10 10.10.0.1 -- c10: flood.py, 20000 DISCOVERs, random MACs
#        `-- vlan20 10.20.0.1 -- c20: busybox udhcpc
#
# One log line per relayed message: the pipe (64 KiB) fills within the
# first few hundred requests, then pxerelay's log queue (256 KiB). With the
# log written in line, the relay would block in write() right there. It
# must instead go on relaying: udhcpc on vlan20 leases while the flood runs
# and the log is still unread. Once the test reads the FIFO, the log says
# how many lines it dropped. SIGTERM with the log unread again: the relay
# exits within the 2 s it gives the log writer, not stuck in write().
set -euo pipefail

LAB=$(cd "$(dirname "$0")" && pwd)
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$LAB/lib.sh"
lab_init ls logstall
topo_with_server dnsmasq 10 20

CONF=$PXR_TMP/pxerelay.conf
cat >"$CONF" <<'EOF2'
# written by tests/lab/test_logstall.sh
servers = {"10.0.0.2"}
log-level = info
rate-limit { interface = 100000  interface-burst = 100000 }
interface "vlan10" { }
interface "vlan20" { }
EOF2

# The FIFO stays open read-write on fd 3 of this shell: the relay's open
# does not block, and nothing reads until the test says so.
FIFO=$PXR_TMP/stderr.fifo
mkfifo "$FIFO"
exec 3<>"$FIFO"
start_relay_on_fifo() {
    ip netns exec "$NS_RTR" "$(pxerelay_bin)" -f -c "$CONF" >/dev/null 2>"$FIFO" </dev/null &
    PXR_PIDS[relay]=$!
    PXR_PROCS+=(relay)
    : >"$PXR_TMP/relay.log"
    wait_until 10 relay_listening_or_dead || true
    proc_alive "$(pid_of relay)" || { why "relay exited at start"; return 1; }
    relay_listening || why "relay has no socket toward the servers after 10 s"
}
check relay-starts start_relay_on_fifo

# pipe_bytes: bytes waiting in the FIFO (its reader, us, takes none).
pipe_bytes() { python3 -c 'import fcntl, struct, sys, termios
print(struct.unpack("i", fcntl.ioctl(3, termios.FIONREAD, b"\0\0\0\0"))[0])'; }

bg_run flood "$(client_ns 10)" "$PXR_PYTHON" "$LAB/flood.py" -i eth0 -n 20000 -r 4000 --random-mac
t0=$(now_ms)
pipe_full() { (($(pipe_bytes) >= 60000)); }
check log-pipe-fills wait_until 10 pipe_full
log "FIFO holds $(pipe_bytes) unread bytes $(($(now_ms) - t0)) ms into the flood"

client_start_udhcpc u20 "$(client_ns 20)"
check vlan20-leases-with-log-unread lease_wait u20 15 10.20.0.
flood_running=no
proc_alive "$(pid_of flood)" && flood_running=yes
log "MEASURE logstall lease_on_vlan20_after_ms=$(($(now_ms) - t0)) flood_still_running=$flood_running fifo_bytes=$(pipe_bytes)"
check relay-alive-with-log-unread proc_alive "$(pid_of relay)"
wait_until 30 proc_gone "$(pid_of flood)" || true

# Now read: what was queued comes out, then the count of what was not.
timeout 3 cat <&3 >"$PXR_TMP/relay.log" || true
dropped=$(sed -n 's/^pxerelay: \([0-9]*\) log lines dropped.*/\1/p' "$PXR_TMP/relay.log" |
    awk '{ s += $1 } END { print s + 0 }')
log "MEASURE logstall read_bytes=$(wc -c <"$PXR_TMP/relay.log") relay_lines=$(grep -c 'relay request' "$PXR_TMP/relay.log" || true) lines_dropped=$dropped"
check log-reports-dropped-lines test "$dropped" -gt 0

# The log unread once more, then SIGTERM: out within the writer's 2 s.
client_start_udhcpc u20b "$(client_ns 20)"
lease_wait u20b 15 10.20.0. || true
ip netns exec "$(client_ns 10)" "$PXR_PYTHON" "$LAB/flood.py" -i eth0 -n 3000 -r 3000 --random-mac >/dev/null
exits_promptly() {
    local pid t
    pid=$(pid_of relay)
    t=$(now_ms)
    kill -TERM "$pid"
    wait_until 4 proc_gone "$pid" || { why "relay still running 4 s after SIGTERM"; return 1; }
    log "relay exited $(($(now_ms) - t)) ms after SIGTERM with $(pipe_bytes) log bytes unread"
}
check exits-with-log-unread exits_promptly
exec 3<&-

lab_exit
