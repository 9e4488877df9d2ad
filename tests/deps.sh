#!/bin/sh
# Install what building and testing netlog needs, from Debian's archive only.
set -e
PKGS="build-essential pkg-config libmnl-dev libjson-c-dev libcurl4-openssl-dev zlib1g-dev
 qemu-system-x86 busybox-static cpio kmod iproute2 iputils-ping netcat-openbsd python3
 linux-image-amd64 linux-headers-amd64 linux-image-6.12-amd64 linux-headers-6.12-amd64
 linux-source-6.1 bc flex bison libelf-dev libssl-dev dwarves ccache xz-utils
 wireguard-go wireguard-tools sparse nftables util-linux procps"
# tests/packaging: the .debs, lintian and DKMS builds in scratch trees.
PKGS="$PKGS dkms dh-dkms debhelper dpkg-dev fakeroot lintian libsystemd-dev logrotate"
# netlogd as a systemd service: sd_notify, /metrics; promtool and logrotate for their tests.
PKGS="$PKGS libsystemd-dev libmicrohttpd-dev prometheus logrotate"
# tests/collector/receiver.py: the sink receivers' SigV4 check (botocore) and zstd bodies.
PKGS="$PKGS python3-botocore python3-zstandard curl"
# netlogd's zstd bodies (libzstd) and the test collector's check of them (Debian's python3).
PKGS="$PKGS libzstd-dev python3-zstandard"
# tests/delivery/clickhouse.sh: the clickhouse sink into a real ClickHouse (18.16 in Debian 12).
PKGS="$PKGS clickhouse-server clickhouse-client"
# make bench's peers: a tc eBPF flow map (clang, libbpf) and conntrack.
[ "${1:-}" != bench ] || PKGS="$PKGS clang llvm libbpf-dev bpftool conntrack"
# the ipfix sink: libfixbuf; its tests: nfcapd/nfdump, ipfixDump (pmacct, tshark: cross-checks).
PKGS="$PKGS libfixbuf-dev libfixbuf-tools nfdump pmacct tshark"
PKGS="$PKGS mmdebstrap" # tests/system: mmdebstrap builds the guest image (promtool: above)
missing=
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
SUDO=
[ "$(id -u)" = 0 ] || SUDO=sudo
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing
