#!/bin/bash
# The install proven under systemd (issue 10): the .debs of `make deb` in a
# Debian image (tests/system/image.sh) with netlog.ko built by DKMS from the
# netlog-dkms .deb, booted with systemd as PID 1 on Debian's 6.1 and 6.12 in
# parallel (tests/qemu/run.sh --root-image), running tests/system/guest.sh;
# then promtool checks the metrics textfiles and their counts.
#
# usage: tests/system/run.sh [stock-6.1] [stock-6.12]      (default: both; as root)
#
# NETLOG_SYSTEM_DEBS="a.deb b.deb" takes these .debs instead of `make deb`
# (the netlog-dkms one, if given, builds the module; without it, make
# module-in does). NETLOG_SYSTEM_APPEND adds kernel arguments (for a
# boot that hangs: systemd.log_target=console systemd.log_level=debug).
# Results stay in the directory printed at the end on failure.
set -euo pipefail
cd "$(dirname "$0")/../.."
t0=$SECONDS
step() { echo "== system: $* ($((SECONDS - t0)) s)"; }
die() { echo "system: FAIL: $*" >&2; exit 1; }

[[ $(id -u) == 0 ]] || exec sudo -E "$0" "$@"
tests/deps.sh
kernels=("${@:-stock-6.1}")
[[ $# -gt 0 ]] || kernels=(stock-6.1 stock-6.12)
work=$(mktemp -d "${TMPDIR:-/tmp}/netlog-system.XXXXXX")

step "packages"
if [[ -n ${NETLOG_SYSTEM_DEBS:-} ]]; then
	read -r -a debs <<<"$NETLOG_SYSTEM_DEBS"
else
	make -s deb >"$work/deb.log" 2>&1 || { tail -n 30 "$work/deb.log"; die "make deb"; }
	debs=(build/deb/*.deb)
fi
deb='' dkmsdeb=''
for d in "${debs[@]}"; do
	case $(dpkg-deb -f "$d" Package) in
	netlog) deb=$d ;;
	netlog-dkms) dkmsdeb=$d ;;
	esac
done
[[ -n $deb ]] || die "no netlog .deb in: ${debs[*]}"

# netlog.ko of kernel $1 (uname -r), its path in build/system/mod-$1/ko: DKMS
# from the netlog-dkms .deb with scratch trees (nothing of the host's
# /var/lib/dkms or /lib/modules is written), else the tree's make module-in.
# Always in the same directory: a module built elsewhere differs (it holds
# its build path), and a new module means a new image.
module() {
	local krel=$1 k=$PWD/build/system/mod-$1 ver
	local kdir=/usr/src/linux-headers-$krel
	rm -f "$k/ko"
	mkdir -p "$k"
	if [[ -n $dkmsdeb ]]; then
		rm -rf "$k/root" "$k/dkms" "$k/modroot"
		dpkg-deb -x "$dkmsdeb" "$k/root"
		ver=$(dpkg-deb -f "$dkmsdeb" Version)
		ver=$(tests/packaging/dkms-build.sh "$k/root/usr/src" "${ver%-*}" "$krel" "$k") ||
			return 1
		echo "$ver"
		tail -n1 <<<"$ver" >"$k/ko"
	else
		make -s module-in KDIR="$kdir" MOUT="$k/build"
		echo "$k/build/netlog.ko" >"$k/ko"
	fi
}
how="make module-in"
[[ -z $dkmsdeb ]] || how="dkms, $(basename "$dkmsdeb")"
step "netlog.ko for ${kernels[*]} ($how)"
declare -A krel
mods=()
for k in "${kernels[@]}"; do
	krel[$k]=$(tests/qemu/run.sh --kernel "$k" --release)
	module "${krel[$k]}" >"$work/mod-${krel[$k]}.log" 2>&1 &
done
wait || true
for k in "${kernels[@]}"; do
	ko=build/system/mod-${krel[$k]}/ko
	[[ -s $ko ]] || { tail -n 30 "$work/mod-${krel[$k]}.log"; die "netlog.ko for ${krel[$k]}"; }
	mods+=(--module "${krel[$k]}=$(head -n1 "$ko")")
done

step "image"
img=$(tests/system/image.sh --deb "$deb" "${mods[@]}") || die "image.sh"
echo "$img (built in $(cat "$(dirname "$img")/build-seconds") s when it was made)"

step "boot ${kernels[*]} in parallel"
for k in "${kernels[@]}"; do
	(
		s=$SECONDS
		rc=0
		tests/qemu/run.sh --kernel "$k" --smp 1 --mem 1024 --timeout 300 --share "$work/$k" \
			--append "${NETLOG_SYSTEM_APPEND:-}" --root-image "$img" -- tests/system/guest.sh >"$work/$k.log" 2>&1 || rc=$?
		echo "$rc $((SECONDS - s))" >"$work/$k.rc"
	) &
done
wait

failed=0
summary=()
for k in "${kernels[@]}"; do
	read -r rc secs <"$work/$k.rc"
	out=$work/$k/out
	problems=() checked=0
	[[ $rc == 0 ]] || problems+=("guest (exit $rc)")
	# The metrics: valid exposition format, and the counts guest.sh expects.
	for p in netlogd netlogd-gw; do
		exp=$out/expected${p#netlogd}.prom
		if ! promtool check metrics <"$out/$p.prom" >"$work/$k-$p-promtool.txt" 2>&1; then
			problems+=("promtool check metrics $p.prom")
			continue
		fi
		[[ -s $exp ]] || { problems+=("no $(basename "$exp")"); continue; }
		while read -r line; do
			checked=$((checked + 1))
			grep -qxF "$line" "$out/$p.prom" || problems+=("$p.prom lacks '$line'")
		done <"$exp"
	done
	if [[ ${#problems[@]} == 0 ]]; then
		summary+=("PASS $k (${krel[$k]}): boot to result in $secs s; $checked metric values as sent")
	else
		failed=1
		summary+=("FAIL $k (${krel[$k]}) after $secs s: ${problems[*]}")
		echo "----- $k: $work/$k.log -----"
		tail -n 60 "$work/$k.log"
		[[ ! -e $out/journal.txt ]] || { echo "----- $k: journal -----"; tail -n 40 "$out/journal.txt"; }
	fi
done
echo "== system: summary ($((SECONDS - t0)) s in all)"
printf '%s\n' "${summary[@]}"
if [[ $failed == 0 ]]; then
	rm -rf "$work"
	exit 0
fi
echo "system: results in $work"
exit 1
