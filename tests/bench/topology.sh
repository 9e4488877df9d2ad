# The benchmark guests' topology and packet source, sourced by guest.sh
# (wall clock) and guest-icount.sh (instructions):
#
#   ns src                           ns gw (the "tunnel" device is veth_gw)
#  ┌─────────────────────────┐      ┌─────────────────────────────────────────────┐
#  │ pktgen -> veth_src ──────┼──────┼─ veth_gw 10.0.0.1 -> forward -> dummy d0     │
#  └─────────────────────────┘      └─────────────────────────────────────────────┘
#
# Loads netlog.ko from $moddir; the caller sets moddir.

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

# nf_conntrack with accounting, tracking the forwarded stream.
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
