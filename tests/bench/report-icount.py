#!/usr/bin/env python3
"""Prints guest-icount.sh's figures as make bench's instruction tables.

usage: report-icount.py DIR  (DIR holds forward.txt and read.txt)
"""
import sys
from pathlib import Path

NAMES = {
    "bare": "bare forwarding path (no hook)",
    "noop": "no-op netfilter hooks at netlog's points",
    "idle": "netlog hooks on, device not configured",
    "existing": "netlog counting existing flows",
    "new": "netlog creating a new flow per packet",
    "conntrack": "nf_conntrack + nf_conntrack_acct",
    "nftset": "nftables dynamic set with counters",
    "ebpf": "tc eBPF per-CPU hash of the 5-tuple",
}
READS = {
    "discard": "discarding reader, peek",
    "drain": "discarding reader, closing drain",
    "parse": "netlogd's fetch + decode (lib/nl.c)",
    "dump": "netlogctl dump",
    "json": "netlogctl flows --json",
    "ct": "ctnetlink dump, discarding reader",
    "ctl": "conntrack -L",
}


def load(path):
    rows = {}
    for line in Path(path).read_text().splitlines():
        *key, med, lo, hi = line.split()
        rows[" ".join(key)] = (int(med), int(lo), int(hi))
    return rows


def main(d):
    fw = load(Path(d) / "forward.txt")
    bare = fw["bare"][0]
    added = {k: v[0] - bare for k, v in fw.items()}
    print("Forwarding, guest instructions per packet (QEMU -icount shift=0, "
          "1 vCPU; median (min-max) of the rounds, configurations alternating)\n")
    print("| configuration | instructions/packet | added over bare | added / eBPF's |")
    print("|---|---|---|---|")
    for k, (med, lo, hi) in fw.items():
        rel = f"{added[k] / added['ebpf']:.2f}" if k != "bare" and added["ebpf"] > 0 else "-"
        add = f"{added[k]}" if k != "bare" else "-"
        print(f"| {NAMES[k]} | {med} ({lo}-{hi}) | {add} | {rel} |")
    print()
    print(f"netlog existing flow: {added['existing']} added, "
          f"{added['existing'] / added['conntrack']:.2f} x conntrack, "
          f"{added['existing'] / added['ebpf']:.2f} x eBPF (target <= 400 and < eBPF)")
    print(f"netlog new flow / existing flow: {added['new'] / added['existing']:.2f} (target <= 2)")
    print(f"netlog idle over no-op hooks: {fw['idle'][0] - fw['noop'][0]} (target <= 60)")
    rd = load(Path(d) / "read.txt")
    sizes = sorted({int(k.split()[0]) for k in rd})
    print("\nReading a window, guest instructions (millions), less a program's start\n")
    print("| reader | " + " | ".join(f"{n} flows" for n in sizes) +
          f" | {sizes[-1]} / discarding reader |")
    print("|---|" + "---|" * (len(sizes) + 1))
    for k, name in READS.items():
        cells = []
        for n in sizes:
            med, lo, hi = rd[f"{n} {k}"]
            cells.append(f"{med / 1e6:.1f}" + (f" ({lo / 1e6:.1f}-{hi / 1e6:.1f})" if lo != hi else ""))
        last = rd[f"{sizes[-1]} {k}"][0] / rd[f"{sizes[-1]} discard"][0]
        print(f"| {name} | " + " | ".join(cells) + f" | {last:.2f} |")
    print("\npeak RSS of the decode: " +
          ", ".join(f"{rd[f'{n} rss_kb'][0]} KiB at {n} flows" for n in sizes))

if __name__ == "__main__":
    main(sys.argv[1])
