// SPDX-License-Identifier: GPL-2.0
/*
 * The Prometheus view of netlogd's counters. Names follow Prometheus'
 * conventions: base units (bytes, seconds), counters end in _total, every
 * family has # HELP and # TYPE. The flow totals are the sums of what the
 * spooled windows held, in the kernel's units: virtual bytes are IP packet
 * lengths, physical bytes UDP payload.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <unistd.h>
#include <sys/stat.h>
#include <linux/netlog.h>

#include "fileio.h"
#include "metrics.h"

void metrics_count_window(struct netlogd_stats *st, const struct window *w)
{
	size_t i;

	for (i = 0; i < w->nr; i++) {
		const struct flow *f = &w->flows[i];
		unsigned int k = f->kind;

		if (k >= METRICS_KINDS)
			continue;
		st->pkts[k][METRICS_TX] += f->tx_pkts;
		st->pkts[k][METRICS_RX] += f->rx_pkts;
		st->bytes[k][METRICS_TX] += f->tx_bytes;
		st->bytes[k][METRICS_RX] += f->rx_bytes;
	}
	st->flows += w->nr;
	st->missed.pkts += w->miss_table_full.pkts;
	st->missed.bytes += w->miss_table_full.bytes;
	st->excluded.pkts += w->excluded.pkts;
	st->excluded.bytes += w->excluded.bytes;
	st->last_window_seq = w->seq;
	if (w->end_ns > st->last_window_end_ns)
		st->last_window_end_ns = w->end_ns;
}

static void family(FILE *f, const char *name, const char *type,
		   const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void one(FILE *f, const char *name, const char *type,
		const char *help, uint64_t v)
{
	family(f, name, type, help);
	fprintf(f, "%s %" PRIu64 "\n", name, v);
}

/* Nanoseconds as seconds with milliseconds: "1764460800.250". */
static void seconds(FILE *f, const char *name, const char *help, uint64_t ns)
{
	family(f, name, "gauge", help);
	fprintf(f, "%s %" PRIu64 ".%03" PRIu64 "\n", name, ns / 1000000000,
		ns / 1000000 % 1000);
}

/* A counter family by kind and direction: @v[kind][METRICS_TX or _RX]. */
static void by_kind(FILE *f, const char *name, const char *help,
		    const uint64_t v[METRICS_KINDS][2])
{
	static const char *const kinds[METRICS_KINDS] = {
		[NETLOG_KIND_VIRTUAL] = "virtual",
		[NETLOG_KIND_PHYSICAL] = "physical",
	};
	static const char *const dirs[2] = {
		[METRICS_TX] = "tx", [METRICS_RX] = "rx",
	};
	int k, d;

	family(f, name, "counter", help);
	for (k = 0; k < METRICS_KINDS; k++)
		for (d = 0; d < 2; d++)
			fprintf(f, "%s{kind=\"%s\",direction=\"%s\"} %" PRIu64 "\n",
				name, kinds[k], dirs[d], v[k][d]);
}

static void kernel_totals(FILE *f, const struct netlogd_stats *st)
{
	one(f, "netlogd_kernel_missed_packets_total", "counter",
	    "Packets the kernel counted in no flow because its table was full (raise max_flows).",
	    st->missed.pkts);
	one(f, "netlogd_kernel_missed_bytes_total", "counter",
	    "Bytes of the packets the kernel counted in no flow because its table was full.",
	    st->missed.bytes);
	one(f, "netlogd_kernel_excluded_packets_total", "counter",
	    "Packets to or from an excluded address.", st->excluded.pkts);
	one(f, "netlogd_kernel_excluded_bytes_total", "counter",
	    "Bytes of the packets to or from an excluded address.",
	    st->excluded.bytes);
}

static void upload_totals(FILE *f, const struct upload_stats *up)
{
	family(f, "netlogd_uploads_total", "counter",
	       "Batch delivery attempts to the sink, by result.");
	fprintf(f, "netlogd_uploads_total{result=\"ok\"} %" PRIu64 "\n",
		up->batches);
	fprintf(f, "netlogd_uploads_total{result=\"error\"} %" PRIu64 "\n",
		up->failures);
	one(f, "netlogd_upload_bytes_total", "counter",
	    "Bytes of the batches delivered, uncompressed.", up->bytes);
	one(f, "netlogd_batches_discarded_total", "counter",
	    "Unreadable batches deleted from the spool undelivered.",
	    up->discarded);
}

static void spool_gauges(FILE *f, const struct netlogd_stats *st,
			 const struct spool_stats *sp, uint64_t now_ns)
{
	uint64_t age = sp->batches && sp->oldest_ns && now_ns > sp->oldest_ns ?
		       now_ns - sp->oldest_ns : 0;

	one(f, "netlogd_logs_dropped_total", "counter",
	    "Log entries the spool's cap deleted undelivered.",
	    sp->dropped - st->dropped_at_start);
	one(f, "netlogd_spool_bytes", "gauge",
	    "Bytes of the batches waiting in the spool.", sp->bytes);
	one(f, "netlogd_spool_batches", "gauge",
	    "Batches waiting in the spool.", sp->batches);
	seconds(f, "netlogd_spool_oldest_batch_age_seconds",
		"Age of the oldest batch waiting in the spool; 0 when empty.",
		age);
}

