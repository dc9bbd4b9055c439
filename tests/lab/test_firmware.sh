#!/bin/bash
# tests/lab/test_firmware.sh - real network-boot firmware through pxerelay:
# SeaBIOS + the iPXE e1000 ROM (BIOS, arch 0, user class
# "iPXE") and OVMF's own PXE (EDK2, UEFI x64, arch 7) in QEMU (TCG).
#
#   server ns: dhcpd (one scope for everybody: next-server 10.0.0.2,
#              option 66 "10.0.0.2", file + option 67 "undionly.kpxe")
#              dnsmasq as TFTP server only, tcpdump "udp port 69" on srv0
#        |
#   router ns: pxerelay -d -c CONF          up0 10.0.0.1
#        |-- vlan10 10.10.0.1 -- c10: bridge(eth0, tap0) -- QEMU SeaBIOS+iPXE
#        `-- vlan20 10.20.0.1 -- c20: bridge(eth0, tap0) -- QEMU OVMF
#
# The proof is the TFTP read request: which file each firmware asks for, and
# from which address.  QEMU is killed as soon as its RRQ shows at srv0.
#
#   run A  rules bios {arch 0} -> bios/undionly.kpxe,
#                uefi-x64 {arch 7,9} -> uefi/ipxe.efi
#          BIOS must ask for bios/undionly.kpxe, UEFI for uefi/ipxe.efi
#   run B  SIGHUP, rule ipxe {user-class iPXE} -> ipxe/boot.ipxe added first
#          BIOS (the iPXE ROM) must ask for ipxe/boot.ipxe, UEFI (EDK2, no
#          user class) still for uefi/ipxe.efi
#   run C  control: SIGHUP to a config without boot rules, and a scope whose
#          fields disagree: siaddr 10.0.0.66, option 66 "10.0.0.67", file
#          header "hdr/undionly.kpxe", option 67 "undionly.kpxe".  Every
#          firmware must ask for a scope file (plain relaying); the address
#          and name it used tell which reply fields it reads (printed).
#   run D  the run A rules plus next-server "10.0.0.2", same split scope:
#          pxerelay must rewrite every field a firmware reads (siaddr, option
#          66, header file, option 67), so BIOS asks 10.0.0.2 for
#          bios/undionly.kpxe and UEFI asks 10.0.0.2 for uefi/ipxe.efi.
#
# The client side of each request (options 93, 60, 77, 175) is decoded from a
# capture on the router's vlanN, the rule from pxerelay's log.  A table sums
# up.  Each run starts both clients at once and ends when both have asked.
#
# Environment: PXR_FW_RUNS (default "A B C D"), PXR_FW_UEFI=0 (BIOS client
# only), PXR_FW_RA=0 (no IPv6 router advertisements, see ra_start),
# PXR_FW_DEADLINE_BIOS / _UEFI (seconds, default 60 / 180), PXR_FW_FULLCAP=1
# (also capture everything on vlan10/vlan20), QEMU, PXR_BIOS_ROM,
# PXR_OVMF_CODE, PXR_OVMF_VARS; and lib.sh's PXERELAY, PXR_KEEP.
set -euo pipefail

LAB=$(cd "$(dirname "$0")" && pwd)
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$LAB/lib.sh"

T=firmware
QEMU=${QEMU:-qemu-system-x86_64}
BIOS_ROM=${PXR_BIOS_ROM:-/usr/lib/ipxe/qemu/pxe-e1000.rom}
OVMF_CODE=${PXR_OVMF_CODE:-/usr/share/OVMF/OVMF_CODE_4M.fd}
OVMF_VARS=${PXR_OVMF_VARS:-/usr/share/OVMF/OVMF_VARS_4M.fd}
RUNS=${PXR_FW_RUNS:-A B C D}
WANT_UEFI=${PXR_FW_UEFI:-1}
DEADLINE_BIOS=${PXR_FW_DEADLINE_BIOS:-60}
DEADLINE_UEFI=${PXR_FW_DEADLINE_UEFI:-180}

