// SPDX-License-Identifier: GPL-2.0
/*
 * The node map, from `tailscale status --json` or from netlog's own format
 * (docs/nodemap.md). Checked as a whole before it replaces anything: a bad
 * value fails the load with its file, JSON path and reason. The format is
 * told by its top-level keys; nodemap-tailscale.c and nodemap-simple.c read
 * one each into nodemap-build.c's builder.
 */
#include <stdlib.h>
#include <json-c/json.h>

#include "json-read.h"
#include "nodemap-build.h"
#include "nodemap-index.h"
#include "nodemap.h"

const struct nodemap_node *nodemap_by_addr(const struct nodemap *nm,
					   const struct addr *a)
{
	const struct nodemap_slot *s;

	s = nodemap_index_find(&nm->index, a, 0, SLOT_ADDR);

	return s ? &nm->nodes[s->node - 1] : NULL;
}

const struct nodemap_node *nodemap_by_endpoint(const struct nodemap *nm,
					       const struct addr *a,
					       uint16_t port)
{
	const struct nodemap_slot *s;

	s = nodemap_index_find(&nm->index, a, port, SLOT_ENDPOINT);
	if (!s || s->node == NODE_AMBIGUOUS)
		return NULL;
	return &nm->nodes[s->node - 1];
}

const struct nodemap_node *nodemap_self(const struct nodemap *nm)
{
	return &nm->nodes[nm->self];
}

size_t nodemap_count(const struct nodemap *nm)
{
	return nm->nnodes;
}

const struct nodemap_node *nodemap_node(const struct nodemap *nm, size_t i)
{
	return i < nm->nnodes ? &nm->nodes[i] : NULL;
}

void nodemap_routes(const struct nodemap *nm,
		    const struct prefix **routes, size_t *n)
{
	*routes = nm->routes;
	*n = nm->nroutes;
}

static void node_release(struct nodemap_node *n)
{
	size_t i;

	free(n->id.s);
	free(n->name.s);
	free(n->os.s);
	free(n->user.s);
	for (i = 0; i < n->ntags; i++)
		free(n->tags[i].s);
	free(n->tags);
	free(n->addrs);
}

void nodemap_free(struct nodemap *nm)
{
	size_t i;

	if (!nm)
		return;
	for (i = 0; i < nm->nnodes; i++)
		node_release(&nm->nodes[i]);
	free(nm->nodes);
	free(nm->routes);
	nodemap_index_release(&nm->index);
	free(nm);
}

static int from_json(struct nodemap **out, const char *name,
		     json_object *top, char *err, size_t errlen)
{
	struct nodemap_builder b = {
		.r = {
			.file = name,
			.err = err,
			.errlen = errlen,
		},
	};
	json_object *v;
	int ret;

	b.nm = calloc(1, sizeof(*b.nm));
	if (!b.nm)
		return json_fail_nomem(&b.r);
	if (!json_object_is_type(top, json_type_object))
		ret = json_fail(&b.r, "", "expected an object, got %s",
				json_type_desc(top));
	else if (json_object_object_get_ex(top, "nodes", &v))
		ret = nodemap_from_simple(&b, top);
	else if (json_object_object_get_ex(top, "Self", &v) ||
		 json_object_object_get_ex(top, "Peer", &v))
		ret = nodemap_from_tailscale(&b, top);
	else
		ret = json_fail(&b.r, "",
				"neither `tailscale status --json` output (no \"Self\") nor a netlog node map (no \"nodes\")");
	if (!ret)
		ret = nodemap_rank_nodes(&b);
	nodemap_builder_release(&b);
	if (ret) {
		nodemap_free(b.nm);
		return ret;
	}
	*out = b.nm;
	return 0;
}

int nodemap_parse(struct nodemap **out, const char *name, const char *buf,
		  size_t len, char *err, size_t errlen)
{
	json_object *top;
	int ret;

	ret = json_doc_parse(&top, name, buf, len, err, errlen);
	if (ret)
		return ret;
	ret = from_json(out, name, top, err, errlen);
	json_object_put(top);
	return ret;
}

int nodemap_load(struct nodemap **out, const char *path, char *err,
		 size_t errlen)
{
	json_object *top;
	int ret;

	ret = json_doc_load(&top, path, err, errlen);
	if (ret)
		return ret;
	ret = from_json(out, path, top, err, errlen);
	json_object_put(top);
	return ret;
}
