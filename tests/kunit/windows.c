// SPDX-License-Identifier: GPL-2.0
/*
 * netlog_table: table capacity and misses, windows drained, drained again
 * and acknowledged, their times, exact conservation while kthreads count on
 * every CPU, and memory taken when max_flows is set, never at a close.
 */

#include <linux/completion.h>
#include <linux/cpumask.h>
#include <linux/delay.h>
#include <linux/kthread.h>
#include <linux/slab.h>

#include "kunit.h"

static void table_full_counts_misses_exactly(struct kunit *test)
{
	struct netlog_state *st = netlog_test_state(test, 16);
	struct netlog_key k;
	struct netlog_test_totals t;
	u32 i;

	/* All on this CPU: preemption off keeps one table. */
	preempt_disable();
	for (i = 0; i < 20; i++) {
		netlog_test_key(&k, i);
		netlog_test_count(st, &k, NETLOG_TX, 2, 100 + i);
	}
	preempt_enable();
	netlog_test_drain(test, st, &t);
	KUNIT_EXPECT_EQ(test, t.flows, 16);
	KUNIT_EXPECT_EQ(test, t.pkts, 32);
	KUNIT_EXPECT_EQ(test, t.bytes, 16 * 100 + 120);	/* 0..15 */
	KUNIT_EXPECT_EQ(test, t.miss_pkts, 8);
	KUNIT_EXPECT_EQ(test, t.miss_bytes, 116 + 117 + 118 + 119);
}

static void window_redrain_returns_same_until_ack(struct kunit *test)
{
	struct netlog_state *st = netlog_test_state(test, 64);
	struct netlog_key k;
	struct netlog_test_totals t;
	u64 seq;

	netlog_test_key(&k, 1);
	netlog_test_count(st, &k, NETLOG_TX, 1, 60);
	netlog_test_count(st, &k, NETLOG_RX, 1, 40);
	seq = netlog_test_drain(test, st, &t);
	KUNIT_EXPECT_EQ(test, seq, 1);
	KUNIT_EXPECT_EQ(test, t.flows, 1);
	KUNIT_EXPECT_EQ(test, t.bytes, 100);

	/* New packets go to the live window; the drained one is unchanged. */
	netlog_test_count(st, &k, NETLOG_TX, 1, 1000);
	KUNIT_EXPECT_EQ(test, netlog_test_drain(test, st, &t), 1);
	KUNIT_EXPECT_EQ(test, t.bytes, 100);

	KUNIT_EXPECT_EQ(test, netlog_test_ack(st, 2), -ESTALE);
	KUNIT_EXPECT_EQ(test, netlog_test_ack(st, 1), 0);
	KUNIT_EXPECT_EQ(test, netlog_test_ack(st, 1), -ESRCH);
	KUNIT_EXPECT_EQ(test, netlog_test_drain(test, st, &t), 2);
	KUNIT_EXPECT_EQ(test, t.flows, 1);
	KUNIT_EXPECT_EQ(test, t.pkts, 1);
	KUNIT_EXPECT_EQ(test, t.bytes, 1000);
	KUNIT_EXPECT_EQ(test, netlog_test_ack(st, 2), 0);
	KUNIT_EXPECT_EQ(test, st->drained, 2);
	KUNIT_EXPECT_EQ(test, st->acked, 2);

	/* An empty window still closes, with start == end. */
	KUNIT_EXPECT_EQ(test, netlog_test_drain(test, st, &t), 3);
	KUNIT_EXPECT_EQ(test, t.flows, 0);
	KUNIT_EXPECT_EQ(test, st->pending->start_ns, st->pending->end_ns);
	KUNIT_EXPECT_EQ(test, netlog_test_ack(st, 3), 0);
}

static void window_times_bracket_packets(struct kunit *test)
{
	struct netlog_state *st = netlog_test_state(test, 64);
	struct netlog_key k;
	struct netlog_test_totals t;
	u64 before, after;

	netlog_test_key(&k, 1);
	before = ktime_get_real_ns();
	netlog_test_count(st, &k, NETLOG_TX, 1, 60);
	after = ktime_get_real_ns();
	netlog_test_drain(test, st, &t);
	KUNIT_EXPECT_GE(test, st->pending->start_ns, before);
	KUNIT_EXPECT_LE(test, st->pending->start_ns, after);
	KUNIT_EXPECT_GE(test, st->pending->end_ns, after);
}

