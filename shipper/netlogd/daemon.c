// SPDX-License-Identifier: GPL-2.0
/*
 * netlogd's main loop: drain a window every poll period (or at once on the
 * module's high-water event), build its Tailscale messages, spool them
 * durably, then acknowledge the window to the kernel; upload the spool in
 * between. A crash at any point loses nothing: an unacknowledged window is
 * drained again after a restart and the spool recognises it.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include <json-c/json.h>
#include <linux/netlog.h>

#include "log.h"
#include "command.h"
#include "daemon.h"
#include "nl.h"
#include "genl.h"
#include "nodemap.h"
#include "record.h"
#include "routes.h"
#include "spool.h"
#include "upload.h"
#include "clock.h"
#include "metrics.h"
#include "metrics-http.h"
#include "notify.h"

#define SHUTDOWN_UPLOAD_MS 5000

/* Owns every resource of the running daemon; daemon_free() releases them. */
struct daemon {
	const struct netlogd_config *cfg;
	struct genl_ctx *ctl;		/* requests */
	struct genl_ctx *events;	/* the "events" group */
	struct spool *spool;
	struct uploader **ups;		/* one per sink */
	size_t nups;
	struct metrics_http *http;	/* metrics_listen, or NULL */
	struct nodemap *nm;
	struct routes *rt;
	int sigfd;
	int inofd;
	bool high_water;
	uint64_t next_drain;
	uint64_t next_upload;
	uint64_t next_nodes;
	struct command cmd;		/* nodes_command, while it runs */
	struct netlogd_stats st;
	struct notify notify;
	bool reloading;			/* RELOADING=1 sent, READY=1 not yet */
	int metrics_err;		/* the textfile's last error, said once */
};

static void logerr(const char *what, int err)
{
	log_err("%s: %s", what, strerror(-err));
}

/*
 * A node map refused while another is in force is a warning: netlogd goes
 * on with the old one. At start-up there is none, and netlogd exits.
 */
static enum log_level nodes_level(const struct daemon *d)
{
	return d->nm ? LOGL_WARN : LOGL_ERR;
}

/* Installs a new node map and its routes; the old ones stay on failure. */
static int nodes_install(struct daemon *d, struct nodemap *nm)
{
	char err[NODEMAP_ERR_LEN];
	struct routes *rt;
	int ret;

	ret = routes_build(&rt, nm, d->cfg->routes, err, sizeof(err));
	if (ret) {
		log_err("routes: %s", err);
		nodemap_free(nm);
		d->st.nodes_errors++;
		return ret;
	}
	nodemap_free(d->nm);
	routes_free(d->rt);
	d->nm = nm;
	d->rt = rt;
	d->st.nodes_loads++;
	log_debug("node map from '%s' installed",
		  d->cfg->nodes ? d->cfg->nodes : d->cfg->nodes_command);
	return 0;
}

/* A node map just parsed (@ret 0) goes in; a bad one is refused, named. */
static int nodes_parsed(struct daemon *d, int ret, struct nodemap *nm,
			const char *err)
{
	if (ret) {
		log_msg(nodes_level(d),
			"node map rejected, keeping the previous one: %s", err);
		d->st.nodes_errors++;
		return ret;
	}
	return nodes_install(d, nm);
}

static int nodes_load(struct daemon *d)
{
	char err[NODEMAP_ERR_LEN];
	struct nodemap *nm;
	int ret;

	ret = nodemap_load(&nm, d->cfg->nodes, err, sizeof(err));
	return nodes_parsed(d, ret, nm, err);
}

/*
 * Takes what nodes_command returned (command_poll()'s @ret, output and
 * status) as the node map, or says why not; the map in force stays then.
 */
