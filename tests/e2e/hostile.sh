#!/bin/bash
# Hostile callers of netlog.ko, run inside a QEMU guest: who may configure,
# read and subscribe; what memory an unprivileged user can make the module
# take; malformed and random genetlink messages; namespaces dying under
# traffic. Every part ends by checking that counting is still exact.
#
# usage: hostile.sh MODDIR
#
#   init netns (root)          ha (owned by the initial user namespace)
#  ┌───────────────────┐      ┌────────────────────────────────────────┐
#  │ lo, max-flows 4M  │      │ lo counted; uid 65534 and the root of a │
#  │ refused (ENOMEM)  │      │ user namespace of its own: EPERM        │
#  └───────────────────┘      └────────────────────────────────────────┘
#   un: uid 65534's own user + net namespace (unshare -Urn), in memory
#       cgroup "hostile" (memory.max 8M): capped max_flows, ENOMEM, charged
#   he: never configured: empty peeks, peeks racing drains
#   fz: the genetlink fuzzer (nlfuzz.py), then exact counts
#   c1..c12: configured, flooded and deleted; then rmmod under traffic
set -euo pipefail

moddir=$1
root=$PWD
py=/usr/bin/python3
traffic=("$py" "$root/tests/e2e/traffic.py")
flowq=("$py" "$root/tests/e2e/flowq.py")
out=$(mktemp -d /tmp/netlog-hostile.XXXXXX)
# Binaries that uid 65534 can run, wherever the checkout is.
bin=/run/netlog-hostile
mkdir -p "$bin"
install -m 755 "$root/shipper/netlogctl/netlogctl" "$bin/netlogctl"
ctl=$bin/netlogctl
nobody=(setpriv --reuid=65534 --regid=65534 --clear-groups)

ha() { ip netns exec ha "$@"; }
he() { ip netns exec he "$@"; }

# shellcheck source=tests/e2e/lib.sh
. "$root/tests/e2e/lib.sh"

# Run "$@", which must fail at once with a message containing $1 (shifted
# off); a monitor that subscribed would run for ever.
refused() {
	local want=$1 msg
	shift
	if msg=$(timeout 20 "$@" 2>&1); then
		fail "'$*' succeeded: $msg"
	fi
	[[ $msg == *"$want"* ]] || fail "'$*': '$msg' does not say '$want'"
	echo "ok: refused: $* ($msg)"
}

mem_available_kib() { awk '/^MemAvailable:/ { print $2 }' /proc/meminfo; }

# 10 datagrams of 100 bytes echoed over lo, from port 40001 to 40002: two
# flows (one per direction's key), each 10 packets of 128 bytes (IPv4 + UDP
# + 100) each way.
echo_traffic() {
	"${traffic[@]}" udp-echo 127.0.0.1 40002 >"$out/echo.log" &
	local echo_pid=$!
	listening "$out/echo.log"
	"${traffic[@]}" udp-send 127.0.0.1 40002 10 100 40001
	kill "$echo_pid"
	wait "$echo_pid" 2>/dev/null || true
}

modprobe -a veth 2>/dev/null || true
insmod "$moddir/netlog.ko"
[[ -w /proc/sys/kernel/unprivileged_userns_clone ]] &&
	echo 1 >/proc/sys/kernel/unprivileged_userns_clone

echo "== who may configure, read and subscribe"
ip netns add ha
ha ip link set lo up
ha "$ctl" set devices lo max-flows 16 high-water 50
for cmd in show "set ports 51820" flows "flows --drain" stats monitor; do
	# shellcheck disable=SC2086 # $cmd is words
	refused "permission denied" ip netns exec ha "${nobody[@]}" "$ctl" $cmd
	# Root of a user namespace that does not own ha.
	# shellcheck disable=SC2086
	refused "permission denied" ip netns exec ha unshare -U -r "$ctl" $cmd
done
# Root of ha's owner subscribes, and hears of a table past 8 of 16 flows.
bg ha "$ctl" monitor >"$out/monitor.log" 2>&1
sleep 1
ha "${traffic[@]}" udp-spray 127.0.0.1 41000 12 10
for _ in $(seq 100); do
	grep -q high-water "$out/monitor.log" && break
	sleep 0.1
done
grep -q 'max_flows=16$' "$out/monitor.log" ||
	fail "no high-water event for root: $(cat "$out/monitor.log")"
echo "ok: root of ha's owner got: $(head -n1 "$out/monitor.log")"

echo "== an unprivileged user's own user and network namespace"
mountpoint -q /sys/fs/cgroup || mount -t cgroup2 none /sys/fs/cgroup
echo +memory >/sys/fs/cgroup/cgroup.subtree_control
cg=/sys/fs/cgroup/hostile
mkdir "$cg"
echo 8M >"$cg/memory.max"
# userns_max_flows=0 sizes the cap: six windows of all possible CPUs in
# 1/64 of RAM, a power of two from 16 to 65536.
ncpu=$(($(cut -d- -f2 /sys/devices/system/cpu/possible) + 1))
mem=$(awk '/^MemTotal:/ { print $2 * 1024 }' /proc/meminfo)
auto=$(( mem / 64 / (6 * ncpu * (80 + 4)) ))
p=16
while (( p * 2 <= auto && p < 65536 )); do p=$((p * 2)); done
auto=$p
eq "$("${nobody[@]}" unshare -Urn "$ctl" show | grep -o 'max flows: [0-9]*')" \
	"max flows: $auto" "uid 65534's own namespace, default sized from RAM"
