/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the node map's two formats (nodemap-tailscale.c, nodemap-simple.c)
 * share with its builder (nodemap-build.c) and with nodemap.c, which picks
 * the format and owns the result.
 */
#ifndef NETLOG_NODEMAP_BUILD_H
#define NETLOG_NODEMAP_BUILD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <json-c/json.h>

#include "json-read.h"
#include "nodemap-index.h"
#include "nodemap.h"
#include "prefix.h"

struct nodemap {
	struct nodemap_node *nodes;
	size_t nnodes;
	size_t self;
	struct prefix *routes;
	size_t nroutes;
	struct nodemap_index index;
};

/* Endpoint claims: a current address beats a merely known one. */
enum claim {
	CLAIM_KNOWN = 1,
	CLAIM_CURRENT = 2,
};

/* Parser state: the map being built and what errors need. */
struct nodemap_builder {
	struct json_reader r;
	struct nodemap *nm;
	size_t cap_nodes;
	size_t cap_routes;
	struct nodemap_str *raw_ids;	/* as given, for ordering */
	char **paths;			/* of each node, for errors */
	bool simple;			/* netlog's format: endpoint ties fail */
};

/* What both formats say about a node, before checking. */
struct node_in {
	const char *id;
	size_t id_len;
	const char *name;
	size_t name_len;
	const char *os;
	size_t os_len;
	const char *user;	/* NULL: no valid profile */
	size_t user_len;
	json_object *tags;
	const char *tags_key;
	json_object *addrs;
	const char *addrs_key;
};

/* The two formats: fill the builder from the top-level object @top. */
int nodemap_from_tailscale(struct nodemap_builder *b, json_object *top);
int nodemap_from_simple(struct nodemap_builder *b, json_object *top);

/*
 * Checks and stores a node; its index is returned in *index. The size
 * bound is Tailscale's nodeUser.jsonLen() over the values as given: the
 * untrimmed name, every address and every tag.
 */
int nodemap_add_node(struct nodemap_builder *b, const char *path,
		     const struct node_in *in, uint32_t *index);
/* path.key: an array of prefixes routed through (or served by) a node. */
int nodemap_add_routes(struct nodemap_builder *b, json_object *obj,
		       const char *path, const char *key);
/*
 * Underlay endpoint @s, at JSON path @p, for node @node. Between two peers
 * the stronger claim wins and equal claims leave it to neither; in netlog's
 * own format a second node's claim fails.
 */
int nodemap_claim_endpoint(struct nodemap_builder *b, uint32_t node,
			   const char *p, const char *s, enum claim claim);

/* Ranks the nodes by raw ID for dstNodes; two nodes with one ID fail. */
int nodemap_rank_nodes(struct nodemap_builder *b);
/* Frees what only the builder needed; the map itself stays. */
void nodemap_builder_release(struct nodemap_builder *b);

#endif /* NETLOG_NODEMAP_BUILD_H */
