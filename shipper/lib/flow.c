// SPDX-License-Identifier: GPL-2.0
/* A window of flows: parsed from a GET_FLOWS dump, sorted. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <linux/genetlink.h>
#include <linux/netlog.h>

#include "flow.h"

/* An announced size is trusted up to this many flows, then doubling takes over. */
#define FLOWS_RESERVE_MAX ((size_t)1 << 20)

void window_init(struct netlog_window *w)
{
	memset(w, 0, sizeof(*w));
}

void window_release(struct netlog_window *w)
{
	free(w->flows);
	window_init(w);
}

const char *flow_kind_name(uint8_t kind)
{
	switch (kind) {
	case NETLOG_KIND_VIRTUAL:
		return "virtual";
	case NETLOG_KIND_PHYSICAL:
		return "physical";
	}
	return NULL;
}

static int reserve(struct netlog_window *w, size_t n)
{
	struct netlog_flow *flows;

	if (n <= w->alloc)
		return 0;
	flows = reallocarray(w->flows, n, sizeof(*flows));
	if (!flows)
		return -ENOMEM;
	w->flows = flows;
	w->alloc = n;
	return 0;
}

static int get_u64(const struct nlattr *attr, uint64_t *val)
{
	if (mnl_attr_validate(attr, MNL_TYPE_U64) < 0)
		return -EBADMSG;
	*val = mnl_attr_get_u64(attr);
	return 0;
}

static int parse_counts(const struct nlattr *nest, struct netlog_counts *c)
{
	const struct nlattr *attr;
	int ret = 0;

	mnl_attr_for_each_nested(attr, nest) {
		switch (mnl_attr_get_type(attr)) {
		case NETLOG_C_PKTS:
			ret = get_u64(attr, &c->pkts);
			break;
		case NETLOG_C_BYTES:
			ret = get_u64(attr, &c->bytes);
			break;
		}
		if (ret)
			return ret;
	}
	return 0;
}

static int parse_misses(const struct nlattr *nest, struct netlog_window *w)
{
	const struct nlattr *attr;

	mnl_attr_for_each_nested(attr, nest) {
		if (mnl_attr_get_type(attr) != NETLOG_MISS_TABLE_FULL)
			continue;
		if (parse_counts(attr, &w->miss_table_full))
			return -EBADMSG;
	}
	return 0;
}

static int parse_window(const struct nlattr *nest, struct netlog_window *w)
{
	const struct nlattr *attr;
	int ret = 0;

	mnl_attr_for_each_nested(attr, nest) {
		switch (mnl_attr_get_type(attr)) {
		case NETLOG_W_SEQ:
			ret = get_u64(attr, &w->seq);
			break;
		case NETLOG_W_START_NS:
			ret = get_u64(attr, &w->start_ns);
			break;
		case NETLOG_W_END_NS:
			ret = get_u64(attr, &w->end_ns);
			break;
		case NETLOG_W_NFLOWS:
			if (mnl_attr_validate(attr, MNL_TYPE_U32) < 0)
				return -EBADMSG;
			w->nflows = mnl_attr_get_u32(attr);
			break;
		case NETLOG_W_MISSES:
			ret = parse_misses(attr, w);
			break;
		case NETLOG_W_EXCLUDED:
			ret = parse_counts(attr, &w->excluded);
			break;
		}
		if (ret)
			return ret;
	}
	w->seen = true;
	if (w->nflows)
		return reserve(w, w->nflows < FLOWS_RESERVE_MAX ?
				  w->nflows : FLOWS_RESERVE_MAX);
	return 0;
}

