// SPDX-License-Identifier: GPL-2.0
/*
 * Host tests of the spool: envelope, batching, durability across reopen,
 * duplicate windows, the byte cap and the sinks' cursors, recovery of every state a
 * crash can leave, and a process killed at random while it spools.
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include <json-c/json.h>

#include "check.h"
#include "crash.h"
#include "tmpdir.h"
#include "spool.h"
#include "array.h"

static void rm_rf(const char *p)
{
	nftw(p, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static struct spool *open_spool(const char *dir, uint64_t cap)
{
	struct spool *sp;
	int ret = spool_open(dir, cap, &sp);

	if (ret) {
		fprintf(stderr, "spool_open(%s): %s\n", dir, strerror(-ret));
		exit(1);
	}
	return sp;
}

static int put(struct spool *sp, uint64_t w, const char **msgs, size_t n)
{
	size_t lens[64], i;

	for (i = 0; i < n; i++)
		lens[i] = strlen(msgs[i]);
	return spool_put_window(sp, w, w * 1000, w * 1000 + 500, msgs, lens, n);
}

/* The oldest batch, parsed; NULL when empty. */
static struct json_object *peek_json(struct spool *sp)
{
	const char *body;
	size_t len;

	if (spool_peek_oldest(sp, &body, &len))
		return NULL;
	return json_tokener_parse(body);
}

static uint64_t entry_seq(struct json_object *e)
{
	struct json_object *lt, *seq;

	if (!json_object_object_get_ex(e, "logtail", &lt) ||
	    !json_object_object_get_ex(lt, "proc_seq", &seq))
		return 0;
	return json_object_get_uint64(seq);
}

static const char *entry_text(struct json_object *e)
{
	struct json_object *t;

	if (!json_object_object_get_ex(e, "text", &t))
		return "";
	return json_object_get_string(t);
}

static void write_text(const char *p, const char *text)
{
	FILE *f = fopen(p, "w");

	if (!f || fputs(text, f) < 0 || fclose(f))
		die(p);
}

static void test_open_creates_dir_and_proc_id(void)
{
	const char *dir = path("a/b/spool");
	struct spool_stats st;
	struct spool *sp = open_spool(dir, 0);
	char buf[32], want[32];
	FILE *f;

	spool_stats(sp, &st);
	CHECK_EQ(st.batches, 0);
	CHECK_EQ(st.bytes, 0);
	CHECK_EQ(st.dropped, 0);
	CHECK_EQ(st.next_seq, 1);
	CHECK(st.proc_id != 0);
	f = fopen(path("a/b/spool/proc_id"), "r");
	CHECK(f && fgets(buf, sizeof(buf), f));
	snprintf(want, sizeof(want), "%" PRIu32 "\n", st.proc_id);
	check_str("proc_id file", f ? buf : "", want);
	if (f)
		fclose(f);
	spool_close(sp);
}

/*
 * The exact body: the logtail member first, rendered by json-c, then the
 * message's members; an empty message has no trailing comma.
 */
static void test_put_wraps_messages_in_envelope(void)
{
	const char *dir = path("envelope");
	const char *msgs[] = { "{\"a\":1}", "{}", "{ \"nodeId\":\"n1\"}" };
	struct spool *sp = open_spool(dir, 0);
	struct json_object *arr, *lt, *t;
	struct spool_stats st;
	char want[1024];
	const char *body, *ct;
	size_t len;

	CHECK_EQ(put(sp, 1, msgs, 3), 0);
	spool_stats(sp, &st);
	CHECK_EQ(st.batches, 1);
	CHECK_EQ(st.entries, 3);
	CHECK_EQ(st.next_seq, 4);
	CHECK_EQ(spool_peek_oldest(sp, &body, &len), 0);
	CHECK_EQ(strlen(body), len);
	CHECK_EQ(st.bytes, len);
	arr = json_tokener_parse(body);
	CHECK(arr && json_object_array_length(arr) == 3);
	if (!arr)
		goto out;
	json_object_object_get_ex(json_object_array_get_idx(arr, 0), "logtail",
				  &lt);
	json_object_object_get_ex(lt, "client_time", &t);
	ct = json_object_get_string(t);
	snprintf(want, sizeof(want),
		 "[{\"logtail\":{\"client_time\":\"%s\",\"proc_id\":%u,\"proc_seq\":1},\"a\":1},"
		 "{\"logtail\":{\"client_time\":\"%s\",\"proc_id\":%u,\"proc_seq\":2}},"
		 "{\"logtail\":{\"client_time\":\"%s\",\"proc_id\":%u,\"proc_seq\":3},\"nodeId\":\"n1\"}]",
		 ct, st.proc_id, ct, st.proc_id, ct, st.proc_id);
	check_str("batch body", body, want);
	/* RFC 3339 UTC: 2025-11-26T20:00:00[.fraction]Z */
	CHECK(strlen(ct) >= 20 && ct[4] == '-' && ct[10] == 'T' &&
	      ct[strlen(ct) - 1] == 'Z');
	json_object_put(arr);
out:
	spool_close(sp);
}

