// SPDX-License-Identifier: GPL-2.0
/*
 * Benchmark of netlogd's path from a drained window to compressed upload
 * bodies, on one core: record_build() streaming its messages into the spool
 * as drain_cycle() does it, the read-back of every batch as upload_step()
 * does it, and compress_body() of every batch as the uploader does it, for
 * zstd (the default, what Tailscale's client sends) and gzip. Beside it, in
 * the same run, the floors: json-c alone serializing as many entries, and
 * the compressor alone (libzstd or zlib, called directly) on the same
 * bodies. Windows of 1k, 100k and 1M synthetic flows, generated
 * deterministically against a node map of self and 49 peers. Each figure is
 * the median of REPS rounds, with their min-max. Also the peak RSS of a
 * process that takes one window end to end with zstd.
 *
 *   bench-netlogd [-d SPOOL_PARENT] [-D DISK_PARENT] [-n MAX_FLOWS] [-r REPS]
 *   bench-netlogd -s [-d SPOOL_PARENT] [-n MAX_FLOWS] [-r REPS]
 *   bench-netlogd -H [-n MAX_FLOWS]
 *
 * -s times every sink type's encoder instead, on the batches of one
 * spooled window of 100k and of 1M flows, in the process's CPU time: the
 * HTTP sinks' request op (logtail, http, splunk, elastic, datadog, axiom,
 * loki, s3, clickhouse) with compress_body() in the type's default codec,
 * as upload.c calls them (every part; s3's SHA-256 of the body), nothing
 * sent; the file sink's deliver into a file on SPOOL_PARENT, stdout's into
 * /dev/null, and ipfix's into a UDP socket that never reads (its export
 * rate in IPFIX records too). Each beside, in the same round, json-c
 * parsing the same batches plus the codec alone on the bodies the sink
 * built.
 *
 * -H prints, for each window size, a hash of every message record_build()
 * emits (in order, each with its length) instead of timing anything: equal
 * hashes before and after a change to the build mean byte-identical output.
 *
 * SPOOL_PARENT (default /dev/shm) should be a tmpfs, so that the
 * build+spool column is CPU and not the disk (its fsyncs cost nothing
 * there); DISK_PARENT (default /var/tmp) is used for one extra measurement
 * of the same spool with real fsyncs.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <linux/netlog.h>
#include <json-c/json.h>
#include <openssl/evp.h>
#include <zlib.h>
#include <zstd.h>

#include "window.h"
#include "nodemap.h"
#include "record.h"
#include "json-build.h"
#include "routes.h"
#include "spool.h"
#include "compress.h"
#include "config.h"
#include "sink-types.h"
#include "array.h"


#define NPEERS 49
#define SEED 0x6e65746c6f67ULL		/* "netlog" */
#define WINDOW_START_NS 1700000000000000000ULL
#define WINDOW_LEN_NS 5000000000ULL

struct service {
	uint16_t port;
	uint8_t proto;
};

/* All below 32768, so a service port never equals an ephemeral one. */
static const struct service services[] = {
	{ 443, IPPROTO_TCP }, { 22, IPPROTO_TCP }, { 53, IPPROTO_UDP },
	{ 80, IPPROTO_TCP }, { 5432, IPPROTO_TCP }, { 6379, IPPROTO_TCP },
	{ 8080, IPPROTO_TCP }, { 9100, IPPROTO_TCP }, { 3389, IPPROTO_TCP },
	{ 123, IPPROTO_UDP }, { 8443, IPPROTO_TCP }, { 3000, IPPROTO_TCP },
	{ 27017, IPPROTO_TCP }, { 9090, IPPROTO_TCP }, { 993, IPPROTO_TCP },
	{ 5353, IPPROTO_UDP },
};

static const char *const oses[] = { "linux", "windows", "macOS", "iOS",
				     "android" };

struct fixture {
	struct nodemap *nm;
	struct routes *rt;
	struct window w;
};


/* A copy of the batch bodies of one run, for zlib alone. */
struct bodies {
	char *data;
	size_t len, size;
	size_t *off;		/* n + 1 offsets */
	size_t n, alloc;
};

struct times {
	double build;		/* ms, the build alone (not in the total) */
	double build_spool;	/* ms, built and streamed into the spool */
	double compress;	/* ms */
	size_t messages, batches, entries;
	size_t msg_bytes, body_bytes, wire_bytes, compressed;
};

#define MAX_REPS 32

/* One figure over the rounds: median, min and max. */
struct samples {
	double v[MAX_REPS];
	int n;
};

