// SPDX-License-Identifier: GPL-2.0
/*
 * The request is logtail's: POST of the batch to
 * {server}/c/{collection}/{private_id}?copyId={domain_id}, compressed with
 * zstd as logtail does (or gzip, or not at all) when that saves more than
 * 64 bytes of a body over 256 bytes, with Orig-Content-Length. Like
 * logtail it sends no User-Agent (libcurl sends none unless asked), no
 * Content-Type and no Accept-Encoding. Only 2xx is success; anything else is
 * retried after Retry-After or a random 30-60 s, capped, forever: the spool,
 * not the uploader, bounds what waits.
 *
 * The private ID is a write credential: it never appears in a message.
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

#include "log.h"
#include "buf.h"
#include "fileio.h"
#include "upload.h"
#include "clock.h"

#define RESPONSE_MAX 1024
/* How far back the file sink looks for its last complete line. */
#define TAIL_MAX (4 << 20)

struct uploader {
	enum upload_sink sink;
	char *file_path;
	char *server;		/* for messages: no private ID */
	char *url;
	uint64_t timeout_ms, retry_min_ms, retry_max_ms, retry_cap_ms;
	void (*tick)(void *arg);
	void *tick_arg;
	uint64_t deadline_ms;	/* clock_ms() past which an attempt stops */

	CURL *curl;
	char curl_err[CURL_ERROR_SIZE];
	char response[RESPONSE_MAX + 1];
	size_t response_len;
	struct compressor comp;

	/* file sink: the last entry in the file, to skip redelivered ones */
	bool have_last;
	uint32_t last_proc_id;
	uint64_t last_proc_seq;

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

/* proc_id and proc_seq of an entry's logtail member: 0, or -EINVAL. */
static int entry_seq(struct json_object *entry, uint32_t *proc_id,
		     uint64_t *proc_seq)
{
	struct json_object *lt, *id, *seq;

	if (!json_object_object_get_ex(entry, "logtail", &lt) ||
	    !json_object_object_get_ex(lt, "proc_id", &id) ||
	    !json_object_object_get_ex(lt, "proc_seq", &seq) ||
	    !json_object_is_type(id, json_type_int) ||
	    !json_object_is_type(seq, json_type_int))
		return -EINVAL;
	*proc_id = json_object_get_int64(id);
	*proc_seq = json_object_get_uint64(seq);
	return 0;
}

/* The file sink's directory, like /var/log/netlog, on first use. */
static int make_parents(const char *file)
{
	char *dir = strdup(file), *slash;
	int ret = 0;

	if (!dir)
		return -ENOMEM;
	slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = '\0';
		ret = mkdir_p(dir, 0750);
	}
	free(dir);
	return ret;
}

/*
 * The last complete entry of @name, open at @fd, into up->last_*. A torn
 * last line (a crash in the middle of a write: the batch is still in the
 * spool and will be written again) is cut when @cut, else only skipped.
 */
static int last_entry(struct uploader *up, int fd, const char *name, bool cut)
{
	struct json_object *obj;
	struct stat st;
	char *buf, *end, *start;
	size_t len;
	off_t off;
	int ret = 0;

	if (fstat(fd, &st))
		return -errno;
	if (!st.st_size)
		return 0;
	len = st.st_size < TAIL_MAX ? st.st_size : TAIL_MAX;
	off = st.st_size - len;
	buf = malloc(len + 1);
	if (!buf)
		return -ENOMEM;
	if (pread(fd, buf, len, off) != (ssize_t)len) {
		ret = errno ? -errno : -EIO;
		goto out_free;
	}
	buf[len] = '\0';
	end = memrchr(buf, '\n', len);
	if (end != buf + len - 1 && cut) {
		off_t keep = end ? off + (end - buf) + 1 : off ? -1 : 0;

		if (keep >= 0 && ftruncate(fd, keep)) {
			ret = -errno;
			goto out_free;
		}
		if (keep >= 0)
			log_warn("%s: cut a torn last line of %lld bytes",
				 name, (long long)(st.st_size - keep));
	}
	if (!end)
		goto out_free;
	*end = '\0';
	start = memrchr(buf, '\n', end - buf);
	start = start ? start + 1 : buf;
	obj = json_tokener_parse(start);
	if (obj && !entry_seq(obj, &up->last_proc_id, &up->last_proc_seq))
		up->have_last = true;
	json_object_put(obj);
out_free:
	free(buf);
	return ret;
}

/*
 * Finds the file sink's last entry, so that a batch delivered again after
 * a crash adds no line twice. When the file is missing or has none, it was
 * rotated (logrotate's create: a new empty file), and the last entry is
 * the last of "<file>.1": uncompressed, as logrotate leaves it with
 * delaycompress or without compress.
 */
