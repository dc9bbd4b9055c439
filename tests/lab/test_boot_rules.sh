#!/bin/bash
# tests/lab/test_boot_rules.sh [dhcpd|dnsmasq|all] - pxerelay's per-firmware
# boot rules against a server scope that hands every client the same boot
# settings.
#
#   server ns (dhcpd | dnsmasq)               srv0 10.0.0.2
#        |   one scope for everybody, as a Windows DHCP server is usually set
#        |   up: option 66 "10.0.0.2", option 67 "undionly.kpxe", siaddr
#        |   10.0.0.2, file "undionly.kpxe"
#   router ns: pxerelay -d -c CONF            up0 10.0.0.1
#        `-- vlan10 10.10.0.1 -- client ns c10: dhcp_probe.py, one MAC per
#                                 simulated firmware
#
# Every simulated client runs a full DORA with a fixed MAC and xid: DISCOVER
# carrying what that firmware sends (options 93, 60, 77, 175, 97, 57, 55),
# the OFFER as the client receives it, a REQUEST with options 50 and 54 and
# the same xid, the ACK.  In both OFFER and ACK the test checks siaddr, the
# file field, options 66 and 67, sname, option 60 ("HTTPClient" only for the
# HTTP-boot client) and that no option 82 reaches the client; pxerelay's log
# must name the expected rule for the DISCOVER and the REQUEST, and carry a
# "rewrite" line for OFFER and ACK exactly when a rule matched.  Clients that
# match no rule must get the server's reply unchanged (compared field by
# field and option by option, option 82 aside, with what the server sent,
# captured on srv0).  A table of what each client got closes the output.
#
# One path: the router's capture (both directions) is run through
# `pxerelay --replay -w`, and every message --replay says the daemon sends
# to a client must be, byte for byte, the one the daemon did send.  With
# dhcpd, every line of tests/data/pxe-clients.replay (the shipped capture's
# golden output, made by this test for six of its clients) must also be a
# line of this run's --replay output: the shipped capture's verdicts are
# the daemon's.
#
# Each server runs in its own child process with its own namespaces
# (pxr-boot-<server>-*).
#
# For tests/lab/make_replay_capture.sh (not for normal use):
#   PXR_BOOT_CLIENTS="bios uefi-x64 ..."  run only these clients
#   PXR_BOOT_CAPTURE_OUT=FILE.pcap        also capture, in the router ns, what
#       arrives there (client requests on vlan10, server replies on up0:
#       tcpdump -i any -y LINUX_SLL2, inbound only) and copy it to FILE, and
#       the pxerelay config to FILE with .pcap replaced by .conf
set -euo pipefail

LAB=$(cd "$(dirname "$0")" && pwd)
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$LAB/lib.sh"

SERVERS=(dhcpd dnsmasq)
which=${1:-all}
if [[ $which == all ]]; then
    rc=0
    for s in "${SERVERS[@]}"; do
        "$0" "$s" || rc=1
    done
    exit "$rc"
fi
case $which in
    dhcpd | dnsmasq) ;;
    -h | --help)
        sed -n '2,/^set -e/p' "$0" | sed 's/^# \{0,1\}//; /^set -e/d'
        exit 0
        ;;
    *)
        echo "usage: $0 [dhcpd|dnsmasq|all]" >&2
        exit 2
        ;;
esac

SRV=$which
T=boot-$SRV
if [[ $PXR_RELAY_IMPL != pxerelay ]]; then
    # The dhcrelay stand-in has no boot rules: nothing here could pass.
    skip "$T" "boot rules need pxerelay (PXR_RELAY_IMPL=$PXR_RELAY_IMPL)"
    exit 0
fi
if [[ ! -x $(pxerelay_bin) ]]; then
    echo "FAIL $T: pxerelay binary not found at $(pxerelay_bin) (build it or set PXERELAY)"
    exit 1
fi
command -v jq >/dev/null || { echo "FAIL $T: jq not installed"; exit 1; }
lab_init "boot-$SRV" "$T"

# The scope every client gets from the server.
SCOPE_SERVER=10.0.0.2
SCOPE_FILE=undionly.kpxe

# ---------------------------------------------------------------- clients

