// SPDX-License-Identifier: GPL-2.0
/*
 * Host tests of delivery: the uploader against tests/collector/collector.py
 * (a logtail collector that checks every request) with each fault it can
 * inject, the file and stdout sinks, and the configuration parser.
 *
 *   test-upload <collector.py> <netlogd.conf>
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <curl/curl.h>
#include <json-c/json.h>

#include "check.h"
#include "config.h"
#include "routes.h"
#include "spool.h"
#include "upload.h"
#include "array.h"
#include "clock.h"

#define PRIV "4a6f1e0b8c2d3e4f5061728394a5b6c7d8e9f001122334455667788990aabbcc"
#define DOM "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"

static char root[64];
static const char *collector_py;

static void die(const char *what)
{
	fprintf(stderr, "test-upload: %s: %s\n", what, strerror(errno));
	exit(1);
}

static char *path(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));

static char *path(const char *fmt, ...)
{
	static char buf[64][320];
	static int i;
	char name[200];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(name, sizeof(name), fmt, ap);
	va_end(ap);
	i = (i + 1) % 64;
	snprintf(buf[i], sizeof(buf[i]), "%s/%s", root, name);
	return buf[i];
}

static int rm_one(const char *p, const struct stat *st, int type,
		  struct FTW *f)
{
	(void)st;
	(void)type;
	(void)f;
	return remove(p);
}

static char *read_all(const char *p, size_t *len)
{
	FILE *f = fopen(p, "r");
	char *data = NULL;
	size_t size = 0, n = 0, r;

	if (!f)
		return NULL;
	do {
		if (n + 65536 + 1 > size) {
			size = (n + 65536 + 1) * 2;
			data = realloc(data, size);
			if (!data)
				die("realloc");
		}
		r = fread(data + n, 1, 65536, f);
		n += r;
	} while (r);
	fclose(f);
	data[n] = '\0';
	if (len)
		*len = n;
	return data;
}

static void sleep_until(uint64_t t)
{
	uint64_t now = clock_ms();

	if (t > now)
		usleep((t - now) * 1000);
}

/* --- the collector --------------------------------------------------- */

struct collector {
	pid_t pid;
	int fd;
	int port;
	char server[64];
	char out[256];
	char bodies[256];
};

/* Starts collector.py with @args (NULL-terminated) and reads its port. */
static void collector_start(struct collector *c, const char *name,
			    const char *const *args)
{
	const char *argv[32] = { "python3", collector_py, "--port", "0" };
	int fds[2], i = 4, j;
	char line[32] = "";
	size_t len;
	ssize_t n;

	snprintf(c->out, sizeof(c->out), "%s", path("%s.jsonl", name));
	snprintf(c->bodies, sizeof(c->bodies), "%s", path("%s.bodies", name));
	if (mkdir(c->bodies, 0700))
		die(c->bodies);
	argv[i++] = "--out";
	argv[i++] = c->out;
	argv[i++] = "--bodies";
	argv[i++] = c->bodies;
	for (j = 0; args && args[j]; j++)
		argv[i++] = args[j];
	argv[i] = NULL;
	if (pipe(fds))
		die("pipe");
	c->pid = fork();
	if (c->pid < 0)
		die("fork");
	if (!c->pid) {
		dup2(fds[1], STDOUT_FILENO);
		close(fds[0]);
		close(fds[1]);
		execv("/usr/bin/python3", (char **)argv);
		_exit(127);
	}
	close(fds[1]);
	/* the pipe stays open while the collector runs: it may write again */
	c->fd = fds[0];
	for (len = 0; len < sizeof(line) - 1 && !memchr(line, '\n', len);
	     len += n) {
		n = read(c->fd, line + len, sizeof(line) - 1 - len);
		if (n <= 0) {
			fprintf(stderr, "test-upload: %s did not start\n",
				collector_py);
			exit(1);
		}
	}
	line[len] = '\0';
	c->port = atoi(line);
	snprintf(c->server, sizeof(c->server), "http://127.0.0.1:%d", c->port);
}

static void collector_stop(struct collector *c)
{
	kill(c->pid, SIGTERM);
	waitpid(c->pid, NULL, 0);
	close(c->fd);
}

static size_t on_data(char *data, size_t size, size_t nmemb, void *arg)
{
	FILE *f = arg;

	return fwrite(data, size, nmemb, f);
}

/* GET /stats, parsed. */
static struct json_object *collector_stats(const struct collector *c)
{
	struct json_object *obj;
	char url[96], *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	CURL *curl = curl_easy_init();

	snprintf(url, sizeof(url), "%s/stats", c->server);
	curl_easy_setopt(curl, CURLOPT_URL, url);
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(curl, CURLOPT_WRITEDATA, f);
	curl_easy_setopt(curl, CURLOPT_TIMEOUT, 10L);
	if (curl_easy_perform(curl) != CURLE_OK) {
		fprintf(stderr, "test-upload: GET %s failed\n", url);
		exit(1);
	}
	curl_easy_cleanup(curl);
	fclose(f);
	obj = json_tokener_parse(buf);
	free(buf);
	if (!obj) {
		fprintf(stderr, "test-upload: bad stats\n");
		exit(1);
	}
	return obj;
}

static int64_t stat_int(struct json_object *st, const char *key)
{
	struct json_object *v;

	if (!json_object_object_get_ex(st, key, &v))
		return -1;
	return json_object_get_int64(v);
}

