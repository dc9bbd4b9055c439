#!/bin/bash
# tests/lab/demo.sh - `make demo`: why a plain DHCP relay breaks network boot
# for a mixed fleet, and what pxerelay's boot rules change.
#
#   server ns   ISC dhcpd set up like a typical Windows DHCP scope: ONE boot
#               setting for every client (next-server and option 66
#               "10.0.0.2", file and option 67 "undionly.kpxe"), and a TFTP
#               server (dnsmasq, TFTP only) on 10.0.0.2 holding one loader per
#               firmware: undionly.kpxe, ipxe.efi, ipxe-ia32.efi,
#               ipxe-arm64.efi (placeholder files: the demo stops each
#               machine at its TFTP request).
#   router ns   pxerelay, upstream 10.0.0.1, client links vlan10 and vlan20
#   vlan10      QEMU SeaBIOS + iPXE ROM (x86 BIOS, arch 0), and scripted
#               ARM64 UEFI (arch 11) and x64 UEFI HTTP boot (arch 16) clients
#   vlan20      QEMU OVMF, UEFI x64 PXE (arch 7), and a scripted x86 (ia32)
#               UEFI client (arch 6)
#   IPv6        Kea DHCPv6 in the server ns with ONE option 59 for everybody
#               (tftp://[2001:db8::2]/undionly.kpxe); scripted DHCPv6 UEFI
#               clients (x64, x86, ARM64, x64 HTTP boot) on vlan10 and vlan20
#               solicit through pxerelay; their table shows the option 59
#               each received
#
# Pass 1 runs pxerelay without boot rules (what any relay does); pass 2
# reloads it (SIGHUP) with one rule per firmware.  Each pass boots both VMs
# at once and runs the scripted DORAs meanwhile.  What each client received
# is read from a capture on the router's client link (for the VMs) or from
# the reply itself (scripted clients); which file a VM then asked for, from
# a capture of TFTP read requests at the server.  A table per pass and a
# two-line summary close the output.
#
# Exit status 0 when every client got the right loader in pass 2.
# Needs root.  Logs, captures and configs go to a temp dir, kept (and its
# path printed) when something failed or with PXR_KEEP=1.
#
# Environment: PXR_DEMO_DEADLINE_BIOS / _UEFI (seconds a VM may take to ask
# for its file, default 60 / 150), PXR_DEMO_TRACE=1 (echo the lab's own
# diagnostics too), QEMU, PXR_BIOS_ROM, PXR_OVMF_CODE, PXR_OVMF_VARS, and
# lib.sh's PXERELAY, PXR_KEEP.
set -euo pipefail

LAB=$(cd "$(dirname "$0")" && pwd)
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$LAB/lib.sh"

QEMU=${QEMU:-qemu-system-x86_64}
BIOS_ROM=${PXR_BIOS_ROM:-/usr/lib/ipxe/qemu/pxe-e1000.rom}
OVMF_CODE=${PXR_OVMF_CODE:-/usr/share/OVMF/OVMF_CODE_4M.fd}
OVMF_VARS=${PXR_OVMF_VARS:-/usr/share/OVMF/OVMF_VARS_4M.fd}
DEADLINE_BIOS=${PXR_DEMO_DEADLINE_BIOS:-60}
DEADLINE_UEFI=${PXR_DEMO_DEADLINE_UEFI:-150}

case ${1:-} in
    -h | --help)
        sed -n '2,/^set -e/p' "$0" | sed 's/^# \{0,1\}//; /^set -e/d'
        exit 0
        ;;
    "") ;;
    *)
        echo "usage: $0 [-h]" >&2
        exit 2
        ;;
esac

die() {
    echo "demo: $*" >&2
    exit 1
}
((EUID == 0)) || die "needs root (it builds network namespaces)"
[[ -x $(pxerelay_bin) ]] || die "no pxerelay binary at $(pxerelay_bin) (run make, or set PXERELAY)"
for c in "$QEMU" dhcpd dnsmasq tcpdump kea-dhcp6; do
    command -v "$c" >/dev/null || die "$c is not installed (make deps-lab)"
done
for f in "$BIOS_ROM" "$OVMF_CODE" "$OVMF_VARS"; do
    [[ -r $f ]] || die "$f not found (packages ipxe-qemu, ovmf; make deps-lab)"
done

lab_init demo demo

# lib.sh's EXIT handler stops every process and deletes every namespace; it
# also prints a PASS/FAIL tally meant for the test runner, which has no place
# here, so it runs behind a filter (in a subshell: its own `exit` ends only
# that; the processes it kills are reaped when this shell exits).
demo_exit() {
    local rc=$?
    set +e
    trap - ERR
    ( (exit "$rc"); lab_exit) | grep -v -E '^# demo: [0-9]+ passed, [0-9]+ failed in'
    exit "$rc"
}
trap demo_exit EXIT

# ---------------------------------------------------------------- output