int metrics_format(FILE *f, const struct netlogd_stats *st,
		   const struct spool_stats *sp, const struct upload_stats *up,
		   uint64_t now_ns)
{
	by_kind(f, "netlogd_flow_packets_total",
		"Packets of the flows of the windows netlogd spooled.",
		st->pkts);
	by_kind(f, "netlogd_flow_bytes_total",
		"Bytes of the flows of the windows netlogd spooled: IP lengths (virtual), UDP payload (physical).",
		st->bytes);
	one(f, "netlogd_flows_total", "counter",
	    "Flow entries of the windows netlogd spooled.", st->flows);
	one(f, "netlogd_windows_total", "counter",
	    "Kernel windows drained and acknowledged.", st->windows);
	one(f, "netlogd_messages_total", "counter",
	    "Tailscale flow log messages built and spooled.", st->messages);
	kernel_totals(f, st);
	upload_totals(f, up);
	spool_gauges(f, st, sp, now_ns);
	one(f, "netlogd_drain_errors_total", "counter",
	    "Failed drains of a kernel window.", st->drain_errors);
	one(f, "netlogd_high_water_events_total", "counter",
	    "High-water events from the kernel.", st->high_water_events);
	seconds(f, "netlogd_start_time_seconds",
		"When netlogd started, since the epoch.", st->start_ns);
	seconds(f, "netlogd_last_window_end_timestamp_seconds",
		"End of the newest window spooled, since the epoch; 0 before the first.",
		st->last_window_end_ns);
	return ferror(f) ? -EIO : 0;
}

/* A family with a series per sink: @get(sink) its value. */
static void by_sink(FILE *f, const char *name, const char *type,
		    const char *help, const struct metrics_sink *sinks,
		    size_t n, uint64_t (*get)(const struct metrics_sink *))
{
	size_t i;

	family(f, name, type, help);
	for (i = 0; i < n; i++)
		fprintf(f, "%s{sink=\"%s\"} %" PRIu64 "\n", name,
			sinks[i].name, get(&sinks[i]));
}

static uint64_t s_batches(const struct metrics_sink *s)
{
	return s->up.batches;
}

static uint64_t s_entries(const struct metrics_sink *s)
{
	return s->up.entries;
}

static uint64_t s_wire(const struct metrics_sink *s)
{
	return s->up.wire_bytes;
}

static uint64_t s_failures(const struct metrics_sink *s)
{
	return s->up.failures;
}

static uint64_t s_rejected(const struct metrics_sink *s)
{
	return s->up.rejected;
}

/* reported with a batch, and lost but not yet reported */
static uint64_t s_dropped(const struct metrics_sink *s)
{
	return s->up.dropped + s->cursor.dropped;
}

static uint64_t s_lag(const struct metrics_sink *s)
{
	return s->cursor.batches;
}

int metrics_format_sinks(FILE *f, const struct metrics_sink *sinks,
			 size_t n, uint64_t now_ns)
{
	static const char age[] = "netlogd_sink_oldest_undelivered_age_seconds";
	size_t i;

	by_sink(f, "netlogd_sink_delivered_batches_total", "counter",
		"Batches the sink took.", sinks, n, s_batches);
	by_sink(f, "netlogd_sink_delivered_entries_total", "counter",
		"Log entries the sink took.", sinks, n, s_entries);
	by_sink(f, "netlogd_sink_wire_bytes_total", "counter",
		"Bytes sent to the sink, as sent (compressed or not).", sinks,
		n, s_wire);
	by_sink(f, "netlogd_sink_failed_attempts_total", "counter",
		"Delivery attempts that failed and will be retried.", sinks,
		n, s_failures);
	by_sink(f, "netlogd_sink_rejected_batches_total", "counter",
		"Batches the sink refused for good, set aside in rejected/.",
		sinks, n, s_rejected);
	by_sink(f, "netlogd_sink_dropped_entries_total", "counter",
		"Log entries the spool's cap deleted before the sink had them.",
		sinks, n, s_dropped);
	by_sink(f, "netlogd_sink_lag_batches", "gauge",
		"Spooled batches the sink has not taken yet.", sinks, n, s_lag);
	family(f, age, "gauge",
	       "Age of the oldest batch the sink has not taken; 0 when none.");
	for (i = 0; i < n; i++) {
		uint64_t t = sinks[i].cursor.oldest_ns, ns;

		ns = sinks[i].cursor.batches && t && now_ns > t ? now_ns - t : 0;
		fprintf(f, "%s{sink=\"%s\"} %" PRIu64 ".%03" PRIu64 "\n", age,
			sinks[i].name, ns / 1000000000, ns / 1000000 % 1000);
	}
	return ferror(f) ? -EIO : 0;
}

int metrics_write_file(const char *path, const char *text, size_t len)
{
	char tmp[PATH_MAX];
	int fd, ret;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	/* node-exporter runs as another user: 0644 whatever the umask (the
	 * unit's is 0077) */
	if (fchmod(fd, 0644)) {
		ret = -errno;
		close(fd);
		unlink(tmp);
		return ret;
	}
	/*
	 * No fsync: the file is replaced every poll period and its counters
	 * start over with netlogd anyway; the rename is what keeps readers
	 * from a half-written file.
	 */
	ret = write_all(fd, text, len);
	if (close(fd) && !ret)
		ret = -errno;
	if (!ret && rename(tmp, path))
		ret = -errno;
	if (ret)
		unlink(tmp);
	return ret;
}
