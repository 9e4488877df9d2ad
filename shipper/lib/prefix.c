// SPDX-License-Identifier: GPL-2.0
/* IP prefixes: parsing as Go's netip.ParsePrefix does it. */
#include <errno.h>
#include <string.h>
#include <arpa/inet.h>

#include "prefix.h"

int prefix_parse(struct prefix *p, const char *str, const char **why)
{
	char buf[INET6_ADDRSTRLEN];
	const char *slash = strrchr(str, '/'), *s;
	unsigned int bits = 0, max;
	const char *reason;

	memset(p, 0, sizeof(*p));
	if (!slash) {
		reason = "missing '/length'";
		goto err;
	}
	if ((size_t)(slash - str) >= sizeof(buf)) {
		reason = "bad address";
		goto err;
	}
	memcpy(buf, str, slash - str);
	buf[slash - str] = '\0';
	if (addr_parse(&p->addr, buf)) {
		reason = "bad address";
		goto err;
	}
	s = slash + 1;
	if (!*s || (s[0] == '0' && s[1]) || strlen(s) > 3) {
		reason = "bad prefix length";
		goto err;
	}
	for (; *s; s++) {
		if (*s < '0' || *s > '9') {
			reason = "bad prefix length";
			goto err;
		}
		bits = bits * 10 + (*s - '0');
	}
	max = p->addr.len * 8;
	if (bits > max) {
		reason = max == 32 ? "prefix length out of range for IPv4 (0-32)" :
				     "prefix length out of range for IPv6 (0-128)";
		goto err;
	}
	p->bits = bits;
	addr_mask(&p->addr, bits);
	return 0;
err:
	if (why)
		*why = reason;
	return -EINVAL;
}
