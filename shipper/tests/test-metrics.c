// SPDX-License-Identifier: GPL-2.0
/*
 * Host tests of netlogd's Prometheus metrics: known windows counted into
 * the counters, the exact text they make, `promtool check metrics` on it,
 * the textfile replaced atomically, and the spool's oldest batch age.
 *
 *   test-metrics
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <curl/curl.h>
#include <linux/netlog.h>

#include "check.h"
#include "tmpdir.h"
#include "metrics.h"
#include "metrics-http.h"
#include "spool.h"
#include "upload.h"
#include "window.h"

static void add_flow(struct window *w, uint8_t kind, uint64_t txp,
		     uint64_t txb, uint64_t rxp, uint64_t rxb)
{
	struct flow *f = window_add_flow(w);

	if (!f)
		die("window_add_flow");
	memset(f, 0, sizeof(*f));
	f->kind = kind;
	f->proto = 17;
	f->tx_pkts = txp;
	f->tx_bytes = txb;
	f->rx_pkts = rxp;
	f->rx_bytes = rxb;
}

/* Two windows: virtual and physical flows, misses, exclusions. */
static void count_two_windows(struct netlogd_stats *st)
{
	struct window w;

	window_init(&w);
	w.seq = 41;
	w.end_ns = 1764460800250000000ULL;
	add_flow(&w, NETLOG_KIND_VIRTUAL, 10, 1200, 8, 900);
	add_flow(&w, NETLOG_KIND_PHYSICAL, 11, 1452, 9, 1180);
	w.miss_table_full = (struct counts){ 3, 180 };
	w.excluded = (struct counts){ 2, 168 };
	metrics_count_window(st, &w);
	window_release(&w);

	window_init(&w);
	w.seq = 42;
	w.end_ns = 1764460805500000000ULL;
	add_flow(&w, NETLOG_KIND_VIRTUAL, 1, 84, 0, 0);
	add_flow(&w, NETLOG_KIND_VIRTUAL, 0, 0, 5, 420);
	w.miss_table_full = (struct counts){ 7, 4000 };
	metrics_count_window(st, &w);
	window_release(&w);
}

