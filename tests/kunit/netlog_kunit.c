// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suites for netlog.ko: packet parsing, orientation and exclusion,
 * table capacity and misses, windows (drain, re-drain, ack), exact
 * conservation of counts while windows are drained under concurrent load,
 * memory taken at configuration time only, and strict parsing of the
 * configuration's lists.
 */

#include <kunit/test.h>
#include <linux/cpumask.h>
#include <linux/delay.h>
#include <linux/inet.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/kthread.h>
#include <linux/netdevice.h>
#include <linux/skbuff.h>
#include <linux/slab.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <net/ipv6.h>
#include <net/netlink.h>

#include "netlog.h"

/* ---- packets ---------------------------------------------------------- */

struct pkt_case {
	const char *name;
	bool v6;
	u8 proto;
	bool frag_later;	/* a non-first fragment */
	bool truncated;		/* transport header cut off */
	unsigned int payload;
	unsigned int gso_segs;	/* 0: not GSO */
	unsigned int gso_size;
	/* expected */
	u8 want_proto;
	u16 want_sport;
	u16 want_dport;
	u32 want_pkts;
	u64 want_bytes;
	u64 want_udp_bytes;
};

static struct sk_buff *build_pkt(const struct pkt_case *c)
{
	struct sk_buff *skb = alloc_skb(4096, GFP_KERNEL);
	unsigned int l4len = 0, nh;
	u8 l4[sizeof(struct tcphdr) + 12] = {};

	if (!skb)
		return NULL;
	skb_reset_network_header(skb);
	if (c->proto == IPPROTO_TCP) {
		struct tcphdr *th = (struct tcphdr *)l4;

		th->source = htons(51514);
		th->dest = htons(22);
		th->doff = 8;	/* 20 bytes + 12 of options */
		l4len = 32;
	} else if (c->proto == IPPROTO_UDP) {
		struct udphdr *uh = (struct udphdr *)l4;

		uh->source = htons(51820);
		uh->dest = htons(41641);
		uh->len = htons(sizeof(*uh) + c->payload);
		l4len = 8;
	} else {
		l4[0] = 8;	/* ICMP echo request */
		l4len = 8;
	}
	if (c->frag_later || c->truncated)
		l4len = c->truncated ? 3 : 0;
	if (!c->v6) {
		struct iphdr *iph = skb_put_zero(skb, sizeof(*iph));

		iph->version = 4;
		iph->ihl = 5;
		iph->ttl = 64;
		iph->protocol = c->proto;
		iph->saddr = in_aton("100.64.0.1");
		iph->daddr = in_aton("100.64.0.2");
		if (c->frag_later)
			iph->frag_off = htons(185);
		nh = sizeof(*iph);
	} else {
		struct ipv6hdr *ip6h = skb_put_zero(skb, sizeof(*ip6h));

		ip6h->version = 6;
		ip6h->hop_limit = 64;
		ip6h->nexthdr = c->proto;
		in6_pton("fd7a:115c:a1e0::1", -1, ip6h->saddr.s6_addr, -1, NULL);
		in6_pton("fd7a:115c:a1e0::2", -1, ip6h->daddr.s6_addr, -1, NULL);
		nh = sizeof(*ip6h);
		if (c->frag_later) {
			struct frag_hdr *fh = skb_put_zero(skb, sizeof(*fh));

			ip6h->nexthdr = NEXTHDR_FRAGMENT;
			fh->nexthdr = c->proto;
			fh->frag_off = htons(1480);
			nh += sizeof(*fh);
		}
	}
	skb_put_data(skb, l4, l4len);
	skb_put_zero(skb, c->payload);
	if (c->gso_segs) {
		skb_shinfo(skb)->gso_size = c->gso_size;
		skb_shinfo(skb)->gso_segs = c->gso_segs;
		skb_shinfo(skb)->gso_type = c->v6 ? SKB_GSO_TCPV6 :
						    SKB_GSO_TCPV4;
	}
	return skb;
}

static int skb_res_init(struct kunit_resource *res, void *context)
{
	res->data = context;
	return 0;
}

static void skb_res_free(struct kunit_resource *res)
{
	kfree_skb(res->data);
}

/* A packet freed with the test. */
static struct sk_buff *test_pkt(struct kunit *test, const struct pkt_case *c)
{
	struct sk_buff *skb = build_pkt(c);

	KUNIT_ASSERT_NOT_NULL(test, skb);
	KUNIT_ASSERT_NOT_NULL(test, kunit_alloc_resource(test, skb_res_init,
							 skb_res_free,
							 GFP_KERNEL, skb));
	return skb;
}

