// SPDX-License-Identifier: GPL-2.0
/*
 * The s3 sink through upload.c against receiver.py's S3 (which recomputes
 * the SigV4 signature with botocore): the objects' keys and bytes for
 * each codec, the session token, a wrong secret set aside, faults, and a
 * batch PUT again landing on its key unchanged.
 *
 *   test-sink-s3 <receiver.py>
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>

#include "check.h"
#include "receiver.h"
#include "sink.h"

#define START "2024-05-06T07:08:09.123456789Z"
#define KEY_DIR "netlog/gw/year=2024/month=05/day=06/hour=07/"

static const char *const s3_args[] = {
	"--bucket", "flows", "--region", "eu-west-3", "--access-key", "AKID",
	"--secret-key", "SECRET/k+ey", "--prefix", "netlog/gw", NULL,
};

/* The s3 sink at @r: @secret, @codec, and the token file when @token. */
static void s3_config(struct upload_config *cfg, const struct receiver *r,
		      const char *secret, const char *token,
		      enum compress_codec codec)
{
	const char *kv[] = {
		"endpoint", r->server, "bucket", "flows", "region", "eu-west-3",
		"prefix", "netlog/gw",
		"access_key_file", secret_file("ak", "AKID\n"),
		"secret_key_file", secret_file("sk", secret),
		"session_token_file", token ? secret_file("st", token) : "",
	};

	sink_config(cfg, "s3", kv, token ? 7 : 6);
	cfg->codec = codec;
	cfg->rejected_dir = path("rejected");
}

/* The key the receiver must have: first proc_seq @seq, @ext. */
static const char *want_key(struct spool *sp, const char *ext)
{
	static char key[256];
	struct json_object *arr, *e;
	const char *body;
	uint64_t seq = 0;
	uint32_t id = 0;
	size_t len;

	CHECK_EQ(spool_peek_oldest(sp, &body, &len), 0);
	arr = json_tokener_parse(body);
	e = json_object_array_get_idx(arr, 0);
	CHECK_EQ(sink_entry_seq(e, &id, &seq), 0);
	snprintf(key, sizeof(key), KEY_DIR "nNODE1CNTRL-%" PRIu32 "-%" PRIu64
		 ".ndjson%s", id, seq, ext);
	json_object_put(arr);
	return key;
}

/* Object @i of the receiver's /stats: its member @m as a string. */
static const char *object_str(struct json_object *st, size_t i, const char *m)
{
	struct json_object *objs, *v;

	if (!json_object_object_get_ex(st, "objects", &objs) ||
	    i >= json_object_array_length(objs) ||
	    !json_object_object_get_ex(json_object_array_get_idx(objs, i), m,
				       &v))
		return "";
	return json_object_get_string(v);
}

/*
 * Three records in one object, compressed with @codec: the key names the
 * hour of the first record's start, the node, proc_id and the first
 * proc_seq, and the extension the codec; the records come back exactly.
 */
static void round_trip(enum compress_codec codec, const char *ext)
{
	char msgs[3][1024], want[4096], key[256];
	struct upload_config cfg;
	struct upload_stats us;
	struct json_object *st;
	struct receiver r;
	struct uploader *up;
	struct spool *sp;
	char *got;

	receiver_start(&r, compress_name(codec), "s3", s3_args);
	s3_config(&cfg, &r, "SECRET/k+ey", NULL, codec);
	sp = new_spool(compress_name(codec));
	spool_records(sp, 1, START, 3, msgs);
	snprintf(key, sizeof(key), "%s", want_key(sp, ext));
	up = new_uploader(&cfg);
	CHECK_EQ(drain(up, sp, 3), 0);
	upload_stats(up, &us);
	CHECK_EQ(us.batches, 1);
	CHECK_EQ(us.last_status, 200);
	CHECK_EQ(us.compressed, codec != COMPRESS_NONE);
	st = receiver_stats(&r);
	CHECK_EQ(stat_at(st, "errors", NULL), 0);
	CHECK_EQ(stat_at(st, "accepted", NULL), 3);
	check_str("key", object_str(st, 0, "key"), key);
	check_str("encoding", object_str(st, 0, "encoding"), compress_name(codec));
	check_str("content type", object_str(st, 0, "content_type"),
		  "application/x-ndjson");
	json_object_put(st);
	snprintf(want, sizeof(want), "%s\n%s\n%s\n", msgs[0], msgs[1], msgs[2]);
	got = read_all(r.out, NULL);
	check_str("records", got ? got : "", want);
	free(got);
	upload_close(up);
	spool_close(sp);
	receiver_stop(&r);
}

