/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The ipfix sink's transport: one UDP or TCP socket to the collector.
 * libfixbuf encodes the messages (templates, sessions, sequence numbers)
 * into a buffer of the configured size; this sends each one. libfixbuf's
 * own network exporter is not used: its UDP messages are fixed at 1420
 * bytes, and its TCP connect and write block without a time limit, which
 * would stall every other sink of the daemon's loop.
 */
#ifndef NETLOG_SINK_IPFIX_H
#define NETLOG_SINK_IPFIX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ipfix_conn {
	char host[256];
	char port[8];
	bool tcp;
	int fd;			/* -1: not connected */
	int family;		/* of the connected address */
	uint64_t timeout_ms;	/* connect, each write, the final drain */
	uint64_t lost;		/* UDP datagrams the kernel refused */
};

/* Connects (UDP: binds the peer): 0 or -errno, @err set. */
int ipfix_conn_open(struct ipfix_conn *c, char *err, size_t errlen);

/*
 * One IPFIX message. UDP: sent, or lost on the wire (an ICMP error from
 * a collector that is down: counted in c->lost, 0 returned). TCP: every
 * byte written within the time limit, else the connection is closed and
 * -errno returned.
 */
int ipfix_conn_send(struct ipfix_conn *c, const void *msg, size_t len,
		    char *err, size_t errlen);

/*
 * TCP: waits until the collector's host acknowledged every byte sent (the
 * socket's send queue is empty): 0, or -ETIMEDOUT and the connection closed.
 * UDP: 0.
 */
int ipfix_conn_flush(struct ipfix_conn *c, char *err, size_t errlen);

void ipfix_conn_close(struct ipfix_conn *c);

#endif /* NETLOG_SINK_IPFIX_H */
