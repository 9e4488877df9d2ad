// SPDX-License-Identifier: GPL-2.0
/*
 * Reading JSON documents: strict parsing with line and column in errors,
 * and getters that fail with the value's JSON path.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "json-read.h"

int json_doc_parse(json_object **out, const char *name, const char *buf,
		   size_t len, char *err, size_t errlen)
{
	enum json_tokener_error jerr;
	struct json_tokener *tok;
	size_t off, line = 1, col = 1, i;
	json_object *obj;

	if (len > INT32_MAX) {
		snprintf(err, errlen, "%s: %s", name, strerror(EFBIG));
		return -EFBIG;
	}
	tok = json_tokener_new();
	if (!tok) {
		snprintf(err, errlen, "%s: %s", name, strerror(ENOMEM));
		return -ENOMEM;
	}
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	obj = json_tokener_parse_ex(tok, buf, len);
	jerr = json_tokener_get_error(tok);
	off = json_tokener_get_parse_end(tok);
	json_tokener_free(tok);
	if (jerr == json_tokener_success) {
		for (i = off; i < len; i++)
			if (!strchr(" \t\r\n", buf[i]))
				break;
		if (i == len) {
			*out = obj;
			return 0;
		}
		json_object_put(obj);
		off = i;
	}
	for (i = 0; i < off && i < len; i++) {
		if (buf[i] == '\n') {
			line++;
			col = 1;
		} else {
			col++;
		}
	}
	snprintf(err, errlen, "%s: bad JSON at line %zu, column %zu: %s", name,
		 line, col,
		 jerr == json_tokener_success ? "data after the document" :
		 jerr == json_tokener_continue ? "unexpected end of data" :
		 json_tokener_error_desc(jerr));
	return -EINVAL;
}

int json_doc_load(json_object **out, const char *path, char *err,
		  size_t errlen)
{
	struct stat st;
	size_t len = 0;
	ssize_t n;
	char *buf;
	int fd, ret = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st)) {
		ret = -errno;
		snprintf(err, errlen, "%s: %s", path, strerror(-ret));
		if (fd >= 0)
			close(fd);
		return ret;
	}
	buf = malloc(st.st_size + 1);
	if (!buf) {
		close(fd);
		snprintf(err, errlen, "%s: %s", path, strerror(ENOMEM));
		return -ENOMEM;
	}
	while (len < (size_t)st.st_size) {
		n = read(fd, buf + len, st.st_size - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			ret = -errno;
		if (n <= 0)
			break;
		len += n;
	}
	close(fd);
	if (ret)
		snprintf(err, errlen, "%s: %s", path, strerror(-ret));
	else
		ret = json_doc_parse(out, path, buf, len, err, errlen);
	free(buf);
	return ret;
}

const char *json_type_desc(json_object *v)
{
	switch (json_object_get_type(v)) {
	case json_type_null:
		return "null";
	case json_type_boolean:
		return "boolean";
	case json_type_double:
	case json_type_int:
		return "number";
	case json_type_object:
		return "object";
	case json_type_array:
		return "array";
	case json_type_string:
		return "string";
	}
	return "unknown";
}

void json_path_fix(char *out, int n)
{
	if (n >= JSON_PATH_LEN)
		strcpy(out + JSON_PATH_LEN - 4, "...");
}

void json_path_key(char *out, const char *path, const char *key)
{
	json_path_fix(out, snprintf(out, JSON_PATH_LEN, "%s%s%s", path,
				    *path ? "." : "", key));
}

void json_path_index(char *out, const char *path, size_t i)
{
	json_path_fix(out, snprintf(out, JSON_PATH_LEN, "%s[%zu]", path, i));
}

static int vfail(const struct json_reader *r, const char *path,
		 const char *fmt, va_list ap)
{
	size_t n;

	n = snprintf(r->err, r->errlen, "%s: %s%s", r->file, path,
		     *path ? ": " : "");
	if (n < r->errlen)
		vsnprintf(r->err + n, r->errlen - n, fmt, ap);
	return -EINVAL;
}

int json_fail(const struct json_reader *r, const char *path,
	      const char *fmt, ...)
{
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = vfail(r, path, fmt, ap);
	va_end(ap);
	return ret;
}

int json_fail_key(const struct json_reader *r, const char *path,
		  const char *key, const char *fmt, ...)
{
	char sub[JSON_PATH_LEN];
	va_list ap;
	int ret;

	json_path_key(sub, path, key);
	va_start(ap, fmt);
	ret = vfail(r, sub, fmt, ap);
	va_end(ap);
	return ret;
}

int json_fail_nomem(const struct json_reader *r)
{
	snprintf(r->err, r->errlen, "%s: %s", r->file, strerror(ENOMEM));
	return -ENOMEM;
}

static const char *want_name(enum json_type t)
{
	switch (t) {
	case json_type_int:
		return "integer";
	case json_type_object:
		return "object";
	case json_type_array:
		return "array";
	default:
		return "string";
	}
}

int json_member(const struct json_reader *r, json_object *obj,
		const char *path, const char *key, enum json_type t,
		bool required, json_object **out)
{
	char p[JSON_PATH_LEN];
	json_object *v = NULL;

	*out = NULL;
	json_path_key(p, path, key);
	if (!json_object_object_get_ex(obj, key, &v) || !v) {
		if (required)
			return json_fail(r, p, "missing");
		return 0;
	}
	if (!json_object_is_type(v, t))
		return json_fail(r, p, "expected %s, got %s", want_name(t),
				 json_type_desc(v));
	*out = v;
	return 0;
}

int json_member_str(const struct json_reader *r, json_object *obj,
		    const char *path, const char *key, bool required,
		    const char **s, size_t *len)
{
	json_object *v;
	int ret;

	*s = NULL;
	*len = 0;
	ret = json_member(r, obj, path, key, json_type_string, required, &v);
	if (ret || !v)
		return ret;
	*s = json_object_get_string(v);
	*len = json_object_get_string_len(v);
	return 0;
}

int json_elem_str(const struct json_reader *r, json_object *arr,
		  const char *path, size_t i, const char **s, char *p)
{
	json_object *v = json_object_array_get_idx(arr, i);

	json_path_index(p, path, i);
	if (!json_object_is_type(v, json_type_string))
		return json_fail(r, p, "expected string, got %s",
				 json_type_desc(v));
	*s = json_object_get_string(v);
	return 0;
}
