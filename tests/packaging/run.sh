#!/bin/bash
# The packages as a gateway gets them: make deb, lintian, the files of both
# .debs, DKMS building and installing netlog.ko for Debian's 6.1 and 6.12
# kernels, and each kernel in QEMU loading it with the shipped modprobe.d
# options and autoloading it through its genetlink alias.
#
#   make deb ─> netlog-dkms.deb ─dpkg -x─> root/usr/src/netlog-VER ─┐
#               netlog.deb      ─dpkg -x─> root/usr/bin/netlogctl   │
#   dkms add/build/install, scratch trees (--dkmstree, --installtree),
#   one per kernel, no depmod ─> K/modroot/lib/modules/KREL/updates/dkms/netlog.ko
#   depmod -b K/modroot ─> guest.sh in QEMU (stock-6.1 | stock-6.12)
#
# Nothing is written to the host's /lib/modules or /var/lib/dkms (checked).
# usage: tests/packaging/run.sh   (as root)
set -euo pipefail
cd "$(dirname "$0")/../.."
t0=$SECONDS
step() { echo "== packaging: $* ($((SECONDS - t0)) s)"; }
fail() { echo "packaging: FAIL: $*" >&2; exit 1; }

tests/deps.sh
out=$PWD/build/packaging
rm -rf "$out"
mkdir -p "$out"

# What must not change: the host's modules and DKMS state.
host_state() {
	find /lib/modules/ /var/lib/dkms/ -printf '%p %y %s %T@\n' 2>/dev/null | sort
}
host_state >"$out/host-before"

step "version"
version=$(sed -n 's/^VERSION ?= *//p' shipper/Makefile)
debver=$(dpkg-parsechangelog -S Version)
[[ $debver == "$version"-* ]] ||
	fail "debian/changelog has $debver, shipper/Makefile VERSION $version"

step "make deb"
make -s deb >"$out/deb.log" 2>&1 || { tail -n 40 "$out/deb.log"; fail "make deb"; }
deb=build/deb/netlog_${debver}_amd64.deb
dkmsdeb=build/deb/netlog-dkms_${debver}_all.deb

step "lintian"
lintian --pedantic -I build/deb/netlog_"$debver"_amd64.changes \
	>"$out/lintian.txt" 2>&1 || true
cat "$out/lintian.txt"
! grep -q '^E: ' "$out/lintian.txt" || fail "lintian reports errors"

step "files of the packages"
root=$out/root
dpkg -x "$deb" "$root"
dpkg -x "$dkmsdeb" "$root"
files() { (cd "$1" && find . -type f -o -type l | sed 's|^\./||' | sort); }
expected=$(
	cat <<-LIST
	etc/logrotate.d/netlog
	etc/modprobe.d/netlog.conf
	etc/netlog/netlogd.conf
	lib/systemd/system/netlogd.service
	lib/systemd/system/netlogd@.service
	usr/bin/netlogctl
	usr/lib/modules-load.d/netlog.conf
	usr/lib/sysusers.d/netlog.conf
	usr/sbin/netlogd
	usr/share/doc/netlog-dkms/changelog.Debian.gz
	usr/share/doc/netlog-dkms/copyright
	usr/share/doc/netlog/changelog.Debian.gz
	usr/share/doc/netlog/copyright
	usr/share/lintian/overrides/netlog
	usr/share/man/man5/netlogd.conf.5.gz
	usr/share/man/man8/netlogctl.8.gz
	usr/share/man/man8/netlogd.8.gz
	usr/src/netlog-$version/dkms.conf
	LIST
	git ls-files Kbuild kmod uapi | sed "s|^|usr/src/netlog-$version/|"
)
diff -u <(echo "$expected" | sort) <(files "$root") || fail "unexpected files in the packages"
[[ $(stat -c %a "$root/etc/netlog/netlogd.conf") == 600 ]] || fail "netlogd.conf is not 0600"
grep -qx "PACKAGE_VERSION=\"$version\"" "$root/usr/src/netlog-$version/dkms.conf" ||
	fail "dkms.conf has no PACKAGE_VERSION=\"$version\""
diff -u dist/systemd/netlogd.service "$root/lib/systemd/system/netlogd.service"
[[ $(grep -v '^#' "$root/usr/lib/modules-load.d/netlog.conf") == netlog ]] ||
	fail "modules-load.d does not load exactly netlog"
shipped=$(grep '^# options' "$root/etc/modprobe.d/netlog.conf")
[[ $shipped == "# options netlog devices=wg0 ports=51820 max_flows=65536" ]] ||
	fail "modprobe.d's example is '$shipped'"