static void windows_do_not_overlap_when_the_clock_steps_back(struct kunit *test)
{
	struct netlog_state *st = netlog_test_state(test, 64);
	struct netlog_test_totals t;
	struct netlog_window *live;
	struct netlog_table *tb;
	struct netlog_key k;
	unsigned int cpu;
	u64 end1;

	netlog_test_key(&k, 1);
	netlog_test_count(st, &k, NETLOG_TX, 1, 60);
	KUNIT_ASSERT_EQ(test, netlog_test_drain(test, st, &t), 1);
	end1 = st->pending->end_ns;
	KUNIT_EXPECT_LE(test, st->pending->start_ns, end1);
	KUNIT_ASSERT_EQ(test, netlog_test_ack(st, 1), 0);

	/* The next window's first packet stamped before the last end. */
	netlog_test_count(st, &k, NETLOG_TX, 1, 60);
	mutex_lock(&st->lock);
	live = rcu_dereference_protected(st->live, lockdep_is_held(&st->lock));
	for_each_possible_cpu(cpu) {
		tb = per_cpu_ptr(live->tables, cpu);
		if (tb->first_ns)
			tb->first_ns = end1 - 1000;
	}
	mutex_unlock(&st->lock);
	KUNIT_ASSERT_EQ(test, netlog_test_drain(test, st, &t), 2);
	KUNIT_EXPECT_EQ(test, t.pkts, 1);
	KUNIT_EXPECT_GE(test, st->pending->start_ns, end1);
	KUNIT_EXPECT_GE(test, st->pending->end_ns, st->pending->start_ns);
}

#define CONS_KEYS 40		/* more than capacity: forces misses */
#define CONS_CAPACITY 32
#define CONS_PKTS 20000

struct cons_worker {
	struct netlog_state *st;
	struct completion done;
	struct completion *halfway;	/* if set, wait for it at half */
	u64 sent_pkts;
	u64 sent_bytes;
	unsigned int seed;
};

static int cons_thread(void *arg)
{
	struct cons_worker *cw = arg;
	struct netlog_key k;
	u32 i;

	for (i = 0; i < CONS_PKTS; i++) {
		u32 n = (i * 7 + cw->seed) % CONS_KEYS;

		if (i == CONS_PKTS / 2 && cw->halfway)
			wait_for_completion(cw->halfway);
		u64 bytes = 40 + (i % 1400);

		netlog_test_key(&k, n);
		netlog_test_count(cw->st, &k, i & 1 ? NETLOG_RX : NETLOG_TX, 1, bytes);
		cw->sent_pkts++;
		cw->sent_bytes += bytes;
		if (!(i % 256))
			cond_resched();
	}
	complete(&cw->done);
	return 0;
}

/*
 * One counting kthread per online CPU, each with @seed_step * its index as
 * seed, halting at half its packets until @halfway (if any) completes; a
 * worker that cannot start is failed and marked done.
 */
static struct cons_worker *start_workers(struct kunit *test,
					 struct netlog_state *st,
					 unsigned int seed_step,
					 struct completion *halfway)
{
	unsigned int ncpu = num_online_cpus(), i = 0, cpu;
	struct cons_worker *cw;

	KUNIT_ASSERT_GE_MSG(test, ncpu, 2, "needs 2 or more CPUs");
	cw = kunit_kcalloc(test, ncpu, sizeof(*cw), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, cw);
	for_each_online_cpu(cpu) {
		struct task_struct *task;

		cw[i].st = st;
		cw[i].seed = i * seed_step;
		cw[i].halfway = halfway;
		init_completion(&cw[i].done);
		task = kthread_create_on_cpu(cons_thread, &cw[i], cpu,
					     "netlog_kunit/%u");
		if (IS_ERR(task)) {
			KUNIT_FAIL(test, "no kthread on CPU %u", cpu);
			complete(&cw[i].done);
		} else {
			wake_up_process(task);
		}
		i++;
	}
	return cw;
}

