#!/bin/bash
# make bench in guest instructions: run by tests/qemu/run.sh --icount, so
# guest time is one nanosecond per instruction whatever the host's load.
#
# 1. Forwarding (topology.sh): the same pktgen stream forwarded with each
#    configuration, in alternating rounds; pktgen's own elapsed time over the
#    packets it sent is instructions per packet, bare path included. Each
#    configuration is checked to count every packet before its figure is kept.
# 2. Reading a window of 100k and 1M flows: each reader's instructions, less
#    those of starting a program (`true`).
# 3. The in-kernel microbenchmark (netlog_bench.ko): instructions per call of
#    the packet path on a prepared skb, per drain, and memory per flow slot.
#
# NETLOG_BENCH_PARTS picks parts (default "forward read micro").
# usage: guest-icount.sh MODDIR BPF_OBJECT
set -euo pipefail
moddir=$1
bpfobj=$2
ctl=$PWD/shipper/netlogctl/netlogctl
nlread=$PWD/shipper/tests/bench-nlread
rounds=${NETLOG_BENCH_ROUNDS:-5}
npkts=${NETLOG_BENCH_PKTS:-100000}
out=${NETLOG_SHARE:-/tmp}

. "$(dirname "$0")/topology.sh"

die() { echo "bench: $*" >&2; exit 1; }
ip -n gw link add d_idle type dummy
stat_of() { gw "$ctl" stats --json | python3 -c "import json,sys; print(json.load(sys.stdin)['$1'])"; }

# pktgen's elapsed guest ns for the last run, over the packets sent.
pktgen_usec() { src sed -n 's/^Result: OK: \([0-9]*\)(.*/\1/p' /proc/net/pktgen/veth_src; }

# run COUNT NSRCADDRS: forwards COUNT packets; prints instructions per packet.
run() {
	local before after usec
	pktgen_setup "$1" "$2"
	before=$(d0_tx)
	src bash -c 'echo start >/proc/net/pktgen/pgctrl'
	after=$(settle)
	(( after - before == $1 )) || die "$cfg: $1 sent, $((after - before)) forwarded"
	usec=$(pktgen_usec)
	echo $(( usec * 1000 / $1 ))
}

# Each configuration: on_X sets it up (and warms it), check_X COUNT checks
# it counted COUNT packets since on_X, off_X removes it.
on_bare() { :; }
check_bare() { :; }
off_bare() { :; }

on_noop() { insmod "$moddir/netlog_noop.ko"; noop0=$(cat /sys/module/netlog_noop/parameters/calls); }
check_noop() { (( $(cat /sys/module/netlog_noop/parameters/calls) - noop0 == $1 )); }
off_noop() { rmmod netlog_noop; }

on_idle() { gw "$ctl" set devices d_idle; seen0=$(stat_of virtRxPkts); }
check_idle() { (( $(stat_of virtRxPkts) == seen0 )); }
off_idle() { gw "$ctl" set devices ""; }

on_existing() {
	gw "$ctl" set devices veth_gw max-flows 4096
	run 2000 1 >/dev/null
	rx0=$(stat_of virtRxPkts) created0=$(stat_of flowsCreated)
}
check_existing() {
	(( $(stat_of virtRxPkts) - rx0 == $1 && $(stat_of flowsCreated) == created0 ))
}
off_existing() { gw "$ctl" flows --drain >/dev/null; gw "$ctl" set devices ""; }

on_new() {
	gw "$ctl" set devices veth_gw max-flows 131072
	gw "$ctl" flows --drain >/dev/null
	created0=$(stat_of flowsCreated) miss0=$(stat_of missTableFullPkts)
}
check_new() {
	(( $(stat_of flowsCreated) - created0 == $1 && $(stat_of missTableFullPkts) == miss0 ))
}
off_new() { gw "$ctl" flows --drain >/dev/null; gw "$ctl" set devices ""; }

nft_count() { gw nft list ruleset | grep -o 'counter packets [0-9]*' | awk '{s += $3} END {print s + 0}'; }
on_conntrack() {
	conntrack_on
	run 2000 1 >/dev/null
	ct0=$(nft_count)
}
check_conntrack() { (( $(nft_count) - ct0 == $1 )); }
off_conntrack() { gw nft delete table ip track; gw conntrack -F 2>/dev/null || true; }

on_nftset() {
	gw nft -f - <<'NFT'
table ip flowset {
	set flows {
		type ipv4_addr . ipv4_addr . inet_proto . inet_service . inet_service
		flags dynamic
		size 65536
		counter
	}
	chain fw {
		type filter hook forward priority 0;
		update @flows { ip saddr . ip daddr . meta l4proto . th sport . th dport }
	}
}
NFT
	run 2000 1 >/dev/null
	set0=$(nft_count)
}
check_nftset() { (( $(nft_count) - set0 == $1 )); }
off_nftset() { gw nft delete table ip flowset; }

