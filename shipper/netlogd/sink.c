// SPDX-License-Identifier: GPL-2.0
/* What the sink types share: the marker line, unwrapping messages. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <json-c/json.h>

#include "sink.h"

void sink_marker(char *buf, size_t size, uint64_t dropped)
{
	snprintf(buf, size, "----------- %" PRIu64 " logs dropped ----------",
		 dropped);
}

const char *sink_json(struct json_object *obj, size_t *len)
{
	return json_object_to_json_string_length(obj, JSON_C_TO_STRING_PLAIN |
						 JSON_C_TO_STRING_NOSLASHESCAPE,
						 len);
}

/* @batch as a JSON array: 0, -EBADMSG, or -ENOMEM. */
static int parse_array(const char *batch, size_t len, struct json_object **arr)
{
	struct json_tokener *tok = json_tokener_new();
	int ret = 0;

	if (!tok)
		return -ENOMEM;
	*arr = json_tokener_parse_ex(tok, batch, len);
	if (!*arr || json_tokener_get_parse_end(tok) != len ||
	    !json_object_is_type(*arr, json_type_array)) {
		json_object_put(*arr);
		*arr = NULL;
		ret = -EBADMSG;
	}
	json_tokener_free(tok);
	return ret;
}

int sink_each_message(const char *batch, size_t len,
		      int (*fn)(struct json_object *msg, void *arg),
		      void *arg)
{
	struct json_object *arr;
	size_t i, n;
	int ret = parse_array(batch, len, &arr);

	if (ret)
		return ret;
	n = json_object_array_length(arr);
	for (i = 0; !ret && i < n; i++) {
		struct json_object *e = json_object_array_get_idx(arr, i);

		if (!json_object_is_type(e, json_type_object) ||
		    json_object_object_get_ex(e, "text", NULL))
			continue;
		json_object_object_del(e, "logtail");
		ret = fn(e, arg);
	}
	json_object_put(arr);
	return ret;
}

int sink_entry_seq(struct json_object *entry, uint32_t *proc_id,
		   uint64_t *proc_seq)
{
	struct json_object *lt, *id, *seq;

	if (!json_object_object_get_ex(entry, "logtail", &lt) ||
	    !json_object_object_get_ex(lt, "proc_id", &id) ||
	    !json_object_object_get_ex(lt, "proc_seq", &seq) ||
	    !json_object_is_type(id, json_type_int) ||
	    !json_object_is_type(seq, json_type_int))
		return -EINVAL;
	*proc_id = json_object_get_int64(id);
	*proc_seq = json_object_get_uint64(seq);
	return 0;
}

/* {"text":"----------- N logs dropped ----------"}, as logtail uploads it. */
static int marker_line(struct sink_lines *l, uint64_t dropped)
{
	struct json_object *o = json_object_new_object();
	char text[SINK_MARKER_LEN];
	const char *s;
	size_t n;
	int ret = -ENOMEM;

	sink_marker(text, sizeof(text), dropped);
	if (o && !json_object_object_add(o, "text",
					 json_object_new_string(text))) {
		s = sink_json(o, &n);
		ret = s ? buf_append(&l->out, s, n) : -ENOMEM;
		if (!ret)
			ret = buf_append(&l->out, "\n", 1);
	}
	json_object_put(o);
	return ret;
}

/* One entry as a line, unless the file has it already. */
static int entry_line(struct sink_lines *l, struct json_object *e)
{
	const char *s;
	uint32_t id;
	uint64_t seq;
	size_t n;
	int ret;

	if (l->dedupe && !sink_entry_seq(e, &id, &seq)) {
		if (l->have_last && id == l->last_id && seq <= l->last_seq) {
			l->skipped++;
			return 0;
		}
		l->have_last = true;
		l->last_id = id;
		l->last_seq = seq;
	}
	s = sink_json(e, &n);
	ret = s ? buf_append(&l->out, s, n) : -ENOMEM;
	if (!ret)
		ret = buf_append(&l->out, "\n", 1);
	if (!ret)
		l->entries++;
	return ret;
}

int sink_lines(const char *batch, size_t len, uint64_t dropped,
	       struct sink_lines *l)
{
	struct json_object *arr;
	size_t i, n;
	int ret = parse_array(batch, len, &arr);

	if (!ret && dropped)
		ret = marker_line(l, dropped);
	n = ret ? 0 : json_object_array_length(arr);
	for (i = 0; !ret && i < n; i++)
		ret = entry_line(l, json_object_array_get_idx(arr, i));
	json_object_put(arr);
	return ret;
}

const char *sink_codec_refused(const struct sink_type *type,
			       enum compress_codec codec)
{
	if (!type->codecs || type->codecs & 1u << codec)
		return NULL;
	return type->codecs_why ? type->codecs_why :
				  "its destination takes no such body";
}