static const char *stat_str(struct json_object *st, const char *key, size_t i)
{
	struct json_object *v;

	if (!json_object_object_get_ex(st, key, &v) ||
	    i >= json_object_array_length(v))
		return NULL;
	return json_object_get_string(json_object_array_get_idx(v, i));
}

/* The proc_seq of each line of a JSON-lines file, in order. */
static size_t file_seqs(const char *p, uint64_t *seqs, size_t max)
{
	char *data = read_all(p, NULL), *line, *save;
	size_t n = 0;

	if (!data)
		return 0;
	for (line = strtok_r(data, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		struct json_object *e = json_tokener_parse(line), *lt, *seq;

		if (n < max && e && json_object_object_get_ex(e, "logtail", &lt) &&
		    json_object_object_get_ex(lt, "proc_seq", &seq))
			seqs[n] = json_object_get_uint64(seq);
		else if (n < max)
			seqs[n] = 0;
		n++;
		json_object_put(e);
	}
	free(data);
	return n;
}

/* --- fixtures -------------------------------------------------------- */

static struct spool *new_spool(const char *name)
{
	struct spool *sp;

	if (spool_open(path("%s.spool", name), 0, &sp))
		exit(1);
	return sp;
}

/* Window @w: @n messages of about @size bytes, compressible. */
static void spool_window(struct spool *sp, uint64_t w, size_t n, size_t size)
{
	char **msgs = calloc(n, sizeof(*msgs));
	size_t *lens = calloc(n, sizeof(*lens)), i;

	for (i = 0; i < n; i++) {
		size_t len = 0;
		FILE *f = open_memstream(&msgs[i], &len);

		fprintf(f, "{\"nodeId\":\"nTEST%" PRIu64 "CNTRL\",\"i\":%zu,\"virtualTraffic\":[",
			w, i);
		while (len < size) {
			fprintf(f, "{\"proto\":6,\"src\":\"100.64.0.1:%zu\",\"dst\":\"100.64.0.2:443\",\"txPkts\":3,\"txBytes\":180},",
				1024 + len % 60000);
			fflush(f);
		}
		fprintf(f, "{}]}");
		fclose(f);
		lens[i] = len;
	}
	if (spool_put_window(sp, w, w * 1000, w * 1000 + 500,
			     (const char *const *)msgs, lens, n))
		die("spool_put_window");
	for (i = 0; i < n; i++)
		free(msgs[i]);
	free(msgs);
	free(lens);
}

static void http_config(struct upload_config *cfg, const struct collector *c)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->sink = UPLOAD_SINK_LOGTAIL;
	cfg->server = c->server;
	cfg->collection = UPLOAD_COLLECTION;
	cfg->private_id = PRIV;
	cfg->domain_id = DOM;
	cfg->compress = true;
	cfg->timeout_ms = 5000;
	cfg->retry_min_ms = 50;
	cfg->retry_max_ms = 100;
	cfg->retry_cap_ms = 5000;
}

static struct uploader *new_uploader(const struct upload_config *cfg)
{
	struct uploader *up;

	if (upload_open(cfg, &up)) {
		fprintf(stderr, "test-upload: upload_open failed\n");
		exit(1);
	}
	return up;
}

/*
 * Runs upload_step() until the spool is empty, sleeping until each retry.
 * Returns the number of attempts.
 */
static int drain(struct uploader *up, struct spool *sp, int max_attempts)
{
	uint64_t next;
	int attempts = 0, ret;

	while (attempts < max_attempts) {
		ret = upload_step(up, sp, clock_ms(), &next);
		if (ret == 0 && next == UINT64_MAX)
			break;
		if (ret == 0) {
			sleep_until(next);
			continue;
		}
		attempts++;
	}
	return attempts;
}

/* --- the tests ------------------------------------------------------- */

/*
 * One window, gzipped: the collector decompresses the body to the spooled
 * bytes exactly; the request carries what logtail's does and no more.
 */
static void test_gzip_round_trip(void)
{
	static const char *const args[] = { "--collection", UPLOAD_COLLECTION,
					    "--copy-id", DOM, NULL };
	struct collector c;
	struct upload_config cfg;
	struct upload_stats us;
	struct json_object *st;
	struct uploader *up;
	struct spool *sp = new_spool("gzip");
	const char *body;
	char *spooled, *got;
	size_t len, glen;
	uint64_t next, seqs[8];

	collector_start(&c, "gzip", args);
	http_config(&cfg, &c);
	up = new_uploader(&cfg);
	spool_window(sp, 1, 3, 2000);
	CHECK_EQ(spool_peek_oldest(sp, &body, &len), 0);
	spooled = strdup(body);

	CHECK_EQ(upload_step(up, sp, clock_ms(), &next), 1);
	CHECK_EQ(upload_step(up, sp, clock_ms(), &next), 0);
	CHECK(next == UINT64_MAX);
	upload_stats(up, &us);
	CHECK_EQ(us.batches, 1);
	CHECK_EQ(us.compressed, 1);
	CHECK_EQ(us.bytes, len);
	CHECK(us.wire_bytes < len / 4);
	CHECK_EQ(us.last_status, 200);

	st = collector_stats(&c);
	CHECK_EQ(stat_int(st, "requests"), 1);
	CHECK_EQ(stat_int(st, "errors"), 0);
	CHECK_EQ(stat_int(st, "gzip"), 1);
	CHECK_EQ(stat_int(st, "identity"), 0);
	CHECK_EQ(stat_int(st, "entries"), 3);
	CHECK_EQ(stat_int(st, "duplicates"), 0);
	CHECK_EQ(stat_int(st, "max_body"), len);
	CHECK_STR(stat_str(st, "paths", 0),
		  "/c/" UPLOAD_COLLECTION "/" PRIV "?copyId=" DOM);
	CHECK(stat_str(st, "user_agent", 0) == NULL);
	CHECK(stat_str(st, "content_type", 0) == NULL);
	json_object_put(st);

	got = read_all(path("gzip.bodies/req-1.json"), &glen);
	CHECK(got && glen == len && !memcmp(got, spooled, len));
	CHECK_EQ(file_seqs(c.out, seqs, 8), 3);
	CHECK_EQ(seqs[0], 1);
	CHECK_EQ(seqs[2], 3);
	free(got);
	free(spooled);
	upload_close(up);
	spool_close(sp);
	collector_stop(&c);
}

