// SPDX-License-Identifier: GPL-2.0
/*
 * The loki sink through upload.c against receiver.py's Loki: each record
 * split by kind of traffic into streams {job,node,traffic}, each stream in
 * time order, Basic and Bearer credentials and the tenant, gzip and none
 * (zstd refused at open), faults, and Loki's partial 400 "entry out of
 * order" taken as delivered.
 *
 *   test-sink-loki <receiver.py>
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "receiver.h"

#define START "2024-05-06T07:08:09.123456789Z"
#define STREAM "{job=\"netlog\", node=\"nNODE1CNTRL\", traffic="
#define EXIT_PART "{\"nodeId\":\"nNODE1CNTRL\",\"start\":\"%s\",\"end\":\"2024-05-06T07:59:59.5Z\"," \
	"\"exitTraffic\":[{\"proto\":6,\"src\":\"100.64.0.1:41000\",\"dst\":\"1.1.1.1:443\",\"rxPkts\":9,\"rxBytes\":9000}]}\n"

static const char *const basic_args[] = {
	"--user", "gw:pa:ss", "--tenant", "tailnet-1", "--require-label",
	"node", "--require-label", "traffic", "--require-label", "job", NULL,
};

/* The loki sink at @r with Basic credentials and a tenant. */
static void loki_config(struct upload_config *cfg, const struct receiver *r,
			enum compress_codec codec)
{
	char url[128];
	const char *kv[] = {
		"url", url, "user", "gw",
		"password_file", secret_file("pw", "pa:ss\n"),
		"tenant", "tailnet-1",
	};

	snprintf(url, sizeof(url), "%s/loki/api/v1/push", r->server);
	sink_config(cfg, "loki", kv, 4);
	cfg->codec = codec;
	cfg->rejected_dir = path("rejected");
}

/* What the receiver keeps of record_json() @i..: virtual, then exit. */
static void want_lines(char *want, size_t size, const int *is, size_t n,
		       const char *const *starts, int w)
{
	size_t i, off = 0;

	for (i = 0; i < n; i++) {
		off += record_json(want + off, size - off, w * 100 + is[i],
				   starts[i], false);
		off += snprintf(want + off, size - off, "\n");
	}
	for (i = 0; i < n; i++)
		if (is[i] % 2)
			off += snprintf(want + off, size - off, EXIT_PART,
					starts[i]);
}

static struct json_object *streams_of(struct json_object *st)
{
	struct json_object *v = NULL;

	json_object_object_get_ex(st, "streams", &v);
	return v;
}

/*
 * A window of three records, @codec: four lines in two streams, each the
 * record with one kind of traffic, exactly; Basic and the tenant went.
 */
static void round_trip(enum compress_codec codec)
{
	static const int is[] = { 0, 1, 2 };
	static const char *const starts[] = { START, START, START };
	char msgs[3][1024], want[8192], *got;
	struct upload_config cfg;
	struct upload_stats us;
	struct json_object *st;
	struct receiver r;
	struct uploader *up;
	struct spool *sp;

	receiver_start(&r, compress_name(codec), "loki", basic_args);
	loki_config(&cfg, &r, codec);
	sp = new_spool(compress_name(codec));
	up = new_uploader(&cfg);
	spool_records(sp, 1, START, 3, msgs);
	CHECK_EQ(drain(up, sp, 3), 0);
	upload_stats(up, &us);
	CHECK_EQ(us.batches, 1);
	CHECK_EQ(us.last_status, 204);
	CHECK_EQ(us.compressed, codec == COMPRESS_GZIP);
	st = receiver_stats(&r);
	CHECK_EQ(stat_at(st, "errors", NULL), 0);
	CHECK_EQ(stat_at(st, "accepted", NULL), 4);
	CHECK_EQ(stat_at(st, "encoding", compress_name(codec)), 1);
	CHECK_EQ(stat_at(st, "content_type", "application/json"), 1);
	CHECK_EQ(stat_at(streams_of(st), STREAM "\"virtual\"}", NULL), 3);
	CHECK_EQ(stat_at(streams_of(st), STREAM "\"exit\"}", NULL), 1);
	CHECK_EQ(json_object_object_length(streams_of(st)), 2);
	json_object_put(st);
	want_lines(want, sizeof(want), is, 3, starts, 1);
	got = read_all(r.out, NULL);
	check_str("lines", got ? got : "", want);
	free(got);
	upload_close(up);
	spool_close(sp);
	receiver_stop(&r);
}

static void test_gzip(void)
{
	round_trip(COMPRESS_GZIP);
}

static void test_none(void)
{
	round_trip(COMPRESS_NONE);
}

/* Loki takes no zstd: such a sink does not open. */
static void test_zstd_refused(void)
{
	struct upload_config cfg;
	struct receiver r = { .server = "http://127.0.0.1:9" };
	struct uploader *up = NULL;

	loki_config(&cfg, &r, COMPRESS_ZSTD);
	CHECK_EQ(upload_open(&cfg, &up), -EINVAL);
	CHECK(up == NULL);
}

/*
 * Bearer, the node key as the label, and records out of time order in a
 * batch: each stream's values go sorted, which Loki requires.
 */
