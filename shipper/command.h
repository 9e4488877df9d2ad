/* SPDX-License-Identifier: GPL-2.0 */
/* A shell command's standard output, within a time limit (nodes_command). */
#ifndef NETLOG_COMMAND_H
#define NETLOG_COMMAND_H

#include <stddef.h>
#include <stdint.h>

/* The most output taken from a command: a node map of a very large tailnet. */
#define COMMAND_OUTPUT_MAX (256u << 20)

/*
 * Runs @cmd with /bin/sh -c, standard input from /dev/null and standard
 * error inherited, in a process group of its own, with no signal blocked
 * (netlogd blocks the ones its signalfd reads). Returns 0 with its output
 * in *@out (NUL-terminated, for free()), its length in *@len and the wait
 * status in *@status once the command has exited. Returns -ETIMEDOUT when
 * it has not exited after @timeout_ms, or -EFBIG when it wrote more than
 * @max bytes; the whole process group is then killed. Any other -errno is
 * a failure to start it.
 */
int command_output(const char *cmd, uint64_t timeout_ms, size_t max,
		   char **out, size_t *len, int *status);

#endif /* NETLOG_COMMAND_H */