static const struct pkt_case pkt_cases[] = {
	{ "ipv4 tcp", false, IPPROTO_TCP, false, false, 100, 0, 0,
	  IPPROTO_TCP, 51514, 22, 1, 152, 0 },
	{ "ipv4 udp", false, IPPROTO_UDP, false, false, 100, 0, 0,
	  IPPROTO_UDP, 51820, 41641, 1, 128, 100 },
	{ "ipv4 icmp has port 0", false, IPPROTO_ICMP, false, false, 56, 0, 0,
	  IPPROTO_ICMP, 0, 0, 1, 84, 0 },
	{ "ipv4 later fragment is proto 255", false, IPPROTO_UDP, true, false,
	  200, 0, 0, 255, 0, 0, 1, 220, 0 },
	{ "ipv4 truncated tcp is proto 0", false, IPPROTO_TCP, false, true, 0,
	  0, 0, 0, 0, 0, 1, 23, 0 },
	{ "ipv6 tcp", true, IPPROTO_TCP, false, false, 100, 0, 0,
	  IPPROTO_TCP, 51514, 22, 1, 172, 0 },
	{ "ipv6 udp", true, IPPROTO_UDP, false, false, 1000, 0, 0,
	  IPPROTO_UDP, 51820, 41641, 1, 1048, 1000 },
	{ "ipv6 icmpv6 has port 0", true, IPPROTO_ICMPV6, false, false, 56, 0,
	  0, IPPROTO_ICMPV6, 0, 0, 1, 104, 0 },
	{ "ipv6 later fragment is proto 255", true, IPPROTO_TCP, true, false,
	  300, 0, 0, 255, 0, 0, 1, 348, 0 },
	/* 2500 bytes of payload in 1000-byte segments: 52 + 1000, 1000, 500 */
	{ "ipv4 tcp gso counts segments", false, IPPROTO_TCP, false, false,
	  2500, 3, 1000, IPPROTO_TCP, 51514, 22, 3, 2656, 0 },
	{ "ipv6 tcp large, not gso", true, IPPROTO_TCP, false, false,
	  2500, 0, 0, IPPROTO_TCP, 51514, 22, 1, 2572, 0 },
};

