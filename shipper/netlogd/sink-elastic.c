// SPDX-License-Identifier: GPL-2.0
/*
 * The elastic sink: Elasticsearch's bulk API into an index or a data
 * stream, url https://host:9200/<target>/_bulk as Tailscale takes it,
 * Content-Type application/x-ndjson, a create action and a document a
 * record, the body ending in a newline:
 *
 *   {"create":{"_id":"<nodeId>-<proc_id>-<proc_seq>"}}
 *   {record,"@timestamp":"<start, ms>"}
 *
 * The _id is the record's for good (the spool keeps proc_id across
 * restarts), so a batch sent again is idempotent: a record already there
 * fails alone with 409, which counts as delivered. Elasticsearch answers
 * 200 even when items fail: one failed with 429 or 5xx retries the batch
 * (what was stored comes back 409), one refused for good (a 400 mapping
 * error) sets it aside. Authorization: ApiKey <api_key_file, the
 * "encoded" value> or Basic <user:password_file>. Elasticsearch decodes
 * gzip, not zstd.
 */
#include <errno.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>

#include "fmt.h"
#include "sink.h"

struct elastic_opts {
	char *url;
	char *api_key_file;
	char *api_key;		/* the content of api_key_file */
	char *user;
	char *password_file;
	char *password;		/* the content of password_file */
};

struct elastic_sink {
	char *where;
	char *url;
	char *auth;		/* ApiKey, or NULL */
	char *userpwd;		/* Basic, or NULL */
};

/* ".../<target>/_bulk": the actions name no index, the URL does. */
static bool bulk_url(const char *url)
{
	const char *host = strstr(url, "://"), *path;
	size_t n;

	if (!host)
		return false;
	path = host + 3 + strcspn(host + 3, "/?#");
	n = strcspn(path, "?#");
	return n > 7 && !memcmp(path + n - 6, "/_bulk", 6) && path[n - 7] != '/';
}

static int elastic_check(const void *opts, char *err, size_t errlen)
{
	const struct elastic_opts *o = opts;

	if (!o->url || !bulk_url(o->url)) {
		snprintf(err, errlen, "url: the elastic sink needs an index's or data stream's bulk URL, such as https://host:9200/netlog/_bulk: '%s'",
			 o->url ? o->url : "");
		return -EINVAL;
	}
	if (!o->api_key == !o->password || !o->user != !o->password) {
		snprintf(err, errlen, "api_key_file: the elastic sink needs it, or user and password_file, not both");
		return -EINVAL;
	}
	return 0;
}

struct bulk {
	struct buf *out;
	size_t n;
};

/*
 * {"create":{"_id":"<nodeId>-<proc_id>-<proc_seq>"}}, or without an _id
 * for an entry that has no place in the spool.
 */
static int bulk_action(struct bulk *b, struct json_object *msg,
		       uint32_t proc_id, uint64_t proc_seq)
{
	struct json_object *action = json_object_new_object();
	struct json_object *meta = json_object_new_object(), *node;
	char id[512];
	int ret = -ENOMEM;

	if (!action || !meta)
		goto out;
	if (proc_id && json_object_object_get_ex(msg, "nodeId", &node) &&
	    json_object_is_type(node, json_type_string)) {
		snprintf(id, sizeof(id), "%s-%" PRIu32 "-%" PRIu64,
			 json_object_get_string(node), proc_id, proc_seq);
		if (json_object_object_add(meta, "_id",
					   json_object_new_string(id)))
			goto out;
	}
	if (json_object_object_add(action, "create", meta))
		goto out;
	meta = NULL;
	ret = sink_json_line(b->out, action);
out:
	json_object_put(meta);
	json_object_put(action);
	return ret;
}

static int bulk_item(struct json_object *msg, uint32_t proc_id,
		     uint64_t proc_seq, void *arg)
{
	struct bulk *b = arg;
	char t[FMT_TIME_LEN];
	uint64_t ns;
	int ret = bulk_action(b, msg, proc_id, proc_seq);

	if (!ret && !sink_message_start(msg, &ns) &&
	    !fmt_time(ns - ns % 1000000, t, sizeof(t)) &&
	    json_object_object_add(msg, "@timestamp", json_object_new_string(t)))
		ret = -ENOMEM;
	if (!ret)
		ret = sink_json_line(b->out, msg);
	b->n += !ret;
	return ret;
}