case ${1:-} in
    -h | --help)
        sed -n '2,/^set -e/p' "$0" | sed 's/^# \{0,1\}//; /^set -e/d'
        exit 0
        ;;
esac
if [[ $PXR_RELAY_IMPL != pxerelay ]]; then
    echo "SKIP $T: needs pxerelay's boot rules (PXR_RELAY_IMPL=$PXR_RELAY_IMPL)"
    exit 0
fi
if [[ ! -x $(pxerelay_bin) ]]; then
    echo "FAIL $T: pxerelay binary not found at $(pxerelay_bin) (build it or set PXERELAY)"
    exit 1
fi
for f in "$BIOS_ROM" "$OVMF_CODE" "$OVMF_VARS"; do
    [[ -r $f ]] || { echo "FAIL $T: $f not found (packages ipxe-qemu, ovmf)"; exit 1; }
done
for c in "$QEMU" dhcpd dnsmasq; do
    command -v "$c" >/dev/null || { echo "FAIL $T: $c not installed"; exit 1; }
done

lab_init fw "$T"

# secs MS: milliseconds as seconds with one decimal.
secs() { printf '%d.%d' $(($1 / 1000)) $(($1 % 1000 / 100)); }
tlog() { log "[$(secs $(($(now_ms) - PXR_T0))) s] $*"; }

# ---------------------------------------------------------------- topology

topo_create
topo_add_vlan 10
topo_add_vlan 20
# A third server address, so option 66 can name a host that siaddr does not.
ip -n "$NS_SRV" addr add 10.0.0.67/24 dev srv0

# The client's eth0 and a tap for QEMU in one bridge inside the client ns.
vm_link() {
    local ns=$1
    ip -n "$ns" tuntap add dev tap0 mode tap
    ip -n "$ns" link add br0 type bridge forward_delay 0 stp_state 0
    ip -n "$ns" link set eth0 master br0
    ip -n "$ns" link set tap0 master br0
    ip -n "$ns" link set tap0 up
    ip -n "$ns" link set br0 up
}
NS10=$(client_ns 10)
NS20=$(client_ns 20)
vm_link "$NS10"
vm_link "$NS20"

# ---------------------------------------------------------------- TFTP

TFTP_ROOT=$PXR_TMP/tftp
for f in undionly.kpxe hdr/undionly.kpxe bios/undionly.kpxe uefi/ipxe.efi ipxe/boot.ipxe; do
    mkdir -p "$TFTP_ROOT/$(dirname "$f")"
    echo "pxerelay lab placeholder for $f, not a boot image" >"$TFTP_ROOT/$f"
done
bg_run tftpd "$NS_SRV" dnsmasq -d --conf-file=/dev/null --port=0 --no-resolv --no-hosts \
    --user=root --group=root --pid-file="$PXR_TMP/tftpd.pid" \
    --enable-tftp --tftp-root="$TFTP_ROOT" --log-facility=-
server_wait tftpd 'TFTP root is'

# ---------------------------------------------------------------- DHCP server

# dhcpd_start SIADDR OPT66 FILE OPT67: one scope for both client subnets.
dhcpd_start() {
    local siaddr=$1 opt66=$2 file=$3 opt67=$4 d=$PXR_TMP/dhcpd net
    mkdir -p "$d"
    : >"$d/dhcpd.leases"
    {
        echo "# written by tests/lab/test_firmware.sh"
        echo "authoritative;"
        echo "ddns-update-style none;"
        echo "ping-check false;"
        echo "default-lease-time 120;"
        echo "max-lease-time 120;"
        echo "log-facility local7;"
        echo "next-server $siaddr;"
        echo "option tftp-server-name \"$opt66\";"
        echo "filename \"$file\";"
        echo "option bootfile-name \"$opt67\";"
        echo "subnet 10.0.0.0 netmask 255.255.255.0 { }"
        for net in 10.10.0 10.20.0; do
            echo "subnet $net.0 netmask 255.255.255.0 {"
            echo "  range $net.100 $net.200;"
            echo "  option routers $net.1;"
            echo "  option subnet-mask 255.255.255.0;"
            echo "}"
        done
    } >"$d/dhcpd.conf"
    bg_run dhcpd "$NS_SRV" dhcpd -4 -f -d -cf "$d/dhcpd.conf" -lf "$d/dhcpd.leases" \
        -pf "$d/dhcpd.pid" srv0
    server_wait dhcpd 'Server starting service'
}
dhcpd_start 10.0.0.2 10.0.0.2 undionly.kpxe undionly.kpxe
tlog "servers up"

