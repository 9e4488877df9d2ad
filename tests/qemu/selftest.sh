#!/bin/bash
# Guest script that proves the QEMU harness: namespaces, veth, wireguard-go,
# kernel WireGuard and nftables NAT all work in the guest.
#   tests/qemu/run.sh --kernel stock-6.1 -- tests/qemu/selftest.sh
#
#   nl1                                   nl2
#   veth1 10.0.0.1/24 ------------------- veth2 10.0.0.2/24
#   wg0  192.168.241.1 (wireguard-go) === wg1  192.168.241.2 (wireguard-go)
#   wgk0 192.168.242.1 (kernel)       === wgk1 192.168.242.2 (kernel)
#   nft: masquerade on veth1
set -eu

n1() { ip netns exec nl1 "$@"; }
n2() { ip netns exec nl2 "$@"; }

echo "kernel: $(uname -r)"
ip netns add nl1
ip netns add nl2
ip link add veth1 netns nl1 type veth peer name veth2 netns nl2
n1 ip addr add 10.0.0.1/24 dev veth1
n2 ip addr add 10.0.0.2/24 dev veth2
for n in n1 n2; do
	$n ip link set lo up
done
n1 ip link set veth1 up
n2 ip link set veth2 up

keys=$(mktemp -d)
(umask 077 && wg genkey >"$keys/1" && wg genkey >"$keys/2")
pub1=$(wg pubkey <"$keys/1")
pub2=$(wg pubkey <"$keys/2")

# wire NS IF PEER_NS_IF_ADDR_SUFFIX: configure one end of a tunnel.
# usage: wire ns ifname own-key own-port peer-pub peer-endpoint-port peer-inner-ip own-inner-cidr
wire() {
	local ns=$1 ifname=$2 key=$3 port=$4 peer=$5 peer_ip=$6 peer_port=$7 inner=$8 peer_inner=$9
	$ns wg set "$ifname" private-key "$key" listen-port "$port" \
		peer "$peer" endpoint "$peer_ip:$peer_port" allowed-ips "$peer_inner/32"
	$ns ip addr add "$inner/24" dev "$ifname"
	$ns ip link set "$ifname" up
}

# transfer IF: exact WireGuard message bytes on the initiator side, n1. Handshake
# initiation 148 out, response 92 in, then 3 echo requests and replies of 84 bytes,
# each 16 + 96 (padded) + 16 = 128. Checked at once: 10 s after the last reply,
# n1 would send a 32-byte keepalive.
transfer() {
	local rx tx
	read -r _ rx tx < <(n1 wg show "$1" transfer)
	(( rx == 92 + 3 * 128 && tx == 148 + 3 * 128 )) || {
		echo "selftest: $1 moved rx $rx tx $tx bytes, expected rx 476 tx 532" >&2
		exit 1
	}
}

# ping3 NS ADDR: exactly three echo replies.
ping3() {
	local out
	out=$($1 ping -c 3 -i 0.3 -W 5 "$2") || { echo "$out"; return 1; }
	echo "$out" | grep -q '^3 packets transmitted, 3 received' || { echo "$out"; return 1; }
	echo "$1 -> $2: 3/3 replies"
}

echo "== wireguard-go"
WG_PROCESS_FOREGROUND=1 n1 wireguard-go wg0 &
WG_PROCESS_FOREGROUND=1 n2 wireguard-go wg1 &
for sock in /run/wireguard/wg0.sock /run/wireguard/wg1.sock; do
	for _ in $(seq 100); do
		[ -S "$sock" ] && break
		sleep 0.1
	done
	[ -S "$sock" ] || { echo "selftest: wireguard-go did not create $sock" >&2; exit 1; }
done
wire n1 wg0 "$keys/1" 51820 "$pub2" 10.0.0.2 51821 192.168.241.1 192.168.241.2
wire n2 wg1 "$keys/2" 51821 "$pub1" 10.0.0.1 51820 192.168.241.2 192.168.241.1
ping3 n1 192.168.241.2
transfer wg0

echo "== kernel wireguard"
n1 ip link add wgk0 type wireguard
n2 ip link add wgk1 type wireguard
wire n1 wgk0 "$keys/1" 51830 "$pub2" 10.0.0.2 51831 192.168.242.1 192.168.242.2
wire n2 wgk1 "$keys/2" 51831 "$pub1" 10.0.0.1 51830 192.168.242.2 192.168.242.1
ping3 n1 192.168.242.2
transfer wgk0

echo "== transfer"
n1 wg show all transfer
n2 wg show all transfer
echo "== nftables masquerade, conntrack accounting"
n1 nft -f - <<'EOF'
table ip nat {
	chain postrouting {
		type nat hook postrouting priority srcnat;
		oifname "veth1" icmp type echo-request counter masquerade
	}
}
EOF
n1 sysctl -qw net.netfilter.nf_conntrack_acct=1
[ "$(n1 cat /proc/sys/net/netfilter/nf_conntrack_acct)" = 1 ]
ping3 n1 10.0.0.2
# The NAT chain sees only the first packet of the connection.
n1 nft list chain ip nat postrouting | grep -q 'counter packets 1 bytes 84 masquerade' || {
	n1 nft list ruleset
	echo "selftest: the masquerade rule did not count exactly one 84-byte packet" >&2
	exit 1
}
echo "masquerade: 1 packet, 84 bytes"
echo "selftest: ok"