/*
 * Not compressed: a body of 256 bytes or less, and any body with
 * compression off. Without a domain ID there is no copyId.
 */
static void test_identity_and_no_copy_id(void)
{
	static const char *const args[] = { "--copy-id", "", NULL };
	struct collector c;
	struct upload_config cfg;
	struct upload_stats us;
	struct json_object *st;
	struct uploader *up;
	struct spool *sp = new_spool("identity");
	const char *small[] = { "{\"s\":1}" };
	size_t lens[] = { 7 };

	collector_start(&c, "identity", args);
	http_config(&cfg, &c);
	cfg.domain_id = NULL;
	up = new_uploader(&cfg);
	CHECK_EQ(spool_put_window(sp, 1, 1, 2, small, lens, 1), 0);
	CHECK_EQ(drain(up, sp, 5), 1);
	upload_close(up);

	cfg.compress = false;
	up = new_uploader(&cfg);
	spool_window(sp, 2, 2, 5000);
	CHECK_EQ(drain(up, sp, 5), 1);
	upload_stats(up, &us);
	CHECK_EQ(us.compressed, 0);
	CHECK_EQ(us.wire_bytes, us.bytes);

	st = collector_stats(&c);
	CHECK_EQ(stat_int(st, "errors"), 0);
	CHECK_EQ(stat_int(st, "gzip"), 0);
	CHECK_EQ(stat_int(st, "identity"), 2);
	CHECK_EQ(stat_int(st, "entries"), 3);
	CHECK_STR(stat_str(st, "paths", 0), "/c/" UPLOAD_COLLECTION "/" PRIV);
	json_object_put(st);
	upload_close(up);
	spool_close(sp);
	collector_stop(&c);
}

/* 500 twice: the third attempt delivers, each entry once. */
static void test_500_is_retried(void)
{
	static const char *const args[] = { "--fault", "500*2", NULL };
	struct collector c;
	struct upload_config cfg;
	struct upload_stats us;
	struct json_object *st;
	struct uploader *up;
	struct spool *sp = new_spool("500");
	uint64_t t0, next, seqs[8];
	int ret;

	collector_start(&c, "500", args);
	http_config(&cfg, &c);
	up = new_uploader(&cfg);
	spool_window(sp, 1, 4, 300);

	t0 = clock_ms();
	ret = upload_step(up, sp, t0, &next);
	CHECK_EQ(ret, -EAGAIN);
	upload_stats(up, &us);
	CHECK_EQ(us.last_status, 500);
	CHECK(us.last_delay_ms >= 50 && us.last_delay_ms < 100);
	CHECK(next >= t0 + 50 && next < clock_ms() + 100);
	CHECK(strstr(us.last_error, "HTTP 500: injected fault") != NULL);
	CHECK(strstr(us.last_error, PRIV) == NULL);
	/* not due yet: nothing is sent */
	CHECK_EQ(upload_step(up, sp, next - 1, &next), 0);
	CHECK_EQ(drain(up, sp, 10), 2);

	upload_stats(up, &us);
	CHECK_EQ(us.failures, 2);
	CHECK_EQ(us.consecutive_failures, 0);
	CHECK_EQ(us.batches, 1);
	st = collector_stats(&c);
	CHECK_EQ(stat_int(st, "requests"), 3);
	CHECK_EQ(stat_int(st, "faults"), 2);
	CHECK_EQ(stat_int(st, "errors"), 0);
	CHECK_EQ(stat_int(st, "entries"), 4);
	CHECK_EQ(stat_int(st, "duplicates"), 0);
	json_object_put(st);
	CHECK_EQ(file_seqs(c.out, seqs, 8), 4);
	CHECK(seqs[0] == 1 && seqs[1] == 2 && seqs[2] == 3 && seqs[3] == 4);
	upload_close(up);
	spool_close(sp);
	collector_stop(&c);
}

