// SPDX-License-Identifier: GPL-2.0
/*
 * Per-CPU bounded flow tables, cut into windows.
 *
 * Each CPU counts into its own table of the live window: no shared lock, no
 * shared atomic, no allocation on the packet path. Closing a window swaps
 * in a fresh one with rcu_assign_pointer() and waits for a grace period, so
 * every packet lands in exactly one window. The closed window stays until
 * userspace acknowledges its sequence number, then is reset and kept as a
 * spare for a later close.
 *
 * Memory is taken when the configuration asks for it, never at a close: a
 * configured namespace always holds two windows of the configured capacity
 * (the live one or a spare, and the closed one or a spare), allocated and
 * charged to the caller's memory cgroup when max_flows is set, so a close
 * only ever swaps in a spare.
 */

#include <linux/ktime.h>
#include <linux/log2.h>
#include <linux/mm.h>
#include <linux/random.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "compat.h"
#include "netlog.h"
#include "count.h"

/*
 * Tables are charged to the memory cgroup of the task that configures them,
 * and fail rather than wake the OOM killer.
 */
#define NETLOG_GFP (GFP_KERNEL_ACCOUNT | __GFP_RETRY_MAYFAIL | __GFP_NOWARN)

size_t netlog_flow_mem(void)
{
	return sizeof(struct netlog_entry) + sizeof(u32);
}

/* Bytes of one window of @capacity flows per CPU, all CPUs. */
u64 netlog_window_bytes(u32 capacity)
{
	u64 per_cpu = (u64)capacity * sizeof(struct netlog_entry) +
		      (u64)roundup_pow_of_two(capacity) * sizeof(u32);

	return per_cpu * num_possible_cpus();
}

static void table_reset(struct netlog_table *t)
{
	memset(t->buckets, 0xff, sizeof(u32) << (64 - t->shift));
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
			 u8 high_water_pct)
{
	unsigned int cpu;

	w->gen = ++st->next_gen;
	w->seq = 0;
	w->start_ns = 0;
	w->end_ns = 0;
	get_random_bytes(&w->hkey, sizeof(w->hkey));
	for_each_possible_cpu(cpu) {
		struct netlog_table *t = per_cpu_ptr(w->tables, cpu);

		t->hw_count = max_t(u32, 1, div_u64((u64)w->capacity *
							 high_water_pct, 100));
		table_reset(t);
	}
}

static struct netlog_window *window_alloc(u32 capacity)
{
	struct netlog_window *w;
	u32 nbuckets = roundup_pow_of_two(capacity);
	unsigned int cpu;

