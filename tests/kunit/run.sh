#!/bin/bash
# Build netlog_kunit.ko for the debug test kernel, run its suites in QEMU on
# 2 vCPUs and parse the KTAP output; fails naming every failed case.
set -euo pipefail
cd "$(dirname "$0")/../.."
kbuild=$(tests/kernel/build.sh | tail -n1)
src=$(readlink -f "$(tests/kernel/build.sh | tail -n1)/source")
moddir=build/test-kernel
rm -rf "$moddir"
make -s module-in KDIR="$kbuild" MOUT="$moddir"
share=$(mktemp -d /tmp/netlog-kunit.XXXXXX)
tests/qemu/run.sh --kernel test --smp 2 --share "$share" -- \
	tests/kunit/guest.sh "$PWD/$moddir"
# A module's suites print as indented subtests: give them the top-level
# header and plan that the kernel prints only for built-in suites.
body=$(sed -n '/KTAP version/,$p' "$share/kunit.log" | grep -v '^netlog')
nsuites=$(grep -cE '^(not )?ok [0-9]+ ' <<<"$body" || true)
printf 'KTAP version 1\n1..%d\n%s\n' "$nsuites" "$body" >"$share/ktap.txt"
python3 "$src/tools/testing/kunit/kunit.py" parse "$share/ktap.txt" | tee "$share/parsed.txt"
if grep -q '^not ok\|^    not ok\|^        not ok' "$share/ktap.txt"; then
	echo "kunit: failed cases:" >&2
	grep -E 'not ok' "$share/ktap.txt" >&2
	exit 1
fi
grep -q '^ok [0-9]* netlog_table' "$share/ktap.txt" || {
	echo "kunit: no results for netlog_table" >&2
	exit 1
}
echo "kunit: all netlog suites passed"