static uint64_t splitmix64(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

/*
 * Wall time on the pinned core for the codec table; the process's CPU time
 * for the sink table (-s), which the other work sharing the core cannot
 * lengthen.
 */
static clockid_t bench_clock = CLOCK_MONOTONIC;

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(bench_clock, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void die(const char *what, int err)
{
	fprintf(stderr, "bench-netlogd: %s: %s\n", what, strerror(-err));
	exit(1);
}

/* ---- the node map, built with json-c in netlog's own format ---- */

static json_object *str_array(const char *a, const char *b)
{
	json_object *arr = json_object_new_array();

	json_object_array_add(arr, json_object_new_string(a));
	if (b)
		json_object_array_add(arr, json_object_new_string(b));
	return arr;
}

static json_object *node_json(int i)
{
	json_object *n = json_object_new_object();
	char id[32], name[64], a4[32], a6[48], e4[32], e6[48], user[48];

	/* node 0 is self */
	snprintf(id, sizeof(id), "n%04dBENCH%sCNTRL", i, i ? "PEER" : "SELF");
	snprintf(name, sizeof(name), "%s-%02d.example-tailnet.ts.net.",
		 i ? "peer" : "self", i);
	snprintf(a4, sizeof(a4), "100.64.0.%d", i + 1);
	snprintf(a6, sizeof(a6), "fd7a:115c:a1e0::%x", i + 1);
	json_object_object_add(n, "id", json_object_new_string(id));
	json_object_object_add(n, "name", json_object_new_string(name));
	json_object_object_add(n, "addresses", str_array(a4, a6));
	json_object_object_add(n, "os", json_object_new_string(
					oses[i % ARRAY_SIZE(oses)]));
	if (i % 3 == 2) {
		json_object_object_add(n, "tags",
				       str_array("tag:server", "tag:prod"));
	} else {
		snprintf(user, sizeof(user), "user%02d@example.com", i);
		json_object_object_add(n, "user", json_object_new_string(user));
	}
	if (i == 0)
		json_object_object_add(n, "routes",
				       str_array("192.168.10.0/24", NULL));
	else if (i == 1)
		json_object_object_add(n, "routes", str_array("10.20.0.0/16",
							      "fd00:20::/64"));
	if (i) {
		snprintf(e4, sizeof(e4), "198.51.100.%d:41641", i);
		snprintf(e6, sizeof(e6), "[2001:db8::%x]:41641", i);
		json_object_object_add(n, "endpoints", str_array(e4, e6));
	}
	return n;
}

static void fixture_nodes(struct fixture *fx)
{
	json_object *root = json_object_new_object(), *nodes;
	char err[NODEMAP_ERR_LEN];
	const char *text;
	size_t len;
	int i, ret;

	nodes = json_object_new_array();
	for (i = 0; i <= NPEERS; i++)
		json_object_array_add(nodes, node_json(i));
	json_object_object_add(root, "self",
			       json_object_new_string("n0000BENCHSELFCNTRL"));
	json_object_object_add(root, "nodes", nodes);
	text = json_object_to_json_string_length(root, JSON_C_TO_STRING_PLAIN,
						 &len);
	ret = nodemap_parse(&fx->nm, "bench.nodes.json", text, len, err,
			    sizeof(err));
	if (!ret)
		ret = routes_build(&fx->rt, fx->nm, NULL, err, sizeof(err));
	if (ret) {
		fprintf(stderr, "bench-netlogd: %s\n", err);
		exit(1);
	}
	json_object_put(root);
}

/* ---- synthetic flows: distinct keys by construction ---- */

static void set4(struct addr *a, uint8_t b0, uint8_t b1, uint8_t b2,
		 uint8_t b3)
{
	memset(a, 0, sizeof(*a));
	a->len = 4;
	a->bytes[0] = b0;
	a->bytes[1] = b1;
	a->bytes[2] = b2;
	a->bytes[3] = b3;
}

static void set4u(struct addr *a, uint32_t v)
{
	set4(a, v >> 24, v >> 16, v >> 8, v);
}

/* @prefix:...:@last, the last two bytes from @last */
static void set6(struct addr *a, const uint8_t *prefix, uint16_t last)
{
	memset(a, 0, sizeof(*a));
	a->len = 16;
	memcpy(a->bytes, prefix, 8);
	a->bytes[14] = last >> 8;
	a->bytes[15] = last;
}

static const uint8_t ts6[8] = { 0xfd, 0x7a, 0x11, 0x5c, 0xa1, 0xe0 };
static const uint8_t doc6[8] = { 0x20, 0x01, 0x0d, 0xb8 };
static const uint8_t sub6[8] = { 0xfd, 0x00, 0x00, 0x20 };

/* Node @i's tunnel address: node 0 is self, peers are 1..NPEERS. */
static void node_addr(struct addr *a, int i, bool v6)
{
	if (v6)
		set6(a, ts6, i + 1);
	else
		set4(a, 100, 64, 0, i + 1);
}

static const struct service *service_of(uint64_t q)
{
	return &services[q % ARRAY_SIZE(services)];
}

/* Self to a peer, either way round; unique by (peer, service, port). */
static void virtual_flow(struct flow *f, uint64_t j, uint64_t h)
{
	uint64_t q = j / NPEERS;
	const struct service *s = service_of(q);
	uint16_t eph = 32768 + (q / ARRAY_SIZE(services)) % 28000;
	bool v6 = (h >> 8) % 5 == 0, inbound = (h >> 12) % 4 == 0;

	f->kind = NETLOG_KIND_VIRTUAL;
	f->proto = s->proto;
	node_addr(&f->local, 0, v6);
	node_addr(&f->remote, 1 + j % NPEERS, v6);
	f->local_port = inbound ? s->port : eph;
	f->remote_port = inbound ? eph : s->port;
}

/*
 * Self to a host behind peer 1's route, or a host of self's own route to a
 * peer (this node as a subnet router).
 */
static void subnet_flow(struct flow *f, uint64_t j, uint64_t h)
{
	uint64_t k = j / 2;
	const struct service *s = service_of(h >> 16);

	f->kind = NETLOG_KIND_VIRTUAL;
	f->proto = s->proto;
	f->remote_port = s->port;
	if (j % 2 == 0) {
		bool v6 = (h >> 8) % 5 == 0;

		node_addr(&f->local, 0, v6);
		if (v6)
			set6(&f->remote, sub6, k % 65536);
		else
			set4(&f->remote, 10, 20, k >> 8, k);
		f->local_port = 32768 + (k / 65536) % 28000;
	} else {
		set4(&f->local, 192, 168, 10, 1 + k % 250);
		node_addr(&f->remote, 1 + (k / 250) % NPEERS, false);
		f->local_port = 32768 + (k / (250 * NPEERS)) % 28000;
	}
}

/* Self to the internet, or the internet to a peer (this node as exit node). */
static void exit_flow(struct flow *f, uint64_t j, uint64_t h)
{
	uint64_t k = j / 2;
	/* a bijection of 24 bits: distinct hosts for k < 2^24 */
	uint32_t host = (uint32_t)(k * 2654435761u) & 0xffffff;
	const struct service *s = service_of(h >> 16);

	f->kind = NETLOG_KIND_VIRTUAL;
	f->proto = s->proto;
	if (j % 2 == 0) {
		node_addr(&f->local, 0, false);
		set4u(&f->remote, 44u << 24 | host);
		f->local_port = 32768 + (h >> 24) % 28000;
		f->remote_port = s->port;
	} else {
		set4u(&f->local, 45u << 24 | host);
		node_addr(&f->remote, 1 + k % NPEERS, false);
		f->local_port = s->port;
		f->remote_port = 32768 + (h >> 24) % 28000;
	}
}

/*
 * WireGuard's UDP from self's underlay to a peer's endpoint (both families,
 * the local port churning), one in ten to an endpoint of no known peer.
 */
static void physical_flow(struct flow *f, uint64_t j)
{
	f->kind = NETLOG_KIND_PHYSICAL;
	f->proto = IPPROTO_UDP;
	f->remote_port = 41641;
	if (j % 10 == 9) {
		set4(&f->local, 192, 0, 2, 10);
		set4(&f->remote, 203, 0, 113, 1 + (j / 10) % 250);
		f->local_port = 1024 + (j / 2500) % 64000;
		return;
	}
	if ((j % (2 * NPEERS)) & 1) {
		set6(&f->local, doc6, 0xff10);
		set6(&f->remote, doc6, 1 + (j % (2 * NPEERS)) / 2);
	} else {
		set4(&f->local, 192, 0, 2, 10);
		set4(&f->remote, 198, 51, 100, 1 + (j % (2 * NPEERS)) / 2);
	}
	f->local_port = 1024 + (j / (2 * NPEERS)) % 64000;
}

/* 75% virtual, 10% subnet, 10% exit, 5% physical, interleaved. */
static void fixture_window(struct fixture *fx, size_t n)
{
	struct window *w = &fx->w;
	uint64_t count[4] = { 0 };
	size_t i;

	window_init(w);
	w->flows = calloc(n, sizeof(*w->flows));
	if (!w->flows)
		die("flows", -ENOMEM);
	w->nr = w->alloc = n;
	w->nflows = n;
	w->seen = true;
	w->start_ns = WINDOW_START_NS;
	w->end_ns = WINDOW_START_NS + WINDOW_LEN_NS;
	for (i = 0; i < n; i++) {
		struct flow *f = &w->flows[i];
		uint64_t h = splitmix64(SEED ^ i), r = h % 100, pkts;

		if (r < 75)
			virtual_flow(f, count[0]++, h);
		else if (r < 85)
			subnet_flow(f, count[1]++, h);
		else if (r < 95)
			exit_flow(f, count[2]++, h);
		else
			physical_flow(f, count[3]++);
		h = splitmix64(h);
		pkts = 1 + h % 2000;
		f->tx_pkts = pkts;
		f->tx_bytes = pkts * (60 + (h >> 16) % 1400);
		pkts = (h >> 32) % 3000;
		f->rx_pkts = pkts;
		f->rx_bytes = pkts * (60 + (h >> 48) % 1400);
	}
}

static void fixture_free(struct fixture *fx)
{
	window_release(&fx->w);
	routes_free(fx->rt);
	nodemap_free(fx->nm);
}

/* ---- the pipeline ---- */

static void bodies_add(struct bodies *b, const char *body, size_t len)
{
	if (b->n + 1 >= b->alloc) {
		b->alloc = b->alloc ? 2 * b->alloc : 64;
		b->off = realloc(b->off, b->alloc * sizeof(*b->off));
		if (!b->off)
			die("bodies", -ENOMEM);
		b->off[0] = 0;
	}
	if (b->len + len > b->size) {
		b->size = b->size ? 2 * b->size : 1 << 20;
		while (b->size < b->len + len)
			b->size *= 2;
		b->data = realloc(b->data, b->size);
		if (!b->data)
			die("bodies", -ENOMEM);
	}
	memcpy(b->data + b->len, body, len);
	b->len += len;
	b->off[++b->n] = b->len;
}

static void bodies_free(struct bodies *b)
{
	free(b->data);
	free(b->off);
	memset(b, 0, sizeof(*b));
}

/* What the build emitted, and where it went (NULL: nowhere). */
struct emitted {
	struct spool *sp;
	size_t messages, bytes;
};

static int emit(const char *json, size_t len, void *arg)
{
	struct emitted *em = arg;

	em->messages++;
	em->bytes += len;
	return em->sp ? spool_window_add(em->sp, json, len) : 0;
}

/*
 * One window through build, spool and @codec, as netlogd does it with a
 * collector sink; the send itself is left out. The build alone (emitting
 * to nowhere) is timed first, for its column; then the messages are built
 * again and streamed into the spool as drain_cycle() does it. @keep, when
 * not NULL, gets a copy of every batch body (outside the timed parts).
 */
static void run_window(const struct fixture *fx, struct spool *sp,
		       enum compress_codec codec, uint64_t seq, struct times *t,
		       struct bodies *keep, struct record_stats *rs)
{
	struct emitted em = { 0 };
	struct compressor gz;
	struct record_stats local = { 0 };
	const char *body;
	double t0, t1;
	size_t len;
	int ret;

	memset(t, 0, sizeof(*t));
	compress_init(&gz, codec);
	if (!rs)
		rs = &local;
	t0 = now_ms();
	ret = record_build_stats(&fx->w, fx->nm, fx->rt, false, emit, &em, rs);
	t1 = now_ms();
	if (ret)
		die("record_build", ret);
	t->build = t1 - t0;

	em = (struct emitted){ .sp = sp };
	t0 = now_ms();
	ret = spool_window_begin(sp, seq, fx->w.start_ns, fx->w.end_ns);
	if (!ret)
		ret = record_build(&fx->w, fx->nm, fx->rt, false, emit, &em);
	if (!ret)
		ret = spool_window_commit(sp);
	t1 = now_ms();
	if (ret)
		die("spooling the window", ret < 0 ? ret : -EEXIST);
	t->build_spool = t1 - t0;
	t->messages = em.messages;
	t->entries = rs->entries;
	t->msg_bytes = em.bytes;

	for (;;) {
		ssize_t out;

		t0 = now_ms();
		ret = spool_peek_oldest(sp, &body, &len);
		t1 = now_ms();
		t->build_spool += t1 - t0;
		if (ret == -ENOENT)
			break;
		if (ret)
			die("spool_peek_oldest", ret);

		t0 = now_ms();
		out = compress_body(&gz, body, len);
		if (out < 0)
			die("compress_body", out);
		t1 = now_ms();
		t->compress += t1 - t0;
		t->batches++;
		t->body_bytes += len;
		t->wire_bytes += out ? (size_t)out : len;
		t->compressed += !!out;
		if (keep)
			bodies_add(keep, body, len);

		t0 = now_ms();
		ret = spool_delete_oldest(sp);
		t1 = now_ms();
		t->build_spool += t1 - t0;
		if (ret)
			die("spool_delete_oldest", ret);
	}
	compress_free(&gz);
}

/*
 * zlib alone: the same bodies, the same level and wrapper, one deflate per
 * body into a preallocated buffer, the stream reused with deflateReset().
 */
static double zlib_alone(const struct bodies *b, size_t *out_bytes)
{
	size_t i, max = 0, total = 0;
	unsigned char *out;
	z_stream zs = { 0 };
	double t0, t1;

	for (i = 0; i < b->n; i++)
		if (b->off[i + 1] - b->off[i] > max)
			max = b->off[i + 1] - b->off[i];
	t0 = now_ms();
	if (deflateInit2(&zs, COMPRESS_GZIP_LEVEL, Z_DEFLATED, 15 + 16, 8,
			 Z_DEFAULT_STRATEGY) != Z_OK)
		die("deflateInit2", -ENOMEM);
	max = deflateBound(&zs, max);
	out = malloc(max);
	if (!out)
		die("zlib", -ENOMEM);
	for (i = 0; i < b->n; i++) {
		zs.next_in = (unsigned char *)b->data + b->off[i];
		zs.avail_in = b->off[i + 1] - b->off[i];
		zs.next_out = out;
		zs.avail_out = max;
		if (deflate(&zs, Z_FINISH) != Z_STREAM_END)
			die("deflate", -EIO);
		total += zs.total_out;
		deflateReset(&zs);
	}
	deflateEnd(&zs);
	t1 = now_ms();
	free(out);
	*out_bytes = total;
	return t1 - t0;
}

/*
 * libzstd alone: the same bodies, level and frame flags, one
 * ZSTD_compress2() per body with one context into a preallocated buffer.
 */
static double zstd_alone(const struct bodies *b, size_t *out_bytes)
{
	size_t i, max = 0, total = 0, r;
	unsigned char *out;
	ZSTD_CCtx *zc;
	double t0, t1;

	for (i = 0; i < b->n; i++)
		if (b->off[i + 1] - b->off[i] > max)
			max = b->off[i + 1] - b->off[i];
	max = ZSTD_compressBound(max);
	out = malloc(max);
	if (!out)
		die("zstd", -ENOMEM);
	t0 = now_ms();
	zc = ZSTD_createCCtx();
	if (!zc)
		die("ZSTD_createCCtx", -ENOMEM);
	ZSTD_CCtx_setParameter(zc, ZSTD_c_compressionLevel, COMPRESS_ZSTD_LEVEL);
	ZSTD_CCtx_setParameter(zc, ZSTD_c_checksumFlag, 1);
	for (i = 0; i < b->n; i++) {
		r = ZSTD_compress2(zc, out, max, b->data + b->off[i],
				   b->off[i + 1] - b->off[i]);
		if (ZSTD_isError(r))
			die(ZSTD_getErrorName(r), -EIO);
		total += r;
	}
	ZSTD_freeCCtx(zc);
	t1 = now_ms();
	free(out);
	*out_bytes = total;
	return t1 - t0;
}

/* ---- spool directories ---- */

static char *spool_dir_make(const char *parent)
{
	char *dir;

	if (asprintf(&dir, "%s/bench-netlogd.XXXXXX", parent) < 0)
		die("spool dir", -ENOMEM);
	if (!mkdtemp(dir)) {
		fprintf(stderr, "bench-netlogd: mkdtemp %s: %s\n", dir,
			strerror(errno));
		exit(1);
	}
	return dir;
}

/* The spool's files are flat: proc_id, state, lock and batches. */
static void spool_dir_remove(char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;

	if (d) {
		while ((de = readdir(d)))
			if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
				unlinkat(dirfd(d), de->d_name, 0);
		closedir(d);
	}
	rmdir(dir);
	free(dir);
}

static struct spool *spool_make(const char *parent, char **dir)
{
	struct spool *sp;
	int ret;

	*dir = spool_dir_make(parent);
	ret = spool_open(*dir, 0, &sp);
	if (ret)
		die(*dir, ret);
	return sp;
}

/* ---- measurements ---- */

static double mib(long kib)
{
	return kib / 1024.0;
}

static long maxrss_kib(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_maxrss;
}

/*
 * Peak RSS of a fresh process that generates one window of @n flows and
 * takes it through build, spool and zstd, as netlogd would hold it.
 * Forked before the parent allocates anything, so that it inherits no
 * high-water mark.
 */
static void rss_child(size_t n, const char *parent)
{
	struct record_stats rs = { 0 };
	struct fixture fx = { 0 };
	long base, window;
	struct spool *sp;
	struct times t;
	char *dir;

	base = maxrss_kib();
	fixture_nodes(&fx);
	fixture_window(&fx, n);
	window = maxrss_kib();
	sp = spool_make(parent, &dir);
	run_window(&fx, sp, COMPRESS_ZSTD, 1, &t, NULL, &rs);
	printf("rss %8zu flows: peak %6.1f MiB (at start %.1f, with the window %.1f; window array %.1f MiB)\n",
	       n, mib(maxrss_kib()), mib(base), mib(window),
	       n * sizeof(struct flow) / 1048576.0);
	printf("    record: %zu messages, %zu entries, %zu B JSON; flows virtual %zu subnet %zu exit %zu (unknown %zu) physical %zu (unmatched %zu)\n",
	       rs.messages, rs.entries, rs.bytes, rs.virtual_flows,
	       rs.subnet_flows, rs.exit_flows, rs.unknown_flows,
	       rs.physical_flows, rs.physical_unmatched);
	spool_close(sp);
	spool_dir_remove(dir);
	fixture_free(&fx);
}

static void rss_fork(size_t n, const char *parent)
{
	int status;
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid < 0)
		die("fork", -errno);
	if (!pid) {
		rss_child(n, parent);
		fflush(stdout);
		_exit(0);
	}
	if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) ||
	    WEXITSTATUS(status)) {
		fprintf(stderr,
			"bench-netlogd: rss child for %zu flows failed\n", n);
		exit(1);
	}
}


