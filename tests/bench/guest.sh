#!/bin/bash
# netlog benchmark in wall-clock time, inside a QEMU guest (topology.sh).
# Noisy: TCG on a shared host moves 2-3x between runs; guest-icount.sh gives
# the instruction counts that do not move. Prints a table.
#
# The same pktgen stream (1000 UDP flows, 60-byte frames) is forwarded with no
# hook, with netlog counting b, and with nf_conntrack + nf_conntrack_acct=1.
# usage: guest.sh MODDIR
set -euo pipefail
moddir=$1
ctl=$PWD/shipper/netlogctl/netlogctl
rounds=${NETLOG_BENCH_ROUNDS:-3}
npkts=${NETLOG_BENCH_PKTS:-200000}

. "$(dirname "$0")/topology.sh"

declare -A pps
for r in $(seq "$rounds"); do
	pps[none]+="$(run_pps) "
	gw "$ctl" set devices veth_gw
	pps[netlog]+="$(run_pps) "
	gw "$ctl" set devices ""
	conntrack_on
	pps[conntrack]+="$(run_pps) "
	gw nft delete table ip track
done
median() { tr ' ' '\n' | grep . | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
none=$(median <<<"${pps[none]}")
nl=$(median <<<"${pps[netlog]}")
ct=$(median <<<"${pps[conntrack]}")

# Drain time over netlink for 100k and 1M flows, all on one CPU's table.
gw "$ctl" set devices veth_gw max-flows 1048576
gw "$ctl" flows --drain >/dev/null
declare -A drain_ms lost read_ms
nlread=$PWD/shipper/tests/bench-nlread
for n in 100000 1000000; do
	pktgen_setup "$n" 1001
	before=$(d0_tx)
	src bash -c 'echo start >/proc/net/pktgen/pgctrl'
	settle >/dev/null
	# Each forwarded packet is a distinct flow, counted before d0 saw it.
	want=$(( $(d0_tx) - before ))
	# The readers of guest-icount.sh's table, on the same window (peeks).
	for r in discard parse dump json; do
		case $r in
		discard|parse) cmd=("$nlread" "$r" peek) ;;
		dump) cmd=("$ctl" dump) ;;
		json) cmd=("$ctl" flows --json) ;;
		esac
		t0=$(date +%s%N)
		gw "${cmd[@]}" >/dev/null
		read_ms[$r-$n]=$(( ($(date +%s%N) - t0) / 1000000 ))
	done
	t0=$(date +%s%N)
	got=$(gw "$ctl" dump --drain | wc -l)
	t1=$(date +%s%N)
	if [[ $got != "$want" ]]; then
		echo "bench: drained $got flows, $want packets were forwarded" >&2
		exit 1
	fi
	lost[$n]=$(( n - want ))
	drain_ms[$n]=$(( (t1 - t0) / 1000000 ))
done
gw "$ctl" set devices ""
rmmod netlog

dmesg -C
taskset -c 0 insmod "$moddir/netlog_bench.ko"
rmmod netlog_bench
k() { dmesg | sed -n "s/.*netlog_bench: $1 \([0-9]*\).*/\1/p"; }

awk -v none="$none" -v nl="$nl" -v ct="$ct" -v rounds="$rounds" -v npkts="$npkts" \
	-v hit="$(k hit_existing_ns_per_pkt)" -v new100k="$(k new_flow_ns_per_pkt_100000)" \
	-v new1m="$(k new_flow_ns_per_pkt_1000000)" -v kd100k="$(k drain_100000_flows_ns)" \
	-v kd1m="$(k drain_1000000_flows_ns)" -v slot="$(k bytes_per_flow_slot)" \
	-v nd100k="${drain_ms[100000]}" -v nd1m="${drain_ms[1000000]}" \
	-v lost100k="${lost[100000]}" -v lost1m="${lost[1000000]}" \
	-v rd="${read_ms[discard-100000]} ${read_ms[discard-1000000]} ${read_ms[parse-100000]} ${read_ms[parse-1000000]} ${read_ms[dump-100000]} ${read_ms[dump-1000000]} ${read_ms[json-100000]} ${read_ms[json-1000000]}" '
BEGIN {
	cost_nl = 1e9 / nl - 1e9 / none
	cost_ct = 1e9 / ct - 1e9 / none
	printf "netlog benchmark (QEMU TCG guest, %s, 2 vCPUs; median of %d rounds of %d packets)\n\n",
		ENVIRON["NETLOG_KREL"], rounds, npkts
	printf "| forwarding path (1000 UDP flows)   | pps     | vs no hook | added ns/pkt |\n"
	printf "|------------------------------------|---------|------------|--------------|\n"
	printf "| no hook                            | %7d | %9.3f  | %12s |\n", none, 1, "-"
	printf "| netlog                             | %7d | %9.3f  | %12.0f |\n", nl, nl / none, cost_nl
	printf "| nf_conntrack + nf_conntrack_acct=1 | %7d | %9.3f  | %12.0f |\n", ct, ct / none, cost_ct
	printf "\nnetlog added cost / conntrack added cost: %.2f (target < 0.5)\n", cost_nl / cost_ct
	printf "netlog pps loss: %.1f%% (target <= 5%%)\n\n", 100 * (1 - nl / none)
	printf "| in-kernel microbenchmark (prepared skbs)  | value        |\n"
	printf "|-------------------------------------------|--------------|\n"
	printf "| hook, existing flow                       | %6d ns/pkt |\n", hit
	printf "| hook, new flow (100k flows)               | %6d ns/pkt |\n", new100k
	printf "| hook, new flow (1M flows)                 | %6d ns/pkt |\n", new1m
	printf "| drain + merge walk, 100k flows (kernel)   | %9.1f ms |\n", kd100k / 1e6
	printf "| drain + merge walk, 1M flows (kernel)     | %9.1f ms |\n", kd1m / 1e6
	printf "| drain over netlink to netlogctl, 100k     | %9d ms |\n", nd100k
	printf "| drain over netlink to netlogctl, 1M       | %9d ms |\n", nd1m
	printf "| (packets pktgen lost before the hook: %d of 100k, %d of 1M)\n", lost100k, lost1m
	split(rd, r, " ")
	printf "| peek, discarding reader, 100k / 1M       | %5d / %5d ms |\n", r[1], r[2]
	printf "| peek, netlogd fetch + decode, 100k / 1M  | %5d / %5d ms |\n", r[3], r[4]
	printf "| netlogctl dump, 100k / 1M                | %5d / %5d ms |\n", r[5], r[6]
	printf "| netlogctl flows --json, 100k / 1M        | %5d / %5d ms |\n", r[7], r[8]
	printf "| memory per flow slot (entry + bucket)     | %7d B    |\n", slot
}'
