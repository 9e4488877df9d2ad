/* SPDX-License-Identifier: GPL-2.0 */
/* Test values written as literals: an address, a flow. */
#ifndef NETLOG_TESTS_VALUES_H
#define NETLOG_TESTS_VALUES_H

#include <stdio.h>
#include <stdlib.h>

#include "addr.h"
#include "window.h"

/* Exits when @str is not an address: the test itself is wrong. */
static inline struct addr addr(const char *str)
{
	struct addr a;

	if (addr_parse(&a, str)) {
		fprintf(stderr, "addr_parse('%s') failed\n", str);
		exit(1);
	}
	return a;
}

static inline struct flow flow(uint8_t kind, uint8_t proto, const char *local,
			       uint16_t lport, const char *remote,
			       uint16_t rport)
{
	struct flow f = {
		.kind = kind,
		.proto = proto,
		.local = addr(local),
		.local_port = lport,
		.remote = addr(remote),
		.remote_port = rport,
	};

	return f;
}

#endif /* NETLOG_TESTS_VALUES_H */
