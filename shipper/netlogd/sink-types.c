// SPDX-License-Identifier: GPL-2.0
/* The sink types netlogd knows: a new one is a file and a line here. */
#include <stddef.h>
#include <string.h>

#include "sink-types.h"

extern const struct sink_type sink_file, sink_stdout, sink_logtail,
	sink_http;
extern const struct sink_type sink_splunk, sink_elastic, sink_datadog,
	sink_axiom;

static const struct sink_type *const types[] = {
	&sink_file, &sink_stdout, &sink_logtail, &sink_http,
	&sink_splunk, &sink_elastic, &sink_datadog, &sink_axiom,
};

const struct sink_type *sink_type_find(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (!strcmp(types[i]->name, name))
			return types[i];
	return NULL;
}

const char *sink_type_names(void)
{
	return "file, stdout, logtail, http, splunk, elastic, datadog or axiom";
}
