/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The text forms of a window, as netlogctl prints them: the table of
 * `netlogctl flows` and the tab-separated lines of `netlogctl dump`.
 */
#ifndef NETLOG_WINDOW_TEXT_H
#define NETLOG_WINDOW_TEXT_H

#include <stdio.h>

#include "window.h"

/*
 * One line per flow, in the flows' order:
 * kind proto local remote tx-pkts tx-bytes rx-pkts rx-bytes, tab-separated.
 */
void window_print_dump(const struct window *w, FILE *out);

/* A title line, a table with aligned columns, the misses and exclusions. */
void window_print_table(const struct window *w, FILE *out);

#endif /* NETLOG_WINDOW_TEXT_H */
