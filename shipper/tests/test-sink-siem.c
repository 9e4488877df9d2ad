// SPDX-License-Identifier: GPL-2.0
/*
 * Host tests of the splunk, elastic, datadog and axiom sinks: windows
 * spooled, delivered through upload.c to tests/collector/receiver.py
 * (which checks each request as the service does), every record stored
 * exactly once, with each codec and each fault.
 *
 *   test-sink-siem <receiver.py>
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <curl/curl.h>
#include <json-c/json.h>

#include "check.h"
#include "receiver.h"
#include "fmt.h"
#include "spool.h"
#include "upload.h"
#include "config.h"
#include "clock.h"

#define TOKEN "5b8e1f3c-hec-token"
#define DD_KEY "0123456789abcdef0123456789abcdef"
#define ES_KEY "VnVhQ2ZHY0JDZGJrUW0tZTVhT3g6dWkybHAyYXhUTm1zeWFrdzl0dk5udw=="
/* 2025-11-18T20:23:09.644123456Z: the ms are truncated, not rounded */
#define T0 1763497389644123456ULL

/* --- records ----------------------------------------------------------- */

/*
 * Windows from SMALL_W on hold the smallest records the receivers take (no
 * traffic; one time apart each), so that a batch holds over 1000.
 */
#define SMALL_W 100

/* Record @i of window @w, a netlogtype.Message, as the spool is given it. */
static char *record(uint64_t w, size_t i)
{
	char start[FMT_TIME_LEN], end[FMT_TIME_LEN], *s;

	if (w >= SMALL_W) {
		fmt_time(T0 + w * 5000000000ULL + i * 1000, start,
			 sizeof(start));
		if (asprintf(&s, "{\"nodeId\":\"n1\",\"start\":\"%s\",\"end\":\"%s\"}",
			     start, start) < 0)
			die("asprintf");
		return s;
	}
	fmt_time(T0 + w * 5000000000ULL, start, sizeof(start));
	fmt_time(T0 + w * 5000000000ULL + 4999999000ULL, end, sizeof(end));
	if (asprintf(&s, "{\"nodeId\":\"nSiem%" PRIu64 "CNTRL\",\"start\":\"%s\",\"end\":\"%s\",\"virtualTraffic\":[{\"proto\":6,\"src\":\"100.64.0.1:%zu\",\"dst\":\"100.64.0.2:443\",\"txPkts\":3,\"txBytes\":180,\"rxPkts\":2,\"rxBytes\":1200}]}",
		     w % 2, start, end, 1024 + i) < 0)
		die("asprintf");
	return s;
}

/* Windows @w0.. @w0 + @nw - 1 of @n records each, spooled. */
static void spool_windows(struct spool *sp, uint64_t w0, size_t nw, size_t n)
{
	char **msgs = calloc(n, sizeof(*msgs));
	size_t *lens = calloc(n, sizeof(*lens)), i;
	uint64_t w;

	for (w = w0; w < w0 + nw; w++) {
		for (i = 0; i < n; i++) {
			msgs[i] = record(w, i);
			lens[i] = strlen(msgs[i]);
		}
		if (spool_put_window(sp, w, T0 + w * 5000000000ULL,
				     T0 + w * 5000000000ULL + 4999999000ULL,
				     (const char *const *)msgs, lens, n))
			die("spool_put_window");
		for (i = 0; i < n; i++)
			free(msgs[i]);
	}
	free(msgs);
	free(lens);
}

static int line_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * The receiver's --out holds exactly the records of windows @w0.. (@nw of
 * @n records), once each, as they were spooled, in any order.
 */