static void test_none(void)
{
	round_trip(COMPRESS_NONE, "");
}

static void test_gzip(void)
{
	round_trip(COMPRESS_GZIP, ".gz");
}

static void test_zstd(void)
{
	round_trip(COMPRESS_ZSTD, ".zst");
}

/*
 * The same batch PUT again (a reply lost, a crash before the cursor moved)
 * lands on the same key with the same bytes: the receiver counts
 * duplicates, and no object overwritten with another content.
 */
static void test_put_again_is_idempotent(void)
{
	char msgs[4][1024];
	struct upload_config cfg;
	struct json_object *st;
	struct receiver r;
	struct uploader *up;
	struct spool *sp;
	const char *body;
	uint64_t delay;
	size_t len;
	char *copy;

	receiver_start(&r, "again", "s3", s3_args);
	s3_config(&cfg, &r, "SECRET/k+ey", NULL, COMPRESS_GZIP);
	sp = new_spool("again");
	up = new_uploader(&cfg);
	spool_records(sp, 1, START, 4, msgs);
	CHECK_EQ(spool_peek_oldest(sp, &body, &len), 0);
	copy = strndup(body, len);
	CHECK_EQ(upload_send(up, copy, len, &delay), 0);
	CHECK_EQ(upload_send(up, copy, len, &delay), 0);
	upload_close(up);
	up = new_uploader(&cfg);
	CHECK_EQ(upload_send(up, copy, len, &delay), 0);
	st = receiver_stats(&r);
	CHECK_EQ(stat_at(st, "errors", NULL), 0);
	CHECK_EQ(stat_at(st, "accepted", NULL), 4);
	CHECK_EQ(stat_at(st, "duplicates", NULL), 8);
	CHECK_EQ(json_object_array_length(json_object_object_get(st, "objects")), 1);
	json_object_put(st);
	free(copy);
	upload_close(up);
	spool_close(sp);
	receiver_stop(&r);
}

/*
 * With a session token, x-amz-security-token goes signed; a batch of text
 * alone ("logger closing down") makes no object and is done.
 */
static void test_session_token_and_text(void)
{
	static const char *const args[] = {
		"--bucket", "flows", "--region", "eu-west-3", "--access-key",
		"AKID", "--secret-key", "SECRET/k+ey", "--prefix", "netlog/gw",
		"--session-token", "TOKEN+/=abc", NULL,
	};
	char msgs[2][1024];
	struct upload_config cfg;
	struct upload_stats us;
	struct json_object *st;
	struct receiver r;
	struct uploader *up;
	struct spool *sp;

	receiver_start(&r, "token", "s3", args);
	s3_config(&cfg, &r, "SECRET/k+ey", "TOKEN+/=abc\n", COMPRESS_ZSTD);
	sp = new_spool("token");
	up = new_uploader(&cfg);
	spool_records(sp, 1, START, 2, msgs);
	CHECK_EQ(spool_put_text(sp, "logger closing down\n"), 0);
	CHECK_EQ(drain(up, sp, 3), 0);
	upload_stats(up, &us);
	CHECK_EQ(us.batches, 2);
	st = receiver_stats(&r);
	CHECK_EQ(stat_at(st, "requests", NULL), 1);
	CHECK_EQ(stat_at(st, "errors", NULL), 0);
	CHECK_EQ(stat_at(st, "accepted", NULL), 2);
	json_object_put(st);
	upload_close(up);
	spool_close(sp);
	receiver_stop(&r);
}

