/* SPDX-License-Identifier: GPL-2.0 */
/* Strings as Go's encoding/json/jsontext quotes them. */
#ifndef NETLOG_GOQUOTE_H
#define NETLOG_GOQUOTE_H

#include <stddef.h>

/*
 * Length of jsontext.AppendQuote(s): quotes, short escapes for \b \t \n \f
 * \r " \, \u00XX for other control characters, 3 bytes of U+FFFD for each
 * byte that is not valid UTF-8 (Tailscale's jsonQuotedLen).
 */
size_t json_quoted_len(const char *s, size_t len);

/*
 * Copies @len bytes of @src to @dst, each byte that is not valid UTF-8
 * replaced by the 3 bytes of U+FFFD as jsontext.AllowInvalidUTF8 writes it.
 * @dst needs room for 3 * @len bytes; returns the length written.
 */
size_t utf8_replace_invalid(char *dst, const char *src, size_t len);

#endif /* NETLOG_GOQUOTE_H */
