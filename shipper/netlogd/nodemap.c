// SPDX-License-Identifier: GPL-2.0
/*
 * The node map, from `tailscale status --json` or from netlog's own format
 * (docs/nodemap.md). Checked as a whole before it replaces anything: a bad
 * value fails the load with its file, JSON path and reason.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>

#include "goquote.h"
#include "hash.h"
#include "json-read.h"
#include "nodemap.h"

/* The path of a value inside the document, for error messages. */
#define PATH_LEN JSON_PATH_LEN

/* A tie between two peers for one endpoint leaves it to neither. */
#define NODE_AMBIGUOUS UINT32_MAX

enum slot_kind {
	SLOT_FREE,
	SLOT_ADDR,
	SLOT_ENDPOINT,
};

/* Endpoint claims: a current address beats a merely known one. */
enum claim {
	CLAIM_KNOWN = 1,
	CLAIM_CURRENT = 2,
};

struct slot {
	struct netlog_addr addr;
	uint16_t port;
	uint8_t kind;
	uint8_t claim;
	uint32_t node;		/* index + 1, or NODE_AMBIGUOUS */
};

struct nodemap {
	struct nodemap_node *nodes;
	size_t nnodes;
	size_t self;
	struct netlog_prefix *routes;
	size_t nroutes;
	struct slot *slots;
	size_t mask;
	size_t used;
};

/* Parser state: the map being built and what errors need. */
struct builder {
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

static size_t slot_hash(const struct netlog_addr *a, uint16_t port,
			uint8_t kind)
{
	uint64_t lo, hi;

	memcpy(&lo, a->bytes, 8);
	memcpy(&hi, a->bytes + 8, 8);
	hi ^= (uint64_t)kind << 32 | (uint64_t)a->len << 16 | port;
	return hash_mix64(lo ^ hash_mix64(hi));
}

static struct slot *slot_find(const struct nodemap *nm,
			      const struct netlog_addr *a, uint16_t port,
			      uint8_t kind)
{
	size_t i;

	if (!nm->slots)
		return NULL;
	for (i = slot_hash(a, port, kind) & nm->mask; nm->slots[i].kind;
	     i = (i + 1) & nm->mask) {
		struct slot *s = &nm->slots[i];

		if (s->kind == kind && s->port == port &&
		    s->addr.len == a->len &&
		    !memcmp(s->addr.bytes, a->bytes, a->len))
			return s;
	}
	return NULL;
}

static int slots_grow(struct nodemap *nm)
{
	size_t cap = nm->slots ? 2 * (nm->mask + 1) : 64, i, j;
	struct slot *old = nm->slots, *slots;

	slots = calloc(cap, sizeof(*slots));
	if (!slots)
		return -ENOMEM;
	for (i = 0; old && i <= nm->mask; i++) {
		if (!old[i].kind)
			continue;
		j = slot_hash(&old[i].addr, old[i].port, old[i].kind) &
		    (cap - 1);
		while (slots[j].kind)
			j = (j + 1) & (cap - 1);
		slots[j] = old[i];
	}
	free(old);
	nm->slots = slots;
	nm->mask = cap - 1;
	return 0;
}

/* A new slot for a key known to be absent. */
static struct slot *slot_add(struct nodemap *nm, const struct netlog_addr *a,
			     uint16_t port, uint8_t kind)
{
	size_t i;

	if ((nm->used + 1) * 2 > (nm->slots ? nm->mask + 1 : 0) &&
	    slots_grow(nm))
		return NULL;
	i = slot_hash(a, port, kind) & nm->mask;
	while (nm->slots[i].kind)
		i = (i + 1) & nm->mask;
	nm->used++;
	nm->slots[i].addr = *a;
	nm->slots[i].port = port;
	nm->slots[i].kind = kind;
	return &nm->slots[i];
}

const struct nodemap_node *nodemap_by_addr(const struct nodemap *nm,
					   const struct netlog_addr *a)
{
	const struct slot *s = slot_find(nm, a, 0, SLOT_ADDR);

	return s ? &nm->nodes[s->node - 1] : NULL;
}

const struct nodemap_node *nodemap_by_endpoint(const struct nodemap *nm,
					       const struct netlog_addr *a,
					       uint16_t port)
{
	const struct slot *s = slot_find(nm, a, port, SLOT_ENDPOINT);

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
		    const struct netlog_prefix **routes, size_t *n)
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
	free(nm->slots);
	free(nm);
}