static void check_stored(const struct receiver *r, uint64_t w0, size_t nw,
			 size_t n)
{
	char *data = read_all(r->out, NULL), *save, *line, **got, **want;
	size_t ngot = 0, i;

	got = calloc(nw * n + 1, sizeof(*got));
	want = calloc(nw * n, sizeof(*want));
	for (line = data ? strtok_r(data, "\n", &save) : NULL; line;
	     line = strtok_r(NULL, "\n", &save))
		if (ngot <= nw * n)
			got[ngot++] = line;
	for (i = 0; i < nw * n; i++)
		want[i] = record(w0 + i / n, i % n);
	CHECK_EQ(ngot, nw * n);
	qsort(got, ngot, sizeof(*got), line_cmp);
	qsort(want, nw * n, sizeof(*want), line_cmp);
	for (i = 0; i < ngot && i < nw * n; i++)
		if (strcmp(got[i], want[i])) {
			check_str("stored record", got[i], want[i]);
			break;
		}
	for (i = 0; i < nw * n; i++)
		free(want[i]);
	free(want);
	free(got);
	free(data);
}

/* --- the sinks ------------------------------------------------------- */

struct siem {
	const char *type;
	const char *args[8];		/* the receiver's */
	const char *content_type;
	const char *path;
	const char *codecs[4];		/* those it takes, NULL-terminated */
};

static const struct siem splunk = {
	"splunk", { "--token", TOKEN, "--index", "netlog", "--sourcetype",
		    "netlog:flow" },
	"application/json", "/services/collector/event",
	{ "none", "gzip", "zstd" },
};
static const struct siem elastic = {
	"elastic", { "--index", "netlog-flows", "--data-stream", "--api-key",
		     "VuaCfGcBCdbkQm-e5aOx:ui2lp2axTNmsyakw9tvNnw" },
	"application/x-ndjson", "/netlog-flows/_bulk",
	{ "none", "gzip" },
};
static const struct siem datadog = {
	"datadog", { "--api-key", DD_KEY, "--service", "netlog",
		     "--ddsource", "netlog" },
	"application/json", "/api/v2/logs",
	{ "none", "gzip", "zstd" },
};
static const struct siem axiom = {
	"axiom", { "--dataset", "flows", "--token", "xaat-" TOKEN },
	"application/x-ndjson", "/v1/datasets/flows/ingest",
	{ "none", "gzip", "zstd" },
};

/*
 * The keys of @s to @r into @kv (url and its secret, @secret NULL for the
 * right one), a url into @url: how many pairs.
 */
static size_t siem_keys(const char **kv, char *url, size_t size,
			const struct siem *s, const struct receiver *r,
			const char *secret)
{
	size_t n = 0;

	if (s == &splunk) {
		snprintf(url, size, "%s/services/collector/event", r->server);
		kv[n++] = "url", kv[n++] = url;
		kv[n++] = "token_file";
		kv[n++] = secret_file("hec", secret ? secret : TOKEN);
		kv[n++] = "index", kv[n++] = "netlog";
		kv[n++] = "sourcetype", kv[n++] = "netlog:flow";
	} else if (s == &elastic) {
		snprintf(url, size, "%s/netlog-flows/_bulk", r->server);
		kv[n++] = "url", kv[n++] = url;
		kv[n++] = "api_key_file";
		kv[n++] = secret_file("es", secret ? secret : ES_KEY);
	} else if (s == &datadog) {
		snprintf(url, size, "%s/api/v2/logs", r->server);
		kv[n++] = "url", kv[n++] = url;
		kv[n++] = "api_key_file";
		kv[n++] = secret_file("dd", secret ? secret : DD_KEY);
	} else {
		kv[n++] = "url", kv[n++] = r->server;
		kv[n++] = "dataset", kv[n++] = "flows";
		kv[n++] = "token_file";
		kv[n++] = secret_file("ax", secret ? secret : "xaat-" TOKEN);
	}
	return n / 2;
}

/* An uploader of @s to @r with @codec (NULL: the type's default). */
static struct uploader *siem_open(const struct siem *s,
				  const struct receiver *r, const char *codec,
				  const char *secret)
{
	const char *kv[14];
	struct upload_config cfg;
	char url[160];
	size_t n = siem_keys(kv, url, sizeof(url), s, r, secret);

	if (codec) {
		kv[2 * n] = "compression";
		kv[2 * n + 1] = codec;
		n++;
	}
	sink_config(&cfg, s->type, kv, n);
	cfg.timeout_ms = 600;
	cfg.retry_cap_ms = 2000;
	cfg.rejected_dir = path("rejected-%s", cfg.name);
	return new_uploader(&cfg);
}

