/* SPDX-License-Identifier: GPL-2.0 */
/*
 * netlogd --replay: one recorded window through the node map, the routes
 * and the record builder, printed instead of shipped.
 */
#ifndef NETLOG_REPLAY_H
#define NETLOG_REPLAY_H

#include <stdbool.h>
#include <stdio.h>

struct replay_opts {
	const char *flows;	/* `netlogctl flows --json` output */
	const char *nodes;	/* node map */
	const char *routes;	/* extra route prefixes, or NULL */
	bool log_exit_flows;
};

/*
 * Prints each message the window would be shipped as, one compact JSON
 * object a line, to @out; diagnostics are logged (log.h). 0 or -errno.
 */
int replay_run(const struct replay_opts *o, FILE *out);

#endif /* NETLOG_REPLAY_H */