static int nodes_take(struct daemon *d, int ret, char *buf, size_t len,
		      int status)
{
	const char *cmd = d->cfg->nodes_command;
	enum log_level level = nodes_level(d);
	char err[NODEMAP_ERR_LEN];
	struct nodemap *nm;

	if (ret == -ETIMEDOUT)
		log_msg(level, "nodes_command '%s': killed after nodes_timeout (%" PRIu64 " ms); keeping the node map",
			cmd, d->cfg->nodes_timeout_ms);
	else if (ret == -EFBIG)
		log_msg(level, "nodes_command '%s': killed, its output passed %u MiB; keeping the node map",
			cmd, COMMAND_OUTPUT_MAX >> 20);
	else if (ret)
		log_msg(level, "nodes_command '%s': %s; keeping the node map",
			cmd, strerror(-ret));
	if (ret) {
		d->st.nodes_errors++;
		return ret;
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		if (WIFSIGNALED(status))
			log_msg(level, "nodes_command '%s': killed by signal %d; keeping the node map",
				cmd, WTERMSIG(status));
		else
			log_msg(level, "nodes_command '%s': exited with status %d; keeping the node map",
				cmd, WEXITSTATUS(status));
		free(buf);
		d->st.nodes_errors++;
		return -EIO;
	}
	ret = nodemap_parse(&nm, cmd, buf, len, err, sizeof(err));
	free(buf);
	return nodes_parsed(d, ret, nm, err);
}

/* At start: runs nodes_command and waits for the node map it prints. */
static int nodes_refresh(struct daemon *d)
{
	int ret, status = 0;
	char *buf = NULL;
	size_t len = 0;

	ret = command_output(d->cfg->nodes_command, d->cfg->nodes_timeout_ms,
			     COMMAND_OUTPUT_MAX, &buf, &len, &status);
	return nodes_take(d, ret, buf, len, status);
}

/*
 * Later runs go on beside the drains and uploads: started here, moved on
 * by nodes_step() whenever the loop wakes up. A run still going when the
 * next is due is not doubled.
 */
static void nodes_start(struct daemon *d)
{
	int ret;

	if (command_running(&d->cmd))
		return;
	ret = command_start(&d->cmd, d->cfg->nodes_command,
			    d->cfg->nodes_timeout_ms, COMMAND_OUTPUT_MAX);
	if (ret)
		nodes_take(d, ret, NULL, 0, 0);
}

static void nodes_step(struct daemon *d)
{
	int ret, status = 0;
	char *buf = NULL;
	size_t len = 0;

	if (!command_running(&d->cmd))
		return;
	ret = command_poll(&d->cmd, &buf, &len, &status);
	if (ret == 1)
		return;
	nodes_take(d, ret, buf, len, status);
	if (d->reloading)
		notify_ready(&d->notify);
	d->reloading = false;
}

/* record_build()'s emitter: each message goes straight into the spool. */
struct spooling {
	struct daemon *d;
	size_t messages, bytes;
	int err;		/* the spool's, which stopped the build */
};

static int spool_message(const char *json, size_t len, void *arg)
{
	struct spooling *s = arg;
	int ret = spool_window_add(s->d->spool, json, len);

	if (ret) {
		s->err = ret;
		return ret;
	}
	s->messages++;
	s->bytes += len;
	return 0;
}

/*
 * Spools the records of window @w as they are built. Returns 0 (also when
 * the window makes no message: nothing is committed then), SPOOL_DUPLICATE,
 * or -errno with nothing committed.
 */
static int spool_records(struct daemon *d, const struct window *w,
			 struct spooling *s)
{
	int ret;

	ret = spool_window_begin(d->spool, w->seq, w->start_ns, w->end_ns);
	if (!ret)
		ret = spool_window_counts(d->spool, &w->miss_table_full,
					  &w->excluded);
	if (ret < 0)
		logerr("spool", ret);
	if (ret)
		return ret;
	ret = record_build(w, d->nm, d->rt, d->cfg->log_exit_flows,
			   spool_message, s);
	if (ret) {
		spool_window_abort(d->spool);
		logerr(s->err ? "spool" : "building records", ret);
		return ret;
	}
	if (!s->messages) {
		spool_window_abort(d->spool);
		return 0;
	}
	ret = spool_window_commit(d->spool);
	if (ret)
		logerr("spool", ret);
	return ret;
}

/*
 * Drain one window, spool its messages, then acknowledge it. Nothing is
 * acknowledged that is not durably spooled.
 */
