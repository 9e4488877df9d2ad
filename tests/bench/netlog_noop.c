// SPDX-License-Identifier: GPL-2.0
/*
 * The floor of `make bench`: netfilter hooks at netlog's points and priority
 * that only count their calls, so the cost of a hook traversal is measured
 * apart from netlog's own work. Registered in every network namespace.
 */

#include <linux/module.h>
#include <linux/netfilter_ipv4.h>
#include <linux/netfilter_ipv6.h>
#include <linux/percpu.h>
#include <net/net_namespace.h>

static DEFINE_PER_CPU(u64, calls);

static unsigned int noop_hook(void *priv, struct sk_buff *skb,
			      const struct nf_hook_state *state)
{
	this_cpu_inc(calls);
	return NF_ACCEPT;
}

#define NOOP_OPS(_pf, _hooknum) {		\
	.hook = noop_hook,			\
	.pf = _pf,				\
	.hooknum = _hooknum,			\
	.priority = NF_IP_PRI_NAT_SRC - 1,	\
}

static const struct nf_hook_ops noop_ops[] = {
	NOOP_OPS(NFPROTO_IPV4, NF_INET_FORWARD),
	NOOP_OPS(NFPROTO_IPV4, NF_INET_LOCAL_IN),
	NOOP_OPS(NFPROTO_IPV4, NF_INET_LOCAL_OUT),
	NOOP_OPS(NFPROTO_IPV6, NF_INET_FORWARD),
	NOOP_OPS(NFPROTO_IPV6, NF_INET_LOCAL_IN),
	NOOP_OPS(NFPROTO_IPV6, NF_INET_LOCAL_OUT),
};

/* Read-only parameter "calls": the hook calls so far, all CPUs. */
static int calls_get(char *buf, const struct kernel_param *kp)
{
	u64 sum = 0;
	int cpu;

	for_each_possible_cpu(cpu)
		sum += per_cpu(calls, cpu);
	return sysfs_emit(buf, "%llu\n", sum);
}

static const struct kernel_param_ops calls_ops = {
	.get = calls_get,
};

module_param_cb(calls, &calls_ops, NULL, 0444);

static int __net_init noop_net_init(struct net *net)
{
	return nf_register_net_hooks(net, noop_ops, ARRAY_SIZE(noop_ops));
}

static void __net_exit noop_net_exit(struct net *net)
{
	nf_unregister_net_hooks(net, noop_ops, ARRAY_SIZE(noop_ops));
}

static struct pernet_operations noop_net_ops = {
	.init = noop_net_init,
	.exit = noop_net_exit,
};

static int __init noop_init(void)
{
	return register_pernet_subsys(&noop_net_ops);
}

static void __exit noop_exit(void)
{
	unregister_pernet_subsys(&noop_net_ops);
}

module_init(noop_init);
module_exit(noop_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("netlog benchmark floor: no-op netfilter hooks");
