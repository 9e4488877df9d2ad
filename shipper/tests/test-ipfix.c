// SPDX-License-Identifier: GPL-2.0
/*
 * Host tests of the ipfix sink, driven through the uploader and the spool
 * as netlogd drives it, against real collectors from Debian: nfcapd (UDP;
 * nfdump reads back what it stored), and for TCP a plain listener whose
 * stream (an IPFIX stream is an IPFIX file) libfixbuf's ipfixDump decodes.
 *
 *   test-ipfix            the tests
 *   test-ipfix --bench    export rate of a 1M-flow window
 */
#include <errno.h>
#include <ftw.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <dirent.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <json-c/json.h>

#include "check.h"
#include "tmpdir.h"
#include "spool.h"
#include "upload.h"
#include "config.h"
#include "clock.h"
#include "sink-types.h"

/* The window: 2026-11-26T20:00:00.123Z to 20:00:05.200Z. */
#define START "2026-11-26T20:00:00.123456789Z"
#define END "2026-11-26T20:00:05.2Z"
#define START_MS 1795723200123ULL
#define END_MS 1795723205200ULL

static const char *const window_msg =
	"{\"nodeId\":\"nSELF\",\"start\":\"" START "\",\"end\":\"" END "\","
	"\"virtualTraffic\":["
	"{\"proto\":6,\"src\":\"100.64.0.1:51514\",\"dst\":\"100.64.0.2:22\",\"txPkts\":10,\"txBytes\":1200,\"rxPkts\":8,\"rxBytes\":900},"
	"{\"proto\":17,\"src\":\"[fd7a:115c:a1e0::1]:5353\",\"dst\":\"[fd7a:115c:a1e0::2]:53\",\"txPkts\":1,\"txBytes\":80}],"
	"\"subnetTraffic\":["
	"{\"proto\":6,\"src\":\"100.64.0.1:40000\",\"dst\":\"192.168.1.10:443\",\"rxPkts\":4,\"rxBytes\":4000}],"
	"\"exitTraffic\":["
	"{\"src\":\"100.64.0.3:0\",\"txPkts\":2,\"txBytes\":200,\"rxPkts\":3,\"rxBytes\":300}],"
	"\"physicalTraffic\":["
	"{\"src\":\"100.64.0.2:0\",\"dst\":\"203.0.113.7:41641\",\"txPkts\":12,\"txBytes\":1500,\"rxPkts\":9,\"rxBytes\":1100},"
	"{\"src\":\"100.64.0.2:0\",\"dst\":\"[2001:db8::7]:41641\",\"txPkts\":5,\"txBytes\":700}]}";

/* What a collector must show for window_msg: one line per record. */
struct want {
	const char *src, *dst;
	unsigned int sport, dport, proto, dir;
	uint64_t pkts, bytes;
	int dom;	/* observation domain: 0 virtual, 1 physical */
};

static const struct want wants[] = {
	{ "100.64.0.1", "100.64.0.2", 51514, 22, 6, 1, 10, 1200, 0 },
	{ "100.64.0.2", "100.64.0.1", 22, 51514, 6, 0, 8, 900, 0 },
	{ "fd7a:115c:a1e0::1", "fd7a:115c:a1e0::2", 5353, 53, 17, 1, 1, 80, 0 },
	{ "192.168.1.10", "100.64.0.1", 443, 40000, 6, 0, 4, 4000, 0 },
	{ "100.64.0.3", "0.0.0.0", 0, 0, 0, 1, 2, 200, 0 },
	{ "0.0.0.0", "100.64.0.3", 0, 0, 0, 0, 3, 300, 0 },
	{ "100.64.0.2", "203.0.113.7", 0, 41641, 17, 1, 12, 1500, 1 },
	{ "203.0.113.7", "100.64.0.2", 41641, 0, 17, 0, 9, 1100, 1 },
	{ "::", "2001:db8::7", 0, 41641, 17, 1, 5, 700, 1 },
};

#define NWANTS (sizeof(wants) / sizeof(wants[0]))

static void spool_msgs(struct spool *sp, uint64_t w, const char *msg,
		       size_t n)
{
	const char **msgs = calloc(n, sizeof(*msgs));
	size_t *lens = calloc(n, sizeof(*lens)), i;

	for (i = 0; i < n; i++) {
		msgs[i] = msg;
		lens[i] = strlen(msg);
	}
	if (spool_put_window(sp, w, w * 1000, w * 1000 + 500, msgs, lens, n))
		die("spool_put_window");
	free(msgs);
	free(lens);
}

/*
 * Window @w of one window_msg, with a full table's misses and excluded
 * traffic, times START to END.
 */
