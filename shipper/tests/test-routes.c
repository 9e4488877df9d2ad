// SPDX-License-Identifier: GPL-2.0
/*
 * Host tests of netlogd's routes: Tailscale's withinRoutes() over extra
 * route lists, and the errors a bad list gets.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "fixture.h"
#include "addr.h"
#include "routes.h"
#include "array.h"

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
		struct addr a;

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

int main(void)
{
	test_routes();
	return check_done("test-routes");
}