static void test_duplicate_window_is_not_written(void)
{
	const char *dir = path("dup");
	const char *msgs[] = { "{\"w\":1}", "{\"w\":1,\"i\":1}" };
	const char *msgs2[] = { "{\"w\":2}" };
	struct spool *sp = open_spool(dir, 0);
	struct spool_stats st;
	size_t lens[] = { 7 };

	CHECK_EQ(put(sp, 1, msgs, 2), 0);
	CHECK_EQ(put(sp, 1, msgs, 2), SPOOL_DUPLICATE);
	spool_stats(sp, &st);
	CHECK_EQ(st.batches, 1);
	CHECK_EQ(st.next_seq, 3);
	/* same seq, other times: a new window (the module was reloaded) */
	CHECK_EQ(spool_put_window(sp, 1, 1000, 600, msgs2, lens, 1), 0);
	CHECK_EQ(spool_put_window(sp, 1, 1000, 600, msgs2, lens, 1),
		 SPOOL_DUPLICATE);
	/* an empty window is recorded too */
	CHECK_EQ(spool_put_window(sp, 2, 2000, 2500, NULL, NULL, 0), 0);
	CHECK_EQ(spool_put_window(sp, 2, 2000, 2500, NULL, NULL, 0),
		 SPOOL_DUPLICATE);
	spool_stats(sp, &st);
	CHECK_EQ(st.batches, 2);
	CHECK_EQ(st.next_seq, 4);
	spool_close(sp);

	/* the crash case: acknowledged never happened, the window comes back */
	sp = open_spool(dir, 0);
	CHECK_EQ(spool_put_window(sp, 2, 2000, 2500, NULL, NULL, 0),
		 SPOOL_DUPLICATE);
	CHECK_EQ(put(sp, 3, msgs2, 1), 0);
	spool_stats(sp, &st);
	CHECK_EQ(st.batches, 3);
	CHECK_EQ(st.next_seq, 5);
	spool_close(sp);
}

static void test_reopen_keeps_entries_and_sequence(void)
{
	const char *dir = path("reopen");
	const char *msgs[] = { "{\"x\":\"one\"}", "{\"x\":\"two\"}" };
	struct spool *sp = open_spool(dir, 0);
	struct spool_stats st1, st2;
	struct json_object *arr;
	const char *body;
	char *copy;
	size_t len;

	CHECK_EQ(put(sp, 7, msgs, 2), 0);
	CHECK_EQ(put(sp, 8, msgs, 1), 0);
	spool_stats(sp, &st1);
	CHECK_EQ(spool_peek_oldest(sp, &body, &len), 0);
	copy = strdup(body);
	spool_close(sp);

	sp = open_spool(dir, 0);
	spool_stats(sp, &st2);
	CHECK_EQ(st2.proc_id, st1.proc_id);
	CHECK_EQ(st2.next_seq, 4);
	CHECK_EQ(st2.batches, 2);
	CHECK_EQ(st2.entries, 3);
	CHECK_EQ(st2.bytes, st1.bytes);
	CHECK_EQ(spool_peek_oldest(sp, &body, &len), 0);
	check_str("body after reopen", body, copy);
	free(copy);
	CHECK_EQ(put(sp, 8, msgs, 1), SPOOL_DUPLICATE);
	CHECK_EQ(put(sp, 9, msgs, 2), 0);
	CHECK_EQ(spool_delete_oldest(sp), 0);
	CHECK_EQ(spool_delete_oldest(sp), 0);
	arr = peek_json(sp);
	CHECK(arr && json_object_array_length(arr) == 2);
	if (arr) {
		CHECK_EQ(entry_seq(json_object_array_get_idx(arr, 0)), 4);
		CHECK_EQ(entry_seq(json_object_array_get_idx(arr, 1)), 5);
		json_object_put(arr);
	}
	CHECK_EQ(spool_delete_oldest(sp), 0);
	CHECK_EQ(spool_peek_oldest(sp, &body, &len), -ENOENT);
	CHECK_EQ(spool_delete_oldest(sp), -ENOENT);
	spool_stats(sp, &st2);
	CHECK_EQ(st2.batches, 0);
	CHECK_EQ(st2.bytes, 0);
	CHECK_EQ(st2.next_seq, 6);
	spool_close(sp);

	/* sequence numbers survive an empty spool too */
	sp = open_spool(dir, 0);
	spool_stats(sp, &st2);
	CHECK_EQ(st2.next_seq, 6);
	CHECK_EQ(count_files(dir, ".batch"), 0);
	spool_close(sp);
}

/* A message {"p":"xxx..."} of exactly @len bytes. */
static char *message(size_t len, char fill)
{
	char *m = malloc(len + 1);

	memcpy(m, "{\"p\":\"", 6);
	memset(m + 6, fill, len - 8);
	memcpy(m + len - 2, "\"}", 3);
	return m;
}

/* Entry counts of the batches, oldest first, each checked against the max. */
static void batch_counts(struct spool *sp, size_t *counts, size_t *n,
			 uint64_t *first_seq)
{
	const char *body;
	size_t len;

	*n = 0;
	while (!spool_peek_oldest(sp, &body, &len)) {
		struct json_object *arr = json_tokener_parse(body);
		size_t cnt = arr ? json_object_array_length(arr) : 0;

		if (cnt > 1)
			CHECK(len <= SPOOL_BATCH_MAX);
		if (arr)
			first_seq[*n] = entry_seq(json_object_array_get_idx(arr, 0));
		counts[(*n)++] = cnt;
		json_object_put(arr);
		spool_delete_oldest(sp);
	}
}