static void conservation_under_concurrent_drains(struct kunit *test)
{
	struct netlog_state *st = netlog_test_state(test, CONS_CAPACITY);
	unsigned int ncpu = num_online_cpus(), i, windows = 0;
	struct completion halfway;
	struct cons_worker *cw;
	u64 got_pkts = 0, got_bytes = 0, want_pkts = 0, want_bytes = 0;
	struct netlog_test_totals t;
	bool running = true;

	/* Half the packets wait for the first drain: two windows at least. */
	init_completion(&halfway);
	cw = start_workers(test, st, 13, &halfway);
	while (running) {
		u64 seq = netlog_test_drain(test, st, &t);

		got_pkts += t.pkts + t.miss_pkts;
		got_bytes += t.bytes + t.miss_bytes;
		KUNIT_EXPECT_EQ(test, netlog_test_ack(st, seq), 0);
		complete_all(&halfway);
		windows++;
		running = false;
		for (i = 0; i < ncpu; i++)
			if (!completion_done(&cw[i].done))
				running = true;
		usleep_range(200, 400);
	}
	/* The last packets are in the live window. */
	netlog_test_drain(test, st, &t);
	got_pkts += t.pkts + t.miss_pkts;
	got_bytes += t.bytes + t.miss_bytes;
	for (i = 0; i < ncpu; i++) {
		want_pkts += cw[i].sent_pkts;
		want_bytes += cw[i].sent_bytes;
	}
	kunit_info(test, "%u windows, %llu packets", windows + 1, got_pkts);
	KUNIT_EXPECT_EQ(test, want_pkts, (u64)ncpu * CONS_PKTS);
	KUNIT_EXPECT_EQ(test, got_pkts, want_pkts);
	KUNIT_EXPECT_EQ(test, got_bytes, want_bytes);
	KUNIT_EXPECT_GE(test, windows, 2);
}

static void keys_on_several_cpus_merge_into_one(struct kunit *test)
{
	struct netlog_state *st = netlog_test_state(test, 64);
	unsigned int ncpu = num_online_cpus(), i;
	/* Seed 0 everywhere: the same keys on every CPU. */
	struct cons_worker *cw = start_workers(test, st, 0, NULL);
	struct netlog_test_totals t;

	for (i = 0; i < ncpu; i++)
		wait_for_completion(&cw[i].done);
	netlog_test_drain(test, st, &t);
	/* The same CONS_KEYS keys on every CPU: each reported once. */
	KUNIT_EXPECT_EQ(test, t.flows, CONS_KEYS);
	KUNIT_EXPECT_EQ(test, t.pkts, (u64)ncpu * CONS_PKTS);
	KUNIT_EXPECT_EQ(test, t.miss_pkts, 0);
}

static int set_max_flows(struct netlog_state *st, u32 max_flows,
			 struct netlink_ext_ack *extack)
{
	struct netlog_config *cfg;
	int ret = -ENOMEM;

	mutex_lock(&st->lock);
	cfg = netlog_config_dup(netlog_config_locked(st));
	if (cfg) {
		cfg->max_flows = max_flows;
		ret = netlog_config_apply(st, cfg, extack);
	}
	mutex_unlock(&st->lock);
	return ret;
}

static unsigned int spares_of(const struct netlog_state *st, u32 capacity)
{
	unsigned int i, n = 0;

	for (i = 0; i < NETLOG_SPARES; i++)
		n += st->spare[i] && st->spare[i]->capacity == capacity;
	return n;
}

static bool window_in(const struct netlog_window *w,
		      struct netlog_window *const *set, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (w == set[i])
			return true;
	return false;
}

static void max_flows_change_allocates_at_set_time(struct kunit *test)
{
	struct netlog_state *st = netlog_test_state(test, 64);
	struct netlog_window *reserved[NETLOG_SPARES], *live;
	struct netlog_key k;
	struct netlog_test_totals t;
	unsigned int i;
	u64 seq;

	netlog_test_key(&k, 1);
	netlog_test_count(st, &k, NETLOG_TX, 1, 100);
	KUNIT_ASSERT_EQ(test, set_max_flows(st, 128, NULL), 0);
	/* Both windows of the new capacity exist before any close. */
	for (i = 0; i < NETLOG_SPARES; i++) {
		reserved[i] = st->spare[i];
		KUNIT_ASSERT_NOT_NULL(test, reserved[i]);
		KUNIT_EXPECT_EQ(test, reserved[i]->capacity, 128);
	}
	live = rcu_dereference_protected(st->live, true);
	KUNIT_EXPECT_EQ(test, live->capacity, 64);

	/* The window open at the change keeps its capacity and its count. */
	seq = netlog_test_drain(test, st, &t);
	KUNIT_EXPECT_EQ(test, t.pkts, 1);
	KUNIT_EXPECT_EQ(test, st->pending->capacity, 64);
	KUNIT_EXPECT_EQ(test, netlog_test_ack(st, seq), 0);
	/* Every later window is one of the two: a close never allocates. */
	for (i = 0; i < 6; i++) {
		netlog_test_count(st, &k, NETLOG_RX, 1, 10 + i);
		seq = netlog_test_drain(test, st, &t);
		KUNIT_EXPECT_EQ(test, t.bytes, 10 + i);
		live = rcu_dereference_protected(st->live, true);
		KUNIT_EXPECT_TRUE(test, window_in(live, reserved,
						  NETLOG_SPARES));
		KUNIT_EXPECT_TRUE(test, window_in(st->pending, reserved,
						  NETLOG_SPARES));
		KUNIT_EXPECT_EQ(test, netlog_test_ack(st, seq), 0);
	}
}

