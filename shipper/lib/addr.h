/* SPDX-License-Identifier: GPL-2.0 */
/* IPv4 and IPv6 addresses as netlog carries them: 4 or 16 bytes. */
#ifndef NETLOG_ADDR_H
#define NETLOG_ADDR_H

#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>

struct addr {
	uint8_t len;		/* 4 or 16; 0 for no address */
	uint8_t bytes[16];	/* network order */
};

/* "[v6]:65535" and a NUL */
#define ADDRPORT_STRLEN (INET6_ADDRSTRLEN + 2 + 6)

/* Bare IPv4 or IPv6 literal, no brackets, no zone: 0 or -EINVAL. */
int addr_parse(struct addr *addr, const char *str);
/* "a.b.c.d:port" or "[v6]:port" like Go's netip.ParseAddrPort: 0 or -EINVAL. */
int addrport_parse(struct addr *addr, uint16_t *port, const char *str);
/* From an attribute payload: 0, or -EINVAL unless 4 or 16 bytes. */
int addr_set(struct addr *addr, const void *bytes, size_t len);
int addr_format(const struct addr *addr, char *buf, size_t size);
/* "a.b.c.d:port" or "[v6]:port", port 0 included. */
int addrport_format(const struct addr *addr, uint16_t port, char *buf,
		    size_t size);
/*
 * addrport_format()'s text, keeping the last address's text for the next
 * call, which often has the same address (a sorted window's local side, a
 * record's node): only the port is written again. Zero-initialize it.
 */
struct addrport_text {
	struct addr addr;
	size_t addr_len;	/* of "a.b.c.d" or "[v6]"; 0 until the first call */
	size_t len;
	char text[ADDRPORT_STRLEN];
};

/* The text of @addr and @port, NUL-terminated, its length in @t->len. */
const char *addrport_text(struct addrport_text *t, const struct addr *addr,
			  uint16_t port);

/* Clears every bit of @addr after the first @bits. */
void addr_mask(struct addr *addr, unsigned int bits);

/*
 * Order of Go's netip.Addr.Compare and netip.AddrPort.Compare: IPv4 before
 * IPv6, then the bytes in network order, then the port.
 */
int addr_compare(const struct addr *a, const struct addr *b);
int addrport_compare(const struct addr *a, uint16_t aport,
		     const struct addr *b, uint16_t bport);

#endif /* NETLOG_ADDR_H */