# A cap set by root, the same on every kernel: two windows of it do not fit
# in the cgroup; two of 8192 flows do.
cap=32768
echo "$cap" >/sys/module/netlog/parameters/userns_max_flows
table() { echo $(( $1 * 80 + $1 * 4 )); }	# one per-CPU table, 2^n flows
(( 2 * ncpu * $(table "$cap") > 8 << 20 )) || fail "cap $cap fits in 8M"
small=$(( 2 * ncpu * $(table 8192) ))
avail0=$(mem_available_kib)
# As uid 65534, root of its own user and network namespace, in the cgroup.
install -m 755 "$root/tests/e2e/unpriv.sh" "$bin/unpriv.sh"
install -d -o 65534 -g 65534 "$bin/un"
sh -c 'echo $$ >"$1/cgroup.procs" && shift && exec "$@"' sh "$cg" \
	"${nobody[@]}" unshare -Urn sh "$bin/unpriv.sh" "$ctl" "$cap" "$cg" \
	"$bin/un" >"$out/un.log" 2>&1 ||
	fail "unprivileged script exited $?: $(cat "$out/un.log")"
echo "ok: uid 65534 in its own namespaces: default max flows $cap"
grep -q "userns_max_flows" "$bin/un/eperm.log" ||
	fail "max-flows $((cap + 1)): $(cat "$bin/un/eperm.log")"
echo "ok: refused: max-flows $((cap + 1)): $(cat "$bin/un/eperm.log")"
grep -q "Cannot allocate memory" "$bin/un/enomem.log" ||
	fail "max-flows $cap in 8M: $(cat "$bin/un/enomem.log")"
echo "ok: refused: max-flows $cap in 8M: $(cat "$bin/un/enomem.log")"
charged=$(awk '/^charged/ { print $2 }' "$out/un.log")
# memory.current moves in per-CPU batches of 64 pages: allow a quarter off.
(( charged >= small * 3 / 4 )) ||
	fail "charged $charged bytes to the cgroup, tables take $small"
echo "ok: charged $charged bytes to the cgroup (two windows: $small)"
grep '^{' "$out/un.log" >"$out/un-win.json"
# Echo requests and replies share one key on lo: ICMP has no ports.
eq "$("${flowq[@]}" "$out/un-win.json" sum)" "1 40 3360" \
	"uid 65534's namespace: flows, packets, bytes (20 + 20 of 84 bytes)"
echo 0 >/sys/module/netlog/parameters/userns_max_flows
# Healthy: the unbounded allocation took 650 MiB of a 1 GiB guest; 64 MiB of
# slack covers page cache and the namespace's tables until its cleanup runs.
avail1=$(mem_available_kib)
(( avail0 - avail1 < 65536 )) ||
	fail "MemAvailable fell from $avail0 to $avail1 KiB"
echo "ok: MemAvailable $avail0 -> $avail1 KiB"

echo "== tables larger than memory, refused when set"
"$ctl" set devices lo max-flows 1024
"$ctl" flows --drain --json >/dev/null
avail0=$(mem_available_kib)
refused "Cannot allocate memory" "$ctl" set max-flows 4194304
avail1=$(mem_available_kib)
(( avail0 - avail1 < 65536 )) ||
	fail "MemAvailable fell from $avail0 to $avail1 KiB"
eq "$("$ctl" show | grep -o 'max flows: [0-9]*')" "max flows: 1024" \
	"max flows kept"
echo_traffic
"$ctl" flows --drain --json >"$out/init.json"
eq "$("${flowq[@]}" "$out/init.json" get virtual 17 127.0.0.1:40001 127.0.0.1:40002)" \
	"10 1280 10 1280" "after the refusal: request side"
eq "$("${flowq[@]}" "$out/init.json" get virtual 17 127.0.0.1:40002 127.0.0.1:40001)" \
	"10 1280 10 1280" "after the refusal: echo side"
eq "$("${flowq[@]}" "$out/init.json" sum)" "2 40 5120" \
	"after the refusal: flows, packets, bytes"
"$ctl" set devices ""

echo "== a namespace that never had a window"
ip netns add he
he ip link set lo up
eq "$(he "$ctl" flows --json | $py -c 'import json,sys; d=json.load(sys.stdin); print(d["window"]["seq"], len(d["flows"]))')" \
	"0 0" "empty peek: seq, flows"
he "$ctl" flows >/dev/null
he "$ctl" set devices lo
# Peeks racing drains: a peek never fails.
bg he sh -c "while :; do $ctl flows --drain >/dev/null; done"
he "${traffic[@]}" udp-spray 127.0.0.1 42000 50 10
for i in $(seq 40); do
	he "$ctl" flows >/dev/null || fail "peek $i racing drains failed"
done
kill "${pids[-1]}"
wait "${pids[-1]}" 2>/dev/null || true
echo "ok: 40 peeks racing drains"

echo "== the genetlink fuzzer"
ip netns add fz
ip netns exec fz ip link set lo up
ip netns exec fz $py "$root/tests/e2e/nlfuzz.py" --seed "${NETLOG_FUZZ_SEED:-1}" \
	--count 20000

echo "== namespaces deleted under traffic, then rmmod"
for i in $(seq 12); do
	ip netns add "c$i"
	ip -n "c$i" link set lo up
	ip netns exec "c$i" "$ctl" set devices lo ports 40000 max-flows 64
	bg "c$i" ping -f -q 127.0.0.1 >/dev/null
done
sleep 2
for i in $(seq 12); do
	ip netns del "c$i"
done
bg ha ping -f -q 127.0.0.1 >/dev/null
bg ha "$ctl" monitor >/dev/null 2>&1
sleep 1
rmmod netlog
echo "ok: 12 namespaces deleted and the module removed under traffic"
echo "hostile: all passed"
