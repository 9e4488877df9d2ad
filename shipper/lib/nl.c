// SPDX-License-Identifier: GPL-2.0
/* The netlog family: requests built and replies parsed, for both programs. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>

#include "nl.h"

/* An announced size is trusted up to this many flows, then doubling takes over. */
#define FLOWS_RESERVE_MAX ((size_t)1 << 20)

/* A callback's failure: libmnl hands errno back to genl_request(). */
static int cb_fail(int err)
{
	errno = -err;
	return MNL_CB_ERROR;
}

/*
 * A fixed-size attribute's payload into @val: 0, or -EBADMSG for another
 * size (mnl_attr_validate()'s rule for its integer types), inline because
 * a window's flows hold millions of them.
 */
static inline int get_fixed(const struct nlattr *attr, void *val, size_t size)
{
	if (attr->nla_len != NLA_HDRLEN + size)
		return -EBADMSG;
	memcpy(val, (const char *)attr + NLA_HDRLEN, size);
	return 0;
}

static int get_u8(const struct nlattr *attr, uint8_t *val)
{
	return get_fixed(attr, val, sizeof(*val));
}

static int get_u16(const struct nlattr *attr, uint16_t *val)
{
	return get_fixed(attr, val, sizeof(*val));
}

static int get_u32(const struct nlattr *attr, uint32_t *val)
{
	return get_fixed(attr, val, sizeof(*val));
}

static int get_u64(const struct nlattr *attr, uint64_t *val)
{
	return get_fixed(attr, val, sizeof(*val));
}

static int get_addr(const struct nlattr *attr, struct addr *addr)
{
	if (addr_set(addr, (const char *)attr + NLA_HDRLEN,
		     attr->nla_len - NLA_HDRLEN))
		return -EBADMSG;
	return 0;
}

/*
 * Every reply's attributes, a message's and each nest's, walked with
 * <linux/netlink.h>'s macros as iproute2 does, not with libmnl's
 * mnl_attr_for_each(): a window of 1M flows has 11M attributes, and libmnl's
 * out-of-line mnl_attr_ok(), mnl_attr_next() and payload calls were most of
 * its decode time. Stricter than libmnl's walk, which stops quietly at an
 * attribute that does not fit: one makes the message malformed.
 */
struct nest_walk {
	const char *pos;
	size_t left;
};

static inline void nest_walk_start(struct nest_walk *nw,
				   const struct nlattr *nest)
{
	nw->pos = (const char *)nest + NLA_HDRLEN;
	nw->left = nest->nla_len - NLA_HDRLEN;
}

/* The attributes after a generic netlink message's header. */
static int msg_walk_start(struct nest_walk *nw, const struct nlmsghdr *nlh)
{
	size_t len = mnl_nlmsg_get_payload_len(nlh);

	if (len < GENL_HDRLEN_ALIGNED)
		return -EBADMSG;
	nw->pos = (const char *)mnl_nlmsg_get_payload(nlh) + GENL_HDRLEN_ALIGNED;
	nw->left = len - GENL_HDRLEN_ALIGNED;
	return 0;
}

static inline int attr_type(const struct nlattr *attr)
{
	return attr->nla_type & NLA_TYPE_MASK;
}

/* 1 and the next attribute in @attr, 0 at the nest's end, or -EBADMSG. */
static inline int nest_walk_next(struct nest_walk *nw,
				 const struct nlattr **attr)
{
	const struct nlattr *a = (const struct nlattr *)nw->pos;
	size_t step;

	if (!nw->left)
		return 0;
	if (nw->left < NLA_HDRLEN || a->nla_len < NLA_HDRLEN ||
	    a->nla_len > nw->left)
		return -EBADMSG;
	/* The last attribute's padding may be left out of the nest. */
	step = NLA_ALIGN(a->nla_len);
	if (step > nw->left)
		step = nw->left;
	nw->pos += step;
	nw->left -= step;
	*attr = a;
	return 1;
}

/* Configuration */

