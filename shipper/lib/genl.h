/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A small generic netlink client over libmnl, shared by netlogctl and netlogd.
 */
#ifndef NETLOG_GENL_H
#define NETLOG_GENL_H

#include <stdbool.h>
#include <stdint.h>
#include <libmnl/libmnl.h>
#include <linux/genetlink.h>

#define GENL_MAX_GROUPS 8
#define GENL_EXTACK_LEN 256

struct genl_group {
	char name[32];
	uint32_t id;
};

/*
 * Owns the socket, the resolved family and the buffers; genl_close() frees
 * all of it.
 */
struct genl_ctx {
	struct mnl_socket *nl;
	uint32_t portid;
	uint32_t seq;
	uint16_t family_id;
	uint8_t version;
	char family[32];
	struct genl_group groups[GENL_MAX_GROUPS];
	unsigned int ngroups;
	char *rxbuf;
	size_t rxlen;
	char *txbuf;
	size_t txlen;
	/* The kernel's extack message for the last failed request, or "". */
	char extack[GENL_EXTACK_LEN];
};

/*
 * Opens a socket and resolves @family; -ENOENT when the kernel does not know
 * the family (its module is not loaded).
 */
int genl_open(struct genl_ctx **ctxp, const char *family, uint8_t version);
void genl_close(struct genl_ctx *ctx);

/* Multicast group id of @name, or -ENOENT. */
int genl_group_id(const struct genl_ctx *ctx, const char *name);
int genl_subscribe(struct genl_ctx *ctx, const char *group);

/*
 * Starts a request for @cmd in the context's transmit buffer; add attributes
 * with mnl_attr_put_*_check(nlh, genl_msg_room(ctx), ...).
 */
struct nlmsghdr *genl_msg_start(struct genl_ctx *ctx, uint8_t cmd,
				uint16_t flags);
size_t genl_msg_room(const struct genl_ctx *ctx);

/*
 * Sends @nlh and calls @cb for every reply message until the kernel's final
 * acknowledgement (a request) or NLMSG_DONE (a dump, NLM_F_DUMP in flags).
 * Returns 0 or -errno; the kernel's extack message, if any, is kept in
 * ctx->extack. -EINTR means the dump was interrupted by a concurrent change
 * and may be retried: @cb saw all of it, but it may be inconsistent.
 */
int genl_request(struct genl_ctx *ctx, struct nlmsghdr *nlh, mnl_cb_t cb,
		 void *data);

/*
 * Reads one batch of notifications and calls @cb for each. Returns 0 or
 * -errno; -ENOBUFS means notifications were lost and reading may go on.
 */
int genl_recv_notifications(struct genl_ctx *ctx, mnl_cb_t cb, void *data);
int genl_fd(const struct genl_ctx *ctx);

/* Payload of a generic netlink message, after its genlmsghdr. */
uint8_t genl_msg_cmd(const struct nlmsghdr *nlh);
#define GENL_HDRLEN_ALIGNED MNL_ALIGN(sizeof(struct genlmsghdr))

/*
 * Logs "prog: what: cause" as an error (log.h), with the kernel's extack
 * message when there is one, and plain words for permission errors.
 */
void genl_perror(const struct genl_ctx *ctx, const char *what, int err);
/* Same for a failed genl_open(): names the missing module for -ENOENT. */
void genl_perror_open(const char *family, int err);

#endif /* NETLOG_GENL_H */
