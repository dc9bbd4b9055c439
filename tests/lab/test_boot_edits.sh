#!/bin/bash
# tests/lab/test_boot_edits.sh - boot rules that do no harm, and option
# edits, with real servers and scripted PXE clients.
#
#   server ns: ISC dhcpd on srv0 10.0.0.2. The scope hands everybody
#        |     next-server 10.0.0.2, file and option 67 "undionly.kpxe",
#        |     and option 60 "PXEClient" (set scope-wide for an old PXE
#        |     server); two host reservations carry their own boot file:
#        |     02:cc:00:00:00:42 "reserved/host42.efi" and a switch in
#        |     zero-touch provisioning, 02:cc:00:00:55:08, a script URL.
#        |  second server ns: dnsmasq in ProxyDHCP mode on 10.0.2.2
#        |     (dhcp-range=...,proxy with pxe-service), a configured server
#   router ns: pxerelay -d, forwards to both; rules:
#        |     ztp   a pass on option 60 "PXEClient:*:PID:*"
#        |     rpi   mac dc:a6:32:*: set-option 43 "Raspberry Pi Boot",
#        |           60 "PXEClient"
#        |     uefi  arch 7/9, only where the server offered
#        |           "undionly.kpxe": ipxe.efi from 10.0.0.5, option 60 removed
#        |     bios  arch 0: next-server 10.0.0.5
#   client ns c10: dhcp_probe.py
#
# Checks, each with a real server's reply:
#   reservation   a UEFI client with a reservation keeps the server's file
#                 (and its option 60): the conditioned rule does not apply
#   generic       a UEFI client on the scope's generic file gets ipxe.efi
#                 from 10.0.0.5, and option 60 "PXEClient" is gone
#   ztp           the switch (option 60 with PID:, no option 93) gets the
#                 server's reply untouched (its script URL), logged as a
#                 pass, although "uefi" would read arch 9 from option 60
#   rpi           a Raspberry-Pi-like client (MAC prefix, arch 0) gets
#                 option 43 "Raspberry Pi Boot" and option 60 "PXEClient"
#   proxydhcp     a BIOS PXE client gets both offers: dhcpd's rewritten by
#                 "bios", the proxy's (yiaddr 0, option 60 PXEClient, option
#                 43) exactly as dnsmasq sent it, counted as a proxy offer
#   replay        --replay -w over the router's capture: byte for byte what
#                 the daemon sent each client
set -euo pipefail

LAB=$(cd "$(dirname "$0")" && pwd)
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$LAB/lib.sh"

T=boot-edits
if [[ $PXR_RELAY_IMPL != pxerelay ]]; then
    echo "SKIP $T: pxerelay's rules (PXR_RELAY_IMPL=$PXR_RELAY_IMPL)"
    exit 0
fi
for c in dhcpd dnsmasq; do
    command -v "$c" >/dev/null || { echo "FAIL $T: $c not installed"; exit 1; }
done
lab_init bed "$T"
NS_SRV2=pxr-$PXR_TAG-srv2

topo_create
topo_add_vlan 10
NS10=$(client_ns 10)
topo_add_upstream "$NS_SRV2" 10.0.2 srv0

SCRIPT=http://10.0.0.9/ztp/ncs5508.py
D=$PXR_TMP/dhcpd
mkdir -p "$D"
: >"$D/dhcpd.leases"
cat >"$D/dhcpd.conf" <<EOF
authoritative;
ddns-update-style none;
ping-check false;
default-lease-time 300;
max-lease-time 300;
subnet 10.0.0.0 netmask 255.255.255.0 { }
subnet 10.10.0.0 netmask 255.255.255.0 {
  range 10.10.0.100 10.10.0.200;
  option routers 10.10.0.1;
  next-server 10.0.0.2;
  filename "undionly.kpxe";
  option tftp-server-name "10.0.0.2";
  option bootfile-name "undionly.kpxe";
  option vendor-class-identifier "PXEClient";
}
host reserved42 {
  hardware ethernet 02:cc:00:00:00:42;
  filename "reserved/host42.efi";
  option bootfile-name "reserved/host42.efi";
}
host ncs5508 {
  hardware ethernet 02:cc:00:00:55:08;
  filename "$SCRIPT";
  option bootfile-name "$SCRIPT";
}
EOF
bg_run dhcpd "$NS_SRV" dhcpd -4 -f -d -cf "$D/dhcpd.conf" -lf "$D/dhcpd.leases" -pf "$D/dhcpd.pid" srv0
server_wait dhcpd 'Server starting service'