static void test_batches_stay_under_256k(void)
{
	const char *dir = path("batches");
	struct spool *sp = open_spool(dir, 0);
	size_t counts[16], n, i, lens[5];
	uint64_t seqs[16];
	char *m[5];

	/* entries of ~100 KB: two fit in a batch, a third does not */
	for (i = 0; i < 5; i++) {
		m[i] = message(100000, 'a' + i);
		lens[i] = 100000;
	}
	CHECK_EQ(spool_put_window(sp, 1, 1, 2, (const char *const *)m, lens, 5), 0);
	batch_counts(sp, counts, &n, seqs);
	CHECK_EQ(n, 3);
	CHECK_EQ(counts[0], 2);
	CHECK_EQ(counts[1], 2);
	CHECK_EQ(counts[2], 1);
	CHECK_EQ(seqs[0], 1);
	CHECK_EQ(seqs[1], 3);
	CHECK_EQ(seqs[2], 5);
	for (i = 0; i < 5; i++)
		free(m[i]);

	/* an entry over 256 KiB on its own goes alone */
	m[0] = message(1000, 'x');
	m[1] = message(SPOOL_BATCH_MAX, 'y');
	m[2] = message(1000, 'z');
	lens[0] = 1000;
	lens[1] = SPOOL_BATCH_MAX;
	lens[2] = 1000;
	CHECK_EQ(spool_put_window(sp, 2, 1, 2, (const char *const *)m, lens, 3), 0);
	batch_counts(sp, counts, &n, seqs);
	CHECK_EQ(n, 3);
	CHECK_EQ(counts[0], 1);
	CHECK_EQ(counts[1], 1);
	CHECK_EQ(counts[2], 1);
	CHECK_EQ(seqs[0], 6);
	CHECK_EQ(seqs[2], 8);
	for (i = 0; i < 3; i++)
		free(m[i]);

	/*
	 * At the boundary: two entries share a batch exactly when "[e1,e2]"
	 * takes at most 262144 bytes. client_time's length varies (trailing
	 * zeros are trimmed), so the sizes are steered by what each put gave.
	 */
	{
		const char *one[] = { "{}" };
		struct spool_stats st;
		bool saw_full = false, saw_split = false;
		uint64_t w = 3;
		size_t env, base;
		int tries;

		/* "[" "{\"logtail\":...}" "]": the entry of "{}" is env + 1 */
		CHECK_EQ(spool_put_window(sp, w++, 1, 2, one, (size_t[]){ 2 }, 1), 0);
		spool_stats(sp, &st);
		env = st.bytes - 3;
		spool_delete_oldest(sp);
		lens[0] = 100000;
		m[0] = message(lens[0], 'p');
		base = SPOOL_BATCH_MAX - 3 - 2 * env - lens[0];
		lens[1] = base;
		/* steer to the exact boundary and one past it */
		for (tries = 0; tries < 40 && !(saw_full && saw_split); tries++) {
			m[1] = message(lens[1], 'q');
			CHECK_EQ(spool_put_window(sp, w++, 1, 2,
						  (const char *const *)m, lens, 2), 0);
			free(m[1]);
			spool_stats(sp, &st);
			if (st.batches == 1) {
				CHECK(st.bytes <= SPOOL_BATCH_MAX);
				saw_full |= st.bytes == SPOOL_BATCH_MAX;
				lens[1] += st.bytes == SPOOL_BATCH_MAX ? 1 :
					   SPOOL_BATCH_MAX - st.bytes;
			} else {
				/* joined, "[e1]" "[e2]" would be "[e1,e2]" */
				CHECK_EQ(st.batches, 2);
				CHECK(st.bytes - 1 > SPOOL_BATCH_MAX);
				saw_split = true;
				lens[1] -= st.bytes - 1 - SPOOL_BATCH_MAX;
			}
			while (!spool_delete_oldest(sp))
				;
		}
		CHECK(saw_full);
		CHECK(saw_split);
		free(m[0]);
	}
	spool_close(sp);
}

/* The next batch of cursor @id: its first seq and dropped count, or 0. */
static uint64_t cursor_next(struct spool *sp, int id, uint64_t *dropped,
			    struct spool_item *it)
{
	struct buf body = { 0 };
	struct spool_item tmp;
	int ret;

	if (!it)
		it = &tmp;
	ret = spool_cursor_read(sp, id, &body, it);
	buf_free(&body);
	if (ret)
		return 0;
	*dropped = it->dropped;
	return it->first_seq;
}

/* Delivers the next batch of cursor @id; its first seq. */
static uint64_t cursor_deliver(struct spool *sp, int id, uint64_t *dropped)
{
	struct spool_item it;
	uint64_t seq = cursor_next(sp, id, dropped, &it);

	if (seq)
		CHECK_EQ(spool_cursor_done(sp, id, &it), 0);
	return seq;
}

static void add_cursor(struct spool *sp, const char *name, int *id)
{
	if (spool_cursor_add(sp, name, id))
		die(name);
}

/*
 * Two sinks: the cap deletes a batch only the slow one had not delivered;
 * the slow one learns how many entries it lost, the fast one nothing.
 */