# Parameter request lists (option 55) as firmware sends them: PXE ROMs and
# EDK2 (PXE spec), iPXE, and an ordinary OS client that asks for no boot
# options at all.
PRL_PXE=1,2,3,4,5,6,11,12,13,15,16,17,18,22,23,28,40,41,42,43,50,51,54,58,59,60,66,67,97,128,129,130,131,132,133,134,135
PRL_IPXE=1,3,6,7,12,15,17,26,43,60,66,67,119,128,129,130,131,132,133,134,135,175,203
PRL_OS=1,3,6,15,51,54,58,59

hexstr() { printf '%s' "$1" | od -An -v -tx1 | tr -d ' \n'; }
o60() { echo "60:$(hexstr "$1")"; }
# Option 97, type 0 + a GUID that differs per client (last byte).
o97() { printf '97:00%s%02x' 4c4c4544004d3610804bb7c04f5a3d "$1"; }
# Option 175 as iPXE fills it: feature flags HTTP, HTTPS, TFTP, DNS, EFI, menu
# (one byte 1 each) and the version 1.21.0.
O175=130101140101150101170101240101270101eb03011500

# One line per client:
#   name | MAC | xid | arch shown in the table | PRL | options (CODE:HEX, space
#   separated) | expected: rule | file | siaddr | option 66 | sname | option 60
# An expected "-" rule means no rule matches: the reply must be what the
# server sent.  Expected option 66 / 60 "-" means absent; sname "" means the
# server's (empty).
client_table() {
    cat <<EOF
bios|02:00:00:10:00:00|b0070000|0 (93)|$PRL_PXE|93:0000 $(o60 PXEClient:Arch:00000:UNDI:002001) $(o97 0)|bios|undionly.kpxe|10.0.0.5|10.0.0.5||-
uefi-ia32|02:00:00:10:00:06|b0070006|6 (93)|$PRL_PXE|93:0006 $(o60 PXEClient:Arch:00006:UNDI:003016) 57:05c0 $(o97 6)|uefi-ia32|ipxe-ia32.efi|10.0.0.5|10.0.0.5||-
uefi-x64|02:00:00:10:00:07|b0070007|7 (93)|$PRL_PXE|93:0007 $(o60 PXEClient:Arch:00007:UNDI:003016) 57:05c0 $(o97 7)|uefi-x64|ipxe.efi|10.0.0.5|10.0.0.5||-
uefi-x64-arch9|02:00:00:10:00:09|b0070009|9 (93)|$PRL_PXE|93:0009 $(o60 PXEClient:Arch:00009:UNDI:003016) 57:05c0 $(o97 9)|uefi-x64|ipxe.efi|10.0.0.5|10.0.0.5||-
arm64|02:00:00:10:00:0b|b007000b|11 (93)|$PRL_PXE|93:000b $(o60 PXEClient:Arch:00011:UNDI:003016) 57:05c0 $(o97 11)|arm64|ipxe-arm64.efi|10.0.0.6|10.0.0.6|arm-boot|-
http-x64|02:00:00:10:00:10|b0070010|16 (93)|$PRL_PXE|93:0010 $(o60 HTTPClient:Arch:00016) 57:05c0 $(o97 16)|http-x64|http://10.0.0.5/boot/x64.efi|$SCOPE_SERVER|$SCOPE_SERVER||HTTPClient
vc-only|02:00:00:10:60:07|b0076007|7 (60 only)|$PRL_PXE|$(o60 PXEClient:Arch:00007:UNDI:002001)|pxe-by-vendor-class|snponly.efi|10.0.0.7|10.0.0.7||-
vc-only-arm64|02:00:00:10:60:0b|b007600b|11 (60 only)|$PRL_PXE|$(o60 PXEClient:Arch:00011:UNDI:003016)|arm64|ipxe-arm64.efi|10.0.0.6|10.0.0.6|arm-boot|-
ipxe|02:00:00:10:0e:07|b0070e07|7 (93) iPXE|$PRL_IPXE|93:0007 $(o60 PXEClient:Arch:00007:UNDI:003010) 77:$(hexstr iPXE) 175:$O175 57:05c0|ipxe|http://10.0.0.5/boot.ipxe|$SCOPE_SERVER|$SCOPE_SERVER||-
unmatched|02:00:00:10:00:0a|b007000a|10 (93)|$PRL_PXE|93:000a $(o60 PXEClient:Arch:00010:UNDI:003016) $(o97 10)|-|$SCOPE_FILE|$SCOPE_SERVER|$SCOPE_SERVER||-
os|02:00:00:10:05:05|b0070505|- (none)|$PRL_OS||-|$SCOPE_FILE|$SCOPE_SERVER|-||-
EOF
}

