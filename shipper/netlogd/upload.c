// SPDX-License-Identifier: GPL-2.0
/*
 * The driver of one sink: its cursor, retries, compression and HTTP. The
 * sink's type (sink.h) says what a batch becomes; this file sends it and
 * judges the reply. Only 2xx is success; 408, 429, 5xx and transport
 * failures are retried after Retry-After or a random retry_min-retry_max,
 * capped, forever: the spool, not the uploader, bounds what waits. Any
 * other 4xx, and a reply the sink's type calls final (refused()), is
 * permanent: the batch is set aside in rejected_dir with the reply's first
 * KiB, logged once, counted, and the cursor moves on.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <curl/curl.h>
#include <json-c/json.h>
#include <openssl/evp.h>

#include "log.h"
#include "buf.h"
#include "fileio.h"
#include "upload.h"
#include "clock.h"

#define RESPONSE_MAX 1024

struct uploader {
	char *name;
	const struct sink_type *type;
	void *priv;		/* the type's state */
	char *rejected_dir;
	bool orig_length;
	uint64_t timeout_ms, retry_min_ms, retry_max_ms, retry_cap_ms;
	void (*tick)(void *arg);
	void *tick_arg;
	uint64_t deadline_ms;	/* clock_ms() past which an attempt stops */

	CURL *curl;
	char curl_err[CURL_ERROR_SIZE];
	char response[RESPONSE_MAX + 1];
	size_t response_len;
	struct buf reply;	/* the whole reply, for the type's reply() */
	size_t part;		/* the batch's next part (sink_request) */
	uint64_t part_seq;	/* of the batch it is in: first_seq */
	struct compressor comp;
	struct sink_request req;

	struct spool *spool;	/* the spool its cursor is in, once attached */
	int cursor;
	struct buf batch;	/* the batch being delivered */
	struct spool_item item;

	uint64_t next_ms;
	struct upload_stats stats;
};

static void set_error(struct uploader *up, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void set_error(struct uploader *up, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(up->stats.last_error, sizeof(up->stats.last_error), fmt, ap);
	va_end(ap);
}

static uint64_t random_u64(void)
{
	uint64_t r;

	if (getrandom(&r, sizeof(r), 0) != sizeof(r))
		r = (uint64_t)time(NULL) * 6364136223846793005ULL + getpid();
	return r;
}

/* Retry-After when the server gave one, else uniform in [min, max); capped. */
static uint64_t retry_delay(const struct uploader *up, uint64_t retry_after_s)
{
	uint64_t d;

	if (retry_after_s)
		d = retry_after_s > up->retry_cap_ms / 1000 + 1 ?
		    up->retry_cap_ms : retry_after_s * 1000;
	else if (up->retry_max_ms > up->retry_min_ms)
		d = up->retry_min_ms +
		    random_u64() % (up->retry_max_ms - up->retry_min_ms);
	else
		d = up->retry_min_ms;
	return d < up->retry_cap_ms ? d : up->retry_cap_ms;
}

/*
 * A local sink (file, stdout) takes the batch itself: 0, -EBADMSG for a
 * batch it can never take, or another -errno to retry.
 */
static int send_local(struct uploader *up, const char *body, size_t len,
		      uint64_t dropped)
{
	uint64_t entries = 0, skipped = 0;
	int ret;

	ret = up->type->deliver(up->priv, body, len, dropped, &entries,
				&skipped, up->stats.last_error,
				sizeof(up->stats.last_error));
	if (!ret) {
		up->stats.entries += entries;
		up->stats.skipped += skipped;
		up->stats.wire_bytes += len;
	}
	return ret;
}

static size_t on_response(char *data, size_t size, size_t nmemb, void *arg)
{
	struct uploader *up = arg;
	size_t n = size * nmemb, room = RESPONSE_MAX - up->response_len;

	if (n < room)
		room = n;
	memcpy(up->response + up->response_len, data, room);
	up->response_len += room;
	up->response[up->response_len] = '\0';
	/* past the bound or memory the reply does not parse: retried */
	if (up->type->reply && up->reply.len + n <= SINK_REPLY_MAX)
		buf_append(&up->reply, data, n);
	return n;
}

/*
 * libcurl's progress callback, once a second at least: the caller's tick, and
 * the end of an attempt that runs past the deadline.
 */
static int on_progress(void *arg, curl_off_t dltotal, curl_off_t dlnow,
		       curl_off_t ultotal, curl_off_t ulnow)
{
	struct uploader *up = arg;

	(void)dltotal;
	(void)dlnow;
	(void)ultotal;
	(void)ulnow;
	if (up->tick)
		up->tick(up->tick_arg);
	return up->deadline_ms && clock_ms() >= up->deadline_ms;
}

void upload_set_deadline(struct uploader *up, uint64_t deadline_ms)
{
	up->deadline_ms = deadline_ms;
}

/* Without a value, the header is removed from libcurl's defaults. */
static int add_header(struct curl_slist **list, const char *header)
{
	struct curl_slist *l = curl_slist_append(*list, header);

	if (!l)
		return -ENOMEM;
	*list = l;
	return 0;
}

/* x-amz-content-sha256: what S3 wants besides the signature. */
static int add_content_sha256(struct curl_slist **hdr, const char *body,
			      size_t len)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	char line[32 + 2 * EVP_MAX_MD_SIZE];
	unsigned int n, i;
	int off;

	if (!EVP_Digest(body, len, md, &n, EVP_sha256(), NULL))
		return -ENOMEM;
	off = snprintf(line, sizeof(line), "x-amz-content-sha256: ");
	for (i = 0; i < n; i++)
		off += snprintf(line + off, sizeof(line) - off, "%02x", md[i]);
	return add_header(hdr, line);
}

