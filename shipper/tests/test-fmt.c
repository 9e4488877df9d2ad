// SPDX-License-Identifier: GPL-2.0
/*
 * Host unit tests of the formatting, ordering and dump parsing that netlogctl
 * and netlogd share. Exits non-zero on the first mismatch.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/genetlink.h>
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

/* Builds a GET_FLOWS reply the way the contract describes it. */
static void put_flow(struct nlmsghdr *nlh, uint8_t kind, uint8_t proto,
		     const struct netlog_addr *l, uint16_t lport,
		     const struct netlog_addr *r, uint16_t rport, uint64_t base)
{
	struct nlattr *nest = mnl_attr_nest_start(nlh, 0);

	mnl_attr_put_u8(nlh, NETLOG_F_KIND, kind);
	mnl_attr_put_u8(nlh, NETLOG_F_PROTO, proto);
	mnl_attr_put(nlh, NETLOG_F_LOCAL_ADDR, l->len, l->bytes);
	mnl_attr_put_u16(nlh, NETLOG_F_LOCAL_PORT, lport);
	mnl_attr_put(nlh, NETLOG_F_REMOTE_ADDR, r->len, r->bytes);
	mnl_attr_put_u16(nlh, NETLOG_F_REMOTE_PORT, rport);
	mnl_attr_put_u64(nlh, NETLOG_F_TX_PKTS, base + 1);
	mnl_attr_put_u64(nlh, NETLOG_F_TX_BYTES, base + 2);
	mnl_attr_put_u64(nlh, NETLOG_F_RX_PKTS, base + 3);
	mnl_attr_put_u64(nlh, NETLOG_F_RX_BYTES, UINT64_MAX);
	mnl_attr_nest_end(nlh, nest);
}

static struct nlmsghdr *msg_start(char *buf)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct genlmsghdr *genl;

	nlh->nlmsg_type = 0x20;
	genl = mnl_nlmsg_put_extra_header(nlh, sizeof(*genl));
	genl->cmd = NETLOG_CMD_GET_FLOWS;
	return nlh;
}

static void test_parse_dump_messages(void)
{
	static char buf1[4096], buf2[4096];
	struct netlog_addr v4a = addr("100.64.0.1"), v4b = addr("100.64.0.2");
	struct netlog_addr v6 = addr("2001:db8::2"), v4c = addr("192.0.2.1");
	struct nlattr *win, *misses, *c, *flows;
	struct netlog_window w;
	struct nlmsghdr *nlh;

	nlh = msg_start(buf1);
	win = mnl_attr_nest_start(nlh, NETLOG_A_WINDOW);
	mnl_attr_put_u64(nlh, NETLOG_W_SEQ, 3);
	mnl_attr_put_u64(nlh, NETLOG_W_START_NS, 1795723200123456789ULL);
	mnl_attr_put_u64(nlh, NETLOG_W_END_NS, 1795723205200000000ULL);
	mnl_attr_put_u32(nlh, NETLOG_W_NFLOWS, 2);
	misses = mnl_attr_nest_start(nlh, NETLOG_W_MISSES);
	c = mnl_attr_nest_start(nlh, NETLOG_MISS_TABLE_FULL);
	mnl_attr_put_u64(nlh, NETLOG_C_PKTS, 5);
	mnl_attr_put_u64(nlh, NETLOG_C_BYTES, 600);
	mnl_attr_nest_end(nlh, c);
	mnl_attr_nest_end(nlh, misses);
	c = mnl_attr_nest_start(nlh, NETLOG_W_EXCLUDED);
	mnl_attr_put_u64(nlh, NETLOG_C_PKTS, 7);
	mnl_attr_put_u64(nlh, NETLOG_C_BYTES, 800);
	mnl_attr_nest_end(nlh, c);
	mnl_attr_nest_end(nlh, win);
	flows = mnl_attr_nest_start(nlh, NETLOG_A_FLOWS);
	put_flow(nlh, NETLOG_KIND_PHYSICAL, 17, &v4c, 51820, &v6, 51821, 10);
	mnl_attr_nest_end(nlh, flows);

	window_init(&w);
	CHECK(window_parse_msg(nlh, &w) == MNL_CB_OK);

	/* A second message: flows only. */
	nlh = msg_start(buf2);
	flows = mnl_attr_nest_start(nlh, NETLOG_A_FLOWS);
	put_flow(nlh, NETLOG_KIND_VIRTUAL, 6, &v4a, 51514, &v4b, 22, 20);
	mnl_attr_nest_end(nlh, flows);
	CHECK(window_parse_msg(nlh, &w) == MNL_CB_OK);

	CHECK(w.seen);
	CHECK(w.seq == 3);
	CHECK(w.start_ns == 1795723200123456789ULL);
	CHECK(w.end_ns == 1795723205200000000ULL);
	CHECK(w.nflows == 2 && w.nr == 2);
	CHECK(w.miss_table_full.pkts == 5 && w.miss_table_full.bytes == 600);
	CHECK(w.excluded.pkts == 7 && w.excluded.bytes == 800);
	window_sort(&w);
	CHECK(w.flows[0].kind == NETLOG_KIND_VIRTUAL);
	CHECK(w.flows[0].proto == 6 && w.flows[0].local_port == 51514);
	CHECK(w.flows[0].tx_pkts == 21 && w.flows[0].tx_bytes == 22);
	CHECK(w.flows[0].rx_pkts == 23 && w.flows[0].rx_bytes == UINT64_MAX);
	CHECK(w.flows[1].kind == NETLOG_KIND_PHYSICAL);
	CHECK(w.flows[1].remote.len == 16 && w.flows[1].remote_port == 51821);
	window_release(&w);

	/* A flow with a 5-byte address is refused, not guessed at. */
	nlh = msg_start(buf1);
	flows = mnl_attr_nest_start(nlh, NETLOG_A_FLOWS);
	c = mnl_attr_nest_start(nlh, 0);
	mnl_attr_put_u8(nlh, NETLOG_F_KIND, 0);
	mnl_attr_put_u8(nlh, NETLOG_F_PROTO, 6);
	mnl_attr_put(nlh, NETLOG_F_LOCAL_ADDR, 5, "\1\2\3\4\5");
	mnl_attr_put(nlh, NETLOG_F_REMOTE_ADDR, 4, v4a.bytes);
	mnl_attr_nest_end(nlh, c);
	mnl_attr_nest_end(nlh, flows);
	window_init(&w);
	errno = 0;
	CHECK(window_parse_msg(nlh, &w) == MNL_CB_ERROR && errno == EBADMSG);
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
	test_parse_dump_messages();
	test_json_shape();
	if (failures) {
		fprintf(stderr, "test-fmt: %d failures\n", failures);
		return 1;
	}
	printf("test-fmt: all passed\n");
	return 0;
}
