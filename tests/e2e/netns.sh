#!/bin/bash
# End-to-end test of netlog.ko with real WireGuard, run inside a QEMU guest.
#
# usage: netns.sh go|kernel MODDIR
#   go:     wireguard-go (a TUN device and a UDP socket, Tailscale's engine)
#   kernel: the kernel's WireGuard
#
#   ns0 (LAN host)        ns1 (gateway, counted by netlog)         ns2 (peer)
#  ┌──────────────┐      ┌──────────────────────────────┐     ┌──────────────────┐
#  │ v0           │      │ v1 172.16.0.1    (masquerade │     │                  │
#  │ 172.16.0.2 ──┼──────┼─                  into wg0)  │     │                  │
#  │              │      │ wg0 10.0.0.1  fd00::1  ══════╪═════╪═ wg1 10.0.0.2    │
#  │              │      │ u1 192.168.1.1:51820 ────────┼─────┼─ u2 .2:51821     │
#  └──────────────┘      └──────────────────────────────┘     └──────────────────┘
#
#   ns3 ═══ ns4: a second pair, IPv4 only, for table-full accounting; then
#   deleted while traffic flows, and the module removed while ns1 pings.
set -euo pipefail

mode=$1
moddir=$2
root=$PWD
ctl=$root/shipper/netlogctl/netlogctl
py=/usr/bin/python3
traffic="$py $root/tests/e2e/traffic.py"
flowq="$py $root/tests/e2e/flowq.py"
out=$(mktemp -d /tmp/netlog-e2e.XXXXXX)

n0() { ip netns exec ns0 "$@"; }
n1() { ip netns exec ns1 "$@"; }
n2() { ip netns exec ns2 "$@"; }
n3() { ip netns exec ns3 "$@"; }
n4() { ip netns exec ns4 "$@"; }

# shellcheck source=tests/e2e/lib.sh
. "$root/tests/e2e/lib.sh"

# Drain one window of namespace $1 into $out/$2-<seq>.json and acknowledge it.
nwin=0
drain() {
	nwin=$((nwin + 1))
	ip netns exec "$1" "$ctl" flows --drain --json >"$out/$2-$nwin.json"
}

# wg_up NS IF PRIVKEY PORT PEERPUB ENDPOINT ALLOWED
wg_up() {
	local ns=$1 dev=$2
	if [[ $mode == go ]]; then
		ip netns exec "$ns" env WG_PROCESS_FOREGROUND=1 wireguard-go "$dev" \
			>"$out/wg-$dev.log" 2>&1 &
		pids+=($!)
		for _ in $(seq 100); do
			[[ -S /run/wireguard/$dev.sock ]] && break
			sleep 0.1
		done
		[[ -S /run/wireguard/$dev.sock ]] || { echo "FAIL: wireguard-go $dev did not start" >&2; exit 1; }
	else
		ip -n "$ns" link add "$dev" type wireguard
	fi
	ip netns exec "$ns" wg set "$dev" private-key <(echo "$3") listen-port "$4" \
		peer "$5" endpoint "$6" allowed-ips "$7"
}

modprobe -a tun veth wireguard 2>/dev/null || true
insmod "$moddir/netlog.ko"

for ns in ns0 ns1 ns2; do
	ip netns add $ns
	ip -n $ns link set lo up
done

# Configure before wg0 exists: it must be counted from its creation.
n1 "$ctl" set devices wg0 ports 51820
n1 "$ctl" show

ip -n ns1 link add u1 type veth peer name u2 netns ns2
ip -n ns1 addr add 192.168.1.1/24 dev u1
ip -n ns2 addr add 192.168.1.2/24 dev u2
ip -n ns0 link add v0 type veth peer name v1 netns ns1
ip -n ns0 addr add 172.16.0.2/24 dev v0
ip -n ns1 addr add 172.16.0.1/24 dev v1
for l in "ns1 u1" "ns2 u2" "ns0 v0" "ns1 v1"; do
	set -- $l
	ip -n "$1" link set "$2" up
done
ip -n ns0 route add default via 172.16.0.1

k1=$(wg genkey); k2=$(wg genkey)
p1=$(echo "$k1" | wg pubkey); p2=$(echo "$k2" | wg pubkey)
wg_up ns1 wg0 "$k1" 51820 "$p2" 192.168.1.2:51821 10.0.0.2/32,fd00::2/128
wg_up ns2 wg1 "$k2" 51821 "$p1" 192.168.1.1:51820 10.0.0.1/32,fd00::1/128
ip -n ns1 addr add 10.0.0.1/24 dev wg0
ip -n ns1 addr add fd00::1/64 dev wg0 nodad
ip -n ns2 addr add 10.0.0.2/24 dev wg1
ip -n ns2 addr add fd00::2/64 dev wg1 nodad
ip -n ns1 link set wg0 up
ip -n ns2 link set wg1 up

