// SPDX-License-Identifier: GPL-2.0
/* Text forms of netlog's values. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <netinet/in.h>

#include "fmt.h"

int fmt_time(uint64_t ns, char *buf, size_t size)
{
	time_t secs = ns / 1000000000ULL;
	unsigned int frac = ns % 1000000000ULL;
	char fracbuf[11] = "";
	struct tm tm;
	int n;

	if (!gmtime_r(&secs, &tm))
		return -EOVERFLOW;
	if (frac) {
		int end;

		snprintf(fracbuf, sizeof(fracbuf), ".%09u", frac);
		for (end = strlen(fracbuf); fracbuf[end - 1] == '0'; end--)
			;
		fracbuf[end] = '\0';
	}
	n = snprintf(buf, size, "%04d-%02d-%02dT%02d:%02d:%02d%sZ",
		     tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
		     tm.tm_min, tm.tm_sec, fracbuf);
	if (n < 0 || (size_t)n >= size)
		return -ENOSPC;
	return 0;
}

const char *fmt_proto(uint8_t proto)
{
	switch (proto) {
	case IPPROTO_ICMP:
		return "icmp";
	case IPPROTO_TCP:
		return "tcp";
	case IPPROTO_UDP:
		return "udp";
	case IPPROTO_ICMPV6:
		return "icmpv6";
	case IPPROTO_SCTP:
		return "sctp";
	case IPPROTO_GRE:
		return "gre";
	case IPPROTO_ESP:
		return "esp";
	case 255:
		/* netlog's mark for a non-first fragment */
		return "frag";
	}
	return NULL;
}