static int double_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static void add(struct samples *s, double v)
{
	if (s->n < MAX_REPS)
		s->v[s->n++] = v;
}

static double median(struct samples *s)
{
	qsort(s->v, s->n, sizeof(s->v[0]), double_cmp);
	return s->n % 2 ? s->v[s->n / 2] :
	       (s->v[s->n / 2 - 1] + s->v[s->n / 2]) / 2;
}

/* "median (min-max)", the samples sorted. */
static const char *spread(struct samples *s, char *buf, size_t size)
{
	double m = median(s);

	snprintf(buf, size, "%.1f (%.1f-%.1f)", m, s->v[0], s->v[s->n - 1]);
	return buf;
}

/*
 * The floor json-c puts under record_build(): @entries connection entries
 * serialized through one reused 7-member object with record.c's counter
 * and address serializers, each appended to a message buffer reset every
 * 1000 entries, and nothing else (no classification, sorting, cutting or
 * nodes). In ms.
 */
static double json_floor(size_t entries)
{
	static const char *const keys[] = { "proto", "src", "dst", "txPkts",
					    "txBytes", "rxPkts", "rxBytes" };
	struct addrport_json ap[2], src[256], dst[1024];
	json_object *obj, *val[7];
	struct printbuf *pb;
	double t0, t;
	size_t i, len;
	int m;

	obj = json_object_new_object();
	pb = printbuf_new();
	if (!obj || !pb)
		die("json floor", -ENOMEM);
	for (m = 0; m < 7; m++) {
		if (m == 1 || m == 2) {
			val[m] = json_object_new_string("");
			json_object_set_serializer(val[m],
						   record_addrport_to_json,
						   &ap[m - 1], NULL);
		} else {
			val[m] = json_object_new_uint64(0);
			json_object_set_serializer(val[m], json_u64_to_json,
						   NULL, NULL);
		}
		json_object_object_add(obj, keys[m], val[m]);
	}
	for (i = 0; i < ARRAY_SIZE(src); i++)
		src[i].len = snprintf(src[i].text, sizeof(src[i].text),
				      "\"100.64.0.1:%zu\"", 40000 + i * 97);
	for (i = 0; i < ARRAY_SIZE(dst); i++)
		dst[i].len = snprintf(dst[i].text, sizeof(dst[i].text),
				      "\"100.64.%zu.%zu:443\"", i / 256, i % 256);
	t0 = now_ms();
	for (i = 0; i < entries; i++) {
		const char *json;

		if (i % 1000 == 0)
			printbuf_reset(pb);
		ap[0] = src[i % ARRAY_SIZE(src)];
		ap[1] = dst[i % ARRAY_SIZE(dst)];
		json_object_set_uint64(val[0], 6);
		for (m = 3; m < 7; m++)
			json_object_set_uint64(val[m], i * m + 1);
		json = json_object_to_json_string_length(obj,
			JSON_C_TO_STRING_PLAIN |
			JSON_C_TO_STRING_NOSLASHESCAPE, &len);
		if (!json || printbuf_memappend(pb, json, len) < 0 ||
		    printbuf_memappend(pb, ",", 1) < 0)
			die("json floor", -ENOMEM);
	}
	t = now_ms() - t0;
	printbuf_free(pb);
	json_object_put(obj);
	return t;
}

