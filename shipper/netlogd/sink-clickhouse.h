/* SPDX-License-Identifier: GPL-2.0 */
/* The clickhouse sink's table, for netlogd --print-schema clickhouse. */
#ifndef NETLOG_SINK_CLICKHOUSE_H
#define NETLOG_SINK_CLICKHOUSE_H

#include <stdio.h>

/*
 * The CREATE TABLE of the rows the sink inserts, named @table (NULL: the
 * default, netlog_flows), valid on ClickHouse 18.16: 0, or -EINVAL for a
 * name that is not an identifier.
 */
int clickhouse_schema(FILE *f, const char *table);

#endif /* NETLOG_SINK_CLICKHOUSE_H */
