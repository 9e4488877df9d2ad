/* SPDX-License-Identifier: GPL-2.0 */
/* netlogd's main loop. */
#ifndef NETLOG_DAEMON_H
#define NETLOG_DAEMON_H

#include "config.h"

/*
 * Runs until SIGTERM or SIGINT: drains, spools, acknowledges and uploads.
 * SIGHUP reloads the node map. Returns 0 after a clean shutdown, or -errno.
 */
int daemon_run(const struct netlogd_config *cfg);

#endif /* NETLOG_DAEMON_H */