/* --- the tests ------------------------------------------------------- */

/*
 * Two windows of three records with @codec: stored once each, exactly as
 * spooled, the request as the service wants it (the receiver counts any
 * other as an error).
 */
static void round_trip(const struct siem *s, const char *codec)
{
	struct receiver r;
	struct upload_stats us;
	struct json_object *st;
	struct spool *sp = new_spool(NULL);
	struct uploader *up;

	receiver_start(&r, NULL, s->type, s->args);
	up = siem_open(s, &r, codec, NULL);
	spool_windows(sp, 1, 2, 3);
	CHECK_EQ(drain(up, sp, 3), 0);
	upload_stats(up, &us);
	CHECK_EQ(us.batches, 2);
	CHECK_EQ(us.compressed, strcmp(codec, "none") ? 2 : 0);
	st = receiver_stats(&r);
	CHECK_EQ(stat_at(st, "requests", NULL), 2);
	CHECK_EQ(stat_at(st, "errors", NULL), 0);
	CHECK_EQ(stat_at(st, "accepted", NULL), 6);
	CHECK_EQ(stat_at(st, "duplicates", NULL), 0);
	CHECK_EQ(stat_at(st, "encoding", codec), 2);
	CHECK_EQ(stat_at(st, "content_type", s->content_type), 2);
	CHECK_EQ(stat_at(st, "paths", s->path), 2);
	json_object_put(st);
	check_stored(&r, 1, 2, 3);
	upload_close(up);
	spool_close(sp);
	receiver_stop(&r);
}

static void test_round_trip_each_codec(void)
{
	const struct siem *all[] = { &splunk, &elastic, &datadog, &axiom };
	size_t i, j;

	for (i = 0; i < 4; i++)
		for (j = 0; all[i]->codecs[j]; j++)
			round_trip(all[i], all[i]->codecs[j]);
}

/*
 * 500, 429 with Retry-After: 1, a dropped connection and a reply slower
 * than the timeout: each retried until every record is stored once (a
 * slow reply's batch was stored before it: the receiver counts the repeat).
 */
static void faults(const struct siem *s)
{
	struct receiver r;
	struct upload_stats us;
	struct json_object *st;
	struct spool *sp = new_spool(NULL);
	struct uploader *up;
	uint64_t next;

	receiver_start(&r, NULL, s->type, s->args);
	up = siem_open(s, &r, NULL, NULL);
	/* first, on a new connection: libcurl sends again on a reused one */
	receiver_fault(&r, "drop*1");
	spool_windows(sp, 6, 1, 2);
	CHECK_EQ(drain(up, sp, 2), 1);
	spool_windows(sp, 1, 4, 2);
	receiver_fault(&r, "500*1");
	CHECK_EQ(upload_step(up, sp, clock_ms(), &next), -EAGAIN);
	upload_stats(up, &us);
	CHECK_EQ(us.last_status, 500);
	CHECK_EQ(drain(up, sp, 1), 0);
	receiver_fault(&r, "429*1/1");
	spool_windows(sp, 5, 1, 2);
	CHECK_EQ(upload_step(up, sp, clock_ms(), &next), -EAGAIN);
	upload_stats(up, &us);
	CHECK_EQ(us.last_status, 429);
	CHECK_EQ(us.last_delay_ms, 1000);
	CHECK_EQ(drain(up, sp, 1), 0);
	receiver_fault(&r, "slow*1/0.9");
	spool_windows(sp, 7, 1, 2);
	CHECK_EQ(drain(up, sp, 2), 1);
	upload_stats(up, &us);
	CHECK_EQ(us.batches, 7);
	CHECK_EQ(us.failures, 4);
	st = receiver_stats(&r);
	CHECK_EQ(stat_at(st, "errors", NULL), 0);
	CHECK_EQ(stat_at(st, "faults", NULL), 4);
	CHECK_EQ(stat_at(st, "accepted", NULL), 14);
	CHECK_EQ(stat_at(st, "duplicates", NULL), 2);
	json_object_put(st);
	check_stored(&r, 1, 7, 2);
	upload_close(up);
	spool_close(sp);
	receiver_stop(&r);
}

