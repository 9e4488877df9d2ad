// SPDX-License-Identifier: GPL-2.0
/*
 * The s3 sink: each batch is one object, PUT to S3 or an S3-compatible
 * store (MinIO, Ceph RGW, R2, ...), signed with SigV4 by libcurl
 * (CURLOPT_AWS_SIGV4). The object is NDJSON, one bare netlogtype.Message
 * a line, compressed as `compression` says, the key's extension saying
 * which:
 *
 *   {prefix/}year=YYYY/month=MM/day=DD/hour=HH/{node}-{proc_id}-{seq}.ndjson[.gz|.zst]
 *
 * The time is the batch's first record's start, in UTC, and seq its first
 * proc_seq: the key is the batch's alone, so a batch PUT again (a reply
 * lost, netlogd killed before its cursor moved) lands on the same key with
 * the same bytes, and an hour boundary passed meanwhile changes nothing.
 * node is the `node` key, else the first record's nodeId. With an
 * endpoint the URL is path-style, {endpoint}/{bucket}/{key}; without, AWS
 * virtual-hosted https://{bucket}.s3.{region}.amazonaws.com/{key} (path
 * style for a bucket with a dot, which the certificate does not cover).
 * A batch without records (logtail's "logger closing down") makes no
 * object.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <json-c/json.h>

#include "fmt.h"
#include "sink.h"

struct s3_opts {
	char *endpoint;
	char *bucket;
	char *region;
	char *prefix;
	char *node;
	char *access_key_file, *access_key;
	char *secret_key_file, *secret_key;
	char *session_token_file, *session_token;
};

struct s3_sink {
	char *where;		/* "s3 {endpoint}/{bucket}": no credentials */
	char *base;		/* the URL up to the key */
	char *prefix;		/* "" or "{prefix}/" */
	char *node;		/* NULL: the records' nodeId */
	char *sigv4;		/* "aws:amz:{region}:s3" */
	char *userpwd;		/* "{access}:{secret}" */
	char *token;		/* "x-amz-security-token: ...", or NULL */
	char *url;		/* the batch's */
};

/* A prefix is path segments of URL-safe characters. */
static bool prefix_valid(const char *p)
{
	size_t n = strlen(p);

	return n && strspn(p, "abcdefghijklmnopqrstuvwxyz"
			   "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-/") == n &&
	       p[0] != '/' && p[n - 1] != '/' && !strstr(p, "//");
}

static int s3_check(const void *opts, char *err, size_t errlen)
{
	const struct s3_opts *o = opts;

	if (!o->bucket)
		snprintf(err, errlen, "bucket: the s3 sink needs one");
	else if (!o->access_key || !o->secret_key)
		snprintf(err, errlen, "%s: the s3 sink needs one",
			 o->access_key ? "secret_key_file" : "access_key_file");
	else if (strchr(o->access_key, ':'))
		snprintf(err, errlen, "access_key_file: %s: an access key has no ':'",
			 o->access_key_file);
	else if (o->prefix && !prefix_valid(o->prefix))
		snprintf(err, errlen, "prefix: must be segments of A-Z a-z 0-9 . _ - between '/', none at either end: '%s'",
			 o->prefix);
	else
		return 0;
	return -EINVAL;
}

/* What a batch's key is made of, gathered while its lines are written. */
struct s3_object {
	struct buf *out;
	size_t n;
	uint64_t start_ns;	/* the first record's */
	char node[64];		/* the first record's nodeId, made key-safe */
};

