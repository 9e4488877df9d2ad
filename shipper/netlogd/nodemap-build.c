// SPDX-License-Identifier: GPL-2.0
/*
 * Building a node map from what either format says about its nodes: each
 * value checked, the strings made ready to print, the index filled, the
 * nodes ranked. Tailscale's jsonLen bound is computed here over the values
 * as given.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>

#include "goquote.h"
#include "json-read.h"
#include "nodemap-build.h"
#include "nodemap-index.h"
#include "prefix.h"

/*
 * A copy as Tailscale prints it: each byte that is not valid UTF-8 becomes
 * U+FFFD, which json-c would pass through.
 */
static int str_set(struct nodemap_str *dst, const char *src, size_t len)
{
	char *d;

	d = malloc(3 * len + 1);
	if (!d)
		return -ENOMEM;
	dst->len = utf8_replace_invalid(d, src, len);
	d[dst->len] = '\0';
	dst->s = d;
	return 0;
}

static int add_route(struct nodemap_builder *b, const struct prefix *r)
{
	struct nodemap *nm = b->nm;

	if (nm->nroutes == b->cap_routes) {
		size_t cap = b->cap_routes ? 2 * b->cap_routes : 64;
		struct prefix *v;

		v = reallocarray(nm->routes, cap, sizeof(*v));
		if (!v)
			return json_fail_nomem(&b->r);
		nm->routes = v;
		b->cap_routes = cap;
	}
	nm->routes[nm->nroutes++] = *r;
	return 0;
}

int nodemap_add_routes(struct nodemap_builder *b, json_object *obj,
		       const char *path, const char *key)
{
	char p[JSON_PATH_LEN], ep[JSON_PATH_LEN];
	struct prefix r;
	json_object *arr;
	const char *s, *why;
	size_t i;
	int ret;

	ret = json_member(&b->r, obj, path, key, json_type_array, false, &arr);
	if (ret || !arr)
		return ret;
	json_path_key(p, path, key);
	for (i = 0; i < json_object_array_length(arr); i++) {
		ret = json_elem_str(&b->r, arr, p, i, &s, ep);
		if (ret)
			return ret;
		if (prefix_parse(&r, s, &why))
			return json_fail(&b->r, ep, "bad prefix '%s': %s", s,
					 why);
		ret = add_route(b, &r);
		if (ret)
			return ret;
	}
	return 0;
}

int nodemap_claim_endpoint(struct nodemap_builder *b, uint32_t node,
			   const char *p, const char *s, enum claim claim)
{
	struct nodemap *nm = b->nm;
	struct addr a;
	struct nodemap_slot *sl;
	uint16_t port;

	if (addrport_parse(&a, &port, s))
		return json_fail(&b->r, p, "bad endpoint '%s'", s);
	sl = nodemap_index_find(&nm->index, &a, port, SLOT_ENDPOINT);
	if (!sl) {
		sl = nodemap_index_add(&nm->index, &a, port, SLOT_ENDPOINT);
		if (!sl)
			return json_fail_nomem(&b->r);
		sl->node = node + 1;
		sl->claim = claim;
		return 0;
	}
	if (sl->node == node + 1) {
		if (claim > sl->claim)
			sl->claim = claim;
		return 0;
	}
	if (b->simple)
		return json_fail(&b->r, p,
				 "endpoint '%s' already belongs to node '%s'",
				 s, nm->nodes[sl->node - 1].id.s);
	if (claim > sl->claim) {
		sl->node = node + 1;
		sl->claim = claim;
	} else if (claim == sl->claim) {
		sl->node = NODE_AMBIGUOUS;
	}
	return 0;
}

static int cmp_str(const void *x, const void *y)
{
	const struct nodemap_str *a = x, *b = y;
	size_t n = a->len < b->len ? a->len : b->len;
	int ret = memcmp(a->s, b->s, n);

	if (ret)
		return ret;
	return (a->len > b->len) - (a->len < b->len);
}

