/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What several netlogd host tests share: a node map from a JSON literal, a file read whole, a string grown by printf. Static
 * inline, as check.h's counter is each test program's own.
 */
#ifndef NETLOG_TESTS_FIXTURE_H
#define NETLOG_TESTS_FIXTURE_H

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "nodemap.h"

/* A node map from @json, named nodes.json in errors; exits if it is bad. */
static inline struct nodemap *map(const char *json)
{
	char err[NODEMAP_ERR_LEN];
	struct nodemap *nm = NULL;

	if (nodemap_parse(&nm, "nodes.json", json, strlen(json), err,
			  sizeof(err))) {
		fprintf(stderr, "nodemap_parse: %s\n", err);
		exit(1);
	}
	return nm;
}

/* The whole of @path, NUL-terminated; exits if it cannot be read. */
static inline char *read_file(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf;
	long n;

	if (!f) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		exit(1);
	}
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = calloc(1, n + 1);
	if (fread(buf, 1, n, f) != (size_t)n)
		exit(1);
	fclose(f);
	return buf;
}

/* Appends to a growing string, for large node maps. */
static inline void cat(char **buf, size_t *len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static inline void cat(char **buf, size_t *len, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	*buf = realloc(*buf, *len + n + 1);
	va_start(ap, fmt);
	vsnprintf(*buf + *len, n + 1, fmt, ap);
	va_end(ap);
	*len += n;
}

#endif /* NETLOG_TESTS_FIXTURE_H */
