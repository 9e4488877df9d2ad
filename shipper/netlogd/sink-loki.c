// SPDX-License-Identifier: GPL-2.0
/*
 * The loki sink: Grafana Loki's push API, JSON form, POST {url} (Loki's
 * /loki/api/v1/push), gzip or none (Loki takes no zstd).
 *
 * A record is split by kind of traffic: one line per kind it holds, the
 * record with that kind's array alone (nodeId, start, end, srcNode,
 * dstNodes kept), in the stream {job="netlog",node="<node>",
 * traffic="virtual|subnet|exit|physical"}. So a node makes four streams
 * at most, whatever mix its records hold (a label per kind present would
 * make up to fifteen), a query for one kind selects it exactly and sums
 * nothing twice, and no line is bigger than its record. node is the
 * `node` key, else the record's nodeId. The entry's time is the record's
 * start, to the nanosecond.
 *
 * Loki refuses an entry older than its stream's newest ("entry out of
 * order", unless unordered_writes): each stream's values go sorted by
 * time, records of equal times in their order. When Loki keeps the rest
 * of a push and answers 400 listing out-of-order entries alone, the push
 * is delivered: those entries were older than what the stream had, most
 * often because the same batch went before (a reply lost to a timeout),
 * and sending it again can only be refused again.
 */
#include <errno.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>

#include "fmt.h"
#include "log.h"
#include "sink.h"

#define LOKI_KINDS 4

static const char *const kind_member[LOKI_KINDS] = {
	"virtualTraffic", "subnetTraffic", "exitTraffic", "physicalTraffic",
};
static const char *const kind_label[LOKI_KINDS + 1] = {
	"virtual", "subnet", "exit", "physical", "none",
};

struct loki_opts {
	char *url;
	char *user;
	char *password_file, *password;
	char *token_file, *token;
	char *tenant;
	char *job;
	char *node;
};

struct loki_sink {
	char *where;		/* "loki <url>", no query */
	char *url;
	char *userpwd;		/* "user:password": Basic */
	char *bearer;		/* "Authorization: Bearer <token>" */
	char *tenant;		/* "X-Scope-OrgID: <tenant>" */
	char *job;
	char *node;		/* NULL: the records' nodeId */
};

static int loki_check(const void *opts, char *err, size_t errlen)
{
	const struct loki_opts *o = opts;

	if (!o->url)
		snprintf(err, errlen, "url: the loki sink needs one");
	else if (!o->user != !o->password)
		snprintf(err, errlen, "%s: Basic needs user and password_file",
			 o->user ? "password_file" : "user");
	else if (o->user && o->token)
		snprintf(err, errlen, "token_file: give it or user and password_file, not both");
	else if (o->password && strpbrk(o->password, "\r\n"))
		snprintf(err, errlen, "password_file: %s: one line", o->password_file);
	else
		return 0;
	return -EINVAL;
}

/* A line of a stream, until the streams are put together. */
struct loki_entry {
	size_t stream;
	uint64_t ns;
	size_t seq;			/* equal times keep the records' order */
	struct json_object *value;	/* ["<ns>","<line>"] */
};

struct loki_stream {
	char *node;
	int kind;
};

struct loki_batch {
	const struct loki_sink *ls;
	struct loki_entry *e;
	size_t n, cap;
	struct loki_stream *s;
	size_t ns;
	size_t records;
};

/* The index of stream (@node, @kind), added if new: >= 0 or -ENOMEM. */
static long stream_of(struct loki_batch *lb, const char *node, int kind)
{
	struct loki_stream *s;
	size_t i;

	for (i = 0; i < lb->ns; i++)
		if (lb->s[i].kind == kind && !strcmp(lb->s[i].node, node))
			return i;
	s = realloc(lb->s, (lb->ns + 1) * sizeof(*s));
	if (!s)
		return -ENOMEM;
	lb->s = s;
	s[lb->ns].kind = kind;
	s[lb->ns].node = strdup(node);
	return s[lb->ns].node ? (long)lb->ns++ : -ENOMEM;
}

/* @msg without the traffic arrays other than @kind's, as one entry. */
static int add_entry(struct loki_batch *lb, struct json_object *msg, int kind,
		     const char *node, uint64_t ns)
{
	struct json_object *part = json_object_new_object(), *value = NULL;
	char ts[FMT_U64_LEN + 1];
	long stream = stream_of(lb, node, kind);
	const char *line;
	size_t len;
	int j;

	json_object_object_foreach(msg, key, val) {
		for (j = 0; j < LOKI_KINDS && strcmp(key, kind_member[j]); j++)
			;
		if ((j == LOKI_KINDS || j == kind) && part &&
		    json_object_object_add(part, key, json_object_get(val)))
			goto fail;
	}
	line = part ? sink_json(part, &len) : NULL;
	ts[fmt_u64(ts, ns)] = '\0';
	value = line ? json_object_new_array_ext(2) : NULL;
	if (stream < 0 || !value ||
	    json_object_array_add(value, json_object_new_string(ts)) ||
	    json_object_array_add(value, json_object_new_string_len(line, len)))
		goto fail;
	json_object_put(part);
	lb->e[lb->n] = (struct loki_entry){ stream, ns, lb->n, value };
	lb->n++;
	return 0;
fail:
	json_object_put(value);
	json_object_put(part);
	return -ENOMEM;
}

