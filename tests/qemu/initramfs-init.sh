#!/bin/busybox sh
# shellcheck shell=sh
# /init of the initramfs for stock kernels, where virtio and 9p are modules:
# load them (run.sh put them in /modules in dependency order), mount the host
# root read-only over 9p and hand over to guest-init.sh, passed as "$@"; or,
# with netlogtest.root=DEV, mount DEV and hand over to its systemd.
/bin/busybox --install -s /bin
mount -t devtmpfs devtmpfs /dev
exec </dev/console >/dev/console 2>&1

fail() {
	echo "netlog-initramfs: $*"
	reboot -f
}

for m in /modules/*.ko; do
	[ -e "$m" ] || break
	insmod "$m" || fail "insmod $m failed"
done
mkdir -p /newroot
# run.sh --root-image: an ext4 root on a virtio disk, with systemd as PID 1.
root=
mount -t proc proc /proc
for word in $(cat /proc/cmdline); do
	case $word in netlogtest.root=*) root=${word#*=} ;; esac
done
umount /proc
if [ -n "$root" ]; then
	for _ in $(seq 100); do
		[ -b "$root" ] && break
		sleep 0.1
	done
	mount -t ext4 "$root" /newroot || fail "cannot mount the root image ($root)"
	mount --move /dev /newroot/dev
	exec switch_root /newroot /lib/systemd/systemd
fi
mount -t 9p -o ro,trans=virtio,version=9p2000.L,cache=loose,msize=262144 hostroot /newroot ||
	fail "cannot mount the host root (9p tag hostroot)"
mount --move /dev /newroot/dev
exec switch_root /newroot /bin/sh "$@"
