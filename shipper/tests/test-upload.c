// SPDX-License-Identifier: GPL-2.0
/*
 * Host tests of delivery: the uploader against tests/collector/collector.py
 * (a logtail collector that checks every request) with each fault it can
 * inject, the file and stdout sinks, and the daemon's loop killed with
 * SIGKILL in the middle of delivery to two sinks, again and again.
 *
 *   test-upload <collector.py>
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <curl/curl.h>
#include <json-c/json.h>

#include "check.h"
#include "crash.h"
#include "receiver.h"
#include "spool.h"
#include "upload.h"
#include "config.h"
#include "array.h"
#include "clock.h"

#define PRIV "4a6f1e0b8c2d3e4f5061728394a5b6c7d8e9f001122334455667788990aabbcc"
#define DOM "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"

/* --- the collector's stats ------------------------------------------- */

static const char *stat_str(struct json_object *st, const char *key, size_t i)
{
	struct json_object *v;

	if (!json_object_object_get_ex(st, key, &v) ||
	    i >= json_object_array_length(v))
		return NULL;
	return json_object_get_string(json_object_array_get_idx(v, i));
}

static size_t stat_len(struct json_object *st, const char *key)
{
	struct json_object *v;

	if (!json_object_object_get_ex(st, key, &v))
		return 0;
	return json_object_array_length(v);
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

/*
 * Spools window @w of the @n messages @msgs, then frees them: 0, or
 * SPOOL_DUPLICATE when @w was the last window spooled.
 */
static int spool_and_free(struct spool *sp, uint64_t w, char **msgs,
			  size_t *lens, size_t n)
{
	size_t i;
	int ret;

	ret = spool_put_window(sp, w, w * 1000, w * 1000 + 500,
			       (const char *const *)msgs, lens, n);
	if (ret < 0)
		die("spool_put_window");
	for (i = 0; i < n; i++)
		free(msgs[i]);
	free(msgs);
	free(lens);
	return ret;
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
	spool_and_free(sp, w, msgs, lens, n);
}

static void logtail_config(struct upload_config *cfg, const struct receiver *c,
			   bool domain)
{
	const char *kv[] = { "server", c->server, "collection",
			     UPLOAD_COLLECTION, "private_id", PRIV,
			     "domain_id", DOM };

	sink_config(cfg, "logtail", kv, domain ? 4 : 3);
}

static void http_config(struct upload_config *cfg, const struct receiver *c)
{
	logtail_config(cfg, c, true);
	cfg->codec = COMPRESS_ZSTD;
	cfg->timeout_ms = 5000;
	cfg->retry_min_ms = 50;
	cfg->retry_max_ms = 100;
	cfg->retry_cap_ms = 5000;
}

/* --- the tests ------------------------------------------------------- */

/*
 * One window, compressed with @codec: the collector decodes the body to the
 * spooled bytes exactly (for zstd: one frame with its content size and a
 * checksum), and the request carries what logtail's does and no more.
 */
static void round_trip(enum compress_codec codec)
{
	static const char *const args[] = { "--collection", UPLOAD_COLLECTION,
					    "--copy-id", DOM, NULL };
	const char *name = compress_name(codec);
	struct receiver c;
	struct upload_config cfg;
	struct upload_stats us;
	struct json_object *st;
	struct uploader *up;
	struct spool *sp = new_spool(name);
	const char *body;
	char *spooled, *got, orig[32];
	size_t len, glen;
	uint64_t next, seqs[8];

	receiver_start(&c, name, NULL, args);
	http_config(&cfg, &c);
	cfg.codec = codec;
	up = new_uploader(&cfg);
	spool_window(sp, 1, 3, 2000);
	CHECK_EQ(spool_peek_oldest(sp, &body, &len), 0);
	spooled = strdup(body);
	snprintf(orig, sizeof(orig), "%zu", len);

	CHECK_EQ(upload_step(up, sp, clock_ms(), &next), 1);
	CHECK_EQ(upload_step(up, sp, clock_ms(), &next), 0);
	CHECK(next == UINT64_MAX);
	upload_stats(up, &us);
	CHECK_EQ(us.batches, 1);
	CHECK_EQ(us.compressed, 1);
	CHECK_EQ(us.bytes, len);
	CHECK(us.wire_bytes < len / 4);
	CHECK_EQ(us.last_status, 200);

	st = receiver_stats(&c);
	CHECK_EQ(stat_at(st, "requests", NULL), 1);
	CHECK_EQ(stat_at(st, "errors", NULL), 0);
	CHECK_EQ(stat_at(st, "zstd", NULL), codec == COMPRESS_ZSTD);
	CHECK_EQ(stat_at(st, "gzip", NULL), codec == COMPRESS_GZIP);
	CHECK_EQ(stat_at(st, "identity", NULL), 0);
	CHECK_EQ(stat_at(st, "entries", NULL), 3);
	CHECK_EQ(stat_at(st, "duplicates", NULL), 0);
	CHECK_EQ(stat_at(st, "max_body", NULL), len);
	CHECK_STR(stat_str(st, "content_encoding", 0), name);
	CHECK_STR(stat_str(st, "orig_length", 0), orig);
	CHECK_STR(stat_str(st, "paths", 0),
		  "/c/" UPLOAD_COLLECTION "/" PRIV "?copyId=" DOM);
	CHECK(stat_str(st, "user_agent", 0) == NULL);
	CHECK(stat_str(st, "content_type", 0) == NULL);
	json_object_put(st);

	got = read_all(path("%s.bodies/req-1.json", name), &glen);
	CHECK(got && glen == len && !memcmp(got, spooled, len));
	CHECK_EQ(file_seqs(c.out, seqs, 8), 3);
	CHECK_EQ(seqs[0], 1);
	CHECK_EQ(seqs[2], 3);
	free(got);
	free(spooled);
	upload_close(up);
	spool_close(sp);
	receiver_stop(&c);
}

static void test_zstd_round_trip(void)
{
	round_trip(COMPRESS_ZSTD);
}

static void test_gzip_round_trip(void)
{
	round_trip(COMPRESS_GZIP);
}

/*
 * Not compressed, without Content-Encoding or Orig-Content-Length: a body
 * of 256 bytes or less, and any body with compression off. Without a
 * domain ID there is no copyId.
 */
static void test_identity_and_no_copy_id(void)
{
	static const char *const args[] = { "--copy-id", "", NULL };
	struct receiver c;
	struct upload_config cfg;
	struct upload_stats us;
	struct json_object *st;
	struct uploader *up;
	struct spool *sp = new_spool("identity");
	const char *small[] = { "{\"s\":1}" };
	size_t lens[] = { 7 };

	receiver_start(&c, "identity", NULL, args);
	http_config(&cfg, &c);
	logtail_config(&cfg, &c, false);
	cfg.timeout_ms = 5000;
	cfg.retry_min_ms = 50;
	cfg.retry_max_ms = 100;
	cfg.retry_cap_ms = 5000;
	up = new_uploader(&cfg);
	CHECK_EQ(spool_put_window(sp, 1, 1, 2, small, lens, 1), 0);
	CHECK_EQ(drain_attempts(up, sp, 5), 1);
	upload_stats(up, &us);
	CHECK(us.bytes > 64 && us.bytes <= COMPRESS_MIN);
	CHECK_EQ(us.compressed, 0);
	upload_close(up);

	cfg.codec = COMPRESS_NONE;
	up = new_uploader(&cfg);
	spool_window(sp, 2, 2, 5000);
	CHECK_EQ(drain_attempts(up, sp, 5), 1);
	upload_stats(up, &us);
	CHECK_EQ(us.compressed, 0);
	CHECK_EQ(us.wire_bytes, us.bytes);

	st = receiver_stats(&c);
	CHECK_EQ(stat_at(st, "errors", NULL), 0);
	CHECK_EQ(stat_at(st, "gzip", NULL), 0);
	CHECK_EQ(stat_at(st, "zstd", NULL), 0);
	CHECK_EQ(stat_at(st, "identity", NULL), 2);
	CHECK_EQ(stat_at(st, "entries", NULL), 3);
	CHECK_EQ(stat_len(st, "content_encoding"), 2);
	CHECK_EQ(stat_len(st, "orig_length"), 2);
	CHECK(stat_str(st, "content_encoding", 0) == NULL);
	CHECK(stat_str(st, "content_encoding", 1) == NULL);
	CHECK(stat_str(st, "orig_length", 0) == NULL);
	CHECK(stat_str(st, "orig_length", 1) == NULL);
	CHECK_STR(stat_str(st, "paths", 0), "/c/" UPLOAD_COLLECTION "/" PRIV);
	json_object_put(st);
	upload_close(up);
	spool_close(sp);
	receiver_stop(&c);
}

/* 500 twice: the third attempt delivers, each entry once. */
static void test_500_is_retried(void)
{
	static const char *const args[] = { "--fault", "500*2", NULL };
	struct receiver c;
	struct upload_config cfg;
	struct upload_stats us;
	struct json_object *st;
	struct uploader *up;
	struct spool *sp = new_spool("500");
	uint64_t t0, next, seqs[8];
	int ret;

	receiver_start(&c, "500", NULL, args);
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
	CHECK_EQ(drain_attempts(up, sp, 10), 2);

	upload_stats(up, &us);
	CHECK_EQ(us.failures, 2);
	CHECK_EQ(us.consecutive_failures, 0);
	CHECK_EQ(us.batches, 1);
	st = receiver_stats(&c);
	CHECK_EQ(stat_at(st, "requests", NULL), 3);
	CHECK_EQ(stat_at(st, "faults", NULL), 2);
	CHECK_EQ(stat_at(st, "errors", NULL), 0);
	CHECK_EQ(stat_at(st, "entries", NULL), 4);
	CHECK_EQ(stat_at(st, "duplicates", NULL), 0);
	json_object_put(st);
	CHECK_EQ(file_seqs(c.out, seqs, 8), 4);
	CHECK(seqs[0] == 1 && seqs[1] == 2 && seqs[2] == 3 && seqs[3] == 4);
	upload_close(up);
	spool_close(sp);
	receiver_stop(&c);
}

/* 429 with Retry-After: 1 is waited for, exactly; a larger one is capped. */
static void test_429_retry_after(void)
{
	static const char *const args[] = { "--fault", "429*1/1",
					    "--fault", "429*1/10", NULL };
	struct receiver c;
	struct upload_config cfg;
	struct upload_stats us;
	struct json_object *st;
	struct uploader *up;
	struct spool *sp = new_spool("429");
	uint64_t t0, t1, next;

	receiver_start(&c, "429", NULL, args);
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
	st = receiver_stats(&c);
	CHECK_EQ(stat_at(st, "requests", NULL), 3);
	CHECK_EQ(stat_at(st, "errors", NULL), 0);
	CHECK_EQ(stat_at(st, "entries", NULL), 2);
	json_object_put(st);
	printf("  429: first retry %" PRIu64 " ms after the first attempt\n",
	       t1 - t0);
	upload_close(up);
	spool_close(sp);
	receiver_stop(&c);
}

/*
 * A reply slower than the timeout: the attempt fails after the timeout, the
 * retry delivers again what the collector had stored, which de-duplicates.
 */
static void test_slow_reply_times_out(void)
{
	static const char *const args[] = { "--fault", "slow*1/3", NULL };
	struct receiver c;
	struct upload_config cfg;
	struct upload_stats us;
	struct json_object *st;
	struct uploader *up;
	struct spool *sp = new_spool("slow");
	uint64_t t0, t1, next;

	receiver_start(&c, "slow", NULL, args);
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
	/*
	 * the retry is counted from the end of the attempt (at least 490 ms
	 * after t0), not from its start; a loaded host may take a while
	 * between that end and t1
	 */
	CHECK(next >= t0 + 490 + 50 && next < t1 + 100 + 1);
	CHECK_EQ(drain_attempts(up, sp, 5), 1);
	st = receiver_stats(&c);
	CHECK_EQ(stat_at(st, "requests", NULL), 2);
	CHECK_EQ(stat_at(st, "errors", NULL), 0);
	CHECK_EQ(stat_at(st, "entries", NULL), 3);
	CHECK_EQ(stat_at(st, "duplicates", NULL), 3);
	json_object_put(st);
	printf("  slow reply: attempt gave up after %" PRIu64 " ms (timeout 500 ms)\n",
	       t1 - t0);
	upload_close(up);
	spool_close(sp);
	receiver_stop(&c);
}

/* The ticks of an attempt: how many, and the longest time between two. */
struct ticks {
	unsigned int n;
	uint64_t last, max_gap;
};

static void count_tick(void *arg)
{
	struct ticks *t = arg;
	uint64_t now = clock_ms();

	if (now - t->last > t->max_gap)
		t->max_gap = now - t->last;
	t->last = now;
	t->n++;
}

/*
 * A reply that takes 2.5 s: the tick (netlogd's watchdog ping) comes at
 * least once a second all along, and the batch is delivered.
 */
static void test_tick_during_slow_reply(void)
{
	static const char *const args[] = { "--fault", "slow*1/2.5", NULL };
	struct receiver c;
	struct upload_config cfg;
	struct uploader *up;
	struct spool *sp = new_spool("tick");
	struct ticks t = { 0 };
	uint64_t t0, next;

	receiver_start(&c, "tick", NULL, args);
	http_config(&cfg, &c);
	cfg.timeout_ms = 10000;
	cfg.tick = count_tick;
	cfg.tick_arg = &t;
	up = new_uploader(&cfg);
	spool_window(sp, 1, 2, 300);

	t0 = t.last = clock_ms();
	CHECK_EQ(upload_step(up, sp, t0, &next), 1);
	count_tick(&t);
	CHECK(clock_ms() - t0 >= 2500);
	CHECK(t.n >= 4);
	CHECK(t.max_gap <= 1100);
	printf("  slow reply: %u ticks in %" PRIu64 " ms, at most %" PRIu64
	       " ms apart\n", t.n, clock_ms() - t0, t.max_gap);
	upload_close(up);
	spool_close(sp);
	receiver_stop(&c);
}

/*
 * netlogd's stop: an attempt still running at the deadline is given up within
 * a second of it, whatever the upload timeout; the batch stays spooled.
 */
static void test_deadline_stops_an_attempt(void)
{
	static const char *const args[] = { "--fault", "slow*1/4", NULL };
	struct receiver c;
	struct upload_config cfg;
	struct upload_stats us;
	struct uploader *up;
	struct spool *sp = new_spool("deadline");
	uint64_t t0, t1, next;

	receiver_start(&c, "deadline", NULL, args);
	http_config(&cfg, &c);
	cfg.timeout_ms = 10000;
	up = new_uploader(&cfg);
	spool_window(sp, 1, 2, 300);

	t0 = clock_ms();
	upload_set_deadline(up, t0 + 1000);
	CHECK_EQ(upload_step(up, sp, t0, &next), -EAGAIN);
	t1 = clock_ms();
	CHECK(t1 - t0 >= 1000 && t1 - t0 < 2500);
	upload_stats(up, &us);
	CHECK_EQ(us.last_status, 0);
	printf("  deadline: attempt stopped after %" PRIu64 " ms: %s\n",
	       t1 - t0, us.last_error);
	upload_set_deadline(up, 0);
	CHECK_EQ(drain_attempts(up, sp, 5), 1);
	upload_close(up);
	spool_close(sp);
	receiver_stop(&c);
}

/* The connection dropped in the middle of the request: retried. */
static void test_dropped_connection_is_retried(void)
{
	static const char *const args[] = { "--fault", "drop*1", NULL };
	struct receiver c;
	struct upload_config cfg;
	struct upload_stats us;
	struct json_object *st;
	struct uploader *up;
	struct spool *sp = new_spool("drop");
	uint64_t next;

	receiver_start(&c, "drop", NULL, args);
	http_config(&cfg, &c);
	up = new_uploader(&cfg);
	spool_window(sp, 1, 2, 20000);

	CHECK_EQ(upload_step(up, sp, clock_ms(), &next), -EAGAIN);
	upload_stats(up, &us);
	CHECK_EQ(us.last_status, 0);
	CHECK_EQ(drain_attempts(up, sp, 5), 1);
	st = receiver_stats(&c);
	CHECK_EQ(stat_at(st, "requests", NULL), 2);
	CHECK_EQ(stat_at(st, "faults", NULL), 1);
	CHECK_EQ(stat_at(st, "errors", NULL), 0);
	CHECK_EQ(stat_at(st, "entries", NULL), 2);
	CHECK_EQ(stat_at(st, "duplicates", NULL), 0);
	json_object_put(st);
	upload_close(up);
	spool_close(sp);
	receiver_stop(&c);
}

/*
 * Windows worth over 1 MB: every body is at most 256 KiB uncompressed and
 * the collector gets proc_seq 1..N in order, once each. Faults at random
 * on the way change nothing.
 */
static void test_many_batches_in_order(void)
{
	static const char *const args[] = { "--fault", "500@0.3", NULL };
	struct receiver c;
	struct upload_config cfg;
	struct json_object *st;
	struct uploader *up;
	struct spool *sp = new_spool("many");
	struct spool_stats ss;
	uint64_t seqs[200];
	size_t n, i;
	int w;

	receiver_start(&c, "many", NULL, args);
	http_config(&cfg, &c);
	cfg.retry_min_ms = 1;
	cfg.retry_max_ms = 5;
	up = new_uploader(&cfg);
	for (w = 1; w <= 3; w++)
		spool_window(sp, w, 40, 10000);
	spool_stats(sp, &ss);
	CHECK_EQ(ss.entries, 120);
	CHECK(ss.batches >= 6);
	CHECK(drain_attempts(up, sp, 200) >= (int)ss.batches);
	st = receiver_stats(&c);
	CHECK_EQ(stat_at(st, "errors", NULL), 0);
	CHECK_EQ(stat_at(st, "entries", NULL), 120);
	CHECK_EQ(stat_at(st, "duplicates", NULL), 0);
	CHECK_EQ(stat_at(st, "ok", NULL), ss.batches);
	CHECK(stat_at(st, "max_body", NULL) <= SPOOL_BATCH_MAX);
	CHECK(stat_at(st, "max_body", NULL) > SPOOL_BATCH_MAX - 12000);
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
	receiver_stop(&c);
}

/* A file sink writing to @file, with short retries. */
static void file_sink_config(struct upload_config *cfg, const char *file)
{
	const char *kv[] = { "path", file };

	sink_config(cfg, "file", kv, 1);
	cfg->timeout_ms = 1000;
	cfg->retry_min_ms = 10;
	cfg->retry_max_ms = 20;
	cfg->retry_cap_ms = 100;
}

/*
 * The file sink: one compact entry per line. A batch delivered again (the
 * daemon crashed before deleting it) adds nothing, even to a new process;
 * a torn last line is cut.
 */
static void test_file_sink(void)
{
	const char *file_path = path("log/netlog/flows.jsonl");
	struct upload_config cfg;
	struct upload_stats us;
	struct uploader *up;
	struct spool *sp = new_spool("file");
	const char *body;
	char *copy, *data;
	size_t len, size_before;
	uint64_t seqs[16], delay;
	int fd;

	file_sink_config(&cfg, file_path);
	up = new_uploader(&cfg);

	spool_window(sp, 1, 2, 100);
	spool_window(sp, 2, 3, 100);
	CHECK_EQ(spool_peek_oldest(sp, &body, &len), 0);
	copy = strdup(body);
	CHECK_EQ(drain_attempts(up, sp, 5), 2);
	CHECK_EQ(file_seqs(file_path, seqs, 16), 5);
	CHECK(seqs[0] == 1 && seqs[4] == 5);
	upload_stats(up, &us);
	CHECK_EQ(us.entries, 5);
	CHECK_EQ(us.batches, 2);
	/* each line is the entry as json-c prints it, compact */
	data = read_all(file_path, &size_before);
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
	CHECK_EQ(file_seqs(file_path, seqs, 16), 5);
	upload_close(up);

	/* a torn line from a crash in the middle of a write */
	fd = open(file_path, O_WRONLY | O_APPEND);
	CHECK(fd >= 0 && write(fd, "{\"logtail\":{\"proc", 17) == 17);
	close(fd);
	up = new_uploader(&cfg);
	free(read_all(file_path, &len));
	CHECK_EQ(len, size_before);
	spool_window(sp, 3, 1, 100);
	CHECK_EQ(drain_attempts(up, sp, 5), 1);
	CHECK_EQ(file_seqs(file_path, seqs, 16), 6);
	CHECK_EQ(seqs[5], 6);

	/* a body that is not a JSON array cannot be retried into shape */
	CHECK_EQ(upload_send(up, "[{\"a\":", 6, &delay), -EBADMSG);
	free(copy);
	upload_close(up);
	spool_close(sp);
}

static void test_stdout_sink(void)
{
	struct upload_config cfg;
	struct uploader *up;
	struct spool *sp = new_spool("stdout");
	const char *msgs[] = { "{\"a\":\"x/y\"}", "{\"b\":[1,2]}" };
	size_t lens[] = { 11, 11 }, len;
	char *out, want[512];
	const char *body;
	struct json_object *arr, *lt, *t;
	int saved, fd;

	sink_config(&cfg, "stdout", NULL, 0);
	cfg.timeout_ms = 1000;
	cfg.retry_min_ms = 10;
	cfg.retry_max_ms = 20;
	cfg.retry_cap_ms = 100;
	up = new_uploader(&cfg);

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
	CHECK_EQ(drain_attempts(up, sp, 5), 1);
	dup2(saved, STDOUT_FILENO);
	close(saved);
	out = read_all(path("stdout.txt"), NULL);
	CHECK_STR(out, want);
	free(out);
	upload_close(up);
	spool_close(sp);
}

/* --- the http sink and several sinks ---------------------------------- */

/*
 * Window @w of @n netlogtype.Messages as Tailscale's are, about @flows
 * flows each, each record unique (the receiver keys them by content):
 * message i is node nTEST<w>CNTRL's, its flows from 100.64.0.1:<1024 + i>.
 * Returns spool_and_free()'s 0 or SPOOL_DUPLICATE.
 */
static int spool_flows(struct spool *sp, uint64_t w, size_t n,
			 size_t flows)
{
	char **msgs = calloc(n, sizeof(*msgs));
	size_t *lens = calloc(n, sizeof(*lens)), i, j;

	for (i = 0; i < n; i++) {
		FILE *f = open_memstream(&msgs[i], &lens[i]);

		fprintf(f, "{\"nodeId\":\"nTEST%" PRIu64 "CNTRL\",\"start\":\"2026-11-30T00:%02" PRIu64 ":00Z\",\"end\":\"2026-11-30T00:%02" PRIu64 ":05Z\",\"virtualTraffic\":[",
			w, w % 60, w % 60);
		for (j = 0; j < flows; j++)
			fprintf(f, "%s{\"proto\":6,\"src\":\"100.64.0.1:%zu\",\"dst\":\"100.64.%" PRIu64 ".2:443\",\"txPkts\":3,\"txBytes\":180}",
				j ? "," : "", 1024 + i, w % 250 + j % 2);
		fprintf(f, "]}");
		fclose(f);
	}
	return spool_and_free(sp, w, msgs, lens, n);
}

static void http_sink_config(struct upload_config *cfg,
			     const struct receiver *c, const char *rejected)
{
	char url[96];
	const char *kv[] = { "url", url };

	snprintf(url, sizeof(url), "%s/ingest", c->server);
	sink_config(cfg, "http", kv, 1);
	cfg->name = "h1";
	cfg->timeout_ms = 5000;
	cfg->retry_min_ms = 50;
	cfg->retry_max_ms = 100;
	cfg->retry_cap_ms = 2000;
	cfg->rejected_dir = rejected;
}

static size_t count_lines(const char *p)
{
	char *data = read_all(p, NULL), *q;
	size_t n = 0;

	for (q = data; q && *q; q++)
		n += *q == '\n';
	free(data);
	return n;
}

/*
 * NDJSON to a protocol-exact receiver, with each compression: every
 * record stored once, the body encoded as configured.
 */
static void test_http_sink_round_trip(enum compress_codec codec)
{
	static const char *const args[] = { "--path", "/ingest", NULL };
	const char *name = compress_name(codec);
	char sname[32];
	struct receiver c;
	struct upload_config cfg;
	struct upload_stats us;
	struct json_object *st;
	struct uploader *up;
	struct spool *sp;

	snprintf(sname, sizeof(sname), "http-%s", name);
	sp = new_spool(sname);
	receiver_start(&c, sname, "http", args);
	http_sink_config(&cfg, &c, NULL);
	cfg.codec = codec;
	up = new_uploader(&cfg);
	spool_flows(sp, 1, 3, 20);
	spool_flows(sp, 2, 4, 20);
	CHECK_EQ(drain_attempts(up, sp, 10), 2);
	upload_stats(up, &us);
	CHECK_EQ(us.batches, 2);
	CHECK_EQ(us.entries, 7);
	CHECK_EQ(us.compressed, codec == COMPRESS_NONE ? 0 : 2);
	CHECK_EQ(us.failures, 0);
	st = receiver_stats(&c);
	CHECK_EQ(stat_at(st, "requests", NULL), 2);
	CHECK_EQ(stat_at(st, "accepted", NULL), 7);
	CHECK_EQ(stat_at(st, "errors", NULL), 0);
	CHECK_EQ(stat_at(st, "duplicates", NULL), 0);
	CHECK_EQ(stat_at(st, "encoding", name), 2);
	CHECK_EQ(stat_at(st, "content_type", "application/x-ndjson"), 2);
	json_object_put(st);
	CHECK_EQ(count_lines(c.out), 7);
	upload_close(up);
	spool_close(sp);
	receiver_stop(&c);
}

/*
 * 500, 429 with Retry-After and a dropped connection are retried, the
 * records stored once; a 400 sets the batch aside in rejected/NAME/ with
 * its status and the reply's first KiB, counts it, and the cursor goes on.
 */
static void test_http_sink_faults_and_rejection(void)
{
	static const char *const args[] = { "--fault", "500*2", "--fault",
					    "429*1/1", NULL };
	char *spooled = NULL, *got, *reply;
	const char *rej = path("http-faults.rejected/h1");
	struct receiver c;
	struct upload_config cfg;
	struct upload_stats us;
	struct spool_cursor_stats cs;
	struct json_object *st;
	struct uploader *up;
	struct spool *sp = new_spool("http-faults");
	struct spool_item it;
	struct buf b = { 0 };
	uint64_t t0;
	size_t len, glen;
	int cur;

	receiver_start(&c, "http-faults", "http", args);
	http_sink_config(&cfg, &c, rej);
	up = new_uploader(&cfg);
	spool_flows(sp, 1, 2, 5);
	spool_flows(sp, 2, 3, 5);
	spool_flows(sp, 3, 1, 5);
	t0 = clock_ms();
	/* 500, 500, 429 (1 s): the first batch on the 4th attempt */
	CHECK_EQ(drain_attempts(up, sp, 4), 4);
	CHECK(clock_ms() - t0 >= 1000);
	upload_stats(up, &us);
	CHECK_EQ(us.failures, 3);
	CHECK_EQ(us.batches, 1);
	CHECK_EQ(us.last_delay_ms, 1000);
	receiver_fault(&c, "400");
	/* the second batch meets the 400 */
	CHECK_EQ(spool_cursor_add(sp, "h1", &cur), 0);
	CHECK_EQ(spool_cursor_read(sp, cur, &b, &it), 0);
	spooled = strndup(b.data, b.len);
	len = b.len;
	buf_free(&b);
	CHECK_EQ(drain_attempts(up, sp, 5), 2);
	upload_stats(up, &us);
	CHECK_EQ(us.batches, 2);
	CHECK_EQ(us.rejected, 1);
	CHECK_EQ(us.entries, 3);
	CHECK_EQ(us.last_status, 200);
	upload_cursor_stats(up, sp, &cs);
	CHECK_EQ(cs.batches, 0);
	CHECK_EQ(cs.next_seq, 7);
	got = read_all(path("http-faults.rejected/h1/%s", it.name), &glen);
	CHECK(got && glen == len && !memcmp(got, spooled, len));
	reply = read_all(path("http-faults.rejected/h1/%s.reply", it.name), NULL);
	CHECK_STR(reply, "status 400\ninjected fault\n");
	st = receiver_stats(&c);
	CHECK_EQ(stat_at(st, "accepted", NULL), 3);
	CHECK_EQ(stat_at(st, "duplicates", NULL), 0);
	CHECK_EQ(stat_at(st, "errors", NULL), 0);
	CHECK_EQ(stat_at(st, "faults", NULL), 4);
	json_object_put(st);
	free(got);
	free(reply);
	free(spooled);
	upload_close(up);
	spool_close(sp);
	receiver_stop(&c);
}
enum { TWO_W = 30, TWO_PERIOD = 200, TWO_A_TIMEOUT = 1000 };

/* Sink a, logtail to @ca, and sink b, http to @cb: short retries. */
static void two_sinks_open(struct uploader **ups, struct spool *sp,
			   const struct receiver *ca,
			   const struct receiver *cb)
{
	struct upload_config cfg;
	const char *kvb[2];
	char url[96];

	logtail_config(&cfg, ca, false);
	cfg.name = "a";
	cfg.timeout_ms = TWO_A_TIMEOUT;
	cfg.retry_min_ms = cfg.retry_max_ms = 100;
	cfg.retry_cap_ms = 1000;
	ups[0] = new_uploader(&cfg);
	snprintf(url, sizeof(url), "%s/", cb->server);
	kvb[0] = "url";
	kvb[1] = url;
	sink_config(&cfg, "http", kvb, 1);
	cfg.name = "b";
	cfg.timeout_ms = 5000;
	cfg.retry_min_ms = cfg.retry_max_ms = 100;
	cfg.retry_cap_ms = 1000;
	ups[1] = new_uploader(&cfg);
	/* as netlogd does at start: both cursors before the first batch */
	CHECK_EQ(upload_attach(ups[0], sp), 0);
	CHECK_EQ(upload_attach(ups[1], sp), 0);
}

/*
 * The daemon's loop, scaled down: a window every TWO_PERIOD ms, the sinks
 * run at once and whenever one is due; A's collector fails 30 times from
 * window 5 on. Returns B's worst delay from spool to delivery.
 */
static uint64_t two_sinks_run(struct uploader **ups, struct spool *sp,
			      const struct receiver *ca)
{
	struct spool_cursor_stats cs;
	uint64_t next = 0, worst = 0, w, t, spooled, due;
	size_t i;

	for (w = 1; w <= TWO_W; w++) {
		if (w == 5)
			receiver_fault(ca, "500*30");
		spool_flows(sp, w, 2, 40);
		spooled = clock_ms();
		due = spooled + TWO_PERIOD;
		next = upload_run(ups, 2, sp, spooled);
		t = clock_ms();
		upload_cursor_stats(ups[1], sp, &cs);
		CHECK_EQ(cs.batches, 0);	/* B has it already */
		if (t - spooled > worst)
			worst = t - spooled;
		while (next < due) {
			sleep_until(next);
			next = upload_run(ups, 2, sp, clock_ms());
		}
		sleep_until(due);
	}
	for (i = 0; i < 100 && next != UINT64_MAX; i++) {
		sleep_until(next);
		next = upload_run(ups, 2, sp, clock_ms());
	}
	CHECK(next == UINT64_MAX);
	return worst;
}

/*
 * A's collector: 1..2W in order, the marker of @dropped entries, then one
 * gap of exactly @dropped.
 */
static void check_one_gap(const struct receiver *ca, uint64_t dropped)
{
	uint64_t seqs[2 * TWO_W + 8], w;
	size_t n, i, gap = 0, marker_at = 0;
	char *data, *line, *save;

	n = file_seqs(ca->out, seqs, ARRAY_SIZE(seqs));
	CHECK_EQ(n, 2 * TWO_W - dropped + 1);
	data = read_all(ca->out, NULL);
	for (i = 0, line = strtok_r(data, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save), i++)
		if (!strncmp(line, "{\"text\":", 8))
			marker_at = i;
	free(data);
	CHECK(marker_at > 0 && marker_at + 1 < n);
	for (i = 0, w = 1; i < n && i < ARRAY_SIZE(seqs); i++) {
		if (i == marker_at)
			continue;
		if (seqs[i] != w) {
			gap += seqs[i] - w;
			CHECK(i == marker_at + 1);	/* the marker, then the gap's end */
		}
		w = seqs[i] + 1;
	}
	CHECK_EQ(gap, dropped);
	CHECK_EQ(w, 2 * TWO_W + 1);
}

/*
 * Sink A (logtail) fails for a while, long enough for the spool's cap to
 * drop what it had not taken; sink B (http) gets every window within a
 * poll period and one attempt of A's, as the daemon's loop runs them
 * (upload_run()). A then recovers: each entry once, one gap in proc_seq
 * exactly as long as the cap's drop, and the "N logs dropped" marker, to
 * A alone, just before the gap's end.
 */
static void test_two_sinks_one_failing(void)
{
	struct receiver ca, cb;
	struct upload_stats ua, ub;
	struct spool_stats ss;
	struct uploader *ups[2];
	struct spool *sp;
	struct json_object *st;
	uint64_t worst;

	if (spool_open(path("two.spool"), 64 << 10, &sp))
		exit(1);
	receiver_start(&ca, "two-a", NULL, NULL);
	receiver_start(&cb, "two-b", "http", NULL);
	two_sinks_open(ups, sp, &ca, &cb);
	worst = two_sinks_run(ups, sp, &ca);
	printf("  two sinks: B's worst delay %" PRIu64 " ms\n", worst);
	CHECK(worst <= TWO_PERIOD + TWO_A_TIMEOUT);

	spool_stats(sp, &ss);
	upload_stats(ups[0], &ua);
	upload_stats(ups[1], &ub);
	CHECK(ss.dropped > 0);
	CHECK_EQ(ua.dropped, ss.dropped);
	CHECK_EQ(ub.dropped, 0);
	CHECK_EQ(ua.failures, 30);
	CHECK_EQ(ub.failures, 0);
	CHECK_EQ(ub.entries, 2 * TWO_W);
	st = receiver_stats(&cb);
	CHECK_EQ(stat_at(st, "accepted", NULL), 2 * TWO_W);
	CHECK_EQ(stat_at(st, "duplicates", NULL), 0);
	CHECK_EQ(stat_at(st, "errors", NULL), 0);
	json_object_put(st);
	st = receiver_stats(&ca);
	CHECK_EQ(stat_at(st, "entries", NULL), 2 * TWO_W - (int64_t)ss.dropped);
	CHECK_EQ(stat_at(st, "duplicates", NULL), 0);
	CHECK_EQ(stat_at(st, "errors", NULL), 0);
	CHECK_EQ(stat_len(st, "markers"), 1);
	CHECK_EQ(json_object_get_int64(json_object_array_get_idx(
			 json_object_object_get(st, "markers"), 0)),
		 (int64_t)ss.dropped);
	json_object_put(st);
	check_one_gap(&ca, ss.dropped);
	upload_close(ups[0]);
	upload_close(ups[1]);
	spool_close(sp);
	receiver_stop(&ca);
	receiver_stop(&cb);
}

/* --- kill -9 in the middle of delivery ------------------------------ */

enum { KILL_ROUNDS = 40, KILL_RECORDS = 3 };

/*
 * What each incarnation of the daemon is given: its spool, the kernel's
 * acknowledgements, its sinks (the file sink, then the http sink, whose
 * receiver is @http) and the pipe its HTTP attempts tick into.
 */
struct kill_run {
	char spool[320], ackfile[320], file[320];
	const struct receiver *http;
	struct upload_config cfg[2];
	int tick_fd;
};

/* A byte into the pipe at each tick: an HTTP attempt is running. */
static void tick_byte(void *arg)
{
	const int *fd = arg;

	/* a full pipe is fine: the parent has the news already */
	if (write(*fd, "t", 1) < 0)
		return;
}

/*
 * receiver.py for the http sink, its stderr in NAME.stderr: a client killed
 * before it read a reply resets the connection, and Python prints the
 * traceback of each.
 */
static void receiver_start_quiet(struct receiver *c, const char *name,
				 const char *const *args)
{
	int saved = dup(STDERR_FILENO);
	int fd = open(path("%s.stderr", name),
		      O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

	if (saved < 0 || fd < 0 || dup2(fd, STDERR_FILENO) < 0)
		die("stderr");
	close(fd);
	receiver_start(c, name, "http", args);
	dup2(saved, STDERR_FILENO);
	close(saved);
}

static void kill_sinks(struct kill_run *kr, const struct receiver *c)
{
	file_sink_config(&kr->cfg[0], kr->file);
	kr->cfg[0].name = "file";
	http_sink_config(&kr->cfg[1], c, NULL);
	kr->cfg[1].name = "http";
	kr->cfg[1].tick = tick_byte;
	kr->cfg[1].tick_arg = &kr->tick_fd;
	kr->http = c;
}

/*
 * netlogd, scaled down: the spool and both sinks opened as at its start,
 * then a window at a time spooled, acknowledged and delivered to every sink
 * (upload_run()), until killed. The @last one spools only the window after
 * the last acknowledged (spooled already if a kill came before its
 * acknowledgement), delivers everything and exits 0.
 */
static void delivery_child(const struct kill_run *kr, bool last)
{
	struct uploader *ups[2];
	struct spool *sp;
	uint64_t w = ack_read(kr->ackfile), next;
	size_t i;

	alarm(20);	/* one that hangs fails the test */
	if (spool_open(kr->spool, 0, &sp))
		_exit(2);
	for (i = 0; i < 2; i++)
		if (upload_open(&kr->cfg[i], &ups[i]) ||
		    upload_attach(ups[i], sp))
			_exit(3);
	if (spool_cursor_prune(sp))
		_exit(4);
	do {
		spool_flows(sp, ++w, KILL_RECORDS, 2);
		if (ack_write(kr->ackfile, w))
			_exit(5);
		next = upload_run(ups, 2, sp, clock_ms());
		while (next != UINT64_MAX) {
			sleep_until(next);
			next = upload_run(ups, 2, sp, clock_ms());
		}
	} while (!last);
	_exit(0);
}

/*
 * When each kill comes, round by round: at random; while an HTTP attempt
 * runs; while a cursor is replaced; while a window is spooled.
 */
enum kill_at { KILL_ANY, KILL_HTTP, KILL_CURSOR, KILL_SPOOL, KILL_KINDS };

/* The kills that left a cursor half replaced, a window half spooled. */
struct kill_tally {
	unsigned int cursor, window;
};

/* Whether a file whose name ends in @suffix is created in @ino's folder. */
static bool created(int ino, const char *suffix)
{
	char buf[4096]
		__attribute__((aligned(__alignof__(struct inotify_event))));
	ssize_t n = read(ino, buf, sizeof(buf)), off;

	for (off = 0; off < n; ) {
		const struct inotify_event *ev = (const void *)(buf + off);
		size_t len = ev->len ? strlen(ev->name) : 0;

		if (len > strlen(suffix) &&
		    !strcmp(ev->name + len - strlen(suffix), suffix))
			return true;
		off += sizeof(*ev) + ev->len;
	}
	return false;
}

/*
 * Waits, 5 s at most, for moment @at of a child: the first byte of its
 * ticks (@tick), or the first file it creates that @ino sees.
 */
static bool kill_moment(enum kill_at at, int tick, int ino)
{
	struct pollfd pfd = { .fd = at == KILL_HTTP ? tick : ino,
			      .events = POLLIN };
	uint64_t end = clock_ms() + 5000, now;

	if (at == KILL_ANY)
		return true;
	while ((now = clock_ms()) < end && poll(&pfd, 1, end - now) == 1)
		if (at == KILL_HTTP ||
		    created(ino, at == KILL_CURSOR ? ".tmp" : ".pend"))
			return true;
	return false;
}

/*
 * Incarnation @round, killed: at random 1 to 150 ms after it starts; 0 to
 * 150 ms into its first HTTP attempt, whose request the receiver stores
 * and then answers 200 ms late; or at most 0.5 ms after it begins to replace
 * a cursor or to spool a window.
 */
static void kill_round(struct kill_run *kr, int round, struct kill_tally *t)
{
	enum kill_at at = round % KILL_KINDS;
	const char *dir = at == KILL_CURSOR ? path("kill.spool/cursors") :
					      kr->spool;
	int fds[2], ino;
	pid_t pid;

	if (at == KILL_HTTP)
		receiver_fault(kr->http, "slow*1/0.2");
	ino = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (ino < 0 || inotify_add_watch(ino, dir, IN_CREATE) < 0)
		die(dir);
	if (pipe2(fds, O_NONBLOCK | O_CLOEXEC))
		die("pipe2");
	pid = crash_fork();
	if (!pid) {
		close(fds[0]);
		kr->tick_fd = fds[1];
		delivery_child(kr, false);
	}
	close(fds[1]);
	CHECK(kill_moment(at, fds[0], ino));
	if (at == KILL_ANY || at == KILL_HTTP)
		usleep((at == KILL_ANY) * 1000 + rand() % 150000);
	else
		usleep(rand() % 500);
	crash_kill(pid);
	close(fds[0]);
	close(ino);
	t->cursor += at == KILL_CURSOR && count_files(dir, ".tmp");
	t->window += at == KILL_SPOOL && count_files(dir, ".pend");
}

/* A member of a record's first flow, "" if there is none. */
static const char *first_flow(struct json_object *rec, const char *key)
{
	struct json_object *vt, *v;
	const char *s = NULL;

	if (json_object_object_get_ex(rec, "virtualTraffic", &vt) &&
	    json_object_object_get_ex(json_object_array_get_idx(vt, 0), key,
				      &v))
		s = json_object_get_string(v);
	return s ? s : "";
}

/*
 * The receiver's records (@p) by the proc_seq of their entry, which
 * spool_flows() wrote in the node and the flows: @seen[seq] counts each
 * seq up to @n. Returns the number of records.
 */
static size_t record_seqs(const char *p, unsigned int *seen, size_t n)
{
	char *data = read_all(p, NULL), *line, *save = NULL;
	size_t lines = 0;

	for (line = data ? strtok_r(data, "\n", &save) : NULL; line;
	     line = strtok_r(NULL, "\n", &save), lines++) {
		struct json_object *rec = json_tokener_parse(line), *node;
		unsigned int port = 0, w = 0;
		uint64_t seq;

		if (json_object_object_get_ex(rec, "nodeId", &node))
			sscanf(json_object_get_string(node), "nTEST%u", &w);
		sscanf(first_flow(rec, "src"), "100.64.0.1:%u", &port);
		seq = (uint64_t)(w - 1) * KILL_RECORDS + port - 1024 + 1;
		if (w && port >= 1024 && port < 1024 + KILL_RECORDS && seq <= n)
			seen[seq]++;
		json_object_put(rec);
	}
	free(data);
	return lines;
}

/*
 * Sink @name's cursor: "next_seq N", its only line, or no file before its
 * first incarnation ran (1 then: nothing delivered).
 */
static uint64_t cursor_pos(const char *name)
{
	char *data = read_all(path("kill.spool/cursors/%s", name), NULL);
	uint64_t pos = 1;
	int len = -1;

	if (data) {
		sscanf(data, "next_seq %" SCNu64 "\n%n", &pos, &len);
		if (len < 0 || data[len])
			check_str("cursor file", data, "next_seq N\n");
	}
	free(data);
	return pos;
}

/*
 * After a kill: what a sink holds past its cursor, which the next
 * incarnation sends again, is the batch in flight at the kill at most.
 */
static void check_one_batch_ahead(const struct kill_run *kr,
				  const struct receiver *c)
{
	size_t n = (ack_read(kr->ackfile) + 1) * KILL_RECORDS, i, ahead = 0;
	unsigned int *seen = calloc(n + 1, sizeof(*seen));
	uint64_t *seqs = calloc(n + 1, sizeof(*seqs)), pos;
	size_t lines = file_seqs(kr->file, seqs, n + 1);

	pos = cursor_pos("file");
	for (i = 0; i < lines && i <= n; i++)
		ahead += seqs[i] >= pos;
	CHECK(ahead <= KILL_RECORDS);
	record_seqs(c->out, seen, n);
	pos = cursor_pos("http");
	for (i = pos, ahead = 0; i <= n; i++)
		ahead += seen[i] > 0;
	CHECK(ahead <= KILL_RECORDS);
	free(seen);
	free(seqs);
}

/*
 * The http sink: every record of the @w windows stored once; the repeats
 * are whole batches, one at most a kill. Each window is one batch: every
 * request past @w is a batch sent again. Returns how many were.
 */
static int64_t check_kill_http(const struct receiver *c, uint64_t w)
{
	struct json_object *st = receiver_stats(c);
	int64_t again = stat_at(st, "requests", NULL) - (int64_t)w;
	size_t n = w * KILL_RECORDS, once = 0, i;
	unsigned int *seen = calloc(n + 1, sizeof(*seen));

	CHECK_EQ(stat_at(st, "errors", NULL), 0);
	CHECK_EQ(stat_at(st, "accepted", NULL), n);
	CHECK(again >= 0 && again <= KILL_ROUNDS);
	CHECK_EQ(stat_at(st, "duplicates", NULL), again * KILL_RECORDS);
	CHECK_EQ(stat_at(st, "lines", NULL), n + again * KILL_RECORDS);
	json_object_put(st);
	CHECK_EQ(record_seqs(c->out, seen, n), n);
	for (i = 1; i <= n; i++)
		once += seen[i] == 1;
	CHECK_EQ(once, n);
	free(seen);
	return again;
}

/* The file sink: proc_seq 1 to n, each once, in order (a torn line has 0). */
static void check_kill_file(const struct kill_run *kr, uint64_t w)
{
	size_t n = w * KILL_RECORDS, i;
	uint64_t *seqs = calloc(n + 1, sizeof(*seqs));

	CHECK_EQ(file_seqs(kr->file, seqs, n + 1), n);
	for (i = 0; i < n; i++)
		if (seqs[i] != i + 1) {
			CHECK_EQ(seqs[i], i + 1);
			break;
		}
	free(seqs);
}

/*
 * The spool once all is delivered: empty, nothing half done, each window
 * spooled once, both cursors past the last entry.
 */
static void check_kill_spool(const struct kill_run *kr, uint64_t w)
{
	struct spool_stats ss;
	struct spool *sp;

	if (spool_open(kr->spool, 0, &sp))
		die(kr->spool);
	spool_stats(sp, &ss);
	spool_close(sp);
	CHECK_EQ(ss.batches, 0);
	CHECK_EQ(ss.entries, 0);
	CHECK_EQ(ss.next_seq, w * KILL_RECORDS + 1);
	CHECK_EQ(count_files(kr->spool, ".batch"), 0);
	CHECK_EQ(count_files(kr->spool, ".pend"), 0);
	CHECK_EQ(count_files(kr->spool, ".tmp"), 0);
	CHECK_EQ(count_files(path("kill.spool/cursors"), ".tmp"), 0);
	CHECK_EQ(cursor_pos("file"), ss.next_seq);
	CHECK_EQ(cursor_pos("http"), ss.next_seq);
}

/*
 * kill -9, KILL_ROUNDS times, of a daemon that spools windows and delivers
 * them to a file sink and an http sink; each killed one is followed by a
 * new one on the same spool. Nothing is lost: the file has every entry
 * once, in order; the receiver every record once and, besides, only the
 * batches a kill interrupted. In the end the spool is empty and both
 * cursors are past its last entry.
 */
static void test_killed_mid_delivery_loses_nothing(void)
{
	const char *env = getenv("TEST_SEED");
	unsigned int seed = env ? strtoul(env, NULL, 0) :
			    (unsigned int)(time(NULL) ^ getpid());
	static const char *const args[] = { "--path", "/ingest", NULL };
	struct kill_run kr = { .tick_fd = -1 };
	struct kill_tally t = { 0 };
	struct receiver c;
	uint64_t t0 = clock_ms(), w;
	int64_t again;
	int round, status;
	pid_t pid;

	snprintf(kr.spool, sizeof(kr.spool), "%s", path("kill.spool"));
	snprintf(kr.ackfile, sizeof(kr.ackfile), "%s", path("kill.ack"));
	snprintf(kr.file, sizeof(kr.file), "%s", path("kill.jsonl"));
	/* watched from the first round on: the spool finds them made */
	if (mkdir(kr.spool, 0700) || mkdir(path("kill.spool/cursors"), 0700))
		die(kr.spool);
	receiver_start_quiet(&c, "kill-http", args);
	kill_sinks(&kr, &c);
	srand(seed);
	for (round = 0; round < KILL_ROUNDS; round++) {
		kill_round(&kr, round, &t);
		check_one_batch_ahead(&kr, &c);
	}
	pid = crash_fork();
	if (!pid)
		delivery_child(&kr, true);
	CHECK(waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
	      WEXITSTATUS(status) == 0);
	w = ack_read(kr.ackfile);
	check_kill_file(&kr, w);
	again = check_kill_http(&c, w);
	/* the kills did come in the middle of delivery */
	CHECK(again > 0);
	check_kill_spool(&kr, w);
	printf("  killed %d times (TEST_SEED=%u): %" PRIu64 " windows, %" PRId64
	       " http batches sent again; %u kills of %d left a cursor half replaced, %u of %d a window half spooled; %" PRIu64 " ms\n",
	       KILL_ROUNDS, seed, w, again, t.cursor, KILL_ROUNDS / KILL_KINDS,
	       t.window, KILL_ROUNDS / KILL_KINDS, clock_ms() - t0);
	receiver_stop(&c);
}

int main(int argc, char **argv)
{
	uint64_t t0 = clock_ms();
	static char beside[256];

	if (argc != 2) {
		fprintf(stderr, "Usage: %s <collector.py>\n", argv[0]);
		return 2;
	}
	collector_py = argv[1];
	receiver_py = beside;
	snprintf(beside, sizeof(beside), "%.*sreceiver.py",
		 (int)(strrchr(collector_py, '/') ?
		       strrchr(collector_py, '/') + 1 - collector_py : 0),
		 collector_py);
	sink_test_begin("test-upload");

	RUN(test_zstd_round_trip());
	RUN(test_gzip_round_trip());
	RUN(test_identity_and_no_copy_id());
	RUN(test_500_is_retried());
	RUN(test_429_retry_after());
	RUN(test_slow_reply_times_out());
	RUN(test_tick_during_slow_reply());
	RUN(test_deadline_stops_an_attempt());
	RUN(test_dropped_connection_is_retried());
	RUN(test_many_batches_in_order());
	RUN(test_http_sink_round_trip(COMPRESS_GZIP));
	RUN(test_http_sink_round_trip(COMPRESS_ZSTD));
	RUN(test_http_sink_round_trip(COMPRESS_NONE));
	RUN(test_http_sink_faults_and_rejection());
	RUN(test_two_sinks_one_failing());
	RUN(test_killed_mid_delivery_loses_nothing());
	RUN(test_file_sink());
	RUN(test_stdout_sink());
	printf("test-upload: %" PRIu64 " ms\n", clock_ms() - t0);
	return sink_test_end("test-upload");
}
