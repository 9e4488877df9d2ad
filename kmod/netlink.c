// SPDX-License-Identifier: GPL-2.0
/*
 * Generic netlink family "netlog": configuration, flow dumps (peek or
 * drain), window acknowledgment, statistics and high-water events. The
 * attribute trees are documented in uapi/linux/netlog.h.
 */

#include <linux/netdevice.h>
#include <linux/rtnetlink.h>
#include <net/genetlink.h>
#include <net/netlink.h>
#include <net/sock.h>

#include "compat.h"
#include "netlog.h"

static struct genl_family netlog_genl_family;

static struct netlink_range_validation max_flows_range = {
	.min = NETLOG_MIN_FLOWS,
	.max = NETLOG_MAX_FLOWS,
};

static const struct nla_policy empty_policy[NETLOG_A_MAX + 1] = {};

static const struct nla_policy set_policy[NETLOG_A_MAX + 1] = {
	[NETLOG_A_DEVICES] = { .type = NLA_NESTED },
	[NETLOG_A_PORTS] = { .type = NLA_NESTED },
	[NETLOG_A_EXCLUDE] = { .type = NLA_NESTED },
	[NETLOG_A_MAX_FLOWS] = NLA_POLICY_FULL_RANGE(NLA_U32, &max_flows_range),
	[NETLOG_A_HIGH_WATER] = NLA_POLICY_RANGE(NLA_U8, 1, 100),
};

static const struct nla_policy flows_policy[NETLOG_A_MAX + 1] = {
	[NETLOG_A_FLAGS] = NLA_POLICY_MASK(NLA_U32, __NETLOG_FLOWS_ALL),
};

static const struct nla_policy ack_policy[NETLOG_A_MAX + 1] = {
	[NETLOG_A_WINDOW_SEQ] = { .type = NLA_U64 },
};

/* Cursor of a flow dump, kept in cb->args. */
enum {
	CUR_FLAGS,
	CUR_CPU,
	CUR_IDX,
	CUR_WINDOW,	/* seq of a drained window, gen of a peeked one */
	CUR_STATE,
};

enum {
	CUR_STATE_HEADER,
	CUR_STATE_FLOWS,
	CUR_STATE_DONE,
};

static struct netlog_state *info_state(struct genl_info *info)
{
	return netlog_state_get(genl_info_net(info));
}