static int parse_flow(const struct nlattr *nest, struct netlog_flow *f)
{
	const struct nlattr *attr;
	bool kind = false, proto = false;
	int ret = 0;

	memset(f, 0, sizeof(*f));
	mnl_attr_for_each_nested(attr, nest) {
		switch (mnl_attr_get_type(attr)) {
		case NETLOG_F_KIND:
		case NETLOG_F_PROTO:
			if (mnl_attr_validate(attr, MNL_TYPE_U8) < 0)
				return -EBADMSG;
			if (mnl_attr_get_type(attr) == NETLOG_F_KIND) {
				f->kind = mnl_attr_get_u8(attr);
				kind = true;
			} else {
				f->proto = mnl_attr_get_u8(attr);
				proto = true;
			}
			break;
		case NETLOG_F_LOCAL_ADDR:
			ret = addr_set(&f->local, mnl_attr_get_payload(attr),
				       mnl_attr_get_payload_len(attr));
			break;
		case NETLOG_F_REMOTE_ADDR:
			ret = addr_set(&f->remote, mnl_attr_get_payload(attr),
				       mnl_attr_get_payload_len(attr));
			break;
		case NETLOG_F_LOCAL_PORT:
		case NETLOG_F_REMOTE_PORT:
			if (mnl_attr_validate(attr, MNL_TYPE_U16) < 0)
				return -EBADMSG;
			if (mnl_attr_get_type(attr) == NETLOG_F_LOCAL_PORT)
				f->local_port = mnl_attr_get_u16(attr);
			else
				f->remote_port = mnl_attr_get_u16(attr);
			break;
		case NETLOG_F_TX_PKTS:
			ret = get_u64(attr, &f->tx_pkts);
			break;
		case NETLOG_F_TX_BYTES:
			ret = get_u64(attr, &f->tx_bytes);
			break;
		case NETLOG_F_RX_PKTS:
			ret = get_u64(attr, &f->rx_pkts);
			break;
		case NETLOG_F_RX_BYTES:
			ret = get_u64(attr, &f->rx_bytes);
			break;
		}
		if (ret)
			return -EBADMSG;
	}
	if (!kind || !proto || !f->local.len || !f->remote.len)
		return -EBADMSG;
	return 0;
}

static int parse_flows(const struct nlattr *nest, struct netlog_window *w)
{
	const struct nlattr *attr;
	int ret;

	mnl_attr_for_each_nested(attr, nest) {
		if (w->nr == w->alloc) {
			ret = reserve(w, w->alloc ? w->alloc * 2 : 256);
			if (ret)
				return ret;
		}
		ret = parse_flow(attr, &w->flows[w->nr]);
		if (ret)
			return ret;
		w->nr++;
	}
	return 0;
}

int window_parse_msg(const struct nlmsghdr *nlh, void *data)
{
	struct netlog_window *w = data;
	const struct nlattr *attr;
	int ret = 0;

	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(struct genlmsghdr)) {
		errno = EBADMSG;
		return MNL_CB_ERROR;
	}
	mnl_attr_for_each(attr, nlh, sizeof(struct genlmsghdr)) {
		switch (mnl_attr_get_type(attr)) {
		case NETLOG_A_WINDOW:
			ret = parse_window(attr, w);
			break;
		case NETLOG_A_FLOWS:
			ret = parse_flows(attr, w);
			break;
		}
		if (ret) {
			errno = -ret;
			return MNL_CB_ERROR;
		}
	}
	return MNL_CB_OK;
}

int flow_compare(const struct netlog_flow *a, const struct netlog_flow *b)
{
	int ret;

	if (a->kind != b->kind)
		return a->kind < b->kind ? -1 : 1;
	ret = addrport_compare(&a->local, a->local_port, &b->local,
			       b->local_port);
	if (ret)
		return ret;
	ret = addrport_compare(&a->remote, a->remote_port, &b->remote,
			       b->remote_port);
	if (ret)
		return ret;
	return (a->proto > b->proto) - (a->proto < b->proto);
}

static int flow_qsort_cmp(const void *a, const void *b)
{
	return flow_compare(a, b);
}

void window_sort(struct netlog_window *w)
{
	if (w->nr > 1)
		qsort(w->flows, w->nr, sizeof(*w->flows), flow_qsort_cmp);
}
