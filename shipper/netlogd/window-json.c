// SPDX-License-Identifier: GPL-2.0
/* A window from the JSON that `netlogctl flows --json` prints. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/netlog.h>
#include <json-c/json.h>

#include "addr.h"
#include "json-read.h"
#include "window-json.h"

#define PATH_LEN JSON_PATH_LEN

static int digits(const char **s, int n, int *val)
{
	int v = 0;

	for (; n; n--, (*s)++) {
		if (**s < '0' || **s > '9')
			return -EINVAL;
		v = v * 10 + (**s - '0');
	}
	*val = v;
	return 0;
}

static int expect(const char **s, char c)
{
	if (**s != c)
		return -EINVAL;
	(*s)++;
	return 0;
}

/* Days since 1970-01-01 of a proleptic Gregorian date. */
static int64_t days_from_civil(int64_t y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static int days_in_month(int y, int m)
{
	static const int days[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31,
				    30, 31 };

	if (m == 2 && y % 4 == 0 && (y % 100 != 0 || y % 400 == 0))
		return 29;
	return days[m - 1];
}

int time_parse(const char *str, uint64_t *ns)
{
	int y, mo, d, h, mi, sec, oh = 0, om = 0, sign = 0, n;
	const char *s = str;
	uint64_t frac = 0, scale = 1000000000ULL;
	int64_t secs;

	if (digits(&s, 4, &y) || expect(&s, '-') || digits(&s, 2, &mo) ||
	    expect(&s, '-') || digits(&s, 2, &d))
		return -EINVAL;
	if (*s != 'T' && *s != 't')
		return -EINVAL;
	s++;
	if (digits(&s, 2, &h) || expect(&s, ':') || digits(&s, 2, &mi) ||
	    expect(&s, ':') || digits(&s, 2, &sec))
		return -EINVAL;
	if (*s == '.') {
		for (s++, n = 0; *s >= '0' && *s <= '9'; s++, n++) {
			if (n == 9)
				return -EINVAL;
			scale /= 10;
			frac += (*s - '0') * scale;
		}
		if (!n)
			return -EINVAL;
	}
	if (*s == 'Z' || *s == 'z') {
		s++;
	} else if (*s == '+' || *s == '-') {
		sign = *s++ == '-' ? -1 : 1;
		if (digits(&s, 2, &oh) || expect(&s, ':') ||
		    digits(&s, 2, &om) || oh > 23 || om > 59)
			return -EINVAL;
	} else {
		return -EINVAL;
	}
	if (*s || mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo) ||
	    h > 23 || mi > 59 || sec > 59)
		return -EINVAL;
	secs = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec -
	       sign * (oh * 3600 + om * 60);
	if (secs < 0 || (uint64_t)secs > (UINT64_MAX - frac) / 1000000000ULL)
		return -EINVAL;
	*ns = (uint64_t)secs * 1000000000ULL + frac;
	return 0;
}

/* An optional non-negative integer; absent is 0. */
static int member_u64(const struct json_reader *r, json_object *obj,
		      const char *path, const char *key, uint64_t *val)
{
	char sub[PATH_LEN];
	json_object *v;
	int ret;

	*val = 0;
	ret = json_member(r, obj, path, key, json_type_int, false, &v);
	if (ret || !v)
		return ret;
	json_path_key(sub, path, key);
	if (json_object_get_int64(v) < 0)
		return json_fail(r, sub, "negative value %" PRId64,
				 json_object_get_int64(v));
	*val = json_object_get_uint64(v);
	return 0;
}

static int member_time(const struct json_reader *r, json_object *obj,
		       const char *path, const char *key, uint64_t *ns)
{
	char sub[PATH_LEN];
	json_object *v;
	const char *s;
	int ret;

	ret = json_member(r, obj, path, key, json_type_string, true, &v);
	if (ret)
		return ret;
	s = json_object_get_string(v);
	json_path_key(sub, path, key);
	if (time_parse(s, ns))
		return json_fail(r, sub, "bad RFC 3339 time '%s'", s);
	return 0;
}

static int member_addrport(const struct json_reader *r, json_object *obj,
			   const char *path, const char *key,
			   struct netlog_addr *a, uint16_t *port)
{
	char sub[PATH_LEN];
	json_object *v;
	const char *s;
	int ret;

	ret = json_member(r, obj, path, key, json_type_string, true, &v);
	if (ret)
		return ret;
	s = json_object_get_string(v);
	json_path_key(sub, path, key);
	if (addrport_parse(a, port, s))
		return json_fail(r, sub, "bad address:port '%s'", s);
	return 0;
}

static int parse_counts(const struct json_reader *r, json_object *obj,
			const char *path, const char *key,
			struct netlog_counts *c)
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
		      const char *path, struct netlog_flow *f)
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

static int from_json(struct netlog_window *w, const struct json_reader *r,
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
	if (n) {
		w->flows = calloc(n, sizeof(*w->flows));
		if (!w->flows)
			return json_fail_nomem(r);
		w->alloc = n;
	}
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

static int parsed(struct netlog_window *w, const char *name,
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

int window_json_parse(struct netlog_window *w, const char *name,
		      const char *buf, size_t len, char *err, size_t errlen)
{
	json_object *top;
	int ret;

	ret = json_doc_parse(&top, name, buf, len, err, errlen);
	if (ret)
		return ret;
	return parsed(w, name, top, err, errlen);
}

int window_json_load(struct netlog_window *w, const char *path, char *err,
		     size_t errlen)
{
	json_object *top;
	int ret;

	ret = json_doc_load(&top, path, err, errlen);
	if (ret)
		return ret;
	return parsed(w, path, top, err, errlen);
}