static void unaffordable_max_flows_is_refused_and_old_config_counts(struct kunit *test)
{
	struct netlog_state *st = netlog_test_state(test, 64);
	struct netlink_ext_ack extack = {};
	struct netlog_window *live;
	struct netlog_key k;
	struct netlog_test_totals t;

	/* Two windows of 4M flows on every CPU: far more than RAM. */
	KUNIT_EXPECT_EQ(test, set_max_flows(st, NETLOG_MAX_FLOWS, &extack),
			-ENOMEM);
	KUNIT_EXPECT_NOT_NULL(test, extack._msg);
	KUNIT_EXPECT_EQ(test, rcu_dereference_protected(st->cfg, true)->max_flows,
			64);
	live = rcu_dereference_protected(st->live, true);
	KUNIT_EXPECT_EQ(test, live->capacity, 64);
	KUNIT_EXPECT_EQ(test, spares_of(st, 64), 1);

	netlog_test_key(&k, 7);
	netlog_test_count(st, &k, NETLOG_TX, 3, 300);
	netlog_test_drain(test, st, &t);
	KUNIT_EXPECT_EQ(test, t.flows, 1);
	KUNIT_EXPECT_EQ(test, t.pkts, 3);
	KUNIT_EXPECT_EQ(test, t.bytes, 300);
}

static void first_drain_of_unconfigured_state_makes_its_windows(struct kunit *test)
{
	struct netlog_state *st = kunit_kzalloc(test, sizeof(*st), GFP_KERNEL);
	struct netlog_window *w;

	KUNIT_ASSERT_NOT_NULL(test, st);
	KUNIT_ASSERT_EQ(test, netlog_state_init(st, NULL), 0);
	KUNIT_ASSERT_NOT_NULL(test, kunit_alloc_resource(test, netlog_test_state_res_init,
							 netlog_test_state_res_free,
							 GFP_KERNEL, st));
	KUNIT_EXPECT_NULL(test, rcu_access_pointer(st->live));
	mutex_lock(&st->lock);
	w = netlog_window_close(st, NULL);
	mutex_unlock(&st->lock);
	KUNIT_ASSERT_FALSE(test, IS_ERR(w));
	KUNIT_EXPECT_EQ(test, w->seq, 1);
	KUNIT_EXPECT_NOT_NULL(test, rcu_access_pointer(st->live));
	KUNIT_EXPECT_EQ(test, netlog_test_ack(st, 1), 0);
	/* Two windows made: the live one and, acknowledged, the spare. */
	KUNIT_EXPECT_EQ(test, spares_of(st, NETLOG_DEFAULT_FLOWS), 1);
}

static struct kunit_case netlog_table_cases[] = {
	KUNIT_CASE(table_full_counts_misses_exactly),
	KUNIT_CASE(window_redrain_returns_same_until_ack),
	KUNIT_CASE(window_times_bracket_packets),
	KUNIT_CASE(windows_do_not_overlap_when_the_clock_steps_back),
	KUNIT_CASE(conservation_under_concurrent_drains),
	KUNIT_CASE(keys_on_several_cpus_merge_into_one),
	KUNIT_CASE(max_flows_change_allocates_at_set_time),
	KUNIT_CASE(unaffordable_max_flows_is_refused_and_old_config_counts),
	KUNIT_CASE(first_drain_of_unconfigured_state_makes_its_windows),
	{}
};

static struct kunit_suite netlog_table_suite = {
	.name = "netlog_table",
	.test_cases = netlog_table_cases,
};

kunit_test_suite(netlog_table_suite);
