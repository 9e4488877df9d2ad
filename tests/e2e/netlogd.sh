#!/bin/bash
# netlogd end to end, inside a QEMU guest: wireguard-go, netlog.ko, netlogd
# shipping to three sinks at once: the test collector on ns1's loopback
# (logtail, zstd), a file, and IPFIX over UDP to a real nfcapd.
#
# usage: netlogd.sh MODDIR
#
#   ns1 "gw" (self, counted)                       ns2 "peer", subnet router
#  ┌───────────────────────────────┐             ┌──────────────────────────────┐
#  │ wg0 100.64.0.1 fd7a:..::1  ═══╪═════════════╪═ wg1 100.64.0.2 fd7a:..::2   │
#  │ e1 192.0.2.1:41641 ───────────┼─────────────┼─ e2 192.0.2.2:41642          │
#  │ netlogd -> 127.0.0.1 collector│             │ lan0 10.20.0.5/24 (subnet)   │
#  │        -> 127.0.0.1:4739 nfcapd             │                              │
#  └───────────────────────────────┘             └──────────────────────────────┘
#
# Part A: one window of known traffic (ICMP, UDP and TCP over IPv4 and
# IPv6, a subnet ping); the collector and the file must each hold exactly
# the expected message, and nfdump (nfcapd's file) and tshark (the same
# datagrams, captured) exactly its records, one per direction, in their
# observation domains. Part B: netlogd killed with SIGKILL 50
# times while traffic flows and the collector fails 20% of uploads; at the
# end every entry is there once in the collector and the file and the
# counts equal the kernel's (nfcapd is gone: the ipfix sink's datagrams are
# lost, as UDP loses them, and must hold nothing up). Part C: the node
# map from nodes_command, which fails, hangs and prints a broken map in turn.
set -euo pipefail
moddir=$1
root=$PWD
ctl=$root/shipper/netlogctl/netlogctl
netlogd=$root/shipper/netlogd/netlogd
py=/usr/bin/python3
traffic="$py $root/tests/e2e/traffic.py"
out=$(mktemp -d /tmp/netlogd-e2e.XXXXXX)
n1() { ip netns exec ns1 "$@"; }
n2() { ip netns exec ns2 "$@"; }
pids=()
nd=
trap 'kill "${pids[@]}" $nd 2>/dev/null; wait 2>/dev/null' EXIT

eq() {
	if [[ "$1" != "$2" ]]; then
		printf 'FAIL: %s:\n got:  %s\n want: %s\n' "$3" "$1" "$2" >&2
		exit 1
	fi
	echo "ok: $3"
}

modprobe -a tun veth dummy 2>/dev/null || true
insmod "$moddir/netlog.ko"
for ns in ns1 ns2; do
	ip netns add $ns
	ip -n $ns link set lo up
	# No router solicitations: only the test's own traffic crosses wg.
	ip netns exec $ns sysctl -qw net.ipv6.conf.default.router_solicitations=0
done
n1 "$ctl" set devices wg0 ports 41641
ip -n ns1 link add e1 type veth peer name e2 netns ns2
ip -n ns1 addr add 192.0.2.1/24 dev e1
ip -n ns2 addr add 192.0.2.2/24 dev e2
ip -n ns1 link set e1 up
ip -n ns2 link set e2 up
ip -n ns2 link add lan0 type dummy
ip -n ns2 addr add 10.20.0.5/24 dev lan0
ip -n ns2 link set lan0 up
k1=$(wg genkey); k2=$(wg genkey)
for i in 1 2; do
	ip netns exec ns$i env WG_PROCESS_FOREGROUND=1 wireguard-go wg$((i - 1)) >/dev/null 2>&1 &
	pids+=($!)
done
for s in wg0 wg1; do
	for _ in $(seq 100); do [[ -S /run/wireguard/$s.sock ]] && break; sleep 0.1; done
done
n1 wg set wg0 private-key <(echo "$k1") listen-port 41641 peer "$(echo "$k2" | wg pubkey)" \
	endpoint 192.0.2.2:41642 allowed-ips 100.64.0.2/32,fd7a:115c:a1e0::2/128,10.20.0.0/24
