#!/bin/bash
# DKMS building netlog.ko from an unpacked netlog-dkms package, in scratch
# trees only: nothing is written to the host's /var/lib/dkms or /lib/modules.
#
# usage: tests/packaging/dkms-build.sh SRCTREE VERSION KREL OUT
#   SRCTREE  the package's usr/src (holding netlog-VERSION/dkms.conf)
#   KREL     a kernel whose headers are in /usr/src/linux-headers-KREL
#   OUT      scratch dir: OUT/dkms (the DKMS tree), OUT/mok.* (a signing key
#            of its own), OUT/modroot/lib/modules/KREL/updates/dkms/netlog.ko*
# Prints the installed module's path last; no depmod (the caller runs it
# where the module goes).
set -euo pipefail
[ $# -eq 4 ] || { sed -n '5,11s/^# \{0,1\}//p' "$0" >&2; exit 2; }
src=$1 version=$2 krel=$3 out=$4
mkdir -p "$out/dkms" "$out/modroot/lib/modules/$krel"
dkms=(dkms --dkmstree "$out/dkms" --sourcetree "$src"
	--installtree "$out/modroot/lib/modules" -m netlog -v "$version"
	-k "$krel" --kernelsourcedir "/usr/src/linux-headers-$krel")
export mok_signing_key=$out/mok.key mok_certificate=$out/mok.pub
"${dkms[@]}" add
"${dkms[@]}" build
"${dkms[@]}" install --no-depmod
"${dkms[@]}" status
find "$out/modroot/lib/modules/$krel" -name 'netlog.ko*' | grep .
