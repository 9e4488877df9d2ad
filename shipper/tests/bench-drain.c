// SPDX-License-Identifier: GPL-2.0
/*
 * Benchmark of userspace's side of a GET_FLOWS dump, on one core: the
 * messages of a window of N flows are built in memory as kmod/netlink.c's
 * dumpit sends them (one message per skb of at most 32 KiB less the skb's
 * overhead, the window in the first, then as many flows as fit, then
 * NLMSG_DONE), and each stage is timed over them:
 *
 *   reader   a stand-in for the discarding reader as a whole: the messages
 *            built from an array of flows with libmnl, as the kernel puts
 *            them, then +copy and floor (the kernel's walk of its tables,
 *            its locking and the syscalls are not in it)
 *   floor    mnl_cb_run() of every message with a callback that does nothing:
 *            what a reader that discards the dump does in userspace
 *   +copy    the same after copying each message into a receive buffer, as
 *            recvmsg() does
 *   decode   nl_window_parse_msg() into a struct window (netlogd's drain)
 *   +sort    that and window_sort() (netlogctl before it prints)
 *   dump     window_print_dump() of the sorted window to /dev/null
 *   json     window_print_json() of the sorted window to /dev/null
 *
 * and netlogctl's totals (decode + sort + print), each as seconds, ns per
 * flow and ratios to the floor and to the reader. Each output is hashed once,
 * so that a change to the printers can be checked to leave every byte alone.
 *
 *   bench-drain [-n FLOWS] [-r ROUNDS] [-p]
 *
 * Without -n, windows of 100000 and 1000000 flows. -p puts the pad attribute
 * before every u64 as nla_put_u64_64bit() does on architectures without
 * efficient unaligned access (x86-64 and arm64 have it, so no pads).
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/resource.h>
#include <linux/genetlink.h>
#include <linux/netlog.h>
#include <libmnl/libmnl.h>

#include "window.h"
#include "window-json.h"
#include "window-text.h"
#include "nl.h"

#define SEED 0x6e65746c6f67ULL		/* "netlog" */
/* SKB_WITH_OVERHEAD(32768) on x86-64: the kernel's cap on a dump skb. */
#define MSG_MAX (32768 - 320)
#define FAMILY_ID 0x20
#define PORTID 1234
#define SEQ 77
#define MAX_ROUNDS 64

struct msgs {
	char *data;
	size_t len, size;
	size_t *off;		/* nmsgs + 1 */
	size_t n, alloc;
	bool pad;
};

struct stage {
	const char *name;
	double t[MAX_ROUNDS];
	long rss_kib;
};

static uint64_t rng = SEED;