/* What count_two_windows() and the stats below make, exactly. */
static const char want_text[] =
	"# HELP netlogd_flow_packets_total Packets of the flows of the windows netlogd spooled.\n"
	"# TYPE netlogd_flow_packets_total counter\n"
	"netlogd_flow_packets_total{kind=\"virtual\",direction=\"tx\"} 11\n"
	"netlogd_flow_packets_total{kind=\"virtual\",direction=\"rx\"} 13\n"
	"netlogd_flow_packets_total{kind=\"physical\",direction=\"tx\"} 11\n"
	"netlogd_flow_packets_total{kind=\"physical\",direction=\"rx\"} 9\n"
	"# HELP netlogd_flow_bytes_total Bytes of the flows of the windows netlogd spooled: IP lengths (virtual), UDP payload (physical).\n"
	"# TYPE netlogd_flow_bytes_total counter\n"
	"netlogd_flow_bytes_total{kind=\"virtual\",direction=\"tx\"} 1284\n"
	"netlogd_flow_bytes_total{kind=\"virtual\",direction=\"rx\"} 1320\n"
	"netlogd_flow_bytes_total{kind=\"physical\",direction=\"tx\"} 1452\n"
	"netlogd_flow_bytes_total{kind=\"physical\",direction=\"rx\"} 1180\n"
	"# HELP netlogd_flows_total Flow entries of the windows netlogd spooled.\n"
	"# TYPE netlogd_flows_total counter\n"
	"netlogd_flows_total 4\n"
	"# HELP netlogd_windows_total Kernel windows drained and acknowledged.\n"
	"# TYPE netlogd_windows_total counter\n"
	"netlogd_windows_total 5\n"
	"# HELP netlogd_messages_total Tailscale flow log messages built and spooled.\n"
	"# TYPE netlogd_messages_total counter\n"
	"netlogd_messages_total 3\n"
	"# HELP netlogd_kernel_missed_packets_total Packets the kernel counted in no flow because its table was full (raise max_flows).\n"
	"# TYPE netlogd_kernel_missed_packets_total counter\n"
	"netlogd_kernel_missed_packets_total 10\n"
	"# HELP netlogd_kernel_missed_bytes_total Bytes of the packets the kernel counted in no flow because its table was full.\n"
	"# TYPE netlogd_kernel_missed_bytes_total counter\n"
	"netlogd_kernel_missed_bytes_total 4180\n"
	"# HELP netlogd_kernel_excluded_packets_total Packets to or from an excluded address.\n"
	"# TYPE netlogd_kernel_excluded_packets_total counter\n"
	"netlogd_kernel_excluded_packets_total 2\n"
	"# HELP netlogd_kernel_excluded_bytes_total Bytes of the packets to or from an excluded address.\n"
	"# TYPE netlogd_kernel_excluded_bytes_total counter\n"
	"netlogd_kernel_excluded_bytes_total 168\n"
	"# HELP netlogd_uploads_total Batch delivery attempts to the sink, by result.\n"
	"# TYPE netlogd_uploads_total counter\n"
	"netlogd_uploads_total{result=\"ok\"} 4\n"
	"netlogd_uploads_total{result=\"error\"} 6\n"
	"# HELP netlogd_upload_bytes_total Bytes of the batches delivered, uncompressed.\n"
	"# TYPE netlogd_upload_bytes_total counter\n"
	"netlogd_upload_bytes_total 20480\n"
	"# HELP netlogd_batches_discarded_total Unreadable batches deleted from the spool undelivered.\n"
	"# TYPE netlogd_batches_discarded_total counter\n"
	"netlogd_batches_discarded_total 1\n"
	"# HELP netlogd_logs_dropped_total Log entries the spool's cap deleted undelivered.\n"
	"# TYPE netlogd_logs_dropped_total counter\n"
	"netlogd_logs_dropped_total 12\n"
	"# HELP netlogd_spool_bytes Bytes of the batches waiting in the spool.\n"
	"# TYPE netlogd_spool_bytes gauge\n"
	"netlogd_spool_bytes 5120\n"
	"# HELP netlogd_spool_batches Batches waiting in the spool.\n"
	"# TYPE netlogd_spool_batches gauge\n"
	"netlogd_spool_batches 2\n"
	"# HELP netlogd_spool_oldest_batch_age_seconds Age of the oldest batch waiting in the spool; 0 when empty.\n"
	"# TYPE netlogd_spool_oldest_batch_age_seconds gauge\n"
	"netlogd_spool_oldest_batch_age_seconds 12.345\n"
	"# HELP netlogd_drain_errors_total Failed drains of a kernel window.\n"
	"# TYPE netlogd_drain_errors_total counter\n"
	"netlogd_drain_errors_total 1\n"
	"# HELP netlogd_high_water_events_total High-water events from the kernel.\n"
	"# TYPE netlogd_high_water_events_total counter\n"
	"netlogd_high_water_events_total 2\n"
	"# HELP netlogd_start_time_seconds When netlogd started, since the epoch.\n"
	"# TYPE netlogd_start_time_seconds gauge\n"
	"netlogd_start_time_seconds 1764460790.000\n"
	"# HELP netlogd_last_window_end_timestamp_seconds End of the newest window spooled, since the epoch; 0 before the first.\n"
	"# TYPE netlogd_last_window_end_timestamp_seconds gauge\n"
	"netlogd_last_window_end_timestamp_seconds 1764460805.500\n";

static char *format(const struct netlogd_stats *st,
		    const struct spool_stats *sp,
		    const struct upload_stats *up, uint64_t now_ns)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	if (!f)
		die("open_memstream");
	CHECK_EQ(metrics_format(f, st, sp, up, now_ns), 0);
	fclose(f);
	return text;
}

