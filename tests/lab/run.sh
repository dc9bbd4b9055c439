#!/bin/bash
# tests/lab/run.sh - run every lab test and sum up.
#
# Runs the tests listed in TESTS below, one after the other, echoing their
# output.  Every "PASS ..." line counts as passed and
# every "FAIL ..." line as failed; a test that exits non-zero without
# printing a FAIL line counts as one more failure.  The last line is exactly
# "N passed, N failed"; the exit status is non-zero if anything failed.
#
# Needs root.  Environment: PXERELAY (binary, default <repo>/pxerelay),
# PXR_RELAY_IMPL=dhcrelay (validation stand-in only), PXR_KEEP=1,
# PXR_LAB_SKIP="test_a.sh test_b.sh" (tests not to run, e.g. the valgrind
# test when PXERELAY is a sanitizer build).
set -euo pipefail

LAB=$(cd "$(dirname "$0")" && pwd)
TESTS=(
    "test_relay.sh dhcpd"
    "test_relay.sh kea"
    "test_relay.sh dnsmasq"
    "test_relay_rules.sh"
    "test_scale.sh"
    "test_firmware.sh"
    "test_tftp_proxy.sh"
    "test_tftp_hostile.sh"
    "test_boot_rules.sh"
    "test_boot_edits.sh"
    "test_daemon.sh"
    "test_coexist.sh"
    "test_vrrp.sh"
    "test_dhcp6.sh"
    "test_dhcp6_multicast.sh"
    "test_ratelimit.sh"
    "test_faults.sh"
    "test_logstall.sh"
    "test_metrics_slow.sh"
    "test_malformed.sh"
    "test_valgrind.sh"
)

passed=0
failed=0
t0=$SECONDS
for t in "${TESTS[@]}"; do
    read -r -a argv <<<"$t"
    if [[ " ${PXR_LAB_SKIP:-} " == *" ${argv[0]} "* ]]; then
        echo "## $t: skipped (PXR_LAB_SKIP)"
        continue
    fi
    echo "## $t"
    out=$(mktemp)
    s=$SECONDS
    rc=0
    "$LAB/${argv[0]}" "${argv[@]:1}" 2>&1 | tee "$out" || rc=$?
    p=$(grep -c '^PASS ' "$out" || true)
    f=$(grep -c '^FAIL ' "$out" || true)
    if ((rc != 0 && f == 0)); then
        echo "FAIL $t: exited with status $rc"
        f=1
    fi
    rm -f "$out"
    passed=$((passed + p))
    failed=$((failed + f))
    echo "## $t: $p passed, $f failed, $((SECONDS - s)) s"
done
echo "## lab total time $((SECONDS - t0)) s"
echo "$passed passed, $failed failed"
((failed == 0))
