#!/bin/bash
# make bench: netlog's cost per packet and per window read, against no hook,
# no-op hooks, nf_conntrack, an nftables set and a tc eBPF flow map, in guest
# instructions (QEMU -icount: host load cannot move them); then the same
# forwarding path in wall-clock time (noisy), and netlogd's userspace.
set -euo pipefail
cd "$(dirname "$0")/../.."
kernel=${1:-stock-6.1}
case $kernel in
stock-6.1) kdir=$(ls -d /usr/src/linux-headers-6.1.*-amd64 | sort -V | tail -n1) ;;
stock-6.12) kdir=$(ls -d /usr/src/linux-headers-6.12.*-amd64 | sort -V | tail -n1) ;;
*) echo "usage: $0 [stock-6.1|stock-6.12]" >&2; exit 2 ;;
esac
tests/deps.sh bench
moddir=build/bench-$kernel
rm -rf "$moddir"
make -s module-in KDIR="$kdir" MOUT="$moddir" CONFIG_NETLOG_BENCH=m
make -s tools
make -s -C shipper bench-nlread
share=$(mktemp -d /tmp/netlog-bench.XXXXXX)
clang -O2 -g -target bpf -I"/usr/include/$(gcc -dumpmachine)" \
	-c tests/bench/flows.bpf.c -o "$share/flows.bpf.o"
tests/qemu/run.sh --kernel "$kernel" --icount --mem 3072 --timeout 5400 \
	--share "$share" -- tests/bench/guest-icount.sh "$PWD/$moddir" \
	"$share/flows.bpf.o" >&2
tests/bench/report-icount.py "$share" | tee "$share/icount.txt"
echo
echo "Wall clock (noisy: TCG on a shared host moves 2-3x between runs)"
tests/qemu/run.sh --kernel "$kernel" --smp 2 --mem 3072 --timeout 1200 \
	--share "$share" -- tests/bench/guest.sh "$PWD/$moddir" | tee "$share/out.txt"
echo
tests/bench/netlogd.sh
