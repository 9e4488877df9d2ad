// SPDX-License-Identifier: GPL-2.0
/*
 * The file sink across logrotate: the real logrotate binary rotates
 * flows.jsonl (create, delaycompress: the configuration netlog's package
 * ships, no copytruncate) between deliveries, and every entry is in
 * flows.jsonl.1 or flows.jsonl exactly once, in order. Also the restart
 * case: a batch written just before a crash (still in the spool), then a
 * rotation, then netlogd started again on an empty flows.jsonl: the batch
 * delivered again adds nothing, because the sink finds its last entry in
 * flows.jsonl.1.
 *
 *   test-rotate
 */
#include <errno.h>
#include <ftw.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <json-c/json.h>

#include "check.h"
#include "tmpdir.h"
#include "spool.h"
#include "upload.h"
#include "config.h"

#define LOGROTATE "/usr/sbin/logrotate"
#define MAX_ENTRIES 64

/* What the sink must have written: (window, index) in proc_seq order. */
static struct {
	uint64_t w, i;
} want[MAX_ENTRIES];
static size_t nwant;

/* Spools window @w of @n messages {"w":w,"i":i}, and expects them. */
static void spool_window(struct spool *sp, uint64_t w, size_t n)
{
	char bufs[8][64];
	const char *msgs[8];
	size_t lens[8], i;

	for (i = 0; i < n; i++) {
		lens[i] = snprintf(bufs[i], sizeof(bufs[i]),
				   "{\"w\":%" PRIu64 ",\"i\":%zu}", w, i);
		msgs[i] = bufs[i];
		want[nwant].w = w;
		want[nwant++].i = i;
	}
	if (spool_put_window(sp, w, w * 1000, w * 1000 + 500, msgs, lens, n))
		die("spool_put_window");
}

static struct uploader *open_sink(void)
{
	static struct netlogd_config sinks;
	char err[CONFIG_ERR_LEN];
	struct upload_config cfg;
	struct uploader *up;

	config_free(&sinks);
	if (config_sink_add(&sinks, "file", "file", err, sizeof(err)) ||
	    config_sink_set(&sinks, &sinks.sinks[0], "path",
			    path("log/flows.jsonl"), err, sizeof(err)))
		die(err);
	sinks.sinks[0].line = 1;	/* a [sink] section, not the implicit sink */
	sinks.retry_min_ms = 10;
	sinks.retry_max_ms = 20;
	sinks.retry_cap_ms = 100;
	sinks.upload_timeout_ms = 1000;
	if (config_check(&sinks, err, sizeof(err)))
		die(err);
	config_upload(&sinks, 0, &cfg);
	if (upload_open(&cfg, &up))
		die("upload_open");
	return up;
}

/* Delivers the whole spool. */
static void deliver_all(struct uploader *up, struct spool *sp)
{
	uint64_t next = 0;
	int ret;

	while ((ret = upload_step(up, sp, next, &next)) == 1)
		;
	CHECK_EQ(ret, 0);
	CHECK(next == UINT64_MAX);
}

static void rotate(void)
{
	char cmd[512];
	FILE *f = fopen(path("logrotate.conf"), "w");

	if (!f)
		die("logrotate.conf");
	fprintf(f, "%s {\n\tdaily\n\trotate 14\n\tmissingok\n\tnotifempty\n"
		"\tcompress\n\tdelaycompress\n\tcreate 0640 root root\n}\n",
		path("log/flows.jsonl"));
	if (fclose(f))
		die("logrotate.conf");
	snprintf(cmd, sizeof(cmd), LOGROTATE " -f -s %s %s",
		 path("logrotate.state"), path("logrotate.conf"));
	CHECK_EQ(system(cmd), 0);
}

/*
 * Checks the @n lines read from @f against want[*@pos...], advancing
 * *@pos: each entry once, in proc_seq order.
 */