static int drain_cycle(struct daemon *d)
{
	struct spooling s = { .d = d };
	struct window w;
	int ret = 0;

	window_init(&w);
	ret = nl_window_fetch(d->ctl, true, &w);
	if (ret) {
		genl_perror(d->ctl, "drain", ret);
		goto out;
	}
	if (w.nr)
		ret = spool_records(d, &w, &s);
	if (ret < 0)
		goto out;
	if (ret != SPOOL_DUPLICATE)
		metrics_count_window(&d->st, &w);
	if (ret == SPOOL_DUPLICATE) {
		d->st.duplicate_windows++;
		log_debug("window %" PRIu64 ": %zu flows, spooled before a restart",
			  w.seq, w.nr);
	} else if (s.messages) {
		d->st.message_bytes += s.bytes;
		d->st.messages += s.messages;
		log_debug("window %" PRIu64 ": %zu flows, %zu records (%zu bytes) spooled",
			  w.seq, w.nr, s.messages, s.bytes);
		/*
		 * Every sink looks at once: an idle one sends the window now,
		 * one backing off keeps waiting (its own timer, upload_step()),
		 * and a failing sink's wait never delays the others.
		 */
		d->next_upload = clock_ms();
	} else {
		d->st.empty_windows++;
		log_debug("window %" PRIu64 ": %zu flows, no records", w.seq,
			  w.nr);
	}
	ret = nl_window_ack(d->ctl, w.seq);
	if (ret) {
		genl_perror(d->ctl, "acknowledge", ret);
		goto out;
	}
	d->st.windows++;
out:
	if (ret)
		d->st.drain_errors++;
	window_release(&w);
	return ret;
}

static void put_u64(json_object *o, const char *key, uint64_t v)
{
	json_object_object_add(o, key, json_object_new_uint64(v));
}

static void upload_due(struct daemon *d, uint64_t now)
{
	d->next_upload = upload_run(d->ups, d->nups, d->spool, now);
}

/* Each sink's counters and cursor (free() it), or NULL. */
static struct metrics_sink *sink_stats(struct daemon *d)
{
	struct metrics_sink *ms = calloc(d->nups ? d->nups : 1, sizeof(*ms));
	size_t i;

	for (i = 0; ms && i < d->nups; i++) {
		ms[i].name = upload_name(d->ups[i]);
		upload_stats(d->ups[i], &ms[i].up);
		upload_cursor_stats(d->ups[i], d->spool, &ms[i].cursor);
	}
	return ms;
}

/* The sinks' counters summed: the global series. */
static void upload_total(struct daemon *d, const struct metrics_sink *ms,
			 struct upload_stats *us)
{
	size_t i;

	memset(us, 0, sizeof(*us));
	for (i = 0; ms && i < d->nups; i++) {
		const struct upload_stats *one = &ms[i].up;

		us->batches += one->batches;
		us->entries += one->entries;
		us->bytes += one->bytes;
		us->wire_bytes += one->wire_bytes;
		us->failures += one->failures;
		us->discarded += one->discarded;
		us->rejected += one->rejected;
		if (one->consecutive_failures > us->consecutive_failures) {
			us->consecutive_failures = one->consecutive_failures;
			memcpy(us->last_error, one->last_error,
			       sizeof(us->last_error));
		}
	}
}

/* The "sinks" object of the status file: counters by sink name. */
static json_object *sinks_json(struct daemon *d, const struct metrics_sink *ms)
{
	json_object *all = json_object_new_object();
	size_t i;

	for (i = 0; ms && i < d->nups; i++) {
		const struct upload_stats *us = &ms[i].up;
		json_object *o = json_object_new_object();

		put_u64(o, "deliveredBatches", us->batches);
		put_u64(o, "deliveredEntries", us->entries);
		put_u64(o, "deliveredBytes", us->bytes);
		put_u64(o, "wireBytes", us->wire_bytes);
		put_u64(o, "failedAttempts", us->failures);
		put_u64(o, "rejectedBatches", us->rejected);
		put_u64(o, "droppedEntries", us->dropped + ms[i].cursor.dropped);
		put_u64(o, "lagBatches", ms[i].cursor.batches);
		put_u64(o, "nextProcSeq", ms[i].cursor.next_seq);
		json_object_object_add(o, "lastError",
				       json_object_new_string(us->last_error));
		json_object_object_add(all, ms[i].name, o);
	}
	return all;
}