static void pkt_case_desc(const struct pkt_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(pkt, pkt_cases, pkt_case_desc);

static void parse_extracts_key(struct kunit *test)
{
	const struct pkt_case *c = test->param_value;
	struct sk_buff *skb = test_pkt(test, c);
	struct netlog_pkt p;

	KUNIT_ASSERT_EQ(test, netlog_parse(skb, c->v6 ? NFPROTO_IPV6 :
					   NFPROTO_IPV4, &p), 0);
	KUNIT_EXPECT_EQ(test, p.key.family, c->v6 ? AF_INET6 : AF_INET);
	KUNIT_EXPECT_EQ(test, p.key.proto, c->want_proto);
	KUNIT_EXPECT_EQ(test, ntohs(p.key.lport), c->want_sport);
	KUNIT_EXPECT_EQ(test, ntohs(p.key.rport), c->want_dport);
	KUNIT_EXPECT_EQ(test, p.pkts, c->want_pkts);
	KUNIT_EXPECT_EQ(test, p.bytes, c->want_bytes);
	KUNIT_EXPECT_EQ(test, p.udp_bytes, c->want_udp_bytes);
	if (!c->v6) {
		KUNIT_EXPECT_EQ(test, p.key.laddr.s6_addr32[0],
				in_aton("100.64.0.1"));
		KUNIT_EXPECT_EQ(test, p.key.laddr.s6_addr32[1], 0);
		KUNIT_EXPECT_EQ(test, p.key.raddr.s6_addr32[0],
				in_aton("100.64.0.2"));
	} else {
		KUNIT_EXPECT_EQ(test, p.key.raddr.s6_addr[15], 2);
	}
}

static void parse_gso_with_segs_zero_computes_them(struct kunit *test)
{
	struct pkt_case c = pkt_cases[0];
	struct sk_buff *skb;
	struct netlog_pkt p;

	c.payload = 2500;
	skb = test_pkt(test, &c);
	skb_shinfo(skb)->gso_size = 1000;
	skb_shinfo(skb)->gso_type = SKB_GSO_TCPV4;
	KUNIT_ASSERT_EQ(test, netlog_parse(skb, NFPROTO_IPV4, &p), 0);
	KUNIT_EXPECT_EQ(test, p.pkts, 3);
	KUNIT_EXPECT_EQ(test, p.bytes, 2552 + 2 * 52);
}

/* ---- state helpers ------------------------------------------------------ */

static int state_res_init(struct kunit_resource *res, void *context)
{
	res->data = context;
	return 0;
}

static void state_res_free(struct kunit_resource *res)
{
	netlog_state_free(res->data);
}

/* A state freed when the test ends, whether it passed or not. */
static struct netlog_state *new_state(struct kunit *test, u32 max_flows)
{
	struct netlog_state *st = kunit_kzalloc(test, sizeof(*st), GFP_KERNEL);
	struct netlog_config *cfg;
	int ret;

	KUNIT_ASSERT_NOT_NULL(test, st);
	KUNIT_ASSERT_EQ(test, netlog_state_init(st, NULL), 0);
	KUNIT_ASSERT_NOT_NULL(test, kunit_alloc_resource(test, state_res_init,
							 state_res_free,
							 GFP_KERNEL, st));
	mutex_lock(&st->lock);
	cfg = netlog_config_dup(rcu_dereference_protected(st->cfg, true));
	ret = -ENOMEM;
	if (cfg) {
		cfg->max_flows = max_flows;
		ret = netlog_config_apply(st, cfg, NULL);
	}
	mutex_unlock(&st->lock);
	KUNIT_ASSERT_EQ(test, ret, 0);
	return st;
}

/* A default configuration freed with the test. */
static struct netlog_config *test_config(struct kunit *test)
{
	struct netlog_config *def = netlog_config_default(NULL), *cfg;

	KUNIT_ASSERT_NOT_NULL(test, def);
	cfg = kunit_kmalloc(test, sizeof(*cfg), GFP_KERNEL);
	if (cfg)
		memcpy(cfg, def, sizeof(*cfg));
	kfree(def);
	KUNIT_ASSERT_NOT_NULL(test, cfg);
	return cfg;
}

static void make_key(struct netlog_key *k, u32 n)
{
	memset(k, 0, sizeof(*k));
	k->family = AF_INET;
	k->proto = IPPROTO_UDP;
	k->kind = NETLOG_KIND_VIRTUAL;
	k->laddr.s6_addr32[0] = htonl(0x64400001);
	k->raddr.s6_addr32[0] = htonl(0x64400000 + (n >> 16));
	k->lport = htons(1000 + (n & 0xffff));
	k->rport = htons(53);
}

static void count(struct netlog_state *st, const struct netlog_key *k,
		  enum netlog_dir dir, u32 pkts, u64 bytes)
{
	rcu_read_lock();
	netlog_count(st, k, dir, pkts, bytes, false);
	rcu_read_unlock();
}

struct totals {
	u32 flows;
	u64 pkts;
	u64 bytes;
	u64 miss_pkts;
	u64 miss_bytes;
};

/* Close (or re-read) a window and sum it; each key must appear once. */
static u64 drain(struct kunit *test, struct netlog_state *st,
		 struct totals *t)
{
	struct netlog_window *w;
	struct netlog_summary sum;
	struct netlog_counts c;
	struct netlog_key k;
	unsigned int cpu = 0;
	u32 idx = 0;
	u64 seq;

	memset(t, 0, sizeof(*t));
	mutex_lock(&st->lock);
	w = netlog_window_close(st, NULL);
	if (IS_ERR(w)) {
		mutex_unlock(&st->lock);
		KUNIT_FAIL(test, "closing a window failed: %ld", PTR_ERR(w));
		return 0;
	}
	seq = w->seq;
	netlog_window_summarize(w, &sum);
	while (netlog_window_next(w, &cpu, &idx, &k, &c)) {
		t->flows++;
		t->pkts += c.tx_pkts + c.rx_pkts;
		t->bytes += c.tx_bytes + c.rx_bytes;
	}
	mutex_unlock(&st->lock);
	KUNIT_EXPECT_EQ(test, t->flows, sum.nflows);
	t->miss_pkts = sum.miss_pkts;
	t->miss_bytes = sum.miss_bytes;
	return seq;
}

static int ack(struct netlog_state *st, u64 seq)
{
	int ret;

	mutex_lock(&st->lock);
	ret = netlog_window_ack(st, seq);
	mutex_unlock(&st->lock);
	return ret;
}

/* ---- orientation and exclusion ------------------------------------------ */

static void account_orients_both_directions_into_one_entry(struct kunit *test)
{
	struct netlog_state *st = new_state(test, 64);
	struct net_device *tun = kunit_kzalloc(test, sizeof(*tun), GFP_KERNEL);
	struct netlog_config *cfg = test_config(test);
	struct pkt_case c = pkt_cases[0];
	struct sk_buff *out, *in;
	struct netlog_counts cnt;
	struct netlog_key k;
	unsigned int cpu = 0;
	u32 idx = 0;
	struct netlog_window *w;

	KUNIT_ASSERT_NOT_NULL(test, tun);
	tun->ifindex = 7;
	cfg->ndevs = 1;
	cfg->ifindex[0] = 7;
	out = test_pkt(test, &c);
	/* The reply: swap addresses and ports. */
	in = test_pkt(test, &c);
	swap(ip_hdr(in)->saddr, ip_hdr(in)->daddr);
	swap(((struct tcphdr *)(in->data + 20))->source,
	     ((struct tcphdr *)(in->data + 20))->dest);
	rcu_read_lock();
	netlog_account(st, cfg, out, NFPROTO_IPV4, NF_INET_POST_ROUTING, NULL,
		       tun);
	netlog_account(st, cfg, in, NFPROTO_IPV4, NF_INET_LOCAL_IN, tun, NULL);
	netlog_account(st, cfg, in, NFPROTO_IPV4, NF_INET_FORWARD, tun, NULL);
	/* Not the tunnel: not counted. */
	netlog_account(st, cfg, out, NFPROTO_IPV4, NF_INET_POST_ROUTING, NULL,
		       NULL);
	rcu_read_unlock();

	mutex_lock(&st->lock);
	w = netlog_window_close(st, NULL);
	KUNIT_ASSERT_FALSE(test, IS_ERR(w));
	KUNIT_ASSERT_TRUE(test, netlog_window_next(w, &cpu, &idx, &k, &cnt));
	KUNIT_EXPECT_EQ(test, k.kind, NETLOG_KIND_VIRTUAL);
	KUNIT_EXPECT_EQ(test, k.laddr.s6_addr32[0], in_aton("100.64.0.1"));
	KUNIT_EXPECT_EQ(test, ntohs(k.lport), 51514);
	KUNIT_EXPECT_EQ(test, k.raddr.s6_addr32[0], in_aton("100.64.0.2"));
	KUNIT_EXPECT_EQ(test, ntohs(k.rport), 22);
	KUNIT_EXPECT_EQ(test, cnt.tx_pkts, 1);
	KUNIT_EXPECT_EQ(test, cnt.tx_bytes, 152);
	KUNIT_EXPECT_EQ(test, cnt.rx_pkts, 2);
	KUNIT_EXPECT_EQ(test, cnt.rx_bytes, 304);
	KUNIT_EXPECT_FALSE(test, netlog_window_next(w, &cpu, &idx, &k, &cnt));
	mutex_unlock(&st->lock);
}

static void account_excludes_service_addresses(struct kunit *test)
{
	struct netlog_state *st = new_state(test, 64);
	struct net_device *tun = kunit_kzalloc(test, sizeof(*tun), GFP_KERNEL);
	struct netlog_config *cfg = test_config(test);
	struct pkt_case c = pkt_cases[1];
	struct netlog_summary sum;
	struct netlog_window *w;
	struct sk_buff *skb;

	KUNIT_ASSERT_NOT_NULL(test, tun);
	tun->ifindex = 3;
	cfg->ndevs = 1;
	cfg->ifindex[0] = 3;
	skb = test_pkt(test, &c);
	ip_hdr(skb)->daddr = in_aton("100.100.100.100");
	rcu_read_lock();
	netlog_account(st, cfg, skb, NFPROTO_IPV4, NF_INET_POST_ROUTING, NULL,
		       tun);
	rcu_read_unlock();
	mutex_lock(&st->lock);
	w = netlog_window_close(st, NULL);
	KUNIT_ASSERT_FALSE(test, IS_ERR(w));
	netlog_window_summarize(w, &sum);
	mutex_unlock(&st->lock);
	KUNIT_EXPECT_EQ(test, sum.nflows, 0);
	KUNIT_EXPECT_EQ(test, sum.excl_pkts, 1);
	KUNIT_EXPECT_EQ(test, sum.excl_bytes, 128);
}

static void account_physical_counts_udp_payload(struct kunit *test)
{
	struct netlog_state *st = new_state(test, 64);
	struct netlog_config *cfg = test_config(test);
	struct pkt_case c = pkt_cases[1];	/* from port 51820 */
	struct netlog_counts cnt;
	struct netlog_window *w;
	struct sk_buff *skb;
	struct netlog_key k;
	unsigned int cpu = 0;
	u32 idx = 0;

	cfg->nports = 1;
	cfg->ports[0] = 51820;
	skb = test_pkt(test, &c);
	rcu_read_lock();
	netlog_account(st, cfg, skb, NFPROTO_IPV4, NF_INET_LOCAL_OUT, NULL,
		       NULL);
	/* Forwarded traffic is not ours; a non-matching port neither. */
	netlog_account(st, cfg, skb, NFPROTO_IPV4, NF_INET_LOCAL_IN, NULL,
		       NULL);
	rcu_read_unlock();
	mutex_lock(&st->lock);
	w = netlog_window_close(st, NULL);
	KUNIT_ASSERT_FALSE(test, IS_ERR(w));
	KUNIT_ASSERT_TRUE(test, netlog_window_next(w, &cpu, &idx, &k, &cnt));
	KUNIT_EXPECT_EQ(test, k.kind, NETLOG_KIND_PHYSICAL);
	KUNIT_EXPECT_EQ(test, ntohs(k.lport), 51820);
	KUNIT_EXPECT_EQ(test, ntohs(k.rport), 41641);
	KUNIT_EXPECT_EQ(test, cnt.tx_pkts, 1);
	KUNIT_EXPECT_EQ(test, cnt.tx_bytes, 100);
	KUNIT_EXPECT_EQ(test, cnt.rx_pkts, 0);
	KUNIT_EXPECT_FALSE(test, netlog_window_next(w, &cpu, &idx, &k, &cnt));
	mutex_unlock(&st->lock);
}

/* ---- tables and windows ------------------------------------------------- */

static void table_full_counts_misses_exactly(struct kunit *test)
{
	struct netlog_state *st = new_state(test, 16);
	struct netlog_key k;
	struct totals t;
	u32 i;

	/* All on this CPU: preemption off keeps one table. */
	preempt_disable();
	for (i = 0; i < 20; i++) {
		make_key(&k, i);
		count(st, &k, NETLOG_TX, 2, 100 + i);
	}
	preempt_enable();
	drain(test, st, &t);
	KUNIT_EXPECT_EQ(test, t.flows, 16);
	KUNIT_EXPECT_EQ(test, t.pkts, 32);
	KUNIT_EXPECT_EQ(test, t.bytes, 16 * 100 + 120);	/* 0..15 */
	KUNIT_EXPECT_EQ(test, t.miss_pkts, 8);
	KUNIT_EXPECT_EQ(test, t.miss_bytes, 116 + 117 + 118 + 119);
}

static void window_redrain_returns_same_until_ack(struct kunit *test)
{
	struct netlog_state *st = new_state(test, 64);
	struct netlog_key k;
	struct totals t;
	u64 seq;

	make_key(&k, 1);
	count(st, &k, NETLOG_TX, 1, 60);
	count(st, &k, NETLOG_RX, 1, 40);
	seq = drain(test, st, &t);
	KUNIT_EXPECT_EQ(test, seq, 1);
	KUNIT_EXPECT_EQ(test, t.flows, 1);
	KUNIT_EXPECT_EQ(test, t.bytes, 100);

	/* New packets go to the live window; the drained one is unchanged. */
	count(st, &k, NETLOG_TX, 1, 1000);
	KUNIT_EXPECT_EQ(test, drain(test, st, &t), 1);
	KUNIT_EXPECT_EQ(test, t.bytes, 100);

	KUNIT_EXPECT_EQ(test, ack(st, 2), -ESTALE);
	KUNIT_EXPECT_EQ(test, ack(st, 1), 0);
	KUNIT_EXPECT_EQ(test, ack(st, 1), -ESRCH);
	KUNIT_EXPECT_EQ(test, drain(test, st, &t), 2);
	KUNIT_EXPECT_EQ(test, t.flows, 1);
	KUNIT_EXPECT_EQ(test, t.pkts, 1);
	KUNIT_EXPECT_EQ(test, t.bytes, 1000);
	KUNIT_EXPECT_EQ(test, ack(st, 2), 0);
	KUNIT_EXPECT_EQ(test, st->drained, 2);
	KUNIT_EXPECT_EQ(test, st->acked, 2);

	/* An empty window still closes, with start == end. */
	KUNIT_EXPECT_EQ(test, drain(test, st, &t), 3);
	KUNIT_EXPECT_EQ(test, t.flows, 0);
	KUNIT_EXPECT_EQ(test, st->pending->start_ns, st->pending->end_ns);
	KUNIT_EXPECT_EQ(test, ack(st, 3), 0);
}

static void window_times_bracket_packets(struct kunit *test)
{
	struct netlog_state *st = new_state(test, 64);
	struct netlog_key k;
	struct totals t;
	u64 before, after;

	make_key(&k, 1);
	before = ktime_get_real_ns();
	count(st, &k, NETLOG_TX, 1, 60);
	after = ktime_get_real_ns();
	drain(test, st, &t);
	KUNIT_EXPECT_GE(test, st->pending->start_ns, before);
	KUNIT_EXPECT_LE(test, st->pending->start_ns, after);
	KUNIT_EXPECT_GE(test, st->pending->end_ns, after);
}

/* ---- conservation under concurrency ------------------------------------- */

#define CONS_KEYS 40		/* more than capacity: forces misses */
#define CONS_CAPACITY 32
#define CONS_PKTS 20000

struct cons_worker {
	struct netlog_state *st;
	struct completion done;
	struct completion *halfway;	/* if set, wait for it at half */
	u64 sent_pkts;
	u64 sent_bytes;
	unsigned int seed;
};

static int cons_thread(void *arg)
{
	struct cons_worker *cw = arg;
	struct netlog_key k;
	u32 i;

	for (i = 0; i < CONS_PKTS; i++) {
		u32 n = (i * 7 + cw->seed) % CONS_KEYS;

		if (i == CONS_PKTS / 2 && cw->halfway)
			wait_for_completion(cw->halfway);
		u64 bytes = 40 + (i % 1400);

		make_key(&k, n);
		count(cw->st, &k, i & 1 ? NETLOG_RX : NETLOG_TX, 1, bytes);
		cw->sent_pkts++;
		cw->sent_bytes += bytes;
		if (!(i % 256))
			cond_resched();
	}
	complete(&cw->done);
	return 0;
}

/*
 * One counting kthread per online CPU, each with @seed_step * its index as
 * seed, halting at half its packets until @halfway (if any) completes; a
 * worker that cannot start is failed and marked done.
 */
static struct cons_worker *start_workers(struct kunit *test,
					 struct netlog_state *st,
					 unsigned int seed_step,
					 struct completion *halfway)
{
	unsigned int ncpu = num_online_cpus(), i = 0, cpu;
	struct cons_worker *cw;

	KUNIT_ASSERT_GE_MSG(test, ncpu, 2, "needs 2 or more CPUs");
	cw = kunit_kcalloc(test, ncpu, sizeof(*cw), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, cw);
	for_each_online_cpu(cpu) {
		struct task_struct *task;

		cw[i].st = st;
		cw[i].seed = i * seed_step;
		cw[i].halfway = halfway;
		init_completion(&cw[i].done);
		task = kthread_create_on_cpu(cons_thread, &cw[i], cpu,
					     "netlog_kunit/%u");
		if (IS_ERR(task)) {
			KUNIT_FAIL(test, "no kthread on CPU %u", cpu);
			complete(&cw[i].done);
		} else {
			wake_up_process(task);
		}
		i++;
	}
	return cw;
}

static void conservation_under_concurrent_drains(struct kunit *test)
{
	struct netlog_state *st = new_state(test, CONS_CAPACITY);
	unsigned int ncpu = num_online_cpus(), i, windows = 0;
	struct completion halfway;
	struct cons_worker *cw;
	u64 got_pkts = 0, got_bytes = 0, want_pkts = 0, want_bytes = 0;
	struct totals t;
	bool running = true;

	/* Half the packets wait for the first drain: two windows at least. */
	init_completion(&halfway);
	cw = start_workers(test, st, 13, &halfway);
	while (running) {
		u64 seq = drain(test, st, &t);

		got_pkts += t.pkts + t.miss_pkts;
		got_bytes += t.bytes + t.miss_bytes;
		KUNIT_EXPECT_EQ(test, ack(st, seq), 0);
		complete_all(&halfway);
		windows++;
		running = false;
		for (i = 0; i < ncpu; i++)
			if (!completion_done(&cw[i].done))
				running = true;
		usleep_range(200, 400);
	}
	/* The last packets are in the live window. */
	drain(test, st, &t);
	got_pkts += t.pkts + t.miss_pkts;
	got_bytes += t.bytes + t.miss_bytes;
	for (i = 0; i < ncpu; i++) {
		want_pkts += cw[i].sent_pkts;
		want_bytes += cw[i].sent_bytes;
	}
	kunit_info(test, "%u windows, %llu packets", windows + 1, got_pkts);
	KUNIT_EXPECT_EQ(test, want_pkts, (u64)ncpu * CONS_PKTS);
	KUNIT_EXPECT_EQ(test, got_pkts, want_pkts);
	KUNIT_EXPECT_EQ(test, got_bytes, want_bytes);
	KUNIT_EXPECT_GE(test, windows, 2);
}

static void keys_on_several_cpus_merge_into_one(struct kunit *test)
{
	struct netlog_state *st = new_state(test, 64);
	unsigned int ncpu = num_online_cpus(), i;
	/* Seed 0 everywhere: the same keys on every CPU. */
	struct cons_worker *cw = start_workers(test, st, 0, NULL);
	struct totals t;

	for (i = 0; i < ncpu; i++)
		wait_for_completion(&cw[i].done);
	drain(test, st, &t);
	/* The same CONS_KEYS keys on every CPU: each reported once. */
	KUNIT_EXPECT_EQ(test, t.flows, CONS_KEYS);
	KUNIT_EXPECT_EQ(test, t.pkts, (u64)ncpu * CONS_PKTS);
	KUNIT_EXPECT_EQ(test, t.miss_pkts, 0);
}

/* ---- memory is taken when configured, never at a close ----------------- */

static int set_max_flows(struct netlog_state *st, u32 max_flows,
			 struct netlink_ext_ack *extack)
{
	struct netlog_config *cfg;
	int ret = -ENOMEM;

	mutex_lock(&st->lock);
	cfg = netlog_config_dup(netlog_config_locked(st));
	if (cfg) {
		cfg->max_flows = max_flows;
		ret = netlog_config_apply(st, cfg, extack);
	}
	mutex_unlock(&st->lock);
	return ret;
}

static unsigned int spares_of(const struct netlog_state *st, u32 capacity)
{
	unsigned int i, n = 0;

	for (i = 0; i < NETLOG_SPARES; i++)
		n += st->spare[i] && st->spare[i]->capacity == capacity;
	return n;
}

static bool window_in(const struct netlog_window *w,
		      struct netlog_window *const *set, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (w == set[i])
			return true;
	return false;
}

static void max_flows_change_allocates_at_set_time(struct kunit *test)
{
	struct netlog_state *st = new_state(test, 64);
	struct netlog_window *reserved[NETLOG_SPARES], *live;
	struct netlog_key k;
	struct totals t;
	unsigned int i;
	u64 seq;

	make_key(&k, 1);
	count(st, &k, NETLOG_TX, 1, 100);
	KUNIT_ASSERT_EQ(test, set_max_flows(st, 128, NULL), 0);
	/* Both windows of the new capacity exist before any close. */
	for (i = 0; i < NETLOG_SPARES; i++) {
		reserved[i] = st->spare[i];
		KUNIT_ASSERT_NOT_NULL(test, reserved[i]);
		KUNIT_EXPECT_EQ(test, reserved[i]->capacity, 128);
	}
	live = rcu_dereference_protected(st->live, true);
	KUNIT_EXPECT_EQ(test, live->capacity, 64);

	/* The window open at the change keeps its capacity and its count. */
	seq = drain(test, st, &t);
	KUNIT_EXPECT_EQ(test, t.pkts, 1);
	KUNIT_EXPECT_EQ(test, st->pending->capacity, 64);
	KUNIT_EXPECT_EQ(test, ack(st, seq), 0);
	/* Every later window is one of the two: a close never allocates. */
	for (i = 0; i < 6; i++) {
		count(st, &k, NETLOG_RX, 1, 10 + i);
		seq = drain(test, st, &t);
		KUNIT_EXPECT_EQ(test, t.bytes, 10 + i);
		live = rcu_dereference_protected(st->live, true);
		KUNIT_EXPECT_TRUE(test, window_in(live, reserved,
						  NETLOG_SPARES));
		KUNIT_EXPECT_TRUE(test, window_in(st->pending, reserved,
						  NETLOG_SPARES));
		KUNIT_EXPECT_EQ(test, ack(st, seq), 0);
	}
}

static void unaffordable_max_flows_is_refused_and_old_config_counts(struct kunit *test)
{
	struct netlog_state *st = new_state(test, 64);
	struct netlink_ext_ack extack = {};
	struct netlog_window *live;
	struct netlog_key k;
	struct totals t;

	/* Two windows of 4M flows on every CPU: far more than RAM. */
	KUNIT_EXPECT_EQ(test, set_max_flows(st, NETLOG_MAX_FLOWS, &extack),
			-ENOMEM);
	KUNIT_EXPECT_NOT_NULL(test, extack._msg);
	KUNIT_EXPECT_EQ(test, rcu_dereference_protected(st->cfg, true)->max_flows,
			64);
	live = rcu_dereference_protected(st->live, true);
	KUNIT_EXPECT_EQ(test, live->capacity, 64);
	KUNIT_EXPECT_EQ(test, spares_of(st, 64), 1);

	make_key(&k, 7);
	count(st, &k, NETLOG_TX, 3, 300);
	drain(test, st, &t);
	KUNIT_EXPECT_EQ(test, t.flows, 1);
	KUNIT_EXPECT_EQ(test, t.pkts, 3);
	KUNIT_EXPECT_EQ(test, t.bytes, 300);
}

static void first_drain_of_unconfigured_state_makes_its_windows(struct kunit *test)
{
	struct netlog_state *st = kunit_kzalloc(test, sizeof(*st), GFP_KERNEL);
	struct netlog_window *w;

	KUNIT_ASSERT_NOT_NULL(test, st);
	KUNIT_ASSERT_EQ(test, netlog_state_init(st, NULL), 0);
	KUNIT_ASSERT_NOT_NULL(test, kunit_alloc_resource(test, state_res_init,
							 state_res_free,
							 GFP_KERNEL, st));
	KUNIT_EXPECT_NULL(test, rcu_access_pointer(st->live));
	mutex_lock(&st->lock);
	w = netlog_window_close(st, NULL);
	mutex_unlock(&st->lock);
	KUNIT_ASSERT_FALSE(test, IS_ERR(w));
	KUNIT_EXPECT_EQ(test, w->seq, 1);
	KUNIT_EXPECT_NOT_NULL(test, rcu_access_pointer(st->live));
	KUNIT_EXPECT_EQ(test, ack(st, 1), 0);
	/* Two windows made: the live one and, acknowledged, the spare. */
	KUNIT_EXPECT_EQ(test, spares_of(st, NETLOG_DEFAULT_FLOWS), 1);
}

/* ---- configuration lists ------------------------------------------------ */

struct list_case {
	const char *name;
	int attr;
	const char *items[NETLOG_MAX_EXCLUDE + 1];
	u8 lens[NETLOG_MAX_EXCLUDE + 1];	/* 0: strlen + 1 */
	u8 junk[4];				/* raw bytes after the items */
	u8 junk_len;
	int want;
	unsigned int want_n;
};

static const struct list_case list_cases[] = {
	{ "devices", NETLOG_A_DEVICES, { "wg0", "tailscale0" }, {}, {}, 0,
	  0, 2 },
	{ "devices then 2 junk bytes", NETLOG_A_DEVICES, { "wg0" }, {},
	  { 1, 2 }, 2, -EINVAL },
	{ "devices then a zero-length header", NETLOG_A_DEVICES, { "wg0" },
	  {}, { 0, 0, 0, 0 }, 4, -EINVAL },
	{ "devices then an item past the nest", NETLOG_A_DEVICES, { "wg0" },
	  {}, { 0xff, 0, 0, 0 }, 4, -EINVAL },
	{ "device without its NUL", NETLOG_A_DEVICES, { "wg0" }, { 3 }, {},
	  0, -EINVAL },
	{ "device '..'", NETLOG_A_DEVICES, { ".." }, {}, {}, 0, -EINVAL },
	{ "empty device list", NETLOG_A_DEVICES, {}, {}, {}, 0, 0, 0 },
	{ "9 devices", NETLOG_A_DEVICES,
	  { "a", "b", "c", "d", "e", "f", "g", "h", "i" }, {}, {}, 0, -E2BIG },
	{ "ports", NETLOG_A_PORTS, { "\x51\xca", "\xa9\xa2" }, { 2, 2 }, {},
	  0, 0, 2 },
	{ "ports then 3 junk bytes", NETLOG_A_PORTS, { "\x51\xca" }, { 2 },
	  { 9, 9, 9 }, 3, -EINVAL },
	{ "ports then a zero-length header", NETLOG_A_PORTS, { "\x51\xca" },
	  { 2 }, { 0, 0, 0, 0 }, 4, -EINVAL },
	{ "port of 3 bytes", NETLOG_A_PORTS, { "\x51\xca\x00" }, { 3 }, {}, 0,
	  -EINVAL },
	{ "port 0", NETLOG_A_PORTS, { "\x00\x00" }, { 2 }, {}, 0, -EINVAL },
	{ "excluded v4 and v6", NETLOG_A_EXCLUDE,
	  { "\x64\x64\x64\x64", "\xfd\x7a\x11\x5c\xa1\xe0\0\0\0\0\0\0\0\0\0\x53" },
	  { 4, 16 }, {}, 0, 0, 2 },
	{ "excluded then 1 junk byte", NETLOG_A_EXCLUDE, { "\x64\x64\x64\x64" },
	  { 4 }, { 7 }, 1, -EINVAL },
	{ "excluded then a zero-length header", NETLOG_A_EXCLUDE,
	  { "\x64\x64\x64\x64" }, { 4 }, { 0, 0, 0, 0 }, 4, -EINVAL },
	{ "excluded of 5 bytes", NETLOG_A_EXCLUDE, { "\x64\x64\x64\x64\x01" },
	  { 5 }, {}, 0, -EINVAL },
};

static void list_case_desc(const struct list_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(list, list_cases, list_case_desc);

static unsigned int list_count(const struct netlog_config *cfg, int attr)
{
	if (attr == NETLOG_A_DEVICES)
		return cfg->ndevs;
	if (attr == NETLOG_A_PORTS)
		return cfg->nports;
	return cfg->nexcl;
}

static void config_list_is_parsed_strictly(struct kunit *test)
{
	const struct list_case *c = test->param_value;
	struct nlattr *attrs[NETLOG_A_MAX + 1] = {};
	struct netlink_ext_ack extack = {};
	struct netlog_config *cfg = test_config(test);
	struct sk_buff *skb = alloc_skb(1024, GFP_KERNEL);
	struct nlattr *nest;
	unsigned int i;
	int ret;

	KUNIT_ASSERT_NOT_NULL(test, skb);
	KUNIT_ASSERT_NOT_NULL(test, kunit_alloc_resource(test, skb_res_init,
							 skb_res_free,
							 GFP_KERNEL, skb));
	nest = nla_nest_start_noflag(skb, c->attr);
	for (i = 0; c->items[i]; i++) {
		u8 len = c->lens[i] ? c->lens[i] : strlen(c->items[i]) + 1;

		KUNIT_ASSERT_EQ(test, nla_put(skb, i, len, c->items[i]), 0);
	}
	skb_put_data(skb, c->junk, c->junk_len);
	nla_nest_end(skb, nest);
	attrs[c->attr] = nest;

	ret = netlog_config_parse(cfg, attrs, &extack);
	KUNIT_EXPECT_EQ(test, ret, c->want);
	if (c->want) {
		KUNIT_EXPECT_NOT_NULL(test, extack._msg);
		KUNIT_EXPECT_NOT_NULL(test, extack.bad_attr);
	} else {
		KUNIT_EXPECT_EQ(test, list_count(cfg, c->attr), c->want_n);
	}
}

static struct kunit_case netlog_parse_cases[] = {
	KUNIT_CASE_PARAM(parse_extracts_key, pkt_gen_params),
	KUNIT_CASE(parse_gso_with_segs_zero_computes_them),
	{}
};

static struct kunit_suite netlog_parse_suite = {
	.name = "netlog_parse",
	.test_cases = netlog_parse_cases,
};

static struct kunit_case netlog_account_cases[] = {
	KUNIT_CASE(account_orients_both_directions_into_one_entry),
	KUNIT_CASE(account_excludes_service_addresses),
	KUNIT_CASE(account_physical_counts_udp_payload),
	{}
};

static struct kunit_suite netlog_account_suite = {
	.name = "netlog_account",
	.test_cases = netlog_account_cases,
};

static struct kunit_case netlog_table_cases[] = {
	KUNIT_CASE(table_full_counts_misses_exactly),
	KUNIT_CASE(window_redrain_returns_same_until_ack),
	KUNIT_CASE(window_times_bracket_packets),
	KUNIT_CASE(conservation_under_concurrent_drains),
	KUNIT_CASE(keys_on_several_cpus_merge_into_one),
	KUNIT_CASE(max_flows_change_allocates_at_set_time),
	KUNIT_CASE(unaffordable_max_flows_is_refused_and_old_config_counts),
	KUNIT_CASE(first_drain_of_unconfigured_state_makes_its_windows),
	{}
};

static struct kunit_suite netlog_table_suite = {
	.name = "netlog_table",
	.test_cases = netlog_table_cases,
};

static struct kunit_case netlog_config_cases[] = {
	KUNIT_CASE_PARAM(config_list_is_parsed_strictly, list_gen_params),
	{}
};

static struct kunit_suite netlog_config_suite = {
	.name = "netlog_config",
	.test_cases = netlog_config_cases,
};

kunit_test_suites(&netlog_parse_suite, &netlog_account_suite,
		  &netlog_table_suite, &netlog_config_suite);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("KUnit tests for netlog");