/* The figures of one codec at one size, over the rounds. */
struct codec_run {
	enum compress_codec codec;
	struct samples build, spool, comp, total, alone, floor;
	struct times t;
	size_t alone_bytes;
};

/*
 * @reps rounds of one codec, each round: the window through netlogd's
 * path, then json-c alone and the compressor alone on the bodies that round
 * made (they differ between rounds only in client_time).
 */
static void bench_codec(const struct fixture *fx, struct codec_run *cr,
			int reps, const char *parent)
{
	struct bodies keep = { 0 };
	struct spool *sp;
	char *dir;
	double alone;
	int r;

	sp = spool_make(parent, &dir);
	for (r = 0; r < reps; r++) {
		keep.len = keep.n = 0;
		run_window(fx, sp, cr->codec, 1 + r, &cr->t, &keep, NULL);
		add(&cr->build, cr->t.build);
		add(&cr->spool, cr->t.build_spool);
		add(&cr->comp, cr->t.compress);
		add(&cr->total, cr->t.build_spool + cr->t.compress);
		alone = cr->codec == COMPRESS_ZSTD ?
			zstd_alone(&keep, &cr->alone_bytes) :
			zlib_alone(&keep, &cr->alone_bytes);
		add(&cr->alone, alone);
		add(&cr->floor, json_floor(cr->t.entries) + alone);
	}
	spool_close(sp);
	spool_dir_remove(dir);
	bodies_free(&keep);
}

