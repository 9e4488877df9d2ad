/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Upload body compression, the same for every sink: gzip (zlib) or zstd
 * (libzstd), used as logtail uses it, only for a body over 256 bytes and
 * only when that saves more than 64 bytes.
 */
#ifndef NETLOG_COMPRESS_H
#define NETLOG_COMPRESS_H

#include <stddef.h>
#include <sys/types.h>

enum compress_codec {
	COMPRESS_NONE,
	COMPRESS_GZIP,		/* gzip wrapper, zlib level COMPRESS_GZIP_LEVEL */
	COMPRESS_ZSTD,		/* one frame, content size and checksum in it */
};

/* logtail compresses only bodies over 256 bytes, when it saves over 64 */
#define COMPRESS_MIN 256
#define COMPRESS_GAIN 64

/*
 * The fastest levels: Tailscale's logtail encodes with zstdframe's
 * FastestCompression (klauspost's SpeedFastest, zstd's level 1), and flow
 * logs are repetitive JSON that the shipper must keep up with.
 */
#define COMPRESS_GZIP_LEVEL 1
#define COMPRESS_ZSTD_LEVEL 1

/*
 * One sink's codec, its library state and its output buffer, all reused
 * from one body to the next. compress_init() it; compress_free() it.
 */
struct compressor {
	enum compress_codec codec;
	struct z_stream_s *zs;		/* gzip, made on first use */
	struct ZSTD_CCtx_s *zc;		/* zstd, made on first use */
	unsigned char *buf;
	size_t size;
	const char *err;		/* the library's word on a failure */
};

void compress_init(struct compressor *c, enum compress_codec codec);

/*
 * @body compressed into c->buf: its length; 0 when it is to be sent as it
 * is (no codec, a body of at most COMPRESS_MIN bytes, or savings of at most
 * COMPRESS_GAIN bytes); -ENOMEM, or -EIO when the library fails, with
 * c->err set (the body can still be sent as it is).
 */
ssize_t compress_body(struct compressor *c, const char *body, size_t len);

void compress_free(struct compressor *c);

/* "none", "gzip" or "zstd": 0, or -EINVAL for another name. */
int compress_parse(const char *name, enum compress_codec *codec);

/* The Content-Encoding of @codec ("gzip", "zstd"), "none" for none. */
const char *compress_name(enum compress_codec codec);

#endif /* NETLOG_COMPRESS_H */
