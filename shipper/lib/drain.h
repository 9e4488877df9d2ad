/* SPDX-License-Identifier: GPL-2.0 */
/* Reading and acknowledging windows over genetlink, for netlogctl and netlogd. */
#ifndef NETLOG_DRAIN_H
#define NETLOG_DRAIN_H

#include <stdbool.h>
#include <stdint.h>

#include "flow.h"
#include "genl.h"

/*
 * Dumps the live window (a peek) or closes it (@drain) into @w, retrying a
 * dump that a concurrent change interrupted or whose window another reader
 * acknowledged first; a drain asked again returns the same unacknowledged
 * window. Returns 0 or -errno (-EINTR after WINDOW_FETCH_TRIES attempts).
 */
#define WINDOW_FETCH_TRIES 3

int window_fetch(struct genl_ctx *ctx, bool drain, struct netlog_window *w);

/* Releases the closed window @seq in the kernel. */
int window_ack(struct genl_ctx *ctx, uint64_t seq);

#endif /* NETLOG_DRAIN_H */
