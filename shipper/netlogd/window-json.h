/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A window read back from its JSON form, as `netlogctl flows --json` prints
 * it (flow-json.c), for replaying recorded windows through netlogd.
 */
#ifndef NETLOG_WINDOW_JSON_H
#define NETLOG_WINDOW_JSON_H

#include <stddef.h>

#include "flow.h"

/*
 * Fills @w (window_init()ed; release it with window_release()) from the
 * document in @path. On a malformed document returns -EINVAL and writes
 * "FILE: JSON.PATH: reason" to @err.
 */
int window_json_load(struct netlog_window *w, const char *path, char *err,
		     size_t errlen);
/* The same from memory; @name stands for the file in messages. */
int window_json_parse(struct netlog_window *w, const char *name,
		      const char *buf, size_t len, char *err, size_t errlen);

/*
 * RFC 3339 ("2025-11-18T20:23:09.6441Z", or with an offset such as
 * "+02:00") to nanoseconds since the epoch: 0 or -EINVAL, also for times
 * before 1970 or after 2554 that a u64 cannot hold.
 */
int time_parse(const char *str, uint64_t *ns);

#endif /* NETLOG_WINDOW_JSON_H */
