#!/bin/sh
# Run by hostile.sh as uid 65534, root of a user and network namespace of
# its own (unshare -Urn), in a memory cgroup of 8M: the configuration that
# anyone may make. Ping, not Python, for traffic: the cgroup is small.
#
# usage: unpriv.sh NETLOGCTL CAP CGROUP OUTDIR
#   CAP: the max_flows the module allows this namespace (userns_max_flows)
#   OUTDIR: where the refusals are written, eperm.log and enomem.log
set -eu
ctl=$1 cap=$2 cg=$3 out=$4

ip link set lo up
"$ctl" show | grep -q "max flows: $cap per CPU" || { "$ctl" show; exit 11; }
if "$ctl" set max-flows $((cap + 1)) 2>"$out/eperm.log"; then exit 12; fi
if "$ctl" set devices lo max-flows "$cap" 2>"$out/enomem.log"; then exit 13; fi
before=$(cat "$cg/memory.current")
"$ctl" set devices lo max-flows 8192
echo "charged $(($(cat "$cg/memory.current") - before))"
ping -q -c 10 -i 0.2 127.0.0.1 >/dev/null
"$ctl" flows --drain --json