# ns1 routes the LAN into the tunnel behind its own tunnel address.
n1 sysctl -qw net.ipv4.ip_forward=1
n1 nft -f - <<'EOF'
table ip nat {
	chain post {
		type nat hook postrouting priority srcnat;
		oifname "wg0" masquerade
	}
}
EOF

# TCP without options, so every segment after the handshake has 40 bytes of
# headers and the SYNs carry only an MSS option (44 bytes).
for ns in ns1 ns2; do
	ip netns exec $ns sysctl -qw net.ipv4.tcp_timestamps=0 \
		net.ipv4.tcp_sack=0 net.ipv4.tcp_window_scaling=0
done

# ---- known traffic ------------------------------------------------------------

# 10 UDP datagrams of 100 bytes, each echoed (also makes the handshake).
bg ns2 $traffic udp-echo 10.0.0.2 6000 >"$out/udp-echo.txt"
listening "$out/udp-echo.txt"
n1 $traffic udp-send 10.0.0.2 6000 10 100 5000
# 7 IPv4 pings of 400-byte packets, 5 IPv6 pings of 600-byte packets.
n1 ping -q -c 7 -i 0.2 -s 372 10.0.0.2
n1 ping -q -6 -c 5 -i 0.2 -s 552 fd00::2
# 4 pings of 200 bytes from the LAN host, masqueraded by ns1.
n0 ping -q -c 4 -i 0.2 -s 172 10.0.0.2
# 100000 bytes over TCP.
bg ns2 $traffic tcp-sink 10.0.0.2 7000 >"$out/tcp-sink.txt"
listening "$out/tcp-sink.txt"
tcp_segs() {
	n1 nstat -az TcpOutSegs TcpInSegs |
		awk '$1 == "TcpOutSegs" { o = $2 } $1 == "TcpInSegs" { i = $2 } END { print o, i }'
}
tcp_before=$(tcp_segs)
n1 $traffic tcp-send 10.0.0.2 7000 100000
tcp_after=$(tcp_segs)

# Close windows until no WireGuard message crossed a close: then the
# physical counts of all windows must equal what WireGuard itself counted.
for _ in 1 2 3 4 5; do
	wg_a=$(n1 wg show wg0 transfer | cut -f2,3)
	drain ns1 w
	wg_b=$(n1 wg show wg0 transfer | cut -f2,3)
	[[ $wg_a == "$wg_b" ]] && break
done
cat "$out"/w-*.json
n1 "$ctl" stats

# ---- assertions ---------------------------------------------------------------

eq "$($flowq "$out/w-*.json" get virtual 17 10.0.0.1:5000 10.0.0.2:6000)" \
	"10 1280 10 1280" "udp 10 x 128 bytes each way"
eq "$($flowq "$out/w-*.json" get virtual 1 10.0.0.1:0 10.0.0.2:0)" \
	"7 2800 7 2800" "ping v4 7 x 400 bytes (the masqueraded LAN pings not merged in)"
eq "$($flowq "$out/w-*.json" get virtual 58 '[fd00::1]:0' '[fd00::2]:0')" \
	"5 3000 5 3000" "ping v6 5 x 600 bytes"
eq "$($flowq "$out/w-*.json" get virtual 1 172.16.0.2:0 10.0.0.2:0)" \
	"4 800 4 800" "LAN pings logged with the pre-SNAT source"

read -r tx_pkts tx_bytes rx_pkts rx_bytes < <($flowq "$out/w-*.json" getdst virtual 6 10.0.0.2:7000)
read -r out0 in0 <<<"$tcp_before"
read -r out1 in1 <<<"$tcp_after"
eq "$tx_pkts" "$((out1 - out0))" "tcp tx packets = TcpOutSegs"
eq "$rx_pkts" "$((in1 - in0))" "tcp rx packets = TcpInSegs"
eq "$((tx_bytes - 40 * tx_pkts - 4))" 100000 "tcp tx bytes = payload + headers"
eq "$((rx_bytes - 40 * rx_pkts - 4))" 0 "tcp rx bytes = headers only"