n2 wg set wg1 private-key <(echo "$k2") listen-port 41642 peer "$(echo "$k1" | wg pubkey)" \
	endpoint 192.0.2.1:41641 allowed-ips 100.64.0.1/32,fd7a:115c:a1e0::1/128
ip -n ns1 addr add 100.64.0.1/32 dev wg0
ip -n ns1 addr add fd7a:115c:a1e0::1/128 dev wg0 nodad
ip -n ns2 addr add 100.64.0.2/32 dev wg1
ip -n ns2 addr add fd7a:115c:a1e0::2/128 dev wg1 nodad
ip -n ns1 link set wg0 up
ip -n ns2 link set wg1 up
ip -n ns1 route add 100.64.0.2/32 dev wg0
ip -n ns1 route add 10.20.0.0/24 dev wg0
ip -n ns2 route add 100.64.0.1/32 dev wg1
ip -n ns1 route add fd7a:115c:a1e0::2/128 dev wg0
ip -n ns2 route add fd7a:115c:a1e0::1/128 dev wg1
# TCP's packets and bytes as each side's input hook sees them: what wg0
# received, and what ns2 received of what wg0 sent (output hooks see the
# segments before GSO splits them). Set up before any traffic: a hook
# registered under traffic can trip TCG (static keys, qemu-notes).
for i in 1 2; do
	ip netns exec ns$i nft -f - <<EOF
table inet count {
	counter tcp4 { }
	counter tcp6 { }
	chain input {
		type filter hook input priority 0; policy accept;
		iifname "wg$((i - 1))" meta nfproto ipv4 meta l4proto tcp counter name "tcp4"
		iifname "wg$((i - 1))" meta nfproto ipv6 meta l4proto tcp counter name "tcp6"
	}
}
EOF
done
# counted NS COUNTER -> "packets bytes"
counted() {
	ip netns exec "$1" nft list counter inet count "$2" |
		awk '$1 == "packets" { print $2, $4 }'
}

cat >"$out/nodes.json" <<'EOF'
{
  "self": "nGW1CNTRL",
  "nodes": [
    {"id": "nGW1CNTRL", "name": "gw.example.ts.net.", "os": "linux",
     "addresses": ["100.64.0.1", "fd7a:115c:a1e0::1"], "tags": ["tag:gw"],
     "endpoints": ["192.0.2.1:41641"]},
    {"id": "nPEER2CNTRL", "name": "peer.example.ts.net.", "os": "linux",
     "addresses": ["100.64.0.2", "fd7a:115c:a1e0::2"], "user": "alice@example.com",
     "routes": ["10.20.0.0/24"], "endpoints": ["192.0.2.2:41642"]}
  ]
}
EOF

# nfcapd stores what arrives on 4739; dumpcap keeps the same datagrams for
# tshark, the second decoder. (-t 60: a file a minute; nfdump -R reads all.)
mkdir "$out/nfcapd"
ip netns exec ns1 nfcapd -w "$out/nfcapd" -p 4739 -b 127.0.0.1 -t 60 >"$out/nfcapd.log" 2>&1 &
nfcapd=$!
pids+=("$nfcapd")
ip netns exec ns1 dumpcap -i lo -f 'udp port 4739' -w "$out/ipfix.pcapng" 2>"$out/dumpcap.err" &
dumpcap=$!
pids+=("$dumpcap")
ip netns exec ns1 $py "$root/tests/collector/collector.py" --port 0 --out "$out/entries.jsonl" \
	--control "$out/faults" >"$out/collector.port" 2>"$out/collector.err" &
pids+=($!)
for _ in $(seq 100); do [[ -s $out/collector.port ]] && break; sleep 0.1; done
port=$(head -n1 "$out/collector.port")
priv=$(printf '%064x' 1)
# The top-level keys and the [sink] sections, joined into netlogd.conf
# whenever a part changes the top.
cat >"$out/top.conf" <<EOF
poll_period = 60s
nodes = $out/nodes.json
spool_dir = $out/spool
retry_min = 50ms
retry_max = 100ms
retry_cap = 500ms
status_file = $out/status.json
EOF
cat >"$out/sinks.conf" <<EOF
[sink collector]
type = logtail
server = http://127.0.0.1:$port
private_id = $priv
domain_id = $(printf '%064x' 2)
compression = zstd