static int config_list_item(const struct nlattr *attr, struct nl_config *c,
			    int list)
{
	switch (list) {
	case NETLOG_A_DEVICES:
		if (c->ndevices == NETLOG_MAX_DEVICES ||
		    mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) < 0 ||
		    mnl_attr_get_payload_len(attr) > IFNAMSIZ)
			return -EBADMSG;
		snprintf(c->devices[c->ndevices++], IFNAMSIZ, "%s",
			 mnl_attr_get_str(attr));
		return 0;
	case NETLOG_A_DEVICE_IFINDEXES:
		if (c->nifindexes == NETLOG_MAX_DEVICES)
			return -EBADMSG;
		return get_u32(attr, &c->ifindexes[c->nifindexes++]);
	case NETLOG_A_PORTS:
		if (c->nports == NETLOG_MAX_PORTS)
			return -EBADMSG;
		return get_u16(attr, &c->ports[c->nports++]);
	case NETLOG_A_EXCLUDE:
		if (c->nexclude == NETLOG_MAX_EXCLUDE)
			return -EBADMSG;
		return get_addr(attr, &c->exclude[c->nexclude++]);
	}
	return 0;
}

static int config_attr(const struct nlattr *attr, struct nl_config *c)
{
	const struct nlattr *item;
	int type = attr_type(attr);
	struct nest_walk nw;
	int ret;

	switch (type) {
	case NETLOG_A_DEVICES:
	case NETLOG_A_DEVICE_IFINDEXES:
	case NETLOG_A_PORTS:
	case NETLOG_A_EXCLUDE:
		nest_walk_start(&nw, attr);
		while ((ret = nest_walk_next(&nw, &item)) > 0) {
			ret = config_list_item(item, c, type);
			if (ret)
				return ret;
		}
		return ret;
	case NETLOG_A_MAX_FLOWS:
		return get_u32(attr, &c->max_flows);
	case NETLOG_A_HIGH_WATER:
		return get_u8(attr, &c->high_water);
	}
	return 0;
}

static int config_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *attr;
	struct nest_walk nw;
	int ret;

	ret = msg_walk_start(&nw, nlh);
	while (!ret && (ret = nest_walk_next(&nw, &attr)) > 0)
		ret = config_attr(attr, data);
	return ret ? cb_fail(ret) : MNL_CB_OK;
}

int nl_config_get(struct genl_ctx *ctx, struct nl_config *c)
{
	struct nlmsghdr *nlh;

	memset(c, 0, sizeof(*c));
	c->has = NL_CONFIG_DEVICES | NL_CONFIG_PORTS | NL_CONFIG_EXCLUDE |
		 NL_CONFIG_MAX_FLOWS | NL_CONFIG_HIGH_WATER;
	nlh = genl_msg_start(ctx, NETLOG_CMD_GET_CONFIG, 0);
	return genl_request(ctx, nlh, config_cb, c);
}

int nl_config_set(struct genl_ctx *ctx, const struct nl_config *c)
{
	struct nlmsghdr *nlh;
	struct nlattr *nest;
	unsigned int i;

	/*
	 * The largest request (every list full) is about 1 KiB, well within
	 * the transmit buffer, so the puts cannot overflow it.
	 */
	nlh = genl_msg_start(ctx, NETLOG_CMD_SET_CONFIG, 0);
	if (c->has & NL_CONFIG_DEVICES) {
		nest = mnl_attr_nest_start(nlh, NETLOG_A_DEVICES);
		for (i = 0; i < c->ndevices; i++)
			mnl_attr_put_strz(nlh, 0, c->devices[i]);
		mnl_attr_nest_end(nlh, nest);
	}
	if (c->has & NL_CONFIG_PORTS) {
		nest = mnl_attr_nest_start(nlh, NETLOG_A_PORTS);
		for (i = 0; i < c->nports; i++)
			mnl_attr_put_u16(nlh, 0, c->ports[i]);
		mnl_attr_nest_end(nlh, nest);
	}
	if (c->has & NL_CONFIG_EXCLUDE) {
		nest = mnl_attr_nest_start(nlh, NETLOG_A_EXCLUDE);
		for (i = 0; i < c->nexclude; i++)
			mnl_attr_put(nlh, 0, c->exclude[i].len,
				     c->exclude[i].bytes);
		mnl_attr_nest_end(nlh, nest);
	}
	if (c->has & NL_CONFIG_MAX_FLOWS)
		mnl_attr_put_u32(nlh, NETLOG_A_MAX_FLOWS, c->max_flows);
	if (c->has & NL_CONFIG_HIGH_WATER)
		mnl_attr_put_u8(nlh, NETLOG_A_HIGH_WATER, c->high_water);
	return genl_request(ctx, nlh, NULL, NULL);
}

/* Counters */