/* 429 with Retry-After: 1 is waited for, exactly; a larger one is capped. */
static void test_429_retry_after(void)
{
	static const char *const args[] = { "--fault", "429*1/1",
					    "--fault", "429*1/10", NULL };
	struct collector c;
	struct upload_config cfg;
	struct upload_stats us;
	struct json_object *st;
	struct uploader *up;
	struct spool *sp = new_spool("429");
	uint64_t t0, t1, next;

	collector_start(&c, "429", args);
	http_config(&cfg, &c);
	cfg.retry_cap_ms = 2000;
	up = new_uploader(&cfg);
	spool_window(sp, 1, 2, 300);

	t0 = clock_ms();
	CHECK_EQ(upload_step(up, sp, t0, &next), -EAGAIN);
	upload_stats(up, &us);
	CHECK_EQ(us.last_status, 429);
	CHECK_EQ(us.last_delay_ms, 1000);
	CHECK(next >= t0 + 1000);
	sleep_until(next);
	CHECK_EQ(upload_step(up, sp, clock_ms(), &next), -EAGAIN);
	t1 = clock_ms();
	CHECK(t1 - t0 >= 1000);
	upload_stats(up, &us);
	CHECK_EQ(us.last_delay_ms, 2000);	/* 10 s capped at 2 s */
	CHECK(next >= t1 + 1990 && next <= t1 + 2000);
	/* the wait is the uploader's: a step before it sends nothing */
	CHECK_EQ(upload_step(up, sp, t1 + 1000, &next), 0);
	CHECK_EQ(upload_step(up, sp, next, &next), 1);
	st = collector_stats(&c);
	CHECK_EQ(stat_int(st, "requests"), 3);
	CHECK_EQ(stat_int(st, "errors"), 0);
	CHECK_EQ(stat_int(st, "entries"), 2);
	json_object_put(st);
	printf("  429: first retry %" PRIu64 " ms after the first attempt\n",
	       t1 - t0);
	upload_close(up);
	spool_close(sp);
	collector_stop(&c);
}

/*
 * A reply slower than the timeout: the attempt fails after the timeout, the
 * retry delivers again what the collector had stored, which de-duplicates.
 */
static void test_slow_reply_times_out(void)
{
	static const char *const args[] = { "--fault", "slow*1/3", NULL };
	struct collector c;
	struct upload_config cfg;
	struct upload_stats us;
	struct json_object *st;
	struct uploader *up;
	struct spool *sp = new_spool("slow");
	uint64_t t0, t1, next;

	collector_start(&c, "slow", args);
	http_config(&cfg, &c);
	cfg.timeout_ms = 500;
	up = new_uploader(&cfg);
	spool_window(sp, 1, 3, 300);

	t0 = clock_ms();
	CHECK_EQ(upload_step(up, sp, t0, &next), -EAGAIN);
	t1 = clock_ms();
	CHECK(t1 - t0 >= 490 && t1 - t0 < 2500);
	upload_stats(up, &us);
	CHECK_EQ(us.last_status, 0);
	CHECK(strstr(us.last_error, "timed out") != NULL);
	printf("  slow reply: %s\n", us.last_error);
	/* the retry is counted from the end of the attempt */
	CHECK(next >= t1 + 50 - 1 && next < t1 + 100 + 1);
	CHECK_EQ(drain(up, sp, 5), 1);
	st = collector_stats(&c);
	CHECK_EQ(stat_int(st, "requests"), 2);
	CHECK_EQ(stat_int(st, "errors"), 0);
	CHECK_EQ(stat_int(st, "entries"), 3);
	CHECK_EQ(stat_int(st, "duplicates"), 3);
	json_object_put(st);
	printf("  slow reply: attempt gave up after %" PRIu64 " ms (timeout 500 ms)\n",
	       t1 - t0);
	upload_close(up);
	spool_close(sp);
	collector_stop(&c);
}

/* The connection dropped in the middle of the request: retried. */
static void test_dropped_connection_is_retried(void)
{
	static const char *const args[] = { "--fault", "drop*1", NULL };
	struct collector c;
	struct upload_config cfg;
	struct upload_stats us;
	struct json_object *st;
	struct uploader *up;
	struct spool *sp = new_spool("drop");
	uint64_t next;

	collector_start(&c, "drop", args);
	http_config(&cfg, &c);
	up = new_uploader(&cfg);
	spool_window(sp, 1, 2, 20000);

	CHECK_EQ(upload_step(up, sp, clock_ms(), &next), -EAGAIN);
	upload_stats(up, &us);
	CHECK_EQ(us.last_status, 0);
	CHECK_EQ(drain(up, sp, 5), 1);
	st = collector_stats(&c);
	CHECK_EQ(stat_int(st, "requests"), 2);
	CHECK_EQ(stat_int(st, "faults"), 1);
	CHECK_EQ(stat_int(st, "errors"), 0);
	CHECK_EQ(stat_int(st, "entries"), 2);
	CHECK_EQ(stat_int(st, "duplicates"), 0);
	json_object_put(st);
	upload_close(up);
	spool_close(sp);
	collector_stop(&c);
}

/*
 * Windows worth over 1 MB: every body is at most 256 KiB uncompressed and
 * the collector gets proc_seq 1..N in order, once each. Faults at random
 * on the way change nothing.
 */