static void print_codec(size_t n, struct codec_run *cr)
{
	char b[4][48];
	double total = median(&cr->total), floor = median(&cr->floor);

	printf("%8zu | %-4s | %8.1f | %-20s | %-18s | %-20s | %9.0f | %-20s | %5.2f | %9zu | %9zu\n",
	       n, compress_name(cr->codec), median(&cr->build),
	       spread(&cr->spool, b[0], sizeof(b[0])),
	       spread(&cr->comp, b[1], sizeof(b[1])),
	       spread(&cr->total, b[2], sizeof(b[2])), n / (total / 1e3),
	       spread(&cr->floor, b[3], sizeof(b[3])), total / floor,
	       cr->t.body_bytes, cr->t.wire_bytes);
	printf("         |      | %zu messages, %zu B, %zu batches (%zu compressed); %s alone %.1f ms, %zu B; total %.2fx the codec alone\n",
	       cr->t.messages, cr->t.msg_bytes, cr->t.batches,
	       cr->t.compressed, cr->codec == COMPRESS_ZSTD ? "libzstd" : "zlib",
	       median(&cr->alone), cr->alone_bytes,
	       total / median(&cr->alone));
}

static void bench_size(size_t n, int reps, const char *parent,
		       const char *disk_parent)
{
	static const enum compress_codec codecs[] = {
		COMPRESS_ZSTD, COMPRESS_GZIP,
	};
	struct fixture fx = { 0 };
	struct samples disk = { 0 };
	struct codec_run cr;
	char buf[48];
	struct times t;
	struct spool *sp;
	size_t i;
	char *dir;
	int r;

	fixture_nodes(&fx);
	fixture_window(&fx, n);
	for (i = 0; i < ARRAY_SIZE(codecs); i++) {
		memset(&cr, 0, sizeof(cr));
		cr.codec = codecs[i];
		bench_codec(&fx, &cr, reps, parent);
		print_codec(n, &cr);
	}
	if (disk_parent && n <= 100000) {
		sp = spool_make(disk_parent, &dir);
		for (r = 0; r < reps; r++) {
			run_window(&fx, sp, COMPRESS_NONE, 1 + r, &t, NULL,
				   NULL);
			add(&disk, t.build_spool);
		}
		spool_close(sp);
		spool_dir_remove(dir);
		printf("         |      | build + spool on %s (real fsync): %s ms\n",
		       disk_parent, spread(&disk, buf, sizeof(buf)));
	}
	fflush(stdout);
	fixture_free(&fx);
}

/* FNV-1a, 64 bits, over @len bytes of @p. */
static uint64_t fnv1a(uint64_t h, const void *p, size_t len)
{
	const unsigned char *c = p;
	size_t i;

	for (i = 0; i < len; i++)
		h = (h ^ c[i]) * 0x100000001b3ULL;
	return h;
}

struct digest {
	uint64_t h;
	size_t messages, bytes;
};

static int digest_emit(const char *json, size_t len, void *arg)
{
	struct digest *d = arg;
	uint64_t n = len;

	d->h = fnv1a(fnv1a(d->h, &n, sizeof(n)), json, len);
	d->messages++;
	d->bytes += len;
	return 0;
}