# ---------------------------------------------------------------- relay

# pxerelay drops root for `user` ("nobody") after start-up and reads the
# file again as that user on SIGHUP, so, as /etc/pxerelay would be, the
# config must be world-readable (the temp dir itself is 0700).
chmod o+x "$PXR_TMP"
mkdir -m 755 "$PXR_TMP/etc"
CONF=$PXR_TMP/etc/pxerelay.conf

# write_conf RUN: the boot rules of that run.
write_conf() {
    {
        echo "# written by tests/lab/test_firmware.sh, run $1"
        echo 'servers = {"10.0.0.2"}'
        echo 'log-level = debug'
        echo 'interface "vlan10" {}'
        echo 'interface "vlan20" {}'
        case $1 in
            B)
                echo 'boot "ipxe" {'
                echo '  user-class = "iPXE"'
                echo '  filename = "ipxe/boot.ipxe"'
                echo '}'
                ;;
        esac
        case $1 in
            A | B | D)
                echo 'boot "bios" {'
                echo '  arch = {0}'
                echo '  filename = "bios/undionly.kpxe"'
                [[ $1 == D ]] && echo '  next-server = "10.0.0.2"'
                echo '}'
                echo 'boot "uefi-x64" {'
                echo '  arch = {7, 9}'
                echo '  filename = "uefi/ipxe.efi"'
                [[ $1 == D ]] && echo '  next-server = "10.0.0.2"'
                echo '}'
                ;;
        esac
    } >"$CONF"
    chmod 644 "$CONF"
}

config_check() {
    local out
    out=$(timeout 10 ip netns exec "$NS_RTR" "$(pxerelay_bin)" -t -c "$CONF" 2>&1) ||
        why "pxerelay -t rejected the run $1 config: $(head -n 3 <<<"$out" | tr '\n' ' ')"
}

reloads() { grep -c 'reloaded ' "$PXR_TMP/relay.log" || true; }
more_reloads() { (($(reloads) > $1)); }

# reload RUN: new config, SIGHUP, wait for pxerelay to say it took it.
reload() {
    local n0
    write_conf "$1"
    config_check "$1" || return 1
    n0=$(reloads)
    proc_alive "$RELAY_PID" || { why "relay is gone: $(tail -n 3 "$PXR_TMP/relay.log" | tr '\n' ' ')"; return 1; }
    kill -HUP "$RELAY_PID"
    wait_until 5 more_reloads "$n0" ||
        why "no 'reloaded' line within 5 s of SIGHUP: $(tail -n 3 "$PXR_TMP/relay.log" | tr '\n' ' ')"
}

# ---------------------------------------------------------------- IPv6 RA

# iPXE configures IPv4 and IPv6 at once and, on a link without an IPv6
# router, waits ~13 s for router solicitations to time out before it loads
# the boot file.  ra_start NAME IFACE sends a bare router advertisement
# (lifetime 0, no prefix, no M/O flag: "no IPv6 here") from the router ns
# every 0.5 s, which ends that wait.  PXR_FW_RA=0 turns it off.
ra_start() { ra_sender_start "$1" "$NS_RTR" "$2"; }
if [[ ${PXR_FW_RA:-1} == 1 ]]; then
    ra_start ra10 vlan10
fi

# ---------------------------------------------------------------- QEMU

