// SPDX-License-Identifier: GPL-2.0
/*
 * Host tests of netlogd's systemd notifications: the exact datagrams that
 * reach a socket named by NOTIFY_SOCKET, the watchdog's interval from
 * WATCHDOG_USEC (a third of it) and WATCHDOG_PID, and silence without
 * NOTIFY_SOCKET.
 */
#include <errno.h>
#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "check.h"
#include "tmpdir.h"
#include "notify.h"

static int sock = -1;

static void bind_socket(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path("notify"));
	sock = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (sock < 0 || bind(sock, (struct sockaddr *)&sa, sizeof(sa)))
		die("notify socket");
	setenv("NOTIFY_SOCKET", sa.sun_path, 1);
}

/* The next datagram, or "" when none is waiting. */
static const char *next_msg(void)
{
	static char buf[1024];
	ssize_t n = recv(sock, buf, sizeof(buf) - 1, 0);

	buf[n > 0 ? n : 0] = '\0';
	return buf;
}

static void test_states_are_sent_exactly(void)
{
	struct notify n;
	const char *m;

	unsetenv("WATCHDOG_USEC");
	notify_init(&n);
	notify_ready(&n);
	check_str("ready", next_msg(), "READY=1");
	notify_status(&n, "window 42 spooled, 0 batches pending");
	check_str("status", next_msg(),
		  "STATUS=window 42 spooled, 0 batches pending");
	/* the same status again is not sent again */
	notify_status(&n, "window 42 spooled, 0 batches pending");
	check_str("repeated status", next_msg(), "");
	notify_reloading(&n);
	m = next_msg();
	CHECK(!strncmp(m, "RELOADING=1\nMONOTONIC_USEC=", 27));
	CHECK(strtoull(m + 27, NULL, 10) > 0);
	notify_ready(&n);
	check_str("ready after reload", next_msg(), "READY=1");
	notify_stopping(&n);
	check_str("stopping", next_msg(), "STOPPING=1");
	/* no watchdog configured: never a ping */
	notify_watchdog(&n, 0);
	notify_watchdog(&n, UINT64_MAX - 1);
	check_str("no watchdog", next_msg(), "");
	CHECK(notify_watchdog_next(&n) == UINT64_MAX);
}

/* WATCHDOG_USEC=3 s: a ping at once, then one every second, no more. */
static void test_watchdog_every_third(void)
{
	char pid[32];
	struct notify n;

	setenv("WATCHDOG_USEC", "3000000", 1);
	snprintf(pid, sizeof(pid), "%d", (int)getpid());
	setenv("WATCHDOG_PID", pid, 1);
	notify_init(&n);
	CHECK_EQ(n.watchdog_ms, 1000);
	notify_watchdog(&n, 10000);
	check_str("first ping", next_msg(), "WATCHDOG=1");
	CHECK_EQ(notify_watchdog_next(&n), 11000);
	notify_watchdog(&n, 10999);
	check_str("early", next_msg(), "");
	notify_watchdog(&n, 11000);
	check_str("due", next_msg(), "WATCHDOG=1");
	CHECK_EQ(notify_watchdog_next(&n), 12000);
	/* late (a long upload): the next one is counted from this ping */
	notify_watchdog(&n, 12700);
	check_str("late", next_msg(), "WATCHDOG=1");
	check_str("one ping only", next_msg(), "");
	CHECK_EQ(notify_watchdog_next(&n), 13700);

	/* a watchdog timeout below 3 ms still pings every millisecond */
	setenv("WATCHDOG_USEC", "2000", 1);
	notify_init(&n);
	CHECK_EQ(n.watchdog_ms, 1);
}

/* The watchdog of another process (WATCHDOG_PID) is not ours. */
static void test_watchdog_of_another_pid(void)
{
	struct notify n;

	setenv("WATCHDOG_USEC", "3000000", 1);
	setenv("WATCHDOG_PID", "1", 1);
	notify_init(&n);
	CHECK_EQ(n.watchdog_ms, 0);
	notify_watchdog(&n, 10000);
	check_str("other pid", next_msg(), "");
	CHECK(notify_watchdog_next(&n) == UINT64_MAX);
	unsetenv("WATCHDOG_PID");
	setenv("WATCHDOG_USEC", "0", 1);
	notify_init(&n);
	CHECK_EQ(n.watchdog_ms, 0);
}

/* Without NOTIFY_SOCKET everything is a no-op, the watchdog too. */
static void test_no_socket_is_silent(void)
{
	struct notify n;

	unsetenv("NOTIFY_SOCKET");
	setenv("WATCHDOG_USEC", "3000000", 1);
	unsetenv("WATCHDOG_PID");
	notify_init(&n);
	notify_ready(&n);
	notify_status(&n, "x");
	notify_watchdog(&n, 0);
	notify_stopping(&n);
	check_str("no socket", next_msg(), "");
}

int main(void)
{
	snprintf(root, sizeof(root), "/tmp/test-notify.XXXXXX");
	if (!mkdtemp(root))
		die("mkdtemp");
	bind_socket();
	test_states_are_sent_exactly();
	test_watchdog_every_third();
	test_watchdog_of_another_pid();
	test_no_socket_is_silent();
	close(sock);
	nftw(root, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	return check_done("test-notify");
}
