#!/bin/bash
# tests/lab/make_replay_capture.sh [OUT.pcap] - make the sample capture for
# `pxerelay --replay`.
#
# Runs tests/lab/test_boot_rules.sh with ISC dhcpd (same namespaces, same
# one-scope server, same pxerelay config) for six of its clients: bios,
# uefi-x64, arm64, http-x64, ipxe and unmatched, each a full DORA with a fixed
# MAC, xid and IP id.  In the router namespace `tcpdump -i any -y LINUX_SLL2`
# keeps what arrives there: each DISCOVER/REQUEST as the client sent it (on
# vlan10) and each OFFER/ACK as the server sent it (on up0), i.e. before
# pxerelay rewrites anything.  Writes
#   OUT.pcap   (default tests/data/pxe-clients.pcap)
#   OUT.conf   the pxerelay config used (tests/data/pxe-clients.conf)
# then checks the capture (24 BOOTP packets, < 30 KB) and prints what
#   pxerelay --replay OUT.pcap -c OUT.conf -i vlan10
# makes of it.  Re-running gives the same packets apart from timestamps and
# the IP identification of the server's replies (set by the server's kernel).
# Needs root.
set -euo pipefail

LAB=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$LAB/../.." && pwd)
OUT=${1:-$TOP/tests/data/pxe-clients.pcap}
[[ $OUT == *.pcap ]] || { echo "usage: $0 [OUT.pcap]" >&2; exit 2; }
CONF=${OUT%.pcap}.conf
CLIENTS="bios uefi-x64 arm64 http-x64 ipxe unmatched"
WANT_PACKETS=24 # 6 clients x (DISCOVER, OFFER, REQUEST, ACK)
MAX_BYTES=30000
PY=python3
[[ -x /usr/bin/python3 ]] && PY=/usr/bin/python3

mkdir -p "$(dirname "$OUT")"
tmp=$(mktemp -d /tmp/pxr-replay-capture.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

# Into a temp file first, so a failed run leaves the old files alone.
rc=0
PXR_BOOT_CLIENTS=$CLIENTS PXR_BOOT_CAPTURE_OUT=$tmp/out.pcap \
    "$LAB/test_boot_rules.sh" dhcpd || rc=$?
if ((rc != 0)) || [[ ! -s $tmp/out.pcap ]]; then
    echo "FAIL make-replay-capture: the lab run failed (status $rc); $OUT not written"
    exit 1
fi

# The exchange must be complete: one DISCOVER, OFFER, REQUEST, ACK per
# client, nothing else.
"$PY" "$LAB/dhcp_probe.py" pcap-dump "$tmp/out.pcap" >"$tmp/dump.json"
n=$(grep -c . "$tmp/dump.json" || true)
bytes=$(stat -c %s "$tmp/out.pcap")
if ((n != WANT_PACKETS)); then
    echo "FAIL make-replay-capture: $n BOOTP packets in the capture, want $WANT_PACKETS"
    jq -r '"#   \(.frame_no) \(.type) \(.chaddr) \(.xid) \(.pkttype)"' "$tmp/dump.json"
    exit 1
fi
if ((bytes >= MAX_BYTES)); then
    echo "FAIL make-replay-capture: capture is $bytes bytes, want < $MAX_BYTES"
    exit 1
fi
cp "$tmp/out.pcap" "$OUT"
pcap_name=$(basename "$OUT")
conf_name=$(basename "$CONF")
{
    echo "# pxerelay config that went with $pcap_name, written by"
    echo "# tests/lab/make_replay_capture.sh; try:"
    echo "#   pxerelay --replay tests/data/$pcap_name -c tests/data/$conf_name -i vlan10"
    cat "$tmp/out.conf"
} >"$CONF"
echo "# wrote $OUT ($bytes bytes, $n BOOTP packets) and $CONF"
jq -r '"#   \(.frame_no)\t\(.pkttype)\t\(.type)\t\(.chaddr)\t\(.xid)\tsiaddr \(.siaddr)\tfile \"\(.file)\"\topt67 \(.opt67 // "-")"' \
    "$tmp/dump.json" | column -t -s $'\t'

if [[ -x $TOP/pxerelay ]]; then
    echo "# pxerelay --replay $pcap_name -c $conf_name -i vlan10:"
    "$TOP/pxerelay" --replay "$OUT" -c "$CONF" -i vlan10 2>&1 | sed 's/^/#   /' || true
fi
echo "PASS make-replay-capture"
