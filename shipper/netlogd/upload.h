/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Delivery of spooled batches to one sink, of any type (sink.h): its
 * cursor over the spool, its retries, its compressor and curl handle, its
 * counters. netlogd has one uploader per sink.
 */
#ifndef NETLOG_UPLOAD_H
#define NETLOG_UPLOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "compress.h"
#include "sink.h"
#include "spool.h"

#define UPLOAD_COLLECTION "tailtraffic.log.tailscale.io"
#define UPLOAD_SERVER "https://log.tailscale.com"

struct uploader;

struct upload_config {
	const char *name;		/* the sink's: its cursor, its messages;
					 * NULL: the type's name */
	const struct sink_type *type;
	const void *opts;		/* the type's options (config.c) */
	enum compress_codec codec;	/* HTTP sinks: when it pays (compress.h) */
	uint64_t timeout_ms;		/* per attempt */
	uint64_t retry_min_ms;		/* failed attempt: wait in [min, max) */
	uint64_t retry_max_ms;
	uint64_t retry_cap_ms;		/* bound of any wait, Retry-After too */
	/*
	 * A batch the sink refuses for good (a 4xx other than 408 and 429, or
	 * one a local sink cannot parse) is written here as it was spooled,
	 * with a .reply file beside it: the status and the reply's first KiB.
	 * NULL: it is only logged and counted.
	 */
	const char *rejected_dir;
	/*
	 * Called with @tick_arg at least once a second while an HTTP attempt
	 * runs (up to timeout_ms): netlogd pings systemd's watchdog there.
	 * NULL: none.
	 */
	void (*tick)(void *arg);
	void *tick_arg;
};

struct upload_stats {
	uint64_t batches;		/* delivered */
	uint64_t entries;		/* delivered (file and stdout sinks) */
	uint64_t bytes;			/* delivered bodies, uncompressed */
	uint64_t wire_bytes;		/* as sent: compressed or not */
	uint64_t compressed;		/* batches sent compressed */
	uint64_t skipped;		/* entries a file sink already had */
	uint64_t discarded;		/* unreadable batches set aside */
	uint64_t rejected;		/* batches refused for good, set aside */
	uint64_t dropped;		/* entries the spool's cap took from it */
	uint64_t failures;		/* failed attempts, ever */
	uint64_t consecutive_failures;	/* since the last delivery */
	long last_status;		/* last HTTP status, 0 if none */
	uint64_t last_delay_ms;		/* wait chosen after the last failure */
	char last_error[256];		/* cause of the last failure */
};

/*
 * Checks @cfg and prepares the sink; the strings are copied. The file sink
 * reads the last line of its file so that a batch delivered again after a
 * crash adds no line twice, and cuts a torn last line. Returns 0 or -errno
 * (-EINVAL for a bad configuration); the cause is logged (log.h).
 */
int upload_open(const struct upload_config *cfg, struct uploader **up);
void upload_close(struct uploader *up);

/*
 * One attempt to deliver @body (a JSON array of entries). Returns 0 when
 * the sink took it (HTTP 2xx), -EBADMSG when it refuses it for good (a
 * 4xx other than 408 and 429, a batch a local sink cannot parse: retrying
 * would not help), otherwise -EAGAIN (408, 429, 5xx, transport failure) or
 * another -errno with @delay_ms set to the wait before the next attempt and
 * last_error set to the cause.
 */
int upload_send(struct uploader *up, const char *body, size_t len,
		uint64_t *delay_ms);

/*
 * One step of the delivery loop. If an attempt is due at @now_ms and the
 * sink's cursor has a batch to deliver, sends it and moves the cursor past
 * it when delivered or refused for good (set aside in rejected_dir). The
 * first call adds the sink's cursor to @spool. Returns 1 when a batch was delivered (more may be due:
 * @next_ms is @now_ms), 0 when nothing was due (@next_ms is the time of the
 * next attempt, UINT64_MAX when the spool is empty), or -errno when the
 * attempt failed (@next_ms is the time of the retry; see upload_stats()).
 * Times are clock_ms(). Blocks for at most the upload timeout.
 */
int upload_step(struct uploader *up, struct spool *spool, uint64_t now_ms,
		uint64_t *next_ms);

/*
 * Each of @n sinks in turn, each with its own cursor and retry timer:
 * upload_step() until it has nothing due. A failing sink costs the others
 * one attempt (its upload timeout at most) per retry, never its wait.
 * Returns the time of the next attempt due, UINT64_MAX when none is.
 */
uint64_t upload_run(struct uploader *const *ups, size_t n,
		    struct spool *spool, uint64_t now_ms);

/*
 * An attempt still running at @deadline_ms (clock_ms(); 0: none) is stopped
 * within a second and counts as failed: its batch stays spooled.
 */
void upload_set_deadline(struct uploader *up, uint64_t deadline_ms);

void upload_stats(const struct uploader *up, struct upload_stats *stats);

/* A logtail private or domain ID: 64 hex digits. */
bool upload_log_id_valid(const char *s);

/* The sink's name, and its cursor's progress (0s before the first step). */
const char *upload_name(const struct uploader *up);
void upload_cursor_stats(const struct uploader *up, struct spool *spool,
			 struct spool_cursor_stats *st);

/* Adds the sink's cursor to @spool now (upload_step() would): 0 or -errno. */
int upload_attach(struct uploader *up, struct spool *spool);

#endif /* NETLOG_UPLOAD_H */
