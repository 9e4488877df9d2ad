// SPDX-License-Identifier: GPL-2.0
/*
 * Host tests of netlogd's record building: Tailscale's messages byte for
 * byte, classification, anonymization, physical rewrites, node order, the
 * 256 KiB bound with adversarial nodes, the counters' serializer.
 *
 *   test-record GOLDEN_DIR   run the tests
 *   test-record --bench      flows per second of record_build()
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <linux/netlog.h>
#include <json-c/json.h>

#include "check.h"
#include "fixture.h"
#include "addr.h"
#include "window.h"
#include "nodemap.h"
#include "record.h"
#include "json-build.h"
#include "routes.h"
#include "window-json.h"
#include "array.h"

/* Messages that record_build() emitted, kept for checking. */
struct out {
	char **msg;
	size_t n;
	int fail_with;		/* emit returns this, once set */
};

static int collect(const char *json, size_t len, void *arg)
{
	struct out *o = arg;

	if (o->fail_with)
		return o->fail_with;
	/* the buffer is NUL-terminated json-c output; len must agree */
	if (strlen(json) != len) {
		fprintf(stderr, "emit: len %zu, strlen %zu\n", len,
			strlen(json));
		failures++;
	}
	o->msg = realloc(o->msg, (o->n + 1) * sizeof(*o->msg));
	o->msg[o->n++] = strndup(json, len);
	return 0;
}

static void out_release(struct out *o)
{
	size_t i;

	for (i = 0; i < o->n; i++)
		free(o->msg[i]);
	free(o->msg);
	memset(o, 0, sizeof(*o));
}

static struct routes *routes(const struct nodemap *nm, const char *extra)
{
	char err[NODEMAP_ERR_LEN];
	struct routes *rt = NULL;

	if (routes_build(&rt, nm, extra, err, sizeof(err))) {
		fprintf(stderr, "routes_build: %s\n", err);
		exit(1);
	}
	return rt;
}

static void add_flow(struct window *w, uint8_t kind, uint8_t proto,
		     const char *src, const char *dst, uint64_t txp,
		     uint64_t txb, uint64_t rxp, uint64_t rxb)
{
	struct flow *f;

	if (w->nr == w->alloc) {
		w->alloc = w->alloc ? 2 * w->alloc : 16;
		w->flows = realloc(w->flows, w->alloc * sizeof(*w->flows));
	}
	f = &w->flows[w->nr++];
	memset(f, 0, sizeof(*f));
	f->kind = kind;
	f->proto = proto;
	if (addrport_parse(&f->local, &f->local_port, src) ||
	    addrport_parse(&f->remote, &f->remote_port, dst)) {
		fprintf(stderr, "bad flow %s -> %s\n", src, dst);
		exit(1);
	}
	f->tx_pkts = txp;
	f->tx_bytes = txb;
	f->rx_pkts = rxp;
	f->rx_bytes = rxb;
}

#define VIRT NETLOG_KIND_VIRTUAL
#define PHYS NETLOG_KIND_PHYSICAL

static void window_times(struct window *w)
{
	w->start_ns = 1763497389644123456ULL;	/* 2025-11-18T20:23:09.644123456Z */
	w->end_ns = 1763497394650873112ULL;
}

/* Runs record_build() and expects exactly one message. */
static char *build_one(const struct window *w,
		       const struct nodemap *nm, const struct routes *rt,
		       bool log_exit_flows)
{
	struct out o = { 0 };
	char *msg;

	CHECK(record_build(w, nm, rt, log_exit_flows, collect, &o) == 0);
	CHECK(o.n == 1);
	if (o.n != 1) {
		out_release(&o);
		return strdup("");
	}
	msg = o.msg[0];
	free(o.msg);
	return msg;
}

/* The tail of a message after srcNode/dstNodes: the traffic arrays. */
static const char *traffic(const char *msg)
{
	const char *keys[] = { ",\"virtualTraffic\"", ",\"subnetTraffic\"",
			       ",\"exitTraffic\"", ",\"physicalTraffic\"" };
	const char *best = NULL, *p;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(keys); i++) {
		p = strstr(msg, keys[i]);
		if (p && (!best || p < best))
			best = p;
	}
	return best ? best + 1 : msg;
}

