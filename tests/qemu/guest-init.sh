#!/bin/sh
# PID 1 of the QEMU guest, running on the host root (read-only 9p). Makes a
# writable system, runs the command that run.sh left in the share, records its
# exit code there and reboots (run.sh uses -no-reboot, so QEMU exits).
# PID 1 must never exit: no set -e; every failure ends in the reboot below.
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/tmp
umask 022

mnt() { # type source target [options]
	mountpoint -q "$3" || mount -t "$1" ${4:+-o "$4"} "$2" "$3" ||
		echo "netlog-guest: cannot mount $1 on $3"
}

finish() {
	sync
	busybox reboot -f
	echo "netlog-guest: reboot failed"
	while :; do sleep 60; done
}

mnt proc proc /proc
mnt sysfs sysfs /sys
mnt devtmpfs devtmpfs /dev
mkdir -p /dev/pts /dev/shm
ln -sf /proc/self/fd /dev/fd
ln -sf fd/0 /dev/stdin
ln -sf fd/1 /dev/stdout
ln -sf fd/2 /dev/stderr
mnt devpts devpts /dev/pts gid=5,mode=620,ptmxmode=666
mnt tmpfs tmpfs /dev/shm mode=1777
mnt tmpfs tmpfs /run mode=755
mnt tmpfs tmpfs /tmp mode=1777
mnt tmpfs tmpfs /var/tmp mode=1777
mnt tmpfs tmpfs /root mode=700
mnt debugfs debugfs /sys/kernel/debug
# /etc writable (e.g. /etc/netns/<name>) through an overlay on tmpfs.
mkdir -p /run/netlog-etc/upper /run/netlog-etc/work
mnt overlay overlay /etc lowerdir=/etc,upperdir=/run/netlog-etc/upper,workdir=/run/netlog-etc/work
ip link set lo up
# What systemd-tmpfiles does at boot: device nodes of modules not loaded yet
# (/dev/net/tun...), so that opening them loads the module.
kmod static-nodes --format=tmpfiles 2>/dev/null |
while read -r type path mode _ _ _ dev; do
	case $type in
	c*|b*) mkdir -p "${path%/*}"
		mknod -m "$mode" "$path" "${type%!}" "${dev%:*}" "${dev#*:}" 2>/dev/null ;;
	esac
done

share= repo=
for word in $(cat /proc/cmdline); do
	case $word in
	netlogtest.share=*) share=${word#*=} ;;
	netlogtest.repo=*) repo=${word#*=} ;;
	esac
done
if [ -z "$share" ]; then
	echo "netlog-guest: no netlogtest.share= on the kernel command line"
	finish
fi
# A checkout under a path that is now a tmpfs comes back read-only.
if [ -n "$repo" ]; then
	mkdir -p "$repo" 2>/dev/null
	mount -t 9p -o trans=virtio,version=9p2000.L,msize=262144,ro netlogrepo "$repo" || {
		echo "netlog-guest: cannot mount the checkout (9p tag netlogrepo) on $repo"
		finish
	}
fi

# The share may live under a path that is now a tmpfs (/tmp), or in the
# checkout (build/...): mounted after it, over it.
mkdir -p "$share" 2>/dev/null
mount -t 9p -o trans=virtio,version=9p2000.L,msize=262144 netlogshare "$share" || {
	echo "netlog-guest: cannot mount the share (9p tag netlogshare) on $share"
	finish
}

echo "netlog-guest: running on $(uname -r), up $(cut -d' ' -f1 /proc/uptime) s"
sh "$share/.netlog/cmd" </dev/null
rc=$?
echo "netlog-guest: command exited with $rc"

if [ -e /sys/kernel/debug/kmemleak ]; then
	# kmemleak ignores objects younger than 5 s, and reports an object only
	# once its contents stayed the same over two scans.
	sleep 5
	echo scan >/sys/kernel/debug/kmemleak
	echo scan >/sys/kernel/debug/kmemleak
	echo "netlog-guest: kmemleak scans done, up $(cut -d' ' -f1 /proc/uptime) s"
	cat /sys/kernel/debug/kmemleak
fi
echo "$rc" >"$share/.netlog/exit-code"
echo "NETLOG_GUEST_DONE"
finish
