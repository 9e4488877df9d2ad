// SPDX-License-Identifier: GPL-2.0
/*
 * nodes_command: a child in its own process group, its standard output read
 * through a pipe under a deadline, so that a hung `tailscale status` cannot
 * stop netlogd from draining the kernel.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
#include <sys/wait.h>

#include "command.h"

#define READ_CHUNK 65536

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void child(const char *cmd, int out)
{
	sigset_t none;
	int null;

	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGPIPE, SIG_DFL);
	setpgid(0, 0);
	null = open("/dev/null", O_RDONLY);
	if (null < 0 || dup2(null, STDIN_FILENO) < 0 ||
	    dup2(out, STDOUT_FILENO) < 0)
		_exit(126);
	execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
	_exit(127);
}

/* Reads until end of file, the deadline or @max bytes. */
static int read_output(int fd, uint64_t deadline, size_t max, char **buf,
		       size_t *len)
{
	size_t size = 0;

	*len = 0;
	for (;;) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		uint64_t now = now_ms();
		ssize_t n;
		int r;

		if (now >= deadline)
			return -ETIMEDOUT;
		r = poll(&pfd, 1, deadline - now > 60000 ? 60000 :
				  (int)(deadline - now));
		if (r < 0 && errno != EINTR)
			return -errno;
		if (r <= 0)
			continue;
		if (*len + READ_CHUNK + 1 > size) {
			char *p = realloc(*buf, *len + READ_CHUNK + 1);

			if (!p)
				return -ENOMEM;
			*buf = p;
			size = *len + READ_CHUNK + 1;
		}
		n = read(fd, *buf + *len, READ_CHUNK);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n < 0)
			return -errno;
		if (!n)
			return 0;
		*len += n;
		if (*len > max)
			return -EFBIG;
	}
}

/* Waits for the child until the deadline. 0, or -ETIMEDOUT. */
static int reap(pid_t pid, uint64_t deadline, int *status)
{
	const struct timespec tick = { 0, 10 * 1000 * 1000 };
	pid_t r;

	for (;;) {
		r = waitpid(pid, status, WNOHANG);
		if (r == pid)
			return 0;
		if (r < 0 && errno != EINTR)
			return -errno;
		if (now_ms() >= deadline)
			return -ETIMEDOUT;
		nanosleep(&tick, NULL);
	}
}

int command_output(const char *cmd, uint64_t timeout_ms, size_t max,
		   char **out, size_t *len, int *status)
{
	uint64_t deadline = now_ms() + timeout_ms;
	char *buf = NULL;
	int fds[2], ret;
	pid_t pid;

	if (pipe2(fds, O_CLOEXEC))
		return -errno;
	pid = fork();
	if (pid < 0) {
		ret = -errno;
		close(fds[0]);
		close(fds[1]);
		return ret;
	}
	if (!pid)
		child(cmd, fds[1]);
	/* also here: kill(-pid) must not miss a child not yet in its group */
	setpgid(pid, pid);
	close(fds[1]);
	ret = read_output(fds[0], deadline, max, &buf, len);
	close(fds[0]);
	if (!ret)
		ret = reap(pid, deadline, status);
	if (ret) {
		kill(-pid, SIGKILL);
		kill(pid, SIGKILL);
		while (waitpid(pid, status, 0) < 0 && errno == EINTR)
			;
		free(buf);
		return ret;
	}
	if (!buf) {
		buf = malloc(1);
		if (!buf)
			return -ENOMEM;
	}
	buf[*len] = '\0';
	*out = buf;
	return 0;
}
