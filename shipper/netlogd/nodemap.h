/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The node map: which node owns each tunnel address and each underlay
 * endpoint. Loaded from `tailscale status --json` or from netlog's own node
 * map (docs/nodemap.md); the format is detected from the top-level keys.
 */
#ifndef NETLOG_NODEMAP_H
#define NETLOG_NODEMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "json-read.h"
#include "prefix.h"

/* Room for an error message: file, JSON path, reason and the bad value. */
#define NODEMAP_ERR_LEN JSON_ERR_LEN

/*
 * A node's JSON (§5.4 jsonLen) may take at most this many bytes, so that a
 * message always has room for self and two nodes: 219 + 4 * 32768 + 248 is
 * well under 262144. Larger nodes are refused at load time.
 */
#define NODEMAP_NODE_JSON_MAX 32768

/* A string as JSON carries it: it may hold NULs. Always NUL-terminated. */
struct nodemap_str {
	char *s;
	size_t len;
};

/*
 * A node as Tailscale's netlog describes it (netlogtype.Node). The strings
 * are ready to print: invalid UTF-8 is already replaced by U+FFFD, the name
 * has lost its trailing dot, the tags are sorted and unique and the user is
 * set only for an untagged node.
 */
struct nodemap_node {
	struct nodemap_str id;		/* stable node ID */
	struct nodemap_str name;
	struct nodemap_str os;
	struct nodemap_str user;
	struct nodemap_str *tags;
	size_t ntags;
	struct addr *addrs;	/* tunnel addresses, as listed */
	size_t naddrs;
	struct addr addr4;	/* last IPv4 of addrs, len 0 if none */
	struct addr addr6;	/* last IPv6 of addrs, len 0 if none */
	size_t json_len;		/* upper bound of its JSON (jsonLen) */
	uint32_t index;			/* in the map, 0 .. nodemap_count() - 1 */
	uint32_t rank;			/* in the bytewise order of the raw IDs */
};

struct nodemap;

/*
 * Reads and checks a node map. On any error returns -errno (-EINVAL for a
 * malformed map) and writes "FILE: JSON.PATH: reason" to @err; *out is left
 * alone, so the caller keeps its previous map.
 */
int nodemap_load(struct nodemap **out, const char *path, char *err,
		 size_t errlen);
/* The same from memory; @name stands for the file in messages. */
int nodemap_parse(struct nodemap **out, const char *name, const char *buf,
		  size_t len, char *err, size_t errlen);
void nodemap_free(struct nodemap *nm);

const struct nodemap_node *nodemap_self(const struct nodemap *nm);
size_t nodemap_count(const struct nodemap *nm);
const struct nodemap_node *nodemap_node(const struct nodemap *nm, size_t i);

/* The node owning tunnel address @a, or NULL. */
const struct nodemap_node *nodemap_by_addr(const struct nodemap *nm,
					   const struct addr *a);
/* The peer reached at underlay endpoint @a:@port, or NULL. */
const struct nodemap_node *nodemap_by_endpoint(const struct nodemap *nm,
					       const struct addr *a,
					       uint16_t port);

/*
 * The routes the map implies, for routes_build(): every node's addresses
 * and its routes (a peer's routes into the tunnel, self's advertised ones).
 */
void nodemap_routes(const struct nodemap *nm,
		    const struct prefix **routes, size_t *n);

#endif /* NETLOG_NODEMAP_H */