/* A newer kernel's counters, beyond NETLOG_S_MAX, are skipped. */
static int stats_parse(const struct nlattr *nest, struct nl_stats *st)
{
	const struct nlattr *attr;
	struct nest_walk nw;
	uint32_t val32;
	int type, ret;

	nest_walk_start(&nw, nest);
	while ((ret = nest_walk_next(&nw, &attr)) > 0) {
		type = attr_type(attr);
		if (type <= NETLOG_S_PAD || type > NETLOG_S_MAX)
			continue;
		if (type == NETLOG_S_LIVE_FLOWS ||
		    type == NETLOG_S_LIVE_FILL_MAX) {
			ret = get_u32(attr, &val32);
			if (!ret)
				st->val[type] = val32;
		} else {
			ret = get_u64(attr, &st->val[type]);
		}
		if (ret)
			return ret;
	}
	return ret;
}

static int stats_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *attr;
	struct nest_walk nw;
	int ret;

	ret = msg_walk_start(&nw, nlh);
	while (!ret && (ret = nest_walk_next(&nw, &attr)) > 0)
		ret = attr_type(attr) == NETLOG_A_STATS ?
		      stats_parse(attr, data) : 0;
	return ret ? cb_fail(ret) : MNL_CB_OK;
}

int nl_stats_get(struct genl_ctx *ctx, struct nl_stats *st)
{
	struct nlmsghdr *nlh;

	memset(st, 0, sizeof(*st));
	nlh = genl_msg_start(ctx, NETLOG_CMD_GET_STATS, 0);
	return genl_request(ctx, nlh, stats_cb, st);
}

int nl_high_water_parse(const struct nlmsghdr *nlh, struct nl_high_water *hw)
{
	const struct nlattr *attr;
	struct nl_stats st = { 0 };
	struct nest_walk nw;
	int ret;

	ret = msg_walk_start(&nw, nlh);
	if (ret)
		return ret;
	if (genl_msg_cmd(nlh) != NETLOG_CMD_HIGH_WATER)
		return -ENOMSG;
	memset(hw, 0, sizeof(*hw));
	while ((ret = nest_walk_next(&nw, &attr)) > 0) {
		switch (attr_type(attr)) {
		case NETLOG_A_MAX_FLOWS:
			ret = get_u32(attr, &hw->max_flows);
			break;
		case NETLOG_A_STATS:
			ret = stats_parse(attr, &st);
			break;
		}
		if (ret)
			return ret;
	}
	if (ret)
		return ret;
	hw->live_flows = st.val[NETLOG_S_LIVE_FLOWS];
	hw->fill_max = st.val[NETLOG_S_LIVE_FILL_MAX];
	return 0;
}

/* Windows */

static int counts_parse(const struct nlattr *nest, struct counts *c)
{
	const struct nlattr *attr;
	struct nest_walk nw;
	int ret;

	nest_walk_start(&nw, nest);
	while ((ret = nest_walk_next(&nw, &attr)) > 0) {
		switch (attr_type(attr)) {
		case NETLOG_C_PKTS:
			ret = get_u64(attr, &c->pkts);
			break;
		case NETLOG_C_BYTES:
			ret = get_u64(attr, &c->bytes);
			break;
		default:
			ret = 0;
		}
		if (ret)
			return ret;
	}
	return ret;
}

static int misses_parse(const struct nlattr *nest, struct window *w)
{
	const struct nlattr *attr;
	struct nest_walk nw;
	int ret;

	nest_walk_start(&nw, nest);
	while ((ret = nest_walk_next(&nw, &attr)) > 0) {
		if (attr_type(attr) != NETLOG_MISS_TABLE_FULL)
			continue;
		ret = counts_parse(attr, &w->miss_table_full);
		if (ret)
			return ret;
	}
	return ret;
}

static int window_attr(const struct nlattr *attr, struct window *w)
{
	switch (attr_type(attr)) {
	case NETLOG_W_SEQ:
		return get_u64(attr, &w->seq);
	case NETLOG_W_START_NS:
		return get_u64(attr, &w->start_ns);
	case NETLOG_W_END_NS:
		return get_u64(attr, &w->end_ns);
	case NETLOG_W_NFLOWS:
		return get_u32(attr, &w->nflows);
	case NETLOG_W_MISSES:
		return misses_parse(attr, w);
	case NETLOG_W_EXCLUDED:
		return counts_parse(attr, &w->excluded);
	}
	return 0;
}

static int window_parse(const struct nlattr *nest, struct window *w)
{
	const struct nlattr *attr;
	struct nest_walk nw;
	int ret;

	nest_walk_start(&nw, nest);
	while ((ret = nest_walk_next(&nw, &attr)) > 0) {
		ret = window_attr(attr, w);
		if (ret)
			return ret;
	}
	if (ret)
		return ret;
	w->seen = true;
	if (w->nflows)
		return window_reserve(w, w->nflows < FLOWS_RESERVE_MAX ?
					 w->nflows : FLOWS_RESERVE_MAX);
	return 0;
}

