// SPDX-License-Identifier: GPL-2.0
/* One line a message on stderr: "prog: message", filtered by level. */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/stat.h>

#include "log.h"

static struct {
	const char *prog;
	int verbosity;
	bool journal;
	bool ready;
} lg;

/*
 * systemd puts "dev:ino" of the stream it connects to a service's stdout
 * and stderr in JOURNAL_STREAM (systemd.exec(5)). Only while stderr is still
 * that stream does journald read a "<N>" prefix as the line's priority
 * (SyslogLevelPrefix=, on by default); on a terminal, in a file or through a
 * pipe to another program the prefix would be noise, so the variable alone,
 * inherited by a child whose stderr was redirected, is not enough.
 */
static bool stderr_is_journal(void)
{
	const char *env = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;
	int end = 0;

	if (!env || sscanf(env, "%llu:%llu%n", &dev, &ino, &end) != 2 ||
	    env[end])
		return false;
	if (fstat(STDERR_FILENO, &st))
		return false;
	return st.st_dev == dev && st.st_ino == ino;
}

void log_init(const char *prog, int verbosity)
{
	lg.prog = prog ? prog : program_invocation_short_name;
	lg.verbosity = verbosity;
	lg.journal = stderr_is_journal();
	lg.ready = true;
}

void log_msg(enum log_level level, const char *fmt, ...)
{
	char prio[8] = "";
	char *msg;
	va_list ap;
	int ret;

	if (!lg.ready)
		log_init(NULL, 0);
	if (level == LOGL_DEBUG && lg.verbosity < 1)
		return;
	if (lg.journal)
		snprintf(prio, sizeof(prio), "<%d>", level);
	va_start(ap, fmt);
	ret = vasprintf(&msg, fmt, ap);
	va_end(ap);
	/*
	 * One write a line, so that lines of processes sharing stderr (a
	 * nodes_command) do not interleave; without memory, piece by piece.
	 */
	if (ret >= 0) {
		fprintf(stderr, "%s%s: %s\n", prio, lg.prog, msg);
		free(msg);
		return;
	}
	fprintf(stderr, "%s%s: ", prio, lg.prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}
