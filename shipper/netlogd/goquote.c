// SPDX-License-Identifier: GPL-2.0
/*
 * Strings as Go's encoding/json/jsontext quotes them, which Tailscale's
 * size accounting assumes: invalid UTF-8 decoded byte by byte as
 * utf8.DecodeRune does, and written as U+FFFD.
 */
#include <string.h>

#include "goquote.h"

/*
 * Length of the valid UTF-8 sequence at @s, or 0 where Go's
 * utf8.DecodeRune would return (RuneError, 1): bad lead byte, overlong
 * form, surrogate, beyond U+10FFFF, or truncated.
 */
static size_t utf8_seq_len(const unsigned char *s, size_t n)
{
	unsigned char c = s[0], lo = 0x80, hi = 0xbf;
	size_t need, i;

	if (c < 0x80)
		return 1;
	if (c < 0xc2 || c > 0xf4)
		return 0;
	if (c < 0xe0) {
		need = 1;
	} else if (c < 0xf0) {
		need = 2;
		if (c == 0xe0)
			lo = 0xa0;
		else if (c == 0xed)
			hi = 0x9f;
	} else {
		need = 3;
		if (c == 0xf0)
			lo = 0x90;
		else if (c == 0xf4)
			hi = 0x8f;
	}
	if (n <= need || s[1] < lo || s[1] > hi)
		return 0;
	for (i = 2; i <= need; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return need + 1;
}

size_t json_quoted_len(const char *str, size_t len)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t n = 2 + len, i = 0, m;

	while (i < len) {
		m = utf8_seq_len(s + i, len - i);
		if (!m) {
			n += 2;		/* one byte becomes U+FFFD */
			i++;
			continue;
		}
		if (m == 1) {
			switch (s[i]) {
			case '\b': case '\t': case '\n': case '\f': case '\r':
			case '"': case '\\':
				n += 1;
				break;
			default:
				if (s[i] < 0x20)
					n += 5;
			}
		}
		i += m;
	}
	return n;
}

size_t utf8_replace_invalid(char *dst, const char *src, size_t len)
{
	const unsigned char *s = (const unsigned char *)src;
	size_t i, m, n = 0;

	for (i = 0; i < len; i += m) {
		m = utf8_seq_len(s + i, len - i);
		if (!m) {
			memcpy(dst + n, "\xef\xbf\xbd", 3);
			n += 3;
			m = 1;
			continue;
		}
		memcpy(dst + n, s + i, m);
		n += m;
	}
	return n;
}
