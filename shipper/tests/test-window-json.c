// SPDX-License-Identifier: GPL-2.0
/*
 * Host tests of a window read back from `netlogctl flows --json`: the
 * fields, each error with its JSON path, and RFC 3339 times.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <linux/netlog.h>

#include "check.h"
#include "fixture.h"
#include "flow.h"
#include "window-json.h"
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

int main(void)
{
	test_window_json();
	test_time_parse();
	if (failures) {
		fprintf(stderr, "test-window-json: %d failures\n", failures);
		return 1;
	}
	printf("test-window-json: all passed\n");
	return 0;
}
