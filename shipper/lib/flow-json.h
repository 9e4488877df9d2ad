/* SPDX-License-Identifier: GPL-2.0 */
/* The JSON form of a window, as `netlogctl flows --json` prints it. */
#ifndef NETLOG_FLOW_JSON_H
#define NETLOG_FLOW_JSON_H

#include <stdio.h>

#include "flow.h"

/*
 * One line: {"window":{"seq":N,"start":T,"end":T},"flows":[...],
 * "misses":{"tableFull":{"pkts":N,"bytes":N}},"excluded":{...}}.
 * Zero flow counters are left out. The flows are printed in their order.
 */
void window_print_json(const struct netlog_window *w, FILE *f);

#endif /* NETLOG_FLOW_JSON_H */
