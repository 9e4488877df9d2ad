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
#define JSON_FLAGS (JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)

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

/* The counters of a flow, in the order of their keys. */
enum {
	C_TX_PKTS,
	C_TX_BYTES,
	C_RX_PKTS,
	C_RX_BYTES,
	NR_COUNTS
};

static const char *const count_key[NR_COUNTS] = {
	"txPkts", "txBytes", "rxPkts", "rxBytes",
};

/*
 * A flow object of one shape: which counters it has, zero ones being left
 * out. Each flow of that shape sets its values in place and is serialized
 * by json-c, so that a million flows cost no million trees.
 */
struct flow_tmpl {
	json_object *obj, *kind, *proto, *src, *dst, *count[NR_COUNTS];
};

struct flow_printer {
	struct flow_tmpl tmpl[1 << NR_COUNTS];
	struct addrport_text src, dst;
};

static json_object *tmpl_add(json_object *obj, const char *key,
			     json_object *val)
{
	if (val)
		json_add(obj, key, val);
	return val;
}

/* A number member of a template, written without json-c's snprintf(). */
static json_object *tmpl_add_u64(json_object *obj, const char *key,
				 json_object *val)
{
	if (val)
		json_object_set_serializer(val, json_u64_to_json, NULL, NULL);
	return tmpl_add(obj, key, val);
}

static struct flow_tmpl *tmpl_get(struct flow_printer *p, unsigned int mask)
{
	struct flow_tmpl *t = &p->tmpl[mask];
	unsigned int c;

	if (t->obj)
		return t;
	t->obj = json_object_new_object();
	if (!t->obj)
		return NULL;
	t->kind = tmpl_add(t->obj, "kind", json_object_new_string(""));
	t->proto = tmpl_add_u64(t->obj, "proto", json_object_new_int(0));
	t->src = tmpl_add(t->obj, "src", json_object_new_string(""));
	t->dst = tmpl_add(t->obj, "dst", json_object_new_string(""));
	for (c = 0; c < NR_COUNTS; c++) {
		if (!(mask & 1u << c))
			continue;
		t->count[c] = tmpl_add_u64(t->obj, count_key[c],
					   json_object_new_uint64(0));
		if (!t->count[c])
			goto err;
	}
	if (t->kind && t->proto && t->src && t->dst)
		return t;
err:
	json_object_put(t->obj);
	memset(t, 0, sizeof(*t));
	return NULL;
}

static void printer_free(struct flow_printer *p)
{
	unsigned int i;

	for (i = 0; i < 1 << NR_COUNTS; i++)
		json_object_put(p->tmpl[i].obj);
}

static int put_flow(struct flow_printer *p, const struct flow *fl, FILE *f)
{
	const uint64_t count[NR_COUNTS] = {
		fl->tx_pkts, fl->tx_bytes, fl->rx_pkts, fl->rx_bytes,
	};
	const char *kind = flow_kind_name(fl->kind), *json;
	unsigned int mask = 0, c;
	struct flow_tmpl *t;
	size_t len;

	for (c = 0; c < NR_COUNTS; c++)
		if (count[c])
			mask |= 1u << c;
	t = tmpl_get(p, mask);
	if (!t)
		return -ENOMEM;
	addrport_text(&p->src, &fl->local, fl->local_port);
	addrport_text(&p->dst, &fl->remote, fl->remote_port);
	/* json-c's setters return 1 on success. */
	if (!json_object_set_string(t->kind, kind ? kind : "unknown") ||
	    !json_object_set_int(t->proto, fl->proto) ||
	    !json_object_set_string_len(t->src, p->src.text, p->src.len) ||
	    !json_object_set_string_len(t->dst, p->dst.text, p->dst.len))
		return -ENOMEM;
	for (c = 0; c < NR_COUNTS; c++)
		if (t->count[c])
			json_object_set_uint64(t->count[c], count[c]);
	json = json_object_to_json_string_length(t->obj, JSON_FLAGS, &len);
	if (!json)
		return -ENOMEM;
	fwrite(json, 1, len, f);
	return 0;
}

/* Serializes @obj with json-c and frees it. */
static void put(json_object *obj, FILE *f)
{
	fputs(json_object_to_json_string_ext(obj, JSON_FLAGS), f);
	json_object_put(obj);
}

/*
 * Every value is built and serialized by json-c, but the top level is
 * streamed one flow at a time: a json-c tree of a million flows takes about
 * 1.3 GB. Only the fixed keys and the brackets around them are written here.
 * The flows go through reused objects, one for each shape (see
 * struct flow_tmpl).
 */
int window_print_json(const struct window *w, FILE *f)
{
	struct flow_printer p = { 0 };
	json_object *misses;
	size_t i;
	int ret = 0;

	fputs("{\"window\":", f);
	put(window_json(w), f);
	fputs(",\"flows\":[", f);
	for (i = 0; i < w->nr && !ret; i++) {
		if (i)
			fputc(',', f);
		ret = put_flow(&p, &w->flows[i], f);
	}
	printer_free(&p);
	if (ret)
		return ret;
	fputs("],\"misses\":", f);
	misses = json_object_new_object();
	json_add(misses, "tableFull", counts_json(&w->miss_table_full));
	put(misses, f);
	fputs(",\"excluded\":", f);
	put(counts_json(&w->excluded), f);
	fputs("}\n", f);
	return 0;
}
