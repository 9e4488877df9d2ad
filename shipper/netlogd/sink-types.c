// SPDX-License-Identifier: GPL-2.0
/* The sink types netlogd knows: a new one is a file and a line here. */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "sink-types.h"

extern const struct sink_type sink_file, sink_stdout, sink_logtail,
	sink_http, sink_clickhouse, sink_ipfix;
extern const struct sink_type sink_loki, sink_s3;
extern const struct sink_type sink_splunk, sink_elastic, sink_datadog,
	sink_axiom;

static const struct sink_type *const types[] = {
	&sink_file, &sink_stdout, &sink_logtail, &sink_http,
	&sink_splunk, &sink_elastic, &sink_datadog, &sink_axiom,
	&sink_loki, &sink_s3, &sink_clickhouse, &sink_ipfix,
};

const struct sink_type *sink_type_find(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (!strcmp(types[i]->name, name))
			return types[i];
	return NULL;
}

/* "file, stdout, ... or clickhouse", from the table. */
const char *sink_type_names(void)
{
	static char names[256];
	size_t i, n = sizeof(types) / sizeof(types[0]), len = 0;

	if (names[0])
		return names;
	for (i = 0; i < n; i++)
		len += snprintf(names + len, sizeof(names) - len, "%s%s",
				!i ? "" : i + 1 < n ? ", " : " or ",
				types[i]->name);
	return names;
}
