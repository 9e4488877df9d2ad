// SPDX-License-Identifier: GPL-2.0
/*
 * Per-CPU bounded flow tables, cut into windows.
 *
 * Each CPU counts into its own table of the live window: no shared lock, no
 * shared atomic, no allocation on the packet path. Closing a window swaps
 * in a fresh one with rcu_assign_pointer() and waits for a grace period, so
 * every packet lands in exactly one window. The closed window stays until
 * userspace acknowledges its sequence number, then is reset and kept as the
 * spare for the next close.
 */

#include <linux/ktime.h>
#include <linux/mm.h>
#include <linux/random.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "compat.h"
#include "netlog.h"

size_t netlog_flow_mem(void)
{
	return sizeof(struct netlog_entry) + sizeof(u32);
}

static void table_reset(struct netlog_table *t)
{
	memset(t->buckets, 0xff, (size_t)(t->mask + 1) * sizeof(u32));
	t->count = 0;
	t->hw_fired = false;
	t->first_ns = 0;
	memset(&t->miss, 0, sizeof(t->miss));
	memset(&t->excluded, 0, sizeof(t->excluded));
}

static void window_free(struct netlog_window *w)
{
	unsigned int cpu;

	if (!w)
		return;
	for_each_possible_cpu(cpu) {
		struct netlog_table *t = per_cpu_ptr(w->tables, cpu);

		kvfree(t->buckets);
		kvfree(t->entries);
	}
	free_percpu(w->tables);
	kfree(w);
}

static void window_reset(struct netlog_state *st, struct netlog_window *w,
			 u8 high_water)
{
	unsigned int cpu;

	w->gen = ++st->next_gen;
	w->seq = 0;
	w->start_ns = 0;
	w->end_ns = 0;
	get_random_bytes(&w->hkey, sizeof(w->hkey));
	for_each_possible_cpu(cpu) {
		struct netlog_table *t = per_cpu_ptr(w->tables, cpu);

		t->high_water = max_t(u32, 1, div_u64((u64)w->capacity *
							 high_water, 100));
		table_reset(t);
	}
}

static struct netlog_window *window_alloc(u32 capacity)
{
	struct netlog_window *w;
	u32 nbuckets = roundup_pow_of_two(capacity);
	unsigned int cpu;

	w = kzalloc(sizeof(*w), GFP_KERNEL);
	if (!w)
		return NULL;
	w->capacity = capacity;
	w->tables = alloc_percpu(struct netlog_table);
	if (!w->tables)
		goto err_free_window;
	for_each_possible_cpu(cpu) {
		struct netlog_table *t = per_cpu_ptr(w->tables, cpu);
		int node = cpu_to_node(cpu);

		t->capacity = capacity;
		t->mask = nbuckets - 1;
		t->buckets = kvmalloc_node(array_size(nbuckets, sizeof(u32)),
					   GFP_KERNEL, node);
		t->entries = kvmalloc_node(array_size(capacity,
						      sizeof(struct netlog_entry)),
					   GFP_KERNEL, node);
		if (!t->buckets || !t->entries)
			goto err_free_tables;
	}
	return w;

err_free_tables:
	window_free(w);
	return NULL;
err_free_window:
	kfree(w);
	return NULL;
}

/* A window for the next live period: the spare when it fits, else new. */
static struct netlog_window *window_get(struct netlog_state *st)
{
	const struct netlog_config *cfg;
	struct netlog_window *w;

	lockdep_assert_held(&st->lock);
	cfg = netlog_config_locked(st);
	w = st->spare;
	if (w && w->capacity == cfg->max_flows) {
		st->spare = NULL;
	} else {
		w = window_alloc(cfg->max_flows);
		if (!w)
			return NULL;
	}
	window_reset(st, w, cfg->high_water);
	return w;
}

static u32 key_hash(const struct netlog_window *w, const struct netlog_key *k)
{
	return (u32)siphash(k, sizeof(*k), &w->hkey);
}

static struct netlog_entry *table_lookup(const struct netlog_table *t,
					 const struct netlog_key *k, u32 hash)
{
	/* Pairs with the release in netlog_count(): the entry is filled. */
	u32 i = smp_load_acquire(&t->buckets[hash & t->mask]);

	while (i != NETLOG_NIL) {
		struct netlog_entry *e = &t->entries[i];

		if (!memcmp(&e->key, k, sizeof(*k)))
			return e;
		i = READ_ONCE(e->next);
	}
	return NULL;
}

