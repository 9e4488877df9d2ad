/* SPDX-License-Identifier: GPL-2.0 */
/* netlogctl: what the subcommands share. */
#ifndef NETLOG_CTL_H
#define NETLOG_CTL_H

#include <stdbool.h>
#include <stdint.h>
#include <linux/netlog.h>

#include "genl.h"

/* Exit statuses of main() and of the subcommands. */
enum {
	CTL_OK = 0,
	CTL_FAIL = 1,
	CTL_USAGE = 2,
};

#define PROG_NAME "netlogctl"

/*
 * A subcommand: @argv[0] is its own name. Returns a CTL_* exit status and
 * prints its own diagnostics.
 */
struct ctl_cmd {
	const char *name;
	int (*run)(int argc, char *argv[]);
	const char *summary;
};

int cmd_show(int argc, char *argv[]);
int cmd_set(int argc, char *argv[]);
int cmd_flows(int argc, char *argv[]);
int cmd_dump(int argc, char *argv[]);
int cmd_stats(int argc, char *argv[]);
int cmd_monitor(int argc, char *argv[]);

/* Opens the netlog family; prints why not and returns NULL on failure. */
struct genl_ctx *ctl_open(void);

/* True for "-h" and "--help". */
bool ctl_is_help(const char *arg);

/* Prints "netlogctl: <cmd>: unknown argument '<arg>'" and the usage hint. */
int ctl_bad_arg(const char *cmd, const char *arg);

/* Writes out stdout; -errno when it could not be written (a closed pipe). */
int ctl_flush_stdout(void);

#endif /* NETLOG_CTL_H */
