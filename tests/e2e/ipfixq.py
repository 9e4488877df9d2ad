#!/usr/bin/python3
"""Check what an IPFIX collector decoded against the records a test sent.

ipfixq.py nfdump FLOWS NFCAPD_LOG WANT START END
    FLOWS: `nfdump -o json` (TZ=UTC); NFCAPD_LOG: nfcapd's output, whose
    "New ipfix exporter: SysID: N, Observation domain D" lines map
    export_sysid to the observation domain
ipfixq.py tshark PACKETS WANT START END
    PACKETS: `tshark -T json -d udp.port==P,cflow` (TZ=UTC)

WANT: one record a line, "DOMAIN PROTO SRC SPORT DST DPORT DIR PKTS BYTES",
and "only DOMAIN" for a domain that must hold nothing else.
START, END: the window's, as the JSON message has them (RFC 3339).

Each wanted record must be there exactly once with its counts, the window's
times (milliseconds) and its observation domain, and no other record may
have its key. Records the test did not make (the kernel's own IPv6 chatter)
are listed and allowed, except in an "only" domain (the physical one,
where the tunnel is the only flow).
"""
import datetime
import ipaddress
import json
import re
import sys


def rfc3339_ms(s):
    """'2026-11-26T20:00:00.123456789Z' -> epoch ms, truncated."""
    m = re.fullmatch(r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?Z", s)
    if not m:
        sys.exit(f"ipfixq: bad time {s!r}")
    t = datetime.datetime.strptime(m[1], "%Y-%m-%dT%H:%M:%S")
    ms = int((m[2] or "0").ljust(3, "0")[:3])
    return int(t.replace(tzinfo=datetime.timezone.utc).timestamp()) * 1000 + ms


def addr(a):
    return str(ipaddress.ip_address(a))


def key(dom, proto, src, sport, dst, dport, direction):
    return (int(dom), int(proto), addr(src), int(sport), addr(dst),
            int(dport), int(direction))


def from_nfdump(flows_file, log_file):
    """nfdump's records: (key, pkts, bytes, first_ms, last_ms)."""
    sysid = {int(s): int(d) for s, d in re.findall(
        r"SysID: (\d+), Observation domain (\d+)", open(log_file).read())}
    out = []
    for f in json.load(open(flows_file)):
        if f.get("type") != "FLOW":
            continue
        if f["export_sysid"] not in sysid:
            sys.exit(f"ipfixq: export_sysid {f['export_sysid']} not in nfcapd's log")
        v6 = "src6_addr" in f
        # nfdump shows an ICMP flow's destination port as type and code
        dport = f.get("dst_port", f.get("icmp_type", 0) * 256 + f.get("icmp_code", 0))
        k = key(sysid[f["export_sysid"]], f["proto"],
                f["src6_addr" if v6 else "src4_addr"], f.get("src_port", 0),
                f["dst6_addr" if v6 else "dst4_addr"], dport, f["direction"])
        times = [f"{f[t]}Z" for t in ("first", "last")]
        out.append((k, f["in_packets"], f["in_bytes"], *map(rfc3339_ms, times)))
    return out


def tshark_time(s):
    """'Nov 26, 2026 20:00:00.123000000 UTC' -> epoch ms."""
    day, frac = s.removesuffix(" UTC").split(".")
    t = datetime.datetime.strptime(day, "%b %d, %Y %H:%M:%S")
    return int(t.replace(tzinfo=datetime.timezone.utc).timestamp()) * 1000 + int(frac[:3])


def from_tshark(packets_file):
    out = []
    for p in json.load(open(packets_file)):
        cf = p["_source"]["layers"].get("cflow")
        if not cf or cf.get("cflow.version") != "10":
            continue
        dom = cf["cflow.od_id"]
        for name, s in cf.items():
            if not name.startswith("Set ") or "cflow.template_frame" not in s:
                continue
            for fname, f in s.items():
                # Options records (the window's misses and excluded counts,
                # in the options domain) carry no flow: test-ipfix checks
                # them against ipfixDump.
                if not fname.startswith("Flow ") or "cflow.protocol" not in f:
                    continue
                v6 = "cflow.srcaddrv6" in f
                sfx = "v6" if v6 else ""
                k = key(dom, f["cflow.protocol"], f["cflow.srcaddr" + sfx],
                        f["cflow.srcport"], f["cflow.dstaddr" + sfx],
                        f["cflow.dstport"], f["cflow.direction"])
                tt = f["cflow.timedelta_tree"]
                out.append((k, int(f["cflow.packets"]), int(f["cflow.octets"]),
                            tshark_time(tt["cflow.abstimestart"]),
                            tshark_time(tt["cflow.abstimeend"])))
    return out


def fmt(r):
    (dom, proto, src, sport, dst, dport, d), pkts, nbytes, first, last = r
    side = lambda a, p: f"[{a}]:{p}" if ":" in a else f"{a}:{p}"
    return (f"domain {dom} proto {proto} {side(src, sport)} -> {side(dst, dport)} "
            f"dir {d}: {pkts} pkts {nbytes} bytes, {first}..{last}")


def main():
    if len(sys.argv) == 7 and sys.argv[1] == "nfdump":
        got = from_nfdump(sys.argv[2], sys.argv[3])
        want_file, start, end = sys.argv[4:]
    elif len(sys.argv) == 6 and sys.argv[1] == "tshark":
        got = from_tshark(sys.argv[2])
        want_file, start, end = sys.argv[3:]
    else:
        sys.exit(__doc__)
    start_ms, end_ms = rfc3339_ms(start), rfc3339_ms(end)
    wants, closed = [], set()
    for line in open(want_file):
        w = line.split()
        if w and w[0] == "only":
            closed.add(int(w[1]))
        elif w and not w[0].startswith("#"):
            wants.append((key(*w[:7]), int(w[7]), int(w[8]), start_ms, end_ms))
    bad = []
    for w in wants:
        same = [r for r in got if r[0] == w[0]]
        if same != [w]:
            bad.append(f"want {fmt(w)}\n  got  " +
                       ("\n       ".join(map(fmt, same)) or "nothing"))
    wanted = {w[0] for w in wants}
    extra = [r for r in got if r[0] not in wanted]
    bad += [f"not sent, in domain {r[0][0]}: {fmt(r)}" for r in extra if r[0][0] in closed]
    if bad:
        print(f"FAIL: {sys.argv[1]}: {len(got)} records:", *map(fmt, got),
              sep="\n  ", file=sys.stderr)
        print(*bad, sep="\n", file=sys.stderr)
        return 1
    for r in extra:
        print(f"  {sys.argv[1]}: not the test's, allowed: {fmt(r)}")
    print(f"ok: {sys.argv[1]}: the {len(wants)} records sent, each once and exact, "
          f"{len(got)} in all")
    return 0


if __name__ == "__main__":
    sys.exit(main())