#define W_START_NS 1795723200123456789ULL
#define W_END_NS 1795723205200000000ULL
static const struct counts w_miss = { 7, 8400 }, w_excl = { 3, 180 };

static void spool_counted(struct spool *sp, uint64_t w)
{
	if (spool_window_begin(sp, w, W_START_NS + w, W_END_NS + w) ||
	    spool_window_counts(sp, &w_miss, &w_excl) ||
	    spool_window_add(sp, window_msg, strlen(window_msg)) ||
	    spool_window_commit(sp))
		die("spool window");
}

/* A port nobody listens on now, for a collector to take. */
static int free_port(int type)
{
	struct sockaddr_in a = { .sin_family = AF_INET,
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, type, 0);

	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) ||
	    getsockname(fd, (struct sockaddr *)&a, &len))
		die("free port");
	close(fd);
	return ntohs(a.sin_port);
}

static bool udp_port_taken(int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET,
				 .sin_port = htons(port),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	bool taken = bind(fd, (struct sockaddr *)&a, sizeof(a)) != 0;

	close(fd);
	return taken;
}

/*
 * Bytes waiting to be read by whoever holds 127.0.0.1:@port, in @table
 * (/proc/net/udp or /proc/net/tcp: every socket of that local port,
 * accepted connections included).
 */
static unsigned long rx_queued(const char *table, int port)
{
	unsigned long rx, queued = 0;
	unsigned int lport;
	char line[256];
	FILE *f = fopen(table, "r");

	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, " %*d: 0100007F:%x %*s %*x %*x:%lx", &lport,
			   &rx) == 2 && (int)lport == port)
			queued += rx;
	if (f)
		fclose(f);
	return queued;
}

/*
 * A collector stops reading when it is killed: what the host took for it
 * but it has not read yet is lost. Waits (10 s at most: a loaded host may
 * keep it from running) until it has read everything, then a moment for
 * it to store the last of it.
 */
static void collector_drained(const char *table, int port)
{
	uint64_t until = clock_ms() + 10000;

	while (rx_queued(table, port) && clock_ms() < until)
		usleep(10000);
	usleep(100000);
}

/*
 * The tests' domains are the defaults: 0 virtual, 1 physical, 2 options.
 * nfcapd numbers its exporters (one a domain) in the order it meets them.
 */
#define NDOMS 3

struct nfcapd {
	pid_t pid;
	int port;
	char dir[256];
	char file[512];			/* nfcapd_flows(): what it stored */
	int sysid[NDOMS];		/* by domain; 0: never seen */
	long exp_flows[NDOMS];		/* flows of each, -1: none sent */
	long exp_seqfail[NDOMS];	/* sequence failures of each */
};

static void nfcapd_start(struct nfcapd *n, const char *name, int port)
{
	char portstr[8];
	uint64_t until = clock_ms() + 5000;

	memset(n, 0, sizeof(*n));
	snprintf(n->dir, sizeof(n->dir), "%s", path("%s", name));
	mkdir(n->dir, 0700);
	n->port = port;
	snprintf(portstr, sizeof(portstr), "%d", port);
	n->pid = fork();
	if (!n->pid) {
		freopen("/dev/null", "w", stdout);
		freopen("/dev/null", "w", stderr);
		execlp("nfcapd", "nfcapd", "-w", n->dir, "-p", portstr, "-b",
		       "127.0.0.1", "-t", "60", (char *)NULL);
		_exit(127);
	}
	while (!udp_port_taken(port) && clock_ms() < until)
		usleep(10000);
	CHECK(udp_port_taken(port));
}

/*
 * nfdump -E's exporters of the file into @n: "SysID: 2, IP: 127.0.0.1,
 * version: 10, ID:  0, Sequence failures: 0, packets: 4, flows: 18", or
 * "... ID:  2 - no flows sent".
 */
static void nfcapd_exporters(struct nfcapd *n)
{
	char cmd[600], line[256];
	const char *at;
	unsigned int dom;
	int sysid;
	FILE *p;

	snprintf(cmd, sizeof(cmd), "nfdump -E %s 2>&1", n->file);
	p = popen(cmd, "r");
	while (p && fgets(line, sizeof(line), p)) {
		if (getenv("V"))
			fputs(line, stderr);
		if (sscanf(line, "SysID: %d, IP: %*s version: %*d, ID: %u",
			   &sysid, &dom) != 2 || dom >= NDOMS)
			continue;
		n->sysid[dom] = sysid;
		at = strstr(line, "flows: ");
		n->exp_flows[dom] = at ? atol(at + 7) : -1;
		at = strstr(line, "Sequence failures: ");
		n->exp_seqfail[dom] = at ? atol(at + 19) : 0;
	}
	if (p)
		pclose(p);
}

