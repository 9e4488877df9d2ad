// SPDX-License-Identifier: GPL-2.0
/* Host tests of lib/json-build.c: our serializers write json-c's bytes. */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <json-c/json.h>

#include "check.h"
#include "json-build.h"
#include "array.h"

/*
 * json_u64_to_json() writes what json-c's own does: every power of
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

		json_object_set_serializer(fast, json_u64_to_json, NULL,
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
	/* an int object, as window-json.c and record.c keep proto */
	for (i = 0; i < 256; i++) {
		json_object *fast = json_object_new_int(i);
		char want[8];

		json_object_set_serializer(fast, json_u64_to_json, NULL,
					   NULL);
		snprintf(want, sizeof(want), "%zu", i);
		if (strcmp(json_object_to_json_string(fast), want))
			bad++;
		json_object_put(fast);
	}
	CHECK(bad == 0);
}

int main(void)
{
	test_u64_serializer();
	return check_done("test-json-build");
}