static void test_counts_and_exact_text(void)
{
	struct netlogd_stats st = {
		.windows = 5, .messages = 3, .drain_errors = 1,
		.high_water_events = 2,
		.start_ns = 1764460790000000000ULL, .dropped_at_start = 40,
	};
	struct spool_stats sp = {
		.batches = 2, .bytes = 5120, .dropped = 52,
		.oldest_ns = 1764460801000000000ULL,
	};
	struct upload_stats up = {
		.batches = 4, .failures = 6, .bytes = 20480, .discarded = 1,
	};
	char *text;
	FILE *f;

	count_two_windows(&st);
	CHECK_EQ(st.flows, 4);
	CHECK_EQ(st.pkts[NETLOG_KIND_VIRTUAL][METRICS_TX], 11);
	CHECK_EQ(st.bytes[NETLOG_KIND_VIRTUAL][METRICS_RX], 1320);
	CHECK_EQ(st.missed.pkts, 10);
	CHECK_EQ(st.last_window_seq, 42);
	/* now is 12.345 s after the oldest batch was written */
	text = format(&st, &sp, &up, 1764460813345000000ULL);
	check_str("metrics text", text, want_text);

	/* promtool, when installed, agrees that it is well-formed */
	f = fopen(path("netlogd.prom"), "w");
	if (!f || fputs(text, f) < 0 || fclose(f))
		die("netlogd.prom");
	if (access("/usr/bin/promtool", X_OK)) {
		printf("test-metrics: SKIP promtool check: /usr/bin/promtool is not installed (apt-get install prometheus)\n");
	} else {
		char cmd[512];

		snprintf(cmd, sizeof(cmd), "promtool check metrics < %s",
			 path("netlogd.prom"));
		CHECK_EQ(system(cmd), 0);
	}
	free(text);
}

static const char want_sinks[] =
	"# HELP netlogd_sink_delivered_batches_total Batches the sink took.\n"
	"# TYPE netlogd_sink_delivered_batches_total counter\n"
	"netlogd_sink_delivered_batches_total{sink=\"lt\"} 7\n"
	"netlogd_sink_delivered_batches_total{sink=\"archive-1\"} 9\n"
	"# HELP netlogd_sink_delivered_entries_total Log entries the sink took.\n"
	"# TYPE netlogd_sink_delivered_entries_total counter\n"
	"netlogd_sink_delivered_entries_total{sink=\"lt\"} 70\n"
	"netlogd_sink_delivered_entries_total{sink=\"archive-1\"} 95\n"
	"# HELP netlogd_sink_wire_bytes_total Bytes sent to the sink, as sent (compressed or not).\n"
	"# TYPE netlogd_sink_wire_bytes_total counter\n"
	"netlogd_sink_wire_bytes_total{sink=\"lt\"} 3000\n"
	"netlogd_sink_wire_bytes_total{sink=\"archive-1\"} 40000\n"
	"# HELP netlogd_sink_failed_attempts_total Delivery attempts that failed and will be retried.\n"
	"# TYPE netlogd_sink_failed_attempts_total counter\n"
	"netlogd_sink_failed_attempts_total{sink=\"lt\"} 12\n"
	"netlogd_sink_failed_attempts_total{sink=\"archive-1\"} 0\n"
	"# HELP netlogd_sink_rejected_batches_total Batches the sink refused for good, set aside in rejected/.\n"
	"# TYPE netlogd_sink_rejected_batches_total counter\n"
	"netlogd_sink_rejected_batches_total{sink=\"lt\"} 1\n"
	"netlogd_sink_rejected_batches_total{sink=\"archive-1\"} 0\n"
	"# HELP netlogd_sink_dropped_entries_total Log entries the spool's cap deleted before the sink had them.\n"
	"# TYPE netlogd_sink_dropped_entries_total counter\n"
	"netlogd_sink_dropped_entries_total{sink=\"lt\"} 33\n"
	"netlogd_sink_dropped_entries_total{sink=\"archive-1\"} 0\n"
	"# HELP netlogd_sink_lag_batches Spooled batches the sink has not taken yet.\n"
	"# TYPE netlogd_sink_lag_batches gauge\n"
	"netlogd_sink_lag_batches{sink=\"lt\"} 4\n"
	"netlogd_sink_lag_batches{sink=\"archive-1\"} 0\n"
	"# HELP netlogd_sink_oldest_undelivered_age_seconds Age of the oldest batch the sink has not taken; 0 when none.\n"
	"# TYPE netlogd_sink_oldest_undelivered_age_seconds gauge\n"
	"netlogd_sink_oldest_undelivered_age_seconds{sink=\"lt\"} 61.250\n"
	"netlogd_sink_oldest_undelivered_age_seconds{sink=\"archive-1\"} 0.000\n";

/*
 * Two sinks, one behind: a series each, exact; with the global text,
 * promtool takes it.
 */
