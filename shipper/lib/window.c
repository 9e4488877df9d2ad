// SPDX-License-Identifier: GPL-2.0
/* A window of flows in memory: grown, sorted, released. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <linux/netlog.h>

#include "radix.h"
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

/*
 * window_sort() orders keys, not flows: the first 16 bytes of the string
 * kind, local length, address, port, remote length, address, port, proto,
 * whose byte order is flow_compare()'s order (lengths come before the bytes
 * they count). It holds the whole key of a flow between IPv4 addresses;
 * flows whose keys tie are then ordered by flow_compare().
 */
static uint64_t be64(const uint8_t *p)
{
	uint64_t v = 0;
	int i;

	for (i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

static size_t put_side(uint8_t *p, const struct addr *a, uint16_t port)
{
	p[0] = a->len;
	memcpy(p + 1, a->bytes, a->len);
	p[1 + a->len] = port >> 8;
	p[2 + a->len] = port;
	return 3 + a->len;
}

static void sort_key(struct radix_key *k, const struct flow *f, uint32_t idx)
{
	uint8_t s[2 * (3 + sizeof(f->local.bytes)) + 2];
	size_t n = 1;

	s[0] = f->kind;
	n += put_side(s + n, &f->local, f->local_port);
	n += put_side(s + n, &f->remote, f->remote_port);
	s[n] = f->proto;
	k->hi = be64(s);
	k->lo = be64(s + 8);
	k->idx = idx;
}

static int key_flow_cmp(const void *a, const void *b, void *flows)
{
	const struct radix_key *x = a, *y = b;
	const struct flow *f = flows;

	return flow_compare(&f[x->idx], &f[y->idx]);
}

void window_sort(struct window *w)
{
	struct radix_key *keys;
	uint32_t *perm;
	size_t i;

	if (w->nr < 2)
		return;
	keys = w->nr <= UINT32_MAX ? calloc(2 * w->nr, sizeof(*keys)) : NULL;
	if (!keys) {
		qsort(w->flows, w->nr, sizeof(*w->flows), flow_qsort_cmp);
		return;
	}
	for (i = 0; i < w->nr; i++)
		sort_key(&keys[i], &w->flows[i], i);
	radix_sort(keys, keys + w->nr, w->nr, key_flow_cmp, w->flows);
	/* The radix sort's scratch half of @keys holds the permutation. */
	perm = (uint32_t *)(keys + w->nr);
	for (i = 0; i < w->nr; i++)
		perm[i] = keys[i].idx;
	radix_permute(w->flows, sizeof(*w->flows), perm, w->nr);
	free(keys);
}