secs() { printf '%d.%d' $(($1 / 1000)) $(($1 % 1000 / 100)); }
# step TEXT: a progress line with the time since the start.
step() { printf '[%6s s] %s\n' "$(secs $(($(now_ms) - PXR_T0)))" "$*"; }
banner() { printf '\n== %s\n' "$*"; }
# quiet CMD...: run CMD, its output (lab diagnostics, "# ..." lines) to the
# demo's log instead of the screen unless PXR_DEMO_TRACE=1.
quiet() {
    if [[ ${PXR_DEMO_TRACE:-0} == 1 ]]; then
        "$@"
    else
        "$@" >>"$PXR_TMP/demo-trace.log"
    fi
}
# bad TEXT: something in the lab itself went wrong (not a verdict).
bad() {
    step "problem: $*"
    PXR_NFAIL=$((PXR_NFAIL + 1))
}

# ---------------------------------------------------------------- the lab

SCOPE_SERVER=10.0.0.2
SCOPE_FILE=undionly.kpxe
LOADERS=(undionly.kpxe ipxe.efi ipxe-ia32.efi ipxe-arm64.efi)

echo "pxerelay demo: one DHCP scope (option 66 \"$SCOPE_SERVER\", option 67 \"$SCOPE_FILE\")"
echo "for five kinds of network-boot firmware on two VLANs, relayed by pxerelay"
echo "without, then with, per-firmware boot rules."
echo
step "building the lab: namespaces $NS_SRV (DHCP+TFTP), $NS_RTR (pxerelay), vlan10, vlan20"
topo_create
topo_add_vlan 10
topo_add_vlan 20
NS10=$(client_ns 10)
NS20=$(client_ns 20)

# vm_bridge NS: the client ns's eth0 and a tap for QEMU in one bridge (the
# scripted clients send on eth0 itself).
vm_bridge() {
    local ns=$1
    ip -n "$ns" tuntap add dev tap0 mode tap
    ip -n "$ns" link add br0 type bridge forward_delay 0 stp_state 0
    ip -n "$ns" link set eth0 master br0
    ip -n "$ns" link set tap0 master br0
    ip -n "$ns" link set tap0 up
    ip -n "$ns" link set br0 up
}
vm_bridge "$NS10"
vm_bridge "$NS20"

# IPv6 on the server, the router and both client links (ns_add turns it
# off), without duplicate address detection so addresses work at once.
for ns in "$NS_SRV" "$NS_RTR" "$NS10" "$NS20"; do
    ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0 \
        net.ipv6.conf.all.disable_ipv6=0 net.ipv6.conf.default.disable_ipv6=0
done
for ifc in up0 vlan10 vlan20; do
    ip netns exec "$NS_RTR" sysctl -qw "net.ipv6.conf.$ifc.accept_dad=0" "net.ipv6.conf.$ifc.disable_ipv6=0"
done
ip netns exec "$NS_SRV" sysctl -qw net.ipv6.conf.srv0.accept_dad=0 net.ipv6.conf.srv0.disable_ipv6=0
for ns in "$NS10" "$NS20"; do
    ip netns exec "$ns" sysctl -qw net.ipv6.conf.br0.accept_dad=0 net.ipv6.conf.br0.disable_ipv6=0
done
ip -n "$NS_SRV" addr add 2001:db8::2/64 dev srv0
ip -n "$NS_RTR" addr add 2001:db8::1/64 dev up0
ip -n "$NS_RTR" addr add 2001:db8:10::1/64 dev vlan10
ip -n "$NS_RTR" addr add 2001:db8:20::1/64 dev vlan20
ip -n "$NS_SRV" -6 route add 2001:db8:10::/44 via 2001:db8::1

TFTP_ROOT=$PXR_TMP/tftp
mkdir -p "$TFTP_ROOT"
for f in "${LOADERS[@]}"; do
    echo "placeholder for $f (pxerelay demo), not a boot image" >"$TFTP_ROOT/$f"
done
bg_run tftpd "$NS_SRV" dnsmasq -d --conf-file=/dev/null --port=0 --no-resolv --no-hosts \
    --user=root --group=root --pid-file="$PXR_TMP/tftpd.pid" \
    --enable-tftp --tftp-root="$TFTP_ROOT" --log-facility=-
server_wait tftpd 'TFTP root is' || exit 1
step "TFTP server on $SCOPE_SERVER serves: ${LOADERS[*]}"

DHCPD_DIR=$PXR_TMP/dhcpd
mkdir -p "$DHCPD_DIR"
: >"$DHCPD_DIR/dhcpd.leases"
cat >"$DHCPD_DIR/dhcpd.conf" <<EOF
# pxerelay demo: a scope set up the way Windows DHCP usually is, with one
# boot server and one boot file for every client, whatever its firmware.
authoritative;
ddns-update-style none;
ping-check false;
default-lease-time 600;
max-lease-time 600;
log-facility local7;
next-server $SCOPE_SERVER;
option tftp-server-name "$SCOPE_SERVER";
filename "$SCOPE_FILE";
option bootfile-name "$SCOPE_FILE";
subnet 10.0.0.0 netmask 255.255.255.0 { }
subnet 10.10.0.0 netmask 255.255.255.0 {
  range 10.10.0.100 10.10.0.200;
  option routers 10.10.0.1;
  option subnet-mask 255.255.255.0;
}
subnet 10.20.0.0 netmask 255.255.255.0 {
  range 10.20.0.100 10.20.0.200;
  option routers 10.20.0.1;
  option subnet-mask 255.255.255.0;
}
EOF
bg_run dhcpd "$NS_SRV" dhcpd -4 -f -d -cf "$DHCPD_DIR/dhcpd.conf" -lf "$DHCPD_DIR/dhcpd.leases" \
    -pf "$DHCPD_DIR/dhcpd.pid" srv0
