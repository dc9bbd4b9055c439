# shellcheck shell=bash
# tests/bench/peers.sh - sourced by run.sh and scale.sh: where the relays
# under test come from.  Needs PEERS_DIR (where .debs are unpacked) and
# PXR_GIT (the tree's `git describe`); lib.sh for pxerelay_bin; FLOOR
# (the built tests/bench/floor.c) for the relay "floor".
#
# A peer is, in order: the binary its variable names (DHCRELAY,
# DHCP_HELPER), an installed one, one extracted before (/tmp/peers/relay,
# PEERS_DIR), a .deb in /tmp/peers or PEERS_DIR, or one fetched with
# `apt-get download` into PEERS_DIR.  A .deb is unpacked with `dpkg -x`:
# isc-dhcp-relay and dhcp-helper conflict as installed packages.

PEER_WHY=

# peer_first_file PATH...: the first PATH that is a regular file (a glob
# left unexpanded is not).
peer_first_file() {
    local f
    for f in "$@"; do
        [[ -f $f ]] && { echo "$f"; return 0; }
    done
    return 0
}

# peer_binary PKG RELPATH CANDIDATE...: the first executable CANDIDATE,
# else RELPATH inside PKG's .deb unpacked under PEERS_DIR.  Fails with
# PEER_WHY set when there is none.
peer_binary() {
    local pkg=$1 rel=$2 c deb dir
    shift 2
    for c in "$@"; do
        [[ -n $c && -x $c ]] && { echo "$c"; return 0; }
    done
    dir=$PEERS_DIR/$pkg
    [[ -x $dir/$rel ]] && { echo "$dir/$rel"; return 0; }
    mkdir -p "$PEERS_DIR"
    deb=$(peer_first_file /tmp/peers/"$pkg"_*.deb "$PEERS_DIR"/"$pkg"_*.deb)
    if [[ -z $deb ]] && command -v apt-get >/dev/null; then
        if ! (cd "$PEERS_DIR" && timeout 120 apt-get download -q "$pkg") >"$PEERS_DIR/$pkg.apt.log" 2>&1; then
            # A fresh machine may have no package lists yet.
            timeout 300 apt-get update -q >>"$PEERS_DIR/$pkg.apt.log" 2>&1 || true
            (cd "$PEERS_DIR" && timeout 120 apt-get download -q "$pkg") >>"$PEERS_DIR/$pkg.apt.log" 2>&1 || true
        fi
        deb=$(peer_first_file "$PEERS_DIR"/"$pkg"_*.deb)
    fi
    if [[ -z $deb ]]; then
        PEER_WHY="no $pkg .deb (apt-get download $pkg failed)"
        return 1
    fi
    rm -rf "${dir:?}"
    if ! dpkg -x "$deb" "$dir" 2>"$PEERS_DIR/$pkg.dpkg.log"; then
        PEER_WHY="dpkg -x $(basename "$deb") failed"
        return 1
    fi
    if [[ ! -x $dir/$rel ]]; then
        PEER_WHY="$(basename "$deb") has no $rel"
        return 1
    fi
    dpkg-deb -f "$deb" Version >"$PEERS_DIR/$pkg.version" 2>/dev/null || true
    echo "$dir/$rel"
}

# peer_package_note BIN: ", Debian package PKG VERSION" when BIN was
# unpacked here (dhcp-helper -v says "version UNKNOWN").
peer_package_note() {
    local f pkg
    for f in "$PEERS_DIR"/*.version; do
        [[ -f $f ]] || continue
        pkg=$(basename "$f" .version)
        [[ $1 == "$PEERS_DIR/$pkg/"* ]] && echo ", Debian package $pkg $(cat "$f")"
    done
    return 0
}

# relay_locate NAME: set RELAY_BIN and RELAY_VERSION (with the package
# note), or fail with PEER_WHY.  Every pxerelay variant is the one binary;
# a name ending in 6 (pxerelay6+rules too) is the same relay over DHCPv6.
relay_locate() {
    RELAY_BIN='' RELAY_VERSION='' PEER_WHY=
    case $1 in
        pxerelay | pxerelay+* | pxerelay6 | pxerelay6+*)
            RELAY_BIN=$(pxerelay_bin)
            [[ -x $RELAY_BIN ]] || { PEER_WHY="no binary at $RELAY_BIN (make)"; return 1; }
            RELAY_VERSION="pxerelay, tree at $PXR_GIT, binary built $(date -u -r "$RELAY_BIN" '+%Y-%m-%d %H:%M UTC')"
            ;;
        dhcrelay | dhcrelay6)
            RELAY_BIN=$(peer_binary isc-dhcp-relay usr/sbin/dhcrelay "${DHCRELAY:-}" \
                /usr/sbin/dhcrelay /tmp/peers/relay/usr/sbin/dhcrelay) || return 1
            RELAY_VERSION=$("$RELAY_BIN" --version 2>&1 | head -n 1)
            ;;
        dhcp-helper)
            RELAY_BIN=$(peer_binary dhcp-helper usr/sbin/dhcp-helper "${DHCP_HELPER:-}" \
                /usr/sbin/dhcp-helper) || return 1
            RELAY_VERSION=$("$RELAY_BIN" -v 2>&1 | head -n 1)
            ;;
        floor | floor6)
            # tests/bench/floor.c, which run.sh builds to FLOOR.
            RELAY_BIN=${FLOOR:-}
            [[ -n $RELAY_BIN && -x $RELAY_BIN ]] || { PEER_WHY="floor not built (tests/bench/run.sh builds it)"; return 1; }
            RELAY_VERSION="floor, tests/bench/floor.c at $PXR_GIT"
            ;;
        dnsmasq | dnsmasq6)
            RELAY_BIN=$(command -v dnsmasq || true)
            [[ -n $RELAY_BIN ]] || { PEER_WHY="dnsmasq not installed"; return 1; }
            RELAY_VERSION=$("$RELAY_BIN" --version 2>&1 | head -n 1)
            ;;
        *)
            PEER_WHY="unknown relay"
            return 1
            ;;
    esac
    RELAY_VERSION+=$(peer_package_note "$RELAY_BIN")
}