# vm_start NAME NS KIND MAC: KIND bios (SeaBIOS + iPXE ROM on e1000) or
# uefi (OVMF, virtio-net without option ROM: EDK2's own PXE).
vm_start() { vm_qemu_start "$@"; }   # lib.sh

# tftp_rrq PCAP NET: "epoch-time dst-ip file" of the first read request from
# NET ("a.b.c") in PCAP.
tftp_rrq() {
    tcpdump -n -tt -r "$1" "src net $2.0/24 and udp dst port 69" 2>/dev/null |
        sed -n 's/^\([0-9.]*\) IP [0-9.]* > \([0-9]*\.[0-9]*\.[0-9]*\.[0-9]*\)\.69: .*RRQ "\([^"]*\)".*/\1 \2 \3/p' |
        head -n 1
}

# dhcp_fields PCAP MAC: decode what MAC sent and what it was sent back
# (tcpdump cannot show iPXE's option 77: it is the bare text "iPXE", not the
# RFC 3004 length-prefixed form).  One line per kind, fields split by "|":
#   req|EPOCH|OPT93|OPT60|OPT77|OPT175  first BOOTREQUEST from MAC
#   offer|siaddr|file|opt66|opt67|opt54  first OFFER to MAC (as delivered)
#   ack|siaddr|file|opt66|opt67|opt54    first ACK to MAC
# "-" marks an absent option.
dhcp_fields() {
    "$PXR_PYTHON" - "$1" "$2" <<'PY'
import struct
import sys

path, mac = sys.argv[1], bytes.fromhex(sys.argv[2].replace(":", ""))


def frames(data):
    magic = data[:4]
    if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
        e = "<"
    elif magic in (b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
        e = ">"
    else:
        return
    nano = magic in (b"\x4d\x3c\xb2\xa1", b"\xa1\xb2\x3c\x4d")
    off = 24
    while off + 16 <= len(data):
        sec, frac, incl, _ = struct.unpack(e + "IIII", data[off:off + 16])
        off += 16
        yield sec + frac / (1e9 if nano else 1e6), data[off:off + incl]
        off += incl


def bootp(frame):
    if len(frame) < 14 + 20 or frame[12:14] != b"\x08\x00":
        return None
    ip = frame[14:]
    ihl = (ip[0] & 15) * 4
    if ip[9] != 17:
        return None
    udp = ip[ihl:]
    sport, dport = struct.unpack(">HH", udp[:4])
    if {sport, dport} & {67, 68} == set() or len(udp) < 8 + 240:
        return None
    return udp[8:]


def options(p):
    opts = {}
    areas = [p[240:]]
    if p[236:240] != b"\x63\x82\x53\x63":
        return opts
    i = 0
    while i < len(areas):
        a, j = areas[i], 0
        while j < len(a) and a[j] != 255:
            if a[j] == 0:
                j += 1
                continue
            if j + 1 >= len(a):
                break
            code, ln = a[j], a[j + 1]
            opts[code] = opts.get(code, b"") + a[j + 2:j + 2 + ln]
            j += 2 + ln
        if i == 0 and 52 in opts:
            if opts[52][0] & 1:
                areas.append(p[108:236])
            if opts[52][0] & 2:
                areas.append(p[44:108])
        i += 1
    return opts


def text(b):
    if b is None:
        return "-"
    b = b.rstrip(b"\0")
    return "".join(chr(c) if 32 <= c < 127 and c != 124 else "\\x%02x" % c for c in b)


def user_class(b):
    if b is None:
        return "-"
    # RFC 3004: length-prefixed instances; iPXE sends the bare text.
    parts, j = [], 0
    while j < len(b) and b[j] and j + 1 + b[j] <= len(b):
        parts.append(b[j + 1:j + 1 + b[j]])
        j += 1 + b[j]
    if j == len(b) and parts and all(32 <= c < 127 for x in parts for c in x):
        return ",".join(text(x) for x in parts) + " (RFC 3004)"
    return text(b)


def ip(b):
    return ".".join(str(c) for c in b) if b else "-"


seen = set()
with open(path, "rb") as f:
    data = f.read()
for ts, frame in frames(data):
    p = bootp(frame)
    if p is None or p[28:34] != mac:
        continue
    o = options(p)
    t = o.get(53, b"\0")[0]
    if p[0] == 1 and "req" not in seen:
        seen.add("req")
        arch = o.get(93)
        archs = ",".join(str(struct.unpack(">H", arch[k:k + 2])[0]) for k in range(0, len(arch) - 1, 2)) if arch else "-"
        o175 = "%d bytes" % len(o[175]) if 175 in o else "-"
        print("req|%.6f|%s|%s|%s|%s" % (ts, archs, text(o.get(60)), user_class(o.get(77)), o175))
    elif p[0] == 2 and t in (2, 5):
        kind = "offer" if t == 2 else "ack"
        if kind in seen:
            continue
        seen.add(kind)
        print("%s|%s|%s|%s|%s|%s" % (kind, ip(p[20:24]), text(p[108:236]) or "-",
                                     text(o.get(66)), text(o.get(67)), ip(o.get(54))))
PY
}

# relay_rewrites MAC: "TYPE rule file server" per rewrite of a reply to MAC.
relay_rewrites() {
    grep -F " rewrite " "$PXR_TMP/relay.log" | grep -F " mac $1 " |
        sed -n 's/.* rewrite \([A-Z]*\) mac .* rule \([^ ]*\) file "[^"]*" -> "\([^"]*\)" server [0-9.]* -> \([0-9.]*\).*/\1 \2 \3 \4/p' || true
}

# ---------------------------------------------------------------- one run

TABLE=()

# run_vms RUN VM...: VM is "NAME|NS|KIND|MAC|CAP|NET|WANT_FILE|WANT_RULE":
# CAP the router-side capture (rtr10), NET the client subnet (10.10.0);
# WANT_FILE and WANT_RULE empty for plain relaying.
# Starts every VM at once, waits for each one's RRQ (or its deadline), stops
# it, then reports and checks.
run_vms() {
    local run=$1 v name ns kind mac cap net want wantrule deadline pending rrq arch vc uc o175
    shift
    local -a vms=("$@")
    local -A start=() done_at=() got=()
    # (The logs exist before tcpdump starts, so the polls find them.)
    : >"$PXR_TMP/cap-$run-rtr10.log"
    : >"$PXR_TMP/cap-$run-rtr20.log"
    : >"$PXR_TMP/cap-$run-tftp.log"
    cap_start "$run-rtr10" "$NS_RTR" vlan10
    cap_start "$run-rtr20" "$NS_RTR" vlan20
    if [[ ${PXR_FW_FULLCAP:-0} == 1 ]]; then
        bg_run "cap-$run-all10" "$NS_RTR" tcpdump -Z root -U -n -s 0 -i vlan10 -w "$PXR_TMP/$run-all10.pcap"
        bg_run "cap-$run-all20" "$NS_RTR" tcpdump -Z root -U -n -s 0 -i vlan20 -w "$PXR_TMP/$run-all20.pcap"
    fi
    bg_run "cap-$run-tftp" "$NS_SRV" tcpdump -Z root -U --immediate-mode -n -s 0 -i srv0 \
        -w "$PXR_TMP/$run-tftp.pcap" udp port 69
    wait_until 10 grep -q 'listening on' "$PXR_TMP/cap-$run-tftp.log" ||
        { fail "$T $run tftp-capture" "tcpdump on srv0 did not start"; return 1; }
    for v in "${vms[@]}"; do
        IFS='|' read -r name ns kind mac cap net want wantrule <<<"$v"
        vm_start "$name" "$ns" "$kind" "$mac"
        start[$name]=$(now_ms)
    done
    tlog "run $run: started ${#vms[@]} VM(s)"
    while true; do
        pending=0
        for v in "${vms[@]}"; do
            IFS='|' read -r name ns kind mac cap net want wantrule <<<"$v"
            [[ -z ${done_at[$name]:-} ]] || continue
            deadline=$DEADLINE_BIOS
            [[ $kind == uefi ]] && deadline=$DEADLINE_UEFI
            rrq=$(tftp_rrq "$PXR_TMP/$run-tftp.pcap" "$net")
            if [[ -n $rrq ]]; then
                got[$name]=$rrq
                done_at[$name]=$(now_ms)
                proc_stop "$name"
                tlog "run $run: $name asked for \"${rrq##* }\" after $(secs $((done_at[$name] - start[$name]))) s; QEMU stopped"
            elif ! proc_alive "$(pid_of "$name")"; then
                done_at[$name]=$(now_ms)
                tlog "run $run: QEMU $name exited early: $(tail -n 3 "$PXR_TMP/$name.log" | tr '\n' ' ')"
            elif (($(now_ms) - start[$name] > deadline * 1000)); then
                done_at[$name]=$(now_ms)
                proc_stop "$name"
                tlog "run $run: $name: no TFTP request within $deadline s; QEMU stopped"
            else
                pending=$((pending + 1))
            fi
        done
        ((pending > 0)) || break
        sleep 0.5
    done
    proc_stop "cap-$run-rtr10"
    proc_stop "cap-$run-rtr20"
    proc_stop "cap-$run-tftp"
    proc_stop "cap-$run-all10"
    proc_stop "cap-$run-all20"

    local f req offer ack k t_req rw rule ok reason rrq_dst rrq_file
    local r_si r_file r_66 r_67 r_54 src_srv src_file
    for v in "${vms[@]}"; do
        IFS='|' read -r name ns kind mac cap net want wantrule <<<"$v"
        f=$(dhcp_fields "$PXR_TMP/$run-$cap.pcap" "$mac")
        req=$(grep '^req|' <<<"$f" || true)
        offer=$(grep '^offer|' <<<"$f" || true)
        ack=$(grep '^ack|' <<<"$f" || true)
        IFS='|' read -r k t_req arch vc uc o175 <<<"${req:-req|-|-|-|-|-}"
        IFS='|' read -r k r_si r_file r_66 r_67 r_54 <<<"${ack:-ack|-|-|-|-|-}"
        rw=$(relay_rewrites "$mac")
        rule=$(awk '{ print $2; exit }' <<<"$rw")
        read -r _ rrq_dst rrq_file <<<"${got[$name]:-- - -}"

        log "run $run $name: $kind firmware, mac $mac, on ${cap#rtr} (${net}.0/24)"
        log "  sent     option 93 = $arch, option 60 = \"$vc\", option 77 = \"$uc\", option 175 = $o175"
        [[ $t_req != - ]] && log "  first DHCP request $(awk -v a="$t_req" -v b="${start[$name]}" 'BEGIN { printf "%.1f", a - b / 1000 }') s after QEMU start"
        if [[ -n $rw ]]; then
            grep -F " rewrite " "$PXR_TMP/relay.log" | grep -F " mac $mac " |
                sed 's/^[0-9:.]* [a-z]*: /#   pxerelay: /' || true
        else
            log "  pxerelay rewrote no reply to $mac"
        fi
        [[ -n $offer ]] && log "  got      OFFER ${offer#offer|}   (siaddr|file|option 66|option 67|option 54)"
        [[ -n $ack ]] && log "  got      ACK   ${ack#ack|}"
        if [[ -n ${got[$name]:-} ]]; then
            log "  TFTP     RRQ \"$rrq_file\" to $rrq_dst"
        else
            log "  TFTP     no read request"
        fi

        # Which reply fields the firmware used, from what it asked for.
        src_srv=
        [[ $rrq_dst == "$r_si" ]] && src_srv+="siaddr "
        [[ $rrq_dst == "$r_66" ]] && src_srv+="opt66 "
        [[ $rrq_dst == "$r_54" ]] && src_srv+="opt54 "
        src_file=
        [[ $rrq_file == "$r_file" ]] && src_file+="file "
        [[ $rrq_file == "$r_67" ]] && src_file+="opt67 "
        USED_SRV[$name]=${src_srv:-?}
        USED_FILE[$name]=${src_file:-?}

        ok=1
        reason=
        if [[ -z ${got[$name]:-} ]]; then
            ok=0
            reason="no TFTP read request from $net.0/24"
        elif [[ -n $want && $rrq_file != "$want" ]]; then
            ok=0
            reason="asked for \"$rrq_file\", expected \"$want\""
        elif [[ -z $want && $rrq_file != undionly.kpxe && $rrq_file != hdr/undionly.kpxe ]]; then
            ok=0
            reason="asked for \"$rrq_file\", expected a file of the server's scope"
        elif [[ -n $want && $rrq_dst != 10.0.0.2 ]]; then
            ok=0
            reason="asked $rrq_dst, expected 10.0.0.2 (siaddr and option 66 in the reply)"
        fi
        if ((ok)); then
            pass "$T $run-$name-tftp"
        else
            fail "$T $run-$name-tftp" "$reason"
            for k in serial debugcon; do
                [[ -s $PXR_TMP/$name.$k ]] || continue
                log "  $k output of $name (last lines):"
                tr -d '\r' <"$PXR_TMP/$name.$k" | tail -n 15 | sed 's/^/#     /' || true
            done
        fi
        check "$T $run-$name-rule-${wantrule:-none}" expect_rewrite "$mac" "$wantrule" "$want" "$rw"
        if [[ -n $wantrule ]]; then
            check "$T $run-$name-reply-consistent" reply_consistent "$offer" "$ack"
        fi
        TABLE+=("$run|$name|$arch|$vc|$uc|${o175/ bytes/B}|${rule:--}|${rrq_file:--}|${rrq_dst:--}|$(secs $((done_at[$name] - start[$name])))|$( ((ok)) && echo PASS || echo FAIL)")
    done
}

# expect_rewrite MAC RULE FILE REWRITES: pxerelay logged RULE rewriting the
# OFFER and the ACK to MAC to FILE (RULE empty: it rewrote nothing).
expect_rewrite() {
    local mac=$1 rule=$2 file=$3 rw=$4 t
    if [[ -z $rule ]]; then
        [[ -z $rw ]] || why "no rule configured, yet pxerelay logged: $(tr '\n' ';' <<<"$rw")"
        return
    fi
    for t in DHCPOFFER DHCPACK; do
        grep -qx "$t $rule $file 10.0.0.2" <<<"$rw" ||
            { why "no 'rewrite $t ... rule $rule file ... -> \"$file\"' for $mac in the relay log (saw: $(tr '\n' ';' <<<"${rw:-nothing}"))"; return 1; }
    done
    ! grep -qv " $rule " <<<"$rw" || why "other rules also rewrote replies to $mac: $(tr '\n' ';' <<<"$rw")"
}

# reply_consistent OFFER ACK: as delivered to the client, header file and
# option 67 agree, siaddr and option 66 agree.
reply_consistent() {
    local line k si file o66 o67
    for line in "$@"; do
        [[ -n $line ]] || { why "no OFFER or no ACK reached the client link"; return 1; }
        IFS='|' read -r k si file o66 o67 _ <<<"$line"
        [[ $file == "$o67" ]] || { why "$k: header file \"$file\" but option 67 \"$o67\""; return 1; }
        [[ $si == "$o66" ]] || { why "$k: siaddr $si but option 66 \"$o66\""; return 1; }
    done
}

declare -A USED_SRV=() USED_FILE=()

# ---------------------------------------------------------------- runs

# scope windows|split: restart dhcpd with that scope unless it runs already.
SCOPE=windows
scope() {
    [[ $1 != "$SCOPE" ]] || return 0
    proc_stop dhcpd
    case $1 in
        windows) dhcpd_start 10.0.0.2 10.0.0.2 undionly.kpxe undionly.kpxe ;;
        split) dhcpd_start 10.0.0.66 10.0.0.67 hdr/undionly.kpxe undionly.kpxe ;;
    esac
    SCOPE=$1
}