static void test_bearer_node_and_order(void)
{
	static const char *const args[] = { "--token", "tok.en", NULL };
	static const char *const starts[] = {
		"2024-05-06T07:08:10Z", "2024-05-06T07:08:09Z",
		"2024-05-06T07:08:08.5Z",
	};
	char msgs[3][1024], url[128], want[8192], *got;
	const char *kv[] = {
		"url", url, "token_file", secret_file("tok", "tok.en\n"),
		"node", "gw-1",
	};
	static const int is[] = { 2, 1, 0 };
	static const char *const sorted[] = { starts[2], starts[1], starts[0] };
	struct upload_config cfg;
	struct json_object *st;
	struct receiver r;
	struct uploader *up;
	struct spool *sp;

	receiver_start(&r, "bearer", "loki", args);
	snprintf(url, sizeof(url), "%s/loki/api/v1/push", r.server);
	sink_config(&cfg, "loki", kv, 3);
	sp = new_spool("bearer");
	up = new_uploader(&cfg);
	spool_starts(sp, 1, starts, 3, msgs);
	CHECK_EQ(drain(up, sp, 3), 0);
	st = receiver_stats(&r);
	CHECK_EQ(stat_at(st, "errors", NULL), 0);
	CHECK_EQ(stat_at(streams_of(st),
			 "{job=\"netlog\", node=\"gw-1\", traffic=\"virtual\"}",
			 NULL), 3);
	json_object_put(st);
	want_lines(want, sizeof(want), is, 3, sorted, 1);
	got = read_all(r.out, NULL);
	check_str("lines in time order", got ? got : "", want);
	free(got);
	upload_close(up);
	spool_close(sp);
	receiver_stop(&r);
}

/*
 * A push stored but answered too late is sent again: Loki keeps nothing
 * twice and answers 400 "entry out of order" for what it has. That is
 * delivered, not set aside; so is a batch older than the streams' newest,
 * which no retry could place.
 */
static void test_out_of_order_after_retry(void)
{
	static const char *const args[] = { "--fault", "slow*1/1.5", NULL };
	static const char *const starts[] = {
		"2024-05-06T07:08:09Z", "2024-05-06T07:08:10Z",
		"2024-05-06T07:08:11Z",
	};
	char msgs[3][1024], url[128];
	const char *kv[] = { "url", url };
	struct upload_config cfg;
	struct upload_stats us;
	struct json_object *st;
	struct receiver r;
	struct uploader *up;
	struct spool *sp;

	receiver_start(&r, "order", "loki", args);
	snprintf(url, sizeof(url), "%s/loki/api/v1/push", r.server);
	sink_config(&cfg, "loki", kv, 1);
	cfg.timeout_ms = 500;
	cfg.rejected_dir = path("order-rejected");
	sp = new_spool("order");
	up = new_uploader(&cfg);
	spool_starts(sp, 1, starts, 3, msgs);
	CHECK_EQ(drain(up, sp, 3), 1);
	upload_stats(up, &us);
	CHECK_EQ(us.batches, 1);
	CHECK_EQ(us.rejected, 0);
	CHECK_EQ(us.last_status, 400);
	st = receiver_stats(&r);
	CHECK_EQ(stat_at(st, "errors", NULL), 0);
	CHECK_EQ(stat_at(st, "accepted", NULL), 4);
	CHECK_EQ(stat_at(st, "duplicates", NULL), 4);
	json_object_put(st);

	spool_records(sp, 2, "2024-05-06T07:00:00Z", 1, msgs);
	CHECK_EQ(drain(up, sp, 3), 0);
	upload_stats(up, &us);
	CHECK_EQ(us.batches, 2);
	CHECK_EQ(us.rejected, 0);
	CHECK(access(path("order-rejected"), F_OK) != 0);
	st = receiver_stats(&r);
	CHECK_EQ(stat_at(st, "status", "400"), 2);
	CHECK_EQ(stat_at(st, "accepted", NULL), 4);
	json_object_put(st);
	upload_close(up);
	spool_close(sp);
	receiver_stop(&r);
}

/*
 * A dropped connection (the first, fresh: libcurl itself sends again on a
 * reused one), 500, 429 with Retry-After: retried; 400: set aside.
 */
static void test_faults(void)
{
	static const char *const args[] = {
		"--user", "gw:pa:ss", "--tenant", "tailnet-1", "--fault",
		"drop*1", "--fault", "400*1", "--fault", "500*1", "--fault",
		"429*1/1", NULL,
	};
	char msgs[3][1024];
	struct upload_config cfg;
	struct upload_stats us;
	struct json_object *st;
	struct receiver r;
	struct uploader *up;
	struct spool *sp;
	uint64_t t0 = clock_ms();

	receiver_start(&r, "faults", "loki", args);
	loki_config(&cfg, &r, COMPRESS_GZIP);
	sp = new_spool("faults");
	up = new_uploader(&cfg);
	spool_records(sp, 1, START, 2, msgs);
	spool_records(sp, 2, START, 3, msgs);
	CHECK_EQ(drain(up, sp, 10), 3);
	CHECK(clock_ms() - t0 >= 1000);
	upload_stats(up, &us);
	CHECK_EQ(us.batches, 1);
	CHECK_EQ(us.rejected, 1);
	CHECK(strstr(us.last_error, "pa:ss") == NULL);
	st = receiver_stats(&r);
	CHECK_EQ(stat_at(st, "requests", NULL), 5);
	CHECK_EQ(stat_at(st, "faults", NULL), 4);
	CHECK_EQ(stat_at(st, "errors", NULL), 0);
	CHECK_EQ(stat_at(st, "accepted", NULL), 4);
	json_object_put(st);
	upload_close(up);
	spool_close(sp);
	receiver_stop(&r);
}

int main(int argc, char **argv)
{
	uint64_t t0 = clock_ms();

	if (!receiver_arg(argc, argv))
		return 2;
	sink_test_begin("test-sink-loki");
	test_gzip();
	test_none();
	test_zstd_refused();
	test_bearer_node_and_order();
	test_out_of_order_after_retry();
	test_faults();
	printf("test-sink-loki: %" PRIu64 " ms\n", clock_ms() - t0);
	return sink_test_end("test-sink-loki");
}