static void counts_add(struct netlog_counts *c, enum netlog_dir dir, u32 pkts,
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

static void stats_add(struct netlog_stats *s, const struct netlog_key *key,
		      enum netlog_dir dir, u32 pkts, u64 bytes)
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
 * Count one packet (or one GSO batch of @pkts). Called from netfilter hooks,
 * inside rcu_read_lock(), in process or softirq context.
 */
void netlog_count(struct netlog_state *st, const struct netlog_key *key,
		  enum netlog_dir dir, u32 pkts, u64 bytes, bool excluded)
{
	struct netlog_window *w;
	struct netlog_table *t;
	struct netlog_stats *s;
	struct netlog_entry *e;
	u32 hash, i;

	local_bh_disable();
	w = rcu_dereference(st->live);
	if (unlikely(!w))
		goto out;
	t = this_cpu_ptr(w->tables);
	s = this_cpu_ptr(st->stats);
	stats_add(s, key, dir, pkts, bytes);
	if (unlikely(!t->first_ns))
		t->first_ns = ktime_get_real_ns();
	if (excluded) {
		counts_add(&t->excluded, dir, pkts, bytes);
		s->v[NETLOG_STAT_EXCL_PKTS] += pkts;
		s->v[NETLOG_STAT_EXCL_BYTES] += bytes;
		goto out;
	}
	hash = key_hash(w, key);
	e = table_lookup(t, key, hash);
	if (likely(e)) {
		counts_add(&e->c, dir, pkts, bytes);
		goto out;
	}
	if (unlikely(t->count >= t->capacity)) {
		counts_add(&t->miss, dir, pkts, bytes);
		s->v[NETLOG_STAT_MISS_PKTS] += pkts;
		s->v[NETLOG_STAT_MISS_BYTES] += bytes;
		goto out;
	}
	i = t->count;
	e = &t->entries[i];
	e->key = *key;
	memset(&e->c, 0, sizeof(e->c));
	counts_add(&e->c, dir, pkts, bytes);
	e->next = t->buckets[hash & t->mask];
	/* Publish the filled entry to peeking readers on other CPUs. */
	smp_store_release(&t->buckets[hash & t->mask], i);
	/* Entries below count are complete; see netlog_window_next(). */
	smp_store_release(&t->count, i + 1);
	s->v[NETLOG_STAT_FLOWS_CREATED]++;
	if (unlikely(i + 1 == t->high_water && !t->hw_fired)) {
		t->hw_fired = true;
		if (st->high_water)
			schedule_work(&st->hw_work);
	}
out:
	local_bh_enable();
}

static void hw_work_fn(struct work_struct *work)
{
	struct netlog_state *st = container_of(work, struct netlog_state,
					       hw_work);

	st->high_water(st);
}

int netlog_state_init(struct netlog_state *st, struct net *net)
{
	struct netlog_config *cfg;

	mutex_init(&st->lock);
	st->net = net;
	st->next_seq = 1;
	INIT_WORK(&st->hw_work, hw_work_fn);
	st->stats = alloc_percpu(struct netlog_stats);
	if (!st->stats)
		return -ENOMEM;
	cfg = netlog_config_default();
	if (!cfg) {
		free_percpu(st->stats);
		return -ENOMEM;
	}
	RCU_INIT_POINTER(st->cfg, cfg);
	return 0;
}

/* Called when nothing can count into @st any more (hooks unregistered). */
void netlog_state_free(struct netlog_state *st)
{
	cancel_work_sync(&st->hw_work);
	window_free(rcu_dereference_protected(st->live, true));
	window_free(st->pending);
	window_free(st->spare);
	kfree(rcu_dereference_protected(st->cfg, true));
	/* Devices of a dying namespace go after this; see netns.c. */
	RCU_INIT_POINTER(st->cfg, NULL);
	free_percpu(st->stats);
}

int netlog_state_ensure_live(struct netlog_state *st)
{
	struct netlog_window *w;

	lockdep_assert_held(&st->lock);
	if (rcu_access_pointer(st->live))
		return 0;
	w = window_get(st);
	if (!w)
		return -ENOMEM;
	rcu_assign_pointer(st->live, w);
	return 0;
}

/*
 * Close the live window, or return the closed one that still waits for its
 * acknowledgment. Returns an ERR_PTR on allocation failure; nothing is
 * closed then.
 */
struct netlog_window *netlog_window_close(struct netlog_state *st)
{
	struct netlog_window *old, *w;
	struct netlog_summary sum;
	int ret;

	lockdep_assert_held(&st->lock);
	if (st->pending)
		return st->pending;
	ret = netlog_state_ensure_live(st);
	if (ret)
		return ERR_PTR(ret);
	w = window_get(st);
	if (!w)
		return ERR_PTR(-ENOMEM);
	old = rcu_replace_pointer(st->live, w, lockdep_is_held(&st->lock));
	synchronize_rcu();
	old->end_ns = ktime_get_real_ns();
	old->seq = st->next_seq++;
	netlog_window_summarize(old, &sum);
	old->start_ns = sum.start_ns ? sum.start_ns : old->end_ns;
	st->pending = old;
	st->drained++;
	return old;
}

int netlog_window_ack(struct netlog_state *st, u64 seq)
{
	const struct netlog_config *cfg;
	struct netlog_window *w = st->pending;

	lockdep_assert_held(&st->lock);
	if (!w)
		return -ESRCH;
	if (w->seq != seq)
		return -ESTALE;
	st->pending = NULL;
	st->acked++;
	cfg = netlog_config_locked(st);
	if (w->capacity == cfg->max_flows && !st->spare)
		st->spare = w;
	else
		window_free(w);
	return 0;
}

/* True when @k is also in the table of a CPU iterated before @cpu. */
static bool key_seen_before(const struct netlog_window *w, unsigned int cpu,
			    const struct netlog_key *k, u32 hash)
{
	unsigned int c;

	for_each_possible_cpu(c) {
		if (c >= cpu)
			break;
		if (table_lookup(per_cpu_ptr(w->tables, c), k, hash))
			return true;
	}
	return false;
}

static void counts_read(struct netlog_counts *sum,
			const struct netlog_counts *c)
{
	sum->tx_pkts += READ_ONCE(c->tx_pkts);
	sum->tx_bytes += READ_ONCE(c->tx_bytes);
	sum->rx_pkts += READ_ONCE(c->rx_pkts);
	sum->rx_bytes += READ_ONCE(c->rx_bytes);
}

/*
 * Walk the window's flows with a cursor of positions, each key once, counts
 * summed over CPUs. Returns false when the walk is complete.
 */
bool netlog_window_next(const struct netlog_window *w, unsigned int *cpu,
			u32 *idx, struct netlog_key *key,
			struct netlog_counts *c)
{
	for (; *cpu < nr_cpu_ids; (*cpu)++, *idx = 0) {
		const struct netlog_table *t;
		u32 n;

		if (!cpu_possible(*cpu))
			continue;
		t = per_cpu_ptr(w->tables, *cpu);
		/* Pairs with the release of count in netlog_count(). */
		n = smp_load_acquire(&t->count);
		while (*idx < n) {
			const struct netlog_entry *e = &t->entries[(*idx)++];
			u32 hash = key_hash(w, &e->key);
			unsigned int o;

			if (key_seen_before(w, *cpu, &e->key, hash))
				continue;
			*key = e->key;
			memset(c, 0, sizeof(*c));
			counts_read(c, &e->c);
			for (o = *cpu + 1; o < nr_cpu_ids; o++) {
				const struct netlog_entry *oe;

				if (!cpu_possible(o))
					continue;
				oe = table_lookup(per_cpu_ptr(w->tables, o),
						  &e->key, hash);
				if (oe)
					counts_read(c, &oe->c);
			}
			return true;
		}
	}
	return false;
}

void netlog_window_summarize(const struct netlog_window *w,
			     struct netlog_summary *sum)
{
	struct netlog_counts c, miss = {}, excl = {};
	unsigned int cpu = 0;
	struct netlog_key k;
	u32 idx = 0;

	memset(sum, 0, sizeof(*sum));
	for_each_possible_cpu(cpu) {
		const struct netlog_table *t = per_cpu_ptr(w->tables, cpu);
		u64 first = READ_ONCE(t->first_ns);
		/* Pairs with the release of count in netlog_count(). */
		u32 n = smp_load_acquire(&t->count);

		if (first && (!sum->start_ns || first < sum->start_ns))
			sum->start_ns = first;
		sum->fill_max = max(sum->fill_max, n);
		sum->entries += n;
		counts_read(&miss, &t->miss);
		counts_read(&excl, &t->excluded);
	}
	sum->miss_pkts = miss.tx_pkts + miss.rx_pkts;
	sum->miss_bytes = miss.tx_bytes + miss.rx_bytes;
	sum->excl_pkts = excl.tx_pkts + excl.rx_pkts;
	sum->excl_bytes = excl.tx_bytes + excl.rx_bytes;
	cpu = 0;
	while (netlog_window_next(w, &cpu, &idx, &k, &c))
		sum->nflows++;
}

void netlog_stats_sum(const struct netlog_state *st, struct netlog_stats *out)
{
	unsigned int cpu, i;

	memset(out, 0, sizeof(*out));
	for_each_possible_cpu(cpu) {
		const struct netlog_stats *s = per_cpu_ptr(st->stats, cpu);

		for (i = 0; i < __NETLOG_STAT_MAX; i++)
			out->v[i] += READ_ONCE(s->v[i]);
	}
}