server_wait dhcpd 'Server starting service' || exit 1
step "ISC dhcpd on $SCOPE_SERVER: next-server + option 66 $SCOPE_SERVER, file + option 67 $SCOPE_FILE, for everybody"

SCOPE_URL="tftp://[2001:db8::2]/$SCOPE_FILE"
KEA6_DIR=$PXR_TMP/kea6
mkdir -p "$KEA6_DIR"
cat >"$KEA6_DIR/kea6.json" <<EOF
{ "Dhcp6": {
    "interfaces-config": { "interfaces": [ "srv0/2001:db8::2" ] },
    "server-id": { "type": "LL", "persist": false },
    "lease-database": { "type": "memfile", "persist": false, "lfc-interval": 0 },
    "option-data": [ { "name": "bootfile-url", "data": "$SCOPE_URL" } ],
    "subnet6": [
      { "id": 10, "subnet": "2001:db8:10::/64", "pools": [ { "pool": "2001:db8:10::100-2001:db8:10::1ff" } ] },
      { "id": 20, "subnet": "2001:db8:20::/64", "pools": [ { "pool": "2001:db8:20::100-2001:db8:20::1ff" } ] } ],
    "loggers": [ { "name": "kea-dhcp6", "output_options": [ { "output": "stdout" } ],
                   "severity": "INFO" } ] } }
EOF
bg_run kea6 "$NS_SRV" env KEA_LOCKFILE_DIR="$KEA6_DIR" KEA_PIDFILE_DIR="$KEA6_DIR" \
    kea-dhcp6 -c "$KEA6_DIR/kea6.json"
server_wait kea6 'DHCP6_STARTED' || exit 1
step "Kea DHCPv6 on 2001:db8::2: option 59 $SCOPE_URL, for everybody"

# iPXE brings up IPv6 next to IPv4 and, on a link without an IPv6 router,
# waits about 13 s for its router solicitations before it loads anything.
# A bare router advertisement (lifetime 0, no prefix: "no IPv6 router
# here"), sent from the router ns every half second, ends that wait.
ra_start() { ra_sender_start "$1" "$NS_RTR" "$2"; }
ra_start ra10 vlan10

# ---------------------------------------------------------------- pxerelay

# pxerelay runs as "nobody" once its sockets are open and reads the config
# again as that user on SIGHUP: the file must be world-readable, as under
# /etc/pxerelay (the temp dir itself is 0700).
chmod o+x "$PXR_TMP"
mkdir -m 755 "$PXR_TMP/etc"
CONF=$PXR_TMP/etc/pxerelay.conf

# The pass 2 rules: name | arch codes | filename | next-server ("" = keep)
# | bootfile-url (DHCPv6 option 59, "" = none).
RULES=(
    "bios|0|undionly.kpxe|10.0.0.2|"
    "uefi-x64|7, 9|ipxe.efi||tftp://[2001:db8::2]/ipxe.efi"
    "uefi-ia32|6|ipxe-ia32.efi||tftp://[2001:db8::2]/ipxe-ia32.efi"
    "arm64|11|ipxe-arm64.efi||tftp://[2001:db8::2]/ipxe-arm64.efi"
    "http-x64|16|http://10.0.0.2/ipxe.efi||http://[2001:db8::2]/ipxe.efi"
)

# write_conf PASS: pass 1 no boot rules, pass 2 the rules above.
write_conf() {
    local r name arch file ns url out
    {
        echo "# pxerelay demo, pass $1"
        echo 'servers = {"10.0.0.2", "2001:db8::2"}'
        echo 'interface "vlan10" {}'
        echo 'interface "vlan20" {}'
        if [[ $1 == 2 ]]; then
            for r in "${RULES[@]}"; do
                IFS='|' read -r name arch file ns url <<<"$r"
                echo "boot \"$name\" {"
                echo "  arch = {$arch}"
                echo "  filename = \"$file\""
                [[ -z $ns ]] || echo "  next-server = \"$ns\""
                [[ -z $url ]] || echo "  bootfile-url = \"$url\""
                echo "}"
            done
        fi
    } >"$CONF"
    chmod 644 "$CONF"
    if ! out=$(ip netns exec "$NS_RTR" "$(pxerelay_bin)" -t -c "$CONF" 2>&1); then
        bad "pxerelay -t rejects the pass $1 config: $(head -n 3 <<<"$out" | tr '\n' ' ')"
        exit 1
    fi
}

