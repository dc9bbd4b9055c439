#!/bin/sh
# Install the Debian packages a step needs, only those missing.
#   deps.sh build   compiler side: libraries, cmocka, clang for the fuzzers
#   deps.sh lab     namespace lab: real DHCP servers, clients, tcpdump
#   deps.sh pkg     building and checking the Debian package
#   deps.sh firmware-arm  AAVMF and QEMU for ARM64 (PXR_FW6_ARM=1 only)
set -e
case "$1" in
build) pkgs="gcc make pkg-config clang libclang-rt-14-dev libpcap-dev libnet1-dev
	libnl-3-dev libconfuse-dev libseccomp-dev libcmocka-dev" ;;
lab) pkgs="iproute2 procps isc-dhcp-server kea-dhcp4-server kea-dhcp6-server radvd dnsmasq-base
	isc-dhcp-client busybox udhcpc tcpdump python3 curl tftpd-hpa tftp-hpa atftp
	qemu-system-x86 ovmf ipxe-qemu valgrind gdb keepalived" ;;
pkg) pkgs="dpkg-dev debhelper fakeroot lintian" ;;
firmware-arm) pkgs="qemu-system-arm qemu-efi-aarch64" ;;
*) echo "usage: $0 build|lab|pkg|firmware-arm" >&2; exit 2 ;;
esac
missing=""
for p in $pkgs; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" != 0 ]; then
	echo "missing Debian packages:$missing (run as root to install them)" >&2
	exit 1
fi
echo "installing:$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >/dev/null || true
# Packaged servers must not start on the host: the lab starts its own
# copies inside namespaces.
policy=/usr/sbin/policy-rc.d
if [ ! -e "$policy" ]; then
	printf '#!/bin/sh\nexit 101\n' > "$policy"; chmod +x "$policy"; trap 'rm -f "$policy"' EXIT
fi
apt-get install -y -q --no-install-recommends $missing
