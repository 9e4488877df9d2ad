#!/bin/bash
# The installed netlog under systemd, inside the guest that tests/system/run.sh
# boots (tests/qemu/run.sh --root-image): netlog.ko loaded at boot by
# modules-load.d with the options of /etc/modprobe.d/netlog.conf, netlogd.service
# (Type=notify) and netlogd@gw.service, wireguard-go traffic, exact counts.
#
#   initial namespace (netlogd.service)              netns peer
#  ┌─────────────────────────────────┐             ┌──────────────────────────┐
#  │ wg0 100.64.0.1  ════════════════╪═════════════╪═ wg1 100.64.0.2          │
#  │ e-wg0 192.0.2.1:51820 ──────────┼─────────────┼─ e-wg1 192.0.2.2:51821   │
#  └─────────────────────────────────┘             └──────────────────────────┘
#   netns gw (netlogd@gw.service): the same with wg2, and wg3 in netns gwpeer.
#
# Results for the host (tests/system/run.sh checks the metrics with promtool)
# go to $NETLOG_SHARE/out: the flow files, the metrics textfiles, the metric
# lines they must hold (expected*.prom), netlogctl stats and the journal.
set -euo pipefail
root=$PWD
py=/usr/bin/python3
traffic="$py $root/tests/e2e/traffic.py"
out=$NETLOG_SHARE/out
textdir=/var/lib/prometheus/node-exporter
mkdir -p "$out"

# shellcheck source=tests/e2e/lib.sh
. "$root/tests/e2e/lib.sh"
collect() {
	set +e
	{
		journalctl -b --no-pager -o short-monotonic -t systemd-modules-load
		journalctl -b --no-pager -o short-monotonic -u netlogd -u 'netlogd@*'
	} >"$out/journal.txt" 2>&1
	cp /var/log/netlog/flows.jsonl "$out/flows.jsonl" 2>/dev/null
	cp /var/log/netlog/gw/flows.jsonl "$out/gw-flows.jsonl" 2>/dev/null
	cp "$textdir"/netlogd*.prom "$out/" 2>/dev/null
	cleanup
}
trap collect EXIT

# at NS CMD...: CMD in netns NS, "host" being the initial one.
at() {
	local ns=$1
	shift
	if [[ $ns == host ]]; then "$@"; else ip netns exec "$ns" "$@"; fi
}
# unit NAME: "Key=value ..." of the properties the checks read.
unit() {
	systemctl show -p Type,ActiveState,SubState,Result,ExecMainStatus,NRestarts "$1" |
		sort | tr '\n' ' ' | sed 's/ $//'
}
# started NAME: systemctl start returns only after READY=1 (Type=notify).
started() {
	systemctl start "$1" || fail "systemctl start $1 failed"
	eq "$(unit "$1")" "ActiveState=active ExecMainStatus=0 NRestarts=0 Result=success SubState=running Type=notify" \
		"$1 started, ready (Type=notify)"
}
# stopped NAME: SIGTERM drains, spools and delivers; exit status 0. (A stop
# resets NRestarts.)
stopped() {
	systemctl stop "$1" || fail "systemctl stop $1 failed"
	eq "$(unit "$1")" "ActiveState=inactive ExecMainStatus=0 NRestarts=0 Result=success SubState=dead Type=notify" \
		"$1 stopped, exit status 0"
}
# pair NS DEV PEERNS PEERDEV: wireguard-go DEV in NS (100.64.0.1, port 51820)
# and PEERDEV in PEERNS (100.64.0.2, port 51821), over a veth pair.
pair() {
	local ns=$1 dev=$2 pns=$3 pdev=$4 k1 k2 n
	for n in "$ns" "$pns"; do
		[[ $n == host ]] || [[ -e /run/netns/$n ]] || ip netns add "$n"
		at "$n" ip link set lo up
		# No router solicitations: only the test's own traffic crosses wg.
		at "$n" sysctl -qw net.ipv6.conf.default.router_solicitations=0
	done
	at "$ns" ip link add "e-$dev" type veth peer name "e-$pdev" netns "$pns"
	at "$ns" ip addr add 192.0.2.1/24 dev "e-$dev"
	at "$pns" ip addr add 192.0.2.2/24 dev "e-$pdev"
	at "$ns" ip link set "e-$dev" up
	at "$pns" ip link set "e-$pdev" up
	for n in "$ns:$dev" "$pns:$pdev"; do
		at "${n%:*}" env WG_PROCESS_FOREGROUND=1 wireguard-go "${n#*:}" >"$out/wireguard-go-${n#*:}.log" 2>&1 &
		pids+=($!)
	done
	for n in "$dev" "$pdev"; do
		for _ in $(seq 100); do [[ -S /run/wireguard/$n.sock ]] && break; sleep 0.1; done
		[[ -S /run/wireguard/$n.sock ]] || fail "wireguard-go $n did not start"
	done
	k1=$(wg genkey) k2=$(wg genkey)
	at "$ns" wg set "$dev" private-key <(echo "$k1") listen-port 51820 \
		peer "$(echo "$k2" | wg pubkey)" endpoint 192.0.2.2:51821 allowed-ips 100.64.0.2/32
	at "$pns" wg set "$pdev" private-key <(echo "$k2") listen-port 51821 \
		peer "$(echo "$k1" | wg pubkey)" endpoint 192.0.2.1:51820 allowed-ips 100.64.0.1/32
	at "$ns" ip addr add 100.64.0.1/32 dev "$dev"
	at "$pns" ip addr add 100.64.0.2/32 dev "$pdev"
	at "$ns" ip link set "$dev" up
	at "$pns" ip link set "$pdev" up
	at "$ns" ip route add 100.64.0.2/32 dev "$dev"
	at "$pns" ip route add 100.64.0.1/32 dev "$pdev"
}

