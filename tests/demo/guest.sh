#!/bin/bash
# The main job, inside a QEMU guest: netlog.ko counts a wireguard-go tunnel
# between two namespaces, netlogd turns the window into Tailscale flow log
# records and ships them to a local file; print what netlogctl saw and what
# netlogd shipped.
#
#   ns1 (gateway, counted)                       ns2 (peer)
#   wg0 100.64.0.1  fd7a:115c:a1e0::1  ══════  wg1 100.64.0.2  fd7a:115c:a1e0::2
#   veth 192.0.2.1:41641 ─────────────────────  veth 192.0.2.2:41642
set -euo pipefail
moddir=$1
root=$PWD
ctl=$root/shipper/netlogctl/netlogctl
py=/usr/bin/python3
n1() { ip netns exec ns1 "$@"; }
n2() { ip netns exec ns2 "$@"; }
pids=()
trap 'kill "${pids[@]}" 2>/dev/null; wait 2>/dev/null' EXIT

modprobe -a tun veth 2>/dev/null || true
insmod "$moddir/netlog.ko"
ip netns add ns1
ip netns add ns2
n1 "$ctl" set devices wg0 ports 41641
out=$(mktemp -d /tmp/netlog-demo.XXXXXX)
ip -n ns1 link add e1 type veth peer name e2 netns ns2
ip -n ns1 addr add 192.0.2.1/24 dev e1
ip -n ns2 addr add 192.0.2.2/24 dev e2
ip -n ns1 link set e1 up
ip -n ns2 link set e2 up
k1=$(wg genkey); k2=$(wg genkey)
for i in 1 2; do
	ip netns exec ns$i env WG_PROCESS_FOREGROUND=1 wireguard-go wg$((i - 1)) >/dev/null 2>&1 &
	pids+=($!)
done
for s in wg0 wg1; do
	while [[ ! -S /run/wireguard/$s.sock ]]; do sleep 0.1; done
done
n1 wg set wg0 private-key <(echo "$k1") listen-port 41641 peer "$(echo "$k2" | wg pubkey)" \
	endpoint 192.0.2.2:41642 allowed-ips 100.64.0.2/32,fd7a:115c:a1e0::2/128
n2 wg set wg1 private-key <(echo "$k2") listen-port 41642 peer "$(echo "$k1" | wg pubkey)" \
	endpoint 192.0.2.1:41641 allowed-ips 100.64.0.1/32,fd7a:115c:a1e0::1/128
ip -n ns1 addr add 100.64.0.1/10 dev wg0
ip -n ns1 addr add fd7a:115c:a1e0::1/48 dev wg0 nodad
ip -n ns2 addr add 100.64.0.2/10 dev wg1
ip -n ns2 addr add fd7a:115c:a1e0::2/48 dev wg1 nodad
ip -n ns1 link set wg0 up
ip -n ns2 link set wg1 up

# Who is who: netlog's own node map format (docs/nodemap.md).
cat >"$out/nodes.json" <<'EOF'
{
  "self": "nGATEWAY1CNTRL",
  "nodes": [
    {"id": "nGATEWAY1CNTRL", "name": "gateway.example.ts.net.", "os": "linux",
     "addresses": ["100.64.0.1", "fd7a:115c:a1e0::1"], "tags": ["tag:gateway"],
     "endpoints": ["192.0.2.1:41641"]},
    {"id": "nLAPTOP2CNTRL", "name": "laptop.example.ts.net.", "os": "linux",
     "addresses": ["100.64.0.2", "fd7a:115c:a1e0::2"], "user": "alice@example.com",
     "endpoints": ["192.0.2.2:41642"]}
  ]
}
EOF
ip netns exec ns1 "$root/shipper/netlogd/netlogd" --nodes="$out/nodes.json" --sink=file \
	--file-path="$out/flows.jsonl" --spool-dir="$out/spool" --poll-period=60s &
netlogd=$!

echo "# traffic: 5 pings (v4, 84 bytes), 3 pings (v6, 104 bytes), 10 UDP datagrams, 50 kB over TCP"
n1 ping -q -c 5 -i 0.2 100.64.0.2 >/dev/null
n1 ping -q -6 -c 3 -i 0.2 fd7a:115c:a1e0::2 >/dev/null
ready=$(mktemp -d)
ip netns exec ns2 $py "$root/tests/e2e/traffic.py" udp-echo 100.64.0.2 53 >"$ready/udp" & pids+=($!)
ip netns exec ns2 $py "$root/tests/e2e/traffic.py" tcp-sink 100.64.0.2 22 >"$ready/tcp" & pids+=($!)
until grep -qs listening "$ready/udp" && grep -qs listening "$ready/tcp"; do sleep 0.1; done
n1 $py "$root/tests/e2e/traffic.py" udp-send 100.64.0.2 53 10 64 40000
n1 $py "$root/tests/e2e/traffic.py" tcp-send 100.64.0.2 22 50000

echo
echo "# netlogctl flows (the live window)"
n1 "$ctl" flows
echo
echo "# wg show wg0 transfer (the physical entry counts the same bytes)"
n1 wg show wg0 transfer
# netlogd drains the window on SIGTERM, spools it, acknowledges it, ships it.
kill -TERM $netlogd
wait $netlogd
echo
echo "# netlogctl stats"
n1 "$ctl" stats
echo
echo "# the records netlogd shipped to $out/flows.jsonl, one entry a line"
cat "$out/flows.jsonl"
