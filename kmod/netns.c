// SPDX-License-Identifier: GPL-2.0
/*
 * Per-network-namespace state and configuration. Devices are kept by name
 * and resolved to ifindexes whenever a device appears, goes or is renamed.
 * Hooks are registered in a namespace only while it has something to count.
 */

#include <linux/inet.h>
#include <linux/log2.h>
#include <linux/mm.h>
#include <linux/moduleparam.h>
#include <linux/netdevice.h>
#include <linux/rtnetlink.h>
#include <linux/slab.h>
#include <linux/user_namespace.h>
#include <net/net_namespace.h>
#include <net/netns/generic.h>

#include "compat.h"
#include "netlog.h"

static unsigned int netlog_net_id __read_mostly;

static uint userns_max_flows;
module_param(userns_max_flows, uint, 0644);
MODULE_PARM_DESC(userns_max_flows,
		 "Highest max_flows in a namespace owned by a non-initial user namespace (0: sized from RAM)");

/*
 * A namespace holds at most six windows: live, closed, two spares, and for
 * a moment while max_flows changes two new ones. Sized automatically, they
 * take at most 1/64 of RAM in a namespace that anyone can create
 * (unshare -Urn), on top of the memory cgroup's limit.
 */
#define USERNS_RAM_SHARE 64
#define USERNS_WINDOWS 6

static u32 userns_flows_limit(void)
{
	u32 limit = READ_ONCE(userns_max_flows);
	u64 budget, n;

	if (limit)
		return clamp_t(u32, limit, NETLOG_MIN_FLOWS, NETLOG_MAX_FLOWS);
	budget = ((u64)totalram_pages() << PAGE_SHIFT) / USERNS_RAM_SHARE;
	n = div64_u64(budget, USERNS_WINDOWS * netlog_window_bytes(1));
	n = clamp_t(u64, n, NETLOG_MIN_FLOWS, NETLOG_DEFAULT_FLOWS);
	return rounddown_pow_of_two(n);
}

/* The highest max_flows that @net may configure. */
static u32 flows_limit(const struct net *net)
{
	if (!net || net->user_ns == &init_user_ns)
		return NETLOG_MAX_FLOWS;
	return userns_flows_limit();
}

struct netlog_state *netlog_state_get(const struct net *net)
{
	return net_generic(net, netlog_net_id);
}

/* Defaults: Tailscale's service addresses are never flows. */
struct netlog_config *netlog_config_default(const struct net *net)
{
	struct netlog_config *cfg = kzalloc(sizeof(*cfg), GFP_KERNEL_ACCOUNT);

	if (!cfg)
		return NULL;
	cfg->max_flows = min_t(u32, NETLOG_DEFAULT_FLOWS, flows_limit(net));
	cfg->high_water_pct = NETLOG_DEFAULT_HIGH_WATER;
	cfg->excl[0].family = AF_INET;
	in4_pton("100.100.100.100", -1, cfg->excl[0].a.s6_addr, -1, NULL);
	cfg->excl[1].family = AF_INET6;
	in6_pton("fd7a:115c:a1e0::53", -1, cfg->excl[1].a.s6_addr, -1, NULL);
	cfg->nexcl = 2;
	return cfg;
}

struct netlog_config *netlog_config_dup(const struct netlog_config *old)
{
	struct netlog_config *cfg = kmemdup(old, sizeof(*old),
					    GFP_KERNEL_ACCOUNT);

	if (cfg)
		memset(&cfg->rcu, 0, sizeof(cfg->rcu));
	return cfg;
}

/* Fill @cfg's ifindexes from its device names; @gone is being removed. */
void netlog_config_resolve(struct net *net, struct netlog_config *cfg,
			   const struct net_device *gone)
{
	unsigned int i;

	ASSERT_RTNL();
	for (i = 0; i < cfg->ndevs; i++) {
		struct net_device *dev = __dev_get_by_name(net, cfg->devs[i]);

		cfg->ifindex[i] = dev && dev != gone ? dev->ifindex : 0;
	}
}

/*
 * Publish @cfg (which the caller gives up) once its windows are allocated and
 * the hooks registered to match it. On failure the old configuration stays,
 * counting as before.
 */
int netlog_config_apply(struct netlog_state *st, struct netlog_config *cfg,
			struct netlink_ext_ack *extack)
{
	struct netlog_config *old = netlog_config_locked(st);
	bool want = (cfg->ndevs || cfg->nports) && !st->dying;
	bool registered = false;
	int ret;