static void test_faults_are_retried(void)
{
	faults(&splunk);
	faults(&elastic);
	faults(&datadog);
	faults(&axiom);
}

/* The batch as spooled in rejected/, with the reply beside it. */
static void check_set_aside(const struct uploader *up, const char *name,
			    const char *reply_has)
{
	struct upload_stats us;
	char *reply;

	upload_stats(up, &us);
	CHECK_EQ(us.rejected, 1);
	reply = read_all(path("rejected-%s/%020d-2.batch.reply", name, 1), NULL);
	CHECK(reply && strstr(reply, reply_has) != NULL);
	free(reply);
	CHECK_EQ(access(path("rejected-%s/%020d-2.batch", name, 1), R_OK), 0);
}

/*
 * 400, and a bad token or key (401 or 403): refused for good, the batch
 * set aside, the next one delivered.
 */
static void refused(const struct siem *s, bool bad_token)
{
	struct receiver r;
	struct json_object *st;
	struct spool *sp = new_spool(NULL);
	struct uploader *up;
	char name[16];
	uint64_t next;

	snprintf(name, sizeof(name), "s%zu", sinks.nsinks);
	receiver_start(&r, NULL, s->type, s->args);
	up = siem_open(s, &r, NULL, bad_token ? "wrong" : NULL);
	spool_windows(sp, 1, 1, 2);
	if (!bad_token)
		receiver_fault(&r, "400*1");
	CHECK_EQ(upload_step(up, sp, clock_ms(), &next), 1);
	check_set_aside(up, name, bad_token ? "status 40" : "status 400");
	st = receiver_stats(&r);
	CHECK_EQ(stat_at(st, "accepted", NULL), 0);
	json_object_put(st);
	upload_close(up);
	spool_close(sp);
	receiver_stop(&r);
}

static void test_refused_is_set_aside(void)
{
	const struct siem *all[] = { &splunk, &elastic, &datadog, &axiom };
	size_t i;

	for (i = 0; i < 4; i++) {
		refused(all[i], false);
		refused(all[i], true);
	}
}

/*
 * Elastic's 200 with an item failed (429): the batch is sent again, the
 * items stored the first time come back 409 (their _id is the record's),
 * which is delivered: every record once. An item refused for good (400)
 * sets the batch aside.
 */
static void test_elastic_item_errors(void)
{
	struct receiver r;
	struct upload_stats us;
	struct json_object *st;
	struct spool *sp = new_spool(NULL);
	struct uploader *up;
	uint64_t next;
	char name[16];

	receiver_start(&r, NULL, "elastic", elastic.args);
	up = siem_open(&elastic, &r, NULL, NULL);
	spool_windows(sp, 1, 1, 4);
	receiver_fault(&r, "item429*1/2");
	CHECK_EQ(upload_step(up, sp, clock_ms(), &next), -EAGAIN);
	upload_stats(up, &us);
	CHECK_EQ(us.last_status, 200);
	CHECK(strstr(us.last_error, "es_rejected_execution_exception") != NULL);
	CHECK_EQ(drain(up, sp, 2), 0);
	st = receiver_stats(&r);
	CHECK_EQ(stat_at(st, "errors", NULL), 0);
	CHECK_EQ(stat_at(st, "requests", NULL), 2);
	CHECK_EQ(stat_at(st, "accepted", NULL), 4);
	CHECK_EQ(stat_at(st, "items", "created"), 4);
	CHECK_EQ(stat_at(st, "duplicates", NULL), 3);
	json_object_put(st);
	check_stored(&r, 1, 1, 4);

	snprintf(name, sizeof(name), "%s", upload_name(up));
	spool_windows(sp, 2, 1, 2);
	receiver_fault(&r, "item400*1/1");
	CHECK_EQ(upload_step(up, sp, clock_ms(), &next), 1);
	upload_stats(up, &us);
	CHECK_EQ(us.rejected, 1);
	CHECK(strstr(us.last_error, "item status 400: document_parsing_exception") != NULL);
	CHECK_EQ(access(path("rejected-%s/%020d-2.batch", name, 5), R_OK), 0);
	upload_close(up);
	spool_close(sp);
	receiver_stop(&r);
}

