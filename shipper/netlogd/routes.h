/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Routes for classification: Tailscale's withinRoutes(). An address is
 * within the routes when it is one of the single-IP routes, or inside a
 * route prefix longer than /0 (0.0.0.0/0 and ::/0 never match).
 */
#ifndef NETLOG_ROUTES_H
#define NETLOG_ROUTES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "prefix.h"

struct nodemap;
struct routes;

/*
 * Parses @list, prefixes separated by commas or blanks ("192.168.1.0/24,
 * fd00::/64" or "10.0.0.0/8 fd00::/8"; NULL or "" for none), into a new
 * array in @out (NULL only checks the list). On a bad list returns -EINVAL
 * with a message in @err naming the bad item.
 */
int routes_parse_list(const char *list, struct prefix **out,
		      size_t *nout, char *err, size_t errlen);

/*
 * Builds the routes from the node map (self's addresses and advertised
 * routes, the peers' addresses and routes into the tunnel) and @extra, a
 * list for routes_parse_list(). On a bad list returns -EINVAL with a
 * message in @err.
 */
int routes_build(struct routes **out, const struct nodemap *nm,
		 const char *extra, char *err, size_t errlen);
void routes_free(struct routes *rt);

/* withinRoutes(a) */
bool routes_contains(const struct routes *rt, const struct addr *a);

#endif /* NETLOG_ROUTES_H */
