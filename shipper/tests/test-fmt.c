// SPDX-License-Identifier: GPL-2.0
/*
 * Host unit tests of the formatting and ordering that netlogctl and netlogd
 * share. Exits non-zero on the first mismatch.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/netlog.h>

#include "check.h"
#include "addr.h"
#include "flow.h"
#include "flow-json.h"
#include "fmt.h"
#include "array.h"

static void check_str(const char *what, const char *got, const char *want)
{
	if (strcmp(got, want)) {
		fprintf(stderr, "%s: got '%s', want '%s'\n", what, got, want);
		failures++;
	}
}

static void test_time_trims_fraction(void)
{
	static const struct {
		uint64_t ns;
		const char *want;
	} cases[] = {
		{ 1764187200123456789ULL, "2025-11-26T20:00:00.123456789Z" },
		{ 1764187205200000000ULL, "2025-11-26T20:00:05.2Z" },
		{ 1764187205000000000ULL, "2025-11-26T20:00:05Z" },
		{ 1764187205000000001ULL, "2025-11-26T20:00:05.000000001Z" },
		{ 1764187205644100000ULL, "2025-11-26T20:00:05.6441Z" },
		{ 1795723200123456789ULL, "2026-11-26T20:00:00.123456789Z" },
		{ 0, "1970-01-01T00:00:00Z" },
		{ 951782400000000000ULL, "2000-02-29T00:00:00Z" },
	};
	char buf[FMT_TIME_LEN];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		CHECK(fmt_time(cases[i].ns, buf, sizeof(buf)) == 0);
		check_str("fmt_time", buf, cases[i].want);
	}
	CHECK(fmt_time(1764187200123456789ULL, buf, 10) == -ENOSPC);
}

static struct netlog_addr addr(const char *str)
{
	struct netlog_addr a;

	if (addr_parse(&a, str)) {
		fprintf(stderr, "addr_parse('%s') failed\n", str);
		exit(1);
	}
	return a;
}

static void test_addrport_brackets_v6_only(void)
{
	static const struct {
		const char *addr;
		uint16_t port;
		const char *want;
	} cases[] = {
		{ "100.64.0.1", 51514, "100.64.0.1:51514" },
		{ "100.1.2.3", 0, "100.1.2.3:0" },
		{ "2001:db8::2", 51821, "[2001:db8::2]:51821" },
		{ "fd7a:115c:a1e0::1234:5678", 65535,
		  "[fd7a:115c:a1e0::1234:5678]:65535" },
		{ "::ffff:192.0.2.1", 1, "[::ffff:192.0.2.1]:1" },
		{ "::", 0, "[::]:0" },
		{ "::1", 53, "[::1]:53" },
		{ "::1.2.3.4", 9, "[::102:304]:9" },
		{ "::0.0.255.255", 9, "[::ffff]:9" },
		{ "2001:db8:0:0:1:0:0:1", 2, "[2001:db8::1:0:0:1]:2" },
	};
	char buf[ADDRPORT_STRLEN];
	struct netlog_addr a;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		a = addr(cases[i].addr);
		CHECK(addrport_format(&a, cases[i].port, buf, sizeof(buf)) == 0);
		check_str("addrport_format", buf, cases[i].want);
	}
	a = addr("ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255");
	CHECK(addrport_format(&a, 65535, buf, sizeof(buf)) == 0);
	check_str("longest addrport", buf,
		  "[ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff]:65535");
}

static void test_addr_parse_rejects(void)
{
	static const char *const bad[] = {
		"", "[::1]", "1.2.3", "1.2.3.4.5", "256.1.1.1", "fe80::1%eth0",
		"1.2.3.4/32", " 1.2.3.4", "1.2.3.4:80", "wg0",
	};
	struct netlog_addr a;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		if (addr_parse(&a, bad[i]) != -EINVAL) {
			fprintf(stderr, "addr_parse('%s') accepted\n", bad[i]);
			failures++;
		}
	}
	CHECK(addr_parse(&a, "192.0.2.1") == 0 && a.len == 4);
	CHECK(addr_parse(&a, "2001:db8::1") == 0 && a.len == 16);
	CHECK(addr_set(&a, "\x01\x02\x03", 3) == -EINVAL);
}

static struct netlog_flow flow(uint8_t kind, uint8_t proto, const char *local,
			       uint16_t lport, const char *remote,
			       uint16_t rport)
{
	struct netlog_flow f = {
		.kind = kind,
		.proto = proto,
		.local = addr(local),
		.local_port = lport,
		.remote = addr(remote),
		.remote_port = rport,
	};

	return f;
}

static void test_sort_kind_src_dst_proto(void)
{
	/* Listed in the expected order; shuffled below. */
	struct netlog_flow want[] = {
		flow(NETLOG_KIND_VIRTUAL, 6, "9.0.0.1", 80, "1.1.1.1", 1),
		flow(NETLOG_KIND_VIRTUAL, 6, "10.0.0.1", 7, "1.1.1.1", 1),
		flow(NETLOG_KIND_VIRTUAL, 6, "10.0.0.1", 80, "1.1.1.1", 1),
		flow(NETLOG_KIND_VIRTUAL, 6, "10.0.0.1", 80, "1.1.1.1", 443),
		flow(NETLOG_KIND_VIRTUAL, 6, "10.0.0.1", 80, "::1", 1),
		flow(NETLOG_KIND_VIRTUAL, 17, "10.0.0.1", 80, "::1", 1),
		flow(NETLOG_KIND_VIRTUAL, 6, "255.255.255.255", 65535, "1.1.1.1", 1),
		flow(NETLOG_KIND_VIRTUAL, 6, "::", 0, "1.1.1.1", 1),
		flow(NETLOG_KIND_VIRTUAL, 6, "::ffff:0.0.0.1", 0, "1.1.1.1", 1),
		flow(NETLOG_KIND_VIRTUAL, 6, "2001:db8::1", 1, "1.1.1.1", 1),
		flow(NETLOG_KIND_VIRTUAL, 6, "2001:db8::1", 2, "1.1.1.1", 1),
		flow(NETLOG_KIND_VIRTUAL, 6, "fd7a::1", 1, "1.1.1.1", 1),
		flow(NETLOG_KIND_PHYSICAL, 17, "1.0.0.0", 51820, "1.1.1.1", 1),
	};
	const size_t n = ARRAY_SIZE(want);
	static const size_t shuffle[] = { 7, 12, 0, 5, 3, 10, 1, 11, 8, 2, 6,
					  9, 4 };
	struct netlog_window w;
	char a[ADDRPORT_STRLEN], b[ADDRPORT_STRLEN];
	size_t i;

	CHECK(ARRAY_SIZE(shuffle) == n);
	window_init(&w);
	w.flows = calloc(n, sizeof(*w.flows));
	if (!w.flows)
		exit(1);
	w.nr = w.alloc = n;
	for (i = 0; i < n; i++)
		w.flows[i] = want[shuffle[i]];
	window_sort(&w);
	for (i = 0; i < n; i++) {
		if (!flow_compare(&w.flows[i], &want[i]))
			continue;
		addrport_format(&w.flows[i].local, w.flows[i].local_port, a,
				sizeof(a));
		addrport_format(&want[i].local, want[i].local_port, b,
				sizeof(b));
		fprintf(stderr, "sort: position %zu has %s, want %s\n", i, a, b);
		failures++;
	}
	window_release(&w);
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
	struct netlog_flow flows[3] = {
		flow(NETLOG_KIND_VIRTUAL, 6, "100.64.0.1", 51514, "100.64.0.2", 22),
		flow(NETLOG_KIND_PHYSICAL, 17, "192.0.2.1", 51820, "2001:db8::2",
		     51821),
		flow(NETLOG_KIND_PHYSICAL, 17, "192.0.2.1", 51820, "192.0.2.9", 0),
	};
	struct netlog_window w;
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

int main(void)
{
	test_time_trims_fraction();
	test_addrport_brackets_v6_only();
	test_addr_parse_rejects();
	test_sort_kind_src_dst_proto();
	test_json_shape();
	if (failures) {
		fprintf(stderr, "test-fmt: %d failures\n", failures);
		return 1;
	}
	printf("test-fmt: all passed\n");
	return 0;
}
