/* SPDX-License-Identifier: GPL-2.0 */
/* The one clock of deadlines and timeouts: monotonic milliseconds. */
#ifndef NETLOG_CLOCK_H
#define NETLOG_CLOCK_H

#include <stdint.h>
#include <time.h>

static inline uint64_t clock_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

#endif /* NETLOG_CLOCK_H */