static struct nodemap_node *new_node(struct nodemap_builder *b,
				     const char *path)
{
	struct nodemap *nm = b->nm;
	struct nodemap_node *n;

	if (nm->nnodes == b->cap_nodes) {
		size_t cap = b->cap_nodes ? 2 * b->cap_nodes : 16;
		struct nodemap_node *v;
		struct nodemap_str *ids;
		char **paths;

		v = reallocarray(nm->nodes, cap, sizeof(*v));
		if (v)
			nm->nodes = v;
		ids = reallocarray(b->raw_ids, cap, sizeof(*ids));
		if (ids)
			b->raw_ids = ids;
		paths = reallocarray(b->paths, cap, sizeof(*paths));
		if (paths)
			b->paths = paths;
		if (!v || !ids || !paths)
			return NULL;
		b->cap_nodes = cap;
	}
	n = &nm->nodes[nm->nnodes];
	memset(n, 0, sizeof(*n));
	memset(&b->raw_ids[nm->nnodes], 0, sizeof(b->raw_ids[0]));
	b->paths[nm->nnodes] = strdup(path);
	if (!b->paths[nm->nnodes])
		return NULL;
	n->index = nm->nnodes++;
	return n;
}

/* The tags as given, duplicates and all, for jsonLen. */
static int read_tags(struct nodemap_builder *b, struct nodemap_node *n,
		     const struct node_in *in, const char *path,
		     size_t *json_len)
{
	char p[JSON_PATH_LEN], ep[JSON_PATH_LEN];
	struct nodemap_str *raw;
	size_t i, cnt, out = 0;
	const char *s;
	int ret = 0;

	if (!in->tags)
		return 0;
	json_path_key(p, path, in->tags_key);
	cnt = json_object_array_length(in->tags);
	if (!cnt)
		return 0;
	raw = calloc(cnt, sizeof(*raw));
	n->tags = calloc(cnt, sizeof(*n->tags));
	if (!raw || !n->tags) {
		free(raw);
		return json_fail_nomem(&b->r);
	}
	*json_len += 9;				/* "tags":[] */
	for (i = 0; i < cnt; i++) {
		ret = json_elem_str(&b->r, in->tags, p, i, &s, ep);
		if (ret)
			goto out;
		raw[i].s = (char *)s;
		raw[i].len = json_object_get_string_len(
			json_object_array_get_idx(in->tags, i));
		*json_len += json_quoted_len(raw[i].s, raw[i].len) + 1;
	}
	/* Go: slices.Sort then slices.Compact, on the bytes as given */
	qsort(raw, cnt, sizeof(*raw), cmp_str);
	for (i = 0; i < cnt; i++) {
		if (i && !cmp_str(&raw[i - 1], &raw[i]))
			continue;
		if (str_set(&n->tags[out], raw[i].s, raw[i].len)) {
			ret = json_fail_nomem(&b->r);
			goto out;
		}
		n->ntags = ++out;
	}
out:
	free(raw);
	return ret;
}

static int read_addrs(struct nodemap_builder *b, struct nodemap_node *n,
		      const struct node_in *in, const char *path,
		      size_t *json_len)
{
	char p[JSON_PATH_LEN], ep[JSON_PATH_LEN];
	struct nodemap *nm = b->nm;
	struct prefix r;
	struct nodemap_slot *sl;
	size_t i, cnt;
	const char *s;
	int ret;

	if (!in->addrs)
		return 0;
	json_path_key(p, path, in->addrs_key);
	cnt = json_object_array_length(in->addrs);
	if (!cnt)
		return 0;
	n->addrs = calloc(cnt, sizeof(*n->addrs));
	if (!n->addrs)
		return json_fail_nomem(&b->r);
	*json_len += 14;			/* "addresses":[] */
	for (i = 0; i < cnt; i++) {
		struct addr *a = &n->addrs[i];

		ret = json_elem_str(&b->r, in->addrs, p, i, &s, ep);
		if (ret)
			return ret;
		if (addr_parse(a, s))
			return json_fail(&b->r, ep, "bad address '%s'", s);
		n->naddrs++;
		/* `"255.255.255.255",` or the longest IPv6 and a comma */
		*json_len += a->len == 4 ? 18 : 42;
		if (a->len == 4)
			n->addr4 = *a;
		else
			n->addr6 = *a;
		sl = nodemap_index_find(&nm->index, a, 0, SLOT_ADDR);
		if (sl && sl->node != n->index + 1)
			return json_fail(&b->r, ep,
					 "address '%s' already belongs to node '%s'",
					 s, nm->nodes[sl->node - 1].id.s);
		if (!sl) {
			sl = nodemap_index_add(&nm->index, a, 0, SLOT_ADDR);
			if (!sl)
				return json_fail_nomem(&b->r);
			sl->node = n->index + 1;
		}
		r.addr = *a;
		r.bits = a->len * 8;
		ret = add_route(b, &r);
		if (ret)
			return ret;
	}
	return 0;
}