# ProxyDHCP: no addresses, PXE boot menus for BIOS clients; only the one
# client of the proxydhcp check is answered (the others read the first
# offer to arrive and must get dhcpd's).
mkdir -p "$PXR_TMP/proxy"
bg_run proxy "$NS_SRV2" dnsmasq -d --conf-file=/dev/null --port=0 --log-dhcp \
    --no-resolv --no-hosts --no-ping --user=root --group=root --interface=srv0 \
    --pid-file="$PXR_TMP/proxy/dnsmasq.pid" --dhcp-leasefile="$PXR_TMP/proxy/leases" \
    --dhcp-range=10.10.0.0,proxy,255.255.255.0 \
    --dhcp-mac=set:proxied,02:cc:00:00:00:b1 --dhcp-ignore=tag:!proxied \
    '--pxe-service=x86PC,"Network boot",pxelinux' \
    '--pxe-prompt="Press F8 for the boot menu",5'
server_wait proxy 'proxy on subnet'

CONF=$PXR_TMP/pxerelay.conf
cat >"$CONF" <<'EOF'
servers = {"10.0.0.2", "10.0.2.2"}
log-level = debug
interface "vlan10" {}
boot "ztp" {
  vendor-class = "PXEClient:*:PID:*"
}
boot "rpi" {
  mac = "dc:a6:32:*"
  set-option = {"43 text Raspberry Pi Boot", "60 text PXEClient"}
}
boot "uefi" {
  arch = {7, 9}
  offered-filename = "undionly.kpxe"
  filename = "ipxe.efi"
  next-server = "10.0.0.5"
  remove-option = {60}
}
boot "bios" {
  arch = {0}
  next-server = "10.0.0.5"
}
EOF
cap_start_filter router "$NS_RTR" any -y LINUX_SLL2 udp port 67 or udp port 68 || exit 1
cap_start_filter proxysrv "$NS_SRV2" srv0 udp port 67 or udp port 68 || exit 1
cap_start_filter client "$NS10" eth0 udp port 67 or udp port 68 || exit 1
check "$T relay-start" relay_start "$CONF" vlan10

PRL=1,3,43,60,66,67
UEFI_VC=505845436c69656e743a417263683a30303030373a554e44493a303033303136 # PXEClient:Arch:00007:UNDI:003016
BIOS_VC=505845436c69656e743a417263683a30303030303a554e44493a303032303031 # PXEClient:Arch:00000:UNDI:002001

# offer NAME MAC ARGS...: a DISCOVER from MAC, the decoded OFFER (JSON) in
# $PXR_TMP/NAME.json.
offer() {
    local name=$1 mac=$2 out
    shift 2
    out=$(probe "$NS10" request -i eth0 --mac "$mac" --prl "$PRL" --wait 6 --tries 3 --json "$@" 2>&1) || true
    printf '%s\n' "$out" >"$PXR_TMP/$name.out"
    grep '^reply-json ' <<<"$out" | head -n 1 | sed 's/^reply-json //' >"$PXR_TMP/$name.json"
    [[ -s $PXR_TMP/$name.json ]] || { why "no OFFER for $name: $(tail -n 2 <<<"$out" | tr '\n' ' ')"; return 1; }
}
j() { jq -r "$2" "$PXR_TMP/$1.json"; }
# opt NAME CODE: option CODE of NAME's OFFER as text ("-" when absent).
opt() { jq -r --arg c "$2" '.options[$c] | if . == null then "-" else (.text // .hex) end' "$PXR_TMP/$1.json"; }

reservation() {
    offer reservation 02:cc:00:00:00:42 --option 93:0007 --option "60:$UEFI_VC" || return 1
    log "reservation: file $(j reservation .file), option 67 $(opt reservation 67), siaddr $(j reservation .siaddr), option 60 $(opt reservation 60)"
    [[ $(j reservation .file) == reserved/host42.efi && $(opt reservation 67) == reserved/host42.efi ]] ||
        { why "the reservation's file was not kept"; return 1; }
    [[ $(j reservation .siaddr) == 10.0.0.2 ]] || { why "siaddr changed"; return 1; }
    [[ $(opt reservation 60) == PXEClient ]] || why "option 60 was removed from a reply no rule applies to"
}
check "$T offered-filename-keeps-a-reservations-file" reservation

