#!/bin/bash
# Build netlog.ko for a kernel and run the end-to-end scenarios in QEMU:
# netns.sh with wireguard-go (go) and with kernel WireGuard (kernel),
# netlogd.sh (netlogd shipping to the test collector) and hostile.sh
# (privileges, memory limits, the genetlink fuzzer, namespaces dying).
# usage: tests/e2e/run.sh stock-6.1|stock-6.12|test [go|kernel|netlogd|hostile ...]
set -euo pipefail
cd "$(dirname "$0")/../.."
kernel=$1
shift
modes=("${@:-go}")
[[ $# -gt 0 ]] || modes=(go kernel)

case $kernel in
stock-6.1) kdir=$(ls -d /usr/src/linux-headers-6.1.*-amd64 | sort -V | tail -n1) ;;
stock-6.12) kdir=$(ls -d /usr/src/linux-headers-6.12.*-amd64 | sort -V | tail -n1) ;;
test) kdir=$(tests/kernel/build.sh | tail -n1) ;;
*) echo "usage: $0 stock-6.1|stock-6.12|test [go|kernel|netlogd|hostile ...]" >&2; exit 2 ;;
esac
moddir=build/$kernel
rm -rf "$moddir"
make -s module-in KDIR="$kdir" MOUT="$moddir"
make -s tools

for mode in "${modes[@]}"; do
	echo "== e2e: $kernel, $mode"
	start=$SECONDS
	# go, kernel and hostile remove the module (the last netfilter
	# hooks) while traffic flows: one TCG thread, see tests/qemu/run.sh.
	tcg=(--tcg-single)
	[[ $mode != netlogd ]] || tcg=()
	if [[ $mode == netlogd || $mode == hostile ]]; then
		tests/qemu/run.sh --kernel "$kernel" --smp 2 "${tcg[@]}" -- \
			"tests/e2e/$mode.sh" "$PWD/$moddir"
	else
		tests/qemu/run.sh --kernel "$kernel" --smp 2 "${tcg[@]}" -- \
			tests/e2e/netns.sh "$mode" "$PWD/$moddir"
	fi
	echo "== e2e: $kernel, $mode: passed in $((SECONDS - start)) s"
done
