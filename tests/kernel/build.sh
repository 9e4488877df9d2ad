#!/bin/sh
# Build the debug test kernel (KASAN, kmemleak, lockdep, KUnit) from Debian's
# linux-source-6.1: allnoconfig + netlog.config, built with O= under the cache.
# The whole O= tree is kept so that `make -C <dir> M=...` builds modules against it.
#
# usage: tests/kernel/build.sh [--print-dir]
# Prints the build directory as the last line of stdout; the build log goes to
# <dir>/build.log. With --print-dir, prints it without building.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
frag=$here/netlog.config
tarball=/usr/src/linux-source-6.1.tar.xz
cache=${NETLOG_CACHE:-/var/cache/netlog}

die() { echo "build.sh: $*" >&2; exit 1; }

version=$(dpkg-query -W -f='${Version}' linux-source-6.1 2>/dev/null) ||
	die "package linux-source-6.1 is not installed (tests/deps.sh installs it)"
[ -r "$tarball" ] || die "$tarball missing"
key=$( { echo "$version"; cat "$frag" "$0"; } | sha256sum | cut -c1-16)
out=$cache/kernel-$key
src=$cache/src-$version/linux-source-6.1

case ${1:-} in
--print-dir) echo "$out"; exit 0 ;;
'') ;;
*) echo "usage: $0 [--print-dir]" >&2; exit 2 ;;
esac

if [ -e "$out/.netlog-complete" ]; then
	echo "$out"
	exit 0
fi

mkdir -p "$cache"
# One build at a time per cache; a second caller waits and then finds the stamp.
exec 9>"$cache/kernel.lock"
flock 9
if [ -e "$out/.netlog-complete" ]; then
	echo "$out"
	exit 0
fi

if [ ! -e "$src/.netlog-extracted" ]; then
	echo "build.sh: extracting $tarball ($version)" >&2
	rm -rf "$cache/src-$version"
	mkdir -p "$cache/src-$version"
	tar -xf "$tarball" -C "$cache/src-$version"
	touch "$src/.netlog-extracted"
fi

cc=gcc
if command -v ccache >/dev/null; then
	cc="ccache gcc"
	export CCACHE_DIR="$cache/ccache"
	# Build dirs differ per key: relative paths let them share cache entries.
	export CCACHE_BASEDIR="$cache"
fi

mkdir -p "$out"
log=$out/build.log
echo "build.sh: building $out (log: $log)" >&2
start=$(date +%s)
kmake() {
	make -C "$src" O="$out" ARCH=x86_64 CC="$cc" "$@" >>"$log" 2>&1 || {
		tail -n 60 "$log" >&2
		die "make $* failed, see $log"
	}
}
: >"$log"
kmake KCONFIG_ALLCONFIG="$frag" allnoconfig

# A fragment line that Kconfig dropped (unmet dependency, renamed symbol)
# would silently build a different kernel: refuse.
grep -E '^(CONFIG_[A-Z0-9_]+=|# CONFIG_[A-Z0-9_]+ is not set)' "$frag" | while IFS= read -r line; do
	case $line in
	"# "*) sym=${line#\# }; sym=${sym%% *}
		! grep -q "^$sym=" "$out/.config" || die "$sym is set in .config despite $frag" ;;
	*) grep -qx "$line" "$out/.config" || die "'$line' from $frag did not survive Kconfig" ;;
	esac
done

kmake -j"$(nproc)" bzImage modules
touch "$out/.netlog-complete"
# Keep only this build: each tree is about 400 MB.
for old in "$cache"/kernel-*/; do
	[ "${old%/}" = "$out" ] || rm -rf "$old"
done
echo "build.sh: built in $(( $(date +%s) - start )) s" >&2
echo "$out"
