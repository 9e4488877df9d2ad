# shellcheck shell=bash
# Helpers the end-to-end scenarios share; sourced after `set -euo pipefail`.

pids=()
# In the background, with $! the command itself (ip netns exec execs it).
bg() { ip netns exec "$@" & pids+=($!); }
cleanup() {
	set +e
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
}
trap cleanup EXIT

fail() {
	echo "FAIL: $*" >&2
	exit 1
}

# Wait until server output file $1 says "listening".
listening() {
	for _ in $(seq 300); do
		grep -q listening "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	fail "server did not start: $1"
}

eq() {
	[[ "$1" == "$2" ]] || fail "$3: got '$1', want '$2'"
	echo "ok: $3 = $1"
}
