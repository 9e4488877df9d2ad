#!/usr/bin/env python3
"""The layering of the tree, checked on the built objects and the sources.

  kmod -> uapi <- shipper/lib <- shipper/{netlogctl,netlogd} <- shipper/tests

A file includes headers of its own folder and of the folders below it only;
lib/ never calls into a program; and no two object files call each other,
directly or round a longer cycle. Run after `make -C shipper` (it reads the
symbol tables of shipper/*/*.o).
"""
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHIPPER = ROOT / "shipper"
# What each folder may include with "...", besides its own headers.
MAY_INCLUDE = {
    "kmod": set(),
    "shipper/lib": set(),
    "shipper/netlogctl": {"shipper/lib"},
    "shipper/netlogd": {"shipper/lib"},
    "shipper/tests": {"shipper/lib", "shipper/netlogctl", "shipper/netlogd"},
}
PROGRAM_DIRS = ("netlogctl", "netlogd")


def check_includes(errors):
    for folder, below in MAY_INCLUDE.items():
        allowed = {folder} | below
        for src in sorted((ROOT / folder).glob("*.[ch]")):
            for n, line in enumerate(src.read_text().splitlines(), 1):
                m = re.match(r'\s*#\s*include\s+"([^"]+)"', line)
                if not m:
                    continue
                found = [d for d in allowed if (ROOT / d / m.group(1)).exists()]
                if not found:
                    errors.append(f"{src.relative_to(ROOT)}:{n}: includes "
                                  f"\"{m.group(1)}\", not a header of "
                                  f"{' or '.join(sorted(allowed))}")


def symbols(obj):
    out = subprocess.run(["nm", "--defined-only", "-g", str(obj)],
                         capture_output=True, text=True, check=True).stdout
    defined = {l.split()[-1] for l in out.splitlines() if l.strip()}
    out = subprocess.run(["nm", "-u", str(obj)], capture_output=True,
                         text=True, check=True).stdout
    used = {l.split()[-1] for l in out.splitlines() if l.strip()}
    return defined, used


def check_calls(errors):
    objs = sorted(p for d in ("lib",) + PROGRAM_DIRS
                  for p in (SHIPPER / d).glob("*.o"))
    if not objs:
        errors.append("no objects under shipper/: run make -C shipper first")
        return
    owner, uses = {}, {}
    for o in objs:
        name = str(o.relative_to(SHIPPER))
        defined, used = symbols(o)
        for s in defined:
            owner[s] = name
        uses[name] = used
    graph = {a: sorted({owner[s] for s in u if s in owner} - {a})
             for a, u in uses.items()}
    for a, callees in graph.items():
        for b in callees:
            if a.startswith("lib/") and not b.startswith("lib/"):
                errors.append(f"{a} calls into the program file {b}")
    # Any cycle, reported once by its members.
    state, stack, seen = {}, [], set()

    def visit(a):
        state[a] = 1
        stack.append(a)
        for b in graph[a]:
            if state.get(b) == 1:
                cycle = stack[stack.index(b):]
                key = frozenset(cycle)
                if key not in seen:
                    seen.add(key)
                    errors.append("files call each other: " +
                                  " -> ".join(cycle + [b]))
            elif b not in state:
                visit(b)
        stack.pop()
        state[a] = 2

    for a in graph:
        if a not in state:
            visit(a)


def main():
    errors = []
    check_includes(errors)
    check_calls(errors)
    for e in errors:
        print(f"layering: {e}", file=sys.stderr)
    if errors:
        return 1
    print("layering: kmod -> uapi <- lib <- programs, no calls back up, no cycles")
    return 0


if __name__ == "__main__":
    sys.exit(main())