static int elastic_request(void *priv, const char *batch, size_t len,
			   uint64_t dropped, struct sink_request *req)
{
	struct elastic_sink *es = priv;
	struct bulk b = { .out = &req->body };
	int ret;

	(void)dropped;
	sink_request_begin(req, es->where, es->url, "application/x-ndjson",
			   es->auth);
	req->userpwd = es->userpwd;
	ret = sink_each_message_seq(batch, len, bulk_item, &b);
	req->entries = b.n;
	return ret;
}

/* An item's status: 0 stored (or there already: 409), 1 retry, 2 refused. */
static int item_verdict(struct json_object *item, char *err, size_t errlen)
{
	struct json_object *status = NULL, *error = NULL, *type = NULL;
	long s;

	if (!json_object_is_type(item, json_type_object))
		return 1;
	json_object_object_foreach(item, op, res) {
		(void)op;
		json_object_object_get_ex(res, "status", &status);
		json_object_object_get_ex(res, "error", &error);
	}
	s = json_object_get_int(status);
	if ((s >= 200 && s < 300) || s == 409)
		return 0;
	json_object_object_get_ex(error, "type", &type);
	if (!err[0])
		snprintf(err, errlen, "item status %ld: %s", s,
			 type ? json_object_get_string(type) : "no error type");
	return s == 429 || s >= 500 || !s ? 1 : 2;
}

static enum sink_verdict elastic_reply(void *priv, long status,
				       const char *body, size_t len,
				       char *err, size_t errlen)
{
	struct json_object *reply, *errors, *items;
	struct json_tokener *tok = json_tokener_new();
	int worst = 0, v;
	size_t i, n;

	(void)priv;
	(void)status;
	reply = tok ? json_tokener_parse_ex(tok, body, len) : NULL;
	json_tokener_free(tok);
	if (!json_object_object_get_ex(reply, "errors", &errors) ||
	    !json_object_object_get_ex(reply, "items", &items) ||
	    !json_object_is_type(items, json_type_array)) {
		json_object_put(reply);
		snprintf(err, errlen, "the reply is not a bulk response");
		return SINK_RETRY;
	}
	n = json_object_get_boolean(errors) ? json_object_array_length(items) : 0;
	for (i = 0; i < n; i++) {
		v = item_verdict(json_object_array_get_idx(items, i), err,
				 errlen);
		worst = v > worst ? v : worst;
	}
	json_object_put(reply);
	/* a retry first: what is refused for good is set aside after it */
	return worst == 1 ? SINK_RETRY : worst ? SINK_REJECTED :
						 SINK_DELIVERED;
}

static void elastic_close(void *priv)
{
	struct elastic_sink *es = priv;

	if (!es)
		return;
	free(es->where);
	free(es->url);
	free(es->auth);
	free(es->userpwd);
	free(es);
}

static int elastic_open(const char *name, const void *opts, void **priv)
{
	const struct elastic_opts *o = opts;
	struct elastic_sink *es = calloc(1, sizeof(*es));

	(void)name;
	if (!es)
		return -ENOMEM;
	es->where = sink_where("elastic", o->url);
	es->url = strdup(o->url);
	if (o->api_key)
		es->auth = sink_header("Authorization", "ApiKey", o->api_key);
	else if (asprintf(&es->userpwd, "%s:%s", o->user, o->password) < 0)
		es->userpwd = NULL;
	if (!es->where || !es->url || (!es->auth && !es->userpwd)) {
		elastic_close(es);
		return -ENOMEM;
	}
	*priv = es;
	return 0;
}

#define EK(name, kind) \
	{ #name, kind, offsetof(struct elastic_opts, name), 0, false }
#define EF(name) \
	{ #name "_file", SINK_KEY_SECRET_FILE, \
	  offsetof(struct elastic_opts, name##_file), \
	  offsetof(struct elastic_opts, name), false }

static const struct sink_key elastic_keys[] = {
	EK(url, SINK_KEY_URL),
	EF(api_key),
	EK(user, SINK_KEY_PATH),
	EF(password),
};

const struct sink_type sink_elastic = {
	.name = "elastic",
	.keys = elastic_keys,
	.nkeys = sizeof(elastic_keys) / sizeof(elastic_keys[0]),
	.opts_size = sizeof(struct elastic_opts),
	.codec = COMPRESS_GZIP,
	.codecs = 1u << COMPRESS_NONE | 1u << COMPRESS_GZIP,
	.codecs_why = "Elasticsearch decodes gzip or none, not zstd",
	.check = elastic_check,
	.open = elastic_open,
	.close = elastic_close,
	.request = elastic_request,
	.reply = elastic_reply,
};