/* -H: the messages of each window size, hashed. */
static void hash_size(size_t n)
{
	struct digest d = { .h = 0xcbf29ce484222325ULL };
	struct fixture fx = { 0 };
	int ret;

	fixture_nodes(&fx);
	fixture_window(&fx, n);
	ret = record_build(&fx.w, fx.nm, fx.rt, false, digest_emit, &d);
	if (ret)
		die("record_build", ret);
	printf("%8zu flows: %zu messages, %zu B, fnv1a64 %016" PRIx64 "\n", n,
	       d.messages, d.bytes, d.h);
	fixture_free(&fx);
}

/* ---- every sink type's encoder, on the batches of one spooled window ---- */

/*
 * Each type's keys for the bench, pairs of key and value: a *_file key's
 * value is written to a file of mode 0600 that the key names instead; a
 * NULL value is the run's (the file sink's path, the ipfix collector).
 * @raw: the type sends the batch as spooled, so its floor is the codec
 * alone (no parsing).
 */
struct bench_sink {
	const char *type;
	const char *kv[12];
	bool raw;
};

static const struct bench_sink sink_table[] = {
	{ "file", { "path", NULL }, false },
	{ "stdout", { NULL }, false },
	{ "logtail", { "private_id_file",
		       "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef" },
	  true },
	{ "http", { "url", "https://collector.example.net/netlog",
		    "header_file", "Authorization: Bearer bench" }, false },
	{ "splunk", { "url", "https://splunk.example.net:8088/services/collector/event",
		      "token_file", "bench-hec-token", "sourcetype",
		      "netlog:flow" }, false },
	{ "elastic", { "url", "https://es.example.net:9200/netlog-flows/_bulk",
		       "api_key_file", "YmVuY2g6YmVuY2g=" }, false },
	{ "datadog", { "api_key_file", "bench-dd-api-key" }, false },
	{ "axiom", { "dataset", "netlog", "token_file", "xaat-bench" }, false },
	{ "loki", { "url", "https://loki.example.net/loki/api/v1/push",
		    "token_file", "bench-loki-token" }, false },
	{ "s3", { "bucket", "netlog-flows", "region", "eu-west-3", "prefix",
		  "netlog/gw", "access_key_file", "AKIABENCH",
		  "secret_key_file", "bench-secret" }, false },
	{ "clickhouse", { "url", "http://127.0.0.1:8123", "user", "netlogd",
			  "password_file", "bench" }, false },
	{ "ipfix", { "collector", NULL }, false },
};

/* What the sinks of one run share: a folder for their files, a collector. */
struct sink_env {
	char *dir;		/* secrets, the file sink's file */
	char path[256];		/* the file sink's */
	char collector[32];	/* 127.0.0.1:port of a socket never read */
	int udp;
	struct netlogd_config cfg;
};

static void sink_env_open(struct sink_env *env, const char *parent)
{
	struct sockaddr_in a = { .sin_family = AF_INET,
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t alen = sizeof(a);

	env->dir = spool_dir_make(parent);
	snprintf(env->path, sizeof(env->path), "%s/file-sink.log", env->dir);
	env->udp = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (env->udp < 0 || bind(env->udp, (struct sockaddr *)&a, sizeof(a)) ||
	    getsockname(env->udp, (struct sockaddr *)&a, &alen))
		die("the collector's socket", -errno);
	snprintf(env->collector, sizeof(env->collector), "127.0.0.1:%u",
		 ntohs(a.sin_port));
	if (config_init(&env->cfg))
		die("config_init", -ENOMEM);
}

static void sink_env_close(struct sink_env *env)
{
	config_free(&env->cfg);
	close(env->udp);
	spool_dir_remove(env->dir);
}

/* @value in a file of the run's folder only we may read: its path. */
static const char *secret_file(struct sink_env *env, const char *key,
			       const char *value, char *path, size_t size)
{
	int fd;

	snprintf(path, size, "%s/%s", env->dir, key);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || dprintf(fd, "%s\n", value) < 0 || close(fd))
		die(path, -errno);
	return path;
}

/* The sink of @bs, configured as netlogd.conf would and checked. */
static struct sink_config *sink_configure(struct sink_env *env,
					  const struct bench_sink *bs)
{
	char err[CONFIG_ERR_LEN], path[512];
	struct sink_config *sc;
	const char *key, *value;
	size_t i, klen;

	if (config_sink_add(&env->cfg, bs->type, bs->type, err, sizeof(err)))
		goto fail;
	sc = &env->cfg.sinks[env->cfg.nsinks - 1];
	for (i = 0; (key = bs->kv[i]); i += 2) {
		value = bs->kv[i + 1];
		if (!value)
			value = !strcmp(bs->type, "file") ? env->path :
							    env->collector;
		klen = strlen(key);
		if (klen > 5 && !strcmp(key + klen - 5, "_file"))
			value = secret_file(env, key, value, path,
					    sizeof(path));
		if (config_sink_set(&env->cfg, sc, key, value, err,
				    sizeof(err)))
			goto fail;
	}
	if (!sc->type->check || !sc->type->check(sc->opts, err, sizeof(err)))
		return sc;
fail:
	fprintf(stderr, "bench-netlogd: sink %s: %s\n", bs->type, err);
	exit(1);
}

/* One sink's figures over the rounds, and what its last round made. */
struct sink_run {
	const struct sink_config *sc;
	bool raw;
	struct compressor comp;
	struct sink_request req;
	struct bodies out;	/* the bodies built, for the codec alone */
	size_t records, body_bytes, wire_bytes;
	struct samples time, floor;
};

/*
 * A batch as upload.c's send_http() makes it, every part of it: the
 * type's request, compress_body(), and the x-amz-content-sha256 digest
 * where the request asks for it; nothing sent. In ms; the bodies kept
 * outside the timed part.
 */
static double request_batch(struct sink_run *sr, void *priv,
			    const char *batch, size_t len)
{
	struct sink_request *req = &sr->req;
	unsigned char md[EVP_MAX_MD_SIZE];
	const char *body, *wire;
	double t0, t = 0;
	ssize_t z;
	int ret;

	req->first = 0;
	do {
		req->entries = req->next = 0;
		req->userpwd = NULL;
		req->skip_empty = false;
		t0 = now_ms();
		ret = sr->sc->type->request(priv, batch, len, 0, req);
		body = req->body.data ? req->body.data : "";
		z = ret ? ret : compress_body(&sr->comp, body, req->body.len);
		wire = z > 0 ? (const char *)sr->comp.buf : body;
		if (z >= 0 && req->content_sha256 &&
		    !EVP_Digest(wire, z ? (size_t)z : req->body.len, md, NULL,
				EVP_sha256(), NULL))
			z = -ENOMEM;
		t += now_ms() - t0;
		if (z < 0)
			die(sr->sc->name, z);
		sr->records += req->entries;
		sr->body_bytes += req->body.len;
		sr->wire_bytes += z ? (size_t)z : req->body.len;
		bodies_add(&sr->out, body, req->body.len);
		req->first = req->next;
	} while (req->first);
	return t;
}