static void test_many_batches_in_order(void)
{
	static const char *const args[] = { "--fault", "500@0.3", NULL };
	struct collector c;
	struct upload_config cfg;
	struct json_object *st;
	struct uploader *up;
	struct spool *sp = new_spool("many");
	struct spool_stats ss;
	uint64_t seqs[200];
	size_t n, i;
	int w;

	collector_start(&c, "many", args);
	http_config(&cfg, &c);
	cfg.retry_min_ms = 1;
	cfg.retry_max_ms = 5;
	up = new_uploader(&cfg);
	for (w = 1; w <= 3; w++)
		spool_window(sp, w, 40, 10000);
	spool_stats(sp, &ss);
	CHECK_EQ(ss.entries, 120);
	CHECK(ss.batches >= 6);
	CHECK(drain(up, sp, 200) >= (int)ss.batches);
	st = collector_stats(&c);
	CHECK_EQ(stat_int(st, "errors"), 0);
	CHECK_EQ(stat_int(st, "entries"), 120);
	CHECK_EQ(stat_int(st, "duplicates"), 0);
	CHECK_EQ(stat_int(st, "ok"), ss.batches);
	CHECK(stat_int(st, "max_body") <= SPOOL_BATCH_MAX);
	CHECK(stat_int(st, "max_body") > SPOOL_BATCH_MAX - 12000);
	json_object_put(st);
	n = file_seqs(c.out, seqs, 200);
	CHECK_EQ(n, 120);
	for (i = 0; i < n && i < 200; i++)
		if (seqs[i] != i + 1) {
			CHECK_EQ(seqs[i], i + 1);
			break;
		}
	upload_close(up);
	spool_close(sp);
	collector_stop(&c);
}

/*
 * The file sink: one compact entry per line. A batch delivered again (the
 * daemon crashed before deleting it) adds nothing, even to a new process;
 * a torn last line is cut.
 */
static void test_file_sink(void)
{
	struct upload_config cfg = {
		.sink = UPLOAD_SINK_FILE, .file_path = path("log/netlog/flows.jsonl"),
		.timeout_ms = 1000, .retry_min_ms = 10, .retry_max_ms = 20,
		.retry_cap_ms = 100,
	};
	struct upload_stats us;
	struct uploader *up = new_uploader(&cfg);
	struct spool *sp = new_spool("file");
	const char *body;
	char *copy, *data;
	size_t len, size_before;
	uint64_t seqs[16], delay;
	int fd;

	spool_window(sp, 1, 2, 100);
	spool_window(sp, 2, 3, 100);
	CHECK_EQ(spool_peek_oldest(sp, &body, &len), 0);
	copy = strdup(body);
	CHECK_EQ(drain(up, sp, 5), 2);
	CHECK_EQ(file_seqs(cfg.file_path, seqs, 16), 5);
	CHECK(seqs[0] == 1 && seqs[4] == 5);
	upload_stats(up, &us);
	CHECK_EQ(us.entries, 5);
	CHECK_EQ(us.batches, 2);
	/* each line is the entry as json-c prints it, compact */
	data = read_all(cfg.file_path, &size_before);
	CHECK(data && !strncmp(data, "{\"logtail\":{\"client_time\":\"", 27));
	CHECK(data && strstr(data, "\"virtualTraffic\":[{\"proto\":6,") != NULL);
	free(data);

	/* redelivery, same process and a new one */
	CHECK_EQ(upload_send(up, copy, strlen(copy), &delay), 0);
	upload_close(up);
	up = new_uploader(&cfg);
	CHECK_EQ(upload_send(up, copy, strlen(copy), &delay), 0);
	upload_stats(up, &us);
	CHECK_EQ(us.skipped, 2);
	CHECK_EQ(us.entries, 0);
	CHECK_EQ(file_seqs(cfg.file_path, seqs, 16), 5);
	upload_close(up);

	/* a torn line from a crash in the middle of a write */
	fd = open(cfg.file_path, O_WRONLY | O_APPEND);
	CHECK(fd >= 0 && write(fd, "{\"logtail\":{\"proc", 17) == 17);
	close(fd);
	up = new_uploader(&cfg);
	free(read_all(cfg.file_path, &len));
	CHECK_EQ(len, size_before);
	spool_window(sp, 3, 1, 100);
	CHECK_EQ(drain(up, sp, 5), 1);
	CHECK_EQ(file_seqs(cfg.file_path, seqs, 16), 6);
	CHECK_EQ(seqs[5], 6);

	/* a body that is not a JSON array cannot be retried into shape */
	CHECK_EQ(upload_send(up, "[{\"a\":", 6, &delay), -EBADMSG);
	free(copy);
	upload_close(up);
	spool_close(sp);
}

