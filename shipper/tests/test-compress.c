// SPDX-License-Identifier: GPL-2.0
/*
 * The codecs of upload bodies (netlogd/compress.c): logtail's rule of when
 * to compress, and frames that the reference decoders take back to the
 * exact body, a zstd frame being what Tailscale's client sends.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#define ZSTD_STATIC_LINKING_ONLY	/* ZSTD_getFrameHeader() */
#include <zstd.h>

#include "check.h"
#include "compress.h"

/* @n bytes of flow-log-like JSON: compressible. */
static char *json_body(size_t n)
{
	char *b = malloc(n + 64);
	size_t len = 0;

	if (!b)
		exit(1);
	while (len < n)
		len += snprintf(b + len, 64, "{\"proto\":6,\"src\":\"100.64.0.1:%zu\"},",
				40000 + len % 997);
	return b;
}

/* @n bytes that do not compress. */
static char *random_body(size_t n)
{
	char *b = malloc(n);
	uint64_t x = 0x6e65746c6f67ULL;
	size_t i;

	if (!b)
		exit(1);
	for (i = 0; i < n; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		b[i] = x >> 24;
	}
	return b;
}

/* One zstd frame of @len bytes: its header, its checksum, its content. */
static void check_zstd_frame(const unsigned char *z, size_t zlen,
			     const char *body, size_t len)
{
	ZSTD_frameHeader h;
	char *out = malloc(len + 1);

	CHECK_EQ(ZSTD_getFrameHeader(&h, z, zlen), 0);
	CHECK_EQ(h.frameType, ZSTD_frame);
	CHECK_EQ(h.frameContentSize, len);
	CHECK_EQ(h.checksumFlag, 1);
	/* single segment: the window is the whole content */
	CHECK_EQ(h.windowSize, len);
	CHECK_EQ(ZSTD_findFrameCompressedSize(z, zlen), zlen);
	CHECK_EQ(ZSTD_decompress(out, len + 1, z, zlen), len);
	CHECK(!memcmp(out, body, len));
	free(out);
}

static void check_gzip(const unsigned char *z, size_t zlen, const char *body,
		       size_t len)
{
	z_stream zs = { 0 };
	char *out = malloc(len + 1);

	CHECK_EQ(z[0], 0x1f);
	CHECK_EQ(z[1], 0x8b);
	CHECK_EQ(inflateInit2(&zs, 15 + 16), Z_OK);
	zs.next_in = (unsigned char *)z;
	zs.avail_in = zlen;
	zs.next_out = (unsigned char *)out;
	zs.avail_out = len + 1;
	CHECK_EQ(inflate(&zs, Z_FINISH), Z_STREAM_END);
	CHECK_EQ(zs.total_out, len);
	CHECK_EQ(zs.avail_in, 0);
	CHECK(!memcmp(out, body, len));
	inflateEnd(&zs);
	free(out);
}

/*
 * Bodies of several sizes through one context, reused: each frame stands
 * alone. 256 bytes are sent as they are, 257 are compressed.
 */
static void test_round_trip(enum compress_codec codec)
{
	static const size_t sizes[] = { 257, 262144, 1000, 300000, 4096 };
	struct compressor c;
	size_t i;

	compress_init(&c, codec);
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		char *body = json_body(sizes[i]);
		ssize_t z = compress_body(&c, body, sizes[i]);

		CHECK(z > 0 && (size_t)z + COMPRESS_GAIN < sizes[i]);
		if (z > 0 && codec == COMPRESS_ZSTD)
			check_zstd_frame(c.buf, z, body, sizes[i]);
		else if (z > 0)
			check_gzip(c.buf, z, body, sizes[i]);
		free(body);
	}
	compress_free(&c);
}

static void test_zstd_round_trip(void)
{
	test_round_trip(COMPRESS_ZSTD);
}

static void test_gzip_round_trip(void)
{
	test_round_trip(COMPRESS_GZIP);
}

/* logtail's rule: over 256 bytes, and more than 64 bytes saved. */
static void test_only_when_it_pays(void)
{
	static const enum compress_codec codecs[] = {
		COMPRESS_ZSTD, COMPRESS_GZIP, COMPRESS_NONE,
	};
	char *json = json_body(4096), *noise = random_body(4096);
	struct compressor c;
	size_t i;

	for (i = 0; i < 3; i++) {
		compress_init(&c, codecs[i]);
		CHECK_EQ(compress_body(&c, json, COMPRESS_MIN), 0);
		CHECK_EQ(compress_body(&c, noise, 4096), 0);
		CHECK_EQ(compress_body(&c, json, 4096) > 0,
			 codecs[i] != COMPRESS_NONE);
		compress_free(&c);
	}
	free(json);
	free(noise);
}

static void test_names(void)
{
	enum compress_codec codec = COMPRESS_NONE;

	CHECK_EQ(compress_parse("zstd", &codec), 0);
	CHECK_EQ(codec, COMPRESS_ZSTD);
	CHECK_EQ(compress_parse("gzip", &codec), 0);
	CHECK_EQ(codec, COMPRESS_GZIP);
	CHECK_EQ(compress_parse("none", &codec), 0);
	CHECK_EQ(codec, COMPRESS_NONE);
	CHECK_EQ(compress_parse("Zstd", &codec), -EINVAL);
	CHECK_EQ(compress_parse("", &codec), -EINVAL);
	CHECK_STR(compress_name(COMPRESS_ZSTD), "zstd");
	CHECK_STR(compress_name(COMPRESS_GZIP), "gzip");
	CHECK_STR(compress_name(COMPRESS_NONE), "none");
}

int main(void)
{
	test_zstd_round_trip();
	test_gzip_round_trip();
	test_only_when_it_pays();
	test_names();
	return check_done("test-compress");
}
