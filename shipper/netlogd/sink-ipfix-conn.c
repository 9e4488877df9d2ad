// SPDX-License-Identifier: GPL-2.0
/*
 * The ipfix sink's socket: non-blocking, every wait bounded by the
 * timeout, so that a collector that stops reading delays the daemon's loop
 * by at most that much.
 */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <linux/sockios.h>

#include "clock.h"
#include "sink-ipfix.h"

/* Waits for @events on the socket until @deadline: 0 or -ETIMEDOUT. */
static int wait_fd(int fd, short events, uint64_t deadline)
{
	struct pollfd p = { .fd = fd, .events = events };
	uint64_t now;
	int n;

	for (;;) {
		now = clock_ms();
		if (now >= deadline)
			return -ETIMEDOUT;
		n = poll(&p, 1, (int)(deadline - now));
		if (n > 0)
			return 0;
		if (n < 0 && errno != EINTR)
			return -errno;
	}
}

/* A non-blocking connect to @ai, finished within the timeout. */
static int connect_one(struct ipfix_conn *c, const struct addrinfo *ai)
{
	socklen_t len = sizeof(int);
	int fd, ret = 0, soerr = 0;

	fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK |
		    SOCK_CLOEXEC, ai->ai_protocol);
	if (fd < 0)
		return -errno;
	if (connect(fd, ai->ai_addr, ai->ai_addrlen)) {
		ret = errno == EINPROGRESS ? 0 : -errno;
		if (!ret)
			ret = wait_fd(fd, POLLOUT, clock_ms() + c->timeout_ms);
		if (!ret && getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &len))
			ret = -errno;
		if (!ret && soerr)
			ret = -soerr;
	}
	if (ret) {
		close(fd);
		return ret;
	}
	c->fd = fd;
	c->family = ai->ai_family;
	return 0;
}

int ipfix_conn_open(struct ipfix_conn *c, char *err, size_t errlen)
{
	struct addrinfo hints = {
		.ai_socktype = c->tcp ? SOCK_STREAM : SOCK_DGRAM,
		.ai_flags = AI_ADDRCONFIG,
	}, *res, *ai;
	struct pollfd p = { .fd = c->fd, .events = POLLIN | POLLRDHUP };
	int ret, gai;

	/* a collector sends nothing: readable means it closed or reset */
	if (c->fd >= 0 && c->tcp && poll(&p, 1, 0) > 0)
		ipfix_conn_close(c);
	if (c->fd >= 0)
		return 0;
	gai = getaddrinfo(c->host, c->port, &hints, &res);
	if (gai) {
		snprintf(err, errlen, "collector %s: %s", c->host,
			 gai_strerror(gai));
		return gai == EAI_SYSTEM ? -errno : -EHOSTUNREACH;
	}
	ret = -EHOSTUNREACH;
	for (ai = res; ai && ret; ai = ai->ai_next)
		ret = connect_one(c, ai);
	freeaddrinfo(res);
	if (ret)
		snprintf(err, errlen, "%s collector %s port %s: %s",
			 c->tcp ? "TCP" : "UDP", c->host, c->port,
			 strerror(-ret));
	return ret;
}

void ipfix_conn_close(struct ipfix_conn *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
}

/* The connection broke: closed, the cause in @err. */
static int conn_failed(struct ipfix_conn *c, int ret, const char *what,
		       char *err, size_t errlen)
{
	snprintf(err, errlen, "TCP collector %s port %s: %s: %s", c->host,
		 c->port, what, strerror(-ret));
	ipfix_conn_close(c);
	return ret;
}

int ipfix_conn_send(struct ipfix_conn *c, const void *msg, size_t len,
		    char *err, size_t errlen)
{
	const char *p = msg;
	uint64_t deadline = clock_ms() + c->timeout_ms;
	ssize_t n;
	int ret;

	if (!c->tcp) {
		n = send(c->fd, msg, len, MSG_NOSIGNAL);
		if (n < 0 && errno == EAGAIN &&
		    !wait_fd(c->fd, POLLOUT, deadline))
			n = send(c->fd, msg, len, MSG_NOSIGNAL);
		/* ECONNREFUSED: the last datagram met a closed port */
		c->lost += n != (ssize_t)len;
		return 0;
	}
	while (len) {
		n = send(c->fd, p, len, MSG_NOSIGNAL);
		if (n > 0) {
			p += n;
			len -= n;
			continue;
		}
		ret = n < 0 ? -errno : -EPIPE;
		if (ret == -EINTR)
			continue;
		if (ret == -EAGAIN)
			ret = wait_fd(c->fd, POLLOUT, deadline);
		if (ret)
			return conn_failed(c, ret, "send", err, errlen);
	}
	return 0;
}

int ipfix_conn_flush(struct ipfix_conn *c, char *err, size_t errlen)
{
	uint64_t deadline = clock_ms() + c->timeout_ms;
	int queued = 0, soerr = 0;
	socklen_t len = sizeof(soerr);

	if (!c->tcp || c->fd < 0)
		return 0;
	for (;;) {
		if (ioctl(c->fd, SIOCOUTQ, &queued))
			return conn_failed(c, -errno, "SIOCOUTQ", err, errlen);
		if (!getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &soerr, &len) &&
		    soerr)
			return conn_failed(c, -soerr, "flush", err, errlen);
		if (!queued)
			return 0;
		if (clock_ms() >= deadline)
			return conn_failed(c, -ETIMEDOUT,
					   "waiting for acknowledgement", err,
					   errlen);
		usleep(1000);
	}
}