static void test_stdout_sink(void)
{
	struct upload_config cfg = {
		.sink = UPLOAD_SINK_STDOUT, .timeout_ms = 1000,
		.retry_min_ms = 10, .retry_max_ms = 20, .retry_cap_ms = 100,
	};
	struct uploader *up = new_uploader(&cfg);
	struct spool *sp = new_spool("stdout");
	const char *msgs[] = { "{\"a\":\"x/y\"}", "{\"b\":[1,2]}" };
	size_t lens[] = { 11, 11 }, len;
	char *out, want[512];
	const char *body;
	struct json_object *arr, *lt, *t;
	int saved, fd;

	CHECK_EQ(spool_put_window(sp, 1, 1, 2, msgs, lens, 2), 0);
	CHECK_EQ(spool_peek_oldest(sp, &body, &len), 0);
	arr = json_tokener_parse(body);
	json_object_object_get_ex(json_object_array_get_idx(arr, 0), "logtail",
				  &lt);
	json_object_object_get_ex(lt, "client_time", &t);
	snprintf(want, sizeof(want),
		 "{\"logtail\":{\"client_time\":\"%s\",\"proc_id\":%" PRId64 ",\"proc_seq\":1},\"a\":\"x/y\"}\n"
		 "{\"logtail\":{\"client_time\":\"%s\",\"proc_id\":%" PRId64 ",\"proc_seq\":2},\"b\":[1,2]}\n",
		 json_object_get_string(t),
		 json_object_get_int64(json_object_object_get(lt, "proc_id")),
		 json_object_get_string(t),
		 json_object_get_int64(json_object_object_get(lt, "proc_id")));
	json_object_put(arr);

	fflush(stdout);
	saved = dup(STDOUT_FILENO);
	fd = open(path("stdout.txt"), O_WRONLY | O_CREAT | O_TRUNC, 0600);
	dup2(fd, STDOUT_FILENO);
	close(fd);
	CHECK_EQ(drain(up, sp, 5), 1);
	dup2(saved, STDOUT_FILENO);
	close(saved);
	out = read_all(path("stdout.txt"), NULL);
	CHECK_STR(out, want);
	free(out);
	upload_close(up);
	spool_close(sp);
}

/* --- configuration --------------------------------------------------- */

static void write_conf(const char *p, const char *text)
{
	FILE *f = fopen(p, "w");

	if (!f || fputs(text, f) < 0 || fclose(f))
		die(p);
}

/* The documented example sets every key to its default. */
static void test_config_defaults_match_example(const char *example)
{
	struct netlogd_config cfg, ex;
	char err[CONFIG_ERR_LEN] = "";

	CHECK_EQ(config_init(&cfg), 0);
	CHECK_EQ(cfg.poll_period_ms, 5000);
	CHECK_EQ(cfg.nodes_refresh_ms, 60000);
	CHECK_EQ(cfg.nodes_timeout_ms, 10000);
	CHECK(cfg.nodes == NULL && cfg.nodes_command == NULL);
	CHECK(cfg.routes == NULL);
	CHECK_EQ(cfg.log_exit_flows, false);
	CHECK_EQ(cfg.sink, UPLOAD_SINK_FILE);
	CHECK_STR(cfg.file_path, "/var/log/netlog/flows.jsonl");
	CHECK_STR(cfg.server, "https://log.tailscale.com");
	CHECK_STR(cfg.collection, "tailtraffic.log.tailscale.io");
	CHECK(cfg.private_id == NULL && cfg.domain_id == NULL);
	CHECK_STR(cfg.spool_dir, "/var/spool/netlog");
	CHECK_EQ(cfg.spool_cap, 64 << 20);
	CHECK_EQ(cfg.retry_min_ms, 30000);
	CHECK_EQ(cfg.retry_max_ms, 60000);
	CHECK_EQ(cfg.retry_cap_ms, 300000);
	CHECK_EQ(cfg.upload_timeout_ms, 45000);
	CHECK_EQ(cfg.compress, true);
	CHECK(cfg.netns == NULL && cfg.status_file == NULL);
	CHECK_EQ(config_check(&cfg, err, sizeof(err)), 0);

	CHECK_EQ(config_init(&ex), 0);
	CHECK_EQ(config_load(&ex, example, err, sizeof(err)), 0);
	if (err[0])
		fprintf(stderr, "%s\n", err);
	CHECK(!memcmp(&cfg, &ex, offsetof(struct netlogd_config, nodes)));
	CHECK_EQ(ex.nodes_refresh_ms, cfg.nodes_refresh_ms);
	CHECK_EQ(ex.nodes_timeout_ms, cfg.nodes_timeout_ms);
	CHECK_EQ(ex.sink, cfg.sink);
	CHECK_STR(ex.file_path, cfg.file_path);
	CHECK_STR(ex.server, cfg.server);
	CHECK_STR(ex.collection, cfg.collection);
	CHECK_STR(ex.spool_dir, cfg.spool_dir);
	CHECK_EQ(ex.spool_cap, cfg.spool_cap);
	CHECK_EQ(ex.retry_min_ms, cfg.retry_min_ms);
	CHECK_EQ(ex.retry_max_ms, cfg.retry_max_ms);
	CHECK_EQ(ex.retry_cap_ms, cfg.retry_cap_ms);
	CHECK_EQ(ex.upload_timeout_ms, cfg.upload_timeout_ms);
	CHECK_EQ(ex.compress, cfg.compress);
	CHECK_EQ(ex.log_exit_flows, cfg.log_exit_flows);
	config_free(&cfg);
	config_free(&ex);
}