[sink archive]
type = file
path = $out/flows.jsonl

[sink flows]
type = ipfix
collector = 127.0.0.1:4739
observation_domain = 10
EOF
mkconf() { cat "$out/top.conf" "$out/sinks.conf" >"$out/netlogd.conf"; }
mkconf
# it holds private_id: netlogd refuses it readable by others
chmod 600 "$out/netlogd.conf"

# ---- A: one window, exact message --------------------------------------------

nfcapd_queue() { n1 ss -Hlun 'sport = :4739' | awk '{ print $2 }'; }
for _ in $(seq 300); do
	[[ -n $(nfcapd_queue) ]] && grep -qs Capturing "$out/dumpcap.err" && break
	sleep 0.1
done
[[ -n $(nfcapd_queue) ]] || { echo "FAIL: nfcapd did not start" >&2; cat "$out/nfcapd.log" >&2; exit 1; }
grep -qs Capturing "$out/dumpcap.err" || { echo "FAIL: dumpcap did not start" >&2; cat "$out/dumpcap.err" >&2; exit 1; }
ip netns exec ns1 "$netlogd" -c "$out/netlogd.conf" 2>"$out/netlogd-a.err" &
nd=$!
for _ in $(seq 100); do [[ -s $out/status.json ]] && break; sleep 0.1; done
# A broken node map is refused and the previous one stays in force; a good
# one replacing it, and SIGHUP, reload it.
cp "$out/nodes.json" "$out/nodes.good"
echo '{"self": "nGW1CNTRL", "nodes": [' >"$out/nodes.tmp"
mv "$out/nodes.tmp" "$out/nodes.json"
for _ in $(seq 50); do grep -qs "node map rejected" "$out/netlogd-a.err" && break; sleep 0.1; done
mv "$out/nodes.good" "$out/nodes.json"
sleep 0.5
kill -HUP $nd
sleep 0.5
ready=$(mktemp -d)
for a in 100.64.0.2 fd7a:115c:a1e0::2; do
	ip netns exec ns2 $traffic udp-echo $a 53 >"$ready/udp-$a" & pids+=($!)
	ip netns exec ns2 $traffic tcp-sink $a 7000 >"$ready/tcp-$a" & pids+=($!)
done
# The files by name, not a glob: a background job makes its file when it
# runs, which may be later than this loop.
for f in udp-100.64.0.2 tcp-100.64.0.2 udp-fd7a:115c:a1e0::2 tcp-fd7a:115c:a1e0::2; do
	for _ in $(seq 300); do grep -qs listening "$ready/$f" && break; sleep 0.1; done
	grep -qs listening "$ready/$f" || { echo "FAIL: $f: no listener" >&2; cat "$ready/$f" >&2; exit 1; }
done
# v4: 4 x 128 bytes of UDP, 3 pings of 84, 2 of 200 into the subnet;
# v6: 3 x 148 bytes of UDP, 2 pings of 200; 3000 bytes over TCP in each,
# from its own port (a v6 bind meets the v4 connection's TIME_WAIT).
n1 $traffic udp-send 100.64.0.2 53 4 100 40000
n1 $traffic udp-send fd7a:115c:a1e0::2 53 3 100 40000
n1 ping -q -c 3 -i 0.2 100.64.0.2 >/dev/null
n1 ping -q -6 -c 2 -i 0.2 -s 152 fd7a:115c:a1e0::2 >/dev/null
n1 ping -q -c 2 -i 0.2 -s 172 10.20.0.5 >/dev/null
n1 $traffic tcp-send 100.64.0.2 7000 3000 40001
n1 $traffic tcp-send fd7a:115c:a1e0::2 7000 3000 40002
# ns2 holds no socket once the last ACK (of its FIN) has come in.
for _ in $(seq 100); do [[ -z $(n2 ss -Htan) ]] && break; sleep 0.1; done
eq "$(cat "$ready/tcp-100.64.0.2" "$ready/tcp-fd7a:115c:a1e0::2" | xargs) $(n2 ss -Htan | wc -l)" \
	"listening 3000 listening 3000 0" "TCP: both sinks read 3000 bytes, both connections closed"
