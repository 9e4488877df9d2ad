/* SPDX-License-Identifier: GPL-2.0 */
/* IP prefixes ("10.0.0.0/8", "fd7a:115c:a1e0::/48") as Go's netip has them. */
#ifndef NETLOG_PREFIX_H
#define NETLOG_PREFIX_H

#include <stdint.h>

#include "addr.h"

struct prefix {
	struct addr addr;	/* host bits cleared */
	uint8_t bits;
};

/*
 * "a.b.c.d/n" or "v6/n" like Go's netip.ParsePrefix: decimal length without
 * leading zeros, in range for the family, no zone. Host bits are accepted
 * and cleared. 0, or -EINVAL with the reason in @why when not NULL.
 */
int prefix_parse(struct prefix *p, const char *str, const char **why);

#endif /* NETLOG_PREFIX_H */