static void test_cap_drops_reach_only_the_slow_cursor(void)
{
	const char *dir = path("cap");
	struct spool *sp = open_spool(dir, 250000);
	struct spool_stats st;
	size_t lens[1] = { 100000 };
	uint64_t dropped = 99;
	char *m = message(100000, 'c'), *big = message(200000, 'd');
	const char *const one[] = { m }, *const bigone[] = { big };
	int fast, slow;

	add_cursor(sp, "fast", &fast);
	add_cursor(sp, "slow", &slow);
	CHECK_EQ(spool_cursor_add(sp, "fast", &slow), 0);
	CHECK_EQ(slow, fast);
	add_cursor(sp, "slow", &slow);
	CHECK_EQ(spool_cursor_add(sp, "no/such", &fast), -EINVAL);
	CHECK_EQ(spool_cursor_prune(sp), 0);
	CHECK_EQ(spool_put_window(sp, 1, 1, 2, one, lens, 1), 0);
	CHECK_EQ(spool_put_window(sp, 2, 1, 2, one, lens, 1), 0);
	CHECK_EQ(cursor_deliver(sp, fast, &dropped), 1);
	CHECK_EQ(dropped, 0);
	spool_stats(sp, &st);
	CHECK_EQ(st.batches, 2);	/* the slow sink still needs window 1 */
	/* the third does not fit: window 1 goes, undelivered by "slow" */
	CHECK_EQ(spool_put_window(sp, 3, 1, 2, one, lens, 1), 0);
	spool_stats(sp, &st);
	CHECK_EQ(st.dropped, 1);
	CHECK_EQ(st.batches, 2);
	CHECK_EQ(st.entries, 2);	/* no marker in the shared spool */
	CHECK_EQ(st.next_seq, 4);
	CHECK(st.bytes <= 250000);
	CHECK_EQ(cursor_deliver(sp, fast, &dropped), 2);
	CHECK_EQ(dropped, 0);
	CHECK_EQ(cursor_deliver(sp, fast, &dropped), 3);
	CHECK_EQ(dropped, 0);
	CHECK_EQ(cursor_deliver(sp, fast, &dropped), 0);
	CHECK_EQ(cursor_deliver(sp, slow, &dropped), 2);
	CHECK_EQ(dropped, 1);
	spool_stats(sp, &st);
	CHECK_EQ(st.batches, 1);	/* window 2: both have it, deleted */
	spool_close(sp);

	/* cursors survive a restart; window 4 pushes out 3, which only
	 * "slow" lacks */
	sp = open_spool(dir, 250000);
	add_cursor(sp, "slow", &slow);
	add_cursor(sp, "fast", &fast);
	CHECK_EQ(spool_cursor_prune(sp), 0);
	lens[0] = 200000;
	CHECK_EQ(spool_put_window(sp, 4, 1, 2, bigone, lens, 1), 0);
	spool_stats(sp, &st);
	CHECK_EQ(st.dropped, 2);
	CHECK_EQ(st.batches, 1);
	CHECK_EQ(cursor_next(sp, fast, &dropped, NULL), 4);
	CHECK_EQ(dropped, 0);
	CHECK_EQ(cursor_next(sp, slow, &dropped, NULL), 4);
	CHECK_EQ(dropped, 1);
	spool_close(sp);

	/* "slow" leaves the configuration: forgotten, its batches go with
	 * the last sink that needed them */
	sp = open_spool(dir, 250000);
	add_cursor(sp, "fast", &fast);
	CHECK_EQ(spool_cursor_prune(sp), 0);
	CHECK_EQ(count_files(path("cap/cursors"), "slow"), 0);
	CHECK_EQ(count_files(path("cap/cursors"), "ast"), 1);
	CHECK_EQ(cursor_deliver(sp, fast, &dropped), 4);
	CHECK_EQ(count_files(dir, ".batch"), 0);
	/* a sink added now starts with the next batch: nothing is lost */
	add_cursor(sp, "late", &slow);
	lens[0] = 100000;
	CHECK_EQ(spool_put_window(sp, 5, 1, 2, one, lens, 1), 0);
	CHECK_EQ(cursor_next(sp, slow, &dropped, NULL), 5);
	CHECK_EQ(dropped, 0);
	spool_close(sp);
	free(m);
	free(big);
}

static void copy_file(const char *from, const char *to)
{
	char buf[65536];
	size_t n;
	FILE *in = fopen(from, "r"), *out = fopen(to, "w");

	if (!in || !out)
		die(from);
	while ((n = fread(buf, 1, sizeof(buf), in)))
		fwrite(buf, 1, n, out);
	fclose(in);
	fclose(out);
}