	w = kzalloc(sizeof(*w), NETLOG_GFP);
	if (!w)
		return NULL;
	w->capacity = capacity;
	w->tables = alloc_percpu_gfp(struct netlog_table, NETLOG_GFP);
	if (!w->tables)
		goto err_free_window;
	for_each_possible_cpu(cpu) {
		struct netlog_table *t = per_cpu_ptr(w->tables, cpu);
		int node = cpu_to_node(cpu);

		t->capacity = capacity;
		t->shift = 64 - ilog2(nbuckets);
		t->buckets = kvmalloc_node(array_size(nbuckets, sizeof(u32)),
					   NETLOG_GFP, node);
		t->entries = kvmalloc_node(array_size(capacity,
						      sizeof(struct netlog_entry)),
					   NETLOG_GFP, node);
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

/* Take a spare of @capacity, reset for a new live period. */
static struct netlog_window *spare_take(struct netlog_state *st, u32 capacity,
					u8 high_water_pct)
{
	struct netlog_window *w;
	unsigned int i;

	for (i = 0; i < NETLOG_SPARES; i++) {
		w = st->spare[i];
		if (w && w->capacity == capacity) {
			st->spare[i] = NULL;
			window_reset(st, w, high_water_pct);
			return w;
		}
	}
	return NULL;
}

/* Keep @w as a spare if there is room, else free it. */
static void spare_put(struct netlog_state *st, struct netlog_window *w)
{
	unsigned int i;

	for (i = 0; i < NETLOG_SPARES; i++) {
		if (!st->spare[i]) {
			st->spare[i] = w;
			return;
		}
	}
	window_free(w);
}

/* Windows of @capacity that the namespace holds, live and closed included. */
static unsigned int windows_held(struct netlog_state *st, u32 capacity)
{
	const struct netlog_window *live;
	unsigned int i, n = 0;

	live = rcu_dereference_protected(st->live, lockdep_is_held(&st->lock));
	n += live && live->capacity == capacity;
	n += st->pending && st->pending->capacity == capacity;
	for (i = 0; i < NETLOG_SPARES; i++)
		n += st->spare[i] && st->spare[i]->capacity == capacity;
	return n;
}

/*
 * Refuse tables that would take more than half of the memory available now:
 * a flow logger must not be what pushes the machine into reclaim or OOM.
 */
static int windows_affordable(u32 capacity, unsigned int n,
			      struct netlink_ext_ack *extack)
{
	u64 avail = (u64)si_mem_available() << PAGE_SHIFT;

	if (n * netlog_window_bytes(capacity) > avail / 2) {
		NL_SET_ERR_MSG(extack,
			       "flow tables for this max_flows would take more than half of the available memory");
		return -ENOMEM;
	}
	return 0;
}

/*
 * Make @st hold two windows of @cfg's capacity, allocating what is missing
 * (all or nothing) and releasing spares of another capacity. A namespace
 * without a live window gets one. On failure nothing has changed.
 */
int netlog_windows_reserve(struct netlog_state *st,
			   const struct netlog_config *cfg,
			   struct netlink_ext_ack *extack)
{
	struct netlog_window *fresh[NETLOG_SPARES] = {};
	u32 capacity = cfg->max_flows;
	unsigned int held, need, i;
	int ret;

	lockdep_assert_held(&st->lock);
	held = windows_held(st, capacity);
	need = held < NETLOG_SPARES ? NETLOG_SPARES - held : 0;
	ret = windows_affordable(capacity, need, extack);
	if (ret)
		return ret;
	for (i = 0; i < need; i++) {
		fresh[i] = window_alloc(capacity);
		if (!fresh[i]) {
			while (i--)
				window_free(fresh[i]);
			NL_SET_ERR_MSG(extack, "cannot allocate the flow tables");
			return -ENOMEM;
		}
	}
	for (i = 0; i < NETLOG_SPARES; i++) {
		if (st->spare[i] && st->spare[i]->capacity != capacity) {
			window_free(st->spare[i]);
			st->spare[i] = NULL;
		}
	}
	for (i = 0; i < need; i++)
		spare_put(st, fresh[i]);
	if (!rcu_access_pointer(st->live))
		rcu_assign_pointer(st->live,
				   spare_take(st, capacity, cfg->high_water_pct));
	return 0;
}

/*
 * A key not in this CPU's table: a new entry, or a miss when the table is
 * full. Out of line: the packet path inlines only the lookup.
 */
void netlog_count_new(struct netlog_state *st, struct netlog_table *t,
		      struct netlog_stats *s, const struct netlog_key *key,
		      u64 hash, enum netlog_dir dir, u32 pkts, u64 bytes)
{
	struct netlog_entry *e;
	u32 i;

	if (unlikely(t->count >= t->capacity)) {
		netlog_counts_add(&t->miss, dir, pkts, bytes);
		s->v[NETLOG_STAT_MISS_PKTS] += pkts;
		s->v[NETLOG_STAT_MISS_BYTES] += bytes;
		return;
	}
	i = t->count;
	e = &t->entries[i];
	e->key = *key;
	e->c = (struct netlog_counts){};
	netlog_counts_add(&e->c, dir, pkts, bytes);
	e->next = *netlog_bucket(t, hash);
	/* Publish the filled entry to peeking readers on other CPUs. */
	smp_store_release(netlog_bucket(t, hash), i);
	/* Entries below count are complete; see netlog_window_next(). */
	smp_store_release(&t->count, i + 1);
	s->v[NETLOG_STAT_FLOWS_CREATED]++;
	if (unlikely(i + 1 == t->hw_count && !t->hw_fired)) {
		t->hw_fired = true;
		if (st->notify_high_water)
			schedule_work(&st->hw_work);
	}
}

void netlog_count(struct netlog_state *st, const struct netlog_key *key,
		  enum netlog_dir dir, u32 pkts, u64 bytes, bool excluded)
{
	netlog_count_inline(st, key, dir, pkts, bytes, excluded);
}

static void hw_work_fn(struct work_struct *work)
{
	struct netlog_state *st = container_of(work, struct netlog_state,
					       hw_work);

	st->notify_high_water(st);
}

int netlog_state_init(struct netlog_state *st, struct net *net)
{
	struct netlog_config *cfg;

	mutex_init(&st->lock);
	st->net = net;
	st->next_seq = 1;
	INIT_WORK(&st->hw_work, hw_work_fn);
	st->stats = alloc_percpu_gfp(struct netlog_stats, GFP_KERNEL_ACCOUNT);
	if (!st->stats)
		return -ENOMEM;
	cfg = netlog_config_default(net);
	if (!cfg) {
		free_percpu(st->stats);
		return -ENOMEM;
	}
	RCU_INIT_POINTER(st->cfg, cfg);
	return 0;
}

/*
 * Called when nothing can count into @st any more: its hooks are gone and a
 * grace period has passed (netlog_net_pre_exit()).
 */
void netlog_state_free(struct netlog_state *st)
{
	unsigned int i;

	cancel_work_sync(&st->hw_work);
	window_free(rcu_dereference_protected(st->live, true));
	window_free(st->pending);
	for (i = 0; i < NETLOG_SPARES; i++)
		window_free(st->spare[i]);
	kfree(rcu_dereference_protected(st->cfg, true));
	RCU_INIT_POINTER(st->cfg, NULL);
	free_percpu(st->stats);
}

/*
 * Close the live window, or return the closed one that still waits for its
 * acknowledgment. The next live window is a spare, so this allocates only
 * in a namespace that was never configured, whose first windows it makes.
 * Returns an ERR_PTR when they cannot be allocated.
 */
struct netlog_window *netlog_window_close(struct netlog_state *st,
					  struct netlink_ext_ack *extack)
{
	const struct netlog_config *cfg = netlog_config_locked(st);
	struct netlog_window *old, *w;
	struct netlog_summary sum;
	u64 end;
	int ret;

	lockdep_assert_held(&st->lock);
	if (st->pending)
		return st->pending;
	if (!rcu_access_pointer(st->live)) {
		ret = netlog_windows_reserve(st, cfg, extack);
		if (ret)
			return ERR_PTR(ret);
	}
	w = spare_take(st, cfg->max_flows, cfg->high_water_pct);
	/* netlog_windows_reserve() and netlog_window_ack() keep one here. */
	if (WARN_ON_ONCE(!w))
		return ERR_PTR(-ENOMEM);
	/*
	 * The window ends at the swap, so the next one's first packet cannot
	 * precede it. A packet still in flight on another CPU may land in
	 * @old just after; it is counted here, where it was looked up.
	 */
	end = ktime_get_real_ns();
	old = rcu_replace_pointer(st->live, w, lockdep_is_held(&st->lock));
	synchronize_rcu();
	old->seq = st->next_seq++;
	netlog_window_summarize(old, &sum);
	/*
	 * Windows never overlap, even when the real-time clock steps back:
	 * each starts no earlier than the previous end and ends no earlier
	 * than it starts.
	 */
	old->end_ns = max(end, st->last_end_ns);
	old->start_ns = clamp(sum.start_ns ? sum.start_ns : end,
			      st->last_end_ns, old->end_ns);
	st->last_end_ns = old->end_ns;
	st->pending = old;
	st->drained++;
	return old;
}

int netlog_window_ack(struct netlog_state *st, u64 seq)
{
	const struct netlog_config *cfg = netlog_config_locked(st);
	struct netlog_window *w = st->pending;

	lockdep_assert_held(&st->lock);
	if (!w)
		return -ESRCH;
	if (w->seq != seq)
		return -ESTALE;
	st->pending = NULL;
	st->acked++;
	if (w->capacity == cfg->max_flows)
		spare_put(st, w);
	else
		window_free(w);
	return 0;
}

/* True when @k is also in the table of a CPU iterated before @cpu. */
static bool key_seen_before(const struct netlog_window *w, unsigned int cpu,
			    const struct netlog_key *k, u64 hash)
{
	unsigned int c;

	for_each_possible_cpu(c) {
		if (c >= cpu)
			break;
		if (netlog_table_lookup(per_cpu_ptr(w->tables, c), k, hash))
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
			u64 hash = netlog_key_hash(w, &e->key);
			unsigned int o;

			if (key_seen_before(w, *cpu, &e->key, hash))
				continue;
			*key = e->key;
			memset(c, 0, sizeof(*c));
			counts_read(c, &e->c);
			for (o = *cpu + 1; o < nr_cpu_ids; o++) {
				const struct netlog_table *ot;
				const struct netlog_entry *oe;

				if (!cpu_possible(o))
					continue;
				ot = per_cpu_ptr(w->tables, o);
				oe = netlog_table_lookup(ot, &e->key, hash);
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