/* A record: an entry per kind of traffic it holds ("none": none). */
static int loki_record(struct json_object *msg, void *arg)
{
	struct loki_batch *lb = arg;
	struct json_object *v;
	const char *node = lb->ls->node;
	uint64_t ns;
	int k, kinds = 0, ret = 0;

	if (!json_object_object_get_ex(msg, "start", &v) ||
	    fmt_time_parse(json_object_get_string(v), &ns))
		return -EBADMSG;
	if (!node)
		node = json_object_object_get_ex(msg, "nodeId", &v) &&
		       json_object_get_string_len(v) ?
		       json_object_get_string(v) : "unknown";
	if (lb->n + LOKI_KINDS + 1 > lb->cap) {
		struct loki_entry *e = realloc(lb->e, (lb->cap * 2 + 64) *
						      sizeof(*e));

		if (!e)
			return -ENOMEM;
		lb->e = e;
		lb->cap = lb->cap * 2 + 64;
	}
	for (k = 0; !ret && k < LOKI_KINDS; k++)
		if (json_object_object_get_ex(msg, kind_member[k], &v) &&
		    json_object_is_type(v, json_type_array) &&
		    json_object_array_length(v) && ++kinds)
			ret = add_entry(lb, msg, k, node, ns);
	if (!ret && !kinds)
		ret = add_entry(lb, msg, LOKI_KINDS, node, ns);
	lb->records += !ret;
	return ret;
}

