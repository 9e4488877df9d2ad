// SPDX-License-Identifier: GPL-2.0
/* The JSON form of a window, built with json-c. */
#include <json-c/json.h>

#include "flow-json.h"
#include "fmt.h"
#include "json-build.h"

static void add_nonzero(json_object *obj, const char *key, uint64_t val)
{
	if (val)
		json_add(obj, key, json_object_new_uint64(val));
}

static json_object *counts_json(const struct netlog_counts *c)
{
	json_object *obj = json_object_new_object();

	json_add(obj, "pkts", json_object_new_uint64(c->pkts));
	json_add(obj, "bytes", json_object_new_uint64(c->bytes));
	return obj;
}

static json_object *window_json(const struct netlog_window *w)
{
	json_object *obj = json_object_new_object();
	char start[FMT_TIME_LEN], end[FMT_TIME_LEN];

	fmt_time(w->start_ns, start, sizeof(start));
	fmt_time(w->end_ns, end, sizeof(end));
	json_add(obj, "seq", json_object_new_uint64(w->seq));
	json_add(obj, "start", json_object_new_string(start));
	json_add(obj, "end", json_object_new_string(end));
	return obj;
}

static json_object *flow_json(const struct netlog_flow *fl)
{
	json_object *obj = json_object_new_object();
	char src[ADDRPORT_STRLEN], dst[ADDRPORT_STRLEN];
	const char *kind = flow_kind_name(fl->kind);

	addrport_format(&fl->local, fl->local_port, src, sizeof(src));
	addrport_format(&fl->remote, fl->remote_port, dst, sizeof(dst));
	json_add(obj, "kind", json_object_new_string(kind ? kind : "unknown"));
	json_add(obj, "proto", json_object_new_int(fl->proto));
	json_add(obj, "src", json_object_new_string(src));
	json_add(obj, "dst", json_object_new_string(dst));
	add_nonzero(obj, "txPkts", fl->tx_pkts);
	add_nonzero(obj, "txBytes", fl->tx_bytes);
	add_nonzero(obj, "rxPkts", fl->rx_pkts);
	add_nonzero(obj, "rxBytes", fl->rx_bytes);
	return obj;
}

/* Serializes @obj with json-c and frees it. */
static void put(json_object *obj, FILE *f)
{
	fputs(json_object_to_json_string_ext(obj, JSON_C_TO_STRING_PLAIN |
					     JSON_C_TO_STRING_NOSLASHESCAPE), f);
	json_object_put(obj);
}

/*
 * Every value is built and serialized by json-c, but the top level is
 * streamed one flow at a time: a json-c tree of a million flows takes about
 * 1.3 GB. Only the fixed keys and the brackets around them are written here.
 */
void window_print_json(const struct netlog_window *w, FILE *f)
{
	json_object *misses;
	size_t i;

	fputs("{\"window\":", f);
	put(window_json(w), f);
	fputs(",\"flows\":[", f);
	for (i = 0; i < w->nr; i++) {
		if (i)
			fputc(',', f);
		put(flow_json(&w->flows[i]), f);
	}
	fputs("],\"misses\":", f);
	misses = json_object_new_object();
	json_add(misses, "tableFull", counts_json(&w->miss_table_full));
	put(misses, f);
	fputs(",\"excluded\":", f);
	put(counts_json(&w->excluded), f);
	fputs("}\n", f);
}