# snap NS DEV NAME: the kernel's counters of NS, its live window (peeked) and
# `wg show DEV transfer`, taken while no packet was counted (the counters the
# same before and after), in $out/NAME.json. WireGuard's own timers
# (keepalives, handshakes) may send at any time, after a stop too: what the
# file must hold is what the kernel counted less its live window.
snap() {
	local a b live wg
	for _ in $(seq 50); do
		a=$(at "$1" netlogctl stats --json)
		live=$(at "$1" netlogctl flows --json)
		wg=$(at "$1" wg show "$2" transfer | cut -f2,3)
		b=$(at "$1" netlogctl stats --json)
		if [[ $a == "$b" ]]; then
			printf '{"stats": %s, "live": %s, "wg": [%s]}\n' "$a" "$live" "${wg/$'\t'/, }" >"$out/$3.json"
			return
		fi
	done
	fail "no quiet moment for a snapshot of $1"
}

# The Python that reads snapshots: shipped(snapshot) is, per kind and
# direction, what the kernel counted less its live window.
snappy='
import json
KINDS = {"virtual": "virt", "physical": "phys"}
def shipped(name):
    if name == "none":
        return {}
    s = json.load(open(name))
    k, d = s["stats"], {}
    for kind in KINDS.values():
        for dr in ("Tx", "Rx"):
            for u in ("Pkts", "Bytes"):
                d[kind + dr + u] = k[kind + dr + u]
    for f in s["live"]["flows"]:
        for dr in ("Tx", "Rx"):
            for u in ("Pkts", "Bytes"):
                d[KINDS[f["kind"]] + dr + u] -= f.get(dr.lower() + u, 0)
    return d
'