# show_rules: the pass 2 rules, one line each, as the engineer would read them.
show_rules() {
    local r name arch file ns url
    for r in "${RULES[@]}"; do
        IFS='|' read -r name arch file ns url <<<"$r"
        printf '             boot %-12s { arch = {%s}; filename = "%s"%s%s }\n' "\"$name\"" "$arch" "$file" \
            "${ns:+; next-server = \"$ns\"}" "${url:+; bootfile-url = \"$url\"}"
    done
}

reloads() { grep -c 'reloaded ' "$PXR_TMP/relay.log" || true; }
more_reloads() { (($(reloads) > $1)); }

# ---------------------------------------------------------------- firmware

# fw_name ARCH: the option 93 code as a network engineer says it.
fw_name() {
    case $1 in
        0) echo "x86 BIOS" ;;
        6) echo "x86 UEFI" ;;
        7 | 9) echo "x64 UEFI" ;;
        10) echo "ARM32 UEFI" ;;
        11) echo "ARM64 UEFI" ;;
        15) echo "x86 UEFI HTTP" ;;
        16) echo "x64 UEFI HTTP" ;;
        19) echo "ARM64 UEFI HTTP" ;;
        *) echo "arch $1" ;;
    esac
}

# loader_kind FILE: what FILE is, for the verdict.
loader_kind() {
    case ${1##*/} in
        undionly.kpxe) echo "BIOS loader" ;;
        ipxe.efi) echo "x64 UEFI loader" ;;
        ipxe-ia32.efi) echo "x86 UEFI loader" ;;
        ipxe-arm64.efi) echo "ARM64 UEFI loader" ;;
        *) echo "unknown file" ;;
    esac
}

