/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The JSON form of a window: printed by `netlogctl flows --json`, read back
 * by `netlogd --replay`.
 */
#ifndef NETLOG_WINDOW_JSON_H
#define NETLOG_WINDOW_JSON_H

#include <stddef.h>
#include <stdio.h>

#include "window.h"

/*
 * Fills @w (window_init()ed; release it with window_release()) from the
 * document in @path. On a malformed document returns -EINVAL and writes
 * "FILE: JSON.PATH: reason" to @err.
 */
int window_json_load(struct window *w, const char *path, char *err,
		     size_t errlen);
/* The same from memory; @name stands for the file in messages. */
int window_json_parse(struct window *w, const char *name,
		      const char *buf, size_t len, char *err, size_t errlen);

/*
 * One line: {"window":{"seq":N,"start":T,"end":T},"flows":[...],
 * "misses":{"tableFull":{"pkts":N,"bytes":N}},"excluded":{...}}.
 * Zero flow counters are left out. The flows are printed in their order.
 * Returns 0, or -ENOMEM with the document cut short.
 */
int window_print_json(const struct window *w, FILE *f);

#endif /* NETLOG_WINDOW_JSON_H */