read -r wg_rx wg_tx < <(n1 wg show wg0 transfer | cut -f2,3)
read -r t4tx_p t4tx_b < <(counted ns2 tcp4)
read -r t4rx_p t4rx_b < <(counted ns1 tcp4)
read -r t6tx_p t6tx_b < <(counted ns2 tcp6)
read -r t6rx_p t6rx_b < <(counted ns1 tcp6)
echo "TCP as the input hooks counted it (packets/bytes): v4 tx $t4tx_p/$t4tx_b rx $t4rx_p/$t4rx_b," \
	"v6 tx $t6tx_p/$t6tx_b rx $t6rx_p/$t6rx_b; wg transfer: tx $wg_tx rx $wg_rx"
kill -TERM $nd
wait $nd
cat "$out/netlogd-a.err"
# nfcapd writes its file on SIGTERM: once it has read every datagram. A
# datagram after it marks the end of the capture.
for _ in $(seq 100); do [[ $(nfcapd_queue) == 0 ]] && break; sleep 0.1; done
kill -TERM $nfcapd
wait $nfcapd || { echo "FAIL: nfcapd exited with $?" >&2; cat "$out/nfcapd.log" >&2; exit 1; }
n1 bash -c 'echo "netlog-e2e: end of capture" >/dev/udp/127.0.0.1/4739'
for _ in $(seq 100); do grep -qa "end of capture" "$out/ipfix.pcapng" && break; sleep 0.1; done
kill -TERM $dumpcap
wait $dumpcap || true
# tshark takes seconds to start under TCG: it decodes while the rest is checked.
TZ=UTC tshark -r "$out/ipfix.pcapng" -d udp.port==4739,cflow -T json >"$out/tshark.json" 2>"$out/tshark.err" &
tshark=$!
eq "$($py -c 'import json, sys; s = json.load(open(sys.argv[1])); print(s["nodesLoads"], s["nodesErrors"])' "$out/status.json")" \
	"3 1" "node map: loaded, refused when broken, reloaded on change and on SIGHUP"
grep -q "nodes.json: bad JSON" "$out/netlogd-a.err" || { echo "FAIL: no error naming the broken node map" >&2; exit 1; }
expected='{"nodeId":"nGW1CNTRL","start":"T","end":"T","srcNode":{"nodeId":"nGW1CNTRL","name":"gw.example.ts.net","addresses":["100.64.0.1","fd7a:115c:a1e0::1"],"os":"linux","tags":["tag:gw"]},"dstNodes":[{"nodeId":"nPEER2CNTRL","name":"peer.example.ts.net","addresses":["100.64.0.2","fd7a:115c:a1e0::2"],"os":"linux","user":"alice@example.com"}],"virtualTraffic":[{"proto":1,"src":"100.64.0.1:0","dst":"100.64.0.2:0","txPkts":3,"txBytes":252,"rxPkts":3,"rxBytes":252},{"proto":17,"src":"100.64.0.1:40000","dst":"100.64.0.2:53","txPkts":4,"txBytes":512,"rxPkts":4,"rxBytes":512},{"proto":6,"src":"100.64.0.1:40001","dst":"100.64.0.2:7000","txPkts":'$t4tx_p',"txBytes":'$t4tx_b',"rxPkts":'$t4rx_p',"rxBytes":'$t4rx_b'},{"proto":58,"src":"[fd7a:115c:a1e0::1]:0","dst":"[fd7a:115c:a1e0::2]:0","txPkts":2,"txBytes":400,"rxPkts":2,"rxBytes":400},{"proto":17,"src":"[fd7a:115c:a1e0::1]:40000","dst":"[fd7a:115c:a1e0::2]:53","txPkts":3,"txBytes":444,"rxPkts":3,"rxBytes":444},{"proto":6,"src":"[fd7a:115c:a1e0::1]:40002","dst":"[fd7a:115c:a1e0::2]:7000","txPkts":'$t6tx_p',"txBytes":'$t6tx_b',"rxPkts":'$t6rx_p',"rxBytes":'$t6rx_b'}],"subnetTraffic":[{"proto":1,"src":"100.64.0.1:0","dst":"10.20.0.5:0","txPkts":2,"txBytes":400,"rxPkts":2,"rxBytes":400}],"physicalTraffic":[{"src":"100.64.0.2:0","dst":"192.0.2.2:41642","txPkts":PTX,"txBytes":'$wg_tx',"rxPkts":PRX,"rxBytes":'$wg_rx'}]}'
exact_message() {
	$py - "$1" <<'EOF'
import json, re, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
msgs = [l for l in lines if "nodeId" in l]
if len(msgs) != 1:
    sys.exit(f"{len(msgs)} messages, want 1")
m = msgs[0]
lt = m.pop("logtail")
assert lt["proc_seq"] >= 1 and lt["proc_id"] >= 1, lt
m["start"] = m["end"] = "T"
for p in m["physicalTraffic"]:
    p["txPkts"], p["rxPkts"] = "PTX", "PRX"
print(json.dumps(m, separators=(",", ":")).replace('"PTX"', "PTX").replace('"PRX"', "PRX"))
EOF
}
eq "$(exact_message "$out/entries.jsonl")" "$expected" "the collector holds the exact message"
eq "$(exact_message "$out/flows.jsonl")" "$expected" "the file sink holds the exact message"
eq "$($py -c 'import json, sys; s = json.load(open(sys.argv[1]))["sinks"]
print(*(s[n]["deliveredBatches"] > 0 and s[n]["lagBatches"] for n in ("collector", "archive", "flows")))' "$out/status.json")" \
	"0 0 0" "the three sinks delivered, none lags"

