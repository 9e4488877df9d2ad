// SPDX-License-Identifier: GPL-2.0
/*
 * The node map's index: one open-addressing table for both lookups, tunnel
 * address to node and underlay endpoint to peer, at half load at most.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "hash.h"
#include "nodemap-index.h"

static size_t slot_hash(const struct addr *a, uint16_t port,
			uint8_t kind)
{
	uint64_t lo, hi;

	memcpy(&lo, a->bytes, 8);
	memcpy(&hi, a->bytes + 8, 8);
	hi ^= (uint64_t)kind << 32 | (uint64_t)a->len << 16 | port;
	return hash_mix64(lo ^ hash_mix64(hi));
}

struct nodemap_slot *nodemap_index_find(const struct nodemap_index *ix,
					const struct addr *a,
					uint16_t port, uint8_t kind)
{
	size_t i;

	if (!ix->slots)
		return NULL;
	for (i = slot_hash(a, port, kind) & ix->mask; ix->slots[i].kind;
	     i = (i + 1) & ix->mask) {
		struct nodemap_slot *s = &ix->slots[i];

		if (s->kind == kind && s->port == port &&
		    s->addr.len == a->len &&
		    !memcmp(s->addr.bytes, a->bytes, a->len))
			return s;
	}
	return NULL;
}

static int slots_grow(struct nodemap_index *ix)
{
	size_t cap = ix->slots ? 2 * (ix->mask + 1) : 64, i, j;
	struct nodemap_slot *old = ix->slots, *slots;

	slots = calloc(cap, sizeof(*slots));
	if (!slots)
		return -ENOMEM;
	for (i = 0; old && i <= ix->mask; i++) {
		if (!old[i].kind)
			continue;
		j = slot_hash(&old[i].addr, old[i].port, old[i].kind) &
		    (cap - 1);
		while (slots[j].kind)
			j = (j + 1) & (cap - 1);
		slots[j] = old[i];
	}
	free(old);
	ix->slots = slots;
	ix->mask = cap - 1;
	return 0;
}

struct nodemap_slot *nodemap_index_add(struct nodemap_index *ix,
				       const struct addr *a,
				       uint16_t port, uint8_t kind)
{
	size_t i;

	if ((ix->used + 1) * 2 > (ix->slots ? ix->mask + 1 : 0) &&
	    slots_grow(ix))
		return NULL;
	i = slot_hash(a, port, kind) & ix->mask;
	while (ix->slots[i].kind)
		i = (i + 1) & ix->mask;
	ix->used++;
	ix->slots[i].addr = *a;
	ix->slots[i].port = port;
	ix->slots[i].kind = kind;
	return &ix->slots[i];
}

void nodemap_index_release(struct nodemap_index *ix)
{
	free(ix->slots);
}
