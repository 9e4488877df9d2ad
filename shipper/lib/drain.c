// SPDX-License-Identifier: GPL-2.0
/* Reading and acknowledging windows over genetlink. */
#include <errno.h>

#include <linux/netlog.h>

#include "drain.h"

int window_fetch(struct genl_ctx *ctx, bool drain, struct netlog_window *w)
{
	struct nlmsghdr *nlh;
	int ret = -EINTR;
	int try;

	for (try = 0; try < WINDOW_FETCH_TRIES && ret == -EINTR; try++) {
		window_release(w);
		nlh = genl_msg_start(ctx, NETLOG_CMD_GET_FLOWS, NLM_F_DUMP);
		mnl_attr_put_u32(nlh, NETLOG_A_FLAGS,
				 drain ? NETLOG_FLOWS_DRAIN : 0);
		ret = genl_request(ctx, nlh, window_parse_msg, w);
		/* The window was acknowledged before its first message. */
		if (ret == -ESTALE)
			ret = -EINTR;
	}
	if (ret)
		return ret;
	return w->seen ? 0 : -EBADMSG;
}

int window_ack(struct genl_ctx *ctx, uint64_t seq)
{
	struct nlmsghdr *nlh;

	nlh = genl_msg_start(ctx, NETLOG_CMD_ACK_WINDOW, 0);
	mnl_attr_put_u64(nlh, NETLOG_A_WINDOW_SEQ, seq);
	return genl_request(ctx, nlh, NULL, NULL);
}
