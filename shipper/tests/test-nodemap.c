// SPDX-License-Identifier: GPL-2.0
/*
 * Host tests of netlogd's node map: both input formats, the node fields as
 * Tailscale prints them, jsonLen and Go's escaping, endpoint claims, and an
 * error naming file, JSON path and reason for each malformed map.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>

#include "check.h"
#include "fixture.h"
#include "addr.h"
#include "goquote.h"
#include "nodemap.h"
#include "record.h"
#include "array.h"

/*
 * Node fields from `tailscale status --json`: tags sorted and unique with
 * no user, a user only when the profile matches, the name's trailing dot
 * trimmed once, the last IPv4 and the last IPv6.
 */
static void test_node_fields_from_status(void)
{
	static const char *const status =
		"{\"Self\":{\"ID\":\"nSELF\",\"DNSName\":\"self.ts.net.\",\"OS\":\"linux\","
		"  \"UserID\":1,\"TailscaleIPs\":[\"100.64.0.1\"]},"
		" \"Peer\":{"
		"  \"nodekey:t\":{\"ID\":\"nTAG\",\"DNSName\":\"tagged.ts.net.\",\"OS\":\"freebsd\","
		"   \"UserID\":1,\"Tags\":[\"tag:z\",\"tag:a\",\"tag:z\"],"
		"   \"TailscaleIPs\":[\"100.64.0.2\",\"fd7a:115c:a1e0::2\",\"100.64.0.22\",\"fd7a:115c:a1e0::22\"]},"
		"  \"nodekey:u\":{\"ID\":\"nUSER\",\"DNSName\":\"dots.ts.net..\",\"UserID\":1,"
		"   \"TailscaleIPs\":[\"fd7a:115c:a1e0::3\"]},"
		"  \"nodekey:m\":{\"ID\":\"nMISMATCH\",\"UserID\":2,\"TailscaleIPs\":[\"100.64.0.4\"]},"
		"  \"nodekey:n\":{\"ID\":\"nNOPROFILE\",\"UserID\":3,\"Tags\":[],\"TailscaleIPs\":[\"100.64.0.5\"]}},"
		" \"User\":{\"1\":{\"ID\":1,\"LoginName\":\"alice@example.com\"},"
		"          \"2\":{\"ID\":7,\"LoginName\":\"mallory@example.com\"}}}";
	static const struct {
		const char *addr, *want;
	} cases[] = {
		{ "100.64.0.1", "{\"nodeId\":\"nSELF\",\"name\":\"self.ts.net\",\"addresses\":[\"100.64.0.1\"],\"os\":\"linux\",\"user\":\"alice@example.com\"}" },
		{ "100.64.0.2", "{\"nodeId\":\"nTAG\",\"name\":\"tagged.ts.net\",\"addresses\":[\"100.64.0.22\",\"fd7a:115c:a1e0::22\"],\"os\":\"freebsd\",\"tags\":[\"tag:a\",\"tag:z\"]}" },
		{ "fd7a:115c:a1e0::3", "{\"nodeId\":\"nUSER\",\"name\":\"dots.ts.net.\",\"addresses\":[\"fd7a:115c:a1e0::3\"],\"user\":\"alice@example.com\"}" },
		{ "100.64.0.4", "{\"nodeId\":\"nMISMATCH\",\"addresses\":[\"100.64.0.4\"]}" },
		{ "100.64.0.5", "{\"nodeId\":\"nNOPROFILE\",\"addresses\":[\"100.64.0.5\"]}" },
	};
	struct nodemap *nm = map(status);
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		const struct nodemap_node *n;
		struct addr a;
		json_object *obj;

		addr_parse(&a, cases[i].addr);
		n = nodemap_by_addr(nm, &a);
		CHECK(n != NULL);
		if (!n)
			continue;
		obj = record_node_json(n);
		check_str(cases[i].addr, json_object_to_json_string_ext(obj,
			  JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE),
			  cases[i].want);
		json_object_put(obj);
	}
	CHECK(!strcmp(nodemap_self(nm)->id.s, "nSELF"));
	nodemap_free(nm);
}

