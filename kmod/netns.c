// SPDX-License-Identifier: GPL-2.0
/*
 * Per-network-namespace state and configuration. Devices are kept by name
 * and resolved to ifindexes whenever a device appears, goes or is renamed.
 * Hooks are registered in a namespace only while it has something to count.
 */

#include <linux/inet.h>
#include <linux/netdevice.h>
#include <linux/rtnetlink.h>
#include <linux/slab.h>
#include <net/net_namespace.h>
#include <net/netns/generic.h>

#include "compat.h"
#include "netlog.h"

static unsigned int netlog_net_id __read_mostly;

struct netlog_state *netlog_state_get(const struct net *net)
{
	return net_generic(net, netlog_net_id);
}

bool netlog_addr_excluded(const struct netlog_config *cfg, u8 family,
			  const struct in6_addr *a)
{
	unsigned int i, len = family == AF_INET ? 4 : 16;

	for (i = 0; i < cfg->nexcl; i++)
		if (cfg->excl[i].family == family &&
		    !memcmp(&cfg->excl[i].a, a, len))
			return true;
	return false;
}

/* Defaults: Tailscale's service addresses are never flows. */
struct netlog_config *netlog_config_default(void)
{
	struct netlog_config *cfg = kzalloc(sizeof(*cfg), GFP_KERNEL);

	if (!cfg)
		return NULL;
	cfg->max_flows = NETLOG_DEFAULT_FLOWS;
	cfg->high_water = NETLOG_DEFAULT_HIGH_WATER;
	cfg->excl[0].family = AF_INET;
	in4_pton("100.100.100.100", -1, cfg->excl[0].a.s6_addr, -1, NULL);
	cfg->excl[1].family = AF_INET6;
	in6_pton("fd7a:115c:a1e0::53", -1, cfg->excl[1].a.s6_addr, -1, NULL);
	cfg->nexcl = 2;
	return cfg;
}

struct netlog_config *netlog_config_dup(const struct netlog_config *old)
{
	struct netlog_config *cfg = kmemdup(old, sizeof(*old), GFP_KERNEL);

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
 * Publish @cfg (which the caller gives up) and register or unregister the
 * hooks to match it.
 */
int netlog_config_apply(struct netlog_state *st, struct netlog_config *cfg)
{
	struct netlog_config *old;
	bool want = cfg->ndevs || cfg->nports;
	int ret;

	lockdep_assert_held(&st->lock);
	old = rcu_replace_pointer(st->cfg, cfg, lockdep_is_held(&st->lock));
	ret = netlog_state_ensure_live(st);
	if (!ret && want && !st->hooks_on && st->net) {
		ret = netlog_hooks_register(st->net);
		st->hooks_on = !ret;
	}
	if (ret) {
		rcu_assign_pointer(st->cfg, old);
		synchronize_rcu();
		kfree(cfg);
		return ret;
	}
	if (!want && st->hooks_on) {
		netlog_hooks_unregister(st->net);
		st->hooks_on = false;
	}
	kfree_rcu(old, rcu);
	return 0;
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
	/* A dying namespace loses its devices after netlog_net_exit(). */
	if (!rcu_access_pointer(st->cfg))
		return NOTIFY_DONE;
	mutex_lock(&st->lock);
	old = netlog_config_locked(st);
	if (!old->ndevs)
		goto out;
	cfg = netlog_config_dup(old);
	if (!cfg) {
		net_warn_ratelimited("netlog: no memory to track device %s\n",
				     dev->name);
		goto out;
	}
	netlog_config_resolve(dev_net(dev), cfg,
			      event == NETDEV_UNREGISTER ? dev : NULL);
	if (!memcmp(cfg->ifindex, old->ifindex, sizeof(cfg->ifindex))) {
		kfree(cfg);
		goto out;
	}
	netlog_config_apply(st, cfg);
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
	st->high_water = netlog_genl_notify_high_water;
	return 0;
}

static void __net_exit netlog_net_exit(struct net *net)
{
	struct netlog_state *st = netlog_state_get(net);

	if (st->hooks_on)
		netlog_hooks_unregister(net);
	netlog_state_free(st);
}

static struct pernet_operations netlog_net_ops = {
	.init = netlog_net_init,
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
