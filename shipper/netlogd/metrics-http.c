// SPDX-License-Identifier: GPL-2.0
/*
 * GET /metrics over libmicrohttpd. The server's thread only reads the text
 * under the lock, copying it into the response; the daemon's loop only
 * swaps in a new one. 404 for any other path, 405 for any other method.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <microhttpd.h>

#include "log.h"
#include "addr.h"
#include "metrics-http.h"

#define CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

struct metrics_http {
	struct MHD_Daemon *mhd;
	pthread_mutex_t lock;	/* protects text and len */
	char *text;
	size_t len;
};

static enum MHD_Result reply(struct MHD_Connection *conn, unsigned int status,
			     const char *body, size_t len, const char *type)
{
	struct MHD_Response *r;
	enum MHD_Result ret;

	r = MHD_create_response_from_buffer(len, (void *)body,
					    MHD_RESPMEM_MUST_COPY);
	if (!r)
		return MHD_NO;
	if (type)
		MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
		MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
	ret = MHD_queue_response(conn, status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn,
				  const char *url, const char *method,
				  const char *version, const char *upload_data,
				  size_t *upload_data_size, void **req_cls)
{
	struct metrics_http *mh = cls;
	enum MHD_Result ret;

	(void)version;
	(void)upload_data;
	(void)upload_data_size;
	(void)req_cls;
	if (strcmp(method, MHD_HTTP_METHOD_GET) &&
	    strcmp(method, MHD_HTTP_METHOD_HEAD))
		return reply(conn, MHD_HTTP_METHOD_NOT_ALLOWED,
			     "method not allowed\n", 19, "text/plain");
	if (strcmp(url, "/metrics"))
		return reply(conn, MHD_HTTP_NOT_FOUND, "not found: try /metrics\n",
			     24, "text/plain");
	pthread_mutex_lock(&mh->lock);
	if (mh->text)
		ret = reply(conn, MHD_HTTP_OK, mh->text, mh->len, CONTENT_TYPE);
	else
		ret = reply(conn, MHD_HTTP_SERVICE_UNAVAILABLE,
			    "netlogd is starting\n", 20, "text/plain");
	pthread_mutex_unlock(&mh->lock);
	return ret;
}

/* @listen as a socket address; config.c has checked it. */
static int listen_addr(const char *listen, struct sockaddr_storage *ss)
{
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
	struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
	struct addr a;
	uint16_t port;

	if (addrport_parse(&a, &port, listen))
		return -EINVAL;
	memset(ss, 0, sizeof(*ss));
	if (a.len == 4) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons(port);
		memcpy(&s4->sin_addr, a.bytes, 4);
	} else {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(port);
		memcpy(&s6->sin6_addr, a.bytes, 16);
	}
	return 0;
}

int metrics_http_open(const char *listen, struct metrics_http **mhp)
{
	struct metrics_http *mh;
	struct sockaddr_storage ss;
	unsigned int flags = MHD_USE_INTERNAL_POLLING_THREAD;

	if (listen_addr(listen, &ss)) {
		log_err("metrics_listen '%s': not an address:port", listen);
		return -EINVAL;
	}
	mh = calloc(1, sizeof(*mh));
	if (!mh)
		return -ENOMEM;
	pthread_mutex_init(&mh->lock, NULL);
	if (ss.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	/* port 0 here: the address option carries the port */
	mh->mhd = MHD_start_daemon(flags, 0, NULL, NULL, on_request, mh,
				   MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
				   MHD_OPTION_CONNECTION_LIMIT, 16U,
				   MHD_OPTION_CONNECTION_TIMEOUT, 10U,
				   MHD_OPTION_END);
	if (!mh->mhd) {
		int err = errno ? errno : EADDRNOTAVAIL;

		log_err("metrics_listen '%s': cannot listen: %s", listen,
			strerror(err));
		metrics_http_close(mh);
		return -err;
	}
	*mhp = mh;
	return 0;
}

void metrics_http_set(struct metrics_http *mh, char *text, size_t len)
{
	char *old;

	pthread_mutex_lock(&mh->lock);
	old = mh->text;
	mh->text = text;
	mh->len = len;
	pthread_mutex_unlock(&mh->lock);
	free(old);
}

uint16_t metrics_http_port(const struct metrics_http *mh)
{
	const union MHD_DaemonInfo *info;

	info = MHD_get_daemon_info(mh->mhd, MHD_DAEMON_INFO_BIND_PORT);
	return info ? info->port : 0;
}

void metrics_http_close(struct metrics_http *mh)
{
	if (!mh)
		return;
	if (mh->mhd)
		MHD_stop_daemon(mh->mhd);
	pthread_mutex_destroy(&mh->lock);
	free(mh->text);
	free(mh);
}