/* §6.1, §6.2 (TestEmbedNodeInfo) and §6.3 through the API, byte for byte. */
static void test_golden_messages(const char *dir)
{
	static const struct {
		const char *flows, *nodes, *routes, *expected;
		bool log_exit_flows;
	} cases[] = {
		{ "embed.flows.json", "embed.status.json", NULL,
		  "embed.anon.expected", false },
		{ "embed.flows.json", "embed.status.json", NULL,
		  "embed.exit.expected", true },
		/* the routes again as SubnetRoutes spelled like the Go test */
		{ "embed.flows.json", "embed.status.json",
		  "172.16.1.1/16, 192.168.1.1/24", "embed.anon.expected",
		  false },
		{ "dualstack.flows.json", "dualstack.nodes.json", NULL,
		  "dualstack.expected", false },
	};
	char path[512], err[NODEMAP_ERR_LEN];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		struct window w;
		struct nodemap *nm = NULL;
		struct routes *rt = NULL;
		char *want, *got;

		window_init(&w);
		snprintf(path, sizeof(path), "%s/%s", dir, cases[i].nodes);
		CHECK(nodemap_load(&nm, path, err, sizeof(err)) == 0);
		CHECK(routes_build(&rt, nm, cases[i].routes, err,
				   sizeof(err)) == 0);
		snprintf(path, sizeof(path), "%s/%s", dir, cases[i].flows);
		CHECK(window_json_load(&w, path, err, sizeof(err)) == 0);
		snprintf(path, sizeof(path), "%s/%s", dir, cases[i].expected);
		want = read_file(path);
		want[strcspn(want, "\n")] = '\0';
		got = build_one(&w, nm, rt, cases[i].log_exit_flows);
		check_str(cases[i].expected, got, want);
		free(got);
		free(want);
		window_release(&w);
		routes_free(rt);
		nodemap_free(nm);
	}
}

static const char *const classify_nodes =
	"{\"self\":\"self\",\"nodes\":["
	"{\"id\":\"self\",\"addresses\":[\"100.64.0.1\",\"fd7a:115c:a1e0::1\"],"
	" \"routes\":[\"192.168.1.0/24\"]},"
	"{\"id\":\"peer\",\"addresses\":[\"100.64.0.2\",\"fd7a:115c:a1e0::2\"],"
	" \"routes\":[\"10.1.0.0/16\",\"0.0.0.0/0\",\"::/0\"],"
	" \"endpoints\":[\"198.51.100.2:41641\"]},"
	"{\"id\":\"other\",\"addresses\":[\"100.64.0.3\"]}]}";

/* Every row of Tailscale's classification table, and its JSON. */
static void test_classification_rows(void)
{
	static const struct {
		const char *what, *src, *dst, *want;
	} cases[] = {
		{ "self to a node: virtual", "100.64.0.1:1000", "100.64.0.2:22",
		  "\"virtualTraffic\":[{\"proto\":6,\"src\":\"100.64.0.1:1000\",\"dst\":\"100.64.0.2:22\",\"txPkts\":1,\"txBytes\":2,\"rxPkts\":3,\"rxBytes\":4}]}" },
		{ "self v6 to a node v6: virtual", "[fd7a:115c:a1e0::1]:1000",
		  "[fd7a:115c:a1e0::2]:22",
		  "\"virtualTraffic\":[{\"proto\":6,\"src\":\"[fd7a:115c:a1e0::1]:1000\",\"dst\":\"[fd7a:115c:a1e0::2]:22\",\"txPkts\":1,\"txBytes\":2,\"rxPkts\":3,\"rxBytes\":4}]}" },
		{ "self into a peer's subnet: subnet", "100.64.0.1:1000",
		  "10.1.2.3:80",
		  "\"subnetTraffic\":[{\"proto\":6,\"src\":\"100.64.0.1:1000\",\"dst\":\"10.1.2.3:80\",\"txPkts\":1,\"txBytes\":2,\"rxPkts\":3,\"rxBytes\":4}]}" },
		{ "self out of every route (0.0.0.0/0 never matches): exit",
		  "100.64.0.1:1000", "8.8.8.8:53",
		  "\"exitTraffic\":[{\"src\":\"100.64.0.1:0\",\"txPkts\":1,\"txBytes\":2,\"rxPkts\":3,\"rxBytes\":4}]}" },
		{ "LAN host of our subnet to a node: subnet", "192.168.1.7:5000",
		  "100.64.0.2:80",
		  "\"subnetTraffic\":[{\"proto\":6,\"src\":\"192.168.1.7:5000\",\"dst\":\"100.64.0.2:80\",\"txPkts\":1,\"txBytes\":2,\"rxPkts\":3,\"rxBytes\":4}]}" },
		{ "Internet host to a node (we are its exit node): exit",
		  "203.0.113.9:443", "100.64.0.2:5000",
		  "\"exitTraffic\":[{\"dst\":\"100.64.0.2:0\",\"txPkts\":1,\"txBytes\":2,\"rxPkts\":3,\"rxBytes\":4}]}" },
		{ "Internet host to self: exit", "203.0.113.9:443",
		  "100.64.0.1:5000",
		  "\"exitTraffic\":[{\"dst\":\"100.64.0.1:0\",\"txPkts\":1,\"txBytes\":2,\"rxPkts\":3,\"rxBytes\":4}]}" },
		{ "neither side known: unknown, under exitTraffic",
		  "203.0.113.9:443", "198.51.100.7:80",
		  "\"exitTraffic\":[{\"txPkts\":1,\"txBytes\":2,\"rxPkts\":3,\"rxBytes\":4}]}" },
		{ "unknown v6 to v6: scrubbed whole", "[2001:db8::1]:1",
		  "[2001:db8::2]:2",
		  "\"exitTraffic\":[{\"txPkts\":1,\"txBytes\":2,\"rxPkts\":3,\"rxBytes\":4}]}" },
		{ "a peer's address is a route: peer to node is subnet",
		  "100.64.0.3:1", "100.64.0.2:2",
		  "\"subnetTraffic\":[{\"proto\":6,\"src\":\"100.64.0.3:1\",\"dst\":\"100.64.0.2:2\",\"txPkts\":1,\"txBytes\":2,\"rxPkts\":3,\"rxBytes\":4}]}" },
	};
	struct nodemap *nm = map(classify_nodes);
	struct routes *rt = routes(nm, NULL);
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		struct window w;
		char *msg;

		window_init(&w);
		window_times(&w);
		add_flow(&w, VIRT, 6, cases[i].src, cases[i].dst, 1, 2, 3, 4);
		msg = build_one(&w, nm, rt, false);
		check_str(cases[i].what, traffic(msg), cases[i].want);
		free(msg);
		window_release(&w);
	}
	routes_free(rt);
	nodemap_free(nm);
}