write_conf A
check "$T config-check-A" config_check A
check "$T relay-start" relay_start "$CONF" vlan10 vlan20
RELAY_PID=$(pid_of relay)
proc_alive "$RELAY_PID" || exit 1
tlog "relay pid $RELAY_PID up"

FIRST=1
for run in $RUNS; do
    t_run=$(now_ms)
    case $run in
        A | B | C | D) ;;
        *) echo "unknown run $run (A, B, C or D)" >&2; exit 2 ;;
    esac
    if ((FIRST)) && [[ $run == A ]]; then
        :
    else
        check "$T reload-$run" reload "$run" || continue
    fi
    FIRST=0
    # A new MAC per run (52:54:00:RUN:VLAN:01), so dhcpd sees a new client.
    r=$(printf '%02x' "'$run")
    m10=52:54:00:$r:0a:01
    m20=52:54:00:$r:14:01
    vms=()
    case $run in
        A)
            scope windows
            vms+=("bios-A|$NS10|bios|$m10|rtr10|10.10.0|bios/undionly.kpxe|bios")
            ((WANT_UEFI)) && vms+=("uefi-A|$NS20|uefi|$m20|rtr20|10.20.0|uefi/ipxe.efi|uefi-x64")
            ;;
        B)
            scope windows
            vms+=("bios-B|$NS10|bios|$m10|rtr10|10.10.0|ipxe/boot.ipxe|ipxe")
            ((WANT_UEFI)) && vms+=("uefi-B|$NS20|uefi|$m20|rtr20|10.20.0|uefi/ipxe.efi|uefi-x64")
            ;;
        C)
            scope split
            vms+=("bios-C|$NS10|bios|$m10|rtr10|10.10.0||")
            ((WANT_UEFI)) && vms+=("uefi-C|$NS20|uefi|$m20|rtr20|10.20.0||")
            ;;
        D)
            scope split
            vms+=("bios-D|$NS10|bios|$m10|rtr10|10.10.0|bios/undionly.kpxe|bios")
            ((WANT_UEFI)) && vms+=("uefi-D|$NS20|uefi|$m20|rtr20|10.20.0|uefi/ipxe.efi|uefi-x64")
            ;;
    esac
    run_vms "$run" "${vms[@]}"
    tlog "run $run took $(secs $(($(now_ms) - t_run))) s"
