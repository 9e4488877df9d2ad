/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the delivery tests share: a fake service started and stopped
 * (tests/collector/receiver.py for one protocol, or collector.py for
 * logtail), its /stats read, its faults set; a sink configured as a [sink]
 * section would be; a spool and an uploader opened; an uploader run until
 * its spool is empty; a file read whole. Static inline, as check.h's
 * counter is each test program's own.
 */
#ifndef NETLOG_TESTS_RECEIVER_H
#define NETLOG_TESTS_RECEIVER_H

#include <errno.h>
#include <ftw.h>
#include <inttypes.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <curl/curl.h>
#include <json-c/json.h>

#include "check.h"
#include "tmpdir.h"
#include "clock.h"
#include "config.h"
#include "spool.h"
#include "upload.h"

/* Set by main(): collector_py only where logtail's collector is used. */
static const char *receiver_py, *collector_py;
/* The service started last and not stopped: receiver_kill_running(). */
static pid_t receiver_running;

struct receiver {
	pid_t pid;
	int fd;
	int port;
	char server[64];	/* http://127.0.0.1:PORT */
	char out[256];		/* the records it kept, a JSON line each */
	char control[256];	/* its --control: receiver_fault() */
	char bodies[256];	/* collector.py's --bodies */
};

/* @name, or when it is NULL "@what-N" with a new N each time. */
static inline const char *name_or_next(const char *name, const char *what)
{
	static char buf[8][48];
	static int n;

	if (name)
		return name;
	n++;
	snprintf(buf[n % 8], sizeof(buf[0]), "%s-%d", what, n);
	return buf[n % 8];
}

/* Runs @argv with its stdout into r->fd and reads the port it prints. */
static inline void receiver_spawn(struct receiver *r, const char *const *argv)
{
	char line[32] = "";
	int fds[2];
	size_t len;
	ssize_t n;

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
	/* the pipe stays open while the service runs: it may write again */
	r->fd = fds[0];
	for (len = 0; len < sizeof(line) - 1 && !memchr(line, '\n', len);
	     len += n) {
		n = read(r->fd, line + len, sizeof(line) - 1 - len);
		if (n <= 0) {
			fprintf(stderr, "%s: %s did not start\n",
				program_invocation_short_name, argv[1]);
			exit(1);
		}
	}
	receiver_running = r->pid;
	r->port = atoi(line);
	snprintf(r->server, sizeof(r->server), "http://127.0.0.1:%d", r->port);
}

/*
 * receiver.py --protocol @proto, or collector.py when @proto is NULL, with
 * @args (NULL-terminated); its files NAME.jsonl, NAME.control (and
 * collector.py's NAME.bodies/), @name NULL for a new NAME each time.
 */
static inline void receiver_start(struct receiver *r, const char *name,
				  const char *proto, const char *const *args)
{
	const char *argv[40] = { "python3", proto ? receiver_py : collector_py,
				 "--port", "0", "--out", r->out, "--control",
				 r->control };
	int i = 8;

	name = name_or_next(name, proto ? proto : "logtail");
	snprintf(r->out, sizeof(r->out), "%s", path("%s.jsonl", name));
	snprintf(r->control, sizeof(r->control), "%s",
		 path("%s.control", name));
	if (proto) {
		argv[i++] = "--protocol";
		argv[i++] = proto;
	} else {
		snprintf(r->bodies, sizeof(r->bodies), "%s",
			 path("%s.bodies", name));
		if (mkdir(r->bodies, 0700))
			die(r->bodies);
		argv[i++] = "--bodies";
		argv[i++] = r->bodies;
	}
	while (args && *args && i < 39)
		argv[i++] = *args++;
	argv[i] = NULL;
	receiver_spawn(r, argv);
}

static inline void receiver_stop(struct receiver *r)
{
	kill(r->pid, SIGTERM);
	waitpid(r->pid, NULL, 0);
	close(r->fd);
	receiver_running = 0;
}

/* For atexit(): a test that dies leaves no service running. */
static inline void receiver_kill_running(void)
{
	if (receiver_running > 0)
		kill(receiver_running, SIGTERM);
}

/* The next requests' faults, as --fault takes them, a line each. */
static inline void receiver_fault(const struct receiver *r, const char *spec)
{
	FILE *f = fopen(r->control, "w");

	if (!f || fprintf(f, "%s\n", spec) < 0 || fclose(f))
		die(r->control);
}

static inline size_t receiver_data(char *data, size_t size, size_t nmemb,
				   void *arg)
{
	return fwrite(data, size, nmemb, arg);
}

/* GET /stats, parsed; json_object_put() it. */
static inline struct json_object *receiver_stats(const struct receiver *r)
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

/*
 * A member of /stats by a path of keys ("status", "200"; @k2 NULL for a
 * member of the top): -1 if there is none.
 */
static inline int64_t stat_at(struct json_object *st, const char *k1,
			      const char *k2)
{
	struct json_object *v = st;

	if (!json_object_object_get_ex(v, k1, &v) ||
	    (k2 && !json_object_object_get_ex(v, k2, &v)))
		return -1;
	return json_object_get_int64(v);
}

/* The whole of file @p, NUL-terminated, its length in @len: NULL if none. */
static inline char *read_all(const char *p, size_t *len)
{
	char *data = NULL;
	size_t n = 0;
	FILE *in = fopen(p, "r"), *out;
	int c;

	if (!in)
		return NULL;
	out = open_memstream(&data, &n);
	while ((c = getc(in)) != EOF)
		putc(c, out);
	fclose(in);
	fclose(out);
	if (len)
		*len = n;
	return data;
}

