#!/bin/bash
# tests/lab/test_relay_rules.sh - relay rules checked with real packets
# through the daemon, against ISC dhcpd.
#
#   server ns: ISC dhcpd on srv0 10.0.0.2, capture of what reaches it
#        |
#   router ns: pxerelay -d: vlan10 (untrusted), boot rules by MAC prefix
#        |
#   client ns c10: dhcp_probe.py (scripted clients, no option 57)
#
#   split      an OFFER from the server's address whose 430-byte option
#              starts in the options field and continues in file and sname
#              (option 52 = 3, RFC 3396, as ISC dhcpd writes long options):
#              the client, which sent no option 57, gets it through the
#              relay within 548 bytes, option 52 still 3, the option whole
#              (the relay once joined the parts, grew the reply past the
#              limit and dropped it)
#   forged82   a client on the untrusted link sets giaddr to an address of
#              its own and adds an option 82 with a link-selection naming
#              vlan20's subnet: nothing reaches the server, counted
#   size       a boot rule whose HTTP-boot URL makes the rewritten OFFER
#              562 bytes: a client without option 57 gets the server's
#              OFFER (unrewritten, <= 548 bytes; once it got all 562),
#              counted rewrite_too_big; with option 57 = 1500 the rewrite
#              goes out
#   replay     --replay over the capture taken on the router gives the same
#              verdict per reply as the daemon gave (rewritten, or relayed
#              as the server sent it), and --replay -w writes, byte for
#              byte, each message the daemon sent to a client
set -euo pipefail

LAB=$(cd "$(dirname "$0")" && pwd)
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$LAB/lib.sh"

T=relay-rules
if [[ $PXR_RELAY_IMPL != pxerelay ]]; then
    echo "SKIP $T: pxerelay's rules (PXR_RELAY_IMPL=$PXR_RELAY_IMPL)"
    exit 0
fi
command -v dhcpd >/dev/null || { echo "FAIL $T: dhcpd not installed (isc-dhcp-server)"; exit 1; }
lab_init rrl "$T"

topo_create
topo_add_vlan 10
topo_add_vlan 20
NS10=$(client_ns 10)

# ---------------------------------------------------------------- dhcpd

# Option 224, text: a site-specific option of 250 bytes; dhcpd sends it to
# clients asking for it (PRL), with a 200-byte root-path (17) and a long
# domain name (15): more than the 312 bytes of options a 548-byte message
# holds, so dhcpd overloads file and sname (no filename or server-name is
# set, so both are free) and continues an option across them.
LONG224=$(printf 'site-option-%.0s' $(seq 1 20) | head -c 250)
ROOTPATH=/srv/$(printf 'images-%.0s' $(seq 1 27) | head -c 190)
D=$PXR_TMP/dhcpd
mkdir -p "$D"
: >"$D/dhcpd.leases"
cat >"$D/dhcpd.conf" <<EOF
authoritative;
ddns-update-style none;
ping-check false;
default-lease-time 300;
max-lease-time 300;
option site-long code 224 = text;
subnet 10.0.0.0 netmask 255.255.255.0 { }
host split-reply-client {
  hardware ethernet 02:aa:00:00:00:01;
  deny booting;
}
subnet 10.10.0.0 netmask 255.255.255.0 {
  range 10.10.0.100 10.10.0.200;
  option routers 10.10.0.1;
  option subnet-mask 255.255.255.0;
  option site-long "$LONG224";
  option root-path "$ROOTPATH";
  option domain-name "a-rather-long-domain-name.for-the-lab.example.com";
}
subnet 10.20.0.0 netmask 255.255.255.0 {
  range 10.20.0.100 10.20.0.200;
  option routers 10.20.0.1;
}
EOF
bg_run dhcpd "$NS_SRV" dhcpd -4 -f -d -cf "$D/dhcpd.conf" -lf "$D/dhcpd.leases" -pf "$D/dhcpd.pid" srv0
server_wait dhcpd 'Server starting service'

# ---------------------------------------------------------------- relay

# A 33-byte URL: dhcpd's OFFER below (529 bytes with our 14-byte option
# 82) grows by it and by option 60 "HTTPClient" to 562 bytes: over the
# 548 a client without option 57 takes, under the 576 once allowed.
URL=http://10.0.0.5/boot/x64/ipxe.efi
CONF=$PXR_TMP/pxerelay.conf
cat >"$CONF" <<EOF
servers = {"10.0.0.2"}
log-level = debug
option82 {
  remote-id = "r1"
}
interface "vlan10" {}
interface "vlan20" {}
boot "http" {
  mac = "02:bb:*"
  filename = "$URL"
}
EOF
cap_start_filter router "$NS_RTR" any -y LINUX_SLL2 udp port 67 or udp port 68
cap_start_filter server "$NS_SRV" srv0 udp port 67
check "$T relay-start" relay_start "$CONF" vlan10 vlan20

# field NAME LINE: the value of NAME= in a dhcp_probe.py reply line.
field() { sed -n "s/.* $1=\\([^ ]*\\).*/\\1/p" <<<"$2"; }

# ---------------------------------------------------------------- split