/* Counters for people and monitoring, replaced atomically. */
static void status_write(struct daemon *d, const struct spool_stats *ss,
			 const struct upload_stats *us,
			 const struct metrics_sink *ms)
{
	json_object *o;
	char tmp[PATH_MAX];
	FILE *f;

	if (!d->cfg->status_file)
		return;
	o = json_object_new_object();
	put_u64(o, "windows", d->st.windows);
	put_u64(o, "emptyWindows", d->st.empty_windows);
	put_u64(o, "duplicateWindows", d->st.duplicate_windows);
	put_u64(o, "messages", d->st.messages);
	put_u64(o, "messageBytes", d->st.message_bytes);
	put_u64(o, "drainErrors", d->st.drain_errors);
	put_u64(o, "highWaterEvents", d->st.high_water_events);
	put_u64(o, "nodesLoads", d->st.nodes_loads);
	put_u64(o, "nodesErrors", d->st.nodes_errors);
	put_u64(o, "uploadedBatches", us->batches);
	put_u64(o, "uploadedBytes", us->bytes);
	put_u64(o, "uploadedWireBytes", us->wire_bytes);
	put_u64(o, "uploadFailures", us->failures);
	put_u64(o, "spoolBatches", ss->batches);
	put_u64(o, "spoolBytes", ss->bytes);
	put_u64(o, "spoolDropped", ss->dropped);
	put_u64(o, "nextProcSeq", ss->next_seq);
	json_object_object_add(o, "sinks", sinks_json(d, ms));
	snprintf(tmp, sizeof(tmp), "%s.tmp", d->cfg->status_file);
	f = fopen(tmp, "w");
	if (f) {
		fprintf(f, "%s\n", json_object_to_json_string_ext(o,
			JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
		if (fclose(f) == 0)
			rename(tmp, d->cfg->status_file);
	}
	json_object_put(o);
}

static uint64_t wall_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* The Prometheus text of the counters (free() it), or NULL. */
static char *metrics_text(struct daemon *d, const struct spool_stats *ss,
			  const struct upload_stats *us,
			  const struct metrics_sink *ms, size_t *len)
{
	uint64_t now = wall_ns();
	char *text = NULL;
	FILE *f;
	int ret;

	f = open_memstream(&text, len);
	if (!f)
		return NULL;
	ret = metrics_format(f, &d->st, ss, us, now);
	if (!ret && ms)
		ret = metrics_format_sinks(f, ms, d->nups, now);
	if (fclose(f) || ret) {
		free(text);
		return NULL;
	}
	return text;
}

/*
 * The node-exporter textfile (a failure is logged when it changes) and the
 * text /metrics serves.
 */
static void metrics_update(struct daemon *d, const struct spool_stats *ss,
			   const struct upload_stats *us,
			   const struct metrics_sink *ms)
{
	const char *path = d->cfg->metrics_textfile;
	size_t len = 0;
	char *text;
	int ret;

	if (!path && !d->http)
		return;
	text = metrics_text(d, ss, us, ms, &len);
	if (path) {
		ret = text ? metrics_write_file(path, text, len) : -ENOMEM;
		if (ret && ret != d->metrics_err)
			log_warn("metrics_textfile %s: %s", path,
				 strerror(-ret));
		d->metrics_err = ret;
	}
	if (d->http && text)
		metrics_http_set(d->http, text, len);
	else
		free(text);
}

/* systemctl status's line: the last window, what waits, a failing sink. */
static void status_notify(struct daemon *d, const struct spool_stats *ss,
			  const struct upload_stats *us)
{
	char head[96], text[sizeof(head) + sizeof(us->last_error) + 32];

	if (d->st.last_window_seq)
		snprintf(head, sizeof(head), "window %" PRIu64 " spooled, %" PRIu64 " batches pending",
			 d->st.last_window_seq, ss->batches);
	else
		snprintf(head, sizeof(head), "no window yet, %" PRIu64 " batches pending",
			 ss->batches);
	if (us->consecutive_failures)
		snprintf(text, sizeof(text), "%s; upload failing: %s", head,
			 us->last_error);
	else
		snprintf(text, sizeof(text), "%s", head);
	notify_status(&d->notify, text);
}

/* Counters out: the status file, the metrics, systemd's status line. */
static void report(struct daemon *d)
{
	struct metrics_sink *ms = sink_stats(d);
	struct spool_stats ss;
	struct upload_stats us;

	spool_stats(d->spool, &ss);
	upload_total(d, ms, &us);
	status_write(d, &ss, &us, ms);
	metrics_update(d, &ss, &us, ms);
	status_notify(d, &ss, &us);
	free(ms);
}

static int on_event(const struct nlmsghdr *nlh, void *data)
{
	struct nl_high_water hw;
	struct daemon *d = data;

	/* A malformed high-water event still says the table is filling. */
	if (nl_high_water_parse(nlh, &hw) != -ENOMSG) {
		d->high_water = true;
		d->st.high_water_events++;
		log_debug("high-water event: draining now");
	}
	return MNL_CB_OK;
}

/* Watch the node map's directory: editors replace files by renaming. */
static int watch_nodes(struct daemon *d)
{
	char dir[PATH_MAX], *slash;

	d->inofd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (d->inofd < 0)
		return -errno;
	snprintf(dir, sizeof(dir), "%s", d->cfg->nodes);
	slash = strrchr(dir, '/');
	if (!slash)
		snprintf(dir, sizeof(dir), ".");
	else if (slash == dir)
		dir[1] = '\0';
	else
		*slash = '\0';
	if (inotify_add_watch(d->inofd, dir, IN_CLOSE_WRITE | IN_MOVED_TO) < 0)
		return -errno;
	return 0;
}

/* True when an inotify event names the node map file. */
static bool nodes_changed(struct daemon *d)
{
	const char *base = strrchr(d->cfg->nodes, '/');
	char buf[4096] __attribute__((aligned(8)));
	bool hit = false;
	ssize_t n;

	base = base ? base + 1 : d->cfg->nodes;
	while ((n = read(d->inofd, buf, sizeof(buf))) > 0) {
		for (char *p = buf; p < buf + n;) {
			struct inotify_event *ev = (struct inotify_event *)p;

			if (ev->len && !strcmp(ev->name, base))
				hit = true;
			p += sizeof(*ev) + ev->len;
		}
	}
	return hit;
}

static int enter_netns(const char *name)
{
	char path[PATH_MAX];
	int fd, ret = 0;

	snprintf(path, sizeof(path), "/run/netns/%s", name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (setns(fd, CLONE_NEWNET))
		ret = -errno;
	close(fd);
	return ret;
}

static void daemon_free(struct daemon *d)
{
	command_kill(&d->cmd);
	if (d->sigfd >= 0)
		close(d->sigfd);
	if (d->inofd >= 0)
		close(d->inofd);
	genl_close(d->events);
	genl_close(d->ctl);
	metrics_http_close(d->http);
	for (size_t i = 0; i < d->nups; i++)
		upload_close(d->ups[i]);
	free(d->ups);
	spool_close(d->spool);
	routes_free(d->rt);
	nodemap_free(d->nm);
}

/* The uploader's tick during a long attempt, and the loop's. */
static void watchdog_tick(void *arg)
{
	struct daemon *d = arg;

	notify_watchdog(&d->notify, clock_ms());
}

/* Sink @i's uploader, its cursor in the spool. */
static int open_sink(struct daemon *d, size_t i)
{
	const struct netlogd_config *cfg = d->cfg;
	struct upload_config uc;
	char dir[PATH_MAX];
	int ret;

	config_upload(cfg, i, &uc);
	snprintf(dir, sizeof(dir), "%s/rejected/%s", cfg->spool_dir, uc.name);
	uc.rejected_dir = dir;
	uc.tick = watchdog_tick;
	uc.tick_arg = d;
	ret = upload_open(&uc, &d->ups[i]);
	if (!ret) {
		d->nups++;
		ret = upload_attach(d->ups[i], d->spool);
	}
	if (ret)
		log_err("sink %s: %s", uc.name, strerror(-ret));
	return ret;
}

/* The spool, the /metrics server and the sinks. */
static int open_delivery(struct daemon *d)
{
	const struct netlogd_config *cfg = d->cfg;
	struct spool_stats ss;
	size_t i;
	int ret;

	ret = spool_open(cfg->spool_dir, cfg->spool_cap, &d->spool);
	if (ret) {
		log_err("spool %s: %s", cfg->spool_dir, strerror(-ret));
		return ret;
	}
	spool_stats(d->spool, &ss);
	d->st.dropped_at_start = ss.dropped;
	/* the signals are blocked: the server's thread never takes them */
	if (cfg->metrics_listen) {
		ret = metrics_http_open(cfg->metrics_listen, &d->http);
		if (ret)
			return ret;
	}
	d->ups = calloc(cfg->nsinks, sizeof(*d->ups));
	if (!d->ups)
		return -ENOMEM;
	for (i = 0; i < cfg->nsinks; i++) {
		ret = open_sink(d, i);
		if (ret)
			return ret;
	}
	/* a sink gone from the configuration lets go of its batches */
	ret = spool_cursor_prune(d->spool);
	if (ret)
		logerr("spool", ret);
	return ret;
}

static int daemon_open(struct daemon *d, const struct netlogd_config *cfg)
{
	sigset_t mask;
	int ret;

	memset(d, 0, sizeof(*d));
	d->cfg = cfg;
	d->inofd = -1;
	d->st.start_ns = wall_ns();
	notify_init(&d->notify);
	notify_watchdog(&d->notify, clock_ms());
	/* netlogd's main() blocks them already; a library caller may not. */
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	d->sigfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
	if (d->sigfd < 0)
		return -errno;
	if (cfg->netns) {
		ret = enter_netns(cfg->netns);
		if (ret) {
			log_err("netns '%s': %s", cfg->netns, strerror(-ret));
			return ret;
		}
	}
	if (!cfg->nodes && !cfg->nodes_command) {
		log_err("no node map: set nodes or nodes_command");
		return -EINVAL;
	}
	ret = cfg->nodes ? nodes_load(d) : nodes_refresh(d);
	if (ret)
		return ret;
	if (cfg->nodes) {
		ret = watch_nodes(d);
		if (ret) {
			logerr("watching the node map", ret);
			return ret;
		}
	}
	ret = open_delivery(d);
	if (ret)
		return ret;
	ret = genl_open(&d->ctl, NETLOG_GENL_NAME, NETLOG_GENL_VERSION);
	if (!ret)
		ret = genl_open(&d->events, NETLOG_GENL_NAME,
				NETLOG_GENL_VERSION);
	if (ret) {
		genl_perror_open(NETLOG_GENL_NAME, ret);
		return ret;
	}
	ret = genl_subscribe(d->events, NETLOG_MCGRP_EVENTS);
	if (ret) {
		genl_perror(d->events, "subscribe to events", ret);
		return ret;
	}
	return 0;
}

/*
 * STOPPING=1, the final drain, then uploads for up to 5 s, an attempt still
 * running then included; the rest stays spooled. The watchdog is still pinged while it waits.
 */
static void daemon_shutdown(struct daemon *d)
{
	uint64_t deadline, now, wake;

	notify_stopping(&d->notify);
	drain_cycle(d);
	now = clock_ms();
	deadline = now + SHUTDOWN_UPLOAD_MS;
	for (size_t i = 0; i < d->nups; i++)
		upload_set_deadline(d->ups[i], deadline);
	while (now < deadline) {
		notify_watchdog(&d->notify, now);
		upload_due(d, now);
		if (d->next_upload == UINT64_MAX || d->next_upload >= deadline)
			break;
		wake = notify_watchdog_next(&d->notify);
		if (d->next_upload < wake)
			wake = d->next_upload;
		now = clock_ms();
		if (wake > now)
			usleep((wake - now) * 1000);
		now = clock_ms();
	}
	report(d);
}

static uint64_t min2(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

/* Milliseconds to wait for: the next timer, or nodes_command's output. */
static int poll_timeout(struct daemon *d, int *cmd_fd)
{
	uint64_t now = clock_ms();
	uint64_t next = min2(min2(d->next_drain, d->next_upload),
			     min2(d->next_nodes,
				  notify_watchdog_next(&d->notify)));
	int timeout, wait;

	timeout = next <= now ? 0 : next - now > INT_MAX ? INT_MAX :
				    (int)(next - now);
	if (command_running(&d->cmd)) {
		wait = command_wait(&d->cmd, cmd_fd);
		if (wait < timeout)
			timeout = wait;
	}
	return timeout;
}

/* SIGHUP reloads the node map; SIGTERM and SIGINT shut down: true. */
static bool on_signal(struct daemon *d)
{
	struct signalfd_siginfo si;

	if (read(d->sigfd, &si, sizeof(si)) != sizeof(si))
		return false;
	if (si.ssi_signo != SIGHUP) {
		daemon_shutdown(d);
		return true;
	}
	notify_reloading(&d->notify);
	if (d->cfg->nodes) {
		nodes_load(d);
	} else {
		nodes_start(d);
		/* READY=1 once the run ends (nodes_step()) */
		d->reloading = command_running(&d->cmd);
	}
	if (!d->reloading)
		notify_ready(&d->notify);
	return false;
}

static void on_events(struct daemon *d)
{
	int ret = genl_recv_notifications(d->events, on_event, d);

	if (ret && ret != -ENOBUFS)
		genl_perror(d->events, "events", ret);
	/* Lost notifications: drain anyway. */
	if (ret == -ENOBUFS)
		d->high_water = true;
}

/* Whatever is due: a nodes_command run, a drain, uploads. */
static void run_due(struct daemon *d)
{
	uint64_t now = clock_ms();

	if (now >= d->next_nodes) {
		nodes_start(d);
		d->next_nodes = now + d->cfg->nodes_refresh_ms;
	}
	if (d->high_water || now >= d->next_drain) {
		d->high_water = false;
		drain_cycle(d);
		d->next_drain = clock_ms() + d->cfg->poll_period_ms;
	}
	if (clock_ms() >= d->next_upload)
		upload_due(d, clock_ms());
}

int daemon_run(const struct netlogd_config *cfg)
{
	struct daemon d;
	uint64_t now;
	int ret;

	ret = daemon_open(&d, cfg);
	if (ret) {
		daemon_free(&d);
		return ret;
	}
	/*
	 * At once: a window left unacknowledged by a crash goes first. Ready
	 * (READY=1) once that drain is done: configuration read, node map
	 * loaded, spool recovered, netlink family resolved, and the loop
	 * about to run. Uploads begin in the loop.
	 */
	drain_cycle(&d);
	now = clock_ms();
	d.next_drain = now + cfg->poll_period_ms;
	d.next_upload = now;
	d.next_nodes = cfg->nodes_command ? now + cfg->nodes_refresh_ms :
					    UINT64_MAX;
	report(&d);
	notify_ready(&d.notify);
	for (;;) {
		struct pollfd pfd[4] = {
			{ .fd = d.sigfd, .events = POLLIN },
			{ .fd = genl_fd(d.events), .events = POLLIN },
			{ .fd = d.inofd, .events = POLLIN },
			{ .fd = -1, .events = POLLIN },	/* nodes_command */
		};
		int timeout = poll_timeout(&d, &pfd[3].fd);

		if (poll(pfd, 4, timeout) < 0 && errno != EINTR) {
			ret = -errno;
			break;
		}
		notify_watchdog(&d.notify, clock_ms());
		if (pfd[0].revents & POLLIN && on_signal(&d)) {
			ret = 0;
			break;
		}
		if (pfd[1].revents & POLLIN)
			on_events(&d);
		if (pfd[2].revents & POLLIN && nodes_changed(&d))
			nodes_load(&d);
		nodes_step(&d);
		run_due(&d);
		report(&d);
	}
	daemon_free(&d);
	return ret;
}