/*
 * Stops nfcapd (SIGTERM flushes), reads its exporters, and returns
 * nfdump's JSON of its file.
 */
static struct json_object *nfcapd_flows(struct nfcapd *n)
{
	char cmd[600], *file = n->file, *out = NULL;
	struct json_object *flows;
	struct dirent *de;
	size_t len = 0;
	DIR *d;
	FILE *p, *m;

	collector_drained("/proc/net/udp", n->port);
	kill(n->pid, SIGTERM);
	waitpid(n->pid, NULL, 0);
	d = opendir(n->dir);
	file[0] = '\0';
	while (d && (de = readdir(d)))
		if (!strncmp(de->d_name, "nfcapd.2", 8))
			snprintf(file, sizeof(n->file), "%s/%s", n->dir,
				 de->d_name);
	if (d)
		closedir(d);
	CHECK(file[0]);
	nfcapd_exporters(n);
	snprintf(cmd, sizeof(cmd), "nfdump -q -r %s -o json 2>/dev/null", file);
	p = popen(cmd, "r");
	m = open_memstream(&out, &len);
	/* -q prints the objects without the array around them */
	fputc('[', m);
	while (p && (len = fread(cmd, 1, sizeof(cmd), p)) > 0)
		fwrite(cmd, 1, len, m);
	if (p)
		pclose(p);
	fputc(']', m);
	fclose(m);
	flows = json_tokener_parse(out);
	if (!flows && getenv("V"))
		fprintf(stderr, "%s\n", out);
	free(out);
	return flows ? flows : json_object_new_array();
}

static const char *member(struct json_object *o, const char *k)
{
	struct json_object *v;

	return json_object_object_get_ex(o, k, &v) ? json_object_get_string(v) :
						     "";
}

/* nfdump's "2026-11-26T20:00:00.123" (local time) as epoch milliseconds. */
static uint64_t nfdump_ms(const char *s)
{
	struct tm tm = { 0 };
	const char *rest = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);

	tm.tm_isdst = -1;
	return (uint64_t)mktime(&tm) * 1000 +
	       (rest && *rest == '.' ? strtoul(rest + 1, NULL, 10) : 0);
}

/* How many of @flows are record @w exactly, from its domain's exporter. */
static size_t matches(const struct nfcapd *nf, struct json_object *flows,
		      const struct want *w)
{
	size_t i, n = 0;

	for (i = 0; i < json_object_array_length(flows); i++) {
		struct json_object *f = json_object_array_get_idx(flows, i);
		const char *src = member(f, strchr(w->src, ':') ?
					 "src6_addr" : "src4_addr");
		const char *dst = member(f, strchr(w->dst, ':') ?
					 "dst6_addr" : "dst4_addr");

		n += !strcmp(src, w->src) && !strcmp(dst, w->dst) &&
		     atoi(member(f, "src_port")) == (int)w->sport &&
		     atoi(member(f, "dst_port")) == (int)w->dport &&
		     atoi(member(f, "proto")) == (int)w->proto &&
		     strtoull(member(f, "in_packets"), NULL, 10) == w->pkts &&
		     strtoull(member(f, "in_bytes"), NULL, 10) == w->bytes &&
		     nfdump_ms(member(f, "first")) == START_MS &&
		     nfdump_ms(member(f, "last")) == END_MS &&
		     atoi(member(f, "direction")) == (int)w->dir &&
		     atoi(member(f, "export_sysid")) == nf->sysid[w->dom];
	}
	return n;
}

/* Every wanted record @times, and nothing else. */
static void check_flows(const struct nfcapd *nf, struct json_object *flows,
			size_t times)
{
	size_t i;

	CHECK(nf->sysid[0] && nf->sysid[1] && nf->sysid[0] != nf->sysid[1]);
	CHECK_EQ(json_object_array_length(flows), NWANTS * times);
	for (i = 0; i < NWANTS; i++) {
		size_t n = matches(nf, flows, &wants[i]);

		if (n != times)
			fprintf(stderr, "record %zu (%s -> %s): %zu, want %zu\n",
				i, wants[i].src, wants[i].dst, n, times);
		CHECK_EQ(n, times);
	}
	if (failures && getenv("V"))
		fprintf(stderr, "%s\n", json_object_to_json_string_ext(
				flows, JSON_C_TO_STRING_PRETTY));
}

static struct netlogd_config sinks;

/* A new ipfix sink section of the @n keys and values in @kv, unchecked. */
static struct sink_config *ipfix_section(const char *const *kv, size_t n)
{
	struct sink_config *sc;
	char err[CONFIG_ERR_LEN], name[16];
	size_t i;