# dhcpd ignores this client (deny booting); the server's address answers it
# with a scripted OFFER (dhcp_probe.py forge-reply, from 10.0.0.2, a
# configured server) whose 430-byte option 224 starts in the options field
# and continues in file and sname (option 52 = 3), as ISC dhcpd writes long
# options: 527 bytes in all, the client sent no option 57.
split_reply() {
    local out len ov want
    probe "$NS10" request -i eth0 --mac 02:aa:00:00:00:01 --xid 5a5a0001 --wait 6 --json \
        >"$PXR_TMP/split.out" 2>&1 &
    local pid=$!
    sleep 1
    probe "$NS_SRV" forge-reply --src 10.0.0.2 --dst 10.0.0.1 --type offer \
        --mac 02:aa:00:00:00:01 --xid 5a5a0001 --giaddr 10.10.0.1 --yiaddr 10.10.0.150 \
        --circuit-id vlan10 --split-option 224:430 >"$PXR_TMP/split.forge" 2>&1 || true
    wait "$pid" || true
    out=$(cat "$PXR_TMP/split.out")
    grep -q '^reply type=OFFER ' <<<"$out" ||
        { why "no OFFER reached the client: $(tail -n 2 "$PXR_TMP/relay.log" | tr '\n' ' ')"; return 1; }
    len=$(field length "$(grep '^reply ' <<<"$out")")
    ov=$(field overload "$(grep '^reply ' <<<"$out")")
    log "split: the client got a $len-byte OFFER, option 52 = $ov"
    ((len <= 548)) || { why "OFFER of $len bytes to a client without option 57"; return 1; }
    ((ov == 3)) || { why "option 52 is $ov, the server sent 3"; return 1; }
    want=$("$PXR_PYTHON" -c 'print(bytes((i * 7 + 3) & 0xFF for i in range(430)).hex())')
    grep '^reply-json ' <<<"$out" | grep -q "\"224\": {\"hex\": \"$want\"" ||
        why "option 224 did not arrive whole"
}
check "$T rfc3396-split-reply-reaches-client-without-option57" split_reply

# ---------------------------------------------------------------- forged82

forged82() {
    local before after
    before=$(pcap_count "$(cap_file server)" 'udp dst port 67')
    # giaddr set to an address of the client's own, option 82 with
    # link-selection (sub 5) naming vlan20's subnet, sub 1 "evil"
    probe "$NS10" request -i eth0 --mac 02:aa:00:00:00:02 --giaddr 10.10.0.77 --hops 1 \
        --option 82:0104657669670504$(printf '%02x%02x%02x%02x' 10 20 0 0) >/dev/null 2>&1 || true
    sleep 1
    after=$(pcap_count "$(cap_file server)" 'udp dst port 67')
    ((after == before)) || { why "$((after - before)) forged request(s) reached the server"; return 1; }
    expect_counter_at_least 'pxerelay_dropped_total{reason="untrusted_agent_option"}' 1
}
check "$T rfc3046-forged-option82-with-giaddr-never-reaches-server" forged82

# ---------------------------------------------------------------- size

size_limit() {
    local out len file
    out=$(probe "$NS10" request -i eth0 --mac 02:bb:00:00:00:01 --prl 1,3,15,17,67,224 \
        --option 93:0010 --option 60:48545450436c69656e743a417263683a3030303136 \
        --wait 5 --tries 3 2>&1) || true
    grep -q '^reply type=OFFER ' <<<"$out" || { why "no OFFER: $(head -c 300 <<<"$out")"; return 1; }
    len=$(field length "$(grep '^reply ' <<<"$out")")
    log "size: client without option 57 got a $len-byte OFFER"
    ((len <= 548)) || { why "OFFER of $len bytes > 548 to a client without option 57"; return 1; }
    expect_counter_at_least 'pxerelay_rewrite_too_big_total' 1 || return 1
    # The same client saying it takes 1500 (option 57 = 1500): rewritten.
    out=$(probe "$NS10" request -i eth0 --mac 02:bb:00:00:00:02 --prl 1,3,15,17,67,224 \
        --option 93:0010 --option 57:05dc --wait 5 --tries 3 --json 2>&1) || true
    len=$(field length "$(grep '^reply ' <<<"$out")")
    log "size: client with option 57 = 1500 got a $len-byte OFFER"
    grep -q "$URL" <<<"$out" || why "the rule's URL did not go out to a client taking 1500 bytes"
}
check "$T rfc2131-rewrite-stays-within-548-without-option57" size_limit

# ---------------------------------------------------------------- replay

same_verdict() {
    local rp daemon_rw daemon_fb replay_rw replay_fb out
    sleep 0.5
    proc_stop cap-router
    rp=$("$(pxerelay_bin)" --replay "$(cap_file router)" -c "$CONF" -i vlan10 \
        -w "$PXR_TMP/replay-out.pcap" 2>&1) || {
        why "--replay failed: $rp"
        return 1
    }
    printf '%s\n' "$rp" >"$PXR_TMP/replay.out"
    daemon_rw=$(grep -c '^.* info: rewrite ' "$PXR_TMP/relay.log" || true)
    daemon_fb=$(grep -c 'relayed as the server sent it' "$PXR_TMP/relay.log" || true)
    replay_rw=$(sed -n 's/^# .* replies, \([0-9]*\) rewritten, .*/\1/p' <<<"$rp")
    replay_fb=$(sed -n 's/^# .* rewritten, \([0-9]*\) relayed as sent.*/\1/p' <<<"$rp")
    log "rewritten: daemon $daemon_rw, replay $replay_rw; relayed as sent: daemon $daemon_fb, replay $replay_fb"
    [[ $daemon_rw == "$replay_rw" && $daemon_fb == "$replay_fb" ]] ||
        why "daemon and --replay disagree: $(tail -n 1 <<<"$rp")"
    # Message by message: what --replay says goes to each client is, byte
    # for byte, what the daemon sent (the fallback and the split reply
    # included).
    out=$("$PXR_PYTHON" "$LAB/same_replies.py" "$(cap_file router)" "$PXR_TMP/replay-out.pcap" 2>&1) ||
        why "daemon and --replay differ: $(tr '\n' ' ' <<<"$out" | head -c 600)"
    log "replay: $(tail -n 1 <<<"$out")"
}
check "$T replay-gives-the-daemons-verdict" same_verdict

lab_exit
