/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kill -9 of netlogd, again and again: a child runs the daemon's loop until
 * the test kills it, and the next one carries on from what is on disk. The
 * kernel's acknowledgement of windows is a file the children read at start
 * and replace after each window spooled. Static inline, as check.h's
 * counter is each test program's own.
 */
#ifndef NETLOG_TESTS_CRASH_H
#define NETLOG_TESTS_CRASH_H

#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/wait.h>

#include "check.h"
#include "tmpdir.h"

/*
 * fork(), with stdio flushed first so that no child writes the parent's
 * buffered output again: 0 in the child, which must end in _exit().
 */
static inline pid_t crash_fork(void)
{
	pid_t pid;

	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0)
		die("fork");
	return pid;
}

/*
 * SIGKILL to child @pid, reaped. It must have been running: one that
 * exited before is a failure (its status says why). Returns whether the
 * kill is what ended it.
 */
static inline bool crash_kill(pid_t pid)
{
	int status;

	kill(pid, SIGKILL);
	if (waitpid(pid, &status, 0) != pid)
		die("waitpid");
	if (WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
		return true;
	fprintf(stderr, "%s: child %d ended before the kill: %s %d\n",
		program_invocation_short_name, (int)pid,
		WIFEXITED(status) ? "exit" : "signal",
		WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
	failures++;
	return false;
}

/* The last window acknowledged in @ackfile; 0 when none was. */
static inline uint64_t ack_read(const char *ackfile)
{
	FILE *f = fopen(ackfile, "r");
	uint64_t w = 0;
	char line[32];

	if (f) {
		if (fgets(line, sizeof(line), f))
			w = strtoull(line, NULL, 10);
		fclose(f);
	}
	return w;
}

/* Acknowledges window @w, atomically as the kernel does: 0 or -1. */
static inline int ack_write(const char *ackfile, uint64_t w)
{
	char tmp[320], line[32];
	int fd, n;

	snprintf(tmp, sizeof(tmp), "%s.tmp", ackfile);
	n = snprintf(line, sizeof(line), "%" PRIu64 "\n", w);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return -1;
	if (write(fd, line, n) != n) {
		close(fd);
		return -1;
	}
	return close(fd) || rename(tmp, ackfile) ? -1 : 0;
}

#endif /* NETLOG_TESTS_CRASH_H */