bpf_count() {
	gw bpftool -j map dump name flows | python3 -c '
import json, sys

def pkts(v):
    # With BTF a struct; without, the value bytes ("0x01", ...), pkts first.
    if isinstance(v, dict):
        return v["pkts"]
    return int.from_bytes(bytes(int(b, 16) for b in v[:8]), "little")

print(sum(pkts(v["value"]) for e in json.load(sys.stdin) for v in e["values"]))'
}
on_ebpf() {
	gw tc qdisc add dev veth_gw clsact
	gw tc filter add dev veth_gw ingress bpf da obj "$bpfobj" sec tc
	run 2000 1 >/dev/null
	bpf0=$(bpf_count)
}
check_ebpf() { (( $(bpf_count) - bpf0 == $1 )); }
off_ebpf() { gw tc qdisc del dev veth_gw clsact; }

parts=" ${NETLOG_BENCH_PARTS:-forward read micro} "
micro() {
	dmesg -C
	taskset -c 0 insmod "$moddir/netlog_bench.ko"
	rmmod netlog_bench
	dmesg | sed -n 's/.*netlog_bench: \([a-z_0-9]*\) \([0-9]*\).*/\1 \2/p' >"$out/micro.txt"
	cat "$out/micro.txt" >&2
}
[[ $parts != *" micro "* ]] || micro
configs=""
[[ $parts != *" forward "* ]] ||
	configs="bare noop idle existing new conntrack nftset ebpf"
declare -A ins
for r in $(seq "$rounds"); do
	for cfg in $configs; do
		"on_$cfg"
		if [[ $cfg == new ]]; then
			n=$(run "$npkts" 1001)
		else
			n=$(run "$npkts" 1)
		fi
		"check_$cfg" "$npkts" || die "$cfg did not count the $npkts packets"
		"off_$cfg"
		ins[$cfg]+="$n "
		echo "round $r: $cfg $n" >&2
	done
done

stats() { tr ' ' '\n' | grep . | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)], a[1], a[NR]}'; }
{
	for cfg in $configs; do
		echo "$cfg $(stats <<<"${ins[$cfg]}")"
	done
} >"$out/forward.txt"
[[ $parts == *" read "* ]] || exit 0

# Reading a window: the instructions a command in ns gw ran (its task clock: time on
# the CPU, which under icount is instructions; idle time, which icount skips
# ahead while 9p reads or an RCU grace period is awaited, is not counted),
# less those of starting one.
guest_ns() {
	perf stat -x, -e task-clock -o "$out/.stat" -- ip netns exec gw "$@" >/dev/null
	awk -F, '$3 == "task-clock" {printf "%.0f\n", $1 * 1000000}' "$out/.stat"
}
floor() { guest_ns true; }
rm -f "$out/read.txt"
for n in ${NETLOG_BENCH_WINDOWS:-100000 1000000}; do
	cap=16
	while (( cap < n )); do cap=$((cap * 2)); done
	reads=$(( n < 1000000 ? 3 : 1 ))
	gw "$ctl" set devices veth_gw max-flows $cap
	gw "$ctl" flows --drain >/dev/null
	run "$n" 1001 >/dev/null
	got=$(gw "$nlread" parse peek | awk '{print $2}')
	(( got == n )) || die "window holds $got flows, $n sent"
	declare -A rd=()
	for r in $(seq "$reads"); do
		f=$(floor)
		rd[discard]+="$(( $(guest_ns "$nlread" discard peek) - f )) "
		rd[parse]+="$(( $(guest_ns "$nlread" parse peek) - f )) "
		rd[dump]+="$(( $(guest_ns "$ctl" dump) - f )) "
		rd[json]+="$(( $(guest_ns "$ctl" flows --json) - f )) "
	done
	f=$(floor)
	rd[drain]="$(( $(guest_ns "$nlread" discard drain) - f ))"
	rss=$(gw "$nlread" parse drain | sed -n 's/.*maxrss_kb \([0-9]*\).*/\1/p')
	gw "$ctl" set devices ""

	# As many conntrack entries, dumped raw and by conntrack -L.
	# The table's size is global, the UDP timeout per namespace: no entry
	# may expire while the dump is timed.
	sysctl -qw net.netfilter.nf_conntrack_max=2000000
	gw sysctl -qw net.netfilter.nf_conntrack_udp_timeout=3600
	echo 2000000 >/sys/module/nf_conntrack/parameters/hashsize
	conntrack_on
	run "$n" 1001 >/dev/null
	got=$(gw "$nlread" ct-discard | awk '{print $2}')
	(( got == n )) || die "conntrack holds $got entries, $n sent"
	f=$(floor)
	rd[ct]="$(( $(guest_ns "$nlread" ct-discard) - f ))"
	rd[ctl]="$(( $(guest_ns conntrack -L) - f ))"
	gw nft delete table ip track
	gw conntrack -F 2>/dev/null
	for k in discard drain parse dump json ct ctl; do
		echo "$n $k $(stats <<<"${rd[$k]}")"
	done >>"$out/read.txt"
	echo "$n rss_kb $rss $rss $rss" >>"$out/read.txt"
	unset rd
done
