#!/bin/bash
# netlog benchmark, inside a QEMU guest. Prints a table.
#
#   ns src                           ns gw (the "tunnel" device is veth_gw)
#  ┌─────────────────────────┐      ┌─────────────────────────────────────────────┐
#  │ pktgen -> veth_src ──────┼──────┼─ veth_gw 10.0.0.1 -> forward -> dummy d0     │
#  └─────────────────────────┘      └─────────────────────────────────────────────┘
#
# The same pktgen stream (1000 UDP flows, 60-byte frames) is forwarded with no
# hook, with netlog counting b, and with nf_conntrack + nf_conntrack_acct=1.
# usage: guest.sh MODDIR
set -euo pipefail
moddir=$1
ctl=$PWD/shipper/netlogctl/netlogctl
rounds=${NETLOG_BENCH_ROUNDS:-3}
npkts=${NETLOG_BENCH_PKTS:-200000}

src() { ip netns exec src "$@"; }
gw() { ip netns exec gw "$@"; }

modprobe -a veth dummy pktgen nf_conntrack nf_tables 2>/dev/null || true
insmod "$moddir/netlog.ko"
sysctl -qw net.core.netdev_max_backlog=1000000
for ns in src gw; do
	ip netns add $ns
	ip netns exec $ns sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
		net.ipv6.conf.default.disable_ipv6=1
done
ip -n src link add veth_src type veth peer name veth_gw netns gw
ip -n src addr add 10.0.0.2/24 dev veth_src
ip -n gw addr add 10.0.0.1/24 dev veth_gw
ip -n gw link add d0 type dummy
ip -n src link set veth_src up
ip -n gw link set veth_gw up
ip -n gw link set d0 up
ip -n gw route add 10.99.0.0/16 dev d0
gw sysctl -qw net.ipv4.ip_forward=1
mac=$(ip -n gw -br link show veth_gw | awk '{print $3}')

# pktgen_setup COUNT NSRCADDRS: src ports 1-1000 (pktgen's udp_src_max is
# exclusive), so COUNT <= 1000 * NSRCADDRS
# packets are COUNT distinct flows when NSRCADDRS is coprime with 1000.
pktgen_setup() {
	local last=$(( $2 - 1 ))
	src bash -c "
		echo rem_device_all >/proc/net/pktgen/kpktgend_0
		echo add_device veth_src >/proc/net/pktgen/kpktgend_0
		for c in 'count $1' 'pkt_size 60' 'delay 0' 'clone_skb 0' \
			'dst_min 10.99.0.1' 'dst_max 10.99.0.1' \
			'src_min 10.98.0.0' 'src_max 10.98.$((last / 256)).$((last % 256))' \
			'udp_src_min 1' 'udp_src_max 1001' 'udp_dst_min 9' 'udp_dst_max 9' \
			'dst_mac $mac'; do
			echo \"\$c\" >/proc/net/pktgen/veth_src
		done"
}
d0_tx() { gw cat /sys/class/net/d0/statistics/tx_packets; }
# Wait until d0 stops receiving; prints its count.
settle() {
	local prev=-1 now
	now=$(d0_tx)
	while [[ $now != "$prev" ]]; do
		prev=$now
		sleep 0.05
		now=$(d0_tx)
	done
	echo "$now"
}

# Forward $npkts packets; prints packets per second delivered to d0.
run_pps() {
	pktgen_setup "$npkts" 1
	local before t0 t1 after
	before=$(d0_tx)
	t0=$(date +%s%N)
	src bash -c 'echo start >/proc/net/pktgen/pgctrl'
	after=$(settle)
	t1=$(date +%s%N)
	echo $(( (after - before) * 1000000000 / (t1 - t0) ))
}

conntrack_on() {
	gw sysctl -qw net.netfilter.nf_conntrack_acct=1
	gw nft -f - <<'EOF'
table ip track {
	chain fw {
		type filter hook forward priority 0;
		ct state new,established counter
	}
}
EOF
}

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
declare -A drain_ms lost
for n in 100000 1000000; do
	pktgen_setup "$n" 1001
	before=$(d0_tx)
	src bash -c 'echo start >/proc/net/pktgen/pgctrl'
	settle >/dev/null
	# Each forwarded packet is a distinct flow, counted before d0 saw it.
	want=$(( $(d0_tx) - before ))
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
	-v lost100k="${lost[100000]}" -v lost1m="${lost[1000000]}" '
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
	printf "| memory per flow slot (entry + bucket)     | %7d B    |\n", slot
}'