/* Elastic with user and password_file: Basic, by libcurl. */
static void test_elastic_basic_auth(void)
{
	static const char *const args[] = { "--index", "netlog-flows",
					    "--user", "netlog:s3cr:et", NULL };
	char url[160];
	const char *kv[] = { "url", url, "user", "netlog", "password_file",
			     secret_file("pw", "s3cr:et\n") };
	struct upload_config cfg;
	struct receiver r;
	struct json_object *st;
	struct spool *sp = new_spool(NULL);
	struct uploader *up;

	receiver_start(&r, NULL, "elastic", args);
	snprintf(url, sizeof(url), "%s/netlog-flows/_bulk?pretty", r.server);
	sink_config(&cfg, "elastic", kv, 3);
	cfg.timeout_ms = 600;
	cfg.retry_cap_ms = 100;
	up = new_uploader(&cfg);
	spool_windows(sp, 1, 1, 3);
	CHECK_EQ(drain(up, sp, 1), 0);
	st = receiver_stats(&r);
	CHECK_EQ(stat_at(st, "errors", NULL), 0);
	CHECK_EQ(stat_at(st, "accepted", NULL), 3);
	json_object_put(st);
	check_stored(&r, 1, 1, 3);
	upload_close(up);
	spool_close(sp);
	receiver_stop(&r);
}

/* Axiom's 200 with failed: 1: not delivered, set aside, never sent twice. */
static void test_axiom_failures(void)
{
	struct receiver r;
	struct upload_stats us;
	struct json_object *st;
	struct spool *sp = new_spool(NULL);
	struct uploader *up;
	uint64_t next;
	char *reply;

	receiver_start(&r, NULL, "axiom", axiom.args);
	up = siem_open(&axiom, &r, NULL, NULL);
	spool_windows(sp, 1, 1, 3);
	receiver_fault(&r, "item500*1/1");
	CHECK_EQ(upload_step(up, sp, clock_ms(), &next), 1);
	upload_stats(up, &us);
	CHECK_EQ(us.rejected, 1);
	CHECK(strstr(us.last_error, "HTTP 200: 1 events failed: injected fault") != NULL);
	reply = read_all(path("rejected-%s/%020d-3.batch.reply", upload_name(up), 1),
			 NULL);
	CHECK(reply && strstr(reply, "\"failed\": 1") != NULL);
	free(reply);
	CHECK_EQ(upload_step(up, sp, clock_ms(), &next), 0);
	st = receiver_stats(&r);
	CHECK_EQ(stat_at(st, "requests", NULL), 1);
	CHECK_EQ(stat_at(st, "accepted", NULL), 2);
	CHECK_EQ(stat_at(st, "duplicates", NULL), 0);
	json_object_put(st);
	upload_close(up);
	spool_close(sp);
	receiver_stop(&r);
}

/*
 * A batch of 1200 records: Datadog takes 1000 entries a request, so it
 * goes in two parts; a 500 on the second sends the second again, alone.
 */
