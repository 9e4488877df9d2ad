#!/bin/sh
# Host delivery tests, no QEMU: the spool, the uploader against the local
# collector with each fault, the sinks, the configuration, and the collector's
# own checks. The same as `make -C shipper check-delivery`.
set -e
cd "$(dirname "$0")/../../shipper"
exec make -s check-delivery