/* Extra routes on the command line turn exit into subnet. */
static void test_extra_routes_classify(void)
{
	struct nodemap *nm = map(classify_nodes);
	struct routes *rt = routes(nm, "8.8.8.0/24");
	struct window w;
	char *msg;

	window_init(&w);
	add_flow(&w, VIRT, 17, "100.64.0.1:1000", "8.8.8.8:53", 1, 2, 3, 4);
	msg = build_one(&w, nm, rt, false);
	check_str("extra route", traffic(msg),
		  "\"subnetTraffic\":[{\"proto\":17,\"src\":\"100.64.0.1:1000\",\"dst\":\"8.8.8.8:53\",\"txPkts\":1,\"txBytes\":2,\"rxPkts\":3,\"rxBytes\":4}]}");
	free(msg);
	window_release(&w);
	routes_free(rt);
	nodemap_free(nm);
}

/* Anonymized exit entries collapse and sum; full ones stay apart. */
static void test_anonymization_sums(void)
{
	struct nodemap *nm = map(classify_nodes);
	struct routes *rt = routes(nm, NULL);
	struct window w;
	char *msg;

	window_init(&w);
	add_flow(&w, VIRT, 6, "100.64.0.1:1000", "8.8.8.8:443", 1, 10, 2, 20);
	add_flow(&w, VIRT, 17, "100.64.0.1:1001", "1.1.1.1:53", 3, 30, 4, 40);
	add_flow(&w, VIRT, 1, "100.64.0.1:0", "9.9.9.9:0", 5, 50, 0, 0);
	add_flow(&w, VIRT, 6, "203.0.113.1:1", "198.51.100.1:2",
		 UINT64_MAX, 1, 0, 0);
	add_flow(&w, VIRT, 6, "203.0.113.2:1", "198.51.100.2:2", 2, 1, 0, 0);
	msg = build_one(&w, nm, rt, false);
	/* Counts.Add wraps around like Go's uint64 */
	check_str("anonymized", traffic(msg),
		  "\"exitTraffic\":[{\"txPkts\":1,\"txBytes\":2},{\"src\":\"100.64.0.1:0\",\"txPkts\":9,\"txBytes\":90,\"rxPkts\":6,\"rxBytes\":60}]}");
	free(msg);
	msg = build_one(&w, nm, rt, true);
	check_str("log exit flows", traffic(msg),
		  "\"exitTraffic\":[{\"proto\":1,\"src\":\"100.64.0.1:0\",\"dst\":\"9.9.9.9:0\",\"txPkts\":5,\"txBytes\":50},"
		  "{\"proto\":6,\"src\":\"100.64.0.1:1000\",\"dst\":\"8.8.8.8:443\",\"txPkts\":1,\"txBytes\":10,\"rxPkts\":2,\"rxBytes\":20},"
		  "{\"proto\":17,\"src\":\"100.64.0.1:1001\",\"dst\":\"1.1.1.1:53\",\"txPkts\":3,\"txBytes\":30,\"rxPkts\":4,\"rxBytes\":40},"
		  "{\"proto\":6,\"src\":\"203.0.113.1:1\",\"dst\":\"198.51.100.1:2\",\"txPkts\":18446744073709551615,\"txBytes\":1},"
		  "{\"proto\":6,\"src\":\"203.0.113.2:1\",\"dst\":\"198.51.100.2:2\",\"txPkts\":2,\"txBytes\":1}]}");
	free(msg);
	window_release(&w);
	routes_free(rt);
	nodemap_free(nm);
}