# shipped FILE SNAP [PROTO:SRC:DST=TXP/TXB/RXP/RXB...]: the file sink FILE
# holds every entry once, names the nodes, and its flows sum, per kind and
# direction, to what the kernel counted less its live window (snapshot SNAP:
# nothing lost, nothing twice); the kernel's physical bytes are wireguard-go's;
# and each flow given has exactly the counts given.
shipped() {
	local file=$1 snapshot=$2
	shift 2
	$py -c "$snappy"'
import sys
entries = [json.loads(l) for l in open(sys.argv[1])]
snap = json.load(open(sys.argv[2]))
k = snap["stats"]
seqs = [(e["logtail"]["proc_id"], e["logtail"]["proc_seq"]) for e in entries]
assert len(set(seqs)) == len(seqs), "an entry written twice"
windows = [(e["start"], e["end"]) for e in entries if "nodeId" in e]
assert len(set(windows)) == len(windows), "a window written twice"
got, flows = {f: 0 for f in shipped(sys.argv[2])}, {}
for e in entries:
    if "nodeId" not in e:
        continue
    assert e["nodeId"] == "nGW1CNTRL" and e["srcNode"]["name"] == "gw.example.ts.net", e
    for kind in ("virtualTraffic", "subnetTraffic", "exitTraffic", "physicalTraffic"):
        kk = "phys" if kind == "physicalTraffic" else "virt"
        for c in e.get(kind, []):
            n = [c.get(f, 0) for f in ("txPkts", "txBytes", "rxPkts", "rxBytes")]
            for i, f in enumerate(("TxPkts", "TxBytes", "RxPkts", "RxBytes")):
                got[kk + f] += n[i]
            key = "%s:%s:%s:%s" % (kind, c.get("proto", 0), c["src"], c["dst"])
            flows[key] = [a + b for a, b in zip(flows.get(key, [0] * 4), n)]
ok = True
def check(got, want, what):
    global ok
    print(("ok: " if got == want else "FAIL: ") + f"{what}: {got}" + ("" if got == want else f", want {want}"))
    ok = ok and got == want
check((k["missTableFullPkts"], k["excludedPkts"], k["pendingSeq"]), (0, 0, 0),
      "kernel: no misses, nothing excluded, no window pending")
check(got, shipped(sys.argv[2]), f"{len(entries)} entries, {len(windows)} windows: the kernel counts less the live window")
check([k["physRxBytes"], k["physTxBytes"]], snap["wg"], "physical rx/tx bytes equal wg show transfer")
for spec in sys.argv[3:]:
    key, want = spec.split("=")
    check(flows.get("virtualTraffic:" + key), [int(x) for x in want.split("/")], key)
sys.exit(0 if ok else 1)
' "$file" "$out/$snapshot.json" "$@" || fail "$file: see above"
}

# drained UNIT NS DEV SNAP FILE [FLOWS...]: stop UNIT (netlogd of netns NS,
# tunnel DEV), snapshot NS as SNAP, and check FILE against it (shipped).
drained() {
	stopped "$1"
	snap "$2" "$3" "$4"
	shipped "$5" "$4" "${@:6}"
}

# expect PROM K0 K1 VTXP VRXP VTXB VRXB: the metric lines the textfile PROM
# must hold (checked on the host, after promtool): what the kernel shipped
# from snapshot K0 (none: from the start) to K1, the virtual part as given.
expect() {
	local k0=$out/$2.json
	[[ $2 != none ]] || k0=none
	$py -c "$snappy"'
import sys
k0, k1 = shipped(sys.argv[1]), shipped(sys.argv[2])
d = {f: k1[f] - k0.get(f, 0) for f in k1}
want = tuple(map(int, sys.argv[3:7]))
assert (d["virtTxPkts"], d["virtRxPkts"], d["virtTxBytes"], d["virtRxBytes"]) == want, (d, want)
m = "netlogd_flow_%s_total{kind=\"%s\",direction=\"%s\"} %d"
for unit, u in (("packets", "Pkts"), ("bytes", "Bytes")):
    for kind, kk in (("virtual", "virt"), ("physical", "phys")):
        for dr, dd in (("tx", "Tx"), ("rx", "Rx")):
            print(m % (unit, kind, dr, d[kk + dd + u]))
print("netlogd_kernel_missed_packets_total 0")
' "$k0" "$out/$3.json" "${@:4}" >"$out/$1" || fail "expect $1"
	echo "expected in $1: $(tr '\n' ';' <"$out/$1")"
}

# ---- netlog.ko at boot -------------------------------------------------------

eq "$(lsmod | awk '$1 == "netlog" { print $1 }')" netlog "netlog.ko is loaded"
eq "$(grep -vh '^#' /usr/lib/modules-load.d/netlog.conf)" netlog "modules-load.d/netlog.conf names it"
journalctl -b -t systemd-modules-load --no-pager | grep -q "Inserted module 'netlog'" ||
	fail "systemd-modules-load did not insert netlog: $(journalctl -b -t systemd-modules-load --no-pager | tail -n 5)"
echo "ok: inserted at boot by systemd-modules-load"
eq "$(modinfo -n netlog)" "$(ls /lib/modules/"$(uname -r)"/updates/dkms/netlog.ko*)" "the dkms-built module"
opts=$(sed -n 's/^options netlog //p' /etc/modprobe.d/netlog.conf)
eq "$opts" "devices=wg0 ports=51820 max_flows=4096" "options in /etc/modprobe.d/netlog.conf"
for o in $opts; do
	eq "$(cat "/sys/module/netlog/parameters/${o%%=*}")" "${o#*=}" "parameter ${o%%=*}"
