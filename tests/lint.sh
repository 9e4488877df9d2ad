#!/bin/bash
# checkpatch --strict and sparse on kmod/, for both Debian 12 kernels.
set -eu
cd "$(dirname "$0")/.."
mkdir -p build
src=$(readlink -f "$(tests/kernel/build.sh | tail -n1)/source")
"$src/scripts/checkpatch.pl" --strict --no-tree --terse --show-types \
	--ignore SPDX_LICENSE_TAG -f kmod/*.c kmod/*.h uapi/linux/netlog.h \
	tests/kunit/*.c tests/kunit/*.h | tee build/checkpatch.txt
! grep -qE ': (ERROR|WARNING|CHECK):' build/checkpatch.txt || {
	echo "lint: checkpatch is not clean" >&2
	exit 1
}
for kdir in /usr/src/linux-headers-6.1.*-amd64 /usr/src/linux-headers-6.12.*-amd64; do
	out=build/sparse-$(basename "$kdir")
	rm -rf "$out"
	make -s module-in KDIR="$kdir" MOUT="$out" C=2 2>&1 | tee "$out.log"
	if grep -E 'warning|error' "$out.log"; then
		echo "lint: sparse is not clean against $kdir" >&2
		exit 1
	fi
done
echo "lint: checkpatch and sparse clean"