read -r wg_rx wg_tx <<<"$wg_b"
read -r _ ptx_bytes _ prx_bytes < <($flowq "$out/w-*.json" get physical 17 192.168.1.1:51820 192.168.1.2:51821)
eq "$ptx_bytes" "$wg_tx" "physical tx bytes = wg transfer sent"
eq "$prx_bytes" "$wg_rx" "physical rx bytes = wg transfer received"
eq "$($flowq "$out/w-*.json" misses)" "0 0" "no misses"

# ---- permissions ----------------------------------------------------------------

# A copy that user nobody can surely execute.
install -m 755 "$ctl" "$out/netlogctl"
chmod 755 "$out"
if setpriv --reuid=65534 --regid=65534 --clear-groups "$out/netlogctl" stats 2>"$out/eperm.txt"; then
	echo "FAIL: an unprivileged caller read the stats" >&2
	exit 1
fi
grep -q "permission denied" "$out/eperm.txt" || { cat "$out/eperm.txt"; exit 1; }
if n1 unshare -Ur "$ctl" stats 2>"$out/eperm2.txt"; then
	echo "FAIL: root of a user namespace that does not own ns1 read the stats" >&2
	exit 1
fi
grep -q "permission denied" "$out/eperm2.txt" || { cat "$out/eperm2.txt"; exit 1; }
echo "ok: unprivileged callers get EPERM"

# ---- table full -------------------------------------------------------------------

for ns in ns3 ns4; do
	ip netns add $ns
	ip netns exec $ns sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
		net.ipv6.conf.default.disable_ipv6=1
	ip -n $ns link set lo up
done
ip -n ns3 link add u3 type veth peer name u4 netns ns4
ip -n ns3 addr add 192.168.2.1/24 dev u3
ip -n ns4 addr add 192.168.2.2/24 dev u4
ip -n ns3 link set u3 up
ip -n ns4 link set u4 up
wg_up ns3 wg3 "$k1" 51830 "$p2" 192.168.2.2:51831 10.0.1.2/32
wg_up ns4 wg4 "$k2" 51831 "$p1" 192.168.2.1:51830 10.0.1.1/32
ip -n ns3 addr add 10.0.1.1/24 dev wg3
ip -n ns4 addr add 10.0.1.2/24 dev wg4
ip -n ns3 link set wg3 up
ip -n ns4 link set wg4 up
# Dropped silently on arrival: no ICMP errors come back.
n4 nft add table ip f
n4 nft add chain ip f in '{ type filter hook input priority 0; }'
n4 nft add rule ip f in udp dport 8000-8099 drop

n3 "$ctl" set devices wg3 max-flows 16
n3 ping -q -c 1 10.0.1.2
drain ns3 t	# the warm-up window; the next one has room for 16 flows
stats0=$(n3 "$ctl" stats --json)
ip netns exec ns3 "$ctl" monitor >"$out/monitor.txt" &
monitor=$!
sleep 0.5
# 100 flows of one 128-byte packet, all counted on CPU 0.
n3 taskset -c 0 $traffic udp-spray 10.0.1.2 8000 100 100
drain ns3 full
stats1=$(n3 "$ctl" stats --json)
sleep 0.5
kill -TERM $monitor
wait $monitor
cat "$out/monitor.txt"
# 75% of 16 slots: one event for the window, from CPU 0's table.
eq "$(grep -c 'max_flows=16$' "$out/monitor.txt")" 1 "high-water events"
full=$(ls "$out"/full-*.json)
eq "$($flowq "$full" sum)" "16 16 2048" "a full table holds 16 flows"
eq "$($flowq "$full" misses)" "84 10752" "the other 84 packets are misses"
seen=$($py -c '
import json, sys
a, b = (json.loads(s) for s in sys.argv[1:3])
d = lambda k: b[k] - a[k]
print(d("virtTxPkts") + d("virtRxPkts"), d("virtTxBytes") + d("virtRxBytes"))
' "$stats0" "$stats1")
eq "$seen" "100 12800" "flows + misses = what the hooks saw"

# ---- teardown under traffic ----------------------------------------------------------

bg ns3 ping -q -i 0.01 10.0.1.2
bg ns1 ping -q -i 0.01 10.0.0.2
sleep 1
ip netns pids ns4 | xargs -r kill
ip netns del ns4
sleep 0.5
ip netns pids ns3 | xargs -r kill
ip netns del ns3
sleep 1
rmmod netlog
if lsmod | grep -q '^netlog '; then
	echo "FAIL: netlog still loaded" >&2
	exit 1
fi
echo "ok: namespace deleted and module removed while traffic flowed"
echo "PASS: e2e $mode"
