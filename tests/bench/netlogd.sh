#!/bin/bash
# make bench, userspace half: netlogd from a drained window to zstd and gzip upload
# bodies (record_build, spool, compress) for 1k/100k/1M-flow windows, beside
# json-c alone and the codec alone on the same bodies (their sum the floor,
# measured in the same round), medians with min-max, and netlogd's peak RSS
# at 1k, 100k and 1M flows per window. Then every sink type's encoder on the
# batches of a spooled 100k- and 1M-flow window (bench-netlogd -s): flows
# per second of CPU time, beside json-c parsing the same batches plus the
# sink's codec alone, and ipfix's export rate in records per second.
# Pinned to one core (taskset).
#
#   tests/bench/netlogd.sh [bench-netlogd options]
#
# The spool goes to /dev/shm (tmpfs) so that its column is CPU; one extra
# line per size shows the same spool on /var/tmp with real fsyncs.
set -euo pipefail
cd "$(dirname "$0")/../.."
make -s -C shipper bench-netlogd
cpu=0
pinned() {
	if command -v taskset >/dev/null; then
		taskset -c "$cpu" shipper/tests/bench-netlogd "$@"
	else
		echo "netlogd.sh: taskset not found, running unpinned" >&2
		shipper/tests/bench-netlogd "$@"
	fi
}
echo "load: $(uptime)"
pinned "$@"
echo "load: $(uptime)"
echo
pinned -s "$@"
echo "load: $(uptime)"
