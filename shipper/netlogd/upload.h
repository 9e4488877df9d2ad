/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Delivery of spooled batches to a sink: a logtail collector over HTTP(S),
 * a local file of JSON lines, or stdout.
 */
#ifndef NETLOG_UPLOAD_H
#define NETLOG_UPLOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "compress.h"
#include "spool.h"

#define UPLOAD_COLLECTION "tailtraffic.log.tailscale.io"
#define UPLOAD_SERVER "https://log.tailscale.com"

struct uploader;

enum upload_sink {
	UPLOAD_SINK_FILE,	/* append one entry per line, fsync */
	UPLOAD_SINK_STDOUT,	/* one entry per line */
	UPLOAD_SINK_LOGTAIL,	/* POST {server}/c/{collection}/{private_id} */
};

struct upload_config {
	enum upload_sink sink;
	const char *file_path;		/* file sink */
	const char *server;		/* logtail sink: "https://host[:port]" */
	const char *collection;
	const char *private_id;		/* 64 hex digits */
	const char *domain_id;		/* 64 hex digits, or NULL: no copyId */
	enum compress_codec codec;	/* logtail sink: when it pays (compress.h) */
	uint64_t timeout_ms;		/* per attempt */
	uint64_t retry_min_ms;		/* failed attempt: wait in [min, max) */
	uint64_t retry_max_ms;
	uint64_t retry_cap_ms;		/* bound of any wait, Retry-After too */
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
	uint64_t discarded;		/* unreadable batches deleted */
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
 * the sink took it (HTTP 2xx), -EBADMSG when a file or stdout sink cannot
 * parse it (retrying would not help), otherwise -EAGAIN (HTTP error or
 * transport failure) or another -errno with @delay_ms set to the wait before
 * the next attempt and last_error set to the cause.
 */
int upload_send(struct uploader *up, const char *body, size_t len,
		uint64_t *delay_ms);

/*
 * One step of the delivery loop. If an attempt is due at @now_ms and the
 * spool is not empty, sends the oldest batch and deletes it from the spool
 * when delivered. Returns 1 when a batch was delivered (more may be due:
 * @next_ms is @now_ms), 0 when nothing was due (@next_ms is the time of the
 * next attempt, UINT64_MAX when the spool is empty), or -errno when the
 * attempt failed (@next_ms is the time of the retry; see upload_stats()).
 * Times are clock_ms(). Blocks for at most the upload timeout.
 */
int upload_step(struct uploader *up, struct spool *spool, uint64_t now_ms,
		uint64_t *next_ms);

/*
 * An attempt still running at @deadline_ms (clock_ms(); 0: none) is stopped
 * within a second and counts as failed: its batch stays spooled.
 */
void upload_set_deadline(struct uploader *up, uint64_t deadline_ms);

void upload_stats(const struct uploader *up, struct upload_stats *stats);

/* A logtail private or domain ID: 64 hex digits. */
bool upload_log_id_valid(const char *s);

#endif /* NETLOG_UPLOAD_H */
