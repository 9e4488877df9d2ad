// SPDX-License-Identifier: GPL-2.0
/*
 * Host tests of a window read back from `netlogctl flows --json`: the
 * fields and each error with its JSON path; and the form netlogctl prints.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/netlog.h>

#include "check.h"
#include "values.h"
#include "addr.h"
#include "window.h"
#include "json-read.h"
#include "window-json.h"
#include "fmt.h"
#include "array.h"

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
	struct window w;
	char err[JSON_ERR_LEN];
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


static void test_json_shape(void)
{
	static const char want[] =
		"{\"window\":{\"seq\":3,\"start\":\"2026-11-26T20:00:00.123456789Z\",\"end\":\"2026-11-26T20:00:05.2Z\"},"
		"\"flows\":[{\"kind\":\"virtual\",\"proto\":6,\"src\":\"100.64.0.1:51514\",\"dst\":\"100.64.0.2:22\",\"txPkts\":10,\"txBytes\":1200,\"rxPkts\":8,\"rxBytes\":900},"
		"{\"kind\":\"physical\",\"proto\":17,\"src\":\"192.0.2.1:51820\",\"dst\":\"[2001:db8::2]:51821\",\"txPkts\":12,\"txBytes\":1504,\"rxPkts\":9,\"rxBytes\":1120},"
		"{\"kind\":\"physical\",\"proto\":17,\"src\":\"192.0.2.1:51820\",\"dst\":\"192.0.2.9:0\",\"rxBytes\":18446744073709551615}],"
		"\"misses\":{\"tableFull\":{\"pkts\":0,\"bytes\":0}},\"excluded\":{\"pkts\":4,\"bytes\":336}}\n";
	static const char want_empty[] =
		"{\"window\":{\"seq\":0,\"start\":\"2026-11-26T20:00:00Z\",\"end\":\"2026-11-26T20:00:00Z\"},"
		"\"flows\":[],\"misses\":{\"tableFull\":{\"pkts\":0,\"bytes\":0}},\"excluded\":{\"pkts\":0,\"bytes\":0}}\n";
	struct flow flows[3] = {
		flow(NETLOG_KIND_VIRTUAL, 6, "100.64.0.1", 51514, "100.64.0.2", 22),
		flow(NETLOG_KIND_PHYSICAL, 17, "192.0.2.1", 51820, "2001:db8::2",
		     51821),
		flow(NETLOG_KIND_PHYSICAL, 17, "192.0.2.1", 51820, "192.0.2.9", 0),
	};
	struct window w;
	char *out = NULL;
	size_t len = 0;
	FILE *f;

	flows[0].tx_pkts = 10;
	flows[0].tx_bytes = 1200;
	flows[0].rx_pkts = 8;
	flows[0].rx_bytes = 900;
	flows[1].tx_pkts = 12;
	flows[1].tx_bytes = 1504;
	flows[1].rx_pkts = 9;
	flows[1].rx_bytes = 1120;
	flows[2].rx_bytes = UINT64_MAX;

	window_init(&w);
	w.seen = true;
	w.seq = 3;
	w.start_ns = 1795723200123456789ULL;
	w.end_ns = 1795723205200000000ULL;
	w.excluded.pkts = 4;
	w.excluded.bytes = 336;
	w.flows = flows;
	w.nr = w.alloc = 3;
	f = open_memstream(&out, &len);
	if (!f)
		exit(1);
	window_print_json(&w, f);
	fclose(f);
	check_str("window_print_json", out, want);
	free(out);

	window_init(&w);
	w.start_ns = w.end_ns = 1795723200000000000ULL;
	f = open_memstream(&out, &len);
	if (!f)
		exit(1);
	window_print_json(&w, f);
	fclose(f);
	check_str("window_print_json, empty peek", out, want_empty);
	free(out);
}

/* The whole document as one json-c tree, as netlogctl built it first. */
static json_object *tree_counts(const struct counts *c)
{
	json_object *obj = json_object_new_object();

	json_object_object_add(obj, "pkts", json_object_new_uint64(c->pkts));
	json_object_object_add(obj, "bytes", json_object_new_uint64(c->bytes));
	return obj;
}

