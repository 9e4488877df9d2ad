// SPDX-License-Identifier: GPL-2.0
/* Building JSON with json-c: a serializer of our own where json-c's is slow. */
#include <json-c/printbuf.h>

#include "fmt.h"
#include "json-build.h"

int json_u64_to_json(json_object *jso, struct printbuf *pb, int level,
		     int flags)
{
	char buf[FMT_U64_LEN];

	(void)level;
	(void)flags;
	return printbuf_memappend(pb, buf,
				  fmt_u64(buf, json_object_get_uint64(jso))) <
	       0 ? -1 : 0;
}
