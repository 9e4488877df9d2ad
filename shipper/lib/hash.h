/* SPDX-License-Identifier: GPL-2.0 */
/* The 64-bit mixer behind netlogd's hash tables and orders. */
#ifndef NETLOG_HASH_H
#define NETLOG_HASH_H

#include <stdint.h>

/* MurmurHash3's finalizer: every input bit moves every output bit. */
static inline uint64_t hash_mix64(uint64_t h)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ULL;
	h ^= h >> 33;
	return h;
}

#endif /* NETLOG_HASH_H */