static void test_datadog_parts(void)
{
	struct receiver r;
	struct upload_stats us;
	struct json_object *st;
	struct spool *sp = new_spool(NULL);
	struct uploader *up;
	struct spool_stats ss;
	uint64_t next;

	receiver_start(&r, NULL, "datadog", datadog.args);
	up = siem_open(&datadog, &r, NULL, NULL);
	spool_windows(sp, SMALL_W, 1, 1200);
	spool_stats(sp, &ss);
	CHECK_EQ(ss.batches, 1);
	/* the first part is answered (after 0.1 s), the second is not */
	receiver_fault(&r, "slow*1/0.1\n500*1");
	CHECK_EQ(upload_step(up, sp, clock_ms(), &next), -EAGAIN);
	CHECK_EQ(drain(up, sp, 2), 0);
	upload_stats(up, &us);
	CHECK_EQ(us.batches, 1);
	CHECK_EQ(us.failures, 1);
	st = receiver_stats(&r);
	CHECK_EQ(stat_at(st, "errors", NULL), 0);
	CHECK_EQ(stat_at(st, "requests", NULL), 3);
	CHECK_EQ(stat_at(st, "faults", NULL), 2);
	CHECK_EQ(stat_at(st, "max_entries", NULL), 1000);
	CHECK_EQ(stat_at(st, "entries", NULL), 1200);
	CHECK_EQ(stat_at(st, "accepted", NULL), 1200);
	CHECK_EQ(stat_at(st, "duplicates", NULL), 0);
	json_object_put(st);
	check_stored(&r, SMALL_W, 1, 1200);
	upload_close(up);
	spool_close(sp);
	receiver_stop(&r);
}

/* What the keys cannot take, said at load with the key and the value. */
static void test_config_refusals(void)
{
	static const struct {
		const char *type, *key, *value, *err;
	} bad[] = {
		{ "elastic", "compression", "zstd",
		  "compression: Elasticsearch decodes gzip or none, not zstd: 'zstd'" },
		{ "splunk", "url", "https://hec.example:8088/services/collector/raw",
		  "sink x: url: the splunk sink needs HEC's, ending in /services/collector/event: 'https://hec.example:8088/services/collector/raw'" },
		{ "elastic", "url", "https://es.example:9200/_bulk",
		  "sink x: url: the elastic sink needs an index's or data stream's bulk URL, such as https://host:9200/netlog/_bulk: 'https://es.example:9200/_bulk'" },
		{ "axiom", "url", "https://api.axiom.co",
		  "sink x: dataset: the axiom sink needs one" },
		{ "datadog", "service", "netlog",
		  "sink x: api_key_file: the datadog sink needs one" },
	};
	char err[CONFIG_ERR_LEN];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct netlogd_config cfg;
		int ret;

		CHECK_EQ(config_init(&cfg), 0);
		err[0] = '\0';
		ret = config_sink_add(&cfg, "x", bad[i].type, err, sizeof(err));
		if (!ret)
			ret = config_sink_set(&cfg, &cfg.sinks[0], bad[i].key,
					      bad[i].value, err, sizeof(err));
		if (!ret) {
			cfg.sinks[0].line = 1;	/* a section, not the implicit sink */
			ret = config_check(&cfg, err, sizeof(err));
		}
		CHECK_EQ(ret, -EINVAL);
		check_str(bad[i].type, err, bad[i].err);
		config_free(&cfg);
	}
}

int main(int argc, char **argv)
{
	uint64_t t0 = clock_ms();

	if (!receiver_arg(argc, argv))
		return 2;
	atexit(receiver_kill_running);
	sink_test_begin("test-sink-siem");
	if (config_init(&sinks))
		die("config_init");

	RUN(test_round_trip_each_codec());
	RUN(test_faults_are_retried());
	RUN(test_refused_is_set_aside());
	RUN(test_elastic_item_errors());
	RUN(test_elastic_basic_auth());
	RUN(test_axiom_failures());
	RUN(test_datadog_parts());
	RUN(test_config_refusals());
	printf("test-sink-siem: %" PRIu64 " ms\n", clock_ms() - t0);
	return sink_test_end("test-sink-siem");
}
