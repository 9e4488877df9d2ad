#!/bin/bash
# make bench: netlog's cost per packet against no hook and against
# nf_conntrack with accounting, in one QEMU run of Debian's stock kernel.
set -euo pipefail
cd "$(dirname "$0")/../.."
kernel=${1:-stock-6.1}
case $kernel in
stock-6.1) kdir=$(ls -d /usr/src/linux-headers-6.1.*-amd64 | sort -V | tail -n1) ;;
stock-6.12) kdir=$(ls -d /usr/src/linux-headers-6.12.*-amd64 | sort -V | tail -n1) ;;
*) echo "usage: $0 [stock-6.1|stock-6.12]" >&2; exit 2 ;;
esac
moddir=build/bench-$kernel
rm -rf "$moddir"
make -s module-in KDIR="$kdir" MOUT="$moddir" CONFIG_NETLOG_BENCH=m
make -s tools
share=$(mktemp -d /tmp/netlog-bench.XXXXXX)
tests/qemu/run.sh --kernel "$kernel" --smp 2 --mem 3072 --timeout 1200 \
	--share "$share" -- tests/bench/guest.sh "$PWD/$moddir" | tee "$share/out.txt"
echo
tests/bench/netlogd.sh
