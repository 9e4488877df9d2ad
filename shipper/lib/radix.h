/* SPDX-License-Identifier: GPL-2.0 */
/* Sorting by a 128-bit key: an LSD radix sort, ties settled by a comparator. */
#ifndef NETLOG_RADIX_H
#define NETLOG_RADIX_H

#include <stddef.h>
#include <stdint.h>

/* An element's sort key, ordered by @hi then @lo, and where it came from. */
struct radix_key {
	uint64_t hi, lo;
	uint32_t idx;
};

/*
 * Orders @keys by (hi, lo), then each run of equal keys by @tie, a qsort_r()
 * comparator of two struct radix_key given @arg. @tmp is scratch for @n keys.
 */
void radix_sort(struct radix_key *keys, struct radix_key *tmp, size_t n,
		int (*tie)(const void *, const void *, void *), void *arg);

#endif /* NETLOG_RADIX_H */
