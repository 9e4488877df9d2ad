/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The netlog family as userspace speaks it: every request to it is built and
 * every reply or event from it is parsed here, and nowhere else, so a change
 * to uapi/linux/netlog.h touches kmod/netlink.c and this file.
 */
#ifndef NETLOG_NL_H
#define NETLOG_NL_H

#include <stdbool.h>
#include <stdint.h>
#include <net/if.h>
#include <linux/netlog.h>

#include "addr.h"
#include "window.h"
#include "genl.h"

/* Which members of struct nl_config a set sends (a get fills all). */
enum {
	NL_CONFIG_DEVICES = 1 << 0,
	NL_CONFIG_PORTS = 1 << 1,
	NL_CONFIG_EXCLUDE = 1 << 2,
	NL_CONFIG_MAX_FLOWS = 1 << 3,
	NL_CONFIG_HIGH_WATER = 1 << 4,
};

/* A namespace's configuration: NETLOG_CMD_GET_CONFIG and SET_CONFIG. */
struct nl_config {
	unsigned int has;	/* NL_CONFIG_* */
	char devices[NETLOG_MAX_DEVICES][IFNAMSIZ];
	unsigned int ndevices;
	/* Get only: beside devices[], 0 for a device that does not exist. */
	uint32_t ifindexes[NETLOG_MAX_DEVICES];
	unsigned int nifindexes;
	uint16_t ports[NETLOG_MAX_PORTS];
	unsigned int nports;
	struct addr exclude[NETLOG_MAX_EXCLUDE];
	unsigned int nexclude;
	uint32_t max_flows;
	uint8_t high_water;	/* percent of max_flows */
};

/* 0, -EBADMSG for a malformed reply, or the kernel's -errno. */
int nl_config_get(struct genl_ctx *ctx, struct nl_config *c);
/* Sends the members @c->has names; a list sent replaces the kernel's. */
int nl_config_set(struct genl_ctx *ctx, const struct nl_config *c);

/* NETLOG_CMD_GET_STATS: every NETLOG_S_* value, 0 where absent. */
struct nl_stats {
	uint64_t val[NETLOG_S_MAX + 1];
};

int nl_stats_get(struct genl_ctx *ctx, struct nl_stats *st);

/* A NETLOG_CMD_HIGH_WATER notification. */
struct nl_high_water {
	uint32_t live_flows;
	uint32_t fill_max;
	uint32_t max_flows;
};

/* 0, -ENOMSG for another command, -EBADMSG for a malformed one. */
int nl_high_water_parse(const struct nlmsghdr *nlh, struct nl_high_water *hw);

/*
 * Dumps the live window (a peek) or closes it (@drain) into @w, retrying a
 * dump that a concurrent change interrupted or whose window another reader
 * acknowledged first; a drain asked again returns the same unacknowledged
 * window. Returns 0 or -errno (-EINTR after NL_WINDOW_FETCH_TRIES attempts,
 * -EBADMSG for a malformed reply).
 */
#define NL_WINDOW_FETCH_TRIES 3

int nl_window_fetch(struct genl_ctx *ctx, bool drain, struct window *w);

/* Releases the closed window @seq in the kernel. */
int nl_window_ack(struct genl_ctx *ctx, uint64_t seq);

/*
 * mnl_cb_t for each message of a GET_FLOWS dump, with @data the window to
 * fill; a malformed message fails with errno EBADMSG.
 */
int nl_window_parse_msg(const struct nlmsghdr *nlh, void *data);

#endif /* NETLOG_NL_H */
