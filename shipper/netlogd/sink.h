/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A sink type: its keys in netlogd.conf and the operations that turn a
 * spooled batch into what its destination takes. One file per type
 * (sink-file.c, sink-stdout.c, sink-logtail.c, sink-http.c) defines a
 * struct sink_type; sink-types.c lists them; upload.c drives any of them
 * (cursor, retries, compression, HTTP, rejected batches) without knowing
 * which. A new destination is a new file and a line in sink-types.c.
 *
 * A batch is what the spool holds: a JSON array of logtail entries,
 * {"logtail":{client_time,proc_id,proc_seq},<netlogtype.Message members>},
 * or {"logtail":{...},"text":"..."} for a text line. Sinks other than
 * logtail unwrap the message (sink_each_message()) and wrap it their way.
 */
#ifndef NETLOG_SINK_H
#define NETLOG_SINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "compress.h"

struct json_object;
struct window_meta;

/* How a key's value is checked (config.c) before the type sees it. */
enum sink_key_kind {
	SINK_KEY_PATH,		/* a non-empty string */
	SINK_KEY_URL,		/* http:// or https://, no blanks */
	SINK_KEY_SERVER,	/* the same, without a query */
	SINK_KEY_HEX64,		/* 64 hex digits, kept in lowercase */
	SINK_KEY_NAME,		/* a host-like name: [A-Za-z0-9.-_] */
	SINK_KEY_SECRET_FILE,	/* a file holding a secret, read at load:
				 * config_secret_mode_check() must pass;
				 * its content (one line, the newline
				 * cut) goes to @secret_offset */
};

struct sink_key {
	const char *name;
	enum sink_key_kind kind;
	size_t offset;		/* of a char * in the type's options */
	size_t secret_offset;	/* SINK_KEY_SECRET_FILE */
	bool secret;		/* an inline secret: the file holding it must
				 * not be readable by others */
};

/* What an HTTP sink asks upload.c to send for one batch. */
struct sink_request {
	const char *where;		/* for messages: "logtail https://host",
					 * never a secret */
	const char *url;
	const char *content_type;	/* NULL: none */
	const char *headers[4];		/* "Name: value", NULL-terminated */
	struct buf body;		/* before compression; upload.c reuses it */
	size_t entries;			/* records in it */
	bool skip_empty;		/* no records: delivered, nothing sent */
	/* S3's PutObject; all unset for a POST of the body */
	const char *method;		/* NULL: POST */
	const char *aws_sigv4;		/* CURLOPT_AWS_SIGV4, "aws:amz:REGION:s3" */
	const char *userpwd;		/* "user:password" (CURLOPT_USERPWD);
					 * Basic unless aws_sigv4 */
	bool content_sha256;		/* x-amz-content-sha256: the SHA-256 of
					 * the body as sent */
	bool codec_ext;			/* the URL names the encoding: ".gz" or
					 * ".zst" appended to a compressed body's */
	/*
	 * A destination that takes fewer records a request than a batch may
	 * hold gets the batch in parts: upload.c sets @first, the record to
	 * start at (0, then the @next of the part before); the type sets
	 * @next to the record the next part starts at, 0 after the last.
	 * A failed part is tried again alone: the parts before it stay
	 * delivered.
	 */
	size_t first, next;
};

/* The verdict on a reply, beyond its status (Elastic's per-item errors). */
enum sink_verdict {
	SINK_DELIVERED,
	SINK_RETRY,		/* later, as a 5xx */
	SINK_REJECTED,		/* never: the batch goes to rejected/ */
};

