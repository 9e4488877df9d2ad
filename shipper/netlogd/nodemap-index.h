/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The node map's index: (address, port, kind) to the node that owns it.
 * Tunnel addresses have port 0; endpoints carry the claim that won them.
 */
#ifndef NETLOG_NODEMAP_INDEX_H
#define NETLOG_NODEMAP_INDEX_H

#include <stddef.h>
#include <stdint.h>

#include "addr.h"

/* A tie between two peers for one endpoint leaves it to neither. */
#define NODE_AMBIGUOUS UINT32_MAX

enum slot_kind {
	SLOT_FREE,
	SLOT_ADDR,
	SLOT_ENDPOINT,
};

struct nodemap_slot {
	struct addr addr;
	uint16_t port;
	uint8_t kind;
	uint8_t claim;		/* enum claim, for endpoints */
	uint32_t node;		/* index + 1, or NODE_AMBIGUOUS */
};

struct nodemap_index {
	struct nodemap_slot *slots;
	size_t mask;
	size_t used;
};

/* The slot of a key, or NULL. */
struct nodemap_slot *nodemap_index_find(const struct nodemap_index *ix,
					const struct addr *a,
					uint16_t port, uint8_t kind);
/* A new slot for a key known to be absent, or NULL without memory. */
struct nodemap_slot *nodemap_index_add(struct nodemap_index *ix,
				       const struct addr *a,
				       uint16_t port, uint8_t kind);
void nodemap_index_release(struct nodemap_index *ix);

#endif /* NETLOG_NODEMAP_INDEX_H */
