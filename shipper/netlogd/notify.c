// SPDX-License-Identifier: GPL-2.0
/*
 * sd_notify(3) for netlogd. libsystemd does the protocol (the socket in
 * NOTIFY_SOCKET, abstract or not, and the credentials); this file decides
 * what is said and when. NOTIFY_SOCKET stays in the environment: netlogd
 * notifies for its whole life, and what nodes_command might send is
 * ignored by systemd unless NotifyAccess=all.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <systemd/sd-daemon.h>

#include "log.h"
#include "notify.h"

/* A failed notification is not netlogd's failure: a debug line. */
static void send_state(const char *state)
{
	int ret = sd_notify(0, state);

	if (ret < 0)
		log_debug("sd_notify '%s': %s", state, strerror(-ret));
}

void notify_init(struct notify *n)
{
	uint64_t usec = 0;

	memset(n, 0, sizeof(*n));
	if (sd_watchdog_enabled(0, &usec) > 0 && usec) {
		n->watchdog_ms = usec / 3000;
		if (!n->watchdog_ms)
			n->watchdog_ms = 1;
		log_debug("watchdog: %" PRIu64 " us, pinged every %" PRIu64 " ms",
			  usec, n->watchdog_ms);
	}
}

void notify_ready(struct notify *n)
{
	(void)n;
	send_state("READY=1");
}

void notify_reloading(struct notify *n)
{
	struct timespec ts;
	char msg[64];

	(void)n;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	snprintf(msg, sizeof(msg), "RELOADING=1\nMONOTONIC_USEC=%" PRIu64,
		 (uint64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000);
	send_state(msg);
}

void notify_stopping(struct notify *n)
{
	(void)n;
	send_state("STOPPING=1");
}

void notify_status(struct notify *n, const char *text)
{
	char line[NOTIFY_STATUS_MAX], msg[NOTIFY_STATUS_MAX + 8];

	snprintf(line, sizeof(line), "%s", text);
	if (!strcmp(n->status, line))
		return;
	memcpy(n->status, line, sizeof(n->status));
	snprintf(msg, sizeof(msg), "STATUS=%s", line);
	send_state(msg);
}

void notify_watchdog(struct notify *n, uint64_t now_ms)
{
	if (!n->watchdog_ms || now_ms < n->next_ping)
		return;
	send_state("WATCHDOG=1");
	n->next_ping = now_ms + n->watchdog_ms;
}

uint64_t notify_watchdog_next(const struct notify *n)
{
	return n->watchdog_ms ? n->next_ping : UINT64_MAX;
}
