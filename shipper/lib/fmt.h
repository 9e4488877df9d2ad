/* SPDX-License-Identifier: GPL-2.0 */
/* Text forms of netlog's values, shared by netlogctl and netlogd. */
#ifndef NETLOG_FMT_H
#define NETLOG_FMT_H

#include <stddef.h>
#include <stdint.h>

/* "2006-01-02T15:04:05.999999999Z" and a NUL, with room for wide years */
#define FMT_TIME_LEN 40

/*
 * RFC 3339 in UTC with nanoseconds, trailing zeros of the fraction trimmed
 * and no fraction for a whole second, like Go's time.RFC3339Nano.
 */
int fmt_time(uint64_t ns, char *buf, size_t size);

/*
 * RFC 3339 ("2025-11-18T20:23:09.6441Z", or with an offset such as
 * "+02:00") to nanoseconds since the epoch: 0 or -EINVAL, also for times
 * before 1970 or after 2554 that a u64 cannot hold.
 */
int fmt_time_parse(const char *str, uint64_t *ns);

/* The longest decimal u64, 18446744073709551615. */
#define FMT_U64_LEN 20

/* The decimal digits of @v into @buf, no NUL: returns how many. */
size_t fmt_u64(char *buf, uint64_t v);

/* "tcp", "udp", ... for the table; NULL for a protocol without a short name. */
const char *fmt_proto(uint8_t proto);

#endif /* NETLOG_FMT_H */