	snprintf(name, sizeof(name), "ipfix%zu", sinks.nsinks);
	if (config_sink_add(&sinks, name, "ipfix", err, sizeof(err)))
		die(err);
	sc = &sinks.sinks[sinks.nsinks - 1];
	for (i = 0; i < n; i++)
		if (config_sink_set(&sinks, sc, kv[2 * i], kv[2 * i + 1], err,
				    sizeof(err)))
			die(err);
	return sc;
}

static struct uploader *ipfix_uploader(const char *const *kv, size_t n)
{
	struct upload_config cfg = { 0 };
	struct sink_config *sc = ipfix_section(kv, n);
	char err[CONFIG_ERR_LEN];
	struct uploader *up;

	if (sc->type->check(sc->opts, err, sizeof(err)))
		die(err);
	cfg.name = sc->name;
	cfg.type = sc->type;
	cfg.opts = sc->opts;
	cfg.timeout_ms = 5000;
	cfg.retry_min_ms = cfg.retry_max_ms = 50;
	cfg.retry_cap_ms = 1000;
	if (upload_open(&cfg, &up))
		die("upload_open");
	return up;
}

/* upload_step() until the cursor has every batch or @max_ms passed. */
static int drain(struct uploader *up, struct spool *sp, uint64_t max_ms)
{
	uint64_t next, until = clock_ms() + max_ms;
	int failed = 0, ret;

	while (clock_ms() < until) {
		ret = upload_step(up, sp, clock_ms(), &next);
		if (!ret && next == UINT64_MAX)
			break;
		failed += ret < 0;
		if (!ret && next > clock_ms())
			usleep((next - clock_ms()) * 1000);
	}
	return failed;
}

static struct spool *new_spool(const char *name)
{
	struct spool *sp;

	if (spool_open(path("%s.spool", name), 0, &sp))
		die("spool_open");
	return sp;
}

/*
 * A TCP collector: accepts connections one after another and appends what
 * each sends to @file, until SIGTERM. An IPFIX stream over TCP is an
 * IPFIX file, which ipfixDump reads; so are UDP's messages one after
 * another, which it stores the same way when started for SOCK_DGRAM.
 */
struct tcp_collector {
	pid_t pid;
	int port, type;
	char file[256];
};

static void tcp_serve(int lfd, int type, const char *file)
{
	char buf[65536];
	FILE *f = fopen(file, "a");
	ssize_t n;
	int fd;

	/* UDP: each datagram one message */
	while (type == SOCK_DGRAM && (n = recv(lfd, buf, sizeof(buf), 0)) > 0) {
		fwrite(buf, 1, n, f);
		fflush(f);
	}
	for (;;) {
		fd = accept(lfd, NULL, NULL);
		if (fd < 0)
			_exit(1);
		while ((n = read(fd, buf, sizeof(buf))) > 0) {
			fwrite(buf, 1, n, f);
			fflush(f);
		}
		close(fd);
	}
}

/* @type SOCK_STREAM, or SOCK_DGRAM: a UDP listener, the same file. */
static void tcp_start(struct tcp_collector *c, const char *name, int port,
		      int type)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int lfd = socket(AF_INET, type, 0), one = 1;

	snprintf(c->file, sizeof(c->file), "%s", path("%s.ipfix", name));
	c->port = port;
	c->type = type;
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(lfd, (struct sockaddr *)&a, sizeof(a)) ||
	    (type == SOCK_STREAM && listen(lfd, 4)))
		die("tcp collector");
	c->pid = fork();
	if (!c->pid)
		tcp_serve(lfd, type, c->file);
	close(lfd);
}

static void tcp_stop(struct tcp_collector *c)
{
	collector_drained(c->type == SOCK_STREAM ? "/proc/net/tcp" :
			  "/proc/net/udp", c->port);
	kill(c->pid, SIGTERM);
	waitpid(c->pid, NULL, 0);
}

/*
 * ipfixDump's reading of @file: the data records, as "src dst sport dport
 * proto dir pkts bytes" lines in @out (at most @max), and their count.
 */
static size_t ipfixdump_records(const char *file, char out[][600], size_t max)
{
	char cmd[600], line[512], rec[8][64];
	size_t n = 0, k = 0;
	FILE *p;

	snprintf(cmd, sizeof(cmd), "ipfixDump -d -i %s 2>&1", file);
	p = popen(cmd, "r");
	while (p && fgets(line, sizeof(line), p)) {
		static const char *const ies[] = {
			"sourceIPv", "destinationIPv", "sourceTransportPort",
			"destinationTransportPort", "protocolIdentifier",
			"flowDirection", "packetDeltaCount", "octetDeltaCount",
		};
		char *colon = strstr(line, " : ");
		size_t i;

		if (getenv("V"))
			fputs(line, stderr);
		for (i = 0; colon && i < 8; i++)
			if (strstr(line, ies[i]))
				sscanf(colon + 3, "%63s", rec[i]), k |= 1u << i;
		if (k == 0xff) {
			if (n < max)
				snprintf(out[n], 600, "%s %s %s %s %s %s %s %s",
					 rec[0], rec[1], rec[2], rec[3], rec[4],
					 rec[5], rec[6], rec[7]);
			n++;
			k = 0;
		}
	}
	if (p)
		pclose(p);
	return n;
}