done
netlogctl show

# ---- netlogd.service ---------------------------------------------------------

install -d -o netlog -g netlog "$textdir"
pair host wg0 peer wg1
eq "$(systemctl is-enabled netlogd.service || true)" disabled "netlogd.service not started at boot (the test starts it)"
started netlogd
# shellcheck disable=SC2086 # $traffic: python3 and the script, as in tests/e2e
at peer $traffic udp-echo 100.64.0.2 53 >"$out/udp-echo" &
pids+=($!)
listening "$out/udp-echo"
$traffic udp-send 100.64.0.2 53 4 100 40000
ping -q -c 3 -i 0.2 100.64.0.2 >/dev/null
# Windows of 1 s: the next drain takes them.
sleep 3
snap host wg0 k1
shipped /var/log/netlog/flows.jsonl k1 \
	1:100.64.0.1:0:100.64.0.2:0=3/252/3/252 17:100.64.0.1:40000:100.64.0.2:53=4/512/4/512

# Stop drains the live window: the pings just before it are in the file.
# netlogd is paused while they go, so that no poll takes them first; the
# stop's SIGTERM comes with a SIGCONT (systemd.kill(5)).
systemctl kill -s STOP netlogd
ping -q -c 2 -i 0.2 100.64.0.2 >/dev/null
netlogctl flows --json >"$out/live-at-stop.json"
eq "$($py "$root/tests/e2e/flowq.py" "$out/live-at-stop.json" get virtual 1 100.64.0.1:0 100.64.0.2:0)" \
	"2 168 2 168" "the pings are in the live window when the stop comes"
drained netlogd host wg0 k2 /var/log/netlog/flows.jsonl \
	1:100.64.0.1:0:100.64.0.2:0=5/420/5/420 17:100.64.0.1:40000:100.64.0.2:53=4/512/4/512

# SIGKILL while traffic flows; Restart=on-failure brings it back; nothing lost.
started netlogd
ping -q -c 60 -i 0.05 100.64.0.2 >/dev/null &
ping=$!
sleep 1
systemctl kill -s KILL netlogd
for _ in $(seq 300); do
	[[ $(systemctl show -p NRestarts,ActiveState netlogd | sort | tr '\n' ' ') == "ActiveState=active NRestarts=1 " ]] && break
	sleep 0.1
done
eq "$(unit netlogd)" "ActiveState=active ExecMainStatus=0 NRestarts=1 Result=success SubState=running Type=notify" \
	"netlogd restarted after SIGKILL (Restart=on-failure)"
wait $ping
sleep 3
drained netlogd host wg0 k3 /var/log/netlog/flows.jsonl \
	1:100.64.0.1:0:100.64.0.2:0=65/5460/65/5460 17:100.64.0.1:40000:100.64.0.2:53=4/512/4/512

# One more run for the metrics: its counters are this process's.
started netlogd
ping -q -c 7 -s 372 -i 0.2 100.64.0.2 >/dev/null
sleep 3
drained netlogd host wg0 k4 /var/log/netlog/flows.jsonl \
	1:100.64.0.1:0:100.64.0.2:0=72/8260/72/8260
expect expected.prom k3 k4 7 7 2800 2800
# node-exporter reads it as its own user: 0644 under the unit's UMask=0077.
eq "$(stat -c '%a %U' "$textdir/netlogd.prom")" "644 netlog" "the metrics textfile is world-readable"
before=$(sha256sum </var/log/netlog/flows.jsonl)

# ---- netlogd@gw.service: the tunnel of netns gw ------------------------------

ip netns add gw
# Configured before wg2 exists: counted from its creation.
ip netns exec gw netlogctl set devices wg2 ports 51820
pair gw wg2 gwpeer wg3
started netlogd@gw
at gw ping -q -c 4 -i 0.2 100.64.0.2 >/dev/null
sleep 3
drained netlogd@gw gw wg2 g1 /var/log/netlog/gw/flows.jsonl 1:100.64.0.1:0:100.64.0.2:0=4/336/4/336
# Its first drain took everything since wg2 appeared: the counters start at 0.
expect expected-gw.prom none g1 4 4 336 336
eq "$(sha256sum </var/log/netlog/flows.jsonl)" "$before" "the initial namespace's file saw none of it"

echo "PASS: system test on $(uname -r)"
