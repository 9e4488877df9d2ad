// SPDX-License-Identifier: GPL-2.0
/*
 * In-kernel microbenchmark of netlog's packet path and drain, on prepared
 * skbs: ns per packet hitting an existing flow and creating new ones, drain
 * time for 100k and 1M flows, memory per flow. Runs at load, prints one
 * "netlog_bench:" line per figure, and stays loaded until rmmod.
 */

#include <linux/inet.h>
#include <linux/ip.h>
#include <linux/module.h>
#include <linux/netdevice.h>
#include <linux/skbuff.h>
#include <linux/slab.h>
#include <linux/udp.h>

#include "netlog.h"

#define CHUNK 4096

static struct sk_buff *udp_skb(void)
{
	struct sk_buff *skb = alloc_skb(256, GFP_KERNEL);
	struct udphdr *uh;
	struct iphdr *iph;

	if (!skb)
		return NULL;
	skb_reset_network_header(skb);
	iph = skb_put_zero(skb, sizeof(*iph));
	iph->version = 4;
	iph->ihl = 5;
	iph->protocol = IPPROTO_UDP;
	iph->saddr = in_aton("10.0.0.1");
	iph->daddr = in_aton("10.0.0.2");
	uh = skb_put_zero(skb, sizeof(*uh));
	uh->source = htons(1);
	uh->dest = htons(53);
	uh->len = htons(sizeof(*uh) + 100);
	skb_put_zero(skb, 100);
	return skb;
}

/* ns per netlog_account() call over @n packets; @vary makes each a new flow. */
static u64 run_packets(struct netlog_state *st, struct netlog_config *cfg,
		       struct net_device *dev, struct sk_buff *skb, u32 n,
		       bool vary)
{
	struct iphdr *iph = ip_hdr(skb);
	struct udphdr *uh = (struct udphdr *)(iph + 1);
	u32 base = ntohl(in_aton("10.1.0.0")), i = 0;
	u64 t0 = ktime_get_ns();

	while (i < n) {
		u32 end = min(n, i + CHUNK);

		/* As in the forwarding path: a softirq, bottom halves off. */
		rcu_read_lock();
		local_bh_disable();
		for (; i < end; i++) {
			if (vary) {
				iph->saddr = htonl(base + (i >> 16));
				uh->source = htons(i & 0xffff);
			}
			netlog_account(st, cfg, skb, NFPROTO_IPV4,
				       NF_INET_FORWARD, dev, NULL);
		}
		local_bh_enable();
		rcu_read_unlock();
		cond_resched();
	}
	return div_u64(ktime_get_ns() - t0, n);
}

/* Drain: close the window and walk every flow once. Returns ns. */
static u64 run_drain(struct netlog_state *st, u32 *nflows)
{
	struct netlog_window *w;
	struct netlog_counts c;
	struct netlog_key k;
	unsigned int cpu = 0;
	u32 idx = 0;
	u64 t0 = ktime_get_ns(), t;

	*nflows = 0;
	mutex_lock(&st->lock);
	w = netlog_window_close(st, NULL);
	if (IS_ERR(w)) {
		mutex_unlock(&st->lock);
		return 0;
	}
	while (netlog_window_next(w, &cpu, &idx, &k, &c)) {
		(*nflows)++;
		if (!(*nflows % CHUNK))
			cond_resched();
	}
	t = ktime_get_ns() - t0;
	netlog_window_ack(st, w->seq);
	mutex_unlock(&st->lock);
	return t;
}

static int __init netlog_bench_init(void)
{
	static const u32 sizes[] = { 100000, 1000000 };
	struct netlog_config *cfg = NULL, *live;
	struct netlog_state *st;
	struct net_device *dev;
	struct sk_buff *skb = NULL;
	unsigned int i;
	int ret = -ENOMEM;

	st = kzalloc(sizeof(*st), GFP_KERNEL);
	dev = kzalloc(sizeof(*dev), GFP_KERNEL);
	if (!st || !dev)
		goto out_free;
	ret = netlog_state_init(st, NULL);
	if (ret)
		goto out_free;
	ret = -ENOMEM;
	cfg = netlog_config_default(NULL);
	skb = udp_skb();
	if (!cfg || !skb)
		goto out_state;
	dev->ifindex = 1;
	cfg->ndevs = 1;
	cfg->ifindex[0] = 1;
	cfg->max_flows = 1048576;
	mutex_lock(&st->lock);
	live = netlog_config_dup(cfg);
	ret = live ? netlog_config_apply(st, live, NULL) : -ENOMEM;
	mutex_unlock(&st->lock);
	if (ret)
		goto out_state;

	/* Warm up, then one existing flow hit again and again. */
	run_packets(st, cfg, dev, skb, 100000, false);
	pr_info("netlog_bench: hit_existing_ns_per_pkt %llu\n",
		run_packets(st, cfg, dev, skb, 1000000, false));
	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		u32 n;
		u64 ns;

		run_drain(st, &n);
		/* Load with taskset: all new flows go to one CPU's table. */
		ns = run_packets(st, cfg, dev, skb, sizes[i], true);
		pr_info("netlog_bench: new_flow_ns_per_pkt_%u %llu\n", sizes[i],
			ns);
		ns = run_drain(st, &n);
		pr_info("netlog_bench: drain_%u_flows_ns %llu (walked %u)\n",
			sizes[i], ns, n);
	}
	pr_info("netlog_bench: bytes_per_flow_slot %zu\n", netlog_flow_mem());
	ret = 0;
out_state:
	netlog_state_free(st);
out_free:
	kfree_skb(skb);
	kfree(cfg);
	kfree(dev);
	kfree(st);
	return ret;
}

static void __exit netlog_bench_exit(void)
{
}

module_init(netlog_bench_init);
module_exit(netlog_bench_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("netlog packet path microbenchmark");
