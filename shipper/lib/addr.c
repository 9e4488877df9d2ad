// SPDX-License-Identifier: GPL-2.0
/* IPv4 and IPv6 addresses: parsing, formatting, ordering, masking. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>

#include "addr.h"
#include "fmt.h"

int addr_parse(struct addr *addr, const char *str)
{
	memset(addr, 0, sizeof(*addr));
	if (inet_pton(AF_INET, str, addr->bytes) == 1) {
		addr->len = 4;
		return 0;
	}
	if (inet_pton(AF_INET6, str, addr->bytes) == 1) {
		addr->len = 16;
		return 0;
	}
	return -EINVAL;
}

int addrport_parse(struct addr *a, uint16_t *port, const char *str)
{
	char buf[INET6_ADDRSTRLEN];
	const char *colon, *host = str, *p;
	size_t hlen;
	unsigned long v = 0;

	memset(a, 0, sizeof(*a));
	colon = strrchr(str, ':');
	if (!colon)
		return -EINVAL;
	hlen = colon - str;
	if (str[0] == '[') {
		if (hlen < 2 || str[hlen - 1] != ']')
			return -EINVAL;
		host++;
		hlen -= 2;
	}
	if (hlen >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, host, hlen);
	buf[hlen] = '\0';
	if (addr_parse(a, buf))
		return -EINVAL;
	/* netip.ParseAddrPort: IPv6 needs brackets, IPv4 must not have them */
	if ((a->len == 16) != (str[0] == '['))
		return -EINVAL;
	p = colon + 1;
	if (!*p || strlen(p) > 5)
		return -EINVAL;
	for (; *p; p++) {
		if (*p < '0' || *p > '9')
			return -EINVAL;
		v = v * 10 + (*p - '0');
	}
	if (v > 65535)
		return -EINVAL;
	*port = v;
	return 0;
}

int addr_set(struct addr *addr, const void *bytes, size_t len)
{
	memset(addr, 0, sizeof(*addr));
	if (len != 4 && len != 16)
		return -EINVAL;
	memcpy(addr->bytes, bytes, len);
	addr->len = len;
	return 0;
}

static bool v4_compatible(const struct addr *addr)
{
	static const uint8_t zero[12];

	return addr->len == 16 && !memcmp(addr->bytes, zero, sizeof(zero)) &&
	       (addr->bytes[12] || addr->bytes[13]);
}

/* inet_ntop()'s IPv4 text without its sprintf(), a third of a dump's time. */
static int format_v4(const uint8_t *b, char *buf, size_t size)
{
	char tmp[INET_ADDRSTRLEN], *p = tmp;
	int i;

	for (i = 0; i < 4; i++) {
		if (i)
			*p++ = '.';
		p += fmt_u64(p, b[i]);
	}
	*p++ = '\0';
	if ((size_t)(p - tmp) > size)
		return -ENOSPC;
	memcpy(buf, tmp, p - tmp);
	return 0;
}

int addr_format(const struct addr *addr, char *buf, size_t size)
{
	int n;

	if (addr->len != 4 && addr->len != 16)
		return -EINVAL;
	if (addr->len == 4)
		return format_v4(addr->bytes, buf, size);
	/*
	 * glibc writes ::1.2.3.4 for the deprecated IPv4-compatible form,
	 * Go and so Tailscale ::102:304; the logs must match Go's.
	 */
	if (v4_compatible(addr)) {
		n = snprintf(buf, size, "::%x:%x",
			     addr->bytes[12] << 8 | addr->bytes[13],
			     addr->bytes[14] << 8 | addr->bytes[15]);
		return n < 0 || (size_t)n >= size ? -ENOSPC : 0;
	}
	if (!inet_ntop(AF_INET6, addr->bytes, buf, size))
		return -errno;
	return 0;
}

/* "a.b.c.d" or "[v6]" into @buf (ADDRPORT_STRLEN); its length, or -errno. */
static int format_host(const struct addr *addr, char *buf)
{
	char *p = buf;
	int ret;

	if (addr->len == 16)
		*p++ = '[';
	ret = addr_format(addr, p, INET6_ADDRSTRLEN);
	if (ret)
		return ret;
	p += strlen(p);
	if (addr->len == 16)
		*p++ = ']';
	return p - buf;
}

/* ":port" and a NUL after the host's text; the whole length. */
static size_t put_port(char *buf, size_t host_len, uint16_t port)
{
	char *p = buf + host_len;

	*p++ = ':';
	p += fmt_u64(p, port);
	*p = '\0';
	return p - buf;
}

int addrport_format(const struct addr *addr, uint16_t port, char *buf,
		    size_t size)
{
	char str[ADDRPORT_STRLEN];
	int n = format_host(addr, str);

	if (n < 0)
		return n;
	n = put_port(str, n, port);
	if ((size_t)n >= size)
		return -ENOSPC;
	memcpy(buf, str, n + 1);
	return 0;
}

const char *addrport_text(struct addrport_text *t, const struct addr *addr,
			  uint16_t port)
{
	int n;

	if (!t->addr_len || t->addr.len != addr->len ||
	    memcmp(t->addr.bytes, addr->bytes, addr->len)) {
		t->addr = *addr;
		n = format_host(addr, t->text);
		t->addr_len = n > 0 ? n : 0;
		if (n < 0) {
			t->text[0] = '\0';
			t->len = 0;
			return t->text;
		}
	}
	t->len = put_port(t->text, t->addr_len, port);
	return t->text;
}

int addr_compare(const struct addr *a, const struct addr *b)
{
	int ret;

	if (a->len != b->len)
		return a->len < b->len ? -1 : 1;
	ret = memcmp(a->bytes, b->bytes, a->len);
	return (ret > 0) - (ret < 0);
}

int addrport_compare(const struct addr *a, uint16_t aport,
		     const struct addr *b, uint16_t bport)
{
	int ret = addr_compare(a, b);

	if (ret)
		return ret;
	return (aport > bport) - (aport < bport);
}

void addr_mask(struct addr *a, unsigned int bits)
{
	unsigned int i;

	for (i = 0; i < a->len; i++) {
		if (bits >= 8) {
			bits -= 8;
			continue;
		}
		a->bytes[i] &= (uint8_t)(0xff00 >> bits);
		bits = 0;
	}
}
