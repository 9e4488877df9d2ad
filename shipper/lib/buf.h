/* SPDX-License-Identifier: GPL-2.0 */
/* A growable byte buffer: upload bodies, file lines, a command's output. */
#ifndef NETLOG_BUF_H
#define NETLOG_BUF_H

#include <stddef.h>

/*
 * Zero-initialize it; buf_free() releases it. After buf_reserve() or
 * buf_append(), data[len] is a NUL (not counted in len), so the bytes can
 * be read as a string.
 */
struct buf {
	char *data;
	size_t len, cap;
};

/*
 * Makes room for @n more bytes and the NUL after them, doubling the
 * capacity as often as needed: 0 or -ENOMEM (the buffer is unchanged).
 */
int buf_reserve(struct buf *b, size_t n);
int buf_append(struct buf *b, const void *data, size_t n);
void buf_free(struct buf *b);

#endif /* NETLOG_BUF_H */