/* A local sink's delivery of a batch, in ms. */
static double deliver_batch(struct sink_run *sr, void *priv,
			    const char *batch, size_t len)
{
	uint64_t entries = 0, skipped = 0;
	char err[256];
	double t0 = now_ms(), t;
	int ret;

	ret = sr->sc->type->deliver(priv, batch, len, 0, &entries, &skipped,
				    err, sizeof(err));
	t = now_ms() - t0;
	if (ret) {
		fprintf(stderr, "bench-netlogd: sink %s: %s\n", sr->sc->name,
			err);
		exit(1);
	}
	sr->records += entries;
	sr->body_bytes += len;
	sr->wire_bytes += len;
	return t;
}

/*
 * One round: the sink opened (the file sink on a new file in tmpfs, the
 * stdout sink's fd 1 on /dev/null), every batch of @batches, closed. In
 * ms, the batches alone.
 */
static double sink_round(struct sink_run *sr, struct sink_env *env,
			 const struct bodies *batches)
{
	const struct sink_type *t = sr->sc->type;
	int out = -1, null;
	double ms = 0;
	void *priv;
	size_t i;

	unlink(env->path);
	if (t == sink_type_find("stdout")) {
		fflush(stdout);
		out = dup(STDOUT_FILENO);
		null = open("/dev/null", O_WRONLY | O_CLOEXEC);
		if (out < 0 || null < 0 || dup2(null, STDOUT_FILENO) < 0)
			die("/dev/null", -errno);
		close(null);
	}
	if (t->open(sr->sc->name, sr->sc->opts, &priv))
		die(sr->sc->name, -EIO);
	sr->records = sr->body_bytes = sr->wire_bytes = 0;
	sr->out.len = sr->out.n = 0;
	for (i = 0; i < batches->n; i++) {
		const char *b = batches->data + batches->off[i];
		size_t len = batches->off[i + 1] - batches->off[i];

		ms += t->request ? request_batch(sr, priv, b, len) :
				   deliver_batch(sr, priv, b, len);
	}
	t->close(priv);
	if (out >= 0 && (dup2(out, STDOUT_FILENO) < 0 || close(out)))
		die("stdout", -errno);
	return ms;
}

/* json-c alone: every batch parsed and freed, as sinks begin. In ms. */
static double json_parse_floor(const struct bodies *b)
{
	struct json_tokener *tok = json_tokener_new();
	struct json_object *arr;
	double t0, t;
	size_t i;

	if (!tok)
		die("json parse floor", -ENOMEM);
	t0 = now_ms();
	for (i = 0; i < b->n; i++) {
		arr = json_tokener_parse_ex(tok, b->data + b->off[i],
					    b->off[i + 1] - b->off[i]);
		if (!arr)
			die("json parse floor", -EBADMSG);
		json_object_put(arr);
		json_tokener_reset(tok);
	}
	t = now_ms() - t0;
	json_tokener_free(tok);
	return t;
}

/*
 * The floor under a sink: json-c parsing the batches (unless the sink
 * takes them as they are), its codec alone on the bodies it built.
 */
static double sink_floor(struct sink_run *sr, const struct bodies *batches)
{
	size_t bytes;
	double t = sr->raw ? 0 : json_parse_floor(batches);

	if (sr->sc->codec == COMPRESS_ZSTD)
		t += zstd_alone(&sr->out, &bytes);
	else if (sr->sc->codec == COMPRESS_GZIP)
		t += zlib_alone(&sr->out, &bytes);
	return t;
}

/* A nonzero @key of entry @e. */
static bool nonzero(struct json_object *e, const char *key)
{
	struct json_object *v;

	return json_object_object_get_ex(e, key, &v) &&
	       json_object_get_uint64(v);
}

/* What the ipfix sink makes of a message: a record per direction with traffic. */
static int count_records(struct json_object *msg, void *arg)
{
	static const char *const arrays[] = {
		"virtualTraffic", "subnetTraffic", "exitTraffic",
		"physicalTraffic",
	};
	struct json_object *arr, *e;
	size_t *records = arg, a, i;

	for (a = 0; a < ARRAY_SIZE(arrays); a++) {
		if (!json_object_object_get_ex(msg, arrays[a], &arr))
			continue;
		for (i = 0; i < json_object_array_length(arr); i++) {
			e = json_object_array_get_idx(arr, i);
			*records += nonzero(e, "txPkts") ||
				    nonzero(e, "txBytes");
			*records += nonzero(e, "rxPkts") ||
				    nonzero(e, "rxBytes");
		}
	}
	return 0;
}

static size_t ipfix_records(const struct bodies *b)
{
	size_t i, records = 0;

	for (i = 0; i < b->n; i++)
		if (sink_each_message(b->data + b->off[i],
				      b->off[i + 1] - b->off[i],
				      count_records, &records))
			die("ipfix records", -EBADMSG);
	return records;
}

/* "median (min-max)" of @count per second over the rounds' times. */
static const char *rate_spread(struct samples *s, double count, char *buf,
			       size_t size)
{
	double m = median(s);

	snprintf(buf, size, "%.2fM (%.2f-%.2f)", count / m / 1e3,
		 count / s->v[s->n - 1] / 1e3, count / s->v[0] / 1e3);
	return buf;
}

static const char *floor_name(const struct sink_run *sr)
{
	static const char *const names[2][3] = {
		[0] = { [COMPRESS_NONE] = "json-c",
			[COMPRESS_GZIP] = "json+gzip",
			[COMPRESS_ZSTD] = "json+zstd" },
		[1] = { [COMPRESS_NONE] = "-", [COMPRESS_GZIP] = "zlib",
			[COMPRESS_ZSTD] = "libzstd" },
	};

	return names[sr->raw][sr->sc->codec];
}

