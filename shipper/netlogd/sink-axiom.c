// SPDX-License-Identifier: GPL-2.0
/*
 * The axiom sink: Axiom's ingest API, POST to
 * {url}/v1/datasets/{dataset}/ingest, "Authorization: Bearer <token>",
 * Content-Type application/x-ndjson, a record a line with "_time", its
 * start (RFC 3339, ns). Axiom answers 200 {"ingested":N,"failed":M,
 * "failures":[{"timestamp","error"}]}. A failed event is not delivered,
 * and the batch is set aside rather than sent again: Axiom's failures are
 * the event's own (a field or size limit, a time outside the retention),
 * which another attempt would meet again, they do not say which events
 * failed, and events have no id, so sending the batch again would store
 * the others twice.
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

#define AXIOM_URL "https://api.axiom.co"

struct axiom_opts {
	char *url;
	char *dataset;
	char *token_file;
	char *token;		/* the content of token_file */
};

struct axiom_sink {
	char *where;
	char *url;
	char *auth;
};

static int axiom_check(const void *opts, char *err, size_t errlen)
{
	const struct axiom_opts *o = opts;

	if (!o->dataset) {
		snprintf(err, errlen, "dataset: the axiom sink needs one");
		return -EINVAL;
	}
	if (!o->token) {
		snprintf(err, errlen, "token_file: the axiom sink needs one");
		return -EINVAL;
	}
	return 0;
}

struct events {
	struct buf *out;
	size_t n;
};

static int axiom_event(struct json_object *msg, void *arg)
{
	struct events *ev = arg;
	char t[FMT_TIME_LEN];
	uint64_t ns;
	int ret = 0;

	if (!sink_message_start(msg, &ns) && !fmt_time(ns, t, sizeof(t)) &&
	    json_object_object_add(msg, "_time", json_object_new_string(t)))
		ret = -ENOMEM;
	if (!ret)
		ret = sink_json_line(ev->out, msg);
	ev->n += !ret;
	return ret;
}

static int axiom_request(void *priv, const char *batch, size_t len,
			 uint64_t dropped, struct sink_request *req)
{
	struct axiom_sink *as = priv;
	struct events ev = { .out = &req->body };
	int ret;

	(void)dropped;
	sink_request_begin(req, as->where, as->url, "application/x-ndjson",
			   as->auth);
	ret = sink_each_message(batch, len, axiom_event, &ev);
	req->entries = ev.n;
	return ret;
}

static enum sink_verdict axiom_reply(void *priv, long status,
				     const char *body, size_t len, char *err,
				     size_t errlen)
{
	struct json_object *reply, *failed, *failures, *first, *why = NULL;
	struct json_tokener *tok = json_tokener_new();
	enum sink_verdict v = SINK_DELIVERED;

	(void)priv;
	(void)status;
	reply = tok ? json_tokener_parse_ex(tok, body, len) : NULL;
	json_tokener_free(tok);
	if (!json_object_object_get_ex(reply, "failed", &failed) ||
	    !json_object_is_type(failed, json_type_int)) {
		snprintf(err, errlen, "the reply is not an ingest status");
		v = SINK_RETRY;
	} else if (json_object_get_int64(failed)) {
		if (json_object_object_get_ex(reply, "failures", &failures) &&
		    json_object_is_type(failures, json_type_array)) {
			first = json_object_array_get_idx(failures, 0);
			json_object_object_get_ex(first, "error", &why);
		}
		snprintf(err, errlen, "%" PRId64 " events failed: %s",
			 json_object_get_int64(failed),
			 why ? json_object_get_string(why) : "no cause given");
		v = SINK_REJECTED;
	}
	json_object_put(reply);
	return v;
}

static void axiom_close(void *priv)
{
	struct axiom_sink *as = priv;

	if (!as)
		return;
	free(as->where);
	free(as->url);
	free(as->auth);
	free(as);
}

static int axiom_open(const char *name, const void *opts, void **priv)
{
	const struct axiom_opts *o = opts;
	struct axiom_sink *as = calloc(1, sizeof(*as));
	const char *url = o->url ? o->url : AXIOM_URL;
	size_t n = strlen(url);

	(void)name;
	if (!as)
		return -ENOMEM;
	while (n && url[n - 1] == '/')
		n--;
	if (asprintf(&as->url, "%.*s/v1/datasets/%s/ingest", (int)n, url,
		     o->dataset) < 0)
		as->url = NULL;
	as->where = as->url ? sink_where("axiom", as->url) : NULL;
	as->auth = sink_header("Authorization", "Bearer", o->token);
	if (!as->where || !as->url || !as->auth) {
		axiom_close(as);
		return -ENOMEM;
	}
	*priv = as;
	return 0;
}

static const struct sink_key axiom_keys[] = {
	{ "url", SINK_KEY_SERVER, offsetof(struct axiom_opts, url), 0, false },
	{ "dataset", SINK_KEY_NAME, offsetof(struct axiom_opts, dataset), 0,
	  false },
	{ "token_file", SINK_KEY_SECRET_FILE,
	  offsetof(struct axiom_opts, token_file),
	  offsetof(struct axiom_opts, token), false },
};

const struct sink_type sink_axiom = {
	.name = "axiom",
	.keys = axiom_keys,
	.nkeys = sizeof(axiom_keys) / sizeof(axiom_keys[0]),
	.opts_size = sizeof(struct axiom_opts),
	.codec = COMPRESS_ZSTD,
	.check = axiom_check,
	.open = axiom_open,
	.close = axiom_close,
	.request = axiom_request,
	.reply = axiom_reply,
};
