#!/bin/sh
# The clickhouse sink into a real clickhouse-server (Debian's, 18.16): the
# server runs on 127.0.0.1 from a minimal configuration in the test's
# temporary directory, its table from `netlogd --print-schema clickhouse`;
# known windows go through the spool and the uploader with gzip and none
# bodies, into a table lacking a column (set aside in rejected/), and past
# the server killed and started again (retried, then in once). Then the
# table's count, sums and rows are the windows' flows exactly. A few seconds.
set -e
cd "$(dirname "$0")/../../shipper"
make -s netlogd/netlogd tests/test-clickhouse
exec tests/test-clickhouse --server /usr/sbin/clickhouse-server \
	--netlogd netlogd/netlogd
