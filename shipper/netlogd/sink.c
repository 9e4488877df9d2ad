// SPDX-License-Identifier: GPL-2.0
/*
 * What the sink types share: the marker line, unwrapping messages, a
 * record's time, the where of messages and a secret's header.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <json-c/json.h>

#include "fmt.h"
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

int sink_json_line(struct buf *out, struct json_object *obj)
{
	size_t len;
	const char *s = sink_json(obj, &len);
	int ret = s ? buf_append(out, s, len) : -ENOMEM;

	return ret ? ret : buf_append(out, "\n", 1);
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

int sink_each_message_seq(const char *batch, size_t len,
			  int (*fn)(struct json_object *msg, uint32_t proc_id,
				    uint64_t proc_seq, void *arg),
			  void *arg)
{
	struct json_object *arr;
	uint32_t id;
	uint64_t seq;
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
		if (sink_entry_seq(e, &id, &seq))
			id = 0, seq = 0;
		json_object_object_del(e, "logtail");
		ret = fn(e, id, seq, arg);
	}
	json_object_put(arr);
	return ret;
}

struct each_message {
	int (*fn)(struct json_object *msg, void *arg);
	void *arg;
};

static int message_only(struct json_object *msg, uint32_t proc_id,
			uint64_t proc_seq, void *arg)
{
	struct each_message *em = arg;

	(void)proc_id;
	(void)proc_seq;
	return em->fn(msg, em->arg);
}

int sink_each_message(const char *batch, size_t len,
		      int (*fn)(struct json_object *msg, void *arg),
		      void *arg)
{
	struct each_message em = { fn, arg };

	return sink_each_message_seq(batch, len, message_only, &em);
}

int sink_message_start(struct json_object *msg, uint64_t *ns)
{
	struct json_object *v;

	if (!json_object_object_get_ex(msg, "start", &v) ||
	    !json_object_is_type(v, json_type_string))
		return -EINVAL;
	return fmt_time_parse(json_object_get_string(v), ns);
}

void sink_request_begin(struct sink_request *req, const char *where,
			const char *url, const char *content_type,
			const char *header)
{
	req->where = where;
	req->url = url;
	req->content_type = content_type;
	req->headers[0] = header;
	req->headers[1] = NULL;
	req->skip_empty = true;
	req->body.len = 0;
	req->entries = 0;
}

struct json_object *sink_fields(const char *const *names,
				const char *const *values, size_t n)
{
	struct json_object *o = json_object_new_object();
	size_t i;

	for (i = 0; o && i < n; i++)
		if (values[i] && json_object_object_add(o, names[i],
				json_object_new_string(values[i]))) {
			json_object_put(o);
			return NULL;
		}
	return o;
}

int sink_fields_add(struct json_object *obj, struct json_object *fields)
{
	json_object_object_foreach(fields, k, v)
		if (json_object_object_add(obj, k, json_object_get(v)))
			return -ENOMEM;
	return 0;
}

char *sink_where(const char *type, const char *url)
{
	char *where;

	if (asprintf(&where, "%s %.*s", type, (int)strcspn(url, "?"), url) < 0)
		return NULL;
	return where;
}

char *sink_header(const char *name, const char *scheme, const char *secret)
{
	char *h;

	if (asprintf(&h, "%s: %s%s%s", name, scheme ? scheme : "",
		     scheme ? " " : "", secret) < 0)
		return NULL;
	return h;
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