/* A file of mode 0600 holding @text, for a *_file key. */
static inline const char *secret_file(const char *name, const char *text)
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
static inline size_t record_json(char *buf, size_t size, int i,
				 const char *start, bool exit)
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
static inline void spool_starts(struct spool *sp, uint64_t w,
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
static inline void spool_records(struct spool *sp, uint64_t w,
				 const char *start, size_t n,
				 char msgs[][1024])
{
	const char *starts[16];
	size_t i;

	for (i = 0; i < n && i < 16; i++)
		starts[i] = start;
	spool_starts(sp, w, starts, n, msgs);
}

/* The sinks' [sink] sections, s0, s1...: every sink a test configures. */
static struct netlogd_config sinks;

/*
 * A sink of @type from @n key-value pairs, as a [sink] section: checked
 * as at load, retried soon. 0, or -EINVAL with @err (CONFIG_ERR_LEN).
 */
static inline int sink_try(struct upload_config *cfg, const char *type,
			   const char *const *kv, size_t n, char *err)
{
	struct sink_config *sc;
	char name[16];
	size_t i;

	snprintf(name, sizeof(name), "s%zu", sinks.nsinks);
	if (config_sink_add(&sinks, name, type, err, CONFIG_ERR_LEN))
		return -EINVAL;
	sc = &sinks.sinks[sinks.nsinks - 1];
	for (i = 0; i < n; i++)
		if (config_sink_set(&sinks, sc, kv[2 * i], kv[2 * i + 1], err,
				    CONFIG_ERR_LEN))
			return -EINVAL;
	if (sc->type->check &&
	    sc->type->check(sc->opts, err, CONFIG_ERR_LEN))
		return -EINVAL;
	memset(cfg, 0, sizeof(*cfg));
	cfg->type = sc->type;
	cfg->opts = sc->opts;
	cfg->codec = sc->codec;
	cfg->name = sc->name;
	cfg->timeout_ms = 5000;
	cfg->retry_min_ms = 20;
	cfg->retry_max_ms = 40;
	cfg->retry_cap_ms = 3000;
	return 0;
}

/* The same, and the test ends if the section is refused. */
static inline void sink_config(struct upload_config *cfg, const char *type,
			       const char *const *kv, size_t n)
{
	char err[CONFIG_ERR_LEN];

	if (sink_try(cfg, type, kv, n, err))
		die(err);
}

/* Spool NAME.spool, @name NULL for a new NAME each time. */
static inline struct spool *new_spool(const char *name)
{
	struct spool *sp;

	if (spool_open(path("%s.spool", name_or_next(name, "spool")), 0, &sp))
		die("spool_open");
	return sp;
}

static inline struct uploader *new_uploader(const struct upload_config *cfg)
{
	struct uploader *up;

	if (upload_open(cfg, &up))
		die("upload_open");
	return up;
}

static inline void sleep_until(uint64_t t)
{
	uint64_t now = clock_ms();

	if (t > now)
		usleep((t - now) * 1000);
}

/*
 * upload_step() until the spool is empty, sleeping until each retry: the
 * failed attempts, or with @all every attempt; @max of them at most.
 */
static inline int drain_counting(struct uploader *up, struct spool *sp,
				 int max, bool all)
{
	uint64_t next;
	int n = 0, ret;

	while (n < max) {
		ret = upload_step(up, sp, clock_ms(), &next);
		if (ret == 0 && next == UINT64_MAX)
			break;
		if (ret < 0 || (all && ret > 0))
			n++;
		if (ret == 0)
			sleep_until(next);
	}
	return n;
}

/* The failed attempts of delivering the whole spool. */
static inline int drain(struct uploader *up, struct spool *sp, int max)
{
	return drain_counting(up, sp, max, false);
}

/* Every attempt, the failed and the delivered ones. */
static inline int drain_attempts(struct uploader *up, struct spool *sp,
				 int max)
{
	return drain_counting(up, sp, max, true);
}

/* main()'s one argument, the receiver's script: false after the usage. */
static inline bool receiver_arg(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "Usage: %s <receiver.py>\n", argv[0]);
		return false;
	}
	receiver_py = argv[1];
	return true;
}

/* main()'s start: the scratch directory /tmp/@prog.XXXXXX, libcurl. */
static inline void sink_test_begin(const char *prog)
{
	snprintf(root, sizeof(root), "/tmp/%s.XXXXXX", prog);
	if (!mkdtemp(root))
		die("mkdtemp");
	signal(SIGPIPE, SIG_IGN);
	curl_global_init(CURL_GLOBAL_DEFAULT);
}

/* main()'s end: the directory kept only if a check failed; the status. */
static inline int sink_test_end(const char *prog)
{
	curl_global_cleanup();
	config_free(&sinks);
	if (!failures)
		nftw(root, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	else
		fprintf(stderr, "%s: files in %s\n", prog, root);
	return check_done(prog);
}

/* Runs a test, then says ok or FAIL and how long it took. */
#define RUN(call)							\
	do {								\
		int before_ = failures;					\
		uint64_t t_ = clock_ms();				\
		call;							\
		printf("%s %s (%" PRIu64 " ms)\n",			\
		       failures == before_ ? "ok  " : "FAIL", #call,	\
		       clock_ms() - t_);				\
		fflush(stdout);						\
	} while (0)

#endif /* NETLOG_TESTS_RECEIVER_H */