static json_object *tree_flow(const struct flow *fl)
{
	static const char *const keys[] = { "txPkts", "txBytes", "rxPkts",
					    "rxBytes" };
	const uint64_t val[] = { fl->tx_pkts, fl->tx_bytes, fl->rx_pkts,
				 fl->rx_bytes };
	json_object *obj = json_object_new_object();
	char src[ADDRPORT_STRLEN], dst[ADDRPORT_STRLEN];
	const char *kind = flow_kind_name(fl->kind);
	size_t i;

	addrport_format(&fl->local, fl->local_port, src, sizeof(src));
	addrport_format(&fl->remote, fl->remote_port, dst, sizeof(dst));
	json_object_object_add(obj, "kind", json_object_new_string(
					kind ? kind : "unknown"));
	json_object_object_add(obj, "proto", json_object_new_int(fl->proto));
	json_object_object_add(obj, "src", json_object_new_string(src));
	json_object_object_add(obj, "dst", json_object_new_string(dst));
	for (i = 0; i < ARRAY_SIZE(keys); i++)
		if (val[i])
			json_object_object_add(obj, keys[i],
					       json_object_new_uint64(val[i]));
	return obj;
}

static char *tree_doc(const struct window *w)
{
	json_object *top = json_object_new_object(), *win, *flows, *misses;
	char start[FMT_TIME_LEN], end[FMT_TIME_LEN], *doc;
	size_t i;

	fmt_time(w->start_ns, start, sizeof(start));
	fmt_time(w->end_ns, end, sizeof(end));
	win = json_object_new_object();
	json_object_object_add(win, "seq", json_object_new_uint64(w->seq));
	json_object_object_add(win, "start", json_object_new_string(start));
	json_object_object_add(win, "end", json_object_new_string(end));
	json_object_object_add(top, "window", win);
	flows = json_object_new_array();
	for (i = 0; i < w->nr; i++)
		json_object_array_add(flows, tree_flow(&w->flows[i]));
	json_object_object_add(top, "flows", flows);
	misses = json_object_new_object();
	json_object_object_add(misses, "tableFull",
			       tree_counts(&w->miss_table_full));
	json_object_object_add(top, "misses", misses);
	json_object_object_add(top, "excluded", tree_counts(&w->excluded));
	if (asprintf(&doc, "%s\n", json_object_to_json_string_ext(top,
			JSON_C_TO_STRING_PLAIN |
			JSON_C_TO_STRING_NOSLASHESCAPE)) < 0)
		exit(1);
	json_object_put(top);
	return doc;
}

/*
 * Thousands of flows of every kind (one unknown), both families, every
 * subset of zero counters and UINT64_MAX ones: the streamed document is the
 * whole tree's, byte for byte.
 */
static void test_json_streamed_as_tree(void)
{
	static const char *const addrs[] = {
		"100.64.0.1", "10.1.2.3", "0.0.0.0", "255.255.255.255",
		"fd7a:115c:a1e0::1", "::ffff:1.2.3.4", "::1.2.3.4", "::",
	};
	const uint64_t vals[] = { 0, 1, 9, 10, 99999, UINT64_MAX };
	struct window w;
	uint64_t r = 7;
	char *out = NULL, *want;
	size_t i, len = 0;
	struct flow *fl;
	FILE *f;

	window_init(&w);
	w.seq = UINT64_MAX;
	w.start_ns = 1795723200123456789ULL;
	w.end_ns = 1795723205000000001ULL;
	w.miss_table_full.pkts = UINT64_MAX;
	w.excluded.bytes = 1;
	for (i = 0; i < 5000; i++) {
		r = r * 6364136223846793005ULL + 1442695040888963407ULL;
		fl = window_add_flow(&w);
		if (!fl)
			exit(1);
		*fl = flow(i == 17 ? 7 : r >> 63, r >> 40,
			   addrs[(r >> 20) % ARRAY_SIZE(addrs)], r >> 24,
			   addrs[(r >> 28) % ARRAY_SIZE(addrs)], i);
		fl->tx_pkts = vals[(r >> 4) % ARRAY_SIZE(vals)];
		fl->tx_bytes = vals[(r >> 8) % ARRAY_SIZE(vals)];
		fl->rx_pkts = vals[(r >> 12) % ARRAY_SIZE(vals)];
		fl->rx_bytes = vals[(r >> 16) % ARRAY_SIZE(vals)];
	}
	want = tree_doc(&w);
	f = open_memstream(&out, &len);
	if (!f)
		exit(1);
	CHECK(window_print_json(&w, f) == 0);
	fclose(f);
	CHECK(len == strlen(want));
	CHECK(!strcmp(out, want));
	free(out);
	free(want);
	window_release(&w);
}

int main(void)
{
	test_window_json();
	test_json_shape();
	test_json_streamed_as_tree();
	return check_done("test-window-json");
}
