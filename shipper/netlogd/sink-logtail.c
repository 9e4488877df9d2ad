// SPDX-License-Identifier: GPL-2.0
/*
 * The logtail sink: the batch as it is spooled, POSTed to
 * {server}/c/{collection}/{private_id}?copyId={domain_id}, compressed as
 * logtail does (upload.c), with Orig-Content-Length. Like logtail it sends
 * no User-Agent, no Content-Type and no Accept-Encoding. Entries lost to
 * the spool's cap go first as {"text":"----------- N logs dropped
 * ----------"}, as logtail uploads them.
 *
 * The private ID is a write credential: it never appears in a message.
 */
#include <ctype.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>

#include "log.h"
#include "sink.h"
#include "upload.h"

struct logtail_opts {
	char *server;
	char *collection;
	char *private_id;
	char *private_id_file;
	char *private_id_secret;	/* the content of private_id_file */
	char *domain_id;
};

struct logtail_sink {
	char *where;		/* "logtail <server>": no private ID */
	char *url;
};

static bool log_id_valid(const char *s)
{
	size_t i;

	for (i = 0; i < 64; i++)
		if (!isxdigit((unsigned char)s[i]))
			return false;
	return !s[64];
}

static const char *private_id(const struct logtail_opts *o)
{
	return o->private_id ? o->private_id : o->private_id_secret;
}

static int logtail_check(const void *opts, char *err, size_t errlen)
{
	const struct logtail_opts *o = opts;

	if (o->private_id && o->private_id_file) {
		snprintf(err, errlen, "private_id: give it or private_id_file, not both");
		return -EINVAL;
	}
	if (!private_id(o)) {
		snprintf(err, errlen, "private_id: the logtail sink needs one");
		return -EINVAL;
	}
	if (!log_id_valid(private_id(o))) {
		snprintf(err, errlen, "private_id_file: %s: must hold 64 hex digits",
			 o->private_id_file);
		return -EINVAL;
	}
	return 0;
}

static int logtail_request(void *priv, const char *batch, size_t len,
			   uint64_t dropped, struct sink_request *req)
{
	struct logtail_sink *ls = priv;
	struct json_object *o;
	char text[SINK_MARKER_LEN];
	const char *s;
	size_t n;
	int ret = 0;

	req->where = ls->where;
	req->url = ls->url;
	req->content_type = NULL;
	req->headers[0] = NULL;
	req->body.len = 0;
	if (!dropped || len < 2 || batch[0] != '[')
		return buf_append(&req->body, batch, len);
	sink_marker(text, sizeof(text), dropped);
	o = json_object_new_object();
	if (!o || json_object_object_add(o, "text",
					 json_object_new_string(text)))
		ret = -ENOMEM;
	s = ret ? NULL : sink_json(o, &n);
	if (!s)
		ret = -ENOMEM;
	if (!ret)
		ret = buf_append(&req->body, "[", 1);
	if (!ret)
		ret = buf_append(&req->body, s, n);
	if (!ret)
		ret = buf_append(&req->body, ",", 1);
	if (!ret)
		ret = buf_append(&req->body, batch + 1, len - 1);
	json_object_put(o);
	return ret;
}

static void logtail_close(void *priv)
{
	struct logtail_sink *ls = priv;

	if (!ls)
		return;
	free(ls->where);
	free(ls->url);
	free(ls);
}

static int logtail_open(const char *name, const void *opts, void **priv)
{
	const struct logtail_opts *o = opts;
	struct logtail_sink *ls = calloc(1, sizeof(*ls));
	const char *server = o->server ? o->server : UPLOAD_SERVER;
	const char *coll = o->collection ? o->collection : UPLOAD_COLLECTION;
	size_t n = strlen(server);
	char *p;

	(void)name;
	if (!ls)
		return -ENOMEM;
	while (n && server[n - 1] == '/')
		n--;
	if (asprintf(&ls->where, "logtail %.*s", (int)n, server) < 0)
		ls->where = NULL;
	if (asprintf(&ls->url, "%.*s/c/%s/%s%s%s", (int)n, server, coll,
		     private_id(o), o->domain_id ? "?copyId=" : "",
		     o->domain_id ? o->domain_id : "") < 0)
		ls->url = NULL;
	if (!ls->where || !ls->url) {
		logtail_close(ls);
		return -ENOMEM;
	}
	/* logid text form is lowercase */
	for (p = strstr(ls->url, "/c/") + 3 + strlen(coll); *p; p++)
		if (*p >= 'A' && *p <= 'F')
			*p += 'a' - 'A';
	*priv = ls;
	return 0;
}

#define LT(name, kind, secret) \
	{ #name, kind, offsetof(struct logtail_opts, name), 0, secret }

static const struct sink_key logtail_keys[] = {
	LT(server, SINK_KEY_SERVER, false),
	LT(collection, SINK_KEY_NAME, false),
	LT(private_id, SINK_KEY_HEX64, true),
	{ "private_id_file", SINK_KEY_SECRET_FILE,
	  offsetof(struct logtail_opts, private_id_file),
	  offsetof(struct logtail_opts, private_id_secret), false },
	LT(domain_id, SINK_KEY_HEX64, false),
};

const struct sink_type sink_logtail = {
	.name = "logtail",
	.keys = logtail_keys,
	.nkeys = sizeof(logtail_keys) / sizeof(logtail_keys[0]),
	.opts_size = sizeof(struct logtail_opts),
	.codec = COMPRESS_ZSTD,
	.orig_length = true,
	.check = logtail_check,
	.open = logtail_open,
	.close = logtail_close,
	.request = logtail_request,
};