static int entry_order(const void *a, const void *b)
{
	const struct loki_entry *x = a, *y = b;

	if (x->stream != y->stream)
		return x->stream < y->stream ? -1 : 1;
	if (x->ns != y->ns)
		return x->ns < y->ns ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* {"stream":{job,node,traffic},"values":[]} */
static struct json_object *new_stream(const struct loki_batch *lb, size_t i)
{
	struct json_object *s = json_object_new_object(),
			   *labels = json_object_new_object();

	if (!s || !labels ||
	    json_object_object_add(labels, "job",
				   json_object_new_string(lb->ls->job)) ||
	    json_object_object_add(labels, "node",
				   json_object_new_string(lb->s[i].node)) ||
	    json_object_object_add(labels, "traffic",
				   json_object_new_string(kind_label[lb->s[i].kind])) ||
	    json_object_object_add(s, "stream", labels)) {
		json_object_put(labels);
		json_object_put(s);
		return NULL;
	}
	if (json_object_object_add(s, "values", json_object_new_array())) {
		json_object_put(s);
		return NULL;
	}
	return s;
}

/* The push's body: the streams, each one's values in time order. */
static int push_body(struct loki_batch *lb, struct buf *out)
{
	struct json_object *root = json_object_new_object(),
			   *streams = json_object_new_array(), *s = NULL, *vals;
	size_t i, cur = SIZE_MAX, len;
	const char *text;
	int ret = -ENOMEM;

	if (!root || !streams || json_object_object_add(root, "streams", streams)) {
		json_object_put(streams);
		goto out;
	}
	qsort(lb->e, lb->n, sizeof(*lb->e), entry_order);
	for (i = 0; i < lb->n; i++) {
		if (lb->e[i].stream != cur) {
			cur = lb->e[i].stream;
			s = new_stream(lb, cur);
			if (!s || json_object_array_add(streams, s)) {
				json_object_put(s);
				goto out;
			}
		}
		json_object_object_get_ex(s, "values", &vals);
		if (json_object_array_add(vals, lb->e[i].value))
			goto out;
		lb->e[i].value = NULL;
	}
	text = sink_json(root, &len);
	ret = text ? buf_append(out, text, len) : -ENOMEM;
out:
	json_object_put(root);
	return ret;
}

static void batch_free(struct loki_batch *lb)
{
	size_t i;

	for (i = 0; i < lb->n; i++)
		json_object_put(lb->e[i].value);
	for (i = 0; i < lb->ns; i++)
		free(lb->s[i].node);
	free(lb->e);
	free(lb->s);
}

static int loki_request(void *priv, const char *batch, size_t len,
			uint64_t dropped, struct sink_request *req)
{
	struct loki_sink *ls = priv;
	struct loki_batch lb = { .ls = ls };
	size_t n = 0;
	int ret;

	(void)dropped;
	req->where = ls->where;
	req->url = ls->url;
	req->content_type = "application/json";
	req->headers[n] = ls->bearer;
	n += !!ls->bearer;
	req->headers[n] = ls->tenant;
	n += !!ls->tenant;
	req->headers[n] = NULL;
	req->userpwd = ls->userpwd;
	req->skip_empty = true;
	req->body.len = 0;
	ret = sink_each_message(batch, len, loki_record, &lb);
	if (!ret && lb.records)
		ret = push_body(&lb, &req->body);
	req->entries = lb.records;
	batch_free(&lb);
	return ret;
}

/* Whether every line of a 400 is Loki's "entry out of order" or its total. */
static bool out_of_order_only(const char *body, size_t len)
{
	const char *p = body, *end = body + len, *nl;
	bool any = false;

	while (p < end) {
		nl = memchr(p, '\n', end - p);
		if (!nl)	/* cut: upload.c keeps the reply's first KiB */
			return any;
		if (!strncmp(p, "entry with timestamp ", 21) &&
		    memmem(p, nl - p, "'entry out of order'", 20))
			any = true;
		else if (strncmp(p, "total ignored: ", 15) && nl != p)
			return false;
		p = nl + 1;
	}
	return any;
}

static enum sink_verdict loki_reply(void *priv, long status, const char *body,
				    size_t len, char *err, size_t errlen)
{
	struct loki_sink *ls = priv;
	const char *total;

	if (status < 300)
		return SINK_DELIVERED;
	if (status == 400 && out_of_order_only(body, len)) {
		total = memmem(body, len, "total ignored: ", 15);
		log_warn("%s: entries refused as out of order, not sent again (%.*s)",
			 ls->where, total ? (int)strcspn(total, "\n") : 22,
			 total ? total : "the rest was kept");
		return SINK_DELIVERED;
	}
	snprintf(err, errlen, "%.*s", (int)strcspn(body, "\r\n"), body);
	return SINK_REJECTED;
}

static void loki_close(void *priv)
{
	struct loki_sink *ls = priv;

	if (!ls)
		return;
	free(ls->where);
	free(ls->url);
	free(ls->userpwd);
	free(ls->bearer);
	free(ls->tenant);
	free(ls->job);
	free(ls->node);
	free(ls);
}

/* "<a><b><c>", or NULL. */
static char *concat(const char *a, const char *b, const char *c)
{
	char *s = malloc(strlen(a) + strlen(b) + strlen(c) + 1);

	if (s)
		strcat(strcat(strcpy(s, a), b), c);
	return s;
}

static int loki_open(const char *name, const void *opts, void **priv)
{
	const struct loki_opts *o = opts;
	struct loki_sink *ls = calloc(1, sizeof(*ls));
	size_t q = strcspn(o->url, "?");

	(void)name;
	if (!ls)
		return -ENOMEM;
	ls->url = strdup(o->url);
	ls->where = ls->url ? concat("loki ", ls->url, "") : NULL;
	if (ls->where)
		ls->where[5 + q] = '\0';
	ls->job = strdup(o->job ? o->job : "netlog");
	if (o->user)
		ls->userpwd = concat(o->user, ":", o->password);
	if (o->token)
		ls->bearer = concat("Authorization: Bearer ", o->token, "");
	if (o->tenant)
		ls->tenant = concat("X-Scope-OrgID: ", o->tenant, "");
	if (o->node)
		ls->node = strdup(o->node);
	if (!ls->where || !ls->job || (o->user && !ls->userpwd) ||
	    (o->token && !ls->bearer) || (o->tenant && !ls->tenant) ||
	    (o->node && !ls->node)) {
		loki_close(ls);
		return -ENOMEM;
	}
	*priv = ls;
	return 0;
}

#define KEY(key, kind, field) \
	{ key, kind, offsetof(struct loki_opts, field), 0, false }
#define SECRET(key, file, secret)					\
	{ key, SINK_KEY_SECRET_FILE, offsetof(struct loki_opts, file),	\
	  offsetof(struct loki_opts, secret), false }

static const struct sink_key loki_keys[] = {
	KEY("url", SINK_KEY_URL, url),
	KEY("user", SINK_KEY_NAME, user),
	SECRET("password_file", password_file, password),
	SECRET("token_file", token_file, token),
	KEY("tenant", SINK_KEY_NAME, tenant),
	KEY("job", SINK_KEY_NAME, job),
	KEY("node", SINK_KEY_NAME, node),
};

const struct sink_type sink_loki = {
	.name = "loki",
	.keys = loki_keys,
	.nkeys = sizeof(loki_keys) / sizeof(loki_keys[0]),
	.opts_size = sizeof(struct loki_opts),
	.codec = COMPRESS_GZIP,
	.codecs = 1u << COMPRESS_NONE | 1u << COMPRESS_GZIP,
	.codecs_why = "must be gzip or none for a loki sink (Loki takes no zstd)",
	.reply_4xx = true,
	.check = loki_check,
	.open = loki_open,
	.close = loki_close,
	.request = loki_request,
	.reply = loki_reply,
};