/* Each state a crash between two system calls of a put can leave. */
static void test_recovery_after_crash(void)
{
	const char *dir = path("crash");
	const char *msgs[] = { "{\"r\":1}", "{\"r\":2}" };
	struct spool *sp = open_spool(dir, 0);
	struct spool_stats st;
	const char *body;
	char *before, b[256], p[256];
	size_t len;

	CHECK_EQ(put(sp, 1, msgs, 2), 0);
	CHECK_EQ(spool_peek_oldest(sp, &body, &len), 0);
	before = strdup(body);
	spool_close(sp);

	/* committed but not renamed: rolled forward */
	snprintf(b, sizeof(b), "%s/%020d-2.batch", dir, 1);
	snprintf(p, sizeof(p), "%s/%020d-2.pend", dir, 1);
	CHECK_EQ(rename(b, p), 0);
	/* written but not committed (seq >= next_seq): rolled back */
	write_text(path("crash/00000000000000000003-5.pend"), "[{\"half\":");
	/* temporary files of any kind: deleted */
	write_text(path("crash/state.tmp"), "garbage");
	write_text(path("crash/proc_id.tmp"), "garbage");
	write_text(path("crash/unrelated"), "kept");

	sp = open_spool(dir, 0);
	spool_stats(sp, &st);
	CHECK_EQ(st.batches, 1);
	CHECK_EQ(st.entries, 2);
	CHECK_EQ(st.next_seq, 3);
	CHECK_EQ(spool_peek_oldest(sp, &body, &len), 0);
	check_str("rolled-forward batch", body, before);
	CHECK_EQ(count_files(dir, ".pend"), 0);
	CHECK_EQ(count_files(dir, ".tmp"), 0);
	CHECK(access(path("crash/unrelated"), F_OK) == 0);
	CHECK(access(b, F_OK) == 0);
	/* the window was committed: it is not written again */
	CHECK_EQ(put(sp, 1, msgs, 2), SPOOL_DUPLICATE);
	spool_close(sp);

	/* a batch the cap deleted, come back (crash before the unlink): gone */
	copy_file(b, path("keep"));
	sp = open_spool(dir, 200);
	CHECK_EQ(put(sp, 2, msgs, 1), 0);
	spool_stats(sp, &st);
	CHECK_EQ(st.dropped, 2);
	spool_close(sp);
	CHECK(access(b, F_OK) != 0);
	copy_file(path("keep"), b);
	sp = open_spool(dir, 200);
	spool_stats(sp, &st);
	CHECK_EQ(st.batches, 1);
	CHECK_EQ(st.entries, 1);	/* window 2; markers are per sink */
	CHECK(access(b, F_OK) != 0);
	spool_close(sp);

	/* a lost state file must not reuse sequence numbers */
	CHECK_EQ(unlink(path("crash/state")), 0);
	sp = open_spool(dir, 0);
	spool_stats(sp, &st);
	CHECK_EQ(st.next_seq, 4);
	spool_close(sp);

	/* a corrupt state file is an error, not a fresh start */
	write_text(path("crash/state"), "netlog-spool 1\nnext_seq banana\n");
	CHECK_EQ(spool_open(dir, 0, &sp), -EINVAL);
	free(before);
}

static void test_bad_input_and_lock(void)
{
	const char *dir = path("bad");
	const char *bad[] = { "{\"ok\":1}", "[1,2]" };
	struct spool *sp = open_spool(dir, 0), *sp2;
	struct spool_stats st;
	struct json_object *arr;

	CHECK_EQ(put(sp, 1, bad, 2), -EINVAL);
	spool_stats(sp, &st);
	CHECK_EQ(st.batches, 0);
	CHECK_EQ(st.next_seq, 1);
	CHECK_EQ(count_files(dir, ".pend"), 0);
	/* not recorded: the same window may come again */
	CHECK_EQ(put(sp, 1, bad, 1), 0);
	CHECK_EQ(spool_open(dir, 0, &sp2), -EBUSY);

	CHECK_EQ(spool_put_text(sp, "logger closing down\n"), 0);
	CHECK_EQ(spool_delete_oldest(sp), 0);
	arr = peek_json(sp);
	CHECK(arr && json_object_array_length(arr) == 1);
	if (arr) {
		struct json_object *e = json_object_array_get_idx(arr, 0);

		CHECK_EQ(entry_seq(e), 2);
		check_str("text", entry_text(e),
			  "logger closing down\n");
		json_object_put(arr);
	}
	/* put_text does not change the window identity */
	CHECK_EQ(put(sp, 1, bad, 1), SPOOL_DUPLICATE);
	spool_close(sp);
}

/*
 * A window streamed message by message: full batches are on disk as .pend
 * before the commit but not in the queue; abort (and a failed add) deletes
 * them, and the sequence numbers they held are used again.
 */