struct sink_type {
	const char *name;
	const struct sink_key *keys;
	size_t nkeys;
	size_t opts_size;		/* the options struct the keys fill */
	enum compress_codec codec;	/* the default of compression */
	/*
	 * The codecs its destination decodes, a bit (1u << codec) each, and
	 * why others are refused (sink_codec_refused()); 0: any.
	 */
	unsigned int codecs;
	const char *codecs_why;
	bool orig_length;		/* Orig-Content-Length on a compressed
					 * body, as logtail sends it */
	bool reply_4xx;			/* reply() judges a permanent 4xx too
					 * (Loki's partial 400) */
	/* What single keys cannot say (a required key): 0 or -EINVAL, @err. */
	int (*check)(const void *opts, char *err, size_t errlen);
	/* Prepares the sink: 0 or -errno, the cause logged. */
	int (*open)(const char *name, const void *opts, void **priv);
	void (*close)(void *priv);
	/*
	 * A local sink takes the batch itself: 0 when it is durably there,
	 * -EBADMSG for a batch it can never take, another -errno to retry.
	 * @dropped entries were lost before it (the "N logs dropped" line).
	 * @entries: how many it wrote. @err: the cause of a failure.
	 */
	int (*deliver)(void *priv, const char *batch, size_t len,
		       uint64_t dropped, uint64_t *entries, uint64_t *skipped,
		       char *err, size_t errlen);
	/*
	 * Optional: before each attempt at a batch, the metadata of the
	 * window the batch begins for this sink (its misses and excluded
	 * counts, which no JSON record carries), or NULL for a batch that
	 * begins none. Valid until the attempt returns. A type without it
	 * never sees the metadata.
	 */
	void (*window)(void *priv, const struct window_meta *meta);
	/* An HTTP sink builds its request: 0, -EBADMSG, or -errno. */
	int (*request)(void *priv, const char *batch, size_t len,
		       uint64_t dropped, struct sink_request *req);
	/*
	 * A 2xx reply's verdict (and a permanent 4xx's with reply_4xx);
	 * NULL: every 2xx is delivered. @body is the whole reply (up to
	 * SINK_REPLY_MAX). @err gets the cause of anything else.
	 */
	enum sink_verdict (*reply)(void *priv, long status, const char *body,
				   size_t len, char *err, size_t errlen);
	/*
	 * A reply upload.c would retry (408, 429, 5xx) that is final for this
	 * type: true sets the batch aside (ClickHouse answers 500 to rows it
	 * cannot parse). @body: the reply's first KiB. NULL: none is.
	 */
	bool (*refused)(void *priv, long status, const char *body, size_t len);
};

/* NULL when @type's destination decodes @codec, else why it does not. */
const char *sink_codec_refused(const struct sink_type *type,
			       enum compress_codec codec);

/* The most of a reply kept for a type's reply(): Elastic's items of a full batch fit. */
#define SINK_REPLY_MAX (4 << 20)

/* logtail's pseudo-line for entries lost: "----------- N logs dropped ----------" */
#define SINK_MARKER_LEN 64
void sink_marker(char *buf, size_t size, uint64_t dropped);

/*
 * Calls @fn with each netlogtype.Message of @batch, its "logtail" member
 * removed; text entries (markers, "logger closing down") are skipped.
 * 0, -EBADMSG for a batch that is not a JSON array, or @fn's error.
 */
int sink_each_message(const char *batch, size_t len,
		      int (*fn)(struct json_object *msg, void *arg),
		      void *arg);

/*
 * As sink_each_message(), and @fn gets the entry's proc_id and proc_seq too
 * (0 and 0 for an entry without them): the spool keeps its proc_id across
 * restarts, so with the node ID they name a record for good.
 */
int sink_each_message_seq(const char *batch, size_t len,
			  int (*fn)(struct json_object *msg, uint32_t proc_id,
				    uint64_t proc_seq, void *arg),
			  void *arg);

/* A message's "start" in ns since the epoch: 0, or -EINVAL. */
int sink_message_start(struct json_object *msg, uint64_t *ns);

/* "@type @url", the URL without its query (it may hold a token): for messages. */
char *sink_where(const char *type, const char *url);

/* "@name: @scheme @secret" ("@name: @secret" without a scheme), or NULL. */
char *sink_header(const char *name, const char *scheme, const char *secret);

/*
 * @req begun for a batch of records: @where, @url, @content_type, one
 * header (or NULL), an empty body; a batch without records is not sent.
 */
void sink_request_begin(struct sink_request *req, const char *where,
			const char *url, const char *content_type,
			const char *header);

/* An object of the @n members @names[i]: @values[i] that are not NULL. */
struct json_object *sink_fields(const char *const *names,
				const char *const *values, size_t n);

/* Each member of @fields added to @obj: 0 or -ENOMEM. */
int sink_fields_add(struct json_object *obj, struct json_object *fields);

/* A JSON value as one compact line, as json-c prints it. */
const char *sink_json(struct json_object *obj, size_t *len);

/* That line and a newline appended to @out: 0 or -ENOMEM. */
int sink_json_line(struct buf *out, struct json_object *obj);

/* proc_id and proc_seq of an entry's logtail member: 0, or -EINVAL. */
int sink_entry_seq(struct json_object *entry, uint32_t *proc_id,
		   uint64_t *proc_seq);

/*
 * A batch as lines, one entry each, compact, for the file and stdout sinks:
 * the "N logs dropped" line first when @dropped; with @dedupe, the entries
 * up to the last one written before (have_last, last_id, last_seq; updated)
 * are skipped: a batch delivered again after a crash.
 */
struct sink_lines {
	struct buf out;
	uint64_t entries, skipped;
	bool dedupe, have_last;
	uint32_t last_id;
	uint64_t last_seq;
};

/* 0, -EBADMSG for a batch that is not a JSON array, or -ENOMEM. */
int sink_lines(const char *batch, size_t len, uint64_t dropped,
	       struct sink_lines *l);

#endif /* NETLOG_SINK_H */
