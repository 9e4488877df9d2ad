/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The packet path's side of the per-CPU tables: hashing a key, finding its
 * entry, adding to its counts. Inline, so that a hook counts an existing
 * flow without a call; table.c uses the same functions to merge and walk.
 */

#ifndef _NETLOG_COUNT_H
#define _NETLOG_COUNT_H

#include <linux/bottom_half.h>
#include <linux/ktime.h>
#include <linux/preempt.h>

#include "netlog.h"

/*
 * Pair-multiply-shift (NH, the inner hash of UMAC), keyed by 40 random bytes
 * per window: sum over the key's 32-bit word pairs of (m0 + k0)(m1 + k1)
 * mod 2^64, its top bits the bucket. For any two different keys the chance
 * over the random key that they share a bucket is at most 2 / buckets
 * (Thorup, "High Speed Hashing for Integers and Strings"), so nobody who
 * does not know the window's key can aim packets at one chain: hash-flooding
 * resistance at a tenth of hsiphash's cost. An IPv4 key is hashed as the
 * four words that are not always zero, its addresses paired.
 */
static __always_inline u64 netlog_key_hash(const struct netlog_window *w,
					   const struct netlog_key *k)
{
	const u32 *m = (const u32 *)k, *key = w->hkey;
	u64 h = (u64)(m[0] + key[0]) * (m[1] + key[1]);

	BUILD_BUG_ON(sizeof(*k) != sizeof(w->hkey));
	/* IPv4: the vector (m0, m1, m2, m6); the other words are zero. */
	if (k->family == AF_INET)
		return h + (u64)(m[2] + key[2]) * (m[6] + key[6]);
	return h + (u64)(m[2] + key[2]) * (m[3] + key[3]) +
	       (u64)(m[4] + key[4]) * (m[5] + key[5]) +
	       (u64)(m[6] + key[6]) * (m[7] + key[7]) +
	       (u64)(m[8] + key[8]) * (m[9] + key[9]);
}

static __always_inline u32 *netlog_bucket(const struct netlog_table *t, u64 hash)
{
	return &t->buckets[hash >> t->shift];
}

/* Keys are five words, pad and unused address bytes zero: no memcmp() call. */
static __always_inline bool netlog_key_equal(const struct netlog_key *a,
					     const struct netlog_key *b)
{
	const u64 *x = (const u64 *)a, *y = (const u64 *)b;

	BUILD_BUG_ON(sizeof(*a) != 5 * sizeof(u64));
	return !((x[0] ^ y[0]) | (x[1] ^ y[1]) | (x[2] ^ y[2]) |
		 (x[3] ^ y[3]) | (x[4] ^ y[4]));
}

static __always_inline struct netlog_entry *
netlog_table_lookup(const struct netlog_table *t, const struct netlog_key *k,
		    u64 hash)
{
	/* Pairs with the release in netlog_count_new(): the entry is filled. */
	u32 i = smp_load_acquire(netlog_bucket(t, hash));

	while (i != NETLOG_NIL) {
		struct netlog_entry *e = &t->entries[i];

		if (netlog_key_equal(&e->key, k))
			return e;
		i = READ_ONCE(e->next);
	}
	return NULL;
}

static __always_inline void netlog_counts_add(struct netlog_counts *c,
					      enum netlog_dir dir, u32 pkts,
					      u64 bytes)
{
	if (dir == NETLOG_TX) {
		WRITE_ONCE(c->tx_pkts, c->tx_pkts + pkts);
		WRITE_ONCE(c->tx_bytes, c->tx_bytes + bytes);
	} else {
		WRITE_ONCE(c->rx_pkts, c->rx_pkts + pkts);
		WRITE_ONCE(c->rx_bytes, c->rx_bytes + bytes);
	}
}

static __always_inline void netlog_stats_add(struct netlog_stats *s,
					     const struct netlog_key *key,
					     enum netlog_dir dir, u32 pkts,
					     u64 bytes)
{
	enum netlog_stat i = NETLOG_STAT_VIRT_TX_PKTS;

	if (key->kind == NETLOG_KIND_PHYSICAL)
		i = NETLOG_STAT_PHYS_TX_PKTS;
	if (dir == NETLOG_RX)
		i += 2;
	s->v[i] += pkts;
	s->v[i + 1] += bytes;
}

/*
 * Count one packet (or one GSO batch of @pkts) into this CPU's table of the
 * live window. From the netfilter hooks, inside rcu_read_lock(), in process
 * or softirq context.
 */
static __always_inline void netlog_count_inline(struct netlog_state *st,
						const struct netlog_key *key,
						enum netlog_dir dir, u32 pkts,
						u64 bytes, bool excluded)
{
	struct netlog_window *w;
	struct netlog_table *t;
	struct netlog_stats *s;
	struct netlog_entry *e;
	u64 hash;
	/*
	 * The table is this CPU's: no softirq may count into it meanwhile.
	 * FORWARD and LOCAL_IN already run with bottom halves off;
	 * LOCAL_OUT does not.
	 */
	bool bh = !in_softirq();

	if (bh)
		local_bh_disable();
	w = rcu_dereference(st->live);
	if (unlikely(!w))
		goto out;
	t = this_cpu_ptr(w->tables);
	s = this_cpu_ptr(st->stats);
	netlog_stats_add(s, key, dir, pkts, bytes);
	if (unlikely(!t->first_ns))
		t->first_ns = ktime_get_real_ns();
	if (excluded) {
		netlog_counts_add(&t->excluded, dir, pkts, bytes);
		s->v[NETLOG_STAT_EXCL_PKTS] += pkts;
		s->v[NETLOG_STAT_EXCL_BYTES] += bytes;
		goto out;
	}
	hash = netlog_key_hash(w, key);
	e = netlog_table_lookup(t, key, hash);
	if (likely(e))
		netlog_counts_add(&e->c, dir, pkts, bytes);
	else
		netlog_count_new(st, t, s, key, hash, dir, pkts, bytes);
out:
	if (bh)
		local_bh_enable();
}

#endif /* _NETLOG_COUNT_H */
