#!/bin/bash
# Inside the test kernel: load the KUnit module and save its KTAP output.
# usage: guest.sh MODDIR
set -euo pipefail
dmesg -C
insmod "$1/netlog_kunit.ko"
dmesg --notime >"$NETLOG_SHARE/kunit.log"
rmmod netlog_kunit
