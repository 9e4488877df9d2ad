#!/bin/bash
# In the QEMU guest (tests/packaging/run.sh): netlog.ko as DKMS installed it,
# loaded with the package's modprobe.d options, then autoloaded by netlogctl.
# usage: guest.sh ROOT MODROOT MODPROBE_CONF
#   ROOT           the two packages, dpkg -x'ed (netlogctl)
#   MODROOT        a module root: lib/modules/KREL with updates/dkms/netlog.ko
#                  and depmod -b's index of it and the kernel's modules
#   MODPROBE_CONF  options netlog devices=wg0 ports=51820 max_flows=4096
set -euo pipefail
root=$1 modroot=$2 conf=$3
krel=$NETLOG_KREL
mods=/lib/modules/$krel
fail() { echo "guest: FAIL: $*" >&2; exit 1; }
param() { cat "/sys/module/netlog/parameters/$1"; }
loaded() { lsmod | awk '$1 == "netlog" { n++ } END { exit !n }'; }

echo "guest: modprobe -d $modroot -C $conf netlog"
! loaded || fail "netlog is loaded before the test"
modprobe -d "$modroot" -C "$conf" netlog
loaded || fail "modprobe did not load netlog"
[[ $(param devices) == wg0 ]] || fail "devices is '$(param devices)'"
[[ $(param ports) == 51820 ]] || fail "ports is '$(param ports)'"
[[ $(param max_flows) == 4096 ]] || fail "max_flows is '$(param max_flows)'"
ko=$(modinfo -b "$modroot" -k "$krel" -n netlog)
[[ $ko == "$modroot$mods"/updates/dkms/netlog.ko* ]] || fail "modinfo finds $ko"
alias=$(modinfo -b "$modroot" -k "$krel" -F alias netlog)
[[ $alias == net-pf-16-proto-16-family-netlog ]] || fail "aliases: '$alias'"
# No softdep: see the commit that added the alias.
[[ -z $(modinfo -b "$modroot" -k "$krel" -F softdep netlog) ]] || fail "a softdep"
[[ $(modprobe -d "$modroot" -R net-pf-16-proto-16-family-netlog) == netlog ]] ||
	fail "the alias does not resolve to netlog"
rmmod netlog
! loaded || fail "rmmod left netlog loaded"

# The kernel's request_module runs modprobe on /lib/modules: put the DKMS
# module and the index over the read-only host copy, with the options where
# the package puts them.
mkdir -p /run/netlog-mods
mount -t tmpfs tmpfs /run/netlog-mods
mkdir /run/netlog-mods/upper /run/netlog-mods/work
mount -t overlay overlay \
	-o "lowerdir=$mods,upperdir=/run/netlog-mods/upper,workdir=/run/netlog-mods/work" "$mods"
mkdir -p "$mods/updates/dkms"
cp "$modroot$mods"/updates/dkms/netlog.ko* "$mods/updates/dkms/"
cp "$modroot$mods"/modules.* "$mods/"
cp "$conf" /etc/modprobe.d/netlog.conf

echo "guest: netlogctl show, netlog not loaded"
out=$("$root/usr/bin/netlogctl" show)
echo "$out"
loaded || fail "netlogctl show did not load netlog"
grep -qx '  devices: wg0 (absent)' <<<"$out" || fail "show has no device wg0"
grep -qx '  ports: 51820' <<<"$out" || fail "show has no port 51820"
grep -qx '  max flows: 4096 per CPU' <<<"$out" || fail "show has no max flows 4096"
[[ $(cat /sys/module/netlog/initstate) == live ]] || fail "netlog is not live"
rmmod netlog
echo "guest: passed on $krel"
