#!/bin/sh
# Build (once) the root filesystem image of the systemd system test: Debian
# bookworm from mmdebstrap with the netlog .debs installed, the modules the
# guest needs of each test kernel plus the given netlog.ko in updates/dkms/,
# and the files of tests/system/rootfs/ on top. Prints the image's path.
#
# usage: tests/system/image.sh --deb PATH [--deb PATH...] --module KVER=KO [--module KVER=KO...]
#
# The image is cached as $NETLOG_CACHE/system-<key>/root.img (default
# /var/cache/netlog), the key hashing this script, the package list, rootfs/,
# the .debs and the modules; boot it read-only or with qemu's snapshot=on.
# Debian's packages are cached in $NETLOG_CACHE/system-apt between builds.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
cache=${NETLOG_CACHE:-/var/cache/netlog}
suite=bookworm
mirror=http://deb.debian.org/debian
# What the guest runs: systemd, WireGuard in userspace (Tailscale's engine),
# the tools of tests/system/guest.sh and tests/e2e/traffic.py.
packages=systemd,systemd-sysv,udev,kmod,iproute2,wireguard-tools,wireguard-go,iputils-ping,procps,python3
# Modules the guest loads (with their dependencies), of each kernel: the
# block root, the 9p shares, tun for wireguard-go, veth between namespaces.
modules="crc32c_generic virtio_pci virtio_blk ext4 9pnet_virtio 9p tun veth dummy"

die() { echo "image.sh: $*" >&2; exit 1; }
usage() { sed -n '7p' "$0" | sed 's/^# //' >&2; exit 2; }

debs='' kos=''
while [ $# -gt 0 ]; do
	case $1 in
	--deb) [ $# -ge 2 ] || usage
		[ -r "$2" ] || die "cannot read '$2'"
		debs="$debs $(cd "$(dirname "$2")" && pwd)/$(basename "$2")"
		shift 2 ;;
	--module) [ $# -ge 2 ] || usage
		case $2 in *=*) ;; *) usage ;; esac
		[ -r "${2#*=}" ] || die "cannot read '${2#*=}'"
		[ -d "/lib/modules/${2%%=*}/kernel" ] || die "no /lib/modules/${2%%=*} on this host"
		kos="$kos ${2%%=*}=$(cd "$(dirname "${2#*=}")" && pwd)/$(basename "${2#*=}")"
		shift 2 ;;
	*) usage ;;
	esac
done
if [ -z "$debs" ] || [ -z "$kos" ]; then usage; fi

key=$( {
	echo "$suite $mirror $packages $modules"
	cat "$0"
	(cd "$here/rootfs" && find . -type f | LC_ALL=C sort | xargs sha256sum)
	for d in $debs; do sha256sum <"$d"; done
	for m in $kos; do echo "${m%%=*}"; sha256sum <"${m#*=}"; done
} | sha256sum | cut -c1-16)
dir=$cache/system-$key
img=$dir/root.img
if [ -e "$img" ]; then
	echo "$img"
	exit 0
fi

mkdir -p "$cache/system-apt"
exec 9>"$cache/system.lock"
flock 9
[ ! -e "$img" ] || { echo "$img"; exit 0; }

start=$(date +%s)
tmp=$(mktemp -d "$cache/system-build.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
tree=$tmp/tree
echo "image.sh: mmdebstrap $suite ($packages, then$debs)" >&2
# Downloaded packages go to and come from $cache/system-apt (mmdebstrap's
# documented recipe), then leave the tree. The local .debs are installed by
# apt inside the tree, which fetches their dependencies: given by path to
# --include, apt (1.3.5 in root mode) hands dpkg a path outside the chroot.
# shellcheck disable=SC2016 # "$1" is mmdebstrap's, in its hooks
mmdebstrap --quiet --variant=minbase --include="$packages" \
	--skip=download/empty --skip=essential/unlink \
	--setup-hook='mkdir -p "$1"/var/cache/apt/archives/' \
	--setup-hook="sync-in $cache/system-apt /var/cache/apt/archives/" \
	--customize-hook='mkdir -p "$1"/tmp/netlog-debs' \
	--customize-hook="copy-in$debs /tmp/netlog-debs" \
	--customize-hook='chroot "$1" sh -c "apt-get install -y -q --no-install-recommends /tmp/netlog-debs/*.deb"' \
	--customize-hook='rm -rf "$1"/tmp/netlog-debs' \
	--customize-hook="sync-out /var/cache/apt/archives $cache/system-apt" \
	--customize-hook='rm -f "$1"/var/cache/apt/archives/*.deb' \
	"$suite" "$tree" "$mirror" >&2

for m in $kos; do
	kver=${m%%=*} ko=${m#*=}
	echo "image.sh: modules of $kver" >&2
	for mod in $modules; do
		modprobe -S "$kver" --show-depends "$mod" | awk '$1 == "insmod" { print $2 }'
	done | sort -u | while read -r path; do
		mkdir -p "$tree$(dirname "$path")"
		cp "$path" "$tree$path"
	done
	for f in modules.order modules.builtin modules.builtin.modinfo; do
		cp "/lib/modules/$kver/$f" "$tree/lib/modules/$kver/"
	done
	mkdir -p "$tree/lib/modules/$kver/updates/dkms"
	cp "$ko" "$tree/lib/modules/$kver/updates/dkms/netlog.ko${ko##*/netlog.ko}"
	depmod -b "$tree" "$kver"
done

cp -R "$here/rootfs/." "$tree/"
chmod 755 "$tree/usr/local/sbin/netlog-system-test"
# The test starts netlogd itself; no login prompts on the console.
systemctl --root="$tree" --quiet enable netlog-system-test.service
systemctl --root="$tree" --quiet disable netlogd.service 2>/dev/null || true
systemctl --root="$tree" --quiet mask serial-getty@ttyS0.service getty@tty1.service \
	apt-daily.timer apt-daily-upgrade.timer e2scrub_all.timer fstrim.timer 2>/dev/null || true
echo netlog-guest >"$tree/etc/hostname"

mkdir -p "$dir"
mkfs.ext4 -q -F -L netlog-root -d "$tree" "$tmp/root.img" 2G >&2
mv "$tmp/root.img" "$img"
echo "$(($(date +%s) - start))" >"$dir/build-seconds"
# Keep the three newest images (2 GB each, sparse).
find "$cache" -maxdepth 1 -regextype posix-extended -regex '.*/system-[0-9a-f]{16}' -printf '%T@ %p\n' |
	sort -rn | tail -n +4 | cut -d' ' -f2- | xargs -r rm -rf
echo "image.sh: built $img in $(cat "$dir/build-seconds") s" >&2
echo "$img"
