// SPDX-License-Identifier: GPL-2.0
/* Host tests of lib/window.c: flows sorted as Tailscale orders them. Exits non-zero on any mismatch. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/netlog.h>

#include "check.h"
#include "values.h"
#include "addr.h"
#include "window.h"
#include "array.h"

static void test_sort_kind_src_dst_proto(void)
{
	/* Listed in the expected order; shuffled below. */
	struct flow want[] = {
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
	struct window w;
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

/*
 * Many flows, IPv4 and IPv6 mixed, with long runs sharing a kind, local
 * address and port (the radix key's ties): window_sort() gives qsort()'s
 * order of flow_compare().
 */
static int ref_cmp(const void *a, const void *b)
{
	return flow_compare(a, b);
}

static void test_sort_many_as_flow_compare(void)
{
	static const char *const addrs[] = {
		"100.64.0.1", "100.64.0.2", "10.0.0.1", "0.0.0.0",
		"255.255.255.255", "::", "fd7a:115c:a1e0::1", "fd7a:115c:a1e0::2",
		"fd7a:115c:a1e0:ab12:4843:cd96:6258:b240", "::ffff:100.64.0.1",
	};
	const size_t n = 20000;
	struct window w;
	struct flow *want;
	uint64_t r = 1;
	size_t i, bad = 0;

	window_init(&w);
	want = calloc(n, sizeof(*want));
	if (!want || window_reserve(&w, n))
		exit(1);
	for (i = 0; i < n; i++) {
		r = r * 6364136223846793005ULL + 1442695040888963407ULL;
		want[i] = flow(r >> 60 & 1, (r >> 40 & 1) ? 6 : 17,
			       addrs[(r >> 32) % ARRAY_SIZE(addrs)],
			       (r >> 20 & 3) ? 443 : r >> 48,
			       addrs[(r >> 24) % ARRAY_SIZE(addrs)], r >> 8);
		want[i].remote.bytes[want[i].remote.len - 1] ^= r >> 36;
		*window_add_flow(&w) = want[i];
	}
	qsort(want, n, sizeof(*want), ref_cmp);
	window_sort(&w);
	for (i = 0; i < n; i++)
		if (flow_compare(&w.flows[i], &want[i]))
			bad++;
	CHECK_EQ(bad, 0);
	window_release(&w);
	free(want);
}

int main(void)
{
	test_sort_kind_src_dst_proto();
	test_sort_many_as_flow_compare();
	return check_done("test-window");
}
