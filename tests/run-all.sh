#!/bin/bash
# The whole test suite: host unit tests (formatting, records, node maps,
# spool, uploads against the test collector), checkpatch and sparse, KUnit on
# the debug test kernel, and the end-to-end scenarios (wireguard-go and
# kernel WireGuard) on Debian's 6.1 and 6.12 kernels and on the debug
# kernel, plus netlogd shipping to the collector through 50 SIGKILLs and
# hostile callers (privileges, memory limits, the genetlink fuzzer); the
# Debian packages, DKMS and the module's autoload; the installed packages
# booted under systemd.
set -euo pipefail
# Root for apt, /boot and network namespaces: as root, or through sudo.
[ "$(id -u)" = 0 ] || exec sudo "$0" "$@"
cd "$(dirname "$0")/.."
t0=$SECONDS
step() {
	echo
	echo "==== $* ($((SECONDS - t0)) s)"
}
step deps
tests/deps.sh
step "host unit tests"
make -s tools
make -s -C shipper check
step "sink receivers' self-test"
/usr/bin/python3 tests/collector/test_receivers.py
step "clickhouse sink into a real ClickHouse"
tests/delivery/clickhouse.sh
step "packages: make deb, lintian, DKMS for 6.1 and 6.12, modprobe and autoload in QEMU"
tests/packaging/run.sh
step "the installed packages under systemd as PID 1, 6.1 and 6.12 in parallel"
tests/system/run.sh
step "test kernel"
tests/kernel/build.sh >/dev/null
step "checkpatch and sparse"
tests/lint.sh
step "KUnit"
tests/kunit/run.sh
# The e2e guests that remove the module under traffic run on one TCG thread
# (tests/e2e/run.sh), so on two cores the debug kernel's chain, the longest,
# runs beside the stock kernels' chains. Its output is shown when it ends.
step "end-to-end on the debug kernel, in the background"
make -s tools
debug_log=$(mktemp "${TMPDIR:-/tmp}/netlog-e2e-debug.XXXXXX")
setsid -w tests/e2e/run.sh test go kernel hostile >"$debug_log" 2>&1 &
debug_pid=$!
# A failure in the foreground ends the suite: its guests go with it.
trap 'kill -- "-$debug_pid" 2>/dev/null || true' EXIT
step "end-to-end on stock-6.1"
tests/e2e/run.sh stock-6.1 go kernel netlogd hostile
step "end-to-end on stock-6.12"
tests/e2e/run.sh stock-6.12 go kernel hostile
step "end-to-end on the debug kernel: waiting for it"
debug_rc=0
wait "$debug_pid" || debug_rc=$?
cat "$debug_log"
rm -f "$debug_log"
trap - EXIT
[ "$debug_rc" = 0 ] || { echo "end-to-end on the debug kernel FAILED ($debug_rc)"; exit 1; }
step "all tests passed"
