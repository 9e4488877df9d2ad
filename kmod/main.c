// SPDX-License-Identifier: GPL-2.0
/*
 * netlog.ko: count network flows on a WireGuard tunnel device and socket,
 * per CPU and per network namespace, for Tailscale-style flow logs.
 */

#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/netdevice.h>
#include <linux/netlink.h>
#include <linux/string.h>
#include <net/genetlink.h>
#include <net/net_namespace.h>

#include "compat.h"
#include "netlog.h"

static char *devices;
module_param(devices, charp, 0444);
MODULE_PARM_DESC(devices, "Tunnel devices of the initial namespace, comma-separated");

static char *ports;
module_param(ports, charp, 0444);
MODULE_PARM_DESC(ports, "WireGuard UDP ports of the initial namespace, comma-separated");

static uint max_flows = NETLOG_DEFAULT_FLOWS;
module_param(max_flows, uint, 0444);
MODULE_PARM_DESC(max_flows, "Flow capacity of each per-CPU table");

static int parse_param_devices(struct netlog_config *cfg, char *list)
{
	char *name;

	while ((name = strsep(&list, ","))) {
		if (!*name)
			continue;
		if (cfg->ndevs == NETLOG_MAX_DEVICES || !dev_valid_name(name)) {
			pr_err("bad devices= entry '%s'\n", name);
			return -EINVAL;
		}
		strscpy(cfg->devs[cfg->ndevs++], name, IFNAMSIZ);
	}
	return 0;
}

static int parse_param_ports(struct netlog_config *cfg, char *list)
{
	char *s;

	while ((s = strsep(&list, ","))) {
		u16 port;

		if (!*s)
			continue;
		if (cfg->nports == NETLOG_MAX_PORTS || kstrtou16(s, 10, &port) ||
		    !port) {
			pr_err("bad ports= entry '%s'\n", s);
			return -EINVAL;
		}
		cfg->ports[cfg->nports++] = port;
	}
	return 0;
}

static int edit_from_params(struct netlog_config *cfg, void *arg,
			    struct netlink_ext_ack *extack)
{
	char *buf;
	int ret = 0;

	cfg->max_flows = max_flows;
	if (devices) {
		buf = kstrdup(devices, GFP_KERNEL);
		ret = buf ? parse_param_devices(cfg, buf) : -ENOMEM;
		kfree(buf);
	}
	if (!ret && ports) {
		buf = kstrdup(ports, GFP_KERNEL);
		ret = buf ? parse_param_ports(cfg, buf) : -ENOMEM;
		kfree(buf);
	}
	return ret;
}

/* Apply the module parameters, if any, to the initial namespace. */
static int configure_init_net(void)
{
	struct netlink_ext_ack extack = {};
	int ret;

	if (max_flows < NETLOG_MIN_FLOWS || max_flows > NETLOG_MAX_FLOWS) {
		pr_err("max_flows=%u out of range [%u, %u]\n", max_flows,
		       NETLOG_MIN_FLOWS, NETLOG_MAX_FLOWS);
		return -EINVAL;
	}
	/* Unconfigured, the namespace holds no tables until it is set. */
	if (!devices && !ports && max_flows == NETLOG_DEFAULT_FLOWS)
		return 0;
	ret = netlog_config_change(&init_net, edit_from_params, NULL, &extack);
	if (ret && extack._msg)
		pr_err("max_flows=%u: %s\n", max_flows, extack._msg);
	return ret;
}

static int __init netlog_init(void)
{
	int ret;

	ret = netlog_netns_init();
	if (ret)
		return ret;
	ret = configure_init_net();
	if (ret)
		goto err_netns_exit;
	ret = netlog_genl_init();
	if (ret)
		goto err_netns_exit;
	pr_info("loaded: flow counting for WireGuard tunnels, genetlink family '%s'\n",
		NETLOG_GENL_NAME);
	return 0;

err_netns_exit:
	netlog_netns_exit();
	return ret;
}

static void __exit netlog_exit(void)
{
	netlog_genl_exit();
	netlog_netns_exit();
}

module_init(netlog_init);
module_exit(netlog_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Per-CPU flow counting on WireGuard tunnels for flow logs");
MODULE_AUTHOR("netlog developers");
/* Resolving the family "netlog" (CTRL_CMD_GETFAMILY) loads the module. */
MODULE_ALIAS_GENL_FAMILY(NETLOG_GENL_NAME);
