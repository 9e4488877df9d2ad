// SPDX-License-Identifier: GPL-2.0
/* A window of flows in memory: grown, sorted, released. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <linux/netlog.h>

#include "window.h"

void window_init(struct window *w)
{
	memset(w, 0, sizeof(*w));
}

void window_release(struct window *w)
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

int window_reserve(struct window *w, size_t n)
{
	struct flow *flows;

	if (n <= w->alloc)
		return 0;
	flows = reallocarray(w->flows, n, sizeof(*flows));
	if (!flows)
		return -ENOMEM;
	w->flows = flows;
	w->alloc = n;
	return 0;
}

struct flow *window_add_flow(struct window *w)
{
	if (w->nr == w->alloc &&
	    window_reserve(w, w->alloc ? w->alloc * 2 : 256))
		return NULL;
	return &w->flows[w->nr++];
}

int flow_compare(const struct flow *a, const struct flow *b)
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

void window_sort(struct window *w)
{
	if (w->nr > 1)
		qsort(w->flows, w->nr, sizeof(*w->flows), flow_qsort_cmp);
}