static void test_series_by_sink(void)
{
	struct metrics_sink ms[2] = {
		{ .name = "lt",
		  .up = { .batches = 7, .entries = 70, .wire_bytes = 3000,
			  .failures = 12, .rejected = 1, .dropped = 30 },
		  .cursor = { .batches = 4, .dropped = 3,
			      .oldest_ns = 1764460800000000000ULL } },
		{ .name = "archive-1",
		  .up = { .batches = 9, .entries = 95, .wire_bytes = 40000 },
		  .cursor = { .oldest_ns = 1764460700000000000ULL } },
	};
	struct netlogd_stats st = { 0 };
	struct spool_stats sp = { 0 };
	struct upload_stats up = { 0 };
	char *text = NULL, cmd[512];
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	if (!f)
		die("open_memstream");
	CHECK_EQ(metrics_format_sinks(f, ms, 2, 1764460861250000000ULL), 0);
	fclose(f);
	check_str("sink series", text, want_sinks);
	free(text);

	f = fopen(path("sinks.prom"), "w");
	if (!f)
		die("sinks.prom");
	CHECK_EQ(metrics_format(f, &st, &sp, &up, 0), 0);
	CHECK_EQ(metrics_format_sinks(f, ms, 2, 1764460861250000000ULL), 0);
	if (fclose(f))
		die("sinks.prom");
	if (!access("/usr/bin/promtool", X_OK)) {
		snprintf(cmd, sizeof(cmd), "promtool check metrics < %s",
			 path("sinks.prom"));
		CHECK_EQ(system(cmd), 0);
	}
}

/* An empty spool has age 0, and every counter starts at 0. */
static void test_empty_spool_is_age_zero(void)
{
	struct netlogd_stats st = { .dropped_at_start = 7 };
	struct spool_stats sp = { .dropped = 7 };
	struct upload_stats up = { 0 };
	char *text = format(&st, &sp, &up, 1764460813345000000ULL);

	CHECK(strstr(text, "\nnetlogd_spool_oldest_batch_age_seconds 0.000\n"));
	CHECK(strstr(text, "\nnetlogd_logs_dropped_total 0\n"));
	CHECK(strstr(text, "\nnetlogd_flow_bytes_total{kind=\"physical\",direction=\"rx\"} 0\n"));
	free(text);
}

/*
 * The textfile: replaced whole, mode 0644 even under netlogd.service's
 * UMask=0077 (node-exporter reads it as another user), no .tmp left behind.
 */
static void test_textfile_replaced(void)
{
	const char *p = path("textfile/netlogd.prom");
	struct stat sb;
	char buf[64] = "";
	mode_t old = umask(077);
	FILE *f;

	CHECK_EQ(metrics_write_file(p, "a 1\n", 4), -ENOENT);
	if (mkdir(path("textfile"), 0755))
		die("mkdir");
	CHECK_EQ(metrics_write_file(p, "a 1\n", 4), 0);
	CHECK_EQ(metrics_write_file(p, "b 2\n", 4), 0);
	f = fopen(p, "r");
	CHECK(f && fread(buf, 1, sizeof(buf) - 1, f) == 4);
	if (f)
		fclose(f);
	check_str("textfile", buf, "b 2\n");
	CHECK(stat(p, &sb) == 0 && (sb.st_mode & 07777) == 0644);
	CHECK(access(path("textfile/netlogd.prom.tmp"), F_OK) && errno == ENOENT);
	umask(old);
}

