/* SPDX-License-Identifier: GPL-2.0 */
/*
 * systemd's service notifications (sd_notify(3)): readiness, reloads,
 * shutdown, a status line and the watchdog. Every call is a no-op when
 * netlogd was not started with NOTIFY_SOCKET (not by systemd, or not as
 * Type=notify).
 */
#ifndef NETLOG_NOTIFY_H
#define NETLOG_NOTIFY_H

#include <stdint.h>

#define NOTIFY_STATUS_MAX 256

struct notify {
	uint64_t watchdog_ms;		/* ping interval; 0: no watchdog */
	uint64_t next_ping;		/* clock_ms() of the next WATCHDOG=1 */
	char status[NOTIFY_STATUS_MAX];	/* the last STATUS= sent */
};

/*
 * Reads the watchdog from WATCHDOG_USEC and WATCHDOG_PID
 * (sd_watchdog_enabled()): when it is meant for this process, pings are
 * due every third of its timeout, the first one at once.
 */
void notify_init(struct notify *n);

void notify_ready(struct notify *n);
/* RELOADING=1 with MONOTONIC_USEC; READY=1 (notify_ready()) ends it. */
void notify_reloading(struct notify *n);
void notify_stopping(struct notify *n);

/* STATUS=@text, sent only when it differs from the last one. */
void notify_status(struct notify *n, const char *text);

/* WATCHDOG=1 if one is due at @now_ms (clock_ms()). */
void notify_watchdog(struct notify *n, uint64_t now_ms);

/* clock_ms() of the next ping, UINT64_MAX without a watchdog. */
uint64_t notify_watchdog_next(const struct notify *n);

#endif /* NETLOG_NOTIFY_H */
