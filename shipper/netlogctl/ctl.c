// SPDX-License-Identifier: GPL-2.0
/* netlogctl: what the subcommands share: opening the family, arguments, output. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <linux/netlog.h>

#include "ctl.h"
#include "log.h"

bool ctl_is_help(const char *arg)
{
	return !strcmp(arg, "-h") || !strcmp(arg, "--help") ||
	       !strcmp(arg, "help");
}

int ctl_bad_arg(const char *cmd, const char *arg)
{
	log_err("%s: unknown argument '%s'", cmd, arg);
	fprintf(stderr, "Try '%s %s --help'.\n", PROG_NAME, cmd);
	return CTL_USAGE;
}

struct genl_ctx *ctl_open(void)
{
	struct genl_ctx *ctx;
	int ret;

	ret = genl_open(&ctx, NETLOG_GENL_NAME, NETLOG_GENL_VERSION);
	if (ret) {
		genl_perror_open(NETLOG_GENL_NAME, ret);
		return NULL;
	}
	return ctx;
}

int ctl_flush_stdout(void)
{
	errno = 0;
	if (fflush(stdout) == EOF || ferror(stdout))
		return errno ? -errno : -EIO;
	return 0;
}
