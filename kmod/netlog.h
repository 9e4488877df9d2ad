/* SPDX-License-Identifier: GPL-2.0 */
/* Internal declarations shared by the files of netlog.ko. */

#ifndef _NETLOG_H
#define _NETLOG_H

#include <linux/if.h>
#include <linux/in6.h>
#include <linux/mutex.h>
#include <linux/netfilter.h>
#include <linux/netlink.h>
#include <linux/percpu.h>
#include <linux/rcupdate.h>
#include <linux/types.h>
#include <linux/workqueue.h>
#include <linux/netlog.h>

#define NETLOG_NIL U32_MAX

/*
 * Windows of the configured capacity that a configured namespace always
 * holds (the live one or a spare, and the closed one or a spare), and the
 * most spares it keeps.
 */
#define NETLOG_SPARES 2

/* Hook points: FORWARD, LOCAL_IN and LOCAL_OUT, IPv4 and IPv6. */
#define NETLOG_NHOOKS 6

enum netlog_dir {
	NETLOG_TX,
	NETLOG_RX,
};

/*
 * A flow key. IPv4 addresses sit in the first four bytes of the in6_addr;
 * the rest is zero so keys hash and compare as plain memory.
 */
struct netlog_key {
	u8 family;
	u8 proto;
	u8 kind;
	u8 pad;
	__be16 lport;
	__be16 rport;
	struct in6_addr laddr;
	struct in6_addr raddr;
} __aligned(8);

struct netlog_counts {
	u64 tx_pkts;
	u64 tx_bytes;
	u64 rx_pkts;
	u64 rx_bytes;
};

struct netlog_entry {
	struct netlog_key key;
	u32 next;
	struct netlog_counts c;
};

/*
 * One CPU's share of one window. Only that CPU writes it, with bottom halves
 * disabled, while the window is live; other CPUs read it (a peek) through
 * the release stores of @count and of the bucket heads. Once the window is
 * closed and an RCU grace period has passed, nobody writes it any more.
 */
struct netlog_table {
	u32 count;
	u32 capacity;
	u32 shift;		/* 64 - log2(buckets): a hash's top bits */
	u32 hw_count;		/* @count that raises the high-water event */
	bool hw_fired;
	u64 first_ns;
	struct netlog_counts miss;	/* table full: tx/rx pkts and bytes */
	struct netlog_counts excluded;
	u32 *buckets;
	struct netlog_entry *entries;
};

struct netlog_window {
	u64 gen;		/* unique per allocation or reuse, for dump cursors */
	u64 seq;		/* assigned when closed */
	u64 start_ns;
	u64 end_ns;
	u32 capacity;
	u32 hkey[10];		/* random per window: table.c's key_hash() */
	struct netlog_table __percpu *tables;
};

struct netlog_summary {
	u64 start_ns;
	u32 nflows;
	u32 fill_max;
	u32 entries;
	u64 miss_pkts;
	u64 miss_bytes;
	u64 excl_pkts;
	u64 excl_bytes;
};

enum netlog_stat {
	NETLOG_STAT_VIRT_TX_PKTS,
	NETLOG_STAT_VIRT_TX_BYTES,
	NETLOG_STAT_VIRT_RX_PKTS,
	NETLOG_STAT_VIRT_RX_BYTES,
	NETLOG_STAT_PHYS_TX_PKTS,
	NETLOG_STAT_PHYS_TX_BYTES,
	NETLOG_STAT_PHYS_RX_PKTS,
	NETLOG_STAT_PHYS_RX_BYTES,
	NETLOG_STAT_FLOWS_CREATED,
	NETLOG_STAT_MISS_PKTS,
	NETLOG_STAT_MISS_BYTES,
	NETLOG_STAT_EXCL_PKTS,
	NETLOG_STAT_EXCL_BYTES,
	__NETLOG_STAT_MAX
};

struct netlog_stats {
	u64 v[__NETLOG_STAT_MAX];
};

struct netlog_addr {
	u8 family;
	struct in6_addr a;
};

/* Immutable once published; replaced as a whole under netlog_state.lock. */
struct netlog_config {
	struct rcu_head rcu;
	u32 max_flows;
	u8 high_water_pct;
	u8 ndevs;
	u8 nports;
	u8 nexcl;
	int ifindex[NETLOG_MAX_DEVICES];
	char devs[NETLOG_MAX_DEVICES][IFNAMSIZ];
	u16 ports[NETLOG_MAX_PORTS];
	struct netlog_addr excl[NETLOG_MAX_EXCLUDE];
};

