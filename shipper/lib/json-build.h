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

#endif /* NETLOG_JSON_BUILD_H */
