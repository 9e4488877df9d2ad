// SPDX-License-Identifier: GPL-2.0
/*
 * The splunk sink: Splunk's HTTP Event Collector (HEC), its JSON event
 * endpoint, as Tailscale streams to it: a url that ends in
 * /services/collector/event, "Authorization: Splunk <token>", and a body
 * of event envelopes, one a line:
 *
 *   {"time":<start>,"host":..,"source":..,"sourcetype":..,"index":..,"event":{record}}
 *
 * time is the record's start in epoch seconds with milliseconds (HEC's
 * <sec>.<ms>), truncated; host, source, sourcetype and index only when
 * set. HEC answers 200 {"text":"Success","code":0}; a bad token (401,
 * 403) or event (400) is final and sets the batch aside, a busy or
 * failing server (503, 500) is retried (upload.c).
 */
#include <errno.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>

#include "sink.h"

#define HEC_PATH "/services/collector/event"

struct splunk_opts {
	char *url;
	char *token_file;
	char *token;		/* the content of token_file */
	char *host;
	char *source;
	char *sourcetype;
	char *index;
};

struct splunk_sink {
	char *where;
	char *url;
	char *auth;
	struct json_object *fields;	/* host, source, ... as set */
};

/* Whether @url's path, its query aside, is HEC's. */
static bool hec_url(const char *url)
{
	size_t n = strcspn(url, "?#"), m = strlen(HEC_PATH);

	return n >= m && !memcmp(url + n - m, HEC_PATH, m);
}

static int splunk_check(const void *opts, char *err, size_t errlen)
{
	const struct splunk_opts *o = opts;

	if (!o->url || !hec_url(o->url)) {
		snprintf(err, errlen, "url: the splunk sink needs HEC's, ending in " HEC_PATH ": '%s'",
			 o->url ? o->url : "");
		return -EINVAL;
	}
	if (!o->token) {
		snprintf(err, errlen, "token_file: the splunk sink needs one");
		return -EINVAL;
	}
	return 0;
}

struct hec {
	struct splunk_sink *ss;
	struct buf *out;
	size_t n;
};

/* One envelope: time (if the start parses), the fields, the record. */
static int hec_event(struct json_object *msg, void *arg)
{
	struct hec *h = arg;
	struct json_object *env = json_object_new_object();
	char t[32];
	uint64_t ns;
	int ret;

	if (!env)
		return -ENOMEM;
	if (!sink_message_start(msg, &ns)) {
		snprintf(t, sizeof(t), "%" PRIu64 ".%03" PRIu64,
			 ns / 1000000000, ns / 1000000 % 1000);
		json_object_object_add(env, "time",
				       json_object_new_double_s(ns / 1e9, t));
	}
	ret = sink_fields_add(env, h->ss->fields);
	if (!ret && json_object_object_add(env, "event", json_object_get(msg)))
		ret = -ENOMEM;
	if (!ret)
		ret = sink_json_line(h->out, env);
	h->n += !ret;
	json_object_put(env);
	return ret;
}

static int splunk_request(void *priv, const char *batch, size_t len,
			  uint64_t dropped, struct sink_request *req)
{
	struct splunk_sink *ss = priv;
	struct hec h = { .ss = ss, .out = &req->body };
	int ret;

	(void)dropped;
	sink_request_begin(req, ss->where, ss->url, "application/json",
			   ss->auth);
	ret = sink_each_message(batch, len, hec_event, &h);
	req->entries = h.n;
	return ret;
}

static void splunk_close(void *priv)
{
	struct splunk_sink *ss = priv;

	if (!ss)
		return;
	free(ss->where);
	free(ss->url);
	free(ss->auth);
	json_object_put(ss->fields);
	free(ss);
}

static int splunk_open(const char *name, const void *opts, void **priv)
{
	const struct splunk_opts *o = opts;
	struct splunk_sink *ss = calloc(1, sizeof(*ss));
	const char *names[] = { "host", "source", "sourcetype", "index" };
	const char *values[] = { o->host, o->source, o->sourcetype, o->index };

	(void)name;
	if (!ss)
		return -ENOMEM;
	ss->where = sink_where("splunk", o->url);
	ss->url = strdup(o->url);
	ss->auth = sink_header("Authorization", "Splunk", o->token);
	ss->fields = sink_fields(names, values, 4);
	if (!ss->where || !ss->url || !ss->auth || !ss->fields) {
		splunk_close(ss);
		return -ENOMEM;
	}
	*priv = ss;
	return 0;
}

#define SK(name, kind) \
	{ #name, kind, offsetof(struct splunk_opts, name), 0, false }

static const struct sink_key splunk_keys[] = {
	SK(url, SINK_KEY_URL),
	{ "token_file", SINK_KEY_SECRET_FILE,
	  offsetof(struct splunk_opts, token_file),
	  offsetof(struct splunk_opts, token), false },
	SK(host, SINK_KEY_PATH),
	SK(source, SINK_KEY_PATH),
	SK(sourcetype, SINK_KEY_PATH),
	SK(index, SINK_KEY_PATH),
};

const struct sink_type sink_splunk = {
	.name = "splunk",
	.keys = splunk_keys,
	.nkeys = sizeof(splunk_keys) / sizeof(splunk_keys[0]),
	.opts_size = sizeof(struct splunk_opts),
	.codec = COMPRESS_GZIP,
	.check = splunk_check,
	.open = splunk_open,
	.close = splunk_close,
	.request = splunk_request,
};
