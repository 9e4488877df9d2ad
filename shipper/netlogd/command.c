// SPDX-License-Identifier: GPL-2.0
/*
 * nodes_command: a child in its own process group, its standard output read
 * through a non-blocking pipe under a deadline, so that a slow or hung
 * `tailscale status` holds up neither the drains nor the uploads.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/wait.h>

#include "command.h"
#include "clock.h"

#define READ_CHUNK 65536
/* How often a command that closed its output is checked for its exit. */
#define REAP_TICK_MS 10

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

int command_start(struct command *c, const char *cmd, uint64_t timeout_ms,
		  size_t max)
{
	int fds[2], ret;
	pid_t pid;

	if (command_running(c))
		return -EBUSY;
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
	fcntl(fds[0], F_SETFL, O_NONBLOCK);
	*c = (struct command){
		.pid = pid,
		.fd = fds[0],
		.deadline = clock_ms() + timeout_ms,
		.max = max,
	};
	return 0;
}

static void command_end(struct command *c)
{
	if (c->fd >= 0)
		close(c->fd);
	buf_free(&c->out);
	memset(c, 0, sizeof(*c));
}

void command_kill(struct command *c)
{
	int status;

	if (!command_running(c))
		return;
	kill(-c->pid, SIGKILL);
	kill(c->pid, SIGKILL);
	while (waitpid(c->pid, &status, 0) < 0 && errno == EINTR)
		;
	command_end(c);
}

/* Reads what the pipe holds: 0, or -EFBIG / -errno. */
static int read_some(struct command *c)
{
	for (;;) {
		ssize_t n;

		if (buf_reserve(&c->out, READ_CHUNK))
			return -ENOMEM;
		n = read(c->fd, c->out.data + c->out.len, READ_CHUNK);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return errno == EAGAIN ? 0 : -errno;
		if (!n) {
			close(c->fd);
			c->fd = -1;
			return 0;
		}
		c->out.len += n;
		if (c->out.len > c->max)
			return -EFBIG;
	}
}

int command_poll(struct command *c, char **out, size_t *len, int *status)
{
	int ret = 0;
	pid_t r;

	if (!command_running(c))
		return -EINVAL;
	if (c->fd >= 0)
		ret = read_some(c);
	if (!ret && c->fd < 0) {
		r = waitpid(c->pid, status, WNOHANG);
		if (r < 0 && errno != EINTR)
			ret = -errno;
		if (r == c->pid) {
			/* NUL-terminated, and allocated for no output */
			if (buf_reserve(&c->out, 0)) {
				command_end(c);
				return -ENOMEM;
			}
			*out = c->out.data;
			*len = c->out.len;
			c->out = (struct buf){ 0 };
			command_end(c);
			return 0;
		}
	}
	if (!ret && clock_ms() >= c->deadline)
		ret = -ETIMEDOUT;
	if (ret) {
		command_kill(c);
		return ret;
	}
	return 1;
}

int command_wait(const struct command *c, int *fd)
{
	uint64_t now = clock_ms();
	uint64_t left = c->deadline > now ? c->deadline - now : 0;

	*fd = c->fd;
	if (c->fd < 0 && left > REAP_TICK_MS)
		left = REAP_TICK_MS;
	return left > 60000 ? 60000 : (int)left;
}

int command_output(const char *cmd, uint64_t timeout_ms, size_t max,
		   char **out, size_t *len, int *status)
{
	struct command c = { 0 };
	int ret;

	ret = command_start(&c, cmd, timeout_ms, max);
	if (ret)
		return ret;
	do {
		struct pollfd pfd = { .events = POLLIN };
		int wait = command_wait(&c, &pfd.fd);

		poll(&pfd, pfd.fd >= 0, wait);
		ret = command_poll(&c, out, len, status);
	} while (ret == 1);
	return ret;
}
