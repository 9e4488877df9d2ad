/* SPDX-License-Identifier: GPL-2.0 */
/* What the KUnit suites of netlog share: test packets and test states. */

#ifndef _NETLOG_KUNIT_H
#define _NETLOG_KUNIT_H

#include <kunit/test.h>
#include <linux/skbuff.h>

#include "netlog.h"

struct netlog_test_pkt_case {
	const char *name;
	bool v6;
	u8 proto;
	bool frag_later;	/* a non-first fragment */
	bool truncated;		/* transport header cut off */
	unsigned int payload;
	unsigned int gso_segs;	/* 0: not GSO */
	unsigned int gso_size;
	/* expected */
	u8 want_proto;
	u16 want_sport;
	u16 want_dport;
	u32 want_pkts;
	u64 want_bytes;
	u64 want_udp_bytes;
};

/* Parsing cases, also the packets that the other suites count. */
extern const struct netlog_test_pkt_case netlog_test_pkt_cases[];

struct netlog_test_totals {
	u32 flows;
	u64 pkts;
	u64 bytes;
	u64 miss_pkts;
	u64 miss_bytes;
};

struct sk_buff *netlog_test_pkt(struct kunit *test,
				const struct netlog_test_pkt_case *c);
void netlog_test_own_skb(struct kunit *test, struct sk_buff *skb);
int netlog_test_state_res_init(struct kunit_resource *res, void *context);
void netlog_test_state_res_free(struct kunit_resource *res);
struct netlog_state *netlog_test_state(struct kunit *test, u32 max_flows);
struct netlog_config *netlog_test_config(struct kunit *test);
void netlog_test_key(struct netlog_key *k, u32 n);
void netlog_test_count(struct netlog_state *st, const struct netlog_key *k,
		       enum netlog_dir dir, u32 pkts, u64 bytes);
u64 netlog_test_drain(struct kunit *test, struct netlog_state *st,
		      struct netlog_test_totals *t);
int netlog_test_ack(struct netlog_state *st, u64 seq);

#endif /* _NETLOG_KUNIT_H */
