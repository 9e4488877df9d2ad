// SPDX-License-Identifier: GPL-2.0
/*
 * Helpers of netlog's KUnit suites: test packets built as the hooks see
 * them, and flow states freed with the test that made them.
 */

#include <linux/inet.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <net/ipv6.h>

#include "kunit.h"

static struct sk_buff *build_pkt(const struct netlog_test_pkt_case *c)
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

/* @skb, freed when the test ends, whether it passed or not. */
void netlog_test_own_skb(struct kunit *test, struct sk_buff *skb)
{
	KUNIT_ASSERT_NOT_NULL(test, skb);
	KUNIT_ASSERT_NOT_NULL(test, kunit_alloc_resource(test, skb_res_init,
							 skb_res_free,
							 GFP_KERNEL, skb));
}

/* A packet freed with the test. */
struct sk_buff *netlog_test_pkt(struct kunit *test, const struct netlog_test_pkt_case *c)
{
	struct sk_buff *skb = build_pkt(c);

	netlog_test_own_skb(test, skb);
	return skb;
}

int netlog_test_state_res_init(struct kunit_resource *res, void *context)
{
	res->data = context;
	return 0;
}

void netlog_test_state_res_free(struct kunit_resource *res)
{
	netlog_state_free(res->data);
}

/* A state freed when the test ends, whether it passed or not. */
struct netlog_state *netlog_test_state(struct kunit *test, u32 max_flows)
{
	struct netlog_state *st = kunit_kzalloc(test, sizeof(*st), GFP_KERNEL);
	struct netlog_config *cfg;
	int ret;

	KUNIT_ASSERT_NOT_NULL(test, st);
	KUNIT_ASSERT_EQ(test, netlog_state_init(st, NULL), 0);
	KUNIT_ASSERT_NOT_NULL(test, kunit_alloc_resource(test, netlog_test_state_res_init,
							 netlog_test_state_res_free,
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
struct netlog_config *netlog_test_config(struct kunit *test)
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

void netlog_test_key(struct netlog_key *k, u32 n)
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

void netlog_test_count(struct netlog_state *st, const struct netlog_key *k,
		       enum netlog_dir dir, u32 pkts, u64 bytes)
{
	rcu_read_lock();
	netlog_count(st, k, dir, pkts, bytes, false);
	rcu_read_unlock();
}

/* Close (or re-read) a window and sum it; each key must appear once. */
u64 netlog_test_drain(struct kunit *test, struct netlog_state *st,
		      struct netlog_test_totals *t)
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

int netlog_test_ack(struct netlog_state *st, u64 seq)
{
	int ret;

	mutex_lock(&st->lock);
	ret = netlog_window_ack(st, seq);
	mutex_unlock(&st->lock);
	return ret;
}

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("KUnit tests for netlog");
