#!/bin/bash
# The main job: install what is needed, build netlog.ko and netlogctl, boot
# Debian's stock kernel in QEMU, send traffic through a wireguard-go tunnel
# and print the flows netlog counted.
set -euo pipefail
# Root for apt, /boot and network namespaces: as root, or through sudo.
[ "$(id -u)" = 0 ] || exec sudo "$0" "$@"
cd "$(dirname "$0")/.."
tests/deps.sh
kdir=$(ls -d /usr/src/linux-headers-6.1.*-amd64 | sort -V | tail -n1)
moddir=build/demo
rm -rf "$moddir"
make -s module-in KDIR="$kdir" MOUT="$moddir"
make -s tools
exec tests/qemu/run.sh --kernel stock-6.1 -- tests/demo/guest.sh "$PWD/$moddir"
