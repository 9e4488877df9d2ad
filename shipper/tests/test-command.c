// SPDX-License-Identifier: GPL-2.0
/*
 * Host tests of nodes_command's runner (command.c): output and status, the
 * timeout and the size cap, and no child left behind.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/wait.h>

#include "check.h"
#include "command.h"

static double ms_since(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (t.tv_sec - t0->tv_sec) * 1e3 + (t.tv_nsec - t0->tv_nsec) / 1e6;
}

/*
 * Whether the process whose pid a command wrote to @prefix.<our pid> still
 * runs (a zombie does not count). The file is removed.
 */
static bool process_alive_in_file(const char *prefix)
{
	char path[128], stat[256];
	int pid = 0, i;
	bool alive = false;
	FILE *f;

	snprintf(path, sizeof(path), "%s.%d", prefix, (int)getpid());
	f = fopen(path, "r");
	if (!f || fscanf(f, "%d", &pid) != 1 || pid <= 0) {
		if (f)
			fclose(f);
		return true;	/* no pid: cannot tell, fail */
	}
	fclose(f);
	unlink(path);
	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	for (i = 0; i < 100; i++) {
		char *p;

		f = fopen(path, "r");
		if (!f)
			return false;
		p = fgets(stat, sizeof(stat), f);
		fclose(f);
		p = p ? strrchr(stat, ')') : NULL;
		alive = !(p && p[1] == ' ' && p[2] == 'Z');
		if (!alive)
			return false;
		usleep(10000);
	}
	return alive;
}

/* nodes_command's runner: output, status, timeout, size cap, clean child. */
static void test_command_output(void)
{
	struct timespec t0;
	sigset_t mask, old;
	char *out = NULL;
	size_t len = 0;
	int status = 0;

	CHECK(command_output("printf '{\"self\": \"a\"}'", 2000,
			     1024, &out, &len, &status) == 0);
	CHECK(out && len == 13 && !strcmp(out, "{\"self\": \"a\"}"));
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	free(out);
	out = NULL;

	CHECK(command_output("echo partial; exit 3", 2000, 1024, &out, &len,
			     &status) == 0);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 3);
	free(out);
	out = NULL;

	/* standard input is /dev/null, not ours: cat ends at once */
	CHECK(command_output("cat", 2000, 1024, &out, &len, &status) == 0);
	CHECK(len == 0 && out && !*out && WIFEXITED(status));
	free(out);
	out = NULL;

	/* past the timeout the whole group goes, background children too */
	clock_gettime(CLOCK_MONOTONIC, &t0);
	CHECK(command_output("sleep 30 & echo $! >/tmp/test-command.bg.$PPID; sleep 30",
			     300, 1024, &out, &len, &status) == -ETIMEDOUT);
	CHECK(ms_since(&t0) >= 300 && ms_since(&t0) < 2000);
	CHECK(out == NULL);
	CHECK(!process_alive_in_file("/tmp/test-command.bg"));
	/* a command that closes its output and stays is killed as well */
	clock_gettime(CLOCK_MONOTONIC, &t0);
	CHECK(command_output("exec >&-; sleep 30", 300, 1024, &out, &len,
			     &status) == -ETIMEDOUT);
	CHECK(ms_since(&t0) < 2000);

	CHECK(command_output("head -c 100000 /dev/zero", 2000, 1000, &out, &len,
			     &status) == -EFBIG);
	CHECK(out == NULL);

	/* netlogd blocks SIGTERM for its signalfd; the command does not */
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigprocmask(SIG_BLOCK, &mask, &old);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	CHECK(command_output("kill -TERM $$; sleep 5; echo alive", 3000, 1024,
			     &out, &len, &status) == 0);
	CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM);
	CHECK(ms_since(&t0) < 2000);
	sigprocmask(SIG_SETMASK, &old, NULL);
	free(out);
	out = NULL;

	/* the steps netlogd's loop takes: none of them waits for the command */
	{
		struct command c = { 0 };
		int fd, r;

		clock_gettime(CLOCK_MONOTONIC, &t0);
		CHECK(command_start(&c, "sleep 0.5; echo late", 3000, 1024) == 0);
		CHECK(command_start(&c, "true", 3000, 1024) == -EBUSY);
		CHECK(command_poll(&c, &out, &len, &status) == 1);
		CHECK(command_wait(&c, &fd) > 0 && fd >= 0);
		CHECK(ms_since(&t0) < 300);
		do {
			struct pollfd pfd = { .events = POLLIN };
			int wait = command_wait(&c, &pfd.fd);

			poll(pfd.fd >= 0 ? &pfd : NULL, pfd.fd >= 0, wait);
			r = command_poll(&c, &out, &len, &status);
		} while (r == 1);
		CHECK(r == 0 && out && !strcmp(out, "late\n"));
		CHECK(ms_since(&t0) >= 500);
		CHECK(!command_running(&c));
		free(out);
		out = NULL;

		/* killed while it runs: nothing is left */
		CHECK(command_start(&c, "sleep 30 & echo $! >/tmp/test-command.bg.$PPID; sleep 30",
				    30000, 1024) == 0);
		usleep(300000);		/* time for it to write the pid */
		clock_gettime(CLOCK_MONOTONIC, &t0);
		command_kill(&c);
		CHECK(ms_since(&t0) < 1000 && !command_running(&c));
		CHECK(!process_alive_in_file("/tmp/test-command.bg"));
	}
}

int main(void)
{
	test_command_output();
	return check_done("test-command");
}