static int put_counts(struct sk_buff *skb, int type, u64 pkts, u64 bytes)
{
	struct nlattr *nest = nla_nest_start(skb, type);

	if (!nest)
		return -EMSGSIZE;
	if (nla_put_u64_64bit(skb, NETLOG_C_PKTS, pkts, NETLOG_C_PAD) ||
	    nla_put_u64_64bit(skb, NETLOG_C_BYTES, bytes, NETLOG_C_PAD)) {
		nla_nest_cancel(skb, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	return 0;
}

static int put_config(struct sk_buff *skb, const struct netlog_config *cfg)
{
	struct nlattr *nest;
	unsigned int i;

	nest = nla_nest_start(skb, NETLOG_A_DEVICES);
	if (!nest)
		return -EMSGSIZE;
	for (i = 0; i < cfg->ndevs; i++)
		if (nla_put_string(skb, i, cfg->devs[i]))
			return -EMSGSIZE;
	nla_nest_end(skb, nest);
	nest = nla_nest_start(skb, NETLOG_A_DEVICE_IFINDEXES);
	if (!nest)
		return -EMSGSIZE;
	for (i = 0; i < cfg->ndevs; i++)
		if (nla_put_u32(skb, i, cfg->ifindex[i]))
			return -EMSGSIZE;
	nla_nest_end(skb, nest);
	nest = nla_nest_start(skb, NETLOG_A_PORTS);
	if (!nest)
		return -EMSGSIZE;
	for (i = 0; i < cfg->nports; i++)
		if (nla_put_u16(skb, i, cfg->ports[i]))
			return -EMSGSIZE;
	nla_nest_end(skb, nest);
	nest = nla_nest_start(skb, NETLOG_A_EXCLUDE);
	if (!nest)
		return -EMSGSIZE;
	for (i = 0; i < cfg->nexcl; i++)
		if (nla_put(skb, i, cfg->excl[i].family == AF_INET ? 4 : 16,
			    &cfg->excl[i].a))
			return -EMSGSIZE;
	nla_nest_end(skb, nest);
	if (nla_put_u32(skb, NETLOG_A_MAX_FLOWS, cfg->max_flows) ||
	    nla_put_u8(skb, NETLOG_A_HIGH_WATER, cfg->high_water_pct))
		return -EMSGSIZE;
	return 0;
}

/* Reply to @info with a message of @cmd that @put fills under the lock. */
static int reply_doit(struct genl_info *info, u8 cmd,
		      int (*put)(struct sk_buff *skb, struct netlog_state *st))
{
	struct netlog_state *st = info_state(info);
	struct sk_buff *msg;
	void *hdr;
	int ret;

	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	hdr = genlmsg_put_reply(msg, info, &netlog_genl_family, 0, cmd);
	if (!hdr) {
		ret = -EMSGSIZE;
		goto err_free_msg;
	}
	mutex_lock(&st->lock);
	ret = put(msg, st);
	mutex_unlock(&st->lock);
	if (ret)
		goto err_free_msg;
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);

err_free_msg:
	nlmsg_free(msg);
	return ret;
}

static int put_config_locked(struct sk_buff *skb, struct netlog_state *st)
{
	return put_config(skb, netlog_config_locked(st));
}

static int get_config_doit(struct sk_buff *skb, struct genl_info *info)
{
	return reply_doit(info, NETLOG_CMD_GET_CONFIG, put_config_locked);
}

/*
 * nla_for_each_nested() stops at the first item that does not fit (a length
 * below the header's, or past the nest) and leaves the bytes in @rem: a list
 * must end exactly with its last item, as nla_parse() requires of messages.
 */
static int list_end(const struct nlattr *list, int rem,
		    struct netlink_ext_ack *extack)
{
	if (rem > 0) {
		NL_SET_ERR_MSG_ATTR(extack, list,
				    "malformed list: bytes after its last item");
		return -EINVAL;
	}
	return 0;
}

static int parse_devices(struct netlog_config *cfg, const struct nlattr *list,
			 struct netlink_ext_ack *extack)
{
	const struct nlattr *a;
	int rem;

	cfg->ndevs = 0;
	nla_for_each_nested(a, list, rem) {
		int len = nla_len(a);
		const char *name = nla_data(a);

		if (cfg->ndevs == NETLOG_MAX_DEVICES) {
			NL_SET_ERR_MSG_ATTR(extack, a, "too many devices");
			return -E2BIG;
		}
		if (len < 2 || len > IFNAMSIZ || name[len - 1] ||
		    strnlen(name, len) != len - 1 || !dev_valid_name(name)) {
			NL_SET_ERR_MSG_ATTR(extack, a, "invalid device name");
			return -EINVAL;
		}
		strscpy(cfg->devs[cfg->ndevs++], name, IFNAMSIZ);
	}
	return list_end(list, rem, extack);
}

static int parse_ports(struct netlog_config *cfg, const struct nlattr *list,
		       struct netlink_ext_ack *extack)
{
	const struct nlattr *a;
	int rem;

	cfg->nports = 0;
	nla_for_each_nested(a, list, rem) {
		if (cfg->nports == NETLOG_MAX_PORTS) {
			NL_SET_ERR_MSG_ATTR(extack, a, "too many ports");
			return -E2BIG;
		}
		if (nla_len(a) != sizeof(u16) || !nla_get_u16(a)) {
			NL_SET_ERR_MSG_ATTR(extack, a,
					    "port must be a u16 from 1 to 65535");
			return -EINVAL;
		}
		cfg->ports[cfg->nports++] = nla_get_u16(a);
	}
	return list_end(list, rem, extack);
}

static int parse_exclude(struct netlog_config *cfg, const struct nlattr *list,
			 struct netlink_ext_ack *extack)
{
	const struct nlattr *a;
	int rem;

	cfg->nexcl = 0;
	nla_for_each_nested(a, list, rem) {
		struct netlog_addr *x = &cfg->excl[cfg->nexcl];

		if (cfg->nexcl == NETLOG_MAX_EXCLUDE) {
			NL_SET_ERR_MSG_ATTR(extack, a,
					    "too many excluded addresses");
			return -E2BIG;
		}
		if (nla_len(a) != 4 && nla_len(a) != 16) {
			NL_SET_ERR_MSG_ATTR(extack, a,
					    "address must be 4 or 16 bytes");
			return -EINVAL;
		}
		memset(x, 0, sizeof(*x));
		x->family = nla_len(a) == 4 ? AF_INET : AF_INET6;
		memcpy(&x->a, nla_data(a), nla_len(a));
		cfg->nexcl++;
	}
	return list_end(list, rem, extack);
}

/*
 * Apply the attributes of a SET_CONFIG request, already checked against
 * set_policy, to @cfg. On error @cfg is half changed: the caller drops it.
 */
int netlog_config_parse(struct netlog_config *cfg, struct nlattr **attrs,
			struct netlink_ext_ack *extack)
{
	int ret = 0;

	if (attrs[NETLOG_A_DEVICES])
		ret = parse_devices(cfg, attrs[NETLOG_A_DEVICES], extack);
	if (!ret && attrs[NETLOG_A_PORTS])
		ret = parse_ports(cfg, attrs[NETLOG_A_PORTS], extack);
	if (!ret && attrs[NETLOG_A_EXCLUDE])
		ret = parse_exclude(cfg, attrs[NETLOG_A_EXCLUDE], extack);
	if (ret)
		return ret;
	if (attrs[NETLOG_A_MAX_FLOWS])
		cfg->max_flows = nla_get_u32(attrs[NETLOG_A_MAX_FLOWS]);
	if (attrs[NETLOG_A_HIGH_WATER])
		cfg->high_water_pct = nla_get_u8(attrs[NETLOG_A_HIGH_WATER]);
	return 0;
}

static int edit_from_attrs(struct netlog_config *cfg, void *attrs,
			   struct netlink_ext_ack *extack)
{
	return netlog_config_parse(cfg, attrs, extack);
}

static int set_config_doit(struct sk_buff *skb, struct genl_info *info)
{
	return netlog_config_change(genl_info_net(info), edit_from_attrs,
				    info->attrs, info->extack);
}

static int flows_start(struct netlink_callback *cb)
{
	struct netlog_state *st = netlog_state_get(sock_net(cb->skb->sk));
	const struct nlattr *flags_attr;
	struct netlog_window *w;
	u32 flags = 0;

	/* The policy has validated the request already. */
	flags_attr = nlmsg_find_attr(cb->nlh, GENL_HDRLEN, NETLOG_A_FLAGS);
	if (flags_attr)
		flags = nla_get_u32(flags_attr);
	cb->args[CUR_FLAGS] = flags;
	mutex_lock(&st->lock);
	if (flags & NETLOG_FLOWS_DRAIN) {
		w = netlog_window_close(st, cb->extack);
		if (IS_ERR(w)) {
			mutex_unlock(&st->lock);
			return PTR_ERR(w);
		}
		cb->args[CUR_WINDOW] = w->seq;
	} else {
		w = rcu_dereference_protected(st->live,
					      lockdep_is_held(&st->lock));
		cb->args[CUR_WINDOW] = w ? w->gen : 0;
	}
	mutex_unlock(&st->lock);
	return 0;
}

static int put_window(struct sk_buff *skb, const struct netlog_window *w,
		      bool drained)
{
	struct netlog_summary sum = {};
	u64 now = ktime_get_real_ns(), start = now;
	struct nlattr *nest;

	if (w) {
		netlog_window_summarize(w, &sum);
		if (drained)
			start = w->start_ns;
		else if (sum.start_ns)
			start = sum.start_ns;
	}
	nest = nla_nest_start(skb, NETLOG_A_WINDOW);
	if (!nest)
		return -EMSGSIZE;
	if (nla_put_u64_64bit(skb, NETLOG_W_SEQ, drained ? w->seq : 0,
			      NETLOG_W_PAD) ||
	    nla_put_u64_64bit(skb, NETLOG_W_START_NS, start, NETLOG_W_PAD) ||
	    nla_put_u64_64bit(skb, NETLOG_W_END_NS, drained ? w->end_ns : now,
			      NETLOG_W_PAD) ||
	    nla_put_u32(skb, NETLOG_W_NFLOWS, sum.nflows))
		return -EMSGSIZE;
	{
		struct nlattr *misses = nla_nest_start(skb, NETLOG_W_MISSES);

		if (!misses ||
		    put_counts(skb, NETLOG_MISS_TABLE_FULL, sum.miss_pkts,
			       sum.miss_bytes))
			return -EMSGSIZE;
		nla_nest_end(skb, misses);
	}
	if (put_counts(skb, NETLOG_W_EXCLUDED, sum.excl_pkts, sum.excl_bytes))
		return -EMSGSIZE;
	nla_nest_end(skb, nest);
	return 0;
}

static int put_flow(struct sk_buff *skb, const struct netlog_key *k,
		    const struct netlog_counts *c)
{
	int alen = k->family == AF_INET ? 4 : 16;
	struct nlattr *nest = nla_nest_start(skb, 0);

	if (!nest)
		return -EMSGSIZE;
	if (nla_put_u8(skb, NETLOG_F_KIND, k->kind) ||
	    nla_put_u8(skb, NETLOG_F_PROTO, k->proto) ||
	    nla_put(skb, NETLOG_F_LOCAL_ADDR, alen, &k->laddr) ||
	    nla_put_u16(skb, NETLOG_F_LOCAL_PORT, ntohs(k->lport)) ||
	    nla_put(skb, NETLOG_F_REMOTE_ADDR, alen, &k->raddr) ||
	    nla_put_u16(skb, NETLOG_F_REMOTE_PORT, ntohs(k->rport)) ||
	    nla_put_u64_64bit(skb, NETLOG_F_TX_PKTS, c->tx_pkts, NETLOG_F_PAD) ||
	    nla_put_u64_64bit(skb, NETLOG_F_TX_BYTES, c->tx_bytes,
			      NETLOG_F_PAD) ||
	    nla_put_u64_64bit(skb, NETLOG_F_RX_PKTS, c->rx_pkts, NETLOG_F_PAD) ||
	    nla_put_u64_64bit(skb, NETLOG_F_RX_BYTES, c->rx_bytes,
			      NETLOG_F_PAD)) {
		nla_nest_cancel(skb, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	return 0;
}

/*
 * The window a dump walks, or NULL when it is gone (acknowledged and reset).
 * A peeked window closed meanwhile is read on as the pending one: its
 * entries stay where the cursor left them.
 */
static struct netlog_window *dump_window(struct netlog_state *st,
					 struct netlink_callback *cb)
{
	struct netlog_window *w = st->pending;

	lockdep_assert_held(&st->lock);
	if (cb->args[CUR_FLAGS] & NETLOG_FLOWS_DRAIN)
		return w && w->seq == cb->args[CUR_WINDOW] ? w : NULL;
	if (w && w->gen == cb->args[CUR_WINDOW])
		return w;
	w = rcu_dereference_protected(st->live, lockdep_is_held(&st->lock));
	return w && w->gen == cb->args[CUR_WINDOW] ? w : NULL;
}

static int put_flows(struct sk_buff *skb, struct netlink_callback *cb,
		     const struct netlog_window *w)
{
	unsigned int cpu = cb->args[CUR_CPU];
	u32 idx = cb->args[CUR_IDX];
	struct nlattr *nest;
	struct netlog_counts c;
	struct netlog_key k;
	int n = 0;

	nest = nla_nest_start(skb, NETLOG_A_FLOWS);
	if (!nest)
		return -EMSGSIZE;
	for (;;) {
		unsigned int prev_cpu = cpu;
		u32 prev_idx = idx;

		if (!netlog_window_next(w, &cpu, &idx, &k, &c)) {
			cb->args[CUR_STATE] = CUR_STATE_DONE;
			break;
		}
		if (put_flow(skb, &k, &c)) {
			cpu = prev_cpu;
			idx = prev_idx;
			break;
		}
		n++;
	}
	cb->args[CUR_CPU] = cpu;
	cb->args[CUR_IDX] = idx;
	if (!n)
		nla_nest_cancel(skb, nest);
	else
		nla_nest_end(skb, nest);
	return n;
}

static int flows_dumpit(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct netlog_state *st = netlog_state_get(sock_net(skb->sk));
	bool drained = cb->args[CUR_FLAGS] & NETLOG_FLOWS_DRAIN;
	struct netlog_window *w;
	bool lost;
	void *hdr;
	int ret = 0;

	if (cb->args[CUR_STATE] == CUR_STATE_DONE)
		return 0;
	mutex_lock(&st->lock);
	w = dump_window(st, cb);
	/*
	 * A window that went away mid-dump marks the dump inconsistent. A
	 * peek of a namespace that had no window (0) reads an empty one.
	 */
	lost = cb->args[CUR_WINDOW] && !w;
	cb->seq = lost ? 2 : 1;
	if (!cb->prev_seq)
		cb->prev_seq = 1;
	hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid, cb->nlh->nlmsg_seq,
			  &netlog_genl_family, NLM_F_MULTI,
			  NETLOG_CMD_GET_FLOWS);
	if (!hdr) {
		ret = -EMSGSIZE;
		goto out_unlock;
	}
	genl_dump_check_consistent(cb, hdr);
	if (cb->args[CUR_STATE] == CUR_STATE_HEADER) {
		if (lost) {
			ret = -ESTALE;
			goto err_cancel;
		}
		if (put_window(skb, w, drained)) {
			ret = -EMSGSIZE;
			goto err_cancel;
		}
		cb->args[CUR_STATE] = CUR_STATE_FLOWS;
	}
	if (!w)
		cb->args[CUR_STATE] = CUR_STATE_DONE;
	else
		put_flows(skb, cb, w);
	genlmsg_end(skb, hdr);
	mutex_unlock(&st->lock);
	return skb->len;

err_cancel:
	genlmsg_cancel(skb, hdr);
out_unlock:
	mutex_unlock(&st->lock);
	return ret;
}

static int ack_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct netlog_state *st = info_state(info);
	int ret;

	if (GENL_REQ_ATTR_CHECK(info, NETLOG_A_WINDOW_SEQ))
		return -EINVAL;
	mutex_lock(&st->lock);
	ret = netlog_window_ack(st,
				nla_get_u64(info->attrs[NETLOG_A_WINDOW_SEQ]));
	mutex_unlock(&st->lock);
	if (ret == -ESRCH)
		NL_SET_ERR_MSG_ATTR(info->extack,
				    info->attrs[NETLOG_A_WINDOW_SEQ],
				    "no window is waiting for an acknowledgment");
	else if (ret == -ESTALE)
		NL_SET_ERR_MSG_ATTR(info->extack,
				    info->attrs[NETLOG_A_WINDOW_SEQ],
				    "not the sequence number of the waiting window");
	return ret;
}

static int put_live(struct sk_buff *skb, struct netlog_state *st)
{
	const struct netlog_window *w;
	struct netlog_summary sum = {};

	lockdep_assert_held(&st->lock);
	w = rcu_dereference_protected(st->live, lockdep_is_held(&st->lock));
	if (w)
		netlog_window_summarize(w, &sum);
	if (nla_put_u32(skb, NETLOG_S_LIVE_FLOWS, sum.nflows) ||
	    nla_put_u32(skb, NETLOG_S_LIVE_FILL_MAX, sum.fill_max))
		return -EMSGSIZE;
	return 0;
}

static int put_stats(struct sk_buff *skb, struct netlog_state *st)
{
	static const u8 types[__NETLOG_STAT_MAX] = {
		[NETLOG_STAT_VIRT_TX_PKTS] = NETLOG_S_VIRT_TX_PKTS,
		[NETLOG_STAT_VIRT_TX_BYTES] = NETLOG_S_VIRT_TX_BYTES,
		[NETLOG_STAT_VIRT_RX_PKTS] = NETLOG_S_VIRT_RX_PKTS,
		[NETLOG_STAT_VIRT_RX_BYTES] = NETLOG_S_VIRT_RX_BYTES,
		[NETLOG_STAT_PHYS_TX_PKTS] = NETLOG_S_PHYS_TX_PKTS,
		[NETLOG_STAT_PHYS_TX_BYTES] = NETLOG_S_PHYS_TX_BYTES,
		[NETLOG_STAT_PHYS_RX_PKTS] = NETLOG_S_PHYS_RX_PKTS,
		[NETLOG_STAT_PHYS_RX_BYTES] = NETLOG_S_PHYS_RX_BYTES,
		[NETLOG_STAT_FLOWS_CREATED] = NETLOG_S_FLOWS_CREATED,
		[NETLOG_STAT_MISS_PKTS] = NETLOG_S_MISS_TABLE_FULL_PKTS,
		[NETLOG_STAT_MISS_BYTES] = NETLOG_S_MISS_TABLE_FULL_BYTES,
		[NETLOG_STAT_EXCL_PKTS] = NETLOG_S_EXCLUDED_PKTS,
		[NETLOG_STAT_EXCL_BYTES] = NETLOG_S_EXCLUDED_BYTES,
	};
	struct netlog_stats sum;
	struct nlattr *nest;
	unsigned int i;

	lockdep_assert_held(&st->lock);
	netlog_stats_sum(st, &sum);
	nest = nla_nest_start(skb, NETLOG_A_STATS);
	if (!nest)
		return -EMSGSIZE;
	for (i = 0; i < __NETLOG_STAT_MAX; i++)
		if (nla_put_u64_64bit(skb, types[i], sum.v[i], NETLOG_S_PAD))
			return -EMSGSIZE;
	if (nla_put_u64_64bit(skb, NETLOG_S_WINDOWS_DRAINED, st->drained,
			      NETLOG_S_PAD) ||
	    nla_put_u64_64bit(skb, NETLOG_S_WINDOWS_ACKED, st->acked,
			      NETLOG_S_PAD) ||
	    nla_put_u64_64bit(skb, NETLOG_S_PENDING_SEQ,
			      st->pending ? st->pending->seq : 0,
			      NETLOG_S_PAD) ||
	    put_live(skb, st))
		return -EMSGSIZE;
	nla_nest_end(skb, nest);
	return 0;
}

static int stats_doit(struct sk_buff *skb, struct genl_info *info)
{
	return reply_doit(info, NETLOG_CMD_GET_STATS, put_stats);
}

/* Runs from the namespace's work item, in process context. */
void netlog_genl_notify_high_water(struct netlog_state *st)
{
	const struct netlog_config *cfg;
	struct sk_buff *msg;
	struct nlattr *nest;
	void *hdr;

	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return;
	hdr = genlmsg_put(msg, 0, 0, &netlog_genl_family, 0,
			  NETLOG_CMD_HIGH_WATER);
	if (!hdr)
		goto err_free_msg;
	mutex_lock(&st->lock);
	cfg = netlog_config_locked(st);
	nest = nla_nest_start(msg, NETLOG_A_STATS);
	if (!nest || put_live(msg, st)) {
		mutex_unlock(&st->lock);
		goto err_free_msg;
	}
	nla_nest_end(msg, nest);
	if (nla_put_u32(msg, NETLOG_A_MAX_FLOWS, cfg->max_flows)) {
		mutex_unlock(&st->lock);
		goto err_free_msg;
	}
	mutex_unlock(&st->lock);
	genlmsg_end(msg, hdr);
	genlmsg_multicast_netns(&netlog_genl_family, st->net, msg, 0, 0,
				GFP_KERNEL);
	return;

err_free_msg:
	nlmsg_free(msg);
}

static const struct genl_ops netlog_genl_ops[] = {
	{
		.cmd = NETLOG_CMD_GET_CONFIG,
		.doit = get_config_doit,
		.policy = empty_policy,
		.maxattr = NETLOG_A_MAX,
		.flags = GENL_UNS_ADMIN_PERM,
	}, {
		.cmd = NETLOG_CMD_SET_CONFIG,
		.doit = set_config_doit,
		.policy = set_policy,
		.maxattr = NETLOG_A_MAX,
		.flags = GENL_UNS_ADMIN_PERM,
	}, {
		.cmd = NETLOG_CMD_GET_FLOWS,
		.start = flows_start,
		.dumpit = flows_dumpit,
		.policy = flows_policy,
		.maxattr = NETLOG_A_MAX,
		.flags = GENL_UNS_ADMIN_PERM,
	}, {
		.cmd = NETLOG_CMD_ACK_WINDOW,
		.doit = ack_doit,
		.policy = ack_policy,
		.maxattr = NETLOG_A_MAX,
		.flags = GENL_UNS_ADMIN_PERM,
	}, {
		.cmd = NETLOG_CMD_GET_STATS,
		.doit = stats_doit,
		.policy = empty_policy,
		.maxattr = NETLOG_A_MAX,
		.flags = GENL_UNS_ADMIN_PERM,
	},
};

static const struct genl_multicast_group netlog_genl_mcgrps[] = {
	/* Subscribers need CAP_NET_ADMIN over the namespace, as commands do. */
	{ .name = NETLOG_MCGRP_EVENTS, .flags = GENL_MCAST_CAP_NET_ADMIN },
};

static struct genl_family netlog_genl_family __ro_after_init = {
	.name = NETLOG_GENL_NAME,
	.version = NETLOG_GENL_VERSION,
	.netnsok = true,
	.parallel_ops = true,
	.ops = netlog_genl_ops,
	.n_ops = ARRAY_SIZE(netlog_genl_ops),
	.mcgrps = netlog_genl_mcgrps,
	.n_mcgrps = ARRAY_SIZE(netlog_genl_mcgrps),
	.module = THIS_MODULE,
};

int netlog_genl_init(void)
{
	return genl_register_family(&netlog_genl_family);
}

void netlog_genl_exit(void)
{
	genl_unregister_family(&netlog_genl_family);
}
