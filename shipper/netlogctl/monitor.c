// SPDX-License-Identifier: GPL-2.0
/* netlogctl monitor: print netlog's multicast events until interrupted. */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/signalfd.h>

#include "ctl.h"
#include "log.h"
#include "nl.h"

static int event_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nl_high_water hw;
	int ret;

	(void)data;
	ret = nl_high_water_parse(nlh, &hw);
	if (ret == -ENOMSG)
		return MNL_CB_OK;
	if (ret) {
		log_err("monitor: malformed high-water event");
		return MNL_CB_OK;
	}
	printf("high-water: live_flows=%" PRIu32 " fill_max=%" PRIu32
	       " max_flows=%" PRIu32 "\n", hw.live_flows, hw.fill_max,
	       hw.max_flows);
	if (ctl_flush_stdout()) {
		errno = EPIPE;
		return MNL_CB_ERROR;
	}
	return MNL_CB_OK;
}

/*
 * Signals arrive through a signalfd polled beside the socket, so that one
 * landing just before a blocking read cannot be missed.
 */
static int listen_events(struct genl_ctx *ctx)
{
	struct pollfd fds[2];
	sigset_t mask;
	int sfd, ret = 0;

	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0)
		return -errno;
	sfd = signalfd(-1, &mask, SFD_CLOEXEC);
	if (sfd < 0)
		return -errno;
	fds[0] = (struct pollfd){ .fd = sfd, .events = POLLIN };
	fds[1] = (struct pollfd){ .fd = genl_fd(ctx), .events = POLLIN };

	for (;;) {
		if (poll(fds, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			ret = -errno;
			break;
		}
		if (fds[0].revents)
			break;
		if (!fds[1].revents)
			continue;
		ret = genl_recv_notifications(ctx, event_cb, NULL);
		if (ret == -ENOBUFS) {
			log_err("monitor: events lost: receive buffer overrun");
			ret = 0;
			continue;
		}
		if (ret)
			break;
	}
	close(sfd);
	return ret;
}

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: %s monitor\n\n"
		"Prints one line per high-water event of this network namespace,\n"
		"until interrupted:\n"
		"  high-water: live_flows=N fill_max=M max_flows=K\n",
		PROG_NAME);
}

int cmd_monitor(int argc, char *argv[])
{
	struct genl_ctx *ctx;
	int ret;

	if (argc > 1) {
		if (argc == 2 && ctl_is_help(argv[1])) {
			usage(stdout);
			return CTL_OK;
		}
		return ctl_bad_arg("monitor", argv[1]);
	}

	ctx = ctl_open();
	if (!ctx)
		return CTL_FAIL;
	ret = genl_subscribe(ctx, NETLOG_MCGRP_EVENTS);
	if (ret) {
		if (ret == -ENOENT)
			log_err("monitor: family '%s' has no multicast group '%s'",
				NETLOG_GENL_NAME, NETLOG_MCGRP_EVENTS);
		else
			genl_perror(ctx, "monitor: subscribing to events", ret);
		genl_close(ctx);
		return CTL_FAIL;
	}
	ret = listen_events(ctx);
	if (ret == -EPIPE)
		log_err("monitor: cannot write events: %s", strerror(-ret));
	else if (ret)
		genl_perror(ctx, "monitor", ret);
	genl_close(ctx);
	return ret ? CTL_FAIL : CTL_OK;
}
