// SPDX-License-Identifier: GPL-2.0
/*
 * zstd as Tailscale's logtail client sends it (zstdframe.AppendEncode with
 * FastestCompression): exactly one frame, its content size in the header
 * (a single segment: the window covers the body), a content checksum at
 * the end. gzip is the same rule with zlib, for servers without zstd.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include <zstd.h>

#include "compress.h"
#include "array.h"

void compress_init(struct compressor *c, enum compress_codec codec)
{
	memset(c, 0, sizeof(*c));
	c->codec = codec;
}

static int reserve(struct compressor *c, size_t bound)
{
	unsigned char *p;

	if (bound <= c->size)
		return 0;
	p = realloc(c->buf, bound);
	if (!p) {
		c->err = strerror(ENOMEM);
		return -ENOMEM;
	}
	c->buf = p;
	c->size = bound;
	return 0;
}

static int gzip_stream(struct compressor *c)
{
	int ret;

	if (c->zs) {
		ret = deflateReset(c->zs);
		c->err = ret == Z_OK ? NULL : zError(ret);
		return ret == Z_OK ? 0 : -EIO;
	}
	c->zs = calloc(1, sizeof(*c->zs));
	if (!c->zs) {
		c->err = strerror(ENOMEM);
		return -ENOMEM;
	}
	ret = deflateInit2(c->zs, COMPRESS_GZIP_LEVEL, Z_DEFLATED, 15 + 16, 8,
			   Z_DEFAULT_STRATEGY);
	if (ret != Z_OK) {
		c->err = zError(ret);
		free(c->zs);
		c->zs = NULL;
		return ret == Z_MEM_ERROR ? -ENOMEM : -EIO;
	}
	return 0;
}

static ssize_t gzip_body(struct compressor *c, const char *body, size_t len)
{
	size_t bound;
	int ret;

	ret = gzip_stream(c);
	if (ret)
		return ret;
	bound = deflateBound(c->zs, len);
	ret = reserve(c, bound);
	if (ret)
		return ret;
	c->zs->next_in = (unsigned char *)body;
	c->zs->avail_in = len;
	c->zs->next_out = c->buf;
	c->zs->avail_out = bound;
	ret = deflate(c->zs, Z_FINISH);
	if (ret != Z_STREAM_END) {
		c->err = c->zs->msg ? c->zs->msg : zError(ret);
		return -EIO;
	}
	return c->zs->total_out;
}

/* The context, made once with its parameters; a body resets its session. */
static int zstd_context(struct compressor *c)
{
	size_t r;

	if (c->zc) {
		r = ZSTD_CCtx_reset(c->zc, ZSTD_reset_session_only);
		goto out;
	}
	c->zc = ZSTD_createCCtx();
	if (!c->zc) {
		c->err = strerror(ENOMEM);
		return -ENOMEM;
	}
	r = ZSTD_CCtx_setParameter(c->zc, ZSTD_c_compressionLevel,
				   COMPRESS_ZSTD_LEVEL);
	if (!ZSTD_isError(r))
		r = ZSTD_CCtx_setParameter(c->zc, ZSTD_c_checksumFlag, 1);
	if (!ZSTD_isError(r))
		r = ZSTD_CCtx_setParameter(c->zc, ZSTD_c_contentSizeFlag, 1);
out:
	c->err = ZSTD_isError(r) ? ZSTD_getErrorName(r) : NULL;
	return c->err ? -EIO : 0;
}

static ssize_t zstd_body(struct compressor *c, const char *body, size_t len)
{
	ZSTD_outBuffer out;
	ZSTD_inBuffer in = { body, len, 0 };
	size_t bound = ZSTD_compressBound(len), r;
	int ret;

	ret = zstd_context(c);
	if (!ret)
		ret = reserve(c, bound);
	if (ret)
		return ret;
	/* the size in the frame header, as in a one-shot frame */
	r = ZSTD_CCtx_setPledgedSrcSize(c->zc, len);
	out = (ZSTD_outBuffer){ c->buf, bound, 0 };
	/* with room for the bound, one call ends the frame */
	if (!ZSTD_isError(r))
		r = ZSTD_compressStream2(c->zc, &out, &in, ZSTD_e_end);
	if (ZSTD_isError(r) || r) {
		c->err = ZSTD_isError(r) ? ZSTD_getErrorName(r) :
			 "frame not ended";
		return -EIO;
	}
	return out.pos;
}

ssize_t compress_body(struct compressor *c, const char *body, size_t len)
{
	ssize_t out;

	c->err = NULL;
	if (c->codec == COMPRESS_NONE || len <= COMPRESS_MIN)
		return 0;
	out = c->codec == COMPRESS_ZSTD ? zstd_body(c, body, len) :
	      gzip_body(c, body, len);
	if (out < 0)
		return out;
	return (size_t)out + COMPRESS_GAIN < len ? out : 0;
}

void compress_free(struct compressor *c)
{
	if (c->zs) {
		deflateEnd(c->zs);
		free(c->zs);
	}
	ZSTD_freeCCtx(c->zc);
	free(c->buf);
	compress_init(c, c->codec);
}

static const char *const names[] = {
	[COMPRESS_NONE] = "none",
	[COMPRESS_GZIP] = "gzip",
	[COMPRESS_ZSTD] = "zstd",
};

int compress_parse(const char *name, enum compress_codec *codec)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(names); i++) {
		if (!strcmp(name, names[i])) {
			*codec = i;
			return 0;
		}
	}
	return -EINVAL;
}

const char *compress_name(enum compress_codec codec)
{
	return codec <= COMPRESS_ZSTD ? names[codec] : "none";
}
