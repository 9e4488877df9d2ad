/* SPDX-License-Identifier: GPL-2.0 */
/* The registry of sink types (sink.h), by name. */
#ifndef NETLOG_SINK_TYPES_H
#define NETLOG_SINK_TYPES_H

#include "sink.h"

/* The type named @name ("file", "logtail", ...), or NULL. */
const struct sink_type *sink_type_find(const char *name);

/* "file, stdout, logtail or http": for messages. */
const char *sink_type_names(void);

#endif /* NETLOG_SINK_TYPES_H */
