/* SPDX-License-Identifier: GPL-2.0 */
/*
 * JSON paths for error messages ("nodes[1].addresses[0]"), shared by the
 * node map and the window parsers.
 */
#ifndef NETLOG_JSONPATH_H
#define NETLOG_JSONPATH_H

#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#define JSON_PATH_LEN 512

/* A path too long for the buffer ends in "..." rather than failing. */
static inline void json_path_fix(char *out, int n)
{
	if (n >= JSON_PATH_LEN)
		strcpy(out + JSON_PATH_LEN - 4, "...");
}

static inline void json_path_key(char *out, const char *path, const char *key)
{
	json_path_fix(out, snprintf(out, JSON_PATH_LEN, "%s%s%s", path,
				    *path ? "." : "", key));
}

static inline void json_path_index(char *out, const char *path, size_t i)
{
	json_path_fix(out, snprintf(out, JSON_PATH_LEN, "%s[%zu]", path, i));
}

/* Writes "FILE: PATH: reason" to @err and returns -EINVAL. */
static inline int json_path_vfail(char *err, size_t errlen, const char *file,
				  const char *path, const char *fmt,
				  va_list ap)
{
	size_t n;

	n = snprintf(err, errlen, "%s: %s%s", file, path, *path ? ": " : "");
	if (n < errlen)
		vsnprintf(err + n, errlen - n, fmt, ap);
	return -EINVAL;
}

#endif /* NETLOG_JSONPATH_H */
