/* SPDX-License-Identifier: GPL-2.0 */
/*
 * netlogd's counters, kept once: the daemon counts into struct
 * netlogd_stats, and both the status file (JSON) and the Prometheus text
 * (the node-exporter textfile, /metrics) are views of it, of the spool's
 * stats and of the uploader's. Counters start at 0 when netlogd starts.
 */
#ifndef NETLOG_METRICS_H
#define NETLOG_METRICS_H

#include <stdint.h>
#include <stdio.h>

#include "window.h"
#include "spool.h"
#include "upload.h"

/* By enum netlog_kind, then direction. */
enum { METRICS_KINDS = 2, METRICS_TX = 0, METRICS_RX = 1 };

struct netlogd_stats {
	uint64_t windows;		/* drained and spooled or empty */
	uint64_t empty_windows;
	uint64_t duplicate_windows;	/* spooled before a crash */
	uint64_t messages;
	uint64_t message_bytes;
	uint64_t drain_errors;
	uint64_t high_water_events;
	uint64_t nodes_loads;
	uint64_t nodes_errors;

	/*
	 * The windows this process took into its spool (not the duplicates a
	 * restart drains again): their flows' counts summed, and the kernel's
	 * per-window misses and exclusions.
	 */
	uint64_t flows;
	uint64_t pkts[METRICS_KINDS][2];
	uint64_t bytes[METRICS_KINDS][2];
	struct counts missed;		/* table full */
	struct counts excluded;
	uint64_t last_window_seq;	/* 0 before the first */
	uint64_t last_window_end_ns;

	uint64_t start_ns;		/* netlogd's start, since the epoch */
	uint64_t dropped_at_start;	/* the spool's dropped count then */
};

/* Adds window @w, just spooled (or making no message), to @st. */
void metrics_count_window(struct netlogd_stats *st, const struct window *w);

/*
 * Writes the Prometheus text exposition format (0.0.4) of @st, @sp and @up
 * to @f; @now_ns (since the epoch) gives the oldest batch its age. 0, or
 * -EIO when @f failed.
 */
int metrics_format(FILE *f, const struct netlogd_stats *st,
		   const struct spool_stats *sp, const struct upload_stats *up,
		   uint64_t now_ns);

/* One sink's counters and its cursor's progress, for the series by sink. */
struct metrics_sink {
	const char *name;
	struct upload_stats up;
	struct spool_cursor_stats cursor;
};

/*
 * Writes the netlogd_sink_* families, one series per sink of @sinks
 * labelled {sink="NAME"}, after metrics_format()'s text; @now_ns gives
 * each sink's oldest undelivered batch its age. 0, or -EIO.
 */
int metrics_format_sinks(FILE *f, const struct metrics_sink *sinks,
			 size_t n, uint64_t now_ns);

/*
 * Replaces @path with @len bytes of @text, mode 0644, atomically for
 * readers: written as "@path.tmp" (which a node-exporter, reading *.prom,
 * ignores), then renamed. 0 or -errno.
 */
int metrics_write_file(const char *path, const char *text, size_t len);

#endif /* NETLOG_METRICS_H */