static void test_config_file_values(void)
{
	struct routes *rt = NULL;
	struct netlogd_config cfg;
	struct upload_config up;
	char err[CONFIG_ERR_LEN] = "";
	const char *p = path("values.conf");

	write_conf(p,
		   "# a comment\n"
		   "   ; another\n"
		   "\n"
		   "poll_period = 500ms\n"
		   "nodes=/etc/netlog/nodes.json\n"
		   "nodes_command = tailscale status --json | jq .\n"
		   "nodes_refresh = 2m\n"
		   "routes = 10.0.0.0/8, fd00::/8 192.168.1.0/24\n"
		   "log_exit_flows = yes\n"
		   "sink = logtail\n"
		   "server = http://127.0.0.1:8080/\n"
		   "collection = test.example\n"
		   "private_id = " "4A6F1E0B8C2D3E4F5061728394A5B6C7D8E9F001122334455667788990AABBCC" "\n"
		   "domain_id = " DOM "\n"
		   "spool_cap = 1G\n"
		   "retry_min = 1\n"
		   "retry_max = 2s\n"
		   "retry_cap = 1h\n"
		   "upload_timeout = 750ms\n"
		   "compression = none\n"
		   "netns = /run/netns/gw\n"
		   "status_file = /run/netlog/status.json\n"
		   "domain_id =\n");
	CHECK_EQ(config_init(&cfg), 0);
	CHECK_EQ(config_load(&cfg, p, err, sizeof(err)), 0);
	CHECK_STR(err, "");
	CHECK_EQ(cfg.poll_period_ms, 500);
	CHECK_STR(cfg.nodes, "/etc/netlog/nodes.json");
	CHECK_STR(cfg.nodes_command, "tailscale status --json | jq .");
	CHECK_EQ(cfg.nodes_refresh_ms, 120000);
	CHECK_STR(cfg.routes, "10.0.0.0/8, fd00::/8 192.168.1.0/24");
	CHECK_EQ(cfg.log_exit_flows, true);
	CHECK_EQ(cfg.sink, UPLOAD_SINK_LOGTAIL);
	CHECK_STR(cfg.private_id, PRIV);	/* lowercased */
	CHECK(cfg.domain_id == NULL);		/* emptied by the last line */
	CHECK_EQ(cfg.spool_cap, 1ULL << 30);
	CHECK_EQ(cfg.retry_min_ms, 1000);
	CHECK_EQ(cfg.retry_max_ms, 2000);
	CHECK_EQ(cfg.retry_cap_ms, 3600000);
	CHECK_EQ(cfg.upload_timeout_ms, 750);
	CHECK_EQ(cfg.compress, false);
	CHECK_STR(cfg.netns, "/run/netns/gw");
	CHECK_STR(cfg.status_file, "/run/netlog/status.json");
	CHECK_EQ(config_check(&cfg, err, sizeof(err)), 0);
	/* What the check let through, netlogd starts with. */
	CHECK_EQ(routes_build(&rt, NULL, cfg.routes, err, sizeof(err)), 0);
	routes_free(rt);
	config_upload(&cfg, &up);
	CHECK_EQ(up.timeout_ms, 750);
	CHECK(up.private_id == cfg.private_id && up.domain_id == NULL);

	/* command-line overrides, with dashes */
	CHECK_EQ(config_set(&cfg, "retry-min", "3s", err, sizeof(err)), 0);
	CHECK_EQ(config_check(&cfg, err, sizeof(err)), -EINVAL);
	CHECK_STR(err, "retry_min: must be at most retry_max (3000ms > 2000ms)");
	CHECK_EQ(config_set(&cfg, "private-id", "", err, sizeof(err)), 0);
	CHECK_EQ(config_check(&cfg, err, sizeof(err)), -EINVAL);
	CHECK_STR(err, "private_id: the logtail sink needs one");
	config_free(&cfg);
}

/*
 * The routes that the configuration check accepts are exactly those netlogd
 * builds at start-up, with the same message for those it refuses.
 */
static void test_config_routes_agree_with_netlogd(void)
{
	static const char *const lists[] = {
		"10.0.0.0/8, fd00::/8",		/* netlogd.conf's example */
		"10.0.0.0/8 fd00::/8",
		"10.0.0.0/8\tfd00::/8 ,192.168.0.0/16",
		" 10.0.0.0/8 ",
		"10.0.0.0/08",
		"10.0.0.0/8,,fd00::/8",
		"10.0.0.0/8 ,",
		",10.0.0.0/8",
		"10.0.0.0/8 fd00::/129",
		"10.0.0.0",
	};
	char cfg_err[CONFIG_ERR_LEN], rt_err[CONFIG_ERR_LEN];
	struct netlogd_config cfg;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(lists); i++) {
		struct routes *rt = NULL;
		int want, got;

		CHECK_EQ(config_init(&cfg), 0);
		cfg_err[0] = rt_err[0] = '\0';
		got = config_set(&cfg, "routes", lists[i], cfg_err,
				 sizeof(cfg_err));
		want = routes_build(&rt, NULL, lists[i], rt_err, sizeof(rt_err));
		if (got != want)
			fprintf(stderr, "routes '%s': config %d, netlogd %d\n",
				lists[i], got, want);
		CHECK_EQ(got, want);
		CHECK_STR(cfg_err, rt_err);
		routes_free(rt);
		config_free(&cfg);
	}
	/* The example, blank-separated and with a leading zero, exactly. */
	CHECK_EQ(config_init(&cfg), 0);
	CHECK_EQ(config_set(&cfg, "routes", "10.0.0.0/8 fd00::/8", cfg_err,
			    sizeof(cfg_err)), 0);
	CHECK_EQ(config_set(&cfg, "routes", "10.0.0.0/08", cfg_err,
			    sizeof(cfg_err)), -EINVAL);
	CHECK_STR(cfg_err, "routes: bad prefix '10.0.0.0/08': bad prefix length");
	config_free(&cfg);
}

