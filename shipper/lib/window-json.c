// SPDX-License-Identifier: GPL-2.0
/*
 * The JSON form of a window, as `netlogctl flows --json` prints it, and read
 * back for replaying recorded windows through netlogd.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/netlog.h>
#include <json-c/json.h>

#include "addr.h"
#include "json-read.h"
#include "fmt.h"
#include "json-build.h"
#include "window-json.h"

#define PATH_LEN JSON_PATH_LEN

/* An optional non-negative integer; absent is 0. */
static int member_u64(const struct json_reader *r, json_object *obj,
		      const char *path, const char *key, uint64_t *val)
{
	json_object *v;
	int ret;

	*val = 0;
	ret = json_member(r, obj, path, key, json_type_int, false, &v);
	if (ret || !v)
		return ret;
	if (json_object_get_int64(v) < 0)
		return json_fail_key(r, path, key, "negative value %" PRId64,
				     json_object_get_int64(v));
	*val = json_object_get_uint64(v);
	return 0;
}

static int member_time(const struct json_reader *r, json_object *obj,
		       const char *path, const char *key, uint64_t *ns)
{
	const char *s;
	size_t len;
	int ret;

	ret = json_member_str(r, obj, path, key, true, &s, &len);
	if (!ret && fmt_time_parse(s, ns))
		ret = json_fail_key(r, path, key, "bad RFC 3339 time '%s'", s);
	return ret;
}

static int member_addrport(const struct json_reader *r, json_object *obj,
			   const char *path, const char *key,
			   struct addr *a, uint16_t *port)
{
	const char *s;
	size_t len;
	int ret;

	ret = json_member_str(r, obj, path, key, true, &s, &len);
	if (!ret && addrport_parse(a, port, s))
		ret = json_fail_key(r, path, key, "bad address:port '%s'", s);
	return ret;
}

static int parse_counts(const struct json_reader *r, json_object *obj,
			const char *path, const char *key,
			struct counts *c)
{
	char sub[PATH_LEN];
	json_object *v;
	int ret;

	ret = json_member(r, obj, path, key, json_type_object, false, &v);
	if (ret || !v)
		return ret;
	json_path_key(sub, path, key);
	ret = member_u64(r, v, sub, "pkts", &c->pkts);
	if (!ret)
		ret = member_u64(r, v, sub, "bytes", &c->bytes);
	return ret;
}

static int parse_flow(const struct json_reader *r, json_object *obj,
		      const char *path, struct flow *f)
{
	json_object *v;
	const char *kind;
	uint64_t proto;
	int ret;

	memset(f, 0, sizeof(*f));
	if (!json_object_is_type(obj, json_type_object))
		return json_fail(r, path, "expected object, got %s",
				 json_type_desc(obj));
	ret = json_member(r, obj, path, "kind", json_type_string, true, &v);
	if (ret)
		return ret;
	kind = json_object_get_string(v);
	if (!strcmp(kind, "virtual"))
		f->kind = NETLOG_KIND_VIRTUAL;
	else if (!strcmp(kind, "physical"))
		f->kind = NETLOG_KIND_PHYSICAL;
	else
		return json_fail(r, path, "unknown kind '%s'", kind);
	ret = json_member(r, obj, path, "proto", json_type_int, true, &v);
	if (ret)
		return ret;
	ret = member_u64(r, obj, path, "proto", &proto);
	if (ret)
		return ret;
	if (proto > 255)
		return json_fail(r, path,
				 "proto %" PRIu64 " out of range 0-255", proto);
	f->proto = proto;
	ret = member_addrport(r, obj, path, "src", &f->local, &f->local_port);
	if (!ret)
		ret = member_addrport(r, obj, path, "dst", &f->remote,
				      &f->remote_port);
	if (!ret)
		ret = member_u64(r, obj, path, "txPkts", &f->tx_pkts);
	if (!ret)
		ret = member_u64(r, obj, path, "txBytes", &f->tx_bytes);
	if (!ret)
		ret = member_u64(r, obj, path, "rxPkts", &f->rx_pkts);
	if (!ret)
		ret = member_u64(r, obj, path, "rxBytes", &f->rx_bytes);
	return ret;
}

static int from_json(struct window *w, const struct json_reader *r,
		     json_object *top)
{
	json_object *win, *flows, *misses;
	char path[PATH_LEN];
	size_t i, n;
	int ret;

	if (!json_object_is_type(top, json_type_object))
		return json_fail(r, "", "expected an object, got %s",
				 json_type_desc(top));
	ret = json_member(r, top, "", "window", json_type_object, true, &win);
	if (!ret)
		ret = member_u64(r, win, "window", "seq", &w->seq);
	if (!ret)
		ret = member_time(r, win, "window", "start", &w->start_ns);
	if (!ret)
		ret = member_time(r, win, "window", "end", &w->end_ns);
	if (!ret)
		ret = json_member(r, top, "", "misses", json_type_object,
				  false, &misses);
	if (!ret && misses)
		ret = parse_counts(r, misses, "misses", "tableFull",
				   &w->miss_table_full);
	if (!ret)
		ret = parse_counts(r, top, "", "excluded", &w->excluded);
	if (!ret)
		ret = json_member(r, top, "", "flows", json_type_array, true,
				  &flows);
	if (ret)
		return ret;
	n = json_object_array_length(flows);
	if (window_reserve(w, n))
		return json_fail_nomem(r);
	for (i = 0; i < n; i++) {
		json_path_index(path, "flows", i);
		ret = parse_flow(r, json_object_array_get_idx(flows, i), path,
				 &w->flows[i]);
		if (ret)
			return ret;
		w->nr++;
	}
	w->nflows = n;
	w->seen = true;
	return 0;
}

static int parsed(struct window *w, const char *name,
		  json_object *top, char *err, size_t errlen)
{
	struct json_reader r = {
		.file = name,
		.err = err,
		.errlen = errlen,
	};
	int ret;

	window_release(w);
	ret = from_json(w, &r, top);
	json_object_put(top);
	if (ret)
		window_release(w);
	return ret;
}

int window_json_parse(struct window *w, const char *name,
		      const char *buf, size_t len, char *err, size_t errlen)
{
	json_object *top;
	int ret;

	ret = json_doc_parse(&top, name, buf, len, err, errlen);
	if (ret)
		return ret;
	return parsed(w, name, top, err, errlen);
}

int window_json_load(struct window *w, const char *path, char *err,
		     size_t errlen)
{
	json_object *top;
	int ret;

	ret = json_doc_load(&top, path, err, errlen);
	if (ret)
		return ret;
	return parsed(w, path, top, err, errlen);
}

/* Printing */

static void add_nonzero(json_object *obj, const char *key, uint64_t val)
{
	if (val)
		json_add(obj, key, json_object_new_uint64(val));
}

static json_object *counts_json(const struct counts *c)
{
	json_object *obj = json_object_new_object();

	json_add(obj, "pkts", json_object_new_uint64(c->pkts));
	json_add(obj, "bytes", json_object_new_uint64(c->bytes));
	return obj;
}

static json_object *window_json(const struct window *w)
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

static json_object *flow_json(const struct flow *fl)
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
void window_print_json(const struct window *w, FILE *f)
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
