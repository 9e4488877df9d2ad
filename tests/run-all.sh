#!/bin/bash
# The whole test suite: host unit tests, checkpatch and sparse, KUnit on the
# debug test kernel, and the end-to-end scenarios (wireguard-go and kernel
# WireGuard) on Debian's 6.1 and 6.12 kernels and on the debug kernel.
set -euo pipefail
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
step "test kernel"
tests/kernel/build.sh >/dev/null
step "checkpatch and sparse"
tests/lint.sh
step "KUnit"
tests/kunit/run.sh
for k in stock-6.1 stock-6.12 test; do
	step "end-to-end on $k"
	tests/e2e/run.sh "$k"
done
step "all tests passed"