/* --- the tests -------------------------------------------------------- */

static char port_kv[32];

static const char *collector_at(int port)
{
	snprintf(port_kv, sizeof(port_kv), "127.0.0.1:%d", port);
	return port_kv;
}

/*
 * One window over UDP to nfcapd: nfdump shows exactly one record per
 * direction with traffic, IPv4 and IPv6, virtual and physical, with the
 * window's times, counts, ports and flowDirection.
 */
static void test_udp_to_nfcapd(void)
{
	struct nfcapd n;
	struct spool *sp = new_spool("udp");
	const char *kv[] = { "collector", NULL };
	struct uploader *up;
	struct json_object *flows;
	struct upload_stats st;

	nfcapd_start(&n, "udp", free_port(SOCK_DGRAM));
	kv[1] = collector_at(n.port);
	up = ipfix_uploader(kv, 1);
	spool_msgs(sp, 1, window_msg, 1);
	CHECK_EQ(drain(up, sp, 5000), 0);
	upload_stats(up, &st);
	if (st.last_error[0])
		fprintf(stderr, "last error: %s\n", st.last_error);
	CHECK_EQ(st.batches, 1);
	flows = nfcapd_flows(&n);
	check_flows(&n, flows, 1);
	json_object_put(flows);
	upload_close(up);
	spool_close(sp);
}

/*
 * A 1M-flow window: 1000 batches of one message of 1000 IPv4 entries with
 * traffic both ways (2M records), each batch parsed and exported by the
 * sink over UDP to a socket that never reads (the kernel drops what
 * overflows it; the sending cost is all there). JSON parsing alone is
 * timed too, to tell the sink's share.
 */
#define BENCH_BATCHES 1000
#define BENCH_ENTRIES 1000

static int count_msg(struct json_object *msg, void *arg)
{
	(void)msg;
	++*(size_t *)arg;
	return 0;
}

static void bench(void)
{
	const struct sink_type *t = sink_type_find("ipfix");
	struct sink_config *sc;
	char err[CONFIG_ERR_LEN], *batch = NULL;
	uint64_t entries, skipped, t0, parse_ms, total_ms, cpu_ms;
	clock_t c0;
	size_t len = 0, i, nmsg = 0;
	int port = free_port(SOCK_DGRAM), fd;
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	FILE *f = open_memstream(&batch, &len);
	void *priv;

	fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)))
		die("bind");
	fprintf(f, "[{\"nodeId\":\"nSELF\",\"start\":\"" START "\",\"end\":\"" END "\",\"virtualTraffic\":[");
	for (i = 0; i < BENCH_ENTRIES; i++)
		fprintf(f, "%s{\"proto\":6,\"src\":\"100.64.%zu.%zu:%zu\",\"dst\":\"100.65.0.2:443\",\"txPkts\":%zu,\"txBytes\":%zu,\"rxPkts\":3,\"rxBytes\":4000}",
			i ? "," : "", i >> 8, i & 255, 1024 + i, i + 1, 60 * i + 60);
	fprintf(f, "]}]");
	fclose(f);
	if (config_sink_add(&sinks, "bench", "ipfix", err, sizeof(err)) ||
	    config_sink_set(&sinks, sc = &sinks.sinks[sinks.nsinks - 1],
			    "collector", collector_at(port), err, sizeof(err)) ||
	    t->open("bench", sc->opts, &priv))
		die("bench sink");
	t0 = clock_ms();
	for (i = 0; i < BENCH_BATCHES; i++)
		sink_each_message(batch, len, count_msg, &nmsg);
	parse_ms = clock_ms() - t0;
	c0 = clock();
	t0 = clock_ms();
	for (i = 0; i < BENCH_BATCHES; i++)
		if (t->deliver(priv, batch, len, 0, &entries, &skipped, err,
			       sizeof(err)))
			die(err);
	total_ms = clock_ms() - t0;
	cpu_ms = (clock() - c0) * 1000 / CLOCKS_PER_SEC;
	printf("ipfix bench: %d flows (%d records, %zu-byte batches): %" PRIu64
	       " ms, %.0f records/s (JSON parsing of the same alone: %" PRIu64 " ms)\n",
	       BENCH_BATCHES * BENCH_ENTRIES, 2 * BENCH_BATCHES * BENCH_ENTRIES,
	       len, total_ms, 2e9 / (total_ms ? total_ms : 1), parse_ms);
	printf("ipfix bench: export CPU time %" PRIu64 " ms: %.0f records/s of one core\n",
	       cpu_ms, 2e6 * 1000 / (cpu_ms ? cpu_ms : 1));
	t->close(priv);
	close(fd);
	free(batch);
}

