/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A window of flows as Tailscale netlogtype.Message JSON, exactly as
 * wgengine/netlog's record.toMessage builds it, cut into messages that each
 * fit Tailscale's 256 KiB bound.
 */
#ifndef NETLOG_RECORD_H
#define NETLOG_RECORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <json-c/json.h>

#include "addr.h"
#include "window.h"
#include "nodemap.h"
#include "routes.h"

/* maxLogSize: no message is longer */
#define RECORD_MAX_SIZE 262144
/* MinMessageJSONSize: a message with a 22-byte node ID and no content */
#define RECORD_MIN_MESSAGE_SIZE 219
/* MaxConnectionCountsJSONSize: the longest connection entry */
#define RECORD_MAX_CONN_SIZE 247

struct record_stats {
	size_t messages;
	size_t bytes;			/* of JSON emitted */
	size_t flows;			/* in the window */
	size_t virtual_flows;		/* by classification */
	size_t subnet_flows;
	size_t exit_flows;
	size_t unknown_flows;		/* emitted under exitTraffic */
	size_t physical_flows;
	size_t physical_unmatched;	/* endpoint of no known peer */
	size_t skipped;			/* of a kind this build does not know */
	size_t entries;			/* connection entries emitted */
};

/*
 * Called once per message with compact JSON and no trailing newline; the
 * buffer is valid only during the call. A negative return stops the build
 * and is returned by record_build().
 */
typedef int (*record_emit_fn)(const char *json, size_t len, void *arg);

/*
 * Classifies the flows of @w, resolves their nodes and emits one message,
 * or several when one would exceed RECORD_MAX_SIZE. Exit traffic is
 * anonymized unless @log_exit_flows. A window without flows emits nothing.
 * The output depends only on the arguments, not on the order of the flows.
 * Returns 0 or -errno.
 */
int record_build(const struct window *w, const struct nodemap *nm,
		 const struct routes *rt, bool log_exit_flows,
		 record_emit_fn emit, void *arg);
/* The same, adding what it did to *@stats (which may be NULL). */
int record_build_stats(const struct window *w,
		       const struct nodemap *nm, const struct routes *rt,
		       bool log_exit_flows, record_emit_fn emit, void *arg,
		       struct record_stats *stats);

/* An entry's src or dst, quoted: the text of its JSON string. */
struct addrport_json {
	char text[ADDRPORT_STRLEN + 2];
	size_t len;
};

/*
 * json-c serializer of an entry's src or dst string, whose userdata is a
 * struct addrport_json: an address and port need no escaping (only hex
 * digits, '.', ':', '[' and ']'), so the quoted text is what json-c's own
 * string serializer writes for it, without its per-character escape scan.
 */
int record_addrport_to_json(json_object *jso, struct printbuf *pb, int level,
			    int flags);

/* netlogtype.Node of @n (nodeUser.toNode), a new json-c object. */
json_object *record_node_json(const struct nodemap_node *n);

#endif /* NETLOG_RECORD_H */
