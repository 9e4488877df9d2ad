/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Reading a JSON document that people write: strict parsing, and typed
 * getters whose errors name the file, the JSON path of the value
 * ("nodes[1].addresses[0]") and the reason.
 */
#ifndef NETLOG_JSON_READ_H
#define NETLOG_JSON_READ_H

#include <stdbool.h>
#include <stddef.h>
#include <json-c/json.h>

#define JSON_PATH_LEN 512
/* Room for "FILE: PATH: reason". */
#define JSON_ERR_LEN 1024

/* Where errors go and the name that stands for the file in them. */
struct json_reader {
	const char *file;
	char *err;
	size_t errlen;
};

/*
 * One JSON document, strictly parsed, from a file or from memory; errors
 * name the file and the line and column: "f.json: bad JSON at line 3,
 * column 7: unexpected character".
 */
int json_doc_load(json_object **out, const char *path, char *err,
		  size_t errlen);
int json_doc_parse(json_object **out, const char *name, const char *buf,
		   size_t len, char *err, size_t errlen);

/* "string", "number", "null", ... for messages about a value of @v's type */
const char *json_type_desc(json_object *v);

/*
 * @path.@key and @path[@i] into @out, JSON_PATH_LEN bytes. A path too long
 * for the buffer ends in "..." rather than failing.
 */
void json_path_key(char *out, const char *path, const char *key);
void json_path_index(char *out, const char *path, size_t i);
/* The same for a path that snprintf() wrote, @n being what it returned. */
void json_path_fix(char *out, int n);

/* Writes "FILE: PATH: reason" to the reader's error and returns -EINVAL. */
int json_fail(const struct json_reader *r, const char *path,
	      const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* The same for the member @key of @path. */
int json_fail_key(const struct json_reader *r, const char *path,
		  const char *key, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* Writes "FILE: Cannot allocate memory" and returns -ENOMEM. */
int json_fail_nomem(const struct json_reader *r);

/*
 * path.key of @obj: absent or null is NULL (an error if @required), any
 * other type than @t fails.
 */
int json_member(const struct json_reader *r, json_object *obj,
		const char *path, const char *key, enum json_type t,
		bool required, json_object **out);
/* A string member: absent or null leaves *s NULL and *len 0. */
int json_member_str(const struct json_reader *r, json_object *obj,
		    const char *path, const char *key, bool required,
		    const char **s, size_t *len);
/* The element @i of an array that must be a string; its path is left in @p. */
int json_elem_str(const struct json_reader *r, json_object *arr,
		  const char *path, size_t i, const char **s, char *p);

#endif /* NETLOG_JSON_READ_H */