int nodemap_add_node(struct nodemap_builder *b, const char *path,
		     const struct node_in *in, uint32_t *index)
{
	struct nodemap_node *n;
	size_t json_len, name_len = in->name_len;
	int ret;

	if (!in->id_len)
		return json_fail(&b->r, path, "empty node ID");
	n = new_node(b, path);
	if (!n)
		return json_fail_nomem(&b->r);
	*index = n->index;
	json_len = 2 + 9 + json_quoted_len(in->id, in->id_len) + 1;
	if (in->name_len)
		json_len += 7 + json_quoted_len(in->name, in->name_len) + 1;
	if (in->os_len)
		json_len += 5 + json_quoted_len(in->os, in->os_len) + 1;
	ret = read_addrs(b, n, in, path, &json_len);
	if (!ret)
		ret = read_tags(b, n, in, path, &json_len);
	if (ret)
		return ret;
	if (!n->ntags && in->user && in->user_len)
		json_len += 7 + json_quoted_len(in->user, in->user_len) + 1;
	n->json_len = json_len;
	if (json_len > NODEMAP_NODE_JSON_MAX)
		return json_fail(&b->r, path,
				 "node too large: its JSON may take %zu bytes, at most %d",
				 json_len, NODEMAP_NODE_JSON_MAX);
	if (name_len && in->name[name_len - 1] == '.')
		name_len--;
	if (str_set(&n->id, in->id, in->id_len) ||
	    str_set(&n->name, in->name ? in->name : "", name_len) ||
	    str_set(&n->os, in->os ? in->os : "", in->os_len) ||
	    str_set(&n->user, !n->ntags && in->user ? in->user : "",
		    !n->ntags && in->user ? in->user_len : 0))
		return json_fail_nomem(&b->r);
	b->raw_ids[n->index].s = malloc(in->id_len + 1);
	if (!b->raw_ids[n->index].s)
		return json_fail_nomem(&b->r);
	memcpy(b->raw_ids[n->index].s, in->id, in->id_len);
	b->raw_ids[n->index].len = in->id_len;
	return 0;
}

static int cmp_rank(const void *x, const void *y, void *ids)
{
	const struct nodemap_str *raw = ids;

	return cmp_str(&raw[*(const uint32_t *)x], &raw[*(const uint32_t *)y]);
}

int nodemap_rank_nodes(struct nodemap_builder *b)
{
	struct nodemap *nm = b->nm;
	uint32_t *order;
	size_t i;

	order = calloc(nm->nnodes, sizeof(*order));
	if (!order)
		return json_fail_nomem(&b->r);
	for (i = 0; i < nm->nnodes; i++)
		order[i] = i;
	qsort_r(order, nm->nnodes, sizeof(*order), cmp_rank, b->raw_ids);
	for (i = 0; i < nm->nnodes; i++) {
		uint32_t a = order[i];

		if (i && !cmp_str(&b->raw_ids[order[i - 1]], &b->raw_ids[a])) {
			uint32_t first = order[i - 1] < a ? order[i - 1] : a;
			uint32_t second = order[i - 1] < a ? a : order[i - 1];

			free(order);
			return json_fail(&b->r, b->paths[second],
					 "duplicate node ID '%s', also at %s",
					 nm->nodes[second].id.s,
					 b->paths[first]);
		}
		nm->nodes[a].rank = i;
	}
	free(order);
	return 0;
}

void nodemap_builder_release(struct nodemap_builder *b)
{
	size_t i;

	for (i = 0; b->nm && i < b->nm->nnodes; i++) {
		free(b->raw_ids[i].s);
		free(b->paths[i]);
	}
	free(b->raw_ids);
	free(b->paths);
}

