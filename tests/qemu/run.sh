#!/bin/sh
# Run one script inside a QEMU guest (TCG) whose root is the host root, shared
# read-only over virtio-9p, and fail on any kernel report in the console.
#
# usage: tests/qemu/run.sh --kernel <bzImage|stock-6.1|stock-6.12|test> [--smp N]
#        [--mem MB] [--timeout S] [--share DIR] [--append ARGS] [--icount]
#        [--tcg-single]
#        [--root-image IMG] -- <script> [args...]
#        tests/qemu/run.sh --check-log <console.log>   (exit 1 if it has kernel reports)
#        tests/qemu/run.sh --kernel K --release        (print K's uname -r)
#
# The script runs as root in the host's current directory, with NETLOG_KREL (guest
# uname -r), NETLOG_KBUILD (kernel build dir for modules) and NETLOG_SHARE (a
# writable directory, the same path on host and guest). DIR/console.log holds
# the console. Exits with the script's exit code, or 1 if the guest timed out,
# crashed or printed a kernel report (BUG, WARNING, KASAN, kmemleak, lockdep...).
#
# --root-image IMG boots a stock kernel with IMG (ext4, booted with qemu's
# snapshot=on: never written) as its root and systemd as PID 1, instead of the
# host root: tests/system/image.sh builds it, and its netlog-system-test.service
# plays guest-init.sh's part. The checkout ($PWD) is shared at the same path.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
cache=${NETLOG_CACHE:-/var/cache/netlog}

usage() {
	sed -n '5,9s/^# \{0,1\}//p' "$0" >&2
	exit 2
}
die() { echo "run.sh: $*" >&2; exit 1; }

# Kernel reports start with a printk timestamp, which keeps the script's own
# output ("WARNING: ..." from some tool) from matching.
reports='BUG:|WARNING:|KASAN|UBSAN|Oops|Kernel panic|general protection fault'
reports="$reports|possible circular locking|lockdep|turning off the locking correctness validator"
reports="$reports|INFO: task .* blocked|inconsistent lock state|suspicious RCU usage"
reports="$reports|scheduling while atomic|sleeping function called from invalid context"

# The report lines of a console log, at most 20.
kernel_reports() {
	grep -aE "\[ *[0-9]+\.[0-9]+\] .*($reports)|unreferenced object" "$1" | head -n 20 | tr -d '\r'
}

kernel='' smp=2 mem=2048 timeout=600 share='' append='' icount='' accel='' rootimg='' release=''
while [ $# -gt 0 ]; do
	case $1 in
	--kernel|--smp|--mem|--timeout|--share|--append|--root-image)
		[ $# -ge 2 ] || usage
		opt=${1#--} val=$2
		shift 2
		case $opt in
		kernel) kernel=$val ;; smp) smp=$val ;; mem) mem=$val ;;
		timeout) timeout=$val ;; share) share=$val ;; append) append=$val ;;
		root-image) rootimg=$val ;;
		esac ;;
	--icount)
		# One guest instruction per nanosecond of guest time, whatever
		# the host's load: kernel costs become instruction counts. One
		# vCPU: 6.1 hangs bringing up a second under icount.
		icount="-icount shift=0,sleep=off" smp=1
		shift ;;
	--tcg-single)
		# All vCPUs on one host thread. Multi-threaded TCG can run a
		# stale int3 after the kernel patched a static key (registering
		# or removing the last netfilter hook of a kind under traffic):
		# a spurious "Oops: int3" (qemu-notes.md). Tests that do that
		# on purpose ask for this.
		accel="-accel tcg,thread=single"
		shift ;;
	--release) release=1; shift ;;
	--check-log)
		[ $# -eq 2 ] || usage
		[ -r "$2" ] || die "cannot read '$2'"
		found=$(kernel_reports "$2")
		[ -z "$found" ] || { echo "$found"; exit 1; }
		exit 0 ;;
	--) shift; break ;;
	*) usage ;;
	esac
done
[ -n "$kernel" ] || usage
[ $# -ge 1 ] || [ -n "$release" ] || usage
[ -z "$icount" ] || smp=1
[ -z "$rootimg" ] || [ -r "$rootimg" ] || die "cannot read root image '$rootimg'"

# The release string that a bzImage carries in its setup header (boot protocol:
# kernel_version at 0x20e, an offset from 0x200).
image_release() {
	off=$(od -An -tu2 -j 526 -N 2 "$1" | tr -d ' ')
	dd if="$1" bs=1 skip=$((off + 512)) count=128 2>/dev/null | tr '\0' '\n' | head -n1 | cut -d' ' -f1
}

# shellcheck disable=SC2012,SC2086 # $1 is a glob
newest() { ls -d $1 2>/dev/null | sort -V | tail -n1; }

# All kernel selection: sets kimage, krel and kbuild from a --kernel value.
resolve_kernel() {
	kbuild=
	case $1 in
	stock-6.1) kimage=$(newest '/boot/vmlinuz-6.1.0-*-amd64') ;;
	stock-6.12) kimage=$(newest '/boot/vmlinuz-6.12.*+deb12-amd64') ;;
	test)
		kbuild=$("$here/../kernel/build.sh") || die "building the test kernel failed"
		kbuild=$(echo "$kbuild" | tail -n1)
		kimage=$kbuild/arch/x86/boot/bzImage ;;
	*) kimage=$1 ;;
	esac
	[ -n "$kimage" ] || die "kernel '$1' is not installed"
	[ -r "$kimage" ] || die "cannot read kernel image '$kimage'"
	krel=$(image_release "$kimage")
	[ -n "$krel" ] || die "'$kimage' is not a bzImage"
	if [ -z "$kbuild" ] && [ -e "/lib/modules/$krel/build" ]; then
		kbuild=/lib/modules/$krel/build
	elif [ -z "$kbuild" ] && [ -e "$(dirname "$kimage")/../../../include/config/kernel.release" ]; then
		kbuild=$(cd "$(dirname "$kimage")/../../.." && pwd)
	fi
}