declare -A C_MAC C_XID C_ARCH C_PRL C_OPTS X_RULE X_FILE X_SIADDR X_OPT66 X_SNAME X_OPT60
CLIENTS=()
while IFS='|' read -r name mac xid arch prl opts rule file siaddr opt66 sname opt60; do
    [[ -n $name ]] || continue
    if [[ -n ${PXR_BOOT_CLIENTS:-} && " $PXR_BOOT_CLIENTS " != *" $name "* ]]; then
        continue
    fi
    CLIENTS+=("$name")
    C_MAC[$name]=$mac C_XID[$name]=$xid C_ARCH[$name]=$arch C_PRL[$name]=$prl C_OPTS[$name]=$opts
    X_RULE[$name]=$rule X_FILE[$name]=$file X_SIADDR[$name]=$siaddr X_OPT66[$name]=$opt66
    X_SNAME[$name]=$sname X_OPT60[$name]=$opt60
done < <(client_table)
((${#CLIENTS[@]} > 0)) || { fail "$T" "PXR_BOOT_CLIENTS='${PXR_BOOT_CLIENTS:-}' names no client"; exit 1; }

# asks_for NAME CODE: CODE is in the client's parameter request list.
asks_for() { [[ ,${C_PRL[$1]}, == *",$2,"* ]]; }

# scope_file_field NAME: the file field the server fills for this client.
# dnsmasq moves the boot file to option 67 for a client that asks for 67.
scope_file_field() {
    if [[ $SRV == dnsmasq ]] && asks_for "$1" 67; then echo ""; else echo "$SCOPE_FILE"; fi
}

# ---------------------------------------------------------------- configs

write_conf() {
    CONF=$PXR_TMP/pxerelay.conf
    cat >"$CONF" <<'EOF'
# pxerelay config of tests/lab/test_boot_rules.sh: the server hands every
# client option 66 "10.0.0.2" and option 67 "undionly.kpxe"; these rules
# send each firmware to its own loader.
servers = {"10.0.0.2"}
log-level = debug
option82 {
  circuit-id = "%i"
}
interface "vlan10" {}

# iPXE itself (user class "iPXE" or option 175): the script, which breaks
# the chainload loop.  First, since iPXE also sends option 93.
boot "ipxe" {
  user-class = "iPXE"
  filename = "http://10.0.0.5/boot.ipxe"
}
# A client that sends option 60 but no option 93, with the UNDI version of
# one particular NIC ROM; placed before the arch rules, which would
# otherwise take it (arch 7 is read from option 60 too).
boot "pxe-by-vendor-class" {
  vendor-class = "PXEClient:Arch:00007:UNDI:002*"
  filename = "snponly.efi"
  next-server = "10.0.0.7"
}
boot "bios" {
  arch = {0}
  filename = "undionly.kpxe"
  next-server = "10.0.0.5"
}
boot "uefi-ia32" {
  arch = {6}
  filename = "ipxe-ia32.efi"
  next-server = "10.0.0.5"
}
boot "uefi-x64" {
  arch = {7, 9}
  filename = "ipxe.efi"
  next-server = "10.0.0.5"
}
boot "arm64" {
  arch = {11}
  filename = "ipxe-arm64.efi"
  next-server = "10.0.0.6"
  server-name = "arm-boot"
}
boot "http-x64" {
  arch = {16}
  filename = "http://10.0.0.5/boot/x64.efi"
}
EOF
}

server_start_scope() {
    case $SRV in
        dhcpd) server_start_scope_dhcpd ;;
        dnsmasq) server_start_scope_dnsmasq ;;
    esac
}

server_start_scope_dhcpd() {
    local d=$PXR_TMP/dhcpd
    mkdir -p "$d"
    : >"$d/dhcpd.leases"
    cat >"$d/dhcpd.conf" <<EOF
# written by tests/lab/test_boot_rules.sh: one boot setting for everybody
authoritative;
ddns-update-style none;
ping-check false;
default-lease-time 60;
max-lease-time 60;
min-lease-time 60;
log-facility local7;
option tftp-server-name "$SCOPE_SERVER";
option bootfile-name "$SCOPE_FILE";
next-server $SCOPE_SERVER;
filename "$SCOPE_FILE";
subnet 10.0.0.0 netmask 255.255.255.0 { }
subnet 10.10.0.0 netmask 255.255.255.0 {
  range 10.10.0.100 10.10.0.200;
  option routers 10.10.0.1;
  option subnet-mask 255.255.255.0;
}
EOF
    bg_run dhcpd "$NS_SRV" dhcpd -4 -f -d -cf "$d/dhcpd.conf" -lf "$d/dhcpd.leases" \
        -pf "$d/dhcpd.pid" srv0
    server_wait dhcpd 'Server starting service'
}

server_start_scope_dnsmasq() {
    local d=$PXR_TMP/dnsmasq
    mkdir -p "$d"
    # --dhcp-boot gives siaddr and the boot file, which dnsmasq puts in
    # option 67 (file field left empty) for a client that asks for 67 and in
    # the file field otherwise; option 66 is set on its own, as the Windows
    # scope option would be.
    bg_run dnsmasq "$NS_SRV" dnsmasq -d --conf-file=/dev/null --port=0 --log-dhcp \
        --no-resolv --no-hosts --no-ping --dhcp-authoritative \
        --user=root --group=root --interface=srv0 \
        --pid-file="$d/dnsmasq.pid" --dhcp-leasefile="$d/dnsmasq.leases" \
        --dhcp-range=10.10.0.100,10.10.0.200,255.255.255.0,2m \
        --dhcp-boot="$SCOPE_FILE,,$SCOPE_SERVER" \
        --dhcp-option=66,"$SCOPE_SERVER"
    server_wait dnsmasq 'DHCP, IP range'
}

# ---------------------------------------------------------------- set-up

topo_create
# Fixed MACs on the server link (veth picks random ones), so that captures
# repeat byte for byte from one run to the next.
ip -n "$NS_SRV" link set srv0 address 02:00:00:00:00:02
ip -n "$NS_RTR" link set up0 address 02:00:00:00:00:01
topo_add_vlan 10
NS10=$(client_ns 10)
server_start_scope
cap_start srv "$NS_SRV" srv0
cap_start c10 "$NS10" eth0
write_conf

if [[ -n ${PXR_BOOT_CAPTURE_OUT:-} ]]; then
    # What reaches the router: requests as clients sent them, replies as the
    # server sent them (pxerelay's own output is outbound, so not kept).
    bg_run cap-rtr "$NS_RTR" tcpdump -Z root -U --immediate-mode -n -s 0 -i any -y LINUX_SLL2 \
        -w "$PXR_TMP/rtr.pcap" inbound and udp and '(port 67 or port 68)'
    if ! wait_until 10 grep -q 'listening on' "$PXR_TMP/cap-rtr.log"; then
        fail "$T capture-rtr" "tcpdump -i any in the router ns did not start: $(tr '\n' ' ' <"$PXR_TMP/cap-rtr.log")"
        exit 1
    fi
fi

# Both directions on the router, for the replay checks at the end.
cap_start_filter rtrall "$NS_RTR" any -y LINUX_SLL2 udp port 67 or udp port 68 || exit 1

config_check() {
    local out
    out=$(timeout 10 ip netns exec "$NS_RTR" "$(pxerelay_bin)" -t -c "$CONF" 2>&1) ||
        why "pxerelay -t rejected the test config: $(head -n 3 <<<"$out" | tr '\n' ' ')"
}
check "$T config-check" config_check
check "$T relay-start" relay_start "$CONF" vlan10
RELAY_PID=$(pid_of relay)
proc_alive "$RELAY_PID" || exit 1

# ---------------------------------------------------------------- DORA

# dora NAME: DISCOVER, OFFER, REQUEST, ACK for one client; the replies as the
# client got them go to $PXR_TMP/NAME.{offer,ack}.json.
dora() {
    local name=$1 out yi sid
    local -a base=(-i eth0 --mac "${C_MAC[$name]}" --xid "${C_XID[$name]}"
        --prl "${C_PRL[$name]}" --wait 6 --tries 3 --json)
    local o
    for o in ${C_OPTS[$name]}; do base+=(--option "$o"); done
    rm -f "$PXR_TMP/$name.offer.json" "$PXR_TMP/$name.ack.json"
    out=$(probe "$NS10" request --type discover --ip-id 1 "${base[@]}") ||
        { why "no OFFER: $(tail -n 1 <<<"$out")"; return 1; }
    sed -n 's/^reply-json //p' <<<"$out" >"$PXR_TMP/$name.offer.json"
    yi=$(jq -r .yiaddr "$PXR_TMP/$name.offer.json")
    sid=$(jq -r .server_id "$PXR_TMP/$name.offer.json")
    [[ $(jq -r .type "$PXR_TMP/$name.offer.json") == OFFER ]] ||
        { why "answer to the DISCOVER is $(jq -r .type "$PXR_TMP/$name.offer.json"), not OFFER"; return 1; }
    [[ $sid != null ]] || { why "OFFER without option 54"; return 1; }
    out=$(probe "$NS10" request --type request --ip-id 2 --requested-ip "$yi" --server-id "$sid" \
        "${base[@]}") || { why "no answer to the REQUEST for $yi: $(tail -n 1 <<<"$out")"; return 1; }
    sed -n 's/^reply-json //p' <<<"$out" >"$PXR_TMP/$name.ack.json"
    [[ $(jq -r .type "$PXR_TMP/$name.ack.json") == ACK ]] ||
        { why "answer to the REQUEST for $yi is $(jq -r .type "$PXR_TMP/$name.ack.json"), not ACK"; return 1; }
    log "$name: offered and acked $yi by $sid"
}

# jf FILE FILTER: one field of a JSON decode ("null" when absent).
jf() { jq -r "$2" "$1"; }

# check_reply NAME offer|ack: every boot field of the reply the client got.
check_reply() {
    local name=$1 msg=$2 f=$PXR_TMP/$1.$2.json got want bad=()
    [[ -s $f ]] || { why "no $msg received"; return 1; }
    got=$(jf "$f" .siaddr)
    [[ $got == "${X_SIADDR[$name]}" ]] || bad+=("siaddr $got, want ${X_SIADDR[$name]}")
    # The file field holds the name when it fits (127 chars + NUL), else
    # nothing; without a rule it is the server's.
    want=${X_FILE[$name]}
    ((${#want} <= 127)) || want=
    [[ ${X_RULE[$name]} != - ]] || want=$(scope_file_field "$name")
    got=$(jf "$f" .file)
    [[ $got == "$want" ]] || bad+=("file \"$got\", want \"$want\"")
    if [[ ${X_RULE[$name]} == - ]] && ! asks_for "$name" 67; then
        # Not asked for, not sent (compared with the server's below).
        :
    else
        got=$(jf "$f" '.opt67 // "-"')
        [[ $got == "${X_FILE[$name]}" ]] || bad+=("option 67 \"$got\", want \"${X_FILE[$name]}\"")
    fi
    got=$(jf "$f" '.opt66 // "-"')
    [[ $got == "${X_OPT66[$name]}" ]] || bad+=("option 66 \"$got\", want \"${X_OPT66[$name]}\"")
    got=$(jf "$f" .sname)
    [[ $got == "${X_SNAME[$name]}" ]] || bad+=("sname \"$got\", want \"${X_SNAME[$name]}\"")
    got=$(jf "$f" '.opt60 // "-"')
    [[ $got == "${X_OPT60[$name]}" ]] || bad+=("option 60 \"$got\", want \"${X_OPT60[$name]}\"")
    [[ $(jf "$f" .opt82) == false ]] || bad+=("option 82 reached the client")
    [[ $(jf "$f" .type) == "${msg^^}" ]] || bad+=("type $(jf "$f" .type)")
    if ((${#bad[@]})); then
        why "$msg: $(IFS=';'; echo "${bad[*]}")"
        return 1
    fi
}

# server_reply NAME TYPE: the reply the server sent (srv0 capture), as JSON.
server_reply() {
    "$PXR_PYTHON" "$PXR_PROBE" pcap-dump "$(cap_file srv)" --xid "${C_XID[$1]}" --op reply \
        --type "$2" | tail -n 1
}

# check_server_scope NAME: what the server sent this client is the scope
# (so a correct reply at the client is pxerelay's doing).
check_server_scope() {
    local name=$1 t j bad=()
    for t in offer ack; do
        wait_until 3 server_reply_seen "$name" "$t" || { bad+=("no $t from the server in the srv0 capture"); continue; }
        j=$(server_reply "$name" "$t")
        [[ $(jq -r .siaddr <<<"$j") == "$SCOPE_SERVER" ]] || bad+=("$t siaddr $(jq -r .siaddr <<<"$j")")
        [[ $(jq -r .file <<<"$j") == "$(scope_file_field "$name")" ]] ||
            bad+=("$t file \"$(jq -r .file <<<"$j")\"")
        if asks_for "$name" 66; then
            [[ $(jq -r .opt66 <<<"$j") == "$SCOPE_SERVER" ]] || bad+=("$t option 66 $(jq -r .opt66 <<<"$j")")
        fi
        if asks_for "$name" 67; then
            [[ $(jq -r .opt67 <<<"$j") == "$SCOPE_FILE" ]] || bad+=("$t option 67 $(jq -r .opt67 <<<"$j")")
        fi
    done
    if ((${#bad[@]})); then
        why "server $SRV did not send the scope: $(IFS=';'; echo "${bad[*]}")"
        return 1
    fi
}
server_reply_seen() { [[ -n $(server_reply "$1" "$2") ]]; }

# check_untouched NAME offer|ack: no rule matched, so the client must get
# what the server sent: same header boot fields and options, option 82 aside.
check_untouched() {
    local name=$1 msg=$2 norm d
    norm='{siaddr, yiaddr, giaddr, sname, file, overload,
           options: (.options | del(."82")),
           order: [.option_order[] | select(. != 82)]}'
    d=$(diff <(server_reply "$name" "$msg" | jq -S "$norm") \
        <(jq -S "$norm" "$PXR_TMP/$name.$msg.json") | grep '^[<>]' | head -n 6 | tr '\n' ' ') || true
    [[ -z $d ]] || { why "$msg changed on the way (< server, > client): $d"; return 1; }
}

# Rule from pxerelay's log.
log_request_rule() {
    sed -n "s/.* relay request $2 mac $1 if .* class .* rule \([^ ]*\) giaddr .*/\1/p" \
        "$PXR_TMP/relay.log" | tail -n 1
}
log_rewrite_rule() {
    sed -n "s/.* rewrite $2 mac $1 if .* class .* rule \([^ ]*\) file .*/\1/p" \
        "$PXR_TMP/relay.log" | tail -n 1
}
log_has_rewrite() { [[ -n $(log_rewrite_rule "$1" "$2") ]]; }

# check_log NAME: the request lines name the rule, and a rewrite line shows
# for OFFER and ACK exactly when a rule matched.
check_log() {
    local name=$1 mac=${C_MAC[$1]} want=${X_RULE[$1]} got m bad=()
    for m in DHCPDISCOVER DHCPREQUEST; do
        got=$(log_request_rule "$mac" "$m")
        [[ $got == "$want" ]] || bad+=("$m logged with rule '${got:-(no line)}'")
    done
    for m in DHCPOFFER DHCPACK; do
        if [[ $want == - ]]; then
            got=$(log_rewrite_rule "$mac" "$m")
            [[ -z $got ]] || bad+=("$m rewritten by rule '$got'")
        else
            # The log line may land just after the packet.
            wait_until 2 log_has_rewrite "$mac" "$m" || true
            got=$(log_rewrite_rule "$mac" "$m")
            [[ $got == "$want" ]] || bad+=("$m rewrite line with rule '${got:-(none)}'")
        fi
    done
    if ((${#bad[@]})); then
        why "want rule '$want': $(IFS=';'; echo "${bad[*]}")"
        return 1
    fi
}

declare -A RESULT
for name in "${CLIENTS[@]}"; do
    nfail0=$PXR_NFAIL
    check "$T $name-dora" dora "$name"
    check "$T $name-offer" check_reply "$name" offer
    check "$T $name-ack" check_reply "$name" ack
    check "$T $name-server-sent-scope" check_server_scope "$name"
    if [[ ${X_RULE[$name]} == - ]]; then
        check "$T $name-offer-untouched" check_untouched "$name" offer
        check "$T $name-ack-untouched" check_untouched "$name" ack
    fi
    check "$T $name-log-rule" check_log "$name"
    if ((PXR_NFAIL == nfail0)); then RESULT[$name]=PASS; else RESULT[$name]=FAIL; fi
done

# Also from the capture (tcpdump's decode, independent of the probe's):
# nothing with option 82 reached the client link.
check "$T no-opt82-at-client" expect_no_opt82 "$(cap_file c10)" "udp src port 67"
same_relay() {
    proc_alive "$RELAY_PID" || why "relay (pid $RELAY_PID) is gone: $(tail -n 3 "$PXR_TMP/relay.log" | tr '\n' ' ')"
}
check "$T relay-alive" same_relay

# ---------------------------------------------------------------- replay

replay_sends_the_daemons_bytes() {
    local out
    sleep 0.3 # let the last packets reach the file
    proc_stop cap-rtrall INT
    "$(pxerelay_bin)" --replay "$(cap_file rtrall)" -c "$CONF" -i vlan10 \
        -w "$PXR_TMP/replay-out.pcap" >"$PXR_TMP/replay.out" 2>&1 ||
        { why "--replay failed: $(tail -n 3 "$PXR_TMP/replay.out")"; return 1; }
    out=$("$PXR_PYTHON" "$LAB/same_replies.py" "$(cap_file rtrall)" "$PXR_TMP/replay-out.pcap" 2>&1) ||
        { why "daemon and --replay differ: $(tr '\n' ' ' <<<"$out" | head -c 600)"; return 1; }
    log "replay: $(tail -n 1 <<<"$out")"
}
check "$T replay-sends-the-daemons-bytes" replay_sends_the_daemons_bytes

# The shipped capture was made by this test (make_replay_capture.sh): its
# golden verdicts must be this run's, line for line, packet numbers aside.
shipped_capture_verdicts_are_the_daemons() {
    local golden top missing
    top=$(top)
    golden=$top/tests/data/pxe-clients.replay
    # The same configuration, as -t normalises it (its first line names the file).
    cmp -s <("$(pxerelay_bin)" -t -c "$top/tests/data/pxe-clients.conf" | tail -n +2) \
        <("$(pxerelay_bin)" -t -c "$CONF" | tail -n +2) ||
        { why "tests/data/pxe-clients.conf is not this test's config: re-run tests/lab/make_replay_capture.sh"; return 1; }
    missing=$(grep -v '^# ' "$golden" | sed 's/^#[0-9]* //' | sort |
        comm -23 - <(sed 's/^#[0-9]* //' "$PXR_TMP/replay.out" | sort))
    [[ -z $missing ]] || { why "golden lines not in this run: $(head -c 600 <<<"$missing")"; return 1; }
    log "replay: the $(grep -vc '^# ' "$golden") golden lines of the shipped capture are all in this run's"
}
if [[ $SRV == dhcpd && -z ${PXR_BOOT_CLIENTS:-} ]]; then
    check "$T shipped-capture-verdicts-are-the-daemons" shipped_capture_verdicts_are_the_daemons
fi

# ---------------------------------------------------------------- table

fld() {
    local f=$PXR_TMP/$1.$2.json
    if [[ -s $f ]]; then
        jq -r '"\(.siaddr) \(if .file == "" then "(empty)" else .file end)"' "$f"
    else
        echo "- -"
    fi
}
log "boot rules with $SRV (rule = the one pxerelay logged for the DISCOVER)"
{
    printf '%s\t%s\t%s\t%s\t%s\t%s\n' client arch rule "OFFER siaddr file" "ACK siaddr file" result
    for name in "${CLIENTS[@]}"; do
        r=$(log_request_rule "${C_MAC[$name]}" DHCPDISCOVER)
        printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$name" "${C_ARCH[$name]}" "${r:-?}" \
            "$(fld "$name" offer)" "$(fld "$name" ack)" "${RESULT[$name]}"
    done
} | column -t -s $'\t' | sed 's/^/#   /'

# ---------------------------------------------------------------- capture out

if [[ -n ${PXR_BOOT_CAPTURE_OUT:-} ]]; then
    sleep 0.3 # let the last packets reach the file
    proc_stop cap-rtr INT
    cp "$PXR_TMP/rtr.pcap" "$PXR_BOOT_CAPTURE_OUT"
    cp "$CONF" "${PXR_BOOT_CAPTURE_OUT%.pcap}.conf"
    log "wrote $PXR_BOOT_CAPTURE_OUT ($(stat -c %s "$PXR_BOOT_CAPTURE_OUT") bytes) and ${PXR_BOOT_CAPTURE_OUT%.pcap}.conf"
fi
