// SPDX-License-Identifier: GPL-2.0
/*
 * The http sink: POST of NDJSON, one bare netlogtype.Message per line
 * (the logtail envelope removed), Content-Type application/x-ndjson, to
 * any URL: Vector's http_server, Fluent Bit's http input, Cribl's HTTP
 * source. One extra header may come from header_file ("Name: value", a
 * token usually). Text entries (the "N logs dropped" marker, "logger
 * closing down") are not records: they are not sent, the sink's dropped
 * counter says it.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>

#include "sink.h"

struct http_opts {
	char *url;
	char *header_file;
	char *header;		/* the content of header_file */
};

struct http_sink {
	char *where;
	char *url;
	char *header;
};

static int http_check(const void *opts, char *err, size_t errlen)
{
	const struct http_opts *o = opts;
	const char *colon = o->header ? strchr(o->header, ':') : NULL;

	if (!o->url) {
		snprintf(err, errlen, "url: the http sink needs one");
		return -EINVAL;
	}
	if (o->header && (!colon || colon == o->header ||
			  strpbrk(o->header, "\r\n"))) {
		snprintf(err, errlen, "header_file: %s: must hold one 'Name: value' line",
			 o->header_file);
		return -EINVAL;
	}
	return 0;
}

struct ndjson {
	struct buf *out;
	size_t n;
};

static int ndjson_line(struct json_object *msg, void *arg)
{
	struct ndjson *nd = arg;
	size_t len;
	const char *s = sink_json(msg, &len);
	int ret = s ? buf_append(nd->out, s, len) : -ENOMEM;

	if (!ret)
		ret = buf_append(nd->out, "\n", 1);
	nd->n += !ret;
	return ret;
}

static int http_request(void *priv, const char *batch, size_t len,
			uint64_t dropped, struct sink_request *req)
{
	struct http_sink *hs = priv;
	struct ndjson nd = { .out = &req->body };
	int ret;

	(void)dropped;
	req->where = hs->where;
	req->url = hs->url;
	req->content_type = "application/x-ndjson";
	req->headers[0] = hs->header;
	req->headers[1] = NULL;
	req->body.len = 0;
	ret = sink_each_message(batch, len, ndjson_line, &nd);
	req->entries = nd.n;
	return ret;
}

static void http_close(void *priv)
{
	struct http_sink *hs = priv;

	if (!hs)
		return;
	free(hs->where);
	free(hs->url);
	free(hs->header);
	free(hs);
}

static int http_open(const char *name, const void *opts, void **priv)
{
	const struct http_opts *o = opts;
	struct http_sink *hs = calloc(1, sizeof(*hs));
	const char *q;

	(void)name;
	if (!hs)
		return -ENOMEM;
	/* the query may carry a token: messages name the URL without it */
	q = strchr(o->url, '?');
	if (asprintf(&hs->where, "http %.*s", q ? (int)(q - o->url) :
		     (int)strlen(o->url), o->url) < 0)
		hs->where = NULL;
	hs->url = strdup(o->url);
	hs->header = o->header ? strdup(o->header) : NULL;
	if (!hs->where || !hs->url || (o->header && !hs->header)) {
		http_close(hs);
		return -ENOMEM;
	}
	*priv = hs;
	return 0;
}

static const struct sink_key http_keys[] = {
	{ "url", SINK_KEY_URL, offsetof(struct http_opts, url), 0, false },
	{ "header_file", SINK_KEY_SECRET_FILE,
	  offsetof(struct http_opts, header_file),
	  offsetof(struct http_opts, header), false },
};

const struct sink_type sink_http = {
	.name = "http",
	.keys = http_keys,
	.nkeys = 2,
	.opts_size = sizeof(struct http_opts),
	.codec = COMPRESS_GZIP,
	.check = http_check,
	.open = http_open,
	.close = http_close,
	.request = http_request,
};