static void print_sink(size_t n, struct sink_run *sr, size_t records)
{
	char b[3][48];
	const char *codec = compress_name(sr->sc->codec);

	printf("%8zu | %-10s | %-4s | %8zu | %-20s | %-20s | %-9s | %-20s | %5.2f | %9zu | %9zu\n",
	       n, sr->sc->name, codec, records,
	       spread(&sr->time, b[0], sizeof(b[0])),
	       rate_spread(&sr->time, n, b[1], sizeof(b[1])),
	       floor_name(sr),
	       spread(&sr->floor, b[2], sizeof(b[2])),
	       median(&sr->time) / median(&sr->floor), sr->body_bytes,
	       sr->wire_bytes);
}

/* A window of @flows flows spooled: its batches, as the sinks read them. */
struct spooled {
	struct bodies batches;
	size_t flows, messages;
};

/*
 * @reps rounds of one sink on the batches of @w, each round the sink then
 * its floor. Records are what the type counts in a request's entries (or
 * a deliver's); logtail counts none, its body is every message; ipfix's
 * are its IPFIX records, and they also get their export rate.
 */
static void bench_sink(struct sink_env *env, const struct bench_sink *bs,
		       const struct spooled *w, int reps)
{
	struct sink_run sr = { .sc = sink_configure(env, bs), .raw = bs->raw };
	bool ipfix = sr.sc->type == sink_type_find("ipfix");
	size_t records;
	char buf[48];
	int r;

	compress_init(&sr.comp, sr.sc->codec);
	for (r = 0; r < reps; r++) {
		add(&sr.time, sink_round(&sr, env, &w->batches));
		add(&sr.floor, sink_floor(&sr, &w->batches));
	}
	records = ipfix ? ipfix_records(&w->batches) :
		  sr.records ? sr.records : w->messages;
	print_sink(w->flows, &sr, records);
	if (ipfix)
		printf("         | ipfix: %zu flows as %zu IPFIX records: %s records/s\n",
		       w->flows, records,
		       rate_spread(&sr.time, records, buf, sizeof(buf)));
	fflush(stdout);
	compress_free(&sr.comp);
	buf_free(&sr.req.body);
	bodies_free(&sr.out);
}

/* -s: one window of @n flows spooled as batches, through every sink type. */
static void bench_sinks_size(size_t n, int reps, const char *parent)
{
	struct spooled w = { .flows = n };
	struct fixture fx = { 0 };
	struct sink_env env = { 0 };
	struct spool *sp;
	struct times t;
	char *dir;
	size_t i;

	fixture_nodes(&fx);
	fixture_window(&fx, n);
	sp = spool_make(parent, &dir);
	run_window(&fx, sp, COMPRESS_NONE, 1, &t, &w.batches, NULL);
	spool_close(sp);
	spool_dir_remove(dir);
	fixture_free(&fx);
	w.messages = t.messages;
	printf("%8zu | window: %zu messages, %zu entries, %zu batches, %zu B\n",
	       n, t.messages, t.entries, w.batches.n, w.batches.len);
	sink_env_open(&env, parent);
	for (i = 0; i < ARRAY_SIZE(sink_table); i++)
		bench_sink(&env, &sink_table[i], &w, reps);
	sink_env_close(&env);
	bodies_free(&w.batches);
}

static void bench_sinks(size_t max, int reps, const char *parent)
{
	static const size_t sizes[] = { 100000, 1000000 };
	size_t i;

	bench_clock = CLOCK_PROCESS_CPUTIME_ID;
	printf("netlogd: a spooled window's batches -> each sink type's encoder, one core, CPU time\n");
	printf("HTTP sinks: the type's request + its default codec (+ SHA-256 for s3), nothing sent; file: into tmpfs; stdout: into /dev/null; ipfix: UDP to a socket never read\n");
	printf("median (min-max) of %d rounds; floor = json-c parsing the same batches + the codec alone on the sink's bodies, same round\n\n",
	       reps);
	printf("   flows | sink       | enc  |  records | ms                   | flows/s              | floor     | floor ms             | ratio | body B    | wire B\n");
	for (i = 0; i < ARRAY_SIZE(sizes) && sizes[i] <= max; i++)
		bench_sinks_size(sizes[i], reps, parent);
}

static void usage(void)
{
	fprintf(stderr,
		"usage: bench-netlogd [-d SPOOL_PARENT] [-D DISK_PARENT|-D ''] [-n MAX_FLOWS] [-r REPS]\n"
		"       bench-netlogd -s [-d SPOOL_PARENT] [-n MAX_FLOWS] [-r REPS]\n"
		"       bench-netlogd -H [-n MAX_FLOWS]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	static const size_t sizes[] = { 1000, 100000, 1000000 };
	const char *parent = "/dev/shm", *disk = "/var/tmp";
	size_t max = 1000000, i;
	int opt, reps = 5;
	bool hash = false, sinks = false;

	while ((opt = getopt(argc, argv, "d:D:Hn:r:sh")) != -1) {
		switch (opt) {
		case 'H':
			hash = true;
			break;
		case 's':
			sinks = true;
			break;
		case 'd':
			parent = optarg;
			break;
		case 'D':
			disk = *optarg ? optarg : NULL;
			break;
		case 'n':
			max = strtoull(optarg, NULL, 10);
			break;
		case 'r':
			reps = atoi(optarg);
			if (reps < 1 || reps > MAX_REPS)
				usage();
			break;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();
	if (hash) {
		for (i = 0; i < ARRAY_SIZE(sizes) && sizes[i] <= max; i++)
			hash_size(sizes[i]);
		return 0;
	}
	if (sinks) {
		bench_sinks(max, reps, parent);
		return 0;
	}

	printf("netlogd: drained window -> record_build -> spool -> zstd | gzip, one core\n");
	printf("libzstd %s level %d (one frame, content size, checksum); zlib %s level %d, gzip wrapper\n",
	       ZSTD_versionString(), COMPRESS_ZSTD_LEVEL, zlibVersion(),
	       COMPRESS_GZIP_LEVEL);
	printf("spool in %s; median (min-max) of %d rounds (1M: of %d); floor = json-c alone + the codec alone, same round\n\n",
	       parent, reps, reps < 3 ? reps : 3);
	for (i = 0; i < ARRAY_SIZE(sizes) && sizes[i] <= max; i++)
		rss_fork(sizes[i], parent);
	printf("\n");
	printf("   flows | enc  | build ms | build+spool ms       | compress ms        | total ms             |   total/s | floor ms             | ratio | body B    | wire B\n");
	for (i = 0; i < ARRAY_SIZE(sizes) && sizes[i] <= max; i++)
		bench_size(sizes[i], sizes[i] >= 1000000 && reps > 3 ? 3 : reps,
			   parent, disk);
	return 0;
}