# The same window as IPFIX records, one per direction, with the message's
# times; physical ones (bytes: WireGuard's UDP payload, as wg counts it) in
# domain 11, observation_domain + 1, which holds nothing else. nfdump shows
# domains as exporters (export_sysid), which nfcapd's log names.
read -r start end ptx prx < <($py -c 'import json, sys
m = [json.loads(l) for l in open(sys.argv[1]) if "nodeId" in l][0]
p = m["physicalTraffic"][0]
print(m["start"], m["end"], p["txPkts"], p["rxPkts"])' "$out/flows.jsonl")
v=10 p=11 me=100.64.0.1 peer=100.64.0.2 me6=fd7a:115c:a1e0::1 peer6=fd7a:115c:a1e0::2
cat >"$out/want" <<EOF
# domain proto src sport dst dport direction (1 tx, 0 rx) packets bytes
$v 1 $me 0 $peer 0 1 3 252
$v 1 $peer 0 $me 0 0 3 252
$v 17 $me 40000 $peer 53 1 4 512
$v 17 $peer 53 $me 40000 0 4 512
$v 6 $me 40001 $peer 7000 1 $t4tx_p $t4tx_b
$v 6 $peer 7000 $me 40001 0 $t4rx_p $t4rx_b
$v 58 $me6 0 $peer6 0 1 2 400
$v 58 $peer6 0 $me6 0 0 2 400
$v 17 $me6 40000 $peer6 53 1 3 444
$v 17 $peer6 53 $me6 40000 0 3 444
$v 6 $me6 40002 $peer6 7000 1 $t6tx_p $t6tx_b
$v 6 $peer6 7000 $me6 40002 0 $t6rx_p $t6rx_b
$v 1 $me 0 10.20.0.5 0 1 2 400
$v 1 10.20.0.5 0 $me 0 0 2 400
$p 17 $peer 0 192.0.2.2 41642 1 $ptx $wg_tx
$p 17 192.0.2.2 41642 $peer 0 0 $prx $wg_rx
only $p
EOF
TZ=UTC nfdump -R "$out/nfcapd" -o json >"$out/nfdump.json"
$py "$root/tests/e2e/ipfixq.py" nfdump "$out/nfdump.json" "$out/nfcapd.log" "$out/want" "$start" "$end"
wait $tshark || { echo "FAIL: tshark" >&2; cat "$out/tshark.err" >&2; exit 1; }
$py "$root/tests/e2e/ipfixq.py" tshark "$out/tshark.json" "$out/want" "$start" "$end"

# ---- B: SIGKILL at random moments while traffic flows ------------------------

sed -i 's/^poll_period = .*/poll_period = 200ms/' "$out/top.conf"
mkconf
echo '500@0.2' >"$out/faults"
ip netns exec ns1 ping -q -i 0.05 100.64.0.2 >/dev/null & traffic_pid=$!
for i in $(seq 50); do
	ip netns exec ns1 "$netlogd" -c "$out/netlogd.conf" 2>>"$out/netlogd-b.err" &
	nd=$!
	# 0.3 to 2.9 s: start-up, drains, spooling and uploads all get hit.
	sleep "$((RANDOM % 3)).$((RANDOM % 7 + 3))$((RANDOM % 10))"
	kill -KILL $nd
	wait $nd 2>/dev/null || true
done
kill $traffic_pid
wait $traffic_pid 2>/dev/null || true
echo '500@0' >"$out/faults"
# Deliver the rest: the last drain takes the final packets.
for _ in 1 2 3 4 5; do
	rm -f "$out/status.json"
	ip netns exec ns1 "$netlogd" -c "$out/netlogd.conf" 2>>"$out/netlogd-b.err" &
	nd=$!
	# Running once it has written its status; then let it work a second.
	for _ in $(seq 300); do [[ -s $out/status.json ]] && break; sleep 0.1; done
	sleep 1
	kill -TERM $nd
	wait $nd || { echo "FAIL: netlogd exited with $?" >&2; cat "$out/netlogd-b.err" >&2; exit 1; }
	[[ $($py -c 'import json,sys; print(json.load(open(sys.argv[1]))["spoolBatches"])' "$out/status.json") == 0 ]] && break
done
n1 "$ctl" stats --json >"$out/kstats.json"
curl_stats=$(n1 $py -c "
import json, urllib.request
print(json.dumps(json.load(urllib.request.urlopen('http://127.0.0.1:$port/stats'))))")
$py -c 'import json, sys; s = json.loads(sys.argv[1])
print("collector:", {k: s[k] for k in ("requests", "ok", "errors", "entries", "duplicates", "faults")})' "$curl_stats"
for sink in entries flows; do
$py - "$out/$sink.jsonl" "$out/kstats.json" "$curl_stats" <<'EOF'
import json, sys
entries = [json.loads(l) for l in open(sys.argv[1])]
k = json.load(open(sys.argv[2]))
col = json.loads(sys.argv[3])
assert col["errors"] == 0 and col["markers"] == [], col
seqs = sorted((e["logtail"]["proc_id"], e["logtail"]["proc_seq"]) for e in entries)
assert len(set(seqs)) == len(seqs), "an entry stored twice"
ids = {p for p, _ in seqs}
assert len(ids) == 1, f"proc_ids {ids}"
nums = [s for _, s in seqs]
assert nums == list(range(1, len(nums) + 1)), f"proc_seq gaps: {nums[:5]}..{nums[-5:]}"
windows = [(e["start"], e["end"]) for e in entries if "nodeId" in e]
assert len(set(windows)) == len(windows), "a window shipped twice"
pk = by = 0
for e in entries:
    for kind in ("virtualTraffic", "subnetTraffic", "exitTraffic", "physicalTraffic"):
        for c in e.get(kind, []):
            pk += c.get("txPkts", 0) + c.get("rxPkts", 0)
            by += c.get("txBytes", 0) + c.get("rxBytes", 0)
kp = sum(k[f] for f in ("virtTxPkts", "virtRxPkts", "physTxPkts", "physRxPkts")) - k["excludedPkts"]
kb = sum(k[f] for f in ("virtTxBytes", "virtRxBytes", "physTxBytes", "physRxBytes")) - k["excludedBytes"]
assert k["missTableFullPkts"] == 0 and k["pendingSeq"] == 0 and k["liveFlows"] == 0, k
assert (pk, by) == (kp, kb), f"shipped {pk} pkts {by} bytes, kernel saw {kp} {kb}"
assert len(windows) >= 50, f"only {len(windows)} windows: the kills hit nothing"
print(f"ok: {sys.argv[1]}: {len(windows)} windows, {len(entries)} entries once each, "
      f"{pk} packets and {by} bytes conserved, {col['duplicates']} duplicate uploads dropped")
EOF
done
$py - "$out/entries.jsonl" "$out/flows.jsonl" <<'EOF'
import json, sys
a, b = ([json.dumps(json.loads(l), sort_keys=True) for l in open(f)] for f in sys.argv[1:])
assert sorted(a) == sorted(b), f"the collector has {len(a)} entries, the file {len(b)}, not the same"
print(f"ok: the collector and the file sink hold the same {len(a)} entries")
EOF
# ---- C: the node map from nodes_command --------------------------------------

# Each run of the command takes the next mode from $out/modes: it prints the
# map, fails, hangs past nodes_timeout or prints a broken map; once the list
# is used up it prints the map again, with the peer renamed, and says so in
# $out/final. Each failure must leave the map in force. (Under TCG the
# script itself can take a second, hence the long nodes_timeout.)
sed 's/"peer.example.ts.net."/"peer-cmd.example.ts.net."/' "$out/nodes.json" >"$out/nodes-cmd.json"
printf '%s\n' ok fail hang bad >"$out/modes"
cat >"$out/nodes.sh" <<EOF
#!/bin/sh
mode=\$(head -n1 "$out/modes")
sed -i 1d "$out/modes"
case \$mode in
ok) cat "$out/nodes.json" ;;
fail) echo "nodes.sh: no tailscaled" >&2; exit 3 ;;
hang) sleep 30 ;;
bad) echo '{"self": "nGW1CNTRL", "nodes": [' ;;
*) cat "$out/nodes-cmd.json"; touch "$out/final" ;;
esac
EOF
chmod +x "$out/nodes.sh"
sed -i -e 's/^poll_period = .*/poll_period = 60s/' -e '/^nodes = /d' "$out/top.conf"
cat >>"$out/top.conf" <<EOF
nodes_command = $out/nodes.sh
nodes_refresh = 1s
nodes_timeout = 4s
EOF
mkconf
before=$(wc -l <"$out/entries.jsonl")
rm -f "$out/status.json"
ip netns exec ns1 "$netlogd" -c "$out/netlogd.conf" 2>"$out/netlogd-c.err" &
nd=$!
for _ in $(seq 600); do [[ -e $out/final ]] && break; sleep 0.1; done
[[ -e $out/final ]] || { echo "FAIL: nodes_command was not run 5 times" >&2; cat "$out/netlogd-c.err" >&2; exit 1; }
n1 ping -q -c 2 -i 0.2 100.64.0.2 >/dev/null
kill -TERM $nd
wait $nd
cat "$out/netlogd-c.err"
read -r loads errors < <($py -c 'import json, sys; s = json.load(open(sys.argv[1])); print(s["nodesLoads"], s["nodesErrors"])' "$out/status.json")
eq "$errors" 3 "nodes_command: a failing, hanging or broken command is counted and refused"
[[ $loads -ge 2 ]] || { echo "FAIL: nodes_command's map loaded $loads times" >&2; exit 1; }
for want in "exited with status 3" "killed after nodes_timeout (4000 ms)" "node map rejected"; do
	grep -qF "$want" "$out/netlogd-c.err" || { echo "FAIL: no '$want' in netlogd's errors" >&2; exit 1; }
done
got=$(tail -n +"$((before + 1))" "$out/entries.jsonl" | $py -c '
import json, sys
# the start-up drain may ship what part B left; the window of the ping is last
m = [json.loads(l) for l in sys.stdin if "nodeId" in l][-1]
print(sorted(n["name"] for n in m.get("dstNodes", [])),
      sum(c["txPkts"] for c in m.get("virtualTraffic", []) if c.get("proto") == 1))')
eq "$got" "['peer-cmd.example.ts.net'] 2" "the last message names the peer as nodes_command's map does"

echo "PASS: netlogd e2e"