/*
 * TCP: the collector is down at first (the batch waits, nothing is
 * lost), then up: the window arrives once, templates first; ipfixDump
 * (libfixbuf's decoder, a second reading) shows every record. A second
 * window after the collector restarted goes over a new connection,
 * templates again.
 */
static void test_tcp_down_then_up(void)
{
	struct tcp_collector c;
	struct spool *sp = new_spool("tcp");
	const char *kv[] = { "collector", NULL, "transport", "tcp" };
	char recs[64][600];
	struct uploader *up;
	int port = free_port(SOCK_STREAM);
	size_t n;

	kv[1] = collector_at(port);
	up = ipfix_uploader(kv, 2);
	spool_msgs(sp, 1, window_msg, 1);
	CHECK(drain(up, sp, 300) > 0);		/* refused, retried */
	tcp_start(&c, "tcp", port, SOCK_STREAM);
	CHECK_EQ(drain(up, sp, 5000), 0);
	tcp_stop(&c);
	spool_msgs(sp, 2, window_msg, 1);
	CHECK(drain(up, sp, 300) > 0);		/* the old connection is gone */
	tcp_start(&c, "tcp", port, SOCK_STREAM);
	CHECK_EQ(drain(up, sp, 5000), 0);
	tcp_stop(&c);
	n = ipfixdump_records(c.file, recs, 64);
	CHECK_EQ(n, 2 * NWANTS);
	CHECK_STR(recs[0], "100.64.0.1 100.64.0.2 51514 22 6 1 10 1200");
	CHECK_STR(recs[NWANTS], "100.64.0.1 100.64.0.2 51514 22 6 1 10 1200");
	CHECK_STR(recs[NWANTS - 1], ":: 2001:0db8::0007 0 41641 17 1 5 700");
	upload_close(up);
	spool_close(sp);
}

/*
 * ipfixDump's reading of @file: each options record of template 258, as
 * "domain|scope|start|end|ignored_pkts ignored_octets not_sent_pkts
 * not_sent_octets" lines in @out (at most @max; domain: the message's),
 * and their count; in @tmpls, the domains its template came in, one
 * "domain " each (ipfixDump without -d: the templates too). A record's
 * "(S)" marks its scope field: only observationDomainId has it.
 */
static size_t ipfixdump_options(const char *file, char out[][600], size_t max,
				char tmpls[600])
{
	static const char *const ies[] = {
		"(149) (S)            observationDomainId : ",
		"flowStartMilliseconds : ", "flowEndMilliseconds : ",
		"ignoredPacketTotalCount : ", "ignoredOctetTotalCount : ",
		"notSentPacketTotalCount : ", "notSentOctetTotalCount : ",
	};
	char cmd[600], line[512], rec[7][64];
	size_t n = 0, k = 0, i;
	unsigned long dom = 0;
	bool opt = false;
	const char *at;
	FILE *p;

	snprintf(cmd, sizeof(cmd), "ipfixDump -i %s 2>&1", file);
	p = popen(cmd, "r");
	tmpls[0] = '\0';
	while (p && fgets(line, sizeof(line), p)) {
		line[strcspn(line, "\n")] = '\0';
		at = strstr(line, "observation domain id: ");
		if (at)
			dom = strtoul(at + 23, NULL, 10);
		/* a template: "tid:   258 (0x0102)    field count: ..." */
		if (strstr(line, "tid:   258") && strstr(line, "field count:"))
			snprintf(tmpls + strlen(tmpls), 600 - strlen(tmpls),
				 "%lu ", dom);
		if (strstr(line, "tid:"))
			opt = strstr(line, "tid:   258") != NULL, k = 0;
		for (i = 0; opt && i < 7; i++)
			if (strstr(line, ies[i]))
				snprintf(rec[i], sizeof(rec[i]), "%s",
					 strstr(line, ies[i]) + strlen(ies[i])),
				k |= 1u << i;
		if (opt && k == 0x7f) {
			if (n < max)
				snprintf(out[n], 600, "%lu|%s|%s|%s|%s %s %s %s",
					 dom, rec[0], rec[1], rec[2], rec[3],
					 rec[4], rec[5], rec[6]);
			n++;
			opt = false;
		}
	}
	if (p)
		pclose(p);
	return n;
}

