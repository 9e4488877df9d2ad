// SPDX-License-Identifier: GPL-2.0
/* Host tests of lib/fmt.c: RFC 3339 times both ways, as Go writes them. Exits non-zero on any mismatch. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/netlog.h>

#include "check.h"
#include "fmt.h"
#include "array.h"

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
		int ret = fmt_time_parse(cases[i].in, &ns);

		CHECK(ret == cases[i].ret);
		if (!ret && ns != cases[i].ns) {
			fprintf(stderr, "fmt_time_parse(%s) = %" PRIu64 ", want %" PRIu64 "\n",
				cases[i].in, ns, cases[i].ns);
			failures++;
		}
	}
}

int main(void)
{
	test_time_trims_fraction();
	test_time_parse();
	return check_done("test-fmt");
}
