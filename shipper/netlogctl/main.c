// SPDX-License-Identifier: GPL-2.0
/* netlogctl: configure netlog.ko and read its flows. */
#include <stdio.h>
#include <string.h>
#include <linux/netlog.h>

#include "ctl.h"
#include "array.h"
#include "log.h"

#ifndef NETLOG_VERSION_STR
#define NETLOG_VERSION_STR "0.1.0"
#endif

static const struct ctl_cmd commands[] = {
	{ "show", cmd_show, "Shows the configuration and the counters" },
	{ "set", cmd_set, "Changes the configuration" },
	{ "flows", cmd_flows, "Prints the flows of the live window, or drains it" },
	{ "dump", cmd_dump, "Prints the flows tab-separated, for scripts" },
	{ "stats", cmd_stats, "Prints the counters" },
	{ "monitor", cmd_monitor, "Prints high-water events as they happen" },
};

static void usage(FILE *f)
{
	size_t i;

	fprintf(f, "Usage: %s <cmd> [<args>]\n\n", PROG_NAME);
	fprintf(f, "Available subcommands:\n");
	for (i = 0; i < ARRAY_SIZE(commands); i++)
		fprintf(f, "  %-8s %s\n", commands[i].name, commands[i].summary);
	fprintf(f, "\nWithout a subcommand, %s runs 'show'. Each subcommand takes --help.\n",
		PROG_NAME);
}

int main(int argc, char *argv[])
{
	size_t i;

	/* genl_perror() names the program the way the other messages do. */
	log_init(PROG_NAME, 0);
	if (argc < 2)
		return cmd_show(1, (char *[]){ "show", NULL });
	if (ctl_is_help(argv[1])) {
		usage(stdout);
		return CTL_OK;
	}
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "version")) {
		printf("%s %s (netlink family '%s' version %d)\n", PROG_NAME,
		       NETLOG_VERSION_STR, NETLOG_GENL_NAME,
		       NETLOG_GENL_VERSION);
		return CTL_OK;
	}
	for (i = 0; i < ARRAY_SIZE(commands); i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].run(argc - 1, argv + 1);
	log_err("unknown command '%s'", argv[1]);
	usage(stderr);
	return CTL_USAGE;
}