static int s3_line(struct json_object *msg, void *arg)
{
	struct s3_object *ob = arg;
	struct json_object *v;
	size_t len, i;
	const char *s;
	int ret;

	if (!ob->n) {
		if (!json_object_object_get_ex(msg, "start", &v) ||
		    fmt_time_parse(json_object_get_string(v), &ob->start_ns))
			return -EBADMSG;
		s = json_object_object_get_ex(msg, "nodeId", &v) ?
		    json_object_get_string(v) : "";
		snprintf(ob->node, sizeof(ob->node), "%s", *s ? s : "unknown");
		for (i = 0; ob->node[i]; i++)
			if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-",
				    ob->node[i]))
				ob->node[i] = '_';
	}
	s = sink_json(msg, &len);
	ret = s ? buf_append(ob->out, s, len) : -ENOMEM;
	if (!ret)
		ret = buf_append(ob->out, "\n", 1);
	ob->n += !ret;
	return ret;
}

/*
 * proc_id and proc_seq of the batch's first entry, parsing that entry
 * alone: 0 or -EBADMSG.
 */
static int first_seq(const char *batch, size_t len, uint32_t *id,
		     uint64_t *seq)
{
	struct json_tokener *tok = json_tokener_new();
	struct json_object *e = NULL;
	size_t i = 0;
	int ret;

	if (!tok)
		return -ENOMEM;
	while (i < len && strchr(" \t\r\n", batch[i]))
		i++;
	if (i < len && batch[i] == '[')
		e = json_tokener_parse_ex(tok, batch + i + 1, len - i - 1);
	ret = e && !sink_entry_seq(e, id, seq) ? 0 : -EBADMSG;
	json_object_put(e);
	json_tokener_free(tok);
	return ret;
}

/* The object's URL; its extension is upload.c's (codec_ext). */
static int s3_url(struct s3_sink *ss, const struct s3_object *ob,
		  uint32_t id, uint64_t seq)
{
	time_t t = ob->start_ns / 1000000000;
	struct tm tm;

	free(ss->url);
	ss->url = NULL;
	if (!gmtime_r(&t, &tm))
		return -EBADMSG;
	/* '=' escaped, as the SDKs send it: SigV4 signs the path as sent */
	if (asprintf(&ss->url, "%s%syear%%3D%04d/month%%3D%02d/day%%3D%02d/hour%%3D%02d/%s-%" PRIu32 "-%" PRIu64 ".ndjson",
		     ss->base, ss->prefix, tm.tm_year + 1900, tm.tm_mon + 1,
		     tm.tm_mday, tm.tm_hour, ss->node ? ss->node : ob->node,
		     id, seq) < 0) {
		ss->url = NULL;
		return -ENOMEM;
	}
	return 0;
}

static int s3_request(void *priv, const char *batch, size_t len,
		      uint64_t dropped, struct sink_request *req)
{
	struct s3_sink *ss = priv;
	struct s3_object ob = { .out = &req->body };
	uint64_t seq = 0;
	uint32_t id = 0;
	int ret;

	(void)dropped;
	req->where = ss->where;
	req->content_type = "application/x-ndjson";
	req->headers[0] = ss->token;
	req->headers[1] = NULL;
	req->method = "PUT";
	req->aws_sigv4 = ss->sigv4;
	req->userpwd = ss->userpwd;
	req->content_sha256 = true;
	req->codec_ext = true;
	req->skip_empty = true;
	req->body.len = 0;
	ret = sink_each_message(batch, len, s3_line, &ob);
	req->entries = ob.n;
	if (!ret && ob.n)
		ret = first_seq(batch, len, &id, &seq);
	if (!ret && ob.n)
		ret = s3_url(ss, &ob, id, seq);
	req->url = ss->url;
	return ret;
}

/* S3's XML error, as "<Code>: <Message>" for the log. */
static enum sink_verdict s3_reply(void *priv, long status, const char *body,
				  size_t len, char *err, size_t errlen)
{
	const char *code = memmem(body, len, "<Code>", 6),
		   *msg = memmem(body, len, "<Message>", 9);

	(void)priv;
	if (status < 300)
		return SINK_DELIVERED;
	if (code && msg)
		snprintf(err, errlen, "%.*s: %.*s", (int)strcspn(code + 6, "<"),
			 code + 6, (int)strcspn(msg + 9, "<"), msg + 9);
	return SINK_REJECTED;
}