/* The spool's oldest batch: its file's mtime; 0 once delivered. */
static void test_spool_oldest_batch(void)
{
	const struct timespec t[2] = { { 1764460801, 5 }, { 1764460801, 5 } };
	const char *msgs[] = { "{\"a\":1}" };
	const size_t lens[] = { 7 };
	struct spool_stats ss;
	struct spool *sp;
	struct dirent *de;
	char oldest[256] = "~";
	DIR *dir;

	CHECK_EQ(spool_open(path("spool"), 0, &sp), 0);
	spool_stats(sp, &ss);
	CHECK_EQ(ss.oldest_ns, 0);
	CHECK_EQ(spool_put_window(sp, 1, 1000, 2000, msgs, lens, 1), 0);
	CHECK_EQ(spool_put_window(sp, 2, 2000, 3000, msgs, lens, 1), 0);
	/* the first batch: the lowest proc_seq, the first name */
	dir = opendir(path("spool"));
	if (!dir)
		die("opendir");
	while ((de = readdir(dir)))
		if (strstr(de->d_name, ".batch") && strcmp(de->d_name, oldest) < 0)
			snprintf(oldest, sizeof(oldest), "%s", de->d_name);
	CHECK_EQ(utimensat(dirfd(dir), oldest, t, 0), 0);
	closedir(dir);
	spool_stats(sp, &ss);
	CHECK_EQ(ss.batches, 2);
	CHECK_EQ(ss.oldest_ns, 1764460801000000005ULL);
	CHECK_EQ(spool_delete_oldest(sp), 0);
	spool_stats(sp, &ss);
	CHECK(ss.oldest_ns > 1764460801000000005ULL);
	CHECK_EQ(spool_delete_oldest(sp), 0);
	spool_stats(sp, &ss);
	CHECK_EQ(ss.oldest_ns, 0);
	spool_close(sp);
}

struct reply {
	long status;
	char type[128];
	char body[16384];
	size_t len;
};

static size_t on_body(char *data, size_t size, size_t n, void *arg)
{
	struct reply *r = arg;
	size_t room = sizeof(r->body) - 1 - r->len;

	n *= size;
	memcpy(r->body + r->len, data, n < room ? n : room);
	r->len += n < room ? n : room;
	r->body[r->len] = '\0';
	return n;
}

/* One request to the server with libcurl, as a scraper makes it. */
static void fetch(const char *url, const char *method, struct reply *r)
{
	CURL *c = curl_easy_init();
	char *type = NULL;

	memset(r, 0, sizeof(*r));
	if (!c)
		die("curl_easy_init");
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, r);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 5000L);
	CHECK_EQ(curl_easy_perform(c), CURLE_OK);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status);
	curl_easy_getinfo(c, CURLINFO_CONTENT_TYPE, &type);
	snprintf(r->type, sizeof(r->type), "%s", type ? type : "");
	curl_easy_cleanup(c);
}

/*
 * metrics_listen: 503 before the first text, then exactly the text set
 * last, with Prometheus' content type; 404 and 405 for anything else. On
 * IPv4 and IPv6 loopback, a free port each.
 */
static void test_http_serves_last_text(const char *listen, const char *host)
{
	struct metrics_http *mh;
	struct reply r;
	char url[128];
	char *text;

	CHECK_EQ(metrics_http_open(listen, &mh), 0);
	if (failures)
		return;
	CHECK(metrics_http_port(mh) != 0);
	snprintf(url, sizeof(url), "http://%s:%u/metrics", host,
		 metrics_http_port(mh));
	fetch(url, "GET", &r);
	CHECK_EQ(r.status, 503);
	text = strdup("a_total 1\n");
	metrics_http_set(mh, text, strlen(text));
	text = strdup(want_text);
	metrics_http_set(mh, text, strlen(text));
	fetch(url, "GET", &r);
	CHECK_EQ(r.status, 200);
	check_str("content type", r.type,
		  "text/plain; version=0.0.4; charset=utf-8");
	check_str("/metrics", r.body, want_text);
	fetch(url, "POST", &r);
	CHECK_EQ(r.status, 405);
	snprintf(url, sizeof(url), "http://%s:%u/", host, metrics_http_port(mh));
	fetch(url, "GET", &r);
	CHECK_EQ(r.status, 404);
	metrics_http_close(mh);
}

int main(void)
{
	snprintf(root, sizeof(root), "/tmp/test-metrics.XXXXXX");
	if (!mkdtemp(root))
		die("mkdtemp");
	test_counts_and_exact_text();
	test_series_by_sink();
	test_empty_spool_is_age_zero();
	test_textfile_replaced();
	test_spool_oldest_batch();
	curl_global_init(CURL_GLOBAL_DEFAULT);
	test_http_serves_last_text("127.0.0.1:0", "127.0.0.1");
	test_http_serves_last_text("[::1]:0", "[::1]");
	curl_global_cleanup();
	if (!failures)
		nftw(root, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	else
		fprintf(stderr, "test-metrics: files in %s\n", root);
	return check_done("test-metrics");
}