/*
 * The request's headers: the type's, Content-Type (or none, as logtail
 * sends none), no Expect, and the encoding of a compressed body (@wire,
 * @wlen: as sent).
 *
 * libcurl 7.88 signs a header it is told to remove ("Expect:") as if it
 * were sent: a SigV4 request has none of those. Its body, a batch of at
 * most SPOOL_BATCH_MAX, is under the 1 MiB that gets an Expect.
 */
static int request_headers(struct uploader *up, size_t len, bool zipped,
			   const char *wire, size_t wlen,
			   struct curl_slist **hdr)
{
	bool sigv4 = up->req.aws_sigv4;
	char line[128];
	size_t i;

	snprintf(line, sizeof(line), "Content-Type:%s%s",
		 up->req.content_type ? " " : "",
		 up->req.content_type ? up->req.content_type : "");
	if (((up->req.content_type || !sigv4) && add_header(hdr, line)) ||
	    (!sigv4 && add_header(hdr, "Expect:")))
		return -ENOMEM;
	for (i = 0; up->req.headers[i]; i++)
		if (add_header(hdr, up->req.headers[i]))
			return -ENOMEM;
	if (up->req.content_sha256 && add_content_sha256(hdr, wire, wlen))
		return -ENOMEM;
	if (!zipped)
		return 0;
	snprintf(line, sizeof(line), "Content-Encoding: %s",
		 compress_name(up->comp.codec));
	if (add_header(hdr, line))
		return -ENOMEM;
	snprintf(line, sizeof(line), "Orig-Content-Length: %zu", len);
	return up->orig_length ? add_header(hdr, line) : 0;
}

/*
 * Sends the request built: the curl code, @status set on a reply. The
 * method, signing and credentials are set for each request, cleared when
 * the request has none.
 */
