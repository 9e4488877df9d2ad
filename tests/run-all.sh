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
step "end-to-end on stock-6.1"
tests/e2e/run.sh stock-6.1 go kernel netlogd hostile
step "end-to-end on stock-6.12"
tests/e2e/run.sh stock-6.12 go kernel hostile
step "end-to-end on the debug kernel"
tests/e2e/run.sh test go kernel hostile
step "all tests passed"
