#!/usr/bin/python3
"""Query `netlogctl flows --json` documents; FILES is a glob, windows are summed.

flowq.py FILES get KIND PROTO SRC DST  -> "txPkts txBytes rxPkts rxBytes" (exit 1 if absent)
flowq.py FILES getdst KIND PROTO DST   -> the same, for the one flow to DST
flowq.py FILES sum [KIND [PROTO]]     -> "flows pkts bytes" over matching flows
flowq.py FILES misses                  -> "pkts bytes" of tableFull misses
"""
import glob
import json
import sys

KEYS = ("txPkts", "txBytes", "rxPkts", "rxBytes")


def counts(f):
    return [f.get(k, 0) for k in KEYS]


def load(pattern):
    """Merge the windows: one flow per key, counts summed."""
    files = sorted(glob.glob(pattern))
    if not files:
        sys.exit(f"flowq: no file matches {pattern}")
    merged, misses = {}, [0, 0]
    for name in files:
        doc = json.load(open(name))
        for f in doc["flows"]:
            key = (f["kind"], f.get("proto", 0), f["src"], f["dst"])
            m = merged.setdefault(key, dict(zip(KEYS, [0] * 4), kind=f["kind"],
                                            proto=key[1], src=f["src"], dst=f["dst"]))
            for k in KEYS:
                m[k] += f.get(k, 0)
        misses[0] += doc["misses"]["tableFull"]["pkts"]
        misses[1] += doc["misses"]["tableFull"]["bytes"]
    return list(merged.values()), misses


def main():
    flows, misses = load(sys.argv[1])
    op, args = sys.argv[2], sys.argv[3:]
    if op in ("get", "getdst"):
        if op == "get":
            kind, proto, src, dst = args
        else:
            (kind, proto, dst), src = args, None
        hits = [f for f in flows if f["kind"] == kind and
                f["proto"] == int(proto) and
                src in (None, f["src"]) and f["dst"] == dst]
        if len(hits) != 1:
            print(f"flowq: {len(hits)} flows match {args}", file=sys.stderr)
            return 1
        print(*counts(hits[0]))
    elif op == "sum":
        sel = [f for f in flows if (not args or f["kind"] == args[0]) and
               (len(args) < 2 or f["proto"] == int(args[1]))]
        c = [sum(x) for x in zip(*(counts(f) for f in sel))] or [0] * 4
        print(len(sel), c[0] + c[2], c[1] + c[3])
    elif op == "misses":
        print(*misses)
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
