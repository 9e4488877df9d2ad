/* SPDX-License-Identifier: GPL-2.0 */
/* Building JSON objects with json-c. */
#ifndef NETLOG_JSON_BUILD_H
#define NETLOG_JSON_BUILD_H

#include <json-c/json.h>

/* Adds @val under @key, a string constant that @obj does not hold yet. */
static inline void json_add(json_object *obj, const char *key,
			    json_object *val)
{
	json_object_object_add_ex(obj, key, val,
				  JSON_C_OBJECT_ADD_KEY_IS_NEW |
				  JSON_C_OBJECT_ADD_CONSTANT_KEY);
}

/*
 * json-c serializer of a non-negative integer object: the digits of
 * json_object_get_uint64(), as json-c's own serializer writes them but
 * without its snprintf(), most of the cost of a small object's counters.
 * Set with json_object_set_serializer() on reused objects whose values
 * change in place.
 */
int json_u64_to_json(json_object *jso, struct printbuf *pb, int level,
		     int flags);

#endif /* NETLOG_JSON_BUILD_H */
