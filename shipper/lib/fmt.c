// SPDX-License-Identifier: GPL-2.0
/* Text forms of netlog's values, and the times read back. */
#include <errno.h>
#include <stdint.h>
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

static const char digit_pairs[201] =
	"0001020304050607080910111213141516171819"
	"2021222324252627282930313233343536373839"
	"4041424344454647484950515253545556575859"
	"6061626364656667686970717273747576777879"
	"8081828384858687888990919293949596979899";

/* Two digits a step: the counters of every flow entry go through here. */
size_t fmt_u64(char *buf, uint64_t v)
{
	char tmp[FMT_U64_LEN], *p = tmp + sizeof(tmp);
	size_t n;

	while (v >= 100) {
		p -= 2;
		memcpy(p, digit_pairs + 2 * (v % 100), 2);
		v /= 100;
	}
	if (v >= 10) {
		p -= 2;
		memcpy(p, digit_pairs + 2 * v, 2);
	} else {
		*--p = '0' + v;
	}
	n = tmp + sizeof(tmp) - p;
	memcpy(buf, p, n);
	return n;
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

static int digits(const char **s, int n, int *val)
{
	int v = 0;

	for (; n; n--, (*s)++) {
		if (**s < '0' || **s > '9')
			return -EINVAL;
		v = v * 10 + (**s - '0');
	}
	*val = v;
	return 0;
}

static int expect(const char **s, char c)
{
	if (**s != c)
		return -EINVAL;
	(*s)++;
	return 0;
}

/* Days since 1970-01-01 of a proleptic Gregorian date. */
static int64_t days_from_civil(int64_t y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static int days_in_month(int y, int m)
{
	static const int days[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31,
				    30, 31 };

	if (m == 2 && y % 4 == 0 && (y % 100 != 0 || y % 400 == 0))
		return 29;
	return days[m - 1];
}

int fmt_time_parse(const char *str, uint64_t *ns)
{
	int y, mo, d, h, mi, sec, oh = 0, om = 0, sign = 0, n;
	const char *s = str;
	uint64_t frac = 0, scale = 1000000000ULL;
	int64_t secs;

	if (digits(&s, 4, &y) || expect(&s, '-') || digits(&s, 2, &mo) ||
	    expect(&s, '-') || digits(&s, 2, &d))
		return -EINVAL;
	if (*s != 'T' && *s != 't')
		return -EINVAL;
	s++;
	if (digits(&s, 2, &h) || expect(&s, ':') || digits(&s, 2, &mi) ||
	    expect(&s, ':') || digits(&s, 2, &sec))
		return -EINVAL;
	if (*s == '.') {
		for (s++, n = 0; *s >= '0' && *s <= '9'; s++, n++) {
			if (n == 9)
				return -EINVAL;
			scale /= 10;
			frac += (*s - '0') * scale;
		}
		if (!n)
			return -EINVAL;
	}
	if (*s == 'Z' || *s == 'z') {
		s++;
	} else if (*s == '+' || *s == '-') {
		sign = *s++ == '-' ? -1 : 1;
		if (digits(&s, 2, &oh) || expect(&s, ':') ||
		    digits(&s, 2, &om) || oh > 23 || om > 59)
			return -EINVAL;
	} else {
		return -EINVAL;
	}
	if (*s || mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo) ||
	    h > 23 || mi > 59 || sec > 59)
		return -EINVAL;
	secs = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec -
	       sign * (oh * 3600 + om * 60);
	if (secs < 0 || (uint64_t)secs > (UINT64_MAX - frac) / 1000000000ULL)
		return -EINVAL;
	*ns = (uint64_t)secs * 1000000000ULL + frac;
	return 0;
}
