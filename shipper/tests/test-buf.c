// SPDX-License-Identifier: GPL-2.0
/* Host tests of lib/buf.c, the growable byte buffer. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "buf.h"

static void test_append_keeps_bytes_and_nul(void)
{
	struct buf b = { 0 };
	char want[10000];
	size_t i;

	for (i = 0; i < sizeof(want); i++) {
		want[i] = 'a' + i % 26;
		CHECK_EQ(buf_append(&b, &want[i], 1), 0);
	}
	CHECK_EQ(b.len, sizeof(want));
	CHECK(!memcmp(b.data, want, sizeof(want)));
	CHECK_EQ(b.data[b.len], '\0');
	/* 4096 doubled twice, not one allocation a byte */
	CHECK_EQ(b.cap, 16384);
	buf_free(&b);
	CHECK(!b.data && !b.len && !b.cap);
}

static void test_reserve_makes_room_and_a_string(void)
{
	struct buf b = { 0 };

	CHECK_EQ(buf_reserve(&b, 0), 0);
	CHECK_STR(b.data, "");
	CHECK_EQ(buf_reserve(&b, 70000), 0);
	CHECK(b.cap >= 70001);
	CHECK_EQ(b.cap, 131072);
	CHECK_EQ(b.len, 0);
	CHECK_EQ(buf_append(&b, "[1,", 3), 0);
	CHECK_EQ(buf_append(&b, "2]", 2), 0);
	CHECK_STR(b.data, "[1,2]");
	buf_free(&b);
}

static void test_overflow_is_refused(void)
{
	struct buf b = { 0 };

	CHECK_EQ(buf_append(&b, "x", 1), 0);
	CHECK_EQ(buf_reserve(&b, SIZE_MAX - 1), -ENOMEM);
	CHECK_EQ(buf_reserve(&b, SIZE_MAX / 2 + 1), -ENOMEM);
	CHECK_STR(b.data, "x");
	buf_free(&b);
}

int main(void)
{
	test_append_keeps_bytes_and_nul();
	test_reserve_makes_room_and_a_string();
	test_overflow_is_refused();
	return check_done("test-buf");
}