static void test_streamed_window(void)
{
	const char *dir = path("stream");
	struct spool *sp = open_spool(dir, 0);
	struct spool_stats st;
	char *m = message(100000, 's');
	size_t counts[8], n, i;
	uint64_t seqs[8];

	CHECK_EQ(spool_window_begin(sp, 1, 10, 20), 0);
	CHECK_EQ(spool_window_begin(sp, 2, 10, 20), -EBUSY);
	for (i = 0; i < 5; i++)
		CHECK_EQ(spool_window_add(sp, m, 100000), 0);
	/* 2 entries per batch: two batches are written, one is open */
	CHECK_EQ(count_files(dir, ".pend"), 2);
	spool_stats(sp, &st);
	CHECK_EQ(st.batches, 0);
	CHECK_EQ(st.next_seq, 1);
	spool_window_abort(sp);
	CHECK_EQ(count_files(dir, ".pend"), 0);

	/* a bad message ends the window, with what it wrote */
	CHECK_EQ(spool_window_begin(sp, 1, 10, 20), 0);
	for (i = 0; i < 3; i++)
		CHECK_EQ(spool_window_add(sp, m, 100000), 0);
	CHECK_EQ(spool_window_add(sp, "[1]", 3), -EINVAL);
	CHECK_EQ(count_files(dir, ".pend"), 0);
	CHECK_EQ(spool_window_add(sp, m, 100000), -EINVAL);
	CHECK_EQ(spool_window_commit(sp), -EINVAL);

	/* the same window again, committed */
	CHECK_EQ(spool_window_begin(sp, 1, 10, 20), 0);
	for (i = 0; i < 5; i++)
		CHECK_EQ(spool_window_add(sp, m, 100000), 0);
	CHECK_EQ(spool_window_commit(sp), 0);
	CHECK_EQ(count_files(dir, ".pend"), 0);
	batch_counts(sp, counts, &n, seqs);
	CHECK_EQ(n, 3);
	CHECK(n == 3 && counts[0] == 2 && counts[1] == 2 && counts[2] == 1);
	CHECK(n == 3 && seqs[0] == 1 && seqs[1] == 3 && seqs[2] == 5);
	CHECK_EQ(spool_window_begin(sp, 1, 10, 20), SPOOL_DUPLICATE);

	/* closed with a window open: its batches are deleted */
	CHECK_EQ(spool_window_begin(sp, 2, 20, 30), 0);
	for (i = 0; i < 3; i++)
		CHECK_EQ(spool_window_add(sp, m, 100000), 0);
	CHECK_EQ(count_files(dir, ".pend"), 1);
	spool_close(sp);
	CHECK_EQ(count_files(dir, ".pend"), 0);
	sp = open_spool(dir, 0);
	spool_stats(sp, &st);
	CHECK_EQ(st.next_seq, 6);
	CHECK_EQ(st.entries, 0);	/* batch_counts() deleted them */
	spool_close(sp);
	free(m);
}

/* Window @w's counts in these tests: misses w, 100w; excluded 2w, 60w. */
static void window_counts(uint64_t w, struct counts *miss, struct counts *excl)
{
	*miss = (struct counts){ w, 100 * w };
	*excl = (struct counts){ 2 * w, 60 * w };
}

/* Window @w of the @n messages @m, with its counts. */
static int put_counted(struct spool *sp, uint64_t w, char *const *m,
		       const size_t *lens, size_t n)
{
	struct counts miss, excl;
	size_t i;
	int ret = spool_window_begin(sp, w, w * 1000, w * 1000 + 500);

	window_counts(w, &miss, &excl);
	if (!ret)
		ret = spool_window_counts(sp, &miss, &excl);
	for (i = 0; !ret && i < n; i++)
		ret = spool_window_add(sp, m[i], lens[i]);
	return ret ? ret : spool_window_commit(sp);
}

/* The item read is the first of window @w for its cursor, its counts exact. */
static void check_meta(const struct spool_item *it, uint64_t w)
{
	struct counts miss, excl;

	window_counts(w, &miss, &excl);
	CHECK(it->has_meta);
	CHECK_EQ(it->meta.seq, w);
	CHECK_EQ(it->meta.start_ns, w * 1000);
	CHECK_EQ(it->meta.end_ns, w * 1000 + 500);
	CHECK_EQ(it->meta.miss_table_full.pkts, miss.pkts);
	CHECK_EQ(it->meta.miss_table_full.bytes, miss.bytes);
	CHECK_EQ(it->meta.excluded.pkts, excl.pkts);
	CHECK_EQ(it->meta.excluded.bytes, excl.bytes);
}

/*
 * A window of three batches: its metadata goes with its first batch, to
 * each cursor once (again when that batch is read again, not delivered);
 * it is deleted with its last batch, by the cursors or by the cap, and a
 * cursor whose first batches of it the cap took gets it with the first
 * one left. A window without counts has them 0; a text entry has none.
 */