/*
 * A node reached over IPv4 and IPv6 is one dstNodes entry; dstNodes are
 * sorted by ID bytewise (upper case first), self is never among them, and
 * a node seen only in physical traffic is.
 */
static void test_dst_nodes_dedup_and_order(void)
{
	struct nodemap *nm = map(
		"{\"self\":\"m\",\"nodes\":["
		"{\"id\":\"m\",\"addresses\":[\"100.64.0.1\"]},"
		"{\"id\":\"a\",\"addresses\":[\"100.64.0.2\",\"fd7a::2\"]},"
		"{\"id\":\"B\",\"addresses\":[\"100.64.0.3\"]},"
		"{\"id\":\"aa\",\"addresses\":[\"100.64.0.4\"]},"
		"{\"id\":\"Z\",\"endpoints\":[\"192.0.2.5:41641\"]},"
		"{\"id\":\"unseen\",\"addresses\":[\"100.64.0.6\"]}]}");
	struct routes *rt = routes(nm, NULL);
	struct window w;
	char *msg, *p;

	window_init(&w);
	window_times(&w);
	add_flow(&w, VIRT, 6, "100.64.0.1:1", "100.64.0.4:1", 1, 1, 1, 1);
	add_flow(&w, VIRT, 6, "100.64.0.1:1", "100.64.0.2:1", 1, 1, 1, 1);
	add_flow(&w, VIRT, 6, "[fd7a::1]:1", "[fd7a::2]:1", 1, 1, 1, 1);
	add_flow(&w, VIRT, 6, "100.64.0.3:1", "100.64.0.1:1", 1, 1, 1, 1);
	add_flow(&w, PHYS, 17, "192.0.2.1:41641", "192.0.2.5:41641", 1, 1,
		 1, 1);
	msg = build_one(&w, nm, rt, false);
	p = strstr(msg, ",\"virtualTraffic\"");
	if (p)
		*p = '\0';
	check_str("dstNodes", msg,
		  "{\"nodeId\":\"m\",\"start\":\"2025-11-18T20:23:09.644123456Z\",\"end\":\"2025-11-18T20:23:14.650873112Z\","
		  "\"srcNode\":{\"nodeId\":\"m\",\"addresses\":[\"100.64.0.1\"]},"
		  "\"dstNodes\":[{\"nodeId\":\"B\",\"addresses\":[\"100.64.0.3\"]},{\"nodeId\":\"Z\"},"
		  "{\"nodeId\":\"a\",\"addresses\":[\"100.64.0.2\",\"fd7a::2\"]},"
		  "{\"nodeId\":\"aa\",\"addresses\":[\"100.64.0.4\"]}]");
	free(msg);
	window_release(&w);
	routes_free(rt);
	nodemap_free(nm);
}

/*
 * Physical flows become (no proto, peer's first Tailscale IP :0, endpoint);
 * an endpoint of no known peer keeps the zero src; two local sockets to one
 * endpoint are one entry.
 */
static void test_physical_rewrite(void)
{
	struct nodemap *nm = map(
		"{\"self\":\"s\",\"nodes\":[{\"id\":\"s\",\"addresses\":[\"100.64.0.1\"],"
		"\"endpoints\":[\"192.0.2.200:41641\"]},"
		"{\"id\":\"v6first\",\"addresses\":[\"fd7a::5\",\"100.64.0.5\"],"
		"\"endpoints\":[\"[2001:db8::5]:41641\",\"192.0.2.5:41641\"]}]}");
	struct routes *rt = routes(nm, NULL);
	struct window w;
	char *msg;

	window_init(&w);
	add_flow(&w, PHYS, 17, "192.0.2.1:51820", "192.0.2.5:41641", 1, 100,
		 0, 0);
	add_flow(&w, PHYS, 17, "10.0.0.1:51820", "192.0.2.5:41641", 1, 100,
		 2, 200);
	add_flow(&w, PHYS, 17, "[2001:db8::1]:51820", "[2001:db8::5]:41641",
		 3, 300, 0, 0);
	add_flow(&w, PHYS, 17, "192.0.2.1:51820", "203.0.113.50:9999", 4,
		 400, 4, 400);
	/* self's own endpoint identifies no peer */
	add_flow(&w, PHYS, 17, "192.0.2.1:51820", "192.0.2.200:41641", 5,
		 500, 0, 0);
	msg = build_one(&w, nm, rt, false);
	check_str("physical", traffic(msg),
		  "\"physicalTraffic\":[{\"dst\":\"192.0.2.200:41641\",\"txPkts\":5,\"txBytes\":500},"
		  "{\"dst\":\"203.0.113.50:9999\",\"txPkts\":4,\"txBytes\":400,\"rxPkts\":4,\"rxBytes\":400},"
		  "{\"src\":\"[fd7a::5]:0\",\"dst\":\"192.0.2.5:41641\",\"txPkts\":2,\"txBytes\":200,\"rxPkts\":2,\"rxBytes\":200},"
		  "{\"src\":\"[fd7a::5]:0\",\"dst\":\"[2001:db8::5]:41641\",\"txPkts\":3,\"txBytes\":300}]}");
	CHECK(strstr(msg, "\"dstNodes\":[{\"nodeId\":\"v6first\"") != NULL);
	free(msg);
	window_release(&w);
	routes_free(rt);
	nodemap_free(nm);
}