static void test_config_errors_name_line_key_and_cause(void)
{
	static const struct {
		const char *text, *want;
	} cases[] = {
		{ "sink = file\n\n# x\nprivate_id = abc\n",
		  ":4: private_id: must be 64 hex digits: 'abc'" },
		{ "colour = blue\n", ":1: colour: unknown key" },
		{ "\npoll_period\n", ":2: expected 'key = value': 'poll_period'" },
		{ "poll_period = 5x\n",
		  ":1: poll_period: must be a duration such as 500ms, 30s, 5m or 1h: '5x'" },
		{ "poll_period = 10ms\n",
		  ":1: poll_period: must be at least 100ms: '10ms'" },
		{ "poll_period = -5s\n",
		  ":1: poll_period: must be a duration such as 500ms, 30s, 5m or 1h: '-5s'" },
		{ "retry_max = 0\n", ":1: retry_max: must be positive: '0'" },
		{ "spool_cap = 10K\n", ":1: spool_cap: must be at least 64K: '10K'" },
		{ "spool_cap = 5T\n",
		  ":1: spool_cap: must be a size in bytes with an optional K, M or G: '5T'" },
		{ "spool_cap = 99999999999999999999\n",
		  ":1: spool_cap: must be a size in bytes with an optional K, M or G: '99999999999999999999'" },
		{ "spool_cap = 99999999999G\n", ":1: spool_cap: is too large: '99999999999G'" },
		{ "sink = s3\n", ":1: sink: must be file, stdout or logtail: 's3'" },
		{ "compression = zstd\n", ":1: compression: must be gzip or none: 'zstd'" },
		{ "log_exit_flows = maybe\n", ":1: log_exit_flows: must be true or false: 'maybe'" },
		{ "server = log.tailscale.com\n",
		  ":1: server: must be an http:// or https:// URL without a query: 'log.tailscale.com'" },
		{ "collection = a/b\n",
		  ":1: collection: must be a host-like name such as tailtraffic.log.tailscale.io: 'a/b'" },
		{ "routes = 10.0.0.0/33\n",
		  ":1: routes: bad prefix '10.0.0.0/33': prefix length out of range for IPv4 (0-32)" },
		{ "routes = 10.0.0.1\n",
		  ":1: routes: bad prefix '10.0.0.1': missing '/length'" },
		{ "spool_dir =\n", ":1: spool_dir: must not be empty: ''" },
	};
	char err[CONFIG_ERR_LEN], want[CONFIG_ERR_LEN];
	const char *p = path("bad.conf");
	struct netlogd_config cfg;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		write_conf(p, cases[i].text);
		config_init(&cfg);
		err[0] = '\0';
		CHECK_EQ(config_load(&cfg, p, err, sizeof(err)), -EINVAL);
		snprintf(want, sizeof(want), "%s%s", p, cases[i].want);
		CHECK_STR(err, want);
		config_free(&cfg);
	}
	config_init(&cfg);
	CHECK_EQ(config_load(&cfg, path("missing.conf"), err, sizeof(err)),
		 -ENOENT);
	snprintf(want, sizeof(want), "%s: No such file or directory",
		 path("missing.conf"));
	CHECK_STR(err, want);
	CHECK_EQ(config_set(&cfg, "upload_timeout", "0s", err, sizeof(err)),
		 -EINVAL);
	CHECK_STR(err, "upload_timeout: must be positive: '0s'");
	CHECK_EQ(config_set(&cfg, "bogus", "1", err, sizeof(err)), -EINVAL);
	CHECK_STR(err, "bogus: unknown key");
	config_free(&cfg);
}

int main(int argc, char **argv)
{
	uint64_t t0 = clock_ms(), t;

	if (argc != 3) {
		fprintf(stderr, "Usage: %s <collector.py> <netlogd.conf>\n",
			argv[0]);
		return 2;
	}
	collector_py = argv[1];
	snprintf(root, sizeof(root), "/tmp/test-upload.XXXXXX");
	if (!mkdtemp(root))
		die("mkdtemp");
	signal(SIGPIPE, SIG_IGN);
	curl_global_init(CURL_GLOBAL_DEFAULT);

#define RUN(call)							\
	do {								\
		int before_ = failures;					\
		t = clock_ms();						\
		call;							\
		printf("%s %s (%" PRIu64 " ms)\n",			\
		       failures == before_ ? "ok  " : "FAIL", #call,	\
		       clock_ms() - t);					\
		fflush(stdout);						\
	} while (0)
	RUN(test_gzip_round_trip());
	RUN(test_identity_and_no_copy_id());
	RUN(test_500_is_retried());
	RUN(test_429_retry_after());
	RUN(test_slow_reply_times_out());
	RUN(test_dropped_connection_is_retried());
	RUN(test_many_batches_in_order());
	RUN(test_file_sink());
	RUN(test_stdout_sink());
	RUN(test_config_defaults_match_example(argv[2]));
	RUN(test_config_file_values());
	RUN(test_config_routes_agree_with_netlogd());
	RUN(test_config_errors_name_line_key_and_cause());
#undef RUN
	curl_global_cleanup();
	printf("test-upload: %" PRIu64 " ms\n", clock_ms() - t0);
	if (!failures)
		nftw(root, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	else
		fprintf(stderr, "test-upload: %d failures; files in %s\n",
			failures, root);
	return failures ? 1 : 0;
}