static void test_window_meta_goes_with_first_batch(void)
{
	const char *dir = path("meta");
	struct spool *sp = open_spool(dir, 450000);
	char *m[5];
	size_t lens[5], i;
	struct spool_item it;
	uint64_t dropped;
	int a, b;

	for (i = 0; i < 5; i++) {
		m[i] = message(100000, 'm');
		lens[i] = 100000;
	}
	add_cursor(sp, "a", &a);
	add_cursor(sp, "b", &b);
	CHECK_EQ(spool_window_counts(sp, &(struct counts){ 1, 1 },
				     &(struct counts){ 1, 1 }), -EINVAL);
	CHECK_EQ(put_counted(sp, 1, m, lens, 5), 0);
	CHECK_EQ(count_files(dir, ".window"), 1);
	CHECK(access(path("meta/00000000000000000001-5.window"), F_OK) == 0);
	CHECK_EQ(cursor_next(sp, a, &dropped, &it), 1);
	check_meta(&it, 1);
	CHECK_EQ(cursor_next(sp, a, &dropped, &it), 1);	/* a retry */
	check_meta(&it, 1);
	CHECK_EQ(cursor_deliver(sp, a, &dropped), 1);
	CHECK_EQ(cursor_next(sp, a, &dropped, &it), 3);
	CHECK(!it.has_meta);
	CHECK_EQ(cursor_deliver(sp, a, &dropped), 3);
	CHECK_EQ(cursor_next(sp, a, &dropped, &it), 5);
	CHECK(!it.has_meta);
	CHECK_EQ(cursor_deliver(sp, a, &dropped), 5);
	CHECK_EQ(cursor_next(sp, b, &dropped, &it), 1);
	check_meta(&it, 1);
	CHECK_EQ(cursor_deliver(sp, b, &dropped), 1);
	CHECK_EQ(cursor_deliver(sp, b, &dropped), 3);
	CHECK_EQ(count_files(dir, ".window"), 1);
	CHECK_EQ(cursor_deliver(sp, b, &dropped), 5);
	CHECK_EQ(count_files(dir, ".window"), 0);
	CHECK_EQ(count_files(dir, ".batch"), 0);

	/* the cap takes window 2's first batch: b gets it with the second */
	CHECK_EQ(put_counted(sp, 2, m, lens, 3), 0);		/* 6-7, 8 */
	CHECK_EQ(cursor_deliver(sp, a, &dropped), 6);
	CHECK_EQ(put_counted(sp, 3, m, lens, 2), 0);		/* 9-10 */
	CHECK_EQ(cursor_next(sp, b, &dropped, &it), 8);
	CHECK_EQ(dropped, 2);
	check_meta(&it, 2);
	CHECK_EQ(cursor_next(sp, a, &dropped, &it), 8);
	CHECK(!it.has_meta);
	CHECK_EQ(count_files(dir, ".window"), 2);
	/* and then its last one: window 2's metadata goes with it */
	CHECK_EQ(put_counted(sp, 4, m, lens, 2), 0);		/* 11-12 */
	CHECK_EQ(count_files(dir, ".window"), 2);
	CHECK(access(path("meta/00000000000000000006-3.window"), F_OK) != 0);
	CHECK_EQ(cursor_next(sp, a, &dropped, &it), 9);
	check_meta(&it, 3);
	spool_close(sp);

	/* reopened: the same, from the files */
	sp = open_spool(dir, 450000);
	add_cursor(sp, "a", &a);
	CHECK_EQ(cursor_next(sp, a, &dropped, &it), 9);
	check_meta(&it, 3);
	/* without counts: 0s; text entries: none */
	CHECK_EQ(spool_put_window(sp, 5, 5000, 5500, (const char *const *)m,
				  lens, 1), 0);
	CHECK_EQ(spool_put_text(sp, "logger closing down\n"), 0);
	/* the cap took window 3, and its metadata */
	CHECK_EQ(count_files(dir, ".window"), 2);
	CHECK(access(path("meta/00000000000000000009-2.window"), F_OK) != 0);
	CHECK(access(path("meta/00000000000000000013-1.window"), F_OK) == 0);
	spool_close(sp);
	for (i = 0; i < 5; i++)
		free(m[i]);
}

/*
 * Each state a crash can leave the metadata in: written with batches of a
 * window that never committed (deleted with them), committed with its
 * batches not yet renamed (kept), left behind by the window's last batch
 * (deleted), unreadable in a committed window (deleted, warned).
 */
static void test_window_meta_recovery(void)
{
	const char *dir = path("metacrash");
	struct spool *sp = open_spool(dir, 0);
	char *m[1] = { "{\"r\":1}" };
	size_t lens[1] = { 7 };
	struct spool_item it;
	uint64_t dropped;
	int a;

	CHECK_EQ(put_counted(sp, 1, m, lens, 1), 0);
	CHECK_EQ(put_counted(sp, 2, m, lens, 1), 0);
	spool_close(sp);
	/* window 2 committed, not renamed; window 3 written, not committed */
	CHECK_EQ(rename(path("metacrash/00000000000000000002-1.batch"),
			path("metacrash/00000000000000000002-1.pend")), 0);
	write_text(path("metacrash/00000000000000000003-1.pend"), "[{}]");
	write_text(path("metacrash/00000000000000000003-1.window"),
		   "netlog-window 1\nwindow 3 3000 3500\nmiss_table_full 3 300\n"
		   "excluded 6 180\n");
	/* window 1's batch deleted, its metadata not */
	CHECK_EQ(unlink(path("metacrash/00000000000000000001-1.batch")), 0);
	sp = open_spool(dir, 0);
	CHECK_EQ(count_files(dir, ".window"), 1);
	CHECK(access(path("metacrash/00000000000000000002-1.window"), F_OK) == 0);
	add_cursor(sp, "a", &a);
	CHECK_EQ(cursor_next(sp, a, &dropped, &it), 2);
	check_meta(&it, 2);
	spool_close(sp);

	/* torn (a crash mid-write only hits uncommitted ones, but still) */
	write_text(path("metacrash/00000000000000000002-1.window"),
		   "netlog-window 1\nwindow 2 2000");
	sp = open_spool(dir, 0);
	CHECK_EQ(count_files(dir, ".window"), 0);
	add_cursor(sp, "a", &a);
	CHECK_EQ(cursor_next(sp, a, &dropped, &it), 2);
	CHECK(!it.has_meta);
	spool_close(sp);
}

/*
 * A "daemon" spools windows and acknowledges them in a file (the kernel);
 * it is killed at random moments and restarted at the first unacknowledged
 * window. In the end every window's entries are in the spool exactly once,
 * in order, with proc_seq 1, 2, 3, ...
 */
