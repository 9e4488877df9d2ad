// SPDX-License-Identifier: GPL-2.0
/*
 * The datadog sink: Datadog's logs intake, API v2, POST to url (the US1
 * site's by default; another site has its own), "DD-API-KEY: <key>",
 * Content-Type application/json, a JSON array of log entries:
 *
 *   {"ddsource":"netlog","service":"netlog","hostname"?,"ddtags"?,
 *    "message":"<the record as JSON text>"}
 *
 * Datadog parses a JSON message into attributes. It takes at most 1000
 * entries a request (and 5 MB, which a batch of 256 KiB cannot reach even
 * with every quote escaped); a batch with more records goes in parts of
 * 1000 (sink_request's first and next), each delivered once. Datadog
 * answers 202; 400 and 413 are final, 403 a bad key.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>

#include "sink.h"

#define DATADOG_URL "https://http-intake.logs.datadoghq.com/api/v2/logs"
#define DATADOG_MAX_ENTRIES 1000

struct datadog_opts {
	char *url;
	char *api_key_file;
	char *api_key;		/* the content of api_key_file */
	char *service;
	char *ddsource;
	char *hostname;
	char *ddtags;
};

struct datadog_sink {
	char *where;
	char *url;
	char *auth;
	struct json_object *fields;	/* ddsource, service, ... as set */
};

static int datadog_check(const void *opts, char *err, size_t errlen)
{
	const struct datadog_opts *o = opts;

	if (!o->api_key) {
		snprintf(err, errlen, "api_key_file: the datadog sink needs one");
		return -EINVAL;
	}
	return 0;
}

struct logs {
	struct datadog_sink *ds;
	struct buf *out;
	size_t i;		/* records of the batch seen */
	struct sink_request *req;
};

/* The part's records as entries; where the next part starts. */
static int log_entry(struct json_object *msg, void *arg)
{
	struct logs *l = arg;
	struct json_object *e;
	const char *s;
	size_t len, i = l->i++;
	int ret = -ENOMEM;

	if (i < l->req->first)
		return 0;
	if (i >= l->req->first + DATADOG_MAX_ENTRIES) {
		l->req->next = l->req->next ? l->req->next : i;
		return 0;
	}
	s = sink_json(msg, &len);
	e = s ? json_object_new_object() : NULL;
	if (!e)
		return ret;
	if (!sink_fields_add(e, l->ds->fields) &&
	    !json_object_object_add(e, "message",
				    json_object_new_string_len(s, len))) {
		s = sink_json(e, &len);
		ret = s ? buf_append(l->out, l->req->entries ? "," : "[", 1) :
			  -ENOMEM;
	}
	if (!ret)
		ret = buf_append(l->out, s, len);
	l->req->entries += !ret;
	json_object_put(e);
	return ret;
}

static int datadog_request(void *priv, const char *batch, size_t len,
			   uint64_t dropped, struct sink_request *req)
{
	struct datadog_sink *ds = priv;
	struct logs l = { .ds = ds, .out = &req->body, .req = req };
	int ret;

	(void)dropped;
	sink_request_begin(req, ds->where, ds->url, "application/json",
			   ds->auth);
	ret = sink_each_message(batch, len, log_entry, &l);
	if (!ret && req->entries)
		ret = buf_append(&req->body, "]", 1);
	return ret;
}

static void datadog_close(void *priv)
{
	struct datadog_sink *ds = priv;

	if (!ds)
		return;
	free(ds->where);
	free(ds->url);
	free(ds->auth);
	json_object_put(ds->fields);
	free(ds);
}

static int datadog_open(const char *name, const void *opts, void **priv)
{
	const struct datadog_opts *o = opts;
	struct datadog_sink *ds = calloc(1, sizeof(*ds));
	const char *names[] = { "ddsource", "service", "hostname", "ddtags" };
	const char *values[] = { o->ddsource ? o->ddsource : "netlog",
				 o->service ? o->service : "netlog",
				 o->hostname, o->ddtags };

	(void)name;
	if (!ds)
		return -ENOMEM;
	ds->url = strdup(o->url ? o->url : DATADOG_URL);
	ds->where = ds->url ? sink_where("datadog", ds->url) : NULL;
	ds->auth = sink_header("DD-API-KEY", NULL, o->api_key);
	ds->fields = sink_fields(names, values, 4);
	if (!ds->where || !ds->url || !ds->auth || !ds->fields) {
		datadog_close(ds);
		return -ENOMEM;
	}
	*priv = ds;
	return 0;
}

#define DK(name, kind) \
	{ #name, kind, offsetof(struct datadog_opts, name), 0, false }

static const struct sink_key datadog_keys[] = {
	DK(url, SINK_KEY_URL),
	{ "api_key_file", SINK_KEY_SECRET_FILE,
	  offsetof(struct datadog_opts, api_key_file),
	  offsetof(struct datadog_opts, api_key), false },
	DK(service, SINK_KEY_PATH),
	DK(ddsource, SINK_KEY_PATH),
	DK(hostname, SINK_KEY_PATH),
	DK(ddtags, SINK_KEY_PATH),
};

const struct sink_type sink_datadog = {
	.name = "datadog",
	.keys = datadog_keys,
	.nkeys = sizeof(datadog_keys) / sizeof(datadog_keys[0]),
	.opts_size = sizeof(struct datadog_opts),
	.codec = COMPRESS_GZIP,
	.check = datadog_check,
	.open = datadog_open,
	.close = datadog_close,
	.request = datadog_request,
};