static int file_tail(struct uploader *up)
{
	char rotated[PATH_MAX];
	int fd, ret;

	fd = open(up->file_path, O_RDWR | O_CLOEXEC);
	if (fd < 0 && errno != ENOENT)
		return -errno;
	if (fd >= 0) {
		ret = last_entry(up, fd, up->file_path, true);
		close(fd);
		if (ret || up->have_last)
			return ret;
	}
	snprintf(rotated, sizeof(rotated), "%s.1", up->file_path);
	fd = open(rotated, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		if (errno != ENOENT)
			log_warn("%s: %s; entries it has may be written again",
				 rotated, strerror(errno));
		return 0;
	}
	ret = last_entry(up, fd, rotated, false);
	close(fd);
	if (ret)
		log_warn("%s: %s; entries it has may be written again",
			 rotated, strerror(-ret));
	return 0;
}

/* One batch as lines, and the file sink's last entry once they are written. */
struct lines {
	struct buf out;
	uint64_t entries, skipped;
	bool have_last;
	uint32_t last_id;
	uint64_t last_seq;
};

/* @body as a JSON array; -EBADMSG for a batch that never will be one. */
static int parse_batch(struct uploader *up, const char *body, size_t len,
		       struct json_object **arr)
{
	struct json_tokener *tok;
	int ret = 0;

	tok = json_tokener_new();
	if (!tok) {
		set_error(up, "%s", strerror(ENOMEM));
		return -ENOMEM;
	}
	*arr = json_tokener_parse_ex(tok, body, len);
	if (!*arr || json_tokener_get_parse_end(tok) != len ||
	    !json_object_is_type(*arr, json_type_array)) {
		set_error(up, "batch is not a JSON array: %s",
			  json_tokener_error_desc(json_tokener_get_error(tok)));
		json_object_put(*arr);
		*arr = NULL;
		ret = -EBADMSG;
	}
	json_tokener_free(tok);
	return ret;
}

/*
 * One line an entry of @arr. The file sink skips the entries up to the last
 * one its file has: a batch delivered again after a crash.
 */
static int render_lines(struct uploader *up, struct json_object *arr,
			struct lines *l)
{
	bool file = up->sink == UPLOAD_SINK_FILE;
	size_t i, n = json_object_array_length(arr);
	int ret;

	for (i = 0; i < n; i++) {
		struct json_object *e = json_object_array_get_idx(arr, i);
		const char *s;
		uint32_t id;
		uint64_t seq;

		if (file && !entry_seq(e, &id, &seq)) {
			if (l->have_last && id == l->last_id &&
			    seq <= l->last_seq) {
				l->skipped++;
				continue;
			}
			l->have_last = true;
			l->last_id = id;
			l->last_seq = seq;
		}
		s = json_object_to_json_string_ext(e, JSON_C_TO_STRING_PLAIN |
						   JSON_C_TO_STRING_NOSLASHESCAPE);
		ret = buf_append(&l->out, s, strlen(s));
		if (!ret)
			ret = buf_append(&l->out, "\n", 1);
		if (ret) {
			set_error(up, "%s", strerror(-ret));
			return ret;
		}
		l->entries++;
	}
	return 0;
}

/* Appends @out to the file sink's file, fsynced before it counts. */
static int append_file(struct uploader *up, const struct buf *out)
{
	int fd, ret;

	fd = open(up->file_path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC,
		  0640);
	if (fd < 0) {
		ret = -errno;
		set_error(up, "%s: %s", up->file_path, strerror(-ret));
		return ret;
	}
	ret = write_all(fd, out->data, out->len);
	if (!ret && fsync(fd))
		ret = -errno;
	if (close(fd) && !ret)
		ret = -errno;
	if (ret)
		set_error(up, "%s: %s", up->file_path, strerror(-ret));
	return ret;
}

/*
 * Writes the entries of @body one per line: to the file (appending, then
 * fsync) or to stdout. The file sink skips entries it already has.
 */
