/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The sink tests' side of tests/collector/receiver.py: start one protocol's
 * fake service, read its /stats, stop it; a sink configured as a [sink]
 * section would be; an uploader run until its spool is empty.
 */
#ifndef NETLOG_TESTS_RECEIVER_H
#define NETLOG_TESTS_RECEIVER_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>
#include <curl/curl.h>
#include <json-c/json.h>

#include "tmpdir.h"
#include "clock.h"
#include "config.h"
#include "spool.h"
#include "upload.h"

static const char *receiver_py;

struct receiver {
	pid_t pid;
	int fd;
	char server[64];
	char out[256];		/* the records it kept, a JSON line each */
};

/* receiver.py --protocol @proto with @args (NULL-terminated). */
static void receiver_start(struct receiver *r, const char *name,
			   const char *proto, const char *const *args)
{
	const char *argv[40] = { "python3", receiver_py, "--protocol", proto,
				 "--port", "0", "--out", r->out };
	char line[32] = "";
	int fds[2], i = 8;
	ssize_t n;

	snprintf(r->out, sizeof(r->out), "%s", path("%s.jsonl", name));
	while (args && *args && i < 39)
		argv[i++] = *args++;
	argv[i] = NULL;
	if (pipe(fds))
		die("pipe");
	r->pid = fork();
	if (r->pid < 0)
		die("fork");
	if (!r->pid) {
		dup2(fds[1], STDOUT_FILENO);
		close(fds[0]);
		close(fds[1]);
		execv("/usr/bin/python3", (char **)argv);
		_exit(127);
	}
	close(fds[1]);
	r->fd = fds[0];
	n = read(r->fd, line, sizeof(line) - 1);
	if (n <= 0 || atoi(line) <= 0) {
		fprintf(stderr, "%s: %s did not start\n",
			program_invocation_short_name, receiver_py);
		exit(1);
	}
	snprintf(r->server, sizeof(r->server), "http://127.0.0.1:%d",
		 atoi(line));
}

static void receiver_stop(struct receiver *r)
{
	kill(r->pid, SIGTERM);
	waitpid(r->pid, NULL, 0);
	close(r->fd);
}

static size_t receiver_data(char *data, size_t size, size_t nmemb, void *arg)
{
	return fwrite(data, size, nmemb, arg);
}

/* GET /stats, parsed; json_object_put() it. */
static struct json_object *receiver_stats(const struct receiver *r)
{
	struct json_object *obj;
	char url[96], *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	CURL *curl = curl_easy_init();

	snprintf(url, sizeof(url), "%s/stats", r->server);
	curl_easy_setopt(curl, CURLOPT_URL, url);
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, receiver_data);
	curl_easy_setopt(curl, CURLOPT_WRITEDATA, f);
	curl_easy_setopt(curl, CURLOPT_TIMEOUT, 10L);
	if (curl_easy_perform(curl) != CURLE_OK)
		die(url);
	curl_easy_cleanup(curl);
	fclose(f);
	obj = json_tokener_parse(buf);
	free(buf);
	if (!obj)
		die("stats");
	return obj;
}

/* A member of /stats by a path of keys ("status", "200"): -1 if none. */
static int64_t stat_at(struct json_object *st, const char *k1,
		       const char *k2)
{
	struct json_object *v = st;

	if (!json_object_object_get_ex(v, k1, &v) ||
	    (k2 && !json_object_object_get_ex(v, k2, &v)))
		return -1;
	return json_object_get_int64(v);
}

/* The whole of file @p, or NULL. */
static char *read_file(const char *p)
{
	char *data = NULL;
	size_t len = 0;
	FILE *in = fopen(p, "r"), *out;
	int c;

	if (!in)
		return NULL;
	out = open_memstream(&data, &len);
	while ((c = getc(in)) != EOF)
		putc(c, out);
	fclose(in);
	fclose(out);
	return data;
}

/* A file of mode 0600 holding @text, for a *_file key. */
static const char *secret_file(const char *name, const char *text)
{
	const char *p = path("%s", name);
	FILE *f = fopen(p, "w");

	if (!f || fputs(text, f) < 0 || fchmod(fileno(f), 0600) || fclose(f))
		die(p);
	return p;
}