static void crash_child(const char *dir, const char *ackfile)
{
	struct spool *sp;
	uint64_t w = ack_read(ackfile);

	if (spool_open(dir, 0, &sp))
		_exit(1);
	for (w++; ; w++) {
		char m0[64], m1[64];
		const char *msgs[] = { m0, m1 };
		size_t lens[2];
		int fd, ret;

		lens[0] = snprintf(m0, sizeof(m0), "{\"w\":%" PRIu64 ",\"i\":0}", w);
		lens[1] = snprintf(m1, sizeof(m1), "{\"w\":%" PRIu64 ",\"i\":1}", w);
		ret = put_counted(sp, w, (char *const *)msgs, lens, 2);
		if (ret < 0)
			_exit(2);
		if (ret == SPOOL_DUPLICATE) {
			fd = open(path("dups"), O_WRONLY | O_APPEND | O_CREAT, 0600);
			if (fd >= 0 && write(fd, "d", 1) < 0)
				_exit(3);
			close(fd);
		}
		if (ack_write(ackfile, w))
			_exit(4);
	}
}

/*
 * After the kills: every window spooled has its metadata, exact, handed
 * once with its batch, and no other .window file is left.
 */
static void check_killed_meta(struct spool *sp, const char *dir)
{
	struct spool_item it;
	uint64_t dropped, w = 0;
	int c, hold;

	add_cursor(sp, "meta", &c);
	add_cursor(sp, "hold", &hold);	/* keeps the batches for the caller */
	while (cursor_next(sp, c, &dropped, &it)) {
		w++;
		check_meta(&it, w);
		CHECK_EQ(it.first_seq, 2 * w - 1);
		CHECK_EQ(spool_cursor_done(sp, c, &it), 0);
	}
	CHECK_EQ(count_files(dir, ".window"), w);
	CHECK(w > 1);
}

static void test_killed_at_random_loses_and_duplicates_nothing(void)
{
	const char *dir = path("killed");
	const char *ackfile = path("ack");
	struct spool_stats st;
	struct spool *sp;
	const char *body;
	uint64_t want_seq = 1, want_w = 1, want_i = 0;
	size_t len;
	int round, rounds = 40;
	struct timespec t0, t1;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	srand(getpid());
	for (round = 0; round < rounds; round++) {
		pid_t pid = crash_fork();

		if (!pid)
			crash_child(dir, ackfile);
		usleep(1000 + rand() % 20000);
		crash_kill(pid);
	}
	sp = open_spool(dir, 0);
	spool_stats(sp, &st);
	check_killed_meta(sp, dir);
	while (!spool_peek_oldest(sp, &body, &len)) {
		struct json_object *arr = json_tokener_parse(body);
		size_t i, n = arr ? json_object_array_length(arr) : 0;

		CHECK(arr);
		for (i = 0; i < n; i++) {
			struct json_object *e = json_object_array_get_idx(arr, i);
			struct json_object *w, *ii;

			json_object_object_get_ex(e, "w", &w);
			json_object_object_get_ex(e, "i", &ii);
			if (entry_seq(e) != want_seq ||
			    (uint64_t)json_object_get_int64(w) != want_w ||
			    (uint64_t)json_object_get_int64(ii) != want_i) {
				fprintf(stderr, "entry seq %" PRIu64 " w %" PRId64
					" i %" PRId64 ", want %" PRIu64 " %" PRIu64
					" %" PRIu64 "\n", entry_seq(e),
					json_object_get_int64(w),
					json_object_get_int64(ii), want_seq,
					want_w, want_i);
				failures++;
				json_object_put(arr);
				goto out;
			}
			want_seq++;
			want_w += want_i;
			want_i ^= 1;
		}
		json_object_put(arr);
		spool_delete_oldest(sp);
	}
out:
	CHECK_EQ(want_i, 0);
	CHECK_EQ(st.next_seq, want_seq);
	CHECK(want_w > 1);
	CHECK_EQ(count_files(dir, ".pend"), 0);
	CHECK_EQ(count_files(dir, ".tmp"), 0);
	spool_close(sp);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	{
		struct stat sb;

		printf("  killed %d times: %" PRIu64 " windows spooled exactly once, %lld duplicate windows refused, %.1f s\n",
		       rounds, want_w - 1,
		       stat(path("dups"), &sb) ? 0LL : (long long)sb.st_size,
		       (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9);
	}
}

int main(void)
{
	static const struct {
		const char *name;
		void (*fn)(void);
	} tests[] = {
#define T(fn) { #fn, fn }
		T(test_open_creates_dir_and_proc_id),
		T(test_put_wraps_messages_in_envelope),
		T(test_duplicate_window_is_not_written),
		T(test_reopen_keeps_entries_and_sequence),
		T(test_batches_stay_under_256k),
		T(test_cap_drops_reach_only_the_slow_cursor),
		T(test_recovery_after_crash),
		T(test_bad_input_and_lock),
		T(test_streamed_window),
		T(test_window_meta_goes_with_first_batch),
		T(test_window_meta_recovery),
		T(test_killed_at_random_loses_and_duplicates_nothing),
#undef T
	};
	size_t i;

	snprintf(root, sizeof(root), "/tmp/test-spool.XXXXXX");
	if (!mkdtemp(root))
		die("mkdtemp");
	for (i = 0; i < ARRAY_SIZE(tests); i++) {
		int before = failures;

		tests[i].fn();
		printf("%s %s\n", failures == before ? "ok  " : "FAIL",
		       tests[i].name);
	}
	if (!failures)
		rm_rf(root);
	else
		fprintf(stderr, "test-spool: %d failures; files in %s\n",
			failures, root);
	return failures ? 1 : 0;
}