static int send_lines(struct uploader *up, const char *body, size_t len)
{
	struct lines l = {
		.have_last = up->have_last,
		.last_id = up->last_proc_id,
		.last_seq = up->last_proc_seq,
	};
	struct json_object *arr;
	int ret;

	ret = parse_batch(up, body, len, &arr);
	if (ret)
		return ret;
	ret = render_lines(up, arr, &l);
	json_object_put(arr);
	if (ret)
		goto out;
	if (up->sink == UPLOAD_SINK_FILE) {
		ret = append_file(up, &l.out);
		if (ret)
			goto out;
		up->have_last = l.have_last;
		up->last_proc_id = l.last_id;
		up->last_proc_seq = l.last_seq;
	} else {
		ret = write_all(STDOUT_FILENO, l.out.data, l.out.len);
		if (ret) {
			set_error(up, "stdout: %s", strerror(-ret));
			goto out;
		}
	}
	up->stats.entries += l.entries;
	up->stats.skipped += l.skipped;
	up->stats.wire_bytes += l.out.len;
out:
	buf_free(&l.out);
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

static int send_http(struct uploader *up, const char *body, size_t len,
		     uint64_t *delay_ms)
{
	struct curl_slist *hdr = NULL;
	char orig[64], enc[64];
	curl_off_t retry_after = 0;
	ssize_t zlen;
	long status = 0;
	CURLcode rc;

	zlen = compress_body(&up->comp, body, len);
	if (zlen < 0) {
		log_warn("logtail %s: %s of a %zu-byte body: %s; sent uncompressed",
			 up->server, compress_name(up->comp.codec), len,
			 up->comp.err);
		zlen = 0;
	}
	snprintf(orig, sizeof(orig), "Orig-Content-Length: %zu", len);
	snprintf(enc, sizeof(enc), "Content-Encoding: %s",
		 compress_name(up->comp.codec));
	if (add_header(&hdr, "Content-Type:") || add_header(&hdr, "Expect:") ||
	    (zlen && (add_header(&hdr, enc) || add_header(&hdr, orig)))) {
		curl_slist_free_all(hdr);
		set_error(up, "logtail %s: out of memory", up->server);
		*delay_ms = retry_delay(up, 0);
		return -ENOMEM;
	}
	up->response_len = 0;
	up->response[0] = '\0';
	up->curl_err[0] = '\0';
	curl_easy_setopt(up->curl, CURLOPT_HTTPHEADER, hdr);
	curl_easy_setopt(up->curl, CURLOPT_POSTFIELDS,
			 zlen ? (const char *)up->comp.buf : body);
	curl_easy_setopt(up->curl, CURLOPT_POSTFIELDSIZE_LARGE,
			 (curl_off_t)(zlen ? (size_t)zlen : len));
	rc = curl_easy_perform(up->curl);
	curl_easy_setopt(up->curl, CURLOPT_HTTPHEADER, NULL);
	curl_slist_free_all(hdr);

	if (rc != CURLE_OK) {
		up->stats.last_status = 0;
		set_error(up, "logtail %s: %s", up->server,
			  up->curl_err[0] ? up->curl_err : curl_easy_strerror(rc));
		*delay_ms = retry_delay(up, 0);
		return -EAGAIN;
	}
	curl_easy_getinfo(up->curl, CURLINFO_RESPONSE_CODE, &status);
	up->stats.last_status = status;
	if (status >= 200 && status < 300) {
		up->stats.wire_bytes += zlen ? (size_t)zlen : len;
		up->stats.compressed += !!zlen;
		return 0;
	}
	curl_easy_getinfo(up->curl, CURLINFO_RETRY_AFTER, &retry_after);
	up->response[strcspn(up->response, "\r\n")] = '\0';
	set_error(up, "logtail %s: HTTP %ld%s%s", up->server, status,
		  up->response[0] ? ": " : "", up->response);
	*delay_ms = retry_delay(up, retry_after > 0 ? retry_after : 0);
	return -EAGAIN;
}

int upload_send(struct uploader *up, const char *body, size_t len,
		uint64_t *delay_ms)
{
	int ret;

	if (up->sink == UPLOAD_SINK_LOGTAIL) {
		ret = send_http(up, body, len, delay_ms);
	} else {
		ret = send_lines(up, body, len);
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

int upload_step(struct uploader *up, struct spool *spool, uint64_t now_ms,
		uint64_t *next_ms)
{
	const char *body;
	uint64_t start, delay = 0;
	size_t len;
	int ret;

	if (now_ms < up->next_ms) {
		*next_ms = up->next_ms;
		return 0;
	}
	ret = spool_peek_oldest(spool, &body, &len);
	if (ret == -ENOENT) {
		*next_ms = UINT64_MAX;
		return 0;
	}
	if (ret) {
		set_error(up, "spool: %s", strerror(-ret));
		delay = retry_delay(up, 0);
		goto fail;
	}
	start = clock_ms();
	ret = upload_send(up, body, len, &delay);
	if (!ret || ret == -EBADMSG) {
		if (ret) {
			up->stats.discarded++;
			log_debug("upload: batch of %zu bytes discarded: %s",
				  len, up->stats.last_error);
		} else {
			log_debug("upload: batch of %zu bytes delivered", len);
		}
		ret = spool_delete_oldest(spool);
		if (ret) {
			set_error(up, "spool: %s", strerror(-ret));
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
	log_debug("upload: %s; next attempt in %" PRIu64 " ms",
		  up->stats.last_error, delay);
	return ret;
}

void upload_stats(const struct uploader *up, struct upload_stats *stats)
{
	*stats = up->stats;
}

bool upload_log_id_valid(const char *s)
{
	size_t i;

	for (i = 0; i < 64; i++)
		if (!isxdigit((unsigned char)s[i]))
			return false;
	return !s[64];
}

static int setup_http(struct uploader *up, const struct upload_config *cfg)
{
	size_t n;
	char *p;

	if (!cfg->server || !cfg->private_id || !upload_log_id_valid(cfg->private_id) ||
	    (cfg->domain_id && !upload_log_id_valid(cfg->domain_id)) ||
	    !cfg->collection || !*cfg->collection) {
		log_err("logtail sink: needs a server, a collection and 64-hex-digit IDs");
		return -EINVAL;
	}
	up->server = strdup(cfg->server);
	if (!up->server)
		return -ENOMEM;
	n = strlen(up->server);
	while (n && up->server[n - 1] == '/')
		up->server[--n] = '\0';
	if (asprintf(&up->url, "%s/c/%s/%s%s%s", up->server, cfg->collection,
		     cfg->private_id, cfg->domain_id ? "?copyId=" : "",
		     cfg->domain_id ? cfg->domain_id : "") < 0) {
		up->url = NULL;
		return -ENOMEM;
	}
	/* logid text form is lowercase */
	for (p = strstr(up->url, "/c/") + 3 + strlen(cfg->collection); *p; p++)
		if (*p >= 'A' && *p <= 'F')
			*p += 'a' - 'A';

	if (curl_global_init(CURL_GLOBAL_DEFAULT))
		return -ENOMEM;
	up->curl = curl_easy_init();
	if (!up->curl) {
		curl_global_cleanup();
		return -ENOMEM;
	}
	curl_easy_setopt(up->curl, CURLOPT_URL, up->url);
	curl_easy_setopt(up->curl, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(up->curl, CURLOPT_POST, 1L);
	curl_easy_setopt(up->curl, CURLOPT_HTTP_VERSION,
			 (long)CURL_HTTP_VERSION_2TLS);
	curl_easy_setopt(up->curl, CURLOPT_TIMEOUT_MS, (long)cfg->timeout_ms);
	curl_easy_setopt(up->curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(up->curl, CURLOPT_ERRORBUFFER, up->curl_err);
	curl_easy_setopt(up->curl, CURLOPT_WRITEFUNCTION, on_response);
	curl_easy_setopt(up->curl, CURLOPT_WRITEDATA, up);
	curl_easy_setopt(up->curl, CURLOPT_XFERINFOFUNCTION, on_progress);
	curl_easy_setopt(up->curl, CURLOPT_XFERINFODATA, up);
	curl_easy_setopt(up->curl, CURLOPT_NOPROGRESS, 0L);
	return 0;
}

int upload_open(const struct upload_config *cfg, struct uploader **upp)
{
	struct uploader *up;
	int ret = -EINVAL;

	up = calloc(1, sizeof(*up));
	if (!up)
		return -ENOMEM;
	up->sink = cfg->sink;
	compress_init(&up->comp, cfg->codec);
	up->timeout_ms = cfg->timeout_ms;
	up->retry_min_ms = cfg->retry_min_ms;
	up->retry_max_ms = cfg->retry_max_ms;
	up->retry_cap_ms = cfg->retry_cap_ms;
	up->tick = cfg->tick;
	up->tick_arg = cfg->tick_arg;
	if (!cfg->timeout_ms || cfg->retry_max_ms < cfg->retry_min_ms) {
		log_err("upload: timeout must be positive and retry_min at most retry_max");
		goto err;
	}
	switch (cfg->sink) {
	case UPLOAD_SINK_FILE:
		if (!cfg->file_path || !*cfg->file_path) {
			log_err("file sink: no file_path");
			goto err;
		}
		up->file_path = strdup(cfg->file_path);
		if (!up->file_path) {
			ret = -ENOMEM;
			goto err;
		}
		ret = make_parents(up->file_path);
		if (!ret)
			ret = file_tail(up);
		if (ret) {
			log_err("%s: %s", cfg->file_path, strerror(-ret));
			goto err;
		}
		break;
	case UPLOAD_SINK_STDOUT:
		break;
	case UPLOAD_SINK_LOGTAIL:
		ret = setup_http(up, cfg);
		if (ret)
			goto err;
		break;
	default:
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
	compress_free(&up->comp);
	free(up->url);
	free(up->server);
	free(up->file_path);
	free(up);
}
