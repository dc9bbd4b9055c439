#!/bin/sh
# pxerelay --replay over the capture shipped in tests/data must print
# exactly the golden file: classes, rules and every changed field.
set -e
cd "$(dirname "$0")/.."
out=$(mktemp)
trap 'rm -f "$out"' EXIT
./pxerelay --replay tests/data/pxe-clients.pcap -c tests/data/pxe-clients.conf > "$out"
if diff -u tests/data/pxe-clients.replay "$out"; then
	echo "replay golden: 1 passed, 0 failed"
else
	echo "replay golden: 0 passed, 1 failed"
	exit 1
fi
