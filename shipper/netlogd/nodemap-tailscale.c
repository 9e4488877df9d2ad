// SPDX-License-Identifier: GPL-2.0
/*
 * The node map from `tailscale status --json`: Self and each Peer are a
 * PeerStatus, the owner's login comes from User, and a peer's endpoints
 * from CurAddr (current) and Addrs (known).
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <json-c/json.h>

#include "json-read.h"
#include "nodemap-build.h"

/* Tailscale: User[UserID].LoginName, if that profile is really the owner's. */
static int ts_user(struct nodemap_builder *b, json_object *users,
		   json_object *peer, const char *path, struct node_in *in)
{
	char key[32], p[JSON_PATH_LEN];
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
static int ts_node(struct nodemap_builder *b, json_object *users,
		   json_object *ps, const char *path, bool self)
{
	struct node_in in = {
		.tags_key = "Tags",
		.addrs_key = "TailscaleIPs",
	};
	char p[JSON_PATH_LEN], ep[JSON_PATH_LEN];
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
		ret = nodemap_add_node(b, path, &in, &index);
	if (!ret)
		ret = nodemap_add_routes(b, ps, path, "PrimaryRoutes");
	if (!ret)
		ret = nodemap_add_routes(b, ps, path, "AllowedIPs");
	if (ret)
		return ret;
	if (self) {
		b->nm->self = index;
		return 0;
	}
	ret = json_member_str(&b->r, ps, path, "CurAddr", false, &s, &len);
	if (!ret && len) {
		json_path_key(p, path, "CurAddr");
		ret = nodemap_claim_endpoint(b, index, p, s, CLAIM_CURRENT);
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
			ret = nodemap_claim_endpoint(b, index, ep, s,
						     CLAIM_KNOWN);
		if (ret)
			return ret;
	}
	return 0;
}

int nodemap_from_tailscale(struct nodemap_builder *b, json_object *top)
{
	json_object *self, *peers, *users;
	char path[JSON_PATH_LEN];
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