# Stock kernels have virtio and 9p as modules: build (once) an initramfs that
# loads them from this host's /lib/modules/$krel, in dependency order; for a
# root image also ext4 (crc32c_generic first: its metadata checksums) and
# virtio_blk.
make_initramfs() {
	mods=
	for m in virtio_pci 9pnet_virtio 9p ${rootimg:+crc32c_generic ext4 virtio_blk}; do
		deps=$(modprobe -S "$krel" --show-depends "$m") || die "cannot resolve module $m for $krel"
		mods="$mods $(echo "$deps" | awk '$1 == "insmod" { print $2 }')"
	done
	key=$( { echo "$krel"; echo "$mods"; cat "$here/initramfs-init.sh" /bin/busybox; } | sha256sum | cut -c1-16)
	initrd=$cache/initramfs/$krel-$key.cpio.gz
	[ -e "$initrd" ] && return
	tmp=$(mktemp -d)
	mkdir -p "$tmp/bin" "$tmp/dev" "$tmp/proc" "$tmp/modules" "$cache/initramfs"
	cp /bin/busybox "$tmp/bin/busybox"
	cp "$here/initramfs-init.sh" "$tmp/init"
	chmod 755 "$tmp/init"
	n=10 seen=
	for ko in $mods; do
		name=$(basename "$ko")
		case " $seen " in *" $name "*) continue ;; esac
		seen="$seen $name"
		case $ko in
		*.xz) xz -dc "$ko" ;; *.zst) zstd -qdc "$ko" ;; *.gz) gzip -dc "$ko" ;; *) cat "$ko" ;;
		esac >"$tmp/modules/$n-${name%%.ko*}.ko"
		n=$((n + 1))
	done
	(cd "$tmp" && find . | cpio -o -H newc --quiet | gzip -1) >"$initrd.$$"
	mv "$initrd.$$" "$initrd"
	rm -rf "$tmp"
}

# Single-quote a word for sh.
quote() { printf "'%s'" "$(printf '%s' "$1" | sed "s/'/'\\\\''/g")"; }

resolve_kernel "$kernel"
if [ -n "$release" ]; then
	echo "$krel"
	exit 0
fi

if [ -n "$share" ]; then
	mkdir -p "$share"
	share=$(cd "$share" && pwd)
	keep_share=1
else
	share=$(mktemp -d "${TMPDIR:-/tmp}/netlog-qemu.XXXXXX")
	keep_share=
fi
for path in "$share" "$here"; do
	case $path in
	*[!A-Za-z0-9._/+-]*) die "path '$path' must be plain: it goes on the kernel command line" ;;
	esac