static uint64_t next_rand(void)
{
	uint64_t x = (rng += 0x9e3779b97f4a7c15ULL);

	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static long peak_rss_kib(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_maxrss;
}

static void die(const char *what, int err)
{
	fprintf(stderr, "bench-drain: %s: %s\n", what, strerror(err));
	exit(1);
}

/* ---- synthetic flows, in the kernel's (hash) order ---- */

static void set_addr(struct addr *a, bool v6, uint32_t host)
{
	static const uint8_t v6_prefix[] = { 0xfd, 0x7a, 0x11, 0x5c, 0xa1,
					     0xe0 };

	memset(a, 0, sizeof(*a));
	if (!v6) {
		a->len = 4;
		a->bytes[0] = 100;
		a->bytes[1] = 64 | (host >> 16 & 0x3f);
		a->bytes[2] = host >> 8;
		a->bytes[3] = host;
		return;
	}
	a->len = 16;
	memcpy(a->bytes, v6_prefix, sizeof(v6_prefix));
	a->bytes[12] = host >> 24;
	a->bytes[13] = host >> 16;
	a->bytes[14] = host >> 8;
	a->bytes[15] = host;
}

static uint64_t counter(uint64_t max)
{
	uint64_t r = next_rand();

	/* A quarter of the counters are 0 (left out of the JSON). */
	if ((r & 3) == 0)
		return 0;
	if ((r & 0xfff0) == 0)
		return UINT64_MAX;
	return (r >> 16) % max;
}

/*
 * A gateway's window: few local addresses (its own and its subnets'), many
 * remote ones, a fifth IPv6, a sixth physical (UDP to WireGuard ports).
 */
static void make_flow(struct flow *f)
{
	uint64_t r = next_rand();
	bool v6 = r % 5 == 0;

	memset(f, 0, sizeof(*f));
	f->kind = r % 6 == 0 ? NETLOG_KIND_PHYSICAL : NETLOG_KIND_VIRTUAL;
	f->proto = f->kind == NETLOG_KIND_PHYSICAL ? 17 :
		   (r >> 8 & 3) == 0 ? 17 : (r >> 8 & 3) == 1 ? 1 : 6;
	set_addr(&f->local, v6, r >> 16 & 0xff);
	set_addr(&f->remote, v6, r >> 24 & 0x3fffff);
	f->local_port = r >> 48;
	f->remote_port = (r >> 46 & 1) ? 443 : (uint16_t)(r >> 32);
	f->tx_pkts = counter(100000);
	f->tx_bytes = counter(1000000000);
	f->rx_pkts = counter(100000);
	f->rx_bytes = counter(1000000000);
}

/* ---- the dump's messages, as kmod/netlink.c puts them ---- */

static size_t u64_size(const struct msgs *m)
{
	return MNL_ATTR_HDRLEN + 8 + (m->pad ? MNL_ATTR_HDRLEN : 0);
}

/* nla_put_u64_64bit(): a pad first when the payload would be unaligned. */
static void put_u64(struct msgs *m, struct nlmsghdr *nlh, uint16_t type,
		    uint16_t padtype, uint64_t v)
{
	if (m->pad && (nlh->nlmsg_len & 7) == 0)
		mnl_attr_put(nlh, padtype, 0, NULL);
	mnl_attr_put_u64(nlh, type, v);
}

static size_t flow_size(const struct msgs *m, const struct flow *f)
{
	return MNL_ATTR_HDRLEN + 4 * MNL_ATTR_HDRLEN + 2 * 4 + 2 * 4 +
	       2 * MNL_ALIGN(f->local.len) + 4 * u64_size(m);
}

static void put_flow(struct msgs *m, struct nlmsghdr *nlh,
		     const struct flow *f)
{
	struct nlattr *nest = mnl_attr_nest_start(nlh, 0);

	mnl_attr_put_u8(nlh, NETLOG_F_KIND, f->kind);
	mnl_attr_put_u8(nlh, NETLOG_F_PROTO, f->proto);
	mnl_attr_put(nlh, NETLOG_F_LOCAL_ADDR, f->local.len, f->local.bytes);
	mnl_attr_put_u16(nlh, NETLOG_F_LOCAL_PORT, f->local_port);
	mnl_attr_put(nlh, NETLOG_F_REMOTE_ADDR, f->remote.len,
		     f->remote.bytes);
	mnl_attr_put_u16(nlh, NETLOG_F_REMOTE_PORT, f->remote_port);
	put_u64(m, nlh, NETLOG_F_TX_PKTS, NETLOG_F_PAD, f->tx_pkts);
	put_u64(m, nlh, NETLOG_F_TX_BYTES, NETLOG_F_PAD, f->tx_bytes);
	put_u64(m, nlh, NETLOG_F_RX_PKTS, NETLOG_F_PAD, f->rx_pkts);
	put_u64(m, nlh, NETLOG_F_RX_BYTES, NETLOG_F_PAD, f->rx_bytes);
	mnl_attr_nest_end(nlh, nest);
}

static void put_counts(struct msgs *m, struct nlmsghdr *nlh, uint16_t type,
		       uint64_t pkts, uint64_t bytes)
{
	struct nlattr *nest = mnl_attr_nest_start(nlh, type);

	put_u64(m, nlh, NETLOG_C_PKTS, NETLOG_C_PAD, pkts);
	put_u64(m, nlh, NETLOG_C_BYTES, NETLOG_C_PAD, bytes);
	mnl_attr_nest_end(nlh, nest);
}

static void put_window(struct msgs *m, struct nlmsghdr *nlh, uint32_t nflows)
{
	struct nlattr *nest = mnl_attr_nest_start(nlh, NETLOG_A_WINDOW);
	struct nlattr *misses;

	put_u64(m, nlh, NETLOG_W_SEQ, NETLOG_W_PAD, 42);
	put_u64(m, nlh, NETLOG_W_START_NS, NETLOG_W_PAD,
		1795723200123456789ULL);
	put_u64(m, nlh, NETLOG_W_END_NS, NETLOG_W_PAD, 1795723205200000000ULL);
	mnl_attr_put_u32(nlh, NETLOG_W_NFLOWS, nflows);
	misses = mnl_attr_nest_start(nlh, NETLOG_W_MISSES);
	put_counts(m, nlh, NETLOG_MISS_TABLE_FULL, 5, 600);
	mnl_attr_nest_end(nlh, misses);
	put_counts(m, nlh, NETLOG_W_EXCLUDED, 7, 800);
	mnl_attr_nest_end(nlh, nest);
}

static struct nlmsghdr *msg_start(struct msgs *m, uint16_t type,
				  uint16_t flags)
{
	struct nlmsghdr *nlh;
	struct genlmsghdr *genl;

	if (m->n + 2 > m->alloc) {
		m->alloc = m->alloc ? m->alloc * 2 : 1024;
		m->off = reallocarray(m->off, m->alloc, sizeof(*m->off));
		if (!m->off)
			die("messages", ENOMEM);
	}
	if (m->len + MSG_MAX > m->size) {
		m->size = m->size ? m->size * 2 : 1 << 20;
		m->data = realloc(m->data, m->size);
		if (!m->data)
			die("messages", ENOMEM);
	}
	memset(m->data + m->len, 0, MSG_MAX);
	m->off[m->n] = m->len;
	nlh = mnl_nlmsg_put_header(m->data + m->len);
	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = flags;
	nlh->nlmsg_seq = SEQ;
	nlh->nlmsg_pid = PORTID;
	if (type == FAMILY_ID) {
		genl = mnl_nlmsg_put_extra_header(nlh, sizeof(*genl));
		genl->cmd = NETLOG_CMD_GET_FLOWS;
		genl->version = NETLOG_GENL_VERSION;
	}
	return nlh;
}

static void msg_end(struct msgs *m, const struct nlmsghdr *nlh)
{
	m->len += MNL_ALIGN(nlh->nlmsg_len);
	m->off[++m->n] = m->len;
}

/* Into @m, emptied first: what the kernel builds, skb after skb. */
static void build_msgs(struct msgs *m, const struct flow *flows,
		       uint32_t nflows)
{
	struct nlmsghdr *nlh;
	struct nlattr *nest;
	uint32_t i = 0;
	int zero = 0;

	m->len = m->n = 0;
	while (i < nflows || !m->n) {
		nlh = msg_start(m, FAMILY_ID, NLM_F_MULTI);
		if (!m->n)
			put_window(m, nlh, nflows);
		nest = mnl_attr_nest_start(nlh, NETLOG_A_FLOWS);
		for (; i < nflows; i++) {
			if (nlh->nlmsg_len + flow_size(m, &flows[i]) > MSG_MAX)
				break;
			put_flow(m, nlh, &flows[i]);
		}
		mnl_attr_nest_end(nlh, nest);
		msg_end(m, nlh);
	}
	nlh = msg_start(m, NLMSG_DONE, NLM_F_MULTI);
	memcpy(mnl_nlmsg_put_extra_header(nlh, sizeof(zero)), &zero,
	       sizeof(zero));
	msg_end(m, nlh);
}

/* ---- the stages ---- */

struct bench {
	struct msgs m;
	struct flow *table;	/* the kernel's flows, in its order */
	size_t nflows;
	char *rxbuf;
	struct window sorted;	/* what the printers print */
	unsigned int rounds;
};

static int discard_cb(const struct nlmsghdr *nlh, void *data)
{
	(void)nlh;
	(void)data;
	return MNL_CB_OK;
}

/* Every message through libmnl, copied into @rxbuf first unless NULL. */
static void walk(const struct msgs *m, char *rxbuf, mnl_cb_t cb, void *data)
{
	const char *msg;
	size_t i, len;
	int ret = MNL_CB_OK;

	for (i = 0; i < m->n && ret > MNL_CB_STOP; i++) {
		msg = m->data + m->off[i];
		len = m->off[i + 1] - m->off[i];
		if (rxbuf) {
			memcpy(rxbuf, msg, len);
			msg = rxbuf;
		}
		ret = mnl_cb_run(msg, len, SEQ, PORTID, cb, data);
	}
	if (ret != MNL_CB_STOP)
		die("walking the dump", errno);
}

static void decode(struct bench *b, struct window *w, bool sort)
{
	window_init(w);
	walk(&b->m, NULL, nl_window_parse_msg, w);
	if (w->nr != b->nflows || !w->seen)
		die("decoding the dump", EBADMSG);
	if (sort)
		window_sort(w);
}

enum stage_id {
	S_READER,
	S_FLOOR,
	S_COPY,
	S_DECODE,
	S_SORT,
	S_DUMP,
	S_JSON,
	NR_STAGES
};

static const char *const stage_name[NR_STAGES] = {
	[S_READER] = "reader: build + copy + floor",
	[S_FLOOR] = "floor: mnl_cb_run, discard",
	[S_COPY] = "floor + copy to rxbuf",
	[S_DECODE] = "decode (netlogd)",
	[S_SORT] = "decode + sort",
	[S_DUMP] = "dump printer",
	[S_JSON] = "json printer",
};

static void print_to(const struct window *w, enum stage_id id, FILE *f)
{
	if (id == S_DUMP)
		window_print_dump(w, f);
	else if (window_print_json(w, f))
		die("window_print_json", ENOMEM);
	if (fflush(f))
		die("writing", errno);
}

static double run_stage(struct bench *b, enum stage_id id)
{
	struct window w;
	double t0, t;
	FILE *f;

	t0 = now_s();
	switch (id) {
	case S_READER:
		build_msgs(&b->m, b->table, b->nflows);
		walk(&b->m, b->rxbuf, discard_cb, NULL);
		break;
	case S_FLOOR:
	case S_COPY:
		walk(&b->m, id == S_COPY ? b->rxbuf : NULL, discard_cb, NULL);
		break;
	case S_DECODE:
	case S_SORT:
		decode(b, &w, id == S_SORT);
		t = now_s();
		window_release(&w);
		return t - t0;
	default:
		f = fopen("/dev/null", "w");
		if (!f)
			die("/dev/null", errno);
		print_to(&b->sorted, id, f);
		fclose(f);
		break;
	}
	return now_s() - t0;
}

/* ---- the outputs' bytes, hashed, to compare one build with another ---- */

struct hash {
	uint64_t fnv;
	size_t bytes;
};

static ssize_t hash_write(void *cookie, const char *buf, size_t len)
{
	struct hash *h = cookie;
	size_t i;

	for (i = 0; i < len; i++)
		h->fnv = (h->fnv ^ (uint8_t)buf[i]) * 0x100000001b3ULL;
	h->bytes += len;
	return len;
}

static struct hash output_hash(const struct window *w, enum stage_id id)
{
	cookie_io_functions_t io = { .write = hash_write };
	struct hash h = { .fnv = 0xcbf29ce484222325ULL };
	FILE *f = fopencookie(&h, "w", io);

	if (!f)
		die("fopencookie", errno);
	print_to(w, id, f);
	fclose(f);
	return h;
}

/* ---- the table ---- */

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Sorts @t. */
static double median(double *t, unsigned int n)
{
	qsort(t, n, sizeof(*t), cmp_double);
	return n % 2 ? t[n / 2] : (t[n / 2 - 1] + t[n / 2]) / 2;
}

/* The medians the ratios are to. */
struct base {
	double floor, reader;
};

static void print_row(const char *name, const double *times, unsigned int n,
		      const struct base *base, size_t nflows, long rss)
{
	double t[MAX_ROUNDS], med;

	memcpy(t, times, n * sizeof(*t));
	med = median(t, n);
	printf("  %-30s %8.4f  %7.4f-%-7.4f %7.1f %8.0fx %6.2fx", name, med,
	       t[0], t[n - 1], med / nflows * 1e9, med / base->floor,
	       med / base->reader);
	if (rss)
		printf(" %8.1f", rss / 1024.0);
	printf("\n");
}

static void print_total(const char *name, double *const parts[],
			unsigned int nparts, unsigned int rounds,
			const struct base *base, size_t nflows)
{
	double sum[MAX_ROUNDS] = { 0 };
	unsigned int i, r;

	for (r = 0; r < rounds; r++)
		for (i = 0; i < nparts; i++)
			sum[r] += parts[i][r];
	print_row(name, sum, rounds, base, nflows, 0);
}

static void run_bench(size_t nflows, unsigned int rounds, bool pad)
{
	struct bench b = { .nflows = nflows, .rounds = rounds };
	double t[NR_STAGES][MAX_ROUNDS];
	struct base base;
	long rss[NR_STAGES];
	struct hash h;
	unsigned int id, r;

	b.m.pad = pad;
	rng = SEED;
	b.table = calloc(nflows, sizeof(*b.table));
	b.rxbuf = malloc(MSG_MAX);
	if (!b.table || !b.rxbuf)
		die("memory", ENOMEM);
	for (r = 0; r < nflows; r++)
		make_flow(&b.table[r]);
	build_msgs(&b.m, b.table, nflows);
	decode(&b, &b.sorted, true);
	for (id = 0; id < NR_STAGES; id++) {
		for (r = 0; r < rounds; r++)
			t[id][r] = run_stage(&b, id);
		rss[id] = peak_rss_kib();
	}
	base.floor = median(memcpy((double[MAX_ROUNDS]){ 0 }, t[S_FLOOR],
				   sizeof(t[S_FLOOR])), rounds);
	base.reader = median(memcpy((double[MAX_ROUNDS]){ 0 }, t[S_READER],
				    sizeof(t[S_READER])), rounds);
	printf("%zu flows: %zu messages, %.1f MB%s; struct window %.1f MB; "
	       "%u rounds on CPU 0\n", nflows, b.m.n, b.m.len / 1e6,
	       pad ? " with pads" : "",
	       b.sorted.alloc * sizeof(struct flow) / 1e6, rounds);
	printf("  %-30s %8s  %-15s %7s %9s %7s %8s\n", "stage", "median s",
	       "min-max s", "ns/flow", "/floor", "/reader", "peak MiB");
	for (id = 0; id < NR_STAGES; id++)
		print_row(stage_name[id], t[id], rounds, &base, nflows,
			  rss[id]);
	print_total("netlogctl dump: sort + dump",
		    (double *const[]){ t[S_SORT], t[S_DUMP] }, 2, rounds,
		    &base, nflows);
	print_total("netlogctl flows --json",
		    (double *const[]){ t[S_SORT], t[S_JSON] }, 2, rounds,
		    &base, nflows);
	for (id = S_DUMP; id <= S_JSON; id++) {
		h = output_hash(&b.sorted, id);
		printf("  %s output: %zu bytes, FNV-1a %016" PRIx64 "\n",
		       id == S_DUMP ? "dump" : "json", h.bytes, h.fnv);
	}
	window_release(&b.sorted);
	free(b.table);
	free(b.rxbuf);
	free(b.m.data);
	free(b.m.off);
}

static void usage(void)
{
	fprintf(stderr, "Usage: bench-drain [-n FLOWS] [-r ROUNDS] [-p]\n");
	exit(2);
}

int main(int argc, char *argv[])
{
	unsigned long nflows = 0, rounds = 5;
	cpu_set_t cpus;
	bool pad = false;
	int opt;

	while ((opt = getopt(argc, argv, "n:r:p")) != -1) {
		switch (opt) {
		case 'n':
			nflows = strtoul(optarg, NULL, 10);
			break;
		case 'r':
			rounds = strtoul(optarg, NULL, 10);
			break;
		case 'p':
			pad = true;
			break;
		default:
			usage();
		}
	}
	if (optind != argc || !rounds || rounds > MAX_ROUNDS ||
	    nflows > NETLOG_MAX_FLOWS)
		usage();
	CPU_ZERO(&cpus);
	CPU_SET(0, &cpus);
	if (sched_setaffinity(0, sizeof(cpus), &cpus))
		die("sched_setaffinity", errno);
	if (nflows) {
		run_bench(nflows, rounds, pad);
		return 0;
	}
	run_bench(100000, rounds, pad);
	run_bench(1000000, rounds, pad);
	return 0;
}
