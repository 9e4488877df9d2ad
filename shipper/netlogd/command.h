/* SPDX-License-Identifier: GPL-2.0 */
/* A shell command's standard output, within a time limit (nodes_command). */
#ifndef NETLOG_COMMAND_H
#define NETLOG_COMMAND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "buf.h"

/* The most output taken from a command: a node map of a very large tailnet. */
#define COMMAND_OUTPUT_MAX (256u << 20)

/* A running command. Zero-initialize it; none runs then. */
struct command {
	pid_t pid;		/* 0: none */
	int fd;			/* its standard output; -1 after end of file */
	uint64_t deadline;	/* CLOCK_MONOTONIC, ms */
	size_t max;
	struct buf out;
};

/*
 * Starts @cmd with /bin/sh -c, standard input from /dev/null and standard
 * error inherited, in a process group of its own, with no signal blocked
 * (netlogd blocks the ones its signalfd reads). It may run for @timeout_ms
 * and write @max bytes. Returns 0, -EBUSY if @c runs a command, or -errno.
 */
int command_start(struct command *c, const char *cmd, uint64_t timeout_ms,
		  size_t max);

/*
 * Moves @c on without blocking: reads what its output holds and reaps it
 * once it has exited. Returns 1 while it runs; 0 once it has exited, with
 * its output in *@out (NUL-terminated, for free()), the length in *@len and
 * the wait status in *@status; -ETIMEDOUT when it ran past its time or
 * -EFBIG when it wrote more than its share (its whole process group is then
 * killed), or another -errno. After anything but 1, @c runs nothing.
 */
int command_poll(struct command *c, char **out, size_t *len, int *status);

/*
 * What to wait for before calling command_poll() again: *@fd to become
 * readable (-1: nothing to read), for at most the returned milliseconds.
 */
int command_wait(const struct command *c, int *fd);

static inline bool command_running(const struct command *c)
{
	return c->pid > 0;
}

/* Kills a running command's process group and reaps it. */
void command_kill(struct command *c);

/* command_start(), then command_poll() until it is done. */
int command_output(const char *cmd, uint64_t timeout_ms, size_t max,
		   char **out, size_t *len, int *status);

#endif /* NETLOG_COMMAND_H */