/*
 * Tailscale's jsonLen: 180 for §6.3's alpha (164 bytes of JSON), each
 * address and tag counted as given, the name with its trailing dot.
 */
static void test_node_json_len(void)
{
	static const struct {
		const char *node;
		size_t want;
	} cases[] = {
		{ "{\"id\":\"n5sVhFz1CNTRL\",\"name\":\"alpha.example-tailnet.ts.net.\","
		  "\"addresses\":[\"100.101.102.103\",\"fd7a:115c:a1e0::1234:5678\"],"
		  "\"os\":\"linux\",\"user\":\"alice@example.com\"}", 180 },
		{ "{\"id\":\"n\"}", 2 + 9 + 3 + 1 },
		{ "{\"id\":\"n\",\"tags\":[\"t\",\"t\"],\"user\":\"ignored\"}",
		  2 + 13 + 9 + 2 * 4 },
		{ "{\"id\":\"n\",\"addresses\":[\"1.2.3.4\",\"5.6.7.8\",\"::1\"]}",
		  2 + 13 + 14 + 18 + 18 + 42 },
		{ "{\"id\":\"n\",\"name\":\"a\\\"b\\u0001\\n\"}",
		  2 + 13 + 7 + (2 + 5 + 1 + 5 + 1) + 1 },
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		char doc[1024];
		struct nodemap *nm;
		json_object *obj;
		size_t len;

		snprintf(doc, sizeof(doc), "{\"self\":\"%s\",\"nodes\":[%s]}",
			 i ? "n" : "n5sVhFz1CNTRL", cases[i].node);
		nm = map(doc);
		CHECK(nodemap_self(nm)->json_len == cases[i].want);
		if (nodemap_self(nm)->json_len != cases[i].want)
			fprintf(stderr, "  case %zu: jsonLen %zu, want %zu\n",
				i, nodemap_self(nm)->json_len, cases[i].want);
		obj = record_node_json(nodemap_self(nm));
		len = strlen(json_object_to_json_string_ext(obj,
			JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
		CHECK(len <= cases[i].want);
		if (i == 0)
			CHECK(len == 164);
		json_object_put(obj);
		nodemap_free(nm);
	}
}

/*
 * json-c's escaping with JSON_C_TO_STRING_NOSLASHESCAPE plus netlog's
 * U+FFFD for invalid UTF-8 is Go jsontext's: only " \ and control
 * characters are escaped, with \b \t \n \f \r and lower-case \u00XX; '/',
 * HTML characters, DEL and U+2028 pass through.
 */
static void test_escaping_matches_go(void)
{
	static const struct {
		const char *in;		/* JSON text of the name in the map */
		const char *want;	/* what Go writes for it */
		size_t quoted;		/* jsonQuotedLen of the value */
	} cases[] = {
		{ "a\\\"b\\\\c/d<>&'", "\"a\\\"b\\\\c/d<>&'\"", 15 },
		{ "\\b\\t\\n\\f\\r", "\"\\b\\t\\n\\f\\r\"", 12 },
		{ "\\u0000\\u0001\\u001f\\u007f", "\"\\u0000\\u0001\\u001f\x7f\"",
		  21 },
		{ "\xe2\x80\xa8\xe2\x80\xa9", "\"\xe2\x80\xa8\xe2\x80\xa9\"", 8 },
		{ "\xef\xbf\xbd", "\"\xef\xbf\xbd\"", 5 },
		{ "\xca\x95\xe2\x97\x94\xcf\x96\xe2\x97\x94\xca\x94",
		  "\"\xca\x95\xe2\x97\x94\xcf\x96\xe2\x97\x94\xca\x94\"", 14 },
		/* invalid: a lone byte, an overlong form, a surrogate, a cut rune */
		{ "x\xffy", "\"x\xef\xbf\xbdy\"", 7 },
		{ "\xc0\x80", "\"\xef\xbf\xbd\xef\xbf\xbd\"", 8 },
		{ "\xed\xa0\x80", "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"",
		  11 },
		{ "\xe2\x82", "\"\xef\xbf\xbd\xef\xbf\xbd\"", 8 },
		{ "\xf4\x90\x80\x80",
		  "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"", 14 },
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		char doc[512], want[512];
		struct nodemap *nm;
		json_object *obj;
		const char *got;

		snprintf(doc, sizeof(doc),
			 "{\"self\":\"n\",\"nodes\":[{\"id\":\"n\",\"os\":\"%s\"}]}",
			 cases[i].in);
		nm = map(doc);
		obj = record_node_json(nodemap_self(nm));
		got = json_object_to_json_string_ext(obj,
			JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
		snprintf(want, sizeof(want), "{\"nodeId\":\"n\",\"os\":%s}",
			 cases[i].want);
		check_str("escaping", got, want);
		/* jsonQuotedLen is exact: Tailscale's FuzzQuotedLen property */
		CHECK(nodemap_self(nm)->json_len == 2 + 13 + 5 +
		      cases[i].quoted + 1);
		CHECK(strlen(cases[i].want) == cases[i].quoted);
		json_object_put(obj);
		nodemap_free(nm);
	}
	/* all of ASCII, as quotedLenTestdata has it */
	{
		char all[128];
		int c;

		for (c = 0; c < 128; c++)
			all[c] = c;
		/* 2 quotes, 7 short escapes, 27 other controls as \u00XX */
		CHECK(json_quoted_len(all, sizeof(all)) == 128 + 2 + 7 + 27 * 5);
	}
}

/* Tailscale status: CurAddr beats Addrs; a tie leaves the endpoint to none. */
static void test_endpoint_claims(void)
{
	struct nodemap *nm = map(
		"{\"Self\":{\"ID\":\"s\",\"TailscaleIPs\":[\"100.64.0.1\"]},\"Peer\":{"
		"\"k1\":{\"ID\":\"p1\",\"TailscaleIPs\":[\"100.64.0.2\"],\"CurAddr\":\"\","
		"  \"Addrs\":[\"192.168.1.9:41641\",\"198.51.100.1:1\"]},"
		"\"k2\":{\"ID\":\"p2\",\"TailscaleIPs\":[\"100.64.0.3\"],\"CurAddr\":\"198.51.100.1:1\","
		"  \"Addrs\":[\"192.168.1.9:41641\"]}}}");
	struct addr a;

	addr_parse(&a, "198.51.100.1");
	CHECK(nodemap_by_endpoint(nm, &a, 1) != NULL &&
	      !strcmp(nodemap_by_endpoint(nm, &a, 1)->id.s, "p2"));
	CHECK(nodemap_by_endpoint(nm, &a, 2) == NULL);
	addr_parse(&a, "192.168.1.9");
	CHECK(nodemap_by_endpoint(nm, &a, 41641) == NULL);
	addr_parse(&a, "100.64.0.3");
	CHECK(nodemap_by_addr(nm, &a) != NULL &&
	      !strcmp(nodemap_by_addr(nm, &a)->id.s, "p2"));
	nodemap_free(nm);
}

/* Each malformed map fails with its file, JSON path and reason. */
static void test_nodemap_errors(void)
{
	static const struct {
		const char *doc, *want;
	} cases[] = {
		{ "{\"Self\":", "nodes.json: bad JSON at line 1, column 9: unexpected end of data" },
		{ "{\n  \"Self\": {,}\n}", "nodes.json: bad JSON at line 2, column 12: quoted object property name expected" },
		{ "{} {}", "nodes.json: bad JSON at line 1, column 4: unexpected character" },
		{ "[]", "nodes.json: expected an object, got array" },
		{ "{\"Version\":\"1.2\"}", "nodes.json: neither `tailscale status --json` output (no \"Self\") nor a netlog node map (no \"nodes\")" },
		{ "{\"Peer\":{}}", "nodes.json: Self: missing" },
		{ "{\"Self\":null}", "nodes.json: Self: missing" },
		{ "{\"Self\":{}}", "nodes.json: Self.ID: missing" },
		{ "{\"Self\":{\"ID\":\"\"}}", "nodes.json: Self: empty node ID" },
		{ "{\"Self\":{\"ID\":7}}", "nodes.json: Self.ID: expected string, got number" },
		{ "{\"Self\":{\"ID\":\"s\",\"TailscaleIPs\":\"100.64.0.1\"}}", "nodes.json: Self.TailscaleIPs: expected array, got string" },
		{ "{\"Self\":{\"ID\":\"s\"},\"Peer\":{\"nodekey:abc\":{\"ID\":\"p\",\"TailscaleIPs\":[\"100.64.0.1\",\"100.64.0.300\"]}}}",
		  "nodes.json: Peer[\"nodekey:abc\"].TailscaleIPs[1]: bad address '100.64.0.300'" },
		{ "{\"Self\":{\"ID\":\"s\"},\"Peer\":{\"k\":{\"ID\":\"p\",\"TailscaleIPs\":[null]}}}",
		  "nodes.json: Peer[\"k\"].TailscaleIPs[0]: expected string, got null" },
		{ "{\"Self\":{\"ID\":\"s\",\"TailscaleIPs\":[\"100.64.0.1\"]},\"Peer\":{\"k\":{\"ID\":\"p\",\"TailscaleIPs\":[\"100.64.0.1\"]}}}",
		  "nodes.json: Peer[\"k\"].TailscaleIPs[0]: address '100.64.0.1' already belongs to node 's'" },
		{ "{\"Self\":{\"ID\":\"s\"},\"Peer\":{\"a\":{\"ID\":\"p\"},\"b\":{\"ID\":\"p\"}}}",
		  "nodes.json: Peer[\"b\"]: duplicate node ID 'p', also at Peer[\"a\"]" },
		{ "{\"Self\":{\"ID\":\"s\"},\"Peer\":{\"k\":{\"ID\":\"p\",\"CurAddr\":\"1.2.3.4\"}}}",
		  "nodes.json: Peer[\"k\"].CurAddr: bad endpoint '1.2.3.4'" },
		{ "{\"Self\":{\"ID\":\"s\"},\"Peer\":{\"k\":{\"ID\":\"p\",\"Addrs\":[\"fd00::1:41641\"]}}}",
		  "nodes.json: Peer[\"k\"].Addrs[0]: bad endpoint 'fd00::1:41641'" },
		{ "{\"Self\":{\"ID\":\"s\",\"PrimaryRoutes\":[\"10.0.0.0/33\"]}}",
		  "nodes.json: Self.PrimaryRoutes[0]: bad prefix '10.0.0.0/33': prefix length out of range for IPv4 (0-32)" },
		{ "{\"Self\":{\"ID\":\"s\"},\"Peer\":{\"k\":{\"ID\":\"p\",\"AllowedIPs\":[\"10.0.0.0\"]}}}",
		  "nodes.json: Peer[\"k\"].AllowedIPs[0]: bad prefix '10.0.0.0': missing '/length'" },
		{ "{\"Self\":{\"ID\":\"s\",\"Tags\":[\"tag:a\",1]}}", "nodes.json: Self.Tags[1]: expected string, got number" },
		{ "{\"Self\":{\"ID\":\"s\",\"UserID\":\"5\"}}", "nodes.json: Self.UserID: expected integer, got string" },
		{ "{\"Self\":{\"ID\":\"s\",\"UserID\":5},\"User\":{\"5\":{\"ID\":5,\"LoginName\":false}}}",
		  "nodes.json: User[\"5\"].LoginName: expected string, got boolean" },
		{ "{\"Self\":{\"ID\":\"s\"},\"Peer\":[]}", "nodes.json: Peer: expected object, got array" },
		{ "{\"self\":\"a\"}", "nodes.json: neither `tailscale status --json` output (no \"Self\") nor a netlog node map (no \"nodes\")" },
		{ "{\"nodes\":[]}", "nodes.json: self: missing" },
		{ "{\"self\":\"a\",\"nodes\":[]}", "nodes.json: self: no node with id 'a' in nodes" },
		{ "{\"self\":\"a\",\"nodes\":[],\"peers\":[]}", "nodes.json: unknown top-level key 'peers'" },
		{ "{\"self\":\"a\",\"nodes\":[{\"id\":\"a\",\"adresses\":[]}]}", "nodes.json: nodes[0]: unknown key 'adresses'" },
		{ "{\"self\":\"a\",\"nodes\":[{\"id\":\"a\"},\"b\"]}", "nodes.json: nodes[1]: expected object, got string" },
		{ "{\"self\":\"a\",\"nodes\":[{\"id\":\"a\",\"addresses\":[\"10.0.0.1\"]},{\"id\":\"b\",\"addresses\":[\"fd00::2\",\"10.0.0.1\"]}]}",
		  "nodes.json: nodes[1].addresses[1]: address '10.0.0.1' already belongs to node 'a'" },
		{ "{\"self\":\"a\",\"nodes\":[{\"id\":\"a\"},{\"id\":\"b\",\"endpoints\":[\"[fd00::1]:1\"]},{\"id\":\"c\",\"endpoints\":[\"[fd00::1]:1\"]}]}",
		  "nodes.json: nodes[2].endpoints[0]: endpoint '[fd00::1]:1' already belongs to node 'b'" },
		{ "{\"self\":\"a\",\"nodes\":[{\"id\":\"a\",\"routes\":[\"fd00::/129\"]}]}",
		  "nodes.json: nodes[0].routes[0]: bad prefix 'fd00::/129': prefix length out of range for IPv6 (0-128)" },
		{ "{\"self\":\"a\",\"nodes\":[{\"id\":\"a\",\"routes\":[\"10.0.0.0/08\"]}]}",
		  "nodes.json: nodes[0].routes[0]: bad prefix '10.0.0.0/08': bad prefix length" },
		{ "{\"self\":\"a\",\"nodes\":[{\"id\":\"a\"},{\"id\":\"a\"}]}", "nodes.json: nodes[1]: duplicate node ID 'a', also at nodes[0]" },
		{ "{\"self\":\"a\",\"nodes\":[{\"id\":\"a\",\"addresses\":[\"fe80::1%eth0\"]}]}",
		  "nodes.json: nodes[0].addresses[0]: bad address 'fe80::1%eth0'" },
	};
	char err[NODEMAP_ERR_LEN];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		struct nodemap *nm = (struct nodemap *)&err; /* must stay */

		strcpy(err, "");
		CHECK(nodemap_parse(&nm, "nodes.json", cases[i].doc,
				    strlen(cases[i].doc), err,
				    sizeof(err)) == -EINVAL);
		CHECK(nm == (struct nodemap *)&err);
		check_str(cases[i].doc, err, cases[i].want);
	}
	CHECK(nodemap_load(&(struct nodemap *){ NULL }, "/nonexistent/n.json",
			   err, sizeof(err)) == -ENOENT);
	check_str("missing file", err,
		  "/nonexistent/n.json: No such file or directory");
}

/* A node whose JSON could not share a message with two others is refused. */
static void test_nodemap_node_too_large(void)
{
	char *doc = NULL, err[NODEMAP_ERR_LEN];
	struct nodemap *nm = NULL;
	size_t len = 0, i;

	cat(&doc, &len, "{\"Self\":{\"ID\":\"s\",\"Tags\":[");
	for (i = 0; i < 2000; i++)
		cat(&doc, &len, "%s\"tag:0123456789\"", i ? "," : "");
	cat(&doc, &len, "]}}");
	CHECK(nodemap_parse(&nm, "big.json", doc, len, err, sizeof(err)) ==
	      -EINVAL);
	check_str("too large", err,
		  "big.json: Self: node too large: its JSON may take 34024 bytes, at most 32768");
	free(doc);
}

int main(void)
{
	test_node_fields_from_status();
	test_node_json_len();
	test_escaping_matches_go();
	test_endpoint_claims();
	test_nodemap_errors();
	test_nodemap_node_too_large();
	return check_done("test-nodemap");
}
