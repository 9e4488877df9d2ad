// SPDX-License-Identifier: GPL-2.0
/* Host tests of lib/addr.c: parsing, formatting and ordering of addresses. Exits non-zero on any mismatch. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/netlog.h>

#include "check.h"
#include "values.h"
#include "addr.h"
#include "array.h"

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
	struct addr a;
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
	struct addr a;
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

int main(void)
{
	test_addrport_brackets_v6_only();
	test_addr_parse_rejects();
	return check_done("test-addr");
}