/*
 * Record @i of a window starting at @start (RFC 3339), as netlogd makes
 * them: virtual traffic, and exit traffic when @exit; into @buf.
 */
static size_t record_json(char *buf, size_t size, int i, const char *start,
			  bool exit)
{
	return snprintf(buf, size,
			"{\"nodeId\":\"nNODE1CNTRL\",\"start\":\"%s\",\"end\":\"2024-05-06T07:59:59.5Z\","
			"\"virtualTraffic\":[{\"proto\":6,\"src\":\"100.64.0.1:%d\",\"dst\":\"100.64.0.2:443\",\"txPkts\":3,\"txBytes\":180,\"rxPkts\":2,\"rxBytes\":120},"
			"{\"proto\":17,\"src\":\"100.64.0.1:%d\",\"dst\":\"100.64.0.3:53\",\"txPkts\":1,\"txBytes\":60}]%s}",
			start, 40000 + i, 50000 + i,
			exit ? ",\"exitTraffic\":[{\"proto\":6,\"src\":\"100.64.0.1:41000\",\"dst\":\"1.1.1.1:443\",\"rxPkts\":9,\"rxBytes\":9000}]" : "");
}

/*
 * @n records (record_json(), exit traffic in odd ones) as window @w, the
 * record @i starting at @starts[i].
 */
static void spool_starts(struct spool *sp, uint64_t w,
			 const char *const *starts, size_t n,
			 char msgs[][1024])
{
	const char *p[16];
	size_t lens[16], i;

	for (i = 0; i < n && i < 16; i++) {
		lens[i] = record_json(msgs[i], 1024, (int)(w * 100 + i),
				      starts[i], i % 2);
		p[i] = msgs[i];
	}
	if (spool_put_window(sp, w, w * 1000, w * 1000 + 500, p, lens, n) < 0)
		die("spool_put_window");
}

/* The same, all starting at @start. */
static void spool_records(struct spool *sp, uint64_t w, const char *start,
			  size_t n, char msgs[][1024])
{
	const char *starts[16];
	size_t i;

	for (i = 0; i < n && i < 16; i++)
		starts[i] = start;
	spool_starts(sp, w, starts, n, msgs);
}

static struct netlogd_config sinks;

/* A sink of @type from @n key-value pairs, as a [sink] section. */
static void sink_config(struct upload_config *cfg, const char *type,
			const char *const *kv, size_t n)
{
	char err[CONFIG_ERR_LEN], name[16];
	struct sink_config *sc;
	size_t i;

	snprintf(name, sizeof(name), "s%zu", sinks.nsinks);
	if (config_sink_add(&sinks, name, type, err, sizeof(err)))
		die(err);
	sc = &sinks.sinks[sinks.nsinks - 1];
	for (i = 0; i < n; i++)
		if (config_sink_set(&sinks, sc, kv[2 * i], kv[2 * i + 1], err,
				    sizeof(err)))
			die(err);
	if (sc->type->check(sc->opts, err, sizeof(err)))
		die(err);
	memset(cfg, 0, sizeof(*cfg));
	cfg->type = sc->type;
	cfg->opts = sc->opts;
	cfg->codec = sc->codec;
	cfg->name = sc->name;
	cfg->timeout_ms = 5000;
	cfg->retry_min_ms = 20;
	cfg->retry_max_ms = 40;
	cfg->retry_cap_ms = 3000;
}

/* upload_step() until the spool is empty: the failed attempts. */
static int drain(struct uploader *up, struct spool *sp, int max_attempts)
{
	uint64_t next, now;
	int attempts = 0, ret;

	while (attempts < max_attempts) {
		ret = upload_step(up, sp, clock_ms(), &next);
		if (ret == 0 && next == UINT64_MAX)
			break;
		if (ret < 0)
			attempts++;
		now = clock_ms();
		if (ret <= 0 && next > now)
			usleep((next - now) * 1000);
	}
	return attempts;
}

#endif /* NETLOG_TESTS_RECEIVER_H */
