// SPDX-License-Identifier: GPL-2.0
/*
 * Routes for classification. Every route, single IPs included, sits in one
 * open-addressing table keyed by (masked address, length); a lookup masks the
 * address once per distinct length of its family, so its cost does not grow
 * with the number of peers and subnets.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hash.h"
#include "nodemap.h"
#include "prefix.h"
#include "routes.h"

struct route_slot {
	struct addr addr;
	uint8_t bits;
	bool used;
};

struct routes {
	struct route_slot *slots;
	size_t mask;
	/* distinct prefix lengths present, longest first */
	uint8_t lens4[33], nlens4;
	uint8_t lens6[129], nlens6;
};

static size_t slot_of(const struct routes *rt, const struct addr *a,
		      uint8_t bits)
{
	uint64_t lo, hi;

	memcpy(&lo, a->bytes, 8);
	memcpy(&hi, a->bytes + 8, 8);
	hi ^= (uint64_t)a->len << 8 | bits;
	return hash_mix64(lo ^ hash_mix64(hi)) & rt->mask;
}

static bool slot_is(const struct route_slot *s, const struct addr *a,
		    uint8_t bits)
{
	return s->bits == bits && s->addr.len == a->len &&
	       !memcmp(s->addr.bytes, a->bytes, a->len);
}

static void insert(struct routes *rt, const struct prefix *p)
{
	uint8_t *lens = p->addr.len == 4 ? rt->lens4 : rt->lens6;
	uint8_t *nlens = p->addr.len == 4 ? &rt->nlens4 : &rt->nlens6;
	size_t i = slot_of(rt, &p->addr, p->bits);
	unsigned int j;

	/* Tailscale's withinRoutes skips prefixes with Bits() == 0. */
	if (!p->bits)
		return;
	for (; rt->slots[i].used; i = (i + 1) & rt->mask)
		if (slot_is(&rt->slots[i], &p->addr, p->bits))
			return;
	rt->slots[i].addr = p->addr;
	rt->slots[i].bits = p->bits;
	rt->slots[i].used = true;
	for (j = 0; j < *nlens && lens[j] > p->bits; j++)
		;
	if (j < *nlens && lens[j] == p->bits)
		return;
	memmove(lens + j + 1, lens + j, *nlens - j);
	lens[j] = p->bits;
	(*nlens)++;
}

bool routes_contains(const struct routes *rt, const struct addr *a)
{
	const uint8_t *lens = a->len == 4 ? rt->lens4 : rt->lens6;
	unsigned int j, n = a->len == 4 ? rt->nlens4 : rt->nlens6;

	if (a->len != 4 && a->len != 16)
		return false;
	for (j = 0; j < n; j++) {
		struct addr m = *a;
		size_t i;

		addr_mask(&m, lens[j]);
		for (i = slot_of(rt, &m, lens[j]); rt->slots[i].used;
		     i = (i + 1) & rt->mask)
			if (slot_is(&rt->slots[i], &m, lens[j]))
				return true;
	}
	return false;
}

int routes_parse_list(const char *list, struct prefix **out,
		      size_t *nout, char *err, size_t errlen)
{
	static const char blanks[] = " \t";
	struct prefix *v = NULL, p;
	const char *s = list ? list : "", *why;
	size_t n = 0, item = 0, len;
	bool after_comma = false;
	char buf[128];

	for (;;) {
		s += strspn(s, blanks);
		if (!*s && !after_comma)
			break;
		item++;
		if (!*s || *s == ',') {
			snprintf(err, errlen, "routes '%s': empty prefix at item %zu",
				 list, item);
			goto err;
		}
		len = strcspn(s, ", \t");
		if (len >= sizeof(buf)) {
			snprintf(err, errlen, "routes: prefix at item %zu is too long",
				 item);
			goto err;
		}
		memcpy(buf, s, len);
		buf[len] = '\0';
		if (prefix_parse(&p, buf, &why)) {
			snprintf(err, errlen, "routes: bad prefix '%s': %s", buf,
				 why);
			goto err;
		}
		if (out) {
			struct prefix *nv = reallocarray(v, n + 1,
								sizeof(*v));

			if (!nv) {
				free(v);
				snprintf(err, errlen, "routes: %s", strerror(ENOMEM));
				return -ENOMEM;
			}
			v = nv;
			v[n] = p;
		}
		n++;
		s += len;
		s += strspn(s, blanks);
		after_comma = *s == ',';
		if (after_comma)
			s++;
	}
	if (out) {
		*out = v;
		*nout = n;
	}
	return 0;
err:
	free(v);
	return -EINVAL;
}

int routes_build(struct routes **out, const struct nodemap *nm,
		 const char *extra, char *err, size_t errlen)
{
	const struct prefix *nmr = NULL;
	struct prefix *ex = NULL;
	size_t nnm = 0, nex = 0, cap, i;
	struct routes *rt;
	int ret;

	ret = routes_parse_list(extra, &ex, &nex, err, errlen);
	if (ret)
		return ret;
	if (nm)
		nodemap_routes(nm, &nmr, &nnm);
	rt = calloc(1, sizeof(*rt));
	for (cap = 16; cap < 2 * (nnm + nex); cap *= 2)
		;
	if (rt)
		rt->slots = calloc(cap, sizeof(*rt->slots));
	if (!rt || !rt->slots) {
		free(ex);
		routes_free(rt);
		snprintf(err, errlen, "routes: %s", strerror(ENOMEM));
		return -ENOMEM;
	}
	rt->mask = cap - 1;
	for (i = 0; i < nnm; i++)
		insert(rt, &nmr[i]);
	for (i = 0; i < nex; i++)
		insert(rt, &ex[i]);
	free(ex);
	*out = rt;
	return 0;
}

void routes_free(struct routes *rt)
{
	if (!rt)
		return;
	free(rt->slots);
	free(rt);
}
