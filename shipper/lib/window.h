/* SPDX-License-Identifier: GPL-2.0 */
/* A window of flows as userspace holds it, however it was read. */
#ifndef NETLOG_FLOW_H
#define NETLOG_FLOW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"

struct counts {
	uint64_t pkts;
	uint64_t bytes;
};

struct flow {
	uint8_t kind;		/* enum netlog_kind */
	uint8_t proto;
	uint16_t local_port;
	uint16_t remote_port;
	struct addr local;
	struct addr remote;
	uint64_t tx_pkts, tx_bytes, rx_pkts, rx_bytes;
};

struct window {
	bool seen;		/* NETLOG_A_WINDOW was received */
	uint64_t seq;		/* 0 for a peek */
	uint64_t start_ns;
	uint64_t end_ns;
	uint32_t nflows;	/* as the kernel announced it */
	struct counts miss_table_full;
	struct counts excluded;
	struct flow *flows;
	size_t nr;
	size_t alloc;
};

/*
 * What a window's flow entries leave out: its identity and the packets it
 * did not count as flows (a full table; an excluded address). The spool
 * keeps it beside the window's batches for the sinks that export it.
 */
struct window_meta {
	uint64_t seq;
	uint64_t start_ns;
	uint64_t end_ns;
	struct counts miss_table_full;
	struct counts excluded;
};

void window_init(struct window *w);
/* Frees the flows and empties @w for reuse. */
void window_release(struct window *w);

/* Room for @n flows in all: 0 or -ENOMEM. */
int window_reserve(struct window *w, size_t n);
/* A new flow at the end, its contents undefined; NULL when out of memory. */
struct flow *window_add_flow(struct window *w);

/* By kind (virtual first), local address and port, remote, protocol. */
int flow_compare(const struct flow *a, const struct flow *b);
void window_sort(struct window *w);

/* "virtual", "physical", or NULL for a kind this build does not know. */
const char *flow_kind_name(uint8_t kind);

#endif /* NETLOG_FLOW_H */