# Its syntax (the host has no user netlog: root in its place).
sed 's/ netlog netlog$/ root root/' "$root/etc/logrotate.d/netlog" >"$out/logrotate.conf"
logrotate -d -s "$out/logrotate.state" "$out/logrotate.conf" >"$out/logrotate.txt" 2>&1 ||
	{ cat "$out/logrotate.txt"; fail "logrotate rejects its file"; }

# The units' sandbox, as systemd rates it: at most 2.5 ("OK"). --threshold is
# the exposure times ten; an instance of the template is rated as netlogd@gw.
step "systemd-analyze security"
cp "$root/lib/systemd/system/netlogd@.service" "$out/netlogd@gw.service"
for unit in "$root/lib/systemd/system/netlogd.service" "$out/netlogd@gw.service"; do
	systemd-analyze security --offline=true --threshold=25 "$unit" >"$out/security.txt" 2>&1 ||
		{ cat "$out/security.txt"; fail "$(basename "$unit") scores over 2.5"; }
	echo "  $(basename "$unit"): $(grep -o 'Overall exposure level.*' "$out/security.txt")"
done

# The guest's modprobe.d: the shipped example, uncommented, with a capacity
# that is not the default.
sed -n 's/^# options \(.*\) max_flows=65536$/options \1 max_flows=4096/p' \
	"$root/etc/modprobe.d/netlog.conf" >"$out/modprobe.conf"
[[ -s $out/modprobe.conf ]] || fail "no options line to uncomment"

step "dkms build and install, 6.1 and 6.12 in parallel"
# One scratch DKMS tree, module root and signing key per kernel.
dkms_one() { # kernel KREL
	local k=$out/$1 krel=$2
	local mods=$k/modroot/lib/modules/$krel
	mkdir -p "$mods"
	# The kernel's own modules, as symlinks, for depmod -b.
	cp -rs "/lib/modules/$krel/kernel" "$mods/kernel"
	cp /lib/modules/"$krel"/modules.{order,builtin,builtin.modinfo} "$mods/"
	tests/packaging/dkms-build.sh "$root/usr/src" "$version" "$krel" "$k"
	depmod -b "$k/modroot" "$krel"
}
k61=$(ls -d /usr/src/linux-headers-6.1.*-amd64 | sort -V | tail -n1)
k612=$(ls -d /usr/src/linux-headers-6.12.*-amd64 | sort -V | tail -n1)
krel61=${k61#/usr/src/linux-headers-}
krel612=${k612#/usr/src/linux-headers-}
dkms_one stock-6.1 "$krel61" >"$out/dkms-6.1.log" 2>&1 &
p1=$!
dkms_one stock-6.12 "$krel612" >"$out/dkms-6.12.log" 2>&1 &
p2=$!
wait $p1 || { cat "$out/dkms-6.1.log"; fail "dkms for $krel61"; }
wait $p2 || { cat "$out/dkms-6.12.log"; fail "dkms for $krel612"; }
for kv in "6.1 $krel61" "6.12 $krel612"; do
	read -r v krel <<<"$kv"
	k=$out/stock-$v
	grep -x "netlog/$version, $krel, x86_64: installed" "$out/dkms-$v.log" ||
		fail "dkms status is not 'installed' for $krel"
	# As the kernel's own: 6.12's are xz-compressed.
	ko=$(echo "$k/modroot/lib/modules/$krel/updates/dkms/netlog.ko"*)
	[[ -f $ko ]] || fail "no $ko"
	[[ $(modinfo -F vermagic "$ko" | cut -d' ' -f1) == "$krel" ]] ||
		fail "$ko is not built for $krel"
	grep -q "^updates/dkms/${ko##*/}:" "$k/modroot/lib/modules/$krel/modules.dep" ||
		fail "depmod -b did not index netlog.ko for $krel"
done

host_state >"$out/host-after"
diff -u "$out/host-before" "$out/host-after" ||
	fail "the host's /lib/modules or /var/lib/dkms changed"

step "QEMU: load, options, alias, autoload on 6.1 and 6.12 in parallel"
guest() { # kernel
	tests/qemu/run.sh --kernel "$1" --smp 1 --timeout 240 --share "$out/$1/share" -- \
		tests/packaging/guest.sh "$root" "$out/$1/modroot" "$out/modprobe.conf"
}
guest stock-6.1 >"$out/guest-6.1.log" 2>&1 &
p1=$!
guest stock-6.12 >"$out/guest-6.12.log" 2>&1 &
p2=$!
rc1=0 rc2=0
wait $p1 || rc1=$?
wait $p2 || rc2=$?
cat "$out/guest-6.1.log" "$out/guest-6.12.log"
((rc1 == 0)) || fail "guest $krel61"
((rc2 == 0)) || fail "guest $krel612"
step "passed"