/* Each attribute of a flow, noting in @seen the two that carry no address. */
static inline int flow_attr(const struct nlattr *attr, struct flow *f,
			    unsigned int *seen)
{
	switch (attr_type(attr)) {
	case NETLOG_F_KIND:
		*seen |= 1;
		return get_u8(attr, &f->kind);
	case NETLOG_F_PROTO:
		*seen |= 2;
		return get_u8(attr, &f->proto);
	case NETLOG_F_LOCAL_ADDR:
		return get_addr(attr, &f->local);
	case NETLOG_F_REMOTE_ADDR:
		return get_addr(attr, &f->remote);
	case NETLOG_F_LOCAL_PORT:
		return get_u16(attr, &f->local_port);
	case NETLOG_F_REMOTE_PORT:
		return get_u16(attr, &f->remote_port);
	case NETLOG_F_TX_PKTS:
		return get_u64(attr, &f->tx_pkts);
	case NETLOG_F_TX_BYTES:
		return get_u64(attr, &f->tx_bytes);
	case NETLOG_F_RX_PKTS:
		return get_u64(attr, &f->rx_pkts);
	case NETLOG_F_RX_BYTES:
		return get_u64(attr, &f->rx_bytes);
	}
	return 0;
}

static int flow_parse(const struct nlattr *nest, struct flow *f)
{
	const struct nlattr *attr;
	struct nest_walk nw;
	unsigned int seen = 0;
	int ret;

	memset(f, 0, sizeof(*f));
	nest_walk_start(&nw, nest);
	while ((ret = nest_walk_next(&nw, &attr)) > 0) {
		if (flow_attr(attr, f, &seen))
			return -EBADMSG;
	}
	if (ret || seen != 3 || !f->local.len || !f->remote.len)
		return -EBADMSG;
	return 0;
}

static int flows_parse(const struct nlattr *nest, struct window *w)
{
	const struct nlattr *attr;
	struct nest_walk nw;
	struct flow *f;
	int ret;

	nest_walk_start(&nw, nest);
	while ((ret = nest_walk_next(&nw, &attr)) > 0) {
		f = window_add_flow(w);
		if (!f)
			return -ENOMEM;
		ret = flow_parse(attr, f);
		if (ret) {
			w->nr--;
			return ret;
		}
	}
	return ret;
}

int nl_window_parse_msg(const struct nlmsghdr *nlh, void *data)
{
	struct window *w = data;
	const struct nlattr *attr;
	struct nest_walk nw;
	int ret;

	ret = msg_walk_start(&nw, nlh);
	while (!ret && (ret = nest_walk_next(&nw, &attr)) > 0) {
		switch (attr_type(attr)) {
		case NETLOG_A_WINDOW:
			ret = window_parse(attr, w);
			break;
		case NETLOG_A_FLOWS:
			ret = flows_parse(attr, w);
			break;
		default:
			ret = 0;
		}
	}
	return ret ? cb_fail(ret) : MNL_CB_OK;
}

int nl_window_fetch(struct genl_ctx *ctx, bool drain, struct window *w)
{
	struct nlmsghdr *nlh;
	int ret = -EINTR;
	int try;

	for (try = 0; try < NL_WINDOW_FETCH_TRIES && ret == -EINTR; try++) {
		window_release(w);
		nlh = genl_msg_start(ctx, NETLOG_CMD_GET_FLOWS, NLM_F_DUMP);
		mnl_attr_put_u32(nlh, NETLOG_A_FLAGS,
				 drain ? NETLOG_FLOWS_DRAIN : 0);
		ret = genl_request(ctx, nlh, nl_window_parse_msg, w);
		/* The window was acknowledged before its first message. */
		if (ret == -ESTALE)
			ret = -EINTR;
	}
	if (ret)
		return ret;
	return w->seen ? 0 : -EBADMSG;
}

int nl_window_ack(struct genl_ctx *ctx, uint64_t seq)
{
	struct nlmsghdr *nlh;

	nlh = genl_msg_start(ctx, NETLOG_CMD_ACK_WINDOW, 0);
	mnl_attr_put_u64(nlh, NETLOG_A_WINDOW_SEQ, seq);
	return genl_request(ctx, nlh, NULL, NULL);
}