# verdict ARCH FILE OPT60: "OK" when FILE is the loader for firmware ARCH
# (for HTTP boot: an http:// URL of the x64 loader, and option 60
# "HTTPClient" in the reply, without which the firmware ignores the offer),
# else "WRONG: why" (short: the table shows firmware and file next to it).
# Judged from what the client got, not from any config.
verdict() {
    local arch=$1 file=$2 opt60=$3 want fw
    fw=$(fw_name "$arch")
    case $arch in
        0) want=undionly.kpxe ;;
        6) want=ipxe-ia32.efi ;;
        7 | 9) want=ipxe.efi ;;
        11) want=ipxe-arm64.efi ;;
        16)
            if [[ $file != http://* && $file != https://* ]]; then
                echo "WRONG: TFTP name, not a URL"
            elif [[ ${file##*/} != ipxe.efi ]]; then
                echo "WRONG: $(loader_kind "$file") on $fw"
            elif [[ $opt60 != HTTPClient* ]]; then
                echo "WRONG: no option 60 HTTPClient"
            else
                echo OK
            fi
            return
            ;;
        *)
            echo "WRONG: no loader known for arch $arch"
            return
            ;;
    esac
    if [[ $file == - || -z $file ]]; then
        echo "WRONG: no boot file"
    elif [[ ${file##*/} == "$want" ]]; then
        echo OK
    else
        echo "WRONG: $(loader_kind "$file") on $fw"
    fi
}

# The clients.  QEMU: name | VLAN | kind | MAC | expected arch (shown if the
# capture has none).  Scripted: name | VLAN | MAC | arch | option 60.
VMS=(
    "qemu seabios|10|bios|52:54:00:0a:00:01|0"
    "qemu ovmf|20|uefi|52:54:00:14:00:01|7"
)
PROBES=(
    "probe arm64|10|02:00:00:0a:00:0b|11|PXEClient:Arch:00011:UNDI:003016"
    "probe http|10|02:00:00:0a:00:10|16|HTTPClient:Arch:00016"
    "probe ia32|20|02:00:00:14:00:06|6|PXEClient:Arch:00006:UNDI:003016"
)
# DHCPv6 scripted clients: name | VLAN | MAC | arch (option 61).
PROBES6=(
    "probe6 x64|20|02:00:00:14:06:07|7"
    "probe6 ia32|20|02:00:00:14:06:06|6"
    "probe6 arm64|10|02:00:00:0a:06:0b|11"
    "probe6 http|10|02:00:00:0a:06:10|16"
)
declare -A R6_VLAN R6_ARCH R6_ADDR R6_URL R6_VERDICT
# What a PXE ROM / EDK2 puts in option 55.
PRL_PXE=1,2,3,4,5,6,11,12,13,15,16,17,18,22,23,28,40,41,42,43,50,51,54,58,59,60,66,67,97,128,129,130,131,132,133,134,135

# vm_start PROC NS KIND MAC: KIND bios (SeaBIOS + the iPXE e1000 ROM) or
# uefi (OVMF, virtio-net without option ROM so EDK2's own PXE runs).
vm_start() { vm_qemu_start "$@"; }   # lib.sh

# tftp_rrq PCAP NET: "dst-ip file" of the first TFTP read request from NET
# ("a.b.c") in PCAP.
tftp_rrq() {
    tcpdump -n -r "$1" "src net $2.0/24 and udp dst port 69" 2>/dev/null |
        sed -n 's/.* IP [0-9.]* > \([0-9]*\.[0-9]*\.[0-9]*\.[0-9]*\)\.69: .*RRQ "\([^"]*\)".*/\1 \2/p' |
        head -n 1
}

# json_get FILE KEY...: the KEYs (dotted paths) of the JSON object in FILE,
# joined by "|"; "-" for what is absent, null or empty.
json_get() {
    "$PXR_PYTHON" - "$@" <<'PY'
import json, sys
try:
    with open(sys.argv[1]) as f:
        obj = json.loads(f.readline() or "{}")
except (OSError, ValueError):
    obj = {}
out = []
for key in sys.argv[2:]:
    v = obj
    for part in key.split("."):
        v = v.get(part) if isinstance(v, dict) else None
    out.append("-" if v in (None, "") else str(v).replace("|", "/"))
print("|".join(out))
PY
}

# first_arch HEX: the first code of an option 93 value ("0007" -> 7).
first_arch() {
    [[ $1 =~ ^[0-9a-fA-F]{4} ]] || { echo "-"; return; }
    echo $((16#${1:0:4}))
}

hexstr() { printf '%s' "$1" | od -An -v -tx1 | tr -d ' \n'; }

# Results, keyed "PASS|CLIENT".
declare -A R_VLAN R_ARCH R_LEASE R_SERVER R_FILE R_TFTP R_VERDICT
CLIENT_ORDER=()

# boot_file FILE OPT67: the boot file a reply gave: the header field, or
# option 67 when the header is empty.
boot_file() {
    if [[ $1 != - ]]; then echo "$1"; else echo "$2"; fi
}

# probe_dora PASS SPEC: a scripted client's DISCOVER/OFFER/REQUEST/ACK.
probe_dora() {
    local pass=$1 name vlan mac arch vc ns key out yi sid tag f
    IFS='|' read -r name vlan mac arch vc <<<"$2"
    ns=$(client_ns "$vlan")
    key="$pass|$name"
    tag=${name// /-}
    local -a base=(-i eth0 --mac "$mac" --prl "$PRL_PXE" --wait 6 --tries 3 --json
        --option "93:$(printf '%04x' "$arch")" --option "60:$(hexstr "$vc")" --option 57:05c0)
    R_VLAN[$key]=vlan$vlan R_ARCH[$key]=$arch R_LEASE[$key]=- R_SERVER[$key]=- R_FILE[$key]=-
    R_TFTP[$key]=-
    f=$PXR_TMP/p$pass-$tag
    if ! out=$(probe "$ns" request --type discover "${base[@]}" 2>&1); then
        echo "$out" >>"$f.log"
        R_VERDICT[$key]="WRONG: no DHCP offer"
        step "scripted $(fw_name "$arch") client (arch $arch) on vlan$vlan: no offer"
        return 0
    fi
    echo "$out" >>"$f.log"
    sed -n 's/^reply-json //p' <<<"$out" >"$f.offer.json"
    IFS='|' read -r yi sid <<<"$(json_get "$f.offer.json" yiaddr server_id)"
    if ! out=$(probe "$ns" request --type request --requested-ip "$yi" --server-id "$sid" \
        "${base[@]}" 2>&1); then
        echo "$out" >>"$f.log"
        R_VERDICT[$key]="WRONG: no DHCP ack"
        step "scripted $(fw_name "$arch") client (arch $arch) on vlan$vlan: offered $yi, no ack"
        return 0
    fi
    echo "$out" >>"$f.log"
    sed -n 's/^reply-json //p' <<<"$out" >"$f.ack.json"
    local type yiaddr siaddr file opt67 opt60
    IFS='|' read -r type yiaddr siaddr file opt67 opt60 <<<"$(json_get "$f.ack.json" type yiaddr siaddr file opt67 opt60)"
    if [[ $type != ACK ]]; then
        R_VERDICT[$key]="WRONG: got $type, not ACK"
        step "scripted $(fw_name "$arch") client (arch $arch) on vlan$vlan: $type"
        return 0
    fi
    file=$(boot_file "$file" "$opt67")
    R_LEASE[$key]=$yiaddr R_SERVER[$key]=$siaddr R_FILE[$key]=$file
    [[ $file == http://* || $file == https://* ]] && R_TFTP[$key]="(HTTP URL)"
    R_VERDICT[$key]=$(verdict "$arch" "$file" "$opt60")
    step "scripted $(fw_name "$arch") client (arch $arch) on vlan$vlan: lease $yiaddr, boot file $file"
}

# verdict6 ARCH URL VENDOR-CLASS: as verdict, for the option 59 received
# (HTTP boot: an http:// URL and vendor class HTTPClient).
verdict6() {
    local arch=$1 url=$2 vc=$3
    if [[ $url == - ]]; then
        echo "WRONG: no option 59"
    elif ((arch == 16)) && [[ $url != http://* ]]; then
        echo "WRONG: TFTP URL, not HTTP"
    elif ((arch == 16)) && [[ $vc != HTTPClient ]]; then
        echo "WRONG: no vendor class HTTPClient"
    else
        verdict "$arch" "$url" HTTPClient
    fi
}

# probe6_solicit PASS SPEC: a scripted DHCPv6 client's SOLICIT/ADVERTISE/
# REQUEST/REPLY (tests/lab/dhcp6_probe.py), read from the REPLY.
probe6_solicit() {
    local pass=$1 name vlan mac arch key out line url vc addr pre=PXEClient
    IFS='|' read -r name vlan mac arch <<<"$2"
    key="$pass|$name"
    ((arch == 16)) && pre=HTTPClient
    R6_VLAN[$key]=vlan$vlan R6_ARCH[$key]=$arch R6_ADDR[$key]=- R6_URL[$key]=-
    # eth0 is a port of the VM's bridge: the client ns's IPv6 is on br0.
    out=$(ip netns exec "$(client_ns "$vlan")" "$PXR_PYTHON" "$LAB/dhcp6_probe.py" solicit -i br0 \
        --mac "$mac" --arch "$arch" --vendor-class "$pre:Arch:$(printf '%05d' "$arch"):UNDI:003016" \
        --request --wait 4 2>&1) || true
    echo "$out" >>"$PXR_TMP/p$pass-${name// /-}.log"
    line=$(grep '^reply ' <<<"$out" || true)
    if [[ -z $line ]]; then
        R6_VERDICT[$key]="WRONG: no DHCPv6 reply"
        step "scripted DHCPv6 $(fw_name "$arch") client on vlan$vlan: no reply"
        return 0
    fi
    url=$(sed 's/.* url=\([^ ]*\) .*/\1/' <<<"$line")
    vc=$(sed 's/.* vendor-class=\([^ ]*\) .*/\1/' <<<"$line")
    addr=$(sed 's/.* addr=\([^ ]*\) .*/\1/' <<<"$line")
    R6_ADDR[$key]=$addr R6_URL[$key]=$url
    R6_VERDICT[$key]=$(verdict6 "$arch" "$url" "$vc")
    step "scripted DHCPv6 $(fw_name "$arch") client on vlan$vlan: address $addr, option 59 $url"
}

# vm_collect PASS SPEC RRQ: what a VM sent and got (router-side capture of
# its link) and asked for (RRQ "dst file", empty if none).
vm_collect() {
    local pass=$1 name vlan kind mac xarch rrq=$3 key cap f arch hex
    IFS='|' read -r name vlan kind mac xarch <<<"$2"
    key="$pass|$name"
    cap=$PXR_TMP/p$pass-vlan$vlan.pcap
    f=$PXR_TMP/p$pass-${name// /-}
    # (json_get reads the first line: the first request, the first ACK.)
    "$PXR_PYTHON" "$PXR_PROBE" pcap-dump "$cap" --chaddr "$mac" --op request >"$f.req.json" || true
    "$PXR_PYTHON" "$PXR_PROBE" pcap-dump "$cap" --chaddr "$mac" --op reply --type ack >"$f.ack.json" || true
    hex=$(json_get "$f.req.json" options.93.hex)
    arch=$(first_arch "$hex")
    [[ $arch != - ]] || arch=$xarch
    local yiaddr siaddr file opt67 opt60
    IFS='|' read -r yiaddr siaddr file opt67 opt60 <<<"$(json_get "$f.ack.json" yiaddr siaddr file opt67 opt60)"
    R_VLAN[$key]=vlan$vlan R_ARCH[$key]=$arch R_LEASE[$key]=$yiaddr R_SERVER[$key]=$siaddr
    R_FILE[$key]=$(boot_file "$file" "$opt67")
    if [[ -n $rrq ]]; then
        R_TFTP[$key]=${rrq#* }
        [[ ${rrq%% *} == "$SCOPE_SERVER" ]] || R_TFTP[$key]="${rrq#* } (from ${rrq%% *})"
        R_VERDICT[$key]=$(verdict "$arch" "${rrq#* }" "$opt60")
    else
        R_TFTP[$key]="(none)"
        R_VERDICT[$key]="WRONG: no TFTP request"
    fi
}

# run_pass PASS: boot both VMs, run the scripted clients, wait for the VMs'
# TFTP requests, collect everything.
run_pass() {
    local pass=$1 v name vlan kind mac xarch proc rrq deadline pending t0 waited=0
    local -A start=() done_for=() rrqs=()
    t0=$(now_ms)
    quiet cap_start "p$pass-vlan10" "$NS_RTR" vlan10 || { bad "tcpdump on vlan10 did not start"; exit 1; }
    quiet cap_start "p$pass-vlan20" "$NS_RTR" vlan20 || { bad "tcpdump on vlan20 did not start"; exit 1; }
    : >"$PXR_TMP/cap-p$pass-tftp.log"
    bg_run "cap-p$pass-tftp" "$NS_SRV" tcpdump -Z root -U --immediate-mode -n -s 0 -i srv0 \
        -w "$PXR_TMP/p$pass-tftp.pcap" udp port 69
    wait_until 10 grep -q 'listening on' "$PXR_TMP/cap-p$pass-tftp.log" ||
        { bad "tcpdump on srv0 did not start"; exit 1; }

    for v in "${VMS[@]}"; do
        IFS='|' read -r name vlan kind mac xarch <<<"$v"
        proc=${name// /-}-p$pass
        case $kind in
            bios) step "starting QEMU BIOS client (SeaBIOS + iPXE ROM, e1000) on vlan$vlan ..." ;;
            uefi) step "starting QEMU UEFI client (OVMF x64, its own PXE, virtio-net) on vlan$vlan ..." ;;
        esac
        vm_start "$proc" "$(client_ns "$vlan")" "$kind" "$mac"
        start[$name]=$(now_ms)
    done
    for v in "${PROBES[@]}"; do
        probe_dora "$pass" "$v"
    done
    for v in "${PROBES6[@]}"; do
        probe6_solicit "$pass" "$v"
    done

    while true; do
        pending=0
        for v in "${VMS[@]}"; do
            IFS='|' read -r name vlan kind mac xarch <<<"$v"
            [[ -z ${done_for[$name]:-} ]] || continue
            proc=${name// /-}-p$pass
            deadline=$DEADLINE_BIOS
            [[ $kind == uefi ]] && deadline=$DEADLINE_UEFI
            rrq=$(tftp_rrq "$PXR_TMP/p$pass-tftp.pcap" "10.$vlan.0")
            if [[ -n $rrq ]]; then
                rrqs[$name]=$rrq
                done_for[$name]=1
                proc_stop "$proc"
                step "QEMU ${kind^^} client asked TFTP for \"${rrq#* }\" $(secs $(($(now_ms) - start[$name]))) s after power-on; VM stopped"
            elif ! proc_alive "$(pid_of "$proc")"; then
                done_for[$name]=1
                PXR_KEEP=1
                step "QEMU ${kind^^} client exited early: $(tail -n 3 "$PXR_TMP/$proc.log" | tr '\n' ' ')"
            elif (($(now_ms) - start[$name] > deadline * 1000)); then
                done_for[$name]=1
                PXR_KEEP=1
                proc_stop "$proc"
                step "QEMU ${kind^^} client: no TFTP request within $deadline s; VM stopped"
            else
                pending=$((pending + 1))
                if [[ $kind == uefi ]] && ((!waited && ${#done_for[@]} > 0)); then
                    waited=1
                    step "waiting for the UEFI client (OVMF under TCG emulation takes a while) ..."
                fi
            fi
        done
        ((pending > 0)) || break
        sleep 0.5
    done
    sleep 0.3 # the last replies into the capture files
    proc_stop "cap-p$pass-vlan10"
    proc_stop "cap-p$pass-vlan20"
    proc_stop "cap-p$pass-tftp"

    CLIENT_ORDER=()
    for v in "${VMS[@]}"; do
        IFS='|' read -r name _ <<<"$v"
        vm_collect "$pass" "$v" "${rrqs[$name]:-}"
        CLIENT_ORDER+=("$name")
    done
    for v in "${PROBES[@]}"; do
        IFS='|' read -r name _ <<<"$v"
        CLIENT_ORDER+=("$name")
    done
    step "pass $pass done in $(secs $(($(now_ms) - t0))) s"
}

# ---------------------------------------------------------------- table

# table_rows PASS: the rows of that pass's table, fields split by "|".
table_rows() {
    local name key
    for name in "${CLIENT_ORDER[@]}"; do
        key="$1|$name"
        echo "$name|${R_VLAN[$key]}|${R_ARCH[$key]} $(fw_name "${R_ARCH[$key]}")|${R_LEASE[$key]}|${R_SERVER[$key]}|${R_FILE[$key]}|${R_TFTP[$key]}|${R_VERDICT[$key]}"
    done
}

# print_tables: one table per pass, one above the other, the columns of
# both aligned so a client's row can be compared straight down.
print_tables() {
    local head="client|VLAN|firmware|lease|boot server|boot file (DHCP)|TFTP request|verdict"
    local -a w=(0 0 0 0 0 0 0) c
    local row i pass line rule
    while IFS= read -r row; do
        IFS='|' read -r -a c <<<"$row"
        for i in 0 1 2 3 4 5 6; do
            ((${#c[i]} <= w[i])) || w[i]=${#c[i]}
        done
    done < <(echo "$head"; table_rows 1; table_rows 2)
    for pass in 1 2; do
        echo
        case $pass in
            1) echo "PASS 1 - plain relay: the DHCP server's one boot setting reaches every client" ;;
            2) echo "PASS 2 - pxerelay boot rules: each firmware gets its own loader" ;;
        esac
        rule="  "
        for i in 0 1 2 3 4 5 6; do
            rule+="$(printf '%*s' "${w[i]}" '' | tr ' ' -)  "
        done
        while IFS= read -r row; do
            IFS='|' read -r -a c <<<"$row"
            line="  "
            for i in 0 1 2 3 4 5 6; do
                line+=$(printf '%-*s  ' "${w[i]}" "${c[i]}")
            done
            echo "$line${c[7]}"
            [[ $row != "$head" ]] || echo "$rule-------"
        done < <(echo "$head"; table_rows "$pass")
    done
}

# print_tables6: the DHCPv6 clients, one table per pass.
print_tables6() {
    local pass v name key fmt="  %-13s %-6s %-16s %-20s %-38s %s\n"
    for pass in 1 2; do
        echo
        case $pass in
            1) echo "PASS 1, IPv6 - plain relay: the DHCPv6 server's one option 59 reaches every client" ;;
            2) echo "PASS 2, IPv6 - pxerelay boot rules: each firmware gets its own option 59" ;;
        esac
        # shellcheck disable=SC2059
        printf "$fmt" client VLAN firmware address "option 59 (DHCPv6)" verdict
        # shellcheck disable=SC2059
        printf "$fmt" ------------- ------ ---------------- -------------------- \
            -------------------------------------- -------
        for v in "${PROBES6[@]}"; do
            IFS='|' read -r name _ <<<"$v"
            key="$pass|$name"
            # shellcheck disable=SC2059
            printf "$fmt" "$name" "${R6_VLAN[$key]}" "${R6_ARCH[$key]} $(fw_name "${R6_ARCH[$key]}")" \
                "${R6_ADDR[$key]}" "${R6_URL[$key]}" "${R6_VERDICT[$key]}"
        done
    done
}

# wrong6_count PASS: DHCPv6 clients that did not get their loader.
wrong6_count() {
    local v name n=0
    for v in "${PROBES6[@]}"; do
        IFS='|' read -r name _ <<<"$v"
        [[ ${R6_VERDICT["$1|$name"]} == OK ]] || n=$((n + 1))
    done
    echo "$n"
}

# wrong_count PASS: how many clients did not get their loader.
wrong_count() {
    local name n=0
    for name in "${CLIENT_ORDER[@]}"; do
        [[ ${R_VERDICT["$1|$name"]} == OK ]] || n=$((n + 1))
    done
    echo "$n"
}

# ---------------------------------------------------------------- pass 1

banner "pass 1: plain relay (pxerelay without boot rules: what any relay does today)"
write_conf 1
quiet relay_start "$CONF" vlan10 vlan20 || { bad "pxerelay did not start: $PXR_WHY"; exit 1; }
RELAY_PID=$(pid_of relay)
step "pxerelay relaying vlan10 and vlan20 to $SCOPE_SERVER, no boot rules"
run_pass 1

# ---------------------------------------------------------------- pass 2

banner "pass 2: pxerelay boot rules (same scope, same clients, rules loaded with SIGHUP)"
write_conf 2
show_rules
n0=$(reloads)
proc_alive "$RELAY_PID" || { bad "pxerelay is gone: $(tail -n 3 "$PXR_TMP/relay.log" | tr '\n' ' ')"; exit 1; }
kill -HUP "$RELAY_PID"
wait_until 5 more_reloads "$n0" ||
    { bad "pxerelay did not reload: $(tail -n 3 "$PXR_TMP/relay.log" | tr '\n' ' ')"; exit 1; }
step "pxerelay reloaded: ${#RULES[@]} boot rules"
run_pass 2

proc_alive "$RELAY_PID" || bad "pxerelay died during the demo: $(tail -n 3 "$PXR_TMP/relay.log" | tr '\n' ' ')"

# ---------------------------------------------------------------- results

M=${#CLIENT_ORDER[@]}
M6=${#PROBES6[@]}
print_tables
print_tables6
echo
echo "  qemu: real firmware in QEMU (TCG).  probe: scripted client (dhcp_probe.py)"
echo "  sending that firmware's options 93 and 60.  boot server, boot file: siaddr"
echo "  and the file field (option 67 if empty) of the ACK as the client got it."
echo "  WRONG: the firmware cannot run that file (a BIOS loader on UEFI), or drops"
echo "  the offer (HTTP boot needs a URL and option 60 HTTPClient)."
echo "  probe6: scripted DHCPv6 client (dhcp6_probe.py) sending option 61 and 16;"
echo "  option 59 as it came in the REPLY (HTTP boot also needs vendor class"
echo "  HTTPClient in it)."
echo
W1=$(wrong_count 1)
W2=$(wrong_count 2)
if ((W1 > 0)); then
    echo "With plain relaying, $W1 of $M clients got the wrong loader."
else
    echo "With plain relaying, all $M clients got the right loader (unexpected for one shared scope)."
fi
if ((W2 == 0)); then
    echo "With pxerelay boot rules, all $M got the right one."
else
    echo "With pxerelay boot rules, $W2 of $M still got the wrong loader: see the logs."
    PXR_NFAIL=$((PXR_NFAIL + 1))
fi
W61=$(wrong6_count 1)
W62=$(wrong6_count 2)
echo "IPv6: with plain relaying, $W61 of $M6 DHCPv6 clients got the wrong option 59;"
if ((W62 == 0)); then
    echo "with pxerelay boot rules, all $M6 got their own."
else
    echo "with pxerelay boot rules, $W62 of $M6 still did: see the logs."
    PXR_NFAIL=$((PXR_NFAIL + 1))
fi
echo "(demo took $(secs $(($(now_ms) - PXR_T0))) s)"
((PXR_NFAIL == 0))