/*
 * @windows counted windows (spool_counted), each delivered on its own by
 * a sink of the @n keys and values in @kv (its collector set here) to a
 * listener of @type that stores the messages: every data record is
 * there; ipfixDump's options records and templates, as
 * ipfixdump_options().
 */
static size_t counted_options(const char *name, const char **kv, size_t n,
			      int type, int windows, char recs[][600],
			      char tmpls[600])
{
	struct tcp_collector c;
	struct spool *sp = new_spool(name);
	struct uploader *up;
	int port = free_port(type), i;
	size_t nopts;

	kv[1] = collector_at(port);
	tcp_start(&c, name, port, type);
	up = ipfix_uploader(kv, n);
	for (i = 1; i <= windows; i++) {
		spool_counted(sp, i);
		CHECK_EQ(drain(up, sp, 5000), 0);
	}
	tcp_stop(&c);
	CHECK_EQ(ipfixdump_records(c.file, recs, 64), windows * NWANTS);
	CHECK_STR(recs[0], "100.64.0.1 100.64.0.2 51514 22 6 1 10 1200");
	nopts = ipfixdump_options(c.file, recs, 64, tmpls);
	upload_close(up);
	spool_close(sp);
	return nopts;
}

/*
 * A window's misses and excluded counts, over TCP: one options record per
 * window, in options_observation_domain (by default observation_domain +
 * 2) and scoped to observation_domain, with the window's times and exact
 * counts, as ipfixDump decodes it; the data records are all there as
 * without it. The second window, on the same connection, has its own
 * record and no second template.
 */
static void test_window_counts_as_options_record(void)
{
	static const char want[] = "11|9|2026-11-26 20:00:00.123|"
				   "2026-11-26 20:00:05.200|7 8400 3 180";
	const char *kv[] = { "collector", NULL, "transport", "tcp",
			     "observation_domain", "9" };
	char recs[64][600], tmpls[600];

	CHECK_EQ(counted_options("opts", kv, 3, SOCK_STREAM, 2, recs, tmpls),
		 2);
	CHECK_STR(recs[0], want);
	CHECK_STR(recs[1], want);
	CHECK_STR(tmpls, "11 ");
}

/*
 * UDP, template_refresh_packets = 1, to a listener that stores each
 * datagram (the messages one after another: an IPFIX file): every
 * delivery sends the templates again, the options template too, in
 * options_observation_domain 7 as configured, ahead of its record.
 */
static void test_udp_options_template_refresh(void)
{
	static const char want[] = "7|0|2026-11-26 20:00:00.123|"
				   "2026-11-26 20:00:05.200|7 8400 3 180";
	const char *kv[] = { "collector", NULL, "template_refresh_packets",
			     "1", "options_observation_domain", "7" };
	char recs[64][600], tmpls[600];
	int i;

	CHECK_EQ(counted_options("udprefresh", kv, 3, SOCK_DGRAM, 3, recs,
				 tmpls), 3);
	for (i = 0; i < 3; i++)
		CHECK_STR(recs[i], want);
	CHECK_STR(tmpls, "7 7 7 ");
}

/*
 * The same over UDP to nfcapd: the flows are exactly those of the windows
 * and nfdump shows nothing of the options records. nfcapd 1.7 keeps only
 * the options templates it knows (sampling, NBAR, SysUpTime) and does not
 * count the records of others towards the sequence number, which (RFC 7011
 * section 3.1) counts every data record: were they in a data domain, each
 * message after one would be a "sequence failure" there. In their own
 * domain, an exporter of no flows to nfcapd, there is none.
 */
static void test_window_counts_to_nfcapd(void)
{
	struct nfcapd n;
	struct spool *sp = new_spool("udpopts");
	const char *kv[] = { "collector", NULL };
	struct uploader *up;
	struct json_object *flows;
	char cmd[700], line[256];
	unsigned long nflows = 0, seqfail = 99;
	FILE *p;
	int i;

	nfcapd_start(&n, "udpopts", free_port(SOCK_DGRAM));
	kv[1] = collector_at(n.port);
	up = ipfix_uploader(kv, 1);
	spool_counted(sp, 1);
	spool_counted(sp, 2);
	spool_counted(sp, 3);
	CHECK_EQ(drain(up, sp, 5000), 0);
	flows = nfcapd_flows(&n);
	check_flows(&n, flows, 3);
	json_object_put(flows);
	snprintf(cmd, sizeof(cmd), "nfdump -r %s -I 2>&1", n.file);
	p = popen(cmd, "r");
	while (p && fgets(line, sizeof(line), p)) {
		if (getenv("V") && strstr(line, "Sequence failures"))
			fputs(line, stderr);
		sscanf(line, "Flows: %lu", &nflows);
		sscanf(line, "Sequence failures: %lu", &seqfail);
	}
	if (p)
		pclose(p);
	CHECK_EQ(nflows, 3 * NWANTS);
	CHECK_EQ(seqfail, 0);
	for (i = 0; i < NDOMS; i++)
		CHECK_EQ(n.exp_seqfail[i], 0);
	CHECK_EQ(n.exp_flows[0], 3 * 6);
	CHECK_EQ(n.exp_flows[1], 3 * 3);
	CHECK(n.sysid[2]);
	CHECK_EQ(n.exp_flows[2], -1);		/* "no flows sent" */
	upload_close(up);
	spool_close(sp);
}