static void check_lines(FILE *f, const char *name, uint64_t first_seq,
			size_t *pos, size_t n)
{
	char line[512];
	size_t got = 0;

	while (fgets(line, sizeof(line), f)) {
		struct json_object *e = json_tokener_parse(line), *lt, *v;
		size_t k = *pos + got++;
		uint64_t seq = 0, w = 0, i = 0;

		if (e && json_object_object_get_ex(e, "logtail", &lt) &&
		    json_object_object_get_ex(lt, "proc_seq", &v))
			seq = json_object_get_uint64(v);
		if (e && json_object_object_get_ex(e, "w", &v))
			w = json_object_get_uint64(v);
		if (e && json_object_object_get_ex(e, "i", &v))
			i = json_object_get_uint64(v);
		json_object_put(e);
		if (k >= nwant || seq != first_seq + k || w != want[k].w ||
		    i != want[k].i) {
			fprintf(stderr, "%s: line %zu: proc_seq %" PRIu64 " w %" PRIu64 " i %" PRIu64 ", want entry %zu\n",
				name, got, seq, w, i, k);
			failures++;
		}
	}
	CHECK_EQ(got, n);
	*pos += got;
}

static void check_file(const char *name, uint64_t first_seq, size_t *pos,
		       size_t n)
{
	FILE *f = fopen(path("log/%s", name), "r");

	if (!f) {
		fprintf(stderr, "%s: %s\n", name, strerror(errno));
		failures++;
		return;
	}
	check_lines(f, name, first_seq, pos, n);
	fclose(f);
}

static void test_rotation_mid_stream(void)
{
	struct spool_stats ss;
	struct uploader *up;
	struct spool *sp;
	const char *body;
	uint64_t first, delay;
	size_t len, pos = 0;
	char cmd[400];
	FILE *gz;

	if (spool_open(path("spool"), 0, &sp))
		die("spool_open");
	spool_stats(sp, &ss);
	first = ss.next_seq;
	up = open_sink();

	/* window 1 delivered; window 2 written, then a crash before delete */
	spool_window(sp, 1, 3);
	deliver_all(up, sp);
	spool_window(sp, 2, 2);
	CHECK_EQ(spool_peek_oldest(sp, &body, &len), 0);
	CHECK_EQ(upload_send(up, body, len, &delay), 0);
	upload_close(up);

	/* rotated while netlogd is down; started again on an empty file */
	rotate();
	up = open_sink();
	spool_window(sp, 3, 2);
	deliver_all(up, sp);		/* window 2 again: skipped */
	check_file("flows.jsonl.1", first, &pos, 5);
	check_file("flows.jsonl", first, &pos, 2);

	/* rotated while netlogd runs, between two deliveries */
	spool_window(sp, 4, 3);
	deliver_all(up, sp);
	rotate();
	spool_window(sp, 5, 1);
	deliver_all(up, sp);
	upload_close(up);
	spool_close(sp);

	/* the first rotation, compressed by the second (delaycompress) */
	pos = 0;
	snprintf(cmd, sizeof(cmd), "zcat %s", path("log/flows.jsonl.2.gz"));
	gz = popen(cmd, "r");
	if (!gz)
		die("zcat");
	check_lines(gz, "flows.jsonl.2.gz", first, &pos, 5);
	CHECK_EQ(pclose(gz), 0);
	check_file("flows.jsonl.1", first, &pos, 5);
	check_file("flows.jsonl", first, &pos, 1);
	CHECK_EQ(pos, nwant);
	printf("test-rotate: %zu entries over flows.jsonl.2.gz, .1 and flows.jsonl, each once\n",
	       pos);
}

int main(void)
{
	snprintf(root, sizeof(root), "/tmp/test-rotate.XXXXXX");
	if (!mkdtemp(root))
		die("mkdtemp");
	if (access(LOGROTATE, X_OK)) {
		printf("test-rotate: SKIP: " LOGROTATE " is not installed (apt-get install logrotate)\n");
		rmdir(root);
		return 0;
	}
	test_rotation_mid_stream();
	if (!failures)
		nftw(root, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	else
		fprintf(stderr, "test-rotate: files in %s\n", root);
	return check_done("test-rotate");
}