/*
 * A wrong secret: 403 SignatureDoesNotMatch is for good, the batch goes to
 * rejected/ with the reply, the next one is tried. A 400 likewise.
 */
static void test_wrong_secret_is_rejected(void)
{
	char msgs[2][1024], *reply;
	struct dirent **names = NULL;
	struct upload_config cfg;
	struct upload_stats us;
	struct receiver r;
	struct uploader *up;
	struct spool *sp;
	int n = 6;	/* ., .. */

	receiver_start(&r, "wrong", "s3", s3_args);
	s3_config(&cfg, &r, "not-the-secret", NULL, COMPRESS_GZIP);
	sp = new_spool("wrong");
	up = new_uploader(&cfg);
	spool_records(sp, 1, START, 2, msgs);
	spool_records(sp, 2, START, 1, msgs);
	CHECK_EQ(drain(up, sp, 3), 0);
	upload_stats(up, &us);
	CHECK_EQ(us.rejected, 2);
	CHECK_EQ(us.failures, 0);
	CHECK_EQ(us.last_status, 403);
	CHECK(strstr(us.last_error, "not-the-secret") == NULL);
	CHECK(strstr(us.last_error, ": HTTP 403: SignatureDoesNotMatch: The request signature") != NULL);
	/* the batches and their replies: S3's XML error */
	CHECK_EQ(scandir(path("rejected"), &names, NULL, alphasort), n);
	reply = read_all(path("rejected/%s", names[3]->d_name), NULL);
	CHECK(reply && strstr(reply, "status 403\n") == reply);
	CHECK(reply && strstr(reply, "<Code>SignatureDoesNotMatch</Code>"));
	free(reply);
	while (names && n--)
		free(names[n]);
	free(names);
	upload_close(up);
	spool_close(sp);
	receiver_stop(&r);
}

/* 500, 429 with Retry-After, a reply too slow, a dropped connection. */
static void test_faults_are_retried(void)
{
	static const char *const args[] = {
		"--bucket", "flows", "--region", "eu-west-3", "--access-key",
		"AKID", "--secret-key", "SECRET/k+ey", "--prefix", "netlog/gw",
		"--fault", "400*1", "--fault", "500*1", "--fault", "429*1/1",
		"--fault", "slow*1/1.5", "--fault", "drop*1", NULL,
	};
	char msgs[3][1024];
	struct upload_config cfg;
	struct upload_stats us;
	struct json_object *st;
	struct receiver r;
	struct uploader *up;
	struct spool *sp;
	uint64_t t0 = clock_ms();

	receiver_start(&r, "faults", "s3", args);
	s3_config(&cfg, &r, "SECRET/k+ey", NULL, COMPRESS_GZIP);
	cfg.timeout_ms = 700;
	sp = new_spool("faults");
	up = new_uploader(&cfg);
	spool_records(sp, 1, START, 3, msgs);
	spool_records(sp, 2, START, 3, msgs);
	CHECK_EQ(drain(up, sp, 10), 4);
	upload_stats(up, &us);
	CHECK_EQ(us.batches, 1);
	CHECK_EQ(us.rejected, 1);
	CHECK(clock_ms() - t0 >= 1000 + 700);
	st = receiver_stats(&r);
	CHECK_EQ(stat_at(st, "requests", NULL), 6);
	CHECK_EQ(stat_at(st, "faults", NULL), 5);
	CHECK_EQ(stat_at(st, "errors", NULL), 0);
	CHECK_EQ(stat_at(st, "accepted", NULL), 3);
	CHECK_EQ(stat_at(st, "duplicates", NULL), 3);
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
	sink_test_begin("test-sink-s3");
	RUN(test_none());
	RUN(test_gzip());
	RUN(test_zstd());
	RUN(test_put_again_is_idempotent());
	RUN(test_session_token_and_text());
	RUN(test_wrong_secret_is_rejected());
	RUN(test_faults_are_retried());
	printf("test-sink-s3: %" PRIu64 " ms\n", clock_ms() - t0);
	return sink_test_end("test-sink-s3");
}