/* @kv refused by the sink's check with @want. */
static void check_refused(const char *const *kv, size_t n, const char *want)
{
	struct sink_config *sc = ipfix_section(kv, n);
	char err[CONFIG_ERR_LEN] = "";

	CHECK_EQ(sc->type->check(sc->opts, err, sizeof(err)), -EINVAL);
	CHECK_STR(err, want);
}

/*
 * The three domains differ: two the same is refused, naming both keys;
 * the defaults wrap at 2^32.
 */
static void test_domains_differ(void)
{
	const char *same[] = { "collector", "127.0.0.1:4739",
			       "observation_domain", "5",
			       "physical_observation_domain", "7" };
	const char *opt0[] = { "collector", "127.0.0.1:4739",
			       "options_observation_domain", "0" };
	const char *phys0[] = { "collector", "127.0.0.1:4739",
				"physical_observation_domain", "0" };
	const char *top[] = { "collector", "127.0.0.1:4739",
			      "observation_domain", "4294967295" };
	check_refused(same, 3, "options_observation_domain: must differ from "
		      "physical_observation_domain (both 7, by default)");
	check_refused(opt0, 2, "options_observation_domain: must differ from "
		      "observation_domain (both 0)");
	check_refused(phys0, 2, "physical_observation_domain: must differ "
		      "from observation_domain (both 0)");
	same[5] = "8";
	upload_close(ipfix_uploader(same, 3));
	upload_close(ipfix_uploader(top, 2));
}

/*
 * UDP, template_refresh = 1: a window sent while no collector listens is
 * lost on the wire (UDP says nothing), and so is the next one to a
 * collector started since (it has no template yet); once a refresh
 * interval has passed, the templates go again and it decodes a window
 * whole.
 */
static void test_udp_template_refresh(void)
{
	struct nfcapd n;
	struct spool *sp = new_spool("refresh");
	const char *kv[] = { "collector", NULL, "template_refresh", "1" };
	struct json_object *flows;
	struct uploader *up;
	int port = free_port(SOCK_DGRAM);

	kv[1] = collector_at(port);
	up = ipfix_uploader(kv, 2);
	spool_msgs(sp, 1, window_msg, 1);
	CHECK_EQ(drain(up, sp, 1000), 0);
	nfcapd_start(&n, "refresh", port);
	spool_msgs(sp, 2, window_msg, 1);
	CHECK_EQ(drain(up, sp, 1000), 0);
	usleep(1100 * 1000);
	spool_msgs(sp, 3, window_msg, 1);
	CHECK_EQ(drain(up, sp, 1000), 0);
	flows = nfcapd_flows(&n);
	check_flows(&n, flows, 1);
	json_object_put(flows);
	upload_close(up);
	spool_close(sp);
}

int main(int argc, char **argv)
{
	uint64_t t0 = clock_ms(), t;

	(void)argv;
	snprintf(root, sizeof(root), "/tmp/test-ipfix.XXXXXX");
	if (!mkdtemp(root))
		die("mkdtemp");
	signal(SIGPIPE, SIG_IGN);
	setenv("TZ", "UTC", 1);
	if (config_init(&sinks))
		die("config_init");
	if (argc > 1) {
		bench();
		return 0;
	}
#define RUN(call)							\
	do {								\
		int before_ = failures;					\
		t = clock_ms();						\
		call;							\
		printf("%s %s (%" PRIu64 " ms)\n",			\
		       failures == before_ ? "ok  " : "FAIL", #call,	\
		       clock_ms() - t);					\
		fflush(stdout);						\
	} while (0)
	RUN(test_udp_to_nfcapd());
	RUN(test_udp_template_refresh());
	RUN(test_tcp_down_then_up());
	RUN(test_window_counts_as_options_record());
	RUN(test_udp_options_template_refresh());
	RUN(test_window_counts_to_nfcapd());
	RUN(test_domains_differ());
#undef RUN
	config_free(&sinks);
	printf("test-ipfix: %" PRIu64 " ms\n", clock_ms() - t0);
	if (!failures)
		nftw(root, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	else
		fprintf(stderr, "test-ipfix: %d failures; files in %s\n",
			failures, root);
	return failures ? 1 : 0;
}