/* The output does not depend on the order of the flows; idle emits nothing. */
static void test_order_independent_and_idle(void)
{
	struct nodemap *nm = map(classify_nodes);
	struct routes *rt = routes(nm, NULL);
	struct window w;
	struct out o = { 0 };
	char *a, *b;
	size_t i;

	window_init(&w);
	CHECK(record_build(&w, nm, rt, false, collect, &o) == 0);
	CHECK(o.n == 0);
	for (i = 0; i < 50; i++) {
		char src[64], dst[64];

		snprintf(src, sizeof(src), "100.64.0.%zu:%zu", 1 + i % 3,
			 1000 + i);
		snprintf(dst, sizeof(dst), "%s:%zu",
			 i % 2 ? "10.1.0.9" : "100.64.0.2", i * 7 % 13);
		add_flow(&w, VIRT, i % 2 ? 6 : 17, src, dst, i, i, i, i);
	}
	a = build_one(&w, nm, rt, true);
	for (i = 0; i < w.nr / 2; i++) {
		struct flow t = w.flows[i];

		w.flows[i] = w.flows[w.nr - 1 - i];
		w.flows[w.nr - 1 - i] = t;
	}
	b = build_one(&w, nm, rt, true);
	check_str("reversed flows", b, a);
	free(a);
	free(b);
	/* an emit error stops the build and is returned */
	o.fail_with = -EIO;
	CHECK(record_build(&w, nm, rt, false, collect, &o) == -EIO);
	window_release(&w);
	routes_free(rt);
	nodemap_free(nm);
}

/* Adds @c to the totals kept per connection key. */
struct key_total {
	char key[300];
	uint64_t c[4];
	int seen;
};

static struct key_total *find_key(struct key_total *t, size_t n,
				  const char *key)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!strcmp(t[i].key, key))
			return &t[i];
	return NULL;
}

static uint64_t get_u64(json_object *o, const char *key)
{
	json_object *v;

	return json_object_object_get_ex(o, key, &v) ?
	       json_object_get_uint64(v) : 0;
}

static const char *get_str(json_object *o, const char *key)
{
	json_object *v;

	return json_object_object_get_ex(o, key, &v) ?
	       json_object_get_string(v) : "";
}

/* An entry's key in Go's compareConnCnts order, as bytes for memcmp(). */
static void entry_key(json_object *e, uint8_t *k)
{
	const char *side[2] = { get_str(e, "src"), get_str(e, "dst") };
	struct addr a;
	uint16_t port;
	int j;

	memset(k, 0, 39);
	for (j = 0; j < 2; j++) {
		uint8_t *p = k + 19 * j;

		if (!*side[j] || addrport_parse(&a, &port, side[j]))
			continue;
		p[0] = a.len == 4 ? 1 : 2;
		memcpy(p + 1, a.bytes, a.len);
		p[17] = port >> 8;
		p[18] = port;
	}
	k[38] = get_u64(e, "proto");
}

/*
 * Checks a split: each message is valid JSON of at most 262144 bytes that
 * repeats nodeId and srcNode and lists exactly the dstNodes its own entries
 * name; every input key appears once in all of them with its counts.
 */
