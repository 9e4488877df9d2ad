/* SPDX-License-Identifier: GPL-2.0 */
/* Sorting by a 128-bit key: an LSD radix sort, ties settled by a comparator. */
#ifndef NETLOG_RADIX_H
#define NETLOG_RADIX_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

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

/* How many steps of a cycle radix_permute() prefetches ahead. */
#define RADIX_PERMUTE_AHEAD 8

/*
 * Moves the element at @perm[i] to i, for arrays of @size-byte elements,
 * cycle by cycle, in place, and leaves @perm the identity. Each step of a
 * cycle waits on the one before, so the elements a few steps ahead are
 * prefetched, found through @perm, which is small enough to stay in cache.
 * Inline so that @size is a constant at each caller and the moves are
 * plain copies.
 */
static inline __attribute__((always_inline)) void
radix_permute(void *base, size_t size, uint32_t *perm, size_t n)
{
	unsigned char *a = base, tmp[size];
	size_t i, j, k, ahead, d;

	for (i = 0; i < n; i++) {
		if (perm[i] == i)
			continue;
		memcpy(tmp, a + i * size, size);
		for (ahead = i, d = 0; d < RADIX_PERMUTE_AHEAD; d++) {
			ahead = perm[ahead];
			__builtin_prefetch(a + ahead * size);
			__builtin_prefetch(a + ahead * size + size - 1);
		}
		for (j = i;; j = k) {
			k = perm[j];
			perm[j] = j;
			ahead = perm[ahead];
			__builtin_prefetch(a + ahead * size);
			__builtin_prefetch(a + ahead * size + size - 1);
			if (k == i) {
				memcpy(a + j * size, tmp, size);
				break;
			}
			memcpy(a + j * size, a + k * size, size);
		}
	}
}

#endif /* NETLOG_RADIX_H */
