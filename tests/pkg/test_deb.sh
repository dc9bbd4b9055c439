#!/bin/bash
# tests/pkg/test_deb.sh - build the Debian package from this tree and check
# it: dpkg-buildpackage -b -us -uc (debhelper), its contents, the example
# config as a conffile, lintian, then the packaged binary, extracted with
# dpkg -x into a temporary root, checks the packaged config (-t) and
# reports the changelog's version. The build runs in a copy of the tree
# (dpkg-buildpackage writes into the parent directory), removed at the end.
set -euo pipefail

TOP=$(cd "$(dirname "$0")/../.." && pwd)
T=pkg
tmp=$(mktemp -d /tmp/pxr-pkg.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
pass=0
fail=0
WHY=
why() { WHY="$*"; return 1; }
check() {
    local name=$1
    shift
    WHY=
    if "$@"; then
        echo "PASS $T $name"
        pass=$((pass + 1))
    else
        echo "FAIL $T $name: ${WHY:-failed}"
        fail=$((fail + 1))
    fi
}
log() { echo "# $*"; }

VERSION=$(sed -n '1s/^pxerelay (\([^)]*\)).*/\1/p' "$TOP/debian/changelog")
UPSTREAM=${VERSION%-*}
ARCH=$(dpkg --print-architecture)
DEB=$tmp/pxerelay_${VERSION}_$ARCH.deb

build() {
    mkdir "$tmp/src"
    tar -C "$TOP" --exclude=./build --exclude=./.git --exclude='./pxerelay' -cf - . |
        tar -C "$tmp/src" -xf -
    (cd "$tmp/src" && dpkg-buildpackage -b -us -uc) >"$tmp/build.log" 2>&1 ||
        { why "dpkg-buildpackage failed: $(tail -n 5 "$tmp/build.log" | tr '\n' ' ')"; return 1; }
    [[ -f $DEB ]] || { why "no $DEB: $(ls "$tmp")"; return 1; }
    log "built $(basename "$DEB"), $(stat -c %s "$DEB") bytes"
}
check build-with-dpkg-buildpackage build || { echo "# $T: $pass passed, $fail failed"; exit 1; }

contents() {
    local list f
    list=$(dpkg-deb -c "$DEB" | awk '{ print $6 }')
    for f in ./usr/sbin/pxerelay ./usr/share/man/man8/pxerelay.8.gz \
        ./usr/share/man/man5/pxerelay.conf.5.gz ./lib/systemd/system/pxerelay.service \
        ./etc/pxerelay/pxerelay.conf ./var/cache/pxerelay/ \
        ./usr/share/doc/pxerelay/copyright ./usr/share/doc/pxerelay/changelog.Debian.gz; do
        grep -qxF "$f" <<<"$list" || { why "$f not in the package"; return 1; }
    done
    log "$(wc -l <<<"$list") entries"
}
check contents contents

conffile() {
    dpkg-deb -e "$DEB" "$tmp/control"
    grep -qx /etc/pxerelay/pxerelay.conf "$tmp/control/conffiles" ||
        why "/etc/pxerelay/pxerelay.conf is not a conffile: $(cat "$tmp/control/conffiles" 2>/dev/null)"
}
check example-config-is-a-conffile conffile

# The unit is installed, not enabled or started: a relay needs its links
# configured first.
unit() {
    local svc=$tmp/x/lib/systemd/system/pxerelay.service
    dpkg-deb -x "$DEB" "$tmp/x"
    grep -q '^ExecStart=/usr/sbin/pxerelay -f -c /etc/pxerelay/pxerelay.conf$' "$svc" ||
        { why "ExecStart: $(grep ExecStart "$svc")"; return 1; }
    # dh_installsystemd --no-enable --no-start: the postinst enables the
    # unit again only where the admin had enabled it, and never starts it.
    ! grep -q 'deb-systemd-invoke start\|systemctl.* start' "$tmp/control/postinst" ||
        { why "postinst starts the unit"; return 1; }
    ! grep -q 'deb-systemd-helper enable' "$tmp/control/postinst" ||
        grep -B3 'deb-systemd-helper enable' "$tmp/control/postinst" | grep -q was-enabled ||
        why "postinst enables the unit on a first install"
}
check unit-installed-not-enabled unit

depends() {
    local d
    d=$(dpkg-deb -f "$DEB" Depends)
    log "Depends: $d"
    [[ $d == *libpcap0.8* && $d == *libnl-3-200* && $d == *libconfuse* && $d == *libnet1* ]] ||
        why "the shared libraries are not all in Depends"
}
check depends-on-the-shared-libraries depends

lint() {
    local out
    out=$(lintian --fail-on error,warning --tag-display-limit 0 "$DEB" 2>&1) ||
        { why "lintian: $(tr '\n' ' ' <<<"$out" | head -c 600)"; return 1; }
    log "lintian: ${out:-clean}"
}
check lintian-clean lint

extracted() {
    local root=$tmp/root out
    dpkg -x "$DEB" "$root"
    out=$("$root/usr/sbin/pxerelay" -t -c "$root/etc/pxerelay/pxerelay.conf" 2>&1) ||
        { why "-t on the packaged config: $(head -n 3 <<<"$out")"; return 1; }
    out=$("$root/usr/sbin/pxerelay" --version)
    [[ $out == "pxerelay $UPSTREAM" ]] || { why "--version says '$out', the package is $VERSION"; return 1; }
    log "$out; -t on /etc/pxerelay/pxerelay.conf: $(grep -c '' <<<"$("$root/usr/sbin/pxerelay" -t -c "$root/etc/pxerelay/pxerelay.conf")") lines"
}
check extracted-binary-checks-its-conffile extracted

echo "# $T: $pass passed, $fail failed"
((fail == 0))