static void check_split(struct out *o, struct key_total *want, size_t nwant,
			const struct nodemap *nm, const char *first_src_node)
{
	size_t m, i, j, k, seen = 0;

	for (m = 0; m < o->n; m++) {
		json_object *msg = json_tokener_parse(o->msg[m]), *arr, *v;
		char names[64][300];
		size_t nnames = 0;

		CHECK(strlen(o->msg[m]) <= RECORD_MAX_SIZE);
		CHECK(msg != NULL);
		if (!msg)
			continue;
		CHECK(!strcmp(get_str(msg, "nodeId"), nodemap_self(nm)->id.s));
		CHECK(json_object_object_get_ex(msg, "srcNode", &v) &&
		      !strcmp(json_object_to_json_string_ext(v,
				JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE),
			      first_src_node));
		json_object_object_foreach(msg, key, val) {
			if (!strstr(key, "Traffic"))
				continue;
			arr = val;
			/*
			 * json-c's own serializers write the parsed array as
			 * the builder's did (counters, src and dst included).
			 */
			CHECK(strstr(o->msg[m], json_object_to_json_string_ext(
				arr, JSON_C_TO_STRING_PLAIN |
				JSON_C_TO_STRING_NOSLASHESCAPE)) != NULL);
			/* sorted as Go's compareConnCnts sorts, keys unique */
			for (i = 1; i < json_object_array_length(arr); i++) {
				uint8_t ka[39], kb[39];

				entry_key(json_object_array_get_idx(arr, i - 1), ka);
				entry_key(json_object_array_get_idx(arr, i), kb);
				CHECK(memcmp(ka, kb, sizeof(ka)) < 0);
			}
			for (i = 0; i < json_object_array_length(arr); i++) {
				json_object *e = json_object_array_get_idx(arr, i);
				struct addr a;
				const struct nodemap_node *n;
				struct key_total *t;
				char kb[300];
				uint16_t port;

				snprintf(kb, sizeof(kb), "%s %" PRIu64 " %s %s", key,
					 get_u64(e, "proto"), get_str(e, "src"),
					 get_str(e, "dst"));
				t = find_key(want, nwant, kb);
				CHECK(t != NULL);
				if (!t)
					continue;
				CHECK(t->seen++ == 0);
				seen++;
				CHECK(get_u64(e, "txPkts") == t->c[0] &&
				      get_u64(e, "txBytes") == t->c[1] &&
				      get_u64(e, "rxPkts") == t->c[2] &&
				      get_u64(e, "rxBytes") == t->c[3]);
				/* the nodes this entry names */
				for (j = 0; j < 2; j++) {
					const char *s = get_str(e, j ? "dst" : "src");

					if (!*s || addrport_parse(&a, &port, s))
						continue;
					n = nodemap_by_addr(nm, &a);
					if (!n && j)
						n = nodemap_by_endpoint(nm, &a, port);
					if (!n || n == nodemap_self(nm))
						continue;
					for (k = 0; k < nnames; k++)
						if (!strcmp(names[k], n->id.s))
							break;
					if (k == nnames && nnames < 64)
						strcpy(names[nnames++], n->id.s);
				}
			}
		}
		/* dstNodes: exactly the distinct names, in ID order */
		CHECK(nnames < 64);
		if (json_object_object_get_ex(msg, "dstNodes", &arr)) {
			size_t nd = json_object_array_length(arr);

			for (i = 0; i < nd; i++) {
				const char *id = get_str(
					json_object_array_get_idx(arr, i), "nodeId");

				for (j = 0; j < nnames; j++)
					if (!strcmp(names[j], id))
						break;
				CHECK(j < nnames);
				CHECK(!i || strcmp(get_str(json_object_array_get_idx(
					arr, i - 1), "nodeId"), id) < 0);
			}
			for (j = 0; j < nnames; j++) {
				for (i = 0; i < nd; i++)
					if (!strcmp(get_str(json_object_array_get_idx(
						arr, i), "nodeId"), names[j]))
						break;
				CHECK(i < nd);
			}
		} else {
			CHECK(nnames == 0);
		}
		json_object_put(msg);
	}
	CHECK(seen == nwant);
}

/*
 * The largest entries there are: IPv6 addresses of 39 characters, port
 * 65535, proto 255, u64-max counters, all logged in full. Without nodes a
 * message holds exactly floor((262144 - 219 - jsonLen(self)) / 248) of
 * them, and each message stays within 262144 bytes.
 */
static void test_split_max_entries(void)
{
	struct nodemap *nm = map(
		"{\"self\":\"s\",\"nodes\":[{\"id\":\"s\",\"addresses\":[\"100.64.0.1\"]}]}");
	struct routes *rt = routes(nm, NULL);
	size_t per = (RECORD_MAX_SIZE - RECORD_MIN_MESSAGE_SIZE -
		      nodemap_self(nm)->json_len) / (RECORD_MAX_CONN_SIZE + 1);
	size_t nflows = 3 * per + 17, i;
	struct key_total *want = calloc(nflows, sizeof(*want));
	struct record_stats st = { 0 };
	struct window w;
	struct out o = { 0 };

	window_init(&w);
	for (i = 0; i < nflows; i++) {
		char src[64], dst[64];

		snprintf(src, sizeof(src),
			 "[ffff:ffff:ffff:ffff:ffff:ffff:%04zx:ffff]:65535",
			 0x1000 + i);
		snprintf(dst, sizeof(dst),
			 "[ffff:ffff:ffff:ffff:ffff:ffff:ffff:%04zx]:65535",
			 0x1000 + i);
		add_flow(&w, VIRT, 255, src, dst, UINT64_MAX, UINT64_MAX,
			 UINT64_MAX, UINT64_MAX);
		snprintf(want[i].key, sizeof(want[i].key),
			 "exitTraffic 255 %s %s", src, dst);
		want[i].c[0] = want[i].c[1] = want[i].c[2] = want[i].c[3] =
			UINT64_MAX;
	}
	CHECK(record_build_stats(&w, nm, rt, true, collect, &o, &st) == 0);
	CHECK(o.n == 4);
	CHECK(st.messages == 4 && st.entries == nflows &&
	      st.unknown_flows == nflows);
	for (i = 0; i < o.n; i++) {
		/* 1056 entries of 247 bytes and commas come close to the bound */
		CHECK(strlen(o.msg[i]) <= RECORD_MAX_SIZE);
		if (i < 3)
			CHECK(strlen(o.msg[i]) > RECORD_MAX_SIZE - 2000);
	}
	check_split(&o, want, nflows, nm,
		    "{\"nodeId\":\"s\",\"addresses\":[\"100.64.0.1\"]}");
	free(want);
	out_release(&o);
	window_release(&w);
	routes_free(rt);
	nodemap_free(nm);
}