static CURLcode perform(struct uploader *up, const char *body, size_t len,
			bool zipped, struct curl_slist *hdr, long *status)
{
	char *url = NULL;
	CURLcode rc;

	if (up->req.codec_ext && zipped &&
	    asprintf(&url, "%s%s", up->req.url,
		     up->comp.codec == COMPRESS_ZSTD ? ".zst" : ".gz") < 0)
		return CURLE_OUT_OF_MEMORY;
	up->response_len = 0;
	up->response[0] = '\0';
	up->reply.len = 0;
	up->curl_err[0] = '\0';
	curl_easy_setopt(up->curl, CURLOPT_URL, url ? url : up->req.url);
	/* a body with PUT: libcurl signs POSTFIELDS, not a read callback */
	curl_easy_setopt(up->curl, CURLOPT_CUSTOMREQUEST, up->req.method);
	curl_easy_setopt(up->curl, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
	curl_easy_setopt(up->curl, CURLOPT_AWS_SIGV4, up->req.aws_sigv4);
	curl_easy_setopt(up->curl, CURLOPT_USERPWD, up->req.userpwd);
	curl_easy_setopt(up->curl, CURLOPT_HTTPHEADER, hdr);
	curl_easy_setopt(up->curl, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(up->curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
	rc = curl_easy_perform(up->curl);
	curl_easy_setopt(up->curl, CURLOPT_HTTPHEADER, NULL);
	free(url);
	*status = 0;
	if (rc == CURLE_OK)
		curl_easy_getinfo(up->curl, CURLINFO_RESPONSE_CODE, status);
	return rc;
}

/* 408, 429 and 5xx are worth another attempt; other 4xx are not. */
static bool permanent(long status)
{
	return status >= 400 && status < 500 && status != 408 && status != 429;
}

/* The verdict on a reply of @status, the type's for a 2xx. */
static int judge(struct uploader *up, long status, uint64_t *delay_ms)
{
	bool ok = status >= 200 && status < 300;
	enum sink_verdict v = SINK_RETRY;
	curl_off_t retry_after = 0;
	char why[160] = "";

	if ((ok || (permanent(status) && up->type->reply_4xx)) &&
	    up->type->reply)
		v = up->type->reply(up->priv, status,
				    up->reply.data ? up->reply.data : "",
				    up->reply.len, why, sizeof(why));
	else if (ok)
		v = SINK_DELIVERED;
	else if (permanent(status) ||
		 (up->type->refused && up->type->refused(up->priv, status,
							 up->response,
							 up->response_len)))
		v = SINK_REJECTED;
	if (v == SINK_DELIVERED)
		return 0;
	if (why[0])
		set_error(up, "%s: HTTP %ld: %s", up->req.where, status, why);
	else
		set_error(up, "%s: HTTP %ld%s%.*s", up->req.where, status,
			  up->response[0] ? ": " : "",
			  (int)strcspn(up->response, "\r\n"), up->response);
	if (v == SINK_REJECTED)
		return -EBADMSG;
	curl_easy_getinfo(up->curl, CURLINFO_RETRY_AFTER, &retry_after);
	*delay_ms = retry_delay(up, retry_after > 0 ? retry_after : 0);
	return -EAGAIN;
}

static int send_part(struct uploader *up, const char *body, size_t len,
		     uint64_t dropped, uint64_t *delay_ms)
{
	struct curl_slist *hdr = NULL;
	const char *data, *wire;
	ssize_t zlen;
	long status;
	CURLcode rc;
	int ret;

	up->req.entries = 0;
	up->req.first = up->part;
	up->req.next = 0;
	up->req.userpwd = NULL;
	up->req.skip_empty = false;
	ret = up->type->request(up->priv, body, len, dropped, &up->req);
	if (ret == -EBADMSG) {
		set_error(up, "%s: batch is not a JSON array", up->name);
		return ret;
	}
	if (!ret && up->req.skip_empty && !up->req.entries)
		return 0;
	data = up->req.body.data ? up->req.body.data : "";
	len = up->req.body.len;
	zlen = ret ? 0 : compress_body(&up->comp, data, len);
	if (zlen < 0) {
		log_warn("%s: %s of a %zu-byte body: %s; sent uncompressed",
			 up->req.where, compress_name(up->comp.codec), len,
			 up->comp.err);
		zlen = 0;
	}
	wire = zlen ? (const char *)up->comp.buf : data;
	if (!ret)
		ret = request_headers(up, len, zlen, wire,
				      zlen ? (size_t)zlen : len, &hdr);
	if (ret) {
		curl_slist_free_all(hdr);
		set_error(up, "%s: %s", up->name, strerror(-ret));
		*delay_ms = retry_delay(up, 0);
		return ret;
	}
	rc = perform(up, wire, zlen ? (size_t)zlen : len, zlen, hdr, &status);
	curl_slist_free_all(hdr);
	up->stats.last_status = status;
	if (rc != CURLE_OK) {
		set_error(up, "%s: %s", up->req.where,
			  up->curl_err[0] ? up->curl_err : curl_easy_strerror(rc));
		*delay_ms = retry_delay(up, 0);
		return -EAGAIN;
	}
	ret = judge(up, status, delay_ms);
	if (!ret) {
		/* 0 from a type that sends the batch as it is: upload_step() */
		up->stats.entries += up->req.entries;
		up->stats.wire_bytes += zlen ? (size_t)zlen : len;
		up->stats.compressed += !!zlen;
	}
	return ret;
}

/* Each part of the batch from the first not yet delivered. */
static int send_http(struct uploader *up, const char *body, size_t len,
		     uint64_t dropped, uint64_t *delay_ms)
{
	int ret;

	do {
		ret = send_part(up, body, len, dropped, delay_ms);
		up->part = ret ? up->part : up->req.next;
	} while (!ret && up->part);
	if (ret == -EBADMSG)
		up->part = 0;
	return ret;
}

/* One attempt at @body, @dropped entries lost before it; counted. */
static int send_batch(struct uploader *up, const char *body, size_t len,
		      uint64_t dropped, uint64_t *delay_ms)
{
	int ret;

	if (up->type->request) {
		ret = send_http(up, body, len, dropped, delay_ms);
	} else {
		ret = send_local(up, body, len, dropped);
		if (ret && ret != -EBADMSG)
			*delay_ms = retry_delay(up, 0);
	}
	if (!ret) {
		up->stats.batches++;
		up->stats.bytes += len;
		up->stats.consecutive_failures = 0;
	} else if (ret != -EBADMSG) {
		up->stats.failures++;
		up->stats.consecutive_failures++;
		up->stats.last_delay_ms = *delay_ms;
	}
	return ret;
}

int upload_send(struct uploader *up, const char *body, size_t len,
		uint64_t *delay_ms)
{
	if (up->type->window)
		up->type->window(up->priv, NULL);
	return send_batch(up, body, len, 0, delay_ms);
}

/* Creates @path with @data, fsynced. 0 or -errno. */
static int write_file_sync(const char *path, const char *data, size_t len)
{
	int fd, ret;

	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	ret = write_all(fd, data ? data : "", len);
	if (!ret && fsync(fd))
		ret = -errno;
	if (close(fd) && !ret)
		ret = -errno;
	return ret;
}

/*
 * A batch refused for good, as it was spooled, into rejected_dir, with
 * "<batch>.reply": the status and the reply's first KiB.
 */
static void set_aside(struct uploader *up)
{
	char path[PATH_MAX], head[64];
	struct buf reply = { 0 };
	int ret, n;

	log_err("sink %s: batch %s (%" PRIu32 " entries) refused for good, set aside%s%s: %s",
		up->name, up->item.name, up->item.entries,
		up->rejected_dir ? " in " : "",
		up->rejected_dir ? up->rejected_dir : "", up->stats.last_error);
	if (!up->rejected_dir)
		return;
	ret = mkdir_p(up->rejected_dir, 0700);
	snprintf(path, sizeof(path), "%s/%s", up->rejected_dir, up->item.name);
	if (!ret)
		ret = write_file_sync(path, up->batch.data, up->batch.len);
	n = snprintf(head, sizeof(head), "status %ld\n", up->stats.last_status);
	if (!ret)
		ret = buf_append(&reply, head, n);
	if (!ret)
		ret = buf_append(&reply, up->response, up->response_len);
	snprintf(path, sizeof(path), "%s/%s.reply", up->rejected_dir,
		 up->item.name);
	if (!ret)
		ret = write_file_sync(path, reply.data, reply.len);
	buf_free(&reply);
	if (ret)
		log_err("sink %s: %s: %s; the batch is lost", up->name, path,
			strerror(-ret));
}

int upload_attach(struct uploader *up, struct spool *spool)
{
	int ret;

	if (up->spool == spool)
		return 0;
	ret = spool_cursor_add(spool, up->name, &up->cursor);
	if (!ret)
		up->spool = spool;
	return ret;
}

/* The cursor's next batch into up->batch: 0, -ENOENT, or -errno. */
static int next_batch(struct uploader *up, struct spool *spool)
{
	int ret = upload_attach(up, spool);

	if (!ret)
		ret = spool_cursor_read(spool, up->cursor, &up->batch,
					&up->item);
	if (ret && ret != -ENOENT)
		set_error(up, "spool: %s", strerror(-ret));
	return ret;
}

/* The batch is delivered or set aside: the cursor moves past it. */
static int batch_done(struct uploader *up, struct spool *spool, int sent)
{
	int ret;

	if (sent) {
		up->stats.rejected++;
		up->stats.discarded += !up->type->request;
		set_aside(up);
	} else {
		log_debug("sink %s: batch %s delivered", up->name,
			  up->item.name);
	}
	up->stats.dropped += up->item.dropped;
	ret = spool_cursor_done(spool, up->cursor, &up->item);
	if (ret)
		set_error(up, "spool: %s", strerror(-ret));
	return ret;
}

int upload_step(struct uploader *up, struct spool *spool, uint64_t now_ms,
		uint64_t *next_ms)
{
	uint64_t start, delay = 0;
	int ret;

	if (now_ms < up->next_ms) {
		*next_ms = up->next_ms;
		return 0;
	}
	ret = next_batch(up, spool);
	if (ret == -ENOENT) {
		*next_ms = UINT64_MAX;
		return 0;
	}
	if (ret) {
		delay = retry_delay(up, 0);
		goto fail;
	}
	/* the cap may have taken a batch that was partly delivered */
	if (up->item.first_seq != up->part_seq)
		up->part = 0;
	up->part_seq = up->item.first_seq;
	if (up->type->window)
		up->type->window(up->priv, up->item.has_meta ? &up->item.meta :
							       NULL);
	start = clock_ms();
	ret = send_batch(up, up->batch.data, up->batch.len, up->item.dropped,
			 &delay);
	if (!ret && up->type->request && !up->req.entries)
		up->stats.entries += up->item.entries;
	if (!ret || ret == -EBADMSG) {
		ret = batch_done(up, spool, ret);
		if (ret) {
			delay = retry_delay(up, 0);
			goto fail;
		}
		*next_ms = now_ms;
		return 1;
	}
	/* the attempt took time on the caller's clock too */
	now_ms += clock_ms() - start;
fail:
	up->next_ms = now_ms + delay;
	*next_ms = up->next_ms;
	log_debug("sink %s: %s; next attempt in %" PRIu64 " ms", up->name,
		  up->stats.last_error, delay);
	return ret;
}

uint64_t upload_run(struct uploader *const *ups, size_t n,
		    struct spool *spool, uint64_t now_ms)
{
	uint64_t next, first = UINT64_MAX;
	size_t i;

	for (i = 0; i < n; i++) {
		uint64_t t = now_ms;

		while (upload_step(ups[i], spool, t, &next) == 1)
			t = clock_ms();
		if (next < first)
			first = next;
	}
	return first;
}

void upload_stats(const struct uploader *up, struct upload_stats *stats)
{
	*stats = up->stats;
}

const char *upload_name(const struct uploader *up)
{
	return up->name;
}

void upload_cursor_stats(const struct uploader *up, struct spool *spool,
			 struct spool_cursor_stats *st)
{
	if (up->spool != spool) {
		memset(st, 0, sizeof(*st));
		return;
	}
	spool_cursor_stats(spool, up->cursor, st);
}

bool upload_log_id_valid(const char *s)
{
	size_t i;

	for (i = 0; i < 64; i++)
		if (!isxdigit((unsigned char)s[i]))
			return false;
	return !s[64];
}

static int setup_http(struct uploader *up)
{
	if (curl_global_init(CURL_GLOBAL_DEFAULT))
		return -ENOMEM;
	up->curl = curl_easy_init();
	if (!up->curl) {
		curl_global_cleanup();
		return -ENOMEM;
	}
	curl_easy_setopt(up->curl, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(up->curl, CURLOPT_POST, 1L);
	curl_easy_setopt(up->curl, CURLOPT_HTTP_VERSION,
			 (long)CURL_HTTP_VERSION_2TLS);
	curl_easy_setopt(up->curl, CURLOPT_TIMEOUT_MS, (long)up->timeout_ms);
	curl_easy_setopt(up->curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(up->curl, CURLOPT_ERRORBUFFER, up->curl_err);
	curl_easy_setopt(up->curl, CURLOPT_WRITEFUNCTION, on_response);
	curl_easy_setopt(up->curl, CURLOPT_WRITEDATA, up);
	curl_easy_setopt(up->curl, CURLOPT_XFERINFOFUNCTION, on_progress);
	curl_easy_setopt(up->curl, CURLOPT_XFERINFODATA, up);
	curl_easy_setopt(up->curl, CURLOPT_NOPROGRESS, 0L);
	return 0;
}

static int copy_config(struct uploader *up, const struct upload_config *cfg)
{
	up->type = cfg->type;
	up->orig_length = cfg->type->orig_length;
	compress_init(&up->comp, cfg->codec);
	up->timeout_ms = cfg->timeout_ms;
	up->retry_min_ms = cfg->retry_min_ms;
	up->retry_max_ms = cfg->retry_max_ms;
	up->retry_cap_ms = cfg->retry_cap_ms;
	up->tick = cfg->tick;
	up->tick_arg = cfg->tick_arg;
	up->name = strdup(cfg->name ? cfg->name : cfg->type->name);
	if (cfg->rejected_dir)
		up->rejected_dir = strdup(cfg->rejected_dir);
	return up->name && (!cfg->rejected_dir || up->rejected_dir) ? 0 :
								      -ENOMEM;
}

int upload_open(const struct upload_config *cfg, struct uploader **upp)
{
	struct uploader *up;
	int ret;

	if (!cfg->type || !cfg->timeout_ms ||
	    cfg->retry_max_ms < cfg->retry_min_ms) {
		log_err("upload: a sink type, a positive timeout and retry_min at most retry_max are needed");
		return -EINVAL;
	}
	if (sink_codec_refused(cfg->type, cfg->codec)) {
		log_err("sink %s: compression %s: %s",
			cfg->name ? cfg->name : cfg->type->name,
			compress_name(cfg->codec),
			sink_codec_refused(cfg->type, cfg->codec));
		return -EINVAL;
	}
	up = calloc(1, sizeof(*up));
	if (!up)
		return -ENOMEM;
	up->cursor = -1;
	ret = copy_config(up, cfg);
	if (!ret)
		ret = up->type->open(up->name, cfg->opts, &up->priv);
	if (ret)
		goto err;
	if (up->type->request) {
		ret = setup_http(up);
		if (ret)
			goto err;
	}
	*upp = up;
	return 0;
err:
	upload_close(up);
	return ret;
}

void upload_close(struct uploader *up)
{
	if (!up)
		return;
	if (up->curl) {
		curl_easy_cleanup(up->curl);
		curl_global_cleanup();
	}
	if (up->priv)
		up->type->close(up->priv);
	compress_free(&up->comp);
	buf_free(&up->reply);
	buf_free(&up->req.body);
	buf_free(&up->batch);
	free(up->rejected_dir);
	free(up->name);
	free(up);
}