	lockdep_assert_held(&st->lock);
	if (cfg->max_flows != old->max_flows &&
	    cfg->max_flows > flows_limit(st->net)) {
		NL_SET_ERR_MSG(extack,
			       "max_flows above the module's userns_max_flows for a namespace owned by a user namespace");
		ret = -EPERM;
		goto err_free_cfg;
	}
	if (want && !st->hooks_on && st->net) {
		ret = netlog_hooks_register(st);
		if (ret) {
			NL_SET_ERR_MSG(extack, "cannot register the netfilter hooks");
			goto err_free_cfg;
		}
		registered = true;
		st->hooks_on = true;
	}
	ret = netlog_windows_reserve(st, cfg, extack);
	if (ret)
		goto err_unregister_hooks;
	old = rcu_replace_pointer(st->cfg, cfg, lockdep_is_held(&st->lock));
	if (!want && st->hooks_on) {
		netlog_hooks_unregister(st);
		st->hooks_on = false;
	}
	kfree_rcu(old, rcu);
	return 0;

err_unregister_hooks:
	if (registered) {
		netlog_hooks_unregister(st);
		st->hooks_on = false;
	}
err_free_cfg:
	kfree(cfg);
	return ret;
}

/*
 * Change @net's configuration: @edit changes a copy of it (or returns an
 * error, and the copy is dropped), which is then resolved and applied.
 */
int netlog_config_change(struct net *net,
			 int (*edit)(struct netlog_config *cfg, void *arg,
				     struct netlink_ext_ack *extack),
			 void *arg, struct netlink_ext_ack *extack)
{
	struct netlog_state *st = netlog_state_get(net);
	struct netlog_config *cfg;
	int ret;

	rtnl_lock();
	mutex_lock(&st->lock);
	cfg = netlog_config_dup(netlog_config_locked(st));
	ret = cfg ? edit(cfg, arg, extack) : -ENOMEM;
	if (!ret) {
		netlog_config_resolve(net, cfg, NULL);
		ret = netlog_config_apply(st, cfg, extack);
	} else {
		kfree(cfg);
	}
	mutex_unlock(&st->lock);
	rtnl_unlock();
	return ret;
}

static int netlog_netdev_event(struct notifier_block *nb, unsigned long event,
			       void *ptr)
{
	struct net_device *dev = netdev_notifier_info_to_dev(ptr);
	struct netlog_state *st = netlog_state_get(dev_net(dev));
	const struct netlog_config *old;
	struct netlog_config *cfg;

	if (event != NETDEV_REGISTER && event != NETDEV_UNREGISTER &&
	    event != NETDEV_CHANGENAME)
		return NOTIFY_DONE;
	mutex_lock(&st->lock);
	old = netlog_config_locked(st);
	/* A dying namespace's devices go after netlog_net_pre_exit(). */
	if (st->dying || !old->ndevs)
		goto out;
	cfg = netlog_config_dup(old);
	if (!cfg) {
		net_warn_ratelimited("no memory to track device %s\n",
				     dev->name);
		goto out;
	}
	netlog_config_resolve(dev_net(dev), cfg,
			      event == NETDEV_UNREGISTER ? dev : NULL);
	if (!memcmp(cfg->ifindex, old->ifindex, sizeof(cfg->ifindex))) {
		kfree(cfg);
		goto out;
	}
	netlog_config_apply(st, cfg, NULL);
out:
	mutex_unlock(&st->lock);
	return NOTIFY_DONE;
}

static struct notifier_block netlog_netdev_nb = {
	.notifier_call = netlog_netdev_event,
};

static int __net_init netlog_net_init(struct net *net)
{
	struct netlog_state *st = netlog_state_get(net);
	int ret;

	ret = netlog_state_init(st, net);
	if (ret)
		return ret;
	st->notify_high_water = netlog_genl_notify_high_water;
	return 0;
}

/*
 * nf_unregister_net_hooks() does not wait for hook functions already
 * running: they may still count into the windows. Unregister here, before
 * the namespace's devices go, and free in netlog_net_exit(): cleanup_net()
 * and unregister_pernet_subsys() wait for an RCU grace period between the
 * two, which hook functions (run under rcu_read_lock()) cannot outlast.
 * @dying keeps a later device event from registering the hooks again.
 */
static void __net_exit netlog_net_pre_exit(struct net *net)
{
	struct netlog_state *st = netlog_state_get(net);

	mutex_lock(&st->lock);
	st->dying = true;
	if (st->hooks_on) {
		netlog_hooks_unregister(st);
		st->hooks_on = false;
	}
	mutex_unlock(&st->lock);
}

/* A grace period after netlog_net_pre_exit(): nothing counts any more. */
static void __net_exit netlog_net_exit(struct net *net)
{
	netlog_state_free(netlog_state_get(net));
}

static struct pernet_operations netlog_net_ops = {
	.init = netlog_net_init,
	.pre_exit = netlog_net_pre_exit,
	.exit = netlog_net_exit,
	.id = &netlog_net_id,
	.size = sizeof(struct netlog_state),
};

int netlog_netns_init(void)
{
	int ret;

	ret = register_pernet_subsys(&netlog_net_ops);
	if (ret)
		return ret;
	ret = register_netdevice_notifier(&netlog_netdev_nb);
	if (ret)
		goto err_unregister_pernet;
	return 0;

err_unregister_pernet:
	unregister_pernet_subsys(&netlog_net_ops);
	return ret;
}

void netlog_netns_exit(void)
{
	unregister_netdevice_notifier(&netlog_netdev_nb);
	unregister_pernet_subsys(&netlog_net_ops);
}