/*
 * Big nodes: long names and tags full of quotes, backslashes, control
 * characters and invalid UTF-8 (which grow when escaped), near the 32 KiB
 * limit, reached over IPv4 and IPv6, plus physical traffic. Every message
 * fits, every flow is in exactly one message, and each message's dstNodes
 * are the nodes of its own entries.
 */
static void test_split_big_nodes(void)
{
	const size_t npeers = 40, nflows_per = 300;
	char *doc = NULL, *self_json;
	struct key_total *want;
	struct window w;
	struct out o = { 0 };
	struct nodemap *nm;
	struct routes *rt;
	size_t len = 0, i, j, k, nwant = 0;
	json_object *obj;

	cat(&doc, &len, "{\"self\":\"self\\u0001\\\"x\",\"nodes\":[");
	cat(&doc, &len, "{\"id\":\"self\\u0001\\\"x\",\"name\":\"");
	for (i = 0; i < 2000; i++)
		cat(&doc, &len, "\\u0002");
	cat(&doc, &len, "\",\"addresses\":[\"100.64.0.1\",\"fd7a:115c:a1e0:ffff:ffff:ffff:ffff:1\"]}");
	for (i = 0; i < npeers; i++) {
		cat(&doc, &len, ",{\"id\":\"peer-%03zu-\xff\",\"name\":\"", i);
		for (j = 0; j < 1500; j++)
			cat(&doc, &len, "\\\"\\\\\\u001f\xfe");
		cat(&doc, &len, "\",\"os\":\"linux\",\"tags\":[");
		for (j = 0; j < 20; j++)
			cat(&doc, &len, "%s\"tag:%zu-\\u0007\\t</>\"", j ? "," : "",
			    j % 7);
		cat(&doc, &len, "],\"addresses\":[\"100.65.%zu.%zu\",\"fd7a:115c:a1e0:ffff:ffff:ffff:%zx:ffff\"],"
			 "\"endpoints\":[\"[2001:db8:ffff:ffff:ffff:ffff:ffff:%zx]:65535\"]}",
			 i / 250, i % 250 + 1, i + 1, i + 1);
	}
	cat(&doc, &len, "]}");
	nm = map(doc);
	free(doc);
	rt = routes(nm, NULL);
	CHECK(nodemap_count(nm) == npeers + 1);
	CHECK(nodemap_node(nm, 1)->json_len > 20000);
	CHECK(nodemap_node(nm, 1)->json_len <= NODEMAP_NODE_JSON_MAX);
	obj = record_node_json(nodemap_self(nm));
	self_json = strdup(json_object_to_json_string_ext(obj,
		JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(obj);
	/* every node's JSON fits its jsonLen, escapes and U+FFFD included */
	for (i = 0; i < nodemap_count(nm); i++) {
		obj = record_node_json(nodemap_node(nm, i));
		CHECK(strlen(json_object_to_json_string_ext(obj,
			JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)) <=
		      nodemap_node(nm, i)->json_len);
		json_object_put(obj);
	}

	window_init(&w);
	want = calloc(npeers * (nflows_per + 1), sizeof(*want));
	for (i = 0; i < npeers; i++) {
		const struct nodemap_node *p = nodemap_node(nm, i + 1);
		char a4[64], a6[64], src[80], dst[80];

		addr_format(&p->addr4, a4, sizeof(a4));
		addr_format(&p->addr6, a6, sizeof(a6));
		for (k = 0; k < nflows_per; k++) {
			if (k % 2)
				snprintf(src, sizeof(src), "100.64.0.1:%zu", k);
			else
				snprintf(src, sizeof(src),
					 "[fd7a:115c:a1e0:ffff:ffff:ffff:ffff:1]:%zu",
					 k);
			snprintf(dst, sizeof(dst), k % 2 ? "%s:65535" :
				 "[%s]:65535", k % 2 ? a4 : a6);
			add_flow(&w, VIRT, 6, src, dst, k, UINT64_MAX, 1, i);
			snprintf(want[nwant].key, sizeof(want[nwant].key),
				 "virtualTraffic 6 %s %s", src, dst);
			want[nwant].c[0] = k;
			want[nwant].c[1] = UINT64_MAX;
			want[nwant].c[2] = 1;
			want[nwant].c[3] = i;
			nwant++;
		}
		snprintf(dst, sizeof(dst),
			 "[2001:db8:ffff:ffff:ffff:ffff:ffff:%zx]:65535", i + 1);
		add_flow(&w, PHYS, 17, "[2001:db8::1]:51820", dst, 7, 7, 7, 7);
		snprintf(want[nwant].key, sizeof(want[nwant].key),
			 "physicalTraffic 0 %s:0 %s", a4, dst);
		want[nwant].c[0] = want[nwant].c[1] = want[nwant].c[2] =
			want[nwant].c[3] = 7;
		nwant++;
	}
	CHECK(record_build(&w, nm, rt, false, collect, &o) == 0);
	CHECK(o.n > 1);
	check_split(&o, want, nwant, nm, self_json);
	free(self_json);
	free(want);
	out_release(&o);
	window_release(&w);
	routes_free(rt);
	nodemap_free(nm);
}

/* Flows per second for a mixed window of a million flows. */
static int bench(void)
{
	const size_t npeers = 1000, nflows = 1000000;
	char *doc = NULL, src[64], dst[64];
	struct record_stats st = { 0 };
	struct window w;
	struct timespec t0, t1;
	struct nodemap *nm;
	struct routes *rt;
	size_t len = 0, i;
	double secs;

	cat(&doc, &len, "{\"self\":\"self\",\"nodes\":[{\"id\":\"self\",\"name\":\"self.example.ts.net.\",\"addresses\":[\"100.64.0.1\"],\"routes\":[\"192.168.0.0/16\"]}");
	for (i = 0; i < npeers; i++)
		cat(&doc, &len, ",{\"id\":\"n%05zuCNTRL\",\"name\":\"peer%zu.example.ts.net.\",\"os\":\"linux\",\"user\":\"u%zu@example.com\",\"addresses\":[\"100.65.%zu.%zu\"],\"endpoints\":[\"198.51.%zu.%zu:41641\"]}",
		    i, i, i, i / 250, i % 250 + 1, i / 250, i % 250 + 1);
	cat(&doc, &len, "]}");
	nm = map(doc);
	free(doc);
	rt = routes(nm, NULL);
	window_init(&w);
	srand(1);
	for (i = 0; i < nflows; i++) {
		unsigned int p = rand() % npeers, r = rand();

		snprintf(src, sizeof(src), "100.64.0.1:%u", 1024 + r % 60000);
		switch (i % 10) {
		case 0:
			snprintf(dst, sizeof(dst), "%u.%u.%u.%u:443", r & 255,
				 (r >> 8) & 255, (r >> 16) & 255, p & 255);
			break;
		case 1:
			snprintf(dst, sizeof(dst), "192.168.%u.%u:80", p & 255,
				 r & 255);
			break;
		case 2:
			snprintf(src, sizeof(src), "10.9.0.1:51820");
			snprintf(dst, sizeof(dst), "198.51.%u.%u:41641",
				 p / 250, p % 250 + 1);
			add_flow(&w, PHYS, 17, src, dst, 3, 300, 3, 300);
			continue;
		default:
			snprintf(dst, sizeof(dst), "100.65.%u.%u:%u", p / 250,
				 p % 250 + 1, r % 65536);
		}
		add_flow(&w, VIRT, 6, src, dst, r, r, r, r);
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	struct out o = { 0 };

	o.fail_with = 0;
	if (record_build_stats(&w, nm, rt, false, collect, &o, &st))
		return 1;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	secs = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
	printf("%zu flows -> %zu entries in %zu messages, %zu bytes: %.3f s, %.0f flows/s\n",
	       st.flows, st.entries, st.messages, st.bytes, secs,
	       st.flows / secs);
	out_release(&o);
	window_release(&w);
	routes_free(rt);
	nodemap_free(nm);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 2 && !strcmp(argv[1], "--bench"))
		return bench();
	if (argc != 2) {
		fprintf(stderr, "Usage: %s GOLDEN_DIR | --bench\n", argv[0]);
		return 2;
	}
	test_golden_messages(argv[1]);
	test_classification_rows();
	test_extra_routes_classify();
	test_anonymization_sums();
	test_dst_nodes_dedup_and_order();
	test_physical_rewrite();
	test_order_independent_and_idle();
	test_split_max_entries();
	test_split_big_nodes();
	return check_done("test-record");
}