static void s3_close(void *priv)
{
	struct s3_sink *ss = priv;

	if (!ss)
		return;
	free(ss->where);
	free(ss->base);
	free(ss->prefix);
	free(ss->node);
	free(ss->sigv4);
	free(ss->userpwd);
	free(ss->token);
	free(ss->url);
	free(ss);
}

/* A formatted string, or NULL (asprintf() leaves its pointer undefined). */
static char *str_printf(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));

static char *str_printf(const char *fmt, ...)
{
	va_list ap;
	char *s;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	return n < 0 ? NULL : s;
}

/* The URL up to the key: path-style with an endpoint, else AWS's. */
static char *s3_base(const struct s3_opts *o, const char *region)
{
	int n = o->endpoint ? (int)strlen(o->endpoint) : 0;

	while (n && o->endpoint[n - 1] == '/')
		n--;
	if (o->endpoint)
		return str_printf("%.*s/%s/", n, o->endpoint, o->bucket);
	if (strchr(o->bucket, '.'))
		return str_printf("https://s3.%s.amazonaws.com/%s/", region,
				  o->bucket);
	return str_printf("https://%s.s3.%s.amazonaws.com/", o->bucket, region);
}

static int s3_open(const char *name, const void *opts, void **priv)
{
	const struct s3_opts *o = opts;
	const char *region = o->region ? o->region : "us-east-1";
	struct s3_sink *ss = calloc(1, sizeof(*ss));

	(void)name;
	if (!ss)
		return -ENOMEM;
	ss->base = s3_base(o, region);
	ss->where = ss->base ? str_printf("s3 %.*s", (int)strlen(ss->base) - 1,
					  ss->base) : NULL;
	ss->prefix = str_printf("%s%s", o->prefix ? o->prefix : "",
				o->prefix ? "/" : "");
	ss->sigv4 = str_printf("aws:amz:%s:s3", region);
	ss->userpwd = str_printf("%s:%s", o->access_key, o->secret_key);
	if (o->session_token)
		ss->token = str_printf("x-amz-security-token: %s",
				       o->session_token);
	if (o->node)
		ss->node = strdup(o->node);
	if (!ss->where || !ss->prefix || !ss->sigv4 || !ss->userpwd ||
	    (o->session_token && !ss->token) || (o->node && !ss->node)) {
		s3_close(ss);
		return -ENOMEM;
	}
	*priv = ss;
	return 0;
}

#define SECRET(key, file, secret)					\
	{ key, SINK_KEY_SECRET_FILE, offsetof(struct s3_opts, file),	\
	  offsetof(struct s3_opts, secret), false }

static const struct sink_key s3_keys[] = {
	{ "endpoint", SINK_KEY_SERVER, offsetof(struct s3_opts, endpoint), 0,
	  false },
	{ "bucket", SINK_KEY_NAME, offsetof(struct s3_opts, bucket), 0, false },
	{ "region", SINK_KEY_NAME, offsetof(struct s3_opts, region), 0, false },
	{ "prefix", SINK_KEY_PATH, offsetof(struct s3_opts, prefix), 0, false },
	{ "node", SINK_KEY_NAME, offsetof(struct s3_opts, node), 0, false },
	SECRET("access_key_file", access_key_file, access_key),
	SECRET("secret_key_file", secret_key_file, secret_key),
	SECRET("session_token_file", session_token_file, session_token),
};

const struct sink_type sink_s3 = {
	.name = "s3",
	.keys = s3_keys,
	.nkeys = sizeof(s3_keys) / sizeof(s3_keys[0]),
	.opts_size = sizeof(struct s3_opts),
	.codec = COMPRESS_GZIP,
	.check = s3_check,
	.open = s3_open,
	.close = s3_close,
	.request = s3_request,
	.reply = s3_reply,
	.reply_4xx = true,
};