generic() {
    offer generic 02:cc:00:00:00:07 --option 93:0007 --option "60:$UEFI_VC" || return 1
    log "generic: file $(j generic .file), siaddr $(j generic .siaddr), option 66 $(opt generic 66), option 60 $(opt generic 60)"
    [[ $(j generic .file) == ipxe.efi && $(opt generic 67) == ipxe.efi ]] || { why "not rewritten to ipxe.efi"; return 1; }
    [[ $(j generic .siaddr) == 10.0.0.5 && $(opt generic 66) == 10.0.0.5 ]] || { why "next-server not 10.0.0.5"; return 1; }
    [[ $(opt generic 60) == - ]] || why "option 60 '$(opt generic 60)' not removed"
}
check "$T generic-file-rewritten-and-option60-removed" generic

ztp() {
    # 'PXEClient:Arch:00009:UNDI:003010:PID:NCS-5508', no option 93
    offer ztp 02:cc:00:00:55:08 \
        --option 60:505845436c69656e743a417263683a30303030393a554e44493a3030333031303a5049443a4e43532d35353038 || return 1
    log "ztp: file $(j ztp .file), siaddr $(j ztp .siaddr)"
    [[ $(j ztp .file) == "$SCRIPT" && $(opt ztp 67) == "$SCRIPT" && $(j ztp .siaddr) == 10.0.0.2 ]] ||
        { why "the switch's script was rewritten"; return 1; }
    [[ $(opt ztp 60) == PXEClient ]] || { why "option 60 touched"; return 1; }
    grep -q 'pass rule ztp mac 02:cc:00:00:55:08' "$PXR_TMP/relay.log" || why "no 'pass rule ztp' log line"
}
check "$T ztp-switch-passes-untouched" ztp

rpi() {
    offer rpi dc:a6:32:00:00:01 --option 93:0000 || return 1
    log "rpi: option 43 $(opt rpi 43), option 60 $(opt rpi 60), siaddr $(j rpi .siaddr)"
    [[ $(opt rpi 43) == "Raspberry Pi Boot" ]] || { why "option 43 is '$(opt rpi 43)'"; return 1; }
    [[ $(opt rpi 60) == PXEClient ]] || why "option 60 is '$(opt rpi 60)'"
}
check "$T raspberry-pi-gets-option43-and-option60" rpi

# Both offers reach the client (from the capture on its link); the proxy's
# is, byte for byte, what dnsmasq sent, less the option 82 it echoed.
proxydhcp() {
    local out n
    probe "$NS10" request -i eth0 --mac 02:cc:00:00:00:b1 --xid 0b105001 --prl "$PRL" \
        --option 93:0000 --option "60:$BIOS_VC" --option 97:00$(printf '11%.0s' $(seq 16)) \
        --wait 4 >/dev/null 2>&1 || true
    sleep 1
    out=$("$PXR_PYTHON" "$LAB/proxy_offer_check.py" "$(cap_file client)" "$(cap_file proxysrv)" 0b105001 2>&1) ||
        { why "$out"; return 1; }
    log "proxydhcp: $out"
    expect_counter_at_least pxerelay_proxy_offers_total 1 || return 1
    n=$(grep -c 'ProxyDHCP offer, rule not applied mac 02:cc:00:00:00:b1' "$PXR_TMP/relay.log" || true)
    ((n >= 1)) || why "no log line for the proxy offer left alone"
}
check "$T proxydhcp-offer-relayed-as-the-proxy-sent-it" proxydhcp

replay_bytes() {
    local out
    sleep 0.3
    proc_stop cap-router INT
    "$(pxerelay_bin)" --replay "$(cap_file router)" -c "$CONF" -i vlan10 \
        -w "$PXR_TMP/replay-out.pcap" >"$PXR_TMP/replay.out" 2>&1 ||
        { why "--replay failed: $(tail -n 3 "$PXR_TMP/replay.out")"; return 1; }
    grep -q 'rule ztp (pass)' "$PXR_TMP/replay.out" || { why "--replay shows no pass for ztp"; return 1; }
    grep -q 'option 43 .* -> "Raspberry Pi Boot"' "$PXR_TMP/replay.out" ||
        { why "--replay does not show the option 43 edit"; return 1; }
    out=$("$PXR_PYTHON" "$LAB/same_replies.py" "$(cap_file router)" "$PXR_TMP/replay-out.pcap" 2>&1) ||
        { why "daemon and --replay differ: $(tr '\n' ' ' <<<"$out" | head -c 600)"; return 1; }
    log "replay: $(tail -n 1 <<<"$out")"
}
check "$T replay-shows-the-edits-and-sends-the-daemons-bytes" replay_bytes

lab_exit
