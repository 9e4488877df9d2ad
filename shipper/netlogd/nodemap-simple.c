// SPDX-License-Identifier: GPL-2.0
/*
 * The node map in netlog's own format (docs/nodemap.md): "self" names one
 * of "nodes". Unknown keys are errors, and so is an endpoint that two nodes
 * claim: a person wrote the file.
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <json-c/json.h>

#include "json-read.h"
#include "nodemap-build.h"

static bool key_known(const char *key, const char *const *known)
{
	for (; *known; known++)
		if (!strcmp(key, *known))
			return true;
	return false;
}

static int simple_node(struct nodemap_builder *b, json_object *obj,
		       const char *path, const char *self_id, size_t self_len)
{
	static const char *const known[] = {
		"id", "name", "addresses", "os", "user", "tags", "routes",
		"endpoints", NULL
	};
	struct node_in in = {
		.tags_key = "tags",
		.addrs_key = "addresses",
	};
	char p[JSON_PATH_LEN], ep[JSON_PATH_LEN];
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
		ret = nodemap_add_node(b, path, &in, &index);
	if (!ret)
		ret = nodemap_add_routes(b, obj, path, "routes");
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
			ret = nodemap_claim_endpoint(b, index, ep, s,
						     CLAIM_CURRENT);
		if (ret)
			return ret;
	}
	return 0;
}

int nodemap_from_simple(struct nodemap_builder *b, json_object *top)
{
	static const char *const known[] = { "self", "nodes", NULL };
	json_object *nodes;
	char path[JSON_PATH_LEN];
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