done
# The guest mounts fresh tmpfs on these: host files there are not visible.
hidden() {
	case $1/ in
	"$share"/*) return 1 ;;
	/tmp/*|/run/*|/var/tmp/*|/root/*) return 0 ;;
	esac
	return 1
}
# A checkout there (CI may clone into /tmp or /root) is shared again, at
# the same path, over the guest's tmpfs.
# A root image has nothing of the host's: the checkout is always shared.
repo=
if hidden "$PWD" || [ -n "$rootimg" ]; then
	repo=$PWD
	case $repo in
	*[!A-Za-z0-9._/+-]*) die "path '$repo' must be plain: it goes on the kernel command line" ;;
	esac
fi
case $1 in
*/*) script=$(cd "$(dirname "$1")" && pwd)/$(basename "$1") ||
	die "no directory for script '$1'"
	case $script in
	"$repo"/*|"$share"/*) ;;
	*) [ -z "$rootimg" ] || die "script $script is not in the checkout or the share: the root image cannot see it"
		! hidden "$script" || die "script $script is hidden in the guest (tmpfs there): move it or put it in the share" ;;
	esac ;;
esac
log=$share/console.log
rm -rf "$share/.netlog" "$log"
mkdir -p "$share/.netlog"

{
	echo "cd $(quote "$PWD") || exit 1"
	echo "export NETLOG_KREL=$(quote "$krel") NETLOG_KBUILD=$(quote "$kbuild") NETLOG_SHARE=$(quote "$share")"
	printf 'exec'
	for arg in "$@"; do printf ' %s' "$(quote "$arg")"; done
	echo
} >"$share/.netlog/cmd"

# TCG on a loaded host can starve a vCPU for tens of seconds (ACPI's AML
# interpreter under KASAN at boot): RCU stall reports there are not bugs.
cmdline="console=ttyS0 loglevel=5 printk.time=1 panic=-1 oops=panic panic_on_warn=1"
cmdline="$cmdline rcupdate.rcu_cpu_stall_timeout=300"
# The same starved vCPU fails the boot's check that the timer ticks through
# the IO-APIC ("IO-APIC + timer doesn't work!", a panic): skip it, as
# virtualized guests do.
cmdline="$cmdline no_timer_check"
if [ -n "$kbuild" ] && grep -q '^CONFIG_DEBUG_KMEMLEAK=y' "$kbuild/.config" 2>/dev/null; then
	cmdline="$cmdline kmemleak=on"
fi
cmdline="$cmdline netlogtest.share=$share $append"
set -- -kernel "$kimage"
if [ -n "$repo" ]; then
	cmdline="$cmdline netlogtest.repo=$repo"
	set -- "$@" -virtfs "local,path=$repo,mount_tag=netlogrepo,security_model=none,readonly=on,multidevs=remap"
fi
if [ -d "/lib/modules/$krel/kernel" ]; then
	make_initramfs
	set -- "$@" -initrd "$initrd"
elif [ -n "$rootimg" ]; then
	die "--root-image needs a stock kernel (modules in /lib/modules/$krel)"
else
	cmdline="$cmdline root=hostroot rootfstype=9p ro init=/bin/sh"
	cmdline="$cmdline rootflags=trans=virtio,version=9p2000.L,cache=loose,msize=262144"
fi
if [ -n "$rootimg" ]; then
	# The initramfs mounts it and hands over to systemd.
	cmdline="$cmdline netlogtest.root=/dev/vda"
	set -- "$@" -drive "file=$rootimg,if=virtio,format=raw,snapshot=on"
else
	# After "--", the kernel passes the words to init (initramfs /init or /bin/sh).
	cmdline="$cmdline -- $here/guest-init.sh"
fi

# One boot: rc, elapsed and problem set.
boot() {
	echo "run.sh: booting $krel ($kimage), log: $log" >&2
	start=$(date +%s)
	rc=0
	timeout -k 10 "$timeout" qemu-system-x86_64 \
		-machine pc -cpu max -smp "$smp" -m "$mem" $icount $accel \
		-nographic -no-reboot -nic none -monitor none -serial "file:$log" \
		-virtfs local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap \
		-virtfs "local,path=$share,mount_tag=netlogshare,security_model=none,multidevs=remap" \
		"$@" -append "$cmdline" </dev/null >"$share/.netlog/qemu.log" 2>&1 || rc=$?
	elapsed=$(($(date +%s) - start))
	problem=
	if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
		problem="timed out after $timeout s"
	elif [ "$rc" != 0 ]; then
		problem="qemu failed ($rc): $(cat "$share/.netlog/qemu.log")"
	elif ! grep -q '^NETLOG_GUEST_DONE' "$log"; then
		problem="the guest stopped before the end of the run (crash or panic?)"
	fi
}
boot "$@"
# Multi-threaded TCG on a loaded host can patch a static key under a running
# vCPU ("Oops: int3" at boot; see qemu-notes). A kernel that died before
# netlog.ko was loaded and before the test started never ran anything of
# ours: it is booted once more, and says so.
if [ -n "$problem" ] && ! grep -q '^netlog-guest: running on' "$log" &&
	! grep -aq '\] netlog: ' "$log" && [ -n "$(kernel_reports "$log")" ]; then
	echo "run.sh: $krel: the kernel died at boot, before anything of netlog ran:" >&2
	kernel_reports "$log" | head -n 3 >&2
	cp "$log" "$log.first-boot"
	boot "$@"
fi
found=$(kernel_reports "$log")
[ -z "$found" ] || problem="${problem:+$problem; }kernel reports in the console:
$found"
status=$(cat "$share/.netlog/exit-code" 2>/dev/null) || status=
[ -n "$problem" ] || [ -n "$status" ] || problem="the guest left no exit code"

if [ -z "$problem" ] && [ "$status" = 0 ]; then
	sed -n '/^netlog-guest: running on/,/^netlog-guest: command exited/p' "$log" | tr -d '\r'
	echo "run.sh: $krel: passed in $elapsed s" >&2
	[ -n "$keep_share" ] || rm -rf "$share"
	exit 0
fi
echo "----- last 150 lines of $log -----" >&2
tail -n 150 "$log" | tr -d '\r' >&2
echo "-----" >&2
if [ -n "$problem" ]; then
	echo "run.sh: $krel: FAILED after $elapsed s: $problem" >&2
	exit 1
fi
echo "run.sh: $krel: the script exited with $status after $elapsed s" >&2
exit "$status"