struct netlog_state {
	/*
	 * @lock serialises configuration, window changes and dumps. Lock
	 * order: rtnl_lock, then @lock.
	 */
	struct mutex lock;
	struct netlog_config __rcu *cfg;
	struct netlog_window __rcu *live;
	struct netlog_window *pending;	/* closed, waiting for its ack */
	/* Ready for the next closes, all of the configured capacity. */
	struct netlog_window *spare[NETLOG_SPARES];
	u64 next_seq;
	u64 last_end_ns;	/* of the last window closed */
	u64 next_gen;
	u64 drained;
	u64 acked;
	bool hooks_on;
	bool dying;		/* hooks gone for good: netns pre_exit ran */
	struct netlog_stats __percpu *stats;
	struct net *net;
	struct nf_hook_ops ops[NETLOG_NHOOKS];	/* registered while hooks_on */
	void (*notify_high_water)(struct netlog_state *st);
	struct work_struct hw_work;
};

static inline struct netlog_config *netlog_config_locked(struct netlog_state *st)
{
	return rcu_dereference_protected(st->cfg, lockdep_is_held(&st->lock));
}

/* table.c */
int netlog_state_init(struct netlog_state *st, struct net *net);
void netlog_state_free(struct netlog_state *st);
int netlog_windows_reserve(struct netlog_state *st,
			   const struct netlog_config *cfg,
			   struct netlink_ext_ack *extack);
void netlog_count(struct netlog_state *st, const struct netlog_key *key,
		  enum netlog_dir dir, u32 pkts, u64 bytes, bool excluded);
void netlog_count_new(struct netlog_state *st, struct netlog_table *t,
		      struct netlog_stats *s, const struct netlog_key *key,
		      u64 hash, enum netlog_dir dir, u32 pkts, u64 bytes);
struct netlog_window *netlog_window_close(struct netlog_state *st,
					  struct netlink_ext_ack *extack);
int netlog_window_ack(struct netlog_state *st, u64 seq);
void netlog_window_summarize(const struct netlog_window *w,
			     struct netlog_summary *sum);
bool netlog_window_next(const struct netlog_window *w, unsigned int *cpu,
			u32 *idx, struct netlog_key *key,
			struct netlog_counts *c);
void netlog_stats_sum(const struct netlog_state *st, struct netlog_stats *out);
size_t netlog_flow_mem(void);
u64 netlog_window_bytes(u32 capacity);

/* hook.c */
struct netlog_pkt {
	struct netlog_key key;	/* oriented local -> remote, kind unset */
	u32 pkts;
	u64 bytes;
	u64 udp_bytes;		/* UDP payload, all segments */
	bool fragment;		/* a non-first fragment */
};

int netlog_parse(const struct sk_buff *skb, u8 family, struct netlog_pkt *p);
bool netlog_addr_excluded(const struct netlog_config *cfg, u8 family,
			  const struct in6_addr *a);
void netlog_account(struct netlog_state *st, const struct netlog_config *cfg,
		    struct sk_buff *skb, u8 family, unsigned int hooknum,
		    const struct net_device *in, const struct net_device *out);
int netlog_hooks_register(struct netlog_state *st);
void netlog_hooks_unregister(struct netlog_state *st);

/* netns.c */
struct netlog_state *netlog_state_get(const struct net *net);
struct netlog_config *netlog_config_default(const struct net *net);
struct netlog_config *netlog_config_dup(const struct netlog_config *old);
int netlog_config_apply(struct netlog_state *st, struct netlog_config *cfg,
			struct netlink_ext_ack *extack);
void netlog_config_resolve(struct net *net, struct netlog_config *cfg,
			   const struct net_device *gone);
int netlog_config_change(struct net *net,
			 int (*edit)(struct netlog_config *cfg, void *arg,
				     struct netlink_ext_ack *extack),
			 void *arg, struct netlink_ext_ack *extack);
int netlog_netns_init(void);
void netlog_netns_exit(void);

/* netlink.c */
int netlog_config_parse(struct netlog_config *cfg, struct nlattr **attrs,
			struct netlink_ext_ack *extack);
int netlog_genl_init(void);
void netlog_genl_exit(void);
void netlog_genl_notify_high_water(struct netlog_state *st);

#endif /* _NETLOG_H */
