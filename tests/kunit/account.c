// SPDX-License-Identifier: GPL-2.0
/*
 * netlog_account: both directions of a connection in one entry, excluded
 * service addresses, physical traffic counted as UDP payload.
 */

#include <linux/inet.h>
#include <linux/ip.h>
#include <linux/netdevice.h>
#include <linux/slab.h>
#include <linux/tcp.h>
#include <linux/udp.h>

#include "kunit.h"

static void account_orients_both_directions_into_one_entry(struct kunit *test)
{
	struct netlog_state *st = netlog_test_state(test, 64);
	struct net_device *tun = kunit_kzalloc(test, sizeof(*tun), GFP_KERNEL);
	struct netlog_config *cfg = netlog_test_config(test);
	struct netlog_test_pkt_case c = netlog_test_pkt_cases[0];
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
	out = netlog_test_pkt(test, &c);
	/* The reply: swap addresses and ports. */
	in = netlog_test_pkt(test, &c);
	swap(ip_hdr(in)->saddr, ip_hdr(in)->daddr);
	swap(((struct tcphdr *)(in->data + 20))->source,
	     ((struct tcphdr *)(in->data + 20))->dest);
	rcu_read_lock();
	/* Sent locally and forwarded into the tunnel; received both ways. */
	netlog_account(st, cfg, out, NFPROTO_IPV4, NF_INET_LOCAL_OUT, NULL, tun);
	netlog_account(st, cfg, out, NFPROTO_IPV4, NF_INET_FORWARD, NULL, tun);
	netlog_account(st, cfg, in, NFPROTO_IPV4, NF_INET_LOCAL_IN, tun, NULL);
	netlog_account(st, cfg, in, NFPROTO_IPV4, NF_INET_FORWARD, tun, NULL);
	/* Not the tunnel: not counted. */
	netlog_account(st, cfg, out, NFPROTO_IPV4, NF_INET_LOCAL_OUT, NULL, NULL);
	netlog_account(st, cfg, out, NFPROTO_IPV4, NF_INET_FORWARD, NULL, NULL);
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
	KUNIT_EXPECT_EQ(test, cnt.tx_pkts, 2);
	KUNIT_EXPECT_EQ(test, cnt.tx_bytes, 304);
	KUNIT_EXPECT_EQ(test, cnt.rx_pkts, 2);
	KUNIT_EXPECT_EQ(test, cnt.rx_bytes, 304);
	KUNIT_EXPECT_FALSE(test, netlog_window_next(w, &cpu, &idx, &k, &cnt));
	mutex_unlock(&st->lock);
}

static void account_excludes_service_addresses(struct kunit *test)
{
	struct netlog_state *st = netlog_test_state(test, 64);
	struct net_device *tun = kunit_kzalloc(test, sizeof(*tun), GFP_KERNEL);
	struct netlog_config *cfg = netlog_test_config(test);
	struct netlog_test_pkt_case c = netlog_test_pkt_cases[1];
	struct netlog_summary sum;
	struct netlog_window *w;
	struct sk_buff *skb;

	KUNIT_ASSERT_NOT_NULL(test, tun);
	tun->ifindex = 3;
	cfg->ndevs = 1;
	cfg->ifindex[0] = 3;
	skb = netlog_test_pkt(test, &c);
	ip_hdr(skb)->daddr = in_aton("100.100.100.100");
	rcu_read_lock();
	netlog_account(st, cfg, skb, NFPROTO_IPV4, NF_INET_LOCAL_OUT, NULL, tun);
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
	struct netlog_state *st = netlog_test_state(test, 64);
	struct netlog_config *cfg = netlog_test_config(test);
	struct netlog_test_pkt_case c = netlog_test_pkt_cases[1];	/* from port 51820 */
	struct netlog_counts cnt;
	struct netlog_window *w;
	struct sk_buff *skb;
	struct netlog_key k;
	unsigned int cpu = 0;
	u32 idx = 0;

	cfg->nports = 1;
	cfg->ports[0] = 51820;
	skb = netlog_test_pkt(test, &c);
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

kunit_test_suite(netlog_account_suite);
