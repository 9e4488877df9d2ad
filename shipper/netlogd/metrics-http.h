/* SPDX-License-Identifier: GPL-2.0 */
/*
 * metrics_listen: the Prometheus text served as GET /metrics on a loopback
 * address, by libmicrohttpd in a thread of its own. The daemon hands it each
 * new text; a scrape gets the last one.
 */
#ifndef NETLOG_METRICS_HTTP_H
#define NETLOG_METRICS_HTTP_H

#include <stddef.h>
#include <stdint.h>

struct metrics_http;

/*
 * Listens on @listen, "127.0.0.1:9586" or "[::1]:9586" (port 0: any free
 * one). Call it with the signals netlogd handles already blocked, so that
 * the server's thread never takes them. 0, or -errno with the cause logged.
 */
int metrics_http_open(const char *listen, struct metrics_http **mh);

/* The text served from now on; @text is the server's to free(). */
void metrics_http_set(struct metrics_http *mh, char *text, size_t len);

/* The port it listens on. */
uint16_t metrics_http_port(const struct metrics_http *mh);

/* Stops the thread and frees everything. NULL is fine. */
void metrics_http_close(struct metrics_http *mh);

#endif /* NETLOG_METRICS_HTTP_H */
