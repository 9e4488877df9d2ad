// SPDX-License-Identifier: GPL-2.0
/*
 * Host tests of netlogd's record building: node maps, routes, classification,
 * anonymization, Tailscale's JSON byte for byte, the 256 KiB bound, replay.
 *
 *   test-record GOLDEN_DIR NETLOGD   run the tests
 *   test-record --bench              flows per second of record_build()
 */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/wait.h>
#include <linux/netlog.h>
#include <json-c/json.h>

#include "check.h"
#include "addr.h"
#include "command.h"
#include "flow.h"
#include "goquote.h"
#include "nodemap.h"
#include "record.h"
#include "replay.h"
#include "routes.h"
#include "window-json.h"
#include "array.h"


static void check_str_at(int line, const char *what, const char *got,
			 const char *want)
{
	if (strcmp(got, want)) {
		fprintf(stderr, "test-record.c:%d: %s:\n  got  '%s'\n  want '%s'\n",
			line, what, got, want);
		failures++;
	}
}

#define check_str(what, got, want) check_str_at(__LINE__, what, got, want)

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

static struct nodemap *map(const char *json)
{
	char err[NODEMAP_ERR_LEN];
	struct nodemap *nm = NULL;

	if (nodemap_parse(&nm, "nodes.json", json, strlen(json), err,
			  sizeof(err))) {
		fprintf(stderr, "nodemap_parse: %s\n", err);
		exit(1);
	}
	return nm;
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

static void add_flow(struct netlog_window *w, uint8_t kind, uint8_t proto,
		     const char *src, const char *dst, uint64_t txp,
		     uint64_t txb, uint64_t rxp, uint64_t rxb)
{
	struct netlog_flow *f;

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

static void window_times(struct netlog_window *w)
{
	w->start_ns = 1763497389644123456ULL;	/* 2025-11-18T20:23:09.644123456Z */
	w->end_ns = 1763497394650873112ULL;
}

/* Runs record_build() and expects exactly one message. */
static char *build_one(const struct netlog_window *w,
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

static char *read_file(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf;
	long n;

	if (!f) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		exit(1);
	}
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = calloc(1, n + 1);
	if (fread(buf, 1, n, f) != (size_t)n)
		exit(1);
	fclose(f);
	return buf;
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
		struct netlog_window w;
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

/* The binary itself: stdout byte for byte, exit codes. */
static void test_replay_binary(const char *dir, const char *netlogd)
{
	static const struct {
		const char *args, *expected;
	} cases[] = {
		{ "--replay %1$s/embed.flows.json --nodes %1$s/embed.status.json",
		  "embed.anon.expected" },
		{ "--log-exit-flows --replay %1$s/embed.flows.json --nodes %1$s/embed.status.json",
		  "embed.exit.expected" },
		{ "--replay %1$s/dualstack.flows.json --nodes %1$s/dualstack.nodes.json --routes 10.0.0.0/8",
		  "dualstack.expected" },
	};
	char cmd[2048], args[1024], path[512];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		char *want, got[65536];
		size_t n;
		FILE *p;

		snprintf(args, sizeof(args), cases[i].args, dir);
		snprintf(cmd, sizeof(cmd), "%s %s", netlogd, args);
		p = popen(cmd, "r");
		CHECK(p != NULL);
		if (!p)
			continue;
		n = fread(got, 1, sizeof(got) - 1, p);
		got[n] = '\0';
		CHECK(pclose(p) == 0);
		snprintf(path, sizeof(path), "%s/%s", dir, cases[i].expected);
		want = read_file(path);
		check_str(cmd, got, want);
		free(want);
	}
	/* usage error: 2; bad input: 1 with the reason on stderr */
	snprintf(cmd, sizeof(cmd), "%s --replay x.json >/dev/null 2>&1",
		 netlogd);
	CHECK(WEXITSTATUS(system(cmd)) == 2);
	snprintf(cmd, sizeof(cmd), "%s --bogus >/dev/null 2>&1", netlogd);
	CHECK(WEXITSTATUS(system(cmd)) == 2);
	snprintf(cmd, sizeof(cmd),
		 "%s --replay %s/embed.flows.json --nodes %s/embed.flows.json 2>&1",
		 netlogd, dir, dir);
	{
		char got[1024] = "", want[1024];
		FILE *p = popen(cmd, "r");
		size_t n = fread(got, 1, sizeof(got) - 1, p);

		got[n] = '\0';
		CHECK(WEXITSTATUS(pclose(p)) == 1);
		snprintf(want, sizeof(want),
			 "netlogd: %s/embed.flows.json: neither `tailscale status --json` output (no \"Self\") nor a netlog node map (no \"nodes\")\n",
			 dir);
		check_str("replay of a flows file as node map", got, want);
	}
	snprintf(cmd, sizeof(cmd),
		 "%s --replay %s/embed.flows.json --nodes %s/embed.status.json --routes 10.0.0.0/33 2>&1",
		 netlogd, dir, dir);
	{
		char got[1024] = "";
		FILE *p = popen(cmd, "r");
		size_t n = fread(got, 1, sizeof(got) - 1, p);

		got[n] = '\0';
		CHECK(WEXITSTATUS(pclose(p)) == 1);
		check_str("replay with a bad route", got,
			  "netlogd: routes: bad prefix '10.0.0.0/33': prefix length out of range for IPv4 (0-32)\n");
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
		struct netlog_window w;
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
	struct netlog_window w;
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
	struct netlog_window w;
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
	struct netlog_window w;
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
		struct netlog_addr a;
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
	struct netlog_window w;
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

/* Tailscale status: CurAddr beats Addrs; a tie leaves the endpoint to none. */
static void test_endpoint_claims(void)
{
	struct nodemap *nm = map(
		"{\"Self\":{\"ID\":\"s\",\"TailscaleIPs\":[\"100.64.0.1\"]},\"Peer\":{"
		"\"k1\":{\"ID\":\"p1\",\"TailscaleIPs\":[\"100.64.0.2\"],\"CurAddr\":\"\","
		"  \"Addrs\":[\"192.168.1.9:41641\",\"198.51.100.1:1\"]},"
		"\"k2\":{\"ID\":\"p2\",\"TailscaleIPs\":[\"100.64.0.3\"],\"CurAddr\":\"198.51.100.1:1\","
		"  \"Addrs\":[\"192.168.1.9:41641\"]}}}");
	struct netlog_addr a;

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

/* The output does not depend on the order of the flows; idle emits nothing. */
static void test_order_independent_and_idle(void)
{
	struct nodemap *nm = map(classify_nodes);
	struct routes *rt = routes(nm, NULL);
	struct netlog_window w;
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
		struct netlog_flow t = w.flows[i];

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
	struct netlog_addr a;
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
				struct netlog_addr a;
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
	struct netlog_window w;
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

/* Appends to a growing string; the tests below build large node maps. */
static void cat(char **buf, size_t *len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void cat(char **buf, size_t *len, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	*buf = realloc(*buf, *len + n + 1);
	va_start(ap, fmt);
	vsnprintf(*buf + *len, n + 1, fmt, ap);
	va_end(ap);
	*len += n;
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
	struct netlog_window w;
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

static void test_routes(void)
{
	static const struct {
		const char *extra, *addr;
		bool want;
	} cases[] = {
		{ "10.0.0.0/8", "10.255.0.1", true },
		{ "10.0.0.0/8", "11.0.0.1", false },
		{ "10.1.2.3/8", "10.9.9.9", true },	/* host bits cleared */
		{ "0.0.0.0/0", "8.8.8.8", false },	/* Bits() == 0 */
		{ "::/0", "2001:db8::1", false },
		{ "0.0.0.0/1", "8.8.8.8", true },
		{ "192.168.1.5/32", "192.168.1.5", true },
		{ "192.168.1.5/32", "192.168.1.6", false },
		{ "fd00::/64, 10.0.0.0/8", "fd00::ffff", true },
		{ "fd00::/64,10.0.0.0/8", "fd00:0:0:1::1", false },
		{ "2001:db8::1/128", "2001:db8::1", true },
		{ "10.0.0.0/8", "::ffff:10.0.0.1", false }, /* Go: 4in6 is IPv6 */
		{ "", "10.0.0.1", false },
		{ "10.0.0.0/8 fd00::/8", "fd00::1", true },	/* blanks */
		{ "10.0.0.0/8\t fd00::/8", "10.1.2.3", true },
	};
	static const struct {
		const char *extra, *want;
	} errors[] = {
		{ "10.0.0.0/8,", "routes '10.0.0.0/8,': empty prefix at item 2" },
		{ ",10.0.0.0/8", "routes ',10.0.0.0/8': empty prefix at item 1" },
		{ "10.0.0.0/8,,fd00::/8", "routes '10.0.0.0/8,,fd00::/8': empty prefix at item 2" },
		{ "10.0.0.0/8 ,", "routes '10.0.0.0/8 ,': empty prefix at item 2" },
		{ "10.0.0.0/08", "routes: bad prefix '10.0.0.0/08': bad prefix length" },
		{ "10.0.0.0", "routes: bad prefix '10.0.0.0': missing '/length'" },
		{ "10.0.0/8", "routes: bad prefix '10.0.0/8': bad address" },
		{ "10.0.0.0/x", "routes: bad prefix '10.0.0.0/x': bad prefix length" },
		{ "10.0.0.0/", "routes: bad prefix '10.0.0.0/': bad prefix length" },
		{ "10.0.0.0/-1", "routes: bad prefix '10.0.0.0/-1': bad prefix length" },
		{ "fd00::/200", "routes: bad prefix 'fd00::/200': prefix length out of range for IPv6 (0-128)" },
	};
	char err[NODEMAP_ERR_LEN];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		struct routes *rt = NULL;
		struct netlog_addr a;

		CHECK(routes_build(&rt, NULL, cases[i].extra, err,
				   sizeof(err)) == 0);
		CHECK(addr_parse(&a, cases[i].addr) == 0);
		if (rt && routes_contains(rt, &a) != cases[i].want) {
			fprintf(stderr, "routes '%s' contains %s: want %d\n",
				cases[i].extra, cases[i].addr, cases[i].want);
			failures++;
		}
		routes_free(rt);
	}
	for (i = 0; i < ARRAY_SIZE(errors); i++) {
		struct routes *rt = NULL;

		CHECK(routes_build(&rt, NULL, errors[i].extra, err,
				   sizeof(err)) == -EINVAL);
		CHECK(rt == NULL);
		check_str(errors[i].extra, err, errors[i].want);
	}
}

static void test_window_json(void)
{
	static const char *const good =
		"{\"window\":{\"seq\":3,\"start\":\"2025-11-18T20:23:09.6441Z\",\"end\":\"2025-11-18T21:23:14.650873112+01:00\"},"
		"\"flows\":[{\"kind\":\"virtual\",\"proto\":6,\"src\":\"[fd7a::1]:65535\",\"dst\":\"100.64.0.2:0\","
		"\"txPkts\":18446744073709551615,\"rxBytes\":5},"
		"{\"kind\":\"physical\",\"proto\":17,\"src\":\"1.2.3.4:51820\",\"dst\":\"[2001:db8::9]:41641\"}],"
		"\"misses\":{\"tableFull\":{\"pkts\":2,\"bytes\":300}},\"excluded\":{\"pkts\":1,\"bytes\":84}}";
	static const struct {
		const char *doc, *want;
	} errors[] = {
		{ "{\"window\":{}}", "flows.json: window.start: missing" },
		{ "{\"window\":{\"start\":\"2025-11-18 20:23:09Z\",\"end\":\"x\"},\"flows\":[]}",
		  "flows.json: window.start: bad RFC 3339 time '2025-11-18 20:23:09Z'" },
		{ "{\"window\":{\"start\":\"2025-02-29T00:00:00Z\",\"end\":\"x\"},\"flows\":[]}",
		  "flows.json: window.start: bad RFC 3339 time '2025-02-29T00:00:00Z'" },
		{ "{\"window\":{\"start\":\"1969-12-31T23:59:59Z\",\"end\":\"x\"},\"flows\":[]}",
		  "flows.json: window.start: bad RFC 3339 time '1969-12-31T23:59:59Z'" },
		{ "{\"window\":{\"start\":\"2025-11-18T20:23:09Z\",\"end\":\"2025-11-18T20:23:09Z\"}}",
		  "flows.json: flows: missing" },
		{ "{\"window\":{\"start\":\"2025-11-18T20:23:09Z\",\"end\":\"2025-11-18T20:23:09Z\"},\"flows\":[{\"kind\":\"tunnel\"}]}",
		  "flows.json: flows[0]: unknown kind 'tunnel'" },
		{ "{\"window\":{\"start\":\"2025-11-18T20:23:09Z\",\"end\":\"2025-11-18T20:23:09Z\"},\"flows\":[{\"kind\":\"virtual\",\"proto\":256}]}",
		  "flows.json: flows[0]: proto 256 out of range 0-255" },
		{ "{\"window\":{\"start\":\"2025-11-18T20:23:09Z\",\"end\":\"2025-11-18T20:23:09Z\"},\"flows\":[{\"kind\":\"virtual\",\"proto\":6,\"src\":\"fd7a::1:80\",\"dst\":\"1.2.3.4:1\"}]}",
		  "flows.json: flows[0].src: bad address:port 'fd7a::1:80'" },
		{ "{\"window\":{\"start\":\"2025-11-18T20:23:09Z\",\"end\":\"2025-11-18T20:23:09Z\"},\"flows\":[{\"kind\":\"virtual\",\"proto\":6,\"src\":\"1.2.3.4:1\",\"dst\":\"1.2.3.4:65536\"}]}",
		  "flows.json: flows[0].dst: bad address:port '1.2.3.4:65536'" },
		{ "{\"window\":{\"start\":\"2025-11-18T20:23:09Z\",\"end\":\"2025-11-18T20:23:09Z\"},\"flows\":[{\"kind\":\"virtual\",\"proto\":6,\"src\":\"1.2.3.4:1\",\"dst\":\"1.2.3.4:2\",\"txPkts\":-1}]}",
		  "flows.json: flows[0].txPkts: negative value -1" },
		{ "{\"window\":{\"start\":\"2025-11-18T20:23:09Z\",\"end\":\"2025-11-18T20:23:09Z\"},\"flows\":[{\"kind\":\"virtual\",\"proto\":6,\"src\":\"1.2.3.4:1\",\"dst\":\"1.2.3.4:2\",\"rxBytes\":1.5}]}",
		  "flows.json: flows[0].rxBytes: expected integer, got number" },
		{ "{\"window\":{\"start\":\"2025-11-18T20:23:09Z\",\"end\":\"2025-11-18T20:23:09Z\"},\"flows\":[],\"misses\":{\"tableFull\":{\"pkts\":\"1\"}}}",
		  "flows.json: misses.tableFull.pkts: expected integer, got string" },
		{ "{\"window\":", "flows.json: bad JSON at line 1, column 11: unexpected end of data" },
	};
	struct netlog_window w;
	char err[NODEMAP_ERR_LEN];
	size_t i;

	window_init(&w);
	CHECK(window_json_parse(&w, "flows.json", good, strlen(good), err,
				sizeof(err)) == 0);
	CHECK(w.seq == 3 && w.nr == 2);
	CHECK(w.start_ns == 1763497389644100000ULL);
	CHECK(w.end_ns == 1763497394650873112ULL);
	CHECK(w.miss_table_full.pkts == 2 && w.miss_table_full.bytes == 300);
	CHECK(w.excluded.pkts == 1 && w.excluded.bytes == 84);
	if (w.nr == 2) {
		CHECK(w.flows[0].kind == NETLOG_KIND_VIRTUAL &&
		      w.flows[0].proto == 6);
		CHECK(w.flows[0].local.len == 16 &&
		      w.flows[0].local_port == 65535);
		CHECK(w.flows[0].tx_pkts == UINT64_MAX &&
		      w.flows[0].rx_bytes == 5 && w.flows[0].tx_bytes == 0);
		CHECK(w.flows[1].kind == NETLOG_KIND_PHYSICAL &&
		      w.flows[1].remote_port == 41641);
	}
	window_release(&w);
	for (i = 0; i < ARRAY_SIZE(errors); i++) {
		CHECK(window_json_parse(&w, "flows.json", errors[i].doc,
					strlen(errors[i].doc), err,
					sizeof(err)) == -EINVAL);
		check_str(errors[i].doc, err, errors[i].want);
		CHECK(w.nr == 0 && w.flows == NULL);
	}
}

static void test_time_parse(void)
{
	static const struct {
		const char *in;
		uint64_t ns;
		int ret;
	} cases[] = {
		{ "1970-01-01T00:00:00Z", 0, 0 },
		{ "2025-11-18T20:23:09.644123456Z", 1763497389644123456ULL, 0 },
		{ "2025-11-18T20:23:09.6441z", 1763497389644100000ULL, 0 },
		{ "2025-11-18T22:23:09+02:00", 1763497389000000000ULL, 0 },
		{ "2025-11-18t17:53:09-02:30", 1763497389000000000ULL, 0 },
		{ "2000-02-29T00:00:00Z", 951782400000000000ULL, 0 },
		{ "2554-07-21T23:34:33.709551615Z", UINT64_MAX, 0 },
		{ "2554-07-21T23:34:33.709551616Z", 0, -EINVAL },
		{ "2025-11-18T20:23:09.1234567890Z", 0, -EINVAL },
		{ "2025-11-18T20:23:09.Z", 0, -EINVAL },
		{ "2025-11-18T20:23:60Z", 0, -EINVAL },
		{ "2025-13-18T20:23:09Z", 0, -EINVAL },
		{ "2025-11-18T20:23:09", 0, -EINVAL },
		{ "2025-11-18T20:23:09Zjunk", 0, -EINVAL },
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		uint64_t ns = 0;
		int ret = time_parse(cases[i].in, &ns);

		CHECK(ret == cases[i].ret);
		if (!ret && ns != cases[i].ns) {
			fprintf(stderr, "time_parse(%s) = %" PRIu64 ", want %" PRIu64 "\n",
				cases[i].in, ns, cases[i].ns);
			failures++;
		}
	}
}

/* Flows per second for a mixed window of a million flows. */
static int bench(void)
{
	const size_t npeers = 1000, nflows = 1000000;
	char *doc = NULL, src[64], dst[64];
	struct record_stats st = { 0 };
	struct netlog_window w;
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

/*
 * The counters' serializer writes what json-c's own does: every power of
 * ten and its neighbours, the extremes, and pseudo-random values.
 */
static void test_u64_serializer(void)
{
	uint64_t v[200], x = 0x9e3779b97f4a7c15ULL, p = 1;
	size_t n = 0, i;
	int bad = 0;

	v[n++] = 0;
	v[n++] = UINT64_MAX;
	v[n++] = UINT64_MAX - 1;
	v[n++] = INT64_MAX;
	v[n++] = (uint64_t)INT64_MAX + 1;
	for (i = 0; i < 20; i++, p *= 10) {
		v[n++] = p - 1;
		v[n++] = p;
		v[n++] = p + 1;
	}
	while (n < ARRAY_SIZE(v)) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		v[n++] = x >> (x % 64);
	}
	for (i = 0; i < n; i++) {
		json_object *ref = json_object_new_uint64(v[i]);
		json_object *fast = json_object_new_uint64(v[i]);
		char want[32];

		json_object_set_serializer(fast, record_u64_to_json, NULL,
					   NULL);
		snprintf(want, sizeof(want), "%s",
			 json_object_to_json_string(ref));
		if (strcmp(json_object_to_json_string(fast), want)) {
			fprintf(stderr, "u64 %" PRIu64 ": got %s want %s\n",
				v[i], json_object_to_json_string(fast), want);
			bad++;
		}
		json_object_put(ref);
		json_object_put(fast);
	}
	/* proto is a json-c int in the template */
	for (i = 0; i < 256; i++) {
		json_object *fast = json_object_new_int(i);
		char want[8];

		json_object_set_serializer(fast, record_u64_to_json, NULL,
					   NULL);
		snprintf(want, sizeof(want), "%zu", i);
		if (strcmp(json_object_to_json_string(fast), want))
			bad++;
		json_object_put(fast);
	}
	CHECK(bad == 0);
}

static double ms_since(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (t.tv_sec - t0->tv_sec) * 1e3 + (t.tv_nsec - t0->tv_nsec) / 1e6;
}

/*
 * Whether the process whose pid a command wrote to @prefix.<our pid> still
 * runs (a zombie does not count). The file is removed.
 */
static bool process_alive_in_file(const char *prefix)
{
	char path[128], stat[256];
	int pid = 0, i;
	bool alive = false;
	FILE *f;

	snprintf(path, sizeof(path), "%s.%d", prefix, (int)getpid());
	f = fopen(path, "r");
	if (!f || fscanf(f, "%d", &pid) != 1 || pid <= 0) {
		if (f)
			fclose(f);
		return true;	/* no pid: cannot tell, fail */
	}
	fclose(f);
	unlink(path);
	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	for (i = 0; i < 100; i++) {
		char *p;

		f = fopen(path, "r");
		if (!f)
			return false;
		p = fgets(stat, sizeof(stat), f);
		fclose(f);
		p = p ? strrchr(stat, ')') : NULL;
		alive = !(p && p[1] == ' ' && p[2] == 'Z');
		if (!alive)
			return false;
		usleep(10000);
	}
	return alive;
}

/* nodes_command's runner: output, status, timeout, size cap, clean child. */
static void test_command_output(void)
{
	struct timespec t0;
	sigset_t mask, old;
	char *out = NULL;
	size_t len = 0;
	int status = 0;

	CHECK(command_output("printf '{\"self\": \"a\"}'", 2000,
			     1024, &out, &len, &status) == 0);
	CHECK(out && len == 13 && !strcmp(out, "{\"self\": \"a\"}"));
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	free(out);
	out = NULL;

	CHECK(command_output("echo partial; exit 3", 2000, 1024, &out, &len,
			     &status) == 0);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 3);
	free(out);
	out = NULL;

	/* standard input is /dev/null, not ours: cat ends at once */
	CHECK(command_output("cat", 2000, 1024, &out, &len, &status) == 0);
	CHECK(len == 0 && out && !*out && WIFEXITED(status));
	free(out);
	out = NULL;

	/* past the timeout the whole group goes, background children too */
	clock_gettime(CLOCK_MONOTONIC, &t0);
	CHECK(command_output("sleep 30 & echo $! >/tmp/test-record.bg.$PPID; sleep 30",
			     300, 1024, &out, &len, &status) == -ETIMEDOUT);
	CHECK(ms_since(&t0) >= 300 && ms_since(&t0) < 2000);
	CHECK(out == NULL);
	CHECK(!process_alive_in_file("/tmp/test-record.bg"));
	/* a command that closes its output and stays is killed as well */
	clock_gettime(CLOCK_MONOTONIC, &t0);
	CHECK(command_output("exec >&-; sleep 30", 300, 1024, &out, &len,
			     &status) == -ETIMEDOUT);
	CHECK(ms_since(&t0) < 2000);

	CHECK(command_output("head -c 100000 /dev/zero", 2000, 1000, &out, &len,
			     &status) == -EFBIG);
	CHECK(out == NULL);

	/* netlogd blocks SIGTERM for its signalfd; the command does not */
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigprocmask(SIG_BLOCK, &mask, &old);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	CHECK(command_output("kill -TERM $$; sleep 5; echo alive", 3000, 1024,
			     &out, &len, &status) == 0);
	CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM);
	CHECK(ms_since(&t0) < 2000);
	sigprocmask(SIG_SETMASK, &old, NULL);
	free(out);
	out = NULL;

	/* the steps netlogd's loop takes: none of them waits for the command */
	{
		struct command c = { 0 };
		int fd, r;

		clock_gettime(CLOCK_MONOTONIC, &t0);
		CHECK(command_start(&c, "sleep 0.5; echo late", 3000, 1024) == 0);
		CHECK(command_start(&c, "true", 3000, 1024) == -EBUSY);
		CHECK(command_poll(&c, &out, &len, &status) == 1);
		CHECK(command_wait(&c, &fd) > 0 && fd >= 0);
		CHECK(ms_since(&t0) < 300);
		do {
			struct pollfd pfd = { .events = POLLIN };
			int wait = command_wait(&c, &pfd.fd);

			poll(pfd.fd >= 0 ? &pfd : NULL, pfd.fd >= 0, wait);
			r = command_poll(&c, &out, &len, &status);
		} while (r == 1);
		CHECK(r == 0 && out && !strcmp(out, "late\n"));
		CHECK(ms_since(&t0) >= 500);
		CHECK(!command_running(&c));
		free(out);
		out = NULL;

		/* killed while it runs: nothing is left */
		CHECK(command_start(&c, "sleep 30 & echo $! >/tmp/test-record.bg.$PPID; sleep 30",
				    30000, 1024) == 0);
		usleep(300000);		/* time for it to write the pid */
		clock_gettime(CLOCK_MONOTONIC, &t0);
		command_kill(&c);
		CHECK(ms_since(&t0) < 1000 && !command_running(&c));
		CHECK(!process_alive_in_file("/tmp/test-record.bg"));
	}
}

int main(int argc, char **argv)
{
	if (argc == 2 && !strcmp(argv[1], "--bench"))
		return bench();
	if (argc != 3) {
		fprintf(stderr, "Usage: %s GOLDEN_DIR NETLOGD | --bench\n",
			argv[0]);
		return 2;
	}
	test_golden_messages(argv[1]);
	test_replay_binary(argv[1], argv[2]);
	test_classification_rows();
	test_extra_routes_classify();
	test_anonymization_sums();
	test_dst_nodes_dedup_and_order();
	test_node_fields_from_status();
	test_node_json_len();
	test_escaping_matches_go();
	test_physical_rewrite();
	test_endpoint_claims();
	test_order_independent_and_idle();
	test_split_max_entries();
	test_split_big_nodes();
	test_nodemap_errors();
	test_nodemap_node_too_large();
	test_routes();
	test_window_json();
	test_time_parse();
	test_u64_serializer();
	test_command_output();
	if (failures) {
		fprintf(stderr, "test-record: %d failures\n", failures);
		return 1;
	}
	printf("test-record: all passed\n");
	return 0;
}
