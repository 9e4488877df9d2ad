// SPDX-License-Identifier: GPL-2.0
/* Sorting by a 128-bit key: an LSD radix sort, ties settled by a comparator. */
#include <stdlib.h>
#include <string.h>

#include "radix.h"

/* Byte @byte of a key, least significant first. */
static unsigned int key_byte(const struct radix_key *k, unsigned int byte)
{
	return (byte < 8 ? k->lo >> 8 * byte : k->hi >> 8 * (byte - 8)) & 0xff;
}

/*
 * All the byte histograms come from one pass, and a byte that is the same in
 * every key (the high bytes of small ranks, a kind all flows share) costs no
 * pass. The sorted keys end in @keys.
 */
static void sort_bytes(struct radix_key *keys, struct radix_key *tmp, size_t n)
{
	size_t count[16][256];
	struct radix_key *src = keys, *dst = tmp, *swap;
	unsigned int byte, b;
	size_t i, pos, c;

	memset(count, 0, sizeof(count));
	for (i = 0; i < n; i++)
		for (byte = 0; byte < 16; byte++)
			count[byte][key_byte(&keys[i], byte)]++;
	for (byte = 0; byte < 16; byte++) {
		if (count[byte][key_byte(&keys[0], byte)] == n)
			continue;
		for (b = 0, pos = 0; b < 256; b++) {
			c = count[byte][b];
			count[byte][b] = pos;
			pos += c;
		}
		for (i = 0; i < n; i++)
			dst[count[byte][key_byte(&src[i], byte)]++] = src[i];
		swap = src;
		src = dst;
		dst = swap;
	}
	if (src != keys)
		memcpy(keys, src, n * sizeof(*keys));
}

void radix_sort(struct radix_key *keys, struct radix_key *tmp, size_t n,
		int (*tie)(const void *, const void *, void *), void *arg)
{
	size_t i, j;

	if (!n)
		return;
	sort_bytes(keys, tmp, n);
	for (i = 0; i < n; i = j) {
		for (j = i + 1; j < n && keys[j].hi == keys[i].hi &&
		     keys[j].lo == keys[i].lo; j++)
			;
		if (j - i > 1)
			qsort_r(keys + i, j - i, sizeof(*keys), tie, arg);
	}
}