done

check "$T relay-survived" proc_alive "$RELAY_PID"

# ---------------------------------------------------------------- summary

echo "#"
echo "# firmware table.  Scope in runs A, B: siaddr and option 66 10.0.0.2, file and"
echo "# option 67 \"undionly.kpxe\"; in runs C, D: siaddr 10.0.0.66, option 66 \"10.0.0.67\","
echo "# file \"hdr/undionly.kpxe\", option 67 \"undionly.kpxe\".  Run C has no boot rules."
fmt='# %-3s %-7s %-5s %-33s %-6s %-5s %-9s %-19s %-9s %6s %s\n'
# shellcheck disable=SC2059
printf "$fmt" run client arch "vendor class (60)" "uc 77" "175" rule "TFTP file" "TFTP to" secs result
for row in "${TABLE[@]}"; do
    IFS='|' read -r -a c <<<"$row"
    # shellcheck disable=SC2059
    printf "$fmt" "${c[@]}"
done
if [[ " $RUNS " == *" C "* ]]; then
    echo "# run C (siaddr 10.0.0.66, option 66 \"10.0.0.67\", option 54 10.0.0.2,"
    echo "#        header file \"hdr/undionly.kpxe\", option 67 \"undionly.kpxe\"): fields used"
    for name in bios-C uefi-C; do
        [[ -n ${USED_SRV[$name]:-} ]] || continue
        echo "#   $name: TFTP server from ${USED_SRV[$name]% }, boot file from ${USED_FILE[$name]% }"
    done
fi