static int add_route(struct builder *b, const struct netlog_prefix *r)
{
	struct nodemap *nm = b->nm;

	if (nm->nroutes == b->cap_routes) {
		size_t cap = b->cap_routes ? 2 * b->cap_routes : 64;
		struct netlog_prefix *v;

		v = reallocarray(nm->routes, cap, sizeof(*v));
		if (!v)
			return json_fail_nomem(&b->r);
		nm->routes = v;
		b->cap_routes = cap;
	}
	nm->routes[nm->nroutes++] = *r;
	return 0;
}

/* path: an array of prefixes routed through (or served by) a node. */
static int add_routes(struct builder *b, json_object *obj, const char *path,
		      const char *key)
{
	char p[PATH_LEN], ep[PATH_LEN];
	struct netlog_prefix r;
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

static int claim_endpoint(struct builder *b, uint32_t node, const char *p,
			  const char *s, enum claim claim)
{
	struct nodemap *nm = b->nm;
	struct netlog_addr a;
	struct slot *sl;
	uint16_t port;

	if (addrport_parse(&a, &port, s))
		return json_fail(&b->r, p, "bad endpoint '%s'", s);
	sl = slot_find(nm, &a, port, SLOT_ENDPOINT);
	if (!sl) {
		sl = slot_add(nm, &a, port, SLOT_ENDPOINT);
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

static struct nodemap_node *new_node(struct builder *b, const char *path)
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
static int read_tags(struct builder *b, struct nodemap_node *n,
		     const struct node_in *in, const char *path,
		     size_t *json_len)
{
	char p[PATH_LEN], ep[PATH_LEN];
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

static int read_addrs(struct builder *b, struct nodemap_node *n,
		      const struct node_in *in, const char *path,
		      size_t *json_len)
{
	char p[PATH_LEN], ep[PATH_LEN];
	struct nodemap *nm = b->nm;
	struct netlog_prefix r;
	struct slot *sl;
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
		struct netlog_addr *a = &n->addrs[i];

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
		sl = slot_find(nm, a, 0, SLOT_ADDR);
		if (sl && sl->node != n->index + 1)
			return json_fail(&b->r, ep,
					 "address '%s' already belongs to node '%s'",
					 s, nm->nodes[sl->node - 1].id.s);
		if (!sl) {
			sl = slot_add(nm, a, 0, SLOT_ADDR);
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

/*
 * Checks and stores a node; its index is returned in *index. The size
 * bound is Tailscale's nodeUser.jsonLen() over the values as given: the
 * untrimmed name, every address and every tag.
 */
static int add_node(struct builder *b, const char *path,
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

/* Tailscale: User[UserID].LoginName, if that profile is really the owner's. */
static int ts_user(struct builder *b, json_object *users, json_object *peer,
		   const char *path, struct node_in *in)
{
	char key[32], p[PATH_LEN];
	json_object *uid, *prof, *pid;
	int64_t id;
	int ret;

	ret = json_member(&b->r, peer, path, "UserID", json_type_int, false,
			  &uid);
	if (ret || !uid || !users)
		return ret;
	id = json_object_get_int64(uid);
	snprintf(key, sizeof(key), "%" PRId64, id);
	if (!json_object_object_get_ex(users, key, &prof) || !prof)
		return 0;
	snprintf(p, sizeof(p), "User[\"%s\"]", key);
	if (!json_object_is_type(prof, json_type_object))
		return json_fail(&b->r, p, "expected object, got %s",
				 json_type_desc(prof));
	ret = json_member(&b->r, prof, p, "ID", json_type_int, false, &pid);
	if (ret)
		return ret;
	if (pid && json_object_get_int64(pid) != id)
		return 0;
	return json_member_str(&b->r, prof, p, "LoginName", false, &in->user,
			       &in->user_len);
}

/* A PeerStatus: Self or one of Peer. */
static int ts_node(struct builder *b, json_object *users, json_object *ps,
		   const char *path, bool self)
{
	struct node_in in = {
		.tags_key = "Tags",
		.addrs_key = "TailscaleIPs",
	};
	char p[PATH_LEN], ep[PATH_LEN];
	json_object *arr;
	uint32_t index;
	const char *s;
	size_t len, i;
	int ret;

	if (!json_object_is_type(ps, json_type_object))
		return json_fail(&b->r, path, "expected object, got %s",
				 json_type_desc(ps));
	ret = json_member_str(&b->r, ps, path, "ID", true, &in.id, &in.id_len);
	if (!ret)
		ret = json_member_str(&b->r, ps, path, "DNSName", false,
				      &in.name, &in.name_len);
	if (!ret)
		ret = json_member_str(&b->r, ps, path, "OS", false, &in.os,
				      &in.os_len);
	if (!ret)
		ret = json_member(&b->r, ps, path, "Tags", json_type_array,
				  false, &in.tags);
	if (!ret)
		ret = json_member(&b->r, ps, path, "TailscaleIPs",
				  json_type_array, false, &in.addrs);
	if (!ret)
		ret = ts_user(b, users, ps, path, &in);
	if (!ret)
		ret = add_node(b, path, &in, &index);
	if (!ret)
		ret = add_routes(b, ps, path, "PrimaryRoutes");
	if (!ret)
		ret = add_routes(b, ps, path, "AllowedIPs");
	if (ret)
		return ret;
	if (self) {
		b->nm->self = index;
		return 0;
	}
	ret = json_member_str(&b->r, ps, path, "CurAddr", false, &s, &len);
	if (!ret && len) {
		json_path_key(p, path, "CurAddr");
		ret = claim_endpoint(b, index, p, s, CLAIM_CURRENT);
	}
	if (!ret)
		ret = json_member(&b->r, ps, path, "Addrs", json_type_array,
				  false, &arr);
	if (ret || !arr)
		return ret;
	json_path_key(p, path, "Addrs");
	for (i = 0; i < json_object_array_length(arr); i++) {
		ret = json_elem_str(&b->r, arr, p, i, &s, ep);
		if (!ret)
			ret = claim_endpoint(b, index, ep, s, CLAIM_KNOWN);
		if (ret)
			return ret;
	}
	return 0;
}

static int parse_tailscale(struct builder *b, json_object *top)
{
	json_object *self, *peers, *users;
	char path[PATH_LEN];
	int ret;

	ret = json_member(&b->r, top, "", "Self", json_type_object, true,
			  &self);
	if (!ret)
		ret = json_member(&b->r, top, "", "User", json_type_object,
				  false, &users);
	if (!ret)
		ret = json_member(&b->r, top, "", "Peer", json_type_object,
				  false, &peers);
	if (!ret)
		ret = ts_node(b, users, self, "Self", true);
	if (ret || !peers)
		return ret;
	json_object_object_foreach(peers, key, val) {
		json_path_fix(path, snprintf(path, sizeof(path), "Peer[\"%s\"]",
					key));
		ret = ts_node(b, users, val, path, false);
		if (ret)
			return ret;
	}
	return 0;
}

static bool key_known(const char *key, const char *const *known)
{
	for (; *known; known++)
		if (!strcmp(key, *known))
			return true;
	return false;
}

static int simple_node(struct builder *b, json_object *obj, const char *path,
		       const char *self_id, size_t self_len)
{
	static const char *const known[] = {
		"id", "name", "addresses", "os", "user", "tags", "routes",
		"endpoints", NULL
	};
	struct node_in in = {
		.tags_key = "tags",
		.addrs_key = "addresses",
	};
	char p[PATH_LEN], ep[PATH_LEN];
	json_object *arr;
	uint32_t index;
	const char *s;
	size_t i;
	int ret;

	if (!json_object_is_type(obj, json_type_object))
		return json_fail(&b->r, path, "expected object, got %s",
				 json_type_desc(obj));
	json_object_object_foreach(obj, key, val) {
		(void)val;
		if (!key_known(key, known))
			return json_fail(&b->r, path, "unknown key '%s'", key);
	}
	ret = json_member_str(&b->r, obj, path, "id", true, &in.id, &in.id_len);
	if (!ret)
		ret = json_member_str(&b->r, obj, path, "name", false, &in.name,
				      &in.name_len);
	if (!ret)
		ret = json_member_str(&b->r, obj, path, "os", false, &in.os,
				      &in.os_len);
	if (!ret)
		ret = json_member_str(&b->r, obj, path, "user", false, &in.user,
				      &in.user_len);
	if (!ret)
		ret = json_member(&b->r, obj, path, "tags", json_type_array,
				  false, &in.tags);
	if (!ret)
		ret = json_member(&b->r, obj, path, "addresses",
				  json_type_array, false, &in.addrs);
	if (!ret)
		ret = add_node(b, path, &in, &index);
	if (!ret)
		ret = add_routes(b, obj, path, "routes");
	if (!ret)
		ret = json_member(&b->r, obj, path, "endpoints",
				  json_type_array, false, &arr);
	if (ret)
		return ret;
	if (in.id_len == self_len && !memcmp(in.id, self_id, self_len)) {
		/* a node's own endpoints never identify a peer */
		b->nm->self = index;
		return 0;
	}
	if (!arr)
		return 0;
	json_path_key(p, path, "endpoints");
	for (i = 0; i < json_object_array_length(arr); i++) {
		ret = json_elem_str(&b->r, arr, p, i, &s, ep);
		if (!ret)
			ret = claim_endpoint(b, index, ep, s, CLAIM_CURRENT);
		if (ret)
			return ret;
	}
	return 0;
}

static int parse_simple(struct builder *b, json_object *top)
{
	static const char *const known[] = { "self", "nodes", NULL };
	json_object *nodes;
	char path[PATH_LEN];
	const char *self;
	size_t self_len, i;
	int ret;

	b->simple = true;
	json_object_object_foreach(top, key, val) {
		(void)val;
		if (!key_known(key, known))
			return json_fail(&b->r, "",
					 "unknown top-level key '%s'", key);
	}
	ret = json_member_str(&b->r, top, "", "self", true, &self, &self_len);
	if (!ret)
		ret = json_member(&b->r, top, "", "nodes", json_type_array,
				  true, &nodes);
	if (ret)
		return ret;
	b->nm->self = SIZE_MAX;
	for (i = 0; i < json_object_array_length(nodes); i++) {
		json_path_index(path, "nodes", i);
		ret = simple_node(b, json_object_array_get_idx(nodes, i), path,
				  self, self_len);
		if (ret)
			return ret;
	}
	if (b->nm->self == SIZE_MAX)
		return json_fail(&b->r, "self", "no node with id '%s' in nodes",
				 self);
	return 0;
}

static int cmp_rank(const void *x, const void *y, void *ids)
{
	const struct nodemap_str *raw = ids;

	return cmp_str(&raw[*(const uint32_t *)x], &raw[*(const uint32_t *)y]);
}

/* Ranks the nodes by raw ID for dstNodes; two nodes with one ID fail. */
static int rank_nodes(struct builder *b)
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

static void builder_release(struct builder *b)
{
	size_t i;

	for (i = 0; b->nm && i < b->nm->nnodes; i++) {
		free(b->raw_ids[i].s);
		free(b->paths[i]);
	}
	free(b->raw_ids);
	free(b->paths);
}

static int from_json(struct nodemap **out, const char *name,
		     json_object *top, char *err, size_t errlen)
{
	struct builder b = {
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
		ret = parse_simple(&b, top);
	else if (json_object_object_get_ex(top, "Self", &v) ||
		 json_object_object_get_ex(top, "Peer", &v))
		ret = parse_tailscale(&b, top);
	else
		ret = json_fail(&b.r, "",
				"neither `tailscale status --json` output (no \"Self\") nor a netlog node map (no \"nodes\")");
	if (!ret)
		ret = rank_nodes(&b);
	builder_release(&b);
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
